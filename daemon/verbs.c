/*
 * verbs.c: the verb table (name, permission, arguments, options, usage,
 * help) and the handlers of the read-only verbs.
 */
#include <sys/wait.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <json-c/json.h>

#include "cgroup.h"
#include "control.h"
#include "guard.h"
#include "health.h"
#include "ev.h"
#include "event.h"
#include "log.h"
#include "output.h"
#include "proto.h"
#include "redact.h"
#include "state.h"
#include "store.h"
#include "supervise.h"
#include "table.h"
#include "tz.h"
#include "util.h"
#include "verbs.h"

enum level { READ, ADMIN };

struct verb {
	const char	*name;
	enum level	 level;
	int		 minargs;
	int		 maxargs;	/* -1: any */
	const char	*opts;		/* allowed options besides json */
	const char	*args;		/* "task", "tasks"...: verbs.def */
	void		(*fn)(struct client *, struct request *);
	const char	*usage;
	const char	*help;
	const char	*details;
};

static void	verb_ping(struct client *, struct request *);
static void	verb_version(struct client *, struct request *);
static void	verb_help(struct client *, struct request *);
static void	verb_quit(struct client *, struct request *);
static void	verb_status(struct client *, struct request *);
static void	verb_list(struct client *, struct request *);
static void	verb_show(struct client *, struct request *);

static const struct verb verbs[] = {
#define VERB(name, level, min, max, opts, fn, args, usage, help, details) \
	{ name, level, min, max, opts, args, fn, usage, help, details },
#include "verbs.def"
#undef VERB
};
#define NVERBS	(sizeof(verbs) / sizeof(verbs[0]))

static const struct verb *
verb_find(const char *name)
{
	size_t	i;

	for (i = 0; i < NVERBS; i++)
		if (strcmp(verbs[i].name, name) == 0)
			return &verbs[i];
	return NULL;
}

static int
opt_allowed(const struct verb *v, const char *opt)
{
	const char	*p = v->opts;
	size_t		 n = strlen(opt);

	if (strcmp(opt, "json") == 0)
		return 1;
	while (*p) {
		if (strncmp(p, opt, n) == 0 && (p[n] == ' ' || p[n] == '\0'))
			return 1;
		p = strchr(p, ' ');
		if (p == NULL)
			break;
		p++;
	}
	return 0;
}

void
verbs_dispatch(struct client *c, const char *line, size_t len)
{
	struct request		 r;
	const struct verb	*v;
	const char		*errstr;
	char			 arg[64];
	int			 i;

	if (len > PROTO_MAXLINE) {
		client_err(c, "too-long", "request longer than %d bytes",
		    PROTO_MAXLINE);
		client_close_after_reply(c);
		return;
	}
	if (proto_request(line, len, &r, &errstr, arg, sizeof(arg)) == -1) {
		if (*arg)
			client_err(c, "usage", "--%s: %s", arg, errstr);
		else
			client_err(c, "usage", "%s", errstr);
		return;
	}
	client_set_json(c, request_has(&r, "json"));	/* errors too */
	if ((v = verb_find(r.verb)) == NULL) {
		client_err(c, "unknown-verb", "unknown verb '%s' (try help)",
		    r.verb);
		goto done;
	}
	for (i = 0; i < r.nopts; i++)
		if (!opt_allowed(v, r.opts[i].name)) {
			client_err(c, "usage", "%s does not take --%s; usage: %s",
			    v->name, r.opts[i].name, v->usage);
			goto done;
		}
	if (r.nargs < v->minargs || (v->maxargs >= 0 && r.nargs > v->maxargs)) {
		client_err(c, "usage", "usage: %s", v->usage);
		goto done;
	}
	if (v->fn != verb_auth && verbs_auth_check(c, v->name, &r) == -1)
		goto done;
	if (v->level == ADMIN && !client_admin(c)) {
		/* the arguments of "task", "tasks", "task?" name tasks */
		verbs_deny_tasks(c, v->name, r.args, strncmp(v->args, "task",
		    4) == 0 ? r.nargs : 0);
		goto done;
	}
	store_batch_begin();
	v->fn(c, &r);
	store_batch_end();
 done:
	request_free(&r);
}

static void	status_client_gone(struct client *);

