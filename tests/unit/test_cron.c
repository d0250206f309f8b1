/* test_cron.c: cron expression parsing and next-fire computation. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "cron.h"
#include "tz.h"

#define ALL_MINUTES	((UINT64_C(1) << 60) - 1)
#define ALL_HOURS	((UINT32_C(1) << 24) - 1)
#define ALL_DAYS	UINT32_C(0xfffffffe)
#define ALL_MONTHS	((uint16_t)0x1ffe)
#define ALL_WEEKDAYS	((uint8_t)0x7f)

#define B(n)		(UINT64_C(1) << (n))

/* Non-NULL: cron_next_tz() with this zone instead of cron_next(). */
static const char	*zone_arg;

static time_t
next(const struct cron *c, time_t after)
{
	return zone_arg != NULL ? cron_next_tz(c, after, zone_arg) :
	    cron_next(c, after);
}

static void
set_tz(const char *tz)
{
	setenv("TZ", tz, 1);
	tzset();
}

static time_t
utc(int y, int mo, int d, int h, int mi, int s)
{
	struct tm	tm;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = s;
	return timegm(&tm);
}

static const char *
fmt(time_t t, char *buf, size_t len)
{
	struct tm	tm;

	if (t == (time_t)-1)
		snprintf(buf, len, "never");
	else if (gmtime_r(&t, &tm) == NULL ||
	    strftime(buf, len, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
		snprintf(buf, len, "%lld", (long long)t);
	return buf;
}

static struct cron
parse_ok(const char *expr, const char *file, int line)
{
	struct cron	c;
	char		err[128] = "";

	if (cron_parse(expr, &c, err, sizeof(err)) != 0) {
		print_error("cron_parse(\"%s\") failed: %s\n", expr, err);
		_fail(file, line);
	}
	return c;
}
#define PARSE(e)	parse_ok((e), __FILE__, __LINE__)

static void
check_err(const char *expr, const char *want, const char *file, int line)
{
	struct cron	c;
	char		err[128] = "";

	if (cron_parse(expr, &c, err, sizeof(err)) != -1) {
		print_error("cron_parse(\"%s\") succeeded\n", expr);
		_fail(file, line);
	}
	if (strstr(err, want) == NULL) {
		print_error("cron_parse(\"%s\"): \"%s\" lacks \"%s\"\n",
		    expr, err, want);
		_fail(file, line);
	}
}
#define ERR(e, w)	check_err((e), (w), __FILE__, __LINE__)

static void
check_next(const char *expr, time_t after, time_t want, const char *file,
    int line)
{
	struct cron	c = parse_ok(expr, file, line);
	time_t		got = next(&c, after);
	char		b1[64], b2[64], b3[64];

	if (got != want) {
		print_error("\"%s\" after %s: got %s, want %s\n", expr,
		    fmt(after, b1, sizeof(b1)), fmt(got, b2, sizeof(b2)),
		    fmt(want, b3, sizeof(b3)));
		_fail(file, line);
	}
}
#define NEXT(e, a, w)	check_next((e), (a), (w), __FILE__, __LINE__)

/* Successive firings of expr after `after` must be exactly want[]. */
static void
check_seq(const char *expr, time_t after, const time_t *want, size_t n,
    const char *file, int line)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		check_next(expr, after, want[i], file, line);
		after = want[i];
	}
}
#define SEQ(e, a, ...)	do {						\
	const time_t	w_[] = { __VA_ARGS__ };				\
	check_seq((e), (a), w_, sizeof(w_) / sizeof(w_[0]),		\
	    __FILE__, __LINE__);					\
} while (0)

static int
setup_utc(void **state)
{
	(void)state;
	set_tz("UTC");
	return 0;
}

static void
test_star(void **state)
{
	struct cron	c;

	(void)state;
	c = PARSE("* * * * *");
	assert_true(c.minute == ALL_MINUTES);
	assert_true(c.hour == ALL_HOURS);
	assert_true(c.dom == ALL_DAYS);
	assert_true(c.month == ALL_MONTHS);
	assert_true(c.dow == ALL_WEEKDAYS);
	assert_true(c.dom_star);
	assert_true(c.dow_star);
	assert_false(c.reboot);
}

