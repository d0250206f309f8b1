/*
 * forecast.c: the plan (maintctl plan), computed by the code that
 * decides, not by a second scheduler: the ticks are sched.c's
 * (sched_upcoming(), then sched_next()), the windows' openings preset.c's
 * and cron.c's, what would stop a run now policy.c's (halt, conflicts,
 * requires, after, budget, start_when) and the fleet's (fleet_holder()).
 * A periodic task's tick is a run if the task is active then: active
 * now and not past its --for (a window's end: window-closed), or in a
 * window that opens before the tick; an oneshot or a service starts when
 * a window whose preset has it opens (trigger window:NAME), unless it is
 * active already.  Chains follow runs' ends: they are not predictable
 * and not listed.
 *
 * The runs come in time order from a heap of each task's next tick, so
 * the first max are found without holding them all; the rest are
 * counted (count_from(): an every by arithmetic, a schedule within a
 * budget).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "cron.h"
#include "expect.h"
#include "fleet.h"
#include "forecast.h"
#include "policy.h"
#include "preset.h"
#include "sched.h"
#include "state.h"
#include "task.h"
#include "util.h"

#define MAX_OPENINGS	1000	/* of a window, in a span */
#define COUNT_BUDGET	100000	/* schedule ticks counted past the rows */

/* A window's openings in the span, and the tasks of its preset. */
struct opening {
	const struct window_conf *wc;
	time_t			  from, to;
	struct task		**tasks;	/* not owned */
	size_t			  ntasks;
};

/* What would stop a task now, asked once per task (start_when reads
 * the host). */
struct verdict {
	bool		 done;
	const char	*code;
	char		 why[256];
};

struct state {
	struct verdict	*verdict;	/* by the task's place in tasks */
	struct opening	*op;
	size_t		 nop;
	struct preset	*presets;	/* one per window */
	size_t		 npresets;
	struct task	**what_if;
	size_t		 nwhat_if;
	time_t		 now, until;
};

static bool
has(struct task **v, size_t n, const struct task *t)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (v[i] == t)
			return true;
	return false;
}

static void
openings(struct state *s)
{
	const struct window_conf *wc;
	time_t			  next, open_until, o;
	size_t			  i, k;

	s->npresets = windows_count();
	s->presets = xcalloc(s->npresets + 1, sizeof(*s->presets));
	for (i = 0; i < s->npresets; i++) {
		wc = window_at(i, NULL, &next, &open_until);
		if (wc == NULL || preset_get(wc->preset, &s->presets[i]) != 0)
			continue;
		/* open now: what it activated is active already (t->active) */
		for (o = next, k = 0; o > 0 && o != (time_t)-1 &&
		    o <= s->until && k < MAX_OPENINGS; k++) {
			s->op = xreallocarray(s->op, s->nop + 1, sizeof(*s->op));
			s->op[s->nop].wc = wc;
			s->op[s->nop].from = o;
			s->op[s->nop].to = o + (time_t)(wc->duration_ms / 1000);
			s->op[s->nop].tasks = s->presets[i].tasks;
			s->op[s->nop].ntasks = s->presets[i].ntasks;
			s->nop++;
			o = cron_next_tz(&wc->cron, o, wc->timezone);
		}
	}
}

/* The window that has t active at x, if one opens for it before x. */
static const struct window_conf *
window_at_time(const struct state *s, const struct task *t, time_t x)
{
	size_t	i;

	for (i = 0; i < s->nop; i++)
		if (s->op[i].from <= x && x < s->op[i].to &&
		    has(s->op[i].tasks, s->op[i].ntasks, t))
			return s->op[i].wc;
	return NULL;
}

/* What would stop a run of t now, whatever the time: NULL, or a code. */
static const char *
stop_now(const struct task *t, char *why, size_t len)
{
	const char	*holder, *code;

	if (md.halted) {
		snprintf(why, len, "maintd is halted (stop-all): nothing "
		    "starts until resume");
		return "halted";
	}
	if (t->conf->fleet_once && (holder = fleet_holder(t->conf->name)) !=
	    NULL) {
		snprintf(why, len, "held by %s", holder);
		return "held";
	}
	if ((code = policy_can_run(t, false, why, len)) != NULL)
		return code;
	why[0] = '\0';
	return NULL;
}

/* stop_now() of the ti-th task, asked once. */
static const char *
stop_cached(struct state *s, size_t ti, const struct task *t, char *why,
    size_t len)
{
	struct verdict	*v = &s->verdict[ti];

	if (!v->done) {
		v->code = stop_now(t, v->why, sizeof(v->why));
		v->done = true;
	}
	snprintf(why, len, "%s", v->why);
	return v->code;
}

/* The row of a tick of t (the ti-th task) at x. */
static void
tick_row(struct state *s, size_t ti, struct task *t, time_t x,
    struct forecast_row *r)
{
	bool	active = t->active || has(s->what_if, s->nwhat_if, t);
	time_t	end = has(s->what_if, s->nwhat_if, t) ? 0 : t->active_until;
	char	at[64];

	memset(r, 0, sizeof(*r));
	r->time = x;
	r->task = t;
	r->trigger = "schedule";
	if (active && (end == 0 || x < end)) {
		r->code = stop_cached(s, ti, t, r->why, sizeof(r->why));
		return;
	}
	if ((r->window = window_at_time(s, t, x)) != NULL) {
		r->code = stop_cached(s, ti, t, r->why, sizeof(r->why));
		if (r->code == NULL)
			snprintf(r->why, sizeof(r->why), "active by window %s",
			    r->window->name);
		return;
	}
	if (active && t->by_window) {
		r->code = "window-closed";
		snprintf(r->why, sizeof(r->why), "the window that activated "
		    "it closes at %s", fmt_rfc3339(end, at, sizeof(at)));
	} else if (active) {
		r->code = "inactive";
		snprintf(r->why, sizeof(r->why), "deactivated at %s (--for)",
		    fmt_rfc3339(end, at, sizeof(at)));
	} else {
		r->code = "inactive";
		snprintf(r->why, sizeof(r->why), "not active");
	}
}

