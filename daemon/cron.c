/* cron.c: vixie-cron compatible schedules and their next firing time. */
#include <ctype.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "cron.h"
#include "tz.h"

#define NFIELDS		5
#define SEARCH_YEARS	5

struct field {
	const char		*name;
	int			 min, max;
	const char *const	*names;		/* 3-letter names for min.. */
	int			 nnames;
};

static const char *const month_names[] = {
	"jan", "feb", "mar", "apr", "may", "jun",
	"jul", "aug", "sep", "oct", "nov", "dec"
};
static const char *const dow_names[] = {
	"sun", "mon", "tue", "wed", "thu", "fri", "sat"
};

static const struct field fields[NFIELDS] = {
	{ "minute",	  0, 59, NULL, 0 },
	{ "hour",	  0, 23, NULL, 0 },
	{ "day-of-month", 1, 31, NULL, 0 },
	{ "month",	  1, 12, month_names, 12 },
	{ "day-of-week",  0,  7, dow_names, 7 },
};

static const struct {
	const char	*name;
	const char	*expr;
} macros[] = {
	{ "@yearly",	"0 0 1 1 *" },
	{ "@annually",	"0 0 1 1 *" },
	{ "@monthly",	"0 0 1 * *" },
	{ "@weekly",	"0 0 * * 0" },
	{ "@daily",	"0 0 * * *" },
	{ "@midnight",	"0 0 * * *" },
	{ "@hourly",	"0 * * * *" },
};

/* A local wall-clock minute, independent of any UTC offset. */
struct wall {
	long long	year;
	int		mon, mday, hour, min;
};

static void seterr(char *, size_t, const char *, ...)
    __attribute__((format(printf, 3, 4)));

static void
seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list	ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/*
 * Parse one value (number or, where allowed, a name) from [*pp, end).
 * The value is the longest run of letters and digits.
 */
static int
parse_value(const struct field *f, const char **pp, const char *end,
    const char *item, int *val, char *err, size_t errlen)
{
	const char	*p = *pp, *q;
	int		 n, i, digits = 0, alphas = 0;

	for (q = p; q < end && isalnum((unsigned char)*q); q++) {
		if (isdigit((unsigned char)*q))
			digits++;
		else
			alphas++;
	}
	if (q == p) {
		if (p == end)
			seterr(err, errlen, "%s field: missing value in "
			    "\"%.*s\"", f->name, (int)(end - item), item);
		else
			seterr(err, errlen, "%s field: unexpected \"%.*s\"",
			    f->name, (int)(end - p), p);
		return -1;
	}
	if (alphas == 0) {
		if (q - p > 9)
			goto range;
		for (n = 0, i = 0; p + i < q; i++)
			n = n * 10 + (p[i] - '0');
		if (n < f->min || n > f->max)
			goto range;
		*val = n;
		*pp = q;
		return 0;
	}
	if (digits == 0 && f->names != NULL) {
		for (i = 0; i < f->nnames; i++) {
			if (q - p == 3 && strncasecmp(p, f->names[i], 3) == 0) {
				*val = f->min + i;
				*pp = q;
				return 0;
			}
		}
		seterr(err, errlen, "%s field: unknown name \"%.*s\"",
		    f->name, (int)(q - p), p);
		return -1;
	}
	seterr(err, errlen, "%s field: invalid %s \"%.*s\"", f->name,
	    f->names != NULL ? "value" : "number", (int)(q - p), p);
	return -1;
range:
	seterr(err, errlen, "%s field: %.*s is out of range %d-%d",
	    f->name, (int)(q - p), p, f->min, f->max);
	return -1;
}

/* One list element: "*", "N", "A-B", each optionally followed by "/STEP". */
static int
parse_item(const struct field *f, const char *p, const char *end,
    uint64_t *bits, char *err, size_t errlen)
{
	const char	*item = p, *q;
	int		 lo, hi, v, step = 1;
	bool		 single = false;

	if (p == end) {
		seterr(err, errlen, "%s field: empty list element", f->name);
		return -1;
	}
	if (*p == '*') {
		lo = f->min;
		hi = f->max;
		p++;
	} else {
		if (parse_value(f, &p, end, item, &lo, err, errlen) == -1)
			return -1;
		hi = lo;
		single = true;
		if (p < end && *p == '-') {
			p++;
			if (parse_value(f, &p, end, item, &hi, err,
			    errlen) == -1)
				return -1;
			if (hi < lo) {
				seterr(err, errlen, "%s field: reversed range "
				    "\"%.*s\"", f->name, (int)(p - item), item);
				return -1;
			}
			single = false;
		}
	}
	if (p < end && *p == '/') {
		p++;
		for (q = p; q < end && isdigit((unsigned char)*q); q++)
			;
		if (q == p) {
			if (p == end)
				seterr(err, errlen, "%s field: missing step "
				    "after '/' in \"%.*s\"", f->name,
				    (int)(end - item), item);
			else
				seterr(err, errlen, "%s field: invalid step "
				    "\"%.*s\"", f->name, (int)(end - p), p);
			return -1;
		}
		if (q - p > 9)
			step = INT_MAX;
		else
			for (step = 0, v = 0; p + v < q; v++)
				step = step * 10 + (p[v] - '0');
		if (step == 0) {
			seterr(err, errlen, "%s field: step 0 is invalid",
			    f->name);
			return -1;
		}
		if (step > f->max) {
			seterr(err, errlen, "%s field: step %.*s is out of "
			    "range 1-%d", f->name, (int)(q - p), p, f->max);
			return -1;
		}
		p = q;
		/* "a/n" means a through the end of the range */
		if (single)
			hi = f->max;
	}
	if (p != end) {
		seterr(err, errlen, "%s field: unexpected \"%.*s\" in \"%.*s\"",
		    f->name, (int)(end - p), p, (int)(end - item), item);
		return -1;
	}
	for (v = lo; v <= hi; v += step)
		*bits |= (uint64_t)1 << v;
	return 0;
}

