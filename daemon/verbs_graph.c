/*
 * verbs_graph.c: graph [TASK] [--dot] [--json]: the dependencies of the
 * tasks (after, requires, on_success, on_failure) as an indented tree
 * from each root, as Graphviz, or one JSON object per edge; and a task's
 * edges both ways for show.  An edge goes from the task whose option it
 * is to the task the option names.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "control.h"
#include "proto.h"
#include "state.h"
#include "task.h"
#include "util.h"
#include "verbs.h"

enum { E_AFTER, E_REQUIRES, E_SUCCESS, E_FAILURE, E_NKINDS };
static const char	*edge_names[E_NKINDS] = {
	"after", "requires", "on_success", "on_failure"
};

/* The names a task's edges of kind k go to: a vector, or requires. */
static size_t
edge_count(const struct task_conf *tc, int k)
{
	switch (k) {
	case E_AFTER:
		return strv_len(tc->after);
	case E_REQUIRES:
		return tc->nrequires;
	case E_SUCCESS:
		return strv_len(tc->on_success);
	default:
		return strv_len(tc->on_failure);
	}
}

static const char *
edge_to(const struct task_conf *tc, int k, size_t i)
{
	switch (k) {
	case E_AFTER:
		return tc->after[i];
	case E_REQUIRES:
		return tc->requires[i].task;
	case E_SUCCESS:
		return tc->on_success[i];
	default:
		return tc->on_failure[i];
	}
}

static bool
has_edges(const struct task_conf *tc)
{
	int	k;

	for (k = 0; k < E_NKINDS; k++)
		if (edge_count(tc, k) > 0)
			return true;
	return false;
}


struct walk {
	struct client	*c;
	bool		 dot, json;
	bool		*seen;		/* by index in md.tasks: expanded */
	size_t		*index;		/* md.tasks.byname's i: md.tasks.v's */
};

