/*
 * fleet.c: maintd among the other hosts' maintd, through etcd (DESIGN
 * §12); nothing of it runs without a fleet section.
 *
 * The configuration is always md.conf->fleet: a reload keeps the
 * section as it was (a change needs a restart).
 *
 * The node holds a lease (kept alive every ttl/3) and, on it, the key
 * PREFIX/nodes/NODE; it reads every key under PREFIX once, then watches
 * them, so it knows at once who holds what.  Keys, under PREFIX:
 *
 *	nodes/NODE		{"node", "version", "started", "active", "windows"}
 *	lock/TASK		the node that runs TASK (fleet = once), on its lease
 *	halt			{"actor", "node", "time"}: the fleet is halted
 *	roll/W/TICK/slot/K	a turn of rolling window W (K < max_parallel)
 *	roll/W/TICK/done/NODE	NODE had its turn
 *
 * A lock is taken in one transaction (the key's create_revision is 0),
 * its revision is the run's MAINTD_FLEET_TOKEN.  Fencing: the lease
 * surely lives until the time its last renewal was sent plus ttl; at that
 * time, if no renewal came back, the node stops its fleet runs (fleet_lost
 * = stop) and starts over with a new lease.  Nothing of the fleet starts
 * while the node is not connected (fail closed).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "etcd.h"
#include "event.h"
#include "ev.h"
#include "feed.h"
#include "fleet.h"
#include "log.h"
#include "policy.h"
#include "preset.h"
#include "state.h"
#include "supervise.h"
#include "util.h"

#define BACKOFF_MIN_MS	500

enum fstate { F_DOWN, F_GRANT, F_UP };

/* What is under the prefix, as last read or watched. */
struct entry {
	char		*key;		/* without the prefix */
	char		*value;
	int64_t		 create_rev;
	int64_t		 lease;
	struct entry	*next;
};

/* A request that waits for etcd, and whoever waits for it. */
struct op {
	struct etcd_req	*req;
	char		*task;		/* a lock: the task it is for */
	enum trigger	 trig;
	bool		 dry_run;
	char		*actor;
	fleet_done	 done;
	void		*arg;
	struct op	*next;
};

/* This node's rolling windows that are open. */
struct roll {
	char		*window;
	time_t		 tick;
	bool		 in_turn;	/* holds a slot */
	int		 slot;
	int64_t		 slot_rev;
	bool		 done;		/* had its turn */
	bool		 trying;
	struct ev_timer	 slot_timer;	/* slot_duration */
	struct roll	*next;
};

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
	struct entry		*kv;
	struct op		*ops;
	struct roll		*rolls;
	bool			 halted_by_fleet;
	bool			 pub_again;
	struct feed_sub		 act_sub, end_sub;
	char			 started[64];
} f;

static void	connect_start(void);
static void	went_up(void);
static void	try_standby(void);
static void	delete_if(const char *, int64_t);
static void	roll_try(struct roll *);
static void	roll_check(struct roll *);
static struct roll *roll_find(const char *);

bool
fleet_on(void)
{
	return f.on;
}

/* --- the cache of the keys -------------------------------------------- */

static const char *
rel(const char *key)
{
	size_t	n = strlen(md.conf->fleet.prefix);

	return strncmp(key, md.conf->fleet.prefix, n) == 0 ? key + n : NULL;
}

static struct entry *
lookup(const char *key)
{
	struct entry	*e;

	for (e = f.kv; e != NULL; e = e->next)
		if (strcmp(e->key, key) == 0)
			return e;
	return NULL;
}

static void
cache_put(const char *key, const char *value, int64_t create_rev,
    int64_t lease)
{
	struct entry	*e;

	if ((e = lookup(key)) == NULL) {
		e = xcalloc(1, sizeof(*e));
		e->key = xstrdup(key);
		e->next = f.kv;
		f.kv = e;
	} else
		free(e->value);
	e->value = xstrdup(value);
	e->create_rev = create_rev;
	e->lease = lease;
}

