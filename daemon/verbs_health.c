/*
 * verbs_health.c: health, of the daemon (for monitoring: OK ok, or ERR
 * degraded and why) and of one task (its runs, its log, its probes);
 * notify, the webhook endpoints (list, test); log, the daemon's own
 * messages (kept by log.c), with --follow.
 */
#include <stdio.h>
#include <syslog.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "cgroup.h"
#include "control.h"
#include "fleet.h"
#include "health.h"
#include "log.h"
#include "notify.h"
#include "policy.h"
#include "proto.h"
#include "reload.h"
#include "redact.h"
#include "state.h"
#include "store.h"
#include "supervise.h"
#include "table.h"
#include "util.h"
#include "verbs.h"

/* A task's probes, as "probe_KEY value" lines for people. */
static void
probe_text(struct client *c, const struct task *t)
{
	struct json_object	*p = verbs_probe_json(c, t);
	const char		*s;

	json_object_object_foreach(p, key, val) {
		if (val == NULL)
			s = "-";
		else if (json_object_is_type(val, json_type_array))
			s = json_object_to_json_string_ext(val,
			    JSON_C_TO_STRING_PLAIN |
			    JSON_C_TO_STRING_NOSLASHESCAPE);
		else
			s = json_object_get_string(val);
		client_data(c, "probe_%-16s %s", key, s);
	}
	json_object_put(p);
}

/* "late: a, b (no success within late_after)": the first few named. */
static void
late_text(char *buf, size_t len, const char *sep, size_t nlate)
{
	size_t	i, named = 0, o;

	o = (size_t)snprintf(buf, len, "%s%zu late task%s (no success within "
	    "late_after): ", sep, nlate, nlate == 1 ? "" : "s");
	for (i = 0; i < md.tasks.n && named < 3 && o < len; i++)
		if (md.tasks.v[i]->late)
			o += (size_t)snprintf(buf + o, len - o, "%s%s",
			    named++ ? ", " : "", md.tasks.v[i]->conf->name);
	if (nlate > named && o < len)
		snprintf(buf + o, len - o, ", ...");
}

static struct json_object *
daemon_health(char *why, size_t len)
{
	struct json_object	*o = json_object_new_object();
	size_t			 i, nactive = 0, nfailed = 0, nsick, nlate = 0;
	double			 load[1];
	const char		*trouble;
	char			 host[256];
	bool			 ok;

	for (i = 0; i < md.tasks.n; i++) {
		nactive += md.tasks.v[i]->active;
		nfailed += md.tasks.v[i]->state == ST_FAILED;
	}
	nsick = health_unhealthy();
	ok = nfailed == 0 && nsick == 0 && store_ok();
	why[0] = '\0';
	if (nfailed > 0)
		snprintf(why, len, "%zu failed task%s", nfailed,
		    nfailed == 1 ? "" : "s");
	if (nsick > 0)
		snprintf(why + strlen(why), len - strlen(why), "%s%zu unhealthy "
		    "task%s", why[0] ? ", " : "", nsick, nsick == 1 ? "" : "s");
	if (!store_ok())
		snprintf(why + strlen(why), len - strlen(why), "%sdatabase: %s",
		    why[0] ? ", " : "", store_error());
	for (i = 0; i < md.tasks.n; i++)
		if (md.tasks.v[i]->log_errno != 0) {
			ok = false;
			snprintf(why + strlen(why), len - strlen(why), "%slog_dir "
			    "%s not writable (task %s): %s", why[0] ? ", " : "",
			    md.conf->log_dir, md.tasks.v[i]->conf->name,
			    strerror(md.tasks.v[i]->log_errno));
			break;
		}
	for (i = 0; i < md.tasks.n; i++)
		nlate += md.tasks.v[i]->late;
	if (nlate > 0) {
		ok = false;
		late_text(why + strlen(why), len - strlen(why), why[0] ?
		    ", " : "", nlate);
	}
	if (md.halted) {
		ok = false;
		snprintf(why + strlen(why), len - strlen(why), "%shalted by "
		    "stop-all", why[0] ? ", " : "");
	}
	if (reload_failed() != NULL) {
		ok = false;
		snprintf(why + strlen(why), len - strlen(why), "%sconfig on "
		    "disk does not load: %s", why[0] ? ", " : "",
		    reload_failed());
	}
	if ((trouble = fleet_trouble()) != NULL) {
		ok = false;
		snprintf(why + strlen(why), len - strlen(why), "%s%s",
		    why[0] ? ", " : "", trouble);
	}
	json_object_object_add(o, "status",
	    json_object_new_string(ok ? "ok" : "degraded"));
	json_object_object_add(o, "reason", ok ? NULL :
	    json_object_new_string(why));
	if (gethostname(host, sizeof(host)) == -1)
		host[0] = '\0';
	host[sizeof(host) - 1] = '\0';
	json_object_object_add(o, "host", json_object_new_string(host));
	json_object_object_add(o, "tasks", json_object_new_int64(
	    (int64_t)md.tasks.n));
	json_object_object_add(o, "active", json_object_new_int64(
	    (int64_t)nactive));
	json_object_object_add(o, "running", json_object_new_int64(
	    (int64_t)supervise_running()));
	json_object_object_add(o, "failed", json_object_new_int64(
	    (int64_t)nfailed));
	json_object_object_add(o, "unhealthy", json_object_new_int64(
	    (int64_t)nsick));
	json_object_object_add(o, "late", json_object_new_int64(
	    (int64_t)nlate));
	json_object_object_add(o, "halted", json_object_new_boolean(md.halted));
	json_object_object_add(o, "store", json_object_new_string(
	    store_ok() ? "ok" : store_error()));
	json_object_object_add(o, "clients", json_object_new_int(
	    control_nclients()));
	json_object_object_add(o, "weight_in_use", json_object_new_int(
	    policy_weight_in_use()));
	json_object_object_add(o, "max_weight",
	    json_object_new_int(md.conf->max_weight));
	json_object_object_add(o, "load1", getloadavg(load, 1) == 1 ?
	    json_object_new_double(load[0]) : NULL);
	json_object_object_add(o, "tracking", json_object_new_string(
	    cg_in_use() ? "cgroup" : "process groups"));
	json_object_object_add(o, "cgroup", cg_in_use() ?
	    json_object_new_string(cg_base()) :
	    json_object_new_string(cg_why()));
	json_object_object_add(o, "fleet", fleet_on() ? json_object_new_string(
	    trouble == NULL ? "ok" : trouble) : NULL);
	json_object_object_add(o, "uptime_s", json_object_new_int64(
	    (int64_t)(time(NULL) - md.started)));
	json_object_object_add(o, "version",
	    json_object_new_string(MAINTD_VERSION));
	return o;
}

