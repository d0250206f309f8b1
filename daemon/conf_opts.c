/*
 * conf_opts.c: every option of maintd.conf, one row each: the section it
 * is allowed in, its libconfuse definition (type and default), and the
 * validator of its values.  The rows make libconfuse's option arrays,
 * and each value is checked while it is parsed, so its error carries
 * its file and line.  Adding an option is one row (and its validator if
 * none fits), plus what conf.c does with the value.
 */
#include <ctype.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "conf_err.h"
#include "conf_opts.h"
#include "conf_secret.h"
#include "cron.h"
#include "tz.h"
#include "host.h"
#include "log.h"
#include "proto.h"
#include "util.h"

/* A validator: NULL when v is fine, else why not (in buf, or static). */
typedef const char *(*validator)(const char *v, char *buf, size_t len);

struct row {
	const char	*section;
	cfg_opt_t	 opt;
	validator	 check;
};

/* What event.c emits (see maintd.conf(5), notify). */
static const char *events[] = {
	"started", "stopped", "activated", "deactivated", "auto-deactivated",
	"deadline-set", "reload-failed",
	"run-started", "run-ok", "run-failed", "run-timeout", "run-stopped",
	"run-error", "crash-loop", "skipped", "halted", "resumed",
	"preset-applied", "preset-created", "preset-imported",
	"preset-deleted", "window-opened", "window-closed", "window-skipped",
	"window-created", "window-deleted",
	"denied", "unhealthy", "healthy", "health-restart", "reloaded", "test",
	"late", "recovered", "regression", "*", NULL
};

int
conf_valid_name(const char *s)
{
	const char	*p;

	if (*s == '\0' || strlen(s) > 64 || *s == '-' || *s == '.')
		return 0;
	for (p = s; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_' &&
		    *p != '.')
			return 0;
	return 1;
}

int
conf_parse_mode(const char *s, mode_t *mode)
{
	const char	*p;
	mode_t		 m = 0;

	if (*s == '\0' || strlen(s) > 5)
		return -1;
	for (p = s; *p; p++) {
		if (*p < '0' || *p > '7')
			return -1;
		m = (mode_t)(m * 8 + (mode_t)(*p - '0'));
	}
	if (m > 07777)
		return -1;
	*mode = m;
	return 0;
}

/* The validators. */

static const char *
one_of(const char *v, const char *what, const char *const *ok, char *buf,
    size_t len)
{
	size_t	i, o;

	for (i = 0; ok[i] != NULL; i++)
		if (strcmp(v, ok[i]) == 0)
			return NULL;
	o = (size_t)snprintf(buf, len, "unknown %s '%s' (", what, v);
	for (i = 0; ok[i] != NULL && o < len; i++)
		o += (size_t)snprintf(buf + o, len - o, "%s%s", i == 0 ? "" :
		    ok[i + 1] == NULL ? " or " : ", ", ok[i]);
	if (o < len)
		snprintf(buf + o, len - o, ")");
	return buf;
}

static const char *
v_nonempty(const char *v, char *buf, size_t len)
{
	(void)buf;
	(void)len;
	return *v == '\0' ? "must not be empty" : NULL;
}

static const char *
v_overlap(const char *v, char *buf, size_t len)
{
	static const char *const ok[] = { "skip", "queue", NULL };

	return one_of(v, "overlap", ok, buf, len);
}

static const char *
v_kind(const char *v, char *buf, size_t len)
{
	static const char *const ok[] = { "oneshot", "periodic", "service",
	    NULL };

	return one_of(v, "kind", ok, buf, len);
}

static const char *
v_output(const char *v, char *buf, size_t len)
{
	static const char *const ok[] = { "file", "syslog", "discard", NULL };

	return one_of(v, "output", ok, buf, len);
}

static const char *
v_restart(const char *v, char *buf, size_t len)
{
	static const char *const ok[] = { "always", "on-failure", "never",
	    NULL };

	return one_of(v, "restart policy", ok, buf, len);
}

static const char *
v_event(const char *v, char *buf, size_t len)
{
	size_t	i;

	for (i = 0; events[i] != NULL; i++)
		if (strcmp(events[i], v) == 0)
			return NULL;
	snprintf(buf, len, "unknown event '%s'", v);
	return buf;
}

