/*
 * verbs_forecast.c: plan [--next DUR] [TASK... | --preset P]: every run
 * that the schedules and windows would start in the next DUR (24h), in
 * time order, with what would stop each now (forecast.c); --preset P:
 * as if P were applied now.  At most -n N rows (MAX_ROWS), then how many
 * more.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "conf.h"
#include "control.h"
#include "forecast.h"
#include "preset.h"
#include "proto.h"
#include "table.h"
#include "task.h"
#include "tz.h"
#include "util.h"
#include "verbs.h"

#define MAX_ROWS	10000
#define MAX_SPAN_MS	(366LL * 86400 * 1000)

static void
row_out(struct client *c, struct table *tb, const struct forecast_row *r)
{
	struct json_object	*o;
	char			 at[64], trig[160];

	fmt_rfc3339_tz(r->time, r->task->conf->timezone, at, sizeof(at));
	if (r->window != NULL && strcmp(r->trigger, "window") == 0)
		snprintf(trig, sizeof(trig), "window:%s", r->window->name);
	else
		snprintf(trig, sizeof(trig), "%s", r->trigger);
	if (tb != NULL) {
		table_row(tb, at, r->task->conf->name, trig,
		    r->code != NULL ? r->code : "-",
		    r->why[0] != '\0' ? r->why : "-");
		return;
	}
	o = json_object_new_object();
	json_object_object_add(o, "time", json_object_new_string(at));
	json_object_object_add(o, "task",
	    json_object_new_string(r->task->conf->name));
	json_object_object_add(o, "trigger", json_object_new_string(trig));
	json_object_object_add(o, "window", r->window != NULL ?
	    json_object_new_string(r->window->name) : NULL);
	json_object_object_add(o, "stop", r->code != NULL ?
	    json_object_new_string(r->code) : NULL);
	json_object_object_add(o, "why", r->why[0] != '\0' ?
	    json_object_new_string(r->why) : NULL);
	client_json(c, o);
	json_object_put(o);
}

void
verb_plan(struct client *c, struct request *r)
{
	struct forecast	 f;
	struct preset	 p;
	struct table	 tb;
	struct task	**v = NULL, **what_if = NULL;
	size_t		 n = 0, nwhat_if = 0, i, max = MAX_ROWS;
	const char	*next = request_opt(r, "next"), *pname, *errstr, *nv;
	int64_t		 ms = 24LL * 3600 * 1000;
	time_t		 now;
	char		 span[32], more[64];
	int		 rc;

	if ((nv = request_opt(r, "n")) != NULL) {
		max = (size_t)strtonum(nv, 1, MAX_ROWS, &errstr);
		if (errstr != NULL) {
			client_err(c, "usage", "-n %s: %s (1 to %d)", nv, errstr,
			    MAX_ROWS);
			return;
		}
	}
	if (next != NULL && (parse_duration(next, &ms, &errstr) == -1 ||
	    ms < 1000 || ms > MAX_SPAN_MS)) {
		client_err(c, "usage", "--next %s: a duration from 1s to 366d "
		    "(10m, 24h, 7d)", next);
		return;
	}
	memset(&p, 0, sizeof(p));
	if ((pname = request_opt(r, "preset")) != NULL) {
		if (r->nargs > 0) {
			client_err(c, "usage", "give tasks or --preset, not "
			    "both");
			return;
		}
		if ((rc = preset_get(pname, &p)) != 0) {
			client_err(c, rc == 1 ? "unknown-preset" : "internal",
			    rc == 1 ? "no preset %s" : "preset %s: the "
			    "database cannot be read", pname);
			return;
		}
		what_if = v = p.tasks;
		nwhat_if = n = p.ntasks;
	} else if (r->nargs > 0 && (v = verbs_tasks_named(c, r, &n)) == NULL)
		return;
	now = time(NULL);
	forecast_make(&f, v, n, what_if, nwhat_if, now,
	    now + (time_t)(ms / 1000), max);
	if (!client_json_mode(c))
		table_init(&tb, 5, "TIME", "TASK", "TRIGGER", "STOP", "WHY");
	for (i = 0; i < f.n; i++)
		row_out(c, client_json_mode(c) ? NULL : &tb, &f.v[i]);
	if (!client_json_mode(c)) {
		table_emit(&tb, c);
		if (f.more > 0)
			client_data(c, "... and %s%llu more (the first %zu "
			    "are listed)", f.at_least ? "at least " : "",
			    (unsigned long long)f.more, max);
	}
	fmt_duration(ms, span, sizeof(span));
	snprintf(more, sizeof(more), ", %s%llu more not listed",
	    f.at_least ? "at least " : "", (unsigned long long)f.more);
	client_ok(c, "%zu run%s in the next %s%s; chained runs are not "
	    "predictable and not listed", f.n, f.n == 1 ? "" : "s", span,
	    f.more > 0 ? more : "");
	forecast_free(&f);
	if (pname != NULL)
		preset_free(&p);
	else if (r->nargs > 0)
		free(v);
}
