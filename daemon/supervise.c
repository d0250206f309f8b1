/*
 * supervise.c: runs and their ends.  A run is STARTING until its exec is
 * confirmed, RUNNING until its leader is reaped, STOPPING while signals
 * are on their way (kill_signal, then SIGKILL after kill_grace).  When the
 * leader has gone, whatever is left of its process group (and of the
 * processes that escaped it, see osdep.c) is killed before the task is
 * idle again.  Services are restarted with exponential backoff and put in
 * FAILED after restart_limit quick crashes in a row; a restart for
 * failed health probes is one of those crashes (crashed()).
 */
#include <sys/types.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "after.h"
#include "cgroup.h"
#include "ev.h"
#include "event.h"
#include "feed.h"
#include "ledger.h"
#include "log.h"
#include "metrics.h"
#include "osdep.h"
#include "output.h"
#include "pidmap.h"
#include "policy.h"
#include "spawn.h"
#include "state.h"
#include "store.h"
#include "supervise.h"
#include "util.h"

#define STABLE_MS	10000	/* a service up this long is not crashing */
#define RECHECK_MS	1000	/* look again for leftovers after SIGKILL */
#define LOOK_AGAIN_MS	50	/* ... and for one caught in an execve */

static size_t		nbusy;
static struct ev_timer	title_timer;
static struct pidmap	runs_by_pid;	/* run pid -> task: on_chld() */

static start_gate_fn	gate;
static run_gone_fn	gone_hook;

void
supervise_gate(start_gate_fn g, run_gone_fn r)
{
	gate = g;
	gone_hook = r;
}

/*
 * Tasks a reload removed while a run of theirs was still going
 * (md.retired): they are supervised until it has ended, then freed.
 * all(i) walks the configured tasks, then these.
 */
static size_t
nall(void)
{
	return md.tasks.n + md.nretired;
}

static struct task *
all(size_t i)
{
	return i < md.tasks.n ? md.tasks.v[i] : md.retired[i - md.tasks.n];
}


size_t
supervise_running(void)
{
	return nbusy;
}

void
supervise_title(void)
{
	/* once per loop turn, however many tasks changed in it */
	if (!ev_timer_pending(&title_timer))
		ev_timer_add(&title_timer, 0);
}

static void
title_fire(void *arg)
{
	size_t	i, nactive = 0;

	(void)arg;
	for (i = 0; i < md.tasks.n; i++)
		if (md.tasks.v[i]->active)
			nactive++;
	setproctitle("%zu task%s, %zu active, %zu running", md.tasks.n,
	    md.tasks.n == 1 ? "" : "s", nactive, nbusy);
}

/* The run just ended becomes the task's last one. */
static void
run_keep_last(struct task *t)
{
	if (t->last == NULL)
		t->last = xcalloc(1, sizeof(*t->last));
	*t->last = t->cur;
}

static void
last_loaded(const char *name, const struct run *r, void *arg)
{
	struct task	*t;

	(void)arg;
	if ((t = task_find(&md.tasks, name)) != NULL && t->last == NULL) {
		t->last = xcalloc(1, sizeof(*t->last));
		*t->last = *r;
	}
}

/* At start-up: each task's last run, as the store remembers it. */
void
supervise_load_last(void)
{
	(void)store_last_runs(last_loaded, NULL);
}

static struct json_object *
run_detail(const struct run *r)
{
	struct json_object	*o = json_object_new_object();
	char			 res[300], trig[120];

	json_object_object_add(o, "run", json_object_new_int64((int64_t)r->id));
	json_object_object_add(o, "trigger",
	    json_object_new_string(run_trigger(r, trig, sizeof(trig))));
	if (r->pid > 0)
		json_object_object_add(o, "pid", json_object_new_int(r->pid));
	if (r->dry_run)
		json_object_object_add(o, "dry_run",
		    json_object_new_boolean(1));
	if (r->done) {
		json_object_object_add(o, "result",
		    json_object_new_string(run_result(r, res, sizeof(res))));
		json_object_object_add(o, "duration_s", json_object_new_double(
		    (double)(r->end_mono - r->start_mono) / 1000));
		if (r->res.cpu_src != RS_NONE)
			run_res_json(r, o);
	}
	return o;
}

