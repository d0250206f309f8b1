/* store_run.h: what store.c tells store_run.c of the connection. */
#ifndef MAINTD_STORE_RUN_H
#define MAINTD_STORE_RUN_H

#include <stdbool.h>

void	store_run_setup(void);
void	store_run_writable(void);
void	store_run_committed(bool ok);
void	store_run_free(void);

#endif
