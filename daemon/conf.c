/*
 * conf.c: the whole configuration: the main file, then what discover
 * finds (drop-in .conf files, tagged .json manifests), merged; names
 * defined twice and references between sections (conflicts, presets,
 * windows) checked last.  At start-up a bad discovered file is reported
 * and left out; on reload any error fails the whole load.
 */
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "conf_err.h"
#include "conf_file.h"
#include "conf_manifest.h"
#include "log.h"
#include "tz.h"
#include "util.h"

static void
preset_free(struct preset_conf *p)
{
	free(p->name);
	free(p->description);
	strv_free(p->tasks);
	strv_free(p->tags);
	free(p->file);
}

static void
window_free(struct window_conf *w)
{
	free(w->name);
	free(w->preset);
	free(w->schedule);
	free(w->timezone);
	free(w->file);
}

static bool
in(char **files, const char *f)
{
	return files != NULL && strv_contains(files, f);
}

/* An error in file: a discovered one goes to *bad; the main one counts. */
static void
mark(char ***bad, size_t *n, const char *file, const char *main,
    size_t *nmain)
{
	if (strcmp(file, main) == 0) {
		(*nmain)++;
		return;
	}
	if (in(*bad, file))
		return;
	*bad = xreallocarray(*bad, *n + 2, sizeof(**bad));
	(*bad)[(*n)++] = xstrdup(file);
	(*bad)[*n] = NULL;
}

/* Take out what the files of bad defined. */
static void
drop_files(struct config *conf, char **bad)
{
	size_t	i, n;

	for (i = n = 0; i < conf->ntasks; i++)
		if (in(bad, conf->tasks[i].file))
			task_conf_free(&conf->tasks[i]);
		else
			conf->tasks[n++] = conf->tasks[i];
	conf->ntasks = n;
	for (i = n = 0; i < conf->npresets; i++)
		if (in(bad, conf->presets[i].file))
			preset_free(&conf->presets[i]);
		else
			conf->presets[n++] = conf->presets[i];
	conf->npresets = n;
	for (i = n = 0; i < conf->nwindows; i++)
		if (in(bad, conf->windows[i].file))
			window_free(&conf->windows[i]);
		else
			conf->windows[n++] = conf->windows[i];
	conf->nwindows = n;
	conf_tokens_drop(conf, bad);
	for (i = n = 0; conf->discovered != NULL &&
	    conf->discovered[i] != NULL; i++)
		if (in(bad, conf->discovered[i]))
			free(conf->discovered[i]);
		else
			conf->discovered[n++] = conf->discovered[i];
	if (conf->discovered != NULL)
		conf->discovered[n] = NULL;
}

/*
 * The tasks by name, for check_refs: sorted once, ties in file order, so
 * that a name defined twice is found in O(log n), not by a walk of every
 * earlier task (10 000 tasks would be 50 million comparisons).
 */
static int
byname_cmp(const void *a, const void *b)
{
	const struct task_conf	*x = *(const struct task_conf *const *)a;
	const struct task_conf	*y = *(const struct task_conf *const *)b;
	int			 c = strcmp(x->name, y->name);

	return c != 0 ? c : x < y ? -1 : x > y;
}

struct task_conf **
conf_byname(const struct config *conf)
{
	struct task_conf	**v;
	size_t			  i;

	v = xcalloc(conf->ntasks + 1, sizeof(*v));
	for (i = 0; i < conf->ntasks; i++)
		v[i] = &conf->tasks[i];
	qsort(v, conf->ntasks, sizeof(*v), byname_cmp);
	return v;
}