/* The heap of the next ticks: a min-heap of (time, task). */
struct item {
	time_t		 time;
	struct task	*task;	/* NULL: the opening op */
	size_t		 i;	/* the task's place in tasks, or op */
};

/* In time order; at one time, a window's opening first, then by name. */
static bool
before(const struct item *a, const struct item *b)
{
	return a->time < b->time || (a->time == b->time &&
	    strcmp(a->task != NULL ? a->task->conf->name : "",
	    b->task != NULL ? b->task->conf->name : "") < 0);
}

static void
push(struct item *h, size_t *n, struct item it)
{
	size_t	i = (*n)++, p;

	h[i] = it;
	while (i > 0 && before(&h[i], &h[p = (i - 1) / 2])) {
		struct item x = h[i];

		h[i] = h[p];
		h[p] = x;
		i = p;
	}
}

static struct item
pop(struct item *h, size_t *n)
{
	struct item	top = h[0], x;
	size_t		i = 0, l, m;

	h[0] = h[--(*n)];
	for (;;) {
		l = 2 * i + 1;
		m = i;
		if (l < *n && before(&h[l], &h[m]))
			m = l;
		if (l + 1 < *n && before(&h[l + 1], &h[m]))
			m = l + 1;
		if (m == i)
			break;
		x = h[i];
		h[i] = h[m];
		h[m] = x;
		i = m;
	}
	return top;
}

/*
 * The ticks of t from x on, up to until, counted: an `every` by
 * arithmetic, a schedule's one by one within what is left of *budget
 * for the request (then f->at_least), so that a plan of a year of
 * minutely tasks cannot hold the loop.
 */
static uint64_t
count_from(struct forecast *f, const struct task *t, time_t x, time_t until,
    uint64_t *budget)
{
	uint64_t	n = 0;

	if (x > until)
		return 0;
	if (t->conf->every_ms >= 1000)
		return (uint64_t)((until - x) /
		    (time_t)(t->conf->every_ms / 1000)) + 1;
	while (x != (time_t)-1 && x <= until) {
		if (*budget == 0) {
			f->at_least = true;
			break;
		}
		(*budget)--;
		n++;
		x = sched_next(t->conf, x);
	}
	return n;
}

void
forecast_make(struct forecast *f, struct task **tasks, size_t n,
    struct task **what_if, size_t nwhat_if, time_t now, time_t until,
    size_t max)
{
	struct state	 s;
	struct item	*h, it;
	struct task	*t;
	size_t		 nh = 0, i, j;
	time_t		 x;
	bool		 all = n == 0;
	uint64_t	 budget = COUNT_BUDGET;

	memset(f, 0, sizeof(*f));
	memset(&s, 0, sizeof(s));
	s.what_if = what_if;
	s.nwhat_if = nwhat_if;
	s.now = now;
	s.until = until;
	if (n == 0) {
		tasks = md.tasks.v;
		n = md.tasks.n;
	}
	openings(&s);
	s.verdict = xcalloc(n + 1, sizeof(*s.verdict));
	h = xcalloc(n + s.nop + 1, sizeof(*h));
	for (i = 0; i < n; i++) {
		t = tasks[i];
		if (t->conf->kind == KIND_PERIODIC &&
		    (x = sched_upcoming(t)) != (time_t)-1 && x <= until) {
			while (x <= now && x != (time_t)-1)
				x = sched_next(t->conf, x);
			if (x != (time_t)-1 && x <= until)
				push(h, &nh, (struct item){ x, t, i });
		}
	}
	/* oneshots and services that a window's opening would start */
	for (j = 0; j < s.nop; j++)
		if (s.op[j].from > now)
			push(h, &nh, (struct item){ s.op[j].from, NULL, j });
	f->v = xcalloc(max + 1, sizeof(*f->v));
	while (nh > 0) {
		it = pop(h, &nh);
		if (it.task != NULL) {
			if (f->n < max)
				tick_row(&s, it.i, it.task, it.time,
				    &f->v[f->n++]);
			else {
				f->more += count_from(f, it.task, it.time,
				    until, &budget);
				continue;
			}
			x = sched_next(it.task->conf, it.time);
			if (x != (time_t)-1 && x <= until)
				push(h, &nh, (struct item){ x, it.task, it.i });
			continue;
		}
		for (i = 0; i < s.op[it.i].ntasks; i++) {
			struct forecast_row	*r;

			t = s.op[it.i].tasks[i];
			if (t->conf->kind == KIND_PERIODIC || t->active ||
			    has(what_if, nwhat_if, t) ||
			    (!all && !has(tasks, n, t)))
				continue;
			if (f->n == max) {
				f->more++;
				continue;
			}
			r = &f->v[f->n++];
			memset(r, 0, sizeof(*r));
			r->time = it.time;
			r->task = t;
			r->window = s.op[it.i].wc;
			r->trigger = "window";
			r->code = stop_now(t, r->why, sizeof(r->why));
		}
	}
	free(h);
	free(s.verdict);
	for (i = 0; i < s.npresets; i++)
		preset_free(&s.presets[i]);
	free(s.presets);
	free(s.op);
}

void
forecast_free(struct forecast *f)
{
	free(f->v);
	f->v = NULL;
	f->n = 0;
}
