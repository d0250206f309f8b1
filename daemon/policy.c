/*
 * policy.c: the rules that decide whether something may start.  Nothing
 * starts while halted; conflicting tasks are never active or running
 * together (conflicts are symmetric); the weights of the running tasks
 * never exceed max_weight; a run waits while start_when does not hold,
 * and does not start while a task it requires has no recent success
 * (requires.c), nor while a task it is after runs (after.c).  A plan checks a whole request first, so a
 * refused request changes nothing, and --dry-run can show it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "after.h"
#include "conf.h"
#include "guard.h"
#include "policy.h"
#include "requires.h"
#include "state.h"
#include "task.h"
#include "util.h"

/* What the runs going on weigh, those of removed tasks included. */
int
policy_weight_in_use(void)
{
	return md.weight_in_use;
}

static bool
in(struct task **v, size_t n, const struct task *t)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (v[i] == t)
			return true;
	return false;
}

/*
 * An active or running task that conflicts with t.  Those in skip[] are
 * about to be deactivated: they count only while a run of theirs goes
 * on, which it does until it has stopped.
 */
static const struct task *
conflicting(const struct task *t, struct task **skip, size_t nskip,
    struct task **extra, size_t nextra)
{
	size_t	i;

	for (i = 0; i < t->nconflicts; i++) {
		const struct task *o = t->conflicts[i];

		if (in(skip, nskip, o) && !task_busy(o))
			continue;
		if (o->active || task_busy(o) || in(extra, nextra, o))
			return o;
	}
	/* the run of a task a reload removed goes on as it was defined */
	for (i = 0; i < md.nretired; i++) {
		const struct task *o = md.retired[i];

		if (task_busy(o) && (strv_contains(o->conf->conflicts,
		    t->conf->name) || strv_contains(t->conf->conflicts,
		    o->conf->name)))
			return o;
	}
	return NULL;
}

/* Why t may not start beside o, which conflicts with it. */
static void
conflict_why(const struct task *t, const struct task *o, struct task **skip,
    size_t nskip, struct task **extra, size_t nextra, char *why, size_t len)
{
	if (in(skip, nskip, o))
		snprintf(why, len, "%s conflicts with %s, whose run would still "
		    "be stopping (pid %d)", t->conf->name, o->conf->name,
		    (int)o->cur.pid);
	else if (o->active)
		snprintf(why, len, "%s conflicts with active %s", t->conf->name,
		    o->conf->name);
	else if (o->state == ST_STOPPING)
		snprintf(why, len, "%s conflicts with %s, which is still "
		    "stopping (pid %d)", t->conf->name, o->conf->name,
		    (int)o->cur.pid);
	else if (task_busy(o))
		snprintf(why, len, "%s conflicts with %s, which is running "
		    "(pid %d)", t->conf->name, o->conf->name, (int)o->cur.pid);
	else if (in(extra, nextra, o))
		snprintf(why, len, "%s and %s conflict: they cannot be active "
		    "together", o->conf->name, t->conf->name);
}

const char *
policy_can_run(const struct task *t, bool force, char *why, size_t len)
{
	const struct task	*o;
	int			 used;

	if (md.halted) {
		snprintf(why, len, "maintd is halted (stop-all): nothing "
		    "starts until resume");
		return "halted";
	}
	if ((o = conflicting(t, NULL, 0, NULL, 0)) != NULL) {
		conflict_why(t, o, NULL, 0, NULL, 0, why, len);
		return "conflict";
	}
	/* before the budget: waiting for room would not make it hold */
	if (!force && requires_check(t, why, len) == -1)
		return "requires";
	/* a run waits for the tasks it is after (after.c) */
	if (!force && after_check(t, why, len) == -1)
		return "after";
	used = policy_weight_in_use();
	if (used + t->conf->weight > md.conf->max_weight) {
		snprintf(why, len, "%d/%d, %s needs %d", used,
		    md.conf->max_weight, t->conf->name, t->conf->weight);
		return "budget";
	}
	if (!force && guard_check(&t->conf->start_when, why, len) == -1)
		return "guard";
	return NULL;
}

static void
push(struct task ***v, size_t *n, struct task *t)
{
	*v = xreallocarray(*v, *n + 1, sizeof(**v));
	(*v)[(*n)++] = t;
}

/* Tasks that start a run as soon as they are activated. */
static bool
starts_now(const struct task *t)
{
	return t->conf->kind != KIND_PERIODIC && !task_busy(t);
}

void
plan_activate(struct plan *p, struct task **want, size_t n, bool exclusive)
{
	const struct task	*o;
	size_t			 i;

	memset(p, 0, sizeof(*p));
	if (exclusive)
		for (i = 0; i < md.tasks.n; i++)
			if (md.tasks.v[i]->active &&
			    !in(want, n, md.tasks.v[i]))
				push(&p->stop, &p->nstop, md.tasks.v[i]);
	/*
	 * The runs of the tasks it deactivates are stopped, not gone: they
	 * weigh until they have ended (kill_grace, for one that ignores its
	 * kill_signal), and what starts now starts beside them.
	 */
	p->weight_after = policy_weight_in_use();
	for (i = 0; i < n; i++) {
		struct task *t = want[i];

		if (t->active || in(p->start, p->nstart, t)) {
			p->nalready++;
			continue;
		}
		if (md.halted) {
			p->code = "halted";
			snprintf(p->why, sizeof(p->why), "maintd is halted "
			    "(stop-all): nothing starts until resume");
			return;
		}
		if ((o = conflicting(t, p->stop, p->nstop, p->start,
		    p->nstart)) != NULL) {
			p->code = "conflict";
			conflict_why(t, o, p->stop, p->nstop, p->start,
			    p->nstart, p->why, sizeof(p->why));
			return;
		}
		if (starts_now(t)) {
			if (p->weight_after + t->conf->weight >
			    md.conf->max_weight) {
				p->code = "budget";
				snprintf(p->why, sizeof(p->why), "%d/%d, %s "
				    "needs %d", p->weight_after,
				    md.conf->max_weight, t->conf->name,
				    t->conf->weight);
				return;
			}
			p->weight_after += t->conf->weight;
		}
		push(&p->start, &p->nstart, t);
	}
}

void
plan_deactivate(struct plan *p, struct task **want, size_t n)
{
	size_t	i;

	memset(p, 0, sizeof(*p));
	p->weight_after = policy_weight_in_use();
	for (i = 0; i < n; i++) {
		if (!want[i]->active || in(p->stop, p->nstop, want[i])) {
			p->nalready++;
			continue;
		}
		push(&p->stop, &p->nstop, want[i]);
		if (task_busy(want[i]))
			p->weight_after -= want[i]->cur.weight;
	}
}

void
plan_free(struct plan *p)
{
	free(p->start);
	free(p->stop);
	p->start = p->stop = NULL;
}
