/* store_preset.c: presets made at run time, kept in the store. */
#include <stddef.h>
#include <time.h>

#include <sqlite3.h>

#include "store_db.h"
#include "util.h"

/* 0 stored, 1 exists already, -1 store error. */
int
store_preset_put(const char *name, const char *description,
    const char *tasks_json)
{
	sqlite3		*db;
	sqlite3_stmt	*st;
	int		 rc;

	if ((db = store_db_conn()) == NULL)
		return -1;
	if (sqlite3_prepare_v2(db, "INSERT INTO presets (name, description, "
	    "tasks, created) VALUES (?1, ?2, ?3, ?4)", -1, &st, NULL) !=
	    SQLITE_OK) {
		store_db_failed("storing a preset");
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
		store_db_failed("storing a preset");
		return -1;
	}
	store_db_succeeded();
	return 0;
}

/* 0 found (strings to free), 1 no such preset, -1 store error. */
int
store_preset_get(const char *name, char **description, char **tasks_json)
{
	sqlite3		*db;
	sqlite3_stmt	*st;
	int		 rc;

	if ((db = store_db_conn()) == NULL)
		return -1;
	if (sqlite3_prepare_v2(db, "SELECT description, tasks FROM presets "
	    "WHERE name = ?1", -1, &st, NULL) != SQLITE_OK) {
		store_db_failed("reading a preset");
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
	sqlite3		*db;
	sqlite3_stmt	*st;
	int		 rc;

	if ((db = store_db_conn()) == NULL)
		return -1;
	if (sqlite3_prepare_v2(db, "DELETE FROM presets WHERE name = ?1", -1,
	    &st, NULL) != SQLITE_OK) {
		store_db_failed("deleting a preset");
		return -1;
	}
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		store_db_failed("deleting a preset");
		return -1;
	}
	store_db_succeeded();
	return sqlite3_changes(db) > 0 ? 0 : 1;
}

int
store_preset_list(store_row_cb cb, void *arg)
{
	return store_db_rows("SELECT name, description, tasks FROM presets WHERE "
	    "?1 IS NULL AND ?2 IS NOT NULL AND ?4 IS NOT NULL ORDER BY name "
	    "LIMIT ?3", NULL, 0, 0, 0, cb, arg);
}
