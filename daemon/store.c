/*
 * store.c: the sqlite database.  WAL, synchronous=NORMAL, a short busy
 * timeout, prepared statements, each logical change in one statement or
 * transaction, the schema versioned by PRAGMA user_version and migrated
 * forward.  A database that cannot be written (read-only, disk full) is
 * logged loudly and remembered for health; supervision goes on.
 */
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>
#include <sqlite3.h>

#include "log.h"
#include "osdep.h"
#include "store.h"
#include "supervise.h"
#include "task.h"
#include "util.h"

#define BUSY_MS		250

static const char *migrations[] = {
	/* 1 */
	"CREATE TABLE runs ("
	"  id INTEGER PRIMARY KEY,"
	"  task TEXT NOT NULL,"
	"  trigger TEXT NOT NULL,"
	"  pid INTEGER,"
	"  dry_run INTEGER NOT NULL DEFAULT 0,"
	"  started REAL NOT NULL,"
	"  ended REAL,"
	"  duration REAL,"
	"  result TEXT,"
	"  exit_code INTEGER,"
	"  signal TEXT,"
	"  detail TEXT,"
	"  cpu REAL,"
	"  maxrss_kb INTEGER);"
	"CREATE INDEX runs_task ON runs(task, id);"
	"CREATE INDEX runs_started ON runs(started);"
	"CREATE TABLE events ("
	"  id INTEGER PRIMARY KEY,"
	"  time REAL NOT NULL,"
	"  task TEXT,"
	"  event TEXT NOT NULL,"
	"  actor TEXT NOT NULL,"
	"  detail TEXT);"
	"CREATE INDEX events_time ON events(time);"
	"CREATE TABLE presets ("
	"  name TEXT PRIMARY KEY,"
	"  description TEXT NOT NULL DEFAULT '',"
	"  tasks TEXT NOT NULL,"
	"  created REAL NOT NULL);",
	/* 2: what proves a left-over process is the run's (osdep.c) */
	"ALTER TABLE runs ADD COLUMN uid INTEGER;"
	"ALTER TABLE runs ADD COLUMN pid_start INTEGER;"
	"ALTER TABLE runs ADD COLUMN boot_id TEXT;",
};
#define NMIGRATIONS	(int)(sizeof(migrations) / sizeof(migrations[0]))

static sqlite3		*db;
static bool		 healthy;
static char		 lasterr[256] = "not open";
static uint64_t		 fallback_id;	/* see fallback() */

static sqlite3_stmt	*st_run_insert, *st_run_pid, *st_run_end, *st_event;

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

bool
store_ok(void)
{
	return db != NULL && healthy;
}

const char *
store_error(void)
{
	return store_ok() ? "" : lasterr;
}

/*
 * Remember a failure; log it when the store was fine until now.  The
 * first error is the one kept: what follows from it (a rollback of what
 * was already rolled back, say) would only hide the cause.
 */
static char		 dbpath[1024];	/* "": not open */

/*
 * What the file system says of a write that failed, where it says
 * more than sqlite: a read-only file system is no more than "disk I/O
 * error" or "unable to open database file" to it, and the errno it
 * keeps is not that of the failed call.  Asked of statvfs(), then (an
 * ext4 that remounted itself read-only on an error still says rw there)
 * of a file made and dropped at once in the database's directory.
 */
static const char *
fs_cause(void)
{
	struct statvfs	sv;
	char		dir[sizeof(dbpath)], *slash;
	int		fd;

	snprintf(dir, sizeof(dir), "%s", dbpath);
	if ((slash = strrchr(dir, '/')) == NULL)
		return NULL;
	*(slash == dir ? slash + 1 : slash) = '\0';
	if (statvfs(dir, &sv) == 0) {
		if (sv.f_flag & ST_RDONLY)
			return strerror(EROFS);
		if (sv.f_bavail == 0)
			return strerror(ENOSPC);
	}
#ifdef O_TMPFILE
	if ((fd = open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600)) != -1)
		close(fd);
	else if (errno == EROFS || errno == ENOSPC || errno == EDQUOT ||
	    errno == EIO)
		return strerror(errno);
#else
	(void)fd;
#endif
	return NULL;
}

