/*
 * store_ledger.c: the ledger in the store (ledger.c keeps it): one row
 * per tick of a periodic task, ran (with its run) or missed (with a
 * reason), a second outcome for a tick refused by UNIQUE (task, tick);
 * the tasks active now, kept so that the next daemon knows which ticks
 * a stop or a crash made it miss; each task's last success, in one
 * query at start-up; the listing for maintctl ledger; pruning.
 */
#include <stdio.h>
#include <time.h>

#include <sqlite3.h>

#include "store_db.h"

static struct store_stmt st_put = { "INSERT OR IGNORE INTO ledger (task, "
    "tick, outcome, reason, run, detail, recorded) VALUES (?1, ?2, ?3, ?4, "
    "?5, ?6, ?7)", NULL, NULL, false };
static struct store_stmt st_act_put = { "INSERT OR REPLACE INTO activations "
    "(task, since, until) VALUES (?1, ?2, ?3)", NULL, NULL, false };
static struct store_stmt st_act_del = { "DELETE FROM activations WHERE "
    "task = ?1", NULL, NULL, false };

/* 1 recorded, 0 the tick had an outcome already, -1 not written. */
int
store_ledger_put(const char *task, time_t tick, const char *reason,
    uint64_t run, const char *detail)
{
	struct timespec	 ts;
	sqlite3_stmt	*st;

	if (!store_db_ready() || (st = store_db_stmt(&st_put)) == NULL)
		return -1;
	clock_gettime(CLOCK_REALTIME, &ts);
	sqlite3_bind_text(st, 1, task, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)tick);
	sqlite3_bind_text(st, 3, reason == NULL ? "ran" : "missed", -1,
	    SQLITE_STATIC);
	if (reason != NULL)
		sqlite3_bind_text(st, 4, reason, -1, SQLITE_STATIC);
	if (run > 0)
		sqlite3_bind_int64(st, 5, (sqlite3_int64)run);
	if (detail != NULL && *detail != '\0')
		sqlite3_bind_text(st, 6, detail, -1, SQLITE_STATIC);
	sqlite3_bind_double(st, 7, store_ts(&ts));
	if (store_db_step(st, "recording a tick in the ledger") == -1)
		return -1;
	return sqlite3_changes(store_db_conn()) > 0;
}

int
store_activation_put(const char *task, double since, time_t until)
{
	sqlite3_stmt	*st;

	if (!store_db_ready() || (st = store_db_stmt(&st_act_put)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, task, -1, SQLITE_STATIC);
	sqlite3_bind_double(st, 2, since);
	if (until > 0)
		sqlite3_bind_int64(st, 3, (sqlite3_int64)until);
	return store_db_step(st, "recording an activation");
}

int
store_activation_del(const char *task)
{
	sqlite3_stmt	*st;

	if (!store_db_ready() || (st = store_db_stmt(&st_act_del)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, task, -1, SQLITE_STATIC);
	return store_db_step(st, "recording a deactivation");
}

/*
 * The tasks that were active when the last daemon stopped (or died),
 * each with the last tick the ledger has of it (0: none).
 */
int
store_activations(store_activation_cb cb, void *arg)
{
	sqlite3_stmt	*st;
	int		 n = 0, rc;

	if (!store_db_ready() || sqlite3_prepare_v2(store_db_conn(),
	    "SELECT a.task, a.since, a.until, (SELECT max(tick) FROM ledger l "
	    "WHERE l.task = a.task) FROM activations a", -1, &st, NULL) !=
	    SQLITE_OK) {
		store_db_failed("reading the activations");
		return -1;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (sqlite3_column_text(st, 0) == NULL)
			continue;
		cb((const char *)sqlite3_column_text(st, 0),
		    sqlite3_column_double(st, 1),
		    (time_t)sqlite3_column_int64(st, 2),
		    (time_t)sqlite3_column_int64(st, 3), arg);
		n++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		store_db_failed("reading the activations");
		return -1;
	}
	return n;
}

/* A daemon starts with every task inactive. */
int
store_activations_clear(void)
{
	sqlite3_stmt	*st;
	static struct store_stmt s = { "DELETE FROM activations", NULL, NULL,
	    false };

	if (!store_db_ready() || (st = store_db_stmt(&s)) == NULL)
		return -1;
	return store_db_step(st, "clearing the activations");
}

/* Each task's last successful run (dry runs aside): cb(task, end). */
int
store_last_oks(store_ok_cb cb, void *arg)
{
	sqlite3_stmt	*st;
	int		 n = 0, rc;

	if (store_db_conn() == NULL || sqlite3_prepare_v2(store_db_conn(),
	    "SELECT task, max(ended) FROM runs WHERE result = 'ok' AND "
	    "dry_run = 0 GROUP BY task", -1, &st, NULL) != SQLITE_OK) {
		store_db_failed("reading the last successes");
		return -1;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (sqlite3_column_text(st, 0) == NULL)
			continue;
		cb((const char *)sqlite3_column_text(st, 0),
		    (time_t)sqlite3_column_double(st, 1), arg);
		n++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		store_db_failed("reading the last successes");
		return -1;
	}
	return n;
}

/* Rows newest first; missed: only the ticks that did not run. */
int
store_ledger(const char *task, bool missed, int limit, double since,
    double until, store_row_cb cb, void *arg)
{
	return store_db_rows(missed ?
	    "SELECT tick, task, outcome, reason, run, detail AS detail_text, "
	    "recorded FROM "
	    "ledger WHERE (?1 IS NULL OR task = ?1) AND tick >= ?2 AND tick <= "
	    "?4 AND outcome = 'missed' ORDER BY tick DESC, id DESC LIMIT ?3" :
	    "SELECT tick, task, outcome, reason, run, detail AS detail_text, "
	    "recorded FROM "
	    "ledger WHERE (?1 IS NULL OR task = ?1) AND tick >= ?2 AND tick <= "
	    "?4 ORDER BY tick DESC, id DESC LIMIT ?3",
	    task, limit, since, until, cb, arg);
}
