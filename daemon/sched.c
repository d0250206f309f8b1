/*
 * sched.c: periodic tasks.  Each active periodic task has one timer, set
 * for its next tick (cron_next() or every, plus a stable per-host jitter);
 * nothing polls between ticks.  At a tick the task runs, unless:
 * the previous run still goes (overlap = skip: a "skipped" event;
 * overlap = queue: it runs once more when that run ends), or the budget
 * is full (it waits for capacity, and is skipped if its next tick comes
 * first), or a conflicting task is active.  catch_up = true runs a tick
 * that was missed while maintd was down once, when the task is activated.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "cron.h"
#include "event.h"
#include "feed.h"
#include "log.h"
#include "policy.h"
#include "sched.h"
#include "state.h"
#include "store.h"
#include "supervise.h"
#include "task.h"

/* A delay in [0, jitter) that is the same for this host and task. */
static int64_t
jitter(const struct task_conf *tc)
{
	char		 host[256] = "";
	const char	*p;
	uint64_t	 h = 1469598103934665603ULL;	/* FNV-1a */

	if (tc->jitter_ms <= 0)
		return 0;
	(void)gethostname(host, sizeof(host) - 1);
	for (p = host; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	h = (h ^ '/') * 1099511628211ULL;
	for (p = tc->name; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	return (int64_t)(h % (uint64_t)tc->jitter_ms);
}

/*
 * The next tick strictly after `after`, jitter left out; -1: never.  A
 * cron schedule is read in the task's timezone; every is not.
 */
time_t
sched_next(const struct task_conf *tc, time_t after)
{
	if (tc->every_ms > 0)
		return after + (time_t)(tc->every_ms / 1000);
	return cron_next_tz(&tc->cron, after, tc->timezone);
}

static void
skipped(struct task *t, const char *why)
{
	struct json_object	*d = json_object_new_object();

	log_info("%s: tick skipped: %s", t->conf->name, why);
	json_object_object_add(d, "reason", json_object_new_string(why));
	event_emit(t->conf->name, "skipped", "schedule", d);
}

/*
 * Ticks follow each other from the previous tick (not from when the
 * timer fired), so a fixed jitter stays a fixed offset; a tick already
 * past (the machine slept) is not run again: the next one is from now.
 */
static void
arm(struct task *t)
{
	struct timespec	ts;
	time_t		now = time(NULL), base, next;
	int64_t		target, ms;

	t->next_tick = 0;
	if (t->conf->kind != KIND_PERIODIC || !t->active || t->conf->cron.reboot)
		return;
	base = t->tick_base > 0 ? t->tick_base : now;
	next = sched_next(t->conf, base);
	if (next != (time_t)-1 && next <= now)
		next = sched_next(t->conf, now);
	if (next == (time_t)-1)
		return;
	t->tick_base = next;
	/* aim at the wall-clock instant, so the jitter is a fixed offset */
	clock_gettime(CLOCK_REALTIME, &ts);
	target = (int64_t)next * 1000 + jitter(t->conf);
	ms = target - ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
	t->next_tick = (time_t)(target / 1000);
	ev_timer_add(&t->tick_timer, ms > 0 ? (uint64_t)ms : 0);
}

/*
 * Runs that wait: for budget (tried again when a run ends) or for
 * start_when (tried again once a second while one waits, and never
 * while none does).
 */
static struct ev_timer	guard_timer;

static void	retry_waiting(void);

static void
guard_fire(void *arg)
{
	(void)arg;
	retry_waiting();
}

static void
wait_for(struct task *t, enum trigger trig, const char *code,
    const char *why)
{
	if (!t->waiting)
		log_info("%s: waiting: %s", t->conf->name, why);
	t->waiting = true;
	t->wait_trigger = trig;
	if (strcmp(code, "guard") == 0 && !ev_timer_pending(&guard_timer))
		ev_timer_add(&guard_timer, 1000);
}

static void
try_start(struct task *t)
{
	const char	*code;
	char		 why[512];

	if ((code = policy_can_run(t, false, why, sizeof(why))) != NULL) {
		if (strcmp(code, "budget") == 0 || strcmp(code, "guard") == 0)
			wait_for(t, TR_SCHEDULE, code, why);
		else
			skipped(t, why);
		return;
	}
	(void)task_start(t, TR_SCHEDULE, false, "schedule", why, sizeof(why));
}

/* Start what waited and may now; keep the guard timer while one waits. */
static void
retry_waiting(void)
{
	const char	*code;
	char		 err[512];
	size_t		 i;

	for (i = 0; i < md.tasks.n; i++) {
		struct task *w = md.tasks.v[i];

		if (!w->waiting || !w->active || task_busy(w))
			continue;
		if ((code = policy_can_run(w, false, err, sizeof(err))) !=
		    NULL) {
			if (strcmp(code, "guard") == 0 &&
			    !ev_timer_pending(&guard_timer))
				ev_timer_add(&guard_timer, 1000);
			continue;
		}
		w->waiting = false;
		(void)task_start(w, w->wait_trigger, false, w->wait_trigger ==
		    TR_SCHEDULE ? "schedule" : w->wait_trigger == TR_WINDOW ?
		    "window" : "maintd", err, sizeof(err));
	}
}

static void
tick_fire(void *arg)
{
	struct task	*t = arg;
	char		 why[512] = "", why2[600];

	t->next_tick = 0;
	if (!t->active)
		return;
	if (task_busy(t)) {
		if (t->conf->overlap_queue)
			t->queued = true;
		else
			skipped(t, "the previous run is still going");
	} else if (t->waiting) {
		if (policy_can_run(t, false, why, sizeof(why)) != NULL)
			snprintf(why2, sizeof(why2), "it waited until its next "
			    "tick (%s)", why);
		else
			snprintf(why2, sizeof(why2), "it waited until its next "
			    "tick");
		skipped(t, why2);
		t->waiting = false;
		try_start(t);
	}
	else
		try_start(t);
	arm(t);
}

static void
activated(struct task *t)
{
	time_t	last, missed;
	char	err[256];

	t->queued = t->waiting = false;
	t->tick_base = 0;
	if (t->conf->cron.reboot && !t->boot_done && !task_busy(t)) {
		/* @reboot: once, the first time it is activated */
		t->boot_done = true;
		if (policy_can_run(t, false, err, sizeof(err)) == NULL)
			(void)task_start(t, TR_SCHEDULE, false, "schedule",
			    err, sizeof(err));
	} else if (t->conf->catch_up && !task_busy(t) &&
	    (last = store_last_run(t->conf->name)) > 0 &&
	    (missed = sched_next(t->conf, last)) != (time_t)-1 &&
	    missed <= time(NULL)) {
		log_info("%s: catching up a tick missed while inactive",
		    t->conf->name);
		if (policy_can_run(t, false, err, sizeof(err)) == NULL)
			(void)task_start(t, TR_SCHEDULE, false, "schedule",
			    err, sizeof(err));
	}
	arm(t);
}

static void
deactivated(struct task *t)
{
	t->next_tick = 0;
	t->queued = t->waiting = false;
	ev_timer_del(&t->tick_timer);
}

/* A run ended: a queued tick may go, and capacity may have freed up. */
static void
run_ended(struct task *t)
{
	if (md.shutting_down)
		return;
	if (t->queued && t->active) {
		t->queued = false;
		try_start(t);
	}
	retry_waiting();
}

/*
 * Supervision tells the scheduler what happened through the feed;
 * the scheduler decides when to start runs and asks supervision to.
 */
static struct feed_sub	activation_sub, end_sub, task_sub;

/* A reload came: a new task's timer; a changed one's schedule anew. */
static void
on_task(enum feed_stream st, const struct feed_msg *m, void *arg)
{
	struct task	*t = m->task;

	(void)st;
	(void)arg;
	switch (m->change) {
	case TASK_ADDED:
		ev_timer_init(&t->tick_timer, tick_fire, t);
		break;
	case TASK_CHANGED:
		ev_timer_del(&t->tick_timer);
		t->tick_base = 0;
		arm(t);		/* nothing unless an active periodic task */
		break;
	default:
		deactivated(t);
	}
}

static void
on_activation(enum feed_stream st, const struct feed_msg *m, void *arg)
{
	(void)st;
	(void)arg;
	if (!m->active)
		deactivated(m->task);
	else if (m->task->conf->kind == KIND_PERIODIC)
		activated(m->task);
	else if (m->task->waiting && !ev_timer_pending(&guard_timer))
		ev_timer_add(&guard_timer, 1000);	/* a window's start */
}

static void
on_end(enum feed_stream st, const struct feed_msg *m, void *arg)
{
	(void)st;
	(void)arg;
	run_ended(m->task);
}

void
sched_init(void)
{
	size_t	i;

	for (i = 0; i < md.tasks.n; i++)
		ev_timer_init(&md.tasks.v[i]->tick_timer, tick_fire,
		    md.tasks.v[i]);
	ev_timer_init(&guard_timer, guard_fire, NULL);
	feed_subscribe(&activation_sub, FEED_ACTIVATION, on_activation, NULL);
	feed_subscribe(&end_sub, FEED_RUN_END, on_end, NULL);
	feed_subscribe(&task_sub, FEED_TASK, on_task, NULL);
}

/* Shutting down: no tick fires any more. */
void
sched_stop(void)
{
	size_t	i;

	for (i = 0; i < md.tasks.n; i++)
		deactivated(md.tasks.v[i]);
	ev_timer_del(&guard_timer);
	feed_unsubscribe(&activation_sub);
	feed_unsubscribe(&end_sub);
	feed_unsubscribe(&task_sub);
}
