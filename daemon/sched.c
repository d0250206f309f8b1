/*
 * sched.c: periodic tasks.  Each active periodic task has one timer, set
 * for its next tick (cron_next() or every, plus a stable per-host jitter);
 * nothing polls between ticks.  At a tick the task runs, unless:
 * the previous run still goes (overlap = skip: a "skipped" event;
 * overlap = queue: it runs once more when that run ends), or the budget
 * is full or a task it is after runs (it waits, tried again as each run
 * ends, and is skipped if its next tick comes first: after-timeout), or
 * a conflicting task is active.  catch_up = true runs a tick
 * that was missed while maintd was down once, when the task is activated.
 * A step of the wall clock re-bases the ticks (stepped()).
 *
 * Each tick gets one outcome in the ledger (ledger.c): ran, or missed
 * with the reason it did not run (overlap, the policy's refusal, the
 * fleet's); a tick that waits, is queued or waits for the fleet's lock
 * is the task's open tick until its run starts or it is given up.
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
#include "ledger.h"
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

/* Set t's timer for its tick `next` (wall clock), jitter added. */
static void
arm_tick(struct task *t, time_t next)
{
	struct timespec	ts;
	int64_t		target, ms;

	t->tick_base = next;
	/* aim at the wall-clock instant, so the jitter is a fixed offset */
	clock_gettime(CLOCK_REALTIME, &ts);
	target = (int64_t)next * 1000 + jitter(t->conf);
	ms = target - ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
	t->next_tick = (time_t)(target / 1000);
	ev_timer_add(&t->tick_timer, ms > 0 ? (uint64_t)ms : 0);
}

/*
 * Ticks follow each other from the previous tick (not from when the
 * timer fired), so a fixed jitter stays a fixed offset; a tick already
 * past (the machine slept) is not run again: the next one is from now.
 * The first tick of `every` is a whole interval after the activation
 * (from the next whole second).  An `every` tick more than an interval
 * and a second away is one the wall clock went back from before ev.c
 * told (see stepped()): the next one is from now.
 */
static void
arm(struct task *t)
{
	struct timespec	ts;
	time_t		now, base, next;
	bool		every = t->conf->every_ms > 0;

	t->next_tick = 0;
	if (t->conf->kind != KIND_PERIODIC || !t->active || t->conf->cron.reboot)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	now = ts.tv_sec;
	base = t->tick_base > 0 ? t->tick_base : now + (every &&
	    ts.tv_nsec > 0);
	next = sched_next(t->conf, base);
	if (next != (time_t)-1 && (next <= now || (every && base > now + 1)))
		next = sched_next(t->conf, now);
	if (next == (time_t)-1)
		return;
	arm_tick(t, next);
}

time_t
sched_upcoming(const struct task *t)
{
	struct timespec	ts;
	time_t		base, next;
	bool		every = t->conf->every_ms > 0;

	if (t->conf->kind != KIND_PERIODIC || t->conf->cron.reboot)
		return -1;
	if (t->active && ev_timer_pending(&t->tick_timer))
		return t->tick_base;	/* the tick its timer is set for */
	/* as arm() would set it at an activation now */
	clock_gettime(CLOCK_REALTIME, &ts);
	base = ts.tv_sec + (every && ts.tv_nsec > 0);
	next = sched_next(t->conf, base);
	return next;
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
	t->wait_code = code;
	if (strcmp(code, "guard") == 0 && !ev_timer_pending(&guard_timer))
		ev_timer_add(&guard_timer, 1000);
}

/*
 * task_start() answered rc for the open tick: a run that started is in
 * the ledger already (ledger.c follows run starts), one that could not
 * be forked ran (its run is in history, an error); 1: the fleet decides
 * later; else it was refused: halted, shutting down, or by the fleet.
 */
static void
started(struct task *t, int rc, const char *err)
{
	if (t->tick_open == 0 || rc == 1)
		return;
	if (rc == 0 || t->spawn_failed)
		ledger_ran(t, t->tick_open, t->cur.id);
	else
		ledger_missed(t, t->tick_open, md.halted ? "halted" :
		    md.shutting_down ? "daemon-down" : "held", err);
}

/* The ledger's reason for a policy's code: a wait on after that lasts
 * until the next tick is after-timeout. */
static const char *
miss_code(const char *code)
{
	return strcmp(code, "after") == 0 ? "after-timeout" : code;
}

/* The open tick of t may start now: it does, waits, or is missed. */
static void
try_start(struct task *t)
{
	const char	*code;
	char		 why[512];
	int		 rc;

	if ((code = policy_can_run(t, false, why, sizeof(why))) != NULL) {
		if (strcmp(code, "budget") == 0 || strcmp(code, "guard") == 0 ||
		    strcmp(code, "after") == 0)
			wait_for(t, TR_SCHEDULE, miss_code(code), why);
		else {
			skipped(t, why);
			ledger_missed(t, t->tick_open, code, why);
		}
		return;
	}
	rc = task_start(t, TR_SCHEDULE, false, "schedule", why, sizeof(why));
	started(t, rc, why);
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
		started(w, task_start(w, w->wait_trigger, false,
		    w->wait_trigger == TR_SCHEDULE ? "schedule" :
		    w->wait_trigger == TR_WINDOW ? "window" : "maintd", err,
		    sizeof(err)), err);
	}
}

