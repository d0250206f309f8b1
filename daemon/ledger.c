/*
 * ledger.c: the expected-run ledger and the dead-man.  Every tick that a
 * periodic task's schedule implied while it was active gets one outcome
 * in the store (store_ledger.c): ran, with its run, or missed, with one
 * reason and a detail.  sched.c (and fleet.c) say what became of each
 * tick; a tick whose outcome is still to come (it waits for budget or
 * start_when, is queued behind the running run, or waits for the fleet's
 * lock) is the task's open tick, closed by the start of a scheduled run,
 * by what sched.c decides at its next tick, or by a deactivation (its
 * reason: why it waited, or halted, or window-closed).
 *
 * The tasks active now are kept in the store (a row each, written at
 * activation, dropped at deactivation, left as they are by a shutdown or
 * a crash), so that the next daemon records the ticks that the stop made
 * them miss: daemon-down, from the last tick recorded (at most
 * DOWN_ROWS rows a task, then one that says how many more).
 *
 * late_after: an active periodic task with no successful run for that
 * long (from its activation or its last success) is late: a "late"
 * event, health degraded, status says so; its next success emits
 * "recovered", as a success after failed runs does.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "ev.h"
#include "event.h"
#include "expect.h"
#include "feed.h"
#include "ledger.h"
#include "log.h"
#include "metrics.h"
#include "run.h"
#include "state.h"
#include "store.h"
#include "task.h"
#include "util.h"

#define DOWN_ROWS	1000	/* daemon-down rows per task, at most */

static struct feed_sub	activation_sub, start_sub, task_sub;
static bool		stopped;
static bool		starting;	/* ledger_down(): before metrics_init() */

/* The outcome of tick (reason -1: it ran as run); false if it had one. */
static bool
record(struct task *t, time_t tick, int reason, uint64_t run,
    const char *detail)
{
	if (tick <= 0)
		return false;
	if (tick == t->tick_open)
		t->tick_open = 0;
	else if (tick == t->tick_done)
		return false;
	t->tick_done = tick;
	if (store_ledger_put(t->conf->name, tick, reason >= 0 ?
	    miss_reason_name(reason) : NULL, run, detail) == 0)
		return false;	/* the store has one for it already */
	if (reason < 0)
		return true;
	log_debug("%s: tick %lld missed (%s): %s", t->conf->name,
	    (long long)tick, miss_reason_name(reason), detail ? detail : "");
	t->missed++;
	t->missed_by[reason]++;
	if (!starting)
		metrics_changed();
	return true;
}

void
ledger_ran(struct task *t, time_t tick, uint64_t run)
{
	(void)record(t, tick, -1, run, NULL);
}

void
ledger_missed(struct task *t, time_t tick, const char *reason,
    const char *detail)
{
	int	r;

	if (tick <= 0)
		return;
	if ((r = miss_reason_parse(reason)) == -1) {
		log_warnx("%s: tick %lld: no such reason '%s'", t->conf->name,
		    (long long)tick, reason != NULL ? reason : "");
		return;
	}
	(void)record(t, tick, r, 0, detail);
}

void
ledger_tick(struct task *t, time_t tick)
{
	if (t->tick_open != 0 && t->tick_open != tick)
		(void)record(t, t->tick_open, MISS_OVERLAP, 0,
		    "its next tick came first");
	t->tick_open = tick;
}

/* The open tick of a task being deactivated: why it never ran. */
static void
close_open(struct task *t, const char *actor)
{
	const char	*why;
	char		 detail[200];
	int		 r;

	if (t->tick_open == 0)
		return;
	if (md.halted)
		r = MISS_HALTED;
	else if (actor != NULL && (strncmp(actor, "window:", 7) == 0 ||
	    (t->by_window && strcmp(actor, "timer") == 0)))
		r = MISS_WINDOW_CLOSED;
	else if (t->waiting && miss_reason_parse(t->wait_code) != -1)
		r = miss_reason_parse(t->wait_code);
	else if (t->queued)
		r = MISS_OVERLAP;
	else
		r = MISS_HELD;	/* the fleet had not said yet */
	why = t->waiting && t->wait_code != NULL ? t->wait_code :
	    t->queued ? "the run before it" : "the fleet's lock";
	if (r == MISS_WINDOW_CLOSED)
		snprintf(detail, sizeof(detail), "the window that activated it "
		    "closed while it waited for %s", why);
	else
		snprintf(detail, sizeof(detail), "deactivated by %s while it "
		    "waited for %s", actor != NULL ? actor : "maintd", why);
	(void)record(t, t->tick_open, r, 0, detail);
}

