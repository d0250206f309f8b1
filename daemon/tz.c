/*
 * tz.c: named time zones.  The C library knows one zone at a time, the
 * one TZ names, and reads its file again at each change of TZ.  So the
 * UTC offsets of a zone over seven years are worked out once (TZ set to
 * it, tzset(), localtime_r() every 12 hours and a bisection at each
 * change, then TZ and tzset() as they were: one process, one thread)
 * and kept; an instant outside that span works out a new one.  The
 * daemon's own zone (NULL) is localtime_r() as ever.  A zone's file is
 * checked once, not for each of the thousands of tasks that name it,
 * until tz_flush() (each configuration load) forgets what was learnt.
 */
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tz.h"

#define STEP		(12 * 3600)		/* zones change far less often */
#define BEFORE		(400LL * 86400)
#define AFTER		(6LL * 366 * 86400)	/* cron looks 5 years ahead */
#define ZONE_MAX	200

/* From start on (to the next one), the zone's clock is UTC + off. */
struct seg {
	time_t		 start;
	long		 off;
	int		 isdst;
	char		 abbr[16];
};

struct zone {
	char		*name;
	bool		 checked;	/* tz_check() found its file good */
	time_t		 lo, hi;	/* the span segs cover */
	struct seg	*segs;
	size_t		 nsegs, cap;
	struct zone	*next;
};

static struct zone	*zones;

static struct zone *
zone_named(const char *name, bool add)
{
	struct zone	*z;

	for (z = zones; z != NULL; z = z->next)
		if (strcmp(z->name, name) == 0)
			return z;
	if (!add)
		return NULL;
	if ((z = calloc(1, sizeof(*z))) == NULL ||
	    (z->name = strdup(name)) == NULL) {
		free(z);
		return NULL;
	}
	z->lo = 1;
	z->hi = 0;
	z->next = zones;
	zones = z;
	return z;
}

static int	check_file(const char *, char *, size_t);

int
tz_check(const char *zone, char *err, size_t len)
{
	struct zone	*z;

	if (zone != NULL && (z = zone_named(zone, false)) != NULL &&
	    z->checked)
		return 0;
	if (check_file(zone, err, len) == -1)
		return -1;
	if ((z = zone_named(zone, true)) != NULL)
		z->checked = true;
	return 0;
}

