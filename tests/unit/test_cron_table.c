/*
 * test_cron_table.c: cron_next() against a table of expressions, each
 * with a start time and the expected next firing time: month ends, leap
 * days, steps of 7, day-of-month OR day-of-week, macros, names, and both
 * DST transitions of Europe/Berlin and America/New_York.
 *
 * Times are "YYYY-MM-DD HH:MM[:SS]", local wall clock in the zone the
 * row runs in.  A time that is near a DST change carries its UTC offset
 * ("2026-03-29 03:00+02:00"), so a repeated hour is unambiguous; the
 * test checks that the offset is the one the zone really has then, so a
 * mistake in the table cannot pass unnoticed.  "never" is (time_t)-1.
 *
 * Rows with zone ANY run under TZ=Europe/Berlin, TZ=America/New_York and
 * TZ=UTC (their times are away from any DST change); the others only in
 * their zone.  Each zone's rows run twice: with cron_next() in the
 * process's zone, and with cron_next_tz() naming the zone while the
 * process is in another one (Asia/Kolkata, +05:30, no DST).
 *
 * Build: cc -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror \
 *     $(pkg-config --cflags cmocka libbsd-overlay) -Idaemon \
 *     tests/unit/test_cron_table.c daemon/cron.c daemon/tz.c \
 *     $(pkg-config --libs cmocka libbsd-overlay)
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "cron.h"

#define ANY	NULL
#define BERLIN	"Europe/Berlin"
#define NYC	"America/New_York"

struct row {
	const char	*zone;		/* ANY: every zone tested */
	const char	*expr;
	const char	*start;
	const char	*want;
	int		 line;
};

#define R(z, e, s, w)	{ (z), (e), (s), (w), __LINE__ }

