/* table.h: aligned text tables for human-readable replies. */
#ifndef MAINTD_TABLE_H
#define MAINTD_TABLE_H

#include <stddef.h>
#include <stdint.h>

struct client;

/*
 * The cells are kept end to end in one buffer, each with its length, and
 * the width of each column is kept up to date as rows come: no allocation
 * per cell, and each cell measured once.
 */
struct table {
	size_t	  ncols;
	size_t	  nrows;
	size_t	  cap;		/* rows there is room for */
	uint32_t *off;		/* nrows * ncols: where each cell starts */
	uint32_t *len;		/* and its length */
	size_t	 *w;		/* ncols: the widest cell of each column */
	char	 *text;
	size_t	  tlen, tcap;
};

void	table_init(struct table *, size_t ncols, ...);
void	table_row(struct table *, ...);
void	table_emit(struct table *, struct client *);
void	table_free(struct table *);

#endif
