/*
 * verbs_ctl.c: the verbs that change state: activate, deactivate, run,
 * stop, restart, reopen.  "run --wait" holds the client and streams the
 * run's output lines until its result.
 */
#include <sys/wait.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "control.h"
#include "log.h"
#include "maintd.h"
#include "output.h"
#include "proto.h"
#include "supervise.h"
#include "util.h"
#include "verbs.h"

/* A client waiting for the end of a run. */
struct waiter {
	struct client	*c;
	struct task	*t;
	uint64_t	 run_id;
	bool		 json;
	struct waiter	*next;
};

static struct waiter	*waiters;

/* Who made a change, as the activity log records it: "uid 1000". */
const char *
verbs_actor(struct client *c, char *buf, size_t len)
{
	snprintf(buf, len, "uid %u", (unsigned)client_uid(c));
	return buf;
}

/* --for DUR, or 0; -1 with ERR sent on a bad value. */
static int64_t
opt_for(struct client *c, struct request *r)
{
	const char	*v = request_opt(r, "for"), *errstr;
	int64_t		 ms;

	if (v == NULL)
		return 0;
	if (parse_duration(v, &ms, &errstr) == -1 || ms < 1000) {
		client_err(c, "invalid", "--for %s: %s", v,
		    errstr ? errstr : "at least 1s");
		return -1;
	}
	return ms;
}

void
verb_activate(struct client *c, struct request *r)
{
	struct task	**v;
	size_t		  n, i, done = 0, already = 0;
	int64_t		  ms;
	char		  actor[128];

	if ((ms = opt_for(c, r)) == -1)
		return;
	if ((v = verbs_tasks_named(c, r, &n)) == NULL)
		return;
	verbs_actor(c, actor, sizeof(actor));
	for (i = 0; i < n; i++) {
		if (task_activate(v[i], ms, actor) == 1) {
			already++;
			client_data(c, "%s: already active", v[i]->conf->name);
		} else {
			done++;
			client_data(c, "%s: activated", v[i]->conf->name);
		}
	}
	free(v);
	if (n == 1 && already == 1)
		client_ok(c, "%s already active", r->args[0]);
	else
		client_ok(c, "%zu activated, %zu already active", done, already);
}

void
verb_deactivate(struct client *c, struct request *r)
{
	struct task	**v;
	size_t		  n, i, done = 0, already = 0;
	char		  actor[128];

	if ((v = verbs_tasks_named(c, r, &n)) == NULL)
		return;
	verbs_actor(c, actor, sizeof(actor));
	for (i = 0; i < n; i++) {
		if (!v[i]->active) {
			already++;
			client_data(c, "%s: already inactive", v[i]->conf->name);
			continue;
		}
		task_deactivate(v[i], actor);
		done++;
		client_data(c, "%s: deactivated", v[i]->conf->name);
	}
	free(v);
	if (n == 1 && already == 1)
		client_ok(c, "%s already inactive", r->args[0]);
	else
		client_ok(c, "%zu deactivated, %zu already inactive", done,
		    already);
}

static struct task *
one_task(struct client *c, struct request *r)
{
	struct task	*t;

	if ((t = task_find(&md.tasks, r->args[0])) == NULL)
		client_err(c, "unknown-task", "no task named '%s'", r->args[0]);
	return t;
}

void
verb_run(struct client *c, struct request *r)
{
	struct task	*t;
	struct waiter	*w;
	bool		 dry = request_has(r, "dry-run");
	char		 err[256], actor[128];

	if ((t = one_task(c, r)) == NULL)
		return;
	if (t->conf->kind == KIND_SERVICE) {
		client_err(c, "state", "%s is a service: use activate, "
		    "deactivate and restart", t->conf->name);
		return;
	}
	if (dry && !t->conf->dry_run) {
		client_err(c, "invalid", "%s does not support dry runs "
		    "(dry_run = false in its config)", t->conf->name);
		return;
	}
	if (task_busy(t)) {
		client_err(c, "state", "%s already running (pid %d)",
		    t->conf->name, (int)t->cur.pid);
		return;
	}
	verbs_actor(c, actor, sizeof(actor));
	if (task_start(t, TR_MANUAL, dry, actor, err, sizeof(err)) == -1) {
		client_err(c, "failed", "%s: %s", t->conf->name, err);
		return;
	}
	if (!request_has(r, "wait")) {
		client_ok(c, "%s: run %llu started, pid %d", t->conf->name,
		    (unsigned long long)t->cur.id, (int)t->cur.pid);
		return;
	}
	w = xcalloc(1, sizeof(*w));
	w->c = c;
	w->t = t;
	w->run_id = t->cur.id;
	w->json = client_json_mode(c);
	w->next = waiters;
	waiters = w;
	client_hold(c);
}

