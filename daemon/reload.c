/*
 * reload.c: read the whole configuration again (the main file and what
 * discover finds) and apply the difference (DESIGN §6).  Everything is
 * parsed and checked first: any error leaves the old configuration as
 * it is.  Then new tasks appear inactive; removed tasks are deactivated,
 * their runs stopped, and they go once nothing of them runs; a changed
 * task keeps its activation and its running child (the next run uses the
 * new definition), and a changed service with restart_on_change is
 * restarted; an unchanged task is not touched at all.  Windows and
 * notify endpoints are kept by name.  Settings that need a restart
 * (socket, pidfile, database, socket_mode, socket_group) keep their old
 * value and are reported.  Those who must learn of it follow the feed
 * (FEED_TASK, FEED_CONFIG).
 *
 * A file of discover caught while it is written (in place, not by a
 * rename) may read empty or cut short: a reload never takes it so.  One
 * that changed while it was read fails the load (conf_read.c), and a task
 * that is no longer in a file that was modified within discover_settle
 * is not taken as gone; either way the configuration in force stays, and
 * the reload is tried again once discover_settle has passed.
 *
 * Any other failure of a reload (by the verb, SIGHUP or discover) emits
 * reload-failed with its first error, and health is degraded ("config
 * on disk does not load: ...") until a reload succeeds.
 */
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "conf.h"
#include "conf_read.h"
#include "ev.h"
#include "event.h"
#include "feed.h"
#include "log.h"
#include "notify.h"
#include "output.h"
#include "preset.h"
#include "reload.h"
#include "state.h"
#include "supervise.h"
#include "util.h"

/* Add s to *v, which holds *n: room doubled as it fills (10 000 names). */
static void
add_n(char ***v, size_t *n, const char *s)
{
	if ((*n & (*n + 1)) == 0 || *n < 7)
		*v = xreallocarray(*v, *n < 7 ? 8 : (*n + 1) * 2, sizeof(**v));
	(*v)[(*n)++] = xstrdup(s);
	(*v)[*n] = NULL;
}

static void
add(char ***v, const char *s)
{
	size_t	n = strv_len(*v);

	add_n(v, &n, s);
}