/* sqlite's message for the last error, and the cause if it is known. */
static const char *
db_msg(const char *msg)
{
	static char	 buf[200];
	const char	*cause;
	int		 code;

	if (db == NULL)
		return msg;
	code = sqlite3_errcode(db) & 0xff;
	if ((code != SQLITE_IOERR && code != SQLITE_CANTOPEN &&
	    code != SQLITE_FULL && code != SQLITE_READONLY) ||
	    (cause = fs_cause()) == NULL || strstr(msg, cause) != NULL)
		return msg;
	snprintf(buf, sizeof(buf), "%s (%s)", msg, cause);
	return buf;
}

static void
failed_msg(const char *what, const char *msg)
{
	if (!healthy)
		return;
	snprintf(lasterr, sizeof(lasterr), "%s: %s", what, msg);
	log_warnx("database: %s; supervision goes on without history until "
	    "it can be written again", lasterr);
	healthy = false;
}

static void
failed(const char *what)
{
	failed_msg(what, db != NULL ? db_msg(sqlite3_errmsg(db)) :
	    "no database");
}

static void	pending_flush(void);
static bool	recover_later;	/* store_recover() could not be done */

static void
succeeded(void)
{
	if (!healthy && db != NULL) {
		log_info("database: writable again");
		healthy = true;
		if (recover_later) {
			/* runs a previous maintd left open, unseen at start */
			recover_later = false;
			store_recover();
		}
		pending_flush();
	}
}

static int
exec_sql(const char *sql, const char *what)
{
	char	*msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		snprintf(lasterr, sizeof(lasterr), "%s: %s", what,
		    db_msg(msg ? msg : sqlite3_errmsg(db)));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

static int
user_version(void)
{
	sqlite3_stmt	*st;
	int		 v = -1;

	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) !=
	    SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

static int
migrate(void)
{
	char	sql[64];
	int	v, i;

	if ((v = user_version()) < 0) {
		snprintf(lasterr, sizeof(lasterr), "reading the schema "
		    "version: %s", db_msg(sqlite3_errmsg(db)));
		return -1;
	}
	if (v > NMIGRATIONS) {
		snprintf(lasterr, sizeof(lasterr), "schema version %d is "
		    "newer than this maintd knows (%d)", v, NMIGRATIONS);
		return -1;
	}
	for (i = v; i < NMIGRATIONS; i++) {
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", i + 1);
		if (exec_sql("BEGIN IMMEDIATE", "migrate") == -1)
			return -1;
		if (exec_sql(migrations[i], "migrate") == -1 ||
		    exec_sql(sql, "migrate") == -1) {
			(void)sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
			return -1;
		}
		if (exec_sql("COMMIT", "migrate") == -1)
			return -1;
		log_info("database: schema migrated to version %d", i + 1);
	}
	return 0;
}

static int
prepare(void)
{
	static const struct {
		sqlite3_stmt	**st;
		const char	 *sql;
	} stmts[] = {
		{ &st_run_insert, "INSERT INTO runs (task, trigger, dry_run, "
		    "started, id) VALUES (?1, ?2, ?3, ?4, ?5)" },
		{ &st_run_pid, "UPDATE runs SET pid = ?2, uid = ?3, pid_start = "
		    "?4, boot_id = ?5 WHERE id = ?1" },
		/* a run whose start could not be stored is stored whole */
		{ &st_run_end, "INSERT INTO runs (id, ended, duration, result, "
		    "exit_code, signal, detail, cpu, maxrss_kb, task, trigger, "
		    "pid, dry_run, started) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, "
		    "?8, ?9, ?10, ?11, ?12, ?13, ?14) ON CONFLICT (id) DO UPDATE "
		    "SET ended = ?2, duration = ?3, result = ?4, exit_code = ?5, "
		    "signal = ?6, detail = ?7, cpu = ?8, maxrss_kb = ?9" },
		{ &st_event, "INSERT INTO events (time, task, event, actor, "
		    "detail) VALUES (?1, ?2, ?3, ?4, ?5)" },
	};
	size_t	i, j;

	for (i = 0; i < sizeof(stmts) / sizeof(stmts[0]); i++)
		if (sqlite3_prepare_v3(db, stmts[i].sql, -1,
		    SQLITE_PREPARE_PERSISTENT, stmts[i].st, NULL) != SQLITE_OK) {
			snprintf(lasterr, sizeof(lasterr), "prepare: %s",
			    db_msg(sqlite3_errmsg(db)));
			/* all or none: setup() may be tried again */
			for (j = 0; j < i; j++) {
				sqlite3_finalize(*stmts[j].st);
				*stmts[j].st = NULL;
			}
			return -1;
		}
	return 0;
}

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

	if (sqlite3_prepare_v2(db, "SELECT max(id) FROM runs", -1, &st,
	    NULL) != SQLITE_OK)
		return;
	if (sqlite3_step(st) == SQLITE_ROW &&
	    (uint64_t)sqlite3_column_int64(st, 0) >= next_id)
		next_id = (uint64_t)sqlite3_column_int64(st, 0) + 1;
	sqlite3_finalize(st);
}

