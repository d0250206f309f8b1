/* paths.h: default file locations for root and for ordinary users (DESIGN §3). */
#ifndef MAINTD_PATHS_H
#define MAINTD_PATHS_H

#include <stddef.h>

enum path_kind { PATH_CONFIG, PATH_SOCKET, PATH_PIDFILE, PATH_DATABASE,
	PATH_LOGDIR };

/* Writes the default for kind into buf; returns buf. */
char	*path_default(enum path_kind kind, char *buf, size_t len);
int	 mkdir_parents(const char *path, int mode);

#endif
