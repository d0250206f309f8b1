/*
 * verbs_common.c: what the handlers of verbs_*.c share: finding the
 * tasks a request names, the answer to one who may not, and
 * plans (what a change would do) as replies.
 */
#include <libutil.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "after.h"
#include "control.h"
#include "ev.h"
#include "event.h"
#include "guard.h"
#include "health.h"
#include "log.h"
#include "policy.h"
#include "proto.h"
#include "redact.h"
#include "state.h"
#include "store.h"
#include "supervise.h"
#include "table.h"
#include "util.h"
#include "verbs.h"

/* STATE as people read it: a scheduled run that waits is "waiting". */
const char *
verbs_state(const struct task *t)
{
	if (t->waiting && !task_busy(t))
		return "waiting";
	if (t->fleet_standby && t->active && !task_busy(t))
		return "standby";
	return state_name(t->state);
}

/* Why a waiting run waits (budget, guard, ...), or NULL. */
const char *
verbs_waiting(const struct task *t, char *buf, size_t len)
{
	if (!t->waiting || task_busy(t) || policy_can_run(t, false, buf, len) == NULL)
		return NULL;
	return buf;
}

/*
 * What the health probes of t found, or NULL without probes; the URL
 * redacted (its password, its query values) for a client that may only
 * read.
 */
struct json_object *
verbs_probe_json(struct client *c, const struct task *t)
{
	const struct probe	*p = t->probe;
	const struct task_health *h = &t->conf->health;
	struct json_object	*o;
	char			 buf[64], url[2048];

	if (p == NULL)
		return NULL;
	o = json_object_new_object();
	json_object_object_add(o, "status",
	    json_object_new_string(health_status_name(t)));
	json_object_object_add(o, "url", h->url == NULL ? NULL :
	    json_object_new_string(client_admin(c) ? h->url :
	    redact(REDACT_URL, h->url, url, sizeof(url))));
	json_object_object_add(o, "command", h->command[0] != NULL ?
	    verbs_strv(h->command) : NULL);
	json_object_object_add(o, "interval_s", json_object_new_double(
	    (double)h->interval_ms / 1000));
	json_object_object_add(o, "timeout_s", json_object_new_double(
	    (double)h->timeout_ms / 1000));
	json_object_object_add(o, "failures_allowed",
	    json_object_new_int(h->failures));
	json_object_object_add(o, "restart", json_object_new_boolean(h->restart));
	json_object_object_add(o, "follow_redirects", h->url == NULL ? NULL :
	    json_object_new_boolean(h->follow_redirects));
	json_object_object_add(o, "last_probe", p->last == 0 ? NULL :
	    json_object_new_string(fmt_rfc3339(p->last, buf, sizeof(buf))));
	json_object_object_add(o, "last_ok", p->last == 0 ? NULL :
	    json_object_new_boolean(p->last_ok));
	json_object_object_add(o, "latency_s", p->last == 0 ? NULL :
	    json_object_new_double((double)p->last_ms / 1000));
	json_object_object_add(o, "reason", p->reason[0] == '\0' ? NULL :
	    json_object_new_string(p->reason));
	json_object_object_add(o, "failures", json_object_new_int(
	    (int)p->failures));
	json_object_object_add(o, "failures_total",
	    json_object_new_int64((int64_t)p->failures_total));
	json_object_object_add(o, "probes_total",
	    json_object_new_int64((int64_t)p->probes_total));
	return o;
}

struct json_object *
verbs_strv(char *const *v)
{
	struct json_object	*a = json_object_new_array();

	for (; v != NULL && *v != NULL; v++)
		json_object_array_add(a, json_object_new_string(*v));
	return a;
}

/* The task named name, or NULL with ERR unknown-task (and a suggestion). */
struct task *
verbs_task(struct client *c, const char *name)
{
	struct task	*t;
	const char	*guess;

	if ((t = task_find(&md.tasks, name)) != NULL)
		return t;
	if ((guess = task_suggest(&md.tasks, name)) != NULL)
		client_err(c, "unknown-task", "no task named '%s' (did you mean "
		    "'%s'?)", name, guess);
	else
		client_err(c, "unknown-task", "no task named '%s'", name);
	return NULL;
}

