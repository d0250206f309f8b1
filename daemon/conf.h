/* conf.h: the configuration file (DESIGN §4), loaded and validated as a whole. */
#ifndef MAINTD_CONF_H
#define MAINTD_CONF_H

#include <sys/types.h>
#include <sys/resource.h>
#include <stdbool.h>
#include <stdint.h>

#include "cgroup.h"
#include "cron.h"

enum task_kind { KIND_ONESHOT, KIND_PERIODIC, KIND_SERVICE };
enum task_output { OUTPUT_FILE, OUTPUT_SYSLOG, OUTPUT_DISCARD };
enum task_restart { RESTART_ALWAYS, RESTART_ON_FAILURE, RESTART_NEVER };

enum limit_kind {
	LIM_CPU, LIM_MEMORY, LIM_NOFILE, LIM_NPROC, LIM_FSIZE, LIM_CORE, LIM_MAX
};

struct task_limits {
	bool		 set[LIM_MAX];
	uint64_t	 value[LIM_MAX];	/* cpu in seconds, sizes in bytes */
};

struct task_health {
	char		*url;
	char		**command;	/* argv, NULL-terminated; empty: url */
	int64_t		 interval_ms;
	int64_t		 timeout_ms;
	int64_t		 start_period_ms;
	int		 failures;
	int		 expect_status;	/* 0: any 2xx */
	bool		 restart;
	bool		 follow_redirects;	/* else a 3xx is a failure */
};

/*
 * One condition of start_when: "load1 < 4.0", "mem_available > 512M",
 * "disk_free(/var) > 10G" (or 15%), "pressure(io) < 20", "uptime > 10m".
 */
enum guard_metric {
	GM_LOAD1, GM_LOAD5, GM_LOAD15, GM_MEM_AVAILABLE, GM_DISK_FREE,
	GM_PRESSURE_CPU, GM_PRESSURE_MEMORY, GM_PRESSURE_IO, GM_UPTIME,
	GM_NMETRICS
};
enum guard_op { GO_LT, GO_LE, GO_GT, GO_GE };

struct guard_cond {
	enum guard_metric metric;
	enum guard_op	  op;
	double		  value;	/* load, bytes, %, or seconds */
	bool		  percent;	/* disk_free: value is a % */
	char		  path[256];	/* disk_free: its file system */
};

struct guard {
	struct guard_cond *cond;	/* all must hold */
	size_t		   n;
};

/* requires { task = "backup"  ok_within = 26h }: one block each. */
struct requirement {
	char		*task;
	int64_t		 ok_within_ms;
	int		 line;
};

struct task_conf {
	char		*name;
	char		*file;		/* where it is defined */
	int		 line;
	char		*key;		/* in a JSON manifest: its key, else NULL */
	int		 conflicts_line;
	int		 fleet_line;	/* for errors found after the parse */
	int		 cg_line[5];	/* memory_max ... io_weight */
	char		*description;
	char		**argv;		/* NULL-terminated */
	bool		 shell;
	char		*user;		/* NULL: the daemon's user */
	char		*group;
	uid_t		 uid;
	gid_t		 gid;
	bool		 allow_root;
	char		*directory;
	char		**environment;	/* "NAME=value", NULL-terminated */
	char		**tags;
	enum task_kind	 kind;
	char		*schedule;	/* as written */
	struct cron	 cron;
	char		*timezone;	/* of the schedule; NULL: the daemon's */
	int64_t		 every_ms;	/* 0: none */
	int64_t		 timeout_ms;	/* 0: none */
	int		 kill_signal;
	int		 weight;
	char		**conflicts;
	int64_t		 auto_deactivate_ms;	/* -1: the global default */
	bool		 dry_run;
	enum task_output output;
	bool		 merged_streams;	/* output_streams = merged: one pipe */
	int		 nice;
	mode_t		 umask;
	struct task_limits limits;
	bool		 has_health;
	struct task_health health;
	struct guard	 start_when;	/* its own, or the global one */
	enum task_restart restart;
	int64_t		 backoff_min_ms;
	int64_t		 backoff_max_ms;
	int		 restart_limit;	/* quick crashes before failed; 0: never */
	int64_t		 jitter_ms;	/* 0: none */
	bool		 catch_up;
	bool		 overlap_queue;	/* overlap = queue (else skip) */
	bool		 restart_on_change;	/* a reload that changes it */
	struct cg_limits cg;		/* memory_max, cpu_max, ... */
	bool		 fleet_once;	/* fleet = "once" */
	bool		 fleet_keep;	/* fleet_lost = "keep" */
	int64_t		 late_after_ms;	/* the dead-man: 0 none */
	char		*runbook;	/* a line of text or a URL; NULL */
	struct requirement *requires;
	size_t		 nrequires;
	char		**after;	/* start after these end (or, for a
					   service, once these services run) */
	char		**on_success;	/* chains: run these after a run */
	char		**on_failure;	/* ... that succeeded, that failed */
	int		 after_line, on_success_line, on_failure_line;
};

struct preset_conf {
	char		*name;
	char		*description;
	char		**tasks;
	char		**tags;
	char		*file;
	int		 line, tasks_line;
};

