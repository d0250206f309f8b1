/* sock.h: the control socket's file (sock.c). */
#ifndef MAINTD_SOCK_H
#define MAINTD_SOCK_H

#include <sys/types.h>

#include <stddef.h>

/*
 * A non-blocking listening socket at path, of that mode and group
 * ((gid_t)-1: the daemon's); -1 with err.
 */
int	sock_listen(const char *path, mode_t mode, gid_t gid, char *err,
	    size_t errlen);

#endif
