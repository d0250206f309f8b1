/* cost.h: regressions of what runs cost, and memory samples (cost.c). */
#ifndef MAINTD_COST_H
#define MAINTD_COST_H

/* After the store is open: each task's last figures, in one query. */
void	cost_init(void);
void	cost_stop(void);

#endif
