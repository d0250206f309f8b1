/*
 * fleet.c: maintd among the other hosts' maintd, through etcd (DESIGN
 * §10); nothing of it runs without a fleet section.  This file starts
 * and stops the fleet's parts and carries what the node learns to them:
 *
 *	fleet_node.c	membership on a lease, the keys read and watched
 *	fleet_lock.c	singleton tasks (fleet = once), standby, fencing
 *	fleet_roll.c	rolling windows (fleet = rolling)
 *
 * and here the fleet's halt and the node's status.  Keys, under PREFIX:
 *
 *	nodes/NODE		{"node", "version", "started", "active", "windows"}
 *	lock/TASK		the node that runs TASK (fleet = once), on its lease
 *	halt			{"actor", "node", "time"}: the fleet is halted
 *	roll/W/TICK/slot/K	a turn of rolling window W (K < max_parallel)
 *	roll/W/TICK/done/NODE	NODE had its turn
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "etcd.h"
#include "fleet.h"
#include "fleet_lock.h"
#include "fleet_kv.h"
#include "fleet_node.h"
#include "fleet_roll.h"
#include "state.h"
#include "supervise.h"
#include "util.h"

static bool	halted_by_fleet;

/* The fleet's halt key came or went. */
static void
halt_changed(void)
{
	struct fleet_entry	*e = fleet_lookup("halt");
	struct json_object	*o;
	char			 actor[256];

	if (e != NULL && !md.halted) {
		o = json_tokener_parse(e->value);
		snprintf(actor, sizeof(actor), "fleet (%s on %s)",
		    o != NULL && json_object_object_get_ex(o, "actor", NULL) ?
		    json_object_get_string(json_object_object_get(o,
		    "actor")) : "?", o != NULL &&
		    json_object_object_get_ex(o, "node", NULL) ?
		    json_object_get_string(json_object_object_get(o, "node")) :
		    "?");
		json_object_put(o);
		halted_by_fleet = true;
		supervise_halt(actor);
	} else if (e == NULL && md.halted && halted_by_fleet) {
		halted_by_fleet = false;
		supervise_resume("fleet");
	}
}

/* --- what the node tells ------------------------------------------------- */

/* In the fleet, or the keys read again after the watch ended. */
static void
node_up(void)
{
	fleet_lock_drop_stale();
	halt_changed();
	fleet_lock_reread();
	fleet_lock_standby();
	fleet_node_check(0);
}

static void
node_changed(const char *k, bool deleted)
{
	if (strcmp(k, "halt") == 0)
		halt_changed();
	else if (strncmp(k, "lock/", 5) == 0)
		fleet_lock_changed(k, deleted);
	else if (strncmp(k, "roll/", 5) == 0 || strncmp(k, "nodes/", 6) == 0)
		fleet_node_check(0);
}

/* The lease is, or may be, gone: what it held is another's now. */
static void
node_lost(const char *why)
{
	fleet_lock_fence(why);
	fleet_roll_fence(why);
}

/* Locks held for runs that are over, and the rolling windows. */
static void
node_check(void)
{
	fleet_lock_check();
	fleet_roll_check();
	fleet_lock_standby();
}

static const struct fleet_node_hooks hooks = {
	.up = node_up,
	.lost = node_lost,
	.changed = node_changed,
	.check = node_check,
	.renewed = fleet_lock_verify,
};

/*
 * --- the fleet's stop-all ----------------------------------------------
 * The halt key is put or deleted whether or not this node holds a live
 * lease now: it needs etcd, not this node's membership, and an operator
 * must be able to stop or resume the fleet from a node that is
 * reconnecting (etcd's own error, or its silence past the timeout, is
 * the answer then).
 */

