/*
 * etcd.c: requests to etcd's v3 JSON gateway (/v3/kv/txn, /v3/kv/range,
 * /v3/lease/grant, /v3/lease/keepalive, /v3/lease/revoke, /v3/watch) as
 * POSTs through http.c.  A request that gets no reply moves on to the
 * next endpoint, so the next one goes to another member.  A watch is one
 * long reply of JSON objects, parsed as the pieces come.  Base64 is
 * OpenSSL's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <openssl/evp.h>

#include "etcd.h"
#include "http.h"
#include "log.h"
#include "util.h"

#define KEEP		(1024 * 1024)	/* the most of a reply read */

struct etcd_req {
	struct http_req		*http;
	etcd_cb			 cb;
	etcd_event_cb		 ev;
	etcd_end_cb		 end;
	void			*arg;
	size_t			 ep;
	struct json_tokener	*tok;		/* a watch */
	bool			 failed;	/* the stream said so */
	char			 why[256];	/* ... and why */
	struct etcd_req		*next;		/* nobody waits: the list */
};

static char		**eps;
static size_t		  neps, cur;
static char		 *ca, *crt, *pkey;
static int64_t		  timeout;
static struct etcd_req	 *unwaited;	/* requests without a cb */

static void
unwaited_drop(struct etcd_req *r)
{
	struct etcd_req	**rp;

	for (rp = &unwaited; *rp != NULL; rp = &(*rp)->next)
		if (*rp == r) {
			*rp = r->next;
			return;
		}
}

void
etcd_setup(char *const *endpoints, const char *cacert, const char *cert,
    const char *key, int64_t timeout_ms)
{
	strv_free(eps);
	neps = strv_len(endpoints);
	eps = strv_dup(endpoints, neps);
	cur = 0;
	free(ca);
	free(crt);
	free(pkey);
	ca = cacert ? xstrdup(cacert) : NULL;
	crt = cert ? xstrdup(cert) : NULL;
	pkey = key ? xstrdup(key) : NULL;
	timeout = timeout_ms;
}

const char *
etcd_endpoint(void)
{
	return neps > 0 ? eps[cur % neps] : "";
}

/* No reply from that endpoint: the next request goes to the next one. */
static void
rotate(size_t ep)
{
	if (neps > 0 && ep == cur % neps)
		cur = (ep + 1) % neps;
}

static void
call_done(const struct http_result *res, void *arg)
{
	struct etcd_req		*r = arg;
	struct json_object	*o = NULL, *e;
	char			 why[512];

	if (r->cb == NULL) {
		/* nobody waits for the answer (a release, a revoke) */
		if (!res->ok)
			rotate(r->ep);
		unwaited_drop(r);
		free(r);
		return;
	}
	if (!res->ok) {
		snprintf(why, sizeof(why), "%s: %s", eps[r->ep], res->error);
		rotate(r->ep);
		r->cb(NULL, why, r->arg);
	} else if ((o = json_tokener_parse(res->body)) == NULL ||
	    !json_object_is_type(o, json_type_object)) {
		snprintf(why, sizeof(why), "%s: HTTP %ld, not JSON", eps[r->ep],
		    res->status);
		r->cb(NULL, why, r->arg);
	} else if (res->status != 200 || json_object_object_get_ex(o, "error",
	    &e)) {
		snprintf(why, sizeof(why), "%s: %s", eps[r->ep],
		    json_object_object_get_ex(o, "error", &e) ?
		    json_object_get_string(e) : "error");
		if (res->status >= 500)
			rotate(r->ep);
		r->cb(NULL, why, r->arg);
	} else
		r->cb(o, NULL, r->arg);
	json_object_put(o);
	free(r);
}

static struct http_req *
post(const char *path, struct json_object *req, struct etcd_req *r,
    http_done_cb done, http_data_cb data)
{
	static char *const	 hdrs[] = { "Content-Type: application/json",
	    NULL };
	struct http_opts	 o;
	char			 url[1024];
	const char		*body = json_object_to_json_string_ext(req,
	    JSON_C_TO_STRING_PLAIN);

	r->ep = cur % neps;
	snprintf(url, sizeof(url), "%s%s", eps[r->ep], path);
	memset(&o, 0, sizeof(o));
	o.method = "POST";
	o.body = body;
	o.bodylen = strlen(body);
	o.headers = hdrs;
	o.timeout_ms = data != NULL ? 0 : timeout;
	o.connect_timeout_ms = timeout;
	o.keep = data != NULL ? 0 : KEEP;
	o.data = data;
	o.cacert = ca;
	o.cert = crt;
	o.key = pkey;
	r->http = http_start(url, &o, done, r);
	json_object_put(req);
	return r->http;
}