/* The run is over: history, metrics, the activity log. */
static void
record_end(struct task *t)
{
	char	event[32];

	store_run_end(t->conf->name, &t->cur);
	metrics_run_ended(t, &t->cur);
	snprintf(event, sizeof(event), "run-%s", run_class(&t->cur));
	event_emit(t->conf->name, event, "maintd", run_detail(&t->cur));
	ledger_run_ended(t, &t->cur);	/* successes, failures, recovered */
}

/*
 * os_kill_run() for the task's run: what of it left its group, passing
 * over the groups of the runs going now (with many services running,
 * most processes on the machine are theirs).
 */
static int
kill_escaped(const struct task *t, pid_t pgid, int sig, int *unsure)
{
	pid_t	*groups;
	size_t	 i, n = 0;
	int	 count;

	groups = xreallocarray(NULL, nall() + 1, sizeof(*groups));
	for (i = 0; i < nall(); i++)
		if (all(i) != t && task_busy(all(i)) && all(i)->cur.pid > 0)
			groups[n++] = all(i)->cur.pid;
	qsort(groups, n, sizeof(*groups), pid_cmp);
	count = os_kill_run(t->cur.id, pgid, sig, unsure, groups, n);
	free(groups);
	return count;
}

/*
 * Is anything of the run left?  In its cgroup, whatever it is; else its
 * group, or what escaped it (unsure: see os_kill_run()).
 */
static bool
run_left(const struct task *t, pid_t pgid, int *unsure)
{
	if (t->cur.cgroup)
		return cg_run_populated(t->conf->name, t->cur.id) == 1;
	return kill(-pgid, 0) == 0 || kill_escaped(t, pgid, 0, unsure) > 0;
}

/* Signal the group, and what escaped it (all of its cgroup). */
static void
signal_run(struct task *t, pid_t pgid, int sig)
{
	if (kill(-pgid, sig) == -1 && errno != ESRCH)
		log_warn("%s: kill(-%d, %s)", t->conf->name, (int)pgid,
		    signal_name(sig));
	if (sig != SIGKILL)
		(void)kill(-pgid, SIGCONT);
	if (t->cur.cgroup) {
		(void)cg_run_signal(t->conf->name, t->cur.id, sig);
		if (sig != SIGKILL)
			(void)cg_run_signal(t->conf->name, t->cur.id, SIGCONT);
		return;
	}
	if (kill_escaped(t, pgid, sig, NULL) > 0)
		log_info("%s: signalled processes of run %llu that left its "
		    "process group", t->conf->name,
		    (unsigned long long)t->cur.id);
}

/* The run's cgroup.events changed: once it is empty, the run is over. */
/*
 * Tasks sweeping: on_chld() walks the tasks for them only while there
 * is one (it is never below the truth: at worst a walk for nothing).
 */
static size_t	nsweeping;

static void
sweep_end(struct task *t)
{
	if (t->sweeping && nsweeping > 0)
		nsweeping--;
	t->sweeping = t->sweep_look = false;
}

static void
cgroup_changed(void *arg)
{
	struct task	*t = arg;

	if (!t->sweeping || !t->cur.cgroup ||
	    cg_run_populated(t->conf->name, t->cur.id) == 1)
		return;
	sweep_end(t);
	ev_timer_del(&t->kill_timer);
	supervise_finish(t);
}

static void
kill_fire(void *arg)
{
	struct task	*t = arg;
	pid_t		 pgid = t->sweeping ? t->sweep_pgid : t->cur.pid;

	if (t->sweeping) {
		if (!run_left(t, pgid, NULL)) {
			sweep_end(t);
			supervise_finish(t);
			return;
		}
		if (t->sweep_look) {
			/* the one caught in an execve turned out to be ours */
			t->sweep_look = false;
			signal_run(t, pgid, t->conf->kill_signal);
			ev_timer_add(&t->kill_timer,
			    (uint64_t)md.conf->kill_grace_ms);
			return;
		}
		log_info("%s: killing what is left of run %llu",
		    t->conf->name, (unsigned long long)t->cur.id);
	} else
		log_info("%s: run %llu did not stop within kill_grace; "
		    "sending KILL", t->conf->name, (unsigned long long)t->cur.id);
	signal_run(t, pgid, SIGKILL);
	ev_timer_add(&t->kill_timer, RECHECK_MS);
}

