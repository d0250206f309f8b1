/* tokfile.h: reading a bearer token from a file (maintctl -T, maintctl-tty). */
#ifndef MAINTCTL_TOKFILE_H
#define MAINTCTL_TOKFILE_H

#include <stddef.h>

#define TOKEN_MAX	512

/* The token of path into buf; -1 with why in err. */
int	tokfile_read(const char *path, char *buf, size_t len, char *err,
	    size_t errlen);
/* Can tok be sent as the word of "auth TOKEN"?  NULL if so, else why not. */
const char *tokfile_bad(const char *tok);

#endif