/* Resolve the named tasks (all when none); ERR unknown-task on a bad name. */
struct task **
verbs_tasks_named(struct client *c, struct request *r, size_t *np)
{
	struct task	**v;
	size_t		  i;

	if (r->nargs == 0) {
		v = xcalloc(md.tasks.n, sizeof(*v));
		for (i = 0; i < md.tasks.n; i++)
			v[i] = md.tasks.v[i];
		*np = md.tasks.n;
		return v;
	}
	v = xcalloc((size_t)r->nargs, sizeof(*v));
	for (i = 0; i < (size_t)r->nargs; i++)
		if ((v[i] = verbs_task(c, r->args[i])) == NULL) {
			free(v);
			return NULL;
		}
	*np = (size_t)r->nargs;
	return v;
}

/*
 * ERR denied, audited (verbs_auth.c): what a token may not do, or who
 * may change state.
 */
void
verbs_deny(struct client *c, const char *what)
{
	verbs_deny_tasks(c, what, NULL, 0);
}

/* The same, for a request that names tasks: the event names them too. */
void
verbs_deny_tasks(struct client *c, const char *what, char *const *tasks,
    int ntasks)
{
	char	who[160] = "", why[400];

	if (verbs_auth_denial(c, what, why, sizeof(why)) != NULL) {
		verbs_audit_denied_tasks(c, what, why, tasks, ntasks);
		client_err(c, "denied", "%s", why);
		return;
	}
	verbs_audit_denied_tasks(c, what, NULL, tasks, ntasks);
	if (geteuid() != 0)
		snprintf(who, sizeof(who), ", the daemon's user (uid %u)",
		    (unsigned)geteuid());
	if (md.conf->admin_gid != (gid_t)-1)
		client_err(c, "denied", "%s changes state: only root%s or "
		    "members of admin_group %s may use it", what, who,
		    md.conf->admin_group);
	else
		client_err(c, "denied", "%s changes state: only root%s may use "
		    "it (no admin_group is set)", what, who);
}

/* --dry-run: what the plan would do, and whether it would be refused. */
void
verbs_plan_report(struct client *c, const struct plan *p)
{
	struct json_object	*o, *a;
	size_t			 i;
	char			 why[256];

	if (client_json_mode(c)) {
		o = json_object_new_object();
		a = json_object_new_array();
		for (i = 0; i < p->nstart; i++)
			json_object_array_add(a, json_object_new_string(
			    p->start[i]->conf->name));
		json_object_object_add(o, "activate", a);
		a = json_object_new_array();
		for (i = 0; i < p->nstop; i++)
			json_object_array_add(a, json_object_new_string(
			    p->stop[i]->conf->name));
		json_object_object_add(o, "deactivate", a);
		json_object_object_add(o, "unchanged",
		    json_object_new_int((int)p->nalready));
		json_object_object_add(o, "weight_after",
		    json_object_new_int(p->weight_after));
		json_object_object_add(o, "max_weight",
		    json_object_new_int(md.conf->max_weight));
		a = json_object_new_object();
		for (i = 0; i < p->nstart; i++)
			if (guard_check(&p->start[i]->conf->start_when, why,
			    sizeof(why)) == -1)
				json_object_object_add(a,
				    p->start[i]->conf->name,
				    json_object_new_string(why));
		json_object_object_add(o, "start_when", a);
		json_object_object_add(o, "refused", p->code == NULL ? NULL :
		    json_object_new_string(p->code));
		json_object_object_add(o, "why", p->code == NULL ? NULL :
		    json_object_new_string(p->why));
		client_json(c, o);
		json_object_put(o);
	} else {
		for (i = 0; i < p->nstart; i++)
			client_data(c, "would activate %s%s",
			    p->start[i]->conf->name,
			    p->start[i]->conf->kind != KIND_PERIODIC ?
			    " (and start it)" : "");
		for (i = 0; i < p->nstop; i++)
			client_data(c, "would deactivate %s%s",
			    p->stop[i]->conf->name, task_busy(p->stop[i]) ?
			    " (and stop it)" : "");
		if (p->nalready > 0)
			client_data(c, "%zu unchanged", p->nalready);
		client_data(c, "budget after: %d/%d", p->weight_after,
		    md.conf->max_weight);
		for (i = 0; i < p->nstart; i++)
			if (guard_check(&p->start[i]->conf->start_when, why,
			    sizeof(why)) == -1)
				client_data(c, "start_when of %s does not hold "
				    "(%s): its runs would wait",
				    p->start[i]->conf->name, why);
		if (p->code != NULL)
			client_data(c, "refused: %s %s", p->code, p->why);
	}
	if (p->code != NULL)
		client_err(c, p->code, "%s", p->why);
	else
		client_ok(c, "dry run: nothing changed");
}