static void
test_numbers_ranges_steps(void **state)
{
	struct cron	c;

	(void)state;
	c = PARSE("5 4 3 2 1");
	assert_true(c.minute == B(5));
	assert_true(c.hour == B(4));
	assert_true(c.dom == B(3));
	assert_true(c.month == B(2));
	assert_true(c.dow == B(1));
	assert_false(c.dom_star);
	assert_false(c.dow_star);

	c = PARSE("05 004 * * *");
	assert_true(c.minute == B(5));
	assert_true(c.hour == B(4));

	c = PARSE("0-4 22-23 30-31 11-12 0-1");
	assert_true(c.minute == 0x1f);
	assert_true(c.hour == (B(22) | B(23)));
	assert_true(c.dom == (B(30) | B(31)));
	assert_true(c.month == (B(11) | B(12)));
	assert_true(c.dow == 0x3);

	c = PARSE("7-7 * * * *");
	assert_true(c.minute == B(7));

	c = PARSE("*/15 */6 */10 */4 */2");
	assert_true(c.minute == (B(0) | B(15) | B(30) | B(45)));
	assert_true(c.hour == (B(0) | B(6) | B(12) | B(18)));
	assert_true(c.dom == (B(1) | B(11) | B(21) | B(31)));
	assert_true(c.month == (B(1) | B(5) | B(9)));
	assert_true(c.dow == (B(0) | B(2) | B(4) | B(6)));
	/* a stepped star still counts as star (vixie) */
	assert_true(c.dom_star);
	assert_true(c.dow_star);

	c = PARSE("10-30/10 1-10/4 * * *");
	assert_true(c.minute == (B(10) | B(20) | B(30)));
	assert_true(c.hour == (B(1) | B(5) | B(9)));

	/* a/n runs from a to the end of the field */
	c = PARSE("50/5 20/2 28/2 10/1 5/1");
	assert_true(c.minute == (B(50) | B(55)));
	assert_true(c.hour == (B(20) | B(22)));
	assert_true(c.dom == (B(28) | B(30)));
	assert_true(c.month == (B(10) | B(11) | B(12)));
	assert_true(c.dow == (B(5) | B(6) | B(0)));

	c = PARSE("*/59 */23 */31 */12 */7");
	assert_true(c.minute == (B(0) | B(59)));
	assert_true(c.hour == (B(0) | B(23)));
	assert_true(c.dom == B(1));
	assert_true(c.month == B(1));
	assert_true(c.dow == B(0));

	c = PARSE("1,3,5-7,*/20 0,12 1,15,31 * *");
	assert_true(c.minute == (B(0) | B(1) | B(3) | B(5) | B(6) | B(7) |
	    B(20) | B(40)));
	assert_true(c.hour == (B(0) | B(12)));
	assert_true(c.dom == (B(1) | B(15) | B(31)));

	c = PARSE("59 23 31 12 6");
	assert_true(c.minute == B(59));
	assert_true(c.hour == B(23));
	assert_true(c.dom == B(31));
	assert_true(c.month == B(12));
	assert_true(c.dow == B(6));

	c = PARSE("  0\t0   1-31 *  *\n");
	assert_true(c.minute == B(0));
	assert_true(c.dom == ALL_DAYS);
	assert_false(c.dom_star);
	assert_true(c.dow_star);

	c = PARSE("* * * * 1-5,*");
	assert_true(c.dow == ALL_WEEKDAYS);
	assert_false(c.dow_star);
}

static void
test_names(void **state)
{
	struct cron	c;

	(void)state;
	c = PARSE("0 0 * jan sun");
	assert_true(c.month == B(1));
	assert_true(c.dow == B(0));

	c = PARSE("0 0 * JAN-Mar,jun,Dec MON-fri");
	assert_true(c.month == (B(1) | B(2) | B(3) | B(6) | B(12)));
	assert_true(c.dow == 0x3e);

	c = PARSE("0 0 * feb,apr,may,jul,aug,sep,oct,nov tue,wed,thu,sat");
	assert_true(c.month == (B(2) | B(4) | B(5) | B(7) | B(8) | B(9) |
	    B(10) | B(11)));
	assert_true(c.dow == (B(2) | B(3) | B(4) | B(6)));

	c = PARSE("0 0 * feb/3 mon-wed/2");
	assert_true(c.month == (B(2) | B(5) | B(8) | B(11)));
	assert_true(c.dow == (B(1) | B(3)));

	c = PARSE("0 0 * 1-mar sun-2 ");
	assert_true(c.month == (B(1) | B(2) | B(3)));
	assert_true(c.dow == 0x7);
}

static void
test_sunday_seven(void **state)
{
	struct cron	c;

	(void)state;
	c = PARSE("0 0 * * 7");
	assert_true(c.dow == B(0));
	c = PARSE("0 0 * * 0,7");
	assert_true(c.dow == B(0));
	c = PARSE("0 0 * * 5-7");
	assert_true(c.dow == (B(5) | B(6) | B(0)));
	c = PARSE("0 0 * * sat-7");
	assert_true(c.dow == (B(6) | B(0)));
	c = PARSE("0 0 * * 0-7");
	assert_true(c.dow == ALL_WEEKDAYS);
}

static void
test_macros(void **state)
{
	static const char *const pairs[][2] = {
		{ "@yearly",	"0 0 1 1 *" },
		{ "@annually",	"0 0 1 1 *" },
		{ "@monthly",	"0 0 1 * *" },
		{ "@weekly",	"0 0 * * 0" },
		{ "@daily",	"0 0 * * *" },
		{ "@midnight",	"0 0 * * *" },
		{ "@hourly",	"0 * * * *" },
		{ "  @daily \t", "0 0 * * *" },
	};
	struct cron	a, b;
	size_t		i;

	(void)state;
	for (i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		a = PARSE(pairs[i][0]);
		b = PARSE(pairs[i][1]);
		assert_memory_equal(&a, &b, sizeof(a));
		assert_false(a.reboot);
	}
	a = PARSE("@reboot");
	assert_true(a.reboot);
	assert_true(cron_next(&a, utc(2026, 1, 1, 0, 0, 0)) == (time_t)-1);

	ERR("@fortnightly", "unknown macro \"@fortnightly\"");
	ERR("@", "unknown macro");
	ERR("@DAILY", "unknown macro");
	ERR("@daily 0", "after @daily");
	ERR("@reboot /bin/true", "after @reboot");
}

