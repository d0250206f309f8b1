/* store.h: the sqlite database: runs, the activity log, presets, windows (DESIGN §7). */
#ifndef MAINTD_STORE_H
#define MAINTD_STORE_H

#include <sys/types.h>

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

struct json_object;
struct run;

int	 store_open(const char *path, char *err, size_t errlen);
void	 store_close(void);
bool	 store_ok(void);
const char *store_error(void);
uint64_t store_run_start(const char *task, const struct run *);
void	 store_run_pid(uint64_t id, const char *task, pid_t pid, uid_t uid,
	    uint64_t start);
/* The run and all it left are gone (the run file forgets it). */
void	 store_run_gone(uint64_t id);
void	 store_run_end(const char *task, const struct run *);
int64_t	 store_event(double when, const char *task, const char *event,
	    const char *actor, const char *detail_json);
void	 store_recover(void);
void	 store_batch_begin(void);
void	 store_batch_end(void);
time_t	 store_last_run(const char *task);
/* Each task's last finished run, in one query: cb(task, run, arg). */
typedef void (*store_last_cb)(const char *task, const struct run *,
	    void *arg);
int	 store_last_runs(store_last_cb, void *arg);
/*
 * A step of the retention pass (store_rollup.c): the oldest day of runs
 * that ended before the day of now - retention folded into a roll-up per
 * task, then deleted; 1 when there may be more (call again), 0 when the
 * pass is over (the ledger's older missed ticks counted in the roll-ups,
 * its older rows and the older events deleted too).  store_prune_clock()
 * moves its clock (maintd -X, tests only).
 */
int	 store_prune(int64_t retention_ms);
void	 store_prune_clock(double offset_s);

/*
 * Rows of history (newest first) and events (the newest, oldest first),
 * each given to cb as it is read, cb's to put; cb returns 0 to go on.
 */
typedef int (*store_row_cb)(struct json_object *row, void *arg);
int	 store_history(const char *task, int limit, double since,
	    double until, store_row_cb, void *arg);
int	 store_events(const char *task, int limit, double since,
	    double until, store_row_cb, void *arg);
/*
 * What runs cost since a time, runs and roll-ups together (store_report.c),
 * a row per key, the costliest first: keyname (the key; null for ""),
 * runs, ok, ok_pct, duration_s, duration_p50_s, duration_p95_s, cpu_s,
 * memory_peak_bytes, io_read_bytes, io_write_bytes.  The key is the task,
 * or with keys (sorted here) each key of the task's pairs: the tasks
 * without one are left out.
 */
struct store_key {
	const char	*task, *key;
};
int	 store_report(double since, struct store_key *keys, size_t nkeys,
	    const char *keyname, store_row_cb, void *arg);
/* The last n runs that ran of each task named, oldest first, in one query. */
typedef void (*store_recent_cb)(const char *task, double duration_s,
	    int64_t mem_peak, void *arg);
int	 store_recent_runs(const char *tasks_json, int n, store_recent_cb,
	    void *arg);

/*
 * The ledger (store_ledger.c): an outcome per tick, ran (reason NULL,
 * run its id) or missed (reason, detail): 1 recorded, 0 the tick had
 * one already, -1 not written.
 */
int	 store_ledger_put(const char *task, time_t tick, const char *reason,
	    uint64_t run, const char *detail);
int	 store_ledger(const char *task, bool missed, int limit, double since,
	    double until, store_row_cb, void *arg);
/* The tasks active now, as the next daemon will find them. */
int	 store_activation_put(const char *task, double since, time_t until);
int	 store_activation_del(const char *task);
/* Those the last daemon left active, with the last tick of each. */
typedef void (*store_activation_cb)(const char *task, double since,
	    time_t until, time_t last_tick, void *arg);
int	 store_activations(store_activation_cb, void *arg);
int	 store_activations_clear(void);
/* Each task's last successful run's end, in one query. */
typedef void (*store_ok_cb)(const char *task, time_t end, void *arg);
int	 store_last_oks(store_ok_cb, void *arg);

/* Presets made at run time: tasks is a JSON array of task names. */
int	 store_preset_put(const char *name, const char *description,
	    const char *tasks_json);
int	 store_preset_get(const char *name, char **description,
	    char **tasks_json);
int	 store_preset_delete(const char *name);
int	 store_preset_list(store_row_cb, void *arg);

/*
 * Windows made at run time (store_window.c): put 0, 1 (exists) or -1;
 * delete 0, 1 (none) or -1; list gives each as a window_conf of its own
 * (store_window_free() frees one).
 */
struct window_conf;
int	 store_window_put(const struct window_conf *, const char *actor);
int	 store_window_delete(const char *name);
int	 store_window_list(void (*cb)(struct window_conf *, void *),
	    void *arg);
void	 store_window_free(struct window_conf *);

#endif