static int
check_file(const char *zone, char *err, size_t len)
{
	const char	*dir, *p;
	char		 path[PATH_MAX], magic[4];
	struct stat	 st;
	ssize_t		 n;
	int		 fd;

	if (zone == NULL || *zone == '\0') {
		snprintf(err, len, "empty time zone");
		return -1;
	}
	if (strcmp(zone, "UTC") == 0)
		return 0;
	if (*zone == '/' || strstr(zone, "..") != NULL) {
		snprintf(err, len, "time zone '%s': the name of a zone "
		    "(Europe/Berlin), not a path", zone);
		return -1;
	}
	for (p = zone; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) && strchr("/_+-.", *p) == NULL) {
			snprintf(err, len, "time zone '%.*s': bad character "
			    "(letters, digits, / _ + - .)", ZONE_MAX, zone);
			return -1;
		}
	if (p - zone > ZONE_MAX) {
		snprintf(err, len, "time zone '%.*s...': too long", 32, zone);
		return -1;
	}
	if ((dir = getenv("TZDIR")) == NULL || *dir == '\0')
		dir = "/usr/share/zoneinfo";
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, zone) >=
	    sizeof(path)) {
		snprintf(err, len, "time zone '%s': too long", zone);
		return -1;
	}
	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)) ==
	    -1) {
		snprintf(err, len, "unknown time zone '%s' (%s: %s)", zone,
		    path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    (n = read(fd, magic, sizeof(magic))) != (ssize_t)sizeof(magic) ||
	    memcmp(magic, "TZif", sizeof(magic)) != 0) {
		snprintf(err, len, "unknown time zone '%s' (%s is not a zone "
		    "file)", zone, path);
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

/* The offset, DST flag and abbreviation at t, in the zone TZ names now. */
static int
sample(time_t t, struct seg *s)
{
	struct tm	tm;

	if (localtime_r(&t, &tm) == NULL)
		return -1;
	s->start = t;
	s->off = tm.tm_gmtoff;
	s->isdst = tm.tm_isdst;
	snprintf(s->abbr, sizeof(s->abbr), "%s", tm.tm_zone != NULL ?
	    tm.tm_zone : "");
	return 0;
}

static bool
same(const struct seg *a, const struct seg *b)
{
	return a->off == b->off && a->isdst == b->isdst &&
	    strcmp(a->abbr, b->abbr) == 0;
}

static int
push(struct zone *z, const struct seg *s)
{
	struct seg	*v;

	if (z->nsegs == z->cap) {
		if ((v = reallocarray(z->segs, z->cap ? z->cap * 2 : 16,
		    sizeof(*v))) == NULL)
			return -1;
		z->segs = v;
		z->cap = z->cap ? z->cap * 2 : 16;
	}
	z->segs[z->nsegs++] = *s;
	return 0;
}

/* With TZ naming the zone: its segments over [lo, hi]. */
static int
walk(struct zone *z, time_t lo, time_t hi)
{
	struct seg	 cur, s;
	time_t		 t, nt, a, b;

	z->nsegs = 0;
	if (sample(lo, &cur) == -1 || push(z, &cur) == -1)
		return -1;
	for (t = lo; t < hi; ) {
		nt = hi - t > STEP ? t + STEP : hi;
		if (sample(nt, &s) == -1)
			return -1;
		if (same(&s, &cur)) {
			t = nt;
			continue;
		}
		/* the first second of the change, in (t, nt] */
		for (a = t, b = nt; b - a > 1; ) {
			if (sample(a + (b - a) / 2, &s) == -1)
				return -1;
			if (same(&s, &cur))
				a = a + (b - a) / 2;
			else
				b = a + (b - a) / 2;
		}
		if (sample(b, &cur) == -1 || push(z, &cur) == -1)
			return -1;
		t = b;
	}
	z->lo = lo;
	z->hi = hi;
	return 0;
}

/* Work out z's segments around t (its file checked). */
static int
span(struct zone *z, time_t t)
{
	char		*saved;
	int		 rc;

	if ((long long)t < LLONG_MIN / 2 || (long long)t > LLONG_MAX / 2)
		return -1;
	if ((saved = getenv("TZ")) != NULL && (saved = strdup(saved)) == NULL)
		return -1;
	if (setenv("TZ", z->name, 1) == -1) {
		free(saved);
		return -1;
	}
	tzset();
	rc = walk(z, (time_t)(t - BEFORE), (time_t)(t + AFTER));
	if (saved != NULL)
		(void)setenv("TZ", saved, 1);
	else
		(void)unsetenv("TZ");
	tzset();
	free(saved);
	if (rc == -1) {
		z->lo = 1;
		z->hi = 0;
	}
	return rc;
}

static const struct seg *
find(time_t t, const char *name)
{
	struct zone	*z;
	size_t		 lo, hi, mid;

	if ((z = zone_named(name, false)) == NULL) {
		/* a name that is no zone takes no room */
		if (tz_check(name, (char[PATH_MAX + 128]){ 0 },
		    PATH_MAX + 128) == -1 || (z = zone_named(name, false)) ==
		    NULL)
			return NULL;
	}
	if ((t < z->lo || t > z->hi) && span(z, t) == -1)
		return NULL;
	/* the last segment that starts at or before t */
	for (lo = 0, hi = z->nsegs; hi - lo > 1; ) {
		mid = lo + (hi - lo) / 2;
		if (z->segs[mid].start <= t)
			lo = mid;
		else
			hi = mid;
	}
	return &z->segs[lo];
}

int
tz_local(time_t t, const char *zone, struct tm *tm)
{
	const struct seg	*s;
	time_t			 w;

	if (zone == NULL)
		return localtime_r(&t, tm) != NULL ? 0 : -1;
	if ((s = find(t, zone)) == NULL)
		return -1;
	w = t + s->off;
	if (gmtime_r(&w, tm) == NULL)
		return -1;
	tm->tm_gmtoff = s->off;
	tm->tm_zone = s->abbr;
	tm->tm_isdst = s->isdst;
	return 0;
}

int
tz_offset(time_t t, const char *zone, long *off)
{
	const struct seg	*s;
	struct tm		 tm;

	if (zone == NULL) {
		if (localtime_r(&t, &tm) == NULL)
			return -1;
		*off = tm.tm_gmtoff;
		return 0;
	}
	if ((s = find(t, zone)) == NULL)
		return -1;
	*off = s->off;
	return 0;
}

void
tz_flush(void)
{
	struct zone	*z;

	while ((z = zones) != NULL) {
		zones = z->next;
		free(z->name);
		free(z->segs);
		free(z);
	}
}

/* t in zone by fmt; a zone that cannot be read: UTC, and says so. */
static char *
fmt_in(time_t t, const char *zone, const char *fmt, char *buf, size_t len)
{
	struct tm	tm;

	if (tz_local(t, zone, &tm) == -1) {
		gmtime_r(&t, &tm);
		tm.tm_gmtoff = 0;
		tm.tm_zone = "UTC";
	}
	if (len > 0 && strftime(buf, len, fmt, &tm) == 0)
		buf[0] = '\0';
	return buf;
}

/* Seconds only where there are some: a schedule's times are whole minutes. */
char *
fmt_time_tz(time_t t, const char *zone, char *buf, size_t len)
{
	return fmt_in(t, zone, t % 60 == 0 ? "%Y-%m-%d %H:%M %Z" :
	    "%Y-%m-%d %H:%M:%S %Z", buf, len);
}

char *
fmt_time_tz_short(time_t t, const char *zone, char *buf, size_t len)
{
	return fmt_in(t, zone, t % 60 == 0 ? "%m-%d %H:%M %Z" :
	    "%m-%d %H:%M:%S %Z", buf, len);
}

char *
fmt_rfc3339_tz(time_t t, const char *zone, char *buf, size_t len)
{
	struct tm	tm;
	size_t		n;
	long		off;

	if (tz_local(t, zone, &tm) == -1) {
		gmtime_r(&t, &tm);
		tm.tm_gmtoff = 0;
	}
	off = tm.tm_gmtoff;
	n = len > 0 ? strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm) : 0;
	if (n == 0) {
		if (len > 0)
			buf[0] = '\0';
		return buf;
	}
	snprintf(buf + n, len - n, "%c%02ld:%02ld", off < 0 ? '-' : '+',
	    labs(off) / 3600, labs(off) % 3600 / 60);
	return buf;
}
