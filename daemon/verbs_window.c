/*
 * verbs_window.c: maintenance windows: list (the config's and those made
 * at run time, with their next opening in their own zone), create,
 * delete, export and import.  A window made here is checked as the
 * config checks one, kept in the store (it survives a restart), audited
 * (window-created, window-deleted), and made by admins only.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "control.h"
#include "cron.h"
#include "event.h"
#include "fleet.h"
#include "preset.h"
#include "proto.h"
#include "state.h"
#include "store.h"
#include "table.h"
#include "tz.h"
#include "util.h"
#include "verbs.h"

/* What a window is made of, as the request or the JSON gives it. */
struct wspec {
	const char	*name;
	const char	*preset;
	const char	*schedule;
	const char	*duration;
	const char	*timezone;
	bool		 rolling;
	const char	*max_parallel;
	const char	*slot;
};

/* A duration exactly, in the units parse_duration() reads: "1d2h30m". */
static char *
exact_duration(int64_t ms, char *buf, size_t len)
{
	static const struct { int64_t ms; const char *unit; } u[] = {
		{ 86400000, "d" }, { 3600000, "h" }, { 60000, "m" },
		{ 1000, "s" }, { 1, "ms" },
	};
	size_t	i, n = 0;

	buf[0] = '\0';
	for (i = 0; i < sizeof(u) / sizeof(u[0]) && n < len; i++)
		if (ms / u[i].ms > 0) {
			n += (size_t)snprintf(buf + n, len - n, "%lld%s",
			    (long long)(ms / u[i].ms), u[i].unit);
			ms %= u[i].ms;
		}
	if (buf[0] == '\0')
		snprintf(buf, len, "0s");
	return buf;
}

/* A window as "window export" writes it and "window import" reads it. */
static struct json_object *
window_json(const struct window_conf *w)
{
	struct json_object	*o = json_object_new_object();
	char			 d[64];

	json_object_object_add(o, "name", json_object_new_string(w->name));
	json_object_object_add(o, "preset", json_object_new_string(w->preset));
	json_object_object_add(o, "schedule",
	    json_object_new_string(w->schedule));
	json_object_object_add(o, "timezone", w->timezone != NULL ?
	    json_object_new_string(w->timezone) : NULL);
	json_object_object_add(o, "duration", json_object_new_string(
	    exact_duration(w->duration_ms, d, sizeof(d))));
	json_object_object_add(o, "fleet", w->rolling ?
	    json_object_new_string("rolling") : NULL);
	json_object_object_add(o, "max_parallel", w->rolling ?
	    json_object_new_int(w->max_parallel) : NULL);
	json_object_object_add(o, "slot_duration", w->rolling &&
	    w->slot_ms > 0 ? json_object_new_string(exact_duration(w->slot_ms,
	    d, sizeof(d))) : NULL);
	return o;
}

static bool
in_config(const char *name)
{
	size_t	i;

	for (i = 0; i < md.conf->nwindows; i++)
		if (strcmp(md.conf->windows[i].name, name) == 0)
			return true;
	return false;
}

/*
 * The window spec describes, checked as the config checks a window
 * (and its name free); NULL with one ERR line sent.
 */
