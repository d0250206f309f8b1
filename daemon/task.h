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


struct tail {
	char		*line[TAIL_LINES];	/* reused: a slot grows, never shrinks */
	uint32_t	 cap[TAIL_LINES];
	size_t		 first, count;
};

struct task {
	struct task_conf	*conf;
	bool			 active;
	time_t			 active_until;	/* 0: no limit */
	enum task_state		 state;

	struct run		 cur;		/* valid unless ST_IDLE etc. */
	struct run		*last;		/* the last finished run, or NULL */
	int			 outfd;		/* -1 when closed */
	int			 errfd;
	bool			 sweeping;	/* killing leftovers of a run */
	bool			 sweep_look;	/* ... or looking once more */
	bool			 start_pending;	/* start again when ended, */
	enum trigger		 pending_trigger;	/* ... as this */
	bool			 queued;	/* overlap = queue: run once more */
	bool			 waiting;	/* a scheduled run waits for budget */
	struct task		**conflicts;	/* both directions */
	size_t			 nconflicts;
	pid_t			 sweep_pgid;

	unsigned		 restarts;	/* since activation */
	uint64_t		 runs_total[RC_MAX];	/* by class */
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
	char			*line;		/* LINE_MAX_OUT, from the first run */
	size_t			 linelen;
	struct tail		*tail;		/* from the first output line */
};

struct tasks {
	struct task	 *v;
	size_t		  n;
	struct task	**byname;	/* sorted by name for lookup */
};

void		 tasks_build(struct tasks *, struct config *);
void		 tasks_free(struct tasks *);
struct task	*task_find(const struct tasks *, const char *name);
const char	*task_suggest(const struct tasks *, const char *name);
const char	*state_name(enum task_state);
bool		 task_busy(const struct task *);

#endif
