/* store_lock.h: one daemon per database (store_lock.c). */
#ifndef MAINTD_STORE_LOCK_H
#define MAINTD_STORE_LOCK_H

#include <stddef.h>

/*
 * Lock the database path for this daemon; real gets its real path.  -1
 * (err) when another daemon holds it, under this name or another.
 */
int	store_lock_take(const char *path, char *real, size_t reallen,
	    char *err, size_t errlen);
void	store_lock_release(void);

#endif
