/*
 * store_rollup.c: the ledger's long memory (DESIGN §15).  The retention
 * pass folds runs older than history_retention into one row per task
 * per day (UTC, by the day a run ended) of the rollups table — runs, ok,
 * failed, total duration, its nearest-rank p50 and p95, CPU, the highest
 * peak memory, bytes read and written — then deletes them, in one
 * transaction.  Only days wholly before the cut are folded, so a day's
 * row is made once, from all of its runs.  The report sums runs and
 * roll-ups together in one query; each task's last figures seed the
 * regression check (cost.c) in another.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>
#include <sqlite3.h>

#include "log.h"
#include "store_db.h"
#include "util.h"

#define DAY	86400

static double	clock_offset;

/* The start of t's day (UTC); t is after 1970. */
static double
day_start(double t)
{
	return (double)((int64_t)(t / DAY) * DAY);
}	/* the test hook: see store_prune_clock() */

void
store_prune_clock(double offset)
{
	clock_offset = offset;
}

/*
 * A run's duration where the row has none (a run closed as abandoned),
 * and its peak memory where it was stored before the ledger.
 */
#define DUR	"coalesce(duration, max(ended - started, 0))"
#define MEM	"coalesce(mem_peak, maxrss_kb * 1024)"

/*
 * The fold of the runs that ended before %.0f (a day's start), then
 * their deletion, and that of the events before %.3f.  A day already
 * rolled up (a run recorded late, a clock set back) is merged into its
 * row: counts and sums added, the highest peak and p95 kept, the p50s
 * weighted by their runs.
 */
static const char fold_sql[] =
    "INSERT INTO rollups (day, task, runs, ok, failed, duration, "
    "duration_p50, duration_p95, cpu, mem_peak, io_read, io_write) "
    "SELECT day, task, count(*), sum(result = 'ok'), sum(result IN "
    "('failed', 'timeout', 'error', 'abandoned')), sum(d), "
    "min(CASE WHEN rn >= 0.5 * n THEN d END), "
    "min(CASE WHEN rn >= 0.95 * n THEN d END), sum(cpu), max(mem), "
    "sum(io_read), sum(io_write) FROM (SELECT day, task, result, d, cpu, "
    "mem, io_read, io_write, row_number() OVER w AS rn, count(*) OVER "
    "(PARTITION BY task, day) AS n FROM (SELECT CAST(ended / 86400 AS "
    "INTEGER) * 86400 AS day, task, result, " DUR " AS d, cpu, "
    MEM " AS mem, io_read, io_write FROM runs WHERE ended < %.0f) "
    "WINDOW w AS (PARTITION BY task, day ORDER BY d)) GROUP BY day, task "
    "ON CONFLICT (day, task) DO UPDATE SET "
    "duration_p50 = (duration_p50 * runs + excluded.duration_p50 * "
    "excluded.runs) / (runs + excluded.runs), "
    "runs = runs + excluded.runs, ok = ok + excluded.ok, "
    "failed = failed + excluded.failed, "
    "duration = duration + excluded.duration, "
    "duration_p95 = max(duration_p95, excluded.duration_p95), "
    "cpu = coalesce(cpu + excluded.cpu, cpu, excluded.cpu), "
    "mem_peak = max(coalesce(mem_peak, excluded.mem_peak), "
    "coalesce(excluded.mem_peak, mem_peak)), "
    "io_read = coalesce(io_read + excluded.io_read, io_read, "
    "excluded.io_read), "
    "io_write = coalesce(io_write + excluded.io_write, io_write, "
    "excluded.io_write);"
    "DELETE FROM runs WHERE ended < %.0f;"
    "DELETE FROM events WHERE time < %.3f;";