static void
cache_del(const char *key)
{
	struct entry	**ep, *e;

	for (ep = &f.kv; (e = *ep) != NULL; ep = &e->next)
		if (strcmp(e->key, key) == 0) {
			*ep = e->next;
			free(e->key);
			free(e->value);
			free(e);
			return;
		}
}

static void
cache_clear(void)
{
	struct entry	*e;

	while ((e = f.kv) != NULL) {
		f.kv = e->next;
		free(e->key);
		free(e->value);
		free(e);
	}
}

/* PREFIX + rel, for a request. */
static struct json_object *
key_json(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static struct json_object *
key_json(const char *fmt, ...)
{
	char	rk[512], k[1024];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(rk, sizeof(rk), fmt, ap);
	va_end(ap);
	snprintf(k, sizeof(k), "%s%s", md.conf->fleet.prefix, rk);
	return etcd_b64(k);
}

static struct json_object *
num(int64_t n)
{
	char	b[32];

	snprintf(b, sizeof(b), "%lld", (long long)n);
	return json_object_new_string(b);
}

/* --- ops ----------------------------------------------------------------- */

static struct op *
op_new(const char *task)
{
	struct op	*o = xcalloc(1, sizeof(*o));

	o->task = task != NULL ? xstrdup(task) : NULL;
	o->next = f.ops;
	f.ops = o;
	return o;
}

static void
op_free(struct op *o)
{
	struct op	**op;

	for (op = &f.ops; *op != NULL; op = &(*op)->next)
		if (*op == o) {
			*op = o->next;
			break;
		}
	free(o->task);
	free(o->actor);
	free(o);
}

static void
op_done(struct op *o, bool ok, const char *code, const char *why)
{
	if (o->done != NULL)
		o->done(ok, code, why, o->arg);
	o->done = NULL;
}

void
fleet_forget(void *arg)
{
	struct op	*o;

	for (o = f.ops; o != NULL; o = o->next)
		if (o->arg == arg)
			o->done = NULL;
}

/* Is a request for task's lock under way? */
static bool
locking(const char *task)
{
	struct op	*o;

	for (o = f.ops; o != NULL; o = o->next)
		if (o->task != NULL && strcmp(o->task, task) == 0)
			return true;
	return false;
}

/* --- going down, and fencing ----------------------------------------------- */

/* Stop the fleet runs: their lock is, or may be, another's now. */
static void
fence(const char *why)
{
	struct task	*t;
	size_t		 i;

	for (i = 0; i < md.tasks.n; i++) {
		t = md.tasks.v[i];
		if (!t->conf->fleet_once || t->fleet_token == 0)
			continue;
		t->fleet_token = 0;
		if (task_busy(t) && !t->conf->fleet_keep) {
			log_warnx("%s: stopping run %llu: %s", t->conf->name,
			    (unsigned long long)t->cur.id, why);
			t->cur.fleet_lost = true;
			(void)task_stop(t, "fleet");
		}
	}
}

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
	f.backoff_ms = f.backoff_ms == 0 ? BACKOFF_MIN_MS : f.backoff_ms * 2;
	if (f.backoff_ms > (uint64_t)md.conf->fleet.ttl_ms)
		f.backoff_ms = (uint64_t)md.conf->fleet.ttl_ms;
	ev_timer_add(&f.retry_timer, f.backoff_ms);
}

static void
fence_fire(void *arg)
{
	(void)arg;
	fence("the fleet lease could not be renewed in time");
	f.lease = 0;
	cache_clear();
	go_down("the lease expired before it could be renewed");
}

static void
retry_fire(void *arg)
{
	(void)arg;
	connect_start();
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
		ev_timer_add(&f.ka_timer, BACKOFF_MIN_MS);
		return;
	}
	ttl = json_object_object_get_ex(o, "result", &res) ?
	    etcd_int(res, "TTL") : 0;
	if (ttl <= 0) {
		fence("the fleet lease is gone");
		f.lease = 0;
		cache_clear();
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
	json_object_object_add(req, "ID", num(f.lease));
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
	json_object_object_add(req, "key", key_json("nodes/%s", md.conf->fleet.node));
	json_object_object_add(req, "value", etcd_b64(s));
	json_object_object_add(req, "lease", num(f.lease));
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

static void	watch_start(void);

/* The fleet's halt key came or went. */
static void
halt_changed(void)
{
	struct entry		*e = lookup("halt");
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
		f.halted_by_fleet = true;
		supervise_halt(actor);
	} else if (e == NULL && md.halted && f.halted_by_fleet) {
		f.halted_by_fleet = false;
		supervise_resume("fleet");
	}
}