/*
 * What a database needs before runs can be written to it: WAL, the
 * schema, the statements, the ids.  When it cannot be had at start (a
 * read-only file system, say: WAL needs its -shm file), supervision goes
 * on without it and ready() tries again, at most once a second, at the
 * next write: once the file system is writable again, history resumes
 * without a restart.
 */
static int
setup(void)
{
	if (exec_sql("PRAGMA journal_mode = WAL", "journal_mode") == -1 ||
	    exec_sql("PRAGMA synchronous = NORMAL", "synchronous") == -1 ||
	    /* a page cache of 512 KiB, not 2 MiB: the daemon stays small */
	    exec_sql("PRAGMA cache_size = -512", "cache_size") == -1 ||
	    migrate() == -1 || prepare() == -1)
		return -1;
	seed_ids();
	if (own_from == 0)
		own_from = next_id;
	return 0;
}

#define SETUP_RETRY_MS	1000

static void
finalize_all(void)
{
	sqlite3_finalize(st_run_insert);
	sqlite3_finalize(st_run_pid);
	sqlite3_finalize(st_run_end);
	sqlite3_finalize(st_event);
	st_run_insert = st_run_pid = st_run_end = st_event = NULL;
}

static int
connect_db(char *err, size_t errlen)
{
	int	rc;

	rc = sqlite3_open_v2(dbpath, &db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "%s", db ? db_msg(sqlite3_errmsg(db)) :
		    sqlite3_errstr(rc));
		sqlite3_close(db);
		db = NULL;
		return -1;
	}
	sqlite3_busy_timeout(db, BUSY_MS);
	return 0;
}

static bool	batch_open;

/*
 * Before a write: is the database set up, on a connection that can
 * write?  While it is not healthy, it is opened again and set up, at
 * most once a second: a connection that sqlite opened read-only (the
 * file system or the file was read-only then) stays so, one that could
 * not be set up (WAL needs its -shm file) has no statements, and one
 * whose file system was mounted again after an error still writes to
 * the old one.  So history resumes without a restart once the file
 * system or the file can be written again (see succeeded()).
 */
static bool
ready(void)
{
	static int64_t	tried;
	struct timespec	ts;
	int64_t		now;
	char		err[200];

	if (dbpath[0] == '\0')
		return false;
	if (db != NULL && st_run_insert != NULL && healthy)
		return true;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	if ((tried != 0 && now - tried < SETUP_RETRY_MS) || batch_open ||
	    (db != NULL && !sqlite3_get_autocommit(db)))
		return db != NULL && st_run_insert != NULL;
	tried = now;
	finalize_all();
	if (db != NULL)
		sqlite3_close_v2(db);
	db = NULL;
	if (connect_db(err, sizeof(err)) == -1) {
		snprintf(lasterr, sizeof(lasterr), "opening: %s", err);
		return false;
	}
	return setup() == 0;
}

/*
 * One daemon per database: two would each take the other's open runs
 * for a crashed daemon's and kill them.  flock(2) on DATABASE.lock, held
 * for the daemon's life (the kernel lets go when it dies); the file says
 * who holds it.
 */
static int	lock_fd = -1;

