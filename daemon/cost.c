/*
 * cost.c: what runs cost, as they end (DESIGN §15).  A run whose
 * duration or peak memory is over 3 times the median of its task's last
 * 20 runs (with at least 5 to compare with, and more than a floor above
 * it, so that a run of 10 ms after runs of 3 ms says nothing) is a
 * "regression" event naming the figure.  The last figures of each task
 * are kept in a ring in memory, seeded from the store at start-up in one
 * query (the configured tasks'; one a reload adds starts empty): nothing
 * is read from the store at a run's end.  Where runs'
 * cgroups have the memory controller but the kernel no memory.peak, the
 * memory.current of a run is sampled at its output, at most once a
 * second, so that a daemon with nothing to do wakes for nothing.
 */
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cgroup.h"
#include "cost.h"
#include "ev.h"
#include "event.h"
#include "feed.h"
#include "run.h"
#include "state.h"
#include "store.h"
#include "task.h"
#include "util.h"

#define RING		20	/* the runs a median is taken of */
#define MIN_RUNS	5	/* fewer: no verdict */
#define FACTOR		3.0
#define DUR_FLOOR_S	1.0		/* and over the median by this much */
#define MEM_FLOOR	(16LL << 20)	/* bytes */
#define SAMPLE_MS	1000

/* A task's last figures; -1 (memory): not known. */
struct ring {
	char		*task;
	double		 dur[RING];
	int64_t		 mem[RING];
	unsigned	 n, next;
};

static struct ring	*rings;		/* sorted by task */
static size_t		 nrings;
static struct feed_sub	 end_sub, line_sub;

static int
ring_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct ring *)elem)->task);
}

/* The ring of task, made if need be. */
static struct ring *
ring_of(const char *task)
{
	struct ring	*g;
	size_t		 lo = 0, hi = nrings, mid;
	int		 c;

	if (nrings > 0 && (g = bsearch(task, rings, nrings, sizeof(*rings),
	    ring_cmp)) != NULL)
		return g;
	while (lo < hi) {
		mid = (lo + hi) / 2;
		if ((c = strcmp(task, rings[mid].task)) < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	rings = xreallocarray(rings, nrings + 1, sizeof(*rings));
	memmove(&rings[lo + 1], &rings[lo], (nrings - lo) * sizeof(*rings));
	nrings++;
	memset(&rings[lo], 0, sizeof(*rings));
	rings[lo].task = xstrdup(task);
	return &rings[lo];
}

static void
ring_push(struct ring *g, double dur, int64_t mem)
{
	g->dur[g->next] = dur;
	g->mem[g->next] = mem;
	g->next = (g->next + 1) % RING;
	if (g->n < RING)
		g->n++;
}

static int
dbl_cmp(const void *a, const void *b)
{
	double	x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The median of the known (>= 0) values; how many there were. */
static unsigned
median(const double *v, unsigned n, double *med)
{
	double		s[RING];
	unsigned	i, k = 0;

	for (i = 0; i < n; i++)
		if (v[i] >= 0)
			s[k++] = v[i];
	if (k == 0)
		return 0;
	qsort(s, k, sizeof(*s), dbl_cmp);
	*med = k % 2 ? s[k / 2] : (s[k / 2 - 1] + s[k / 2]) / 2;
	return k;
}

static void
regression(const struct task *t, const struct run *r, const char *figure,
    double value, double med, unsigned n)
{
	struct json_object	*d = json_object_new_object();

	json_object_object_add(d, "run", json_object_new_int64((int64_t)r->id));
	json_object_object_add(d, "figure", json_object_new_string(figure));
	json_object_object_add(d, "value", json_object_new_double(value));
	json_object_object_add(d, "median", json_object_new_double(med));
	json_object_object_add(d, "ratio", json_object_new_double(med > 0 ?
	    value / med : 0));
	json_object_object_add(d, "runs", json_object_new_int((int)n));
	event_emit(t->conf->name, "regression", "maintd", d);
}

/* Over FACTOR times the median, and by more than floor? */
static bool
above(double value, double med, double floor)
{
	return value > FACTOR * med && value - med > floor;
}

static void
on_end(enum feed_stream st, const struct feed_msg *m, void *arg)
{
	const struct run	*r = m->run;
	struct ring		*g;
	double			 dur, mem, v[RING], med;
	unsigned		 i, n;

	(void)st;
	(void)arg;
	if (r == NULL || !r->done || r->dry_run ||
	    run_classify(r) == RC_ERROR)
		return;
	g = ring_of(m->task->conf->name);
	dur = (double)(r->end_mono - r->start_mono) / 1000;
	mem = r->res.mem_src != RS_NONE ? (double)r->res.mem_peak : -1;
	if ((n = median(g->dur, g->n, &med)) >= MIN_RUNS &&
	    above(dur, med, DUR_FLOOR_S))
		regression(m->task, r, "duration", dur, med, n);
	for (i = 0; i < g->n; i++)
		v[i] = (double)g->mem[i];
	if (mem >= 0 && (n = median(v, g->n, &med)) >= MIN_RUNS &&
	    above(mem, med, (double)MEM_FLOOR))
		regression(m->task, r, "memory_peak", mem, med, n);
	ring_push(g, dur, mem >= 0 ? (int64_t)mem : -1);
}

/* A line of a run's output: a sample of its memory, once a second. */
static void
on_line(enum feed_stream st, const struct feed_msg *m, void *arg)
{
	struct task	*t = m->task;
	uint64_t	 now = ev_now();
	int64_t		 v;

	(void)st;
	(void)arg;
	if (t == NULL || !t->cur.cgroup || t->cur.done ||
	    now < t->cur.res.mem_sampled + SAMPLE_MS)
		return;
	t->cur.res.mem_sampled = now;
	if ((v = cg_run_memory_sample(t->conf->name, t->cur.id)) >
	    t->cur.res.mem_seen)
		t->cur.res.mem_seen = v;
}

static void
seed(const char *task, double dur, int64_t mem, void *arg)
{
	(void)arg;
	ring_push(ring_of(task), dur, mem);
}

void
cost_init(void)
{
	struct json_object	*names = json_object_new_array();
	size_t			 i;

	for (i = 0; i < md.tasks.n; i++)
		json_object_array_add(names,
		    json_object_new_string(md.tasks.v[i]->conf->name));
	(void)store_recent_runs(json_object_to_json_string_ext(names,
	    JSON_C_TO_STRING_PLAIN), RING, seed, NULL);
	json_object_put(names);
	feed_subscribe(&end_sub, FEED_RUN_END, on_end, NULL);
	if (cg_memory_sampled())
		feed_subscribe(&line_sub, FEED_LINE, on_line, NULL);
}

void
cost_stop(void)
{
	size_t	i;

	feed_unsubscribe(&end_sub);
	if (feed_subscribed(&line_sub))
		feed_unsubscribe(&line_sub);
	for (i = 0; i < nrings; i++)
		free(rings[i].task);
	free(rings);
	rings = NULL;
	nrings = 0;
}