static void
test_errors(void **state)
{
	(void)state;
	ERR("", "empty schedule");
	ERR(" \t ", "empty schedule");
	ERR("* * * *", "expected 5 fields, got 4");
	ERR("*", "expected 5 fields, got 1");
	ERR("* * * * * *", "expected 5 fields, got 6");
	ERR("0 0 * * * /bin/true", "expected 5 fields, got 6");

	/* out of range, every field, both ends */
	ERR("60 * * * *", "minute field: 60 is out of range 0-59");
	ERR("* 24 * * *", "hour field: 24 is out of range 0-23");
	ERR("* * 0 * *", "day-of-month field: 0 is out of range 1-31");
	ERR("* * 32 * *", "day-of-month field: 32 is out of range 1-31");
	ERR("* * * 0 *", "month field: 0 is out of range 1-12");
	ERR("* * * 13 *", "month field: 13 is out of range 1-12");
	ERR("* * * * 8", "day-of-week field: 8 is out of range 0-7");
	ERR("1-60 * * * *", "minute field: 60 is out of range 0-59");
	ERR("99999999999 * * * *",
	    "minute field: 99999999999 is out of range 0-59");
	ERR("* 1,2,99 * * *", "hour field: 99 is out of range");

	/* empty list elements */
	ERR("1,,2 * * * *", "minute field: empty list element");
	ERR("* 1, * * *", "hour field: empty list element");
	ERR("* * ,1 * *", "day-of-month field: empty list element");
	ERR("* * * , *", "month field: empty list element");

	/* garbage */
	ERR("abc * * * *", "minute field: invalid number \"abc\"");
	ERR("jan * * * *", "minute field: invalid number \"jan\"");
	ERR("1a * * * *", "minute field: invalid number \"1a\"");
	ERR("* * * foo *", "month field: unknown name \"foo\"");
	ERR("* * * january *", "month field: unknown name \"january\"");
	ERR("* * * * monday", "day-of-week field: unknown name \"monday\"");
	ERR("* * * * mo", "day-of-week field: unknown name \"mo\"");
	ERR("* * * jan1 *", "month field: invalid value \"jan1\"");
	ERR("-5 * * * *", "minute field: unexpected \"-5\"");
	ERR("+5 * * * *", "minute field: unexpected \"+5\"");
	ERR("* ? * * *", "hour field: unexpected \"?\"");

	/* steps */
	ERR("*/0 * * * *", "minute field: step 0 is invalid");
	ERR("* 1-5/0 * * *", "hour field: step 0 is invalid");
	ERR("* */24 * * *", "hour field: step 24 is out of range 1-23");
	ERR("*/60 * * * *", "minute field: step 60 is out of range 1-59");
	ERR("* * * * */8", "day-of-week field: step 8 is out of range 1-7");
	ERR("*/99999999999 * * * *", "minute field: step 99999999999");
	ERR("*/ * * * *", "minute field: missing step");
	ERR("* */x * * *", "hour field: invalid step \"x\"");
	ERR("* * */-1 * *", "day-of-month field: invalid step \"-1\"");

	/* reversed ranges */
	ERR("* 5-3 * * *", "hour field: reversed range \"5-3\"");
	ERR("* * * dec-jan *", "month field: reversed range \"dec-jan\"");
	ERR("* * * * fri-mon", "day-of-week field: reversed range");
	ERR("* * * * 7-1", "day-of-week field: reversed range");

	/* trailing junk */
	ERR("1-2-3 * * * *", "minute field: unexpected \"-3\"");
	ERR("*/5/2 * * * *", "minute field: unexpected \"/2\"");
	ERR("** * * * *", "minute field: unexpected \"*\"");
	ERR("*x * * * *", "minute field: unexpected \"x\"");
	ERR("* * 1/2x * *", "day-of-month field: unexpected \"x\"");
	ERR("* 5- * * *", "hour field: missing value in \"5-\"");
	ERR("* * 1-* * *", "day-of-month field: unexpected \"*\"");
	ERR("*-5 * * * *", "minute field: unexpected \"-5\"");
}

static void
test_error_handling(void **state)
{
	struct cron	c, saved;
	char		small[8];

	(void)state;
	memset(&c, 0xa5, sizeof(c));
	saved = c;
	assert_int_equal(cron_parse("61 * * * *", &c, NULL, 0), -1);
	assert_memory_equal(&c, &saved, sizeof(c));

	memset(small, 'x', sizeof(small));
	assert_int_equal(cron_parse("61 * * * *", &c, small, sizeof(small)),
	    -1);
	assert_string_equal(small, "minute ");
	assert_memory_equal(&c, &saved, sizeof(c));

	assert_int_equal(cron_parse("0 0 * * *", &c, NULL, 0), 0);
}

