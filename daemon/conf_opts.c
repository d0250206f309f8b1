/*
 * conf_opts.c: every option of maintd.conf, one row each: the section it
 * is allowed in, its libconfuse definition (type and default), and the
 * validator of its values (conf_valid.c).  The rows make libconfuse's
 * option arrays, and each value is checked while it is parsed, so its
 * error carries its file and line.  Adding an option is one row (and its
 * validator in conf_valid.c if none fits), plus what conf.c does with
 * the value.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "conf_err.h"
#include "conf_opts.h"
#include "conf_secret.h"
#include "conf_valid.h"
#include "log.h"
#include "util.h"

struct row {
	const char	*section;
	cfg_opt_t	 opt;
	validator	 check;
};

/* The options. */

#define MAXOPTS		64
static cfg_opt_t	limits_opts[MAXOPTS], health_opts[MAXOPTS];
static cfg_opt_t	requires_opts[MAXOPTS];
static cfg_opt_t	dropin_opts[MAXOPTS];
static cfg_opt_t	task_opts[MAXOPTS], preset_opts[MAXOPTS];
static cfg_opt_t	window_opts[MAXOPTS], notify_opts[MAXOPTS];
static cfg_opt_t	root_opts[MAXOPTS], fleet_opts[MAXOPTS];
static cfg_opt_t	token_opts[MAXOPTS];

#define SECTION_FLAGS	(CFGF_MULTI | CFGF_TITLE)
#define ND		CFGF_NODEFAULT

