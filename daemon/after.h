/*
 * after.h: after = { "a", "b" }: may a task start now, as far as the
 * tasks it is after go (after.c)?
 */
#ifndef MAINTD_AFTER_H
#define MAINTD_AFTER_H

#include <stddef.h>

struct task;

/*
 * 0 if t may start now; -1 with why ("after a: a is running") if not: a
 * oneshot or periodic task waits while a task it is after runs; a
 * service waits until each service it is after runs (and is healthy,
 * if it has a health probe) and each other task it is after does not.
 */
int	after_check(const struct task *t, char *why, size_t len);

#endif
