/*
 * conf_file.c: one file of the configuration, read into a struct config:
 * the main file (global options and sections) or a drop-in (sections
 * only), whose tasks take their defaults from the globals read before.
 * Each value is checked while libconfuse parses it (conf_opts.c, so each
 * error carries the file and line of the value); what needs several
 * values (kind and schedule, a command and shell, ...) after parsing.
 * Errors go to conf_err.c.
 */
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <signal.h>
#include <stdint.h>
#include <syslog.h>
#include <unistd.h>

#include <confuse.h>

#include "conf.h"
#include "conf_err.h"
#include "conf_file.h"
#include "conf_opts.h"
#include "conf_valid.h"
#include "conf_read.h"
#include "conf_secret.h"
#include "log.h"
#include "proto.h"
#include "trust.h"
#include "util.h"

/* The file being read: libconfuse names every buffer "[buf]". */
static const char	*cur_file;

static char **
getlist(cfg_t *sec, const char *name)
{
	unsigned int	 i, n = cfg_size(sec, name);
	char		**v;

	v = xcalloc(n + 1, sizeof(*v));
	for (i = 0; i < n; i++)
		v[i] = xstrdup(cfg_getnstr(sec, name, i));
	return v;
}

static char *
getstr(cfg_t *sec, const char *name)
{
	const char	*s = cfg_getstr(sec, name);

	return s != NULL ? xstrdup(s) : NULL;
}

static int64_t
getdur(cfg_t *sec, const char *name)
{
	const char	*s = cfg_getstr(sec, name), *errstr;
	int64_t		 ms = 0;

	if (s != NULL)
		(void)parse_duration(s, &ms, &errstr);
	return ms;
}

/*
 * The argv of sec's "command": a list of two or more words as it is, a
 * string split into words (or given to /bin/sh -c with shell); -1 if
 * there is none.
 */
static int
command_argv(cfg_t *sec, const char *who, bool shell, char ***argvp)
{
	char	**words;
	int	  nwords;
	const char *errstr;

	if (cfg_size(sec, "command") == 0)
		return -1;
	if (cfg_size(sec, "command") > 1) {
		if (shell)
			conf_err_add(cur_file, conf_err_line(sec, "command"),
			    "%s: shell = true takes the command as one "
			    "string", who);
		*argvp = getlist(sec, "command");
		return 0;
	}
	if (shell) {
		*argvp = xcalloc(4, sizeof(char *));
		(*argvp)[0] = xstrdup("/bin/sh");
		(*argvp)[1] = xstrdup("-c");
		(*argvp)[2] = xstrdup(cfg_getnstr(sec, "command", 0));
		return 0;
	}
	if (proto_split(cfg_getnstr(sec, "command", 0),
	    strlen(cfg_getnstr(sec, "command", 0)), &words, &nwords,
	    &errstr) == -1)
		return -1;
	*argvp = words;	/* NULL-terminated by proto_split */
	return 0;
}

/* start_when: the conditions of sec, or none. */
static void
guard_load(struct guard *g, cfg_t *sec)
{
	size_t	i;
	char	err[256];

	g->n = cfg_size(sec, "start_when");
	g->cond = g->n > 0 ? xcalloc(g->n, sizeof(*g->cond)) : NULL;
	for (i = 0; i < g->n; i++)
		(void)conf_parse_cond(cfg_getnstr(sec, "start_when",
		    (unsigned int)i), &g->cond[i], err, sizeof(err));
}

static void
guard_copy(struct guard *to, const struct guard *from)
{
	to->n = from->n;
	to->cond = NULL;
	if (from->n > 0) {
		to->cond = xcalloc(from->n, sizeof(*to->cond));
		memcpy(to->cond, from->cond, from->n * sizeof(*to->cond));
	}
}

