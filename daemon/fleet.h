/*
 * fleet.h: maintd among other hosts' maintd, coordinated through etcd
 * (DESIGN §10): membership on a lease, singleton tasks (fleet = once)
 * behind a lock with fencing, rolling windows, a fleet-wide stop-all.
 * Without a fleet section nothing here does anything.  The interface of
 * the fleet's files: fleet.c, fleet_node.c (fleet_on, fleet_trouble,
 * fleet_windows_changed),
 * fleet_kv.c (fleet_forget), fleet_lock.c (fleet_holder, fleet_run),
 * fleet_roll.c (fleet_window_turns).
 */
#ifndef MAINTD_FLEET_H
#define MAINTD_FLEET_H

#include <stdbool.h>
#include <stddef.h>

struct task;
struct json_object;

void	fleet_init(void);
void	fleet_stop(void);
bool	fleet_on(void);
/* The node's view: nodes, locks, halt, windows, connection. */
struct json_object *fleet_status(void);
/* NULL when all is well, else why the fleet part is degraded. */
const char *fleet_trouble(void);
/* Who holds task's lock elsewhere (NULL: nobody, or this node). */
const char *fleet_holder(const char *task);

/* The outcome of a request that goes to etcd: ok, or why not. */
typedef void	(*fleet_done)(bool ok, const char *code, const char *why,
		    void *arg);
/* Take task's lock and start a run (maintctl run): done says how it went. */
void	fleet_run(struct task *, bool dry_run, const char *actor,
	    fleet_done, void *arg);
void	fleet_halt(const char *actor, fleet_done, void *arg);
void	fleet_resume(const char *actor, fleet_done, void *arg);
/* A client that waited has gone: its done must not be called. */
void	fleet_forget(void *arg);

/* This node's rolling windows changed (made or deleted at run time). */
void	fleet_windows_changed(void);
/* A rolling window of this node: whose turn it is (JSON array), or NULL. */
struct json_object *fleet_window_turns(const char *window);

#endif
