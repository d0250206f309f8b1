/*
 * fleet_node.h: this node in the fleet (fleet_node.c): its lease and its
 * key, the connection to etcd, and the check that runs after a change.
 * What fleet_node.c must tell the files above it goes through the hooks
 * fleet.c gives it.
 */
#ifndef MAINTD_FLEET_NODE_H
#define MAINTD_FLEET_NODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FLEET_BACKOFF_MIN_MS	500

/* What the node tells the rest of the fleet (each may be NULL). */
struct fleet_node_hooks {
	void	(*up)(void);			/* in the fleet, keys read again */
	void	(*lost)(const char *why);	/* the lease is, or may be, gone */
	void	(*changed)(const char *key, bool deleted);	/* watched */
	void	(*check)(void);			/* fleet_node_check() is due */
	void	(*renewed)(void);		/* the lease, every ttl/3 */
};

void	fleet_node_start(const struct fleet_node_hooks *);
void	fleet_node_stop(void);
bool	fleet_node_up(void);
int64_t	fleet_node_lease(void);
/* Connected, and the lease surely alive; else why not. */
bool	fleet_usable(char *why, size_t len);
/* Run the check hook in ms (0: at the loop's next turn). */
void	fleet_node_check(uint64_t ms);
/*
 * For fleet status: "connected", "connecting", "disconnected", or
 * "refused" (the node's name is another maintd's).
 */
const char *fleet_node_state(void);
/* Why the node is not connected ("" when it is). */
const char *fleet_node_why(void);
/* The lease's time left, in ms (0: none). */
int64_t	fleet_node_lease_left(void);

#endif
