/*
 * store_db.c: the sqlite connection under the store.  WAL,
 * synchronous=NORMAL, a short busy timeout, statements prepared once per
 * connection, each logical change in one statement or transaction, the
 * schema versioned by PRAGMA user_version and migrated forward.  A
 * database that cannot be written (read-only, disk full) is logged
 * loudly and remembered for health; supervision goes on, and the
 * connection is made again until it can be written.
 */
#include <sys/stat.h>
#include <sys/statvfs.h>

#include <limits.h>
#include <stdint.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>
#include <sqlite3.h>

#include "log.h"
#include "store_db.h"
#include "store_lock.h"
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
	/* 3: windows made at run time (store_window.c) */
	"CREATE TABLE windows ("
	"  name TEXT PRIMARY KEY,"
	"  preset TEXT NOT NULL,"
	"  schedule TEXT NOT NULL,"
	"  timezone TEXT,"
	"  duration_ms INTEGER NOT NULL,"
	"  rolling INTEGER NOT NULL DEFAULT 0,"
	"  max_parallel INTEGER NOT NULL DEFAULT 1,"
	"  slot_ms INTEGER NOT NULL DEFAULT 0,"
	"  created REAL NOT NULL,"
	"  actor TEXT NOT NULL DEFAULT '');",
	/*
	 * 4: the ledger, an outcome for each tick of a periodic task
	 * (store_ledger.c); the tasks active now, for the ticks a stopped
	 * daemon missed; each task's last success, in one indexed query
	 */
	"CREATE TABLE ledger ("
	"  id INTEGER PRIMARY KEY,"
	"  task TEXT NOT NULL,"
	"  tick INTEGER NOT NULL,"
	"  outcome TEXT NOT NULL,"
	"  reason TEXT,"
	"  run INTEGER,"
	"  detail TEXT,"
	"  recorded REAL NOT NULL,"
	"  UNIQUE (task, tick));"
	"CREATE INDEX ledger_tick ON ledger(tick);"
	"CREATE TABLE activations ("
	"  task TEXT PRIMARY KEY,"
	"  since REAL NOT NULL,"
	"  until INTEGER);"
	"CREATE INDEX runs_ok ON runs(task, ended) WHERE result = 'ok' AND "
	"  dry_run = 0;",
	/* 5: what runs use, and the daily roll-ups of old runs and of
	 * the ledger's missed ticks (store_rollup.c); those ticks for
	 * report (store_report.c) */
	"ALTER TABLE runs ADD COLUMN cpu_user REAL;"
	"ALTER TABLE runs ADD COLUMN cpu_system REAL;"
	"ALTER TABLE runs ADD COLUMN mem_peak INTEGER;"
	"ALTER TABLE runs ADD COLUMN io_read INTEGER;"
	"ALTER TABLE runs ADD COLUMN io_write INTEGER;"
	"ALTER TABLE runs ADD COLUMN psi_cpu_some REAL;"
	"ALTER TABLE runs ADD COLUMN psi_cpu_full REAL;"
	"ALTER TABLE runs ADD COLUMN psi_memory_some REAL;"
	"ALTER TABLE runs ADD COLUMN psi_memory_full REAL;"
	"ALTER TABLE runs ADD COLUMN psi_io_some REAL;"
	"ALTER TABLE runs ADD COLUMN psi_io_full REAL;"
	"ALTER TABLE runs ADD COLUMN source TEXT;"
	"ALTER TABLE runs ADD COLUMN memory_source TEXT;"
	"ALTER TABLE runs ADD COLUMN io_source TEXT;"
	"CREATE INDEX runs_ended ON runs(ended);"
	"CREATE TABLE rollups ("
	"  day INTEGER NOT NULL,"
	"  task TEXT NOT NULL,"
	"  runs INTEGER NOT NULL,"
	"  ok INTEGER NOT NULL,"
	"  failed INTEGER NOT NULL,"
	"  duration REAL NOT NULL,"
	"  duration_p50 REAL,"
	"  duration_p95 REAL,"
	"  cpu REAL,"
	"  mem_peak INTEGER,"
	"  io_read INTEGER,"
	"  io_write INTEGER,"
	"  missed INTEGER NOT NULL DEFAULT 0,"
	"  PRIMARY KEY (day, task)) WITHOUT ROWID;"
	"CREATE INDEX ledger_missed ON ledger(tick, task) WHERE "
	"  outcome = 'missed';",
};
#define NMIGRATIONS	(int)(sizeof(migrations) / sizeof(migrations[0]))

static sqlite3		*db;
static bool		 healthy;
static char		 lasterr[256] = "not open";
static struct store_stmt *stmts;	/* those prepared on this connection */
static struct store_hooks hooks;

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
static char		 dbpath[PATH_MAX];	/* "": not open */

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

void
store_db_failed(const char *what)
{
	failed(what);
}

void
store_db_failed_msg(const char *what, const char *msg)
{
	failed_msg(what, msg);
}

sqlite3 *
store_db_conn(void)
{
	return db;
}

bool
store_db_healthy(void)
{
	return healthy;
}

void
store_db_hooks(const struct store_hooks *h)
{
	hooks = *h;
}