static void
task_health(struct task_conf *t, cfg_t *h)
{
	const char	*file = cur_file;
	char		 who[100];

	t->has_health = true;
	t->health.url = getstr(h, "url");
	snprintf(who, sizeof(who), "task %s: health", t->name);
	if (command_argv(h, who, false, &t->health.command) == -1)
		t->health.command = xcalloc(1, sizeof(char *));
	t->health.interval_ms = getdur(h, "interval");
	/* default: 5s, or the interval when that is shorter */
	t->health.timeout_ms = cfg_getstr(h, "timeout") != NULL ?
	    getdur(h, "timeout") : t->health.interval_ms < 5000 ?
	    t->health.interval_ms : 5000;
	t->health.start_period_ms = cfg_getstr(h, "start_period") != NULL ?
	    getdur(h, "start_period") : t->health.interval_ms;
	t->health.failures = (int)cfg_getint(h, "failures");
	t->health.restart = cfg_getbool(h, "restart");
	t->health.expect_status = (int)cfg_getint(h, "expect_status");
	t->health.follow_redirects = cfg_getbool(h, "follow_redirects");
	if ((t->health.url == NULL) == (t->health.command[0] == NULL))
		conf_err_add(file, conf_err_line(h, NULL), "task %s: health "
		    "needs url or command (one of them)", t->name);
	else if (t->health.command[0] != NULL &&
	    t->health.command[0][0] != '/')
		conf_err_add(file, conf_err_line(h, "command"), "task %s: "
		    "health command '%s' must be an absolute path", t->name,
		    t->health.command[0]);
	if (t->health.interval_ms < 1000)
		conf_err_add(file, conf_err_line(h, "interval"), "task %s: "
		    "health interval must be at least 1s", t->name);
	if (t->health.timeout_ms < 100 || t->health.timeout_ms >
	    t->health.interval_ms)
		conf_err_add(file, conf_err_line(h, "timeout"), "task %s: "
		    "health timeout must be at least 100ms and at most the "
		    "interval", t->name);
	if (t->health.command[0] != NULL && t->health.expect_status != 0)
		conf_err_add(file, conf_err_line(h, "expect_status"), "task "
		    "%s: expect_status is for a health url", t->name);
	if (t->health.command[0] != NULL && t->health.follow_redirects)
		conf_err_add(file, conf_err_line(h, "follow_redirects"),
		    "task %s: follow_redirects is for a health url", t->name);
}

static void
task_limits(struct task_limits *l, cfg_t *sec)
{
	static const char	*names[LIM_MAX] = {
		"cpu", "memory", "nofile", "nproc", "fsize", "core"
	};
	const char		*s, *errstr;
	int64_t			 ms;
	int			 i;

	for (i = 0; i < LIM_MAX; i++) {
		if ((s = cfg_getstr(sec, names[i])) == NULL)
			continue;
		l->set[i] = true;
		if (i == LIM_CPU) {
			(void)parse_duration(s, &ms, &errstr);
			l->value[i] = (uint64_t)((ms + 999) / 1000);
		} else if (i == LIM_NOFILE || i == LIM_NPROC)
			l->value[i] = (uint64_t)strtonum(s, 0, INT32_MAX,
			    &errstr);
		else
			(void)parse_size(s, &l->value[i], &errstr);
	}
}

static const char *const cg_opts[] = { "memory_max", "memory_high",
    "cpu_max", "pids_max", "io_weight" };
#define NCG	(sizeof(cg_opts) / sizeof(cg_opts[0]))

/* memory_max, cpu_max, ...: the values, and where they were given. */
static void
task_cgroup(struct task_conf *t, cfg_t *sec)
{
	int64_t		*val[NCG] = { &t->cg.memory_max, &t->cg.memory_high,
	    &t->cg.cpu_max, &t->cg.pids_max, &t->cg.io_weight };
	const char	*s, *errstr;
	uint64_t	 sz;
	size_t		 i;

	for (i = 0; i < NCG; i++) {
		*val[i] = -1;
		t->cg_line[i] = 0;
		if ((s = cfg_getstr(sec, cg_opts[i])) == NULL)
			continue;
		t->cg_line[i] = conf_err_line(sec, cg_opts[i]);
		if (i < 2 && parse_size(s, &sz, &errstr) == 0)
			*val[i] = (int64_t)sz;
		else if (i == 2)
			(void)conf_parse_percent(s, val[i]);
		else if (i > 2)
			*val[i] = strtonum(s, 1, INT32_MAX, &errstr);
	}
}

/*
 * Whether the cgroup that runs would be in can have the controllers the
 * options given need; refused when not.
 */
static void
task_cgroup_check(const struct config *conf, const struct task_conf *t)
{
	static const enum cg_ctl ctl[NCG] = { CG_MEMORY, CG_MEMORY, CG_CPU,
	    CG_PIDS, CG_IO };
	char		 where[PATH_MAX], why[512];
	size_t		 i;
	int		 located = 0;

	for (i = 0; i < NCG; i++) {
		if (t->cg_line[i] == 0)
			continue;
		if (located == 0)
			located = cg_locate(conf->cgroup ? conf->cgroup : "auto",
			    "maintd", where, sizeof(where), why,
			    sizeof(why)) == 0 ? 1 : -1;
		if (located == -1)
			conf_err_add(t->file, t->cg_line[i], "task %s: %s needs "
			    "runs in cgroup v2, which are not possible here: %s",
			    t->name, cg_opts[i], why);
		else if (!cg_can(where, ctl[i], why, sizeof(why)))
			conf_err_add(t->file, t->cg_line[i], "task %s: %s needs "
			    "the cgroup v2 %s controller: %s", t->name,
			    cg_opts[i], cg_ctl_name(ctl[i]), why);
	}
}

