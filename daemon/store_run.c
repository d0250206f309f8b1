/*
 * store_run.c: runs in the store: their ids, the row written before the
 * process exists and completed at its end, the ends that could not be
 * written (kept until they can), the runs a crashed daemon left open,
 * the history read back, and the pruning of old rows.
 */
#include <sys/wait.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "log.h"
#include "osdep.h"
#include "run.h"
#include "store_db.h"
#include "store_run.h"
#include "util.h"

static struct store_stmt st_run_insert = { "INSERT INTO runs (task, "
    "trigger, dry_run, started, id) VALUES (?1, ?2, ?3, ?4, ?5)",
    NULL, NULL, false };
static struct store_stmt st_run_pid = { "UPDATE runs SET pid = ?2, uid = "
    "?3, pid_start = ?4, boot_id = ?5 WHERE id = ?1", NULL, NULL, false };
/* a run whose start could not be stored is stored whole */
static struct store_stmt st_run_end = { "INSERT INTO runs (id, ended, "
    "duration, result, exit_code, signal, detail, cpu, maxrss_kb, task, "
    "trigger, pid, dry_run, started) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, "
    "?8, ?9, ?10, ?11, ?12, ?13, ?14) ON CONFLICT (id) DO UPDATE SET "
    "ended = ?2, duration = ?3, result = ?4, exit_code = ?5, signal = ?6, "
    "detail = ?7, cpu = ?8, maxrss_kb = ?9", NULL, NULL, false };

static uint64_t		 fallback_id;	/* see fallback() */

/*
 * Run ends not on disk (the disk was full, say): written again, whole,
 * at the next write that succeeds, so no run stays open in history.
 * Those written inside the open transaction are kept too, until it
 * commits.  At most MAX_PENDING; the oldest go first.
 */
#define MAX_PENDING	4096

struct pend {
	char		*task;
	struct run	 r;
};

struct pendv {
	struct pend	*v;
	size_t		 n, cap;
};

static struct pendv	pending, inbatch;

static void
pend_add(struct pendv *pv, const char *task, const struct run *r)
{
	if (pv->n == MAX_PENDING) {
		log_warnx("database: too many runs waiting to be recorded; "
		    "run %llu of %s is forgotten",
		    (unsigned long long)pv->v[0].r.id, pv->v[0].task);
		free(pv->v[0].task);
		memmove(pv->v, pv->v + 1, --pv->n * sizeof(*pv->v));
	}
	if (pv->n == pv->cap) {
		pv->cap = pv->cap ? pv->cap * 2 : 16;
		pv->v = xreallocarray(pv->v, pv->cap, sizeof(*pv->v));
	}
	pv->v[pv->n].task = xstrdup(task);
	pv->v[pv->n].r = *r;
	pv->n++;
}

static void
pend_clear(struct pendv *pv)
{
	size_t	i;

	for (i = 0; i < pv->n; i++)
		free(pv->v[i].task);
	pv->n = 0;
}


static bool	recover_later;	/* store_recover() could not be done */
static void	pending_flush(void);

/*
 * Run ids.  A run whose row is on disk has the next of the daemon's own
 * counter, seeded from the largest id in the store; the counter never
 * goes back, whatever the store does, so no id is handed out twice.  A
 * run whose row could not be stored gets one from a range of its own,
 * taken from the clock, so that a later daemon (which sees only what is
 * stored) does not hand it out again: the time in microseconds, which
 * no burst of starts outruns, so a daemon restarted at once (within the
 * same second: seconds times 1000 gave the same ids again) starts above
 * the last one handed out.  Below 2^53 (JSON's exact integers) until
 * the year 2255.
 */
static uint64_t		 next_id = 1;
static uint64_t		 own_from;	/* this daemon's rows: id >= */

