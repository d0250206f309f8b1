/*
 * conf_valid.c: the validators of maintd.conf's values, one per kind of
 * value (a duration, a path, a user, a cron line, a URL...), each saying
 * in words what is wrong with a value; conf_opts.c's rows name them.
 */
#include <ctype.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "conf_secret.h"
#include "conf_valid.h"
#include "cron.h"
#include "tz.h"
#include "host.h"
#include "log.h"
#include "proto.h"
#include "util.h"

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

const char *
valid_nonempty(const char *v, char *buf, size_t len)
{
	(void)buf;
	(void)len;
	return *v == '\0' ? "must not be empty" : NULL;
}

const char *
valid_overlap(const char *v, char *buf, size_t len)
{
	static const char *const ok[] = { "skip", "queue", NULL };

	return one_of(v, "overlap", ok, buf, len);
}

const char *
valid_kind(const char *v, char *buf, size_t len)
{
	static const char *const ok[] = { "oneshot", "periodic", "service",
	    NULL };

	return one_of(v, "kind", ok, buf, len);
}

const char *
valid_output(const char *v, char *buf, size_t len)
{
	static const char *const ok[] = { "file", "syslog", "discard", NULL };

	return one_of(v, "output", ok, buf, len);
}

const char *
valid_output_streams(const char *v, char *buf, size_t len)
{
	static const char *const ok[] = { "separate", "merged", NULL };

	return one_of(v, "output_streams", ok, buf, len);
}

const char *
valid_restart(const char *v, char *buf, size_t len)
{
	static const char *const ok[] = { "always", "on-failure", "never",
	    NULL };

	return one_of(v, "restart policy", ok, buf, len);
}

const char *
valid_event(const char *v, char *buf, size_t len)
{
	size_t	i;

	for (i = 0; events[i] != NULL; i++)
		if (strcmp(events[i], v) == 0)
			return NULL;
	snprintf(buf, len, "unknown event '%s'", v);
	return buf;
}

/* One line of text (runbook): no control characters. */
const char *
valid_line(const char *v, char *buf, size_t len)
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

const char *
valid_abspath(const char *v, char *buf, size_t len)
{
	if (*v == '/')
		return NULL;
	snprintf(buf, len, "'%s' is not an absolute path", v);
	return buf;
}

const char *
valid_duration(const char *v, char *buf, size_t len)
{
	const char	*errstr;
	int64_t		 ms;

	if (parse_duration(v, &ms, &errstr) == 0)
		return NULL;
	snprintf(buf, len, "bad duration '%s': %s", v, errstr);
	return buf;
}

const char *
valid_size(const char *v, char *buf, size_t len)
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

const char *
valid_count(const char *v, char *buf, size_t len)
{
	return number(v, "number", 0, INT32_MAX, "", buf, len);
}

const char *
valid_posint(const char *v, char *buf, size_t len)
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

const char *
valid_percent(const char *v, char *buf, size_t len)
{
	int64_t	pct;

	if (conf_parse_percent(v, &pct) == 0)
		return NULL;
	snprintf(buf, len, "bad cpu_max '%s': a share of one CPU, 1%% to "
	    "100000%%, such as 50%% or 200%%", v);
	return buf;
}

const char *
valid_ioweight(const char *v, char *buf, size_t len)
{
	return number(v, "io_weight", 1, 10000, " (1 to 10000)", buf, len);
}

const char *
valid_cgroup(const char *v, char *buf, size_t len)
{
	if (strcmp(v, "auto") == 0 || strcmp(v, "off") == 0 || v[0] == '/')
		return NULL;
	snprintf(buf, len, "bad cgroup '%s': auto, off, or the absolute path "
	    "of a directory in the cgroup v2 hierarchy", v);
	return buf;
}

const char *
valid_weight(const char *v, char *buf, size_t len)
{
	return number(v, "weight", 0, 1000000, "", buf, len);
}

const char *
valid_nice(const char *v, char *buf, size_t len)
{
	return number(v, "nice", -20, 19, " (-20 to 19)", buf, len);
}