static void
begin_stop(struct task *t)
{
	t->state = ST_STOPPING;
	signal_run(t, t->cur.pid, t->conf->kill_signal);
	ev_timer_add(&t->kill_timer, (uint64_t)md.conf->kill_grace_ms);
}

static void
timeout_fire(void *arg)
{
	struct task	*t = arg;
	char		 d[32];

	log_info("%s: run %llu timed out after %s", t->conf->name,
	    (unsigned long long)t->cur.id,
	    fmt_duration(t->conf->timeout_ms, d, sizeof(d)));
	t->cur.timed_out = true;
	begin_stop(t);
}

static void
exec_event(int fd, int revents, void *arg)
{
	struct task		*t = arg;
	struct spawn_report	 r;
	ssize_t			 n;

	(void)revents;
	n = read(fd, &r, sizeof(r));
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n == (ssize_t)sizeof(r))
		spawn_describe(t->conf, &r, t->cur.failure,
		    sizeof(t->cur.failure));
	else if (t->state == ST_STARTING)
		t->state = ST_RUNNING;
	ev_io_del(fd);
	close(fd);
	t->errfd = -1;
}

static void	run_ended(struct task *, int, const struct rusage *);

/*
 * The runs reaped at one wakeup of the loop are written in one
 * transaction (as those of one SIGCHLD are): the first opens it, a timer
 * due at once ends it once the wakeup's descriptors are done.
 */
static struct ev_timer	reap_timer;
static bool		reaping;

static void
reap_fire(void *arg)
{
	(void)arg;
	reaping = false;
	store_batch_end();
}

/*
 * The run's pidfd is readable: its process has ended.  Reaped through
 * the pidfd, in O(1) however many runs there are (wait4(-1) looks at
 * every child of the daemon); on_chld() is for the kernels without.
 */
static void
pidfd_ready(int fd, int revents, void *arg)
{
	struct task	*t = arg;
	struct rusage	 ru;
	pid_t		 pid;
	int		 status;

	(void)revents;
	if ((pid = spawn_reap(fd, t->cur.pid, &status, &ru)) == 0)
		return;
	pidmap_forget(&runs_by_pid, t->cur.pid, t);
	if (pid == -1) {
		/* cannot be (on_chld() closes it with the run): SIGCHLD's */
		log_warn("%s: reaping run %llu by its pidfd", t->conf->name,
		    (unsigned long long)t->cur.id);
		ev_io_del(fd);
		close(fd);
		t->pidfd = -1;
		return;
	}
	if (!reaping) {
		reaping = true;
		store_batch_begin();
		ev_timer_add(&reap_timer, 0);
	}
	run_ended(t, status, &ru);
}

