/* osdep.h: what differs between Linux and the BSDs, behind one interface. */
#ifndef MAINTD_OSDEP_H
#define MAINTD_OSDEP_H

#include <sys/types.h>
#include <stdint.h>

void	os_subreaper(void);
/*
 * Signal the run's processes outside process group pgid; how many.
 * Processes in one of the ngroups groups (sorted) are passed over: the
 * groups of the other runs going now.  If unsure is not NULL it counts
 * our descendants that could not be told apart (in the middle of an
 * exec, their environment reads empty).
 */
int	os_kill_run(uint64_t run_id, pid_t pgid, int sig, int *unsure,
	    const pid_t *groups, size_t ngroups);

/* A previous maintd's run: is pid still it; kill what is left of it. */
int	os_run_alive(pid_t pid, uint64_t run_id, const char *task);
int	os_kill_stale(uint64_t run_id, const char *task);

#endif