static bool
streq(const char *a, const char *b)
{
	return a == b || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* fleet { }: a change needs a restart; the old section stays. */
static void
keep_fleet(struct fleet_conf *nf, const struct fleet_conf *of,
    struct reload_report *r)
{
	size_t	i;
	bool	same = nf->on == of->on && nf->ttl_ms == of->ttl_ms &&
	    nf->timeout_ms == of->timeout_ms && streq(nf->prefix, of->prefix) &&
	    streq(nf->node, of->node) && streq(nf->cacert, of->cacert) &&
	    streq(nf->cert, of->cert) && streq(nf->key, of->key) &&
	    strv_len(nf->endpoints) == strv_len(of->endpoints);

	for (i = 0; same && nf->endpoints != NULL && nf->endpoints[i]; i++)
		same = strcmp(nf->endpoints[i], of->endpoints[i]) == 0;
	if (same)
		return;
	add(&r->restart, "fleet");
	strv_free(nf->endpoints);
	free(nf->prefix);
	free(nf->node);
	free(nf->cacert);
	free(nf->cert);
	free(nf->key);
	*nf = *of;
	nf->endpoints = of->endpoints ? strv_dup(of->endpoints,
	    strv_len(of->endpoints)) : NULL;
	nf->prefix = of->prefix ? xstrdup(of->prefix) : NULL;
	nf->node = of->node ? xstrdup(of->node) : NULL;
	nf->cacert = of->cacert ? xstrdup(of->cacert) : NULL;
	nf->cert = of->cert ? xstrdup(of->cert) : NULL;
	nf->key = of->key ? xstrdup(of->key) : NULL;
}

/* A setting that needs a restart: the old value stays in force. */
static void
keep(char **newv, char **oldv, const char *name, struct reload_report *r)
{
	if (streq(*newv, *oldv))
		return;
	add(&r->restart, name);
	free(*newv);
	*newv = *oldv != NULL ? xstrdup(*oldv) : NULL;
}

void
reload_report_free(struct reload_report *r)
{
	strv_free(r->added);
	strv_free(r->removed);
	strv_free(r->changed);
	strv_free(r->restart);
	memset(r, 0, sizeof(*r));
}

static void
tell(struct task *t, int change)
{
	struct feed_msg	m;

	memset(&m, 0, sizeof(m));
	m.task = t;
	m.change = change;
	feed_publish(FEED_TASK, &m);
}

static struct json_object *
names(char **v)
{
	struct json_object	*a = json_object_new_array();

	for (; v != NULL && *v != NULL; v++)
		json_object_array_add(a, json_object_new_string(*v));
	return a;
}

/* The first task or window of conf that needs the fleet, or NULL. */
static char *
fleet_user(const struct config *conf)
{
	char	*s;
	size_t	 i;

	for (i = 0; i < conf->ntasks; i++)
		if (conf->tasks[i].fleet_once) {
			if (asprintf(&s, "task %s (fleet = once)",
			    conf->tasks[i].name) == -1)
				fatal("asprintf");
			return s;
		}
	for (i = 0; i < conf->nwindows; i++)
		if (conf->windows[i].rolling) {
			if (asprintf(&s, "window %s (fleet = rolling)",
			    conf->windows[i].name) == -1)
				fatal("asprintf");
			return s;
		}
	return NULL;
}

/* A reload that met a file being written: tried again after settling. */
static struct ev_timer	retry_timer;
static bool		retry_init;
static bool		retry_set;	/* by this reload */
static char		retry_actor[64];

static void
retry_fire(void *arg)
{
	struct reload_report	 r;
	char			**errors = NULL;
	size_t			 i;

	(void)arg;
	if (md.shutting_down)
		return;
	log_info("reload by %s: trying again, the files have settled",
	    retry_actor);
	if (reload(false, retry_actor, &r, &errors) == -1) {
		for (i = 0; errors[i] != NULL; i++)
			log_warnx("reload: %s", errors[i]);
		log_warnx("reload: %zu error%s; the configuration in force "
		    "is unchanged", i, i == 1 ? "" : "s");
		strv_free(errors);
		return;
	}
	reload_report_free(&r);
}

static void
retry_later(const char *actor)
{
	if (!retry_init) {
		ev_timer_init(&retry_timer, retry_fire, NULL);
		retry_init = true;
	}
	strlcpy(retry_actor, actor, sizeof(retry_actor));
	retry_set = true;
	ev_timer_add(&retry_timer, md.conf->discover_settle_ms > 100 ?
	    (uint64_t)md.conf->discover_settle_ms : 100);
}

void
reload_stop(void)
{
	if (retry_init)
		ev_timer_del(&retry_timer);
}

/*
 * How many ms ago file, one of discover, was modified, if that is within
 * discover_settle (it may be being written); -1 if not.
 */
static int64_t
settling(const struct config *conf, const char *file)
{
	struct stat	st;
	struct timespec	now;
	int64_t		ago;

	if (file == NULL || conf->discovered == NULL ||
	    !strv_contains(conf->discovered, file) ||
	    lstat(file, &st) == -1 || !S_ISREG(st.st_mode))
		return -1;	/* the main file, or one that is gone */
	clock_gettime(CLOCK_REALTIME, &now);
	ago = (int64_t)(now.tv_sec - st.st_mtim.tv_sec) * 1000 +
	    (now.tv_nsec - st.st_mtim.tv_nsec) / 1000000;
	return ago > -conf->discover_settle_ms &&
	    ago < conf->discover_settle_ms ? (ago < 0 ? 0 : ago) : -1;
}

/* The errors for the tasks of match[] -1 whose file may be half-written. */
static char **
gone_settling(const struct config *old, const ssize_t *match)
{
	char	**v = NULL, *s;
	size_t	  i, n = 0;
	int64_t	  ago;

	for (i = 0; i < md.tasks.n && n < 20; i++) {
		if (match[i] != -1 || (ago = settling(old,
		    md.tasks.v[i]->conf->file)) == -1)
			continue;
		if (asprintf(&s, "%s: modified %lld ms ago and no longer "
		    "defines task %s: not taken as gone while it may be "
		    "half-written; reloading again after discover_settle",
		    md.tasks.v[i]->conf->file, (long long)ago,
		    md.tasks.v[i]->conf->name) == -1)
			fatal("asprintf");
		v = xreallocarray(v, n + 2, sizeof(*v));
		v[n++] = s;
		v[n] = NULL;
	}
	return v;
}

/* The first error of the last reload that failed; NULL once one works. */
static char	*failed;

const char *
reload_failed(void)
{
	return failed;
}

static void
failed_set(const char *actor, char **errors)
{
	struct json_object	*d = json_object_new_object();
	const char		*first;

	first = errors != NULL && errors[0] != NULL ? errors[0] :
	    "unknown error";
	free(failed);
	failed = xstrdup(first);
	json_object_object_add(d, "error", json_object_new_string(first));
	json_object_object_add(d, "errors", json_object_new_int64(
	    (int64_t)strv_len(errors)));
	json_object_object_add(d, "config", json_object_new_string(
	    md.conf->path));
	event_emit(NULL, "reload-failed", actor, d);
}

static int	apply(bool, const char *, struct reload_report *, char ***);

int
reload(bool dry_run, const char *actor, struct reload_report *r,
    char ***errors)
{
	int	rc;

	retry_set = false;
	rc = apply(dry_run, actor, r, errors);
	if (dry_run)
		return rc;
	if (rc == -1 && !retry_set)	/* not a file caught half-written */
		failed_set(actor, *errors);
	else if (rc == 0 && failed != NULL) {
		log_info("reload by %s: the configuration loads again", actor);
		free(failed);
		failed = NULL;
	}
	return rc;
}

static int
apply(bool dry_run, const char *actor, struct reload_report *r,
    char ***errors)
{
	struct config	*nc, *old = md.conf;
	struct task	*t, **keepv;
	struct feed_msg	 m;
	struct json_object *d;
	struct task_conf **byname, *tc;
	size_t		 i, j, nkeep = 0, nadd = 0, nrm = 0, nchg = 0;
	char		 err[256], *olddir, *what;
	size_t		 unsettled;
	bool		*claimed, *changed, mode_changed;
	ssize_t		*match;

	memset(r, 0, sizeof(*r));
	unsettled = conf_read_unsettled();
	if ((nc = conf_load(old->path, false, errors, NULL)) == NULL) {
		if (conf_read_unsettled() != unsettled && !dry_run)
			retry_later(actor);
		return -1;
	}
	if (nc->database == NULL)
		nc->database = xstrdup(old->database);
	if (nc->log_dir == NULL)
		nc->log_dir = xstrdup(old->log_dir);
	keep(&nc->socket, &old->socket, "socket", r);
	keep(&nc->pidfile, &old->pidfile, "pidfile", r);
	keep(&nc->database, &old->database, "database", r);
	keep(&nc->socket_group, &old->socket_group, "socket_group", r);
	keep(&nc->cgroup, &old->cgroup, "cgroup", r);
	keep_fleet(&nc->fleet, &old->fleet, r);
	if (!nc->fleet.on && (what = fleet_user(nc)) != NULL) {
		/* without its lock it would run on every node at once */
		*errors = xcalloc(2, sizeof(**errors));
		if (asprintf(&(*errors)[0], "%s: %s needs the fleet section, "
		    "which only a restart of maintd can add", old->path,
		    what) == -1)
			fatal("asprintf");
		free(what);
		reload_report_free(r);
		conf_free(nc);
		return -1;
	}
	mode_changed = nc->socket_mode != old->socket_mode;
	if (mode_changed)
		add(&r->restart, "socket_mode");
	nc->socket_mode = old->socket_mode;
	nc->socket_gid = old->socket_gid;

	/* each task's new definition, found by name: match[i], or -1 */
	claimed = xcalloc(nc->ntasks + 1, sizeof(*claimed));
	match = xcalloc(md.tasks.n + 1, sizeof(*match));
	changed = xcalloc(md.tasks.n + 1, sizeof(*changed));
	byname = conf_byname(nc);
	for (i = 0; i < md.tasks.n; i++) {
		t = md.tasks.v[i];
		if ((tc = conf_byname_find(byname, nc->ntasks,
		    t->conf->name)) == NULL) {
			match[i] = -1;
			add_n(&r->removed, &nrm, t->conf->name);
			continue;
		}
		j = (size_t)(tc - nc->tasks);
		match[i] = (ssize_t)j;
		claimed[j] = true;
		if ((changed[i] = !conf_task_same(t->conf, tc)))
			add_n(&r->changed, &nchg, t->conf->name);
	}
	free(byname);
	for (j = 0; j < nc->ntasks; j++)
		if (!claimed[j])
			add_n(&r->added, &nadd, nc->tasks[j].name);
	free(claimed);
	if (nrm > 0 && (*errors = gone_settling(old, match)) != NULL) {
		if (!dry_run)
			retry_later(actor);
		free(match);
		free(changed);
		reload_report_free(r);
		conf_free(nc);
		return -1;
	}
	if (dry_run) {
		free(match);
		free(changed);
		conf_free(nc);
		return 0;
	}

	/* the new config in force; tasks take what is theirs from it */
	olddir = xstrdup(old->log_dir);
	md.conf = nc;
	keepv = xcalloc(md.tasks.n + nc->ntasks + 1, sizeof(*keepv));
	for (i = 0; i < md.tasks.n; i++) {
		t = md.tasks.v[i];
		if (match[i] == -1) {
			tell(t, TASK_REMOVED);
			task_retire(t);
			continue;
		}
		keepv[nkeep++] = t;
		j = (size_t)match[i];
		if (!changed[i]) {
			/* the same task; only where it is written may differ */
			free(t->conf->file);
			free(t->conf->key);
			t->conf->file = nc->tasks[j].file;
			t->conf->key = nc->tasks[j].key;
			t->conf->line = nc->tasks[j].line;
			nc->tasks[j].file = nc->tasks[j].key = NULL;
			task_conf_free(&nc->tasks[j]);
			memset(&nc->tasks[j], 0, sizeof(nc->tasks[j]));
			continue;
		}
		task_conf_free(t->conf);
		*t->conf = nc->tasks[j];
		memset(&nc->tasks[j], 0, sizeof(nc->tasks[j]));
		tell(t, TASK_CHANGED);
		if (t->conf->kind == KIND_SERVICE && t->conf->restart_on_change &&
		    t->active && task_busy(t) &&
		    task_restart(t, actor, err, sizeof(err)) == -1)
			log_warnx("%s: restart after reload: %s", t->conf->name,
			    err);
	}
	for (j = 0; j < nc->ntasks; j++)
		if (nc->tasks[j].name != NULL) {	/* not taken: new */
			t = task_new(&nc->tasks[j]);
			keepv[nkeep++] = t;
			tell(t, TASK_ADDED);
		}
	free(match);
	free(changed);
	free(md.tasks.v);
	md.tasks.v = keepv;
	md.tasks.n = nkeep;
	free(nc->tasks);
	nc->tasks = NULL;
	nc->ntasks = 0;
	tasks_index(&md.tasks);

	windows_reload();
	notify_reload();
	log_setfacility(md.conf->syslog_facility);
	if (strcmp(olddir, md.conf->log_dir) != 0) {
		output_reopen();	/* the next lines go to the new place */
		/* a new log_dir is made as at start-up */
		if (output_logdir(true, err, sizeof(err)) == -1)
			log_warnx("log_dir %s: %s", md.conf->log_dir, err);
	}
	free(olddir);
	memset(&m, 0, sizeof(m));
	feed_publish(FEED_CONFIG, &m);
	conf_free(old);

	log_info("reloaded by %s: %zu added, %zu removed, %zu changed%s",
	    actor, strv_len(r->added), strv_len(r->removed),
	    strv_len(r->changed), r->restart != NULL ?
	    " (some settings need a restart)" : "");
	d = json_object_new_object();
	json_object_object_add(d, "added", names(r->added));
	json_object_object_add(d, "removed", names(r->removed));
	json_object_object_add(d, "changed", names(r->changed));
	if (r->restart != NULL)
		json_object_object_add(d, "needs_restart", names(r->restart));
	event_emit(NULL, "reloaded", actor, d);
	supervise_title();
	reload_stop();		/* what a retry would have done is done */
	return 0;
}