struct window_conf {
	char		*name;
	char		*preset;
	char		*schedule;
	struct cron	 cron;
	char		*timezone;	/* of the schedule; NULL: the daemon's */
	int64_t		 duration_ms;
	bool		 rolling;	/* fleet = "rolling" */
	int		 max_parallel;
	int64_t		 slot_ms;	/* 0: the rest of the window */
	char		*file;
	int		 line, preset_line;
};

/* fleet { }: where the other daemons are (etcd). */
struct fleet_conf {
	bool		 on;		/* the section is there */
	char		**endpoints;
	char		*prefix;
	char		*node;
	int64_t		 ttl_ms, timeout_ms;
	char		*cacert, *cert, *key;
};

struct notify_conf {
	char		*name;
	char		*url;
	char		**events;	/* names, or "*" */
	char		**headers;	/* "Name: value" */
	char		*secret;	/* NULL: no signature */
	int64_t		 timeout_ms;
	int64_t		 throttle_ms;
	int		 retries;
	int		 line;
	/* alert policies (notify.c, alert.c) */
	int		 after_failures;	/* 0: every failure */
	bool		 recovery;	/* send recovered after a failure told */
	bool		 manual;	/* notes for runs started by hand */
	int64_t		 repeat_ms;	/* reminders while it fails; 0 none */
};

/* token NAME { }: a bearer token's role, the token kept as its hash only. */
enum token_role { ROLE_READ, ROLE_OPERATE, ROLE_ADMIN };
#define TOKEN_DIGEST_LEN	32	/* SHA-256 */

struct token_conf {
	char		*name;
	unsigned char	 digest[TOKEN_DIGEST_LEN];
	enum token_role	 role;
	char		**tasks;	/* fnmatch globs of operate; empty: all */
	char		*file;
	int		 line;
};

struct config {
	char		*path;
	char		*socket;
	mode_t		 socket_mode;
	char		*socket_group;
	gid_t		 socket_gid;	/* (gid_t)-1: unset */
	char		*admin_group;
	gid_t		 admin_gid;	/* (gid_t)-1: unset */
	char		*pidfile;
	char		*database;
	char		*log_dir;
	int		 syslog_facility;
	int		 max_weight;
	int64_t		 kill_grace_ms;
	int64_t		 auto_deactivate_ms;
	int64_t		 history_retention_ms;
	char		**discover;
	char		*discover_tag;
	int64_t		 discover_interval_ms;
	int64_t		 discover_settle_ms;
	char		**discovered;	/* the files discover found and read */
	char		*default_user;	/* "user": of tasks that name none */
	char		*metrics_file;
	int		 max_clients;
	int64_t		 client_timeout_ms;
	char		*path_env;	/* PATH given to tasks */
	struct guard	 start_when;	/* the default of tasks */
	char		*lang;		/* LANG given to tasks; NULL: none */
	char		*cgroup;	/* "auto", "off" or a directory */
	struct fleet_conf fleet;

	struct task_conf	*tasks;
	size_t			 ntasks;
	struct preset_conf	*presets;
	size_t			 npresets;
	struct window_conf	*windows;
	size_t			 nwindows;
	struct notify_conf	*notifies;
	size_t			 nnotifies;
	struct token_conf	*tokens;
	size_t			 ntokens;
};

/*
 * The main file and what its discover globs find.  Errors are
 * "file:line: message" strings, NULL-terminated; with lenient (at
 * start-up) a bad discovered file is left out, its errors in *warnings,
 * instead of failing the load.
 */
struct config	*conf_load(const char *path, bool lenient, char ***errors,
		    char ***warnings);
void		 conf_free(struct config *);
void		 task_conf_free(struct task_conf *);	/* its members */
struct task_conf *conf_task(const struct config *, const char *name);
/*
 * after, on_success and on_failure name tasks that exist and may be
 * named so, and none of after, requires or the chains has a loop
 * (conf_deps.c); errors as file:line.  The files where errors are, a
 * NULL-terminated vector (free it), or NULL.
 */
char		**conf_deps_check(const struct config *,
		    struct task_conf **byname);
/* The tasks sorted by name, ties in file order (free() it), and the
 * first of a name in it, in O(log n). */
struct task_conf **conf_byname(const struct config *);
struct task_conf *conf_byname_find(struct task_conf **, size_t,
		    const char *name);
/* Do a and b define the same task (where they are written aside)? */
bool		 conf_task_same(const struct task_conf *a,
		    const struct task_conf *b);
/* Task, preset, window names: letters, digits, - _ . (at most 64). */
int		 conf_valid_name(const char *);
/* "METRIC OP VALUE" of start_when; -1 with the reason in err. */
int		 conf_parse_cond(const char *, struct guard_cond *, char *err,
		    size_t len);
const char	*guard_metric_name(enum guard_metric);
const char	*guard_op_name(enum guard_op);
const char	*guard_resource(enum guard_metric);
const char	*kind_name(enum task_kind);
const char	*output_name(enum task_output);
const char	*restart_name(enum task_restart);
const char	*token_role_name(enum token_role);
/* The token sections of cfg (conf_token.c); errors as file:line. */
struct cfg_t;
void		 conf_tokens_load(struct config *, struct cfg_t *,
		    const char *file);
void		 conf_tokens_free(struct config *);
/* Take out the tokens the files (NULL-terminated) defined. */
void		 conf_tokens_drop(struct config *, char *const *files);
const struct token_conf *conf_token(const struct config *, const char *name);

#endif