void
verb_stop(struct client *c, struct request *r)
{
	struct task	*t;
	char		 actor[128];

	if ((t = one_task(c, r)) == NULL)
		return;
	if (t->conf->kind == KIND_SERVICE) {
		client_err(c, "state", "%s is a service: deactivate stops it, "
		    "restart restarts it", t->conf->name);
		return;
	}
	if (!task_busy(t)) {
		client_err(c, "state", "%s is not running", t->conf->name);
		return;
	}
	(void)task_stop(t, verbs_actor(c, actor, sizeof(actor)));
	client_ok(c, "%s: stopping run %llu (pid %d)", t->conf->name,
	    (unsigned long long)t->cur.id, (int)t->cur.pid);
}

void
verb_restart(struct client *c, struct request *r)
{
	struct task	*t;
	char		 err[256], actor[128];
	int		 rc;

	if ((t = one_task(c, r)) == NULL)
		return;
	verbs_actor(c, actor, sizeof(actor));
	if ((rc = task_restart(t, actor, err, sizeof(err))) == -1) {
		client_err(c, "state", "%s", err);
		return;
	}
	client_ok(c, "%s: %s", t->conf->name, rc == 1 ?
	    "stopping, will start again" : "started");
}

void
verb_reopen(struct client *c, struct request *r)
{
	(void)r;
	output_reopen();
	log_info("log files reopened on request");
	client_ok(c, "log files reopened");
}

/* Output of a run goes to the clients waiting for it. */
void
verbs_run_line(struct task *t, const char *text, size_t len)
{
	struct waiter		*w;
	struct json_object	*o;
	char			*line = NULL;

	for (w = waiters; w != NULL; w = w->next) {
		if (w->t != t || w->run_id != t->cur.id)
			continue;
		if (line == NULL) {
			line = xcalloc(len + 1, 1);
			memcpy(line, text, len);
		}
		if (w->json) {
			o = json_object_new_object();
			json_object_object_add(o, "task",
			    json_object_new_string(t->conf->name));
			json_object_object_add(o, "run",
			    json_object_new_int64((int64_t)w->run_id));
			json_object_object_add(o, "line",
			    json_object_new_string(line));
			client_json(w->c, o);
			json_object_put(o);
		} else
			client_raw(w->c, line);
	}
	free(line);
}

void
verbs_run_end(struct task *t)
{
	struct waiter	**wp, *w;
	const struct run *r = &t->cur;
	char		  res[300], d[32];

	fmt_duration((int64_t)(r->end_mono - r->start_mono), d, sizeof(d));
	for (wp = &waiters; (w = *wp) != NULL; ) {
		if (w->t != t || w->run_id != r->id) {
			wp = &w->next;
			continue;
		}
		*wp = w->next;
		run_result(r, res, sizeof(res));
		if (run_ok(r))
			client_ok(w->c, "%s after %s", res, d);
		else if (r->timed_out)
			client_err(w->c, "timeout", "%s after %s", res, d);
		else
			client_err(w->c, "failed", "%s after %s", res, d);
		free(w);
	}
}

void
verbs_client_gone(struct client *c)
{
	struct waiter	**wp, *w;

	verbs_obs_client_gone(c);
	for (wp = &waiters; (w = *wp) != NULL; ) {
		if (w->c == c) {
			*wp = w->next;
			free(w);
		} else
			wp = &w->next;
	}
}
