/*
 * health.c: the health probes of tasks (DESIGN §8).  A probe is a GET of
 * the task's health url (through http.c, in the loop) or its health
 * command, spawned like a run (own process group, the task's user,
 * limits and directory) and healthy on exit 0.  Probes run only while
 * the task is active, and for a service while it runs: the first one
 * start_period after that, then one every interval.  After failures
 * probes in a row fail the task is unhealthy (event "unhealthy"), and a
 * service with restart = true is restarted ("health-restart") as after a
 * crash: with its backoff, and FAILED past its restart_limit; the next
 * probe that passes makes it healthy again ("healthy").  Nothing is
 * armed for a task that is not probed: an idle daemon does not wake.
 * A url probe reads at most HEALTH_BODY_MAX of the reply's body (the
 * status decides; a huge or endless body costs nothing more).
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "ev.h"
#include "event.h"
#include "feed.h"
#include "health.h"
#include "http.h"
#include "log.h"
#include "spawn.h"
#include "state.h"
#include "supervise.h"
#include "util.h"

/* What a url probe reads of a body at most (maintd.conf(5), health). */
#define HEALTH_BODY_MAX	(64 * 1024)
#define HEALTH_MAX_REDIRS 5	/* follow_redirects: hops at most */

static struct feed_sub	activation_sub, start_sub, end_sub, task_sub;

static void	probe_start(void *);

/* Should t be probed now? */
static bool
wanted(const struct task *t)
{
	if (!t->active || md.shutting_down)
		return false;
	return t->conf->kind != KIND_SERVICE || t->state == ST_STARTING ||
	    t->state == ST_RUNNING;
}

static void
probe_kill(struct probe *p)
{
	if (p->req != NULL) {
		http_cancel(p->req);
		p->req = NULL;
	}
	if (p->pid > 0) {
		(void)kill(-p->pid, SIGKILL);
		/* its end comes through supervise_child(), and is ignored */
		supervise_child_forget(p->pid);
		p->pid = 0;
	}
	if (p->outfd != -1) {
		ev_io_del(p->outfd);
		close(p->outfd);
		p->outfd = -1;
	}
	ev_timer_del(&p->deadline);
}

/* Start or stop probing t, as its state says. */
static void
follow(struct task *t, bool restart)
{
	struct probe	*p = t->probe;

	if (p == NULL)
		return;
	if (wanted(t) && (!p->probing || restart)) {
		probe_kill(p);
		p->probing = true;
		p->failures = 0;	/* counted for this process */
		p->passed = false;
		ev_timer_add(&p->timer, (uint64_t)t->conf->health.start_period_ms);
	} else if (!wanted(t) && p->probing) {
		probe_kill(p);
		ev_timer_del(&p->timer);
		p->probing = false;
	}
	/* unhealthy stays across a restart, until a probe passes */
	if (!t->active) {
		p->failures = 0;
		p->status = HS_UNKNOWN;
	}
}

static struct json_object *
detail(const struct probe *p)
{
	struct json_object	*d = json_object_new_object();

	json_object_object_add(d, "reason", p->last_ok ? NULL :
	    json_object_new_string(p->reason));
	json_object_object_add(d, "failures", json_object_new_int(
	    (int)p->failures));
	json_object_object_add(d, "latency_s", json_object_new_double(
	    (double)p->last_ms / 1000));
	return d;
}

/* A probe's verdict; ok, or the reason. */
static void
verdict(struct task *t, bool ok, const char *reason, int64_t ms)
{
	struct probe	*p = t->probe;
	char		 err[256];

	p->last = time(NULL);
	p->last_ok = ok;
	p->last_ms = ms;
	p->probes_total++;
	if (ok) {
		p->passed = true;
		p->failures = 0;
		p->reason[0] = '\0';
		if (p->status == HS_UNHEALTHY) {
			log_info("%s: healthy again", t->conf->name);
			event_emit(t->conf->name, "healthy", "health", detail(p));
		}
		p->status = HS_HEALTHY;
	} else {
		p->failures++;
		p->failures_total++;
		snprintf(p->reason, sizeof(p->reason), "%s", reason);
		log_debug("%s: health probe failed: %s", t->conf->name, reason);
		if (p->failures >= (unsigned)t->conf->health.failures) {
			if (p->status != HS_UNHEALTHY) {
				log_warnx("%s: unhealthy after %u failed "
				    "probes: %s", t->conf->name, p->failures,
				    reason);
				event_emit(t->conf->name, "unhealthy", "health",
				    detail(p));
			}
			p->status = HS_UNHEALTHY;
			if (t->conf->health.restart &&
			    t->conf->kind == KIND_SERVICE && task_busy(t)) {
				event_emit(t->conf->name, "health-restart",
				    "health", detail(p));
				/* a crash: backoff, restart_limit */
				if (supervise_health_restart(t, p->passed, err,
				    sizeof(err)) != -1)
					return;	/* probing starts again */
				log_warnx("%s: health restart: %s",
				    t->conf->name, err);
			}
		}
	}
	if (p->probing)
		ev_timer_add(&p->timer, (uint64_t)t->conf->health.interval_ms);
}

