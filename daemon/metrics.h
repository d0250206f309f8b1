/* metrics.h: Prometheus text exposition, on request and in metrics_file. */
#ifndef MAINTD_METRICS_H
#define MAINTD_METRICS_H

#include <stdio.h>

struct task;
struct run;

void	metrics_init(void);
void	metrics_changed(void);
void	metrics_run_ended(struct task *, const struct run *);
void	metrics_print(FILE *, int up);
void	metrics_final(void);

#endif