static struct window_conf *
window_check(struct client *c, const struct wspec *s)
{
	struct window_conf	*w;
	struct preset		 p;
	const char		*errstr = NULL;
	char			 err[PATH_MAX + 128];
	int			 rc;

	if (s->name == NULL || !conf_valid_name(s->name)) {
		client_err(c, "invalid", "bad window name '%s' (letters, "
		    "digits, '-', '_', '.', at most 64)", s->name ? s->name :
		    "");
		return NULL;
	}
	if (in_config(s->name)) {
		client_err(c, "state", "window %s is defined in the config",
		    s->name);
		return NULL;
	}
	if (window_find(s->name) != NULL) {
		client_err(c, "state", "window %s exists (delete it first)",
		    s->name);
		return NULL;
	}
	if (s->preset == NULL || s->schedule == NULL || s->duration == NULL) {
		client_err(c, "usage", "window %s: needs a preset, a schedule "
		    "and a duration (--preset P --cron SCHED --duration DUR)",
		    s->name);
		return NULL;
	}
	if ((rc = preset_get(s->preset, &p)) != 0) {
		if (rc == 1)
			client_err(c, "unknown-preset", "window %s: unknown "
			    "preset '%s'", s->name, s->preset);
		else
			client_err(c, "internal", "the database cannot be "
			    "read: %s", store_error());
		return NULL;
	}
	preset_free(&p);
	w = xcalloc(1, sizeof(*w));
	w->name = xstrdup(s->name);
	w->preset = xstrdup(s->preset);
	w->schedule = xstrdup(s->schedule);
	w->max_parallel = 1;
	if (cron_parse(s->schedule, &w->cron, err, sizeof(err)) == -1) {
		client_err(c, "invalid", "window %s: bad schedule '%s': %s",
		    s->name, s->schedule, err);
		goto bad;
	}
	if (w->cron.reboot) {
		client_err(c, "invalid", "window %s: @reboot is for tasks: a "
		    "window opens at times of a schedule", s->name);
		goto bad;
	}
	if (parse_duration(s->duration, &w->duration_ms, &errstr) == -1 ||
	    w->duration_ms < 1000) {
		client_err(c, "invalid", "window %s: duration '%s': %s",
		    s->name, s->duration, errstr ? errstr : "at least 1s");
		goto bad;
	}
	if (s->timezone != NULL) {
		if (tz_check(s->timezone, err, sizeof(err)) == -1) {
			client_err(c, "invalid", "window %s: %s", s->name, err);
			goto bad;
		}
		w->timezone = xstrdup(s->timezone);
	}
	if (!s->rolling && (s->max_parallel != NULL || s->slot != NULL)) {
		client_err(c, "invalid", "window %s: max_parallel and "
		    "slot_duration are for windows with fleet = rolling",
		    s->name);
		goto bad;
	}
	if (s->rolling && !md.conf->fleet.on) {
		client_err(c, "invalid", "window %s: fleet = rolling needs a "
		    "fleet section", s->name);
		goto bad;
	}
	w->rolling = s->rolling;
	if (s->max_parallel != NULL) {
		w->max_parallel = (int)strtonum(s->max_parallel, 1, 1000000,
		    &errstr);
		if (errstr != NULL) {
			client_err(c, "invalid", "window %s: max_parallel "
			    "'%s': %s", s->name, s->max_parallel, errstr);
			goto bad;
		}
	}
	if (s->slot != NULL) {
		if (parse_duration(s->slot, &w->slot_ms, &errstr) == -1 ||
		    w->slot_ms < 1000) {
			client_err(c, "invalid", "window %s: slot_duration "
			    "'%s': %s", s->name, s->slot, errstr ? errstr :
			    "at least 1s");
			goto bad;
		}
		if (w->slot_ms > w->duration_ms) {
			client_err(c, "invalid", "window %s: slot_duration is "
			    "longer than the window's duration", s->name);
			goto bad;
		}
	}
	return w;
bad:
	store_window_free(w);
	return NULL;
}

/* Store the window (or say what it would be); ERR when it cannot be. */
static void
window_make(struct client *c, struct request *r, const struct wspec *s,
    bool imported)
{
	struct window_conf	*w;
	struct json_object	*o, *ev;
	time_t			 next;
	char			 actor[128], nb[80], d[64];
	int			 rc;

	if ((w = window_check(c, s)) == NULL)
		return;
	next = cron_next_tz(&w->cron, time(NULL), w->timezone);
	if (next != (time_t)-1)
		fmt_time_tz(next, w->timezone, nb, sizeof(nb));
	else
		snprintf(nb, sizeof(nb), "never");
	if (request_has(r, "dry-run")) {
		if (client_json_mode(c)) {
			o = window_json(w);
			json_object_object_add(o, "next", next != (time_t)-1 ?
			    json_object_new_string(fmt_rfc3339_tz(next,
			    w->timezone, nb, sizeof(nb))) : NULL);
			client_json(c, o);
			json_object_put(o);
		} else {
			client_data(c, "would create window %s: preset %s, "
			    "schedule \"%s\"%s%s, for %s%s", w->name, w->preset,
			    w->schedule, w->timezone ? " in " : "",
			    w->timezone ? w->timezone : "",
			    exact_duration(w->duration_ms, d, sizeof(d)),
			    w->rolling ? ", rolling over the fleet" : "");
			client_data(c, "it would open next at %s", nb);
		}
		client_ok(c, "dry run: nothing changed");
		store_window_free(w);
		return;
	}
	verbs_actor(c, actor, sizeof(actor));
	if ((rc = store_window_put(w, actor)) != 0) {
		if (rc == 1)
			client_err(c, "state", "window %s exists (delete it "
			    "first)", w->name);
		else
			client_err(c, "internal", "the database cannot be "
			    "written: %s", store_error());
		store_window_free(w);
		return;
	}
	/* the event: "window" and what export writes of it */
	ev = json_object_new_object();
	json_object_object_add(ev, "window", json_object_new_string(w->name));
	o = window_json(w);
	json_object_object_foreach(o, key, val)
		if (strcmp(key, "name") != 0)
			json_object_object_add(ev, key, json_object_get(val));
	json_object_put(o);
	json_object_object_add(ev, "imported", json_object_new_boolean(imported));
	if (window_new(w) == -1) {	/* cannot be: checked above */
		store_window_free(w);
		json_object_put(ev);
		client_err(c, "internal", "a window of that name is in force");
		return;
	}
	event_emit(NULL, "window-created", actor, ev);
	if (w->rolling)
		fleet_windows_changed();
	if (client_json_mode(c)) {
		o = window_json(w);
		json_object_object_add(o, "next", next != (time_t)-1 ?
		    json_object_new_string(fmt_rfc3339_tz(next, w->timezone,
		    d, sizeof(d))) : NULL);
		json_object_object_add(o, "result",
		    json_object_new_string("created"));
		client_json(c, o);
		json_object_put(o);
	}
	client_ok(c, "window %s created: next opening %s", w->name, nb);
}

