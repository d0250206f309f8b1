/* pidmap.h: child pid -> what it belongs to, in O(1) (pidmap.c). */
#ifndef MAINTD_PIDMAP_H
#define MAINTD_PIDMAP_H

#include <sys/types.h>

struct pidmap {
	struct pidmap_slot	*slot;	/* open addressing; NULL: empty map */
	size_t			 cap;	/* a power of two */
	size_t			 n;	/* pids in it */
	size_t			 used;	/* pids and tombstones */
};

/* pid (> 0) stands for p from now on (it replaces what it stood for). */
void	 pidmap_put(struct pidmap *, pid_t pid, void *p);
/* What pid stands for, or NULL; it stands for nothing after. */
void	*pidmap_take(struct pidmap *, pid_t pid);
/* Forget pid if it stands for p (an object freed before its pid ends). */
void	 pidmap_forget(struct pidmap *, pid_t pid, const void *p);
void	 pidmap_free(struct pidmap *);

#endif