/* One line of text (runbook): no control characters. */
static const char *
v_line(const char *v, char *buf, size_t len)
{
	const char	*p;

	for (p = v; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f) {
			snprintf(buf, len, "must be one line of text, without "
			    "control characters");
			return buf;
		}
	return *v == '\0' ? "must not be empty" : NULL;
}

static const char *
v_abspath(const char *v, char *buf, size_t len)
{
	if (*v == '/')
		return NULL;
	snprintf(buf, len, "'%s' is not an absolute path", v);
	return buf;
}

static const char *
v_duration(const char *v, char *buf, size_t len)
{
	const char	*errstr;
	int64_t		 ms;

	if (parse_duration(v, &ms, &errstr) == 0)
		return NULL;
	snprintf(buf, len, "bad duration '%s': %s", v, errstr);
	return buf;
}

static const char *
v_size(const char *v, char *buf, size_t len)
{
	const char	*errstr;
	uint64_t	 sz;

	if (parse_size(v, &sz, &errstr) == 0)
		return NULL;
	snprintf(buf, len, "bad size '%s': %s", v, errstr);
	return buf;
}

static const char *
number(const char *v, const char *what, long long lo, long long hi,
    const char *range, char *buf, size_t len)
{
	const char	*errstr;

	strtonum(v, lo, hi, &errstr);
	if (errstr == NULL)
		return NULL;
	snprintf(buf, len, "bad %s '%s': %s%s", what, v, errstr, range);
	return buf;
}

static const char *
v_count(const char *v, char *buf, size_t len)
{
	return number(v, "number", 0, INT32_MAX, "", buf, len);
}

static const char *
v_posint(const char *v, char *buf, size_t len)
{
	return number(v, "number", 1, INT32_MAX, "", buf, len);
}

/* cpu_max: a share of one CPU, "50%", "250%" (two and a half CPUs) */
int
conf_parse_percent(const char *v, int64_t *pct)
{
	const char	*errstr;
	char		 num[16];
	size_t		 n = strlen(v);

	if (n < 2 || n >= sizeof(num) || v[n - 1] != '%')
		return -1;
	memcpy(num, v, n - 1);
	num[n - 1] = '\0';
	*pct = strtonum(num, 1, 100000, &errstr);
	return errstr == NULL ? 0 : -1;
}

static const char *
v_percent(const char *v, char *buf, size_t len)
{
	int64_t	pct;

	if (conf_parse_percent(v, &pct) == 0)
		return NULL;
	snprintf(buf, len, "bad cpu_max '%s': a share of one CPU, 1%% to "
	    "100000%%, such as 50%% or 200%%", v);
	return buf;
}

static const char *
v_ioweight(const char *v, char *buf, size_t len)
{
	return number(v, "io_weight", 1, 10000, " (1 to 10000)", buf, len);
}

static const char *
v_cgroup(const char *v, char *buf, size_t len)
{
	if (strcmp(v, "auto") == 0 || strcmp(v, "off") == 0 || v[0] == '/')
		return NULL;
	snprintf(buf, len, "bad cgroup '%s': auto, off, or the absolute path "
	    "of a directory in the cgroup v2 hierarchy", v);
	return buf;
}

static const char *
v_weight(const char *v, char *buf, size_t len)
{
	return number(v, "weight", 0, 1000000, "", buf, len);
}

static const char *
v_nice(const char *v, char *buf, size_t len)
{
	return number(v, "nice", -20, 19, " (-20 to 19)", buf, len);
}

static const char *
v_cron(const char *v, char *buf, size_t len)
{
	struct cron	cron;
	char		cerr[128];

	if (cron_parse(v, &cron, cerr, sizeof(cerr)) == 0)
		return NULL;
	snprintf(buf, len, "bad schedule '%s': %s", v, cerr);
	return buf;
}

static const char *
v_timezone(const char *v, char *buf, size_t len)
{
	return tz_check(v, buf, len) == 0 ? NULL : buf;
}

static const char *
v_signal(const char *v, char *buf, size_t len)
{
	int	signo;

	if (parse_signal(v, &signo) == 0)
		return NULL;
	snprintf(buf, len, "unknown signal '%s'", v);
	return buf;
}

