/* conf_file.h: one file of the configuration, read into a struct config. */
#ifndef MAINTD_CONF_FILE_H
#define MAINTD_CONF_FILE_H

#include <sys/types.h>
#include <sys/stat.h>

#include <stdbool.h>
#include <stddef.h>

struct config;

/* A file found by discover is refused unread above this (maintd.conf(5)). */
#define CONF_DROPIN_MAX	(1024 * 1024)
/* A line of any file is refused above this, before libconfuse sees it. */
#define CONF_LINE_MAX	(64 * 1024)

/*
 * Read path (or, if text is not NULL, that text under path's name, from
 * a file of that mode) into conf: the main file (globals and sections)
 * or a drop-in (task, preset and window sections, appended).  How many
 * errors it found.
 */
size_t	conf_file_load(struct config *conf, const char *path,
	    const char *text, mode_t mode, bool main);
/*
 * The whole text of path, NUL-ended (its length in *lenp, its fstat in
 * *st), read from a descriptor trust_open() checked: a file found by
 * discover (discovered) through no symbolic link, and at most
 * CONF_DROPIN_MAX bytes.  NULL with the reason in err, also when the
 * file changed while it was read (then conf_file_unsettled() counts it).
 */
char	*conf_file_read(const char *path, bool discovered, struct stat *st,
	    size_t *lenp, char *err, size_t errlen);
/* How many files were caught being written since the daemon started. */
size_t	conf_file_unsettled(void);

#endif
