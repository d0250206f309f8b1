/*
 * store_report.c: the rows of maintctl report (DESIGN §15).  One query
 * reads the span's runs and the roll-ups of its days (store_rollup.c),
 * each with its key (the task, or a tag through the [task, key] pairs it
 * is given); the sums and the highest peak are taken per key as the rows
 * come, the durations kept, and the percentiles selected at the end
 * (pct: a quickselect, no sort): a year of 100 hourly tasks is some
 * 100 000 rows, which sqlite's sorter (window functions or ORDER BY)
 * takes ten times longer to order than qsort does, and qsort longer
 * than two selections.  Tags are a task's keys in a table the
 * caller gives (a join in SQL would cost more than the rest).  Nearest
 * rank over the runs and, for each rolled-up day, half of its runs
 * (rounded up) at its p50 and the rest at its p95: exact where no day is
 * rolled up, an estimate where some are.  Missed ticks are the ledger's
 * (store_ledger.c) and, before retention, the roll-ups'.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <sqlite3.h>

#include "store_db.h"
#include "util.h"

#define DAY	86400

/*
 * kind 0: a run (d, its duration; n 1; ok 0 or 1); kind 1: a roll-up
 * (d its p50, p95, n runs, ok, dur the total, missed ticks); kind 2: a
 * task's missed ticks in the ledger (those older than retention are in
 * the roll-ups), on their partial index: without statistics the planner
 * takes the (task, tick) index and reads every row.  ?1 since, ?2 the
 * start of since's day.
 */
static const char report_sql[] =
    "SELECT task, 0, coalesce(duration, max(ended - started, 0)), NULL, 1, "
    "result = 'ok', NULL, cpu, coalesce(mem_peak, maxrss_kb * 1024), "
    "io_read, io_write, 0 FROM runs WHERE started >= ?1 AND ended IS NOT "
    "NULL UNION ALL SELECT task, 1, duration_p50, duration_p95, runs, ok, "
    "duration, cpu, mem_peak, io_read, io_write, missed FROM rollups WHERE "
    "day >= ?2 UNION ALL SELECT task, 2, NULL, NULL, 0, 0, NULL, NULL, "
    "NULL, NULL, NULL, count(*) FROM ledger INDEXED BY ledger_missed "
    "WHERE tick >= ?1 AND outcome = 'missed' GROUP BY task";

struct sample {
	double	d;
	int64_t	w;
};

struct acc {
	char		*key;		/* "": a task without tags */
	int64_t		 runs, ok, rd, wr, mem, missed;
	double		 dur, cpu;
	bool		 has_cpu, has_rd, has_wr;
	struct sample	*s;
	size_t		 ns, cap;
};

/* The accumulators, found by a hash of their key (open addressing). */
struct accs {
	struct acc	*v;
	size_t		 n, cap;
	uint32_t	*slot;		/* index + 1; 0: free */
	size_t		 nslots;	/* a power of 2, over twice n */
};

