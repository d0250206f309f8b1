/*
 * fleet_node.c: this node in the fleet (DESIGN §10).  It holds a lease
 * (kept alive every ttl/3) and, on it, the key PREFIX/nodes/NODE; it
 * reads every key under PREFIX once, then watches them, so it knows at
 * once who holds what (the cache).  The lease surely lives until the
 * time its last renewal was sent plus ttl: if no renewal came back by
 * then, the lost hook fences the fleet runs and the node starts over
 * with a new lease.  Also the check timer, for the files above.
 *
 * The configuration is always md.conf->fleet: a reload keeps the section
 * as it was (a change needs a restart).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "etcd.h"
#include "ev.h"
#include "feed.h"
#include "fleet_kv.h"
#include "fleet_node.h"
#include "log.h"
#include "state.h"
#include "util.h"

enum fstate { F_DOWN, F_GRANT, F_UP };

static struct {
	bool			 on;
	enum fstate		 state;
	char			 why[512];	/* not up: why */
	int64_t			 lease;
	uint64_t		 lease_until;	/* mono ms */
	uint64_t		 ka_sent;
	uint64_t		 backoff_ms;
	int64_t			 rev;
	struct etcd_req		*conn_req;	/* grant, register, range */
	struct etcd_req		*ka_req;
	struct etcd_req		*watch;
	struct etcd_req		*pub_req;
	struct ev_timer		 ka_timer, fence_timer, retry_timer;
	struct ev_timer		 pub_timer, check_timer;
	bool			 pub_again;
	struct feed_sub		 act_sub;
	char			 started[64];
	struct fleet_node_hooks	 hooks;
} f;

static void	connect_start(void);
static void	went_up(void);

bool
fleet_on(void)
{
	return f.on;
}

bool
fleet_node_up(void)
{
	return f.state == F_UP;
}

int64_t
fleet_node_lease(void)
{
	return f.lease;
}

bool
fleet_usable(char *why, size_t len)
{
	if (f.state == F_UP && ev_now() < f.lease_until)
		return true;
	snprintf(why, len, "the fleet is not reachable: %s", f.why[0] ?
	    f.why : "connecting to etcd");
	return false;
}

void
fleet_node_check(uint64_t ms)
{
	ev_timer_add(&f.check_timer, ms);
}

const char *
fleet_node_state(void)
{
	return f.state == F_UP ? "connected" : f.state == F_GRANT ?
	    "connecting" : "disconnected";
}

const char *
fleet_node_why(void)
{
	return f.why;
}

int64_t
fleet_node_lease_left(void)
{
	return f.lease != 0 ? (int64_t)f.lease_until - (int64_t)ev_now() : 0;
}

const char *
fleet_trouble(void)
{
	static char	buf[600];

	if (!fleet_on() || (f.state == F_UP && ev_now() < f.lease_until))
		return NULL;
	snprintf(buf, sizeof(buf), "fleet: %s", f.why[0] ? f.why :
	    "connecting to etcd");
	return buf;
}

/* --- going down ------------------------------------------------------------ */

static void
go_down(const char *why)
{
	if (f.state == F_UP)
		log_warnx("fleet: %s", why);
	snprintf(f.why, sizeof(f.why), "%s", why);
	etcd_cancel(f.conn_req);
	etcd_cancel(f.ka_req);
	etcd_cancel(f.watch);
	etcd_cancel(f.pub_req);
	f.conn_req = f.ka_req = f.watch = f.pub_req = NULL;
	ev_timer_del(&f.ka_timer);
	f.state = F_DOWN;
	f.backoff_ms = f.backoff_ms == 0 ? FLEET_BACKOFF_MIN_MS :
	    f.backoff_ms * 2;
	if (f.backoff_ms > (uint64_t)md.conf->fleet.ttl_ms)
		f.backoff_ms = (uint64_t)md.conf->fleet.ttl_ms;
	ev_timer_add(&f.retry_timer, f.backoff_ms);
}