static void
test_next_basic(void **state)
{
	(void)state;
	NEXT("* * * * *", utc(2026, 5, 10, 10, 7, 0),
	    utc(2026, 5, 10, 10, 8, 0));
	NEXT("* * * * *", utc(2026, 5, 10, 10, 7, 59),
	    utc(2026, 5, 10, 10, 8, 0));
	NEXT("* * * * *", utc(2026, 12, 31, 23, 59, 30),
	    utc(2027, 1, 1, 0, 0, 0));
	NEXT("*/15 * * * *", utc(2026, 5, 10, 10, 7, 30),
	    utc(2026, 5, 10, 10, 15, 0));
	/* strictly after */
	NEXT("*/15 * * * *", utc(2026, 5, 10, 10, 15, 0),
	    utc(2026, 5, 10, 10, 30, 0));
	NEXT("*/15 * * * *", utc(2026, 5, 10, 23, 45, 0),
	    utc(2026, 5, 11, 0, 0, 0));
	NEXT("@hourly", utc(2026, 5, 10, 10, 0, 0), utc(2026, 5, 10, 11, 0, 0));
	NEXT("@daily", utc(2026, 5, 10, 10, 0, 0), utc(2026, 5, 11, 0, 0, 0));
	/* 2026-05-10 is a Sunday */
	NEXT("@weekly", utc(2026, 5, 10, 0, 0, 0), utc(2026, 5, 17, 0, 0, 0));
	NEXT("@weekly", utc(2026, 5, 9, 23, 59, 59), utc(2026, 5, 10, 0, 0, 0));
	NEXT("@monthly", utc(2026, 12, 15, 0, 0, 0), utc(2027, 1, 1, 0, 0, 0));
	NEXT("@yearly", utc(2026, 1, 1, 0, 0, 0), utc(2027, 1, 1, 0, 0, 0));
	NEXT("59 23 31 12 *", utc(2026, 12, 31, 23, 59, 0),
	    utc(2027, 12, 31, 23, 59, 0));
	/* 2026-05-08 is a Friday: weekdays skip the weekend */
	SEQ("0 9 * * 1-5", utc(2026, 5, 8, 8, 0, 0),
	    utc(2026, 5, 8, 9, 0, 0), utc(2026, 5, 11, 9, 0, 0),
	    utc(2026, 5, 12, 9, 0, 0));
	SEQ("30 8-10/2 * * mon-fri", utc(2026, 5, 8, 9, 0, 0),
	    utc(2026, 5, 8, 10, 30, 0), utc(2026, 5, 11, 8, 30, 0),
	    utc(2026, 5, 11, 10, 30, 0));
	SEQ("0 0 * jan,jul sun", utc(2026, 5, 8, 0, 0, 0),
	    utc(2026, 7, 5, 0, 0, 0), utc(2026, 7, 12, 0, 0, 0));
	SEQ("0 0 * * 7", utc(2026, 5, 8, 0, 0, 0),
	    utc(2026, 5, 10, 0, 0, 0), utc(2026, 5, 17, 0, 0, 0));
	SEQ("0 12 1,15 * *", utc(2026, 5, 8, 0, 0, 0),
	    utc(2026, 5, 15, 12, 0, 0), utc(2026, 6, 1, 12, 0, 0));
	SEQ("0 0 1 */3 *", utc(2026, 5, 8, 0, 0, 0),
	    utc(2026, 7, 1, 0, 0, 0), utc(2026, 10, 1, 0, 0, 0),
	    utc(2027, 1, 1, 0, 0, 0));
	NEXT("0 0 1 1 *", utc(1999, 12, 31, 23, 59, 59),
	    utc(2000, 1, 1, 0, 0, 0));
}

static void
test_next_dom_dow(void **state)
{
	(void)state;
	/* both restricted: the 13th OR any Friday; 2026-04-13 is a Monday */
	SEQ("0 0 13 * 5", utc(2026, 4, 1, 0, 0, 0),
	    utc(2026, 4, 3, 0, 0, 0), utc(2026, 4, 10, 0, 0, 0),
	    utc(2026, 4, 13, 0, 0, 0), utc(2026, 4, 17, 0, 0, 0),
	    utc(2026, 4, 24, 0, 0, 0), utc(2026, 5, 1, 0, 0, 0));
	SEQ("0 0 1 * mon", utc(2026, 5, 26, 0, 0, 0),
	    utc(2026, 6, 1, 0, 0, 0), utc(2026, 6, 8, 0, 0, 0));
	/* "*" in dow: only dom decides */
	SEQ("0 0 13 * *", utc(2026, 4, 1, 0, 0, 0),
	    utc(2026, 4, 13, 0, 0, 0), utc(2026, 5, 13, 0, 0, 0));
	/* "*" in dom: only dow decides */
	SEQ("0 0 * * 5", utc(2026, 4, 1, 0, 0, 0),
	    utc(2026, 4, 3, 0, 0, 0), utc(2026, 4, 10, 0, 0, 0),
	    utc(2026, 4, 17, 0, 0, 0));
	/* "*" + step counts as star: odd days AND Mondays */
	SEQ("0 0 */2 * 1", utc(2026, 4, 1, 0, 0, 0),
	    utc(2026, 4, 13, 0, 0, 0), utc(2026, 4, 27, 0, 0, 0));
	/* the 1st if a Sun, Tue, Thu or Sat; 2026-02-01 is a Sunday */
	SEQ("0 0 1 * */2", utc(2026, 1, 2, 0, 0, 0),
	    utc(2026, 2, 1, 0, 0, 0), utc(2026, 3, 1, 0, 0, 0),
	    utc(2026, 8, 1, 0, 0, 0), utc(2026, 9, 1, 0, 0, 0));
	/* "1-31" is not star: OR with Fridays gives every day */
	SEQ("0 0 1-31 * 5", utc(2026, 4, 3, 0, 0, 0),
	    utc(2026, 4, 4, 0, 0, 0), utc(2026, 4, 5, 0, 0, 0));
	/* Feb 31 never happens, but Mondays in February do */
	SEQ("0 0 31 2 1", utc(2026, 1, 1, 0, 0, 0),
	    utc(2026, 2, 2, 0, 0, 0), utc(2026, 2, 9, 0, 0, 0));
}

static void
test_next_month_end(void **state)
{
	(void)state;
	SEQ("0 0 31 * *", utc(2026, 4, 1, 0, 0, 0),
	    utc(2026, 5, 31, 0, 0, 0), utc(2026, 7, 31, 0, 0, 0),
	    utc(2026, 8, 31, 0, 0, 0), utc(2026, 10, 31, 0, 0, 0));
	SEQ("0 12 30 * *", utc(2026, 1, 31, 0, 0, 0),
	    utc(2026, 3, 30, 12, 0, 0));
	SEQ("0 0 29 2 *", utc(2026, 1, 1, 0, 0, 0),
	    utc(2028, 2, 29, 0, 0, 0), utc(2032, 2, 29, 0, 0, 0));
	/* 2100 is not a leap year, 2000 was */
	NEXT("0 0 29 2 *", utc(2096, 3, 1, 0, 0, 0), (time_t)-1);
	NEXT("0 0 29 2 *", utc(1997, 3, 1, 0, 0, 0),
	    utc(2000, 2, 29, 0, 0, 0));
	NEXT("0 0 28 2 *", utc(2028, 2, 27, 12, 0, 0),
	    utc(2028, 2, 28, 0, 0, 0));
	NEXT("0 0 1 3 *", utc(2028, 2, 28, 12, 0, 0),
	    utc(2028, 3, 1, 0, 0, 0));
}