static void
http_done(const struct http_result *r, void *arg)
{
	struct task	*t = arg;
	int		 want = t->conf->health.expect_status;
	char		 why[300];
	bool		 ok;

	t->probe->req = NULL;
	if (!r->ok) {
		verdict(t, false, r->error, r->ms);
		return;
	}
	ok = want != 0 ? r->status == want : r->status >= 200 &&
	    r->status < 300;
	snprintf(why, sizeof(why), "HTTP %ld%s%s", r->status, r->cut ?
	    " (its body not read past 64 KiB)" : "", !ok && r->status >= 300 &&
	    r->status < 400 && !t->conf->health.follow_redirects ?
	    " (a redirect: follow_redirects is off)" : "");
	verdict(t, ok, why, r->ms);
}

/* A command probe's output: the last line is kept for the reason. */
static void
cmd_output(int fd, int revents, void *arg)
{
	struct probe	*p = arg;
	char		 buf[4096], *nl, *line;
	ssize_t		 n;
	size_t		 len;

	(void)revents;
	if ((n = read(fd, buf, sizeof(buf) - 1)) > 0) {
		buf[n] = '\0';
		while (n > 0 && buf[n - 1] == '\n')
			buf[--n] = '\0';
		line = (nl = strrchr(buf, '\n')) != NULL ? nl + 1 : buf;
		if ((len = strlen(line)) > 0) {
			if (len >= sizeof(p->out))
				len = sizeof(p->out) - 1;
			memcpy(p->out, line, len);
			p->out[len] = '\0';
			p->outlen = len;
		}
		return;
	}
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	ev_io_del(fd);
	close(fd);
	p->outfd = -1;
}

static void
cmd_ended(pid_t pid, int status, void *arg)
{
	struct task	*t = arg;
	struct probe	*p = t->probe;
	char		 why[300];
	bool		 timed_out = !ev_timer_pending(&p->deadline);

	(void)pid;
	p->pid = 0;
	(void)kill(-pid, SIGKILL);	/* what it left behind */
	ev_timer_del(&p->deadline);
	if (p->outfd != -1)
		cmd_output(p->outfd, EV_READ, p);
	if (p->outfd != -1) {
		ev_io_del(p->outfd);
		close(p->outfd);
		p->outfd = -1;
	}
	if (timed_out)
		snprintf(why, sizeof(why), "timeout after %s",
		    fmt_duration(t->conf->health.timeout_ms, (char[32]){ 0 },
		    32));
	else if (WIFEXITED(status))
		snprintf(why, sizeof(why), "exit %d%s%s", WEXITSTATUS(status),
		    p->outlen > 0 ? ": " : "", p->out);
	else
		snprintf(why, sizeof(why), "signal %s",
		    signal_name(WTERMSIG(status)));
	verdict(t, !timed_out && WIFEXITED(status) &&
	    WEXITSTATUS(status) == 0, why, (int64_t)(ev_now() - p->started));
}

static void
cmd_timeout(void *arg)
{
	struct task	*t = arg;

	if (t->probe->pid > 0)
		(void)kill(-t->probe->pid, SIGKILL);	/* cmd_ended() follows */
}

