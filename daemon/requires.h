/* requires.h: a task's requirements: does each hold now (requires.c)? */
#ifndef MAINTD_REQUIRES_H
#define MAINTD_REQUIRES_H

#include <stddef.h>

struct task;

/*
 * 0 when every requires { task ok_within } of t holds now (the required
 * task's last successful run ended within ok_within), else -1 with why
 * (the first that does not: "backup: last ok 2d3h ago, ok_within 26h",
 * "backup: never ran ok").
 */
int	requires_check(const struct task *, char *why, size_t len);

#endif
