/* output.h: a run's stdout/stderr: lines to the task's log, syslog or nowhere. */
#ifndef MAINTD_OUTPUT_H
#define MAINTD_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct task;

void	output_watch(struct task *);
void	output_close(struct task *);
void	output_reopen(void);
void	output_flush(void);
/*
 * Open log_dir (first created, with its parents, if create is set and it
 * is missing) and check it: -1 with the reason in err.
 */
int	output_logdir(bool create, char *err, size_t len);
/*
 * Open log_dir/TASK.log (path) to read it, as it is written: relative to
 * the checked log_dir, never through a link, never a FIFO (no wait) or,
 * as root, a file of more than one link.  -1 if not.
 */
int	output_log_read(const char *path);
void	output_note(struct task *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
size_t	output_tail(const struct task *, size_t n, const char **lines);
/* The last n lines a run wrote to stderr, as it wrote them, oldest first. */
size_t	output_run_stderr(const struct task *, uint64_t run, size_t n,
	    const char **lines);

#endif