/* The last user looked up, for this load (conf_file_load() clears it). */
static char	 last_user[64];
static uid_t	 last_uid;
static gid_t	 last_gid;

/* uid and gid of the task's user and group, if they exist. */
static void
task_ids(struct task_conf *t)
{
	struct passwd	*pw;
	struct group	*gr;

	t->uid = geteuid();
	t->gid = getegid();
	/* 10 000 tasks as one user: one look-up of /etc/passwd, not 10 000 */
	if (t->user != NULL && strcmp(t->user, last_user) == 0) {
		t->uid = last_uid;
		t->gid = last_gid;
	} else if (t->user != NULL && (pw = getpwnam(t->user)) != NULL) {
		t->uid = last_uid = pw->pw_uid;
		t->gid = last_gid = pw->pw_gid;
		if (strlen(t->user) < sizeof(last_user))
			strlcpy(last_user, t->user, sizeof(last_user));
	}
	if (t->group != NULL && (gr = getgrnam(t->group)) != NULL)
		t->gid = gr->gr_gid;
}

/* Would the task run as root without saying so? */
static void
task_root_check(struct task_conf *t, int line)
{
	if (geteuid() == 0 && t->uid == 0 && !t->allow_root &&
	    (t->user == NULL || getpwnam(t->user) != NULL))
		conf_err_add(t->file, line, "task %s would run as root: set "
		    "user = \"...\" or allow_root = true", t->name);
}

/*
 * What of a task depends on the global options, which may come after it
 * in the file: done once the whole file is read.
 */
static void
finish_task(struct config *conf, struct task_conf *t)
{
	if (t->user == NULL) {
		if (conf->default_user != NULL)
			t->user = xstrdup(conf->default_user);
		task_ids(t);
		task_root_check(t, t->line);
	}
	task_cgroup_check(conf, t);
	if (t->fleet_once && !conf->fleet.on)
		conf_err_add(t->file, t->fleet_line, "task %s: fleet = once "
		    "needs a fleet section (where etcd is)", t->name);
	if (t->start_when.n == 0)
		guard_copy(&t->start_when, &conf->start_when);
}

/* What a task_conf holds (conf.c frees the tasks of a config with it). */
void
task_conf_free(struct task_conf *t)
{
	size_t	i;

	free(t->name);
	free(t->file);
	free(t->key);
	free(t->description);
	strv_free(t->argv);
	free(t->user);
	free(t->group);
	free(t->directory);
	strv_free(t->environment);
	strv_free(t->tags);
	free(t->schedule);
	free(t->timezone);
	strv_free(t->conflicts);
	strv_free(t->after);
	strv_free(t->on_success);
	strv_free(t->on_failure);
	for (i = 0; i < t->nrequires; i++)
		free(t->requires[i].task);
	free(t->requires);
	free(t->runbook);
	free(t->health.url);
	strv_free(t->health.command);
	free(t->start_when.cond);
}

/*
 * requires { task = "backup"  ok_within = 26h }, one block each: that
 * the task exists is checked once every file is read (conf.c).
 */
static void
task_requires(struct task_conf *t, cfg_t *sec)
{
	struct requirement	*r;
	cfg_t			*rs;
	unsigned int		 i, n = cfg_size(sec, "requires");

	t->requires = n > 0 ? xcalloc(n, sizeof(*t->requires)) : NULL;
	for (i = 0; i < n; i++) {
		rs = cfg_getnsec(sec, "requires", i);
		r = &t->requires[t->nrequires];
		r->line = conf_err_line(rs, "task");
		if (cfg_getstr(rs, "task") == NULL) {
			conf_err_add(cur_file, conf_err_line(rs, NULL), "task %s: "
			    "requires: no task (requires { task = \"NAME\"  "
			    "ok_within = 26h })", t->name);
			continue;
		}
		if (cfg_getstr(rs, "ok_within") == NULL ||
		    getdur(rs, "ok_within") < 1000) {
			conf_err_add(cur_file, conf_err_line(rs, "ok_within"),
			    "task %s: requires %s: ok_within must be given, at "
			    "least 1s", t->name, cfg_getstr(rs, "task"));
			continue;
		}
		r->task = xstrdup(cfg_getstr(rs, "task"));
		r->ok_within_ms = getdur(rs, "ok_within");
		t->nrequires++;
	}
	if (t->nrequires > 0 && t->kind == KIND_SERVICE)
		conf_err_add(cur_file, t->requires[0].line, "task %s: requires "
		    "is for oneshot and periodic tasks, not services", t->name);
}