void
store_db_succeeded(void)
{
	if (!healthy && db != NULL) {
		log_info("database: writable again");
		healthy = true;
		if (hooks.writable != NULL)
			hooks.writable();
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


/*
 * The statement, prepared at its first use on this connection; NULL
 * when it cannot be (the failure is kept).
 */
sqlite3_stmt *
store_db_stmt(struct store_stmt *s)
{
	if (s->st != NULL)
		return s->st;
	if (db == NULL)
		return NULL;
	if (sqlite3_prepare_v3(db, s->sql, -1, SQLITE_PREPARE_PERSISTENT,
	    &s->st, NULL) != SQLITE_OK) {
		failed("prepare");
		s->st = NULL;
		return NULL;
	}
	if (!s->listed) {
		s->next = stmts;
		stmts = s;
		s->listed = true;
	}
	return s->st;
}

static void
finalize_all(void)
{
	struct store_stmt	*s;

	for (s = stmts; s != NULL; s = s->next) {
		sqlite3_finalize(s->st);
		s->st = NULL;
	}
}

/*
 * What a database needs before runs can be written to it: WAL, the
 * schema, and what the store's parts make of it (the run ids).  When it
 * cannot be had at start (a read-only file system, say: WAL needs its
 * -shm file), supervision goes on without it and ready() tries again,
 * at most once a second, at the next write: once the file system is
 * writable again, history resumes without a restart.
 */
static bool	set_up;

static int
setup(void)
{
	if (exec_sql("PRAGMA journal_mode = WAL", "journal_mode") == -1 ||
	    exec_sql("PRAGMA synchronous = NORMAL", "synchronous") == -1 ||
	    /*
	     * a page cache of 128 KiB, not 2 MiB: each start and end writes
	     * the newest pages only, and a burst of 1 000 filled 512 KiB
	     * with pages read once (the kernel's page cache has them)
	     */
	    exec_sql("PRAGMA cache_size = -128", "cache_size") == -1 ||
	    migrate() == -1)
		return -1;
	set_up = true;
	if (hooks.setup != NULL)
		hooks.setup();
	return 0;
}

#define SETUP_RETRY_MS	1000

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
 * not be set up (WAL needs its -shm file) has no schema, and one whose
 * file system was mounted again after an error still writes to the old
 * one.  So history resumes without a restart once the file system or
 * the file can be written again (see store_db_succeeded()).
 */
bool
store_db_ready(void)
{
	static int64_t	tried;
	struct timespec	ts;
	int64_t		now;
	char		err[200];

	if (dbpath[0] == '\0')
		return false;
	if (db != NULL && set_up && healthy)
		return true;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	if ((tried != 0 && now - tried < SETUP_RETRY_MS) || batch_open ||
	    (db != NULL && !sqlite3_get_autocommit(db)))
		return db != NULL && set_up;
	tried = now;
	finalize_all();
	set_up = false;
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
 * -1 when the database is another daemon's, or cannot be opened or
 * created at all; one that opens but cannot be written leaves the store
 * degraded.
 */
int
store_db_open(const char *path, char *err, size_t errlen)
{
	struct stat	st, sst;
	char		side[PATH_MAX + 8], msg[256], real[PATH_MAX];
	int		existed;
	size_t		i;

	if (store_lock_take(path, real, sizeof(real), err, errlen) == -1)
		return -1;
	if (strlen(real) >= sizeof(dbpath)) {
		snprintf(err, errlen, "database %s: path too long", path);
		store_lock_release();
		return -1;
	}
	/*
	 * sqlite makes -wal and -shm with the database's mode; when an
	 * admin makes the database writable again, they must follow.
	 */
	existed = stat(real, &st) == 0;
	for (i = 0; existed && i < 2; i++) {
		snprintf(side, sizeof(side), "%s%s", real, i ? "-shm" : "-wal");
		if (stat(side, &sst) == 0 && (sst.st_mode & 07777) !=
		    (st.st_mode & 07777))
			(void)chmod(side, st.st_mode & 07777);
	}

	snprintf(dbpath, sizeof(dbpath), "%s", real);
	if (connect_db(msg, sizeof(msg)) == -1) {
		snprintf(err, errlen, "database %s: %s", path, msg);
		dbpath[0] = '\0';
		store_db_close();
		return -1;
	}
	if (!existed)
		(void)chmod(real, 0640);	/* an admin's mode stays */
	healthy = true;
	if (setup() == -1) {
		healthy = false;
		log_warnx("database %s: %s; supervision goes on without "
		    "history until it can be written", path, lasterr);
	}
	return 0;
}

/* The database's real path (see store_lock.c); "" when not open. */
const char *
store_db_path(void)
{
	return dbpath;
}

void
store_db_close(void)
{
	finalize_all();
	set_up = false;
	if (db != NULL)
		sqlite3_close(db);
	db = NULL;
	dbpath[0] = '\0';
	store_lock_release();
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
int
store_db_commit(void)
{
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
	if (hooks.committed != NULL)
		hooks.committed(rc == 0);
	if (rc == 0)
		store_db_succeeded();
	return rc;
}

bool
store_db_in_batch(void)
{
	return batch_open;
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
		store_db_commit();
}

double
store_ts(const struct timespec *ts)
{
	return (double)ts->tv_sec + (double)(ts->tv_nsec / 1000000) / 1000;
}

int
store_db_step(sqlite3_stmt *st, const char *what)
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
		store_db_succeeded();
	return 0;
}

int
store_db_exec(const char *sql, const char *what)
{
	return exec_sql(sql, what);
}

/* sql in a transaction of its own; failing, the store is degraded. */
int
store_db_exec_tx(const char *sql, const char *what)
{
	if (exec_sql("BEGIN IMMEDIATE", what) == -1 ||
	    exec_sql(sql, what) == -1 || exec_sql("COMMIT", what) == -1) {
		/* exec_sql() kept the error; ROLLBACK must not replace it */
		(void)sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		if (healthy)
			log_warnx("database: %s; supervision goes on without "
			    "history until it can be written again", lasterr);
		healthy = false;
		return -1;
	}
	return 0;
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

int
store_db_rows(const char *sql, const char *task, int limit, double since,
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

