/*
 * requires.c: requires { task = "backup"  ok_within = 26h }: a run of a
 * task starts only while each task it requires has a successful run
 * that ended within ok_within.  Each task's last success is kept in
 * memory (t->last_ok: read from the store in one query at start-up,
 * updated by ledger.c as each run ends), so a check is a lookup per
 * requirement, however many tasks there are.
 */
#include <time.h>

#include "expect.h"
#include "requires.h"
#include "state.h"
#include "task.h"

int
requires_check(const struct task *t, char *why, size_t len)
{
	const struct requirement	*r;
	const struct task		*o;
	time_t				 now;
	size_t				 i;

	if (t->conf->nrequires == 0)
		return 0;
	now = time(NULL);
	for (i = 0; i < t->conf->nrequires; i++) {
		r = &t->conf->requires[i];
		/* the config names only tasks it has (conf.c) */
		o = task_find(&md.tasks, r->task);
		if (expect_requirement(r->task, r->ok_within_ms,
		    o != NULL ? o->last_ok : 0, now, why, len) == -1)
			return -1;
	}
	return 0;
}