static void
test_next_never(void **state)
{
	struct cron	c;
	time_t		t = utc(2026, 1, 1, 0, 0, 0);

	(void)state;
	NEXT("0 0 31 2 *", t, (time_t)-1);
	NEXT("0 0 30 2 *", t, (time_t)-1);
	NEXT("0 0 31 4,6,9,11 *", t, (time_t)-1);
	NEXT("0 0 30,31 feb *", t, (time_t)-1);
	c = PARSE("@reboot");
	assert_true(cron_next(&c, t) == (time_t)-1);
	memset(&c, 0, sizeof(c));
	assert_true(cron_next(&c, t) == (time_t)-1);
}

/* Europe/Berlin: CET (+1) / CEST (+2), switching at 01:00 UTC. */
static void
dst_berlin(void)
{
	/* spring forward 2026-03-29 02:00 CET -> 03:00 CEST */
	SEQ("30 2 * * *", utc(2026, 3, 28, 12, 0, 0),
	    utc(2026, 3, 29, 1, 0, 0),		/* 03:00 CEST */
	    utc(2026, 3, 30, 0, 30, 0));	/* 02:30 CEST */
	SEQ("0 2 * * *", utc(2026, 3, 28, 12, 0, 0),
	    utc(2026, 3, 29, 1, 0, 0), utc(2026, 3, 30, 0, 0, 0));
	SEQ("59 2 * * *", utc(2026, 3, 28, 12, 0, 0),
	    utc(2026, 3, 29, 1, 0, 0), utc(2026, 3, 30, 0, 59, 0));
	SEQ("0 3 * * *", utc(2026, 3, 28, 12, 0, 0),
	    utc(2026, 3, 29, 1, 0, 0), utc(2026, 3, 30, 1, 0, 0));
	/* skipped 02:30 and real 03:00 collapse into one firing */
	SEQ("0,30 2,3 * * *", utc(2026, 3, 29, 0, 0, 0),
	    utc(2026, 3, 29, 1, 0, 0),		/* 03:00 CEST */
	    utc(2026, 3, 29, 1, 30, 0));	/* 03:30 CEST */
	SEQ("*/15 * * * *", utc(2026, 3, 29, 0, 30, 0),
	    utc(2026, 3, 29, 0, 45, 0),		/* 01:45 CET */
	    utc(2026, 3, 29, 1, 0, 0),		/* 03:00 CEST */
	    utc(2026, 3, 29, 1, 15, 0));
	NEXT("* * * * *", utc(2026, 3, 29, 0, 59, 0),
	    utc(2026, 3, 29, 1, 0, 0));
	NEXT("* * * * *", utc(2026, 3, 29, 1, 0, 0),
	    utc(2026, 3, 29, 1, 1, 0));
	NEXT("0 0 * * *", utc(2026, 3, 28, 12, 0, 0),
	    utc(2026, 3, 28, 23, 0, 0));	/* 00:00 CET */
	NEXT("0 0 * * *", utc(2026, 3, 28, 23, 0, 0),
	    utc(2026, 3, 29, 22, 0, 0));	/* 00:00 CEST */

	/* fall back 2026-10-25 03:00 CEST -> 02:00 CET */
	SEQ("30 2 * * *", utc(2026, 10, 24, 12, 0, 0),
	    utc(2026, 10, 25, 0, 30, 0),	/* 02:30 CEST only */
	    utc(2026, 10, 26, 1, 30, 0));	/* 02:30 CET */
	/* started during the repeated hour, after the first 02:30 */
	NEXT("30 2 * * *", utc(2026, 10, 25, 1, 10, 0),
	    utc(2026, 10, 26, 1, 30, 0));
	/* started during the repeated hour, before its second 02:30 */
	NEXT("45 2 * * *", utc(2026, 10, 25, 1, 50, 0),
	    utc(2026, 10, 26, 1, 45, 0));
	SEQ("*/30 * * * *", utc(2026, 10, 24, 23, 40, 0),
	    utc(2026, 10, 25, 0, 0, 0),		/* 02:00 CEST */
	    utc(2026, 10, 25, 0, 30, 0),	/* 02:30 CEST */
	    utc(2026, 10, 25, 2, 0, 0),		/* 03:00 CET */
	    utc(2026, 10, 25, 2, 30, 0));
	SEQ("0 * * * *", utc(2026, 10, 24, 22, 30, 0),
	    utc(2026, 10, 24, 23, 0, 0),	/* 01:00 CEST */
	    utc(2026, 10, 25, 0, 0, 0),		/* 02:00 CEST */
	    utc(2026, 10, 25, 2, 0, 0));	/* 03:00 CET */
	SEQ("0 3 * * *", utc(2026, 10, 24, 12, 0, 0),
	    utc(2026, 10, 25, 2, 0, 0), utc(2026, 10, 26, 2, 0, 0));
	NEXT("* * * * *", utc(2026, 10, 25, 0, 59, 0),
	    utc(2026, 10, 25, 2, 0, 0));
}

