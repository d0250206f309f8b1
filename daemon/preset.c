/*
 * preset.c: a preset names a set of tasks, by name and by tag.  Config
 * presets come from maintd.conf; presets made with "preset create" or
 * "preset import" live in the store and survive restarts.  A window
 * applies its preset at each tick of its schedule (read in its timezone),
 * with auto-deactivation after its duration.  Config windows come from
 * maintd.conf; windows made with "window create" or "window import" live
 * in the store, and a config window of the same name wins.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "cron.h"
#include "event.h"
#include "log.h"
#include "policy.h"
#include "preset.h"
#include "state.h"
#include "store.h"
#include "supervise.h"
#include "task.h"
#include "tz.h"
#include "util.h"

static void
add(struct preset *p, struct task *t)
{
	size_t	i;

	for (i = 0; i < p->ntasks; i++)
		if (p->tasks[i] == t)
			return;
	p->tasks = xreallocarray(p->tasks, p->ntasks + 1, sizeof(*p->tasks));
	p->tasks[p->ntasks++] = t;
}

int
preset_get(const char *name, struct preset *p)
{
	struct json_object	*a;
	struct task		*t;
	char			*desc, *json, **v;
	size_t			 i, j;
	int			 rc;

	memset(p, 0, sizeof(*p));
	for (i = 0; i < md.conf->npresets; i++) {
		struct preset_conf *pc = &md.conf->presets[i];

		if (strcmp(pc->name, name) != 0)
			continue;
		p->name = xstrdup(pc->name);
		p->description = xstrdup(pc->description);
		p->from_config = true;
		for (v = pc->tasks; *v; v++)
			if ((t = task_find(&md.tasks, *v)) != NULL)
				add(p, t);
		for (j = 0; j < md.tasks.n; j++)
			for (v = pc->tags; *v; v++)
				if (strv_contains(md.tasks.v[j]->conf->tags, *v))
					add(p, md.tasks.v[j]);
		return 0;
	}
	if ((rc = store_preset_get(name, &desc, &json)) != 0)
		return rc;
	p->name = xstrdup(name);
	p->description = desc;
	if ((a = json_tokener_parse(json)) != NULL &&
	    json_object_is_type(a, json_type_array))
		for (i = 0; i < json_object_array_length(a); i++) {
			const char *n = json_object_get_string(
			    json_object_array_get_idx(a, i));

			if (n != NULL && (t = task_find(&md.tasks, n)) != NULL)
				add(p, t);
			else
				log_info("preset %s: task '%s' is no longer "
				    "configured", name, n ? n : "?");
		}
	json_object_put(a);
	free(json);
	return 0;
}

void
preset_free(struct preset *p)
{
	free(p->name);
	free(p->description);
	free(p->tasks);
	memset(p, 0, sizeof(*p));
}

struct json_object *
preset_json(const struct preset *p)
{
	struct json_object	*o = json_object_new_object(), *a;
	size_t			 i;

	json_object_object_add(o, "name", json_object_new_string(p->name));
	json_object_object_add(o, "description",
	    json_object_new_string(p->description ? p->description : ""));
	a = json_object_new_array();
	for (i = 0; i < p->ntasks; i++)
		json_object_array_add(a,
		    json_object_new_string(p->tasks[i]->conf->name));
	json_object_object_add(o, "tasks", a);
	return o;
}

/* Windows. */

struct window_rt {
	struct window_conf	*conf;		/* the config's, or its own */
	bool			 stored;	/* made at run time */
	char			*name;		/* kept across a reload */
	struct ev_timer		 open_timer;
	struct ev_timer		 close_timer;
	time_t			 next;
	time_t			 open_until;
	time_t			 tick;		/* rolling: the one it opened for */
	char			**turn;		/* rolling: what the turn activated */
	time_t			 turn_start;
	char			**opened;	/* what its opening activated */
};

static struct window_rt	**windows;	/* by pointer: their timers stay put */
static size_t		 nwindows;
static window_rolling_cb	rolling;

void
windows_rolling(window_rolling_cb cb)
{
	rolling = cb;
}

static struct window_rt *
window_named(const char *name)
{
	size_t	i;

	for (i = 0; i < nwindows; i++)
		if (strcmp(windows[i]->conf->name, name) == 0)
			return windows[i];
	return NULL;
}

