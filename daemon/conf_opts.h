/* conf_opts.h: the options of maintd.conf, a parser of them (conf_opts.c). */
#ifndef MAINTD_CONF_OPTS_H
#define MAINTD_CONF_OPTS_H

#include <sys/types.h>

#include <confuse.h>

/* A parser for maintd.conf, validating every value as it is read. */
cfg_t	*conf_parser(void);
/* One for a drop-in file: task, preset and window sections only. */
cfg_t	*conf_parser_dropin(void);
/* Each task section, as it ends, to fn (then freed); NULL: kept. */
void	 conf_parser_take(void (*fn)(cfg_t *));
/* After cfg_parse_buf() on one of them, whatever it returned. */
void	 conf_parser_done(cfg_t *);

#endif
