/*
 * ledger.h: the expected-run ledger (an outcome for every tick a
 * periodic task's schedule implied while it was active) and the
 * dead-man, late_after (ledger.c).
 */
#ifndef MAINTD_LEDGER_H
#define MAINTD_LEDGER_H

#include <stdint.h>
#include <time.h>

#include "expect.h"

struct run;
struct task;

void	ledger_init(void);
/*
 * At start-up, once: each task the last daemon left active gets a
 * daemon-down row for every tick its schedule (next) implied between
 * the last tick the ledger has of it and now.
 */
void	ledger_down(expect_next_fn next);
/* Shutting down: a tick whose outcome was to come missed it. */
void	ledger_stop(void);

/*
 * A tick of t came (its time, without jitter) and its outcome is still
 * to come: the task's open tick (t->tick_open), closed by the start of a
 * scheduled run (ran), by ledger_missed(), or by a deactivation (then
 * its reason is t->wait_code if it waits, so a new kind of wait sets
 * t->wait_code to its reason: "after-timeout" for after).
 */
void	ledger_tick(struct task *, time_t tick);
/*
 * The outcome of a tick (the open one, or one that was never open): it
 * ran as run, or it was missed for reason ("daemon-down", "halted",
 * "window-closed", "budget", "conflict", "guard", "held", "overlap",
 * "requires", "after-timeout") with detail (why, in words).  A tick that
 * has an outcome keeps it; tick 0 is none.
 */
void	ledger_ran(struct task *, time_t tick, uint64_t run);
void	ledger_missed(struct task *, time_t tick, const char *reason,
	    const char *detail);
/* A run of t ended (after its run-* event): successes, failures in a
 * row, recovered. */
void	ledger_run_ended(struct task *, const struct run *);

#endif