static const struct row rows[] = {
	{ "root", CFG_STR("socket", NULL, ND), valid_abspath },
	{ "root", CFG_STR("socket_mode", "0660", CFGF_NONE), valid_mode },
	{ "root", CFG_STR("socket_group", "", CFGF_NONE), valid_group },
	{ "root", CFG_STR("admin_group", "", CFGF_NONE), valid_group },
	{ "root", CFG_STR("pidfile", NULL, ND), valid_abspath },
	{ "root", CFG_STR("database", NULL, ND), valid_abspath },
	{ "root", CFG_STR("log_dir", NULL, ND), valid_abspath },
	{ "root", CFG_STR("syslog_facility", "daemon", CFGF_NONE), valid_facility },
	{ "root", CFG_INT("max_weight", 8, CFGF_NONE), valid_weight },
	{ "root", CFG_STR("kill_grace", "10s", CFGF_NONE), valid_duration },
	{ "root", CFG_STR("auto_deactivate", "0", CFGF_NONE), valid_duration },
	{ "root", CFG_STR("history_retention", "30d", CFGF_NONE), valid_duration },
	{ "root", CFG_STR_LIST("discover", NULL, ND), valid_nonempty },
	{ "root", CFG_STR("discover_tag", "maintenance", CFGF_NONE), NULL },
	{ "root", CFG_STR("discover_interval", "60s", CFGF_NONE), valid_duration },
	{ "root", CFG_STR("discover_settle", "1s", CFGF_NONE), valid_duration },
	{ "root", CFG_STR("metrics_file", "", CFGF_NONE), NULL },
	{ "root", CFG_INT("max_clients", 64, CFGF_NONE), valid_posint },
	{ "root", CFG_STR("client_timeout", "60s", CFGF_NONE), valid_duration },
	{ "root", CFG_STR("user", NULL, ND), valid_user },
	{ "root", CFG_STR("path", "/usr/local/sbin:/usr/local/bin:/usr/sbin:"
	    "/usr/bin:/sbin:/bin", CFGF_NONE), valid_nonempty },
	{ "root", CFG_STR("lang", NULL, ND), NULL },
	{ "root", CFG_STR_LIST("start_when", NULL, ND), valid_cond },
	{ "root", CFG_STR("cgroup", "auto", CFGF_NONE), valid_cgroup },
	{ "root", CFG_SEC("task", task_opts, SECTION_FLAGS), NULL },
	{ "root", CFG_SEC("preset", preset_opts, SECTION_FLAGS), NULL },
	{ "root", CFG_SEC("window", window_opts, SECTION_FLAGS), NULL },
	{ "root", CFG_SEC("notify", notify_opts, SECTION_FLAGS), NULL },
	{ "root", CFG_SEC("fleet", fleet_opts, ND), NULL },
	{ "root", CFG_SEC("token", token_opts, SECTION_FLAGS), NULL },

	{ "fleet", CFG_STR_LIST("endpoints", NULL, ND), valid_url },
	{ "fleet", CFG_STR("prefix", "/maintd/", CFGF_NONE), valid_prefix },
	{ "fleet", CFG_STR("node", NULL, ND), valid_name },
	{ "fleet", CFG_STR("ttl", "10s", CFGF_NONE), valid_duration },
	{ "fleet", CFG_STR("timeout", "2s", CFGF_NONE), valid_duration },
	{ "fleet", CFG_STR("cacert", NULL, ND), valid_abspath },
	{ "fleet", CFG_STR("cert", NULL, ND), valid_abspath },
	{ "fleet", CFG_STR("key", NULL, ND), valid_abspath },

	/* a drop-in file of discover: sections only */
	{ "dropin", CFG_SEC("task", task_opts, SECTION_FLAGS), NULL },
	{ "dropin", CFG_SEC("preset", preset_opts, SECTION_FLAGS), NULL },
	{ "dropin", CFG_SEC("window", window_opts, SECTION_FLAGS), NULL },
	{ "dropin", CFG_SEC("token", token_opts, SECTION_FLAGS), NULL },

	{ "task", CFG_STR("description", "", CFGF_NONE), NULL },
	{ "task", CFG_STR_LIST("command", NULL, ND), valid_command },
	{ "task", CFG_BOOL("shell", cfg_false, CFGF_NONE), NULL },
	{ "task", CFG_STR("user", NULL, ND), valid_user },
	{ "task", CFG_STR("group", NULL, ND), valid_group },
	{ "task", CFG_BOOL("allow_root", cfg_false, CFGF_NONE), NULL },
	{ "task", CFG_STR("directory", "/", CFGF_NONE), valid_abspath },
	{ "task", CFG_STR_LIST("environment", NULL, ND), valid_env },
	{ "task", CFG_STR_LIST("tags", NULL, ND), valid_name },
	{ "task", CFG_STR("kind", NULL, ND), valid_kind },
	{ "task", CFG_STR("schedule", NULL, ND), valid_cron },
	{ "task", CFG_STR("every", NULL, ND), valid_duration },
	{ "task", CFG_STR("timezone", NULL, ND), valid_timezone },
	{ "task", CFG_STR("timeout", "0", CFGF_NONE), valid_duration },
	{ "task", CFG_STR("kill_signal", "TERM", CFGF_NONE), valid_signal },
	{ "task", CFG_INT("weight", 1, CFGF_NONE), valid_weight },
	{ "task", CFG_STR_LIST("conflicts", NULL, ND), valid_name },
	{ "task", CFG_STR("auto_deactivate", NULL, ND), valid_duration },
	{ "task", CFG_BOOL("dry_run", cfg_false, CFGF_NONE), NULL },
	{ "task", CFG_STR("output", "file", CFGF_NONE), valid_output },
	{ "task", CFG_STR("output_streams", "separate", CFGF_NONE),
	    valid_output_streams },
	{ "task", CFG_INT("nice", 0, CFGF_NONE), valid_nice },
	{ "task", CFG_STR("umask", "0022", CFGF_NONE), valid_mode },
	{ "task", CFG_SEC("limits", limits_opts, CFGF_NONE), NULL },
	{ "task", CFG_SEC("health", health_opts, ND), NULL },
	{ "task", CFG_STR("restart", "on-failure", CFGF_NONE), valid_restart },
	{ "task", CFG_STR_LIST("backoff", NULL, ND), valid_duration },
	{ "task", CFG_INT("restart_limit", 5, CFGF_NONE), valid_count },
	{ "task", CFG_STR("jitter", "0", CFGF_NONE), valid_duration },
	{ "task", CFG_BOOL("catch_up", cfg_false, CFGF_NONE), NULL },
	{ "task", CFG_STR("overlap", "skip", CFGF_NONE), valid_overlap },
	{ "task", CFG_STR_LIST("start_when", NULL, ND), valid_cond },
	{ "task", CFG_BOOL("restart_on_change", cfg_false, CFGF_NONE), NULL },
	{ "task", CFG_STR("memory_max", NULL, ND), valid_size },
	{ "task", CFG_STR("memory_high", NULL, ND), valid_size },
	{ "task", CFG_STR("cpu_max", NULL, ND), valid_percent },
	{ "task", CFG_STR("pids_max", NULL, ND), valid_posint },
	{ "task", CFG_STR("io_weight", NULL, ND), valid_ioweight },
	{ "task", CFG_STR("fleet", NULL, ND), valid_fleet_task },
	{ "task", CFG_STR("fleet_lost", NULL, ND), valid_fleet_lost },
	{ "task", CFG_STR("late_after", NULL, ND), valid_duration },
	{ "task", CFG_STR("runbook", NULL, ND), valid_line },
	{ "task", CFG_SEC("requires", requires_opts, CFGF_MULTI), NULL },
	{ "task", CFG_STR_LIST("after", NULL, ND), valid_name },
	{ "task", CFG_STR_LIST("on_success", NULL, ND), valid_name },
	{ "task", CFG_STR_LIST("on_failure", NULL, ND), valid_name },

	{ "requires", CFG_STR("task", NULL, ND), valid_name },
	{ "requires", CFG_STR("ok_within", NULL, ND), valid_duration },

	{ "limits", CFG_STR("cpu", NULL, ND), valid_duration },
	{ "limits", CFG_STR("memory", NULL, ND), valid_size },
	{ "limits", CFG_STR("nofile", NULL, ND), valid_count },
	{ "limits", CFG_STR("nproc", NULL, ND), valid_count },
	{ "limits", CFG_STR("fsize", NULL, ND), valid_size },
	{ "limits", CFG_STR("core", NULL, ND), valid_size },

	{ "health", CFG_STR("url", NULL, ND), valid_url },
	{ "health", CFG_STR_LIST("command", NULL, ND), valid_command },
	{ "health", CFG_STR("interval", "30s", CFGF_NONE), valid_duration },
	{ "health", CFG_STR("timeout", NULL, ND), valid_duration },
	{ "health", CFG_INT("failures", 3, CFGF_NONE), valid_posint },
	{ "health", CFG_BOOL("restart", cfg_false, CFGF_NONE), NULL },
	{ "health", CFG_INT("expect_status", 0, CFGF_NONE), valid_status },
	{ "health", CFG_BOOL("follow_redirects", cfg_false, CFGF_NONE), NULL },
	{ "health", CFG_STR("start_period", NULL, ND), valid_duration },

	{ "preset", CFG_STR("description", "", CFGF_NONE), NULL },
	{ "preset", CFG_STR_LIST("tasks", NULL, ND), valid_name },
	{ "preset", CFG_STR_LIST("tags", NULL, ND), valid_name },

	{ "window", CFG_STR("preset", NULL, ND), valid_name },
	{ "window", CFG_STR("schedule", NULL, ND), valid_cron },
	{ "window", CFG_STR("timezone", NULL, ND), valid_timezone },
	{ "window", CFG_STR("duration", NULL, ND), valid_duration },
	{ "window", CFG_STR("fleet", NULL, ND), valid_fleet_window },
	{ "window", CFG_INT("max_parallel", 0, ND), valid_posint },
	{ "window", CFG_STR("slot_duration", NULL, ND), valid_duration },

	{ "notify", CFG_STR("url", NULL, ND), valid_url },
	{ "notify", CFG_STR_LIST("events", NULL, ND), valid_event },
	{ "notify", CFG_STR("timeout", "5s", CFGF_NONE), valid_duration },
	{ "notify", CFG_INT("retries", 3, CFGF_NONE), valid_count },
	{ "notify", CFG_STR("throttle", "5m", CFGF_NONE), valid_duration },
	{ "notify", CFG_STR_LIST("headers", NULL, ND), valid_header },
	{ "notify", CFG_STR("secret", NULL, ND), valid_nonempty },
	{ "notify", CFG_INT("after_failures", 0, CFGF_NONE), valid_count },
	{ "notify", CFG_BOOL("recovery", cfg_false, CFGF_NONE), NULL },
	{ "notify", CFG_BOOL("manual", cfg_true, CFGF_NONE), NULL },
	{ "notify", CFG_STR("repeat", "0", CFGF_NONE), valid_duration },

	{ "token", CFG_STR("hash", NULL, ND), valid_hash },
	{ "token", CFG_STR("role", "read", CFGF_NONE), valid_role },
	{ "token", CFG_STR_LIST("tasks", NULL, ND), valid_nonempty },
};
#define NROWS	(sizeof(rows) / sizeof(rows[0]))

