/* reload.h: read the configuration again and apply what changed (reload.c). */
#ifndef MAINTD_RELOAD_H
#define MAINTD_RELOAD_H

#include <stdbool.h>

/* Names of tasks, and of the settings that need a restart. */
struct reload_report {
	char	**added;
	char	**removed;
	char	**changed;
	char	**restart;
};

/*
 * 0 applied (or, with dry_run, only reported); -1 when the new
 * configuration has errors (in *errors): nothing changed.
 */
int	reload(bool dry_run, const char *actor, struct reload_report *,
	    char ***errors);
void	reload_report_free(struct reload_report *);
/*
 * The first error of the last reload that failed ("FILE:LINE: ..."),
 * NULL when none did or one has worked since.
 */
const char *reload_failed(void);
/* At shutdown: no reload tried again later. */
void	reload_stop(void);

#endif