/* A client has gone: so do its waits and streams. */
void
verbs_client_gone(struct client *c)
{
	status_client_gone(c);
	verbs_ctl_client_gone(c);
	verbs_fleet_client_gone(c);
	verbs_obs_client_gone(c);
	verbs_health_client_gone(c);
	verbs_auth_client_gone(c);
}

static void
verb_ping(struct client *c, struct request *r)
{
	(void)r;
	verbs_json(c, "pong", json_object_new_boolean(1), "version",
	    json_object_new_string(MAINTD_VERSION), NULL);
	client_ok(c, "pong");
}

static void
verb_version(struct client *c, struct request *r)
{
	struct json_object	*o;

	(void)r;
	if (client_json_mode(c)) {
		o = json_object_new_object();
		json_object_object_add(o, "version",
		    json_object_new_string(MAINTD_VERSION));
		json_object_object_add(o, "protocol",
		    json_object_new_int(PROTO_VERSION));
		client_json(c, o);
		json_object_put(o);
	} else
		client_data(c, "maintd %s protocol %d", MAINTD_VERSION,
		    PROTO_VERSION);
	client_ok(c, "maintd %s", MAINTD_VERSION);
}

static void
help_one(struct client *c, const struct verb *v, bool details)
{
	struct json_object	*o;
	char			*d, *line, *nl;

	if (client_json_mode(c)) {
		o = json_object_new_object();
		json_object_object_add(o, "verb", json_object_new_string(v->name));
		json_object_object_add(o, "usage",
		    json_object_new_string(v->usage));
		json_object_object_add(o, "help", json_object_new_string(v->help));
		json_object_object_add(o, "admin",
		    json_object_new_boolean(v->level == ADMIN));
		if (details)
			json_object_object_add(o, "details",
			    json_object_new_string(v->details));
		client_json(c, o);
		json_object_put(o);
		return;
	}
	if (!details) {
		client_data(c, "%-52s %s%s", v->usage, v->help,
		    v->level == ADMIN ? " (admin)" : "");
		return;
	}
	client_data(c, "usage: %s%s", v->usage, v->level == ADMIN ?
	    "  (admin: root, the daemon's user or admin_group)" : "");
	client_data(c, "%s", v->help);
	d = xstrdup(v->details);
	for (line = d; line != NULL; line = nl) {
		if ((nl = strchr(line, '\n')) != NULL)
			*nl++ = '\0';
		client_data(c, "%s", line);
	}
	free(d);
}

static void
verb_help(struct client *c, struct request *r)
{
	const struct verb	*v;
	size_t			 i;

	if (r->nargs == 1) {
		if ((v = verb_find(r->args[0])) == NULL) {
			client_err(c, "unknown-verb", "unknown verb '%s'",
			    r->args[0]);
			return;
		}
		help_one(c, v, true);
		client_ok(c, NULL);
		return;
	}
	for (i = 0; i < NVERBS; i++)
		help_one(c, &verbs[i], false);
	if (!client_json_mode(c))
		client_data(c, "options: --json on every verb; a word may be "
		    "\"double quoted\"");
	client_ok(c, "%zu verbs", NVERBS);
}

static void
verb_quit(struct client *c, struct request *r)
{
	(void)r;
	client_close_after_reply(c);
	verbs_json(c, "bye", json_object_new_boolean(1), NULL);
	client_ok(c, "bye");
}

static char *
activation_text(const struct task *t, char *buf, size_t len)
{
	struct tm	tm;

	time_t		now = time(NULL);
	struct tm	today;
	char		d[32];

	if (!t->active)
		snprintf(buf, len, "inactive");
	else if (t->active_until == 0)
		snprintf(buf, len, "active");
	else {
		/* the time left today, the end on another day */
		localtime_r(&t->active_until, &tm);
		localtime_r(&now, &today);
		if (tm.tm_yday == today.tm_yday && tm.tm_year == today.tm_year)
			snprintf(buf, len, "active for %s", fmt_duration(
			    (int64_t)(t->active_until > now ? t->active_until -
			    now : 0) * 1000, d, sizeof(d)));
		else
			strftime(buf, len, "active until %m-%d %H:%M", &tm);
	}
	return buf;
}