void
store_prune(int64_t retention_ms)
{
	char	sql[sizeof(fold_sql) + 64];
	double	now, cutoff, cut;
	int	before;

	if (!store_ok() || retention_ms <= 0)
		return;
	now = (double)time(NULL) + clock_offset;
	cutoff = now - (double)retention_ms / 1000;
	cut = day_start(cutoff);
	snprintf(sql, sizeof(sql), fold_sql, cut, cut, cutoff);
	before = sqlite3_total_changes(store_db_conn());
	if (store_db_exec_tx(sql, "rolling up and pruning old history") == -1)
		return;
	if (sqlite3_total_changes(store_db_conn()) != before)
		log_info("database: runs before %.0f days ago rolled up by day, "
		    "history older than %.0f days pruned", (now - cut) / DAY,
		    (double)retention_ms / 86400000);
}

/*
 * The report.  raw: the runs of the span; old: the roll-ups of the days
 * in it (from the start of its first day, UTC).  Each is grouped by a
 * key: the task, or what keys (a JSON array of [task, key] pairs)
 * makes of it.  The percentiles are nearest-rank over the runs with,
 * for each rolled-up day, half of its runs (rounded up) at its p50 and
 * the rest at its p95: an estimate where days are rolled up, exact
 * where none are.
 */
static const char report_sql[] =
    "WITH keys(task, k) AS (SELECT json_extract(value, '$[0]'), "
    "json_extract(value, '$[1]') FROM json_each(?3)), "
    "raw AS MATERIALIZED (SELECT %s AS k, " DUR " AS d, result, cpu, "
    MEM " AS mem, io_read, io_write FROM runs %s WHERE started >= ?1 AND "
    "ended IS NOT NULL), "
    "old AS MATERIALIZED (SELECT %s AS k, runs, ok, duration, "
    "duration_p50, duration_p95, cpu, mem_peak, io_read, io_write FROM "
    "rollups %s WHERE day >= ?2), "
    "sums AS (SELECT k, sum(runs) AS runs, sum(ok) AS ok, sum(dur) AS dur, "
    "sum(cpu) AS cpu, max(mem) AS mem, sum(rd) AS rd, sum(wr) AS wr FROM "
    "(SELECT k, count(*) AS runs, sum(result = 'ok') AS ok, sum(d) AS dur, "
    "sum(cpu) AS cpu, max(mem) AS mem, sum(io_read) AS rd, sum(io_write) "
    "AS wr FROM raw GROUP BY k UNION ALL SELECT k, sum(runs), sum(ok), "
    "sum(duration), sum(cpu), max(mem_peak), sum(io_read), sum(io_write) "
    "FROM old GROUP BY k) GROUP BY k), "
    "samples AS (SELECT k, d, 1 AS w FROM raw UNION ALL SELECT k, "
    "duration_p50, runs - runs / 2 FROM old UNION ALL SELECT k, "
    "duration_p95, runs / 2 FROM old WHERE runs >= 2), "
    "cum AS (SELECT k, d, sum(w) OVER (PARTITION BY k ORDER BY d ROWS "
    "UNBOUNDED PRECEDING) AS c, sum(w) OVER (PARTITION BY k) AS n FROM "
    "samples), "
    "pct AS (SELECT k, min(CASE WHEN c >= 0.5 * n THEN d END) AS p50, "
    "min(CASE WHEN c >= 0.95 * n THEN d END) AS p95 FROM cum GROUP BY k) "
    "SELECT sums.k, runs, ok, dur, p50, p95, cpu, mem, rd, wr FROM sums "
    "JOIN pct USING (k) ORDER BY coalesce(cpu, 0) DESC, dur DESC, sums.k";

static struct json_object *
num_or_null(sqlite3_stmt *st, int col, int real)
{
	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		return NULL;
	return real ? json_object_new_double(sqlite3_column_double(st, col)) :
	    json_object_new_int64(sqlite3_column_int64(st, col));
}

