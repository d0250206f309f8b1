/* task.h: the run-time state of each task and of its current run. */
#ifndef MAINTD_TASK_H
#define MAINTD_TASK_H

#include <sys/types.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "conf.h"
#include "ev.h"
#include "run.h"

#define TAIL_LINES	200	/* output lines kept in memory per task */
#define LINE_MAX_OUT	4096	/* longer output lines are split */

enum task_state {
	ST_IDLE, ST_STARTING, ST_RUNNING, ST_STOPPING, ST_BACKOFF, ST_FAILED
};


/* One output stream of a run: its pipe, and a line not yet ended. */
struct ostream {
	int		 fd;		/* -1 when closed */
	int		 stream;	/* 0 stdout, 1 stderr */
	struct task	*task;
	char		*line;		/* LINE_MAX_OUT, at the first partial line */
	size_t		 len;
};

struct tail {
	char		*line[TAIL_LINES];	/* reused: a slot grows, never shrinks */
	uint32_t	 cap[TAIL_LINES];
	size_t		 first, count;
};

/* What health probes found (health.c), for those who show it. */
enum health_status { HS_UNKNOWN, HS_HEALTHY, HS_UNHEALTHY };

struct http_req;

struct probe {
	enum health_status	 status;	/* UNKNOWN until a verdict */
	bool			 probing;	/* active (and running) */
	time_t			 last;		/* end of the last probe; 0 */
	bool			 last_ok;
	int64_t			 last_ms;	/* how long it took */
	char			 reason[160];	/* of the last failure */
	unsigned		 failures;	/* in a row */
	bool			 passed;	/* one passed for this process */
	uint64_t		 failures_total;
	uint64_t		 probes_total;
	struct ev_timer		 timer;		/* the next probe */
	struct ev_timer		 deadline;	/* a command probe's timeout */
	uint64_t		 started;	/* when this probe began */
	struct http_req		*req;		/* a URL probe under way */
	pid_t			 pid;		/* a command probe running */
	int			 outfd;
	char			 out[160];	/* its last line of output */
	size_t			 outlen;
};

struct task {
	struct task_conf	*conf;
	bool			 active;
	time_t			 active_until;	/* 0: no limit */
	enum task_state		 state;

	struct run		 cur;		/* valid unless ST_IDLE etc. */
	struct run		*last;		/* the last finished run, or NULL */
	struct ostream		 out[2];	/* its stdout, its stderr */
	int			 errfd;
	int			 pidfd;		/* its run's, while not reaped;
						   -1: none (supervise.c) */
	bool			 sweeping;	/* killing leftovers of a run */
	bool			 sweep_look;	/* ... or looking once more */
	bool			 retired;	/* removed by a reload, its run goes on */
	bool			 spawn_failed;	/* task_start(): could not fork */
	bool			 start_pending;	/* start again when ended, */
	enum trigger		 pending_trigger;	/* ... as this */
	bool			 queued;	/* overlap = queue: run once more */
	bool			 waiting;	/* a run waits: budget, start_when,
						 * after */
	enum trigger		 wait_trigger;	/* ... scheduled, or a window's */
	struct task		**conflicts;	/* both directions */
	size_t			 nconflicts;
	pid_t			 sweep_pgid;

	unsigned		 restarts;	/* since activation */
	uint64_t		 runs_total[RC_MAX];	/* by class */
	/* what its runs used since maintd started (metrics.c) */
	uint64_t		 cpu_us_total;
	uint64_t		 io_bytes_total[2];	/* read, written */
	bool			 health_stop;	/* the run is stopped: its
						 * probes failed (a crash) */
	bool			 health_was_ok;	/* ... after one had passed */
	unsigned		 crashes;	/* consecutive, for backoff */
	uint64_t		 crash_window;	/* mono ms of the first crash */
	uint64_t		 backoff_ms;

	struct ev_timer		 until_timer;
	struct ev_timer		 kill_timer;
	struct ev_timer		 timeout_timer;
	struct ev_timer		 restart_timer;
	struct ev_timer		 tick_timer;
	time_t			 next_tick;	/* 0: none; with jitter */
	time_t			 tick_base;	/* the tick it stands for */
	bool			 boot_done;	/* @reboot ran since start */

	int			 logfd;		/* -1: not open */
	int			 log_errno;	/* why its log cannot be written */
	bool			 log_midline;	/* the file ends in a cut line */
	struct tail		*tail;		/* from the first output line */
	struct probe		*probe;		/* NULL: no health probe */
	int64_t			 fleet_token;	/* fleet = once: the lock's
						 * revision while held, else 0 */
	bool			 fleet_standby;	/* active, the lock elsewhere */

	/* Its ticks' outcomes and the dead-man (ledger.c). */
	time_t			 tick_open;	/* a tick whose outcome is to
						 * come (it waits, is queued,
						 * or the fleet decides); 0 */
	time_t			 tick_done;	/* the last tick given one */
	const char		*wait_code;	/* why it waits, a reason of the
						 * ledger (budget, guard): what
						 * its tick missed if it waits
						 * until the next one */
	time_t			 active_since;	/* its last activation */
	bool			 by_window;	/* ... by a window */
	time_t			 last_ok;	/* the end of its last
						 * successful run (no dry run);
						 * 0: none known */
	unsigned		 fails;		/* failed runs in a row */
	bool			 late;		/* late_after passed with no
						 * success */
	uint64_t		 missed;	/* ticks missed since activation */
	uint64_t		 missed_by[MISS_NREASONS];	/* since start-up */
	struct ev_timer		 late_timer;
	struct run_parent	 chain_parent;	/* of its next chained run
						 * (deps.c) */
};

/*
 * Each task is allocated on its own (timers and streams point at it) and
 * owns its task_conf: a reload gives a task a new one, or none.
 */
struct tasks {
	struct task	**v;		/* in the order of the config */
	size_t		  n;
	struct task	**byname;	/* sorted by name for lookup */
};

/* Tasks for conf's task definitions, which they take over. */
void		 tasks_build(struct tasks *, struct config *);
struct task	*task_new(struct task_conf *);	/* takes the conf over */
void		 task_free(struct task *);
/* The name index and the conflicts, after tasks came or went. */
void		 tasks_index(struct tasks *);
void		 tasks_free(struct tasks *);
struct task	*task_find(const struct tasks *, const char *name);
const char	*task_suggest(const struct tasks *, const char *name);
const char	*state_name(enum task_state);
bool		 task_busy(const struct task *);

#endif