static int
parse_field(const struct field *f, const char *p, const char *end,
    uint64_t *bits, char *err, size_t errlen)
{
	const char	*comma;

	*bits = 0;
	for (;;) {
		comma = memchr(p, ',', end - p);
		if (parse_item(f, p, comma != NULL ? comma : end, bits,
		    err, errlen) == -1)
			return -1;
		if (comma == NULL)
			return 0;
		p = comma + 1;
	}
}

int
cron_parse(const char *expr, struct cron *c, char *err, size_t errlen)
{
	struct cron	 nc;
	const char	*p, *start[NFIELDS], *end[NFIELDS];
	uint64_t	 bits[NFIELDS];
	size_t		 i, len;
	int		 n;

	memset(&nc, 0, sizeof(nc));
	p = expr;
	while (isspace((unsigned char)*p))
		p++;
	if (*p == '\0') {
		seterr(err, errlen, "empty schedule");
		return -1;
	}
	if (*p == '@') {
		for (len = 0; p[len] != '\0' &&
		    !isspace((unsigned char)p[len]); len++)
			;
		for (i = len; isspace((unsigned char)p[i]); i++)
			;
		if (p[i] != '\0') {
			seterr(err, errlen, "unexpected \"%s\" after %.*s",
			    p + i, (int)len, p);
			return -1;
		}
		if (len == 7 && strncmp(p, "@reboot", len) == 0) {
			nc.reboot = true;
			*c = nc;
			return 0;
		}
		for (i = 0; i < sizeof(macros) / sizeof(macros[0]); i++)
			if (strlen(macros[i].name) == len &&
			    strncmp(p, macros[i].name, len) == 0)
				return cron_parse(macros[i].expr, c, err,
				    errlen);
		seterr(err, errlen, "unknown macro \"%.*s\"", (int)len, p);
		return -1;
	}

	for (n = 0; *p != '\0'; n++) {
		if (n < NFIELDS)
			start[n] = p;
		while (*p != '\0' && !isspace((unsigned char)*p))
			p++;
		if (n < NFIELDS)
			end[n] = p;
		while (isspace((unsigned char)*p))
			p++;
	}
	if (n != NFIELDS) {
		seterr(err, errlen, "expected 5 fields, got %d", n);
		return -1;
	}
	for (i = 0; i < NFIELDS; i++)
		if (parse_field(&fields[i], start[i], end[i], &bits[i],
		    err, errlen) == -1)
			return -1;

	nc.minute = bits[0];
	nc.hour = (uint32_t)bits[1];
	nc.dom = (uint32_t)bits[2];
	nc.month = (uint16_t)bits[3];
	/* weekday 7 is Sunday */
	nc.dow = (uint8_t)((bits[4] | bits[4] >> 7) & 0x7f);
	nc.dom_star = *start[2] == '*';
	nc.dow_star = *start[4] == '*';
	*c = nc;
	return 0;
}

/* Lowest set bit of mask at or above `from`, or -1. */
static int
nextbit(uint64_t mask, int from, int max)
{
	for (; from <= max; from++)
		if (mask & (uint64_t)1 << from)
			return from;
	return -1;
}

