/*
 * verbs_plan.c: the emergency stop (stop-all, resume) and presets
 * (windows: verbs_window.c).  Bulk changes answer "ERR confirm <summary>"
 * unless the request says --confirm; --dry-run shows the plan only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "control.h"
#include "event.h"
#include "log.h"
#include "policy.h"
#include "preset.h"
#include "proto.h"
#include "state.h"
#include "store.h"
#include "supervise.h"
#include "table.h"
#include "util.h"
#include "verbs.h"

void
verb_stop_all(struct client *c, struct request *r)
{
	struct plan	 p;
	struct task	**v;
	size_t		 i, n = 0, nrunning = 0;
	char		 actor[128];

	v = xcalloc(md.tasks.n, sizeof(*v));
	for (i = 0; i < md.tasks.n; i++) {
		if (md.tasks.v[i]->active || task_busy(md.tasks.v[i]))
			v[n++] = md.tasks.v[i];
		nrunning += task_busy(md.tasks.v[i]);
	}
	plan_deactivate(&p, v, n);
	if (request_has(r, "dry-run")) {
		if (!client_json_mode(c))
			client_data(c, "would halt: nothing starts until "
			    "resume");
		verbs_plan_report(c, &p);
	} else if (!request_has(r, "confirm"))
		client_err(c, "confirm", "Stop all: deactivate %zu task%s, "
		    "stop %zu running, and start nothing until resume",
		    p.nstop, p.nstop == 1 ? "" : "s", nrunning);
	else {
		verbs_actor(c, actor, sizeof(actor));
		supervise_halt(actor);
		verbs_json(c, "halted", json_object_new_boolean(1),
		    "deactivated", json_object_new_int64((int64_t)p.nstop),
		    "stopping", json_object_new_int64((int64_t)nrunning), NULL);
		client_ok(c, "halted: %zu deactivated, %zu stopping; nothing "
		    "starts until resume", p.nstop, nrunning);
	}
	plan_free(&p);
	free(v);
}

void
verb_resume(struct client *c, struct request *r)
{
	char	actor[128];

	(void)r;
	if (!md.halted) {
		verbs_json(c, "halted", json_object_new_boolean(0), "resumed",
		    json_object_new_boolean(0), NULL);
		client_ok(c, "not halted");
		return;
	}
	if (request_has(r, "dry-run")) {
		if (!client_json_mode(c))
			client_data(c, "would resume: schedules, windows and "
			    "runs allowed again (every task stays inactive)");
		verbs_json(c, "halted", json_object_new_boolean(1), "would",
		    json_object_new_string("resume"), NULL);
		client_ok(c, "dry run: nothing changed");
		return;
	}
	verbs_actor(c, actor, sizeof(actor));
	supervise_resume(actor);
	verbs_json(c, "halted", json_object_new_boolean(0), "resumed",
	    json_object_new_boolean(1), NULL);
	client_ok(c, "resumed; every task is inactive");
}

/* Presets. */

static int
preset_or_err(struct client *c, const char *name, struct preset *p)
{
	int	rc = preset_get(name, p);

	if (rc == 1)
		client_err(c, "unknown-preset", "no preset named '%s'", name);
	else if (rc == -1)
		client_err(c, "internal", "the database cannot be read: %s",
		    store_error());
	return rc;
}

struct listctx {
	struct client	*c;
	struct table	*tb;
	size_t		 n;
};

static int
list_stored(struct json_object *row, void *arg)
{
	struct listctx		*lc = arg;
	struct json_object	*o;
	const char		*desc;
	char			 count[16];

	if (client_json_mode(lc->c)) {
		/* the keys in the order of a config preset's */
		o = json_object_new_object();
		json_object_object_add(o, "name", json_object_get(
		    json_object_object_get(row, "name")));
		json_object_object_add(o, "description", json_object_get(
		    json_object_object_get(row, "description")));
		json_object_object_add(o, "tasks", json_object_get(
		    json_object_object_get(row, "tasks")));
		json_object_object_add(o, "source",
		    json_object_new_string("runtime"));
		client_json(lc->c, o);
		json_object_put(o);
	} else {
		snprintf(count, sizeof(count), "%zu", json_object_array_length(
		    json_object_object_get(row, "tasks")));
		desc = json_object_get_string(json_object_object_get(row,
		    "description"));
		table_row(lc->tb, json_object_get_string(
		    json_object_object_get(row, "name")), "runtime", count,
		    desc != NULL && *desc ? desc : "-");	/* as a config one */
	}
	lc->n++;
	json_object_put(row);
	return 0;
}