static void
on_event(const struct etcd_kv *kv, int64_t rev, void *arg)
{
	const char	*k;

	(void)arg;
	if (rev > f.rev)
		f.rev = rev;
	if ((k = rel(kv->key)) == NULL)
		return;
	if (kv->deleted)
		cache_del(k);
	else
		cache_put(k, kv->value, kv->create_rev, kv->lease);
	if (strcmp(k, "halt") == 0)
		halt_changed();
	else if (strncmp(k, "lock/", 5) == 0 && kv->deleted)
		try_standby();
	else if (strncmp(k, "roll/", 5) == 0 || strncmp(k, "nodes/", 6) == 0)
		ev_timer_add(&f.check_timer, 0);
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
	cache_clear();
	f.rev = json_object_object_get_ex(o, "header", &h) ?
	    etcd_int(h, "revision") : 0;
	if (json_object_object_get_ex(o, "kvs", &kvs)) {
		n = json_object_array_length(kvs);
		for (i = 0; i < n; i++) {
			if (etcd_kv_parse(json_object_array_get_idx(kvs, i),
			    &kv) == -1)
				continue;
			if ((k = rel(kv.key)) != NULL)
				cache_put(k, kv.value, kv.create_rev, kv.lease);
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

/*
 * Keys of this node on an older lease (etcd kept it alive over a leader
 * election, or this node lost it while frozen): they hold nothing of
 * ours any more, so they go, and a node that stands by may take over.
 */
static void
drop_stale(void)
{
	struct entry		*e, *next;

	for (e = f.kv; e != NULL; e = next) {
		next = e->next;
		if (e->lease == 0 || e->lease == f.lease ||
		    strcmp(e->value, md.conf->fleet.node) != 0 ||
		    (strncmp(e->key, "lock/", 5) != 0 &&
		    strncmp(e->key, "roll/", 5) != 0))
			continue;
		log_info("fleet: %s is left from an earlier lease: deleting it",
		    e->key);
		delete_if(e->key, e->create_rev);
	}
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
	drop_stale();
	halt_changed();
	try_standby();
	ev_timer_add(&f.check_timer, 0);
}

/* --- locks ------------------------------------------------------------- */

static bool
usable(char *why, size_t len)
{
	if (f.state == F_UP && ev_now() < f.lease_until)
		return true;
	snprintf(why, len, "the fleet is not reachable: %s", f.why[0] ?
	    f.why : "connecting to etcd");
	return false;
}

const char *
fleet_holder(const char *task)
{
	static char	 k[256];
	struct entry	*e;

	if (!fleet_on())
		return NULL;
	snprintf(k, sizeof(k), "lock/%s", task);
	if ((e = lookup(k)) == NULL || strcmp(e->value, md.conf->fleet.node) == 0)
		return NULL;
	return e->value;
}

static void	lock_release(const char *, int64_t);

static void
skipped(struct task *t, const char *why)
{
	struct json_object	*d = json_object_new_object();

	log_info("%s: not run: %s", t->conf->name, why);
	json_object_object_add(d, "reason", json_object_new_string(why));
	event_emit(t->conf->name, "skipped", "fleet", d);
}

/* The lock is this node's: start the run that waited for it. */
static void
locked(struct op *o, struct task *t, int64_t token)
{
	char	err[512];

	t->fleet_token = token;
	t->fleet_standby = false;
	/* a tick may have waited for the lock: is the run still allowed? */
	if (o->trig == TR_SCHEDULE &&
	    policy_can_run(t, false, err, sizeof(err)) != NULL) {
		skipped(t, err);
		op_done(o, false, "refused", err);
		ev_timer_add(&f.check_timer, 0);	/* lets the lock go */
		return;
	}
	if (task_start(t, o->trig, o->dry_run, o->actor, err,
	    sizeof(err)) != 0) {
		op_done(o, false, "failed", err);
		ev_timer_add(&f.check_timer, 0);
		return;
	}
	op_done(o, true, NULL, NULL);
}

static void
lock_reply(struct json_object *reply, const char *error, void *arg)
{
	struct op		*o = arg;
	struct task		*t = task_find(&md.tasks, o->task);
	struct json_object	*v, *h, *rs, *r0, *rr, *kvs;
	struct etcd_kv		 kv;
	char			 why[600], holder[256] = "another node";
	int64_t			 token = 0;

	o->req = NULL;
	if (reply == NULL) {
		snprintf(why, sizeof(why), "the fleet is not reachable: %s",
		    error);
		if (t != NULL && t->conf->kind == KIND_SERVICE && t->active &&
		    o->trig != TR_MANUAL)
			t->fleet_standby = true;
		else if (t != NULL && o->trig != TR_MANUAL)
			skipped(t, why);
		/*
		 * No key may change to wake a service that stands by, and
		 * the lock may have been taken after all: look again soon.
		 */
		ev_timer_add(&f.check_timer, BACKOFF_MIN_MS);
		op_done(o, false, "fleet", why);
	} else if (json_object_object_get_ex(reply, "succeeded", &v) &&
	    json_object_get_boolean(v)) {
		if (t == NULL || (!t->active && o->trig != TR_MANUAL)) {
			/* it went while the lock was taken: let it go */
			op_done(o, false, "state", "the task is no longer there "
			    "or active");
			lock_release(o->task, json_object_object_get_ex(reply,
			    "header", &h) ? etcd_int(h, "revision") : 0);
		} else
			locked(o, t, json_object_object_get_ex(reply, "header",
			    &h) ? etcd_int(h, "revision") : 0);
	} else {
		if (json_object_object_get_ex(reply, "responses", &rs) &&
		    (r0 = json_object_array_get_idx(rs, 0)) != NULL &&
		    json_object_object_get_ex(r0, "response_range", &rr) &&
		    json_object_object_get_ex(rr, "kvs", &kvs) &&
		    etcd_kv_parse(json_object_array_get_idx(kvs, 0), &kv) == 0) {
			snprintf(holder, sizeof(holder), "%s", kv.value);
			token = kv.lease == f.lease ? kv.create_rev : 0;
			etcd_kv_clear(&kv);
		}
		/*
		 * Ours, on our lease: an earlier request took it and its
		 * reply was lost (a timeout while etcd elected a leader).
		 */
		if (token != 0 && strcmp(holder, md.conf->fleet.node) == 0 &&
		    t != NULL && (t->active || o->trig == TR_MANUAL)) {
			log_info("%s: the fleet lock is already ours (revision "
			    "%lld)", t->conf->name, (long long)token);
			locked(o, t, token);
			op_free(o);
			return;
		}
		snprintf(why, sizeof(why), "held by %s", holder);
		if (t != NULL && t->conf->kind == KIND_SERVICE && t->active &&
		    o->trig != TR_MANUAL) {
			if (!t->fleet_standby)
				log_info("%s: standing by: %s", t->conf->name,
				    why);
			t->fleet_standby = true;
		} else if (t != NULL && o->trig != TR_MANUAL)
			skipped(t, why);
		op_done(o, false, "held", holder);
	}
	op_free(o);
}

/* Ask for task's lock; the run starts once it is held. */
static void
lock_take(struct task *t, enum trigger trig, bool dry_run, const char *actor,
    fleet_done done, void *arg)
{
	struct json_object	*req, *cmp, *c, *succ, *put, *pw, *fail, *rg, *rw;
	struct op		*o;

	o = op_new(t->conf->name);
	o->trig = trig;
	o->dry_run = dry_run;
	o->actor = xstrdup(actor);
	o->done = done;
	o->arg = arg;
	c = json_object_new_object();
	json_object_object_add(c, "key", key_json("lock/%s", t->conf->name));
	json_object_object_add(c, "target", json_object_new_string("CREATE"));
	json_object_object_add(c, "create_revision", num(0));
	cmp = json_object_new_array();
	json_object_array_add(cmp, c);
	put = json_object_new_object();
	json_object_object_add(put, "key", key_json("lock/%s", t->conf->name));
	json_object_object_add(put, "value", etcd_b64(md.conf->fleet.node));
	json_object_object_add(put, "lease", num(f.lease));
	pw = json_object_new_object();
	json_object_object_add(pw, "request_put", put);
	succ = json_object_new_array();
	json_object_array_add(succ, pw);
	rg = json_object_new_object();
	json_object_object_add(rg, "key", key_json("lock/%s", t->conf->name));
	rw = json_object_new_object();
	json_object_object_add(rw, "request_range", rg);
	fail = json_object_new_array();
	json_object_array_add(fail, rw);
	req = json_object_new_object();
	json_object_object_add(req, "compare", cmp);
	json_object_object_add(req, "success", succ);
	json_object_object_add(req, "failure", fail);
	if ((o->req = etcd_call("/v3/kv/txn", req, lock_reply, o)) == NULL) {
		op_done(o, false, "fleet", "cannot start a request to etcd");
		op_free(o);
	}
}

/* Delete PREFIX/key if it is still the one created at revision rev. */
static void
delete_if(const char *key, int64_t rev)
{
	struct json_object	*req, *cmp, *c, *succ, *del, *dw;

	c = json_object_new_object();
	json_object_object_add(c, "key", key_json("%s", key));
	json_object_object_add(c, "target", json_object_new_string("CREATE"));
	json_object_object_add(c, "create_revision", num(rev));
	cmp = json_object_new_array();
	json_object_array_add(cmp, c);
	del = json_object_new_object();
	json_object_object_add(del, "key", key_json("%s", key));
	dw = json_object_new_object();
	json_object_object_add(dw, "request_delete_range", del);
	succ = json_object_new_array();
	json_object_array_add(succ, dw);
	req = json_object_new_object();
	json_object_object_add(req, "compare", cmp);
	json_object_object_add(req, "success", succ);
	(void)etcd_call("/v3/kv/txn", req, NULL, NULL);
}

/* Delete task's lock if it is still the one of token. */
static void
lock_release(const char *task, int64_t token)
{
	char	k[256];

	snprintf(k, sizeof(k), "lock/%s", task);
	cache_del(k);
	if (f.state == F_UP)
		delete_if(k, token);	/* else it goes with the lease */
}

/* Not started for the fleet: a service stands by, a tick is skipped. */
static void
refused(struct task *t, enum trigger trig, const char *why)
{
	if (t->conf->kind == KIND_SERVICE && t->active)
		t->fleet_standby = true;
	else if (trig == TR_SCHEDULE)
		skipped(t, why);
}

/*
 * task_start() asks here first.  A fleet task runs only with its lock:
 * held already (a service's restart), taken now (later: 1), or refused.
 */
static int
gate(struct task *t, enum trigger trig, bool dry_run, const char *actor,
    char *err, size_t len)
{
	const char	*h;

	if (!t->conf->fleet_once)
		return 0;
	if (t->fleet_token != 0 && usable(err, len))
		return 0;
	if (t->fleet_token != 0) {
		fence(err);
		return -1;
	}
	if (!usable(err, len)) {
		refused(t, trig, err);
		return -1;
	}
	if ((h = fleet_holder(t->conf->name)) != NULL) {
		snprintf(err, len, "held by %s", h);
		refused(t, trig, err);
		return -1;
	}
	if (locking(t->conf->name)) {
		snprintf(err, len, "the fleet lock is being taken");
		refused(t, trig, err);
		return -1;
	}
	lock_take(t, trig, dry_run, actor, NULL, NULL);
	return 1;
}

/* A run is over: its lock goes unless a service carries on with it. */
static void
run_gone(struct task *t)
{
	(void)t;
	ev_timer_add(&f.check_timer, 0);
}

/* Active services that stand by: take over a lock that is free. */
static void
try_standby(void)
{
	struct task	*t;
	char		 err[512];
	size_t		 i;

	if (f.state != F_UP)
		return;
	for (i = 0; i < md.tasks.n; i++) {
		t = md.tasks.v[i];
		if (!t->conf->fleet_once || t->conf->kind != KIND_SERVICE ||
		    !t->active || task_busy(t) || t->fleet_token != 0 ||
		    t->state == ST_FAILED || t->state == ST_BACKOFF ||
		    fleet_holder(t->conf->name) != NULL ||
		    locking(t->conf->name))
			continue;
		(void)task_start(t, TR_ACTIVATE, false, "fleet", err,
		    sizeof(err));
	}
}

/*
 * Locks on our lease that no run of ours holds: taken by a request whose
 * reply was lost.  They would keep the task from every other node until
 * this one runs it again.  An active service takes its own over instead
 * (lock_reply).
 */
static void
drop_orphans(void)
{
	struct entry	*e, *next;
	struct task	*t;

	for (e = f.kv; e != NULL; e = next) {
		next = e->next;
		if (f.state != F_UP || e->lease != f.lease ||
		    strncmp(e->key, "lock/", 5) != 0 ||
		    strcmp(e->value, md.conf->fleet.node) != 0 ||
		    locking(e->key + 5))
			continue;
		t = task_find(&md.tasks, e->key + 5);
		if (t != NULL && (t->fleet_token != 0 ||
		    (t->conf->kind == KIND_SERVICE && t->active)))
			continue;
		log_info("fleet: %s is ours but no run holds it: deleting it",
		    e->key);
		delete_if(e->key, e->create_rev);
	}
}

/* Locks held for runs that are over, and the rolling windows. */
static void
check_fire(void *arg)
{
	struct task	*t;
	struct roll	*r;
	size_t		 i, n;
	char		**names;

	(void)arg;
	for (i = 0; i < md.tasks.n; i++) {
		t = md.tasks.v[i];
		if (t->fleet_token == 0 || task_busy(t) ||
		    (t->conf->kind == KIND_SERVICE && t->active &&
		    t->state == ST_BACKOFF))
			continue;
		lock_release(t->conf->name, t->fleet_token);
		t->fleet_token = 0;
	}
	drop_orphans();
	/*
	 * A check may end a window, and with it free its roll (and maybe
	 * others): each is found again by name.
	 */
	for (n = 0, r = f.rolls; r != NULL; r = r->next)
		n++;
	names = xcalloc(n + 1, sizeof(*names));
	for (n = 0, r = f.rolls; r != NULL; r = r->next)
		names[n++] = xstrdup(r->window);
	for (i = 0; i < n; i++) {
		if ((r = roll_find(names[i])) != NULL)
			roll_check(r);
		free(names[i]);
	}
	free(names);
	try_standby();
}

void
fleet_run(struct task *t, bool dry_run, const char *actor, fleet_done done,
    void *arg)
{
	char		 why[600];
	const char	*h;

	if (!usable(why, sizeof(why))) {
		done(false, "fleet", why, arg);
		return;
	}
	if ((h = fleet_holder(t->conf->name)) != NULL) {
		done(false, "held", h, arg);
		return;
	}
	if (locking(t->conf->name)) {
		done(false, "state", "the fleet lock is being taken", arg);
		return;
	}
	lock_take(t, TR_MANUAL, dry_run, actor, done, arg);
}

/* --- the fleet's stop-all ---------------------------------------------- */

static void
halt_reply(struct json_object *o, const char *error, void *arg)
{
	struct op	*op = arg;

	op->req = NULL;
	op_done(op, o != NULL, "fleet", error);
	op_free(op);
}

void
fleet_halt(const char *actor, fleet_done done, void *arg)
{
	struct json_object	*req, *v;
	struct op		*op;
	char			 why[600], ts[64];

	if (!usable(why, sizeof(why))) {
		done(false, "fleet", why, arg);
		return;
	}
	v = json_object_new_object();
	json_object_object_add(v, "actor", json_object_new_string(actor));
	json_object_object_add(v, "node", json_object_new_string(md.conf->fleet.node));
	json_object_object_add(v, "time", json_object_new_string(
	    fmt_rfc3339(time(NULL), ts, sizeof(ts))));
	req = json_object_new_object();
	json_object_object_add(req, "key", key_json("halt"));
	json_object_object_add(req, "value", etcd_b64(
	    json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN)));
	json_object_put(v);
	op = op_new(NULL);
	op->done = done;
	op->arg = arg;
	if ((op->req = etcd_call("/v3/kv/put", req, halt_reply, op)) == NULL) {
		op_done(op, false, "fleet", "cannot start a request to etcd");
		op_free(op);
	}
}

void
fleet_resume(const char *actor, fleet_done done, void *arg)
{
	struct json_object	*req;
	struct op		*op;
	char			 why[600];

	(void)actor;
	if (!usable(why, sizeof(why))) {
		done(false, "fleet", why, arg);
		return;
	}
	req = json_object_new_object();
	json_object_object_add(req, "key", key_json("halt"));
	op = op_new(NULL);
	op->done = done;
	op->arg = arg;
	if ((op->req = etcd_call("/v3/kv/deleterange", req, halt_reply,
	    op)) == NULL) {
		op_done(op, false, "fleet", "cannot start a request to etcd");
		op_free(op);
	}
}

/* --- rolling windows -------------------------------------------------- */

static struct roll *
roll_find(const char *window)
{
	struct roll	*r;

	for (r = f.rolls; r != NULL; r = r->next)
		if (strcmp(r->window, window) == 0)
			return r;
	return NULL;
}

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

	json_object_object_add(req, "key", key_json("roll/%s/%lld/%s",
	    r->window, (long long)r->tick, what));
	if (value == NULL) {
		(void)etcd_call("/v3/kv/deleterange", req, cb, arg);
		return;
	}
	json_object_object_add(req, "value", etcd_b64(value));
	json_object_object_add(req, "lease", num(f.lease));
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
	if (f.state == F_UP) {
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

	r->trying = false;
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
	ev_timer_add(&f.check_timer, 0);
}

/* Take a free slot of the window's semaphore, if there is one. */
static void
roll_try(struct roll *r)
{
	const struct window_conf *w = window_conf(r->window);
	struct json_object	*req, *cmp, *c, *succ, *put, *pw;
	char			 k[512];
	int			 i;

	if (w == NULL || r->in_turn || r->done || r->trying ||
	    f.state != F_UP || md.halted)
		return;
	for (i = 0; i < w->max_parallel; i++) {
		snprintf(k, sizeof(k), "roll/%s/%lld/slot/%d", r->window,
		    (long long)r->tick, i);
		if (lookup(k) == NULL)
			break;
	}
	if (i == w->max_parallel)
		return;
	r->slot = i;
	c = json_object_new_object();
	json_object_object_add(c, "key", key_json("%s", k));
	json_object_object_add(c, "target", json_object_new_string("CREATE"));
	json_object_object_add(c, "create_revision", num(0));
	cmp = json_object_new_array();
	json_object_array_add(cmp, c);
	put = json_object_new_object();
	json_object_object_add(put, "key", key_json("%s", k));
	json_object_object_add(put, "value", etcd_b64(md.conf->fleet.node));
	json_object_object_add(put, "lease", num(f.lease));
	pw = json_object_new_object();
	json_object_object_add(pw, "request_put", put);
	succ = json_object_new_array();
	json_object_array_add(succ, pw);
	req = json_object_new_object();
	json_object_object_add(req, "compare", cmp);
	json_object_object_add(req, "success", succ);
	r->trying = true;
	if (etcd_call("/v3/kv/txn", req, slot_reply, r) == NULL)
		r->trying = false;
}

/* Have all the nodes with this window had their turn? */
static bool
all_done(const struct roll *r)
{
	struct entry		*e;
	struct json_object	*o, *ws;
	char			 k[512];
	size_t			 i, n;
	bool			 has;

	for (e = f.kv; e != NULL; e = e->next) {
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
		if (has && lookup(k) == NULL)
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

static void
roll_free(struct roll *r)
{
	struct roll	**rp;

	for (rp = &f.rolls; *rp != NULL; rp = &(*rp)->next)
		if (*rp == r) {
			*rp = r->next;
			break;
		}
	ev_timer_del(&r->slot_timer);
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
	r->next = f.rolls;
	f.rolls = r;
	roll_try(r);
}

/* When a run of a turn ends, the turn may be over. */
static void
on_run_end(enum feed_stream st, const struct feed_msg *m, void *arg)
{
	(void)st;
	(void)m;
	(void)arg;
	if (f.rolls != NULL)
		ev_timer_add(&f.check_timer, 0);
}

struct json_object *
fleet_window_turns(const char *window)
{
	struct roll		*r = roll_find(window);
	struct json_object	*a;
	struct entry		*e;
	char			 k[512];
	size_t			 n;

	if (!fleet_on() || r == NULL)
		return NULL;
	n = (size_t)snprintf(k, sizeof(k), "roll/%s/%lld/slot/", window,
	    (long long)r->tick);
	a = json_object_new_array();
	for (e = f.kv; e != NULL; e = e->next)
		if (strncmp(e->key, k, n) == 0)
			json_object_array_add(a, json_object_new_string(
			    e->value));
	return a;
}

/* --- status ------------------------------------------------------------ */

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

struct json_object *
fleet_status(void)
{
	struct json_object	*o = json_object_new_object(), *nodes, *locks;
	struct json_object	*v;
	struct entry		*e;
	int64_t			 left;

	json_object_object_add(o, "node", json_object_new_string(
	    md.conf->fleet.node));
	json_object_object_add(o, "state", json_object_new_string(
	    f.state == F_UP ? "connected" : f.state == F_GRANT ?
	    "connecting" : "disconnected"));
	json_object_object_add(o, "endpoint", json_object_new_string(
	    etcd_endpoint()));
	json_object_object_add(o, "reason", f.why[0] ?
	    json_object_new_string(f.why) : NULL);
	left = f.lease != 0 ? (int64_t)f.lease_until - (int64_t)ev_now() : 0;
	json_object_object_add(o, "lease_left_s", json_object_new_double(
	    left > 0 ? (double)left / 1000 : 0));
	json_object_object_add(o, "halted", json_object_new_boolean(
	    lookup("halt") != NULL));
	nodes = json_object_new_array();
	locks = json_object_new_object();
	for (e = f.kv; e != NULL; e = e->next) {
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
	const struct fleet_conf	*c = &md.conf->fleet;

	if (!c->on)
		return;
	f.on = true;
	fmt_rfc3339(time(NULL), f.started, sizeof(f.started));
	etcd_setup(c->endpoints, c->cacert, c->cert, c->key, c->timeout_ms);
	ev_timer_init(&f.ka_timer, ka_fire, NULL);
	ev_timer_init(&f.fence_timer, fence_fire, NULL);
	ev_timer_init(&f.retry_timer, retry_fire, NULL);
	ev_timer_init(&f.pub_timer, pub_fire, NULL);
	ev_timer_init(&f.check_timer, check_fire, NULL);
	feed_subscribe(&f.act_sub, FEED_ACTIVATION, on_activation, NULL);
	feed_subscribe(&f.end_sub, FEED_RUN_END, on_run_end, NULL);
	supervise_gate(gate, run_gone);
	windows_rolling(rolling);
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
fleet_stop(void)
{
	struct json_object	*req;
	struct ev_timer		 t;

	if (!fleet_on())
		return;
	supervise_gate(NULL, NULL);
	windows_rolling(NULL);
	feed_unsubscribe(&f.act_sub);
	feed_unsubscribe(&f.end_sub);
	while (f.rolls != NULL)
		roll_free(f.rolls);
	while (f.ops != NULL) {
		etcd_cancel(f.ops->req);
		op_free(f.ops);
	}
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
		json_object_object_add(req, "ID", num(f.lease));
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
	cache_clear();
	f.on = false;
}