/* t's place in md.tasks.byname (names are unique): O(log n). */
static size_t
byname_pos(const struct task *t)
{
	size_t	lo = 0, hi = md.tasks.n, mid;
	int	c;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		if ((c = strcmp(md.tasks.byname[mid]->conf->name,
		    t->conf->name)) == 0)
			return mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

/* t's place in md.tasks.v. */
static size_t
index_of(const struct walk *w, const struct task *t)
{
	return w->index[byname_pos(t)];
}

static void
edge_out(struct walk *w, const char *from, int k, const char *to)
{
	struct json_object	*o;

	if (w->json) {
		o = json_object_new_object();
		json_object_object_add(o, "from", json_object_new_string(from));
		json_object_object_add(o, "to", json_object_new_string(to));
		json_object_object_add(o, "edge",
		    json_object_new_string(edge_names[k]));
		client_json(w->c, o);
		json_object_put(o);
	} else
		client_data(w->c, "  \"%s\" -> \"%s\" [label=\"%s\"];", from,
		    to, edge_names[k]);
}

/*
 * The edges from t down, each task's once: as lines of the tree (depth
 * levels of indent; a task shown above is "(see above)"), or as edges.
 * An explicit stack would be needed only past the depth of the config's
 * longest path, which its loop check (conf_deps.c) keeps finite.
 */
static void
walk(struct walk *w, const struct task *t, int depth)
{
	const struct task	*o;
	const char		*to;
	size_t			 j;
	int			 k;

	w->seen[index_of(w, t)] = true;
	for (k = 0; k < E_NKINDS; k++)
		for (j = 0; j < edge_count(t->conf, k); j++) {
			to = edge_to(t->conf, k, j);
			o = task_find(&md.tasks, to);
			if (w->dot || w->json)
				edge_out(w, t->conf->name, k, to);
			else
				client_data(w->c, "%*s%s %s%s", 2 * (depth + 1),
				    "", edge_names[k], to, o != NULL &&
				    w->seen[index_of(w, o)] && has_edges(o->conf) ?
				    " (see above)" : "");
			if (o != NULL && !w->seen[index_of(w, o)])
				walk(w, o, depth + 1);
		}
}

static void
root(struct walk *w, const struct task *t)
{
	if (!w->dot && !w->json)
		client_data(w->c, "%s", t->conf->name);
	walk(w, t, 0);
}

void
verb_graph(struct client *c, struct request *r)
{
	struct walk	 w;
	struct task	*t = NULL, *o;
	bool		*incoming;
	size_t		 i, j, n = 0;
	int		 k;

	if (r->nargs > 0 && (t = verbs_task(c, r->args[0])) == NULL)
		return;
	memset(&w, 0, sizeof(w));
	w.c = c;
	w.json = client_json_mode(c);
	w.dot = !w.json && request_has(r, "dot");
	w.seen = xcalloc(md.tasks.n + 1, sizeof(*w.seen));
	w.index = xcalloc(md.tasks.n + 1, sizeof(*w.index));
	for (i = 0; i < md.tasks.n; i++)
		w.index[byname_pos(md.tasks.v[i])] = i;
	/* the tasks an edge comes to */
	incoming = xcalloc(md.tasks.n + 1, sizeof(*incoming));
	for (i = 0; i < md.tasks.n; i++)
		for (k = 0; k < E_NKINDS; k++)
			for (j = 0; j < edge_count(md.tasks.v[i]->conf, k); j++)
				if ((o = task_find(&md.tasks,
				    edge_to(md.tasks.v[i]->conf, k, j))) != NULL)
					incoming[index_of(&w, o)] = true;
	if (w.dot)
		client_data(c, "digraph maintd {");
	if (t != NULL)
		root(&w, t);
	else {
		/* the roots: tasks with edges that no edge comes to */
		for (i = 0; i < md.tasks.n; i++)
			if (has_edges(md.tasks.v[i]->conf) && !incoming[i])
				root(&w, md.tasks.v[i]);
		/* what a loop across relations leaves without a root */
		for (i = 0; i < md.tasks.n; i++)
			if (has_edges(md.tasks.v[i]->conf) && !w.seen[i])
				root(&w, md.tasks.v[i]);
	}
	if (w.dot)
		client_data(c, "}");
	for (i = 0; i < md.tasks.n; i++)
		n += w.seen[i];
	free(w.seen);
	free(w.index);
	free(incoming);
	client_ok(c, "%zu task%s", n, n == 1 ? "" : "s");
}

/* The names of the tasks with an edge of kind k to t. */
static struct json_object *
incoming(const struct task *t, int k)
{
	struct json_object	*a = json_object_new_array();
	const struct task_conf	*tc;
	size_t			 i, j;

	for (i = 0; i < md.tasks.n; i++) {
		tc = md.tasks.v[i]->conf;
		for (j = 0; j < edge_count(tc, k); j++)
			if (strcmp(edge_to(tc, k, j), t->conf->name) == 0) {
				json_object_array_add(a,
				    json_object_new_string(tc->name));
				break;
			}
	}
	return a;
}

/* Is name in the array of names a? */
static bool
in_array(struct json_object *a, const char *name)
{
	size_t	i;

	for (i = 0; i < json_object_array_length(a); i++)
		if (strcmp(name, json_object_get_string(
		    json_object_array_get_idx(a, i))) == 0)
			return true;
	return false;
}

void
verbs_graph_edges(const struct task *t, struct json_object *o)
{
	struct json_object	*a, *f, *v;
	size_t			 i;

	json_object_object_add(o, "after", verbs_strv(t->conf->after));
	json_object_object_add(o, "before", incoming(t, E_AFTER));
	json_object_object_add(o, "required_by", incoming(t, E_REQUIRES));
	json_object_object_add(o, "on_success",
	    verbs_strv(t->conf->on_success));
	json_object_object_add(o, "on_failure",
	    verbs_strv(t->conf->on_failure));
	/* chained from: the tasks whose on_success or on_failure name it */
	a = incoming(t, E_SUCCESS);
	f = incoming(t, E_FAILURE);
	for (i = 0; i < json_object_array_length(f); i++) {
		v = json_object_array_get_idx(f, i);
		if (!in_array(a, json_object_get_string(v)))
			json_object_array_add(a, json_object_get(v));
	}
	json_object_put(f);
	json_object_object_add(o, "chained_from", a);
}