static void
preset_list(struct client *c)
{
	struct table		 tb;
	struct listctx		 lc = { c, &tb, 0 };
	struct preset		 p;
	struct json_object	*o;
	char			 count[16];
	size_t			 i;

	if (!client_json_mode(c))
		table_init(&tb, 4, "PRESET", "SOURCE", "TASKS", "DESCRIPTION");
	for (i = 0; i < md.conf->npresets; i++) {
		if (preset_get(md.conf->presets[i].name, &p) != 0)
			continue;
		if (client_json_mode(c)) {
			o = preset_json(&p);
			json_object_object_add(o, "source",
			    json_object_new_string("config"));
			client_json(c, o);
			json_object_put(o);
		} else {
			snprintf(count, sizeof(count), "%zu", p.ntasks);
			table_row(&tb, p.name, "config", count,
			    *p.description ? p.description : "-");
		}
		preset_free(&p);
		lc.n++;
	}
	(void)store_preset_list(list_stored, &lc);
	if (!client_json_mode(c))
		table_emit(&tb, c);
	client_ok(c, "%zu preset%s", lc.n, lc.n == 1 ? "" : "s");
}

static void
preset_show(struct client *c, const char *name)
{
	struct preset		 p;
	struct json_object	*o;
	size_t			 i;

	if (preset_or_err(c, name, &p) != 0)
		return;
	if (client_json_mode(c)) {
		o = preset_json(&p);
		json_object_object_add(o, "source", json_object_new_string(
		    p.from_config ? "config" : "runtime"));
		client_json(c, o);
		json_object_put(o);
	} else {
		client_data(c, "preset       %s", p.name);
		client_data(c, "source       %s", p.from_config ? "config" :
		    "runtime");
		client_data(c, "description  %s", *p.description ?
		    p.description : "-");
		for (i = 0; i < p.ntasks; i++)
			client_data(c, "%-12s %s%s", i == 0 ? "tasks" : "",
			    p.tasks[i]->conf->name, p.tasks[i]->active ?
			    " (active)" : "");
	}
	client_ok(c, "%zu task%s", p.ntasks, p.ntasks == 1 ? "" : "s");
	preset_free(&p);
}

static void
preset_apply(struct client *c, struct request *r, const char *name)
{
	struct preset		 p;
	struct plan		 plan;
	struct json_object	*d, *a;
	const char		*v, *errstr;
	int64_t			 ms = 0;
	char			 actor[128];
	size_t			 i;

	if ((v = request_opt(r, "for")) != NULL &&
	    (parse_duration(v, &ms, &errstr) == -1 || ms < 1000)) {
		client_err(c, "invalid", "--for %s: %s", v,
		    errstr ? errstr : "at least 1s");
		return;
	}
	if (preset_or_err(c, name, &p) != 0)
		return;
	plan_activate(&plan, p.tasks, p.ntasks, request_has(r, "exclusive"));
	if (request_has(r, "dry-run"))
		verbs_plan_report(c, &plan);
	else if (plan.code != NULL)
		client_err(c, plan.code, "%s", plan.why);
	else if (!request_has(r, "confirm"))
		client_err(c, "confirm", "Apply preset %s: start %zu task%s, "
		    "stop %zu", p.name, plan.nstart, plan.nstart == 1 ? "" :
		    "s", plan.nstop);
	else {
		verbs_actor(c, actor, sizeof(actor));
		verbs_plan_apply(c, &plan, ms, actor);
		d = json_object_new_object();
		json_object_object_add(d, "preset",
		    json_object_new_string(p.name));
		a = json_object_new_array();
		for (i = 0; i < plan.nstart; i++)
			json_object_array_add(a, json_object_new_string(
			    plan.start[i]->conf->name));
		json_object_object_add(d, "activated", a);
		a = json_object_new_array();
		for (i = 0; i < plan.nstop; i++)
			json_object_array_add(a, json_object_new_string(
			    plan.stop[i]->conf->name));
		json_object_object_add(d, "deactivated", a);
		event_emit(NULL, "preset-applied", actor, d);
		client_ok(c, "preset %s applied: %zu activated, %zu "
		    "deactivated, %zu already active", p.name, plan.nstart,
		    plan.nstop, plan.nalready);
	}
	plan_free(&plan);
	preset_free(&p);
}

