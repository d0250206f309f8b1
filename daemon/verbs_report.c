/*
 * verbs_report.c: report, what runs cost over a span (DESIGN §15): per
 * task or per tag, runs, ok %, p50 and p95 duration, CPU, the highest
 * peak memory, the bytes written and the ledger's missed ticks, the
 * costliest first.  The store
 * computes it (store_rollup.c) over the runs and the daily roll-ups of
 * those older than history_retention; the tags come from the config, so
 * a row per tag counts the runs of the tasks that have it now.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "control.h"
#include "proto.h"
#include "state.h"
#include "store.h"
#include "table.h"
#include "util.h"
#include "verbs.h"

#define DEFAULT_SPAN	(7 * 86400)

struct report {
	struct client	*c;
	struct table	*tb;
	const char	*key;	/* "task" or "tag" */
	size_t		 n;
};

/* Seconds for people: "0.35s", "12.4s", "3m05s"; "-" when unknown. */
static const char *
secs(struct json_object *v, char *buf, size_t len)
{
	double	s;
	char	d[32];

	if (v == NULL)
		return "-";
	s = json_object_get_double(v);
	if (s < 10)
		snprintf(buf, len, "%.2fs", s);
	else if (s < 60)
		snprintf(buf, len, "%.1fs", s);
	else
		snprintf(buf, len, "%s", fmt_duration((int64_t)(s * 1000), d,
		    sizeof(d)));
	return buf;
}

static int64_t
jint(struct json_object *o, const char *key)
{
	struct json_object	*v;

	if (!json_object_object_get_ex(o, key, &v) || v == NULL)
		return -1;
	return json_object_get_int64(v);
}

static struct json_object *
jval(struct json_object *o, const char *key)
{
	struct json_object	*v = NULL;

	(void)json_object_object_get_ex(o, key, &v);
	return v;
}

static int
send_row(struct json_object *o, void *arg)
{
	struct report		*rp = arg;
	struct json_object	*k = jval(o, rp->key);
	const char		*key = k != NULL ? json_object_get_string(k) : "-";
	char			 b[8][32];

	if (rp->tb == NULL)
		client_json(rp->c, o);
	else {
		if (jval(o, "ok_pct") != NULL)
			snprintf(b[0], sizeof(b[0]), "%.1f",
			    json_object_get_double(jval(o, "ok_pct")));
		else
			snprintf(b[0], sizeof(b[0]), "-");
		snprintf(b[6], sizeof(b[6]), "%lld", (long long)jint(o,
		    "runs"));
		snprintf(b[7], sizeof(b[7]), "%lld", (long long)jint(o,
		    "missed"));
		table_row(rp->tb, key, b[6], b[0],
		    secs(jval(o, "duration_p50_s"), b[1], sizeof(b[1])),
		    secs(jval(o, "duration_p95_s"), b[2], sizeof(b[2])),
		    secs(jval(o, "cpu_s"), b[3], sizeof(b[3])),
		    verbs_bytes(jint(o, "memory_peak_bytes"), b[4],
		    sizeof(b[4])), verbs_bytes(jint(o, "io_write_bytes"), b[5],
		    sizeof(b[5])), b[7]);
	}
	json_object_put(o);
	rp->n++;
	return client_dropped(rp->c);
}

struct keys {
	struct store_key	*v;
	size_t			 n, cap;
};

static void
pair(struct keys *k, const char *task, const char *key)
{
	if (k->n == k->cap) {
		k->cap = k->cap ? k->cap * 2 : 64;
		k->v = xreallocarray(k->v, k->cap, sizeof(*k->v));
	}
	k->v[k->n].task = task;
	k->v[k->n].key = key;
	k->n++;
}

/*
 * The [task, key] pairs the report groups by: none for every task in the
 * store (removed ones too); the named tasks; or each task's tags ("" for
 * a task with none).  -1 with ERR sent.
 */
static int
keys_of(struct client *c, struct request *r, bool by_tag, struct keys *k)
{
	struct task		**named = NULL;
	struct task_conf	*tc;
	size_t			 i, j, n = 0;

	memset(k, 0, sizeof(*k));
	if (r->nargs > 0 && (named = verbs_tasks_named(c, r, &n)) == NULL)
		return -1;
	if (!by_tag && named == NULL)
		return 0;
	for (i = 0; i < (named != NULL ? n : md.tasks.n); i++) {
		tc = named != NULL ? named[i]->conf : md.tasks.v[i]->conf;
		for (j = 0; named != NULL && j < i && named[j] != named[i]; j++)
			;
		if (named != NULL && j < i)
			continue;	/* named twice: counted once */
		if (!by_tag)
			pair(k, tc->name, tc->name);
		else if (tc->tags == NULL || tc->tags[0] == NULL)
			pair(k, tc->name, "");
		else
			for (j = 0; tc->tags[j] != NULL; j++)
				pair(k, tc->name, tc->tags[j]);
	}
	free(named);
	if (k->v == NULL)	/* no task at all: nothing to report */
		k->v = xcalloc(1, sizeof(*k->v));
	return 0;
}

void
verb_report(struct client *c, struct request *r)
{
	struct report		 rp = { c, NULL, "task", 0 };
	struct table		 tb;
	struct keys		 keys;
	const char		*by = request_opt(r, "by");
	char			 when[64];
	double			 since;
	int			 rc;

	if (by != NULL && strcmp(by, "task") != 0 && strcmp(by, "tag") != 0) {
		client_err(c, "usage", "--by %s: task or tag", by);
		return;
	}
	if (by != NULL)
		rp.key = by;
	if (verbs_opt_time(c, r, "since", &since) == -1)
		return;
	if (request_opt(r, "since") == NULL)
		since = (double)(time(NULL) - DEFAULT_SPAN);
	if (keys_of(c, r, strcmp(rp.key, "tag") == 0, &keys) == -1)
		return;
	if (!client_json_mode(c)) {
		table_init(&tb, 9, strcmp(rp.key, "tag") == 0 ? "TAG" : "TASK",
		    "RUNS", "OK%", "P50", "P95", "CPU", "PEAK MEM", "WRITTEN",
		    "MISSED");
		rp.tb = &tb;
	}
	rc = store_report(since, keys.v, keys.n, rp.key, send_row, &rp);
	free(keys.v);
	if (rc == -1 && rp.n == 0) {
		if (rp.tb != NULL)
			table_free(&tb);
		client_err(c, "internal", "the database cannot be read: %s",
		    store_ok() ? "the report failed" : store_error());
		return;
	}
	if (rp.tb != NULL)
		table_emit(&tb, c);
	client_ok(c, "%zu %s%s since %s", rp.n, rp.key, rp.n == 1 ? "" : "s",
	    fmt_rfc3339((time_t)since, when, sizeof(when)));
}
