/*
 * test_depgraph.c: the loop search of depgraph.c: loops of every length
 * from 1 (a self loop) up, found whole and in edge order; graphs without
 * one (a chain, a diamond, a forest, a node reached twice) have none;
 * a long chain needs no recursion.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "depgraph.h"

/* Is path[0..len) the loop of nodes want[0..len) up to a rotation? */
static int
same_loop(const size_t *path, size_t len, const size_t *want, size_t n)
{
	size_t	s, i;

	if (len != n)
		return 0;
	for (s = 0; s < n; s++) {
		for (i = 0; i < n && path[(s + i) % n] == want[i]; i++)
			;
		if (i == n)
			return 1;
	}
	return 0;
}

/* Every path[i] -> path[i + 1] (and the last to the first) is an edge. */
static int
edges_hold(const struct depgraph *g, const size_t *path, size_t len)
{
	size_t	i, j, a, b;

	for (i = 0; i < len; i++) {
		a = path[i];
		b = path[(i + 1) % len];
		for (j = 0; j < g->nadj[a] && g->adj[a][j] != b; j++)
			;
		if (j == g->nadj[a])
			return 0;
	}
	return 1;
}

static void
test_self_loop(void **state)
{
	struct depgraph	g;
	size_t		path[3], want[] = { 1 };

	(void)state;
	depgraph_init(&g, 3);
	depgraph_edge(&g, 0, 2);
	depgraph_edge(&g, 1, 1);
	assert_int_equal(depgraph_loop(&g, path), 1);
	assert_true(same_loop(path, 1, want, 1));
	depgraph_free(&g);
}

/* a ring of every length 2..12, entered from a tail */
static void
test_rings(void **state)
{
	struct depgraph	g;
	size_t		n, i, len, path[20], want[20];

	(void)state;
	for (n = 2; n <= 12; n++) {
		depgraph_init(&g, n + 2);
		/* node 0 -> 1 is the tail; the ring is 1 .. n */
		depgraph_edge(&g, 0, 1);
		for (i = 1; i <= n; i++) {
			depgraph_edge(&g, i, i == n ? 1 : i + 1);
			want[i - 1] = i;
		}
		depgraph_edge(&g, n, n + 1);	/* an exit that ends */
		len = depgraph_loop(&g, path);
		assert_int_equal(len, n);
		assert_true(same_loop(path, len, want, n));
		assert_true(edges_hold(&g, path, len));
		depgraph_free(&g);
	}
}

/* a -> b, a -> c, b -> d, c -> d: d is reached twice, no loop */
static void
test_diamond(void **state)
{
	struct depgraph	g;
	size_t		path[4];

	(void)state;
	depgraph_init(&g, 4);
	depgraph_edge(&g, 0, 1);
	depgraph_edge(&g, 0, 2);
	depgraph_edge(&g, 1, 3);
	depgraph_edge(&g, 2, 3);
	assert_int_equal(depgraph_loop(&g, path), 0);
	/* ... and the same edges from the other side first */
	depgraph_free(&g);
	depgraph_init(&g, 4);
	depgraph_edge(&g, 3, 1);
	depgraph_edge(&g, 3, 2);
	depgraph_edge(&g, 1, 0);
	depgraph_edge(&g, 2, 0);
	assert_int_equal(depgraph_loop(&g, path), 0);
	depgraph_free(&g);
}

/* diamonds stacked, a forest, no edges: none; a loop through a diamond */
static void
test_no_loops_and_one(void **state)
{
	struct depgraph	g;
	size_t		path[8];

	(void)state;
	depgraph_init(&g, 8);
	assert_int_equal(depgraph_loop(&g, path), 0);
	depgraph_edge(&g, 0, 1);
	depgraph_edge(&g, 0, 2);
	depgraph_edge(&g, 1, 3);
	depgraph_edge(&g, 2, 3);
	depgraph_edge(&g, 3, 4);
	depgraph_edge(&g, 3, 5);
	depgraph_edge(&g, 4, 6);
	depgraph_edge(&g, 5, 6);
	depgraph_edge(&g, 7, 6);
	assert_int_equal(depgraph_loop(&g, path), 0);
	/* 4 -> 0 closes 0 -> 1 -> 3 -> 4 -> 0 (found through b first) */
	depgraph_edge(&g, 4, 0);
	assert_int_equal(depgraph_loop(&g, path), 4);
	assert_true(edges_hold(&g, path, 4));
	assert_int_equal(path[0], 0);
	assert_int_equal(path[1], 1);
	assert_true(same_loop(path + 1, 3, (size_t[]){ 1, 3, 4 }, 3));
	/* the edge that closed it taken out: none again */
	depgraph_unedge(&g, path[3], path[0]);
	assert_int_equal(depgraph_loop(&g, path), 0);
	depgraph_free(&g);
}

/* 100 000 nodes in a chain, and the chain closed: no deep recursion */
static void
test_long_chain(void **state)
{
	struct depgraph	g;
	size_t		n = 100000, i, *path;

	(void)state;
	path = calloc(n, sizeof(*path));
	assert_non_null(path);
	depgraph_init(&g, n);
	for (i = 0; i + 1 < n; i++)
		depgraph_edge(&g, i, i + 1);
	assert_int_equal(depgraph_loop(&g, path), 0);
	depgraph_edge(&g, n - 1, 0);
	assert_int_equal(depgraph_loop(&g, path), n);
	assert_true(edges_hold(&g, path, n));
	depgraph_free(&g);
	free(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_self_loop),
		cmocka_unit_test(test_rings),
		cmocka_unit_test(test_diamond),
		cmocka_unit_test(test_no_loops_and_one),
		cmocka_unit_test(test_long_chain),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
