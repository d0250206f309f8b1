/* store_event.c: the activity log in the store: events written, read back. */
#include <stddef.h>

#include <sqlite3.h>

#include "store_db.h"

static struct store_stmt st_event = { "INSERT INTO events (time, task, "
    "event, actor, detail) VALUES (?1, ?2, ?3, ?4, ?5)", NULL, NULL, false };

/* The event's id, or 0 when it could not be recorded. */
int64_t
store_event(double when, const char *task, const char *event,
    const char *actor, const char *detail)
{
	sqlite3_stmt	*st;

	if (!store_db_ready() || (st = store_db_stmt(&st_event)) == NULL)
		return 0;
	sqlite3_bind_double(st, 1, when);
	if (task != NULL)
		sqlite3_bind_text(st, 2, task, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, event, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, actor, -1, SQLITE_STATIC);
	if (detail != NULL)
		sqlite3_bind_text(st, 5, detail, -1, SQLITE_STATIC);
	if (store_db_step(st, "recording an event") == -1)
		return 0;
	return sqlite3_last_insert_rowid(store_db_conn());
}

int
store_events(const char *task, int limit, double since, double until,
    store_row_cb cb, void *arg)
{
	/* the newest limit, oldest first: a row at a time to cb */
	return store_db_rows("SELECT * FROM (SELECT id, time, task, event, "
	    "actor, detail FROM events WHERE (?1 IS NULL OR task = ?1) AND "
	    "time >= ?2 AND time <= ?4 ORDER BY id DESC LIMIT ?3) ORDER BY id",
	    task, limit, since, until, cb, arg);
}
