/*
 * util.c: durations, sizes, signals, time stamps, string vectors; the
 * patterns a client may give (grep_compile).
 */
#include <sys/types.h>

#include <ctype.h>
#include <errno.h>
#include <regex.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libutil.h>
#define LIBBSD_OPENBSD_VIS	/* only strvis(3) is used */
#include <vis.h>

#include "log.h"
#include "util.h"

/*
 * A duration is a bare number of seconds or a sequence of NUMBER UNIT
 * with units ms, s, m, h, d, w (each at most once, largest first is not
 * enforced): "30s", "1h30m", "500ms", "0".
 */
int
parse_duration(const char *s, int64_t *ms, const char **errstr)
{
	const char	*p = s, *e;
	long long	 n;
	int64_t		 total = 0, mult;
	char		*end;

	if (s == NULL || *s == '\0') {
		*errstr = "empty duration";
		return -1;
	}
	for (e = s; *e; e++)
		if (!isdigit((unsigned char)*e))
			break;
	if (*e == '\0') {
		n = strtonum(s, 0, 10LL * 365 * 86400, errstr);
		if (*errstr != NULL)
			return -1;
		*ms = n * 1000;
		return 0;
	}
	while (*p) {
		if (!isdigit((unsigned char)*p)) {
			*errstr = "expected a number such as 30s, 10m, 2h, 1d";
			return -1;
		}
		errno = 0;
		n = strtoll(p, &end, 10);
		if (errno != 0 || n > 100000000LL) {
			*errstr = "too large";
			return -1;
		}
		p = end;
		if (strncmp(p, "ms", 2) == 0) {
			mult = 1;
			p += 2;
		} else {
			switch (*p) {
			case 's': mult = 1000; break;
			case 'm': mult = 60 * 1000; break;
			case 'h': mult = 3600 * 1000; break;
			case 'd': mult = 86400 * 1000; break;
			case 'w': mult = 7LL * 86400 * 1000; break;
			default:
				*errstr = "unknown unit (use ms, s, m, h, d or w)";
				return -1;
			}
			p++;
		}
		total += n * mult;
		if (total > 10LL * 365 * 86400 * 1000) {
			*errstr = "too large";
			return -1;
		}
	}
	*ms = total;
	*errstr = NULL;
	return 0;
}

int
parse_size(const char *s, uint64_t *bytes, const char **errstr)
{
	*errstr = NULL;
	if (s == NULL || *s == '\0') {
		*errstr = "empty size";
		return -1;
	}
	if (!isdigit((unsigned char)*s)) {
		*errstr = "expected a size such as 512M or 1G";
		return -1;
	}
	/*
	 * libbsd's expand_number() takes a number too large for
	 * strtoumax(3) as UINT64_MAX and succeeds, leaving ERANGE in errno
	 */
	errno = 0;
	if (expand_number(s, bytes) == -1 || errno == ERANGE) {
		*errstr = errno == ERANGE ? "too large" :
		    "expected a size such as 512M or 1G";
		return -1;
	}
	return 0;
}

static const struct {
	const char	*name;
	int		 signo;
} signals[] = {
	{ "HUP", SIGHUP }, { "INT", SIGINT }, { "QUIT", SIGQUIT },
	{ "KILL", SIGKILL }, { "USR1", SIGUSR1 }, { "USR2", SIGUSR2 },
	{ "TERM", SIGTERM }, { "ALRM", SIGALRM }, { "ABRT", SIGABRT },
	{ "SEGV", SIGSEGV }, { "PIPE", SIGPIPE }, { "BUS", SIGBUS },
	{ "FPE", SIGFPE }, { "ILL", SIGILL }, { "TRAP", SIGTRAP },
	{ "XCPU", SIGXCPU }, { "XFSZ", SIGXFSZ }, { "CHLD", SIGCHLD },
	{ "CONT", SIGCONT }, { "STOP", SIGSTOP }, { "TSTP", SIGTSTP },
	{ "WINCH", SIGWINCH }, { "SYS", SIGSYS },
};

int
parse_signal(const char *s, int *signo)
{
	size_t	i;

	if (strncasecmp(s, "SIG", 3) == 0)
		s += 3;
	for (i = 0; i < sizeof(signals) / sizeof(signals[0]); i++)
		if (strcasecmp(s, signals[i].name) == 0) {
			*signo = signals[i].signo;
			return 0;
		}
	return -1;
}