int
task_start(struct task *t, enum trigger trig, bool dry_run,
    const char *actor, char *err, size_t errlen)
{
	struct spawn_result	res;
	struct feed_msg		m;
	int			cgfd = -1, rc;
	char			trigbuf[120];

	t->spawn_failed = false;
	if (task_busy(t)) {
		snprintf(err, errlen, "already running (pid %d)",
		    (int)t->cur.pid);
		return -1;
	}
	if (md.shutting_down) {
		snprintf(err, errlen, "maintd is shutting down");
		return -1;
	}
	if (md.halted) {
		snprintf(err, errlen, "maintd is halted (stop-all): nothing "
		    "starts until resume");
		return -1;
	}
	if (gate != NULL && (rc = gate(t, trig, dry_run, actor, err,
	    errlen)) != 0)
		return rc;
	output_close(t);	/* a previous run's pipe, held by leftovers */
	ev_timer_del(&t->restart_timer);
	memset(&t->cur, 0, sizeof(t->cur));
	t->health_stop = t->health_was_ok = false;
	t->cur.trigger = trig;
	if (trig == TR_CHAIN)
		t->cur.parent = t->chain_parent;
	t->cur.dry_run = dry_run;
	t->cur.weight = t->conf->weight;
	clock_gettime(CLOCK_REALTIME, &t->cur.start);
	t->cur.start_mono = ev_now();
	t->cur.id = store_run_start(t->conf->name, &t->cur);
	if (cg_in_use() && (cgfd = cg_run_make(t->conf->name, t->cur.id,
	    &t->conf->cg, err, errlen)) != -1)
		t->cur.cgroup = true;
	if ((cg_in_use() && cgfd == -1) || spawn_run(t->conf, md.conf,
	    t->cur.id, dry_run, (t->conf->merged_streams ? 0 : SPAWN_SPLIT) |
	    SPAWN_PIDFD, cgfd, t->fleet_token, trig == TR_CHAIN ?
	    &t->cur.parent : NULL, &res, err, errlen) == -1) {
		if (cgfd != -1) {
			close(cgfd);
			cg_run_remove(t->conf->name, t->cur.id);
			t->cur.cgroup = false;
		}
		log_warnx("%s: cannot start: %s", t->conf->name, err);
		t->spawn_failed = true;
		snprintf(t->cur.failure, sizeof(t->cur.failure), "%s", err);
		t->cur.done = true;
		t->cur.end = t->cur.start.tv_sec;
		t->cur.end_mono = t->cur.start_mono;
		run_keep_last(t);
		record_end(t);
		return -1;
	}
	t->cur.cg_watch = -1;
	if (cgfd != -1) {
		close(cgfd);
		if ((t->cur.cg_watch = cg_run_watch(t->conf->name, t->cur.id,
		    cgroup_changed, t)) == -1)
			log_warn("%s: watching the cgroup of run %llu",
			    t->conf->name, (unsigned long long)t->cur.id);
	}
	t->cur.pid = res.pid;
	pidmap_put(&runs_by_pid, res.pid, t);
	if ((t->pidfd = res.pidfd) != -1 && ev_io_add(t->pidfd, EV_READ,
	    pidfd_ready, t) == -1)
		fatal("%s: watching the pidfd of run %llu", t->conf->name,
		    (unsigned long long)t->cur.id);
	store_run_pid(t->cur.id, t->conf->name, res.pid, t->conf->uid,
	    os_proc_start(res.pid));
	t->out[0].fd = res.outfd;
	t->out[1].fd = res.stderrfd;
	t->errfd = res.errfd;
	t->state = ST_STARTING;
	nbusy++;
	md.weight_in_use += t->cur.weight;
	output_watch(t);
	if (ev_io_add(t->errfd, EV_READ, exec_event, t) == -1)
		log_warn("%s: watching exec", t->conf->name);
	if (t->conf->timeout_ms > 0)
		ev_timer_add(&t->timeout_timer, (uint64_t)t->conf->timeout_ms);
	log_info("%s: run %llu started, pid %d (%s%s)", t->conf->name,
	    (unsigned long long)t->cur.id, (int)res.pid, run_trigger(&t->cur,
	    trigbuf, sizeof(trigbuf)),
	    dry_run ? ", dry run" : "");
	event_emit(t->conf->name, "run-started", actor, run_detail(&t->cur));
	memset(&m, 0, sizeof(m));
	m.task = t;
	m.run = &t->cur;
	feed_publish(FEED_RUN_START, &m);
	supervise_title();
	return 0;
}

int
task_stop(struct task *t, const char *actor)
{
	if (!task_busy(t))
		return -1;
	t->health_stop = false;	/* a stop asked for wins over health's */
	if (t->state == ST_STOPPING)
		return 0;
	log_info("%s: stopping run %llu (pid %d) for %s", t->conf->name,
	    (unsigned long long)t->cur.id, (int)t->cur.pid, actor);
	t->cur.stopped = true;
	begin_stop(t);
	return 0;
}

/* The run's main process is gone, not yet what it left behind. */
static void
begin_sweep(struct task *t, bool look_only)
{
	if (!t->sweeping)
		nsweeping++;
	t->sweeping = true;
	t->sweep_look = look_only;
	t->sweep_pgid = t->cur.pid;
	t->state = ST_STOPPING;
}

