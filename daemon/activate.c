/*
 * activate.c: the life of a task: activation (until a time), deactivation,
 * a service's restart, the emergency stop and its end, the daemon's
 * shutdown, and tasks a reload removed.  The runs themselves are
 * supervise.c's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "after.h"
#include "ev.h"
#include "event.h"
#include "feed.h"
#include "guard.h"
#include "log.h"
#include "requires.h"
#include "state.h"
#include "supervise.h"
#include "util.h"

static struct ev_timer	shutdown_timer;

/* Tell the feed that t is now active, or not, and who did it. */
static void
activation(struct task *t, const char *actor)
{
	struct feed_msg	m;

	memset(&m, 0, sizeof(m));
	m.task = t;
	m.active = t->active;
	m.actor = actor;
	feed_publish(FEED_ACTIVATION, &m);
}

static void	deactivate(struct task *, const char *, const char *);

static void
until_fire(void *arg)
{
	struct task	*t = arg;

	log_info("%s: auto-deactivated", t->conf->name);
	deactivate(t, "timer", "auto-deactivated");
}

/* 1 if it was already active, else 0. */
int
task_activate(struct task *t, int64_t for_ms, const char *actor)
{
	struct json_object	*detail;
	char			 err[256], d[64];
	int64_t			 ms = for_ms;
	enum trigger		 trig;

	if (t->active)
		return 1;
	t->active = true;
	t->restarts = 0;
	t->crashes = 0;
	if (ms <= 0)
		ms = t->conf->auto_deactivate_ms >= 0 ?
		    t->conf->auto_deactivate_ms : md.conf->auto_deactivate_ms;
	t->active_until = 0;
	if (ms > 0) {
		t->active_until = time(NULL) + (time_t)(ms / 1000);
		ev_timer_add(&t->until_timer, (uint64_t)ms);
	}
	log_info("%s: activated by %s%s%s", t->conf->name, actor,
	    ms > 0 ? " for " : "", ms > 0 ? fmt_duration(ms, d, sizeof(d)) :
	    "");
	detail = json_object_new_object();
	if (ms > 0) {
		json_object_object_add(detail, "for_s",
		    json_object_new_int64(ms / 1000));
		json_object_object_add(detail, "until", json_object_new_string(
		    fmt_rfc3339(t->active_until, d, sizeof(d))));
	}
	event_emit(t->conf->name, "activated", actor, detail);
	if (t->state == ST_FAILED)
		t->state = ST_IDLE;
	switch (t->conf->kind) {
	case KIND_SERVICE:
	case KIND_ONESHOT:
		trig = strncmp(actor, "window:", 7) == 0 ? TR_WINDOW :
		    TR_ACTIVATE;
		if (!task_busy(t) && trig == TR_WINDOW &&
		    (guard_check(&t->conf->start_when, err, sizeof(err)) == -1 ||
		    requires_check(t, err, sizeof(err)) == -1)) {
			/* sched.c starts it once start_when (and requires)
			 * holds */
			log_info("%s: waiting: %s", t->conf->name, err);
			t->waiting = true;
			t->wait_trigger = TR_WINDOW;
		} else if (!task_busy(t) &&
		    after_check(t, err, sizeof(err)) == -1) {
			/* sched.c starts it as a run ends, deps.c as a
			 * service it is after comes up */
			log_info("%s: waiting: %s", t->conf->name, err);
			t->waiting = true;
			t->wait_trigger = trig;
			t->wait_code = "after-timeout";
		} else if (!task_busy(t)) {
			/* a service that could not be started (fork failed)
			 * is tried again after its backoff, as if it crashed */
			if (task_start(t, trig, false, actor, err,
			    sizeof(err)) == -1 && t->spawn_failed &&
			    t->conf->kind == KIND_SERVICE)
				supervise_finish(t);
		} else if (t->state == ST_STOPPING) {
			/* the last run is on its way out: start once it is */
			t->start_pending = true;
			t->pending_trigger = trig;
		}
		break;
	case KIND_PERIODIC:
		break;	/* sched.c follows activations */
	}
	activation(t, actor);
	supervise_title();
	return 0;
}