static void
window_create(struct client *c, struct request *r)
{
	struct wspec	s;

	memset(&s, 0, sizeof(s));
	s.name = r->args[1];
	s.preset = request_opt(r, "preset");
	s.schedule = request_opt(r, "cron");
	s.duration = request_opt(r, "duration");
	s.timezone = request_opt(r, "tz");
	s.rolling = request_has(r, "rolling");
	s.max_parallel = request_opt(r, "max-parallel");
	s.slot = request_opt(r, "slot-duration");
	window_make(c, r, &s, false);
}

/* A string member of o, or NULL; -1 if it is there and not a string. */
static int
jstring(struct json_object *o, const char *key, const char **v)
{
	struct json_object	*m;

	*v = NULL;
	if (!json_object_object_get_ex(o, key, &m) || m == NULL)
		return 0;
	if (!json_object_is_type(m, json_type_string))
		return -1;
	*v = json_object_get_string(m);
	return 0;
}

static void
window_import(struct client *c, struct request *r, const char *text)
{
	static const char *const keys[] = {
		"name", "preset", "schedule", "timezone", "duration", "fleet",
		"max_parallel", "slot_duration",
	};
	struct json_object	*o, *m;
	struct wspec		 s;
	const char		*fleet = NULL, *bad = NULL;
	char			 num[24];
	size_t			 i;

	memset(&s, 0, sizeof(s));
	if ((o = json_tokener_parse(text)) == NULL ||
	    !json_object_is_type(o, json_type_object)) {
		client_err(c, "invalid", "expected a JSON object {\"name\": "
		    "\"...\", \"preset\": \"...\", \"schedule\": \"...\", "
		    "\"duration\": \"...\"} (as window export writes it)");
		json_object_put(o);
		return;
	}
	json_object_object_foreach(o, key, val) {
		(void)val;
		for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
			if (strcmp(key, keys[i]) == 0)
				break;
		if (i == sizeof(keys) / sizeof(keys[0])) {
			client_err(c, "invalid", "unknown key '%s' (a window "
			    "has name, preset, schedule, timezone, duration, "
			    "fleet, max_parallel, slot_duration)", key);
			json_object_put(o);
			return;
		}
	}
	if (jstring(o, "name", &s.name) == -1)
		bad = "name";
	else if (jstring(o, "preset", &s.preset) == -1)
		bad = "preset";
	else if (jstring(o, "schedule", &s.schedule) == -1)
		bad = "schedule";
	else if (jstring(o, "timezone", &s.timezone) == -1)
		bad = "timezone";
	else if (jstring(o, "duration", &s.duration) == -1)
		bad = "duration";
	else if (jstring(o, "slot_duration", &s.slot) == -1)
		bad = "slot_duration";
	else if (jstring(o, "fleet", &fleet) == -1 ||
	    (fleet != NULL && strcmp(fleet, "rolling") != 0))
		bad = "fleet";
	if (bad == NULL && json_object_object_get_ex(o, "max_parallel", &m) &&
	    m != NULL) {
		if (!json_object_is_type(m, json_type_int))
			bad = "max_parallel";
		else {
			snprintf(num, sizeof(num), "%lld",
			    (long long)json_object_get_int64(m));
			s.max_parallel = num;
		}
	}
	if (bad != NULL) {
		client_err(c, "invalid", "%s: %s", bad, strcmp(bad, "fleet") ==
		    0 ? "\"rolling\" or null" : strcmp(bad, "max_parallel") ==
		    0 ? "a number" : "a string");
		json_object_put(o);
		return;
	}
	s.rolling = fleet != NULL;
	window_make(c, r, &s, true);
	json_object_put(o);
}

