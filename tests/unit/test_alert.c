/*
 * test_alert.c: a notify endpoint's alert policies (alert.c):
 * after_failures, repeat, recovery, manual, and the old behaviour
 * without them.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>

#include <cmocka.h>

#include "alert.h"
#include "conf.h"

static struct notify_conf
policy(int after, bool recovery, bool manual, int64_t repeat_ms)
{
	struct notify_conf	nc;

	memset(&nc, 0, sizeof(nc));
	nc.after_failures = after;
	nc.recovery = recovery;
	nc.manual = manual;
	nc.repeat_ms = repeat_ms;
	return nc;
}

static void
test_kinds(void **state)
{
	(void)state;
	assert_int_equal(alert_kind("run-failed"), AK_FAIL);
	assert_int_equal(alert_kind("run-timeout"), AK_FAIL);
	assert_int_equal(alert_kind("run-error"), AK_FAIL);
	assert_int_equal(alert_kind("run-ok"), AK_OK);
	assert_int_equal(alert_kind("recovered"), AK_RECOVERED);
	assert_int_equal(alert_kind("late"), AK_LATE);
	assert_int_equal(alert_kind("run-stopped"), AK_OTHER);
	assert_int_equal(alert_kind("activated"), AK_OTHER);
}

/* No policy: every failure the endpoint subscribes to, as before. */
static void
test_no_policy(void **state)
{
	struct notify_conf	nc = policy(0, false, true, 0);
	struct alert_memo	m;

	(void)state;
	memset(&m, 0, sizeof(m));
	assert_int_equal(alert_decide(&nc, true, &m, AK_FAIL, false, 0),
	    AV_SEND);
	assert_int_equal(alert_decide(&nc, true, &m, AK_FAIL, false, 0),
	    AV_SEND);
	assert_int_equal(alert_decide(&nc, false, &m, AK_FAIL, false, 0),
	    AV_SKIP);
	/* recovered only when asked for by name */
	assert_int_equal(alert_decide(&nc, false, &m, AK_RECOVERED, false, 0),
	    AV_SKIP);
	assert_int_equal(alert_decide(&nc, true, &m, AK_RECOVERED, false, 0),
	    AV_SEND);
}

/* after_failures = 3: once, on the third; again after a success. */
static void
test_after_failures(void **state)
{
	struct notify_conf	nc = policy(3, false, true, 0);
	struct alert_memo	m;
	int			i;

	(void)state;
	memset(&m, 0, sizeof(m));
	assert_int_equal(alert_decide(&nc, true, &m, AK_FAIL, false, 0),
	    AV_SKIP);
	assert_int_equal(alert_decide(&nc, true, &m, AK_FAIL, false, 0),
	    AV_SKIP);
	assert_int_equal(alert_decide(&nc, true, &m, AK_FAIL, false, 0),
	    AV_ALERT);
	for (i = 0; i < 10; i++)
		assert_int_equal(alert_decide(&nc, true, &m, AK_FAIL, false,
		    1000000), AV_SKIP);
	/* a success: the streak starts again */
	assert_int_equal(alert_decide(&nc, false, &m, AK_OK, false, 0),
	    AV_SKIP);
	assert_int_equal(alert_decide(&nc, false, &m, AK_RECOVERED, false, 0),
	    AV_SKIP);
	assert_true(alert_memo_empty(&m));
	assert_int_equal(alert_decide(&nc, true, &m, AK_FAIL, false, 0),
	    AV_SKIP);
	assert_int_equal(alert_decide(&nc, true, &m, AK_FAIL, false, 0),
	    AV_SKIP);
	assert_int_equal(alert_decide(&nc, true, &m, AK_FAIL, false, 0),
	    AV_ALERT);
}