static const char *
v_user(const char *v, char *buf, size_t len)
{
	if (getpwnam(v) != NULL)
		return NULL;
	snprintf(buf, len, "unknown user '%s'", v);
	return buf;
}

static const char *
v_group(const char *v, char *buf, size_t len)
{
	if (*v == '\0' || getgrnam(v) != NULL)
		return NULL;
	snprintf(buf, len, "unknown group '%s'", v);
	return buf;
}

static const char *
v_mode(const char *v, char *buf, size_t len)
{
	mode_t	mode;

	if (conf_parse_mode(v, &mode) == 0)
		return NULL;
	snprintf(buf, len, "bad mode '%s' (octal, e.g. 0660)", v);
	return buf;
}

static const char *
v_facility(const char *v, char *buf, size_t len)
{
	if (log_facility_byname(v) != -1)
		return NULL;
	snprintf(buf, len, "unknown syslog facility '%s'", v);
	return buf;
}

static const char *
v_env(const char *v, char *buf, size_t len)
{
	int	i;

	for (i = 0; v[i] && v[i] != '='; i++)
		if (!(isalnum((unsigned char)v[i]) || v[i] == '_') ||
		    (i == 0 && isdigit((unsigned char)v[i])))
			break;
	if (i > 0 && v[i] == '=')
		return NULL;
	snprintf(buf, len, "bad environment entry '%s' (NAME=value)", v);
	return buf;
}

static const char *
v_name(const char *v, char *buf, size_t len)
{
	if (conf_valid_name(v))
		return NULL;
	snprintf(buf, len, "bad name '%s' (letters, digits, '-', '_', '.', "
	    "at most 64)", v);
	return buf;
}

/* A command string; a list of two or more words is not split (rows). */
static const char *
v_command(const char *v, char *buf, size_t len)
{
	const char	*errstr;
	char		**words;
	int		 nwords, i;

	if (proto_split(v, strlen(v), &words, &nwords, &errstr) == -1) {
		snprintf(buf, len, "bad command '%s': %s", v, errstr);
		return buf;
	}
	for (i = 0; i < nwords; i++)
		free(words[i]);
	free(words);
	return nwords == 0 ? "empty command" : NULL;
}

static const char *
v_cond(const char *v, char *buf, size_t len)
{
	struct guard_cond	c;
	uint64_t		mem;
	double			d;
	char			why[200];

	if (conf_parse_cond(v, &c, buf, len) == -1)
		return buf;
	/* what the host cannot measure is refused now, not at each tick */
	if (c.metric == GM_MEM_AVAILABLE && host_mem_available(&mem) == -1) {
		snprintf(buf, len, "'%s': mem_available cannot be read on this "
		    "system", v);
		return buf;
	}
	if (guard_resource(c.metric) != NULL &&
	    host_pressure(guard_resource(c.metric), &d, why, sizeof(why)) ==
	    -1) {
		snprintf(buf, len, "'%s': %s", v, why);
		return buf;
	}
	if (c.metric == GM_UPTIME && host_uptime(&d, why, sizeof(why)) == -1) {
		snprintf(buf, len, "'%s': %s", v, why);
		return buf;
	}
	return NULL;
}

static const char *
v_status(const char *v, char *buf, size_t len)
{
	return number(v, "HTTP status", 100, 599, "", buf, len);
}

/* "Name: value", one line */
static const char *
v_header(const char *v, char *buf, size_t len)
{
	const char	*c = strchr(v, ':');
	const char	*p;

	for (p = v; c != NULL && p < c; p++)
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_')
			break;
	if (c != NULL && p == c && c > v && strpbrk(v, "\r\n") == NULL)
		return NULL;
	snprintf(buf, len, "bad header '%s' (Name: value)", v);
	return buf;
}

static const char *
v_url(const char *v, char *buf, size_t len)
{
	if (strncmp(v, "http://", 7) == 0 || strncmp(v, "https://", 8) == 0)
		return NULL;
	snprintf(buf, len, "bad url '%s' (http:// or https://)", v);
	return buf;
}

/* "/maintd/": where the fleet's keys are */
static const char *
v_prefix(const char *v, char *buf, size_t len)
{
	size_t	n = strlen(v);

	if (n >= 2 && v[0] == '/' && v[n - 1] == '/')
		return NULL;
	snprintf(buf, len, "bad prefix '%s': a key prefix that starts and ends "
	    "with '/', such as /maintd/", v);
	return buf;
}