static const struct row rows[] = {
	/* --- month ends ------------------------------------------------ */
	R(ANY, "0 0 31 * *", "2026-04-15 10:00", "2026-05-31 00:00"),
	R(ANY, "0 0 31 * *", "2026-05-31 00:00", "2026-07-31 00:00"),
	R(ANY, "0 0 31 * *", "2026-07-31 00:00", "2026-08-31 00:00"),
	R(ANY, "59 23 30 * *", "2026-01-30 23:59", "2026-03-30 23:59"),
	R(ANY, "0 12 28-31 2 *", "2026-02-28 12:00", "2027-02-28 12:00"),
	R(ANY, "0 0 1 * *", "2026-12-31 23:59:59", "2027-01-01 00:00"),
	R(ANY, "30 23 31 12 *", "2026-12-31 23:30", "2027-12-31 23:30"),
	R(ANY, "* * * * *", "2026-06-30 23:59:30", "2026-07-01 00:00"),
	R(ANY, "0 0 30,31 * *", "2026-09-30 00:00", "2026-10-30 00:00"),
	R(ANY, "0 0 31 4,6,9,11 *", "2026-01-01 00:00", "never"),
	R(ANY, "0 0 30 2 *", "2026-01-01 00:00", "never"),

	/* --- leap days ------------------------------------------------- */
	R(ANY, "0 0 29 2 *", "2026-03-01 00:00", "2028-02-29 00:00"),
	R(ANY, "0 0 29 2 *", "2028-02-29 00:00", "2032-02-29 00:00"),
	R(ANY, "0 6 29 2 *", "2028-02-28 23:59", "2028-02-29 06:00"),
	R(ANY, "0 0 * 2 *", "2028-02-28 12:00", "2028-02-29 00:00"),
	R(ANY, "0 0 * 2 *", "2027-02-28 12:00", "2028-02-01 00:00"),
	R(ANY, "0 0 1 3 *", "2028-02-28 12:00", "2028-03-01 00:00"),
	/* the 29th OR a Monday in February: 2028-02-07 is a Monday */
	R(ANY, "0 0 29 2 1", "2027-03-01 00:00", "2028-02-07 00:00"),
	/* 2100 is not a leap year: 2104 is the next (within 5 years) */
	R(ANY, "0 0 29 2 *", "2099-03-01 00:00", "2104-02-29 00:00"),
	R(ANY, "0 0 29 2 *", "2096-03-01 00:00", "never"),
	R(ANY, "0 0 29 2 *", "1999-03-01 00:00", "2000-02-29 00:00"),

	/* --- steps of 7 ------------------------------------------------ */
	/* minutes 0,7,...,56: after :56 comes the next hour's :00 */
	R(ANY, "*/7 * * * *", "2026-06-10 10:56", "2026-06-10 11:00"),
	R(ANY, "*/7 * * * *", "2026-06-10 10:50", "2026-06-10 10:56"),
	R(ANY, "*/7 * * * *", "2026-06-10 23:59", "2026-06-11 00:00"),
	R(ANY, "3-59/7 * * * *", "2026-06-10 10:58", "2026-06-10 10:59"),
	R(ANY, "3-59/7 * * * *", "2026-06-10 10:59", "2026-06-10 11:03"),
	R(ANY, "10/7 * * * *", "2026-06-10 10:00", "2026-06-10 10:10"),
	/* hours 0,7,14,21 */
	R(ANY, "0 */7 * * *", "2026-06-10 21:00", "2026-06-11 00:00"),
	R(ANY, "0 */7 * * *", "2026-06-10 07:00", "2026-06-10 14:00"),
	/* days 1,8,15,22,29 */
	R(ANY, "0 0 */7 * *", "2026-06-22 00:00", "2026-06-29 00:00"),
	R(ANY, "0 0 */7 * *", "2026-06-29 00:00", "2026-07-01 00:00"),
	R(ANY, "0 0 */7 * *", "2027-02-22 00:00", "2027-03-01 00:00"),
	/* months 1 and 8 */
	R(ANY, "0 0 1 */7 *", "2026-02-01 00:00", "2026-08-01 00:00"),
	R(ANY, "0 0 1 */7 *", "2026-08-01 00:00", "2027-01-01 00:00"),
	/* weekdays 0 and 7: Sunday only; 2026-06-14 is a Sunday */
	R(ANY, "0 12 * * */7", "2026-06-08 00:00", "2026-06-14 12:00"),

	/* --- day of month OR day of week -------------------------------- */
	/* 2026-02-01 is a Sunday, 2026-02-13 a Friday */
	R(ANY, "0 0 13 * 5", "2026-02-01 00:00", "2026-02-06 00:00"),
	R(ANY, "0 0 13 * 5", "2026-02-06 00:00", "2026-02-13 00:00"),
	R(ANY, "0 0 13 * 5", "2026-02-13 00:00", "2026-02-20 00:00"),
	/* 2026-06-01 is a Monday */
	R(ANY, "0 0 1,15 * mon", "2026-06-02 00:00", "2026-06-08 00:00"),
	R(ANY, "0 0 1,15 * mon", "2026-06-29 00:00", "2026-07-01 00:00"),
	/* April 2026 has no 31st, but its Sundays count (the 5th) */
	R(ANY, "0 0 31 * sun", "2026-04-01 00:00", "2026-04-05 00:00"),
	/* a star (even with a step) in one field: AND, not OR */
	R(ANY, "0 0 */2 * 1", "2026-06-02 00:00", "2026-06-15 00:00"),
	R(ANY, "0 0 13 * *", "2026-02-01 00:00", "2026-02-13 00:00"),
	R(ANY, "0 0 * * 5", "2026-02-06 00:00", "2026-02-13 00:00"),
	/* "1-31" is no star: with Fridays it is every day */
	R(ANY, "0 0 1-31 * 5", "2026-02-06 00:00", "2026-02-07 00:00"),
	/* the 1st of January or any Monday in January */
	R(ANY, "0 0 1 1 1", "2026-12-01 00:00", "2027-01-01 00:00"),
	R(ANY, "0 0 1 1 1", "2027-01-01 00:00", "2027-01-04 00:00"),

	/* --- names, lists, ranges -------------------------------------- */
	R(ANY, "0 9 * jan-mar mon-fri", "2026-03-31 09:00",
	    "2027-01-01 09:00"),
	R(ANY, "15 10 * * SAT,sun", "2026-06-10 00:00", "2026-06-13 10:15"),
	R(ANY, "15 10 * * SAT,sun", "2026-06-13 10:15", "2026-06-14 10:15"),
	R(ANY, "0,30 8-9 * * *", "2026-06-10 09:30", "2026-06-11 08:00"),
	R(ANY, "0 0 * Dec *", "2026-06-10 00:00", "2026-12-01 00:00"),

	/* --- macros ---------------------------------------------------- */
	R(ANY, "@monthly", "2026-01-31 12:00", "2026-02-01 00:00"),
	R(ANY, "@weekly", "2026-06-13 23:59", "2026-06-14 00:00"),
	R(ANY, "@yearly", "2026-06-01 00:00", "2027-01-01 00:00"),
	R(ANY, "@annually", "2026-12-31 23:59:59", "2027-01-01 00:00"),
	R(ANY, "@daily", "2026-06-10 00:00", "2026-06-11 00:00"),
	R(ANY, "@midnight", "2026-06-10 23:59:59", "2026-06-11 00:00"),
	R(ANY, "@hourly", "2026-06-10 10:00:01", "2026-06-10 11:00"),
	R(ANY, "@reboot", "2026-06-10 10:00", "never"),

	/*
	 * --- Europe/Berlin: 2026-03-29 02:00 CET -> 03:00 CEST ----------
	 * 02:00-02:59 does not exist: such a time runs once, at 03:00.
	 */
	R(BERLIN, "30 2 * * *", "2026-03-29 00:00+01:00",
	    "2026-03-29 03:00+02:00"),
	R(BERLIN, "30 2 * * *", "2026-03-29 03:00+02:00",
	    "2026-03-30 02:30+02:00"),
	R(BERLIN, "*/15 2 * * *", "2026-03-28 23:00+01:00",
	    "2026-03-29 03:00+02:00"),
	/* the other quarters of the missing hour do not run again */
	R(BERLIN, "*/15 2 * * *", "2026-03-29 03:00+02:00",
	    "2026-03-30 02:00+02:00"),
	R(BERLIN, "0 * * * *", "2026-03-29 01:30+01:00",
	    "2026-03-29 03:00+02:00"),
	R(BERLIN, "0 * * * *", "2026-03-29 03:00+02:00",
	    "2026-03-29 04:00+02:00"),
	R(BERLIN, "0 3 * * *", "2026-03-29 01:00+01:00",
	    "2026-03-29 03:00+02:00"),
	R(BERLIN, "59 1 29 3 *", "2026-03-29 00:00+01:00",
	    "2026-03-29 01:59+01:00"),
	R(BERLIN, "*/10 * * * *", "2026-03-29 01:55+01:00",
	    "2026-03-29 03:00+02:00"),
	R(BERLIN, "@daily", "2026-03-29 00:00+01:00",
	    "2026-03-30 00:00+02:00"),
	/*
	 * --- Europe/Berlin: 2026-10-25 03:00 CEST -> 02:00 CET ----------
	 * 02:00-02:59 happens twice: it runs once, the first time.
	 */
	R(BERLIN, "30 2 * * *", "2026-10-25 00:00+02:00",
	    "2026-10-25 02:30+02:00"),
	R(BERLIN, "30 2 * * *", "2026-10-25 02:30+02:00",
	    "2026-10-26 02:30+01:00"),
	R(BERLIN, "30 2 * * *", "2026-10-25 02:10+01:00",
	    "2026-10-26 02:30+01:00"),
	R(BERLIN, "0 * * * *", "2026-10-25 02:30+02:00",
	    "2026-10-25 03:00+01:00"),
	R(BERLIN, "*/20 * * * *", "2026-10-25 02:10+01:00",
	    "2026-10-25 03:00+01:00"),
	R(BERLIN, "0 3 * * *", "2026-10-25 00:00+02:00",
	    "2026-10-25 03:00+01:00"),
	R(BERLIN, "59 1 * * *", "2026-10-25 00:00+02:00",
	    "2026-10-25 01:59+02:00"),
	R(BERLIN, "@daily", "2026-10-25 00:00+02:00",
	    "2026-10-26 00:00+01:00"),

	/*
	 * --- America/New_York: 2026-03-08 02:00 EST -> 03:00 EDT --------
	 */
	R(NYC, "30 2 * * *", "2026-03-08 00:00-05:00",
	    "2026-03-08 03:00-04:00"),
	R(NYC, "30 2 * * *", "2026-03-08 03:00-04:00",
	    "2026-03-09 02:30-04:00"),
	R(NYC, "0 2 * * *", "2026-03-07 12:00-05:00",
	    "2026-03-08 03:00-04:00"),
	R(NYC, "0 * * * *", "2026-03-08 01:30-05:00",
	    "2026-03-08 03:00-04:00"),
	R(NYC, "59 1 * * *", "2026-03-08 00:00-05:00",
	    "2026-03-08 01:59-05:00"),
	R(NYC, "*/7 2 * * sun", "2026-03-08 01:59-05:00",
	    "2026-03-08 03:00-04:00"),
	R(NYC, "*/7 2 * * sun", "2026-03-08 03:00-04:00",
	    "2026-03-15 02:00-04:00"),
	/*
	 * --- America/New_York: 2026-11-01 02:00 EDT -> 01:00 EST --------
	 * 01:00-01:59 happens twice: it runs once, the first time.
	 */
	R(NYC, "30 1 * * *", "2026-11-01 00:00-04:00",
	    "2026-11-01 01:30-04:00"),
	R(NYC, "30 1 * * *", "2026-11-01 01:30-04:00",
	    "2026-11-02 01:30-05:00"),
	R(NYC, "30 1 * * *", "2026-11-01 01:10-05:00",
	    "2026-11-02 01:30-05:00"),
	R(NYC, "0 2 * * *", "2026-11-01 00:00-04:00",
	    "2026-11-01 02:00-05:00"),
	R(NYC, "*/30 * * * *", "2026-11-01 01:30-04:00",
	    "2026-11-01 02:00-05:00"),
	R(NYC, "@hourly", "2026-11-01 00:30-04:00",
	    "2026-11-01 01:00-04:00"),
	R(NYC, "@daily", "2026-10-31 12:00-04:00",
	    "2026-11-01 00:00-04:00"),
	R(NYC, "@daily", "2026-11-01 00:00-04:00",
	    "2026-11-02 00:00-05:00"),
};

