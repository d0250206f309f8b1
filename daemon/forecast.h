/*
 * forecast.h: the plan of the next hours (maintctl plan): every run the
 * schedules and windows would start in a span, in time order, and what
 * would stop each if it came now (forecast.c).
 */
#ifndef MAINTD_FORECAST_H
#define MAINTD_FORECAST_H

#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

struct task;
struct window_conf;

struct forecast_row {
	time_t			  time;		/* the tick, jitter left out */
	struct task		 *task;
	const struct window_conf *window;	/* trigger window:NAME, or one
						   that makes the tick's task
						   active; NULL */
	const char		 *trigger;	/* "schedule" or "window" */
	const char		 *code;		/* NULL: it would run; else
						   what stops it: inactive,
						   window-closed, halted, held,
						   conflict, requires, after,
						   budget, guard */
	char			  why[256];
};

struct forecast {
	struct forecast_row	*v;
	size_t			 n;
	uint64_t		 more;	/* runs after the first max */
	bool			 at_least;	/* counting stopped: more is a floor */
};

/*
 * The runs of tasks (all of them if n is 0) strictly after now and up
 * to until, at most max in f->v.  what_if: tasks taken as active from
 * now (a preset's, for "what if it were applied"), NULL-able.
 */
void	forecast_make(struct forecast *, struct task **tasks, size_t n,
	    struct task **what_if, size_t nwhat_if, time_t now, time_t until,
	    size_t max);
void	forecast_free(struct forecast *);

#endif