const char *
signal_name(int signo)
{
	static char	buf[16];
	size_t		i;

	for (i = 0; i < sizeof(signals) / sizeof(signals[0]); i++)
		if (signals[i].signo == signo)
			return signals[i].name;
	snprintf(buf, sizeof(buf), "%d", signo);
	return buf;
}

/* "1h30m", "45s", "250ms", "2d3h". */
char *
fmt_duration(int64_t ms, char *buf, size_t len)
{
	int64_t	d, h, m, s;

	if (ms < 1000 && ms > 0) {
		snprintf(buf, len, "%lldms", (long long)ms);
		return buf;
	}
	s = ms / 1000;
	d = s / 86400;
	h = s / 3600 % 24;
	m = s / 60 % 60;
	s %= 60;
	if (d > 0)
		snprintf(buf, len, "%lldd%lldh", (long long)d, (long long)h);
	else if (h > 0)
		snprintf(buf, len, "%lldh%02lldm", (long long)h, (long long)m);
	else if (m > 0)
		snprintf(buf, len, "%lldm%02llds", (long long)m, (long long)s);
	else
		snprintf(buf, len, "%llds", (long long)s);
	return buf;
}

char *
fmt_rfc3339(time_t t, char *buf, size_t len)
{
	struct tm	tm;
	char		tz[8];
	size_t		n;

	localtime_r(&t, &tm);
	n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	strftime(tz, sizeof(tz), "%z", &tm);
	/* +0100 -> +01:00 */
	if (n > 0 && strlen(tz) == 5)
		snprintf(buf + n, len - n, "%.3s:%s", tz, tz + 3);
	return buf;
}

char *
fmt_rfc3339_ms(const struct timespec *ts, char *buf, size_t len)
{
	struct tm	tm;
	char		tz[8];
	size_t		n;

	localtime_r(&ts->tv_sec, &tm);
	n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	strftime(tz, sizeof(tz), "%z", &tm);
	if (n > 0 && strlen(tz) == 5)
		snprintf(buf + n, len - n, ".%03ld%.3s:%s",
		    ts->tv_nsec / 1000000, tz, tz + 3);
	return buf;
}

/*
 * "5 min", "2 hours 30 minutes", "1 h" as "5m", "2h30m", "1h": blanks
 * dropped, spelled-out units shortened (as systemd.time(7) writes them).
 * -1 if it does not fit.
 */
static int
compact_duration(const char *s, char *buf, size_t len)
{
	static const struct { const char *word, *unit; } units[] = {
		{ "msec", "ms" }, { "seconds", "s" }, { "second", "s" },
		{ "secs", "s" }, { "sec", "s" }, { "minutes", "m" },
		{ "minute", "m" }, { "mins", "m" }, { "min", "m" },
		{ "hours", "h" }, { "hour", "h" }, { "hr", "h" },
		{ "days", "d" }, { "day", "d" }, { "weeks", "w" },
		{ "week", "w" },
	};
	size_t	n = 0, i, w;

	while (*s != '\0') {
		if (*s == ' ') {
			s++;
			continue;
		}
		for (w = 1, i = 0; isalpha((unsigned char)*s) &&
		    i < sizeof(units) / sizeof(units[0]); i++) {
			w = strlen(units[i].word);
			if (strncmp(s, units[i].word, w) == 0 &&
			    !isalpha((unsigned char)s[w]))
				break;
		}
		if (isalpha((unsigned char)*s) &&
		    i < sizeof(units) / sizeof(units[0])) {
			if (n + strlen(units[i].unit) >= len)
				return -1;
			memcpy(buf + n, units[i].unit, strlen(units[i].unit));
			n += strlen(units[i].unit);
			s += w;
			continue;
		}
		if (n + 1 >= len)
			return -1;
		buf[n++] = *s++;
	}
	buf[n] = '\0';
	return 0;
}

/*
 * A time as people type it, as journalctl takes it: RFC 3339
 * (2026-11-22T10:00:00.250Z, with an offset or Z), "YYYY-MM-DD
 * [HH:MM[:SS[.fff]]]" in local time, "now", "today" and "yesterday"
 * (local midnight), or a duration ago: "1h", "-1h", "1h ago", "90m",
 * "5 min ago", "2 hours 30 minutes ago".
 * Seconds since the epoch, with the fraction kept.
 */