static void
window_arm(struct window_rt *w)
{
	time_t	now = time(NULL);

	if ((w->next = cron_next_tz(&w->conf->cron, now, w->conf->timezone)) ==
	    (time_t)-1)
		return;
	ev_timer_add(&w->open_timer, (uint64_t)(w->next - now) * 1000);
}

static void
window_open(void *arg)
{
	struct window_rt	*w = arg;
	struct json_object	*d = json_object_new_object();
	struct preset		 p;
	struct plan		 plan;
	char			 actor[128], why[600];
	size_t			 i, n = 0;

	snprintf(actor, sizeof(actor), "window:%s", w->conf->name);
	json_object_object_add(d, "preset",
	    json_object_new_string(w->conf->preset));
	why[0] = '\0';
	if (md.halted)
		snprintf(why, sizeof(why), "maintd is halted");
	else if (w->conf->rolling && rolling != NULL) {
		/* the fleet gives this node its turn */
		w->tick = w->next;
		w->open_until = time(NULL) +
		    (time_t)(w->conf->duration_ms / 1000);
		ev_timer_add(&w->close_timer, (uint64_t)w->conf->duration_ms);
		json_object_object_add(d, "rolling",
		    json_object_new_boolean(true));
		log_info("window %s opened: waiting for this node's turn",
		    w->conf->name);
		event_emit(NULL, "window-opened", actor, d);
		window_arm(w);
		rolling(w->conf->name, w->tick, true);
		return;
	} else if (preset_get(w->conf->preset, &p) != 0)
		snprintf(why, sizeof(why), "preset %s cannot be read",
		    w->conf->preset);
	else {
		plan_activate(&plan, p.tasks, p.ntasks, false);
		if (plan.code != NULL)
			snprintf(why, sizeof(why), "%s: %s", plan.code,
			    plan.why);
		else {
			strv_free(w->opened);
			w->opened = xcalloc(plan.nstart + 1, sizeof(char *));
			for (i = 0; i < plan.nstart; i++)
				if (task_activate(plan.start[i],
				    w->conf->duration_ms, actor) == 0)
					w->opened[n++] = xstrdup(
					    plan.start[i]->conf->name);
			w->open_until = time(NULL) +
			    (time_t)(w->conf->duration_ms / 1000);
			ev_timer_add(&w->close_timer,
			    (uint64_t)w->conf->duration_ms);
			json_object_object_add(d, "started",
			    json_object_new_int((int)plan.nstart));
		}
		plan_free(&plan);
		preset_free(&p);
	}
	if (why[0] != '\0') {
		log_warnx("window %s: not opened: %s", w->conf->name, why);
		json_object_object_add(d, "reason", json_object_new_string(why));
		event_emit(NULL, "window-skipped", actor, d);
	} else {
		log_info("window %s opened", w->conf->name);
		event_emit(NULL, "window-opened", actor, d);
	}
	window_arm(w);
}

/*
 * The end of an open window: its tasks deactivate themselves (their
 * --for), a rolling window's turn ends.  why (not NULL) says what ended
 * it before its time.
 */
static void
window_closed(struct window_rt *w, const char *why)
{
	struct json_object	*d = json_object_new_object();
	char			 actor[128];

	snprintf(actor, sizeof(actor), "window:%s", w->conf->name);
	json_object_object_add(d, "preset",
	    json_object_new_string(w->conf->preset));
	if (why != NULL)
		json_object_object_add(d, "reason",
		    json_object_new_string(why));
	ev_timer_del(&w->close_timer);
	w->open_until = 0;
	strv_free(w->opened);
	w->opened = NULL;
	if (w->turn != NULL)
		window_turn_end(w->conf->name);
	log_info("window %s closed%s%s", w->conf->name, why ? ": " : "",
	    why ? why : "");
	event_emit(NULL, "window-closed", actor, d);
	if (w->conf->rolling && rolling != NULL)
		rolling(w->conf->name, w->tick, false);
}

static void
window_close(void *arg)
{
	window_closed(arg, NULL);
}

