/*
 * verbs_fleet.c: "fleet status", "fleet stop-all" and "fleet resume":
 * the fleet as this node sees it, and its emergency stop (fleet.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "control.h"
#include "fleet.h"
#include "proto.h"
#include "table.h"
#include "util.h"
#include "verbs.h"

/* A client waiting for etcd to take the halt (or its end). */
struct fleet_req {
	struct client		*c;
	char			*ok;
	const char		*what;	/* --json: "halted", "resumed" */
	struct fleet_req	*next;
};
static struct fleet_req	*reqs;

static void
req_free(struct fleet_req *fr)
{
	struct fleet_req	**fp;

	for (fp = &reqs; *fp != NULL; fp = &(*fp)->next)
		if (*fp == fr) {
			*fp = fr->next;
			break;
		}
	free(fr->ok);
	free(fr);
}

static void
answered(bool ok, const char *code, const char *why, void *arg)
{
	struct fleet_req	*fr = arg;

	if (ok) {
		verbs_json(fr->c, "fleet", json_object_new_string(fr->what),
		    NULL);
		client_ok(fr->c, "%s", fr->ok);
	}
	else
		client_err(fr->c, code, "%s", why);
	req_free(fr);
}

void
verbs_fleet_client_gone(struct client *c)
{
	struct fleet_req	*fr, *next;

	for (fr = reqs; fr != NULL; fr = next) {
		next = fr->next;
		if (fr->c == c) {
			fleet_forget(fr);
			req_free(fr);
		}
	}
}

static struct fleet_req *
waiting(struct client *c, const char *what, const char *ok)
{
	struct fleet_req	*fr = xcalloc(1, sizeof(*fr));

	fr->c = c;
	fr->what = what;
	fr->ok = xstrdup(ok);
	fr->next = reqs;
	reqs = fr;
	client_hold(c);
	return fr;
}

/* "a, b" from a JSON array of strings */
static void
joined(struct json_object *a, char *buf, size_t len)
{
	size_t	i, n = 0;

	buf[0] = '\0';
	for (i = 0; a != NULL && i < json_object_array_length(a) && n < len;
	    i++)
		n += (size_t)snprintf(buf + n, len - n, "%s%s", i ? ", " : "",
		    json_object_get_string(json_object_array_get_idx(a, i)));
	if (buf[0] == '\0')
		snprintf(buf, len, "-");
}

static void
status(struct client *c)
{
	struct json_object	*o = fleet_status(), *nodes, *n, *v, *locks;
	struct table		 tb;
	size_t			 i;
	char			 act[1024];

	if (client_json_mode(c)) {
		client_json(c, o);
		json_object_put(o);
		client_ok(c, NULL);
		return;
	}
	v = json_object_object_get(o, "reason");
	client_data(c, "node %s: %s via %s, lease %.1fs left%s%s",
	    json_object_get_string(json_object_object_get(o, "node")),
	    json_object_get_string(json_object_object_get(o, "state")),
	    json_object_get_string(json_object_object_get(o, "endpoint")),
	    json_object_get_double(json_object_object_get(o, "lease_left_s")),
	    v != NULL ? ": " : "", v != NULL ? json_object_get_string(v) : "");
	if (json_object_get_boolean(json_object_object_get(o, "halted")))
		client_data(c, "HALTED by fleet stop-all: nothing starts on "
		    "any node until fleet resume");
	table_init(&tb, 4, "NODE", "VERSION", "STARTED", "ACTIVE");
	nodes = json_object_object_get(o, "nodes");
	for (i = 0; i < json_object_array_length(nodes); i++) {
		n = json_object_array_get_idx(nodes, i);
		joined(json_object_object_get(n, "active"), act, sizeof(act));
		table_row(&tb, json_object_get_string(json_object_object_get(n,
		    "node")), json_object_get_string(json_object_object_get(n,
		    "version")), json_object_get_string(json_object_object_get(
		    n, "started")), act);
	}
	table_emit(&tb, c);
	locks = json_object_object_get(o, "locks");
	if (json_object_object_length(locks) > 0) {
		table_init(&tb, 2, "LOCK", "HELD BY");
		json_object_object_foreach(locks, task, holder)
			table_row(&tb, task, json_object_get_string(holder));
		table_emit(&tb, c);
	}
	client_ok(c, "%zu node%s", json_object_array_length(nodes),
	    json_object_array_length(nodes) == 1 ? "" : "s");
	json_object_put(o);
}

void
verb_fleet(struct client *c, struct request *r)
{
	const char	*sub = r->args[0];
	char		 actor[128];

	if (!fleet_on()) {
		client_err(c, "state", "this maintd is in no fleet (no fleet "
		    "section in its configuration)");
		return;
	}
	if (strcmp(sub, "status") == 0) {
		status(c);
		return;
	}
	if (strcmp(sub, "stop-all") != 0 && strcmp(sub, "resume") != 0) {
		client_err(c, "usage", "usage: fleet status | fleet stop-all "
		    "[--confirm] | fleet resume");
		return;
	}
	if (!client_admin(c)) {
		verbs_deny(c, sub[0] == 's' ? "fleet stop-all" : "fleet resume");
		return;
	}
	verbs_actor(c, actor, sizeof(actor));
	if (strcmp(sub, "resume") == 0) {
		fleet_resume(actor, answered, waiting(c, "resumed", "the fleet resumes: "
		    "every node may start tasks again (each stays inactive)"));
		return;
	}
	if (!request_has(r, "confirm")) {
		client_err(c, "confirm", "Stop all maintenance on every node of "
		    "the fleet, and start nothing anywhere until fleet resume");
		return;
	}
	fleet_halt(actor, answered, waiting(c, "halted", "the fleet is halted: every "
	    "node stops its tasks and starts nothing until fleet resume"));
}
