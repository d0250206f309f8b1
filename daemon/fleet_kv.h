/*
 * fleet_kv.h: the fleet's keys (fleet_kv.c): the cache of what is under
 * the prefix, keys for requests, and the requests that wait for etcd.
 */
#ifndef MAINTD_FLEET_KV_H
#define MAINTD_FLEET_KV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "etcd.h"
#include "fleet.h"
#include "run.h"

struct json_object;

/* A key under the prefix, as last read or watched. */
struct fleet_entry {
	char			*key;		/* without the prefix */
	char			*value;
	int64_t			 create_rev;
	int64_t			 mod_rev;	/* as of this revision */
	int64_t			 lease;
	struct fleet_entry	*next;
};

/* A request that waits for etcd, and whoever waits for it. */
struct fleet_op {
	struct etcd_req		*req;
	char			*task;		/* a lock: the task it is for */
	enum trigger		 trig;
	bool			 dry_run;
	char			*actor;
	int			 tries;		/* a lock left on an old lease */
	fleet_done		 done;
	void			*arg;
	struct fleet_op		*next;
};

/* A full key without the prefix, or NULL if it is not under it. */
const char *fleet_rel(const char *key);
/* The keys: one (key without the prefix), all. */
struct fleet_entry *fleet_lookup(const char *key);
struct fleet_entry *fleet_entries(void);
/* The cache as of revision mod_rev, unless it knows later (false). */
bool	fleet_cache_put(const char *key, const char *value, int64_t create_rev,
	    int64_t mod_rev, int64_t lease);
/* Deleted at revision rev, unless the cache knows later (false). */
bool	fleet_cache_del_at(const char *key, int64_t rev);
void	fleet_cache_del(const char *key);
/* All read again at revision rev: what the cache knows of later stays. */
void	fleet_cache_reread(int64_t rev);
void	fleet_cache_clear(void);

/* PREFIX + the key, for a request. */
struct json_object *fleet_key(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2)));
/* A 64-bit number as etcd's gateway wants it. */
struct json_object *fleet_num(int64_t);
/* Delete PREFIX/key if it is still the one created at revision rev. */
struct etcd_req *fleet_delete_if(const char *key, int64_t rev, etcd_cb cb,
	    void *arg);

struct fleet_op *fleet_op_new(const char *task);
void	fleet_op_free(struct fleet_op *);
/* Tell whoever waits, once. */
void	fleet_op_done(struct fleet_op *, bool ok, const char *code,
	    const char *why);
/* The request for task's lock under way, or NULL. */
struct fleet_op *fleet_op_for(const char *task);

/* Every request cancelled, the cache emptied. */
void	fleet_kv_stop(void);

#endif