/*
 * activate --for DUR of a task that is active already: it stays active
 * until DUR from now, whatever its deadline was (none, sooner, later);
 * the event "deadline-set" says so.  The deadline it had (0: none).
 */
time_t
task_set_until(struct task *t, int64_t ms, const char *actor)
{
	struct json_object	*detail;
	time_t			 was = t->active_until;
	char			 d[64], u[64];

	t->active_until = time(NULL) + (time_t)(ms / 1000);
	ev_timer_add(&t->until_timer, (uint64_t)ms);
	log_info("%s: active until %s (for %s), set by %s", t->conf->name,
	    fmt_rfc3339(t->active_until, u, sizeof(u)),
	    fmt_duration(ms, d, sizeof(d)), actor);
	detail = json_object_new_object();
	json_object_object_add(detail, "for_s", json_object_new_int64(ms /
	    1000));
	json_object_object_add(detail, "until", json_object_new_string(u));
	json_object_object_add(detail, "was_until", was == 0 ? NULL :
	    json_object_new_string(fmt_rfc3339(was, d, sizeof(d))));
	event_emit(t->conf->name, "deadline-set", actor, detail);
	return was;
}

static void
deactivate(struct task *t, const char *actor, const char *event)
{
	if (!t->active)
		return;
	t->active = false;
	t->active_until = 0;
	t->start_pending = false;
	activation(t, actor);
	ev_timer_del(&t->until_timer);
	ev_timer_del(&t->restart_timer);
	if (t->state == ST_BACKOFF || t->state == ST_FAILED)
		t->state = ST_IDLE;
	if (task_busy(t))
		(void)task_stop(t, actor);
	log_info("%s: %s by %s", t->conf->name, event, actor);
	event_emit(t->conf->name, event, actor, NULL);
	supervise_title();
}

void
task_deactivate(struct task *t, const char *actor)
{
	deactivate(t, actor, "deactivated");
}

/* A service: stop the current process, start again now. */
int
task_restart(struct task *t, const char *actor, char *err, size_t errlen)
{
	if (t->conf->kind != KIND_SERVICE) {
		snprintf(err, errlen, "%s is a %s task: restart is for "
		    "services (use run)", t->conf->name,
		    kind_name(t->conf->kind));
		return -1;
	}
	if (!t->active) {
		snprintf(err, errlen, "%s is not active (activate it)",
		    t->conf->name);
		return -1;
	}
	t->crashes = 0;
	if (task_busy(t)) {
		/* finish() starts it again once this run has ended */
		t->start_pending = true;
		t->pending_trigger = TR_RESTART;
		t->restarts++;
		(void)task_stop(t, actor);
		return 1;
	}
	ev_timer_del(&t->restart_timer);
	t->state = ST_IDLE;
	t->waiting = false;	/* a restart that waited: it is this one */
	t->restarts++;
	if (task_start(t, TR_RESTART, false, actor, err, errlen) == -1) {
		if (t->spawn_failed)
			supervise_finish(t);	/* tried again after its backoff */
		return -1;
	}
	return 0;
}

static void
shutdown_fire(void *arg)
{
	(void)arg;
	log_warnx("shutdown: %zu run%s still not gone; exiting anyway",
	    supervise_running(), supervise_running() == 1 ? "" : "s");
	ev_break();
}

void
supervise_halt(const char *actor)
{
	struct task	*t;
	size_t		 i;

	md.halted = true;
	log_warnx("emergency stop by %s: halted", actor);
	for (i = 0; i < md.tasks.n; i++) {
		t = md.tasks.v[i];
		if (t->active)
			task_deactivate(t, actor);
		if (task_busy(t))
			(void)task_stop(t, actor);
	}
	event_emit(NULL, "halted", actor, NULL);
	supervise_title();
}