static bool
config_preset(const char *name)
{
	size_t	i;

	for (i = 0; i < md.conf->npresets; i++)
		if (strcmp(md.conf->presets[i].name, name) == 0)
			return true;
	return false;
}

/* Store a runtime preset; ERR sent when it cannot be. */
static void
preset_store(struct client *c, const char *name, const char *desc,
    struct json_object *tasks, const char *how)
{
	struct json_object	*d;
	char			 actor[128];
	int			 rc;

	if (!conf_valid_name(name)) {
		client_err(c, "invalid", "bad preset name '%s' (letters, "
		    "digits, '-', '_', '.', at most 64)", name);
		return;
	}
	if (config_preset(name)) {
		client_err(c, "state", "preset %s is defined in the config",
		    name);
		return;
	}
	rc = store_preset_put(name, desc, json_object_to_json_string_ext(tasks,
	    JSON_C_TO_STRING_PLAIN));
	if (rc == 1) {
		client_err(c, "state", "preset %s exists (delete it first)",
		    name);
		return;
	}
	if (rc == -1) {
		client_err(c, "internal", "the database cannot be written: %s",
		    store_error());
		return;
	}
	d = json_object_new_object();
	json_object_object_add(d, "preset", json_object_new_string(name));
	json_object_object_add(d, "tasks", json_object_get(tasks));
	event_emit(NULL, how, verbs_actor(c, actor, sizeof(actor)), d);
	verbs_json(c, "preset", json_object_new_string(name), "description",
	    json_object_new_string(desc), "tasks", json_object_get(tasks),
	    "result", json_object_new_string("stored"), NULL);
	client_ok(c, "preset %s stored with %zu task%s", name,
	    json_object_array_length(tasks),
	    json_object_array_length(tasks) == 1 ? "" : "s");
}

static void
preset_create(struct client *c, struct request *r)
{
	struct json_object	*a = json_object_new_array();
	int			 i;
	size_t			 j;

	if (r->nargs > 2) {
		for (i = 2; i < r->nargs; i++) {
			if (verbs_task(c, r->args[i]) == NULL) {
				json_object_put(a);
				return;
			}
			json_object_array_add(a,
			    json_object_new_string(r->args[i]));
		}
	} else
		for (j = 0; j < md.tasks.n; j++)
			if (md.tasks.v[j]->active)
				json_object_array_add(a, json_object_new_string(
				    md.tasks.v[j]->conf->name));
	if (json_object_array_length(a) == 0) {
		client_err(c, "invalid", "a preset needs tasks (none named, "
		    "none active)");
		json_object_put(a);
		return;
	}
	preset_store(c, r->args[1], "", a, "preset-created");
	json_object_put(a);
}

static void
preset_import(struct client *c, const char *text)
{
	struct json_object	*o, *name, *desc, *tasks;
	const char		*n;
	size_t			 i;

	if ((o = json_tokener_parse(text)) == NULL ||
	    !json_object_is_type(o, json_type_object) ||
	    !json_object_object_get_ex(o, "name", &name) ||
	    !json_object_is_type(name, json_type_string) ||
	    !json_object_object_get_ex(o, "tasks", &tasks) ||
	    !json_object_is_type(tasks, json_type_array)) {
		client_err(c, "invalid", "expected a JSON object {\"name\": "
		    "\"...\", \"description\": \"...\", \"tasks\": [...]}");
		json_object_put(o);
		return;
	}
	for (i = 0; i < json_object_array_length(tasks); i++) {
		n = json_object_get_string(json_object_array_get_idx(tasks, i));
		if (!json_object_is_type(json_object_array_get_idx(tasks, i),
		    json_type_string)) {
			client_err(c, "invalid", "tasks: %s is not a task name",
			    n ? n : "?");
			json_object_put(o);
			return;
		}
		if (verbs_task(c, n) == NULL) {
			json_object_put(o);
			return;
		}
	}
	if (json_object_array_length(tasks) == 0) {
		client_err(c, "invalid", "a preset needs tasks");
		json_object_put(o);
		return;
	}
	preset_store(c, json_object_get_string(name),
	    json_object_object_get_ex(o, "description", &desc) &&
	    json_object_is_type(desc, json_type_string) ?
	    json_object_get_string(desc) : "", tasks, "preset-imported");
	json_object_put(o);
}

