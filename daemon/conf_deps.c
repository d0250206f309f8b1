/*
 * conf_deps.c: the dependencies of a config checked as a whole, once
 * every file is read: after, on_success and on_failure name tasks that
 * exist (requires is conf.c's), a task that is not a service is not
 * after a service (it is always running: the task would never start),
 * a chain does not start a service, and none of the relations has a
 * loop.  Each relation is its own graph (depgraph.c): a loop in after
 * would wait forever, one in requires never start, one in the chains
 * never end; across relations there is no such harm, so "verify requires
 * backup" beside "backup on_success verify" is allowed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "conf_err.h"
#include "depgraph.h"
#include "util.h"

enum rel { REL_AFTER, REL_REQUIRES, REL_CHAIN };

#define MAX_LOOPS	20	/* reported in each relation */

/* The tasks by name (conf.c's byname, which this file may not call). */
struct names {
	const struct config	 *conf;
	struct task_conf	**v;	/* sorted by name, ties in file order */
};

static int
name_cmp(const void *key, const void *elem)
{
	return strcmp(key, (*(struct task_conf *const *)elem)->name);
}

/* The first task named name, or NULL. */
static struct task_conf *
find(const struct names *nm, const char *name)
{
	struct task_conf	**p;

	p = bsearch(name, nm->v, nm->conf->ntasks, sizeof(*nm->v), name_cmp);
	while (p != NULL && p > nm->v && strcmp(p[-1]->name, name) == 0)
		p--;
	return p != NULL ? *p : NULL;
}

/* A file where an error is, into the vector *files once. */
static void
bad_file(char ***files, const char *file)
{
	size_t	n = strv_len(*files);

	if (*files != NULL && strv_contains(*files, file))
		return;
	*files = xreallocarray(*files, n + 2, sizeof(**files));
	(*files)[n] = xstrdup(file);
	(*files)[n + 1] = NULL;
}

/* Names in v that are tasks, checked as option opt of t. */
static void
check_names(const struct names *nm,
    const struct task_conf *t, const char *opt, char **v, int line,
    char ***files)
{
	struct task_conf	*o;

	for (; v != NULL && *v != NULL; v++) {
		if ((o = find(nm, *v)) == NULL)
			conf_err_add(t->file, line, "task %s: %s unknown task "
			    "'%s'", t->name, opt, *v);
		else if (strcmp(opt, "after") == 0 &&
		    o->kind == KIND_SERVICE && t->kind != KIND_SERVICE)
			conf_err_add(t->file, line, "task %s: after %s: %s is a "
			    "service (always running): only a service can be "
			    "after a service", t->name, *v, *v);
		else if (strcmp(opt, "after") != 0 && o->kind == KIND_SERVICE)
			conf_err_add(t->file, line, "task %s: %s %s: %s is a "
			    "service: chains start oneshot and periodic tasks",
			    t->name, opt, *v, *v);
		else
			continue;
		bad_file(files, t->file);
	}
}

/* The index in conf->tasks of the task named name, via byname. */
static size_t
index_of(const struct config *conf, const struct names *nm,
    const char *name, bool *found)
{
	struct task_conf	*o;

	o = find(nm, name);
	*found = o != NULL;
	return o != NULL ? (size_t)(o - conf->tasks) : 0;
}

static void
edges(struct depgraph *g, const struct config *conf,
    const struct names *nm, size_t from, char **v)
{
	bool	found;
	size_t	to;

	for (; v != NULL && *v != NULL; v++) {
		to = index_of(conf, nm, *v, &found);
		if (found)
			depgraph_edge(g, from, to);
	}
}

/* The line of the edge from a to b in relation rel. */
static int
edge_line(const struct task_conf *a, const char *b, enum rel rel)
{
	size_t	i;

	switch (rel) {
	case REL_AFTER:
		return a->after_line;
	case REL_REQUIRES:
		for (i = 0; i < a->nrequires; i++)
			if (strcmp(a->requires[i].task, b) == 0)
				return a->requires[i].line;
		return a->line;
	default:
		return strv_contains(a->on_success, b) ? a->on_success_line :
		    a->on_failure_line;
	}
}

static void
check_loop(const struct config *conf, const struct names *nm,
    enum rel rel, char ***files)
{
	static const char	*names[] = { "after", "requires" };
	struct depgraph		 g;
	const struct task_conf	*t, *first;
	const char		*next;
	size_t			*path, len, i, j, o, nloops;
	char			*text;

	depgraph_init(&g, conf->ntasks);
	for (i = 0; i < conf->ntasks; i++) {
		t = &conf->tasks[i];
		if (rel == REL_AFTER)
			edges(&g, conf, nm, i, t->after);
		else if (rel == REL_CHAIN) {
			edges(&g, conf, nm, i, t->on_success);
			edges(&g, conf, nm, i, t->on_failure);
		} else
			for (j = 0; j < t->nrequires; j++) {
				bool found;
				size_t to = index_of(conf, nm,
				    t->requires[j].task, &found);

				/* requiring itself is an error of its own */
				if (found && to != i)
					depgraph_edge(&g, i, to);
			}
	}
	path = xcalloc(conf->ntasks + 1, sizeof(*path));
	/* each loop, up to MAX_LOOPS: the edge that closed one is taken out
	 * before looking again */
	for (nloops = 0; nloops < MAX_LOOPS &&
	    (len = depgraph_loop(&g, path)) > 0; nloops++) {
		o = 0;
		/* the names, " -> " between, and the first again */
		for (i = 0; i <= len; i++)
			o += strlen(conf->tasks[path[i % len]].name) + 4;
		text = xcalloc(o + 1, 1);
		for (i = 0; i <= len; i++) {
			if (i > 0)
				strcat(text, " -> ");
			strcat(text, conf->tasks[path[i % len]].name);
		}
		first = &conf->tasks[path[0]];
		next = conf->tasks[path[1 % len]].name;
		conf_err_add(first->file, edge_line(first, next, rel), "task "
		    "%s: %s: a loop: %s", first->name, rel != REL_CHAIN ?
		    names[rel] : strv_contains(first->on_success, next) ?
		    "on_success" : "on_failure", text);
		bad_file(files, first->file);
		free(text);
		depgraph_unedge(&g, path[len - 1], path[0]);
	}
	free(path);
	depgraph_free(&g);
}

char **
conf_deps_check(const struct config *conf, struct task_conf **byname)
{
	struct names		 names = { conf, byname }, *nm = &names;
	const struct task_conf	*t;
	char			**files = NULL;
	size_t			  i;

	for (i = 0; i < conf->ntasks; i++) {
		t = &conf->tasks[i];
		check_names(nm, t, "after", t->after, t->after_line,
		    &files);
		check_names(nm, t, "on_success", t->on_success,
		    t->on_success_line, &files);
		check_names(nm, t, "on_failure", t->on_failure,
		    t->on_failure_line, &files);
	}
	/* an edge to an unknown task is left out of the graphs */
	check_loop(conf, nm, REL_AFTER, &files);
	check_loop(conf, nm, REL_REQUIRES, &files);
	check_loop(conf, nm, REL_CHAIN, &files);
	return files;
}
