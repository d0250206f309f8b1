/* task.c: the task table: one entry per configured task, looked up by name. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "task.h"
#include "util.h"

static int
byname_cmp(const void *a, const void *b)
{
	const struct task	*x = *(struct task *const *)a;
	const struct task	*y = *(struct task *const *)b;

	return strcmp(x->conf->name, y->conf->name);
}

static void
conflict_add(struct task *a, struct task *b)
{
	size_t	i;

	for (i = 0; i < a->nconflicts; i++)
		if (a->conflicts[i] == b)
			return;
	a->conflicts = xreallocarray(a->conflicts, a->nconflicts + 1,
	    sizeof(*a->conflicts));
	a->conflicts[a->nconflicts++] = b;
}

struct task *
task_new(struct task_conf *tc)
{
	struct task	*t = xcalloc(1, sizeof(*t));

	t->conf = xcalloc(1, sizeof(*t->conf));
	*t->conf = *tc;
	memset(tc, 0, sizeof(*tc));
	t->state = ST_IDLE;
	t->out[0].fd = t->out[1].fd = t->errfd = t->logfd = t->pidfd = -1;
	t->out[0].task = t->out[1].task = t;
	t->out[1].stream = 1;
	return t;
}

void
task_free(struct task *t)
{
	size_t	j;

	if (t == NULL)
		return;
	if (t->logfd != -1)
		close(t->logfd);
	free(t->conflicts);
	for (j = 0; t->tail != NULL && j < TAIL_LINES; j++)
		free(t->tail->line[j]);
	free(t->tail);
	free(t->out[0].line);
	free(t->out[1].line);
	free(t->last);
	task_conf_free(t->conf);
	free(t->conf);
	free(t);
}

void
tasks_index(struct tasks *ts)
{
	struct task	*t, *o;
	size_t		 i;
	char		**c;

	free(ts->byname);
	ts->byname = xcalloc(ts->n + 1, sizeof(*ts->byname));
	for (i = 0; i < ts->n; i++)
		ts->byname[i] = ts->v[i];
	qsort(ts->byname, ts->n, sizeof(*ts->byname), byname_cmp);
	for (i = 0; i < ts->n; i++) {
		free(ts->v[i]->conflicts);
		ts->v[i]->conflicts = NULL;
		ts->v[i]->nconflicts = 0;
	}
	/* conflicts are symmetric: a conflicts with b means b with a */
	for (i = 0; i < ts->n; i++) {
		t = ts->v[i];
		for (c = t->conf->conflicts; c && *c; c++) {
			if ((o = task_find(ts, *c)) == NULL)
				continue;
			conflict_add(t, o);
			conflict_add(o, t);
		}
	}
}

void
tasks_build(struct tasks *ts, struct config *conf)
{
	size_t	i;

	ts->n = conf->ntasks;
	ts->v = xcalloc(ts->n + 1, sizeof(*ts->v));
	for (i = 0; i < ts->n; i++)
		ts->v[i] = task_new(&conf->tasks[i]);
	free(conf->tasks);
	conf->tasks = NULL;
	conf->ntasks = 0;
	tasks_index(ts);
}

void
tasks_free(struct tasks *ts)
{
	size_t	i;

	for (i = 0; i < ts->n; i++)
		task_free(ts->v[i]);
	free(ts->v);
	free(ts->byname);
	memset(ts, 0, sizeof(*ts));
}

struct task *
task_find(const struct tasks *ts, const char *name)
{
	size_t	lo = 0, hi = ts->n, mid;
	int	c;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		c = strcmp(name, ts->byname[mid]->conf->name);
		if (c == 0)
			return ts->byname[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

const char *
state_name(enum task_state s)
{
	static const char	*names[] = {
		"idle", "starting", "running", "stopping", "backoff", "failed"
	};

	return names[s];
}


/* A run or its clean-up is under way. */
bool
task_busy(const struct task *t)
{
	return t->state == ST_STARTING || t->state == ST_RUNNING ||
	    t->state == ST_STOPPING;
}

/* a and b differ by at most one insertion, deletion or substitution */
static bool
one_edit(const char *a, const char *b)
{
	size_t	la = strlen(a), lb = strlen(b), i = 0;

	if (la < lb)
		return one_edit(b, a);
	if (la - lb > 1)
		return false;
	while (i < lb && a[i] == b[i])
		i++;
	if (la == lb)
		return strcmp(a + i + (i < la), b + i + (i < lb)) == 0;
	return strcmp(a + i + 1, b + i) == 0;
}

/* A configured name that name may have meant: same but for case, or one edit. */
const char *
task_suggest(const struct tasks *ts, const char *name)
{
	const char	*best = NULL;
	size_t		 i;

	for (i = 0; i < ts->n; i++) {
		const char *n = ts->byname[i]->conf->name;

		if (strcasecmp(n, name) == 0)
			return n;
		if (best == NULL && one_edit(n, name))
			best = n;
	}
	return best;
}