/* Each section: its array, and its path for cfg_set_validate_func(). */
static const struct section {
	const char	*name;
	const char	*path;
	cfg_opt_t	*opts;
} sections[] = {
	{ "root", "", root_opts },
	{ "dropin", "", dropin_opts },
	{ "task", "task|", task_opts },
	{ "limits", "task|limits|", limits_opts },
	{ "health", "task|health|", health_opts },
	{ "requires", "task|requires|", requires_opts },
	{ "fleet", "fleet|", fleet_opts },
	{ "preset", "preset|", preset_opts },
	{ "window", "window|", window_opts },
	{ "notify", "notify|", notify_opts },
	{ "token", "token|", token_opts },
};
#define NSECTIONS	(sizeof(sections) / sizeof(sections[0]))

static const struct row *
row_find(const char *section, const char *option)
{
	size_t	i;

	for (i = 0; i < NROWS; i++)
		if (strcmp(rows[i].opt.name, option) == 0 &&
		    strcmp(rows[i].section, section) == 0)
			return &rows[i];
	return NULL;
}

static int
validate_cb(cfg_t *cfg, cfg_opt_t *opt)
{
	const struct row	*r;
	const char		*why, *v;
	char			 buf[256], sval[32];
	unsigned int		 n;

	conf_err_seen(cfg, opt->name, cfg->line);
	conf_secret_seen(cfg, opt);
	if ((r = row_find(cfg->name, opt->name)) == NULL || r->check == NULL)
		return 0;
	/* a list of two or more words is the argv as it is: nothing to split */
	if (r->check == valid_command && cfg_opt_size(opt) > 1)
		return 0;
	for (n = 0; n < cfg_opt_size(opt); n++) {
		switch (opt->type) {
		case CFGT_STR:
			v = cfg_opt_getnstr(opt, n);
			break;
		case CFGT_INT:
			snprintf(sval, sizeof(sval), "%ld",
			    cfg_opt_getnint(opt, n));
			v = sval;
			break;
		default:
			v = NULL;
		}
		if (v == NULL)
			continue;
		if ((why = r->check(v, buf, sizeof(buf))) != NULL) {
			conf_err_add(cfg->filename, cfg->line, "%s: %s%s",
			    opt->name, why, r->check == valid_cron &&
			    conf_err_unquoted(cfg->line, opt->name) ?
			    " (a schedule has blanks: quote it, schedule = "
			    "\"*/5 * * * *\")" : "");
			break;
		}
	}
	return 0;
}

