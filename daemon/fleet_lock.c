/*
 * fleet_lock.c: singleton tasks (fleet = once) of the fleet (DESIGN §10).
 * A task runs only while this node holds PREFIX/lock/TASK, a key on its
 * lease whose value is the node's name.  The lock is taken in one
 * transaction (the key's create_revision is 0); its revision is the
 * run's MAINTD_FLEET_TOKEN.  An active service whose lock is another's
 * stands by and takes the lock over once it is free; a node never stands
 * by behind its own name: a lock left on an earlier lease of this node
 * is deleted, then taken.  Fencing: when the lease is, or may be, gone,
 * or the lock is no longer on it (deleted by hand, seen by the watch or
 * by a read at each renewal of the lease), the node stops its fleet runs
 * (fleet_lost = stop).  Nothing of the fleet starts while the node is
 * not connected (fail closed).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "etcd.h"
#include "event.h"
#include "fleet_lock.h"
#include "fleet_kv.h"
#include "fleet_node.h"
#include "ledger.h"
#include "log.h"
#include "policy.h"
#include "state.h"
#include "supervise.h"
#include "util.h"

static struct etcd_req	*verify_req;	/* the locks read at a renewal */

/* t's lock is, or may be, another's now: its run stops. */
static void
fence_task(struct task *t, const char *why)
{
	if (!t->conf->fleet_once || t->fleet_token == 0)
		return;
	t->fleet_token = 0;
	if (task_busy(t) && !t->conf->fleet_keep) {
		log_warnx("%s: stopping run %llu: %s", t->conf->name,
		    (unsigned long long)t->cur.id, why);
		t->cur.fleet_lost = true;
		(void)task_stop(t, "fleet");
	}
}

void
fleet_lock_fence(const char *why)
{
	size_t	i;

	for (i = 0; i < md.tasks.n; i++)
		fence_task(md.tasks.v[i], why);
}

/* Is the key (as last read or watched) t's lock, on this node's lease? */
static bool
still_ours(const struct task *t, const struct fleet_entry *e)
{
	return e != NULL && e->lease == fleet_node_lease() &&
	    e->create_rev == t->fleet_token &&
	    strcmp(e->value, md.conf->fleet.node) == 0;
}

/* A stale key of ours is gone (or not): a service may take over now. */
static void
stale_gone(struct json_object *reply, const char *error, void *arg)
{
	(void)error;
	(void)arg;
	fleet_node_check(reply != NULL ? 0 : FLEET_BACKOFF_MIN_MS);
}

/*
 * Keys of this node on an older lease (etcd kept it alive over a leader
 * election, or this node lost it while frozen): they hold nothing of
 * ours any more, so they go, and a node that stands by may take over.
 */
void
fleet_lock_drop_stale(void)
{
	struct fleet_entry	*e, *next;

	for (e = fleet_entries(); e != NULL; e = next) {
		next = e->next;
		if (e->lease == 0 || e->lease == fleet_node_lease() ||
		    strcmp(e->value, md.conf->fleet.node) != 0 ||
		    (strncmp(e->key, "lock/", 5) != 0 &&
		    strncmp(e->key, "roll/", 5) != 0))
			continue;
		log_info("fleet: %s is left from an earlier lease: deleting it",
		    e->key);
		(void)fleet_delete_if(e->key, e->create_rev, stale_gone, NULL);
	}
}

const char *
fleet_holder(const char *task)
{
	static char		 k[256];
	struct fleet_entry	*e;

	if (!fleet_on())
		return NULL;
	snprintf(k, sizeof(k), "lock/%s", task);
	if ((e = fleet_lookup(k)) == NULL ||
	    strcmp(e->value, md.conf->fleet.node) == 0)
		return NULL;
	return e->value;
}

static void	lock_release(const char *, int64_t);
static void	lock_send(struct fleet_op *);
static void	stale_freed(struct json_object *, const char *, void *);

/* Not run: an event; the tick it was for (if any) missed, for reason. */
static void
skipped(struct task *t, const char *reason, const char *why)
{
	struct json_object	*d = json_object_new_object();

	log_info("%s: not run: %s", t->conf->name, why);
	json_object_object_add(d, "reason", json_object_new_string(why));
	event_emit(t->conf->name, "skipped", "fleet", d);
	ledger_missed(t, t->tick_open, reason, why);	/* the tick it was for */
}

