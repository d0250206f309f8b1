/*
 * deps.h: chains (on_success, on_failure) and the start order of
 * services (after): deps.c follows run ends and starts what they imply.
 */
#ifndef MAINTD_DEPS_H
#define MAINTD_DEPS_H

void	deps_init(void);
void	deps_stop(void);

#endif