static void
lost(const char *why)
{
	if (f.hooks.lost != NULL)
		f.hooks.lost(why);
}

static void
fence_fire(void *arg)
{
	(void)arg;
	lost("the fleet lease could not be renewed in time");
	f.lease = 0;
	fleet_cache_clear();
	go_down("the lease expired before it could be renewed");
}

static void
retry_fire(void *arg)
{
	(void)arg;
	connect_start();
}

static void
check_fire(void *arg)
{
	(void)arg;
	if (f.hooks.check != NULL)
		f.hooks.check();
}

/* --- the lease ------------------------------------------------------------ */

static void
ka_reply(struct json_object *o, const char *error, void *arg)
{
	struct json_object	*res;
	int64_t			 ttl;

	(void)arg;
	f.ka_req = NULL;
	if (o == NULL) {
		/* try again soon; the fence timer stays where it is */
		log_warnx("fleet: lease keepalive: %s", error);
		snprintf(f.why, sizeof(f.why), "lease keepalive: %s", error);
		ev_timer_add(&f.ka_timer, FLEET_BACKOFF_MIN_MS);
		return;
	}
	ttl = json_object_object_get_ex(o, "result", &res) ?
	    etcd_int(res, "TTL") : 0;
	if (ttl <= 0) {
		lost("the fleet lease is gone");
		f.lease = 0;
		fleet_cache_clear();
		ev_timer_del(&f.fence_timer);
		go_down("the lease is gone (it expired)");
		return;
	}
	f.why[0] = '\0';
	f.lease_until = f.ka_sent + (uint64_t)ttl * 1000;
	ev_timer_at(&f.fence_timer, f.lease_until);
	ev_timer_add(&f.ka_timer, (uint64_t)md.conf->fleet.ttl_ms / 3);
}

static void
ka_fire(void *arg)
{
	struct json_object	*req = json_object_new_object();

	(void)arg;
	if (f.lease == 0 || f.ka_req != NULL)
		return;
	json_object_object_add(req, "ID", fleet_num(f.lease));
	f.ka_sent = ev_now();
	f.ka_req = etcd_call("/v3/lease/keepalive", req, ka_reply, NULL);
}

/* --- the node's key ------------------------------------------------------ */

static struct json_object *
node_value(void)
{
	struct json_object	*o = json_object_new_object(), *a, *w;
	size_t			 i;

	json_object_object_add(o, "node", json_object_new_string(
	    md.conf->fleet.node));
	json_object_object_add(o, "version",
	    json_object_new_string(MAINTD_VERSION));
	json_object_object_add(o, "started", json_object_new_string(
	    f.started));
	a = json_object_new_array();
	for (i = 0; i < md.tasks.n; i++)
		if (md.tasks.v[i]->active)
			json_object_array_add(a, json_object_new_string(
			    md.tasks.v[i]->conf->name));
	json_object_object_add(o, "active", a);
	w = json_object_new_array();
	for (i = 0; i < md.conf->nwindows; i++)
		if (md.conf->windows[i].rolling)
			json_object_array_add(w, json_object_new_string(
			    md.conf->windows[i].name));
	json_object_object_add(o, "windows", w);
	return o;
}

static struct json_object *
put_node(void)
{
	struct json_object	*req = json_object_new_object(), *v;
	const char		*s;

	v = node_value();
	s = json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
	json_object_object_add(req, "key", fleet_key("nodes/%s",
	    md.conf->fleet.node));
	json_object_object_add(req, "value", etcd_b64(s));
	json_object_object_add(req, "lease", fleet_num(f.lease));
	json_object_put(v);
	return req;
}

static void
pub_reply(struct json_object *o, const char *error, void *arg)
{
	(void)arg;
	f.pub_req = NULL;
	if (o == NULL)
		log_warnx("fleet: registering %s: %s", md.conf->fleet.node, error);
	if (f.pub_again) {
		f.pub_again = false;
		ev_timer_add(&f.pub_timer, 100);
	}
}

