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
#include "store_runfile.h"
#include "util.h"

static struct store_stmt st_run_insert = { "INSERT INTO runs (task, "
    "trigger, dry_run, started, id) VALUES (?1, ?2, ?3, ?4, ?5)",
    NULL, NULL, false };
static struct store_stmt st_run_pid = { "UPDATE runs SET pid = ?2, uid = "
    "?3, pid_start = ?4, boot_id = ?5 WHERE id = ?1", NULL, NULL, false };
/* a run whose start could not be stored is stored whole */
static struct store_stmt st_run_end = { "INSERT INTO runs (id, ended, "
    "duration, result, exit_code, signal, detail, cpu, maxrss_kb, task, "
    "trigger, pid, dry_run, started, cpu_user, cpu_system, mem_peak, "
    "io_read, io_write, psi_cpu_some, psi_cpu_full, psi_memory_some, "
    "psi_memory_full, psi_io_some, psi_io_full, source, memory_source, "
    "io_source) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, "
    "?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, "
    "?27, ?28) ON CONFLICT (id) DO UPDATE SET ended = ?2, duration = ?3, "
    "result = ?4, exit_code = ?5, signal = ?6, detail = ?7, cpu = ?8, "
    "maxrss_kb = ?9, cpu_user = ?15, cpu_system = ?16, mem_peak = ?17, "
    "io_read = ?18, io_write = ?19, psi_cpu_some = ?20, psi_cpu_full = ?21, "
    "psi_memory_some = ?22, psi_memory_full = ?23, psi_io_some = ?24, "
    "psi_io_full = ?25, source = ?26, memory_source = ?27, io_source = ?28",
    NULL, NULL, false };

/* The columns of a run's resources, in the order of st_run_end's ?15... */
#define RES_COLS	"cpu_user, cpu_system, mem_peak, io_read, io_write, " \
	"psi_cpu_some, psi_cpu_full, psi_memory_some, psi_memory_full, " \
	"psi_io_some, psi_io_full, source, memory_source, io_source"

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
 * The id of the new run: the next of the counter when its row is
 * written, else one of the fallback range (see fallback()).
 *
 * A run must be found after the daemon is killed at any point once its
 * process may exist.  The run file has it first, before the process
 * exists (one pwrite, no sqlite commit): id, task, wall-clock start;
 * then its pid and start time (store_run_pid()).  Its row joins the
 * open transaction (a request's, so that a burst of 250 starts commits
 * once, after the last exec, instead of 250 times before each): a
 * daemon killed before that commit leaves the run in the run file only,
 * and the next one kills what is left of it and writes its row as
 * abandoned (store_recover()), and hands out ids above the file's
 * (next_id below), so no id is given twice.
 */
uint64_t
store_run_start(const char *task, const struct run *r)
{
	sqlite3_stmt	*st;
	uint64_t	 id;
	char		 trig[120];
	int64_t		 ms = (int64_t)r->start.tv_sec * 1000 +
	    r->start.tv_nsec / 1000000;

	if (runfile_max_id() >= next_id)
		next_id = runfile_max_id() + 1;
	if (!store_db_ready() || (st = store_db_stmt(&st_run_insert)) == NULL) {
		id = fallback();
		runfile_add(id, task, 0, 0, 0, ms);
		return id;
	}
	id = next_id++;
	runfile_add(id, task, 0, 0, 0, ms);
	sqlite3_bind_text(st, 1, task, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, run_trigger(r, trig, sizeof(trig)), -1,
	    SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 3, r->dry_run);
	sqlite3_bind_double(st, 4, store_ts(&r->start));
	sqlite3_bind_int64(st, 5, (sqlite3_int64)id);
	if (store_db_step(st, "recording a run") == -1) {
		runfile_del(id);
		id = fallback();
		runfile_add(id, task, 0, 0, 0, ms);
	}
	return id;
}

