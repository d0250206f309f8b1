/*
 * expect.c: what a task's schedule and requirements lead one to expect,
 * as pure functions of times, so that they can be tested alone: the
 * ticks of a span, bounded (those a stopped daemon missed), whether a
 * requirement holds and why not, and when a task is late.
 */
#include <stdio.h>

#include "conf.h"
#include "expect.h"
#include "util.h"

void
expect_ticks(expect_next_fn next, const struct task_conf *tc, time_t after,
    time_t until, struct expect_span *s)
{
	time_t		t = after, step;
	uint64_t	n = 0;

	s->n = 0;
	s->more = 0;
	s->at_least = false;
	s->last = 0;
	while ((t = next(tc, t)) != (time_t)-1 && t <= until) {
		if (s->n < s->max) {
			s->v[s->n++] = t;
			s->last = t;
			continue;
		}
		/* every: the rest by arithmetic, not one by one */
		if (tc->every_ms >= 1000) {
			step = (time_t)(tc->every_ms / 1000);
			s->more = (uint64_t)((until - t) / step) + 1;
			s->last = t + (time_t)(s->more - 1) * step;
			return;
		}
		s->more++;
		s->last = t;
		if (++n == EXPECT_COUNT_MAX) {
			s->at_least = next(tc, t) != (time_t)-1 &&
			    next(tc, t) <= until;
			return;
		}
	}
}

int
expect_requirement(const char *task, int64_t ok_within_ms, time_t last_ok,
    time_t now, char *why, size_t len)
{
	char	ago[32], within[32];
	int64_t	ms;

	if (last_ok <= 0) {
		snprintf(why, len, "%s: never ran ok", task);
		return -1;
	}
	/* a success "in the future" (the clock went back) is a fresh one */
	ms = now > last_ok ? (int64_t)(now - last_ok) * 1000 : 0;
	if (ms <= ok_within_ms)
		return 0;
	snprintf(why, len, "%s: last ok %s ago, ok_within %s", task,
	    fmt_duration(ms, ago, sizeof(ago)), fmt_duration(ok_within_ms,
	    within, sizeof(within)));
	return -1;
}

time_t
expect_late_at(time_t active_since, time_t last_ok, int64_t late_after_ms)
{
	time_t	from = last_ok > active_since ? last_ok : active_since;

	return from + (time_t)((late_after_ms + 999) / 1000);
}