/* The dead-man. */

static void
late_arm(struct task *t)
{
	time_t	at, now = time(NULL);

	ev_timer_del(&t->late_timer);
	if (stopped || md.shutting_down || !t->active || t->late ||
	    t->conf->kind != KIND_PERIODIC || t->conf->late_after_ms <= 0)
		return;
	at = expect_late_at(t->active_since, t->last_ok,
	    t->conf->late_after_ms);
	ev_timer_add(&t->late_timer, at > now ? (uint64_t)(at - now) * 1000 :
	    0);
}

static void
late_fire(void *arg)
{
	struct task		*t = arg;
	struct json_object	*d;
	char			 buf[64];
	time_t			 now = time(NULL), from;

	if (!t->active || t->late || t->conf->late_after_ms <= 0)
		return;
	if (expect_late_at(t->active_since, t->last_ok,
	    t->conf->late_after_ms) > now) {
		late_arm(t);	/* the clock was set back */
		return;
	}
	t->late = true;
	from = t->last_ok > t->active_since ? t->last_ok : t->active_since;
	log_warnx("%s: late: no successful run for %s", t->conf->name,
	    fmt_duration((int64_t)(now - from) * 1000, buf, sizeof(buf)));
	d = json_object_new_object();
	json_object_object_add(d, "late_after_s",
	    json_object_new_int64(t->conf->late_after_ms / 1000));
	json_object_object_add(d, "last_ok", t->last_ok > 0 ?
	    json_object_new_string(fmt_rfc3339(t->last_ok, buf, sizeof(buf))) :
	    NULL);
	json_object_object_add(d, "since", json_object_new_string(
	    fmt_rfc3339(from, buf, sizeof(buf))));
	event_emit(t->conf->name, "late", "maintd", d);
	metrics_changed();
}

void
ledger_run_ended(struct task *t, const struct run *r)
{
	struct json_object	*d;
	unsigned		 fails = t->fails;
	bool			 late = t->late;
	char			 trig[120];

	if (r->dry_run)
		return;		/* a dry run proves nothing */
	switch (run_classify(r)) {
	case RC_OK:
		t->last_ok = r->end;
		t->fails = 0;
		t->late = false;
		if (fails > 0 || late) {
			log_info("%s: recovered (after %u failed run%s%s)",
			    t->conf->name, fails, fails == 1 ? "" : "s",
			    late ? ", late" : "");
			d = json_object_new_object();
			json_object_object_add(d, "run",
			    json_object_new_int64((int64_t)r->id));
			json_object_object_add(d, "trigger",
			    json_object_new_string(run_trigger(r, trig, sizeof(trig))));
			json_object_object_add(d, "failures",
			    json_object_new_int((int)fails));
			json_object_object_add(d, "late",
			    json_object_new_boolean(late));
			event_emit(t->conf->name, "recovered", "maintd", d);
		}
		late_arm(t);
		if (late)
			metrics_changed();
		break;
	case RC_STOPPED:
		break;		/* stopped by someone: neither */
	default:
		t->fails++;
	}
}

/* Activations, from the feed. */

static void
on_activation(enum feed_stream st, const struct feed_msg *m, void *arg)
{
	struct task	*t = m->task;
	struct timespec	 ts;

	(void)st;
	(void)arg;
	if (m->active) {
		clock_gettime(CLOCK_REALTIME, &ts);
		t->active_since = ts.tv_sec;
		t->by_window = m->actor != NULL &&
		    strncmp(m->actor, "window:", 7) == 0;
		t->missed = 0;
		t->late = false;
		if (t->conf->kind == KIND_PERIODIC)
			(void)store_activation_put(t->conf->name,
			    (double)ts.tv_sec + (double)ts.tv_nsec / 1e9,
			    t->active_until);
		late_arm(t);
		return;
	}
	close_open(t, m->actor);
	(void)store_activation_del(t->conf->name);
	ev_timer_del(&t->late_timer);
	if (t->late)
		metrics_changed();
	t->late = false;
}

/* A scheduled run started: the tick it stands for ran. */
static void
on_start(enum feed_stream st, const struct feed_msg *m, void *arg)
{
	(void)st;
	(void)arg;
	if (m->run->trigger == TR_SCHEDULE && m->task->tick_open != 0)
		(void)record(m->task, m->task->tick_open, -1, m->run->id, NULL);
}