static struct json_object *
jstr_or_null(const char *s)
{
	return s != NULL ? json_object_new_string(s) : NULL;
}

static struct json_object *
run_json(const struct run *r)
{
	struct json_object	*o = json_object_new_object();
	char			 buf[300], trig[120];

	json_object_object_add(o, "run", json_object_new_int64((int64_t)r->id));
	json_object_object_add(o, "trigger",
	    json_object_new_string(run_trigger(r, trig, sizeof(trig))));
	json_object_object_add(o, "pid", json_object_new_int(r->pid));
	json_object_object_add(o, "started",
	    json_object_new_string(fmt_rfc3339(r->start.tv_sec, buf,
	    sizeof(buf))));
	json_object_object_add(o, "dry_run", json_object_new_boolean(r->dry_run));
	if (!r->done)
		return o;
	json_object_object_add(o, "ended",
	    json_object_new_string(fmt_rfc3339(r->end, buf, sizeof(buf))));
	json_object_object_add(o, "duration_s", json_object_new_double(
	    (double)(r->end_mono - r->start_mono) / 1000));
	json_object_object_add(o, "result",
	    json_object_new_string(run_result(r, buf, sizeof(buf))));
	json_object_object_add(o, "ok", json_object_new_boolean(run_ok(r)));
	run_exit_json(r, o);
	json_object_object_add(o, "timed_out",
	    json_object_new_boolean(r->timed_out));
	json_object_object_add(o, "failure", r->failure[0] ?
	    json_object_new_string(r->failure) : NULL);
	run_res_json(r, o);
	return o;
}

static struct json_object *
task_status_json(const struct task *t)
{
	struct json_object	*o = json_object_new_object();
	char			 buf[64], why[512];
	const char		*w;

	json_object_object_add(o, "task", json_object_new_string(t->conf->name));
	json_object_object_add(o, "kind",
	    json_object_new_string(kind_name(t->conf->kind)));
	json_object_object_add(o, "active", json_object_new_boolean(t->active));
	json_object_object_add(o, "until", t->active_until == 0 ? NULL :
	    json_object_new_string(fmt_rfc3339(t->active_until, buf,
	    sizeof(buf))));
	json_object_object_add(o, "state",
	    json_object_new_string(verbs_state(t)));
	json_object_object_add(o, "waiting", (w = verbs_waiting(t, why,
	    sizeof(why))) != NULL ? json_object_new_string(w) : NULL);
	json_object_object_add(o, "health", t->probe != NULL ?
	    json_object_new_string(health_status_name(t)) : NULL);
	json_object_object_add(o, "pid", task_busy(t) ?
	    json_object_new_int(t->cur.pid) : NULL);
	json_object_object_add(o, "uptime_s", task_busy(t) ?
	    json_object_new_double((double)(ev_now() - t->cur.start_mono) /
	    1000) : NULL);
	json_object_object_add(o, "restarts", json_object_new_int(
	    (int)t->restarts));
	/* in the task's time zone, as its schedule reads */
	json_object_object_add(o, "next_run", t->next_tick == 0 ? NULL :
	    json_object_new_string(fmt_rfc3339_tz(t->next_tick,
	    t->conf->timezone, buf, sizeof(buf))));
	json_object_object_add(o, "current", task_busy(t) ?
	    run_json(&t->cur) : NULL);
	json_object_object_add(o, "last", t->last != NULL ? run_json(t->last) :
	    NULL);
	json_object_object_add(o, "missed", json_object_new_int64(
	    (int64_t)t->missed));
	json_object_object_add(o, "late", json_object_new_boolean(t->late));
	json_object_object_add(o, "last_ok", t->last_ok > 0 ?
	    json_object_new_string(fmt_rfc3339(t->last_ok, buf, sizeof(buf))) :
	    NULL);
	return o;
}

/* "exit 0, 1.2s, 5m ago" */
static char *
last_text(const struct task *t, char *buf, size_t len)
{
	char	res[300], d[32], ago[32];

	if (t->last == NULL) {
		snprintf(buf, len, "-");
		return buf;
	}
	snprintf(buf, len, "%s, %s, %s ago", run_result(t->last, res,
	    sizeof(res)), fmt_duration((int64_t)(t->last->end_mono -
	    t->last->start_mono), d, sizeof(d)), fmt_duration((int64_t)
	    (time(NULL) - t->last->end) * 1000, ago, sizeof(ago)));
	return buf;
}

