/*
 * fuzz_cron.c: the cron engine (daemon/cron.c).  The input is a zone
 * (byte 0), a time (bytes 1-8) and an expression (the rest).
 *
 * cron_parse: an error leaves the struct untouched and says why; a
 * schedule has in-range, non-empty fields, and the explicit lists of its
 * fields parse back to the same fields.
 *
 * cron_next, three fires in a row from a time between 1980 and 2100 in
 * one of the zones of fuzz.c, against a reference of this file that
 * knows nothing of cron.c's arithmetic: it walks the instants minute by
 * minute, takes each one's wall clock from localtime_r(3), and fires at
 * the first wall-clock minute that matches and has not been on the clock
 * before (a minute turned back over fires once; one jumped over fires at
 * the jump).  Beyond two days it looks at whole days (gmtime_r(3) of
 * the wall-clock day) up to the day before the engine's answer, then
 * walks minutes again up to it; "none within 5 years" must have no
 * matching day up to the end of the fifth year.  abort() on a mismatch.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cron.h"
#include "fuzz.h"

#define BOUND		(2 * 86400)	/* minute walk from the start */
#define MARGIN		(26 * 3600)	/* ... and before a far answer */
#define BACK		180		/* minutes a clock may be turned back */
#define T_FIRST		315532800LL	/* 1980-01-01 */
#define T_SPAN		3786825600LL	/* 120 years */

static long long
floordiv(long long a, long long b)
{
	return a >= 0 ? a / b : -((-a + b - 1) / b);
}

/* The wall-clock minute at t, counted as if the wall clock were UTC. */
static long long
wallmin(time_t t)
{
	struct tm	tm;

	if (localtime_r(&t, &tm) == NULL)
		FUZZ_CHECK(0, "localtime_r(%lld)", (long long)t);
	return floordiv((long long)t + tm.tm_gmtoff, 60);
}

/* The latest wall-clock minute seen up to t. */
static long long
high_water(time_t t)
{
	long long	hw = wallmin(t), w;
	int		k;

	for (k = 1; k <= BACK; k++)
		if ((w = wallmin(t - 60 * k)) > hw)
			hw = w;
	return hw;
}

static bool
day_matches(const struct cron *c, const struct tm *tm)
{
	bool	dom = c->dom & UINT32_C(1) << tm->tm_mday;
	bool	dow = c->dow & 1u << tm->tm_wday;

	if (!(c->month & 1u << (tm->tm_mon + 1)))
		return false;
	/* vixie cron: a field starting with '*' makes it "both" */
	return c->dom_star || c->dow_star ? dom && dow : dom || dow;
}

static bool
minute_matches(const struct cron *c, long long wall)
{
	time_t		s = (time_t)(wall * 60);
	struct tm	tm;

	if (gmtime_r(&s, &tm) == NULL)
		FUZZ_CHECK(0, "gmtime_r(%lld)", (long long)s);
	return (c->minute & UINT64_C(1) << tm.tm_min) &&
	    (c->hour & UINT32_C(1) << tm.tm_hour) && day_matches(c, &tm);
}

static bool
wallday_matches(const struct cron *c, long long day)
{
	time_t		s = (time_t)(day * 86400);
	struct tm	tm;

	if (gmtime_r(&s, &tm) == NULL)
		FUZZ_CHECK(0, "gmtime_r(%lld)", (long long)s);
	return day_matches(c, &tm);
}

/*
 * The first instant in (after, end] at which c fires, walking minutes;
 * *hw is the latest wall-clock minute seen (kept up to date).  -1: none.
 */
static time_t
walk(const struct cron *c, time_t after, time_t end, long long *hw)
{
	time_t		t;
	long long	w, m;

	for (t = (time_t)(floordiv(after, 60) * 60 + 60); t <= end; t += 60) {
		w = wallmin(t);
		if (w <= *hw)
			continue;	/* the clock was turned back */
		for (m = *hw + 1; m <= w; m++)
			if (minute_matches(c, m)) {
				*hw = w;
				return t;
			}
		*hw = w;
	}
	return (time_t)-1;
}

static const char *
show(time_t t, char *buf, size_t len)
{
	struct tm	tm;

	if (t == (time_t)-1)
		snprintf(buf, len, "never");
	else if (localtime_r(&t, &tm) == NULL ||
	    strftime(buf, len, "%Y-%m-%d %H:%M:%S %z", &tm) == 0)
		snprintf(buf, len, "%lld", (long long)t);
	return buf;
}