/* America/New_York: EST (-5) / EDT (-4), switching at 02:00 local. */
static void
dst_new_york(void)
{
	/* spring forward 2026-03-08 02:00 EST -> 03:00 EDT (07:00 UTC) */
	SEQ("30 2 * * *", utc(2026, 3, 7, 12, 0, 0),
	    utc(2026, 3, 8, 7, 0, 0), utc(2026, 3, 9, 6, 30, 0));
	SEQ("0 1-4 * * *", utc(2026, 3, 8, 5, 30, 0),
	    utc(2026, 3, 8, 6, 0, 0),		/* 01:00 EST */
	    utc(2026, 3, 8, 7, 0, 0),		/* 02:00 -> 03:00 EDT */
	    utc(2026, 3, 8, 8, 0, 0),		/* 04:00 EDT */
	    utc(2026, 3, 9, 5, 0, 0));		/* 01:00 EDT */

	/* fall back 2026-11-01 02:00 EDT -> 01:00 EST (06:00 UTC) */
	SEQ("30 1 * * *", utc(2026, 10, 31, 12, 0, 0),
	    utc(2026, 11, 1, 5, 30, 0),		/* 01:30 EDT only */
	    utc(2026, 11, 2, 6, 30, 0));	/* 01:30 EST */
	NEXT("*/20 1 * * *", utc(2026, 11, 1, 5, 50, 0),
	    utc(2026, 11, 2, 6, 0, 0));
	SEQ("0 0 * * *", utc(2026, 10, 31, 12, 0, 0),
	    utc(2026, 11, 1, 4, 0, 0), utc(2026, 11, 2, 5, 0, 0));
	SEQ("0 * * * *", utc(2026, 11, 1, 4, 30, 0),
	    utc(2026, 11, 1, 5, 0, 0),		/* 01:00 EDT */
	    utc(2026, 11, 1, 7, 0, 0));		/* 02:00 EST */
}

/* Pacific/Apia skipped 2011-12-30 entirely, jumping from -10 to +14. */
static void
dst_skipped_day(void)
{
	SEQ("0 12 * * *", utc(2011, 12, 29, 22, 0, 0),
	    utc(2011, 12, 30, 10, 0, 0),	/* the jump: Dec 31 00:00 */
	    utc(2011, 12, 30, 22, 0, 0));	/* Dec 31 12:00 +14 */
}

/* The cases in the process's zone (TZ), as the daemon's own zone. */
static void
in_process_zone(const char *zone, void (*cases)(void))
{
	set_tz(zone);
	cases();
	set_tz("UTC");
}

/*
 * The same cases with the zone named (a task's or a window's
 * timezone) while the process is in another zone: the same instants,
 * and the process's TZ as it was.
 */
static void
in_named_zone(const char *zone, const char *process, void (*cases)(void))
{
	struct tm	tm;
	time_t		t = utc(2026, 7, 1, 12, 0, 0);

	set_tz(process);
	zone_arg = zone;
	cases();
	zone_arg = NULL;
	assert_string_equal(getenv("TZ"), process);
	assert_non_null(localtime_r(&t, &tm));
	assert_int_equal(tm.tm_hour, strcmp(process, "UTC") == 0 ? 12 :
	    strcmp(process, "Asia/Kolkata") == 0 ? 17 : tm.tm_hour);
	set_tz("UTC");
}

static void
test_dst_berlin(void **state)
{
	(void)state;
	in_process_zone("Europe/Berlin", dst_berlin);
}

static void
test_dst_new_york(void **state)
{
	(void)state;
	in_process_zone("America/New_York", dst_new_york);
}

static void
test_dst_skipped_day(void **state)
{
	(void)state;
	in_process_zone("Pacific/Apia", dst_skipped_day);
}

/* A task in Europe/Berlin on a daemon in UTC, New York, Kolkata. */
static void
test_zone_berlin(void **state)
{
	(void)state;
	in_named_zone("Europe/Berlin", "UTC", dst_berlin);
	in_named_zone("Europe/Berlin", "America/New_York", dst_berlin);
	in_named_zone("Europe/Berlin", "Asia/Kolkata", dst_berlin);
}

static void
test_zone_new_york(void **state)
{
	(void)state;
	in_named_zone("America/New_York", "UTC", dst_new_york);
	in_named_zone("America/New_York", "Europe/Berlin", dst_new_york);
}

static void
test_zone_skipped_day(void **state)
{
	(void)state;
	in_named_zone("Pacific/Apia", "UTC", dst_skipped_day);
	in_named_zone("Pacific/Apia", "Europe/Berlin", dst_skipped_day);
}

/* The daemon's zone, named: the same as cron_next() there. */
static void
test_zone_same_as_process(void **state)
{
	(void)state;
	set_tz("Europe/Berlin");
	zone_arg = "Europe/Berlin";
	dst_berlin();
	zone_arg = "UTC";
	set_tz("UTC");
	NEXT("0 2 * * *", utc(2026, 3, 28, 12, 0, 0),
	    utc(2026, 3, 29, 2, 0, 0));
	zone_arg = NULL;
}

/* A zone that cannot be read gives no next time, and no crash. */
static void
test_zone_unknown(void **state)
{
	struct cron	c = PARSE("* * * * *");

	(void)state;
	assert_true(cron_next_tz(&c, utc(2026, 1, 1, 0, 0, 0),
	    "Mars/Olympus_Mons") == (time_t)-1);
	assert_true(cron_next_tz(&c, utc(2026, 1, 1, 0, 0, 0),
	    "../../etc/passwd") == (time_t)-1);
	assert_string_equal(getenv("TZ"), "UTC");
}

static void
check_zone(const char *zone, int want, const char *msg)
{
	char	err[512] = "";

	if (tz_check(zone, err, sizeof(err)) != want) {
		print_error("tz_check(\"%s\"): %d (%s)\n", zone, -want, err);
		fail();
	}
	if (msg != NULL && strstr(err, msg) == NULL) {
		print_error("tz_check(\"%s\"): \"%s\" lacks \"%s\"\n", zone,
		    err, msg);
		fail();
	}
}

