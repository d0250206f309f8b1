/*
 * store_db.h: what the files of the store share (store_db.c): the
 * connection, its health, the batch's transaction, statements prepared
 * once per connection, and rows read as JSON.
 */
#ifndef MAINTD_STORE_DB_H
#define MAINTD_STORE_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include <sqlite3.h>

#include "store.h"


/* A statement prepared at its first use on each connection. */
struct store_stmt {
	const char		*sql;
	sqlite3_stmt		*st;
	struct store_stmt	*next;	/* store_db.c's list of them */
	bool			 listed;
};

int		 store_db_open(const char *path, char *err, size_t errlen);
void		 store_db_close(void);
/* The database's real path, under which it is locked; "": not open. */
const char	*store_db_path(void);
bool		 store_db_healthy(void);
/* NULL: not open */
sqlite3		*store_db_conn(void);
/*
 * What the store's parts do when a connection is set up (the schema is
 * there), when the database can be written again after a failure, and
 * when the batch's transaction has ended, on disk or not.
 */
struct store_hooks {
	void	(*setup)(void);
	void	(*writable)(void);
	void	(*committed)(bool ok);
};
void		 store_db_hooks(const struct store_hooks *);
/* Before a write: is there a connection that can write? */
bool		 store_db_ready(void);
/* The prepared statement, or NULL (the failure remembered). */
sqlite3_stmt	*store_db_stmt(struct store_stmt *);
void		 store_db_failed(const char *what);
void		 store_db_failed_msg(const char *what, const char *msg);
void		 store_db_succeeded(void);
int		 store_db_exec(const char *sql, const char *what);
/* Step a write to its end, inside the batch's transaction if any. */
int		 store_db_step(sqlite3_stmt *, const char *what);
bool		 store_db_in_batch(void);
/* Commit the batch's transaction now: -1 if it is not on disk. */
int		 store_db_commit(void);
/* sql in one transaction; failing, the store is degraded. */
int		 store_db_exec_tx(const char *sql, const char *what);
double		 store_ts(const struct timespec *);
/*
 * The rows of a SELECT, each as a JSON object to cb; ?1 task (or
 * NULL), ?2 since, ?3 limit, ?4 until.
 */
int		 store_db_rows(const char *sql, const char *task, int limit,
		    double since, double until, store_row_cb, void *arg);

#endif