static void
halt_reply(struct json_object *o, const char *error, void *arg)
{
	struct fleet_op	*op = arg;
	char		 why[600];

	op->req = NULL;
	/*
	 * Halted (an actor) or resumed (none) in etcd: this node follows
	 * now, not only when its watch sees the key (a node that is
	 * reconnecting has no watch).
	 */
	if (o != NULL && op->actor != NULL && !md.halted) {
		halted_by_fleet = true;
		supervise_halt(op->actor);
	} else if (o != NULL && op->actor == NULL && md.halted &&
	    halted_by_fleet) {
		halted_by_fleet = false;
		supervise_resume("fleet");
	}
	snprintf(why, sizeof(why), "the fleet is not reachable: %s",
	    error != NULL ? error : "no reply from etcd");
	fleet_op_done(op, o != NULL, "fleet", o != NULL ? NULL : why);
	fleet_op_free(op);
}

void
fleet_halt(const char *actor, fleet_done done, void *arg)
{
	struct json_object	*req, *v;
	struct fleet_op		*op;
	char			 ts[64], who[512];

	v = json_object_new_object();
	json_object_object_add(v, "actor", json_object_new_string(actor));
	json_object_object_add(v, "node", json_object_new_string(md.conf->fleet.node));
	json_object_object_add(v, "time", json_object_new_string(
	    fmt_rfc3339(time(NULL), ts, sizeof(ts))));
	req = json_object_new_object();
	json_object_object_add(req, "key", fleet_key("halt"));
	json_object_object_add(req, "value", etcd_b64(
	    json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN)));
	json_object_put(v);
	op = fleet_op_new(NULL);
	op->done = done;
	op->arg = arg;
	snprintf(who, sizeof(who), "fleet (%s on %s)", actor,
	    md.conf->fleet.node);
	op->actor = xstrdup(who);
	if ((op->req = etcd_call("/v3/kv/put", req, halt_reply, op)) == NULL) {
		fleet_op_done(op, false, "fleet", "cannot start a request to etcd");
		fleet_op_free(op);
	}
}

void
fleet_resume(const char *actor, fleet_done done, void *arg)
{
	struct json_object	*req;
	struct fleet_op		*op;

	(void)actor;
	req = json_object_new_object();
	json_object_object_add(req, "key", fleet_key("halt"));
	op = fleet_op_new(NULL);
	op->done = done;
	op->arg = arg;
	if ((op->req = etcd_call("/v3/kv/deleterange", req, halt_reply,
	    op)) == NULL) {
		fleet_op_done(op, false, "fleet", "cannot start a request to etcd");
		fleet_op_free(op);
	}
}

/* --- status ------------------------------------------------------------ */

struct json_object *
fleet_status(void)
{
	struct json_object	*o = json_object_new_object(), *nodes, *locks;
	struct json_object	*v;
	struct fleet_entry	*e;
	int64_t			 left;

	json_object_object_add(o, "node", json_object_new_string(
	    md.conf->fleet.node));
	json_object_object_add(o, "state", json_object_new_string(
	    fleet_node_state()));
	json_object_object_add(o, "endpoint", json_object_new_string(
	    etcd_endpoint()));
	json_object_object_add(o, "reason", fleet_node_why()[0] ?
	    json_object_new_string(fleet_node_why()) : NULL);
	left = fleet_node_lease_left();
	json_object_object_add(o, "lease_left_s", json_object_new_double(
	    left > 0 ? (double)left / 1000 : 0));
	json_object_object_add(o, "halted", json_object_new_boolean(
	    fleet_lookup("halt") != NULL));
	nodes = json_object_new_array();
	locks = json_object_new_object();
	for (e = fleet_entries(); e != NULL; e = e->next) {
		if (strncmp(e->key, "nodes/", 6) == 0 &&
		    (v = json_tokener_parse(e->value)) != NULL)
			json_object_array_add(nodes, v);
		else if (strncmp(e->key, "lock/", 5) == 0)
			json_object_object_add(locks, e->key + 5,
			    json_object_new_string(e->value));
	}
	json_object_object_add(o, "nodes", nodes);
	json_object_object_add(o, "locks", locks);
	return o;
}

/* --- start and stop ------------------------------------------------------ */

void
fleet_init(void)
{
	if (!md.conf->fleet.on)
		return;
	fleet_lock_start();
	fleet_roll_start();
	fleet_node_start(&hooks);
}

void
fleet_stop(void)
{
	if (!fleet_on())
		return;
	fleet_lock_stop();
	fleet_roll_stop();
	fleet_node_stop();
}
