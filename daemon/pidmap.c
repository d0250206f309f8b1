/*
 * pidmap.c: child pid -> what it belongs to (a run's task), so that
 * reaping a child finds its run in O(1) and not by walking every task.
 * Open addressing with linear probing; a taken pid leaves a tombstone,
 * and the table is rebuilt when pids and tombstones fill half of it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pidmap.h"
#include "util.h"

#define TOMB	((pid_t)-1)	/* a slot whose pid was taken */

struct pidmap_slot {
	pid_t	 pid;		/* 0: empty; TOMB */
	void	*p;
};

static size_t
hash(pid_t pid, size_t cap)
{
	/* Fibonacci hashing: pids come in runs of neighbours */
	return (size_t)(((uint64_t)(uint32_t)pid * 0x9e3779b97f4a7c15ULL) >>
	    32) & (cap - 1);
}

static struct pidmap_slot *
find(const struct pidmap *m, pid_t pid)
{
	size_t	i;

	if (m->slot == NULL)
		return NULL;
	for (i = hash(pid, m->cap); m->slot[i].pid != 0;
	    i = (i + 1) & (m->cap - 1))
		if (m->slot[i].pid == pid)
			return &m->slot[i];
	return NULL;
}

static void
rebuild(struct pidmap *m, size_t cap)
{
	struct pidmap_slot	*old = m->slot;
	size_t			 oldcap = m->cap, i, j;

	m->slot = xcalloc(cap, sizeof(*m->slot));
	m->cap = cap;
	m->used = m->n;
	for (i = 0; i < oldcap; i++) {
		if (old[i].pid == 0 || old[i].pid == TOMB)
			continue;
		for (j = hash(old[i].pid, cap); m->slot[j].pid != 0;
		    j = (j + 1) & (cap - 1))
			;
		m->slot[j] = old[i];
	}
	free(old);
}

void
pidmap_put(struct pidmap *m, pid_t pid, void *p)
{
	struct pidmap_slot	*s;
	size_t			 i, cap;

	if (pid <= 0)
		return;
	if ((s = find(m, pid)) != NULL) {
		s->p = p;
		return;
	}
	if ((m->used + 1) * 2 > m->cap) {
		for (cap = 64; cap < (m->n + 1) * 4; cap *= 2)
			;
		rebuild(m, cap);
	}
	for (i = hash(pid, m->cap); m->slot[i].pid != 0 &&
	    m->slot[i].pid != TOMB; i = (i + 1) & (m->cap - 1))
		;
	if (m->slot[i].pid == 0)
		m->used++;
	m->slot[i].pid = pid;
	m->slot[i].p = p;
	m->n++;
}

void *
pidmap_take(struct pidmap *m, pid_t pid)
{
	struct pidmap_slot	*s;
	void			*p;

	if (pid <= 0 || (s = find(m, pid)) == NULL)
		return NULL;
	p = s->p;
	s->pid = TOMB;
	s->p = NULL;
	m->n--;
	return p;
}

void
pidmap_forget(struct pidmap *m, pid_t pid, const void *p)
{
	struct pidmap_slot	*s;

	if (pid > 0 && (s = find(m, pid)) != NULL && s->p == p)
		(void)pidmap_take(m, pid);
}

void
pidmap_free(struct pidmap *m)
{
	free(m->slot);
	memset(m, 0, sizeof(*m));
}
