/* conf_secret.h: the options that may hold a secret, and the values that do. */
#ifndef MAINTD_CONF_SECRET_H
#define MAINTD_CONF_SECRET_H

#include <confuse.h>

/*
 * What secret the value v of option in section holds ("a password in the
 * URL"), or NULL: the options of the table in conf_secret.c.
 */
const char *conf_secret(const char *section, const char *option,
	    const char *v);
/* A parse begins: no secret met yet. */
void	 conf_secret_reset(void);
/* A value of opt in cfg was parsed (conf_opts.c, as it validates it). */
void	 conf_secret_seen(cfg_t *cfg, cfg_opt_t *opt);
/*
 * The line of the first value of this parse that holds a secret, its
 * option and what it holds; 0 if none.
 */
int	 conf_secret_first(const char **option, const char **what);

#endif
