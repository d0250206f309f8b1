/* output.h: a run's stdout/stderr: lines to the task's log, syslog or nowhere. */
#ifndef MAINTD_OUTPUT_H
#define MAINTD_OUTPUT_H

#include <stddef.h>

struct task;

void	output_watch(struct task *);
void	output_close(struct task *);
void	output_reopen(void);
void	output_flush(void);
void	output_note(struct task *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
size_t	output_tail(const struct task *, size_t n, const char **lines);

#endif
