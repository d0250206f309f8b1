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
#include "maintd.h"
#include "policy.h"
#include "preset.h"
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
};

static struct window_rt	*windows;
static size_t		 nwindows;

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
	else if (preset_get(w->conf->preset, &p) != 0)
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
	w->open_until = 0;
	log_info("window %s closed", w->conf->name);
	event_emit(NULL, "window-closed", actor, d);
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
				ev_timer_add(&windows[i].close_timer,
				    (uint64_t)(old[j].open_until - now) * 1000);
			}
	for (j = 0; j < nold; j++)
		free(old[j].name);
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
