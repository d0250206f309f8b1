/* run.h: one execution of a task: what is known of it, and how it ended. */
#ifndef MAINTD_RUN_H
#define MAINTD_RUN_H

#include <sys/types.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* Where a figure of a run's resources came from. */
enum res_source { RS_NONE, RS_CGROUP, RS_RUSAGE };

/* Pressure stall information, in the order of these. */
enum psi_res { PSI_CPU, PSI_MEMORY, PSI_IO, PSI_N };

/*
 * What a run used (DESIGN §15), read once when it ended: from its cgroup
 * where it had one and the kernel says, else from wait4's rusage (the
 * leader and the children it waited for).  -1: not known.
 */
struct run_res {
	int64_t		 cpu_user_us, cpu_system_us;
	int64_t		 mem_peak;		/* bytes */
	int64_t		 mem_seen;		/* the highest memory.current
						   sampled while it ran */
	uint64_t	 mem_sampled;		/* when, mono ms (cost.c) */
	int64_t		 io_read, io_write;	/* bytes */
	int64_t		 psi_some_us[PSI_N], psi_full_us[PSI_N];
	enum res_source	 cpu_src, mem_src, io_src;
};

/* Why a run was started. */
enum trigger {
	TR_MANUAL, TR_SCHEDULE, TR_ACTIVATE, TR_RESTART, TR_WINDOW, TR_CHAIN
};

/* A chained run's parent (on_success, on_failure): deps.c. */
struct run_parent {
	char		 task[65];
	uint64_t	 run;
	char		 result[16];	/* its class: ok, failed, timeout... */
};

/* One execution of a task. */
struct run {
	uint64_t	 id;
	pid_t		 pid;		/* also its process group */
	enum trigger	 trigger;
	bool		 dry_run;
	int		 cg_watch;	/* of its cgroup.events; -1: none */
	struct timespec	 start;		/* wall clock */
	uint64_t	 start_mono;
	uint64_t	 end_mono;
	time_t		 end;
	bool		 done;
	int		 status;	/* from wait4 */
	bool		 timed_out;
	bool		 stopped;	/* ended by stop/deactivate/shutdown */
	char		 failure[256];	/* pre-exec failure, or "" */
	struct run_res	 res;
	bool		 cgroup;	/* it has a cgroup of its own */
	bool		 fleet_lost;	/* stopped: the fleet lock was lost */
	int		 weight;	/* the task's when it started: what it
					   takes of max_weight until it ends,
					   whatever a reload says since */
	struct run_parent parent;	/* TR_CHAIN: the run that chained it */
};

/* How a run ended, as history and metrics count it. */
enum run_class { RC_OK, RC_FAILED, RC_TIMEOUT, RC_STOPPED, RC_ERROR, RC_MAX };

/*
 * Why a tick of a periodic task did not run (the ledger, ledger.c): the
 * daemon was down, halted, the window closed while it waited, no budget,
 * a conflict, start_when, another fleet node holds it, the previous run
 * went on, a requirement did not hold, or it waited on after until its
 * next tick.
 */
enum miss_reason {
	MISS_DAEMON_DOWN, MISS_HALTED, MISS_WINDOW_CLOSED, MISS_BUDGET,
	MISS_CONFLICT, MISS_GUARD, MISS_HELD, MISS_OVERLAP, MISS_REQUIRES,
	MISS_AFTER_TIMEOUT, MISS_NREASONS
};

bool		 run_ok(const struct run *);
enum run_class	 run_classify(const struct run *);
const char	*run_class(const struct run *);
const char	*run_class_name(enum run_class);
/* "exit 0", "signal TERM (stopped)", "timeout (exit 1)", ... */
char		*run_result(const struct run *, char *buf, size_t len);
const char	*trigger_name(enum trigger);
/* The trigger as history, events and the run record show it: its name,
 * or "chain:TASK#RUN" for a chained run. */
const char	*run_trigger(const struct run *, char *buf, size_t len);
/* A trigger as run_trigger() wrote it, into r (trigger, parent). */
void		 run_trigger_parse(struct run *, const char *s);
const char	*miss_reason_name(enum miss_reason);
/* The reason named s ("budget"), or -1. */
int		 miss_reason_parse(const char *s);

struct cg_stats;
struct json_object;
struct rusage;
/* No figure known yet. */
void		 run_res_clear(struct run_res *);
/* The figures of wait4's rusage, then those the cgroup had (cs or NULL). */
void		 run_res_measure(struct run_res *, const struct rusage *,
		    const struct cg_stats *);
int64_t		 run_cpu_us(const struct run *);	/* -1: unknown */
const char	*run_res_source(enum res_source);	/* NULL: none */
enum res_source	 run_res_source_parse(const char *);
/* Every figure into o, as history, show and the events name them. */
void		 run_res_json(const struct run *, struct json_object *o);
/* "exit" and "signal" of an ended run into o (null when not so). */
void		 run_exit_json(const struct run *, struct json_object *o);

#endif
