/*
 * depgraph.c: a directed graph and the search for a loop in it: a depth
 * first search with an explicit stack (a long chain of tasks must not
 * use up the C stack); an edge to a node still on the stack closes a
 * loop, which is the stack from that node up.
 */
#include <stdlib.h>
#include <string.h>

#include "depgraph.h"
#include "util.h"

void
depgraph_init(struct depgraph *g, size_t n)
{
	g->n = n;
	g->adj = xcalloc(n + 1, sizeof(*g->adj));
	g->nadj = xcalloc(n + 1, sizeof(*g->nadj));
}

void
depgraph_edge(struct depgraph *g, size_t from, size_t to)
{
	g->adj[from] = xreallocarray(g->adj[from], g->nadj[from] + 1,
	    sizeof(**g->adj));
	g->adj[from][g->nadj[from]++] = to;
}

void
depgraph_unedge(struct depgraph *g, size_t from, size_t to)
{
	size_t	i;

	for (i = 0; i < g->nadj[from]; i++)
		if (g->adj[from][i] == to) {
			memmove(&g->adj[from][i], &g->adj[from][i + 1],
			    (g->nadj[from] - i - 1) * sizeof(**g->adj));
			g->nadj[from]--;
			return;
		}
}

void
depgraph_free(struct depgraph *g)
{
	size_t	i;

	for (i = 0; i < g->n; i++)
		free(g->adj[i]);
	free(g->adj);
	free(g->nadj);
	g->adj = NULL;
	g->nadj = NULL;
	g->n = 0;
}

enum { WHITE, GREY, BLACK };	/* not seen, on the stack, done */

size_t
depgraph_loop(const struct depgraph *g, size_t *path)
{
	unsigned char	*color;
	size_t		*stack, *next, depth, root, v, w, i, len = 0;

	color = xcalloc(g->n + 1, 1);
	stack = xcalloc(g->n + 1, sizeof(*stack));
	next = xcalloc(g->n + 1, sizeof(*next));	/* the edge to follow */
	for (root = 0; root < g->n && len == 0; root++) {
		if (color[root] != WHITE)
			continue;
		depth = 0;
		stack[depth++] = root;
		color[root] = GREY;
		next[root] = 0;
		while (depth > 0 && len == 0) {
			v = stack[depth - 1];
			if (next[v] == g->nadj[v]) {
				color[v] = BLACK;
				depth--;
				continue;
			}
			w = g->adj[v][next[v]++];
			if (color[w] == GREY) {
				/* the loop is the stack from w up to v */
				for (i = 0; stack[i] != w; i++)
					;
				for (; i < depth; i++)
					path[len++] = stack[i];
			} else if (color[w] == WHITE) {
				color[w] = GREY;
				next[w] = 0;
				stack[depth++] = w;
			}
		}
	}
	free(color);
	free(stack);
	free(next);
	return len;
}