struct etcd_req *
etcd_call(const char *path, struct json_object *req, etcd_cb cb, void *arg)
{
	struct etcd_req	*r;

	if (neps == 0) {
		json_object_put(req);
		return NULL;
	}
	r = xcalloc(1, sizeof(*r));
	r->cb = cb;
	r->arg = arg;
	if (post(path, req, r, call_done, NULL) == NULL) {
		free(r);
		return NULL;
	}
	if (cb == NULL) {
		r->next = unwaited;
		unwaited = r;
	}
	return r;
}

void
etcd_stop(void)
{
	while (unwaited != NULL)
		etcd_cancel(unwaited);
}

void
etcd_cancel(struct etcd_req *r)
{
	if (r == NULL)
		return;
	if (r->cb == NULL && r->ev == NULL)
		unwaited_drop(r);
	http_cancel(r->http);
	if (r->tok != NULL)
		json_tokener_free(r->tok);
	free(r);
}

/* One object of a watch stream: its events, one by one. */
static void
watch_message(struct etcd_req *r, struct json_object *o)
{
	struct json_object	*res, *evs, *e, *kv, *t;
	struct etcd_kv		 k;
	int64_t			 rev;
	size_t			 i, n;

	if (!json_object_object_get_ex(o, "result", &res)) {
		/* the gateway's {"error": {"message": ...}} */
		r->failed = true;
		snprintf(r->why, sizeof(r->why), "the watch failed: %s",
		    json_object_object_get_ex(o, "error", &t) &&
		    json_object_object_get_ex(t, "message", &t) ?
		    json_object_get_string(t) : "no result");
		return;
	}
	if (json_object_object_get_ex(res, "canceled", &t) &&
	    json_object_get_boolean(t)) {
		r->failed = true;
		snprintf(r->why, sizeof(r->why), "etcd cancelled the watch%s%s",
		    json_object_object_get_ex(res, "cancel_reason", &t) ?
		    ": " : "", json_object_object_get_ex(res, "cancel_reason",
		    &t) ? json_object_get_string(t) : "");
		return;
	}
	rev = json_object_object_get_ex(res, "header", &t) ?
	    etcd_int(t, "revision") : 0;
	if (!json_object_object_get_ex(res, "events", &evs))
		return;
	n = json_object_array_length(evs);
	for (i = 0; i < n && !r->failed; i++) {
		e = json_object_array_get_idx(evs, i);
		if (!json_object_object_get_ex(e, "kv", &kv) ||
		    etcd_kv_parse(kv, &k) == -1)
			continue;
		k.deleted = json_object_object_get_ex(e, "type", &t) &&
		    strcmp(json_object_get_string(t), "DELETE") == 0;
		r->ev(&k, rev, r->arg);
		etcd_kv_clear(&k);
	}
}

/*
 * etcd cancelled the watch (a compacted revision...), the gateway sent
 * an error instead of a result, or the stream is not JSON: the watch
 * ends here, as if the stream had.  http.c calls the data
 * callback outside of curl, so the request can be cancelled in it.
 */
static void
watch_failed(struct etcd_req *r)
{
	char	why[512];

	snprintf(why, sizeof(why), "%s: %s", eps[r->ep], r->why[0] != '\0' ?
	    r->why : "the watch's stream is not JSON");
	http_cancel(r->http);
	json_tokener_free(r->tok);
	r->end(why, r->arg);
	free(r);
}

static void
watch_data(const char *data, size_t len, void *arg)
{
	struct etcd_req		*r = arg;
	struct json_object	*o;
	size_t			 used;

	while (len > 0 && !r->failed) {
		o = json_tokener_parse_ex(r->tok, data, (int)len);
		if (o == NULL) {
			/* else the rest comes with the next piece */
			if (json_tokener_get_error(r->tok) !=
			    json_tokener_continue)
				watch_failed(r);
			return;
		}
		used = json_tokener_get_parse_end(r->tok);
		json_tokener_reset(r->tok);
		watch_message(r, o);
		json_object_put(o);
		data += used;
		len -= used;
		while (len > 0 && (*data == '\n' || *data == '\r' || *data == ' ')) {
			data++;
			len--;
		}
	}
	if (r->failed)
		watch_failed(r);
}