int
window_turn_begin(const char *name, int64_t ms, char *why, size_t len)
{
	struct window_rt	*w = window_named(name);
	struct preset		 p;
	struct plan		 plan;
	char			 actor[128];
	time_t			 now = time(NULL);
	size_t			 i, n = 0;
	int			 rc = 0;

	if (w == NULL || w->open_until <= now) {
		snprintf(why, len, "window %s is not open", name);
		return -1;
	}
	if (ms <= 0 || ms > (int64_t)(w->open_until - now) * 1000)
		ms = (int64_t)(w->open_until - now) * 1000;
	if (preset_get(w->conf->preset, &p) != 0) {
		snprintf(why, len, "preset %s cannot be read", w->conf->preset);
		return -1;
	}
	snprintf(actor, sizeof(actor), "window:%s", name);
	plan_activate(&plan, p.tasks, p.ntasks, false);
	if (plan.code != NULL) {
		snprintf(why, len, "%s: %s", plan.code, plan.why);
		rc = -1;
	} else {
		strv_free(w->turn);
		w->turn = xcalloc(plan.nstart + 1, sizeof(char *));
		w->turn_start = now;
		for (i = 0; i < plan.nstart; i++)
			if (task_activate(plan.start[i], ms, actor) != -1)
				w->turn[n++] = xstrdup(plan.start[i]->conf->name);
		log_info("window %s: this node's turn, %zu task%s", name, n,
		    n == 1 ? "" : "s");
	}
	plan_free(&plan);
	preset_free(&p);
	return rc;
}

void
window_turn_end(const char *name)
{
	struct window_rt	*w = window_named(name);
	struct task		*t;
	char			 actor[128];
	char			**v;

	if (w == NULL || w->turn == NULL)
		return;
	snprintf(actor, sizeof(actor), "window:%s", name);
	for (v = w->turn; *v != NULL; v++)
		if ((t = task_find(&md.tasks, *v)) != NULL && t->active)
			task_deactivate(t, actor);
	strv_free(w->turn);
	w->turn = NULL;
	log_info("window %s: this node's turn is over", name);
}

bool
window_turn_done(const char *name)
{
	struct window_rt	*w = window_named(name);
	struct task		*t;
	char			**v;

	if (w == NULL || w->turn == NULL)
		return true;
	for (v = w->turn; *v != NULL; v++) {
		if ((t = task_find(&md.tasks, *v)) == NULL)
			continue;
		if (task_busy(t) || (t->active && (t->conf->kind == KIND_SERVICE ||
		    t->last == NULL || t->last->start.tv_sec < w->turn_start)))
			return false;
	}
	return true;
}

void
window_end(const char *name)
{
	struct window_rt	*w = window_named(name);

	if (w != NULL && w->open_until > 0)
		window_close(w);
}

static void
window_add(struct window_conf *wc, bool stored)
{
	struct window_rt	*w = xcalloc(1, sizeof(*w));

	w->conf = wc;
	w->stored = stored;
	w->name = xstrdup(wc->name);
	ev_timer_init(&w->open_timer, window_open, w);
	ev_timer_init(&w->close_timer, window_close, w);
	windows = xreallocarray(windows, nwindows + 1, sizeof(*windows));
	windows[nwindows++] = w;
	window_arm(w);
}

static void
window_free(struct window_rt *w)
{
	ev_timer_del(&w->open_timer);
	ev_timer_del(&w->close_timer);
	free(w->name);
	strv_free(w->turn);
	strv_free(w->opened);
	if (w->stored)
		store_window_free(w->conf);
	free(w);
}

static const struct window_conf *
config_window(const char *name)
{
	size_t	i;

	for (i = 0; i < md.conf->nwindows; i++)
		if (strcmp(md.conf->windows[i].name, name) == 0)
			return &md.conf->windows[i];
	return NULL;
}

/* A window of the store, unless the config has one of its name. */
static void
stored_window(struct window_conf *wc, void *arg)
{
	(void)arg;
	if (config_window(wc->name) != NULL) {
		log_info("window %s: the config's is in force, not the one "
		    "made at run time", wc->name);
		store_window_free(wc);
		return;
	}
	window_add(wc, true);
}

/* The windows of the config, then those of the store; -1: the store failed. */
static int
windows_load(void)
{
	size_t	i;

	for (i = 0; i < md.conf->nwindows; i++)
		window_add(&md.conf->windows[i], false);
	return store_window_list(stored_window, NULL);
}

void
windows_init(void)
{
	if (windows_load() == -1)
		log_warnx("the windows made at run time cannot be read: %s",
		    store_error());
}