static const char *
v_fleet_task(const char *v, char *buf, size_t len)
{
	if (strcmp(v, "once") == 0)
		return NULL;
	snprintf(buf, len, "bad fleet '%s': once (one run at a time in the "
	    "fleet)", v);
	return buf;
}

static const char *
v_fleet_lost(const char *v, char *buf, size_t len)
{
	if (strcmp(v, "stop") == 0 || strcmp(v, "keep") == 0)
		return NULL;
	snprintf(buf, len, "bad fleet_lost '%s': stop or keep", v);
	return buf;
}

/*
 * "sha256:" and 64 hex digits.  The value is never repeated in the
 * error: it could be the token itself, pasted by mistake.
 */
static const char *
v_hash(const char *v, char *buf, size_t len)
{
	size_t	i;

	(void)buf;
	(void)len;
	if (strncmp(v, "sha256:", 7) == 0 && strlen(v) == 7 + 64) {
		for (i = 7; isxdigit((unsigned char)v[i]); i++)
			;
		if (v[i] == '\0')
			return NULL;
	}
	return "not sha256:HEX (64 hex digits; maintctl token new makes one)";
}

static const char *
v_role(const char *v, char *buf, size_t len)
{
	static const char *const ok[] = { "read", "operate", "admin", NULL };

	return one_of(v, "role", ok, buf, len);
}

static const char *
v_fleet_window(const char *v, char *buf, size_t len)
{
	if (strcmp(v, "rolling") == 0)
		return NULL;
	snprintf(buf, len, "bad fleet '%s': rolling (the nodes take turns)", v);
	return buf;
}

/* The options. */

#define MAXOPTS		64
static cfg_opt_t	limits_opts[MAXOPTS], health_opts[MAXOPTS];
static cfg_opt_t	requires_opts[MAXOPTS];
static cfg_opt_t	dropin_opts[MAXOPTS];
static cfg_opt_t	task_opts[MAXOPTS], preset_opts[MAXOPTS];
static cfg_opt_t	window_opts[MAXOPTS], notify_opts[MAXOPTS];
static cfg_opt_t	root_opts[MAXOPTS], fleet_opts[MAXOPTS];
static cfg_opt_t	token_opts[MAXOPTS];

#define SECTION_FLAGS	(CFGF_MULTI | CFGF_TITLE)
#define ND		CFGF_NODEFAULT