static void
run_ended(struct task *t, int status, const struct rusage *ru)
{
	struct cg_stats	cs;
	char		res[300], d[32];
	int		unsure = 0;

	if (t->pidfd != -1) {
		ev_io_del(t->pidfd);
		close(t->pidfd);
		t->pidfd = -1;
	}
	if (t->errfd != -1)
		exec_event(t->errfd, EV_READ, t);
	output_close(t);
	ev_timer_del(&t->timeout_timer);
	ev_timer_del(&t->kill_timer);
	t->cur.done = true;
	t->cur.status = status;
	t->cur.end = time(NULL);
	t->cur.end_mono = ev_now();
	/*
	 * What it used: all of the run's processes where it has a cgroup.  A
	 * run whose command never ran (its exec failed) has no figures.
	 */
	if (t->cur.cgroup && t->cur.failure[0] == '\0')
		cg_run_stats(t->conf->name, t->cur.id, &cs);
	if (t->cur.failure[0] == '\0')
		run_res_measure(&t->cur.res, ru, t->cur.cgroup ? &cs : NULL);
	run_keep_last(t);
	log_info("%s: run %llu ended: %s after %s", t->conf->name,
	    (unsigned long long)t->cur.id, run_result(&t->cur, res,
	    sizeof(res)), fmt_duration((int64_t)(t->cur.end_mono -
	    t->cur.start_mono), d, sizeof(d)));
	record_end(t);

	/* No maintenance process outlives its run. */
	if (run_left(t, t->cur.pid, &unsure)) {
		begin_sweep(t, false);
		signal_run(t, t->cur.pid, t->conf->kill_signal);
		ev_timer_add(&t->kill_timer, t->cur.stopped ||
		    t->cur.timed_out ? RECHECK_MS :
		    (uint64_t)md.conf->kill_grace_ms);
		return;
	}
	if (unsure > 0) {
		/* e.g. "setsid cmd &" as the shell exits: look once more */
		log_debug("%s: a process of ours is in an execve; looking "
		    "again for what is left of run %llu", t->conf->name,
		    (unsigned long long)t->cur.id);
		begin_sweep(t, true);
		ev_timer_add(&t->kill_timer, LOOK_AGAIN_MS);
		return;
	}
	supervise_finish(t);
}

/*
 * A start that maintd decides on its own: a service's restart, or the
 * start held back until the task's last run had gone.  It keeps to the
 * budget and to conflicts as any start does: if it does not fit now, it
 * waits (sched.c starts it once a run has ended and it fits).
 */
static int
start_or_wait(struct task *t, enum trigger trig, char *err, size_t errlen)
{
	const char	*code;

	code = policy_can_run(t, true, err, errlen);
	if (code != NULL && (strcmp(code, "budget") == 0 ||
	    strcmp(code, "conflict") == 0)) {
		log_info("%s: waiting: %s", t->conf->name, err);
		t->waiting = true;
		t->wait_trigger = trig;
		return 0;
	}
	return task_start(t, trig, false, "maintd", err, errlen);
}

/*
 * A service went wrong: its process ended when it should not have, or
 * its health probes failed it.  One account for both: the crash is
 * counted (a service up and well for STABLE_MS or more starts the count
 * again); past restart_limit crashes in a row it is FAILED (crash-loop),
 * else it is started again after its backoff, doubled at each crash in
 * a row from backoff's first value up to its second.  up: how long it
 * was up and well; why: what went wrong, for the log and the event.
 */
static void
crashed(struct task *t, uint64_t up, const char *why)
{
	struct json_object	*detail;

	if (up >= STABLE_MS)
		t->crashes = 0;
	t->crashes++;
	if (t->conf->restart_limit > 0 &&
	    t->crashes > (unsigned)t->conf->restart_limit) {
		log_warnx("%s: crashed %u time%s in a row (the last: %s); not "
		    "restarting it (maintctl restart %s to try again)",
		    t->conf->name, t->crashes, t->crashes == 1 ? "" : "s", why,
		    t->conf->name);
		t->state = ST_FAILED;
		detail = json_object_new_object();
		json_object_object_add(detail, "crashes",
		    json_object_new_int((int)t->crashes));
		json_object_object_add(detail, "reason",
		    json_object_new_string(why));
		event_emit(t->conf->name, "crash-loop", "maintd", detail);
		metrics_changed();
		return;
	}
	t->backoff_ms = (uint64_t)t->conf->backoff_min_ms;
	for (unsigned i = 1; i < t->crashes && t->backoff_ms <
	    (uint64_t)t->conf->backoff_max_ms; i++)
		t->backoff_ms *= 2;
	if (t->backoff_ms > (uint64_t)t->conf->backoff_max_ms)
		t->backoff_ms = (uint64_t)t->conf->backoff_max_ms;
	log_info("%s: %s; restarted in %llu ms (%u in a row)",
	    t->conf->name, why, (unsigned long long)t->backoff_ms,
	    t->crashes);
	t->state = ST_BACKOFF;
	ev_timer_add(&t->restart_timer, t->backoff_ms);
}