/*
 * The run's process: what a later maintd needs to know it is the run's,
 * in the run file first (which a full disk does not stop), then in the
 * store.
 */
void
store_run_pid(uint64_t id, const char *task, pid_t pid, uid_t uid,
    uint64_t start)
{
	const char	*boot = os_boot_id();
	sqlite3_stmt	*st;

	runfile_add(id, task, pid, uid, start, 0);
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

static void
bind_us(sqlite3_stmt *st, int col, int64_t us, bool known)
{
	if (known && us >= 0)
		sqlite3_bind_double(st, col, (double)us / 1e6);
}

static void
bind_bytes(sqlite3_stmt *st, int col, int64_t b, enum res_source src)
{
	if (src != RS_NONE && b >= 0)
		sqlite3_bind_int64(st, col, (sqlite3_int64)b);
}

static void
bind_src(sqlite3_stmt *st, int col, enum res_source src)
{
	if (src != RS_NONE)
		sqlite3_bind_text(st, col, run_res_source(src), -1,
		    SQLITE_STATIC);
}

/* cpu (?cpu), maxrss_kb (?cpu + 1) and the columns of RES_COLS (?15...) */
static void
res_bind(sqlite3_stmt *st, int cpu, const struct run *r)
{
	const struct run_res	*res = &r->res;
	bool			 known = res->cpu_src != RS_NONE;
	int			 i;

	bind_us(st, cpu, run_cpu_us(r), known);
	if (res->mem_src != RS_NONE && res->mem_peak >= 0)
		sqlite3_bind_int64(st, cpu + 1, res->mem_peak / 1024);
	bind_us(st, 15, res->cpu_user_us, known);
	bind_us(st, 16, res->cpu_system_us, known);
	bind_bytes(st, 17, res->mem_peak, res->mem_src);
	bind_bytes(st, 18, res->io_read, res->io_src);
	bind_bytes(st, 19, res->io_write, res->io_src);
	for (i = 0; i < PSI_N; i++) {
		bind_us(st, 20 + 2 * i, res->psi_some_us[i], known);
		bind_us(st, 21 + 2 * i, res->psi_full_us[i], known);
	}
	bind_src(st, 26, res->cpu_src);
	bind_src(st, 27, res->mem_src);
	bind_src(st, 28, res->io_src);
}

/* 0 written (or in the open transaction), -1 not. */
static int
run_end_write(const char *task, const struct run *r)
{
	sqlite3_stmt	*st = store_db_stmt(&st_run_end);
	struct timespec	 now;
	double		 ended;
	char		 res[300], trig[120];

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)r->id);
	/*
	 * The end as precise as the start: start + monotonic duration.  The
	 * duration is of whole milliseconds, which can put that up to one
	 * past the true end: never later than now, so that what starts
	 * once this run has ended (after, chains) starts after its end.
	 */
	ended = store_ts(&r->start) + (double)(r->end_mono - r->start_mono) /
	    1000;
	clock_gettime(CLOCK_REALTIME, &now);
	if (ended > store_ts(&now))
		ended = store_ts(&now);
	sqlite3_bind_double(st, 2, ended);
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
	res_bind(st, 8, r);
	sqlite3_bind_text(st, 10, task, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 11, run_trigger(r, trig, sizeof(trig)), -1,
	    SQLITE_TRANSIENT);
	if (r->pid > 0)
		sqlite3_bind_int(st, 12, (int)r->pid);
	sqlite3_bind_int(st, 13, r->dry_run);
	sqlite3_bind_double(st, 14, store_ts(&r->start));
	return store_db_step(st, "recording the end of a run");
}