static const struct row rows[] = {
	{ "root", CFG_STR("socket", NULL, ND), v_abspath },
	{ "root", CFG_STR("socket_mode", "0660", CFGF_NONE), v_mode },
	{ "root", CFG_STR("socket_group", "", CFGF_NONE), v_group },
	{ "root", CFG_STR("admin_group", "", CFGF_NONE), v_group },
	{ "root", CFG_STR("pidfile", NULL, ND), v_abspath },
	{ "root", CFG_STR("database", NULL, ND), v_abspath },
	{ "root", CFG_STR("log_dir", NULL, ND), v_abspath },
	{ "root", CFG_STR("syslog_facility", "daemon", CFGF_NONE), v_facility },
	{ "root", CFG_INT("max_weight", 8, CFGF_NONE), v_weight },
	{ "root", CFG_STR("kill_grace", "10s", CFGF_NONE), v_duration },
	{ "root", CFG_STR("auto_deactivate", "0", CFGF_NONE), v_duration },
	{ "root", CFG_STR("history_retention", "30d", CFGF_NONE), v_duration },
	{ "root", CFG_STR_LIST("discover", NULL, ND), v_nonempty },
	{ "root", CFG_STR("discover_tag", "maintenance", CFGF_NONE), NULL },
	{ "root", CFG_STR("discover_interval", "60s", CFGF_NONE), v_duration },
	{ "root", CFG_STR("discover_settle", "1s", CFGF_NONE), v_duration },
	{ "root", CFG_STR("metrics_file", "", CFGF_NONE), NULL },
	{ "root", CFG_INT("max_clients", 64, CFGF_NONE), v_posint },
	{ "root", CFG_STR("client_timeout", "60s", CFGF_NONE), v_duration },
	{ "root", CFG_STR("user", NULL, ND), v_user },
	{ "root", CFG_STR("path", "/usr/local/sbin:/usr/local/bin:/usr/sbin:"
	    "/usr/bin:/sbin:/bin", CFGF_NONE), v_nonempty },
	{ "root", CFG_STR("lang", NULL, ND), NULL },
	{ "root", CFG_STR_LIST("start_when", NULL, ND), v_cond },
	{ "root", CFG_STR("cgroup", "auto", CFGF_NONE), v_cgroup },
	{ "root", CFG_SEC("task", task_opts, SECTION_FLAGS), NULL },
	{ "root", CFG_SEC("preset", preset_opts, SECTION_FLAGS), NULL },
	{ "root", CFG_SEC("window", window_opts, SECTION_FLAGS), NULL },
	{ "root", CFG_SEC("notify", notify_opts, SECTION_FLAGS), NULL },
	{ "root", CFG_SEC("fleet", fleet_opts, ND), NULL },
	{ "root", CFG_SEC("token", token_opts, SECTION_FLAGS), NULL },

	{ "fleet", CFG_STR_LIST("endpoints", NULL, ND), v_url },
	{ "fleet", CFG_STR("prefix", "/maintd/", CFGF_NONE), v_prefix },
	{ "fleet", CFG_STR("node", NULL, ND), v_name },
	{ "fleet", CFG_STR("ttl", "10s", CFGF_NONE), v_duration },
	{ "fleet", CFG_STR("timeout", "2s", CFGF_NONE), v_duration },
	{ "fleet", CFG_STR("cacert", NULL, ND), v_abspath },
	{ "fleet", CFG_STR("cert", NULL, ND), v_abspath },
	{ "fleet", CFG_STR("key", NULL, ND), v_abspath },

	/* a drop-in file of discover: sections only */
	{ "dropin", CFG_SEC("task", task_opts, SECTION_FLAGS), NULL },
	{ "dropin", CFG_SEC("preset", preset_opts, SECTION_FLAGS), NULL },
	{ "dropin", CFG_SEC("window", window_opts, SECTION_FLAGS), NULL },
	{ "dropin", CFG_SEC("token", token_opts, SECTION_FLAGS), NULL },

	{ "task", CFG_STR("description", "", CFGF_NONE), NULL },
	{ "task", CFG_STR_LIST("command", NULL, ND), v_command },
	{ "task", CFG_BOOL("shell", cfg_false, CFGF_NONE), NULL },
	{ "task", CFG_STR("user", NULL, ND), v_user },
	{ "task", CFG_STR("group", NULL, ND), v_group },
	{ "task", CFG_BOOL("allow_root", cfg_false, CFGF_NONE), NULL },
	{ "task", CFG_STR("directory", "/", CFGF_NONE), v_abspath },
	{ "task", CFG_STR_LIST("environment", NULL, ND), v_env },
	{ "task", CFG_STR_LIST("tags", NULL, ND), v_name },
	{ "task", CFG_STR("kind", NULL, ND), v_kind },
	{ "task", CFG_STR("schedule", NULL, ND), v_cron },
	{ "task", CFG_STR("every", NULL, ND), v_duration },
	{ "task", CFG_STR("timezone", NULL, ND), v_timezone },
	{ "task", CFG_STR("timeout", "0", CFGF_NONE), v_duration },
	{ "task", CFG_STR("kill_signal", "TERM", CFGF_NONE), v_signal },
	{ "task", CFG_INT("weight", 1, CFGF_NONE), v_weight },
	{ "task", CFG_STR_LIST("conflicts", NULL, ND), v_name },
	{ "task", CFG_STR("auto_deactivate", NULL, ND), v_duration },
	{ "task", CFG_BOOL("dry_run", cfg_false, CFGF_NONE), NULL },
	{ "task", CFG_STR("output", "file", CFGF_NONE), v_output },
	{ "task", CFG_INT("nice", 0, CFGF_NONE), v_nice },
	{ "task", CFG_STR("umask", "0022", CFGF_NONE), v_mode },
	{ "task", CFG_SEC("limits", limits_opts, CFGF_NONE), NULL },
	{ "task", CFG_SEC("health", health_opts, ND), NULL },
	{ "task", CFG_STR("restart", "on-failure", CFGF_NONE), v_restart },
	{ "task", CFG_STR_LIST("backoff", NULL, ND), v_duration },
	{ "task", CFG_INT("restart_limit", 5, CFGF_NONE), v_count },
	{ "task", CFG_STR("jitter", "0", CFGF_NONE), v_duration },
	{ "task", CFG_BOOL("catch_up", cfg_false, CFGF_NONE), NULL },
	{ "task", CFG_STR("overlap", "skip", CFGF_NONE), v_overlap },
	{ "task", CFG_STR_LIST("start_when", NULL, ND), v_cond },
	{ "task", CFG_BOOL("restart_on_change", cfg_false, CFGF_NONE), NULL },
	{ "task", CFG_STR("memory_max", NULL, ND), v_size },
	{ "task", CFG_STR("memory_high", NULL, ND), v_size },
	{ "task", CFG_STR("cpu_max", NULL, ND), v_percent },
	{ "task", CFG_STR("pids_max", NULL, ND), v_posint },
	{ "task", CFG_STR("io_weight", NULL, ND), v_ioweight },
	{ "task", CFG_STR("fleet", NULL, ND), v_fleet_task },
	{ "task", CFG_STR("fleet_lost", NULL, ND), v_fleet_lost },
	{ "task", CFG_STR("late_after", NULL, ND), v_duration },
	{ "task", CFG_STR("runbook", NULL, ND), v_line },
	{ "task", CFG_SEC("requires", requires_opts, CFGF_MULTI), NULL },
	{ "task", CFG_STR_LIST("after", NULL, ND), v_name },
	{ "task", CFG_STR_LIST("on_success", NULL, ND), v_name },
	{ "task", CFG_STR_LIST("on_failure", NULL, ND), v_name },

	{ "requires", CFG_STR("task", NULL, ND), v_name },
	{ "requires", CFG_STR("ok_within", NULL, ND), v_duration },

	{ "limits", CFG_STR("cpu", NULL, ND), v_duration },
	{ "limits", CFG_STR("memory", NULL, ND), v_size },
	{ "limits", CFG_STR("nofile", NULL, ND), v_count },
	{ "limits", CFG_STR("nproc", NULL, ND), v_count },
	{ "limits", CFG_STR("fsize", NULL, ND), v_size },
	{ "limits", CFG_STR("core", NULL, ND), v_size },

	{ "health", CFG_STR("url", NULL, ND), v_url },
	{ "health", CFG_STR_LIST("command", NULL, ND), v_command },
	{ "health", CFG_STR("interval", "30s", CFGF_NONE), v_duration },
	{ "health", CFG_STR("timeout", NULL, ND), v_duration },
	{ "health", CFG_INT("failures", 3, CFGF_NONE), v_posint },
	{ "health", CFG_BOOL("restart", cfg_false, CFGF_NONE), NULL },
	{ "health", CFG_INT("expect_status", 0, CFGF_NONE), v_status },
	{ "health", CFG_BOOL("follow_redirects", cfg_false, CFGF_NONE), NULL },
	{ "health", CFG_STR("start_period", NULL, ND), v_duration },

	{ "preset", CFG_STR("description", "", CFGF_NONE), NULL },
	{ "preset", CFG_STR_LIST("tasks", NULL, ND), v_name },
	{ "preset", CFG_STR_LIST("tags", NULL, ND), v_name },

	{ "window", CFG_STR("preset", NULL, ND), v_name },
	{ "window", CFG_STR("schedule", NULL, ND), v_cron },
	{ "window", CFG_STR("timezone", NULL, ND), v_timezone },
	{ "window", CFG_STR("duration", NULL, ND), v_duration },
	{ "window", CFG_STR("fleet", NULL, ND), v_fleet_window },
	{ "window", CFG_INT("max_parallel", 0, ND), v_posint },
	{ "window", CFG_STR("slot_duration", NULL, ND), v_duration },

	{ "notify", CFG_STR("url", NULL, ND), v_url },
	{ "notify", CFG_STR_LIST("events", NULL, ND), v_event },
	{ "notify", CFG_STR("timeout", "5s", CFGF_NONE), v_duration },
	{ "notify", CFG_INT("retries", 3, CFGF_NONE), v_count },
	{ "notify", CFG_STR("throttle", "5m", CFGF_NONE), v_duration },
	{ "notify", CFG_STR_LIST("headers", NULL, ND), v_header },
	{ "notify", CFG_STR("secret", NULL, ND), v_nonempty },
	{ "notify", CFG_INT("after_failures", 0, CFGF_NONE), v_count },
	{ "notify", CFG_BOOL("recovery", cfg_false, CFGF_NONE), NULL },
	{ "notify", CFG_BOOL("manual", cfg_true, CFGF_NONE), NULL },
	{ "notify", CFG_STR("repeat", "0", CFGF_NONE), v_duration },

	{ "token", CFG_STR("hash", NULL, ND), v_hash },
	{ "token", CFG_STR("role", "read", CFGF_NONE), v_role },
	{ "token", CFG_STR_LIST("tasks", NULL, ND), v_nonempty },
};
#define NROWS	(sizeof(rows) / sizeof(rows[0]))