/* The first task (in file order) named name in v, or NULL. */
struct task_conf *
conf_byname_find(struct task_conf **v, size_t n, const char *name)
{
	size_t	lo = 0, hi = n, mid;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (strcmp(v[mid]->name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && strcmp(v[lo]->name, name) == 0 ? v[lo] : NULL;
}

/*
 * Names given twice, and references to what does not exist; the files
 * of discover where they are go to *bad.  How many errors are the main
 * file's.
 */
static size_t
check_refs(struct config *conf, char ***bad)
{
	struct task_conf	*t, *first, **byname;
	size_t			 i, j, nbad = 0, nmain = 0;
	char			**v;

	byname = conf_byname(conf);
	for (i = 0; i < conf->ntasks; i++) {
		t = &conf->tasks[i];
		first = conf_byname_find(byname, conf->ntasks, t->name);
		if (first != t) {
			conf_err_add(t->file, t->line, "task %s is "
			    "defined twice: also at %s:%d", t->name,
			    first->file, first->line);
			mark(bad, &nbad, t->file, conf->path, &nmain);
		}
		for (v = t->conflicts; *v; v++) {
			if (strcmp(*v, t->name) == 0)
				conf_err_add(t->file, t->conflicts_line, "task "
				    "%s conflicts with itself", t->name);
			else if (conf_byname_find(byname, conf->ntasks, *v) == NULL)
				conf_err_add(t->file, t->conflicts_line, "task "
				    "%s: conflicts with unknown task '%s'",
				    t->name, *v);
			else
				continue;
			mark(bad, &nbad, t->file, conf->path, &nmain);
		}
		for (j = 0; j < t->nrequires; j++) {
			struct requirement *rq = &t->requires[j];

			if (strcmp(rq->task, t->name) == 0)
				conf_err_add(t->file, rq->line, "task %s "
				    "requires itself", t->name);
			else if (conf_byname_find(byname, conf->ntasks,
			    rq->task) == NULL)
				conf_err_add(t->file, rq->line, "task %s: "
				    "requires unknown task '%s'", t->name,
				    rq->task);
			else
				continue;
			mark(bad, &nbad, t->file, conf->path, &nmain);
		}
	}
	for (i = 0; i < conf->npresets; i++) {
		struct preset_conf *p = &conf->presets[i];

		for (j = 0; j < i; j++)
			if (strcmp(conf->presets[j].name, p->name) == 0) {
				conf_err_add(p->file, p->line, "preset %s is "
				    "defined twice: also at %s:%d", p->name,
				    conf->presets[j].file, conf->presets[j].line);
				mark(bad, &nbad, p->file, conf->path, &nmain);
				break;
			}
		for (v = p->tasks; *v; v++)
			if (conf_byname_find(byname, conf->ntasks, *v) == NULL) {
				conf_err_add(p->file, p->tasks_line, "preset %s: "
				    "unknown task '%s'", p->name, *v);
				mark(bad, &nbad, p->file, conf->path, &nmain);
			}
		if (p->tasks[0] == NULL && p->tags[0] == NULL) {
			conf_err_add(p->file, p->line, "preset %s: needs tasks "
			    "or tags", p->name);
			mark(bad, &nbad, p->file, conf->path, &nmain);
		}
	}
	v = conf_deps_check(conf, byname);
	for (j = 0; v != NULL && v[j] != NULL; j++)
		mark(bad, &nbad, v[j], conf->path, &nmain);
	strv_free(v);
	free(byname);
	for (i = 0; i < conf->nwindows; i++) {
		struct window_conf *w = &conf->windows[i];

		for (j = 0; j < i; j++)
			if (strcmp(conf->windows[j].name, w->name) == 0) {
				conf_err_add(w->file, w->line, "window %s is "
				    "defined twice: also at %s:%d", w->name,
				    conf->windows[j].file, conf->windows[j].line);
				mark(bad, &nbad, w->file, conf->path, &nmain);
				break;
			}
		for (j = 0; j < conf->npresets; j++)
			if (strcmp(conf->presets[j].name, w->preset) == 0)
				break;
		if (j == conf->npresets && w->preset[0] != '\0') {
			conf_err_add(w->file, w->preset_line, "window %s: "
			    "unknown preset '%s'", w->name, w->preset);
			mark(bad, &nbad, w->file, conf->path, &nmain);
		}
	}
	return nmain;
}

/* Note that errors from from on are a left-out file's: warnings. */
static void
warn_of(char ***warnings, size_t from)
{
	char	**w = conf_err_take(from);
	size_t	  n = strv_len(*warnings), k = strv_len(w), i;

	*warnings = xreallocarray(*warnings, n + k + 1, sizeof(**warnings));
	for (i = 0; i < k; i++)
		(*warnings)[n + i] = w[i];
	(*warnings)[n + k] = NULL;
	free(w);
}

static void
discovered(struct config *conf, const char *path)
{
	size_t	n = strv_len(conf->discovered);

	conf->discovered = xreallocarray(conf->discovered, n + 2,
	    sizeof(*conf->discovered));
	conf->discovered[n] = xstrdup(path);
	conf->discovered[n + 1] = NULL;
}

/* One file of discover: a drop-in or a manifest.  Its errors added. */
static size_t
discover_file(struct config *conf, const char *path)
{
	struct manifest	 m;
	size_t		 n0 = conf_err_count(), nt = conf->ntasks, i;
	size_t		 len = strlen(path);
	int		 rc;

	if (len > 5 && strcmp(path + len - 5, ".conf") == 0) {
		discovered(conf, path);
		return conf_file_load(conf, path, NULL, 0, false);
	}
	if (len <= 5 || strcmp(path + len - 5, ".json") != 0) {
		conf_err_add(path, 0, "neither a .conf drop-in nor a .json "
		    "manifest");
		return 1;
	}
	rc = conf_manifest(path, conf->discover_tag, &m);
	for (i = 0; m.errors != NULL && m.errors[i] != NULL; i++)
		conf_err_add(path, 0, "%s", m.errors[i]);
	if (rc == -1) {
		conf_manifest_free(&m);
		return conf_err_count() > n0 ? conf_err_count() - n0 : 1;
	}
	if (rc == 0) {
		log_debug("%s: not tagged %s: not a manifest for maintd", path,
		    conf->discover_tag);
		return 0;
	}
	discovered(conf, path);
	conf_err_labels((const char *const *)m.labels, m.nlabels);
	(void)conf_file_load(conf, path, m.text, m.mode, false);
	conf_err_labels(NULL, 0);
	for (i = nt; i < conf->ntasks; i++)
		conf->tasks[i].key = xstrdup("maintenance");
	rc = m.errors != NULL;		/* refused, whatever the text gave */
	conf_manifest_free(&m);
	return conf_err_count() > n0 || !rc ? conf_err_count() - n0 : 1;
}

/* Every file of the discover globs, in order, each once. */
static void
discover(struct config *conf, bool lenient, char ***warnings)
{
	glob_t		 g;
	char		**seen = NULL, *bad[2] = { NULL, NULL };
	size_t		 i, j, n0, nseen = 0;

	for (i = 0; conf->discover != NULL && conf->discover[i] != NULL; i++) {
		memset(&g, 0, sizeof(g));
		if (glob(conf->discover[i], 0, NULL, &g) != 0) {
			globfree(&g);
			continue;	/* nothing there (yet) */
		}
		for (j = 0; j < g.gl_pathc; j++) {
			if (in(seen, g.gl_pathv[j]))
				continue;
			seen = xreallocarray(seen, nseen + 2, sizeof(*seen));
			seen[nseen++] = xstrdup(g.gl_pathv[j]);
			seen[nseen] = NULL;
			n0 = conf_err_count();
			if (discover_file(conf, g.gl_pathv[j]) > 0 && lenient) {
				bad[0] = g.gl_pathv[j];
				drop_files(conf, bad);
				warn_of(warnings, n0);
			}
		}
		globfree(&g);
	}
	strv_free(seen);
}

struct config *
conf_load(const char *path, bool lenient, char ***errors, char ***warnings)
{
	struct config	*conf;
	char		**bad;
	size_t		  n0, nmain;

	conf_err_begin();
	tz_flush();		/* the zone files are checked again */
	*errors = NULL;
	if (warnings != NULL)
		*warnings = NULL;
	conf = xcalloc(1, sizeof(*conf));
	conf->path = xstrdup(path);
	/* every error is reported: those of the main file do not stop it */
	if (conf_file_load(conf, path, NULL, 0, true) == 0 || !lenient) {
		discover(conf, lenient && warnings != NULL, warnings);
		/*
		 * At start-up a discovered file that refers wrong is left
		 * out, and what referred to it in turn; errors of the main
		 * file end the load.
		 */
		for (;;) {
			bad = NULL;
			n0 = conf_err_count();
			nmain = check_refs(conf, &bad);
			if (bad == NULL || !lenient || warnings == NULL ||
			    nmain > 0) {
				strv_free(bad);
				break;
			}
			drop_files(conf, bad);
			warn_of(warnings, n0);
			strv_free(bad);
		}
	}
	if ((*errors = conf_err_end()) == NULL)
		return conf;
	conf_free(conf);
	return NULL;
}

void
conf_free(struct config *conf)
{
	size_t	i;

	if (conf == NULL)
		return;
	for (i = 0; i < conf->ntasks; i++)
		task_conf_free(&conf->tasks[i]);
	free(conf->tasks);
	for (i = 0; i < conf->npresets; i++)
		preset_free(&conf->presets[i]);
	free(conf->presets);
	for (i = 0; i < conf->nwindows; i++)
		window_free(&conf->windows[i]);
	free(conf->windows);
	for (i = 0; i < conf->nnotifies; i++) {
		free(conf->notifies[i].name);
		free(conf->notifies[i].url);
		strv_free(conf->notifies[i].events);
		strv_free(conf->notifies[i].headers);
		free(conf->notifies[i].secret);
	}
	free(conf->notifies);
	conf_tokens_free(conf);
	free(conf->path);
	free(conf->socket);
	free(conf->socket_group);
	free(conf->admin_group);
	free(conf->pidfile);
	free(conf->database);
	free(conf->log_dir);
	strv_free(conf->discover);
	strv_free(conf->discovered);
	free(conf->default_user);
	free(conf->discover_tag);
	free(conf->metrics_file);
	free(conf->cgroup);
	strv_free(conf->fleet.endpoints);
	free(conf->fleet.prefix);
	free(conf->fleet.node);
	free(conf->fleet.cacert);
	free(conf->fleet.cert);
	free(conf->fleet.key);
	free(conf->path_env);
	free(conf->start_when.cond);
	free(conf->lang);
	free(conf);
}

struct task_conf *
conf_task(const struct config *conf, const char *name)
{
	size_t	i;

	for (i = 0; i < conf->ntasks; i++)
		if (strcmp(conf->tasks[i].name, name) == 0)
			return &conf->tasks[i];
	return NULL;
}

static bool
streq(const char *a, const char *b)
{
	return a == b || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static bool
strveq(char *const *a, char *const *b)
{
	for (; a != NULL && b != NULL && *a != NULL && *b != NULL; a++, b++)
		if (strcmp(*a, *b) != 0)
			return false;
	return (a == NULL || *a == NULL) && (b == NULL || *b == NULL);
}

static bool
requires_same(const struct task_conf *a, const struct task_conf *b)
{
	size_t	i;

	if (a->nrequires != b->nrequires)
		return false;
	for (i = 0; i < a->nrequires; i++)
		if (strcmp(a->requires[i].task, b->requires[i].task) != 0 ||
		    a->requires[i].ok_within_ms != b->requires[i].ok_within_ms)
			return false;
	return true;
}

/*
 * Every field that says what the task does (a new field of task_conf
 * belongs here too, or a reload would not see it change).
 */
bool
conf_task_same(const struct task_conf *a, const struct task_conf *b)
{
	const struct task_health *h = &a->health, *k = &b->health;

	return streq(a->name, b->name) &&
	    streq(a->description, b->description) &&
	    strveq(a->argv, b->argv) && a->shell == b->shell &&
	    streq(a->user, b->user) && streq(a->group, b->group) &&
	    a->uid == b->uid && a->gid == b->gid &&
	    a->allow_root == b->allow_root &&
	    streq(a->directory, b->directory) &&
	    strveq(a->environment, b->environment) &&
	    strveq(a->tags, b->tags) && a->kind == b->kind &&
	    streq(a->schedule, b->schedule) && a->every_ms == b->every_ms &&
	    streq(a->timezone, b->timezone) &&
	    a->timeout_ms == b->timeout_ms &&
	    a->kill_signal == b->kill_signal && a->weight == b->weight &&
	    strveq(a->conflicts, b->conflicts) &&
	    a->auto_deactivate_ms == b->auto_deactivate_ms &&
	    a->dry_run == b->dry_run && a->output == b->output &&
	    a->merged_streams == b->merged_streams &&
	    a->nice == b->nice && a->umask == b->umask &&
	    memcmp(&a->limits, &b->limits, sizeof(a->limits)) == 0 &&
	    memcmp(&a->cg, &b->cg, sizeof(a->cg)) == 0 &&
	    a->fleet_once == b->fleet_once && a->fleet_keep == b->fleet_keep &&
	    a->has_health == b->has_health && streq(h->url, k->url) &&
	    strveq(h->command, k->command) &&
	    h->interval_ms == k->interval_ms &&
	    h->timeout_ms == k->timeout_ms &&
	    h->start_period_ms == k->start_period_ms &&
	    h->failures == k->failures &&
	    h->expect_status == k->expect_status &&
	    h->restart == k->restart &&
	    h->follow_redirects == k->follow_redirects &&
	    a->start_when.n == b->start_when.n && (a->start_when.n == 0 ||
	    memcmp(a->start_when.cond, b->start_when.cond,
	    a->start_when.n * sizeof(*a->start_when.cond)) == 0) &&
	    a->restart == b->restart &&
	    a->backoff_min_ms == b->backoff_min_ms &&
	    a->backoff_max_ms == b->backoff_max_ms &&
	    a->restart_limit == b->restart_limit &&
	    a->jitter_ms == b->jitter_ms && a->catch_up == b->catch_up &&
	    a->overlap_queue == b->overlap_queue &&
	    a->restart_on_change == b->restart_on_change &&
	    a->late_after_ms == b->late_after_ms &&
	    streq(a->runbook, b->runbook) && requires_same(a, b) &&
	    strveq(a->after, b->after) &&
	    strveq(a->on_success, b->on_success) &&
	    strveq(a->on_failure, b->on_failure);
}
