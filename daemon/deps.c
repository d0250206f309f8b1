/*
 * deps.c: what the end of a run implies for other tasks (DESIGN §14).
 *
 * Chains: a run that succeeded starts the tasks of its task's
 * on_success, one that failed (failed, timeout, error) those of its
 * on_failure; a run that was stopped starts nothing.  The chained run's
 * trigger is chain:TASK#RUN and its environment has MAINTD_PARENT_TASK,
 * MAINTD_PARENT_RUN and MAINTD_PARENT_RESULT.  Activating a task covers
 * what it chains to: a chain fires when its parent is active, or the
 * parent's run was started by hand (maintctl run) or by a chain itself;
 * a chained task need not be active.  The policy still applies (halt,
 * conflicts, requires, after, budget, start_when): a chained run that
 * cannot start now does not wait; it is refused, with a "skipped" event
 * saying why, as is one whose task is still running.  A dry run's
 * chains run as dry runs, or are skipped where the task has none.
 *
 * Services after services (after.c decides): a service waiting on its
 * after is started once they are up, looked at as runs start and, while
 * one waits for a probe to pass, every WAIT_POLL_MS (a probe's first
 * pass has no event);
 * when a service it is after ends, a running service is stopped and
 * waits again, as systemd's Requires= stops what requires a unit.
 */
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "after.h"
#include "deps.h"
#include "ev.h"
#include "event.h"
#include "feed.h"
#include "log.h"
#include "policy.h"
#include "state.h"
#include "supervise.h"
#include "task.h"
#include "util.h"

#define WAIT_POLL_MS	250

static struct feed_sub	end_sub, start_sub, activation_sub;
static struct ev_timer	wait_timer;

/* A chained run that does not start: logged, and a skipped event. */
static void
refused(struct task *c, const char *actor, const char *why)
{
	struct json_object	*d = json_object_new_object();

	log_info("%s: chained run (%s) not started: %s", c->conf->name, actor,
	    why);
	json_object_object_add(d, "reason", json_object_new_string(why));
	event_emit(c->conf->name, "skipped", actor, d);
}

static void
chain_one(struct task *p, const struct run *r, const char *name)
{
	struct task	*c;
	const char	*code;
	char		 actor[120], why[512], w2[600];

	if ((c = task_find(&md.tasks, name)) == NULL)
		return;
	snprintf(actor, sizeof(actor), "chain:%s#%llu", p->conf->name,
	    (unsigned long long)r->id);
	if (r->dry_run && !c->conf->dry_run) {
		refused(c, actor, "the parent's run was a dry run and this task "
		    "has none (dry_run = false)");
		return;
	}
	if (task_busy(c)) {
		snprintf(why, sizeof(why), "already running (pid %d)",
		    (int)c->cur.pid);
		refused(c, actor, why);
		return;
	}
	if ((code = policy_can_run(c, false, why, sizeof(why))) != NULL) {
		snprintf(w2, sizeof(w2), "%s: %s", code, why);
		refused(c, actor, w2);
		return;
	}
	memset(&c->chain_parent, 0, sizeof(c->chain_parent));
	snprintf(c->chain_parent.task, sizeof(c->chain_parent.task), "%s",
	    p->conf->name);
	c->chain_parent.run = r->id;
	snprintf(c->chain_parent.result, sizeof(c->chain_parent.result), "%s",
	    run_class(r));
	if (task_start(c, TR_CHAIN, r->dry_run, actor, why, sizeof(why)) == -1 &&
	    !c->spawn_failed)
		refused(c, actor, why);
}

/* The chains of a run of p that ended. */
static void
chains(struct task *p, const struct run *r)
{
	char	**v;

	if (p->retired || md.shutting_down)
		return;
	/* who activated p, or ran it, asked for its chains too */
	if (!p->active && r->trigger != TR_MANUAL && r->trigger != TR_CHAIN)
		return;
	switch (run_classify(r)) {
	case RC_OK:
		v = p->conf->on_success;
		break;
	case RC_STOPPED:
		return;		/* someone stopped it: nothing follows */
	default:
		v = p->conf->on_failure;
	}
	for (; v != NULL && *v != NULL; v++)
		chain_one(p, r, *v);
}

