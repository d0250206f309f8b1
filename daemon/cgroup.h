/*
 * cgroup.h: runs tracked in cgroup v2 on Linux (DESIGN §3 "Spawning a
 * child"): each run in BASE/TASK/RUN, stopped by cgroup.kill, ended when
 * cgroup.events says "populated 0".  Where there is none, nothing here is
 * in use and the process groups (osdep.c) do the tracking.
 */
#ifndef MAINTD_CGROUP_H
#define MAINTD_CGROUP_H

#include <sys/types.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What a task's cgroup options ask for; -1: not set. */
struct cg_limits {
	int64_t	memory_max, memory_high;	/* bytes */
	int64_t	cpu_max;			/* percent of one CPU */
	int64_t	pids_max;
	int64_t	io_weight;			/* 1 to 10000 */
};

enum cg_ctl { CG_MEMORY, CG_CPU, CG_PIDS, CG_IO, CG_NCTL };

/* What a run's cgroup says it used (cgroup_stat.c); -1: unknown. */
struct cg_stats {
	int64_t	usage_us, user_us, system_us;	/* cpu.stat */
	int64_t	memory_peak;			/* bytes: memory.peak */
	int64_t	memory_current;			/* bytes: memory.current */
	int64_t	io_read, io_write;		/* bytes: io.stat, all devices */
	/* total= of cpu.pressure, memory.pressure, io.pressure (µs) */
	int64_t	psi_some_us[3], psi_full_us[3];
};

const char *cg_ctl_name(enum cg_ctl);
/* The controllers limits need (a bit per enum cg_ctl). */
unsigned cg_needs(const struct cg_limits *);

/*
 * The cgroup for mode ("auto", "off" or a directory) in which runs would
 * go: 0 with its path in base (name below the daemon's own cgroup for
 * auto), -1 with why not.
 */
int	cg_locate(const char *mode, const char *name, char *base, size_t,
	    char *why, size_t);
/* Could runs in base have controller ctl?  1 yes; 0 no, with why. */
int	cg_can(const char *base, enum cg_ctl, char *why, size_t);

/* Start using base (made if need be); -1 with why when it cannot be. */
int	cg_open(const char *base, char *why, size_t);
bool	cg_in_use(void);
const char *cg_base(void);
/* Why runs are not in a cgroup (said by show and health). */
void	cg_not_used(const char *why);
const char *cg_why(void);
void	cg_close(void);
/* Kill what runs of a previous daemon left in base; how many processes. */
int	cg_recover(void);

/*
 * The cgroup of a run, made with its limits; an fd of its directory (to
 * start the child in, or for the child to join through cgroup.procs), -1
 * with err.
 */
int	cg_run_make(const char *task, uint64_t run, const struct cg_limits *,
	    char *err, size_t);
/* 1 processes are left in it, 0 none, -1 it is not there. */
int	cg_run_populated(const char *task, uint64_t run);
/* Signal every process in it (SIGKILL: cgroup.kill); how many. */
int	cg_run_signal(const char *task, uint64_t run, int sig);
/* The run's cgroup directory into buf; -1 if it does not fit or none. */
int	cg_run_path(const char *task, uint64_t run, char *buf, size_t len);
/* dir/name's text, NUL-ended (at most len - 1 bytes); -1 on error. */
ssize_t	cg_read_text(const char *dir, const char *name, char *buf, size_t len);
/* Every figure of the run's cgroup (cgroup_stat.c), read now. */
void	cg_run_stats(const char *task, uint64_t run, struct cg_stats *);
/*
 * Do runs' cgroups have the memory controller but no memory.peak (Linux
 * before 5.19)?  Then their memory.current is sampled while they run.
 */
bool	cg_memory_sampled(void);
/* memory.current of the run; -1: none. */
int64_t	cg_run_memory_sample(const char *task, uint64_t run);
/* cb(arg) each time the run's cgroup.events changes; the watch, or -1. */
int	cg_run_watch(const char *task, uint64_t run, void (*cb)(void *),
	    void *arg);
void	cg_run_unwatch(int watch);
/* Remove the run's (empty) cgroup. */
void	cg_run_remove(const char *task, uint64_t run);

#endif
