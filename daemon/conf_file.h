/* conf_file.h: one file of the configuration, read into a struct config. */
#ifndef MAINTD_CONF_FILE_H
#define MAINTD_CONF_FILE_H

#include <sys/types.h>

#include <stdbool.h>
#include <stddef.h>

struct config;

/*
 * Read path (or, if text is not NULL, that text under path's name, from
 * a file of that mode) into conf: the main file (globals and sections)
 * or a drop-in (task, preset and window sections, appended).  How many
 * errors it found.
 */
size_t	conf_file_load(struct config *conf, const char *path,
	    const char *text, mode_t mode, bool main);

#endif