static void
watch_done(const struct http_result *res, void *arg)
{
	struct etcd_req	*r = arg;
	char		 why[512];

	if (!res->ok) {
		snprintf(why, sizeof(why), "%s: %s", eps[r->ep], res->error);
		rotate(r->ep);
	} else
		snprintf(why, sizeof(why), "%s: the watch ended (HTTP %ld)",
		    eps[r->ep], res->status);
	json_tokener_free(r->tok);
	r->end(why, r->arg);
	free(r);
}

struct etcd_req *
etcd_watch(const char *prefix, int64_t rev, etcd_event_cb ev, etcd_end_cb end,
    void *arg)
{
	struct json_object	*req, *cr;
	struct etcd_req		*r;
	char			 n[32];

	if (neps == 0)
		return NULL;
	r = xcalloc(1, sizeof(*r));
	r->ev = ev;
	r->end = end;
	r->arg = arg;
	r->tok = json_tokener_new();
	cr = json_object_new_object();
	json_object_object_add(cr, "key", etcd_b64(prefix));
	json_object_object_add(cr, "range_end", etcd_prefix_end(prefix));
	snprintf(n, sizeof(n), "%lld", (long long)rev);
	json_object_object_add(cr, "start_revision", json_object_new_string(n));
	req = json_object_new_object();
	json_object_object_add(req, "create_request", cr);
	if (post("/v3/watch", req, r, watch_done, watch_data) == NULL) {
		json_tokener_free(r->tok);
		free(r);
		return NULL;
	}
	return r;
}

struct json_object *
etcd_b64(const char *s)
{
	size_t			 len = strlen(s);
	unsigned char		*out = xcalloc(1, 4 * ((len + 2) / 3) + 1);
	struct json_object	*o;

	(void)EVP_EncodeBlock(out, (const unsigned char *)s, (int)len);
	o = json_object_new_string((char *)out);
	free(out);
	return o;
}

struct json_object *
etcd_prefix_end(const char *prefix)
{
	char			*end = xstrdup(prefix);
	size_t			 n = strlen(end);
	struct json_object	*o;

	/* the prefix with its last byte one higher (prefixes end in '/') */
	if (n > 0)
		end[n - 1]++;
	o = etcd_b64(end);
	free(end);
	return o;
}

/* base64 to a NUL-ended string; NULL if it is not base64. */
static char *
unb64(const char *s)
{
	size_t	 len = strlen(s), pad = 0;
	char	*out;
	int	 n;

	if (len % 4 != 0)
		return NULL;
	out = xcalloc(1, len / 4 * 3 + 1);
	if (len > 0 && (n = EVP_DecodeBlock((unsigned char *)out,
	    (const unsigned char *)s, (int)len)) < 0) {
		free(out);
		return NULL;
	}
	if (len >= 1 && s[len - 1] == '=')
		pad++;
	if (len >= 2 && s[len - 2] == '=')
		pad++;
	out[len / 4 * 3 - pad] = '\0';
	return out;
}

int64_t
etcd_int(struct json_object *o, const char *key)
{
	struct json_object	*v;

	if (o == NULL || !json_object_object_get_ex(o, key, &v))
		return 0;
	return json_object_get_int64(v);	/* "123" or 123 */
}

int
etcd_kv_parse(struct json_object *kv, struct etcd_kv *out)
{
	struct json_object	*k, *v;

	memset(out, 0, sizeof(*out));
	if (!json_object_object_get_ex(kv, "key", &k) ||
	    (out->key = unb64(json_object_get_string(k))) == NULL)
		return -1;
	out->value = json_object_object_get_ex(kv, "value", &v) ?
	    unb64(json_object_get_string(v)) : NULL;
	if (out->value == NULL)
		out->value = xstrdup("");
	out->create_rev = etcd_int(kv, "create_revision");
	out->mod_rev = etcd_int(kv, "mod_revision");
	out->lease = etcd_int(kv, "lease");
	return 0;
}

void
etcd_kv_clear(struct etcd_kv *k)
{
	free(k->key);
	free(k->value);
	memset(k, 0, sizeof(*k));
}