static void
test_zone_check(void **state)
{
	char	dir[] = "/tmp/test_cron.XXXXXX", path[512];
	FILE	*fp;

	(void)state;
	check_zone("UTC", 0, NULL);
	check_zone("Europe/Berlin", 0, NULL);
	check_zone("America/Argentina/Buenos_Aires", 0, NULL);
	check_zone("Etc/GMT+5", 0, NULL);
	check_zone("", -1, "empty");
	check_zone("/etc/localtime", -1, "not a path");
	check_zone("../../../etc/passwd", -1, "not a path");
	check_zone("Europe/../Europe/Berlin", -1, "not a path");
	check_zone("Europe/Berlin;rm", -1, "bad character");
	check_zone("Mars/Olympus_Mons", -1, "unknown time zone");
	check_zone("Europe", -1, "not a zone file");
	/* a zone found good is not checked again until tz_flush() */
	check_zone("Europe/Berlin", 0, NULL);
	/* TZDIR is where the zones are, as for the C library */
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/Fake", dir);
	assert_non_null(fp = fopen(path, "w"));
	fputs("not a zone\n", fp);
	fclose(fp);
	setenv("TZDIR", dir, 1);
	check_zone("Fake", -1, "not a zone file");
	check_zone("Europe/Berlin", 0, NULL);	/* as it was found */
	tz_flush();
	check_zone("Europe/Berlin", -1, "unknown time zone");
	check_zone("UTC", 0, NULL);
	unsetenv("TZDIR");
	tz_flush();
	unlink(path);
	rmdir(dir);
}

static void
check_fmt(char *(*f)(time_t, const char *, char *, size_t), time_t t,
    const char *zone, const char *want, int line)
{
	char	buf[64];

	f(t, zone, buf, sizeof(buf));
	if (strcmp(buf, want) != 0) {
		print_error("%s: got \"%s\", want \"%s\"\n",
		    zone ? zone : "(daemon's zone)", buf, want);
		_fail(__FILE__, line);
	}
}
#define FMT(f, t, z, w)	check_fmt((f), (t), (z), (w), __LINE__)

static void
test_zone_format(void **state)
{
	time_t	spring = utc(2026, 3, 29, 1, 0, 0);

	(void)state;
	set_tz("UTC");
	FMT(fmt_time_tz, spring, "Europe/Berlin", "2026-03-29 03:00 CEST");
	FMT(fmt_time_tz, spring - 1, "Europe/Berlin",
	    "2026-03-29 01:59:59 CET");
	FMT(fmt_time_tz_short, spring + 6, "Europe/Berlin",
	    "03-29 03:00:06 CEST");
	FMT(fmt_rfc3339_tz, spring, "Europe/Berlin",
	    "2026-03-29T03:00:00+02:00");
	FMT(fmt_rfc3339_tz, spring - 1, "Europe/Berlin",
	    "2026-03-29T01:59:59+01:00");
	FMT(fmt_time_tz_short, spring, "America/New_York", "03-28 21:00 EDT");
	FMT(fmt_rfc3339_tz, spring, "America/St_Johns",
	    "2026-03-28T22:30:00-02:30");
	FMT(fmt_rfc3339_tz, spring, "Asia/Kolkata",
	    "2026-03-29T06:30:00+05:30");
	FMT(fmt_time_tz, spring, "UTC", "2026-03-29 01:00 UTC");
	FMT(fmt_time_tz, spring, NULL, "2026-03-29 01:00 UTC");
	FMT(fmt_rfc3339_tz, spring, NULL, "2026-03-29T01:00:00+00:00");
	set_tz("Europe/Berlin");
	FMT(fmt_time_tz, spring, NULL, "2026-03-29 03:00 CEST");
	FMT(fmt_rfc3339_tz, utc(2026, 10, 25, 1, 30, 0), NULL,
	    "2026-10-25T02:30:00+01:00");
	FMT(fmt_time_tz, utc(2026, 10, 25, 0, 30, 0), "Europe/Berlin",
	    "2026-10-25 02:30 CEST");
	/* far from where the zone was first worked out: a new span */
	FMT(fmt_time_tz, utc(1990, 7, 1, 12, 0, 0), "America/New_York",
	    "1990-07-01 08:00 EDT");
	FMT(fmt_time_tz, utc(2045, 1, 1, 12, 0, 0), "America/New_York",
	    "2045-01-01 07:00 EST");
	/* a flush forgets, and the next use works it out again */
	tz_flush();
	FMT(fmt_time_tz, spring, "America/New_York", "2026-03-28 21:00 EDT");
	set_tz("UTC");
}

static bool
matches(const struct cron *c, const struct tm *tm)
{
	bool	dom, dow;

	if (!(c->minute & B(tm->tm_min)) || !(c->hour & B(tm->tm_hour)) ||
	    !(c->month & B(tm->tm_mon + 1)))
		return false;
	dom = (c->dom & B(tm->tm_mday)) != 0;
	dow = (c->dow & B(tm->tm_wday)) != 0;
	return c->dom_star || c->dow_star ? dom && dow : dom || dow;
}

/*
 * Step through real time minute by minute and fire when the wall clock
 * reaches a matching minute it has not shown before (or jumped over);
 * cron_next must produce exactly the same instants.
 */
