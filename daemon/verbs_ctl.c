/*
 * verbs_ctl.c: the verbs that change state: activate, deactivate, run,
 * stop, restart, reopen.  "run --wait" holds the client and streams the
 * run's output lines (verbs_tail.c) until its result.
 */
#include <sys/wait.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "control.h"
#include "feed.h"
#include "fleet.h"
#include "log.h"
#include "output.h"
#include "policy.h"
#include "proto.h"
#include "reload.h"
#include "state.h"
#include "supervise.h"
#include "util.h"
#include "verbs.h"

/* A client waiting for the end of a run (its lines: verbs_tail.c). */
struct waiter {
	struct client	*c;
	struct task	*t;
	uint64_t	 run_id;
	bool		 json;
	struct waiter	*next;
};

static struct waiter	*waiters;
static struct feed_sub	 end_sub;

static void	on_end(enum feed_stream, const struct feed_msg *, void *);

/* Follow run ends only while someone waits for them. */
static void
waiters_changed(void)
{
	if (waiters != NULL && !feed_subscribed(&end_sub))
		feed_subscribe(&end_sub, FEED_RUN_END, on_end, NULL);
	else if (waiters == NULL && feed_subscribed(&end_sub))
		feed_unsubscribe(&end_sub);
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

/* The names of v as "a, b, c" (at most a few, then "..."). */
static char *
names(struct task **v, size_t n, char *buf, size_t len)
{
	size_t	i, o = 0;

	buf[0] = '\0';
	for (i = 0; i < n && o + 1 < len; i++) {
		if (i == 8) {
			snprintf(buf + o, len - o, ", ...");
			break;
		}
		o += (size_t)snprintf(buf + o, len - o, "%s%s", i ? ", " : "",
		    v[i]->conf->name);
	}
	return buf;
}

/* Is t in v[0..n-1]? */
static bool
among(struct task *const *v, size_t n, const struct task *t)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (v[i] == t)
			return true;
	return false;
}

/*
 * The tasks of an activation that were active already: --for DUR sets
 * their deadline to DUR from now (said in a line and an event); without
 * it, --json has an object for each.  How many deadlines were set.
 */
static size_t
already_active(struct client *c, struct task **v, size_t n,
    const struct plan *p, int64_t ms, const char *actor, char *text,
    size_t len)
{
	struct json_object	*o;
	struct task		*t;
	time_t			 was;
	size_t			 i, nset = 0;
	char			 u[64], w[64];

	for (i = 0; i < n; i++) {
		t = v[i];
		if (among(p->start, p->nstart, t) || among(v, i, t))
			continue;
		if (ms <= 0) {
			if (client_json_mode(c))
				verbs_task_line(c, t, "already active");
			continue;
		}
		was = task_set_until(t, ms, actor);
		nset++;
		fmt_rfc3339(t->active_until, u, sizeof(u));
		if (was != 0)
			fmt_rfc3339(was, w, sizeof(w));
		snprintf(text, len, "%s already active; now until %s (%s%s)",
		    t->conf->name, u, was != 0 ? "it was until " :
		    "it had no deadline", was != 0 ? w : "");
		if (client_json_mode(c)) {
			o = json_object_new_object();
			json_object_object_add(o, "task",
			    json_object_new_string(t->conf->name));
			json_object_object_add(o, "result",
			    json_object_new_string("deadline set"));
			json_object_object_add(o, "until",
			    json_object_new_string(u));
			json_object_object_add(o, "was_until", was == 0 ? NULL :
			    json_object_new_string(w));
			client_json(c, o);
			json_object_put(o);
		} else if (n > 1)
			client_data(c, "%s", text);
	}
	return nset;
}

/* --dry-run --for DUR: the deadlines it would set. */
static void
would_set_until(struct client *c, struct task **v, size_t n,
    const struct plan *p, int64_t ms)
{
	size_t	i;
	char	u[64];

	if (ms <= 0)
		return;
	fmt_rfc3339(time(NULL) + (time_t)(ms / 1000), u, sizeof(u));
	for (i = 0; i < n; i++) {
		if (among(p->start, p->nstart, v[i]) || among(v, i, v[i]) ||
		    !v[i]->active)
			continue;
		if (client_json_mode(c))
			verbs_json(c, "task", json_object_new_string(
			    v[i]->conf->name), "would", json_object_new_string(
			    "set deadline"), "until", json_object_new_string(u),
			    NULL);
		else
			client_data(c, "would keep %s active until %s",
			    v[i]->conf->name, u);
	}
}