static bool
is_leap(long long y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int
month_length(long long y, int m)
{
	static const int len[] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};

	return m == 2 && is_leap(y) ? 29 : len[m - 1];
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant). */
static long long
days_from_civil(long long y, int m, int d)
{
	long long	era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* The days of month m of year y on which c fires, as bits 1-31. */
static uint32_t
month_days(const struct cron *c, long long y, int m)
{
	uint32_t	 bydow = 0, days;
	int		 d, n, wd;

	n = month_length(y, m);
	wd = (int)(((days_from_civil(y, m, 1) % 7) + 11) % 7);
	for (d = 1; d <= n; d++, wd = (wd + 1) % 7)
		if (c->dow & 1u << wd)
			bydow |= 1u << d;
	if (c->dom_star || c->dow_star)
		days = c->dom & bydow;
	else
		days = c->dom | bydow;
	return days & (uint32_t)(((uint64_t)1 << (n + 1)) - 2);
}

/*
 * Advance *w to the first wall-clock minute at or after it that c
 * matches.  Fields of *w may overflow (minute 60, hour 24, day 32, month
 * 13); they carry into the next larger unit.
 */
static int
next_match(const struct cron *c, struct wall *w, long long last)
{
	uint32_t	 days = 0;
	long long	 dyear = -1;
	int		 v, dmon = 0;

	while (w->year <= last) {
		if ((v = nextbit(c->month, w->mon, 12)) == -1) {
			w->year++;
			w->mon = 1;
			w->mday = 1;
			w->hour = w->min = 0;
			continue;
		}
		if (v != w->mon) {
			w->mon = v;
			w->mday = 1;
			w->hour = w->min = 0;
		}
		if (dyear != w->year || dmon != w->mon) {
			days = month_days(c, w->year, w->mon);
			dyear = w->year;
			dmon = w->mon;
		}
		if ((v = nextbit(days, w->mday, 31)) == -1) {
			w->mon++;
			w->mday = 1;
			w->hour = w->min = 0;
			continue;
		}
		if (v != w->mday) {
			w->mday = v;
			w->hour = w->min = 0;
		}
		if ((v = nextbit(c->hour, w->hour, 23)) == -1) {
			w->mday++;
			w->hour = w->min = 0;
			continue;
		}
		if (v != w->hour) {
			w->hour = v;
			w->min = 0;
		}
		if ((v = nextbit(c->minute, w->min, 59)) == -1) {
			w->hour++;
			w->min = 0;
			continue;
		}
		w->min = v;
		return 0;
	}
	return -1;
}

/* UTC offset in effect at t in zone (NULL: the daemon's), in seconds. */
static int
utcoff(const char *zone, time_t t, long long *off)
{
	struct tm	tm;
	long		o;

	if (zone != NULL) {
		if (tz_offset(t, zone, &o) == -1)
			return -1;
		*off = o;
		return 0;
	}
	if (localtime_r(&t, &tm) == NULL)
		return -1;
	*off = days_from_civil(tm.tm_year + 1900LL, tm.tm_mon + 1,
	    tm.tm_mday) * 86400 + tm.tm_hour * 3600 + tm.tm_min * 60 +
	    tm.tm_sec - (long long)t;
	return 0;
}

/*
 * The instant a wall-clock time u (seconds as if it were UTC) fires: its
 * first occurrence if the clock was turned back, the moment of the jump
 * if the clock was turned forward over it.  Assumes at most one offset
 * change within 15 hours of u, which holds for every real zone.
 */
static int
resolve(const char *zone, long long u, time_t *out)
{
	long long	 o1, o2, ohi, olo, o;
	time_t		 lo, hi, mid;

	if (utcoff(zone, (time_t)(u - 15 * 3600), &o1) == -1 ||
	    utcoff(zone, (time_t)(u + 15 * 3600), &o2) == -1)
		return -1;
	ohi = o1 > o2 ? o1 : o2;
	olo = o1 > o2 ? o2 : o1;
	/* the larger offset gives the earlier instant */
	if (utcoff(zone, (time_t)(u - ohi), &o) == -1)
		return -1;
	if (o == ohi) {
		*out = (time_t)(u - ohi);
		return 0;
	}
	if (utcoff(zone, (time_t)(u - olo), &o) == -1)
		return -1;
	if (o == olo) {
		*out = (time_t)(u - olo);
		return 0;
	}
	/* in a gap: find the first instant whose wall clock is past u */
	lo = (time_t)(u - ohi);
	hi = (time_t)(u - olo);
	while (hi - lo > 1) {
		mid = lo + (hi - lo) / 2;
		if (utcoff(zone, mid, &o) == -1)
			return -1;
		if (mid + o > u)
			hi = mid;
		else
			lo = mid;
	}
	*out = hi;
	return 0;
}

/*
 * Walk the matching wall-clock minutes in order; the instants they map
 * to never decrease, so the first one past `after` is the answer.
 * Starting one minute past the wall clock at `after` is safe: every
 * earlier wall time has already occurred (or was jumped over) by then.
 */
time_t
cron_next_tz(const struct cron *c, time_t after, const char *zone)
{
	struct tm	 tm;
	struct wall	 w;
	time_t		 t;
	long long	 last;

	if (c->reboot || tz_local(after, zone, &tm) == -1 ||
	    tm.tm_year > INT_MAX - 1900 - SEARCH_YEARS - 1)
		return (time_t)-1;
	w.year = tm.tm_year + 1900LL;
	w.mon = tm.tm_mon + 1;
	w.mday = tm.tm_mday;
	w.hour = tm.tm_hour;
	w.min = tm.tm_min + 1;
	last = w.year + SEARCH_YEARS;
	for (;;) {
		if (next_match(c, &w, last) == -1)
			return (time_t)-1;
		if (resolve(zone, days_from_civil(w.year, w.mon, w.mday) * 86400 +
		    w.hour * 3600 + w.min * 60, &t) == -1)
			return (time_t)-1;
		if (t > after)
			return t;
		w.min++;
	}
}

time_t
cron_next(const struct cron *c, time_t after)
{
	return cron_next_tz(c, after, NULL);
}
