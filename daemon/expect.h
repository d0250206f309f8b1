/*
 * expect.h: what a task's schedule and requirements lead one to expect,
 * as pure functions of times (expect.c): the ticks of a span, whether a
 * requirement holds, when a task is late.
 */
#ifndef MAINTD_EXPECT_H
#define MAINTD_EXPECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct task_conf;

/* The next tick of tc strictly after t, -1 for none (sched_next()). */
typedef time_t	(*expect_next_fn)(const struct task_conf *, time_t t);

/* Ticks of a span: the first ones, and how many more. */
struct expect_span {
	time_t		*v;		/* room for max */
	size_t		 max, n;	/* the first n ticks are in v */
	uint64_t	 more;		/* ticks after those */
	bool		 at_least;	/* counting stopped: more is a floor */
	time_t		 last;		/* the last tick counted, or 0 */
};

/* Ticks counted one by one at most (every is counted by arithmetic). */
#define EXPECT_COUNT_MAX	1000000

/* The ticks of tc strictly after `after`, up to and including `until`. */
void	expect_ticks(expect_next_fn, const struct task_conf *, time_t after,
	    time_t until, struct expect_span *);
/*
 * Does a requirement hold now: did `task` succeed (its last success
 * ended at last_ok, 0 for never) within ok_within_ms?  0 if so, else -1
 * with why ("backup: last ok 2d3h ago, ok_within 26h" or "backup: never
 * ran ok").
 */
int	expect_requirement(const char *task, int64_t ok_within_ms,
	    time_t last_ok, time_t now, char *why, size_t len);
/* When a task with late_after is late: late_after after its activation
 * or its last success, whichever came later. */
time_t	expect_late_at(time_t active_since, time_t last_ok,
	    int64_t late_after_ms);

#endif
