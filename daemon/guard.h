/* guard.h: start_when, the resource guard: may a run start on this host now? */
#ifndef MAINTD_GUARD_H
#define MAINTD_GUARD_H

#include <stddef.h>

struct guard;
struct guard_cond;

/* 0 when every condition holds, else -1 with why ("load1 6.2 >= 4"). */
int	guard_check(const struct guard *, char *why, size_t len);
/* The condition as written ("mem_available > 512M"). */
char	*guard_cond_text(const struct guard_cond *, char *buf, size_t len);

#endif
