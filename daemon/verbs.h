/* verbs.h: the protocol's verbs: one table drives dispatch, permissions and help. */
#ifndef MAINTD_VERBS_H
#define MAINTD_VERBS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct client;
struct json_object;
struct request;
struct task;

void	verbs_dispatch(struct client *, const char *line, size_t len);
void	verbs_client_gone(struct client *);
void	verbs_obs_client_gone(struct client *);
void	verbs_ctl_client_gone(struct client *);
void	verbs_obs_shutdown(void);

/* Handlers of the changing verbs (verbs_ctl.c). */
void	verb_activate(struct client *, struct request *);
void	verb_deactivate(struct client *, struct request *);
void	verb_run(struct client *, struct request *);
void	verb_stop(struct client *, struct request *);
void	verb_restart(struct client *, struct request *);
void	verb_reopen(struct client *, struct request *);
void	verb_reload(struct client *, struct request *);

/* Handlers of the verbs that look back and watch (verbs_obs.c). */
void	verb_history(struct client *, struct request *);
void	verb_events(struct client *, struct request *);
void	verb_logs(struct client *, struct request *);
void	verb_metrics(struct client *, struct request *);
/* What runs cost (verbs_report.c). */
void	verb_report(struct client *, struct request *);
/* (verbs_ledger.c) */
void	verb_ledger(struct client *, struct request *);
/* (verbs_graph.c); show's edges of t both ways, into o */
void	verb_graph(struct client *, struct request *);
void	verbs_graph_edges(const struct task *, struct json_object *o);
/* (verbs_forecast.c) */
void	verb_plan(struct client *, struct request *);

/* Health and notifications (verbs_health.c). */
void	verb_health(struct client *, struct request *);
void	verb_notify(struct client *, struct request *);
/* (verbs_fleet.c) */
void	verb_fleet(struct client *, struct request *);
void	verbs_fleet_client_gone(struct client *);
void	verb_log(struct client *, struct request *);
void	verbs_health_client_gone(struct client *);
void	verbs_health_shutdown(void);

/* The verbs of the activation model (verbs_plan.c). */
void	verb_stop_all(struct client *, struct request *);
void	verb_resume(struct client *, struct request *);
void	verb_preset(struct client *, struct request *);
void	verb_window(struct client *, struct request *);

/*
 * A task's output to a client (verbs_tail.c); what a scan may cost
 * (verbs_grep.c).
 */
#define VERBS_GREP_RATE	100	/* ms a second a stream may spend matching */
struct verbs_grep;
struct verbs_span {
	int		 n;		/* the last n lines (0: only new ones) */
	double		 since, until;	/* 0: no bound */
	int		 stream;	/* -1 both, 0 stdout, 1 stderr */
};
void	verbs_tail_logs(struct client *, struct task *,
	    const struct verbs_span *, struct verbs_grep *, bool follow);
void	verbs_tail_run(struct client *, struct task *, uint64_t run);
bool	verbs_tail_end(struct client *, struct json_object *result,
	    const char *code, const char *fmt, ...)
	    __attribute__((format(printf, 4, 5)));
void	verbs_tail_client_gone(struct client *);
void	verbs_tail_shutdown(void);
struct verbs_grep *verbs_grep_new(struct client *, const char *pattern);
bool	verbs_grep_match(struct verbs_grep *, const char *text);
bool	verbs_grep_spent(struct verbs_grep *);
void	verbs_grep_free(struct verbs_grep *);
bool	verbs_scan_begin(struct client *);
void	verbs_scan_end(void);
uint64_t verbs_now_us(void);

/* Tokens, who asks, and denials (verbs_auth.c). */
void	verb_auth(struct client *, struct request *);
int	verbs_auth_check(struct client *, const char *verb, struct request *);
const char *verbs_auth_denial(struct client *, const char *what, char *buf,
	    size_t len);
void	verbs_audit_denied(struct client *, const char *what,
	    const char *reason);
void	verbs_audit_denied_tasks(struct client *, const char *what,
	    const char *reason, char *const *tasks, int ntasks);
void	verbs_auth_client_gone(struct client *);

/* Shared by the handlers (verbs_common.c). */
struct plan;
void	verbs_plan_report(struct client *, const struct plan *);
void	verbs_task_line(struct client *, const struct task *, const char *);
void	verbs_plan_apply(struct client *, const struct plan *, int64_t ms,
	    const char *actor);
struct task	**verbs_tasks_named(struct client *, struct request *,
		    size_t *n);
const char	*verbs_actor(struct client *, char *buf, size_t len);
struct task	*verbs_task(struct client *, const char *name);
void		 verbs_deny(struct client *, const char *what);
void		 verbs_deny_tasks(struct client *, const char *what,
		    char *const *tasks, int ntasks);
const char	*verbs_state(const struct task *);
const char	*verbs_waiting(const struct task *, char *buf, size_t len);
struct json_object *verbs_probe_json(struct client *, const struct task *);
struct json_object *verbs_strv(char *const *);
void		 verbs_json(struct client *, const char *key, ...);
int		 verbs_opt_time(struct client *, struct request *,
		    const char *name, double *t);
const char	*verbs_bytes(int64_t, char *buf, size_t len);
struct table;
/*
 * The end of a reply of rows read from the store: -1 (ERR internal sent,
 * tb freed) when the read failed before any row went out; else 0, with
 * tb (NULL for --json) emitted.
 */
int		 verbs_rows_end(struct client *, int rc, size_t n,
		    struct table *tb);

#endif