static uint64_t
fallback(void)
{
	struct timespec	ts;
	uint64_t	t;

	clock_gettime(CLOCK_REALTIME, &ts);
	t = (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;

	if (fallback_id < t)
		fallback_id = t;
	return ++fallback_id;
}

static void
seed_ids(void)
{
	sqlite3_stmt	*st;

	if (sqlite3_prepare_v2(store_db_conn(), "SELECT max(id) FROM runs",
	    -1, &st, NULL) != SQLITE_OK)
		return;
	if (sqlite3_step(st) == SQLITE_ROW &&
	    (uint64_t)sqlite3_column_int64(st, 0) >= next_id)
		next_id = (uint64_t)sqlite3_column_int64(st, 0) + 1;
	sqlite3_finalize(st);
}

/*
 * The id of the new run: the next of the counter when its row is on
 * disk, else one of the fallback range (see fallback()).
 */
uint64_t
store_run_start(const char *task, const struct run *r)
{
	sqlite3_stmt	*st;
	uint64_t	 id;

	if (!store_db_ready() || (st = store_db_stmt(&st_run_insert)) == NULL)
		return fallback();
	id = next_id++;
	sqlite3_bind_text(st, 1, task, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, trigger_name(r->trigger), -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, r->dry_run);
	sqlite3_bind_double(st, 4, store_ts(&r->start));
	sqlite3_bind_int64(st, 5, (sqlite3_int64)id);
	if (store_db_step(st, "recording a run") == -1)
		id = 0;
	/* on disk before the process exists */
	if (store_db_commit() == -1 || id == 0)
		return fallback();
	return id;
}

/* The run's process: what a later maintd needs to know it is the run's. */
void
store_run_pid(uint64_t id, pid_t pid, uid_t uid, uint64_t start)
{
	const char	*boot = os_boot_id();
	sqlite3_stmt	*st;

	if (!store_db_ready() || (st = store_db_stmt(&st_run_pid)) == NULL)
		return;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)id);
	sqlite3_bind_int(st, 2, (int)pid);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)uid);
	if (start > 0)
		sqlite3_bind_int64(st, 4, (sqlite3_int64)start);
	if (boot != NULL)
		sqlite3_bind_text(st, 5, boot, -1, SQLITE_STATIC);
	(void)store_db_step(st, "recording a run's pid");
}

/* 0 written (or in the open transaction), -1 not. */
static int
run_end_write(const char *task, const struct run *r)
{
	sqlite3_stmt	*st = store_db_stmt(&st_run_end);
	char		 res[300];

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)r->id);
	/* the end as precise as the start: start + monotonic duration */
	sqlite3_bind_double(st, 2, store_ts(&r->start) +
	    (double)(r->end_mono - r->start_mono) / 1000);
	sqlite3_bind_double(st, 3, (double)(r->end_mono - r->start_mono) /
	    1000);
	sqlite3_bind_text(st, 4, run_class(r), -1, SQLITE_STATIC);
	if (r->failure[0] == '\0' && WIFEXITED(r->status))
		sqlite3_bind_int(st, 5, WEXITSTATUS(r->status));
	if (r->failure[0] == '\0' && WIFSIGNALED(r->status))
		sqlite3_bind_text(st, 6, signal_name(WTERMSIG(r->status)), -1,
		    SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 7, run_result(r, res, sizeof(res)), -1,
	    SQLITE_TRANSIENT);
	sqlite3_bind_double(st, 8, (double)(r->utime_ms + r->stime_ms) / 1000);
	sqlite3_bind_int64(st, 9, r->maxrss_kb);
	sqlite3_bind_text(st, 10, task, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 11, trigger_name(r->trigger), -1, SQLITE_STATIC);
	if (r->pid > 0)
		sqlite3_bind_int(st, 12, (int)r->pid);
	sqlite3_bind_int(st, 13, r->dry_run);
	sqlite3_bind_double(st, 14, store_ts(&r->start));
	return store_db_step(st, "recording the end of a run");
}

void
store_run_end(const char *task, const struct run *r)
{
	if (store_db_conn() == NULL)
		return;
	if (!store_db_ready() || run_end_write(task, r) == -1)
		pend_add(&pending, task, r);
	else if (store_db_in_batch())
		pend_add(&inbatch, task, r);
}

/* The store works again: the ends it missed, oldest first. */
static void
pending_flush(void)
{
	struct pendv	late = pending;
	size_t		i;

	if (late.n == 0)
		return;
	memset(&pending, 0, sizeof(pending));
	for (i = 0; i < late.n; i++)
		store_run_end(late.v[i].task, &late.v[i].r);
	log_info("database: %zu run%s recorded late", late.n,
	    late.n == 1 ? "" : "s");
	pend_clear(&late);
	free(late.v);
}

/*
 * Runs left open by a crash: kill what is provably left of them (see
 * os_recover_run()) and close them as abandoned.  After a reboot nothing
 * of them can be left.
 */