#define NROWS	(sizeof(rows) / sizeof(rows[0]))

static void
set_tz(const char *tz)
{
	setenv("TZ", tz, 1);
	tzset();
}

static long
gmtoff(time_t t)
{
	struct tm	tm;

	if (localtime_r(&t, &tm) == NULL)
		return -999999;
	return tm.tm_gmtoff;
}

/*
 * A table time as an instant, or (time_t)-1 for "never".  -2 and a
 * message in why when the text is malformed, names a local time that
 * does not exist or is ambiguous, or has the wrong offset for the zone.
 */
static time_t
table_time(const char *s, char *why, size_t len)
{
	struct tm	tm, back;
	time_t		t;
	int		y, mo, d, h, mi, sec = 0, oh, om, n = 0, m;
	char		sign;
	long		off;

	if (strcmp(s, "never") == 0)
		return (time_t)-1;
	if (sscanf(s, "%d-%d-%d %d:%d%n", &y, &mo, &d, &h, &mi, &n) != 5) {
		snprintf(why, len, "bad time '%s'", s);
		return -2;
	}
	if (s[n] == ':' && sscanf(s + n, ":%d%n", &sec, &m) == 1)
		n += m;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	if (s[n] == '\0') {
		/* plain local time: must exist once, far from a DST change */
		tm.tm_isdst = -1;
		if ((t = mktime(&tm)) == (time_t)-1 ||
		    localtime_r(&t, &back) == NULL ||
		    back.tm_year != y - 1900 || back.tm_mon != mo - 1 ||
		    back.tm_mday != d || back.tm_hour != h ||
		    back.tm_min != mi || back.tm_sec != sec ||
		    gmtoff(t - 3 * 3600) != gmtoff(t) ||
		    gmtoff(t + 3 * 3600) != gmtoff(t)) {
			snprintf(why, len, "table error: '%s' is too near a "
			    "DST change in %s to go without its offset", s,
			    getenv("TZ"));
			return -2;
		}
		return t;
	}
	if (sscanf(s + n, "%c%2d:%2d%n", &sign, &oh, &om, &m) != 3 ||
	    (sign != '+' && sign != '-') || s[n + m] != '\0') {
		snprintf(why, len, "bad offset in '%s'", s);
		return -2;
	}
	off = (sign == '-' ? -1 : 1) * (oh * 3600L + om * 60L);
	t = timegm(&tm) - off;
	if (localtime_r(&t, &back) == NULL || back.tm_gmtoff != off ||
	    back.tm_hour != h || back.tm_min != mi || back.tm_mday != d) {
		snprintf(why, len, "table error: '%s' is not a local time of "
		    "%s (offset there is %+ld s)", s, getenv("TZ"),
		    gmtoff(t));
		return -2;
	}
	return t;
}