static int
lock_database(const char *path, char *err, size_t errlen)
{
	char		 lpath[1100], buf[32];
	const char	*errstr;
	ssize_t		 n;
	long long	 pid;
	int		 held, ferr;

	snprintf(lpath, sizeof(lpath), "%s.lock", path);
	if ((lock_fd = open(lpath, O_RDWR | O_CREAT | O_CLOEXEC, 0644)) == -1 &&
	    (lock_fd = open(lpath, O_RDONLY | O_CLOEXEC)) == -1) {
		snprintf(err, errlen, "database %s: lock %s: %s", path, lpath,
		    strerror(errno));
		return -1;
	}
	if (flock(lock_fd, LOCK_EX | LOCK_NB) == -1) {
		ferr = errno;
		held = ferr == EWOULDBLOCK;
		n = pread(lock_fd, buf, sizeof(buf) - 1, 0);
		buf[n > 0 ? n : 0] = '\0';
		buf[strcspn(buf, "\n")] = '\0';
		pid = strtonum(buf, 1, INT32_MAX, &errstr);
		if (held && errstr == NULL)
			snprintf(err, errlen, "database %s is in use by pid %lld",
			    path, pid);
		else
			snprintf(err, errlen, "database %s: lock %s: %s", path,
			    lpath, held ? "held by another process" :
			    strerror(ferr));
		close(lock_fd);
		lock_fd = -1;
		return -1;
	}
	snprintf(buf, sizeof(buf), "%d\n", (int)getpid());
	if (ftruncate(lock_fd, 0) == -1 ||
	    pwrite(lock_fd, buf, strlen(buf), 0) != (ssize_t)strlen(buf))
		log_debug("database: cannot write the pid in %s", lpath);
	return 0;
}

/*
 * -1 when the database is another daemon's, or cannot be opened or
 * created at all; one that opens but cannot be written leaves the store
 * degraded.
 */
int
store_open(const char *path, char *err, size_t errlen)
{
	struct stat	st, sst;
	char		side[1100], msg[256];
	int		existed = stat(path, &st) == 0;
	size_t		i;

	/*
	 * sqlite makes -wal and -shm with the database's mode; when an
	 * admin makes the database writable again, they must follow.
	 */
	if (lock_database(path, err, errlen) == -1)
		return -1;
	for (i = 0; existed && i < 2; i++) {
		snprintf(side, sizeof(side), "%s%s", path, i ? "-shm" : "-wal");
		if (stat(side, &sst) == 0 && (sst.st_mode & 07777) !=
		    (st.st_mode & 07777))
			(void)chmod(side, st.st_mode & 07777);
	}

	if (strlen(path) >= sizeof(dbpath)) {
		snprintf(err, errlen, "database %s: path too long", path);
		return -1;
	}
	snprintf(dbpath, sizeof(dbpath), "%s", path);
	if (connect_db(msg, sizeof(msg)) == -1) {
		snprintf(err, errlen, "database %s: %s", path, msg);
		dbpath[0] = '\0';
		return -1;
	}
	if (!existed)
		(void)chmod(path, 0640);	/* an admin's mode stays */
	healthy = true;
	if (setup() == -1) {
		healthy = false;
		log_warnx("database %s: %s; supervision goes on without "
		    "history until it can be written", path, lasterr);
	}
	return 0;
}

void
store_close(void)
{
	finalize_all();
	if (db != NULL)
		sqlite3_close(db);
	db = NULL;
	dbpath[0] = '\0';
	if (lock_fd != -1)
		close(lock_fd);
	lock_fd = -1;
	pend_clear(&pending);
	pend_clear(&inbatch);
	free(pending.v);
	free(inbatch.v);
	memset(&pending, 0, sizeof(pending));
	memset(&inbatch, 0, sizeof(inbatch));
}

/*
 * The writes of one logical change (one request, the runs reaped at one
 * SIGCHLD) in one transaction, instead of one each; it begins at the
 * first write, so a request that writes nothing costs nothing.  Calls
 * nest; if the transaction cannot be begun, each write commits on its
 * own.  A run's row is the exception: store_run_start() commits it with
 * what is pending, so a run is on disk before its process exists (what
 * a restart after a crash needs to find it).
 */
static int	batch_depth;
static bool	batch_tried, batch_lost;


