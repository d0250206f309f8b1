/* conf_read.h: the text of one file of the configuration, read safely (conf_read.c). */
#ifndef MAINTD_CONF_READ_H
#define MAINTD_CONF_READ_H

#include <sys/types.h>
#include <sys/stat.h>

#include <stdbool.h>
#include <stddef.h>

/* A file found by discover is refused unread above this (maintd.conf(5)). */
#define CONF_DROPIN_MAX	(1024 * 1024)
/* A line of any file is refused above this, before libconfuse sees it. */
#define CONF_LINE_MAX	(64 * 1024)

/*
 * The whole text of path, NUL-ended (its length in *lenp, its fstat in
 * *st), read from a descriptor trust_open() checked: a file found by
 * discover (discovered) through no symbolic link, and at most
 * CONF_DROPIN_MAX bytes.  NULL with the reason in err, also when the
 * file changed while it was read (then conf_read_unsettled() counts it).
 */
char	*conf_read(const char *path, bool discovered, struct stat *st,
	    size_t *lenp, char *err, size_t errlen);
/*
 * The same for libconfuse: comments blanked out (newlines kept), braces
 * and line lengths checked; NULL after adding the errors (conf_err.c).
 * main: the main file, else a file found by discover.
 */
char	*conf_read_clean(const char *path, bool main, struct stat *st);
/* The first line of text longer than CONF_LINE_MAX, or 0. */
int	 conf_read_long_line(const char *text, size_t len);
/* How many files were caught being written since the daemon started. */
size_t	 conf_read_unsettled(void);

#endif