/* Each section: its array, and its path for cfg_set_validate_func(). */
static const struct section {
	const char	*name;
	const char	*path;
	cfg_opt_t	*opts;
} sections[] = {
	{ "root", "", root_opts },
	{ "dropin", "", dropin_opts },
	{ "task", "task|", task_opts },
	{ "limits", "task|limits|", limits_opts },
	{ "health", "task|health|", health_opts },
	{ "requires", "task|requires|", requires_opts },
	{ "fleet", "fleet|", fleet_opts },
	{ "preset", "preset|", preset_opts },
	{ "window", "window|", window_opts },
	{ "notify", "notify|", notify_opts },
	{ "token", "token|", token_opts },
};
#define NSECTIONS	(sizeof(sections) / sizeof(sections[0]))

static const struct row *
row_find(const char *section, const char *option)
{
	size_t	i;

	for (i = 0; i < NROWS; i++)
		if (strcmp(rows[i].opt.name, option) == 0 &&
		    strcmp(rows[i].section, section) == 0)
			return &rows[i];
	return NULL;
}

static int
validate_cb(cfg_t *cfg, cfg_opt_t *opt)
{
	const struct row	*r;
	const char		*why, *v;
	char			 buf[256], sval[32];
	unsigned int		 n;

	conf_err_seen(cfg, opt->name, cfg->line);
	conf_secret_seen(cfg, opt);
	if ((r = row_find(cfg->name, opt->name)) == NULL || r->check == NULL)
		return 0;
	/* a list of two or more words is the argv as it is: nothing to split */
	if (r->check == v_command && cfg_opt_size(opt) > 1)
		return 0;
	for (n = 0; n < cfg_opt_size(opt); n++) {
		switch (opt->type) {
		case CFGT_STR:
			v = cfg_opt_getnstr(opt, n);
			break;
		case CFGT_INT:
			snprintf(sval, sizeof(sval), "%ld",
			    cfg_opt_getnint(opt, n));
			v = sval;
			break;
		default:
			v = NULL;
		}
		if (v == NULL)
			continue;
		if ((why = r->check(v, buf, sizeof(buf))) != NULL) {
			conf_err_add(cfg->filename, cfg->line, "%s: %s%s",
			    opt->name, why, r->check == v_cron &&
			    conf_err_unquoted(cfg->line, opt->name) ?
			    " (a schedule has blanks: quote it, schedule = "
			    "\"*/5 * * * *\")" : "");
			break;
		}
	}
	return 0;
}

