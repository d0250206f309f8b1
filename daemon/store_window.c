/*
 * store_window.c: maintenance windows made at run time ("window create",
 * "window import"), kept in the store so that they survive a restart.
 */
#include <stddef.h>
#include <stdlib.h>
#include <time.h>

#include <sqlite3.h>

#include "conf.h"
#include "log.h"
#include "store.h"
#include "store_db.h"
#include "util.h"

/* 0 stored, 1 exists already, -1 store error. */
int
store_window_put(const struct window_conf *w, const char *actor)
{
	sqlite3		*db;
	sqlite3_stmt	*st;
	int		 rc;

	if ((db = store_db_conn()) == NULL)
		return -1;
	if (sqlite3_prepare_v2(db, "INSERT INTO windows (name, preset, "
	    "schedule, timezone, duration_ms, rolling, max_parallel, slot_ms, "
	    "created, actor) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
	    -1, &st, NULL) != SQLITE_OK) {
		store_db_failed("storing a window");
		return -1;
	}
	sqlite3_bind_text(st, 1, w->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, w->preset, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, w->schedule, -1, SQLITE_STATIC);
	if (w->timezone != NULL)
		sqlite3_bind_text(st, 4, w->timezone, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, w->duration_ms);
	sqlite3_bind_int(st, 6, w->rolling);
	sqlite3_bind_int(st, 7, w->max_parallel);
	sqlite3_bind_int64(st, 8, w->slot_ms);
	sqlite3_bind_double(st, 9, (double)time(NULL));
	sqlite3_bind_text(st, 10, actor, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc == SQLITE_CONSTRAINT)
		return 1;
	if (rc != SQLITE_DONE) {
		store_db_failed("storing a window");
		return -1;
	}
	store_db_succeeded();
	return 0;
}

/* 0 deleted, 1 no such window, -1 store error. */
int
store_window_delete(const char *name)
{
	sqlite3		*db;
	sqlite3_stmt	*st;
	int		 rc;

	if ((db = store_db_conn()) == NULL)
		return -1;
	if (sqlite3_prepare_v2(db, "DELETE FROM windows WHERE name = ?1", -1,
	    &st, NULL) != SQLITE_OK) {
		store_db_failed("deleting a window");
		return -1;
	}
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		store_db_failed("deleting a window");
		return -1;
	}
	store_db_succeeded();
	return sqlite3_changes(db) > 0 ? 0 : 1;
}

static char *
col(sqlite3_stmt *st, int i)
{
	const unsigned char	*s = sqlite3_column_text(st, i);

	return s != NULL ? xstrdup((const char *)s) : NULL;
}

/*
 * Each stored window, by name, to cb as a window_conf of its own (cb
 * keeps or frees it); a row whose schedule no longer parses is left out
 * with a warning.  0, or -1 if the store cannot be read.
 */
int
store_window_list(void (*cb)(struct window_conf *, void *), void *arg)
{
	struct window_conf	*w;
	sqlite3			*db;
	sqlite3_stmt		*st;
	char			 err[128];
	int			 rc;

	if ((db = store_db_conn()) == NULL)
		return -1;
	if (sqlite3_prepare_v2(db, "SELECT name, preset, schedule, timezone, "
	    "duration_ms, rolling, max_parallel, slot_ms FROM windows ORDER BY "
	    "name", -1, &st, NULL) != SQLITE_OK) {
		store_db_failed("reading the windows");
		return -1;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		w = xcalloc(1, sizeof(*w));
		w->name = col(st, 0);
		w->preset = col(st, 1);
		w->schedule = col(st, 2);
		w->timezone = col(st, 3);
		w->duration_ms = sqlite3_column_int64(st, 4);
		w->rolling = sqlite3_column_int(st, 5) != 0;
		w->max_parallel = sqlite3_column_int(st, 6);
		w->slot_ms = sqlite3_column_int64(st, 7);
		if (w->name == NULL || w->preset == NULL ||
		    w->schedule == NULL || cron_parse(w->schedule, &w->cron,
		    err, sizeof(err)) == -1) {
			log_warnx("window %s in the store: left out: bad "
			    "schedule", w->name ? w->name : "?");
			store_window_free(w);
			continue;
		}
		cb(w, arg);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		store_db_failed("reading the windows");
		return -1;
	}
	return 0;
}

void
store_window_free(struct window_conf *w)
{
	if (w == NULL)
		return;
	free(w->name);
	free(w->preset);
	free(w->schedule);
	free(w->timezone);
	free(w->file);
	free(w);
}