/* libconfuse's option arrays, from the rows (once). */
static void
build(void)
{
	static int	built;
	size_t		i, j, n;
	cfg_opt_t	end = CFG_END();

	if (built)
		return;
	for (i = 0; i < NSECTIONS; i++) {
		for (j = n = 0; j < NROWS; j++)
			if (strcmp(rows[j].section, sections[i].name) == 0) {
				if (n + 1 >= MAXOPTS)
					fatalx("conf: section %s: too many "
					    "options", sections[i].name);
				sections[i].opts[n++] = rows[j].opt;
			}
		sections[i].opts[n] = end;
	}
	built = 1;
}

/*
 * libconfuse compares the title of each new section with the title of
 * every earlier one of its kind (to refuse a duplicate): with 10 000
 * tasks that is 50 million strcmp() and most of the start-up.  So each
 * titled section is set aside as soon as it is parsed (libconfuse then
 * sees none before it) and all are given back by conf_parser_done();
 * conf.c finds the names given twice itself, with both places.  A task
 * section goes to the taker (conf_parser_take()) and is freed at once:
 * the parse then holds one task at a time, not 10 000.
 */
#define NASIDE	5
static void	(*taker)(cfg_t *);
static struct aside {
	cfg_opt_t	 *opt;
	cfg_value_t	**v;
	unsigned int	  n, cap;
} aside[NASIDE];