/* libconfuse's option arrays, from the rows (once). */
static void
build(void)
{
	static int	built;
	size_t		i, j, n;
	cfg_opt_t	end = CFG_END();

	if (built)
		return;
	for (i = 0; i < NSECTIONS; i++) {
		for (j = n = 0; j < NROWS; j++)
			if (strcmp(rows[j].section, sections[i].name) == 0) {
				if (n + 1 >= MAXOPTS)
					fatalx("conf: section %s: too many "
					    "options", sections[i].name);
				sections[i].opts[n++] = rows[j].opt;
			}
		sections[i].opts[n] = end;
	}
	built = 1;
}

/*
 * libconfuse compares the title of each new section with the title of
 * every earlier one of its kind (to refuse a duplicate): with 10 000
 * tasks that is 50 million strcmp() and most of the start-up.  So each
 * titled section is set aside as soon as it is parsed (libconfuse then
 * sees none before it) and all are given back by conf_parser_done();
 * conf.c finds the names given twice itself, with both places.  A task
 * section goes to the taker (conf_parser_take()) and is freed at once:
 * the parse then holds one task at a time, not 10 000.
 */
#define NASIDE	5
static void	(*taker)(cfg_t *);
static struct aside {
	cfg_opt_t	 *opt;
	cfg_value_t	**v;
	unsigned int	  n, cap;
} aside[NASIDE];