/*
 * A tick: the one that waited until now is given up, the previous run
 * may still go (overlap), else it starts, waits, or is refused.  What
 * happens to each tick goes in the ledger.
 */
static void
tick_fire(void *arg)
{
	struct task	*t = arg;
	const char	*code;
	char		 why[512] = "", why2[600];
	time_t		 tick = t->tick_base;

	t->next_tick = 0;
	if (!t->active)
		return;
	if (t->waiting) {
		code = policy_can_run(t, false, why, sizeof(why));
		if (code != NULL)
			snprintf(why2, sizeof(why2), "it waited until its next "
			    "tick (%s)", why);
		else
			snprintf(why2, sizeof(why2), "it waited until its next "
			    "tick");
		skipped(t, why2);
		ledger_missed(t, t->tick_open, code != NULL ? miss_code(code) :
		    t->wait_code, why2);
		t->waiting = false;
	}
	if (t->tick_open != 0 && !t->queued)
		/* its run was still to come from the fleet */
		ledger_missed(t, t->tick_open, "held", "the fleet's lock was "
		    "not had before the next tick");
	if (task_busy(t)) {
		if (t->conf->overlap_queue && !t->queued) {
			t->queued = true;
			ledger_tick(t, tick);	/* it runs when that run ends */
		} else {
			code = t->queued ? "a run is queued behind the one "
			    "still going" : "the previous run is still going";
			skipped(t, code);
			ledger_missed(t, tick, "overlap", code);
		}
	} else {
		ledger_tick(t, tick);
		try_start(t);
	}
	arm(t);
}

/*
 * The wall clock was set (ev.c saw it step) by d seconds.  An `every`
 * task counts elapsed time: its next tick comes when it would have come,
 * neither nearer nor further.  A cron task's ticks are wall-clock times,
 * as cronie keeps them (maintd(8), "Clock steps"):
 *  - forward: a tick the clock jumped over runs once, at once (one run
 *    however many ticks were jumped over), when the step is at most
 *    STEP_BOUND_S or the task has catch_up; a larger step is a
 *    correction: the tick is skipped (a "skipped" event);
 *  - back by at most STEP_BOUND_S, for a task whose ticks are more than
 *    an hour apart: its next tick stays the one it was waiting for, so
 *    a tick of the repeated time that already ran does not run twice;
 *    otherwise (further back, or ticks an hour apart or closer) the
 *    next tick is the first after the new time: nothing waits out the
 *    step.
 */
#define STEP_BOUND_S	(3 * 3600)

static void
stepped(struct task *t, time_t d, time_t now)
{
	time_t	after;

	if (t->conf->every_ms > 0) {
		t->tick_base += d;
		t->next_tick += d;
		return;		/* its timer counts elapsed time already */
	}
	ev_timer_del(&t->tick_timer);
	if (d > 0 && t->tick_base <= now) {
		if (d <= STEP_BOUND_S || t->conf->catch_up) {
			log_info("%s: the clock jumped over its tick: running "
			    "it once now", t->conf->name);
			tick_fire(t);	/* and the next tick from now */
			return;
		}
		skipped(t, "the clock was set forward over its tick by more "
		    "than 3h");
		t->tick_base = 0;
	} else if (d < 0 && (-d > STEP_BOUND_S ||
	    ((after = cron_next(&t->conf->cron, t->tick_base)) != (time_t)-1 &&
	    after - t->tick_base <= 3600)))
		t->tick_base = 0;	/* from the new time */
	if (t->tick_base > 0)
		arm_tick(t, t->tick_base);	/* the same tick, on the new clock */
	else
		arm(t);
}

static struct ev_clock	clock_watch;

static void
clock_stepped(int64_t delta_ms, void *arg)
{
	time_t	d, now = time(NULL);
	size_t	i;

	(void)arg;
	d = (time_t)((delta_ms + (delta_ms > 0 ? 500 : -500)) / 1000);
	if (d == 0)
		return;
	for (i = 0; i < md.tasks.n; i++) {
		struct task *t = md.tasks.v[i];

		if (t->conf->kind == KIND_PERIODIC && t->active &&
		    !t->conf->cron.reboot && ev_timer_pending(&t->tick_timer))
			stepped(t, d, now);
	}
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
		try_start(t);	/* the tick that was queued */
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
	ev_clock_add(&clock_watch, clock_stepped, NULL);
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
	ev_clock_del(&clock_watch);
	feed_unsubscribe(&activation_sub);
	feed_unsubscribe(&end_sub);
	feed_unsubscribe(&task_sub);
}
