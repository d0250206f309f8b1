/* spawn_clone.h: how spawn.c starts a child (spawn_clone.c). */
#ifndef MAINTD_SPAWN_CLONE_H
#define MAINTD_SPAWN_CLONE_H

#include <sys/types.h>
#include <sys/resource.h>

/*
 * The ways, best first: clone3 with CLONE_VM | CLONE_VFORK on a stack of
 * the daemon's ("vm"), clone3 as a fork ("fork"), vfork() and a write to
 * cgroup.procs ("vfork").  MAINTD_SPAWN=vm|fork|vfork in the daemon's
 * environment forces one (for tests); a way the kernel refuses is given
 * up for the next one.
 */
enum spawn_way { SW_VM, SW_FORK, SW_VFORK };

/* The way children are started now (after what the kernel refused). */
enum spawn_way	spawn_way(void);
const char	*spawn_way_name(enum spawn_way);

/*
 * fn(arg) in a child started by clone3, in cgroup cgdir (-1: where the
 * daemon is); fn never returns (it execs or _exits).  pidfd: gets the
 * child's, and the child sends no SIGCHLD at its end (NULL: it does).
 * The child shares the daemon's memory until it execs when the way is
 * SW_VM: fn makes system calls only, and writes nothing but its stack.
 * -1 with errno ENOSYS when clone3 is not to be used (the caller vforks),
 * else with the errno of clone3.
 */
pid_t	spawn_clone(int cgdir, int *pidfd, void (*fn)(void *), void *arg);
/* A pidfd of pid, a child of ours (-1: none here). */
int	spawn_pidfd(pid_t pid);
/* Free the stack (at exit, for leak checkers). */
void	spawn_clone_free(void);

#endif
