/*
 * fleet_lock.h: singleton tasks (fleet = once) behind a lock on the
 * node's lease, services standing by, and fencing (fleet_lock.c).
 */
#ifndef MAINTD_FLEET_LOCK_H
#define MAINTD_FLEET_LOCK_H

#include <stdbool.h>

/* task_start() asks the lock first (supervise_gate), from now on. */
void	fleet_lock_start(void);
void	fleet_lock_stop(void);
/* Stop the fleet runs: their lock is, or may be, another's now. */
void	fleet_lock_fence(const char *why);
/* Keys of this node left on an older lease: delete them. */
void	fleet_lock_drop_stale(void);
/* Active services that stand by: take over a lock that is free. */
void	fleet_lock_standby(void);
/* Locks held for runs that are over, or by no run: let them go. */
void	fleet_lock_check(void);
/* A lock key came, changed or went (as watched). */
void	fleet_lock_changed(const char *key, bool deleted);
/* The keys were read again: is each lock we hold still ours? */
void	fleet_lock_reread(void);
/* Read the locks this node holds: each still on its lease, or fenced. */
void	fleet_lock_verify(void);

#endif
