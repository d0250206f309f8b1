/* policy.h: what may start: the halt, conflicts, the weight budget; plans. */
#ifndef MAINTD_POLICY_H
#define MAINTD_POLICY_H

#include <stdbool.h>
#include <stddef.h>

struct task;

/* What a change would do, computed before doing it (and for --dry-run). */
struct plan {
	struct task	**start;	/* to activate */
	size_t		  nstart;
	struct task	**stop;		/* to deactivate */
	size_t		  nstop;
	size_t		  nalready;	/* asked for, but already so */
	int		  weight_after;
	const char	 *code;		/* NULL: allowed; else the ERR code */
	char		  why[512];
};

int	policy_weight_in_use(void);
/*
 * For a run of t now: NULL, or the ERR code (halted, conflict, requires,
 * after, budget, guard) with why filled in.  With force, start_when (the
 * resource guard), requires and after are not asked.
 */
const char *policy_can_run(const struct task *, bool force, char *why,
	    size_t len);
void	plan_activate(struct plan *, struct task **want, size_t n,
	    bool exclusive);
void	plan_deactivate(struct plan *, struct task **want, size_t n);
void	plan_free(struct plan *);

#endif
