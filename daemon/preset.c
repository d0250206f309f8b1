/*
 * preset.c: a preset names a set of tasks, by name and by tag.  Config
 * presets come from maintd.conf; presets made with "preset create" or
 * "preset import" live in the store and survive restarts.  A window
 * applies its preset at each tick of its schedule, with auto-deactivation
 * after its duration.
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
#include "util.h"

struct window_rt {
	struct window_conf	*conf;
	char			*name;		/* kept across a reload */
	struct ev_timer		 open_timer;
	struct ev_timer		 close_timer;
	time_t			 next;
	time_t			 open_until;
	time_t			 tick;		/* rolling: the one it opened for */
	char			**turn;		/* rolling: what the turn activated */
	time_t			 turn_start;
};

static struct window_rt	*windows;
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
		if (strcmp(windows[i].conf->name, name) == 0)
			return &windows[i];
	return NULL;
}


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

static void
window_arm(struct window_rt *w)
{
	time_t	now = time(NULL);

	if ((w->next = cron_next(&w->conf->cron, now)) == (time_t)-1)
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
	size_t			 i;

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
			for (i = 0; i < plan.nstart; i++)
				(void)task_activate(plan.start[i],
				    w->conf->duration_ms, actor);
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

/* Its tasks deactivate themselves (their --for); this says so. */
static void
window_close(void *arg)
{
	struct window_rt	*w = arg;
	struct json_object	*d = json_object_new_object();
	char			 actor[128];

	snprintf(actor, sizeof(actor), "window:%s", w->conf->name);
	json_object_object_add(d, "preset",
	    json_object_new_string(w->conf->preset));
	ev_timer_del(&w->close_timer);
	w->open_until = 0;
	if (w->turn != NULL)
		window_turn_end(w->conf->name);
	log_info("window %s closed", w->conf->name);
	event_emit(NULL, "window-closed", actor, d);
	if (w->conf->rolling && rolling != NULL)
		rolling(w->conf->name, w->tick, false);
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
		log_info("window %s: this node's turn, %zu tasks", name, n);
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

void
windows_init(void)
{
	size_t	i;

	nwindows = md.conf->nwindows;
	windows = xcalloc(nwindows, sizeof(*windows));
	for (i = 0; i < nwindows; i++) {
		windows[i].conf = &md.conf->windows[i];
		windows[i].name = xstrdup(md.conf->windows[i].name);
		ev_timer_init(&windows[i].open_timer, window_open, &windows[i]);
		ev_timer_init(&windows[i].close_timer, window_close,
		    &windows[i]);
		window_arm(&windows[i]);
	}
}

void
windows_stop(void)
{
	size_t	i;

	for (i = 0; i < nwindows; i++) {
		ev_timer_del(&windows[i].open_timer);
		ev_timer_del(&windows[i].close_timer);
		free(windows[i].name);
		strv_free(windows[i].turn);
	}
	free(windows);
	windows = NULL;
	nwindows = 0;
}

/*
 * A reload: the windows of the new config; one that is open now and is
 * still there (by name) stays open until its end.
 */
void
windows_reload(void)
{
	struct window_rt	*old = windows;
	size_t			 nold = nwindows, i, j;
	time_t			 now = time(NULL);

	for (i = 0; i < nold; i++) {
		ev_timer_del(&old[i].open_timer);
		ev_timer_del(&old[i].close_timer);
	}
	windows = NULL;
	nwindows = 0;
	windows_init();
	for (i = 0; i < nwindows; i++)
		for (j = 0; j < nold; j++)
			if (old[j].open_until > now &&
			    strcmp(old[j].name, windows[i].conf->name) == 0) {
				windows[i].open_until = old[j].open_until;
				windows[i].tick = old[j].tick;
				windows[i].turn = old[j].turn;
				windows[i].turn_start = old[j].turn_start;
				old[j].turn = NULL;
				ev_timer_add(&windows[i].close_timer,
				    (uint64_t)(old[j].open_until - now) * 1000);
			}
	for (j = 0; j < nold; j++) {
		free(old[j].name);
		strv_free(old[j].turn);
	}
	free(old);
}

size_t
windows_count(void)
{
	return nwindows;
}

void
window_state(size_t i, time_t *next, time_t *open_until)
{
	*next = windows[i].next;
	*open_until = windows[i].open_until > time(NULL) ?
	    windows[i].open_until : 0;
}