static const char *
fmt(time_t t, char *buf, size_t len)
{
	struct tm	tm;

	if (t == (time_t)-1)
		snprintf(buf, len, "never");
	else if (localtime_r(&t, &tm) == NULL ||
	    strftime(buf, len, "%Y-%m-%d %H:%M:%S%z (%Z)", &tm) == 0)
		snprintf(buf, len, "%lld", (long long)t);
	return buf;
}

/*
 * The next firing after start: in the process's zone (other NULL), or
 * with the zone named while the process is in other.
 */
static time_t
next_of(const struct cron *c, time_t start, const char *zone,
    const char *other)
{
	time_t	t;

	if (other == NULL)
		return cron_next(c, start);
	set_tz(other);
	t = cron_next_tz(c, start, zone);
	set_tz(zone);
	return t;
}

/* Run every row meant for zone; report each failure, then fail. */
static void
run_table(const char *zone, const char *other)
{
	const struct row	*r;
	struct cron		 c;
	time_t			 start, want, got;
	char			 err[256], b1[64], b2[64];
	size_t			 i, nrun = 0, nfail = 0;

	set_tz(zone);
	for (i = 0; i < NROWS; i++) {
		r = &rows[i];
		if (r->zone != ANY && strcmp(r->zone, zone) != 0)
			continue;
		nrun++;
		if (cron_parse(r->expr, &c, err, sizeof(err)) != 0) {
			print_error("line %d, %s: cron_parse(\"%s\"): %s\n",
			    r->line, zone, r->expr, err);
			nfail++;
			continue;
		}
		if ((start = table_time(r->start, err, sizeof(err))) == -2 ||
		    (want = table_time(r->want, err, sizeof(err))) == -2) {
			print_error("line %d, %s: %s\n", r->line, zone, err);
			nfail++;
			continue;
		}
		got = next_of(&c, start, zone, other);
		if (got != want) {
			print_error("line %d, %s: \"%s\" after %s:\n"
			    "    got  %s\n    want %s\n", r->line, zone,
			    r->expr, r->start, fmt(got, b1, sizeof(b1)),
			    fmt(want, b2, sizeof(b2)));
			nfail++;
			continue;
		}
		if (want == (time_t)-1)
			continue;
		/* a firing time is a whole minute */
		if (want % 60 != 0) {
			print_error("line %d, %s: %s is not a whole minute\n",
			    r->line, zone, fmt(want, b1, sizeof(b1)));
			nfail++;
		}
		/* and the first firing after the second before it */
		if ((got = next_of(&c, want - 1, zone, other)) != want) {
			print_error("line %d, %s: \"%s\" one second before "
			    "%s gives %s\n", r->line, zone, r->expr,
			    fmt(want, b1, sizeof(b1)),
			    fmt(got, b2, sizeof(b2)));
			nfail++;
		}
	}
	if (nfail > 0) {
		print_error("%zu of %zu rows failed in %s\n", nfail, nrun,
		    zone);
		fail();
	}
	/* every zone gets its share of the table */
	assert_true(nrun >= 40);
}

