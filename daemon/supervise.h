/*
 * supervise.h: the life of each task: its runs, timeouts and restarts
 * (supervise.c), its activation, the halt and the shutdown (activate.c).
 */
#ifndef MAINTD_SUPERVISE_H
#define MAINTD_SUPERVISE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "task.h"

void	supervise_init(void);
/* Another process of ours (a health probe): cb gets its wait status. */
typedef void	(*child_cb)(pid_t, int status, void *arg);
void	supervise_child(pid_t, child_cb, void *arg);
void	supervise_child_forget(pid_t);
/*
 * actor: who asked ("uid 0", "schedule", "timer", "maintd", ...).  0 the
 * run started, -1 it did not (err), 1 the start gate (the fleet) will
 * start it, or say why not, later.
 */
int	task_start(struct task *, enum trigger, bool dry_run,
	    const char *actor, char *err, size_t errlen);
/*
 * What must agree before a run starts (fleet.c): as task_start() answers;
 * and what hears that a run and all it left are gone.
 */
typedef int	(*start_gate_fn)(struct task *, enum trigger, bool dry_run,
		    const char *actor, char *err, size_t errlen);
typedef void	(*run_gone_fn)(struct task *);
void	supervise_gate(start_gate_fn, run_gone_fn);
int	task_stop(struct task *, const char *actor);
int	task_activate(struct task *, int64_t for_ms, const char *actor);
time_t	task_set_until(struct task *, int64_t ms, const char *actor);
void	task_deactivate(struct task *, const char *actor);
int	task_restart(struct task *, const char *actor, char *err,
	    size_t errlen);
/* Health probes failed a service: stop it, and restart it as after a
 * crash (backoff, restart_limit); ever_ok: one of its probes passed. */
int	supervise_health_restart(struct task *, bool ever_ok, char *err,
	    size_t errlen);
void	supervise_shutdown(void);
/* The emergency stop: every task deactivated, every run stopped, nothing
 * started until supervise_resume(). */
void	supervise_halt(const char *actor);
void	supervise_resume(const char *actor);
void	supervise_free(void);
/* A reload removed the task (out of md.tasks): stop it, then free it. */
void	task_retire(struct task *);
size_t	supervise_running(void);
/* At start-up: each task's last run from the store (one query). */
void	supervise_load_last(void);
void	supervise_title(void);

/* What activate.c asks of supervise.c. */
void	supervise_runs_init(void);
void	supervise_runs_free(void);
void	supervise_task_init(struct task *);
/* The run has gone (or could not start): what comes next (a restart...). */
void	supervise_finish(struct task *);
/* A retired task whose run has ended: freed. */
void	supervise_forget(struct task *);

#endif