/*
 * status --json of many tasks goes on as the client reads: the names
 * are taken at the request, and each is looked up when its turn comes
 * (a reload may have removed it meanwhile: it is left out).
 */
struct status_job {
	struct client		*c;
	char			**names;
	size_t			 n, i, shown, nactive, nrunning;
	struct status_job	*next;
};

static struct status_job	*status_jobs;

static void
status_end(struct client *c, size_t n, size_t nactive, size_t nrunning)
{
	if (md.halted)
		client_ok(c, "HALTED (stop-all): nothing starts until resume; "
		    "%zu task%s, %zu active, %zu running", n, n == 1 ? "" : "s",
		    nactive, nrunning);
	else
		client_ok(c, "%zu task%s, %zu active, %zu running", n, n == 1 ?
		    "" : "s", nactive, nrunning);
}

static void
status_job_free(struct status_job *j)
{
	struct status_job	**jp;

	for (jp = &status_jobs; *jp != j; jp = &(*jp)->next)
		;
	*jp = j->next;
	client_on_drain(j->c, NULL, NULL);
	strv_free(j->names);
	free(j);
}

static void
status_client_gone(struct client *c)
{
	struct status_job	*j, *next;

	for (j = status_jobs; j != NULL; j = next) {
		next = j->next;
		if (j->c == c)
			status_job_free(j);
	}
}

/* One task's status object (--json); counted for the final line. */
static void
status_one(struct client *c, const struct task *t, size_t *nactive,
    size_t *nrunning)
{
	struct json_object	*o;

	*nactive += t->active;
	*nrunning += task_busy(t);
	o = task_status_json(t);
	client_json(c, o);
	json_object_put(o);
}

static void
status_more(void *arg)
{
	struct status_job	*j = arg;
	struct client		*c = j->c;
	struct task		*t;

	for (; j->i < j->n; j->i++) {
		if (client_full(c)) {
			client_on_drain(c, status_more, j);
			return;
		}
		if ((t = task_find(&md.tasks, j->names[j->i])) == NULL)
			continue;
		status_one(c, t, &j->nactive, &j->nrunning);
		j->shown++;
	}
	status_end(c, j->shown, j->nactive, j->nrunning);
	status_job_free(j);
}

static void
verb_status(struct client *c, struct request *r)
{
	struct task		**v, *t;
	struct table		  tb;
	struct status_job	 *j;
	size_t			  n, i, k, nactive = 0, nrunning = 0;
	char			  act[64], pid[16], up[32], last[400], rs[16];
	char			  next[32], missed[24], state[48];

	if ((v = verbs_tasks_named(c, r, &n)) == NULL)
		return;
	if (client_json_mode(c)) {
		for (i = 0; i < n && !client_full(c); i++)
			status_one(c, v[i], &nactive, &nrunning);
		if (i == n) {
			free(v);
			status_end(c, n, nactive, nrunning);
			return;
		}
		/* the rest as the client reads */
		j = xcalloc(1, sizeof(*j));
		j->c = c;
		j->n = n - i;
		j->names = xcalloc(j->n + 1, sizeof(*j->names));
		for (k = 0; k < j->n; k++)
			j->names[k] = xstrdup(v[i + k]->conf->name);
		j->shown = i;
		j->nactive = nactive;
		j->nrunning = nrunning;
		j->next = status_jobs;
		status_jobs = j;
		free(v);
		client_hold(c);
		client_on_drain(c, status_more, j);
		return;
	}
	if (md.halted)
		client_data(c, "HALTED by stop-all: nothing starts until "
		    "resume");
	table_init(&tb, 11, "TASK", "KIND", "ACTIVATION", "STATE", "HEALTH",
	    "PID", "UPTIME", "LAST", "NEXT", "RESTARTS", "MISSED");
	for (i = 0; i < n; i++) {
		t = v[i];
		if (t->active)
			nactive++;
		if (task_busy(t))
			nrunning++;
		snprintf(pid, sizeof(pid), "%d", (int)t->cur.pid);
		snprintf(rs, sizeof(rs), "%u", t->restarts);
		snprintf(missed, sizeof(missed), "%llu",
		    (unsigned long long)t->missed);
		snprintf(state, sizeof(state), "%s%s", verbs_state(t),
		    t->late ? ", late" : "");
		if (t->next_tick > 0)
			fmt_time_tz_short(t->next_tick, t->conf->timezone,
			    next, sizeof(next));
		table_row(&tb, t->conf->name, kind_name(t->conf->kind),
		    activation_text(t, act, sizeof(act)), state,
		    health_status_name(t), task_busy(t) ? pid : "-",
		    task_busy(t) ?
		    fmt_duration((int64_t)(ev_now() - t->cur.start_mono), up,
		    sizeof(up)) : "-", last_text(t, last, sizeof(last)),
		    t->next_tick > 0 ? next : "-", rs, missed);
	}
	table_emit(&tb, c);
	free(v);
	status_end(c, n, nactive, nrunning);
}

