/*
 * after.c: after = { "a", "b" }, the start order (DESIGN §14): a run of
 * a oneshot or periodic task does not start while a task it is after
 * runs (policy.c asks; sched.c makes the run wait, deps.c starts a
 * waiting service); a service starts once the services it is after run
 * and are healthy, as systemd's After= with Requires=.
 */
#include <stdio.h>

#include "after.h"
#include "state.h"
#include "task.h"

/* A service that is up: running, not on its way out, and healthy if it
 * is probed. */
static const char *
not_up(const struct task *o)
{
	if (!o->active)
		return "is not active";
	if (!task_busy(o) || o->state == ST_STOPPING)
		return "is not running";
	/* a probe passed for this process (its status outlives one) */
	if (o->conf->has_health && o->probe != NULL && (!o->probe->passed ||
	    o->probe->status == HS_UNHEALTHY))
		return "is not healthy yet";
	return NULL;
}

int
after_check(const struct task *t, char *why, size_t len)
{
	const struct task	*o;
	const char		*w;
	char			**v;

	for (v = t->conf->after; v != NULL && *v != NULL; v++) {
		/* the config names only tasks it has (conf_deps.c) */
		if ((o = task_find(&md.tasks, *v)) == NULL)
			continue;
		if (t->conf->kind == KIND_SERVICE &&
		    o->conf->kind == KIND_SERVICE) {
			if ((w = not_up(o)) == NULL)
				continue;
			snprintf(why, len, "after %s: %s %s", *v, *v, w);
			return -1;
		}
		if (task_busy(o)) {
			snprintf(why, len, "after %s: %s is running (run %llu)",
			    *v, *v, (unsigned long long)o->cur.id);
			return -1;
		}
	}
	return 0;
}