/* A task from its section (finish_task() does the rest). */
static void
load_task(struct task_conf *t, cfg_t *sec)
{
	const char	*file = cur_file, *s, *errstr;
	mode_t		 mask = 022;
	cfg_t		*h = NULL;
	int		 line;
	char		 who[100];

	t->name = xstrdup(cfg_title(sec));
	t->file = xstrdup(file);
	t->line = line = conf_err_line(sec, NULL);
	t->conflicts_line = conf_err_line(sec, "conflicts");
	if (!conf_valid_name(t->name))
		conf_err_add(file, line, "task '%s': bad name (letters, digits, "
		    "'-', '_', '.', at most 64)", t->name);
	t->description = getstr(sec, "description");
	t->shell = cfg_getbool(sec, "shell");
	snprintf(who, sizeof(who), "task %s", t->name);
	if (command_argv(sec, who, t->shell, &t->argv) == -1) {
		conf_err_add(file, line, "task %s: no command", t->name);
		t->argv = xcalloc(1, sizeof(char *));
	}
	if (t->argv[0] != NULL && t->argv[0][0] != '/' && !t->shell)
		conf_err_add(file, conf_err_line(sec, "command"), "task %s: command "
		    "'%s' must be an absolute path (or set shell = true)",
		    t->name, t->argv[0]);
	t->allow_root = cfg_getbool(sec, "allow_root");
	t->user = getstr(sec, "user");
	t->group = getstr(sec, "group");
	if (t->user != NULL) {
		task_ids(t);
		task_root_check(t, conf_err_line(sec, "user"));
	}
	t->directory = getstr(sec, "directory");
	t->environment = getlist(sec, "environment");
	t->tags = getlist(sec, "tags");
	t->conflicts = getlist(sec, "conflicts");
	t->after = getlist(sec, "after");
	t->on_success = getlist(sec, "on_success");
	t->on_failure = getlist(sec, "on_failure");
	t->after_line = conf_err_line(sec, "after");
	t->on_success_line = conf_err_line(sec, "on_success");
	t->on_failure_line = conf_err_line(sec, "on_failure");
	t->schedule = getstr(sec, "schedule");
	if (t->schedule != NULL)
		(void)cron_parse(t->schedule, &t->cron, (char[128]){ 0 }, 128);
	t->every_ms = getdur(sec, "every");
	if (cfg_getstr(sec, "every") != NULL && t->every_ms < 1000 &&
	    parse_duration(cfg_getstr(sec, "every"), &t->every_ms,
	    &errstr) == 0)
		conf_err_add(file, conf_err_line(sec, "every"), "task %s: every must "
		    "be at least 1s", t->name);
	if (t->schedule != NULL && cfg_getstr(sec, "every") != NULL)
		conf_err_add(file, conf_err_line(sec, "every"), "task %s: give "
		    "schedule or every, not both", t->name);
	/* every counts seconds: no zone moves it */
	if ((t->timezone = getstr(sec, "timezone")) != NULL &&
	    t->schedule == NULL)
		conf_err_add(file, conf_err_line(sec, "timezone"), "task %s: "
		    "timezone is for a cron schedule (every is not affected "
		    "by time zones)", t->name);
	if ((s = cfg_getstr(sec, "kind")) != NULL) {
		if (strcmp(s, "service") == 0)
			t->kind = KIND_SERVICE;
		else if (strcmp(s, "periodic") == 0)
			t->kind = KIND_PERIODIC;
		else
			t->kind = KIND_ONESHOT;
	} else if (t->schedule != NULL || t->every_ms > 0)
		t->kind = KIND_PERIODIC;
	else
		t->kind = KIND_ONESHOT;
	if (t->kind == KIND_PERIODIC && t->schedule == NULL &&
	    t->every_ms == 0)
		conf_err_add(file, conf_err_line(sec, "kind"), "task %s: a periodic "
		    "task needs schedule or every", t->name);
	if (t->kind != KIND_PERIODIC && (t->schedule != NULL ||
	    t->every_ms > 0))
		conf_err_add(file, conf_err_line(sec, t->schedule ? "schedule" : "every"),
		    "task %s: schedule and every are for periodic tasks, "
		    "not %s", t->name, kind_name(t->kind));
	t->timeout_ms = getdur(sec, "timeout");
	if (parse_signal(cfg_getstr(sec, "kill_signal"), &t->kill_signal) == -1)
		t->kill_signal = SIGTERM;
	t->weight = (int)cfg_getint(sec, "weight");
	t->auto_deactivate_ms = cfg_getstr(sec, "auto_deactivate") != NULL ?
	    getdur(sec, "auto_deactivate") : -1;
	t->dry_run = cfg_getbool(sec, "dry_run");
	s = cfg_getstr(sec, "output");
	t->output = strcmp(s, "syslog") == 0 ? OUTPUT_SYSLOG :
	    strcmp(s, "discard") == 0 ? OUTPUT_DISCARD : OUTPUT_FILE;
	t->nice = (int)cfg_getint(sec, "nice");
	(void)conf_parse_mode(cfg_getstr(sec, "umask"), &mask);
	t->umask = mask;
	task_limits(&t->limits, cfg_getsec(sec, "limits"));
	task_cgroup(t, sec);
	t->fleet_once = cfg_getstr(sec, "fleet") != NULL;
	s = cfg_getstr(sec, "fleet_lost");
	t->fleet_keep = s != NULL && strcmp(s, "keep") == 0;
	t->fleet_line = conf_err_line(sec, "fleet");
	if (s != NULL && !t->fleet_once)
		conf_err_add(file, conf_err_line(sec, "fleet_lost"), "task %s: "
		    "fleet_lost is for tasks with fleet = once", t->name);
	if (cfg_size(sec, "health") > 0 &&
	    (h = cfg_getsec(sec, "health")) != NULL)
		task_health(t, h);
	else
		t->health.command = xcalloc(1, sizeof(char *));
	if (t->has_health && t->health.restart && t->kind != KIND_SERVICE)
		conf_err_add(file, conf_err_line(h, "restart"), "task %s: "
		    "health restart is for services, not %s", t->name,
		    kind_name(t->kind));
	if (cfg_size(sec, "start_when") > 0)
		guard_load(&t->start_when, sec);
	s = cfg_getstr(sec, "restart");
	t->restart = strcmp(s, "always") == 0 ? RESTART_ALWAYS :
	    strcmp(s, "never") == 0 ? RESTART_NEVER : RESTART_ON_FAILURE;
	t->restart_limit = (int)cfg_getint(sec, "restart_limit");
	t->jitter_ms = getdur(sec, "jitter");
	t->catch_up = cfg_getbool(sec, "catch_up");
	t->restart_on_change = cfg_getbool(sec, "restart_on_change");
	if (t->restart_on_change && t->kind != KIND_SERVICE)
		conf_err_add(file, conf_err_line(sec, "restart_on_change"),
		    "task %s: restart_on_change is for services, not %s",
		    t->name, kind_name(t->kind));
	t->overlap_queue = strcmp(cfg_getstr(sec, "overlap"), "queue") == 0;
	t->runbook = getstr(sec, "runbook");
	t->late_after_ms = getdur(sec, "late_after");
	if (cfg_getstr(sec, "late_after") != NULL && (t->late_after_ms < 1000 ||
	    t->kind != KIND_PERIODIC))
		conf_err_add(file, conf_err_line(sec, "late_after"), "task %s: "
		    "late_after %s", t->name, t->kind != KIND_PERIODIC ?
		    "is for periodic tasks" : "must be at least 1s");
	task_requires(t, sec);
	t->backoff_min_ms = 1000;
	t->backoff_max_ms = 60000;
	if (cfg_size(sec, "backoff") != 0 && cfg_size(sec, "backoff") != 2)
		conf_err_add(file, conf_err_line(sec, "backoff"), "task %s: backoff: "
		    "give two delays, { first, largest }", t->name);
	else if (cfg_size(sec, "backoff") == 2) {
		(void)parse_duration(cfg_getnstr(sec, "backoff", 0),
		    &t->backoff_min_ms, &errstr);
		(void)parse_duration(cfg_getnstr(sec, "backoff", 1),
		    &t->backoff_max_ms, &errstr);
		if (t->backoff_min_ms > t->backoff_max_ms)
			conf_err_add(file, conf_err_line(sec, "backoff"), "task %s: "
			    "backoff: the first delay is larger than the "
			    "largest", t->name);
	}
}