static int
aside_cb(cfg_t *cfg, cfg_opt_t *opt)
{
	struct aside	*a;
	size_t		 i;

	(void)cfg;
	if (opt->nvalues == 0)
		return 0;
	if (taker != NULL && strcmp(opt->name, "task") == 0) {
		cfg_value_t *val = opt->values[--opt->nvalues];

		taker(val->section);
		val->section->path = NULL;	/* libconfuse's, shared */
		cfg_free(val->section);
		free(val);
		return 0;
	}
	for (i = 0; i < NASIDE; i++)
		if (aside[i].opt == opt || aside[i].opt == NULL)
			break;
	if (i == NASIDE)
		fatalx("conf: more than %d kinds of titled section", NASIDE);
	a = &aside[i];
	a->opt = opt;
	if (a->n == a->cap) {
		a->cap = a->cap ? a->cap * 2 : 64;
		a->v = xreallocarray(a->v, a->cap, sizeof(*a->v));
	}
	a->v[a->n++] = opt->values[--opt->nvalues];
	return 0;
}

void
conf_parser_take(void (*fn)(cfg_t *))
{
	taker = fn;
}

void
conf_parser_done(cfg_t *cfg)
{
	struct aside	*a;
	unsigned int	 k;
	size_t		 i;

	(void)cfg;
	for (i = 0; i < NASIDE && aside[i].opt != NULL; i++) {
		a = &aside[i];
		/* the ones set aside first, then any left (a parse error) */
		a->v = xreallocarray(a->v, a->n + a->opt->nvalues + 1,
		    sizeof(*a->v));
		for (k = 0; k < a->opt->nvalues; k++)
			a->v[a->n + k] = a->opt->values[k];
		free(a->opt->values);
		a->opt->values = a->v;
		a->opt->nvalues += a->n;
		memset(a, 0, sizeof(*a));
	}
}

static cfg_t *
parser(cfg_opt_t *opts)
{
	cfg_t	*cfg;
	char	 path[64];
	size_t	 i, j;

	build();
	conf_secret_reset();
	if ((cfg = cfg_init(opts, CFGF_NONE)) == NULL)
		fatal("cfg_init");
	cfg_set_error_function(cfg, conf_err_confuse);
	for (i = 0; i < NSECTIONS; i++) {
		/* the other root's options are not there to validate */
		if (sections[i].path[0] == '\0' && sections[i].opts != opts)
			continue;
		for (j = 0; j < NROWS; j++) {
			if (strcmp(rows[j].section, sections[i].name) != 0 ||
			    rows[j].opt.type == CFGT_SEC)
				continue;
			snprintf(path, sizeof(path), "%s%s", sections[i].path,
			    rows[j].opt.name);
			cfg_set_validate_func(cfg, path, validate_cb);
		}
	}
	for (j = 0; opts[j].name != NULL; j++)
		if (opts[j].type == CFGT_SEC && (opts[j].flags & CFGF_TITLE))
			cfg_set_validate_func(cfg, opts[j].name, aside_cb);
	return cfg;
}

cfg_t *
conf_parser(void)
{
	return parser(root_opts);
}

cfg_t *
conf_parser_dropin(void)
{
	return parser(dropin_opts);
}

const char *
kind_name(enum task_kind k)
{
	switch (k) {
	case KIND_PERIODIC:
		return "periodic";
	case KIND_SERVICE:
		return "service";
	default:
		return "oneshot";
	}
}

const char *
output_name(enum task_output o)
{
	return o == OUTPUT_SYSLOG ? "syslog" : o == OUTPUT_DISCARD ?
	    "discard" : "file";
}

const char *
restart_name(enum task_restart r)
{
	return r == RESTART_ALWAYS ? "always" : r == RESTART_NEVER ? "never" :
	    "on-failure";
}