static void
restart_fire(void *arg)
{
	struct task	*t = arg;
	char		 err[256];

	if (!t->active || t->state != ST_BACKOFF)
		return;
	/* a service it is after went down meanwhile: wait for it (deps.c) */
	if (after_check(t, err, sizeof(err)) == -1) {
		log_info("%s: waiting: %s", t->conf->name, err);
		t->state = ST_IDLE;
		t->waiting = true;
		t->wait_trigger = TR_RESTART;
		t->wait_code = "after-timeout";
		return;
	}
	t->restarts++;
	if (start_or_wait(t, TR_RESTART, err, sizeof(err)) == -1)
		supervise_finish(t);
}

/*
 * The run and its leftovers are gone (or it could not start): decide
 * what comes next.
 */
void
supervise_finish(struct task *t)
{
	struct run		*r = &t->cur;
	struct feed_msg		 m;
	bool			 again;
	char			 err[256], res[300];

	if (t->cur.cgroup) {
		cg_run_unwatch(t->cur.cg_watch);
		t->cur.cg_watch = -1;
		cg_run_remove(t->conf->name, t->cur.id);
	}
	if (task_busy(t)) {
		nbusy--;
		md.weight_in_use -= t->cur.weight;
		store_run_gone(t->cur.id);
	}
	t->state = ST_IDLE;
	supervise_title();
	memset(&m, 0, sizeof(m));
	m.task = t;
	m.run = t->last;	/* its copy: a follower may start the next */
	feed_publish(FEED_RUN_END, &m);
	if (gone_hook != NULL)
		gone_hook(t);
	if (t->retired) {
		supervise_forget(t);
		if (md.shutting_down && nbusy == 0)
			ev_break();
		return;
	}
	if (md.shutting_down) {
		if (nbusy == 0)
			ev_break();
		return;
	}
	if (t->start_pending) {
		t->start_pending = false;
		if (t->active && start_or_wait(t, t->pending_trigger, err,
		    sizeof(err)) == 0)
			return;
	}
	if (t->conf->kind != KIND_SERVICE || !t->active)
		return;
	if (t->health_stop) {
		/* never well: as quick a crash as one that exits at once */
		crashed(t, t->health_was_ok ? r->end_mono - r->start_mono : 0,
		    "it failed its health probes");
		return;
	}
	if (r->stopped)
		return;
	switch (t->conf->restart) {
	case RESTART_ALWAYS:
		again = true;
		break;
	case RESTART_NEVER:
		again = false;
		break;
	default:
		again = !run_ok(r);
	}
	if (again)
		crashed(t, r->end_mono - r->start_mono, run_result(r, res,
		    sizeof(res)));
}

/*
 * A service's health probes failed it, and its health says restart =
 * true: its process is stopped, and what follows is what follows a
 * crash (see crashed()).  ever_ok: a probe of this process passed once.
 * -1 (err) when there is no process to stop.
 */
int
supervise_health_restart(struct task *t, bool ever_ok, char *err,
    size_t errlen)
{
	if (t->conf->kind != KIND_SERVICE || !t->active || !task_busy(t)) {
		snprintf(err, errlen, "%s is not a running service",
		    t->conf->name);
		return -1;
	}
	if (t->state == ST_STOPPING)
		return 0;	/* on its way out already, for its own reason */
	(void)task_stop(t, "health");
	t->health_stop = true;
	t->health_was_ok = ever_ok;
	return 0;
}