static void
load_fleet(struct fleet_conf *f, cfg_t *cfg)
{
	cfg_t	*sec;
	char	 host[256];
	int	 line;

	if (cfg_size(cfg, "fleet") == 0 || (sec = cfg_getsec(cfg,
	    "fleet")) == NULL)
		return;
	f->on = true;
	line = conf_err_line(sec, NULL);
	f->endpoints = getlist(sec, "endpoints");
	f->prefix = getstr(sec, "prefix");
	f->node = getstr(sec, "node");
	if (f->node == NULL) {
		if (gethostname(host, sizeof(host) - 1) == -1)
			host[0] = '\0';
		host[sizeof(host) - 1] = '\0';
		host[strcspn(host, ".")] = '\0';
		f->node = xstrdup(host);
		if (!conf_valid_name(f->node))
			conf_err_add(cur_file, line, "fleet: the host name '%s' "
			    "is not a node name: set node = \"...\"", f->node);
	}
	f->ttl_ms = getdur(sec, "ttl");
	f->timeout_ms = getdur(sec, "timeout");
	f->cacert = getstr(sec, "cacert");
	f->cert = getstr(sec, "cert");
	f->key = getstr(sec, "key");
	if (f->endpoints[0] == NULL)
		conf_err_add(cur_file, line, "fleet: no endpoints (the client "
		    "URLs of etcd, such as http://127.0.0.1:2379)");
	if ((f->cert == NULL) != (f->key == NULL))
		conf_err_add(cur_file, conf_err_line(sec, f->cert ? "cert" :
		    "key"), "fleet: give cert and key together (the client's "
		    "certificate and its private key)");
	if (f->ttl_ms < 2000)
		conf_err_add(cur_file, conf_err_line(sec, "ttl"), "fleet: ttl "
		    "must be at least 2s");
	if (f->timeout_ms <= 0 || f->timeout_ms >= f->ttl_ms)
		conf_err_add(cur_file, conf_err_line(sec, "timeout"), "fleet: "
		    "timeout must be above 0 and below ttl");
}