static void
on_task(enum feed_stream st, const struct feed_msg *m, void *arg)
{
	(void)st;
	(void)arg;
	switch (m->change) {
	case TASK_ADDED:
		ev_timer_init(&m->task->late_timer, late_fire, m->task);
		break;
	case TASK_CHANGED:
		if ((m->task->conf->late_after_ms <= 0 ||
		    m->task->conf->kind != KIND_PERIODIC) && m->task->late) {
			m->task->late = false;
			metrics_changed();
		}
		late_arm(m->task);	/* late_after may have changed */
		break;
	default:
		ev_timer_del(&m->task->late_timer);
	}
}

static void
last_ok_loaded(const char *name, time_t end, void *arg)
{
	struct task	*t;

	(void)arg;
	if ((t = task_find(&md.tasks, name)) != NULL)
		t->last_ok = end;
}

void
ledger_init(void)
{
	size_t	i;

	stopped = false;
	for (i = 0; i < md.tasks.n; i++)
		ev_timer_init(&md.tasks.v[i]->late_timer, late_fire,
		    md.tasks.v[i]);
	(void)store_last_oks(last_ok_loaded, NULL);
	/* before sched.c's: a deactivation closes the tick while it waits */
	feed_subscribe(&activation_sub, FEED_ACTIVATION, on_activation, NULL);
	feed_subscribe(&start_sub, FEED_RUN_START, on_start, NULL);
	feed_subscribe(&task_sub, FEED_TASK, on_task, NULL);
}

/* The ticks that a daemon's stop made a task miss. */
struct down {
	expect_next_fn	 next;
	time_t		 now;
	size_t		 tasks;
	uint64_t	 ticks;
};

static void
down_task(const char *name, double since, time_t until, time_t last,
    void *arg)
{
	struct down		*dn = arg;
	struct task		*t = task_find(&md.tasks, name);
	struct expect_span	 span;
	time_t			 v[DOWN_ROWS], from, to;
	char			 detail[200], at[64];
	size_t			 i;

	if (t == NULL || t->conf->kind != KIND_PERIODIC ||
	    t->conf->cron.reboot)
		return;
	/* every counts from the whole second after its activation */
	from = (time_t)since;
	if (t->conf->every_ms > 0 && since > (double)from)
		from++;
	if (last > from)
		from = last;
	to = until > 0 && until < dn->now ? until : dn->now;
	memset(&span, 0, sizeof(span));
	span.v = v;
	span.max = DOWN_ROWS;
	expect_ticks(dn->next, t->conf, from, to, &span);
	for (i = 0; i < span.n; i++)
		(void)record(t, v[i], MISS_DAEMON_DOWN, 0,
		    "maintd was not running");
	if (span.more > 0) {
		snprintf(detail, sizeof(detail), "maintd was not running: "
		    "%s%llu more ticks after %s, up to this one, not listed",
		    span.at_least ? "at least " : "",
		    (unsigned long long)span.more,
		    fmt_rfc3339(v[span.n - 1], at, sizeof(at)));
		if (record(t, span.last, MISS_DAEMON_DOWN, 0, detail)) {
			t->missed += span.more - 1;
			t->missed_by[MISS_DAEMON_DOWN] += span.more - 1;
		}
	}
	if (span.n > 0) {
		dn->tasks++;
		dn->ticks += span.n + span.more;
		log_info("%s: %llu tick%s missed while maintd was not running",
		    t->conf->name, (unsigned long long)(span.n + span.more),
		    span.n + span.more == 1 ? "" : "s");
	}
}

void
ledger_down(expect_next_fn next)
{
	struct down	dn;

	memset(&dn, 0, sizeof(dn));
	dn.next = next;
	dn.now = time(NULL);
	starting = true;
	store_batch_begin();
	if (store_activations(down_task, &dn) >= 0)
		(void)store_activations_clear();
	store_batch_end();
	starting = false;
	if (dn.tasks > 0)
		log_info("ledger: %llu tick%s of %zu task%s missed while maintd "
		    "was not running", (unsigned long long)dn.ticks,
		    dn.ticks == 1 ? "" : "s", dn.tasks, dn.tasks == 1 ? "" : "s");
}

void
ledger_stop(void)
{
	struct task	*t;
	size_t		 i;

	stopped = true;
	store_batch_begin();
	for (i = 0; i < md.tasks.n; i++) {
		t = md.tasks.v[i];
		ev_timer_del(&t->late_timer);
		if (t->tick_open != 0)
			(void)record(t, t->tick_open, MISS_DAEMON_DOWN, 0,
			    "maintd stopped while it waited");
	}
	store_batch_end();
	feed_unsubscribe(&activation_sub);
	feed_unsubscribe(&start_sub);
	feed_unsubscribe(&task_sub);
}