void
supervise_resume(const char *actor)
{
	md.halted = false;
	log_info("resumed by %s", actor);
	event_emit(NULL, "resumed", actor, NULL);
}

void
supervise_shutdown(void)
{
	size_t		 i;
	struct task	*t;

	md.shutting_down = true;
	for (i = 0; i < md.tasks.n + md.nretired; i++) {
		t = i < md.tasks.n ? md.tasks.v[i] :
		    md.retired[i - md.tasks.n];
		ev_timer_del(&t->until_timer);
		ev_timer_del(&t->restart_timer);
		if (task_busy(t))
			(void)task_stop(t, "shutdown");
	}
	if (supervise_running() == 0) {
		ev_break();
		return;
	}
	log_info("shutdown: waiting for %zu run%s to end", supervise_running(),
	    supervise_running() == 1 ? "" : "s");
	ev_timer_add(&shutdown_timer, (uint64_t)md.conf->kill_grace_ms + 5000);
}

static void
timers_init(struct task *t)
{
	ev_timer_init(&t->until_timer, until_fire, t);
	supervise_task_init(t);
}

/*
 * A reload removed t (it is out of md.tasks already): deactivated, and
 * freed once no run of it is left.
 */
void
task_retire(struct task *t)
{
	deactivate(t, "reload", "deactivated");
	ev_timer_del(&t->until_timer);
	ev_timer_del(&t->restart_timer);
	if (!task_busy(t)) {
		supervise_forget(t);
		return;
	}
	t->retired = true;
	md.retired = xreallocarray(md.retired, md.nretired + 1,
	    sizeof(*md.retired));
	md.retired[md.nretired++] = t;
}

static struct feed_sub	task_sub;
static struct ev_clock	clock_watch;

/*
 * The wall clock was set: an activation --for lasts what it lasts (its
 * timer counts elapsed time); the time it ends, as shown, moves with
 * the clock.
 */
static void
clock_stepped(int64_t delta_ms, void *arg)
{
	time_t	d = (time_t)((delta_ms + (delta_ms > 0 ? 500 : -500)) / 1000);
	size_t	i;

	(void)arg;
	for (i = 0; i < md.tasks.n; i++)
		if (md.tasks.v[i]->active_until != 0)
			md.tasks.v[i]->active_until += d;
}

static void
on_task(enum feed_stream st, const struct feed_msg *m, void *arg)
{
	(void)st;
	(void)arg;
	if (m->change == TASK_ADDED)
		timers_init(m->task);
}

void
supervise_init(void)
{
	size_t	i;

	supervise_runs_init();
	ev_timer_init(&shutdown_timer, shutdown_fire, NULL);
	for (i = 0; i < md.tasks.n; i++)
		timers_init(md.tasks.v[i]);
	feed_subscribe(&task_sub, FEED_TASK, on_task, NULL);
	ev_clock_add(&clock_watch, clock_stepped, NULL);
}

/*
 * At exit: what is left of retired tasks, and every timer of a task
 * (tasks_free() frees them next): a request still read after the
 * shutdown began can have armed one (activate --for: until_timer).
 */
void
supervise_free(void)
{
	size_t		 i;
	struct task	*t;

	while (md.nretired > 0)
		supervise_forget(md.retired[md.nretired - 1]);
	free(md.retired);
	md.retired = NULL;
	for (i = 0; i < md.tasks.n; i++) {
		t = md.tasks.v[i];
		ev_timer_del(&t->until_timer);
		ev_timer_del(&t->kill_timer);
		ev_timer_del(&t->timeout_timer);
		ev_timer_del(&t->restart_timer);
	}
	ev_timer_del(&shutdown_timer);
	supervise_runs_free();
	feed_unsubscribe(&task_sub);
	ev_clock_del(&clock_watch);
}