const char *
valid_cron(const char *v, char *buf, size_t len)
{
	struct cron	cron;
	char		cerr[128];

	if (cron_parse(v, &cron, cerr, sizeof(cerr)) == 0)
		return NULL;
	snprintf(buf, len, "bad schedule '%s': %s", v, cerr);
	return buf;
}

const char *
valid_timezone(const char *v, char *buf, size_t len)
{
	return tz_check(v, buf, len) == 0 ? NULL : buf;
}

const char *
valid_signal(const char *v, char *buf, size_t len)
{
	int	signo;

	if (parse_signal(v, &signo) == 0)
		return NULL;
	snprintf(buf, len, "unknown signal '%s'", v);
	return buf;
}

const char *
valid_user(const char *v, char *buf, size_t len)
{
	if (getpwnam(v) != NULL)
		return NULL;
	snprintf(buf, len, "unknown user '%s'", v);
	return buf;
}

const char *
valid_group(const char *v, char *buf, size_t len)
{
	if (*v == '\0' || getgrnam(v) != NULL)
		return NULL;
	snprintf(buf, len, "unknown group '%s'", v);
	return buf;
}

const char *
valid_mode(const char *v, char *buf, size_t len)
{
	mode_t	mode;

	if (conf_parse_mode(v, &mode) == 0)
		return NULL;
	snprintf(buf, len, "bad mode '%s' (octal, e.g. 0660)", v);
	return buf;
}

const char *
valid_facility(const char *v, char *buf, size_t len)
{
	if (log_facility_byname(v) != -1)
		return NULL;
	snprintf(buf, len, "unknown syslog facility '%s'", v);
	return buf;
}

const char *
valid_env(const char *v, char *buf, size_t len)
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

const char *
valid_name(const char *v, char *buf, size_t len)
{
	if (conf_valid_name(v))
		return NULL;
	snprintf(buf, len, "bad name '%s' (letters, digits, '-', '_', '.', "
	    "at most 64)", v);
	return buf;
}

/* A command string; a list of two or more words is not split (rows). */
const char *
valid_command(const char *v, char *buf, size_t len)
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

const char *
valid_cond(const char *v, char *buf, size_t len)
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

const char *
valid_status(const char *v, char *buf, size_t len)
{
	return number(v, "HTTP status", 100, 599, "", buf, len);
}

/* "Name: value", one line */
const char *
valid_header(const char *v, char *buf, size_t len)
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

const char *
valid_url(const char *v, char *buf, size_t len)
{
	if (strncmp(v, "http://", 7) == 0 || strncmp(v, "https://", 8) == 0)
		return NULL;
	snprintf(buf, len, "bad url '%s' (http:// or https://)", v);
	return buf;
}

/* "/maintd/": where the fleet's keys are */
const char *
valid_prefix(const char *v, char *buf, size_t len)
{
	size_t	n = strlen(v);

	if (n >= 2 && v[0] == '/' && v[n - 1] == '/')
		return NULL;
	snprintf(buf, len, "bad prefix '%s': a key prefix that starts and ends "
	    "with '/', such as /maintd/", v);
	return buf;
}

const char *
valid_fleet_task(const char *v, char *buf, size_t len)
{
	if (strcmp(v, "once") == 0)
		return NULL;
	snprintf(buf, len, "bad fleet '%s': once (one run at a time in the "
	    "fleet)", v);
	return buf;
}

const char *
valid_fleet_lost(const char *v, char *buf, size_t len)
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
const char *
valid_hash(const char *v, char *buf, size_t len)
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

const char *
valid_role(const char *v, char *buf, size_t len)
{
	static const char *const ok[] = { "read", "operate", "admin", NULL };

	return one_of(v, "role", ok, buf, len);
}

const char *
valid_fleet_window(const char *v, char *buf, size_t len)
{
	if (strcmp(v, "rolling") == 0)
		return NULL;
	snprintf(buf, len, "bad fleet '%s': rolling (the nodes take turns)", v);
	return buf;
}