static void
verb_list(struct client *c, struct request *r)
{
	const char		*tag = request_opt(r, "tag");
	struct task_conf	*tc;
	struct table		 tb;
	struct json_object	*o;
	size_t			 i, n = 0, j, o2;
	char			 tags[256], when[128];

	if (!client_json_mode(c))
		table_init(&tb, 5, "TASK", "KIND", "WHEN", "TAGS", "DESCRIPTION");
	for (i = 0; i < md.tasks.n; i++) {
		tc = md.tasks.v[i]->conf;
		if (tag != NULL && !strv_contains(tc->tags, tag))
			continue;
		n++;
		if (client_json_mode(c)) {
			o = json_object_new_object();
			json_object_object_add(o, "task",
			    json_object_new_string(tc->name));
			json_object_object_add(o, "kind",
			    json_object_new_string(kind_name(tc->kind)));
			json_object_object_add(o, "schedule",
			    jstr_or_null(tc->schedule));
			json_object_object_add(o, "every_s", tc->every_ms ?
			    json_object_new_int64(tc->every_ms / 1000) : NULL);
			json_object_object_add(o, "tags", verbs_strv(tc->tags));
			json_object_object_add(o, "description",
			    json_object_new_string(tc->description));
			client_json(c, o);
			json_object_put(o);
			continue;
		}
		tags[0] = '\0';
		for (j = 0, o2 = 0; tc->tags[j] != NULL; j++)
			o2 += (size_t)snprintf(tags + o2, o2 < sizeof(tags) ?
			    sizeof(tags) - o2 : 0, "%s%s", j ? "," : "",
			    tc->tags[j]);
		if (tc->schedule != NULL)
			snprintf(when, sizeof(when), "%s", tc->schedule);
		else if (tc->every_ms > 0) {
			char d[32];

			snprintf(when, sizeof(when), "every %s",
			    fmt_duration(tc->every_ms, d, sizeof(d)));
		} else
			snprintf(when, sizeof(when), "-");
		table_row(&tb, tc->name, kind_name(tc->kind), when,
		    tags[0] ? tags : "-", tc->description[0] ?
		    tc->description : "-");
	}
	if (!client_json_mode(c))
		table_emit(&tb, c);
	client_ok(c, "%zu task%s", n, n == 1 ? "" : "s");
}

static const char *limit_names[LIM_MAX] = {
	"cpu", "memory", "nofile", "nproc", "fsize", "core"
};

/*
 * The environment: for a client that may only read, every value is
 * *** (NAME=***): which ones are secrets is not written anywhere.
 */
static struct json_object *
env_json(struct client *c, char *const *env)
{
	struct json_object	*a;
	char			 buf[1024];

	if (client_admin(c))
		return verbs_strv(env);
	a = json_object_new_array();
	for (; env != NULL && *env != NULL; env++)
		json_object_array_add(a, json_object_new_string(
		    redact(REDACT_ENV, *env, buf, sizeof(buf))));
	return a;
}