static void
window_remove(struct client *c, const char *name)
{
	struct json_object	*d;
	time_t			 until = 0;
	bool			 stored = false, rolling = false;
	char			 actor[128];
	size_t			 i;
	int			 rc;

	if (in_config(name)) {
		client_err(c, "state", "window %s is defined in the config; "
		    "remove it there", name);
		return;
	}
	for (i = 0; i < windows_count(); i++) {
		const struct window_conf *w = window_at(i, &stored, NULL,
		    &until);

		if (strcmp(w->name, name) == 0) {
			rolling = w->rolling;
			break;
		}
	}
	if ((rc = store_window_delete(name)) == 1) {
		client_err(c, "unknown-window", "no window named '%s'", name);
		return;
	}
	if (rc == -1) {
		client_err(c, "internal", "the database cannot be written: %s",
		    store_error());
		return;
	}
	verbs_actor(c, actor, sizeof(actor));
	(void)window_delete(name, actor);
	d = json_object_new_object();
	json_object_object_add(d, "window", json_object_new_string(name));
	json_object_object_add(d, "was_open",
	    json_object_new_boolean(until > 0));
	event_emit(NULL, "window-deleted", actor, d);
	if (rolling)
		fleet_windows_changed();
	verbs_json(c, "window", json_object_new_string(name), "result",
	    json_object_new_string("deleted"), "was_open",
	    json_object_new_boolean(until > 0), NULL);
	client_ok(c, "window %s deleted%s", name, until > 0 ? "; it was open: "
	    "closed now, its tasks deactivated" : "");
}

static void
window_export(struct client *c, const char *name)
{
	const struct window_conf	*w;
	struct json_object		*o;

	if ((w = window_find(name)) == NULL) {
		client_err(c, "unknown-window", "no window named '%s'", name);
		return;
	}
	o = window_json(w);
	client_json(c, o);
	json_object_put(o);
	client_ok(c, NULL);
}