/* repeat: a reminder per interval while failures go on. */
static void
test_repeat(void **state)
{
	struct notify_conf	nc = policy(2, false, true, 1000);
	struct alert_memo	m;

	(void)state;
	memset(&m, 0, sizeof(m));
	assert_int_equal(alert_decide(&nc, true, &m, AK_FAIL, false, 0),
	    AV_SKIP);
	assert_int_equal(alert_decide(&nc, true, &m, AK_FAIL, false, 100),
	    AV_ALERT);
	assert_int_equal(alert_decide(&nc, true, &m, AK_FAIL, false, 600),
	    AV_SKIP);
	assert_int_equal(alert_decide(&nc, true, &m, AK_FAIL, false, 1100),
	    AV_REMIND);
	assert_int_equal(alert_decide(&nc, true, &m, AK_FAIL, false, 1500),
	    AV_SKIP);
	assert_int_equal(alert_decide(&nc, true, &m, AK_FAIL, false, 2100),
	    AV_REMIND);
	/* repeat alone: the first failure is told, then reminders */
	nc = policy(0, false, true, 1000);
	memset(&m, 0, sizeof(m));
	assert_int_equal(alert_decide(&nc, true, &m, AK_FAIL, false, 0),
	    AV_ALERT);
	assert_int_equal(alert_decide(&nc, true, &m, AK_FAIL, false, 10),
	    AV_SKIP);
	assert_int_equal(alert_decide(&nc, true, &m, AK_FAIL, false, 1000),
	    AV_REMIND);
}

/* recovery: recovered is sent when the failure was told, once. */
static void
test_recovery(void **state)
{
	struct notify_conf	nc = policy(2, true, true, 0);
	struct alert_memo	m;

	(void)state;
	memset(&m, 0, sizeof(m));
	/* one failure, never told: no recovered */
	assert_int_equal(alert_decide(&nc, true, &m, AK_FAIL, false, 0),
	    AV_SKIP);
	assert_int_equal(alert_decide(&nc, false, &m, AK_OK, false, 0),
	    AV_SKIP);
	assert_int_equal(alert_decide(&nc, false, &m, AK_RECOVERED, false, 0),
	    AV_SKIP);
	/* told, then recovered */
	assert_int_equal(alert_decide(&nc, true, &m, AK_FAIL, false, 0),
	    AV_SKIP);
	assert_int_equal(alert_decide(&nc, true, &m, AK_FAIL, false, 0),
	    AV_ALERT);
	assert_int_equal(alert_decide(&nc, false, &m, AK_RECOVERED, false, 0),
	    AV_ALERT);
	assert_int_equal(alert_decide(&nc, false, &m, AK_RECOVERED, false, 0),
	    AV_SKIP);
	/* late told: recovered follows */
	assert_int_equal(alert_decide(&nc, true, &m, AK_LATE, false, 0),
	    AV_ALERT);
	assert_int_equal(alert_decide(&nc, false, &m, AK_RECOVERED, false, 0),
	    AV_ALERT);
	/* late not subscribed: nothing told, nothing to recover from */
	assert_int_equal(alert_decide(&nc, false, &m, AK_LATE, false, 0),
	    AV_SKIP);
	assert_int_equal(alert_decide(&nc, false, &m, AK_RECOVERED, false, 0),
	    AV_SKIP);
}

/* manual = false: runs by hand send nothing and do not count. */
static void
test_manual(void **state)
{
	struct notify_conf	nc = policy(2, true, false, 0);
	struct alert_memo	m;

	(void)state;
	memset(&m, 0, sizeof(m));
	assert_int_equal(alert_decide(&nc, true, &m, AK_FAIL, true, 0),
	    AV_SKIP);
	assert_int_equal(alert_decide(&nc, true, &m, AK_FAIL, true, 0),
	    AV_SKIP);
	assert_int_equal(m.fails, 0);
	assert_int_equal(alert_decide(&nc, true, &m, AK_OTHER, true, 0),
	    AV_SKIP);
	assert_int_equal(alert_decide(&nc, true, &m, AK_OK, true, 0), AV_SKIP);
	/* scheduled ones do */
	assert_int_equal(alert_decide(&nc, true, &m, AK_FAIL, false, 0),
	    AV_SKIP);
	assert_int_equal(alert_decide(&nc, true, &m, AK_FAIL, false, 0),
	    AV_ALERT);
	/* a success by hand ends the streak without a note */
	assert_int_equal(alert_decide(&nc, false, &m, AK_RECOVERED, true, 0),
	    AV_SKIP);
	assert_true(alert_memo_empty(&m));
	/* manual = true (the default): runs by hand are like any */
	nc = policy(0, false, true, 0);
	assert_int_equal(alert_decide(&nc, true, &m, AK_FAIL, true, 0),
	    AV_SEND);
	assert_int_equal(alert_decide(&nc, true, &m, AK_OTHER, true, 0),
	    AV_SEND);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kinds),
		cmocka_unit_test(test_no_policy),
		cmocka_unit_test(test_after_failures),
		cmocka_unit_test(test_repeat),
		cmocka_unit_test(test_recovery),
		cmocka_unit_test(test_manual),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
