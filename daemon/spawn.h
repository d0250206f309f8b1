/* spawn.h: fork and exec one run of a task (DESIGN §3 "Spawning a child"). */
#ifndef MAINTD_SPAWN_H
#define MAINTD_SPAWN_H

#include <sys/types.h>
#include <sys/resource.h>
#include <stdbool.h>
#include <stdint.h>

#include "conf.h"

struct spawn_result {
	pid_t	pid;
	int	outfd;		/* read end of the child's stdout (and stderr) */
	int	stderrfd;	/* ... of its stderr when split, else -1 */
	int	errfd;		/* read end of the exec report pipe */
	int	pidfd;		/* SPAWN_PIDFD: the child's pidfd (readable
				   once it has ended), else -1 */
};

/* spawn_run()'s flags */
#define SPAWN_SPLIT	0x01	/* stderr through a pipe of its own */
/*
 * A pidfd for the caller to reap the child with (spawn_reap()), not
 * wait4(-1): a child started by clone3 then sends no SIGCHLD at its end.
 * Without pidfds (before Linux 5.3, elsewhere) res->pidfd is -1 and the
 * child is reaped on SIGCHLD as before.
 */
#define SPAWN_PIDFD	0x02

/* Pre-exec failure stages, as reported by the child. */
enum spawn_stage {
	SP_SETSID = 1, SP_RLIMIT, SP_NICE, SP_CHDIR, SP_SETGROUPS, SP_SETGID,
	SP_SETUID, SP_STDIO, SP_EXEC, SP_CGROUP
};

struct spawn_report {
	int	stage;
	int	err;
	int	detail;		/* e.g. which rlimit */
};

struct run_parent;

/*
 * flags: SPAWN_*; cgfd: the directory of the run's cgroup, which the
 * child starts in or joins before anything else (-1: none); parent: a chained run's parent, for
 * MAINTD_PARENT_* (NULL: none).
 */
int	spawn_run(const struct task_conf *, const struct config *,
	    uint64_t run_id, bool dry_run, int flags, int cgfd,
	    int64_t fleet_token, const struct run_parent *parent,
	    struct spawn_result *, char *err, size_t errlen);
void	spawn_forget(void);
/*
 * Reap the child of pidfd (pid: the same child) if it has ended: its pid
 * with status and ru as wait4() gives them, 0 while it runs, -1 (errno).
 */
pid_t	spawn_reap(int pidfd, pid_t pid, int *status, struct rusage *ru);
/* At start: the daemon's soft RLIMIT_NOFILE up to the hard limit. */
void	spawn_raise_nofile(void);
void	spawn_describe(const struct task_conf *, const struct spawn_report *,
	    char *buf, size_t len);

#endif