int
store_report(double since, const char *keys_json, const char *keyname,
    store_row_cb cb, void *arg)
{
	char			 sql[sizeof(report_sql) + 256];
	const char		*key, *join;
	sqlite3_stmt		*st;
	struct json_object	*o;
	int64_t			 runs;
	int			 n = 0, rc;

	if (store_db_conn() == NULL)
		return -1;
	key = keys_json != NULL ? "keys.k" : "task";
	join = keys_json != NULL ? "JOIN keys USING (task)" : "";
	snprintf(sql, sizeof(sql), report_sql, key, join, key, join);
	if (sqlite3_prepare_v2(store_db_conn(), sql, -1, &st, NULL) !=
	    SQLITE_OK) {
		store_db_failed("reading the report");
		return -1;
	}
	sqlite3_bind_double(st, 1, since);
	sqlite3_bind_double(st, 2, day_start(since));
	if (keys_json != NULL)
		sqlite3_bind_text(st, 3, keys_json, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		o = json_object_new_object();
		runs = sqlite3_column_int64(st, 1);
		/* (a task without tags is "" in its pair: null) */
		json_object_object_add(o, keyname, sqlite3_column_bytes(st,
		    0) > 0 ? json_object_new_string((const char *)
		    sqlite3_column_text(st, 0)) : NULL);
		json_object_object_add(o, "runs", json_object_new_int64(runs));
		json_object_object_add(o, "ok", num_or_null(st, 2, 0));
		json_object_object_add(o, "ok_pct", runs > 0 ?
		    json_object_new_double((double)(int64_t)(1000.0 * (double)
		    sqlite3_column_int64(st, 2) / (double)runs + 0.5) / 10) :
		    NULL);
		json_object_object_add(o, "duration_s", num_or_null(st, 3, 1));
		json_object_object_add(o, "duration_p50_s",
		    num_or_null(st, 4, 1));
		json_object_object_add(o, "duration_p95_s",
		    num_or_null(st, 5, 1));
		json_object_object_add(o, "cpu_s", num_or_null(st, 6, 1));
		json_object_object_add(o, "memory_peak_bytes",
		    num_or_null(st, 7, 0));
		json_object_object_add(o, "io_read_bytes", num_or_null(st, 8, 0));
		json_object_object_add(o, "io_write_bytes",
		    num_or_null(st, 9, 0));
		n++;
		if (cb(o, arg) != 0)
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		sqlite3_finalize(st);
		store_db_failed("reading the report");
		return -1;
	}
	sqlite3_finalize(st);
	return n;
}

/*
 * The last n finished runs of each task, newest first, that ran (not
 * those that could not start, nor dry runs): cb(task, duration in s,
 * peak memory in bytes or -1, arg).  One query at start-up.
 */
int
store_recent_runs(int n, store_recent_cb cb, void *arg)
{
	sqlite3_stmt	*st;
	int		 rows = 0, rc;

	if (store_db_conn() == NULL || sqlite3_prepare_v2(store_db_conn(),
	    "SELECT task, d, mem FROM (SELECT task, " DUR " AS d, " MEM
	    " AS mem, row_number() OVER (PARTITION BY task ORDER BY id DESC) "
	    "AS rn FROM runs WHERE ended IS NOT NULL AND dry_run = 0 AND "
	    "result NOT IN ('error', 'abandoned')) WHERE rn <= ?1 ORDER BY "
	    "task, rn DESC", -1, &st, NULL) != SQLITE_OK) {
		store_db_failed("reading the recent runs");
		return -1;
	}
	sqlite3_bind_int(st, 1, n);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (sqlite3_column_text(st, 0) == NULL)
			continue;
		cb((const char *)sqlite3_column_text(st, 0),
		    sqlite3_column_double(st, 1),
		    sqlite3_column_type(st, 2) == SQLITE_NULL ? -1 :
		    (int64_t)sqlite3_column_int64(st, 2), arg);
		rows++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		store_db_failed("reading the recent runs");
		return -1;
	}
	return rows;
}
