/* table.h: aligned text tables for human-readable replies. */
#ifndef MAINTD_TABLE_H
#define MAINTD_TABLE_H

#include <stddef.h>

struct client;

struct table {
	size_t	  ncols;
	size_t	  nrows;
	size_t	  cap;
	char	**cells;
};

void	table_init(struct table *, size_t ncols, ...);
void	table_row(struct table *, ...);
void	table_emit(struct table *, struct client *);
void	table_free(struct table *);

#endif