static void
check_next(const struct cron *c, const char *expr, time_t after, time_t *next)
{
	time_t		te, tr, end1, a, a3;
	long long	hw, d, d1;
	struct tm	tm;
	char		b1[64], b2[64], b3[64];

	te = cron_next(c, after);
	*next = te;
	FUZZ_CHECK(te == (time_t)-1 || te > after, "\"%s\" after %s: %s",
	    expr, show(after, b1, sizeof(b1)), show(te, b2, sizeof(b2)));
	hw = high_water(after);
	end1 = after + BOUND;
	if (te != (time_t)-1 && te <= end1) {
		tr = walk(c, after, te, &hw);
		FUZZ_CHECK(tr == te, "\"%s\" after %s (TZ=%s): engine %s, "
		    "reference %s", expr, show(after, b1, sizeof(b1)),
		    getenv("TZ"), show(te, b2, sizeof(b2)),
		    show(tr, b3, sizeof(b3)));
		return;
	}
	tr = walk(c, after, end1, &hw);
	FUZZ_CHECK(tr == (time_t)-1, "\"%s\" after %s (TZ=%s): engine %s, "
	    "reference %s", expr, show(after, b1, sizeof(b1)), getenv("TZ"),
	    show(te, b2, sizeof(b2)), show(tr, b3, sizeof(b3)));

	/* whole wall-clock days that must not match */
	if (te != (time_t)-1) {
		a = te - MARGIN;
		d1 = floordiv(wallmin(a), 1440) - 1;
	} else {
		/* the engine looks through the fifth year after after's */
		if (localtime_r(&after, &tm) == NULL)
			FUZZ_CHECK(0, "localtime_r(%lld)", (long long)after);
		tm.tm_year += 5;
		tm.tm_mon = 11;
		tm.tm_mday = 31;
		tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
		d1 = floordiv((long long)timegm(&tm), 86400) - 1;
		a = 0;
	}
	for (d = floordiv(wallmin(end1), 1440) + 1; d <= d1; d++)
		FUZZ_CHECK(!wallday_matches(c, d), "\"%s\" after %s (TZ=%s): "
		    "engine %s, but day %lld matches", expr,
		    show(after, b1, sizeof(b1)), getenv("TZ"),
		    show(te, b2, sizeof(b2)), d);
	if (te == (time_t)-1)
		return;

	/* the minutes from the start of a's wall-clock day up to te */
	a3 = a - (time_t)((wallmin(a) - floordiv(wallmin(a), 1440) * 1440 +
	    BACK) * 60);
	if (a3 > end1)
		hw = high_water(a3);
	else
		a3 = end1;
	tr = walk(c, a3, te, &hw);
	FUZZ_CHECK(tr == te, "\"%s\" after %s (TZ=%s): engine %s, reference "
	    "%s", expr, show(after, b1, sizeof(b1)), getenv("TZ"),
	    show(te, b2, sizeof(b2)), show(tr, b3, sizeof(b3)));
}

/* "a,b,c" of the set bits lo..hi of mask. */
static void
list(char *buf, size_t len, uint64_t mask, int lo, int hi)
{
	size_t	o = 0;
	int	v;

	buf[0] = '\0';
	for (v = lo; v <= hi; v++)
		if (mask & UINT64_C(1) << v)
			o += (size_t)snprintf(buf + o, len - o, "%s%d",
			    o > 0 ? "," : "", v);
}

static void
check_parsed(const struct cron *c, const char *expr)
{
	char		f[5][200], canon[1100], err[256];
	struct cron	c2;

	if (c->reboot)
		return;
	FUZZ_CHECK(c->minute != 0 && c->minute >> 60 == 0, "\"%s\": minute "
	    "%#llx", expr, (unsigned long long)c->minute);
	FUZZ_CHECK(c->hour != 0 && c->hour >> 24 == 0, "\"%s\": hour %#x",
	    expr, c->hour);
	FUZZ_CHECK(c->dom != 0 && (c->dom & 1) == 0, "\"%s\": dom %#x", expr,
	    c->dom);
	FUZZ_CHECK(c->month != 0 && (c->month & ~0x1ffe) == 0, "\"%s\": "
	    "month %#x", expr, c->month);
	FUZZ_CHECK(c->dow != 0 && (c->dow & ~0x7f) == 0, "\"%s\": dow %#x",
	    expr, c->dow);
	list(f[0], sizeof(f[0]), c->minute, 0, 59);
	list(f[1], sizeof(f[1]), c->hour, 0, 23);
	list(f[2], sizeof(f[2]), c->dom, 1, 31);
	list(f[3], sizeof(f[3]), c->month, 1, 12);
	list(f[4], sizeof(f[4]), c->dow, 0, 6);
	snprintf(canon, sizeof(canon), "%s %s %s %s %s", f[0], f[1], f[2],
	    f[3], f[4]);
	FUZZ_CHECK(cron_parse(canon, &c2, err, sizeof(err)) == 0,
	    "\"%s\" as \"%s\": %s", expr, canon, err);
	FUZZ_CHECK(c2.minute == c->minute && c2.hour == c->hour &&
	    c2.dom == c->dom && c2.month == c->month && c2.dow == c->dow &&
	    !c2.dom_star && !c2.dow_star && !c2.reboot,
	    "\"%s\" and \"%s\" differ", expr, canon);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cron	 c, before;
	char		 err[256], *expr;
	uint64_t	 u = 0;
	time_t		 t, next;
	size_t		 i;
	int		 rc;

	if (size < 9)
		return 0;
	fuzz_set_zone(fuzz_zones[data[0] % fuzz_nzones]);
	for (i = 1; i < 9; i++)
		u = u << 8 | data[i];
	t = (time_t)(T_FIRST + (long long)(u % (uint64_t)T_SPAN));
	expr = fuzz_str(data + 9, size - 9);

	memset(&c, 0xa5, sizeof(c));
	before = c;
	err[0] = '\0';
	rc = cron_parse(expr, &c, err, sizeof(err));
	if (rc == -1) {
		FUZZ_CHECK(memcmp(&c, &before, sizeof(c)) == 0,
		    "\"%s\": a failed parse changed the schedule", expr);
		FUZZ_CHECK(err[0] != '\0', "\"%s\": no message", expr);
		free(expr);
		return 0;
	}
	FUZZ_CHECK(rc == 0, "\"%s\": cron_parse returned %d", expr, rc);
	check_parsed(&c, expr);
	if (c.reboot) {
		FUZZ_CHECK(cron_next(&c, t) == (time_t)-1, "@reboot fires");
		free(expr);
		return 0;
	}
	for (i = 0; i < 3 && t != (time_t)-1; i++) {
		check_next(&c, expr, t, &next);
		t = next;
	}
	free(expr);
	return 0;
}