/* -1 if what was written since the batch began is not on disk. */
static int
batch_commit(void)
{
	size_t	i;
	int	rc = 0;

	batch_tried = false;
	if (!batch_open)
		return 0;
	batch_open = false;
	if (batch_lost)
		rc = -1;
	else if (!sqlite3_get_autocommit(db) &&
	    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		failed("committing");
		rc = -1;
	}
	/* sqlite may have rolled it back itself (SQLITE_FULL) */
	if (rc == -1 && !sqlite3_get_autocommit(db))
		(void)sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	batch_lost = false;
	if (rc == -1)
		for (i = 0; i < inbatch.n; i++)
			pend_add(&pending, inbatch.v[i].task, &inbatch.v[i].r);
	pend_clear(&inbatch);
	if (rc == 0)
		succeeded();
	return rc;
}

/* Before a write: begin the batch's transaction if there is a batch. */
static void
batch_write(void)
{
	if (batch_depth == 0 || batch_tried)
		return;
	batch_tried = true;
	batch_open = db != NULL && sqlite3_get_autocommit(db) &&
	    exec_sql("BEGIN IMMEDIATE", "beginning a transaction") == 0;
}

void
store_batch_begin(void)
{
	batch_depth++;
}

void
store_batch_end(void)
{
	if (batch_depth > 0 && --batch_depth == 0)
		batch_commit();
}

static double
ts_double(const struct timespec *ts)
{
	return (double)ts->tv_sec + (double)(ts->tv_nsec / 1000000) / 1000;
}

static int
step_done(sqlite3_stmt *st, const char *what)
{
	int	rc;

	batch_write();
	if ((rc = sqlite3_step(st)) != SQLITE_DONE) {
		failed(what);	/* before the reset, which may say less */
		/* a failed statement may roll back the whole transaction */
		if (batch_open)
			batch_lost = true;
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc != SQLITE_DONE)
		return -1;
	if (!batch_open)
		succeeded();
	return 0;
}

/*
 * The id of the new run: the next of the counter when its row is on
 * disk, else one of the fallback range (see fallback()).
 */
uint64_t
store_run_start(const char *task, const struct run *r)
{
	uint64_t	id;

	if (!ready())
		return fallback();
	id = next_id++;
	sqlite3_bind_text(st_run_insert, 1, task, -1, SQLITE_STATIC);
	sqlite3_bind_text(st_run_insert, 2, trigger_name(r->trigger), -1,
	    SQLITE_STATIC);
	sqlite3_bind_int(st_run_insert, 3, r->dry_run);
	sqlite3_bind_double(st_run_insert, 4, ts_double(&r->start));
	sqlite3_bind_int64(st_run_insert, 5, (sqlite3_int64)id);
	if (step_done(st_run_insert, "recording a run") == -1)
		id = 0;
	/* on disk before the process exists */
	if (batch_commit() == -1 || id == 0)
		return fallback();
	return id;
}

/* The run's process: what a later maintd needs to know it is the run's. */
void
store_run_pid(uint64_t id, pid_t pid, uid_t uid, uint64_t start)
{
	const char	*boot = os_boot_id();

	if (!ready())
		return;
	sqlite3_bind_int64(st_run_pid, 1, (sqlite3_int64)id);
	sqlite3_bind_int(st_run_pid, 2, (int)pid);
	sqlite3_bind_int64(st_run_pid, 3, (sqlite3_int64)uid);
	if (start > 0)
		sqlite3_bind_int64(st_run_pid, 4, (sqlite3_int64)start);
	if (boot != NULL)
		sqlite3_bind_text(st_run_pid, 5, boot, -1, SQLITE_STATIC);
	(void)step_done(st_run_pid, "recording a run's pid");
}