static struct json_object *
task_health(struct client *c, const struct task *t, char *why, size_t len)
{
	struct json_object	*o = json_object_new_object();
	const char		*status = "ok";
	char			 res[300];

	why[0] = '\0';
	if (t->state == ST_FAILED) {
		status = "failed";
		snprintf(why, len, "%s crashed %u time%s in a row and is not "
		    "restarted", t->conf->name, t->crashes, t->crashes == 1 ?
		    "" : "s");
	} else if (t->last != NULL && !run_ok(t->last) && !t->last->stopped) {
		status = "degraded";
		snprintf(why, len, "%s: last run %s", t->conf->name,
		    run_result(t->last, res, sizeof(res)));
	} else if (t->late) {
		status = "degraded";
		snprintf(why, len, "%s is late: no successful run within "
		    "late_after (%s)", t->conf->name, fmt_duration(
		    t->conf->late_after_ms, res, sizeof(res)));
	} else if (t->probe != NULL && t->probe->status == HS_UNHEALTHY) {
		status = "degraded";
		snprintf(why, len, "%s is unhealthy: %s", t->conf->name,
		    t->probe->reason);
	} else if (t->log_errno != 0) {
		status = "degraded";
		snprintf(why, len, "log_dir %s not writable (task %s): %s",
		    md.conf->log_dir, t->conf->name, strerror(t->log_errno));
	}
	json_object_object_add(o, "task", json_object_new_string(t->conf->name));
	json_object_object_add(o, "status", json_object_new_string(status));
	json_object_object_add(o, "state",
	    json_object_new_string(state_name(t->state)));
	json_object_object_add(o, "active", json_object_new_boolean(t->active));
	json_object_object_add(o, "late", json_object_new_boolean(t->late));
	json_object_object_add(o, "last_result", t->last != NULL ?
	    json_object_new_string(run_result(t->last, res, sizeof(res))) :
	    NULL);
	json_object_object_add(o, "log", json_object_new_string(
	    t->log_errno != 0 ? strerror(t->log_errno) : "ok"));
	json_object_object_add(o, "health", t->probe != NULL ?
	    json_object_new_string(health_status_name(t)) : NULL);
	json_object_object_add(o, "probe", verbs_probe_json(c, t));
	return o;
}