static struct json_object *
task_show_json(struct client *c, const struct task *t)
{
	const struct task_conf	*tc = t->conf;
	struct json_object	*o = task_status_json(t), *l, *b, *g;
	int			 i;
	char			 buf[32], cond[64], track[4200];

	json_object_object_add(o, "description",
	    json_object_new_string(tc->description));
	json_object_object_add(o, "file", json_object_new_string(tc->file));
	json_object_object_add(o, "line", tc->key == NULL ?
	    json_object_new_int(tc->line) : NULL);
	json_object_object_add(o, "key", tc->key != NULL ?
	    json_object_new_string(tc->key) : NULL);
	json_object_object_add(o, "command", verbs_strv(tc->argv));
	json_object_object_add(o, "shell", json_object_new_boolean(tc->shell));
	json_object_object_add(o, "user", jstr_or_null(tc->user));
	json_object_object_add(o, "group", jstr_or_null(tc->group));
	json_object_object_add(o, "uid", json_object_new_int64(tc->uid));
	json_object_object_add(o, "gid", json_object_new_int64(tc->gid));
	json_object_object_add(o, "directory",
	    json_object_new_string(tc->directory));
	json_object_object_add(o, "environment", env_json(c,
	    tc->environment));
	json_object_object_add(o, "tags", verbs_strv(tc->tags));
	json_object_object_add(o, "schedule", jstr_or_null(tc->schedule));
	json_object_object_add(o, "timezone", jstr_or_null(tc->timezone));
	json_object_object_add(o, "every_s", tc->every_ms ?
	    json_object_new_int64(tc->every_ms / 1000) : NULL);
	json_object_object_add(o, "timeout_s", tc->timeout_ms ?
	    json_object_new_int64(tc->timeout_ms / 1000) : NULL);
	json_object_object_add(o, "kill_signal",
	    json_object_new_string(signal_name(tc->kill_signal)));
	json_object_object_add(o, "weight", json_object_new_int(tc->weight));
	json_object_object_add(o, "conflicts", verbs_strv(tc->conflicts));
	json_object_object_add(o, "auto_deactivate_s",
	    tc->auto_deactivate_ms > 0 ?
	    json_object_new_int64(tc->auto_deactivate_ms / 1000) : NULL);
	json_object_object_add(o, "dry_run",
	    json_object_new_boolean(tc->dry_run));
	json_object_object_add(o, "output",
	    json_object_new_string(output_name(tc->output)));
	json_object_object_add(o, "output_streams", json_object_new_string(
	    tc->merged_streams ? "merged" : "separate"));
	json_object_object_add(o, "nice", json_object_new_int(tc->nice));
	snprintf(buf, sizeof(buf), "%04o", (unsigned)tc->umask);
	json_object_object_add(o, "umask", json_object_new_string(buf));
	l = json_object_new_object();
	for (i = 0; i < LIM_MAX; i++)
		if (tc->limits.set[i])
			json_object_object_add(l, limit_names[i],
			    json_object_new_int64((int64_t)tc->limits.value[i]));
	json_object_object_add(o, "limits", l);
	l = json_object_new_object();
	if (tc->cg.memory_max >= 0)
		json_object_object_add(l, "memory_max",
		    json_object_new_int64(tc->cg.memory_max));
	if (tc->cg.memory_high >= 0)
		json_object_object_add(l, "memory_high",
		    json_object_new_int64(tc->cg.memory_high));
	if (tc->cg.cpu_max >= 0) {
		snprintf(buf, sizeof(buf), "%lld%%", (long long)tc->cg.cpu_max);
		json_object_object_add(l, "cpu_max", json_object_new_string(buf));
	}
	if (tc->cg.pids_max >= 0)
		json_object_object_add(l, "pids_max",
		    json_object_new_int64(tc->cg.pids_max));
	if (tc->cg.io_weight >= 0)
		json_object_object_add(l, "io_weight",
		    json_object_new_int64(tc->cg.io_weight));
	json_object_object_add(o, "cgroup_limits", l);
	if (cg_in_use()) {
		snprintf(track, sizeof(track), "cgroup %s/%s", cg_base(),
		    tc->name);
		json_object_object_add(o, "tracking",
		    json_object_new_string(track));
	} else
		json_object_object_add(o, "tracking",
		    json_object_new_string("process group"));
	json_object_object_add(o, "restart",
	    json_object_new_string(restart_name(tc->restart)));
	b = json_object_new_array();
	json_object_array_add(b, json_object_new_double(
	    (double)tc->backoff_min_ms / 1000));
	json_object_array_add(b, json_object_new_double(
	    (double)tc->backoff_max_ms / 1000));
	json_object_object_add(o, "backoff_s", b);
	json_object_object_add(o, "restart_limit",
	    json_object_new_int(tc->restart_limit));
	json_object_object_add(o, "jitter_s", tc->jitter_ms > 0 ?
	    json_object_new_double((double)tc->jitter_ms / 1000) : NULL);
	json_object_object_add(o, "catch_up",
	    json_object_new_boolean(tc->catch_up));
	json_object_object_add(o, "overlap",
	    json_object_new_string(tc->overlap_queue ? "queue" : "skip"));
	g = json_object_new_array();
	for (i = 0; i < (int)tc->start_when.n; i++)
		json_object_array_add(g, json_object_new_string(guard_cond_text(
		    &tc->start_when.cond[i], cond, sizeof(cond))));
	json_object_object_add(o, "start_when", g);
	json_object_object_add(o, "probe", verbs_probe_json(c, t));
	g = json_object_new_array();
	for (i = 0; i < (int)tc->nrequires; i++) {
		l = json_object_new_object();
		json_object_object_add(l, "task",
		    json_object_new_string(tc->requires[i].task));
		json_object_object_add(l, "ok_within_s", json_object_new_int64(
		    tc->requires[i].ok_within_ms / 1000));
		json_object_array_add(g, l);
	}
	json_object_object_add(o, "requires", g);
	json_object_object_add(o, "late_after_s", tc->late_after_ms > 0 ?
	    json_object_new_int64(tc->late_after_ms / 1000) : NULL);
	json_object_object_add(o, "runbook", jstr_or_null(tc->runbook));
	verbs_graph_edges(t, o);
	return o;
}