static void
pub_fire(void *arg)
{
	(void)arg;
	if (f.state != F_UP)
		return;
	if (f.pub_req != NULL) {
		f.pub_again = true;
		return;
	}
	f.pub_req = etcd_call("/v3/kv/put", put_node(), pub_reply, NULL);
}

static void
on_activation(enum feed_stream st, const struct feed_msg *m, void *arg)
{
	(void)st;
	(void)m;
	(void)arg;
	if (f.state == F_UP && !ev_timer_pending(&f.pub_timer))
		ev_timer_add(&f.pub_timer, 100);
}

/* --- the watch ----------------------------------------------------------- */

static void	watch_start(void);

static void
on_event(const struct etcd_kv *kv, int64_t rev, void *arg)
{
	const char	*k;

	(void)arg;
	if (rev > f.rev)
		f.rev = rev;
	if ((k = fleet_rel(kv->key)) == NULL)
		return;
	if (kv->deleted)
		fleet_cache_del(k);
	else
		fleet_cache_put(k, kv->value, kv->create_rev, kv->lease);
	if (f.hooks.changed != NULL)
		f.hooks.changed(k, kv->deleted);
}

static void
watch_end(const char *why, void *arg)
{
	(void)arg;
	f.watch = NULL;
	if (f.state == F_UP) {
		log_warnx("fleet: watch: %s; watching again", why);
		watch_start();
	}
}

static void
watch_start(void)
{
	if ((f.watch = etcd_watch(md.conf->fleet.prefix, f.rev + 1, on_event,
	    watch_end, NULL)) == NULL)
		go_down("cannot watch the fleet's keys");
}

/* --- connecting: grant, register, read, watch ---------------------------- */

static void
range_reply(struct json_object *o, const char *error, void *arg)
{
	struct json_object	*kvs, *h;
	struct etcd_kv		 kv;
	const char		*k;
	size_t			 i, n;
	char			 why[600];

	(void)arg;
	f.conn_req = NULL;
	if (o == NULL) {
		snprintf(why, sizeof(why), "reading the fleet's keys: %s", error);
		go_down(why);
		return;
	}
	fleet_cache_clear();
	f.rev = json_object_object_get_ex(o, "header", &h) ?
	    etcd_int(h, "revision") : 0;
	if (json_object_object_get_ex(o, "kvs", &kvs)) {
		n = json_object_array_length(kvs);
		for (i = 0; i < n; i++) {
			if (etcd_kv_parse(json_object_array_get_idx(kvs, i),
			    &kv) == -1)
				continue;
			if ((k = fleet_rel(kv.key)) != NULL)
				fleet_cache_put(k, kv.value, kv.create_rev, kv.lease);
			etcd_kv_clear(&kv);
		}
	}
	watch_start();
	if (f.watch != NULL)
		went_up();
}

static void
reg_reply(struct json_object *o, const char *error, void *arg)
{
	struct json_object	*req;
	char			 why[600];

	(void)arg;
	f.conn_req = NULL;
	if (o == NULL) {
		snprintf(why, sizeof(why), "registering %s: %s", md.conf->fleet.node,
		    error);
		go_down(why);
		return;
	}
	req = json_object_new_object();
	json_object_object_add(req, "key", etcd_b64(md.conf->fleet.prefix));
	json_object_object_add(req, "range_end",
	    etcd_prefix_end(md.conf->fleet.prefix));
	f.conn_req = etcd_call("/v3/kv/range", req, range_reply, NULL);
}

static void
grant_reply(struct json_object *o, const char *error, void *arg)
{
	int64_t	ttl;
	char	why[600];

	(void)arg;
	f.conn_req = NULL;
	if (o == NULL || (f.lease = etcd_int(o, "ID")) == 0 ||
	    (ttl = etcd_int(o, "TTL")) <= 0) {
		snprintf(why, sizeof(why), "no lease: %s", error != NULL ?
		    error : "no ID in the reply");
		go_down(why);
		return;
	}
	f.lease_until = f.ka_sent + (uint64_t)ttl * 1000;
	ev_timer_at(&f.fence_timer, f.lease_until);
	f.conn_req = etcd_call("/v3/kv/put", put_node(), reg_reply, NULL);
}