/* The lock is this node's: start the run that waited for it. */
static void
locked(struct fleet_op *o, struct task *t, int64_t token)
{
	const char	*code;
	char		 k[256];
	char		 err[512];

	t->fleet_token = token;
	t->fleet_standby = false;
	/* the cache knows it before the watch says so */
	snprintf(k, sizeof(k), "lock/%s", t->conf->name);
	(void)fleet_cache_put(k, md.conf->fleet.node, token, token,
	    fleet_node_lease());
	/* a tick may have waited for the lock: is the run still allowed? */
	if (o->trig == TR_SCHEDULE &&
	    (code = policy_can_run(t, false, err, sizeof(err))) != NULL) {
		skipped(t, code, err);
		fleet_op_done(o, false, "refused", err);
		fleet_node_check(0);	/* lets the lock go */
		return;
	}
	if (task_start(t, o->trig, o->dry_run, o->actor, err,
	    sizeof(err)) != 0) {
		fleet_op_done(o, false, "failed", err);
		fleet_node_check(0);
		return;
	}
	fleet_op_done(o, true, NULL, NULL);
}

static void
lock_reply(struct json_object *reply, const char *error, void *arg)
{
	struct fleet_op		*o = arg;
	struct task		*t = task_find(&md.tasks, o->task);
	struct json_object	*v, *h, *rs, *r0, *rr, *kvs;
	struct etcd_kv		 kv;
	char			 why[600], holder[256] = "another node";
	int64_t			 token = 0, stale = 0;

	o->req = NULL;
	if (reply == NULL) {
		snprintf(why, sizeof(why), "the fleet is not reachable: %s",
		    error);
		if (t != NULL && t->conf->kind == KIND_SERVICE && t->active &&
		    o->trig != TR_MANUAL)
			t->fleet_standby = true;
		else if (t != NULL && o->trig != TR_MANUAL)
			skipped(t, "held", why);
		/*
		 * No key may change to wake a service that stands by, and
		 * the lock may have been taken after all: look again soon.
		 */
		fleet_node_check(FLEET_BACKOFF_MIN_MS);
		fleet_op_done(o, false, "fleet", why);
	} else if (json_object_object_get_ex(reply, "succeeded", &v) &&
	    json_object_get_boolean(v)) {
		if (t == NULL || (!t->active && o->trig != TR_MANUAL)) {
			/* it went while the lock was taken: let it go */
			fleet_op_done(o, false, "state", "the task is no "
			    "longer there or active");
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
			token = kv.lease == fleet_node_lease() ?
			    kv.create_rev : 0;
			if (kv.lease != fleet_node_lease() &&
			    strcmp(kv.value, md.conf->fleet.node) == 0)
				stale = kv.create_rev;
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
			fleet_op_free(o);
			return;
		}
		/*
		 * Ours, on an earlier lease (this node lost it, etcd kept it
		 * over an election): nothing of ours holds it.  Never stand
		 * by behind it: delete it, then take the lock.
		 */
		if (stale != 0 && o->tries++ < 3 && t != NULL &&
		    (t->active || o->trig == TR_MANUAL)) {
			log_info("%s: the fleet lock is left from an earlier "
			    "lease of %s: deleting it, then taking it",
			    t->conf->name, md.conf->fleet.node);
			snprintf(why, sizeof(why), "lock/%s", o->task);
			if ((o->req = fleet_delete_if(why, stale, stale_freed,
			    o)) != NULL)
				return;
			snprintf(why, sizeof(why), "cannot start a request to "
			    "etcd");
			fleet_op_done(o, false, "fleet", why);
			fleet_op_free(o);
			fleet_node_check(FLEET_BACKOFF_MIN_MS);
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
			skipped(t, "held", why);
		fleet_op_done(o, false, "held", holder);
	}
	fleet_op_free(o);
}

/* The stale lock is gone (or another's now): the lock is asked for again. */
static void
stale_freed(struct json_object *reply, const char *error, void *arg)
{
	struct fleet_op	*o = arg;

	o->req = NULL;
	if (reply == NULL) {
		lock_reply(NULL, error, o);
		return;
	}
	lock_send(o);
}

/* The transaction that takes o's lock if nobody holds it. */
static void
lock_send(struct fleet_op *o)
{
	struct json_object	*req, *cmp, *c, *succ, *put, *pw, *fail, *rg, *rw;

	c = json_object_new_object();
	json_object_object_add(c, "key", fleet_key("lock/%s", o->task));
	json_object_object_add(c, "target", json_object_new_string("CREATE"));
	json_object_object_add(c, "create_revision", fleet_num(0));
	cmp = json_object_new_array();
	json_object_array_add(cmp, c);
	put = json_object_new_object();
	json_object_object_add(put, "key", fleet_key("lock/%s", o->task));
	json_object_object_add(put, "value", etcd_b64(md.conf->fleet.node));
	json_object_object_add(put, "lease", fleet_num(fleet_node_lease()));
	pw = json_object_new_object();
	json_object_object_add(pw, "request_put", put);
	succ = json_object_new_array();
	json_object_array_add(succ, pw);
	rg = json_object_new_object();
	json_object_object_add(rg, "key", fleet_key("lock/%s", o->task));
	rw = json_object_new_object();
	json_object_object_add(rw, "request_range", rg);
	fail = json_object_new_array();
	json_object_array_add(fail, rw);
	req = json_object_new_object();
	json_object_object_add(req, "compare", cmp);
	json_object_object_add(req, "success", succ);
	json_object_object_add(req, "failure", fail);
	if ((o->req = etcd_call("/v3/kv/txn", req, lock_reply, o)) == NULL) {
		fleet_op_done(o, false, "fleet", "cannot start a request to "
		    "etcd");
		fleet_op_free(o);
		fleet_node_check(FLEET_BACKOFF_MIN_MS);
	}
}

/* Ask for task's lock; the run starts once it is held. */
static void
lock_take(struct task *t, enum trigger trig, bool dry_run, const char *actor,
    fleet_done done, void *arg)
{
	struct fleet_op		*o;

	o = fleet_op_new(t->conf->name);
	o->trig = trig;
	o->dry_run = dry_run;
	o->actor = xstrdup(actor);
	o->done = done;
	o->arg = arg;
	lock_send(o);
}

/* Delete task's lock if it is still the one of token. */
static void
lock_release(const char *task, int64_t token)
{
	char	k[256];

	snprintf(k, sizeof(k), "lock/%s", task);
	fleet_cache_del(k);
	if (fleet_node_up())		/* else it goes with the lease */
		(void)fleet_delete_if(k, token, NULL, NULL);
}

/* Not started for the fleet: a service stands by, a tick is skipped. */
static void
refused(struct task *t, enum trigger trig, const char *why)
{
	if (t->conf->kind == KIND_SERVICE && t->active)
		t->fleet_standby = true;
	else if (trig == TR_SCHEDULE)
		skipped(t, "held", why);
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
	if (t->fleet_token != 0 && fleet_usable(err, len))
		return 0;
	if (t->fleet_token != 0) {
		fleet_lock_fence(err);
		return -1;
	}
	if (!fleet_usable(err, len)) {
		refused(t, trig, err);
		return -1;
	}
	if ((h = fleet_holder(t->conf->name)) != NULL) {
		snprintf(err, len, "held by %s", h);
		refused(t, trig, err);
		return -1;
	}
	if (fleet_op_for(t->conf->name) != NULL) {
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
	fleet_node_check(0);
}

void
fleet_lock_standby(void)
{
	struct task	*t;
	char		 err[512];
	size_t		 i;

	if (!fleet_node_up())
		return;
	for (i = 0; i < md.tasks.n; i++) {
		t = md.tasks.v[i];
		if (!t->conf->fleet_once || t->conf->kind != KIND_SERVICE ||
		    !t->active || task_busy(t) || t->fleet_token != 0 ||
		    t->state == ST_FAILED || t->state == ST_BACKOFF ||
		    fleet_holder(t->conf->name) != NULL ||
		    fleet_op_for(t->conf->name) != NULL)
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
	struct fleet_entry	*e, *next;
	struct task		*t;

	for (e = fleet_entries(); e != NULL; e = next) {
		next = e->next;
		if (!fleet_node_up() || e->lease != fleet_node_lease() ||
		    strncmp(e->key, "lock/", 5) != 0 ||
		    strcmp(e->value, md.conf->fleet.node) != 0 ||
		    fleet_op_for(e->key + 5) != NULL)
			continue;
		t = task_find(&md.tasks, e->key + 5);
		if (t != NULL && (t->fleet_token != 0 ||
		    (t->conf->kind == KIND_SERVICE && t->active)))
			continue;
		log_info("fleet: %s is ours but no run holds it: deleting it",
		    e->key);
		(void)fleet_delete_if(e->key, e->create_rev, NULL, NULL);
	}
}

void
fleet_lock_check(void)
{
	struct task	*t;
	size_t		 i;

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
}

void
fleet_run(struct task *t, bool dry_run, const char *actor, fleet_done done,
    void *arg)
{
	char		 why[600];
	const char	*h;

	if (!fleet_usable(why, sizeof(why))) {
		done(false, "fleet", why, arg);
		return;
	}
	if ((h = fleet_holder(t->conf->name)) != NULL) {
		done(false, "held", h, arg);
		return;
	}
	if (fleet_op_for(t->conf->name) != NULL) {
		done(false, "state", "the fleet lock is being taken", arg);
		return;
	}
	lock_take(t, TR_MANUAL, dry_run, actor, done, arg);
}

/* A lock key came, changed or went: is each lock we hold still ours? */
void
fleet_lock_changed(const char *key, bool deleted)
{
	struct task	*t;

	if (strncmp(key, "lock/", 5) != 0)
		return;
	if ((t = task_find(&md.tasks, key + 5)) != NULL &&
	    t->fleet_token != 0 && !still_ours(t, fleet_lookup(key)))
		fence_task(t, "its fleet lock is no longer this node's "
		    "(deleted or taken over)");
	if (deleted)
		fleet_lock_standby();
}

/* Is t's lock among the keys read (kvs), on this node's lease? */
static bool
read_ours(struct json_object *kvs, const struct task *t)
{
	struct etcd_kv	 kv;
	const char	*k;
	size_t		 i, n;
	bool		 yes = false;

	n = kvs != NULL ? json_object_array_length(kvs) : 0;
	for (i = 0; i < n && !yes; i++) {
		if (etcd_kv_parse(json_object_array_get_idx(kvs, i), &kv) == -1)
			continue;
		yes = (k = fleet_rel(kv.key)) != NULL &&
		    strncmp(k, "lock/", 5) == 0 &&
		    strcmp(k + 5, t->conf->name) == 0 &&
		    kv.create_rev == t->fleet_token &&
		    kv.lease == fleet_node_lease() &&
		    strcmp(kv.value, md.conf->fleet.node) == 0;
		etcd_kv_clear(&kv);
	}
	return yes;
}

void
fleet_lock_reread(void)
{
	struct task	*t;
	char		 k[256];
	size_t		 i;

	for (i = 0; i < md.tasks.n; i++) {
		t = md.tasks.v[i];
		if (t->fleet_token == 0)
			continue;
		snprintf(k, sizeof(k), "lock/%s", t->conf->name);
		if (!still_ours(t, fleet_lookup(k)))
			fence_task(t, "its fleet lock is no longer this "
			    "node's (deleted or taken over)");
	}
}

static void
verify_reply(struct json_object *o, const char *error, void *arg)
{
	struct json_object	*h, *kvs = NULL;
	struct task		*t;
	int64_t			 rev;
	size_t			 i;

	(void)error;
	(void)arg;
	verify_req = NULL;
	if (o == NULL || !fleet_node_up())
		return;		/* the lease's own fence covers it */
	rev = json_object_object_get_ex(o, "header", &h) ?
	    etcd_int(h, "revision") : 0;
	(void)json_object_object_get_ex(o, "kvs", &kvs);
	for (i = 0; i < md.tasks.n; i++) {
		t = md.tasks.v[i];
		/* a lock taken after the read is not in it */
		if (t->fleet_token != 0 && t->fleet_token <= rev &&
		    !read_ours(kvs, t))
			fence_task(t, "its fleet lock is no longer this "
			    "node's (deleted or taken over)");
	}
}

/*
 * At each renewal of the lease, a node that holds locks reads them: a
 * watch can lag, or be down while it is set up again.
 */
void
fleet_lock_verify(void)
{
	struct json_object	*req;
	char			 k[1024];
	size_t			 i;

	if (verify_req != NULL)
		return;
	for (i = 0; i < md.tasks.n; i++)
		if (md.tasks.v[i]->fleet_token != 0)
			break;
	if (i == md.tasks.n)
		return;
	snprintf(k, sizeof(k), "%slock/", md.conf->fleet.prefix);
	req = json_object_new_object();
	json_object_object_add(req, "key", etcd_b64(k));
	json_object_object_add(req, "range_end", etcd_prefix_end(k));
	verify_req = etcd_call("/v3/kv/range", req, verify_reply, NULL);
}

void
fleet_lock_start(void)
{
	supervise_gate(gate, run_gone);
}

void
fleet_lock_stop(void)
{
	supervise_gate(NULL, NULL);
	etcd_cancel(verify_req);
	verify_req = NULL;
}