static void
window_list(struct client *c)
{
	const struct window_conf *w;
	struct table		 tb;
	struct json_object	*o, *turn;
	time_t			 next, until;
	size_t			 i, j;
	char			 nb[80], ub[80], db[32], st[300];
	bool			 stored;
	int			 n;

	if (!client_json_mode(c))
		table_init(&tb, 8, "WINDOW", "PRESET", "SOURCE", "SCHEDULE",
		    "TIMEZONE", "DURATION", "NEXT", "STATE");
	for (i = 0; i < windows_count(); i++) {
		w = window_at(i, &stored, &next, &until);
		/* a rolling window: the nodes whose turn it is */
		turn = w->rolling && until > 0 ? fleet_window_turns(w->name) :
		    NULL;
		if (client_json_mode(c)) {
			o = json_object_new_object();
			json_object_object_add(o, "window",
			    json_object_new_string(w->name));
			json_object_object_add(o, "preset",
			    json_object_new_string(w->preset));
			json_object_object_add(o, "source",
			    json_object_new_string(stored ? "store" :
			    "config"));
			json_object_object_add(o, "schedule",
			    json_object_new_string(w->schedule));
			json_object_object_add(o, "timezone", w->timezone ?
			    json_object_new_string(w->timezone) : NULL);
			json_object_object_add(o, "duration_s",
			    json_object_new_int64(w->duration_ms / 1000));
			json_object_object_add(o, "next", next > 0 ?
			    json_object_new_string(fmt_rfc3339_tz(next,
			    w->timezone, nb, sizeof(nb))) : NULL);
			json_object_object_add(o, "open",
			    json_object_new_boolean(until > 0));
			json_object_object_add(o, "open_until", until > 0 ?
			    json_object_new_string(fmt_rfc3339_tz(until,
			    w->timezone, ub, sizeof(ub))) : NULL);
			json_object_object_add(o, "rolling",
			    json_object_new_boolean(w->rolling));
			json_object_object_add(o, "turn", turn);
			client_json(c, o);
			json_object_put(o);
			continue;
		}
		if (next > 0)
			fmt_time_tz(next, w->timezone, nb, sizeof(nb));
		else
			snprintf(nb, sizeof(nb), "-");
		if (until > 0)
			n = snprintf(st, sizeof(st), "open until %s",
			    fmt_time_tz(until, w->timezone, ub, sizeof(ub)));
		else
			n = snprintf(st, sizeof(st), "closed");
		for (j = 0; turn != NULL && j < json_object_array_length(turn) &&
		    n > 0 && (size_t)n < sizeof(st); j++)
			n += snprintf(st + n, sizeof(st) - (size_t)n, "%s%s",
			    j == 0 ? ", turn of " : ", ", json_object_get_string(
			    json_object_array_get_idx(turn, j)));
		if (turn != NULL && json_object_array_length(turn) == 0 &&
		    n > 0 && (size_t)n < sizeof(st))
			snprintf(st + n, sizeof(st) - (size_t)n, ", no turn now");
		json_object_put(turn);
		table_row(&tb, w->name, w->preset, stored ? "store" : "config",
		    w->schedule, w->timezone ? w->timezone : "-",
		    fmt_duration(w->duration_ms, db, sizeof(db)), nb, st);
	}
	if (!client_json_mode(c))
		table_emit(&tb, c);
	client_ok(c, "%zu window%s%s", windows_count(), windows_count() == 1 ?
	    "" : "s",
	    md.halted ? " (halted: none will open)" : "");
}

static const struct {
	const char	*sub;
	int		 nargs;		/* after the subcommand */
	bool		 admin;
	const char	*opts;		/* those it takes, besides json */
	const char	*usage;
} window_subs[] = {
	{ "list", 0, false, "", "window list" },
	{ "export", 1, false, "", "window export WINDOW" },
	{ "create", 1, true, "preset cron duration tz rolling max-parallel "
	    "slot-duration dry-run", "window create WINDOW --preset P --cron "
	    "SCHED --duration DUR [--tz ZONE] [--rolling [--max-parallel N] "
	    "[--slot-duration DUR]] [--dry-run]" },
	{ "delete", 1, true, "", "window delete WINDOW" },
	{ "import", 1, true, "dry-run", "window import JSON [--dry-run]" },
};

static bool
sub_takes(const char *opts, const char *opt)
{
	size_t	n = strlen(opt);
	const char *p;

	for (p = opts; (p = strstr(p, opt)) != NULL; p += n)
		if ((p == opts || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
			return true;
	return false;
}

void
verb_window(struct client *c, struct request *r)
{
	size_t	i;
	int	k;
	char	what[32];

	for (i = 0; i < sizeof(window_subs) / sizeof(window_subs[0]); i++)
		if (strcmp(r->args[0], window_subs[i].sub) == 0)
			break;
	if (i == sizeof(window_subs) / sizeof(window_subs[0])) {
		client_err(c, "usage", "usage: window list | create W --preset "
		    "P --cron SCHED --duration DUR ... | delete W | export W | "
		    "import JSON");
		return;
	}
	if (r->nargs - 1 != window_subs[i].nargs) {
		client_err(c, "usage", "usage: %s", window_subs[i].usage);
		return;
	}
	for (k = 0; k < r->nopts; k++)
		if (strcmp(r->opts[k].name, "json") != 0 &&
		    !sub_takes(window_subs[i].opts, r->opts[k].name)) {
			client_err(c, "usage", "window %s takes no --%s; usage: "
			    "%s", window_subs[i].sub, r->opts[k].name,
			    window_subs[i].usage);
			return;
		}
	if (window_subs[i].admin && !client_admin(c)) {
		snprintf(what, sizeof(what), "window %s", r->args[0]);
		verbs_deny(c, what);
		return;
	}
	switch (i) {
	case 0:
		window_list(c);
		break;
	case 1:
		window_export(c, r->args[1]);
		break;
	case 2:
		window_create(c, r);
		break;
	case 3:
		window_remove(c, r->args[1]);
		break;
	case 4:
		window_import(c, r, r->args[1]);
		break;
	}
}
