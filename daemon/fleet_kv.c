/*
 * fleet_kv.c: the fleet's keys in etcd (DESIGN §10): what is under the
 * prefix as this node last read or watched it (the cache), keys and
 * numbers as the gateway wants them in a request, a conditional delete,
 * and the requests that wait for etcd with whoever waits for them (ops).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "etcd.h"
#include "fleet_kv.h"
#include "state.h"
#include "util.h"

static struct fleet_entry	*kv;
static struct fleet_op		*ops;

/* --- the cache of the keys -------------------------------------------- */

const char *
fleet_rel(const char *key)
{
	size_t	n = strlen(md.conf->fleet.prefix);

	return strncmp(key, md.conf->fleet.prefix, n) == 0 ? key + n : NULL;
}

struct fleet_entry *
fleet_lookup(const char *key)
{
	struct fleet_entry	*e;

	for (e = kv; e != NULL; e = e->next)
		if (strcmp(e->key, key) == 0)
			return e;
	return NULL;
}

struct fleet_entry *
fleet_entries(void)
{
	return kv;
}

/*
 * A key's value as of revision mod_rev.  The cache may know a newer one
 * (a lock this node took, whose watch event comes later): then not.
 */
bool
fleet_cache_put(const char *key, const char *value, int64_t create_rev,
    int64_t mod_rev, int64_t lease)
{
	struct fleet_entry	*e;

	if ((e = fleet_lookup(key)) != NULL && e->mod_rev > mod_rev)
		return false;
	if (e == NULL) {
		e = xcalloc(1, sizeof(*e));
		e->key = xstrdup(key);
		e->next = kv;
		kv = e;
	} else
		free(e->value);
	e->value = xstrdup(value);
	e->create_rev = create_rev;
	e->mod_rev = mod_rev;
	e->lease = lease;
	return true;
}

static void
entry_free(struct fleet_entry *e)
{
	free(e->key);
	free(e->value);
	free(e);
}

/* The key was deleted at revision rev: unless the cache knows better. */
bool
fleet_cache_del_at(const char *key, int64_t rev)
{
	struct fleet_entry	**ep, *e;

	for (ep = &kv; (e = *ep) != NULL; ep = &e->next)
		if (strcmp(e->key, key) == 0) {
			if (e->mod_rev > rev)
				return false;
			*ep = e->next;
			entry_free(e);
			return true;
		}
	return true;
}

/* The keys were read at revision rev: what the cache knows of later stays. */
void
fleet_cache_reread(int64_t rev)
{
	struct fleet_entry	**ep, *e;

	for (ep = &kv; (e = *ep) != NULL; )
		if (e->mod_rev <= rev) {
			*ep = e->next;
			entry_free(e);
		} else
			ep = &e->next;
}

void
fleet_cache_del(const char *key)
{
	struct fleet_entry	**ep, *e;

	for (ep = &kv; (e = *ep) != NULL; ep = &e->next)
		if (strcmp(e->key, key) == 0) {
			*ep = e->next;
			entry_free(e);
			return;
		}
}

void
fleet_cache_clear(void)
{
	struct fleet_entry	*e;

	while ((e = kv) != NULL) {
		kv = e->next;
		entry_free(e);
	}
}

struct json_object *
fleet_key(const char *fmt, ...)
{
	char	rk[512], k[1024];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(rk, sizeof(rk), fmt, ap);
	va_end(ap);
	snprintf(k, sizeof(k), "%s%s", md.conf->fleet.prefix, rk);
	return etcd_b64(k);
}

struct json_object *
fleet_num(int64_t n)
{
	char	b[32];

	snprintf(b, sizeof(b), "%lld", (long long)n);
	return json_object_new_string(b);
}

struct etcd_req *
fleet_delete_if(const char *key, int64_t rev, etcd_cb cb, void *arg)
{
	struct json_object	*req, *cmp, *c, *succ, *del, *dw;

	c = json_object_new_object();
	json_object_object_add(c, "key", fleet_key("%s", key));
	json_object_object_add(c, "target", json_object_new_string("CREATE"));
	json_object_object_add(c, "create_revision", fleet_num(rev));
	cmp = json_object_new_array();
	json_object_array_add(cmp, c);
	del = json_object_new_object();
	json_object_object_add(del, "key", fleet_key("%s", key));
	dw = json_object_new_object();
	json_object_object_add(dw, "request_delete_range", del);
	succ = json_object_new_array();
	json_object_array_add(succ, dw);
	req = json_object_new_object();
	json_object_object_add(req, "compare", cmp);
	json_object_object_add(req, "success", succ);
	return etcd_call("/v3/kv/txn", req, cb, arg);
}

/* --- ops ----------------------------------------------------------------- */

struct fleet_op *
fleet_op_new(const char *task)
{
	struct fleet_op	*o = xcalloc(1, sizeof(*o));

	o->task = task != NULL ? xstrdup(task) : NULL;
	o->next = ops;
	ops = o;
	return o;
}

void
fleet_op_free(struct fleet_op *o)
{
	struct fleet_op	**op;

	for (op = &ops; *op != NULL; op = &(*op)->next)
		if (*op == o) {
			*op = o->next;
			break;
		}
	free(o->task);
	free(o->actor);
	free(o);
}

void
fleet_op_done(struct fleet_op *o, bool ok, const char *code, const char *why)
{
	if (o->done != NULL)
		o->done(ok, code, why, o->arg);
	o->done = NULL;
}

void
fleet_forget(void *arg)
{
	struct fleet_op	*o;

	for (o = ops; o != NULL; o = o->next)
		if (o->arg == arg)
			o->done = NULL;
}

struct fleet_op *
fleet_op_for(const char *task)
{
	struct fleet_op	*o;

	for (o = ops; o != NULL; o = o->next)
		if (o->task != NULL && strcmp(o->task, task) == 0)
			return o;
	return NULL;
}

/* --- stop ---------------------------------------------------------------- */

void
fleet_kv_stop(void)
{
	while (ops != NULL) {
		etcd_cancel(ops->req);
		fleet_op_free(ops);
	}
	fleet_cache_clear();
}