int
parse_time(const char *s, double now, double *out)
{
	struct tm	 tm;
	const char	*p, *errstr;
	char		 buf[64], dur[64], *ago;
	int64_t		 ms;
	long		 off = 0;
	double		 frac = 0, scale = 0.1;
	int		 utc = 0, sign;
	time_t		 t;

	snprintf(buf, sizeof(buf), "%s", s[0] == '-' ? s + 1 : s);
	if ((ago = strstr(buf, " ago")) != NULL && ago[4] == '\0')
		*ago = '\0';
	if (compact_duration(buf, dur, sizeof(dur)) == 0 &&
	    parse_duration(dur, &ms, &errstr) == 0) {
		*out = now - (double)ms / 1000;
		return 0;
	}
	if (strcmp(s, "now") == 0) {
		*out = now;
		return 0;
	}
	memset(&tm, 0, sizeof(tm));
	if (strcmp(s, "today") == 0 || strcmp(s, "yesterday") == 0) {
		t = (time_t)now;
		localtime_r(&t, &tm);
		tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
		if (s[0] == 'y')
			tm.tm_mday--;
		tm.tm_isdst = -1;
		*out = (double)mktime(&tm);
		return 0;
	}
	if ((p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm)) == NULL &&
	    (p = strptime(s, "%Y-%m-%d %H:%M:%S", &tm)) == NULL &&
	    ((p = strptime(s, "%Y-%m-%d %H:%M", &tm)) == NULL || *p != '\0') &&
	    ((p = strptime(s, "%Y-%m-%d", &tm)) == NULL || *p != '\0'))
		return -1;
	if (*p == '.')
		for (p++; isdigit((unsigned char)*p); p++, scale /= 10)
			frac += (*p - '0') * scale;
	if (*p == 'Z' || *p == 'z') {
		utc = 1;
		p++;
	} else if (*p == '+' || *p == '-') {
		sign = *p == '-' ? -1 : 1;
		if (!isdigit((unsigned char)p[1]) || !isdigit((unsigned char)p[2]) ||
		    p[3] != ':' || !isdigit((unsigned char)p[4]) ||
		    !isdigit((unsigned char)p[5]))
			return -1;
		off = sign * (((p[1] - '0') * 10 + (p[2] - '0')) * 3600 +
		    ((p[4] - '0') * 10 + (p[5] - '0')) * 60);
		utc = 1;
		p += 6;
	}
	if (*p != '\0')
		return -1;
	if (utc)
		t = timegm(&tm) - off;
	else {
		tm.tm_isdst = -1;
		t = mktime(&tm);
	}
	if (t == (time_t)-1)
		return -1;
	*out = (double)t + frac;
	return 0;
}

/*
 * strvis(3) of src into dst (4 bytes a byte, and one), in the locale's
 * characters (UTF-8 stays readable) when src has only valid ones, else
 * byte by byte from the start.  libbsd's strvis() (NetBSD's vis.c) turns
 * to bytes at the first invalid sequence, then writes every character
 * decoded before it as the raw bytes of its code point: U+1B5B followed
 * by a stray byte came out as ESC '['.  A message cut short by
 * snprintf() in the middle of a character is enough.
 */
int
strvis_text(char *dst, const char *src, int flags)
{
#ifdef VIS_NOLOCALE
	if (mbstowcs(NULL, src, 0) == (size_t)-1)
		flags |= VIS_NOLOCALE;
#endif
	return strvis(dst, src, flags);
}

void *
xcalloc(size_t n, size_t size)
{
	void	*p;

	if ((p = calloc(n ? n : 1, size ? size : 1)) == NULL)
		fatal("calloc");
	return p;
}

void *
xreallocarray(void *p, size_t n, size_t size)
{
	if ((p = reallocarray(p, n ? n : 1, size ? size : 1)) == NULL)
		fatal("reallocarray");
	return p;
}

char *
xstrdup(const char *s)
{
	char	*p;

	if ((p = strdup(s)) == NULL)
		fatal("strdup");
	return p;
}

size_t
strv_len(char *const *v)
{
	size_t	n = 0;

	if (v != NULL)
		while (v[n] != NULL)
			n++;
	return n;
}

char **
strv_dup(char *const *v, size_t n)
{
	char	**r;
	size_t	  i;

	r = xcalloc(n + 1, sizeof(*r));
	for (i = 0; i < n; i++)
		r[i] = xstrdup(v[i]);
	return r;
}

void
strv_free(char **v)
{
	size_t	i;

	if (v == NULL)
		return;
	for (i = 0; v[i] != NULL; i++)
		free(v[i]);
	free(v);
}

int
strv_contains(char *const *v, const char *s)
{
	size_t	i;

	if (v == NULL)
		return 0;
	for (i = 0; v[i] != NULL; i++)
		if (strcmp(v[i], s) == 0)
			return 1;
	return 0;
}

