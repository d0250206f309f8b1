/* sched.h: the ticks of periodic tasks: cron or every, jitter, catch-up, overlap. */
#ifndef MAINTD_SCHED_H
#define MAINTD_SCHED_H

#include <time.h>

struct task;
struct task_conf;

void	sched_init(void);
void	sched_stop(void);
time_t	sched_next(const struct task_conf *, time_t after);

#endif