static uint32_t
hash(const char *s)
{
	uint32_t	h = 2166136261u;	/* FNV-1a */

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

static void
rehash(struct accs *a)
{
	size_t	i, j;

	free(a->slot);
	a->nslots = a->nslots ? a->nslots * 2 : 256;
	a->slot = xcalloc(a->nslots, sizeof(*a->slot));
	for (i = 0; i < a->n; i++) {
		for (j = hash(a->v[i].key) & (a->nslots - 1); a->slot[j] != 0;
		    j = (j + 1) & (a->nslots - 1))
			;
		a->slot[j] = (uint32_t)i + 1;
	}
}

static struct acc *
acc_of(struct accs *a, const char *key)
{
	struct acc	*x;
	size_t		 j;

	if (a->nslots == 0)
		rehash(a);
	for (j = hash(key) & (a->nslots - 1); a->slot[j] != 0;
	    j = (j + 1) & (a->nslots - 1))
		if (strcmp(a->v[a->slot[j] - 1].key, key) == 0)
			return &a->v[a->slot[j] - 1];
	if (a->n == a->cap) {
		a->cap = a->cap ? a->cap * 2 : 64;
		a->v = xreallocarray(a->v, a->cap, sizeof(*a->v));
	}
	x = &a->v[a->n];
	memset(x, 0, sizeof(*x));
	x->key = xstrdup(key);
	x->mem = -1;
	a->slot[j] = (uint32_t)++a->n;
	if (a->n * 2 > a->nslots)
		rehash(a);
	return x;
}

static void
sample(struct acc *x, double d, int64_t w)
{
	if (w <= 0)
		return;
	if (x->ns == x->cap) {
		x->cap = x->cap ? x->cap * 2 : 1024;
		x->s = xreallocarray(x->s, x->cap, sizeof(*x->s));
	}
	x->s[x->ns].d = d;
	x->s[x->ns].w = w;
	x->ns++;
}

/* One row of report_sql, read once whatever the keys it goes to. */
struct row {
	int	kind;
	int64_t	n, ok, missed, mem, rd, wr;
	double	d, d95, dur, cpu;
	bool	has_cpu, has_mem, has_rd, has_wr;
};

/*
 * Through sqlite3_column_value, one call a column: each sqlite3_column_*
 * call takes the statement's mutex and checks for a malloc failure,
 * which a row of a year's report paid twice a column.  (Its value is
 * unprotected: fine on this connection of one thread.)
 */
static void
row_read(sqlite3_stmt *st, struct row *w)
{
	sqlite3_value	*v;

	memset(w, 0, sizeof(*w));
	w->kind = sqlite3_column_int(st, 1);
	if (w->kind == 2) {
		w->missed = sqlite3_column_int64(st, 11);
		return;		/* missed ticks only */
	}
	w->d = sqlite3_column_double(st, 2);
	w->ok = sqlite3_column_int64(st, 5);
	if (w->kind == 0) {
		w->n = 1;
		w->dur = w->d;
	} else {
		w->n = sqlite3_column_int64(st, 4);
		w->d95 = sqlite3_column_double(st, 3);
		w->dur = sqlite3_column_double(st, 6);
		w->missed = sqlite3_column_int64(st, 11);
	}
	v = sqlite3_column_value(st, 7);
	if ((w->has_cpu = sqlite3_value_type(v) != SQLITE_NULL))
		w->cpu = sqlite3_value_double(v);
	v = sqlite3_column_value(st, 8);
	if ((w->has_mem = sqlite3_value_type(v) != SQLITE_NULL))
		w->mem = sqlite3_value_int64(v);
	v = sqlite3_column_value(st, 9);
	if ((w->has_rd = sqlite3_value_type(v) != SQLITE_NULL))
		w->rd = sqlite3_value_int64(v);
	v = sqlite3_column_value(st, 10);
	if ((w->has_wr = sqlite3_value_type(v) != SQLITE_NULL))
		w->wr = sqlite3_value_int64(v);
}

static void
add_row(struct acc *x, const struct row *w)
{
	x->missed += w->missed;
	if (w->kind == 2)
		return;
	x->runs += w->n;
	x->ok += w->ok;
	x->dur += w->dur;
	if (w->kind == 0)
		sample(x, w->d, 1);
	else {
		sample(x, w->d, w->n - w->n / 2);
		sample(x, w->d95, w->n / 2);
	}
	if (w->has_cpu) {
		x->cpu += w->cpu;
		x->has_cpu = true;
	}
	if (w->has_mem && w->mem > x->mem)
		x->mem = w->mem;
	if (w->has_rd) {
		x->rd += w->rd;
		x->has_rd = true;
	}
	if (w->has_wr) {
		x->wr += w->wr;
		x->has_wr = true;
	}
}

/*
 * The nearest-rank p-th percentile of the weighted samples: the least d
 * at which the running weight, in the order of d, reaches p of total.
 * A selection (quickselect, three-way around the middle sample), not a
 * sort: each of p50 and p95 costs O(n), and the second starts from the
 * partly ordered samples the first left.
 */
static double
pct(struct acc *x, int64_t total, double p)
{
	struct sample	*v = x->s, t;
	size_t		 lo = 0, hi = x->ns, i, lt, gt;
	double		 want = p * (double)total, piv;
	int64_t		 wlt, weq;

	while (hi - lo > 1) {
		piv = v[lo + (hi - lo) / 2].d;
		/* [lo, lt) < piv, [lt, i) == piv, [gt, hi) > piv */
		lt = i = lo;
		gt = hi;
		wlt = weq = 0;
		while (i < gt) {
			if (v[i].d < piv) {
				wlt += v[i].w;
				t = v[lt], v[lt] = v[i], v[i] = t;
				lt++, i++;
			} else if (v[i].d > piv) {
				gt--;
				t = v[gt], v[gt] = v[i], v[i] = t;
			} else
				weq += v[i++].w;
		}
		if ((double)wlt >= want && lt > lo)
			hi = lt;
		else if ((double)(wlt + weq) >= want || gt == hi)
			return piv;
		else {
			want -= (double)(wlt + weq);
			lo = gt;
		}
	}
	return hi > lo ? v[lo].d : 0;
}

/* The costliest first: CPU, then the time taken, then the key. */
static int
cost_cmp(const void *a, const void *b)
{
	const struct acc	*x = a, *y = b;

	if (x->cpu != y->cpu)
		return x->cpu > y->cpu ? -1 : 1;
	if (x->dur != y->dur)
		return x->dur > y->dur ? -1 : 1;
	return strcmp(x->key, y->key);
}

static struct json_object *
row_json(struct acc *x, const char *keyname)
{
	struct json_object	*o = json_object_new_object();
	int64_t			 total = 0;
	size_t			 i;

	for (i = 0; i < x->ns; i++)
		total += x->s[i].w;
	json_object_object_add(o, keyname, x->key[0] != '\0' ?
	    json_object_new_string(x->key) : NULL);
	json_object_object_add(o, "runs", json_object_new_int64(x->runs));
	json_object_object_add(o, "ok", json_object_new_int64(x->ok));
	json_object_object_add(o, "ok_pct", x->runs > 0 ?
	    json_object_new_double((double)(int64_t)(1000.0 * (double)x->ok /
	    (double)x->runs + 0.5) / 10) : NULL);
	json_object_object_add(o, "duration_s", json_object_new_double(x->dur));
	json_object_object_add(o, "duration_p50_s", total > 0 ?
	    json_object_new_double(pct(x, total, 0.5)) : NULL);
	json_object_object_add(o, "duration_p95_s", total > 0 ?
	    json_object_new_double(pct(x, total, 0.95)) : NULL);
	json_object_object_add(o, "cpu_s", x->has_cpu ?
	    json_object_new_double(x->cpu) : NULL);
	json_object_object_add(o, "memory_peak_bytes", x->mem >= 0 ?
	    json_object_new_int64(x->mem) : NULL);
	json_object_object_add(o, "io_read_bytes", x->has_rd ?
	    json_object_new_int64(x->rd) : NULL);
	json_object_object_add(o, "io_write_bytes", x->has_wr ?
	    json_object_new_int64(x->wr) : NULL);
	json_object_object_add(o, "missed", json_object_new_int64(x->missed));
	return o;
}

static void
accs_free(struct accs *a)
{
	size_t	i;

	for (i = 0; i < a->n; i++) {
		free(a->v[i].key);
		free(a->v[i].s);
	}
	free(a->v);
	free(a->slot);
}

static int
key_cmp(const void *a, const void *b)
{
	return strcmp(((const struct store_key *)a)->task,
	    ((const struct store_key *)b)->task);
}

/* The row goes to its task's accumulator, or to those of its keys. */
static void
route(struct accs *a, sqlite3_stmt *st, const struct store_key *keys,
    size_t nkeys)
{
	const char		*task = (const char *)sqlite3_column_text(st, 0);
	struct store_key	 k;
	struct row		 w;
	size_t			 lo = 0, hi = nkeys, mid;

	if (task == NULL)
		return;
	row_read(st, &w);
	if (keys == NULL) {
		add_row(acc_of(a, task), &w);
		return;
	}
	/* the first of the task's pairs */
	k.task = task;
	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (key_cmp(&keys[mid], &k) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < nkeys && strcmp(keys[lo].task, task) == 0; lo++)
		add_row(acc_of(a, keys[lo].key), &w);
}

int
store_report(double since, struct store_key *keys, size_t nkeys,
    const char *keyname, store_row_cb cb, void *arg)
{
	sqlite3_stmt	*st;
	struct accs	 a;
	size_t		 i;
	int		 rc;

	if (store_db_conn() == NULL)
		return -1;
	if (sqlite3_prepare_v2(store_db_conn(), report_sql, -1, &st, NULL) !=
	    SQLITE_OK) {
		store_db_failed("reading the report");
		return -1;
	}
	if (keys != NULL && nkeys > 1)
		qsort(keys, nkeys, sizeof(*keys), key_cmp);
	sqlite3_bind_double(st, 1, since);
	sqlite3_bind_double(st, 2, (double)((int64_t)(since / DAY) * DAY));
	memset(&a, 0, sizeof(a));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		route(&a, st, keys, nkeys);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		accs_free(&a);
		store_db_failed("reading the report");
		return -1;
	}
	if (a.n > 1)
		qsort(a.v, a.n, sizeof(*a.v), cost_cmp);
	for (i = 0; i < a.n; i++)
		if (cb(row_json(&a.v[i], keyname), arg) != 0)
			break;
	accs_free(&a);
	return (int)i;
}
