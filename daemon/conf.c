/*
 * conf.c: load maintd.conf with libconfuse and validate every value.
 * Values are checked by validate callbacks while parsing (so each error
 * carries the file and line of the value), cross references (conflicts,
 * presets, windows) after parsing.  All errors are collected; a config
 * with any error is not used.
 */
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <signal.h>
#include <syslog.h>
#include <unistd.h>
#define LIBBSD_OPENBSD_VIS
#include <vis.h>

#include <confuse.h>

#include "conf.h"
#include "log.h"
#include "proto.h"
#include "trust.h"
#include "util.h"

#define MAX_ERRORS	100

enum vtype {
	V_NONE, V_DURATION, V_SIZE, V_CRON, V_SIGNAL, V_KIND, V_OUTPUT,
	V_RESTART, V_USER, V_GROUP, V_MODE, V_FACILITY, V_WEIGHT, V_POSINT,
	V_NICE, V_ENV, V_NAME, V_NONEMPTY, V_COMMAND, V_BACKOFF, V_EVENT,
	V_URL, V_COUNT, V_ABSPATH, V_OVERLAP
};

static const struct rule {
	const char	*section;	/* cfg->name of the enclosing section */
	const char	*option;
	enum vtype	 type;
} rules[] = {
	{ "root", "socket", V_ABSPATH },
	{ "root", "socket_mode", V_MODE },
	{ "root", "socket_group", V_GROUP },
	{ "root", "admin_group", V_GROUP },
	{ "root", "pidfile", V_ABSPATH },
	{ "root", "database", V_ABSPATH },
	{ "root", "log_dir", V_ABSPATH },
	{ "root", "syslog_facility", V_FACILITY },
	{ "root", "max_weight", V_WEIGHT },
	{ "root", "kill_grace", V_DURATION },
	{ "root", "auto_deactivate", V_DURATION },
	{ "root", "history_retention", V_DURATION },
	{ "root", "discover", V_NONEMPTY },
	{ "root", "discover_interval", V_DURATION },
	{ "root", "max_clients", V_POSINT },
	{ "root", "client_timeout", V_DURATION },
	{ "root", "user", V_USER },
	{ "root", "path", V_NONEMPTY },
	{ "task", "description", V_NONE },
	{ "task", "command", V_COMMAND },
	{ "task", "shell", V_NONE },
	{ "task", "user", V_USER },
	{ "task", "group", V_GROUP },
	{ "task", "allow_root", V_NONE },
	{ "task", "directory", V_ABSPATH },
	{ "task", "environment", V_ENV },
	{ "task", "tags", V_NAME },
	{ "task", "kind", V_KIND },
	{ "task", "schedule", V_CRON },
	{ "task", "every", V_DURATION },
	{ "task", "timeout", V_DURATION },
	{ "task", "kill_signal", V_SIGNAL },
	{ "task", "weight", V_WEIGHT },
	{ "task", "conflicts", V_NAME },
	{ "task", "auto_deactivate", V_DURATION },
	{ "task", "dry_run", V_NONE },
	{ "task", "output", V_OUTPUT },
	{ "task", "nice", V_NICE },
	{ "task", "umask", V_MODE },
	{ "task", "restart", V_RESTART },
	{ "task", "backoff", V_BACKOFF },
	{ "task", "restart_limit", V_COUNT },
	{ "task", "jitter", V_DURATION },
	{ "task", "catch_up", V_NONE },
	{ "task", "overlap", V_OVERLAP },
	{ "limits", "cpu", V_DURATION },
	{ "limits", "memory", V_SIZE },
	{ "limits", "nofile", V_COUNT },
	{ "limits", "nproc", V_COUNT },
	{ "limits", "fsize", V_SIZE },
	{ "limits", "core", V_SIZE },
	{ "health", "url", V_URL },
	{ "health", "command", V_COMMAND },
	{ "health", "interval", V_DURATION },
	{ "health", "timeout", V_DURATION },
	{ "health", "failures", V_POSINT },
	{ "preset", "description", V_NONE },
	{ "preset", "tasks", V_NAME },
	{ "preset", "tags", V_NAME },
	{ "window", "preset", V_NAME },
	{ "window", "schedule", V_CRON },
	{ "window", "duration", V_DURATION },
	{ "notify", "url", V_URL },
	{ "notify", "events", V_EVENT },
	{ "notify", "timeout", V_DURATION },
	{ "notify", "retries", V_COUNT },
};

/* What event.c emits (see maintd.conf(5), notify). */
static const char *events[] = {
	"started", "stopped", "activated", "deactivated", "auto-deactivated",
	"run-started", "run-ok", "run-failed", "run-timeout", "run-stopped",
	"run-error", "crash-loop", "skipped", "halted", "resumed",
	"preset-applied", "preset-created", "preset-imported",
	"preset-deleted", "window-opened", "window-closed", "window-skipped",
	"denied",
	NULL
};

/* Where each option of each section was seen, for cross-reference errors. */
struct seen {
	const cfg_t	*sec;
	const char	*option;
	int		 line;
};

struct loadctx {
	char		**errors;
	size_t		  nerrors;
	struct seen	 *seen;
	size_t		  nseen, seencap;
	int		  sorted;
	const char	 *path;
	const char	 *text;		/* the file as parsed, for hints */
};

