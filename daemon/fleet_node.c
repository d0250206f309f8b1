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
#include "fleet.h"
#include "fleet_kv.h"
#include "fleet_node.h"
#include "log.h"
#include "preset.h"
#include "state.h"
#include "util.h"

#define NLEASES		16	/* the leases of this maintd remembered */

enum fstate { F_DOWN, F_GRANT, F_UP };

static struct {
	bool			 on;
	enum fstate		 state;
	char			 why[512];	/* not up: why */
	int64_t			 lease;
	uint64_t		 lease_until;	/* mono ms */
	uint64_t		 ka_sent;
	uint64_t		 backoff_ms;
	int64_t			 leases[NLEASES];	/* granted to us */
	size_t			 nlease;
	int64_t			 dup_lease;	/* holds our name: refused */
	uint64_t		 watch_started;
	struct etcd_req		*conn_req;	/* grant, register, range */
	struct etcd_req		*ka_req;
	struct etcd_req		*watch;
	struct etcd_req		*pub_req;
	struct ev_timer		 ka_timer, fence_timer, retry_timer;
	struct ev_timer		 pub_timer, check_timer, reread_timer;
	bool			 pub_again;
	bool			 stopping;
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
	if (!f.stopping)
		ev_timer_add(&f.check_timer, ms);
}

const char *
fleet_node_state(void)
{
	if (f.state != F_UP && f.dup_lease != 0)
		return "refused";
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
	ev_timer_del(&f.reread_timer);
	f.state = F_DOWN;
	f.dup_lease = 0;		/* refuse() sets it again */
	/* at most ttl/2 apart: back soon after etcd's quorum is */
	f.backoff_ms = f.backoff_ms == 0 ? FLEET_BACKOFF_MIN_MS :
	    f.backoff_ms * 2;
	if (f.backoff_ms > (uint64_t)md.conf->fleet.ttl_ms / 2)
		f.backoff_ms = (uint64_t)md.conf->fleet.ttl_ms / 2;
	if (f.backoff_ms < FLEET_BACKOFF_MIN_MS)
		f.backoff_ms = FLEET_BACKOFF_MIN_MS;
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
	if (f.state == F_UP && f.hooks.renewed != NULL)
		f.hooks.renewed();
}

static void
ka_fire(void *arg)
{
	struct json_object	*req;

	(void)arg;
	if (f.lease == 0 || f.ka_req != NULL)
		return;
	req = json_object_new_object();
	json_object_object_add(req, "ID", fleet_num(f.lease));
	f.ka_sent = ev_now();
	f.ka_req = etcd_call("/v3/lease/keepalive", req, ka_reply, NULL);
}

/* --- the node's key ------------------------------------------------------ */