void
store_recover(void)
{
	sqlite3_stmt	*st, *up;
	struct run_mark	 m;
	const char	*boot = os_boot_id(), *rboot;
	int		 n = 0;

	if (!store_ok()) {
		recover_later = true;
		return;
	}
	/* (done late, once the database could be written: not ours) */
	if (sqlite3_prepare_v2(store_db_conn(), "SELECT id, task, pid, uid, "
	    "pid_start, boot_id FROM runs WHERE ended IS NULL AND id < ?1", -1,
	    &st, NULL) != SQLITE_OK) {
		store_db_failed("looking for abandoned runs");
		recover_later = true;
		return;
	}
	sqlite3_bind_int64(st, 1, (sqlite3_int64)own_from);
	if (sqlite3_prepare_v2(store_db_conn(), "UPDATE runs SET ended = ?2, result = "
	    "'abandoned', detail = 'maintd stopped while it ran' WHERE "
	    "id = ?1", -1, &up, NULL) != SQLITE_OK) {
		sqlite3_finalize(st);
		store_db_failed("closing abandoned runs");
		recover_later = true;
		return;
	}
	(void)store_db_exec("BEGIN IMMEDIATE", "recover");
	while (sqlite3_step(st) == SQLITE_ROW) {
		m.run_id = (uint64_t)sqlite3_column_int64(st, 0);
		m.task = (const char *)sqlite3_column_text(st, 1);
		m.pid = (pid_t)sqlite3_column_int(st, 2);
		m.uid = (uid_t)sqlite3_column_int64(st, 3);
		m.start = (uint64_t)sqlite3_column_int64(st, 4);
		rboot = (const char *)sqlite3_column_text(st, 5);
		if (m.task != NULL && (boot == NULL || rboot == NULL ||
		    strcmp(boot, rboot) == 0))
			(void)os_recover_run(&m);
		sqlite3_bind_int64(up, 1, (sqlite3_int64)m.run_id);
		sqlite3_bind_double(up, 2, (double)time(NULL));
		(void)sqlite3_step(up);
		sqlite3_reset(up);
		n++;
	}
	sqlite3_finalize(st);
	sqlite3_finalize(up);
	if (store_db_exec("COMMIT", "recover") == -1) {
		store_db_failed("closing abandoned runs");
		(void)sqlite3_exec(store_db_conn(), "ROLLBACK", NULL, NULL, NULL);
		recover_later = true;
		n = 0;
	}
	if (n > 0)
		log_info("database: %d run%s closed as abandoned", n,
		    n == 1 ? "" : "s");
}

void
store_prune(int64_t retention_ms)
{
	char	sql[160];
	double	cutoff;

	if (!store_ok() || retention_ms <= 0)
		return;
	cutoff = (double)time(NULL) - (double)retention_ms / 1000;
	snprintf(sql, sizeof(sql), "DELETE FROM runs WHERE ended < %.3f; "
	    "DELETE FROM events WHERE time < %.3f;", cutoff, cutoff);
	if (store_db_exec_tx(sql, "pruning old history") == -1)
		return;
	if (sqlite3_changes(store_db_conn()) > 0)
		log_info("database: pruned history older than %.0f days",
		    (double)retention_ms / 86400000);
}

/* When the task's latest run started, or 0. */
time_t
store_last_run(const char *task)
{
	sqlite3_stmt	*st;
	time_t		 t = 0;

	if (store_db_conn() == NULL || sqlite3_prepare_v2(store_db_conn(),
	    "SELECT max(started) FROM runs WHERE task = ?1", -1, &st, NULL) !=
	    SQLITE_OK)
		return 0;
	sqlite3_bind_text(st, 1, task, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		t = (time_t)sqlite3_column_double(st, 0);
	sqlite3_finalize(st);
	return t;
}

int
store_history(const char *task, int limit, double since, double until,
    store_row_cb cb, void *arg)
{
	return store_db_rows("SELECT id AS run, task, trigger, pid, dry_run, "
	    "started, ended, duration AS duration_s, result, exit_code AS "
	    "exit, signal, detail AS summary, cpu AS cpu_s, maxrss_kb FROM runs "
	    "WHERE (?1 IS NULL OR task = ?1) AND started >= ?2 AND started <= "
	    "?4 ORDER BY id DESC LIMIT ?3", task, limit, since, until, cb, arg);
}


/* A new connection: the ids go on from the largest stored. */
void
store_run_setup(void)
{
	seed_ids();
	if (own_from == 0)
		own_from = next_id;
}

/* The database can be written again: what it missed meanwhile. */
void
store_run_writable(void)
{
	if (recover_later) {
		/* runs a previous maintd left open, unseen at start */
		recover_later = false;
		store_recover();
	}
	pending_flush();
}

/* The batch's transaction ended: the run ends in it are on disk, or not. */
void
store_run_committed(bool ok)
{
	size_t	i;

	if (!ok)
		for (i = 0; i < inbatch.n; i++)
			pend_add(&pending, inbatch.v[i].task, &inbatch.v[i].r);
	pend_clear(&inbatch);
}

void
store_run_free(void)
{
	pend_clear(&pending);
	pend_clear(&inbatch);
	free(pending.v);
	free(inbatch.v);
	memset(&pending, 0, sizeof(pending));
	memset(&inbatch, 0, sizeof(inbatch));
}