void
windows_stop(void)
{
	size_t	i;

	for (i = 0; i < nwindows; i++)
		window_free(windows[i]);
	free(windows);
	windows = NULL;
	nwindows = 0;
}

/*
 * A reload: the windows of the new config and of the store; one that is
 * open now and is still there (by name) stays open until its end.
 */
void
windows_reload(void)
{
	struct window_rt	**old = windows, *o, *w;
	size_t			  nold = nwindows, i, j;
	time_t			  now = time(NULL);

	for (i = 0; i < nold; i++) {
		ev_timer_del(&old[i]->open_timer);
		ev_timer_del(&old[i]->close_timer);
	}
	windows = NULL;
	nwindows = 0;
	if (windows_load() == -1) {
		/* the store cannot say: those made at run time stay */
		log_warnx("the windows made at run time cannot be read: %s; "
		    "those in force are kept", store_error());
		for (j = 0; j < nold; j++) {
			if ((o = old[j]) == NULL || !o->stored ||
			    window_named(o->conf->name) != NULL)
				continue;
			windows = xreallocarray(windows, nwindows + 1,
			    sizeof(*windows));
			windows[nwindows++] = o;
			old[j] = NULL;
			window_arm(o);
			if (o->open_until > now)
				ev_timer_add(&o->close_timer,
				    (uint64_t)(o->open_until - now) * 1000);
		}
	}
	for (i = 0; i < nwindows; i++)
		for (j = 0; j < nold; j++) {
			w = windows[i];
			if ((o = old[j]) == NULL || o->open_until <= now ||
			    strcmp(o->name, w->conf->name) != 0)
				continue;
			w->open_until = o->open_until;
			w->tick = o->tick;
			w->turn = o->turn;
			w->turn_start = o->turn_start;
			w->opened = o->opened;
			o->turn = NULL;
			o->opened = NULL;
			ev_timer_add(&w->close_timer,
			    (uint64_t)(o->open_until - now) * 1000);
		}
	for (j = 0; j < nold; j++)
		if (old[j] != NULL)
			window_free(old[j]);
	free(old);
}

size_t
windows_count(void)
{
	return nwindows;
}

const struct window_conf *
window_at(size_t i, bool *stored, time_t *next, time_t *open_until)
{
	struct window_rt	*w = windows[i];

	if (stored != NULL)
		*stored = w->stored;
	if (next != NULL)
		*next = w->next;
	if (open_until != NULL)
		*open_until = w->open_until > time(NULL) ? w->open_until : 0;
	return w->conf;
}

const struct window_conf *
window_find(const char *name)
{
	struct window_rt	*w = window_named(name);

	return w != NULL ? w->conf : NULL;
}

int
window_new(struct window_conf *wc)
{
	time_t	next;
	char	buf[80];

	if (window_named(wc->name) != NULL)
		return -1;
	window_add(wc, true);
	next = windows[nwindows - 1]->next;
	log_info("window %s: made at run time, next opening %s", wc->name,
	    next > 0 ? fmt_time_tz(next, wc->timezone, buf, sizeof(buf)) :
	    "never");
	return 0;
}

/*
 * The tasks an open window activated are deactivated as at its end,
 * those still active by its activation only (one activated again since,
 * by someone else, has another end or none).
 */
int
window_delete(const char *name, const char *actor)
{
	struct window_rt	*w;
	struct task		*t;
	char			 why[300];
	char			**v;
	size_t			 i;

	for (i = 0; i < nwindows; i++)
		if (windows[i]->stored &&
		    strcmp(windows[i]->conf->name, name) == 0)
			break;
	if (i == nwindows)
		return 1;
	w = windows[i];
	if (w->open_until > time(NULL) || w->turn != NULL) {
		for (v = w->opened; v != NULL && *v != NULL; v++)
			if ((t = task_find(&md.tasks, *v)) != NULL &&
			    t->active && t->active_until != 0 &&
			    llabs((long long)(t->active_until -
			    w->open_until)) <= 1)
				task_deactivate(t, actor);
		snprintf(why, sizeof(why), "deleted by %s", actor);
		window_closed(w, why);
	}
	memmove(&windows[i], &windows[i + 1],
	    (nwindows - i - 1) * sizeof(*windows));
	nwindows--;
	window_free(w);
	return 0;
}
