/*
 * depgraph.h: a directed graph of tasks by their index, and the search
 * for a loop in it (depgraph.c), pure: conf_deps.c builds one graph per
 * relation (after, requires, chains) and refuses a config with a loop.
 */
#ifndef MAINTD_DEPGRAPH_H
#define MAINTD_DEPGRAPH_H

#include <stddef.h>

struct depgraph {
	size_t		  n;		/* nodes 0 .. n-1 */
	size_t		**adj;		/* adj[i]: the nodes i has an edge to */
	size_t		 *nadj;
};

void	depgraph_init(struct depgraph *, size_t n);
void	depgraph_edge(struct depgraph *, size_t from, size_t to);
/* Take the edge from -> to out again (the first, if it was added twice). */
void	depgraph_unedge(struct depgraph *, size_t from, size_t to);
void	depgraph_free(struct depgraph *);
/*
 * A loop, if there is one: how many nodes it has (0: none), in path
 * (room for n) in the order of the edges, path[0] -> path[1] -> ... ->
 * path[len - 1] -> path[0]; a self loop is one node.  The search starts
 * from node 0, 1, ... and follows edges in the order they were added, so
 * the loop found is always the same for the same graph.  O(nodes +
 * edges), no recursion.
 */
size_t	depgraph_loop(const struct depgraph *, size_t *path);

#endif