static void
compare_reference(const char *expr, time_t from, int minutes)
{
	struct cron	 c = PARSE(expr);
	struct tm	 tm;
	time_t		 t, w, hw, got = from, prev = from;
	bool		 fire;
	char		 b1[64], b2[64], b3[64];

	localtime_r(&from, &tm);
	hw = timegm(&tm) / 60 * 60;
	for (t = from - from % 60 + 60; t < from + minutes * 60; t += 60) {
		localtime_r(&t, &tm);
		w = timegm(&tm);
		fire = false;
		while (hw < w) {
			hw += 60;
			gmtime_r(&hw, &tm);
			if (matches(&c, &tm))
				fire = true;
		}
		if (!fire)
			continue;
		got = next(&c, prev);
		if (got != t) {
			print_error("\"%s\" after %s: got %s, want %s\n", expr,
			    fmt(prev, b1, sizeof(b1)), fmt(got, b2, sizeof(b2)),
			    fmt(t, b3, sizeof(b3)));
			fail();
		}
		prev = t;
	}
	/* nothing further inside the window */
	got = next(&c, prev);
	assert_true(got == (time_t)-1 || got >= t);
}

static void
test_reference_utc(void **state)
{
	static const char *const exprs[] = {
		"* * * * *", "*/7 * * * *", "0 */5 * * *",
		"15,45 9-17 * * mon-fri", "0 0 13 * fri", "0 12 */3 * *",
		"30 4 1,15 * 5", "0 0 * * 7", "5 4 * 2 *",
		"1-59/13 2/7 * * *", "0 0 29,30,31 * *", "0 0 1 * */2",
		"59 23 * * *", "0 0 1 1 *",
	};
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof(exprs) / sizeof(exprs[0]); i++) {
		compare_reference(exprs[i], utc(2028, 2, 24, 10, 3, 17),
		    8 * 1440);
		compare_reference(exprs[i], utc(2026, 12, 28, 0, 0, 0),
		    8 * 1440);
	}
}

static void
test_reference_dst(void **state)
{
	static const char *const zones[] = {
		"Europe/Berlin", "America/New_York", "Australia/Lord_Howe",
	};
	static const char *const exprs[] = {
		"* * * * *", "*/15 * * * *", "30 2 * * *", "0 3 * * *",
		"15 1-3 * * *", "0,10,20,30,40,50 * * * *", "45 1 * * *",
	};
	static const int when[][3] = {
		{ 2026, 3, 7 }, { 2026, 3, 28 }, { 2026, 10, 3 },
		{ 2026, 10, 24 }, { 2026, 10, 31 }, { 2026, 4, 4 },
	};
	size_t	z, e, d, named;

	(void)state;
	/* in the process's zone, then with the zone named (the same) */
	for (named = 0; named < 2; named++)
		for (z = 0; z < sizeof(zones) / sizeof(zones[0]); z++) {
			set_tz(zones[z]);
			zone_arg = named ? zones[z] : NULL;
			for (e = 0; e < sizeof(exprs) / sizeof(exprs[0]); e++)
				for (d = 0; d < sizeof(when) / sizeof(when[0]);
				    d++)
					compare_reference(exprs[e],
					    utc(when[d][0], when[d][1],
					    when[d][2], 0, 0, 0), 2 * 1440);
		}
	zone_arg = NULL;
	set_tz("UTC");
}

/* A search, even a fruitless 5-year one, must be cheap. */
static void
test_speed(void **state)
{
	struct cron	 c[3];
	clock_t		 start;
	time_t		 t = utc(2026, 1, 1, 0, 0, 0);
	int		 i;

	(void)state;
	set_tz("Europe/Berlin");
	c[0] = PARSE("0 0 31 2 *");
	c[1] = PARSE("0 0 29 2 1");
	c[2] = PARSE("59 23 31 12 *");
	start = clock();
	for (i = 0; i < 30000; i++)
		(void)cron_next(&c[i % 3], t + i * 3600);
	/* generous: valgrind and sanitizers are slow */
	assert_true((double)(clock() - start) / CLOCKS_PER_SEC < 10.0);
	set_tz("UTC");
}

/*
 * Named zones, taken in turn as a daemon arms tasks of several zones:
 * each zone's offsets are worked out once, not the zone file read again
 * at each switch (that would be two file reads a call).
 */
static void
test_zone_speed(void **state)
{
	static const char *const zones[] = {
		"Europe/Berlin", "America/New_York", "Asia/Tokyo",
		"Australia/Sydney",
	};
	struct cron	 c = PARSE("30 2 * * *");
	clock_t		 start;
	time_t		 t = utc(2026, 1, 1, 0, 0, 0);
	int		 i;

	(void)state;
	set_tz("UTC");
	start = clock();
	for (i = 0; i < 40000; i++)
		(void)cron_next_tz(&c, t + i * 600, zones[i % 4]);
	/* about 40 ms here; a file read per switch is several times more */
	assert_true((double)(clock() - start) / CLOCKS_PER_SEC < 5.0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_star),
		cmocka_unit_test(test_numbers_ranges_steps),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_sunday_seven),
		cmocka_unit_test(test_macros),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_error_handling),
		cmocka_unit_test(test_next_basic),
		cmocka_unit_test(test_next_dom_dow),
		cmocka_unit_test(test_next_month_end),
		cmocka_unit_test(test_next_never),
		cmocka_unit_test(test_dst_berlin),
		cmocka_unit_test(test_dst_new_york),
		cmocka_unit_test(test_dst_skipped_day),
		cmocka_unit_test(test_reference_utc),
		cmocka_unit_test(test_reference_dst),
		cmocka_unit_test(test_speed),
		cmocka_unit_test(test_zone_berlin),
		cmocka_unit_test(test_zone_new_york),
		cmocka_unit_test(test_zone_skipped_day),
		cmocka_unit_test(test_zone_same_as_process),
		cmocka_unit_test(test_zone_unknown),
		cmocka_unit_test(test_zone_check),
		cmocka_unit_test(test_zone_format),
		cmocka_unit_test(test_zone_speed),
	};

	return cmocka_run_group_tests(tests, setup_utc, NULL);
}