static void
load_globals(struct config *conf, cfg_t *cfg)
{
	struct group	*gr;
	mode_t		 mode = 0660;
	const char	*s;
	char		 where[PATH_MAX], why[512];

	conf->socket = getstr(cfg, "socket");
	(void)conf_parse_mode(cfg_getstr(cfg, "socket_mode"), &mode);
	conf->socket_mode = mode;
	conf->socket_group = getstr(cfg, "socket_group");
	conf->socket_gid = (gid_t)-1;
	if (*conf->socket_group && (gr = getgrnam(conf->socket_group)) != NULL)
		conf->socket_gid = gr->gr_gid;
	conf->admin_group = getstr(cfg, "admin_group");
	conf->admin_gid = (gid_t)-1;
	if (*conf->admin_group && (gr = getgrnam(conf->admin_group)) != NULL)
		conf->admin_gid = gr->gr_gid;
	conf->pidfile = getstr(cfg, "pidfile");
	conf->database = getstr(cfg, "database");
	conf->log_dir = getstr(cfg, "log_dir");
	conf->syslog_facility = log_facility_byname(cfg_getstr(cfg,
	    "syslog_facility"));
	if (conf->syslog_facility == -1)
		conf->syslog_facility = LOG_DAEMON;
	conf->max_weight = (int)cfg_getint(cfg, "max_weight");
	conf->kill_grace_ms = getdur(cfg, "kill_grace");
	conf->auto_deactivate_ms = getdur(cfg, "auto_deactivate");
	conf->history_retention_ms = getdur(cfg, "history_retention");
	conf->discover = getlist(cfg, "discover");
	conf->discover_tag = getstr(cfg, "discover_tag");
	conf->discover_interval_ms = getdur(cfg, "discover_interval");
	conf->metrics_file = getstr(cfg, "metrics_file");
	conf->max_clients = (int)cfg_getint(cfg, "max_clients");
	conf->client_timeout_ms = getdur(cfg, "client_timeout");
	conf->path_env = getstr(cfg, "path");
	guard_load(&conf->start_when, cfg);
	s = cfg_getstr(cfg, "lang");
	conf->lang = s ? xstrdup(s) : NULL;
	conf->default_user = getstr(cfg, "user");
	conf->discover_settle_ms = getdur(cfg, "discover_settle");
	load_fleet(&conf->fleet, cfg);
	conf->cgroup = getstr(cfg, "cgroup");
	if (conf->cgroup[0] == '/' && cg_locate(conf->cgroup, "maintd", where,
	    sizeof(where), why, sizeof(why)) == -1)
		conf_err_add(cur_file, conf_err_line(cfg, "cgroup"), "cgroup "
		    "%s: %s", conf->cgroup, why);
}

