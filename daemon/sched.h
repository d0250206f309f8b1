/* sched.h: the ticks of periodic tasks: cron or every, jitter, catch-up, overlap. */
#ifndef MAINTD_SCHED_H
#define MAINTD_SCHED_H

#include <time.h>

struct task;
struct task_conf;

void	sched_init(void);
void	sched_stop(void);
time_t	sched_next(const struct task_conf *, time_t after);
/*
 * The next tick of a periodic task (without jitter): the one its timer
 * is set for if it is active, else the first it would have if it were
 * activated now; -1 for none (@reboot, not periodic).  Its ticks after
 * that are sched_next()'s (plan, forecast.c).
 */
time_t	sched_upcoming(const struct task *);

#endif