/* qsort() and bsearch() order for pid_t. */
int
pid_cmp(const void *a, const void *b)
{
	pid_t	x = *(const pid_t *)a, y = *(const pid_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * A --grep pattern from a client, compiled as a POSIX extended regular
 * expression; -1 with the reason in err.  What would make matching or
 * compiling unbounded is refused before regcomp(3) sees it:
 * back-references (\1 to \9, which glibc's ERE accepts: they make
 * matching exponential), a pattern over GREP_MAXLEN bytes, and one whose
 * {m,n} counted out make it over GREP_MAXSIZE atoms (regcomp() copies
 * the atom n times: ((a{1,100}){1,100}){1,100} took 17 s).  What is left
 * matches a line in time polynomial in its length (lines are at most
 * LINE_MAX_OUT); the callers bound the lines and the time of a request.
 */
#define GREP_MAXDEPTH	32

int
grep_compile(regex_t *re, const char *pat, char *err, size_t errlen)
{
	int64_t		 size[GREP_MAXDEPTH + 1], last[GREP_MAXDEPTH + 1];
	int64_t		 m, n;
	int		 depth = 0, rc;
	const char	*p, *q;
	char		*end;

	if (strlen(pat) > GREP_MAXLEN) {
		snprintf(err, errlen, "longer than %d bytes", GREP_MAXLEN);
		return -1;
	}
	size[0] = last[0] = 0;
	for (p = pat; *p != '\0'; p++) {
		switch (*p) {
		case '\\':
			if (p[1] >= '1' && p[1] <= '9') {
				snprintf(err, errlen, "back-references (\\%c) are "
				    "refused: they make matching exponential",
				    p[1]);
				return -1;
			}
			if (p[1] != '\0')
				p++;
			size[depth] += last[depth] = 1;
			break;
		case '[':
			/* a bracket expression is one atom: find its end */
			q = p + 1;
			if (*q == '^')
				q++;
			if (*q == ']')
				q++;
			while (*q != '\0' && *q != ']') {
				if (*q == '[' && (q[1] == ':' || q[1] == '.' ||
				    q[1] == '=')) {
					char close = q[1];

					for (q += 2; *q != '\0' && (*q != close ||
					    q[1] != ']'); q++)
						;
					if (*q == '\0')
						break;
					q++;
				}
				q++;
			}
			if (*q == '\0')
				goto compile;	/* regcomp() says what is wrong */
			p = q;
			size[depth] += last[depth] = 1;
			break;
		case '(':
			if (depth == GREP_MAXDEPTH) {
				snprintf(err, errlen, "groups nested more than %d "
				    "deep", GREP_MAXDEPTH);
				return -1;
			}
			depth++;
			size[depth] = last[depth] = 0;
			break;
		case ')':
			if (depth == 0) {	/* a literal, as regcomp() takes it */
				size[depth] += last[depth] = 1;
				break;
			}
			m = size[depth] > 0 ? size[depth] : 1;
			depth--;
			size[depth] += last[depth] = m;
			break;
		case '|':
			last[depth] = 0;	/* the alternatives add up */
			break;
		case '{':
			/* {m}, {m,} or {m,n}; anything else is taken as is */
			m = n = -1;
			if (isdigit((unsigned char)p[1]))
				m = n = strtoll(p + 1, &end, 10);
			if (m >= 0 && *end == ',') {
				q = end + 1;
				if (*q == '}') {
					n = m + 1;
					end = (char *)q;
				} else if (isdigit((unsigned char)*q))
					n = strtoll(q, &end, 10);
				else
					m = -1;
			}
			if (m < 0 || *end != '}' || n < m) {
				size[depth] += last[depth] = 1;
				break;
			}
			if (m > GREP_MAXDUP || n > GREP_MAXDUP) {
				snprintf(err, errlen, "{%lld}: at most %d repeats",
				    (long long)n, GREP_MAXDUP);
				return -1;
			}
			p = end;
			size[depth] += last[depth] * (n > 0 ? n - 1 : -1);
			last[depth] *= n;
			break;
		default:
			size[depth] += last[depth] = 1;
			break;
		}
		if (size[depth] > GREP_MAXSIZE || last[depth] > GREP_MAXSIZE) {
			snprintf(err, errlen, "too big once its repeats are counted "
			    "out (over %d atoms)", GREP_MAXSIZE);
			return -1;
		}
	}
 compile:
	if ((rc = regcomp(re, pat, REG_EXTENDED | REG_NOSUB)) != 0) {
		regerror(rc, re, err, errlen);
		return -1;
	}
	return 0;
}