/* show's next_run: RFC 3339 in the task's zone, and the zone's abbreviation. */
static char *
next_text(time_t t, const char *zone, char *buf, size_t len)
{
	struct tm	tm;
	size_t		n;

	fmt_rfc3339_tz(t, zone, buf, len);
	n = strlen(buf);
	if (tz_local(t, zone, &tm) == 0 && n + 1 < len)
		strftime(buf + n, len - n, " %Z", &tm);
	return buf;
}

/* Show the JSON object as "key: value" lines for people. */
static void
show_text(struct client *c, struct json_object *o)
{
	struct json_object	*v;
	const char		*s;

	json_object_object_foreach(o, key, val) {
		v = val;
		if (v == NULL || (json_object_is_type(v, json_type_string) &&
		    json_object_get_string_len(v) == 0))
			s = "-";
		else if (json_object_is_type(v, json_type_string))
			s = json_object_get_string(v);
		else
			s = json_object_to_json_string_ext(v,
			    JSON_C_TO_STRING_SPACED |
			    JSON_C_TO_STRING_NOSLASHESCAPE);
		client_data(c, "%-18s %s", key, s);
	}
}

static void
verb_show(struct client *c, struct request *r)
{
	struct task		*t;
	struct json_object	*o, *a;
	const char		*lines[10], *p;
	size_t			 n, i;
	char			 next[80];

	if ((t = verbs_task(c, r->args[0])) == NULL)
		return;
	o = task_show_json(c, t);
	n = output_tail(t, 10, lines);
	a = json_object_new_array();
	for (i = 0; i < n; i++) {
		/* the text, without "TS [RUN] " (logs has those) */
		if ((p = strstr(lines[i], "] ")) != NULL)
			lines[i] = p + 2;
		json_object_array_add(a, json_object_new_string(lines[i]));
	}
	json_object_object_add(o, "last_output", a);
	if (client_json_mode(c))
		client_json(c, o);
	else {
		json_object_object_del(o, "last_output");
		if (t->next_tick > 0)
			json_object_object_add(o, "next_run",
			    json_object_new_string(next_text(t->next_tick,
			    t->conf->timezone, next, sizeof(next))));
		show_text(c, o);
		for (i = 0; i < n; i++)
			client_data(c, "%-18s %s", i == 0 ? "last_output" : "",
			    lines[i]);
	}
	json_object_put(o);
	client_ok(c, NULL);
}