static struct loadctx	*ctx;	/* libconfuse callbacks take no argument */

static void
adderr(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
vadderr(const char *file, int line, const char *fmt, va_list ap)
{
	char	raw[512], msg[sizeof(raw) * 4], *s;
	size_t	i;

	if (ctx->nerrors >= MAX_ERRORS)
		return;
	vsnprintf(raw, sizeof(raw), fmt, ap);
	/* values are quoted as written: no raw newline or escape reaches a tty */
	strvis(msg, raw, VIS_CSTYLE | VIS_TAB | VIS_NL | VIS_OCTAL |
	    VIS_NOSLASH);
	/* cfg_parse_buf() calls every file "[buf]" */
	if (file == NULL || strcmp(file, "[buf]") == 0)
		file = ctx->path;
	if (line > 0) {
		if (asprintf(&s, "%s:%d: %s", file, line, msg) == -1)
			fatal("asprintf");
	} else if (asprintf(&s, "%s: %s", file, msg) == -1)
		fatal("asprintf");
	/* libconfuse validates a list twice: say each thing once */
	for (i = 0; i < ctx->nerrors; i++)
		if (strcmp(ctx->errors[i], s) == 0) {
			free(s);
			return;
		}
	ctx->errors = xreallocarray(ctx->errors, ctx->nerrors + 2,
	    sizeof(*ctx->errors));
	ctx->errors[ctx->nerrors++] = s;
	ctx->errors[ctx->nerrors] = NULL;
}

static void
adderr(const char *file, int line, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vadderr(file, line, fmt, ap);
	va_end(ap);
}

static void
confuse_error(cfg_t *cfg, const char *fmt, va_list ap)
{
	vadderr(cfg->filename, cfg->line, fmt, ap);
}

static void
seen_add(const cfg_t *sec, const char *option, int line)
{
	if (ctx->nseen == ctx->seencap) {
		ctx->seencap = ctx->seencap ? ctx->seencap * 2 : 256;
		ctx->seen = xreallocarray(ctx->seen, ctx->seencap,
		    sizeof(*ctx->seen));
	}
	ctx->seen[ctx->nseen].sec = sec;
	ctx->seen[ctx->nseen].option = option;
	ctx->seen[ctx->nseen].line = line;
	ctx->nseen++;
	ctx->sorted = 0;
}

static int
seen_cmp(const void *a, const void *b)
{
	const struct seen	*x = a, *y = b;

	if (x->sec != y->sec)
		return (uintptr_t)x->sec < (uintptr_t)y->sec ? -1 : 1;
	return x->line - y->line;
}

/*
 * The line of option in sec, or (option NULL) the first line seen in sec;
 * the section's own (closing) line when nothing was seen.
 */
static int
seen_line(const cfg_t *sec, const char *option)
{
	size_t	lo = 0, hi, mid;

	if (!ctx->sorted) {
		qsort(ctx->seen, ctx->nseen, sizeof(*ctx->seen), seen_cmp);
		ctx->sorted = 1;
	}
	hi = ctx->nseen;
	while (lo < hi) {
		mid = (lo + hi) / 2;
		if ((uintptr_t)ctx->seen[mid].sec < (uintptr_t)sec)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < ctx->nseen && ctx->seen[lo].sec == sec; lo++)
		if (option == NULL || strcmp(ctx->seen[lo].option, option) == 0)
			return ctx->seen[lo].line;
	return sec->line;
}

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

static int
parse_mode(const char *s, mode_t *mode)
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

/* Check one value; NULL when fine, else the reason. */
static const char *
check_value(enum vtype type, const char *v, char *buf, size_t len)
{
	const char	*errstr;
	int64_t		 ms;
	uint64_t	 sz;
	struct cron	 cron;
	mode_t		 mode;
	int		 signo;
	char		 cerr[128];
	char		**words;
	int		 nwords, i;

	switch (type) {
	case V_NONE:
		return NULL;
	case V_NONEMPTY:
		return *v == '\0' ? "must not be empty" : NULL;
	case V_OVERLAP:
		if (strcmp(v, "skip") && strcmp(v, "queue")) {
			snprintf(buf, len, "unknown overlap '%s' (skip or "
			    "queue)", v);
			return buf;
		}
		return NULL;
	case V_ABSPATH:
		if (*v != '/') {
			snprintf(buf, len, "'%s' is not an absolute path", v);
			return buf;
		}
		return NULL;
	case V_DURATION:
		if (parse_duration(v, &ms, &errstr) == -1) {
			snprintf(buf, len, "bad duration '%s': %s", v, errstr);
			return buf;
		}
		return NULL;
	case V_SIZE:
		if (parse_size(v, &sz, &errstr) == -1) {
			snprintf(buf, len, "bad size '%s': %s", v, errstr);
			return buf;
		}
		return NULL;
	case V_COUNT:
		strtonum(v, 0, INT32_MAX, &errstr);
		if (errstr != NULL) {
			snprintf(buf, len, "bad number '%s': %s", v, errstr);
			return buf;
		}
		return NULL;
	case V_POSINT:
		strtonum(v, 1, INT32_MAX, &errstr);
		if (errstr != NULL) {
			snprintf(buf, len, "bad number '%s': %s", v, errstr);
			return buf;
		}
		return NULL;
	case V_WEIGHT:
		strtonum(v, 0, 1000000, &errstr);
		if (errstr != NULL) {
			snprintf(buf, len, "bad weight '%s': %s", v, errstr);
			return buf;
		}
		return NULL;
	case V_NICE:
		strtonum(v, -20, 19, &errstr);
		if (errstr != NULL) {
			snprintf(buf, len, "bad nice '%s': %s (-20 to 19)", v,
			    errstr);
			return buf;
		}
		return NULL;
	case V_CRON:
		if (cron_parse(v, &cron, cerr, sizeof(cerr)) == -1) {
			snprintf(buf, len, "bad schedule '%s': %s", v, cerr);
			return buf;
		}
		return NULL;
	case V_SIGNAL:
		if (parse_signal(v, &signo) == -1) {
			snprintf(buf, len, "unknown signal '%s'", v);
			return buf;
		}
		return NULL;
	case V_KIND:
		if (strcmp(v, "oneshot") && strcmp(v, "periodic") &&
		    strcmp(v, "service")) {
			snprintf(buf, len, "unknown kind '%s' (oneshot, "
			    "periodic or service)", v);
			return buf;
		}
		return NULL;
	case V_OUTPUT:
		if (strcmp(v, "file") && strcmp(v, "syslog") &&
		    strcmp(v, "discard")) {
			snprintf(buf, len, "unknown output '%s' (file, syslog "
			    "or discard)", v);
			return buf;
		}
		return NULL;
	case V_RESTART:
		if (strcmp(v, "always") && strcmp(v, "on-failure") &&
		    strcmp(v, "never")) {
			snprintf(buf, len, "unknown restart policy '%s' "
			    "(always, on-failure or never)", v);
			return buf;
		}
		return NULL;
	case V_USER:
		errno = 0;
		if (getpwnam(v) == NULL) {
			snprintf(buf, len, "unknown user '%s'", v);
			return buf;
		}
		return NULL;
	case V_GROUP:
		if (*v == '\0')
			return NULL;
		if (getgrnam(v) == NULL) {
			snprintf(buf, len, "unknown group '%s'", v);
			return buf;
		}
		return NULL;
	case V_MODE:
		if (parse_mode(v, &mode) == -1) {
			snprintf(buf, len, "bad mode '%s' (octal, e.g. 0660)",
			    v);
			return buf;
		}
		return NULL;
	case V_FACILITY:
		if (log_facility_byname(v) == -1) {
			snprintf(buf, len, "unknown syslog facility '%s'", v);
			return buf;
		}
		return NULL;
	case V_ENV:
		for (i = 0; v[i] && v[i] != '='; i++)
			if (!(isalnum((unsigned char)v[i]) || v[i] == '_') ||
			    (i == 0 && isdigit((unsigned char)v[i])))
				break;
		if (i == 0 || v[i] != '=') {
			snprintf(buf, len, "bad environment entry '%s' "
			    "(NAME=value)", v);
			return buf;
		}
		return NULL;
	case V_NAME:
		if (!conf_valid_name(v)) {
			snprintf(buf, len, "bad name '%s' (letters, digits, "
			    "'-', '_', '.', at most 64)", v);
			return buf;
		}
		return NULL;
	case V_COMMAND:
		if (proto_split(v, strlen(v), &words, &nwords, &errstr) == -1) {
			snprintf(buf, len, "bad command '%s': %s", v, errstr);
			return buf;
		}
		for (i = 0; i < nwords; i++)
			free(words[i]);
		free(words);
		if (nwords == 0)
			return "empty command";
		return NULL;
	case V_BACKOFF:
		if (parse_duration(v, &ms, &errstr) == -1) {
			snprintf(buf, len, "bad duration '%s': %s", v, errstr);
			return buf;
		}
		return NULL;
	case V_EVENT:
		for (i = 0; events[i] != NULL; i++)
			if (strcmp(events[i], v) == 0)
				return NULL;
		snprintf(buf, len, "unknown event '%s'", v);
		return buf;
	case V_URL:
		if (strncmp(v, "http://", 7) && strncmp(v, "https://", 8)) {
			snprintf(buf, len, "bad url '%s' (http:// or https://)",
			    v);
			return buf;
		}
		return NULL;
	}
	return NULL;
}

/* Is option's value on line of the file written without quotes? */
static int
unquoted(int line, const char *option)
{
	const char	*p = ctx->text;
	size_t		 n = strlen(option);

	if (p == NULL)
		return 0;
	while (--line > 0 && (p = strchr(p, '\n')) != NULL)
		p++;
	for (; p != NULL && *p && *p != '\n'; p++) {
		if (strncmp(p, option, n) != 0)
			continue;
		p += n;
		p += strspn(p, " \t");
		if (*p != '=')
			continue;
		p++;
		p += strspn(p, " \t");
		return *p != '"' && *p != '\'' && *p != '\n' && *p != '\0';
	}
	return 0;
}

static int
validate_cb(cfg_t *cfg, cfg_opt_t *opt)
{
	const struct rule	*r = NULL;
	const char		*why, *v;
	char			 buf[256], sval[32];
	size_t			 i;
	unsigned int		 n;

	for (i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
		if (strcmp(rules[i].section, cfg->name) == 0 &&
		    strcmp(rules[i].option, opt->name) == 0) {
			r = &rules[i];
			break;
		}
	seen_add(cfg, opt->name, cfg->line);
	if (r == NULL)
		return 0;
	/* a list of two or more words is the argv as it is: nothing to split */
	if (r->type == V_COMMAND && cfg_opt_size(opt) > 1)
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
		if ((why = check_value(r->type, v, buf, sizeof(buf))) != NULL) {
			adderr(cfg->filename, cfg->line, "%s: %s%s", opt->name,
			    why, r->type == V_CRON && unquoted(cfg->line,
			    opt->name) ? " (a schedule has blanks: quote it, "
			    "schedule = \"*/5 * * * *\")" : "");
			break;
		}
	}
	return 0;
}

static cfg_opt_t limits_opts[] = {
	CFG_STR("cpu", NULL, CFGF_NODEFAULT),
	CFG_STR("memory", NULL, CFGF_NODEFAULT),
	CFG_STR("nofile", NULL, CFGF_NODEFAULT),
	CFG_STR("nproc", NULL, CFGF_NODEFAULT),
	CFG_STR("fsize", NULL, CFGF_NODEFAULT),
	CFG_STR("core", NULL, CFGF_NODEFAULT),
	CFG_END()
};

static cfg_opt_t health_opts[] = {
	CFG_STR("url", NULL, CFGF_NODEFAULT),
	CFG_STR_LIST("command", NULL, CFGF_NODEFAULT),
	CFG_STR("interval", "30s", CFGF_NONE),
	CFG_STR("timeout", "5s", CFGF_NONE),
	CFG_INT("failures", 3, CFGF_NONE),
	CFG_BOOL("restart", cfg_false, CFGF_NONE),
	CFG_END()
};

static cfg_opt_t task_opts[] = {
	CFG_STR("description", "", CFGF_NONE),
	CFG_STR_LIST("command", NULL, CFGF_NODEFAULT),
	CFG_BOOL("shell", cfg_false, CFGF_NONE),
	CFG_STR("user", NULL, CFGF_NODEFAULT),
	CFG_STR("group", NULL, CFGF_NODEFAULT),
	CFG_BOOL("allow_root", cfg_false, CFGF_NONE),
	CFG_STR("directory", "/", CFGF_NONE),
	CFG_STR_LIST("environment", NULL, CFGF_NODEFAULT),
	CFG_STR_LIST("tags", NULL, CFGF_NODEFAULT),
	CFG_STR("kind", NULL, CFGF_NODEFAULT),
	CFG_STR("schedule", NULL, CFGF_NODEFAULT),
	CFG_STR("every", NULL, CFGF_NODEFAULT),
	CFG_STR("timeout", "0", CFGF_NONE),
	CFG_STR("kill_signal", "TERM", CFGF_NONE),
	CFG_INT("weight", 1, CFGF_NONE),
	CFG_STR_LIST("conflicts", NULL, CFGF_NODEFAULT),
	CFG_STR("auto_deactivate", NULL, CFGF_NODEFAULT),
	CFG_BOOL("dry_run", cfg_false, CFGF_NONE),
	CFG_STR("output", "file", CFGF_NONE),
	CFG_INT("nice", 0, CFGF_NONE),
	CFG_STR("umask", "0022", CFGF_NONE),
	CFG_SEC("limits", limits_opts, CFGF_NONE),
	CFG_SEC("health", health_opts, CFGF_NODEFAULT),
	CFG_STR("restart", "on-failure", CFGF_NONE),
	CFG_STR_LIST("backoff", NULL, CFGF_NODEFAULT),
	CFG_INT("restart_limit", 5, CFGF_NONE),
	CFG_STR("jitter", "0", CFGF_NONE),
	CFG_BOOL("catch_up", cfg_false, CFGF_NONE),
	CFG_STR("overlap", "skip", CFGF_NONE),
	CFG_END()
};

static cfg_opt_t preset_opts[] = {
	CFG_STR("description", "", CFGF_NONE),
	CFG_STR_LIST("tasks", NULL, CFGF_NODEFAULT),
	CFG_STR_LIST("tags", NULL, CFGF_NODEFAULT),
	CFG_END()
};

static cfg_opt_t window_opts[] = {
	CFG_STR("preset", NULL, CFGF_NODEFAULT),
	CFG_STR("schedule", NULL, CFGF_NODEFAULT),
	CFG_STR("duration", NULL, CFGF_NODEFAULT),
	CFG_END()
};

static cfg_opt_t notify_opts[] = {
	CFG_STR("url", NULL, CFGF_NODEFAULT),
	CFG_STR_LIST("events", NULL, CFGF_NODEFAULT),
	CFG_STR("timeout", "5s", CFGF_NONE),
	CFG_INT("retries", 3, CFGF_NONE),
	CFG_END()
};

static cfg_opt_t root_opts[] = {
	CFG_STR("socket", NULL, CFGF_NODEFAULT),
	CFG_STR("socket_mode", "0660", CFGF_NONE),
	CFG_STR("socket_group", "", CFGF_NONE),
	CFG_STR("admin_group", "", CFGF_NONE),
	CFG_STR("pidfile", NULL, CFGF_NODEFAULT),
	CFG_STR("database", NULL, CFGF_NODEFAULT),
	CFG_STR("log_dir", NULL, CFGF_NODEFAULT),
	CFG_STR("syslog_facility", "daemon", CFGF_NONE),
	CFG_INT("max_weight", 8, CFGF_NONE),
	CFG_STR("kill_grace", "10s", CFGF_NONE),
	CFG_STR("auto_deactivate", "0", CFGF_NONE),
	CFG_STR("history_retention", "30d", CFGF_NONE),
	CFG_STR_LIST("discover", NULL, CFGF_NODEFAULT),
	CFG_STR("discover_tag", "maintenance", CFGF_NONE),
	CFG_STR("discover_interval", "60s", CFGF_NONE),
	CFG_STR("metrics_file", "", CFGF_NONE),
	CFG_INT("max_clients", 64, CFGF_NONE),
	CFG_STR("client_timeout", "60s", CFGF_NONE),
	CFG_STR("user", NULL, CFGF_NODEFAULT),
	CFG_STR("path", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:"
	    "/sbin:/bin", CFGF_NONE),
	CFG_STR("lang", NULL, CFGF_NODEFAULT),
	CFG_SEC("task", task_opts, CFGF_MULTI | CFGF_TITLE | CFGF_NO_TITLE_DUPES),
	CFG_SEC("preset", preset_opts, CFGF_MULTI | CFGF_TITLE |
	    CFGF_NO_TITLE_DUPES),
	CFG_SEC("window", window_opts, CFGF_MULTI | CFGF_TITLE |
	    CFGF_NO_TITLE_DUPES),
	CFG_SEC("notify", notify_opts, CFGF_MULTI | CFGF_TITLE |
	    CFGF_NO_TITLE_DUPES),
	CFG_END()
};

static void
register_validators(cfg_t *cfg)
{
	char	path[64];
	size_t	i;

	for (i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
		if (strcmp(rules[i].section, "root") == 0)
			snprintf(path, sizeof(path), "%s", rules[i].option);
		else if (strcmp(rules[i].section, "limits") == 0 ||
		    strcmp(rules[i].section, "health") == 0)
			snprintf(path, sizeof(path), "task|%s|%s",
			    rules[i].section, rules[i].option);
		else
			snprintf(path, sizeof(path), "%s|%s", rules[i].section,
			    rules[i].option);
		cfg_set_validate_func(cfg, path, validate_cb);
	}
}

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

static int
task_command(struct task_conf *t, cfg_t *sec)
{
	char	**words;
	int	  nwords;
	const char *errstr;

	if (cfg_size(sec, "command") == 0)
		return -1;
	if (cfg_size(sec, "command") > 1) {
		if (t->shell)
			adderr(sec->filename, seen_line(sec, "command"),
			    "task %s: shell = true takes the command as one "
			    "string", t->name);
		t->argv = getlist(sec, "command");
		return 0;
	}
	if (t->shell) {
		t->argv = xcalloc(4, sizeof(char *));
		t->argv[0] = xstrdup("/bin/sh");
		t->argv[1] = xstrdup("-c");
		t->argv[2] = xstrdup(cfg_getnstr(sec, "command", 0));
		return 0;
	}
	if (proto_split(cfg_getnstr(sec, "command", 0),
	    strlen(cfg_getnstr(sec, "command", 0)), &words, &nwords,
	    &errstr) == -1)
		return -1;
	t->argv = words;	/* NULL-terminated by proto_split */
	return 0;
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

static void
load_task(struct config *conf, struct task_conf *t, cfg_t *sec,
    const char *defuser)
{
	const char	*file = sec->filename, *s, *errstr;
	struct passwd	*pw;
	struct group	*gr;
	mode_t		 mask = 022;
	cfg_t		*h;
	int		 line;

	t->name = xstrdup(cfg_title(sec));
	t->file = xstrdup(conf->path);
	t->line = line = seen_line(sec, NULL);
	if (!conf_valid_name(t->name))
		adderr(file, line, "task '%s': bad name (letters, digits, "
		    "'-', '_', '.', at most 64)", t->name);
	t->description = getstr(sec, "description");
	t->shell = cfg_getbool(sec, "shell");
	if (task_command(t, sec) == -1) {
		adderr(file, line, "task %s: no command", t->name);
		t->argv = xcalloc(1, sizeof(char *));
	}
	if (t->argv[0] != NULL && t->argv[0][0] != '/' && !t->shell)
		adderr(file, seen_line(sec, "command"), "task %s: command "
		    "'%s' must be an absolute path (or set shell = true)",
		    t->name, t->argv[0]);
	t->allow_root = cfg_getbool(sec, "allow_root");
	t->user = getstr(sec, "user");
	if (t->user == NULL && defuser != NULL)
		t->user = xstrdup(defuser);
	t->group = getstr(sec, "group");
	t->uid = geteuid();
	t->gid = getegid();
	if (t->user != NULL && (pw = getpwnam(t->user)) != NULL) {
		t->uid = pw->pw_uid;
		t->gid = pw->pw_gid;
	}
	if (t->group != NULL && (gr = getgrnam(t->group)) != NULL)
		t->gid = gr->gr_gid;
	if (geteuid() == 0 && t->uid == 0 && !t->allow_root &&
	    (t->user == NULL || getpwnam(t->user) != NULL))
		adderr(file, t->user ? seen_line(sec, "user") : line,
		    "task %s would run as root: set user = \"...\" or "
		    "allow_root = true", t->name);
	t->directory = getstr(sec, "directory");
	t->environment = getlist(sec, "environment");
	t->tags = getlist(sec, "tags");
	t->conflicts = getlist(sec, "conflicts");
	t->schedule = getstr(sec, "schedule");
	if (t->schedule != NULL)
		(void)cron_parse(t->schedule, &t->cron, (char[128]){ 0 }, 128);
	t->every_ms = getdur(sec, "every");
	if (cfg_getstr(sec, "every") != NULL && t->every_ms < 1000 &&
	    parse_duration(cfg_getstr(sec, "every"), &t->every_ms,
	    &errstr) == 0)
		adderr(file, seen_line(sec, "every"), "task %s: every must "
		    "be at least 1s", t->name);
	if (t->schedule != NULL && cfg_getstr(sec, "every") != NULL)
		adderr(file, seen_line(sec, "every"), "task %s: give "
		    "schedule or every, not both", t->name);
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
		adderr(file, seen_line(sec, "kind"), "task %s: a periodic "
		    "task needs schedule or every", t->name);
	if (t->kind != KIND_PERIODIC && (t->schedule != NULL ||
	    t->every_ms > 0))
		adderr(file, seen_line(sec, t->schedule ? "schedule" : "every"),
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
	(void)parse_mode(cfg_getstr(sec, "umask"), &mask);
	t->umask = mask;
	task_limits(&t->limits, cfg_getsec(sec, "limits"));
	if (cfg_size(sec, "health") > 0 &&
	    (h = cfg_getsec(sec, "health")) != NULL) {
		t->has_health = true;
		t->health.url = getstr(h, "url");
		t->health.command = getlist(h, "command");
		t->health.interval_ms = getdur(h, "interval");
		t->health.timeout_ms = getdur(h, "timeout");
		t->health.failures = (int)cfg_getint(h, "failures");
		t->health.restart = cfg_getbool(h, "restart");
		if ((t->health.url == NULL) == (t->health.command[0] == NULL))
			adderr(file, seen_line(h, NULL), "task %s: health "
			    "needs url or command (one of them)", t->name);
	}
	s = cfg_getstr(sec, "restart");
	t->restart = strcmp(s, "always") == 0 ? RESTART_ALWAYS :
	    strcmp(s, "never") == 0 ? RESTART_NEVER : RESTART_ON_FAILURE;
	t->restart_limit = (int)cfg_getint(sec, "restart_limit");
	t->jitter_ms = getdur(sec, "jitter");
	t->catch_up = cfg_getbool(sec, "catch_up");
	t->overlap_queue = strcmp(cfg_getstr(sec, "overlap"), "queue") == 0;
	t->backoff_min_ms = 1000;
	t->backoff_max_ms = 60000;
	if (cfg_size(sec, "backoff") != 0 && cfg_size(sec, "backoff") != 2)
		adderr(file, seen_line(sec, "backoff"), "task %s: backoff: "
		    "give two delays, { first, largest }", t->name);
	else if (cfg_size(sec, "backoff") == 2) {
		(void)parse_duration(cfg_getnstr(sec, "backoff", 0),
		    &t->backoff_min_ms, &errstr);
		(void)parse_duration(cfg_getnstr(sec, "backoff", 1),
		    &t->backoff_max_ms, &errstr);
		if (t->backoff_min_ms > t->backoff_max_ms)
			adderr(file, seen_line(sec, "backoff"), "task %s: "
			    "backoff: the first delay is larger than the "
			    "largest", t->name);
	}
}

static void
check_refs(struct config *conf, cfg_t *cfg)
{
	struct task_conf	*t;
	cfg_t			*sec;
	size_t			 i, j, k;
	char			**v;

	for (i = 0; i < conf->ntasks; i++) {
		t = &conf->tasks[i];
		sec = cfg_getnsec(cfg, "task", (unsigned int)i);
		for (v = t->conflicts; *v; v++) {
			if (strcmp(*v, t->name) == 0)
				adderr(sec->filename, seen_line(sec,
				    "conflicts"), "task %s conflicts with "
				    "itself", t->name);
			else if (conf_task(conf, *v) == NULL)
				adderr(sec->filename, seen_line(sec,
				    "conflicts"), "task %s: conflicts with "
				    "unknown task '%s'", t->name, *v);
		}
	}
	for (i = 0; i < conf->npresets; i++) {
		sec = cfg_getnsec(cfg, "preset", (unsigned int)i);
		for (v = conf->presets[i].tasks; *v; v++)
			if (conf_task(conf, *v) == NULL)
				adderr(sec->filename, seen_line(sec, "tasks"),
				    "preset %s: unknown task '%s'",
				    conf->presets[i].name, *v);
		if (conf->presets[i].tasks[0] == NULL &&
		    conf->presets[i].tags[0] == NULL)
			adderr(sec->filename, seen_line(sec, NULL), "preset "
			    "%s: needs tasks or tags", conf->presets[i].name);
	}
	for (i = 0; i < conf->nwindows; i++) {
		sec = cfg_getnsec(cfg, "window", (unsigned int)i);
		for (j = 0; j < conf->npresets; j++)
			if (strcmp(conf->presets[j].name,
			    conf->windows[i].preset) == 0)
				break;
		if (j == conf->npresets && conf->windows[i].preset[0] != '\0')
			adderr(sec->filename, seen_line(sec, "preset"),
			    "window %s: unknown preset '%s'",
			    conf->windows[i].name, conf->windows[i].preset);
	}
	(void)k;
}

static void
load_globals(struct config *conf, cfg_t *cfg)
{
	struct group	*gr;
	mode_t		 mode = 0660;
	const char	*s;

	conf->socket = getstr(cfg, "socket");
	(void)parse_mode(cfg_getstr(cfg, "socket_mode"), &mode);
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
	s = cfg_getstr(cfg, "lang");
	conf->lang = s ? xstrdup(s) : NULL;
}

static void
load_sections(struct config *conf, cfg_t *cfg)
{
	cfg_t		*sec;
	size_t		 i;
	const char	*defuser = cfg_getstr(cfg, "user");

	conf->ntasks = cfg_size(cfg, "task");
	conf->tasks = xcalloc(conf->ntasks, sizeof(*conf->tasks));
	for (i = 0; i < conf->ntasks; i++)
		load_task(conf, &conf->tasks[i],
		    cfg_getnsec(cfg, "task", (unsigned int)i), defuser);
	conf->npresets = cfg_size(cfg, "preset");
	conf->presets = xcalloc(conf->npresets, sizeof(*conf->presets));
	for (i = 0; i < conf->npresets; i++) {
		sec = cfg_getnsec(cfg, "preset", (unsigned int)i);
		conf->presets[i].name = xstrdup(cfg_title(sec));
		conf->presets[i].description = getstr(sec, "description");
		conf->presets[i].tasks = getlist(sec, "tasks");
		conf->presets[i].tags = getlist(sec, "tags");
		conf->presets[i].line = seen_line(sec, NULL);
		if (!conf_valid_name(conf->presets[i].name))
			adderr(sec->filename, conf->presets[i].line,
			    "preset '%s': bad name", conf->presets[i].name);
	}
	conf->nwindows = cfg_size(cfg, "window");
	conf->windows = xcalloc(conf->nwindows, sizeof(*conf->windows));
	for (i = 0; i < conf->nwindows; i++) {
		struct window_conf *w = &conf->windows[i];

		sec = cfg_getnsec(cfg, "window", (unsigned int)i);
		w->name = xstrdup(cfg_title(sec));
		w->line = seen_line(sec, NULL);
		if (!conf_valid_name(w->name))
			adderr(sec->filename, w->line, "window '%s': bad name",
			    w->name);
		w->preset = xstrdup(cfg_getstr(sec, "preset") ?
		    cfg_getstr(sec, "preset") : "");
		w->schedule = getstr(sec, "schedule");
		w->duration_ms = getdur(sec, "duration");
		if (*w->preset == '\0')
			adderr(sec->filename, w->line, "window %s: no preset",
			    w->name);
		if (w->schedule == NULL)
			adderr(sec->filename, w->line, "window %s: no "
			    "schedule", w->name);
		else
			(void)cron_parse(w->schedule, &w->cron,
			    (char[128]){ 0 }, 128);
		if (w->duration_ms <= 0)
			adderr(sec->filename, w->line, "window %s: needs a "
			    "duration", w->name);
	}
	conf->nnotifies = cfg_size(cfg, "notify");
	conf->notifies = xcalloc(conf->nnotifies, sizeof(*conf->notifies));
	for (i = 0; i < conf->nnotifies; i++) {
		struct notify_conf *n = &conf->notifies[i];

		sec = cfg_getnsec(cfg, "notify", (unsigned int)i);
		n->name = xstrdup(cfg_title(sec));
		n->line = seen_line(sec, NULL);
		if (!conf_valid_name(n->name))
			adderr(sec->filename, n->line, "notify '%s': bad name",
			    n->name);
		n->url = getstr(sec, "url");
		n->events = getlist(sec, "events");
		n->timeout_ms = getdur(sec, "timeout");
		n->retries = (int)cfg_getint(sec, "retries");
		if (n->url == NULL)
			adderr(sec->filename, n->line, "notify %s: no url",
			    n->name);
	}
}

/*
 * Read the file with its comments blanked out (newlines kept), because
 * libconfuse 3.3 miscounts lines after comments and cannot take a comment
 * inside a list.  Also catch braces that libconfuse would let pass at EOF.
 */
static char *
read_clean(const char *path)
{
	FILE	*fp;
	char	*buf, *p, *end;
	size_t	 len = 0, cap = 65536, n;
	int	 depth = 0, line = 1, openline[64];
	char	 q, why[PATH_MAX + 128];
	struct stat st;

	if ((fp = fopen(path, "re")) == NULL) {
		adderr(path, 0, "%s", strerror(errno));
		return NULL;
	}
	if (fstat(fileno(fp), &st) == -1 || !S_ISREG(st.st_mode)) {
		adderr(path, 0, "not a regular file");
		fclose(fp);
		return NULL;
	}
	/* running as root: only a file that no one else could have changed */
	if (trust_fd(fileno(fp), path, why, sizeof(why)) == -1) {
		adderr(path, 0, "%s", why);
		fclose(fp);
		return NULL;
	}
	buf = xcalloc(cap, 1);
	while ((n = fread(buf + len, 1, cap - len - 1, fp)) > 0) {
		len += n;
		if (len + 1 == cap) {
			buf = xreallocarray(buf, cap * 2, 1);
			cap *= 2;
		}
	}
	if (ferror(fp)) {
		adderr(path, 0, "read: %s", strerror(errno));
		fclose(fp);
		free(buf);
		return NULL;
	}
	fclose(fp);
	buf[len] = '\0';
	if (memchr(buf, '\0', len) != NULL) {
		adderr(path, 0, "contains a NUL byte: not a config file");
		free(buf);
		return NULL;
	}
	end = buf + len;
	for (p = buf; p < end; p++) {
		if (*p == '\n')
			line++;
		else if (*p == '"' || *p == '\'') {
			for (q = *p++; p < end && *p != q; p++) {
				if (*p == '\\' && p + 1 < end)
					p++;
				if (*p == '\n')
					line++;
			}
		} else if (*p == '#' || (*p == '/' && p[1] == '/')) {
			while (p < end && *p != '\n')
				*p++ = ' ';
			line++;
		} else if (*p == '/' && p[1] == '*') {
			for (; p < end && !(*p == '*' && p[1] == '/'); p++)
				if (*p == '\n')
					line++;
				else
					*p = ' ';
			if (p < end)
				p[0] = p[1] = ' ';
			p++;
		} else if (*p == '{') {
			if (depth < 64)
				openline[depth] = line;
			depth++;
		} else if (*p == '}') {
			if (--depth < 0) {
				adderr(path, line, "'}' without a '{'");
				free(buf);
				return NULL;
			}
		}
	}
	if (depth > 0) {
		adderr(path, depth <= 64 ? openline[depth - 1] : line,
		    "'{' is never closed");
		free(buf);
		return NULL;
	}
	return buf;
}

struct config *
conf_load(const char *path, char ***errors)
{
	struct loadctx	 lc;
	struct config	*conf;
	cfg_t		*cfg;
	char		*text;
	int		 rc;

	memset(&lc, 0, sizeof(lc));
	lc.path = path;
	ctx = &lc;
	*errors = NULL;
	conf = xcalloc(1, sizeof(*conf));
	conf->path = xstrdup(path);
	if ((cfg = cfg_init(root_opts, CFGF_NONE)) == NULL)
		fatal("cfg_init");
	cfg_set_error_function(cfg, confuse_error);
	register_validators(cfg);
	if ((text = read_clean(path)) == NULL)
		rc = CFG_FILE_ERROR;
	else {
		free(cfg->filename);
		cfg->filename = xstrdup(path);
		cfg->line = 1;
		lc.text = text;
		rc = cfg_parse_buf(cfg, text);
		lc.text = NULL;
		free(text);
	}
	if (rc == CFG_FILE_ERROR)
		;
	else if (rc == CFG_SUCCESS) {
		load_globals(conf, cfg);
		load_sections(conf, cfg);
		check_refs(conf, cfg);
	} else if (lc.nerrors == 0)
		adderr(path, 0, "syntax error");
	cfg_free(cfg);
	if (lc.nerrors > 0)
		goto fail;
	free(lc.seen);
	ctx = NULL;
	return conf;
 fail:
	free(lc.seen);
	ctx = NULL;
	*errors = lc.errors;
	conf_free(conf);
	return NULL;
}

static void
task_conf_free(struct task_conf *t)
{
	free(t->name);
	free(t->file);
	free(t->description);
	strv_free(t->argv);
	free(t->user);
	free(t->group);
	free(t->directory);
	strv_free(t->environment);
	strv_free(t->tags);
	free(t->schedule);
	strv_free(t->conflicts);
	free(t->health.url);
	strv_free(t->health.command);
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
	for (i = 0; i < conf->npresets; i++) {
		free(conf->presets[i].name);
		free(conf->presets[i].description);
		strv_free(conf->presets[i].tasks);
		strv_free(conf->presets[i].tags);
	}
	free(conf->presets);
	for (i = 0; i < conf->nwindows; i++) {
		free(conf->windows[i].name);
		free(conf->windows[i].preset);
		free(conf->windows[i].schedule);
	}
	free(conf->windows);
	for (i = 0; i < conf->nnotifies; i++) {
		free(conf->notifies[i].name);
		free(conf->notifies[i].url);
		strv_free(conf->notifies[i].events);
	}
	free(conf->notifies);
	free(conf->path);
	free(conf->socket);
	free(conf->socket_group);
	free(conf->admin_group);
	free(conf->pidfile);
	free(conf->database);
	free(conf->log_dir);
	strv_free(conf->discover);
	free(conf->discover_tag);
	free(conf->metrics_file);
	free(conf->path_env);
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