/* Room for n more in the array *v of *count items of size sz. */
static void *
grow(void *v, size_t count, size_t n, size_t sz)
{
	v = xreallocarray(v, count + n + 1, sz);
	memset((char *)v + count * sz, 0, (n + 1) * sz);
	return v;
}

/*
 * One task section, as soon as libconfuse has read it (conf_parser_take):
 * the array grows by doubling, its size a power of two.
 */
static struct config	*cur_conf;

static void
take_task(cfg_t *sec)
{
	struct config	*conf = cur_conf;
	size_t		 n = conf->ntasks;

	if (n == 0 || (n & (n - 1)) == 0)
		conf->tasks = xreallocarray(conf->tasks, n == 0 ? 16 : n * 2,
		    sizeof(*conf->tasks));
	memset(&conf->tasks[n], 0, sizeof(conf->tasks[n]));
	load_task(&conf->tasks[n], sec);
	conf->ntasks++;
	conf_err_forget(sec);
}

/* The other sections of cfg, after those conf has (drop-ins come after). */
static void
load_sections(struct config *conf, cfg_t *cfg, bool main)
{
	cfg_t		*sec;
	size_t		 i, n, at;

	n = cfg_size(cfg, "preset");
	conf->presets = grow(conf->presets, conf->npresets, n,
	    sizeof(*conf->presets));
	for (i = 0; i < n; i++) {
		struct preset_conf *p = &conf->presets[conf->npresets++];

		sec = cfg_getnsec(cfg, "preset", (unsigned int)i);
		p->name = xstrdup(cfg_title(sec));
		p->file = xstrdup(cur_file);
		p->description = getstr(sec, "description");
		p->tasks = getlist(sec, "tasks");
		p->tags = getlist(sec, "tags");
		p->line = conf_err_line(sec, NULL);
		p->tasks_line = conf_err_line(sec, "tasks");
		if (!conf_valid_name(p->name))
			conf_err_add(cur_file, p->line, "preset '%s': bad "
			    "name", p->name);
	}
	n = cfg_size(cfg, "window");
	conf->windows = grow(conf->windows, conf->nwindows, n,
	    sizeof(*conf->windows));
	for (i = 0; i < n; i++) {
		struct window_conf *w = &conf->windows[conf->nwindows++];

		sec = cfg_getnsec(cfg, "window", (unsigned int)i);
		w->name = xstrdup(cfg_title(sec));
		w->file = xstrdup(cur_file);
		w->line = conf_err_line(sec, NULL);
		w->preset_line = conf_err_line(sec, "preset");
		if (!conf_valid_name(w->name))
			conf_err_add(cur_file, w->line, "window '%s': bad name",
			    w->name);
		w->preset = xstrdup(cfg_getstr(sec, "preset") ?
		    cfg_getstr(sec, "preset") : "");
		w->schedule = getstr(sec, "schedule");
		w->timezone = getstr(sec, "timezone");
		w->duration_ms = getdur(sec, "duration");
		w->rolling = cfg_getstr(sec, "fleet") != NULL;
		w->max_parallel = cfg_size(sec, "max_parallel") > 0 ?
		    (int)cfg_getint(sec, "max_parallel") : 1;
		w->slot_ms = cfg_getstr(sec, "slot_duration") != NULL ?
		    getdur(sec, "slot_duration") : 0;
		if (!w->rolling && cfg_size(sec, "max_parallel") > 0)
			conf_err_add(cur_file, conf_err_line(sec,
			    "max_parallel"), "window %s: max_parallel is for "
			    "windows with fleet = rolling", w->name);
		if (!w->rolling && w->slot_ms > 0)
			conf_err_add(cur_file, conf_err_line(sec,
			    "slot_duration"), "window %s: slot_duration is for "
			    "windows with fleet = rolling", w->name);
		if (w->slot_ms > 0 && w->duration_ms > 0 &&
		    w->slot_ms > w->duration_ms)
			conf_err_add(cur_file, conf_err_line(sec,
			    "slot_duration"), "window %s: slot_duration is "
			    "longer than the window's duration", w->name);
		if (w->rolling && !conf->fleet.on)
			conf_err_add(cur_file, conf_err_line(sec, "fleet"),
			    "window %s: fleet = rolling needs a fleet section",
			    w->name);
		if (*w->preset == '\0')
			conf_err_add(cur_file, w->line, "window %s: no preset",
			    w->name);
		if (w->schedule == NULL)
			conf_err_add(cur_file, w->line, "window %s: no "
			    "schedule", w->name);
		else if (cron_parse(w->schedule, &w->cron, (char[128]){ 0 },
		    128) == 0 && w->cron.reboot)
			conf_err_add(cur_file, conf_err_line(sec, "schedule"),
			    "window %s: @reboot is for tasks: a window opens at "
			    "times of a schedule", w->name);
		if (w->duration_ms <= 0)
			conf_err_add(cur_file, w->line, "window %s: needs a "
			    "duration", w->name);
	}
	conf_tokens_load(conf, cfg, cur_file);
	if (!main)
		return;
	at = conf->nnotifies;
	conf->nnotifies += cfg_size(cfg, "notify");
	conf->notifies = grow(conf->notifies, at, conf->nnotifies - at,
	    sizeof(*conf->notifies));
	for (i = at; i < conf->nnotifies; i++) {
		struct notify_conf *nc = &conf->notifies[i];

		sec = cfg_getnsec(cfg, "notify", (unsigned int)(i - at));
		nc->name = xstrdup(cfg_title(sec));
		nc->line = conf_err_line(sec, NULL);
		if (!conf_valid_name(nc->name))
			conf_err_add(cur_file, nc->line, "notify '%s': bad name",
			    nc->name);
		nc->url = getstr(sec, "url");
		nc->events = getlist(sec, "events");
		nc->timeout_ms = getdur(sec, "timeout");
		nc->throttle_ms = getdur(sec, "throttle");
		nc->retries = (int)cfg_getint(sec, "retries");
		nc->headers = getlist(sec, "headers");
		nc->secret = getstr(sec, "secret");
		nc->after_failures = (int)cfg_getint(sec, "after_failures");
		nc->recovery = cfg_getbool(sec, "recovery");
		nc->manual = cfg_getbool(sec, "manual");
		nc->repeat_ms = getdur(sec, "repeat");
		if (nc->events[0] == NULL)
			conf_err_add(cur_file, nc->line, "notify %s: no "
			    "events (give some, or \"*\" for all)", nc->name);
		if (nc->url == NULL)
			conf_err_add(cur_file, nc->line, "notify %s: no url",
			    nc->name);
	}
}

