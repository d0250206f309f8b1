/* osdep.h: what differs between Linux and the BSDs, behind one interface. */
#ifndef MAINTD_OSDEP_H
#define MAINTD_OSDEP_H

#include <sys/types.h>
#include <stdint.h>

void	os_subreaper(void);
/* Memory available for new work, in bytes; -1 where unknown. */
/*
 * Signal the run's processes outside process group pgid; how many.
 * Processes in one of the ngroups groups (sorted) are passed over: the
 * groups of the other runs going now.  If unsure is not NULL it counts
 * our descendants that could not be told apart (in the middle of an
 * exec, their environment reads empty).
 */
int	os_kill_run(uint64_t run_id, pid_t pgid, int sig, int *unsure,
	    const pid_t *groups, size_t ngroups);

struct os_proc {
	uid_t		uid;		/* real */
	pid_t		ppid, pgid, sid;
	uint64_t	start;		/* clock ticks since boot */
	char		state;		/* 'Z': a zombie */
};

/* What the kernel says of pid; -1 when it is gone (or unknown here). */
int	os_proc(pid_t pid, struct os_proc *);
/* When pid started, in clock ticks since boot; 0 when unknown. */
uint64_t os_proc_start(pid_t pid);
/* This boot's id, or NULL where there is none. */
const char *os_boot_id(void);

/* A run of a previous maintd, as its store recorded it. */
struct run_mark {
	uint64_t	 run_id;
	const char	*task;
	pid_t		 pid;		/* leader, also its group and session */
	uid_t		 uid;
	uint64_t	 start;		/* the leader's start; 0: unknown */
};

/* Kill what is provably left of it; how many signals were sent. */
int	os_recover_run(const struct run_mark *);

#endif
