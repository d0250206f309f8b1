/* conf_opts.h: the options of maintd.conf and their validators (conf_opts.c). */
#ifndef MAINTD_CONF_OPTS_H
#define MAINTD_CONF_OPTS_H

#include <sys/types.h>

#include <confuse.h>

/* A parser for maintd.conf, validating every value as it is read. */
cfg_t	*conf_parser(void);
/* One for a drop-in file: task, preset and window sections only. */
cfg_t	*conf_parser_dropin(void);
int	 conf_parse_mode(const char *, mode_t *);
int	 conf_parse_percent(const char *, int64_t *pct);

#endif