void
verb_activate(struct client *c, struct request *r)
{
	struct task	**v;
	struct plan	  p;
	size_t		  n;
	int64_t		  ms;
	char		  actor[128], list[512], text[256];

	if ((ms = opt_for(c, r)) == -1)
		return;
	if ((v = verbs_tasks_named(c, r, &n)) == NULL)
		return;
	plan_activate(&p, v, n, false);
	if (request_has(r, "dry-run")) {
		would_set_until(c, v, n, &p, ms);
		verbs_plan_report(c, &p);
	}
	else if (p.code != NULL)
		client_err(c, p.code, "%s", p.why);
	else if (p.nstart > 1 && !request_has(r, "confirm"))
		client_err(c, "confirm", "activate %zu tasks: %s", p.nstart,
		    names(p.start, p.nstart, list, sizeof(list)));
	else {
		verbs_plan_apply(c, &p, ms, verbs_actor(c, actor,
		    sizeof(actor)));
		if (already_active(c, v, n, &p, ms, actor, text,
		    sizeof(text)) > 0 && n == 1)
			client_ok(c, "%s", text);
		else if (n == 1 && p.nalready == 1)
			client_ok(c, "%s already active", v[0]->conf->name);
		else
			client_ok(c, "%zu activated, %zu already active",
			    p.nstart, p.nalready);
	}
	plan_free(&p);
	free(v);
}

void
verb_deactivate(struct client *c, struct request *r)
{
	struct task	**v;
	struct plan	  p;
	size_t		  n, i;
	char		  actor[128], list[512];

	if ((v = verbs_tasks_named(c, r, &n)) == NULL)
		return;
	plan_deactivate(&p, v, n);
	if (request_has(r, "dry-run"))
		verbs_plan_report(c, &p);
	else if (p.nstop > 1 && !request_has(r, "confirm"))
		client_err(c, "confirm", "deactivate %zu tasks: %s", p.nstop,
		    names(p.stop, p.nstop, list, sizeof(list)));
	else {
		verbs_plan_apply(c, &p, 0, verbs_actor(c, actor,
		    sizeof(actor)));
		for (i = 0; i < n && client_json_mode(c); i++)
			if (!among(p.stop, p.nstop, v[i]) && !among(v, i, v[i]))
				verbs_task_line(c, v[i], "already inactive");
		if (n == 1 && p.nalready == 1)
			client_ok(c, "%s already inactive", v[0]->conf->name);
		else
			client_ok(c, "%zu deactivated, %zu already inactive",
			    p.nstop, p.nalready);
	}
	plan_free(&p);
	free(v);
}

