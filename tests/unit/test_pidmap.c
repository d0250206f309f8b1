/* test_pidmap.c: pid -> pointer, through growth, tombstones and reuse. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>

#include <cmocka.h>

#include "pidmap.h"

static void
test_put_take(void **state)
{
	struct pidmap	m = { 0 };
	int		a, b;

	(void)state;
	assert_null(pidmap_take(&m, 42));
	pidmap_put(&m, 42, &a);
	pidmap_put(&m, 43, &b);
	assert_ptr_equal(pidmap_take(&m, 42), &a);
	assert_null(pidmap_take(&m, 42));	/* taken once */
	pidmap_put(&m, 43, &a);			/* replaced */
	assert_ptr_equal(pidmap_take(&m, 43), &a);
	pidmap_put(&m, 0, &a);			/* no pid: ignored */
	pidmap_put(&m, -5, &a);
	assert_null(pidmap_take(&m, 0));
	assert_int_equal(m.n, 0);
	pidmap_free(&m);
}

static void
test_forget(void **state)
{
	struct pidmap	m = { 0 };
	int		a, b;

	(void)state;
	pidmap_put(&m, 7, &a);
	pidmap_forget(&m, 7, &b);	/* not b's: kept */
	assert_ptr_equal(pidmap_take(&m, 7), &a);
	pidmap_put(&m, 7, &a);
	pidmap_forget(&m, 7, &a);
	assert_null(pidmap_take(&m, 7));
	pidmap_free(&m);
}

/* 10 000 pids in, then taken and put again many times: none lost. */
static void
test_many(void **state)
{
	struct pidmap	m = { 0 };
	static int	v[10000];
	int		i, round;

	(void)state;
	for (i = 0; i < 10000; i++)
		pidmap_put(&m, 1000 + i, &v[i]);
	assert_int_equal(m.n, 10000);
	for (round = 0; round < 20; round++)
		for (i = round; i < 10000; i += 7) {
			assert_ptr_equal(pidmap_take(&m, 1000 + i), &v[i]);
			pidmap_put(&m, 1000 + i, &v[i]);
		}
	for (i = 0; i < 10000; i++)
		assert_ptr_equal(pidmap_take(&m, 1000 + i), &v[i]);
	assert_int_equal(m.n, 0);
	assert_true(m.cap <= 65536);	/* tombstones do not grow it */
	/* churn on an emptied map: the tombstones are cleared */
	for (i = 0; i < 100000; i++) {
		pidmap_put(&m, 50000 + i, &v[i % 10000]);
		assert_ptr_equal(pidmap_take(&m, 50000 + i), &v[i % 10000]);
	}
	assert_true(m.cap <= 65536);
	pidmap_free(&m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_put_take),
		cmocka_unit_test(test_forget),
		cmocka_unit_test(test_many),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