void
verb_health(struct client *c, struct request *r)
{
	struct json_object	*o;
	struct task		*t = NULL;
	size_t			 w = 12;
	char			 why[512];

	if (r->nargs == 1 && (t = verbs_task(c, r->args[0])) == NULL)
		return;
	o = t != NULL ? task_health(c, t, why, sizeof(why)) :
	    daemon_health(why, sizeof(why));
	if (client_json_mode(c))
		client_json(c, o);
	else {
		/* the values in one column, after the longest key */
		json_object_object_foreach(o, k, v)
			if (!json_object_is_type(v, json_type_object) &&
			    strlen(k) > w)
				w = strlen(k);
		json_object_object_foreach(o, key, val)
			if (!json_object_is_type(val, json_type_object))
				client_data(c, "%-*s %s", (int)w, key, val ==
				    NULL ? "-" : json_object_get_string(val));
		if (t != NULL && t->probe != NULL)
			probe_text(c, t);
	}
	json_object_put(o);
	if (why[0] != '\0')
		client_err(c, "degraded", "%s", why);
	else
		client_ok(c, "ok");
}

static void
notify_list(struct client *c)
{
	struct notify_stats	 s;
	struct table		 tb;
	struct json_object	*o;
	char			 q[16], sent[24], failed[24], dropped[24];
	char			 when[64], rbuf[2048];
	const char		*url;
	size_t			 i;

	if (!client_json_mode(c))
		table_init(&tb, 7, "NOTIFY", "URL", "QUEUE", "SENT", "FAILED",
		    "DROPPED", "LAST_ERROR");
	for (i = 0; i < notify_count(); i++) {
		notify_stats(i, &s);
		/* a webhook's URL is its key: a client that reads sees less */
		url = client_admin(c) ? s.conf->url : redact(REDACT_WEBHOOK,
		    s.conf->url, rbuf, sizeof(rbuf));
		if (client_json_mode(c)) {
			o = json_object_new_object();
			json_object_object_add(o, "notify",
			    json_object_new_string(s.conf->name));
			json_object_object_add(o, "url",
			    json_object_new_string(url));
			json_object_object_add(o, "events",
			    verbs_strv(s.conf->events));
			json_object_object_add(o, "queued",
			    json_object_new_int64((int64_t)s.queued));
			json_object_object_add(o, "sent",
			    json_object_new_int64((int64_t)s.sent));
			json_object_object_add(o, "failed",
			    json_object_new_int64((int64_t)s.failed));
			json_object_object_add(o, "dropped",
			    json_object_new_int64((int64_t)s.dropped));
			json_object_object_add(o, "suppressed",
			    json_object_new_int64((int64_t)s.suppressed));
			json_object_object_add(o, "retrying",
			    json_object_new_boolean(s.retrying));
			json_object_object_add(o, "last_sent", s.last_sent == 0 ?
			    NULL : json_object_new_string(fmt_rfc3339(
			    s.last_sent, when, sizeof(when))));
			json_object_object_add(o, "last_error",
			    s.last_error[0] == '\0' ? NULL :
			    json_object_new_string(s.last_error));
			client_json(c, o);
			json_object_put(o);
			continue;
		}
		snprintf(q, sizeof(q), "%zu", s.queued);
		snprintf(sent, sizeof(sent), "%llu", (unsigned long long)s.sent);
		snprintf(failed, sizeof(failed), "%llu",
		    (unsigned long long)s.failed);
		snprintf(dropped, sizeof(dropped), "%llu",
		    (unsigned long long)s.dropped);
		table_row(&tb, s.conf->name, url, q, sent, failed,
		    dropped, s.last_error[0] ? s.last_error : "-");
	}
	if (!client_json_mode(c))
		table_emit(&tb, c);
	client_ok(c, "%zu endpoint%s", notify_count(), notify_count() == 1 ?
	    "" : "s");
}

void
verb_notify(struct client *c, struct request *r)
{
	char	actor[64];

	if (strcmp(r->args[0], "list") == 0 && r->nargs == 1) {
		notify_list(c);
		return;
	}
	if (strcmp(r->args[0], "test") != 0 || r->nargs != 2) {
		client_err(c, "usage", "usage: notify list | notify test NAME");
		return;
	}
	if (!client_admin(c)) {
		verbs_deny(c, "notify test");
		return;
	}
	if (notify_test(r->args[1], verbs_actor(c, actor, sizeof(actor))) ==
	    -1) {
		client_err(c, "unknown-notify", "no notify endpoint named '%s'",
		    r->args[1]);
		return;
	}
	verbs_json(c, "notify", json_object_new_string(r->args[1]), "result",
	    json_object_new_string("queued"), NULL);
	client_ok(c, "a test event is on its way to %s", r->args[1]);
}