/* The run has started: say so, or (--wait) follow it to its end. */
static void
run_started(struct client *c, struct task *t, bool wait)
{
	struct waiter	*w;

	if (!wait) {
		verbs_json(c, "task", json_object_new_string(t->conf->name),
		    "run", json_object_new_int64((int64_t)t->cur.id), "pid",
		    json_object_new_int((int)t->cur.pid), "trigger",
		    json_object_new_string(trigger_name(t->cur.trigger)),
		    "dry_run", json_object_new_boolean(t->cur.dry_run), NULL);
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
	waiters_changed();
	verbs_tail_run(c, t, w->run_id);
}

/* A run of a fleet task waits for its lock (fleet = once). */
struct fleet_wait {
	struct client		*c;
	char			*task;
	bool			 wait;
	struct fleet_wait	*next;
};
static struct fleet_wait	*fleet_waits;

static void
fleet_wait_free(struct fleet_wait *fw)
{
	struct fleet_wait	**fp;

	for (fp = &fleet_waits; *fp != NULL; fp = &(*fp)->next)
		if (*fp == fw) {
			*fp = fw->next;
			break;
		}
	free(fw->task);
	free(fw);
}

static void
fleet_locked(bool ok, const char *code, const char *why, void *arg)
{
	struct fleet_wait	*fw = arg;
	struct task		*t = task_find(&md.tasks, fw->task);

	if (!ok)
		client_err(fw->c, code, "%s", why);
	else if (t == NULL || !task_busy(t))
		client_err(fw->c, "failed", "%s: the run did not start",
		    fw->task);
	else
		run_started(fw->c, t, fw->wait);
	fleet_wait_free(fw);
}

void
verb_run(struct client *c, struct request *r)
{
	struct task		*t;
	struct fleet_wait	*fw;
	bool			 dry = request_has(r, "dry-run");
	const char		*code;
	char			 err[512], actor[128];

	if ((t = verbs_task(c, r->args[0])) == NULL)
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
	if ((code = policy_can_run(t, request_has(r, "force"), err,
	    sizeof(err))) != NULL) {
		if (strcmp(code, "guard") == 0 || strcmp(code, "requires") == 0 ||
		    strcmp(code, "after") == 0)
			client_err(c, code, "%s (--force runs it anyway)", err);
		else
			client_err(c, code, "%s", err);
		return;
	}
	verbs_actor(c, actor, sizeof(actor));
	if (t->conf->fleet_once && fleet_on() && t->fleet_token == 0) {
		/* the answer comes once etcd has said whose the lock is */
		fw = xcalloc(1, sizeof(*fw));
		fw->c = c;
		fw->task = xstrdup(t->conf->name);
		fw->wait = request_has(r, "wait");
		fw->next = fleet_waits;
		fleet_waits = fw;
		client_hold(c);
		fleet_run(t, dry, actor, fleet_locked, fw);
		return;
	}
	if (task_start(t, TR_MANUAL, dry, actor, err, sizeof(err)) == -1) {
		if (strncmp(err, "held by ", 8) == 0)
			client_err(c, "held", "%s", err + 8);
		else
			client_err(c, "failed", "%s: %s", t->conf->name, err);
		return;
	}
	run_started(c, t, request_has(r, "wait"));
}

void
verb_stop(struct client *c, struct request *r)
{
	struct task	*t;
	char		 actor[128];

	if ((t = verbs_task(c, r->args[0])) == NULL)
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
	if (request_has(r, "dry-run")) {
		if (client_json_mode(c))
			verbs_json(c, "task", json_object_new_string(
			    t->conf->name), "run", json_object_new_int64(
			    (int64_t)t->cur.id), "pid", json_object_new_int(
			    (int)t->cur.pid), "would", json_object_new_string(
			    "stop"), NULL);
		else
			client_data(c, "would stop run %llu of %s (pid %d)",
			    (unsigned long long)t->cur.id, t->conf->name,
			    (int)t->cur.pid);
		client_ok(c, "dry run: nothing changed");
		return;
	}
	(void)task_stop(t, verbs_actor(c, actor, sizeof(actor)));
	verbs_json(c, "task", json_object_new_string(t->conf->name), "run",
	    json_object_new_int64((int64_t)t->cur.id), "pid",
	    json_object_new_int((int)t->cur.pid), "result",
	    json_object_new_string("stopping"), NULL);
	client_ok(c, "%s: stopping run %llu (pid %d)", t->conf->name,
	    (unsigned long long)t->cur.id, (int)t->cur.pid);
}

void
verb_restart(struct client *c, struct request *r)
{
	struct task	*t;
	const char	*code;
	char		 err[512], actor[128];
	int		 rc;

	if ((t = verbs_task(c, r->args[0])) == NULL)
		return;
	if (request_has(r, "dry-run")) {
		if (t->conf->kind != KIND_SERVICE || !t->active)
			client_err(c, "state", "%s is not an active service",
			    t->conf->name);
		else {
			if (client_json_mode(c))
				verbs_json(c, "task", json_object_new_string(
				    t->conf->name), "would",
				    json_object_new_string("restart"),
				    "stop_first", json_object_new_boolean(
				    task_busy(t)), NULL);
			else
				client_data(c, "would restart %s%s",
				    t->conf->name, task_busy(t) ?
				    " (stopping it first)" : "");
			client_ok(c, "dry run: nothing changed");
		}
		return;
	}
	if (md.halted) {
		client_err(c, "halted", "maintd is halted (stop-all): "
		    "nothing starts until resume");
		return;
	}
	/* not running: it starts now, within the budget like any start */
	if (t->conf->kind == KIND_SERVICE && t->active && !task_busy(t) &&
	    (code = policy_can_run(t, true, err, sizeof(err))) != NULL) {
		client_err(c, code, "%s", err);
		return;
	}
	verbs_actor(c, actor, sizeof(actor));
	if ((rc = task_restart(t, actor, err, sizeof(err))) == -1) {
		/* not a service, not active, or it failed to start */
		client_err(c, t->conf->kind == KIND_SERVICE && t->active ?
		    "failed" : "state", "%s", err);
		return;
	}
	verbs_json(c, "task", json_object_new_string(t->conf->name), "result",
	    json_object_new_string(rc == 1 ? "restarting" : "started"),
	    "pid", rc == 1 || !task_busy(t) ? NULL :
	    json_object_new_int((int)t->cur.pid), NULL);
	client_ok(c, "%s: %s", t->conf->name, rc == 1 ?
	    "stopping, will start again" : "started");
}

void
verb_reopen(struct client *c, struct request *r)
{
	(void)r;
	output_reopen();
	log_info("log files reopened on request");
	verbs_json(c, "reopened", json_object_new_boolean(1), NULL);
	client_ok(c, "log files reopened");
}

/* run --wait --json: the last object is the run's result. */
static struct json_object *
run_result_json(const struct task *t, const struct run *r, const char *res)
{
	struct json_object	*o = json_object_new_object();

	json_object_object_add(o, "task", json_object_new_string(t->conf->name));
	json_object_object_add(o, "run", json_object_new_int64((int64_t)r->id));
	json_object_object_add(o, "result", json_object_new_string(res));
	json_object_object_add(o, "ok", json_object_new_boolean(run_ok(r)));
	json_object_object_add(o, "class",
	    json_object_new_string(run_class(r)));
	json_object_object_add(o, "exit", r->failure[0] == '\0' &&
	    WIFEXITED(r->status) ? json_object_new_int(WEXITSTATUS(r->status)) :
	    NULL);
	json_object_object_add(o, "duration_s", json_object_new_double(
	    (double)(r->end_mono - r->start_mono) / 1000));
	return o;
}

static void
on_end(enum feed_stream st, const struct feed_msg *m, void *arg)
{
	struct task	 *t = m->task;
	struct waiter	**wp, *w;
	const struct run *r = m->run;
	struct json_object *o;
	char		  res[300], d[32];

	(void)st;
	(void)arg;
	fmt_duration((int64_t)(r->end_mono - r->start_mono), d, sizeof(d));
	for (wp = &waiters; (w = *wp) != NULL; ) {
		if (w->t != t || w->run_id != r->id) {
			wp = &w->next;
			continue;
		}
		*wp = w->next;
		run_result(r, res, sizeof(res));
		/* after the run's last line, which may still be on its way */
		o = w->json ? run_result_json(t, r, res) : NULL;
		(void)verbs_tail_end(w->c, o, run_ok(r) ? NULL : r->timed_out ?
		    "timeout" : "failed", "%s after %s", res, d);
		json_object_put(o);
		free(w);
	}
	waiters_changed();
}

void
verbs_ctl_client_gone(struct client *c)
{
	struct waiter		**wp, *w;
	struct fleet_wait	*fw, *next;

	for (fw = fleet_waits; fw != NULL; fw = next) {
		next = fw->next;
		if (fw->c == c) {
			fleet_forget(fw);
			fleet_wait_free(fw);
		}
	}

	for (wp = &waiters; (w = *wp) != NULL; ) {
		if (w->c == c) {
			*wp = w->next;
			free(w);
		} else
			wp = &w->next;
	}
	waiters_changed();
}

/* "added: a, b" for people; one object for scripts. */
static void
report_line(struct client *c, const char *what, char **v)
{
	char	buf[2048];
	size_t	o = 0, i;

	if (v == NULL)
		return;
	buf[0] = '\0';
	for (i = 0; v[i] != NULL && o < sizeof(buf); i++)
		o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%s%s",
		    i ? ", " : "", v[i]);
	client_data(c, "%s: %s", what, buf);
}