static struct json_object *
node_value(void)
{
	struct json_object	*o = json_object_new_object(), *a, *w;
	const struct window_conf *wc;
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
	/* the config's and those made at run time (preset.c) */
	w = json_object_new_array();
	for (i = 0; i < windows_count(); i++)
		if ((wc = window_at(i, NULL, NULL, NULL))->rolling)
			json_object_array_add(w, json_object_new_string(
			    wc->name));
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

/* A rolling window made or deleted at run time: the node says so. */
void
fleet_windows_changed(void)
{
	if (f.state == F_UP && !ev_timer_pending(&f.pub_timer))
		ev_timer_add(&f.pub_timer, 100);
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

static void	read_keys(void);

static void
on_event(const struct etcd_kv *kv, int64_t rev, void *arg)
{
	const char	*k;
	bool		 news;

	(void)rev;
	(void)arg;
	if ((k = fleet_rel(kv->key)) == NULL)
		return;
	if (kv->deleted)
		news = fleet_cache_del_at(k, kv->mod_rev);
	else
		news = fleet_cache_put(k, kv->value, kv->create_rev,
		    kv->mod_rev, kv->lease);
	if (news && f.hooks.changed != NULL)
		f.hooks.changed(k, kv->deleted);
}

/*
 * The watch ended (its member went, or etcd cancelled it): the keys are
 * read again and watched from the revision after that read, as etcd
 * wants, so that no change in between is missed.  A watch that ends as
 * soon as it started waits a little first.
 */
static void
watch_end(const char *why, void *arg)
{
	(void)arg;
	f.watch = NULL;
	if (f.state != F_UP)
		return;
	log_warnx("fleet: watch: %s; reading the keys again", why);
	ev_timer_add(&f.reread_timer, ev_now() - f.watch_started < 1000 ?
	    FLEET_BACKOFF_MIN_MS : 0);
}

static void
reread_fire(void *arg)
{
	(void)arg;
	if (f.state == F_UP && f.watch == NULL && f.conn_req == NULL)
		read_keys();
}

static void
watch_start(int64_t rev)
{
	f.watch_started = ev_now();
	if ((f.watch = etcd_watch(md.conf->fleet.prefix, rev, on_event,
	    watch_end, NULL)) == NULL)
		go_down("cannot watch the fleet's keys");
}

/* --- connecting: grant, register, read, watch ---------------------------- */

/* Was lease granted to this maintd (now or before)? */
static bool
ours(int64_t lease)
{
	size_t	i;

	for (i = 0; i < NLEASES; i++)
		if (lease != 0 && f.leases[i] == lease)
			return true;
	return false;
}

/*
 * Every key under the prefix, at one revision; then the watch from the
 * next one.  When connecting, the node is then in the fleet; when up
 * (the watch ended), the files above look at the keys again.
 */
static void
keys_reply(struct json_object *o, const char *error, void *arg)
{
	struct json_object	*kvs, *h;
	struct etcd_kv		 kv;
	const char		*k;
	int64_t			 rev;
	size_t			 i, n;
	char			 why[600];

	(void)arg;
	f.conn_req = NULL;
	if (o == NULL) {
		snprintf(why, sizeof(why), "reading the fleet's keys: %s", error);
		if (f.state != F_UP) {
			go_down(why);
			return;
		}
		log_warnx("fleet: %s", why);
		ev_timer_add(&f.reread_timer, FLEET_BACKOFF_MIN_MS);
		return;
	}
	rev = json_object_object_get_ex(o, "header", &h) ?
	    etcd_int(h, "revision") : 0;
	fleet_cache_reread(rev);
	if (json_object_object_get_ex(o, "kvs", &kvs)) {
		n = json_object_array_length(kvs);
		for (i = 0; i < n; i++) {
			if (etcd_kv_parse(json_object_array_get_idx(kvs, i),
			    &kv) == -1)
				continue;
			if ((k = fleet_rel(kv.key)) != NULL)
				(void)fleet_cache_put(k, kv.value,
				    kv.create_rev, kv.mod_rev, kv.lease);
			etcd_kv_clear(&kv);
		}
	}
	watch_start(rev + 1);
	if (f.watch == NULL)
		return;
	if (f.state != F_UP)
		went_up();
	else if (f.hooks.up != NULL)
		f.hooks.up();
}

static void
read_keys(void)
{
	struct json_object	*req = json_object_new_object();

	json_object_object_add(req, "key", etcd_b64(md.conf->fleet.prefix));
	json_object_object_add(req, "range_end",
	    etcd_prefix_end(md.conf->fleet.prefix));
	if ((f.conn_req = etcd_call("/v3/kv/range", req, keys_reply,
	    NULL)) == NULL)
		go_down("cannot start a request to etcd");
}

/*
 * PREFIX/nodes/NODE, on the lease, if it is not there or is the one
 * created at revision rev (a key of this maintd's earlier lease); else
 * the key as it is.
 */
static void	reg_reply(struct json_object *, const char *, void *);

static void
register_node(int64_t rev)
{
	struct json_object	*req, *cmp, *c, *succ, *pw, *fail, *rg, *rw;

	c = json_object_new_object();
	json_object_object_add(c, "key", fleet_key("nodes/%s",
	    md.conf->fleet.node));
	json_object_object_add(c, "target", json_object_new_string("CREATE"));
	json_object_object_add(c, "create_revision", fleet_num(rev));
	cmp = json_object_new_array();
	json_object_array_add(cmp, c);
	pw = json_object_new_object();
	json_object_object_add(pw, "request_put", put_node());
	succ = json_object_new_array();
	json_object_array_add(succ, pw);
	rg = json_object_new_object();
	json_object_object_add(rg, "key", fleet_key("nodes/%s",
	    md.conf->fleet.node));
	rw = json_object_new_object();
	json_object_object_add(rw, "request_range", rg);
	fail = json_object_new_array();
	json_object_array_add(fail, rw);
	req = json_object_new_object();
	json_object_object_add(req, "compare", cmp);
	json_object_object_add(req, "success", succ);
	json_object_object_add(req, "failure", fail);
	if ((f.conn_req = etcd_call("/v3/kv/txn", req, reg_reply, NULL)) == NULL)
		go_down("cannot start a request to etcd");
}

/*
 * The node's name is taken under a lease that is not this maintd's:
 * another maintd with the same node = is in the fleet (or one that has
 * just died, whose lease lasts until its ttl).  Two must never share a
 * name, so this one stays out (its lease revoked, no lock taken) and
 * tries again later: it joins once the other's lease is gone.
 */
static void
refuse(const struct etcd_kv *kv)
{
	struct json_object	*req, *v, *s;
	char			 why[600], since[128] = "";

	if ((v = json_tokener_parse(kv->value)) != NULL &&
	    json_object_object_get_ex(v, "started", &s))
		snprintf(since, sizeof(since), ", started %s",
		    json_object_get_string(s));
	json_object_put(v);
	snprintf(why, sizeof(why), "node name %s is already in the fleet under "
	    "another lease (%llx%s): not joining while it is; is another "
	    "maintd configured with node = \"%s\"?", md.conf->fleet.node,
	    (unsigned long long)kv->lease, since, md.conf->fleet.node);
	if (f.dup_lease != kv->lease)
		log_warnx("fleet: %s", why);
	req = json_object_new_object();
	json_object_object_add(req, "ID", fleet_num(f.lease));
	(void)etcd_call("/v3/lease/revoke", req, NULL, NULL);
	f.lease = 0;
	ev_timer_del(&f.fence_timer);
	/* the other's lease lasts at most ttl: try again in ttl/2 */
	f.backoff_ms = (uint64_t)md.conf->fleet.ttl_ms / 2;
	go_down(why);
	f.dup_lease = kv->lease;
}

static void
reg_reply(struct json_object *o, const char *error, void *arg)
{
	struct json_object	*v, *rs, *r0, *rr, *kvs;
	struct etcd_kv		 kv;
	char			 why[600];

	(void)arg;
	f.conn_req = NULL;
	if (o == NULL) {
		snprintf(why, sizeof(why), "registering %s: %s", md.conf->fleet.node,
		    error);
		go_down(why);
		return;
	}
	if (json_object_object_get_ex(o, "succeeded", &v) &&
	    json_object_get_boolean(v)) {
		f.dup_lease = 0;
		read_keys();
		return;
	}
	if (!json_object_object_get_ex(o, "responses", &rs) ||
	    (r0 = json_object_array_get_idx(rs, 0)) == NULL ||
	    !json_object_object_get_ex(r0, "response_range", &rr) ||
	    !json_object_object_get_ex(rr, "kvs", &kvs) ||
	    etcd_kv_parse(json_object_array_get_idx(kvs, 0), &kv) == -1) {
		/* gone meanwhile: try again */
		register_node(0);
		return;
	}
	if (ours(kv.lease)) {
		log_info("fleet: nodes/%s is left from an earlier lease: "
		    "replacing it", md.conf->fleet.node);
		register_node(kv.create_rev);
	} else
		refuse(&kv);
	etcd_kv_clear(&kv);
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
	f.leases[f.nlease++ % NLEASES] = f.lease;
	f.lease_until = f.ka_sent + (uint64_t)ttl * 1000;
	ev_timer_at(&f.fence_timer, f.lease_until);
	register_node(0);
}

static void
connect_start(void)
{
	struct json_object	*req;

	if (f.state == F_UP)
		return;
	req = json_object_new_object();
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
	ev_timer_init(&f.reread_timer, reread_fire, NULL);
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
	/* nothing is told any more, nor checked, while the lease is revoked */
	memset(&f.hooks, 0, sizeof(f.hooks));
	f.stopping = true;
	fleet_kv_stop();
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
	ev_timer_del(&f.reread_timer);
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
	etcd_stop();
	fleet_cache_clear();
	f.on = false;
	f.stopping = false;
}