static void
probe_start(void *arg)
{
	struct task		*t = arg;
	struct probe		*p = t->probe;
	struct task_conf	 tc;
	struct spawn_result	 res;
	struct http_opts	 o;
	char			 err[256];

	if (!p->probing)
		return;
	p->started = ev_now();
	if (t->conf->health.url != NULL) {
		memset(&o, 0, sizeof(o));
		o.timeout_ms = t->conf->health.timeout_ms;
		o.max_body = HEALTH_BODY_MAX;
		o.max_redirs = t->conf->health.follow_redirects ?
		    HEALTH_MAX_REDIRS : 0;
		if ((p->req = http_start(t->conf->health.url, &o, http_done,
		    t)) == NULL)
			verdict(t, false, "cannot start the request", 0);
		return;
	}
	/* the task's conditions, the probe's command */
	tc = *t->conf;
	tc.argv = t->conf->health.command;
	tc.shell = false;
	if (spawn_run(&tc, md.conf, 0, false, false, -1, 0, NULL, &res, err,
	    sizeof(err)) == -1) {
		verdict(t, false, err, 0);
		return;
	}
	close(res.errfd);
	p->pid = res.pid;
	p->outfd = res.outfd;
	p->outlen = 0;
	p->out[0] = '\0';
	if (ev_io_add(p->outfd, EV_READ, cmd_output, p) == -1)
		log_warn("%s: health probe output", t->conf->name);
	supervise_child(p->pid, cmd_ended, t);
	ev_timer_add(&p->deadline, (uint64_t)t->conf->health.timeout_ms);
}

static void
on_activation(enum feed_stream st, const struct feed_msg *m, void *arg)
{
	(void)st;
	(void)arg;
	follow(m->task, false);
}

static void
on_start(enum feed_stream st, const struct feed_msg *m, void *arg)
{
	(void)st;
	(void)arg;
	/* a service's new process: start_period again */
	if (m->task->conf->kind == KIND_SERVICE)
		follow(m->task, true);
}

static void
on_end(enum feed_stream st, const struct feed_msg *m, void *arg)
{
	(void)st;
	(void)arg;
	follow(m->task, false);
}

static void
probe_new(struct task *t)
{
	t->probe = xcalloc(1, sizeof(*t->probe));
	t->probe->outfd = -1;
	ev_timer_init(&t->probe->timer, probe_start, t);
	ev_timer_init(&t->probe->deadline, cmd_timeout, t);
}

static void
probe_free(struct task *t)
{
	if (t->probe == NULL)
		return;
	probe_kill(t->probe);
	ev_timer_del(&t->probe->timer);
	free(t->probe);
	t->probe = NULL;
}

/*
 * A reload came: a probe for a task that has health now, none for one
 * that has not; a changed probe starts again (start_period, new
 * settings), as for a new process.
 */
static void
on_task(enum feed_stream st, const struct feed_msg *m, void *arg)
{
	struct task	*t = m->task;

	(void)st;
	(void)arg;
	if (m->change == TASK_REMOVED || !t->conf->has_health) {
		probe_free(t);
		return;
	}
	if (t->probe == NULL)
		probe_new(t);
	else if (m->change == TASK_CHANGED && t->probe->probing)
		follow(t, true);
	follow(t, false);
}

void
health_init(void)
{
	size_t	i;

	for (i = 0; i < md.tasks.n; i++)
		if (md.tasks.v[i]->conf->has_health)
			probe_new(md.tasks.v[i]);
	feed_subscribe(&activation_sub, FEED_ACTIVATION, on_activation, NULL);
	feed_subscribe(&start_sub, FEED_RUN_START, on_start, NULL);
	feed_subscribe(&end_sub, FEED_RUN_END, on_end, NULL);
	feed_subscribe(&task_sub, FEED_TASK, on_task, NULL);
}

void
health_stop(void)
{
	size_t	i;

	for (i = 0; i < md.tasks.n; i++)
		probe_free(md.tasks.v[i]);
	feed_unsubscribe(&activation_sub);
	feed_unsubscribe(&start_sub);
	feed_unsubscribe(&end_sub);
	feed_unsubscribe(&task_sub);
}

const char *
health_status_name(const struct task *t)
{
	if (t->probe == NULL)
		return "-";
	if (!t->probe->probing)
		return "-";
	switch (t->probe->status) {
	case HS_HEALTHY:
		return "healthy";
	case HS_UNHEALTHY:
		return "unhealthy";
	default:
		return "starting";
	}
}

size_t
health_unhealthy(void)
{
	size_t	i, n = 0;

	for (i = 0; i < md.tasks.n; i++)
		if (md.tasks.v[i]->probe != NULL &&
		    md.tasks.v[i]->probe->status == HS_UNHEALTHY)
			n++;
	return n;
}
