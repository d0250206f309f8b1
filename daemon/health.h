/* health.h: health probes of tasks: url or command, in the loop (health.c). */
#ifndef MAINTD_HEALTH_H
#define MAINTD_HEALTH_H

#include <stddef.h>

struct task;

void		 health_init(void);
void		 health_stop(void);
/* "-" (not probed), "starting", "healthy" or "unhealthy" */
const char	*health_status_name(const struct task *);
size_t		 health_unhealthy(void);

#endif
