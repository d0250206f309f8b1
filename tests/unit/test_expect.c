/*
 * test_expect.c: what a schedule and requirements lead one to expect
 * (expect.c): the ticks of a span, bounded, as the daemon-down rows are
 * made; a requirement's verdict and its words; when a task is late.
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

#include "conf.h"
#include "cron.h"
#include "expect.h"

/* As sched_next(): every, or the cron schedule. */
static time_t
next(const struct task_conf *tc, time_t after)
{
	if (tc->every_ms > 0)
		return after + (time_t)(tc->every_ms / 1000);
	return cron_next(&tc->cron, after);
}

static struct task_conf
every(int64_t s)
{
	struct task_conf	tc;

	memset(&tc, 0, sizeof(tc));
	tc.every_ms = s * 1000;
	return tc;
}

static struct task_conf
cron(const char *expr)
{
	struct task_conf	tc;
	char			err[128];

	memset(&tc, 0, sizeof(tc));
	assert_int_equal(cron_parse(expr, &tc.cron, err, sizeof(err)), 0);
	return tc;
}

/* Three ticks of every = 1s after 100, up to 103: 101, 102, 103. */
static void
test_every_span(void **state)
{
	struct task_conf	tc = every(1);
	struct expect_span	s;
	time_t			v[10];

	(void)state;
	memset(&s, 0, sizeof(s));
	s.v = v;
	s.max = 10;
	expect_ticks(next, &tc, 100, 103, &s);
	assert_int_equal(s.n, 3);
	assert_int_equal(v[0], 101);
	assert_int_equal(v[2], 103);
	assert_int_equal(s.more, 0);
	assert_int_equal(s.last, 103);
	/* after the end of the span: nothing */
	expect_ticks(next, &tc, 103, 103, &s);
	assert_int_equal(s.n, 0);
	assert_int_equal(s.more, 0);
	assert_int_equal(s.last, 0);
}

/* Past max, every is counted by arithmetic, exactly. */
static void
test_every_bounded(void **state)
{
	struct task_conf	tc = every(60);
	struct expect_span	s;
	time_t			v[4];

	(void)state;
	memset(&s, 0, sizeof(s));
	s.v = v;
	s.max = 4;
	/* ticks 60, 120, ... 30 days: 43200 of them */
	expect_ticks(next, &tc, 0, 30 * 86400, &s);
	assert_int_equal(s.n, 4);
	assert_int_equal(v[3], 240);
	assert_int_equal(s.more, 43200 - 4);
	assert_false(s.at_least);
	assert_int_equal(s.last, 30 * 86400);
	/* an end between two ticks */
	expect_ticks(next, &tc, 0, 30 * 86400 - 1, &s);
	assert_int_equal(s.more, 43199 - 4);
	assert_int_equal(s.last, 30 * 86400 - 60);
}

/* cron: counted one by one, and the count stops at a bound. */
static void
test_cron_bounded(void **state)
{
	struct task_conf	tc = cron("0 * * * *");
	struct expect_span	s;
	time_t			v[2];

	(void)state;
	setenv("TZ", "UTC", 1);
	tzset();
	memset(&s, 0, sizeof(s));
	s.v = v;
	s.max = 2;
	/* hours of one day after midnight: 01:00 ... 24:00 */
	expect_ticks(next, &tc, 0, 86400, &s);
	assert_int_equal(s.n, 2);
	assert_int_equal(v[0], 3600);
	assert_int_equal(v[1], 7200);
	assert_int_equal(s.more, 22);
	assert_false(s.at_least);
	assert_int_equal(s.last, 86400);
	/* far more ticks than are counted: a floor */
	tc = cron("* * * * *");
	expect_ticks(next, &tc, 0, (time_t)EXPECT_COUNT_MAX * 61, &s);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.more, EXPECT_COUNT_MAX);
	assert_true(s.at_least);
}

/* A schedule with no more ticks. */
static void
test_never(void **state)
{
	struct task_conf	tc = cron("0 0 30 2 *");
	struct expect_span	s;
	time_t			v[2];

	(void)state;
	memset(&s, 0, sizeof(s));
	s.v = v;
	s.max = 2;
	expect_ticks(next, &tc, 0, 10 * 365 * 86400, &s);
	assert_int_equal(s.n, 0);
	assert_int_equal(s.more, 0);
}

static void
test_requirement(void **state)
{
	char	why[200];

	(void)state;
	why[0] = '\0';
	/* within ok_within, and just at its end */
	assert_int_equal(expect_requirement("backup", 3600 * 1000, 1000, 1000 +
	    60, why, sizeof(why)), 0);
	assert_int_equal(expect_requirement("backup", 3600 * 1000, 1000, 1000 +
	    3600, why, sizeof(why)), 0);
	assert_string_equal(why, "");
	/* a second too late */
	assert_int_equal(expect_requirement("backup", 3600 * 1000, 1000, 1000 +
	    3601, why, sizeof(why)), -1);
	assert_string_equal(why, "backup: last ok 1h00m ago, ok_within 1h00m");
	/* days */
	assert_int_equal(expect_requirement("backup", 26 * 3600 * 1000, 1000,
	    1000 + 2 * 86400 + 3 * 3600, why, sizeof(why)), -1);
	assert_string_equal(why, "backup: last ok 2d3h ago, ok_within 1d2h");
	assert_int_equal(expect_requirement("db", 1000, 0, 1000, why,
	    sizeof(why)), -1);
	assert_string_equal(why, "db: never ran ok");
	/* a success after now (the clock went back) is fresh */
	assert_int_equal(expect_requirement("db", 1000, 5000, 1000, why,
	    sizeof(why)), 0);
}

static void
test_late_at(void **state)
{
	(void)state;
	/* from the activation, or the last success if later */
	assert_int_equal(expect_late_at(1000, 0, 7200 * 1000), 8200);
	assert_int_equal(expect_late_at(1000, 500, 7200 * 1000), 8200);
	assert_int_equal(expect_late_at(1000, 3000, 7200 * 1000), 10200);
	/* a part of a second is a whole one */
	assert_int_equal(expect_late_at(1000, 0, 1500), 1002);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_span),
		cmocka_unit_test(test_every_bounded),
		cmocka_unit_test(test_cron_bounded),
		cmocka_unit_test(test_never),
		cmocka_unit_test(test_requirement),
		cmocka_unit_test(test_late_at),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