static void
connect_start(void)
{
	struct json_object	*req = json_object_new_object();

	if (f.state == F_UP)
		return;
	f.state = F_GRANT;
	json_object_object_add(req, "TTL",
	    json_object_new_int64(md.conf->fleet.ttl_ms / 1000));
	f.ka_sent = ev_now();
	if ((f.conn_req = etcd_call("/v3/lease/grant", req, grant_reply,
	    NULL)) == NULL)
		go_down("cannot start a request to etcd");
}

static void
went_up(void)
{
	f.state = F_UP;
	f.backoff_ms = 0;
	f.why[0] = '\0';
	log_info("fleet: node %s is in the fleet (etcd %s, lease %llx)",
	    md.conf->fleet.node, etcd_endpoint(), (unsigned long long)f.lease);
	ev_timer_add(&f.ka_timer, (uint64_t)md.conf->fleet.ttl_ms / 3);
	if (f.hooks.up != NULL)
		f.hooks.up();
}

/* --- start and stop ------------------------------------------------------ */

void
fleet_node_start(const struct fleet_node_hooks *h)
{
	const struct fleet_conf	*c = &md.conf->fleet;

	f.on = true;
	f.hooks = *h;
	fmt_rfc3339(time(NULL), f.started, sizeof(f.started));
	etcd_setup(c->endpoints, c->cacert, c->cert, c->key, c->timeout_ms);
	ev_timer_init(&f.ka_timer, ka_fire, NULL);
	ev_timer_init(&f.fence_timer, fence_fire, NULL);
	ev_timer_init(&f.retry_timer, retry_fire, NULL);
	ev_timer_init(&f.pub_timer, pub_fire, NULL);
	ev_timer_init(&f.check_timer, check_fire, NULL);
	feed_subscribe(&f.act_sub, FEED_ACTIVATION, on_activation, NULL);
	snprintf(f.why, sizeof(f.why), "connecting to etcd");
	connect_start();
}

/* The lease revoked at exit: the loop runs once more until etcd answers. */
static struct etcd_req	*revoke_req;

static void
revoked(struct json_object *o, const char *error, void *arg)
{
	(void)o;
	(void)arg;
	revoke_req = NULL;
	if (error != NULL)
		log_warnx("fleet: revoking the lease: %s", error);
	ev_break();
}

static void
revoke_timeout(void *arg)
{
	(void)arg;
	ev_break();
}

void
fleet_node_stop(void)
{
	struct json_object	*req;
	struct ev_timer		 t;

	feed_unsubscribe(&f.act_sub);
	etcd_cancel(f.conn_req);
	etcd_cancel(f.ka_req);
	etcd_cancel(f.watch);
	etcd_cancel(f.pub_req);
	f.conn_req = f.ka_req = f.watch = f.pub_req = NULL;
	ev_timer_del(&f.ka_timer);
	ev_timer_del(&f.fence_timer);
	ev_timer_del(&f.retry_timer);
	ev_timer_del(&f.pub_timer);
	ev_timer_del(&f.check_timer);
	/*
	 * Our keys (the node, locks, turns) go with the lease: now, so that
	 * another node takes over at once rather than after ttl.  The runs
	 * are over by now; this waits at most the fleet's timeout.
	 */
	if (f.lease != 0 && f.state == F_UP) {
		req = json_object_new_object();
		json_object_object_add(req, "ID", fleet_num(f.lease));
		if ((revoke_req = etcd_call("/v3/lease/revoke", req, revoked,
		    NULL)) != NULL) {
			ev_timer_init(&t, revoke_timeout, NULL);
			ev_timer_add(&t, (uint64_t)md.conf->fleet.timeout_ms);
			(void)ev_run();
			ev_timer_del(&t);
			etcd_cancel(revoke_req);
			revoke_req = NULL;
		}
	}
	fleet_kv_stop();
	f.on = false;
}
