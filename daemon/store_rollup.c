/*
 * store_rollup.c: the long memory of what runs used (DESIGN §15).  The
 * retention pass folds runs older than history_retention into one row per task
 * per day (UTC, by the day a run ended) of the rollups table — runs, ok,
 * failed, total duration, its nearest-rank p50 and p95, CPU, the highest
 * peak memory, bytes read and written — then deletes them, in one
 * transaction.  Only days wholly before the cut are folded, so a day's
 * row is made once, from all of its runs.  Each task's last figures,
 * which seed the regression check (cost.c), are read here too.
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

static double	clock_offset;	/* the test hook: see store_prune_clock() */

/* The start of t's day (UTC); t is after 1970. */
static double
day_start(double t)
{
	return (double)((int64_t)(t / DAY) * DAY);
}

void
store_prune_clock(double offset)
{
	clock_offset = offset;
}

/*
 * A run's duration where the row has none (a run closed as abandoned),
 * and its peak memory where it was stored before the resource columns.
 */
#define DUR	"coalesce(duration, max(ended - started, 0))"
#define MEM	"coalesce(mem_peak, maxrss_kb * 1024)"

/*
 * The fold of the runs that ended before %.0f (the end of the oldest
 * day), then their deletion.  A day already
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
    MEM " AS mem, io_read, io_write FROM runs INDEXED BY runs_ended WHERE "
    "ended < %.0f) "
    "WINDOW w AS (PARTITION BY task, day ORDER BY d)) GROUP BY day, task "
    "ON CONFLICT (day, task) DO UPDATE SET "
    "duration_p50 = CASE WHEN runs = 0 THEN excluded.duration_p50 ELSE "
    "(duration_p50 * runs + excluded.duration_p50 * excluded.runs) / "
    "(runs + excluded.runs) END, "
    "runs = runs + excluded.runs, ok = ok + excluded.ok, "
    "failed = failed + excluded.failed, "
    "duration = duration + excluded.duration, "
    "duration_p95 = max(coalesce(duration_p95, excluded.duration_p95), "
    "excluded.duration_p95), "
    "cpu = coalesce(cpu + excluded.cpu, cpu, excluded.cpu), "
    "mem_peak = max(coalesce(mem_peak, excluded.mem_peak), "
    "coalesce(excluded.mem_peak, mem_peak)), "
    "io_read = coalesce(io_read + excluded.io_read, io_read, "
    "excluded.io_read), "
    "io_write = coalesce(io_write + excluded.io_write, io_write, "
    "excluded.io_write);"
    "DELETE FROM runs WHERE ended < %.0f;";

/*
 * The end of a pass: the ledger's missed ticks before %lld counted in
 * their day's roll-up (a row with no runs where the task had none that
 * day), then the ledger's rows and the events older than retention
 * deleted.  A day whose ticks are counted in two passes adds up.
 */
static const char end_sql[] =
    "INSERT INTO rollups (day, task, runs, ok, failed, duration, missed) "
    "SELECT tick / 86400 * 86400, task, 0, 0, 0, 0, count(*) FROM ledger "
    "WHERE tick < %lld AND outcome = 'missed' GROUP BY 1, 2 "
    "ON CONFLICT (day, task) DO UPDATE SET missed = missed + "
    "excluded.missed;"
    "DELETE FROM ledger WHERE tick < %lld;"
    "DELETE FROM events WHERE time < %.3f;";

/* When the oldest run ended, or -1 (none, or it cannot be read). */
static double
oldest_end(void)
{
	sqlite3_stmt	*st;
	double		 t = -1;

	if (sqlite3_prepare_v2(store_db_conn(), "SELECT min(ended) FROM runs",
	    -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW &&
	    sqlite3_column_type(st, 0) != SQLITE_NULL)
		t = sqlite3_column_double(st, 0);
	sqlite3_finalize(st);
	return t;
}

/*
 * One step of the retention pass: the oldest day of runs before the cut
 * folded and deleted, in one transaction; 1 when there may be more.  At
 * the end of a pass, the ledger's missed ticks older than retention are
 * counted (end_sql) and its rows and the older events go.  A day a step,
 * so that a pass over a long history (the first after an upgrade) leaves
 * the loop between days.
 */
int
store_prune(int64_t retention_ms)
{
	static int	days;	/* folded in this pass */
	char		sql[sizeof(fold_sql) + sizeof(end_sql) + 64];
	double		now, cutoff, cut, oldest, upto;

	if (!store_ok() || retention_ms <= 0)
		return 0;
	now = (double)time(NULL) + clock_offset;
	cutoff = now - (double)retention_ms / 1000;
	cut = day_start(cutoff);
	if ((oldest = oldest_end()) >= 0 && oldest < cut) {
		upto = day_start(oldest) + DAY;
		snprintf(sql, sizeof(sql), fold_sql, upto < cut ? upto : cut,
		    upto < cut ? upto : cut);
		if (store_db_exec_tx(sql, "rolling up old runs") == -1)
			return 0;
		days++;
		return 1;
	}
	snprintf(sql, sizeof(sql), end_sql, (long long)cutoff,
	    (long long)cutoff, cutoff);
	if (store_db_exec_tx(sql, "pruning the ledger and old events") == -1)
		return 0;
	if (days > 0)
		log_info("database: %d day%s of runs older than %.0f days rolled "
		    "up", days, days == 1 ? "" : "s",
		    (double)retention_ms / 86400000);
	days = 0;
	return 0;
}

/*
 * The last n finished runs of each of the tasks (a JSON array of names)
 * that ran (not those that could not start, nor dry runs), oldest first:
 * cb(task, duration in s, peak memory in bytes or -1, arg).  One query
 * at start-up, on the index of each task's runs: the n-th newest of a
 * task is found walking it back, and what follows read from there.
 */
#define RAN	"ended IS NOT NULL AND dry_run = 0 AND result NOT IN ('error', " \
	"'abandoned')"

int
store_recent_runs(const char *tasks_json, int n, store_recent_cb cb,
    void *arg)
{
	sqlite3_stmt	*st;
	int		 rows = 0, rc;

	if (store_db_conn() == NULL || sqlite3_prepare_v2(store_db_conn(),
	    "WITH t(task) AS (SELECT value FROM json_each(?1)) SELECT r.task, "
	    "coalesce(r.duration, max(r.ended - r.started, 0)), "
	    "coalesce(r.mem_peak, r.maxrss_kb * 1024) FROM t JOIN runs r ON "
	    "r.task = t.task AND r.id >= coalesce((SELECT id FROM runs WHERE "
	    "task = t.task AND " RAN " ORDER BY id DESC LIMIT 1 OFFSET ?2 - 1), "
	    "0) WHERE r." RAN " ORDER BY r.task, r.id", -1, &st, NULL) !=
	    SQLITE_OK) {
		store_db_failed("reading the recent runs");
		return -1;
	}
	sqlite3_bind_text(st, 1, tasks_json, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, n);
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