/* The window (of the config or the store) that opens preset name, or NULL. */
static const struct window_conf *
window_of_preset(const char *name)
{
	const struct window_conf	*w;
	size_t				 i, n = windows_count();

	for (i = 0; i < n; i++)
		if ((w = window_at(i, NULL, NULL, NULL)) != NULL &&
		    strcmp(w->preset, name) == 0)
			return w;
	return NULL;
}

static void
preset_delete(struct client *c, const char *name)
{
	const struct window_conf	*w;
	struct json_object		*d;
	char				 actor[128];
	int				 rc;

	if (config_preset(name)) {
		client_err(c, "state", "preset %s is defined in the config; "
		    "remove it there", name);
		return;
	}
	if ((w = window_of_preset(name)) != NULL) {
		client_err(c, "state", "preset %s is opened by window %s; "
		    "delete the window first", name, w->name);
		return;
	}
	if ((rc = store_preset_delete(name)) == 1) {
		client_err(c, "unknown-preset", "no preset named '%s'", name);
		return;
	}
	if (rc == -1) {
		client_err(c, "internal", "the database cannot be written: %s",
		    store_error());
		return;
	}
	d = json_object_new_object();
	json_object_object_add(d, "preset", json_object_new_string(name));
	event_emit(NULL, "preset-deleted", verbs_actor(c, actor,
	    sizeof(actor)), d);
	verbs_json(c, "preset", json_object_new_string(name), "result",
	    json_object_new_string("deleted"), NULL);
	client_ok(c, "preset %s deleted", name);
}

static void
preset_export(struct client *c, const char *name)
{
	struct preset		 p;
	struct json_object	*o;

	if (preset_or_err(c, name, &p) != 0)
		return;
	o = preset_json(&p);
	client_json(c, o);
	json_object_put(o);
	preset_free(&p);
	client_ok(c, NULL);
}

static const struct {
	const char	*sub;
	int		 nargs;		/* after the subcommand; -1: 0 or more */
	bool		 admin;
	const char	*usage;
} preset_subs[] = {
	{ "list", 0, false, "preset list" },
	{ "show", 1, false, "preset show PRESET" },
	{ "export", 1, false, "preset export PRESET" },
	{ "apply", 1, true, "preset apply PRESET [--for DUR] [--exclusive] "
	    "[--dry-run] [--confirm]" },
	{ "create", -1, true, "preset create PRESET [TASK...]" },
	{ "delete", 1, true, "preset delete PRESET" },
	{ "import", 1, true, "preset import JSON" },
};

void
verb_preset(struct client *c, struct request *r)
{
	size_t	i;
	int	extra = r->nargs - 1;

	for (i = 0; i < sizeof(preset_subs) / sizeof(preset_subs[0]); i++)
		if (strcmp(r->args[0], preset_subs[i].sub) == 0)
			break;
	if (i == sizeof(preset_subs) / sizeof(preset_subs[0])) {
		client_err(c, "usage", "usage: preset list | show P | apply P "
		    "| create P [TASK...] | delete P | export P | import JSON");
		return;
	}
	if ((preset_subs[i].nargs >= 0 && extra != preset_subs[i].nargs) ||
	    (preset_subs[i].nargs < 0 && extra < 1)) {
		client_err(c, "usage", "usage: %s", preset_subs[i].usage);
		return;
	}
	if (((request_has(r, "exclusive") || request_has(r, "for")) &&
	    strcmp(r->args[0], "apply") != 0) ||
	    ((request_has(r, "dry-run") || request_has(r, "confirm")) &&
	    strcmp(r->args[0], "apply") != 0)) {
		client_err(c, "usage", "usage: %s", preset_subs[i].usage);
		return;
	}
	if (preset_subs[i].admin && !client_admin(c)) {
		char what[32];

		snprintf(what, sizeof(what), "preset %s", r->args[0]);
		verbs_deny(c, what);
		return;
	}
	switch (i) {
	case 0:
		preset_list(c);
		break;
	case 1:
		preset_show(c, r->args[1]);
		break;
	case 2:
		preset_export(c, r->args[1]);
		break;
	case 3:
		preset_apply(c, r, r->args[1]);
		break;
	case 4:
		preset_create(c, r);
		break;
	case 5:
		preset_delete(c, r->args[1]);
		break;
	case 6:
		preset_import(c, r->args[1]);
		break;
	}
}