/* The daemon's own messages. */

struct log_follower {
	struct client		*c;
	int			 minpri;
	bool			 json;
	struct log_follower	*next;
};

static struct log_follower	*log_followers;

static const char *
level_name(int pri)
{
	return pri <= LOG_ERR ? "error" : pri == LOG_WARNING ? "warning" :
	    pri == LOG_DEBUG ? "debug" : "info";
}

static void
log_line(struct client *c, bool json, const struct log_entry *e)
{
	struct json_object	*o;
	char			 ts[64];

	fmt_rfc3339_ms(&e->when, ts, sizeof(ts));
	if (!json) {
		client_data(c, "%s %-7s %s", ts, level_name(e->pri), e->text);
		return;
	}
	o = json_object_new_object();
	json_object_object_add(o, "time", json_object_new_string(ts));
	json_object_object_add(o, "level",
	    json_object_new_string(level_name(e->pri)));
	json_object_object_add(o, "message", json_object_new_string(e->text));
	client_json(c, o);
	json_object_put(o);
}

static void
log_tap(const struct log_entry *e)
{
	struct log_follower	*f;

	for (f = log_followers; f != NULL; f = f->next)
		if (e->pri <= f->minpri)
			log_line(f->c, f->json, e);
}

void
verb_log(struct client *c, struct request *r)
{
	const struct log_entry	*v[LOG_RING];
	struct log_follower	*f;
	const char		*s, *errstr;
	int			 minpri = LOG_DEBUG;
	size_t			 n = 50, got, i, shown = 0, sent = 0;
	double			 since, until, when;

	if ((s = request_opt(r, "n")) != NULL) {
		n = (size_t)strtonum(s, 1, LOG_RING, &errstr);
		if (errstr != NULL) {
			client_err(c, "usage", "-n %s: %s (1 to %d)", s, errstr,
			    LOG_RING);
			return;
		}
	}
	if ((s = request_opt(r, "level")) != NULL) {
		if (strcmp(s, "error") == 0)
			minpri = LOG_ERR;
		else if (strcmp(s, "warning") == 0)
			minpri = LOG_WARNING;
		else if (strcmp(s, "info") == 0)
			minpri = LOG_INFO;
		else if (strcmp(s, "debug") != 0) {
			client_err(c, "usage", "--level %s: debug, info, warning "
			    "or error", s);
			return;
		}
	}
	if (verbs_opt_time(c, r, "since", &since) == -1 ||
	    verbs_opt_time(c, r, "until", &until) == -1)
		return;
	if ((since > 0 || until > 0) && request_opt(r, "n") == NULL)
		n = LOG_RING;
	/* what the filters leave out becomes NULL */
	got = log_ring_get(LOG_RING, v);
	for (i = 0; i < got; i++) {
		when = (double)v[i]->when.tv_sec + v[i]->when.tv_nsec / 1e9;
		if (v[i]->pri > minpri || (since > 0 && when < since) ||
		    (until > 0 && when > until))
			v[i] = NULL;
		else
			shown++;
	}
	for (i = 0; i < got; i++)
		if (v[i] != NULL && shown-- <= n) {
			log_line(c, client_json_mode(c), v[i]);
			sent++;
		}
	if (!request_has(r, "follow")) {
		client_ok(c, "%zu line%s", sent, sent == 1 ? "" : "s");
		return;
	}
	f = xcalloc(1, sizeof(*f));
	f->c = c;
	f->minpri = minpri;
	f->json = client_json_mode(c);
	f->next = log_followers;
	log_followers = f;
	log_set_tap(log_tap);
	client_hold(c);
}

void
verbs_health_client_gone(struct client *c)
{
	struct log_follower	**fp, *f;

	for (fp = &log_followers; (f = *fp) != NULL; ) {
		if (f->c == c) {
			*fp = f->next;
			free(f);
		} else
			fp = &f->next;
	}
	if (log_followers == NULL)
		log_set_tap(NULL);
}

void
verbs_health_shutdown(void)
{
	struct log_follower	*f;

	log_set_tap(NULL);
	while ((f = log_followers) != NULL) {
		log_followers = f->next;
		client_ok(f->c, "maintd is stopping");
		free(f);
	}
}