void
store_run_end(const char *task, const struct run *r)
{
	if (r->pid <= 0)
		runfile_del(r->id);	/* no process: nothing to find */
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

void
store_run_gone(uint64_t id)
{
	runfile_del(id);
}

/*
 * The runs the run file recovered: the store's open rows of them are
 * closed, not recovered twice.
 */
struct seen {
	uint64_t	 id;
	char		*task;
	int64_t		 started_ms;	/* 0: not known */
};
static struct seen *seen;
static size_t	 nseen;
static bool	 runfile_done;

static void
seen_add(uint64_t id, const char *task, int64_t started_ms)
{
	seen = xreallocarray(seen, nseen + 1, sizeof(*seen));
	seen[nseen].id = id;
	seen[nseen].task = xstrdup(task);
	seen[nseen++].started_ms = started_ms;
}

static bool
was_seen(uint64_t id)
{
	size_t	i;

	for (i = 0; i < nseen; i++)
		if (seen[i].id == id)
			return true;
	return false;
}

/*
 * The runs of the run file the store has no row of (killed before the
 * transaction with it committed): their rows, as abandoned, started
 * when the record says (an older daemon's says nothing: then now).
 */
static int
seen_rows(void)
{
	sqlite3_stmt	*st;
	size_t		 i;
	int		 n = 0;

	if (nseen == 0)
		return 0;
	if (sqlite3_prepare_v2(store_db_conn(), "INSERT OR IGNORE INTO runs "
	    "(id, task, trigger, started, ended, result, detail) VALUES (?1, "
	    "?2, 'unknown', ?3, ?4, 'abandoned', 'maintd stopped while it "
	    "ran')", -1, &st, NULL) != SQLITE_OK)
		return -1;
	for (i = 0; i < nseen; i++) {
		sqlite3_bind_int64(st, 1, (sqlite3_int64)seen[i].id);
		sqlite3_bind_text(st, 2, seen[i].task, -1, SQLITE_STATIC);
		sqlite3_bind_double(st, 3, seen[i].started_ms > 0 ?
		    (double)seen[i].started_ms / 1000 : (double)time(NULL));
		sqlite3_bind_double(st, 4, (double)time(NULL));
		if (sqlite3_step(st) == SQLITE_DONE &&
		    sqlite3_changes(store_db_conn()) > 0)
			n++;
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	return n;
}

/*
 * Runs left open by a crash: kill what is provably left of them (see
 * os_recover_run()) and close them as abandoned.  The run file's first,
 * at once, whatever the store can do (its runs may never have reached
 * the store); then the store's open rows, when it can be written.
 * After a reboot nothing of them can be left.
 */
void
store_recover(void)
{
	sqlite3_stmt	*st, *up;
	struct run_mark	 m;
	const char	*boot = os_boot_id(), *rboot;
	int		 n = 0, i;

	if (!runfile_done) {
		runfile_done = true;
		runfile_recover(seen_add);
	}
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
		if (m.task != NULL && !was_seen(m.run_id) && (boot == NULL ||
		    rboot == NULL || strcmp(boot, rboot) == 0))
			(void)os_recover_run(&m);
		sqlite3_bind_int64(up, 1, (sqlite3_int64)m.run_id);
		sqlite3_bind_double(up, 2, (double)time(NULL));
		(void)sqlite3_step(up);
		sqlite3_reset(up);
		n++;
	}
	sqlite3_finalize(st);
	sqlite3_finalize(up);
	if ((i = seen_rows()) > 0)
		n += i;
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

static int64_t
col_us(sqlite3_stmt *st, int col)
{
	return sqlite3_column_type(st, col) == SQLITE_NULL ? -1 :
	    (int64_t)(sqlite3_column_double(st, col) * 1e6 + 0.5);
}

static int64_t
col_int(sqlite3_stmt *st, int col)
{
	return sqlite3_column_type(st, col) == SQLITE_NULL ? -1 :
	    (int64_t)sqlite3_column_int64(st, col);
}

/*
 * The resources of a run from "cpu, maxrss_kb, RES_COLS" at col: a row
 * written before schema 5 has cpu and maxrss_kb only, from
 * rusage or the cgroup.
 */
static void
res_from_row(sqlite3_stmt *st, int col, struct run *r)
{
	struct run_res	*res = &r->res;
	int		 i, c = col + 2;
	int64_t		 cpu = col_us(st, col);

	run_res_clear(res);
	res->cpu_src = run_res_source_parse((const char *)
	    sqlite3_column_text(st, c + 11));
	res->mem_src = run_res_source_parse((const char *)
	    sqlite3_column_text(st, c + 12));
	res->io_src = run_res_source_parse((const char *)
	    sqlite3_column_text(st, c + 13));
	res->cpu_user_us = col_us(st, c);
	res->cpu_system_us = col_us(st, c + 1);
	res->mem_peak = col_int(st, c + 2);
	res->io_read = col_int(st, c + 3);
	res->io_write = col_int(st, c + 4);
	for (i = 0; i < PSI_N; i++) {
		res->psi_some_us[i] = col_us(st, c + 5 + 2 * i);
		res->psi_full_us[i] = col_us(st, c + 6 + 2 * i);
	}
	if (res->cpu_src == RS_NONE && cpu >= 0) {
		/* older than the resource columns: the sum, as user time */
		res->cpu_src = RS_RUSAGE;
		res->cpu_user_us = cpu;
		res->cpu_system_us = 0;
	}
	if (res->mem_src == RS_NONE && col_int(st, col + 1) >= 0) {
		res->mem_src = RS_RUSAGE;
		res->mem_peak = col_int(st, col + 1) * 1024;
	}
}

/*
 * A finished run as the store has it, made a struct run again: what
 * run_result() and the status of a task say of it reads as it did when
 * it ended.  A run a crash left open (abandoned) reads as stopped, with
 * the store's words for it.
 */
static void
run_from_row(sqlite3_stmt *st, struct run *r)
{
	const char	*res = (const char *)sqlite3_column_text(st, 8);
	const char	*sig = (const char *)sqlite3_column_text(st, 10);
	const char	*detail = (const char *)sqlite3_column_text(st, 11);
	double		 d;
	int		 signo;

	memset(r, 0, sizeof(*r));
	r->cg_watch = -1;
	r->done = true;
	r->id = (uint64_t)sqlite3_column_int64(st, 1);
	run_trigger_parse(r, (const char *)sqlite3_column_text(st, 2));
	r->pid = (pid_t)sqlite3_column_int(st, 3);
	r->dry_run = sqlite3_column_int(st, 4) != 0;
	d = sqlite3_column_double(st, 5);
	r->start.tv_sec = (time_t)d;
	r->start.tv_nsec = (long)((d - (double)r->start.tv_sec) * 1e9);
	r->end = (time_t)sqlite3_column_double(st, 6);
	d = sqlite3_column_type(st, 7) == SQLITE_NULL ?
	    sqlite3_column_double(st, 6) - sqlite3_column_double(st, 5) :
	    sqlite3_column_double(st, 7);
	r->end_mono = d > 0 ? (uint64_t)(d * 1000 + 0.5) : 0;
	if (sqlite3_column_type(st, 9) != SQLITE_NULL)
		r->status = (sqlite3_column_int(st, 9) & 0xff) << 8;
	else if (sig != NULL && (parse_signal(sig, &signo) == 0 ||
	    (signo = atoi(sig)) > 0))
		r->status = signo & 0x7f;
	res = res != NULL ? res : "";
	r->timed_out = strcmp(res, "timeout") == 0;
	r->stopped = strcmp(res, "stopped") == 0 ||
	    strcmp(res, "abandoned") == 0;
	if (strcmp(res, "abandoned") == 0)
		snprintf(r->failure, sizeof(r->failure), "abandoned: %s",
		    detail != NULL ? detail : "maintd stopped while it ran");
	else if (strcmp(res, "error") == 0)
		snprintf(r->failure, sizeof(r->failure), "%s",
		    detail != NULL ? detail : "it could not start");
	r->fleet_lost = detail != NULL && strstr(detail, "(fleet-lost)") !=
	    NULL;
	res_from_row(st, 12, r);
}

/*
 * Each task's last finished run (the one that ended last), in one query
 * for all tasks: what status shows of them after a restart.
 */
int
store_last_runs(store_last_cb cb, void *arg)
{
	sqlite3_stmt	*st;
	struct run	 r;
	int		 n = 0, rc;

	if (store_db_conn() == NULL)
		return -1;
	/* sqlite takes the bare columns from the row of max(ended) */
	if (sqlite3_prepare_v2(store_db_conn(), "SELECT task, id, trigger, "
	    "pid, dry_run, started, max(ended), duration, result, exit_code, "
	    "signal, detail, cpu, maxrss_kb, " RES_COLS " FROM runs WHERE "
	    "ended IS NOT NULL GROUP BY task", -1, &st, NULL) != SQLITE_OK) {
		store_db_failed("reading the last runs");
		return -1;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (sqlite3_column_text(st, 0) == NULL)
			continue;
		run_from_row(st, &r);
		cb((const char *)sqlite3_column_text(st, 0), &r, arg);
		n++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		store_db_failed("reading the last runs");
		return -1;
	}
	return n;
}

/* What history gives of a run, as the JSON keys of maintctl(8). */
#define HISTORY_COLS "id AS run, task, trigger, pid, dry_run, started, " \
	"ended, duration AS duration_s, result, exit_code AS exit, signal, " \
	"detail AS summary, cpu AS cpu_s, maxrss_kb, cpu_user AS cpu_user_s, " \
	"cpu_system AS cpu_system_s, coalesce(mem_peak, maxrss_kb * 1024) AS " \
	"memory_peak_bytes, io_read AS io_read_bytes, io_write AS " \
	"io_write_bytes, psi_cpu_some AS cpu_pressure_some_s, psi_cpu_full AS " \
	"cpu_pressure_full_s, psi_memory_some AS memory_pressure_some_s, " \
	"psi_memory_full AS memory_pressure_full_s, psi_io_some AS " \
	"io_pressure_some_s, psi_io_full AS io_pressure_full_s, source, " \
	"memory_source, io_source FROM runs WHERE (?1 IS NULL OR task = ?1) " \
	"AND started >= ?2 AND started <= ?4 "
/* Ids below this are the counter's; above, the fallback range's. */
#define FALLBACK_MIN "1000000000000"

/*
 * Newest first.  The counter's ids are in the order the runs started,
 * whatever the wall clock did; a run of the fallback range (its id from
 * the clock, so larger than all of them) goes after the counter's run
 * that started last before it, not before every other run.
 */
int
store_history(const char *task, int limit, double since, double until,
    store_row_cb cb, void *arg)
{
	return store_db_rows("SELECT * FROM (SELECT * FROM (SELECT "
	    HISTORY_COLS "AND id < " FALLBACK_MIN " ORDER BY id DESC LIMIT ?3) "
	    "UNION ALL SELECT * FROM (SELECT " HISTORY_COLS "AND id >= "
	    FALLBACK_MIN " ORDER BY started DESC LIMIT ?3)) AS h ORDER BY "
	    "CASE WHEN h.run < " FALLBACK_MIN " THEN h.run ELSE coalesce(("
	    "SELECT r.id FROM runs AS r WHERE r.started <= h.started AND r.id < "
	    FALLBACK_MIN " ORDER BY r.started DESC LIMIT 1), 0) + 0.5 END DESC, "
	    "h.started DESC LIMIT ?3", task, limit, since, until, cb, arg);
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
	size_t	i;

	for (i = 0; i < nseen; i++)
		free(seen[i].task);
	free(seen);
	seen = NULL;
	nseen = 0;
	runfile_done = false;
	pend_clear(&pending);
	pend_clear(&inbatch);
	free(pending.v);
	free(inbatch.v);
	memset(&pending, 0, sizeof(pending));
	memset(&inbatch, 0, sizeof(inbatch));
}