/* "TASK: what" for people, {"task": TASK, "result": what} for scripts. */
void
verbs_task_line(struct client *c, const struct task *t, const char *what)
{
	struct json_object	*o;

	if (!client_json_mode(c)) {
		client_data(c, "%s: %s", t->conf->name, what);
		return;
	}
	o = json_object_new_object();
	json_object_object_add(o, "task", json_object_new_string(t->conf->name));
	json_object_object_add(o, "result", json_object_new_string(what));
	client_json(c, o);
	json_object_put(o);
}

/*
 * --json: the object of an answer whose text is its final line alone,
 * from pairs of a key and a json-c value (taken), up to a NULL key.
 * Nothing is sent without --json.
 */
void
verbs_json(struct client *c, const char *key, ...)
{
	struct json_object	*o = json_object_new_object(), *v;
	va_list			 ap;

	va_start(ap, key);
	for (; key != NULL; key = va_arg(ap, const char *)) {
		v = va_arg(ap, struct json_object *);
		json_object_object_add(o, key, v);
	}
	va_end(ap);
	if (client_json_mode(c))
		client_json(c, o);
	json_object_put(o);
}

/* Carry out a checked plan. */
void
verbs_plan_apply(struct client *c, const struct plan *p, int64_t ms,
    const char *actor)
{
	size_t	i;
	char	why[256], line[300];

	for (i = 0; i < p->nstop; i++) {
		task_deactivate(p->stop[i], actor);
		verbs_task_line(c, p->stop[i], "deactivated");
	}
	for (i = 0; i < p->nstart; i++) {
		(void)task_activate(p->start[i], ms, actor);
		/* a service or oneshot that waits on after says so */
		if (p->start[i]->waiting && after_check(p->start[i], why,
		    sizeof(why)) == -1) {
			snprintf(line, sizeof(line), "activated, waiting: %s",
			    why);
			verbs_task_line(c, p->start[i], line);
		} else
			verbs_task_line(c, p->start[i], "activated");
	}
}

/* --NAME TIME as parse_time takes it; 0 if absent; -1 with ERR sent. */
int
verbs_opt_time(struct client *c, struct request *r, const char *name, double *t)
{
	const char	*v = request_opt(r, name);
	struct timespec	 now;

	*t = 0;
	if (v == NULL)
		return 0;
	clock_gettime(CLOCK_REALTIME, &now);
	if (parse_time(v, (double)now.tv_sec + (double)now.tv_nsec / 1e9,
	    t) == -1) {
		client_err(c, "usage", "--%s %s: not a time (RFC 3339, "
		    "YYYY-MM-DD [HH:MM[:SS]], today, yesterday, now, or a "
		    "duration ago such as 1h, -1h, 1h ago, 5 min ago)", name, v);
		return -1;
	}
	return 0;
}

/* A number of bytes for people: "0", "512B", "1.5K", "108M"; "-" if < 0. */
const char *
verbs_bytes(int64_t b, char *buf, size_t len)
{
	if (b < 0)
		snprintf(buf, len, "-");
	else if (b == 0)
		snprintf(buf, len, "0");
	/* 5: four characters at most, "108M" */
	else if (humanize_number(buf, len < 5 ? len : 5, b, "", HN_AUTOSCALE,
	    HN_DECIMAL | HN_NOSPACE | HN_B) == -1)
		snprintf(buf, len, "%lld", (long long)b);
	return buf;
}

int
verbs_rows_end(struct client *c, int rc, size_t n, struct table *tb)
{
	if (rc == -1 && !store_ok() && n == 0) {
		if (tb != NULL)
			table_free(tb);
		client_err(c, "internal", "the database cannot be read: %s",
		    store_error());
		return -1;
	}
	if (tb != NULL)
		table_emit(tb, c);
	return 0;
}