/* 0 written (or in the open transaction), -1 not. */
static int
run_end_write(const char *task, const struct run *r)
{
	sqlite3_stmt	*st = st_run_end;
	char		 res[300];

	sqlite3_bind_int64(st, 1, (sqlite3_int64)r->id);
	/* the end as precise as the start: start + monotonic duration */
	sqlite3_bind_double(st, 2, ts_double(&r->start) +
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
	sqlite3_bind_double(st, 14, ts_double(&r->start));
	return step_done(st, "recording the end of a run");
}

void
store_run_end(const char *task, const struct run *r)
{
	if (db == NULL)
		return;
	if (!ready() || run_end_write(task, r) == -1)
		pend_add(&pending, task, r);
	else if (batch_open)
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

/* The event's id, or 0 when it could not be recorded. */
int64_t
store_event(double when, const char *task, const char *event,
    const char *actor, const char *detail)
{
	if (!ready())
		return 0;
	sqlite3_bind_double(st_event, 1, when);
	if (task != NULL)
		sqlite3_bind_text(st_event, 2, task, -1, SQLITE_STATIC);
	sqlite3_bind_text(st_event, 3, event, -1, SQLITE_STATIC);
	sqlite3_bind_text(st_event, 4, actor, -1, SQLITE_STATIC);
	if (detail != NULL)
		sqlite3_bind_text(st_event, 5, detail, -1, SQLITE_STATIC);
	if (step_done(st_event, "recording an event") == -1)
		return 0;
	return sqlite3_last_insert_rowid(db);
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
	if (sqlite3_prepare_v2(db, "SELECT id, task, pid, uid, pid_start, "
	    "boot_id FROM runs WHERE ended IS NULL AND id < ?1", -1, &st,
	    NULL) != SQLITE_OK) {
		failed("looking for abandoned runs");
		recover_later = true;
		return;
	}
	sqlite3_bind_int64(st, 1, (sqlite3_int64)own_from);
	if (sqlite3_prepare_v2(db, "UPDATE runs SET ended = ?2, result = "
	    "'abandoned', detail = 'maintd stopped while it ran' WHERE "
	    "id = ?1", -1, &up, NULL) != SQLITE_OK) {
		sqlite3_finalize(st);
		failed("closing abandoned runs");
		recover_later = true;
		return;
	}
	(void)exec_sql("BEGIN IMMEDIATE", "recover");
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
	if (exec_sql("COMMIT", "recover") == -1) {
		failed("closing abandoned runs");
		(void)sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
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
	if (exec_sql("BEGIN IMMEDIATE", "pruning old history") == -1 ||
	    exec_sql(sql, "pruning old history") == -1 ||
	    exec_sql("COMMIT", "pruning old history") == -1) {
		/* exec_sql() kept the error; ROLLBACK must not replace it */
		(void)sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		if (healthy)
			log_warnx("database: %s; supervision goes on without "
			    "history until it can be written again", lasterr);
		healthy = false;
		return;
	}
	if (sqlite3_changes(db) > 0)
		log_info("database: pruned history older than %.0f days",
		    (double)retention_ms / 86400000);
}

/* When the task's latest run started, or 0. */
time_t
store_last_run(const char *task)
{
	sqlite3_stmt	*st;
	time_t		 t = 0;

	if (db == NULL || sqlite3_prepare_v2(db, "SELECT max(started) FROM "
	    "runs WHERE task = ?1", -1, &st, NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_text(st, 1, task, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		t = (time_t)sqlite3_column_double(st, 0);
	sqlite3_finalize(st);
	return t;
}

static void
add_col(struct json_object *o, sqlite3_stmt *st, int col, const char *key)
{
	struct json_object	*v = NULL;
	char			 buf[64];

	switch (sqlite3_column_type(st, col)) {
	case SQLITE_INTEGER:
		if (strcmp(key, "dry_run") == 0)
			v = json_object_new_boolean(
			    sqlite3_column_int(st, col));
		else
			v = json_object_new_int64(
			    sqlite3_column_int64(st, col));
		break;
	case SQLITE_FLOAT:
		if (strcmp(key, "started") == 0 || strcmp(key, "ended") == 0 ||
		    strcmp(key, "time") == 0) {
			struct timespec ts;
			double d = sqlite3_column_double(st, col);

			ts.tv_sec = (time_t)d;
			ts.tv_nsec = (long)((d - (double)ts.tv_sec) * 1e9);
			v = json_object_new_string(fmt_rfc3339_ms(&ts, buf,
			    sizeof(buf)));
		} else
			v = json_object_new_double(
			    sqlite3_column_double(st, col));
		break;
	case SQLITE_TEXT:
		if ((strcmp(key, "detail") == 0 || strcmp(key, "tasks") == 0) &&
		    (v = json_tokener_parse((const char *)
		    sqlite3_column_text(st, col))) != NULL)
			break;
		v = json_object_new_string((const char *)
		    sqlite3_column_text(st, col));
		break;
	default:
		break;
	}
	json_object_object_add(o, key, v);
}

static int
query(const char *sql, const char *task, int limit, double since,
    double until,
    store_row_cb cb, void *arg)
{
	sqlite3_stmt		*st;
	struct json_object	*o;
	int			 i, n = 0, rc;

	if (db == NULL)
		return -1;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		failed("reading history");
		return -1;
	}
	if (task != NULL)
		sqlite3_bind_text(st, 1, task, -1, SQLITE_STATIC);
	sqlite3_bind_double(st, 2, since);
	sqlite3_bind_double(st, 4, until > 0 ? until : 1e18);
	sqlite3_bind_int(st, 3, limit > 0 ? limit : -1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		o = json_object_new_object();
		for (i = 0; i < sqlite3_column_count(st); i++)
			add_col(o, st, i, sqlite3_column_name(st, i));
		n++;
		if (cb(o, arg) != 0)
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		sqlite3_finalize(st);
		failed("reading history");
		return -1;
	}
	sqlite3_finalize(st);
	return n;
}

int
store_history(const char *task, int limit, double since, double until,
    store_row_cb cb,
    void *arg)
{
	return query("SELECT id AS run, task, trigger, pid, dry_run, started, "
	    "ended, duration AS duration_s, result, exit_code AS exit, signal, "
	    "detail AS summary, cpu AS cpu_s, maxrss_kb FROM runs WHERE (?1 IS NULL OR "
	    "task = ?1) AND started >= ?2 AND started <= ?4 ORDER BY id DESC "
	    "LIMIT ?3", task, limit, since, until, cb, arg);
}

int
store_events(const char *task, int limit, double since, double until,
    store_row_cb cb,
    void *arg)
{
	/* the newest limit, oldest first: a row at a time to cb */
	return query("SELECT * FROM (SELECT id, time, task, event, actor, "
	    "detail FROM events WHERE (?1 IS NULL OR task = ?1) AND time >= "
	    "?2 AND time <= ?4 ORDER BY id DESC LIMIT ?3) ORDER BY id", task,
	    limit, since, until, cb, arg);
}

/* 0 stored, 1 exists already, -1 store error. */
int
store_preset_put(const char *name, const char *description,
    const char *tasks_json)
{
	sqlite3_stmt	*st;
	int		 rc;

	if (db == NULL)
		return -1;
	if (sqlite3_prepare_v2(db, "INSERT INTO presets (name, description, "
	    "tasks, created) VALUES (?1, ?2, ?3, ?4)", -1, &st, NULL) !=
	    SQLITE_OK) {
		failed("storing a preset");
		return -1;
	}
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, description, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, tasks_json, -1, SQLITE_STATIC);
	sqlite3_bind_double(st, 4, (double)time(NULL));
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc == SQLITE_CONSTRAINT)
		return 1;
	if (rc != SQLITE_DONE) {
		failed("storing a preset");
		return -1;
	}
	succeeded();
	return 0;
}

/* 0 found (strings to free), 1 no such preset, -1 store error. */
int
store_preset_get(const char *name, char **description, char **tasks_json)
{
	sqlite3_stmt	*st;
	int		 rc;

	if (db == NULL)
		return -1;
	if (sqlite3_prepare_v2(db, "SELECT description, tasks FROM presets "
	    "WHERE name = ?1", -1, &st, NULL) != SQLITE_OK) {
		failed("reading a preset");
		return -1;
	}
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*description = xstrdup((const char *)sqlite3_column_text(st, 0));
		*tasks_json = xstrdup((const char *)sqlite3_column_text(st, 1));
	}
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return 0;
	return rc == SQLITE_DONE ? 1 : -1;
}

/* 0 deleted, 1 no such preset, -1 store error. */
int
store_preset_delete(const char *name)
{
	sqlite3_stmt	*st;
	int		 rc;

	if (db == NULL)
		return -1;
	if (sqlite3_prepare_v2(db, "DELETE FROM presets WHERE name = ?1", -1,
	    &st, NULL) != SQLITE_OK) {
		failed("deleting a preset");
		return -1;
	}
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		failed("deleting a preset");
		return -1;
	}
	succeeded();
	return sqlite3_changes(db) > 0 ? 0 : 1;
}

int
store_preset_list(store_row_cb cb, void *arg)
{
	return query("SELECT name, description, tasks FROM presets WHERE "
	    "?1 IS NULL AND ?2 IS NOT NULL AND ?4 IS NOT NULL ORDER BY name "
	    "LIMIT ?3", NULL, 0, 0, 0, cb, arg);
}