/*
 * As root, a file that holds a secret (an option of conf_secret.c)
 * must not be readable by others, as ssh(1) will not use a private key
 * that others can read.
 */
static void
secret_check(const char *path, mode_t mode)
{
	const char	*option, *what;
	int		 line;

	if (!trust_needed() || !(mode & S_IROTH) ||
	    (line = conf_secret_first(&option, &what)) == 0)
		return;
	conf_err_add(path, line, "%s: %s, and the file is readable by others "
	    "(mode %04o): refusing it (chmod o-r %s)", option, what,
	    (unsigned)(mode & 07777), path);
}

size_t
conf_file_load(struct config *conf, const char *path, const char *given,
    mode_t mode, bool main)
{
	struct stat	 st;
	cfg_t		*cfg;
	char		*text;
	size_t		 n0 = conf_err_count(), nt, i;
	int		 rc, line;

	cur_file = path;
	cur_conf = conf;
	last_user[0] = '\0';	/* /etc/passwd may have changed since */
	nt = conf->ntasks;
	cfg = main ? conf_parser() : conf_parser_dropin();
	conf_parser_take(take_task);
	st.st_mode = mode;
	text = NULL;
	if (given != NULL && (line = conf_read_long_line(given, strlen(given))) > 0)
		conf_err_add(path, line, "a value longer than 64 KiB: refused "
		    "unparsed");
	else
		text = given != NULL ? xstrdup(given) : conf_read_clean(path,
		    main, &st);
	if (text == NULL)
		rc = CFG_FILE_ERROR;
	else {
		free(cfg->filename);
		cfg->filename = xstrdup(path);
		cfg->line = 1;
		conf_err_file(path, text);
		rc = cfg_parse_buf(cfg, text);
		conf_parser_done(cfg);
		if (rc == CFG_SUCCESS)
			secret_check(path, st.st_mode);
		conf_err_file(path, NULL);
		free(text);
	}
	conf_parser_take(NULL);
	if (rc == CFG_SUCCESS) {
		if (main)
			load_globals(conf, cfg);
		for (i = nt; i < conf->ntasks; i++)
			finish_task(conf, &conf->tasks[i]);
		load_sections(conf, cfg, main);
	} else {
		/* as if none of the file's tasks had been read */
		for (i = nt; i < conf->ntasks; i++)
			task_conf_free(&conf->tasks[i]);
		conf->ntasks = nt;
		if (rc != CFG_FILE_ERROR && conf_err_count() == n0)
			conf_err_add(path, 0, "syntax error");
	}
	cfg_free(cfg);
	cur_file = NULL;
	cur_conf = NULL;
	return conf_err_count() - n0;
}