/* Processes that others start (health probes): their ends go to them. */
struct child {
	pid_t		 pid;
	child_cb	 cb;
	void		*arg;
};
static struct child	*children;
static size_t		 nchildren;

void
supervise_child(pid_t pid, child_cb cb, void *arg)
{
	children = xreallocarray(children, nchildren + 1, sizeof(*children));
	children[nchildren].pid = pid;
	children[nchildren].cb = cb;
	children[nchildren].arg = arg;
	nchildren++;
}

void
supervise_child_forget(pid_t pid)
{
	size_t	i;

	for (i = 0; i < nchildren; i++)
		if (children[i].pid == pid) {
			children[i] = children[--nchildren];
			break;
		}
	if (nchildren == 0) {
		free(children);
		children = NULL;
	}
}

static bool
child_ended(pid_t pid, int status)
{
	struct child	c;
	size_t		i;

	for (i = 0; i < nchildren; i++)
		if (children[i].pid == pid) {
			c = children[i];
			supervise_child_forget(pid);
			c.cb(pid, status, c.arg);
			return true;
		}
	return false;
}

/* The task whose current run's process pid is; NULL: not a run's. */
static struct task *
task_by_pid(pid_t pid)
{
	struct task	*t;
	size_t		 i;

	if ((t = pidmap_take(&runs_by_pid, pid)) != NULL &&
	    t->cur.pid == pid && !t->cur.done && task_busy(t))
		return t;
	/* not in the map: a probe's, a hook's, an orphan's (as it was) */
	for (i = 0; i < nall(); i++)
		if (all(i)->cur.pid == pid && !all(i)->cur.done &&
		    task_busy(all(i)))
			return all(i);
	return NULL;
}

static void
on_chld(int signo, void *arg)
{
	struct rusage	 ru;
	struct task	*t;
	pid_t		 pid;
	int		 status, unsure;
	size_t		 i;

	(void)signo;
	(void)arg;
	store_batch_begin();	/* one commit for all the runs that ended */
	while ((pid = wait4(-1, &status, WNOHANG, &ru)) > 0) {
		if (child_ended(pid, status))
			continue;	/* a probe's, a hook's */
		if ((t = task_by_pid(pid)) != NULL)
			run_ended(t, status, &ru);
		else
			log_debug("reaped process %d (adopted)", (int)pid);
	}
	/* backwards: finish() may free a retired task */
	for (i = nsweeping > 0 ? nall() : 0; i-- > 0; ) {
		t = all(i);
		unsure = 0;
		if (t->sweeping && !run_left(t, t->sweep_pgid,
		    t->sweep_look ? &unsure : NULL) && unsure == 0) {
			sweep_end(t);
			ev_timer_del(&t->kill_timer);
			supervise_finish(t);
		}
	}
	store_batch_end();
}

/* The timers of a run of t. */
void
supervise_task_init(struct task *t)
{
	ev_timer_init(&t->kill_timer, kill_fire, t);
	ev_timer_init(&t->timeout_timer, timeout_fire, t);
	ev_timer_init(&t->restart_timer, restart_fire, t);
}

/* A retired task whose run has ended: nothing refers to it any more. */
void
supervise_forget(struct task *t)
{
	size_t	i;

	for (i = 0; i < md.nretired; i++)
		if (md.retired[i] == t) {
			memmove(md.retired + i, md.retired + i + 1,
			    (md.nretired - i - 1) * sizeof(*md.retired));
			md.nretired--;
			break;
		}
	ev_timer_del(&t->until_timer);
	ev_timer_del(&t->kill_timer);
	ev_timer_del(&t->timeout_timer);
	ev_timer_del(&t->restart_timer);
	pidmap_forget(&runs_by_pid, t->cur.pid, t);
	task_free(t);
}

void
supervise_runs_init(void)
{
	os_subreaper();
	ev_signal(SIGCHLD, on_chld, NULL);
	ev_timer_init(&title_timer, title_fire, NULL);
	ev_timer_init(&reap_timer, reap_fire, NULL);
}

void
supervise_runs_free(void)
{
	ev_timer_del(&title_timer);
	if (reaping) {
		ev_timer_del(&reap_timer);
		reap_fire(NULL);
	}
	pidmap_free(&runs_by_pid);
}
