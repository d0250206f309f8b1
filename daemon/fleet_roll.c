/*
 * fleet_roll.c: rolling windows (fleet = rolling, DESIGN §10).  When such
 * a window opens on this node (preset.c says so), the node waits for a
 * free slot of the window's semaphore, max_parallel keys under PREFIX:
 *
 *	roll/W/TICK/slot/K	a turn of rolling window W (K < max_parallel)
 *	roll/W/TICK/done/NODE	NODE had its turn
 *
 * both on the node's lease.  In its turn the preset is applied; the turn
 * ends when its runs are over, at slot_duration or when the window
 * closes; once every node with the window had its turn, the window ends
 * everywhere.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "etcd.h"
#include "ev.h"
#include "feed.h"
#include "fleet_kv.h"
#include "fleet_node.h"
#include "fleet_roll.h"
#include "log.h"
#include "preset.h"
#include "state.h"
#include "util.h"

/* This node's rolling windows that are open. */
struct roll {
	char		*window;
	time_t		 tick;
	bool		 in_turn;	/* holds a slot */
	int		 slot;
	int64_t		 slot_rev;
	bool		 done;		/* had its turn */
	struct etcd_req	*trying;	/* the request for a slot */
	struct ev_timer	 slot_timer;	/* slot_duration */
	struct roll	*next;
};

static struct roll	*rolls;
static struct feed_sub	 end_sub;

static struct roll *
roll_find(const char *window)
{
	struct roll	*r;

	for (r = rolls; r != NULL; r = r->next)
		if (strcmp(r->window, window) == 0)
			return r;
	return NULL;
}

/* The config's or one made at run time (preset.c). */
static const struct window_conf *
window_conf(const char *window)
{
	return window_find(window);
}

/* put (or delete, value NULL) PREFIX/roll/W/TICK/what, on the lease */
static void
roll_put(const struct roll *r, const char *what, const char *value,
    etcd_cb cb, void *arg)
{
	struct json_object	*req = json_object_new_object();

	json_object_object_add(req, "key", fleet_key("roll/%s/%lld/%s",
	    r->window, (long long)r->tick, what));
	if (value == NULL) {
		(void)etcd_call("/v3/kv/deleterange", req, cb, arg);
		return;
	}
	json_object_object_add(req, "value", etcd_b64(value));
	json_object_object_add(req, "lease", fleet_num(fleet_node_lease()));
	(void)etcd_call("/v3/kv/put", req, cb, arg);
}

static void
turn_over(struct roll *r, const char *why)
{
	char	what[32];

	log_info("window %s: the turn of %s ends: %s", r->window,
	    md.conf->fleet.node, why);
	ev_timer_del(&r->slot_timer);
	window_turn_end(r->window);
	r->in_turn = false;
	r->done = true;
	if (fleet_node_up()) {
		roll_put(r, ((void)snprintf(what, sizeof(what), "done/%s",
		    md.conf->fleet.node), what), "1", NULL, NULL);
		snprintf(what, sizeof(what), "slot/%d", r->slot);
		roll_put(r, what, NULL, NULL, NULL);
	}
}

static void
slot_fire(void *arg)
{
	turn_over(arg, "its slot_duration is over");
}

static void
slot_reply(struct json_object *reply, const char *error, void *arg)
{
	struct roll		*r = arg;
	const struct window_conf *w;
	struct json_object	*v, *h;
	char			 why[600];

	r->trying = NULL;
	if (reply == NULL) {
		log_warnx("window %s: taking a turn: %s", r->window, error);
		return;
	}
	if (!json_object_object_get_ex(reply, "succeeded", &v) ||
	    !json_object_get_boolean(v))
		return;		/* taken meanwhile: the watch says when free */
	r->slot_rev = json_object_object_get_ex(reply, "header", &h) ?
	    etcd_int(h, "revision") : 0;
	r->in_turn = true;
	w = window_conf(r->window);
	if (window_turn_begin(r->window, w != NULL ? w->slot_ms : 0, why,
	    sizeof(why)) == -1) {
		turn_over(r, why);
		return;
	}
	if (w != NULL && w->slot_ms > 0)
		ev_timer_add(&r->slot_timer, (uint64_t)w->slot_ms);
	fleet_node_check(0);
}

/* Take a free slot of the window's semaphore, if there is one. */
static void
roll_try(struct roll *r)
{
	const struct window_conf *w = window_conf(r->window);
	struct json_object	*req, *cmp, *c, *succ, *put, *pw;
	char			 k[512];
	int			 i;

	if (w == NULL || r->in_turn || r->done || r->trying != NULL ||
	    !fleet_node_up() || md.halted)
		return;
	for (i = 0; i < w->max_parallel; i++) {
		snprintf(k, sizeof(k), "roll/%s/%lld/slot/%d", r->window,
		    (long long)r->tick, i);
		if (fleet_lookup(k) == NULL)
			break;
	}
	if (i == w->max_parallel)
		return;
	r->slot = i;
	c = json_object_new_object();
	json_object_object_add(c, "key", fleet_key("%s", k));
	json_object_object_add(c, "target", json_object_new_string("CREATE"));
	json_object_object_add(c, "create_revision", fleet_num(0));
	cmp = json_object_new_array();
	json_object_array_add(cmp, c);
	put = json_object_new_object();
	json_object_object_add(put, "key", fleet_key("%s", k));
	json_object_object_add(put, "value", etcd_b64(md.conf->fleet.node));
	json_object_object_add(put, "lease", fleet_num(fleet_node_lease()));
	pw = json_object_new_object();
	json_object_object_add(pw, "request_put", put);
	succ = json_object_new_array();
	json_object_array_add(succ, pw);
	req = json_object_new_object();
	json_object_object_add(req, "compare", cmp);
	json_object_object_add(req, "success", succ);
	r->trying = etcd_call("/v3/kv/txn", req, slot_reply, r);
}