/* Is a service waiting on its after? */
static bool
after_waits(const struct task *t)
{
	return t->conf->kind == KIND_SERVICE && t->active && t->waiting &&
	    !task_busy(t) && t->conf->after[0] != NULL;
}

/*
 * Does w wait for a service that runs but is not healthy (yet)?
 * That has no event: it is looked at again every WAIT_POLL_MS.  What
 * else it may wait for (a service to start) comes as a run's start.
 */
static bool
waits_for_probe(const struct task *w)
{
	const struct task	*o;
	char			**v;

	for (v = w->conf->after; *v != NULL; v++)
		if ((o = task_find(&md.tasks, *v)) != NULL &&
		    o->conf->kind == KIND_SERVICE && task_busy(o) &&
		    o->conf->has_health && o->probe != NULL &&
		    (!o->probe->passed || o->probe->status == HS_UNHEALTHY))
			return true;
	return false;
}

/* Start the services whose after is now up; poll while one waits for a
 * probe. */
static void
start_waiting(void *arg)
{
	struct task	*w;
	char		 err[512];
	size_t		 i;
	bool		 waits = false;

	(void)arg;
	if (md.shutting_down)
		return;
	for (i = 0; i < md.tasks.n; i++) {
		w = md.tasks.v[i];
		if (!after_waits(w))
			continue;
		if (policy_can_run(w, false, err, sizeof(err)) != NULL) {
			waits = waits || waits_for_probe(w);
			continue;
		}
		w->waiting = false;
		if (task_start(w, w->wait_trigger, false, "maintd", err,
		    sizeof(err)) == -1 && w->spawn_failed)
			supervise_finish(w);	/* tried again after backoff */
	}
	if (waits && !ev_timer_pending(&wait_timer))
		ev_timer_add(&wait_timer, WAIT_POLL_MS);
}

static void
look_soon(void)
{
	if (!ev_timer_pending(&wait_timer))
		ev_timer_add(&wait_timer, 0);
}

/* A service a ended: the running services after it stop and wait. */
static void
dependents_stop(struct task *a)
{
	struct task	*b;
	char		 actor[100];
	size_t		 i;

	if (a->conf->kind != KIND_SERVICE || md.shutting_down)
		return;
	snprintf(actor, sizeof(actor), "after %s", a->conf->name);
	for (i = 0; i < md.tasks.n; i++) {
		b = md.tasks.v[i];
		if (b->conf->kind != KIND_SERVICE || !b->active ||
		    !strv_contains(b->conf->after, a->conf->name))
			continue;
		if (b->state == ST_BACKOFF) {
			ev_timer_del(&b->restart_timer);
			b->state = ST_IDLE;
		} else if (!task_busy(b) || b->state == ST_STOPPING)
			continue;
		log_info("%s: %s ended: stopping it until %s runs again",
		    b->conf->name, a->conf->name, a->conf->name);
		b->waiting = true;
		b->wait_trigger = TR_RESTART;
		b->wait_code = "after-timeout";
		(void)task_stop(b, actor);
	}
	look_soon();
}

static void
on_end(enum feed_stream st, const struct feed_msg *m, void *arg)
{
	(void)st;
	(void)arg;
	if (m->run != NULL)
		chains(m->task, m->run);
	dependents_stop(m->task);
}

static void
on_start(enum feed_stream st, const struct feed_msg *m, void *arg)
{
	(void)st;
	(void)arg;
	if (m->task->conf->kind == KIND_SERVICE)
		look_soon();
}

static void
on_activation(enum feed_stream st, const struct feed_msg *m, void *arg)
{
	(void)st;
	(void)arg;
	if (after_waits(m->task))
		look_soon();
}

void
deps_init(void)
{
	ev_timer_init(&wait_timer, start_waiting, NULL);
	feed_subscribe(&end_sub, FEED_RUN_END, on_end, NULL);
	feed_subscribe(&start_sub, FEED_RUN_START, on_start, NULL);
	feed_subscribe(&activation_sub, FEED_ACTIVATION, on_activation, NULL);
}

void
deps_stop(void)
{
	ev_timer_del(&wait_timer);
	feed_unsubscribe(&end_sub);
	feed_unsubscribe(&start_sub);
	feed_unsubscribe(&activation_sub);
}