static struct json_object *
jnames(char **v)
{
	return verbs_strv(v);
}

void
verb_reload(struct client *c, struct request *r)
{
	struct reload_report	 rep;
	struct json_object	*o, *e;
	bool			 dry = request_has(r, "dry-run");
	char			 actor[128], **errors = NULL;
	size_t			 i;

	verbs_actor(c, actor, sizeof(actor));
	if (reload(dry, actor, &rep, &errors) == -1) {
		for (i = 0; errors != NULL && errors[i] != NULL; i++) {
			log_warnx("reload: %s", errors[i]);
			if (client_json_mode(c)) {
				/* the shape of every error: code, message */
				e = json_object_new_object();
				json_object_object_add(e, "code",
				    json_object_new_string("config"));
				json_object_object_add(e, "message",
				    json_object_new_string(errors[i]));
				o = json_object_new_object();
				json_object_object_add(o, "error", e);
				client_json(c, o);
				json_object_put(o);
			} else
				client_raw(c, errors[i]);
		}
		client_err(c, "config", "%zu error%s in the configuration; "
		    "nothing changed", i, i == 1 ? "" : "s");
		strv_free(errors);
		return;
	}
	if (client_json_mode(c)) {
		o = json_object_new_object();
		json_object_object_add(o, "added", jnames(rep.added));
		json_object_object_add(o, "removed", jnames(rep.removed));
		json_object_object_add(o, "changed", jnames(rep.changed));
		json_object_object_add(o, "needs_restart", jnames(rep.restart));
		json_object_object_add(o, "dry_run", json_object_new_boolean(dry));
		client_json(c, o);
		json_object_put(o);
	} else {
		report_line(c, dry ? "would add" : "added", rep.added);
		report_line(c, dry ? "would remove" : "removed", rep.removed);
		report_line(c, dry ? "would change" : "changed", rep.changed);
		report_line(c, "needs a restart (kept as it was)", rep.restart);
	}
	if (dry)
		client_ok(c, "dry run: nothing changed");
	else
		client_ok(c, "reloaded: %zu added, %zu removed, %zu changed",
		    strv_len(rep.added), strv_len(rep.removed),
		    strv_len(rep.changed));
	reload_report_free(&rep);
}