/* Have all the nodes with this window had their turn? */
static bool
all_done(const struct roll *r)
{
	struct fleet_entry	*e;
	struct json_object	*o, *ws;
	char			 k[512];
	size_t			 i, n;
	bool			 has;

	for (e = fleet_entries(); e != NULL; e = e->next) {
		if (strncmp(e->key, "nodes/", 6) != 0 ||
		    (o = json_tokener_parse(e->value)) == NULL)
			continue;
		has = false;
		if (json_object_object_get_ex(o, "windows", &ws)) {
			n = json_object_array_length(ws);
			for (i = 0; i < n; i++)
				if (strcmp(json_object_get_string(
				    json_object_array_get_idx(ws, i)),
				    r->window) == 0)
					has = true;
		}
		json_object_put(o);
		snprintf(k, sizeof(k), "roll/%s/%lld/done/%s", r->window,
		    (long long)r->tick, e->key + 6);
		if (has && fleet_lookup(k) == NULL)
			return false;
	}
	return true;
}

static void
roll_check(struct roll *r)
{
	if (r->in_turn && window_turn_done(r->window))
		turn_over(r, "its runs are over");
	if (r->done && all_done(r)) {
		log_info("window %s: every node had its turn", r->window);
		window_end(r->window);		/* calls rolling(..., false) */
		return;
	}
	roll_try(r);
}

void
fleet_roll_check(void)
{
	struct roll	*r;
	size_t		 i, n;
	char		**names;

	/*
	 * A check may end a window, and with it free its roll (and maybe
	 * others): each is found again by name.
	 */
	for (n = 0, r = rolls; r != NULL; r = r->next)
		n++;
	names = xcalloc(n + 1, sizeof(*names));
	for (n = 0, r = rolls; r != NULL; r = r->next)
		names[n++] = xstrdup(r->window);
	for (i = 0; i < n; i++) {
		if ((r = roll_find(names[i])) != NULL)
			roll_check(r);
		free(names[i]);
	}
	free(names);
}

static void
roll_free(struct roll *r)
{
	struct roll	**rp;

	for (rp = &rolls; *rp != NULL; rp = &(*rp)->next)
		if (*rp == r) {
			*rp = r->next;
			break;
		}
	ev_timer_del(&r->slot_timer);
	etcd_cancel(r->trying);
	free(r->window);
	free(r);
}

/* preset.c: a rolling window opened or closed on this node. */
static void
rolling(const char *window, time_t tick, bool open)
{
	struct roll	*r = roll_find(window);

	if (!open) {
		if (r != NULL) {
			if (r->in_turn)
				turn_over(r, "the window closed");
			roll_free(r);
		}
		return;
	}
	if (r != NULL)
		roll_free(r);
	r = xcalloc(1, sizeof(*r));
	r->window = xstrdup(window);
	r->tick = tick;
	ev_timer_init(&r->slot_timer, slot_fire, r);
	r->next = rolls;
	rolls = r;
	roll_try(r);
}

/*
 * The lease is, or may be, gone, and the slot with it: another node may
 * take the turn, so this one's turn ends now (its runs stop).  It is not
 * done: it has a turn again once back in the fleet.
 */
void
fleet_roll_fence(const char *why)
{
	struct roll	*r;

	for (r = rolls; r != NULL; r = r->next) {
		if (!r->in_turn)
			continue;
		log_warnx("window %s: the turn of %s ends: %s", r->window,
		    md.conf->fleet.node, why);
		ev_timer_del(&r->slot_timer);
		r->in_turn = false;
		window_turn_end(r->window);
	}
}

/* When a run of a turn ends, the turn may be over. */
static void
on_run_end(enum feed_stream st, const struct feed_msg *m, void *arg)
{
	(void)st;
	(void)m;
	(void)arg;
	if (rolls != NULL)
		fleet_node_check(0);
}

struct json_object *
fleet_window_turns(const char *window)
{
	struct roll		*r = roll_find(window);
	struct json_object	*a;
	struct fleet_entry	*e;
	char			 k[512];
	size_t			 n;

	if (!fleet_on() || r == NULL)
		return NULL;
	n = (size_t)snprintf(k, sizeof(k), "roll/%s/%lld/slot/", window,
	    (long long)r->tick);
	a = json_object_new_array();
	for (e = fleet_entries(); e != NULL; e = e->next)
		if (strncmp(e->key, k, n) == 0)
			json_object_array_add(a, json_object_new_string(
			    e->value));
	return a;
}

void
fleet_roll_start(void)
{
	feed_subscribe(&end_sub, FEED_RUN_END, on_run_end, NULL);
	windows_rolling(rolling);
}

void
fleet_roll_stop(void)
{
	windows_rolling(NULL);
	feed_unsubscribe(&end_sub);
	while (rolls != NULL)
		roll_free(rolls);
}
