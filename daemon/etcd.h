/*
 * etcd.h: etcd's v3 API through its JSON gateway (DESIGN §12), over
 * http.c: one request at a time per caller, never blocking the loop.
 * Keys and values travel base64-encoded, 64-bit numbers as strings.
 */
#ifndef MAINTD_ETCD_H
#define MAINTD_ETCD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct json_object;
struct etcd_req;

struct etcd_kv {
	char	*key, *value;		/* decoded, NUL-ended */
	int64_t	 create_rev, mod_rev, lease;
	bool	 deleted;		/* a DELETE event */
};

/* The reply's JSON (NULL on error, with why), owned by the caller's cb. */
typedef void	(*etcd_cb)(struct json_object *reply, const char *error,
		    void *arg);
typedef void	(*etcd_event_cb)(const struct etcd_kv *, int64_t revision,
		    void *arg);
typedef void	(*etcd_end_cb)(const char *why, void *arg);

void	etcd_setup(char *const *endpoints, const char *cacert, const char *cert,
	    const char *key, int64_t timeout_ms);
const char *etcd_endpoint(void);
/* POST req (consumed) to path ("/v3/kv/txn"); cb once, unless cancelled. */
struct etcd_req *etcd_call(const char *path, struct json_object *req,
	    etcd_cb cb, void *arg);
/*
 * Watch every key starting with prefix from revision rev on: ev for each
 * change, end once the stream ends (never after etcd_cancel()).
 */
struct etcd_req *etcd_watch(const char *prefix, int64_t rev,
	    etcd_event_cb ev, etcd_end_cb end, void *arg);
/* No callback comes for it any more. */
void	etcd_cancel(struct etcd_req *);
/* The requests nobody waits for are cancelled (at exit). */
void	etcd_stop(void);

/* A string as the gateway wants a key or value: base64, in JSON. */
struct json_object *etcd_b64(const char *);
/* The end of the range of keys starting with prefix, base64 in JSON. */
struct json_object *etcd_prefix_end(const char *prefix);
/* A number of a reply (a string or a number); 0 if absent. */
int64_t	etcd_int(struct json_object *, const char *key);
/* kv (a "kv" object of a reply) decoded into out; -1 if malformed. */
int	etcd_kv_parse(struct json_object *kv, struct etcd_kv *out);
void	etcd_kv_clear(struct etcd_kv *);

#endif