static void
test_table_berlin(void **state)
{
	(void)state;
	run_table(BERLIN, NULL);
}

static void
test_table_berlin_named(void **state)
{
	(void)state;
	run_table(BERLIN, "Asia/Kolkata");
}

static void
test_table_new_york(void **state)
{
	(void)state;
	run_table(NYC, NULL);
}

static void
test_table_new_york_named(void **state)
{
	(void)state;
	run_table(NYC, "Asia/Kolkata");
}

static void
test_table_utc(void **state)
{
	(void)state;
	run_table("UTC", NULL);
}

static void
test_table_utc_named(void **state)
{
	(void)state;
	run_table("UTC", BERLIN);
}

/* The table itself: enough rows, and each DST zone has its own. */
static void
test_table_size(void **state)
{
	size_t	i, berlin = 0, nyc = 0, any = 0;

	(void)state;
	for (i = 0; i < NROWS; i++) {
		if (rows[i].zone == ANY)
			any++;
		else if (strcmp(rows[i].zone, BERLIN) == 0)
			berlin++;
		else if (strcmp(rows[i].zone, NYC) == 0)
			nyc++;
	}
	assert_true(NROWS >= 40);
	assert_true(any >= 40);
	assert_true(berlin >= 10);
	assert_true(nyc >= 10);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_size),
		cmocka_unit_test(test_table_berlin),
		cmocka_unit_test(test_table_new_york),
		cmocka_unit_test(test_table_utc),
		cmocka_unit_test(test_table_berlin_named),
		cmocka_unit_test(test_table_new_york_named),
		cmocka_unit_test(test_table_utc_named),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