static int
aside_cb(cfg_t *cfg, cfg_opt_t *opt)
{
	struct aside	*a;
	size_t		 i;

	(void)cfg;
	if (opt->nvalues == 0)
		return 0;
	if (taker != NULL && strcmp(opt->name, "task") == 0) {
		cfg_value_t *val = opt->values[--opt->nvalues];

		taker(val->section);
		val->section->path = NULL;	/* libconfuse's, shared */
		cfg_free(val->section);
		free(val);
		return 0;
	}
	for (i = 0; i < NASIDE; i++)
		if (aside[i].opt == opt || aside[i].opt == NULL)
			break;
	if (i == NASIDE)
		fatalx("conf: more than %d kinds of titled section", NASIDE);
	a = &aside[i];
	a->opt = opt;
	if (a->n == a->cap) {
		a->cap = a->cap ? a->cap * 2 : 64;
		a->v = xreallocarray(a->v, a->cap, sizeof(*a->v));
	}
	a->v[a->n++] = opt->values[--opt->nvalues];
	return 0;
}

void
conf_parser_take(void (*fn)(cfg_t *))
{
	taker = fn;
}

void
conf_parser_done(cfg_t *cfg)
{
	struct aside	*a;
	unsigned int	 k;
	size_t		 i;

	(void)cfg;
	for (i = 0; i < NASIDE && aside[i].opt != NULL; i++) {
		a = &aside[i];
		/* the ones set aside first, then any left (a parse error) */
		a->v = xreallocarray(a->v, a->n + a->opt->nvalues + 1,
		    sizeof(*a->v));
		for (k = 0; k < a->opt->nvalues; k++)
			a->v[a->n + k] = a->opt->values[k];
		free(a->opt->values);
		a->opt->values = a->v;
		a->opt->nvalues += a->n;
		memset(a, 0, sizeof(*a));
	}
}

static cfg_t *
parser(cfg_opt_t *opts)
{
	cfg_t	*cfg;
	char	 path[64];
	size_t	 i, j;

	build();
	conf_secret_reset();
	if ((cfg = cfg_init(opts, CFGF_NONE)) == NULL)
		fatal("cfg_init");
	cfg_set_error_function(cfg, conf_err_confuse);
	for (i = 0; i < NSECTIONS; i++) {
		/* the other root's options are not there to validate */
		if (sections[i].path[0] == '\0' && sections[i].opts != opts)
			continue;
		for (j = 0; j < NROWS; j++) {
			if (strcmp(rows[j].section, sections[i].name) != 0 ||
			    rows[j].opt.type == CFGT_SEC)
				continue;
			snprintf(path, sizeof(path), "%s%s", sections[i].path,
			    rows[j].opt.name);
			cfg_set_validate_func(cfg, path, validate_cb);
		}
	}
	for (j = 0; opts[j].name != NULL; j++)
		if (opts[j].type == CFGT_SEC && (opts[j].flags & CFGF_TITLE))
			cfg_set_validate_func(cfg, opts[j].name, aside_cb);
	return cfg;
}

cfg_t *
conf_parser(void)
{
	return parser(root_opts);
}

cfg_t *
conf_parser_dropin(void)
{
	return parser(dropin_opts);
}

const char *
kind_name(enum task_kind k)
{
	switch (k) {
	case KIND_PERIODIC:
		return "periodic";
	case KIND_SERVICE:
		return "service";
	default:
		return "oneshot";
	}
}

const char *
output_name(enum task_output o)
{
	return o == OUTPUT_SYSLOG ? "syslog" : o == OUTPUT_DISCARD ?
	    "discard" : "file";
}

const char *
restart_name(enum task_restart r)
{
	return r == RESTART_ALWAYS ? "always" : r == RESTART_NEVER ? "never" :
	    "on-failure";
}
