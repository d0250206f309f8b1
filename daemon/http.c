/*
 * http.c: one CURLM for the daemon.  curl tells us, through its socket
 * callback, which fds to watch for what (ev_io_*) and, through its timer
 * callback, the one deadline it wants (an ev_timer); readiness and the
 * deadline call curl_multi_socket_action(), and after each call finished
 * transfers are collected with curl_multi_info_read().  This is the shape
 * of curl's own ephiperfifo.c and multi-event.c examples.  No code of
 * the callers runs inside a curl callback (where curl_multi_* answers
 * CURLM_RECURSIVE_API_CALL): a stream's pieces are kept by the write
 * callback and handed over once curl_multi_socket_action() returns.
 * Connections are not kept between requests: an idle daemon holds no
 * socket of curl's, and curl wants no timer.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "ev.h"
#include "http.h"
#include "log.h"
#include "util.h"

#define USER_AGENT	"maintd"

struct http_req {
	CURL			*easy;
	struct curl_slist	*headers;
	http_done_cb		 done;
	void			*arg;
	char			 error[CURL_ERROR_SIZE];
	char			*body;		/* what is kept of the reply */
	size_t			 bodylen, keep;
	size_t			 got, max_body;	/* read of the body, limit */
	bool			 cut;		/* stopped at max_body */
	http_data_cb		 data;
	char			*piece;		/* a stream's, not yet handed */
	size_t			 piecelen, piececap;
	int64_t			 timeout_ms;
	uint64_t		 started;
	struct http_req		*next, **prevp;
};

static CURLM		*multi;
static struct ev_timer	 timer;
static struct http_req	*reqs;
static size_t		 nreqs;

static void	check_done(void);
static void	hand_pieces(void);

static void
on_io(int fd, int revents, void *arg)
{
	int	flags = 0, running;

	(void)arg;
	if (revents & EV_READ)
		flags |= CURL_CSELECT_IN;
	if (revents & EV_WRITE)
		flags |= CURL_CSELECT_OUT;
	(void)curl_multi_socket_action(multi, fd, flags, &running);
	hand_pieces();
	check_done();
}

static void
on_timer(void *arg)
{
	int	running;

	(void)arg;
	(void)curl_multi_socket_action(multi, CURL_SOCKET_TIMEOUT, 0, &running);
	hand_pieces();
	check_done();
}

static int
socket_cb(CURL *easy, curl_socket_t fd, int what, void *userp, void *sockp)
{
	int	ev = 0;

	(void)easy;
	(void)userp;
	(void)sockp;
	if (what == CURL_POLL_REMOVE) {
		ev_io_del(fd);
		return 0;
	}
	if (what & CURL_POLL_IN)
		ev |= EV_READ;
	if (what & CURL_POLL_OUT)
		ev |= EV_WRITE;
	if (ev_io_add(fd, ev, on_io, NULL) == -1)
		log_warn("http: watching fd %d", fd);
	return 0;
}

static int
timer_cb(CURLM *m, long timeout_ms, void *userp)
{
	(void)m;
	(void)userp;
	if (timeout_ms < 0)
		ev_timer_del(&timer);
	else
		ev_timer_add(&timer, (uint64_t)timeout_ms);
	return 0;
}

static size_t
write_cb(char *data, size_t size, size_t n, void *userp)
{
	struct http_req	*r = userp;
	size_t		 len = size * n, take;

	if (r->data != NULL) {
		/* handed over by hand_pieces(), outside of curl */
		if (r->piecelen + len > r->piececap) {
			r->piececap = r->piecelen + len;
			r->piece = xreallocarray(r->piece, 1, r->piececap);
		}
		memcpy(r->piece + r->piecelen, data, len);
		r->piecelen += len;
		return len;
	}
	/* past the limit: no more is read (curl ends with a write error) */
	if (r->max_body > 0 && (r->got += len) > r->max_body) {
		r->cut = true;
		return 0;
	}
	if (r->bodylen < r->keep) {
		take = r->keep - r->bodylen < len ? r->keep - r->bodylen : len;
		memcpy(r->body + r->bodylen, data, take);
		r->bodylen += take;
		r->body[r->bodylen] = '\0';
	}
	return len;	/* the rest is read and dropped */
}

int
http_init(void)
{
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return -1;
	if ((multi = curl_multi_init()) == NULL)
		return -1;
	curl_multi_setopt(multi, CURLMOPT_SOCKETFUNCTION, socket_cb);
	curl_multi_setopt(multi, CURLMOPT_TIMERFUNCTION, timer_cb);
	ev_timer_init(&timer, on_timer, NULL);
	return 0;
}

static void
req_free(struct http_req *r)
{
	curl_multi_remove_handle(multi, r->easy);
	curl_easy_cleanup(r->easy);
	curl_slist_free_all(r->headers);
	*r->prevp = r->next;
	if (r->next != NULL)
		r->next->prevp = r->prevp;
	nreqs--;
	free(r->body);
	free(r->piece);
	free(r);
}

void
http_shutdown(void)
{
	while (reqs != NULL)
		req_free(reqs);
	if (multi != NULL)
		curl_multi_cleanup(multi);
	multi = NULL;
	ev_timer_del(&timer);
	curl_global_cleanup();
}

size_t
http_active(void)
{
	return nreqs;
}

/* The reason a request got no reply, as an operator wants to read it. */
static void
describe(struct http_req *r, CURLcode rc, char *buf, size_t len)
{
	char	d[32];
	long	oserr = 0;

	(void)curl_easy_getinfo(r->easy, CURLINFO_OS_ERRNO, &oserr);
	switch (rc) {
	case CURLE_OPERATION_TIMEDOUT:
		snprintf(buf, len, "timeout after %s",
		    fmt_duration(r->timeout_ms, d, sizeof(d)));
		break;
	case CURLE_COULDNT_CONNECT:
		if (oserr == ECONNREFUSED)
			snprintf(buf, len, "connect refused");
		else
			snprintf(buf, len, "cannot connect: %s", oserr != 0 ?
			    strerror((int)oserr) : r->error);
		break;
	default:
		snprintf(buf, len, "%s", r->error[0] != '\0' ? r->error :
		    curl_easy_strerror(rc));
	}
}

/*
 * Each stream's pieces, to its data callback.  A callback may start or
 * cancel requests (its own too): the list is walked again after each.
 */
static void
hand_pieces(void)
{
	struct http_req	*r;
	char		*piece;
	size_t		 len;

again:
	for (r = reqs; r != NULL; r = r->next) {
		if (r->piecelen == 0)
			continue;
		piece = r->piece;
		len = r->piecelen;
		r->piece = NULL;
		r->piecelen = r->piececap = 0;
		r->data(piece, len, r->arg);
		free(piece);
		goto again;
	}
}

static void
check_done(void)
{
	struct http_result	 res;
	struct http_req		*r;
	CURLMsg			*msg;
	int			 left;
	char			 why[CURL_ERROR_SIZE + 64];

	while ((msg = curl_multi_info_read(multi, &left)) != NULL) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		(void)curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE,
		    (char **)&r);
		memset(&res, 0, sizeof(res));
		res.ms = (int64_t)(ev_now() - r->started);
		/* a body longer than max_body: the status came, the rest not */
		if (msg->data.result == CURLE_FILESIZE_EXCEEDED)
			r->cut = true;
		res.cut = r->cut;
		if (msg->data.result == CURLE_OK || r->cut) {
			res.ok = 1;
			(void)curl_easy_getinfo(r->easy,
			    CURLINFO_RESPONSE_CODE, &res.status);
		} else {
			describe(r, msg->data.result, why, sizeof(why));
			res.error = why;
		}
		res.body = r->body != NULL ? r->body : "";
		res.bodylen = r->bodylen;
		r->done(&res, r->arg);
		req_free(r);
	}
}

struct http_req *
http_start(const char *url, const struct http_opts *o, http_done_cb done,
    void *arg)
{
	struct http_req	*r;
	char *const	*h;
	CURLMcode	 rc;

	if (multi == NULL)
		return NULL;
	r = xcalloc(1, sizeof(*r));
	if ((r->easy = curl_easy_init()) == NULL) {
		free(r);
		return NULL;
	}
	r->done = done;
	r->arg = arg;
	r->timeout_ms = o->timeout_ms;
	r->data = o->data;
	r->max_body = o->data == NULL ? o->max_body : 0;
	r->started = ev_now();
	if ((r->keep = o->keep) > 0)
		r->body = xcalloc(1, o->keep + 1);
	for (h = o->headers; h != NULL && *h != NULL; h++)
		r->headers = curl_slist_append(r->headers, *h);
	curl_easy_setopt(r->easy, CURLOPT_URL, url);
	curl_easy_setopt(r->easy, CURLOPT_PRIVATE, r);
	curl_easy_setopt(r->easy, CURLOPT_ERRORBUFFER, r->error);
	curl_easy_setopt(r->easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(r->easy, CURLOPT_TIMEOUT_MS, (long)o->timeout_ms);
	if (o->data != NULL) {
		/* a stream stays open: the kernel sees to a dead peer */
		curl_easy_setopt(r->easy, CURLOPT_TCP_KEEPALIVE, 1L);
		curl_easy_setopt(r->easy, CURLOPT_TCP_KEEPIDLE, 10L);
		curl_easy_setopt(r->easy, CURLOPT_TCP_KEEPINTVL, 5L);
	}
	if (o->connect_timeout_ms > 0)
		curl_easy_setopt(r->easy, CURLOPT_CONNECTTIMEOUT_MS,
		    (long)o->connect_timeout_ms);
	curl_easy_setopt(r->easy, CURLOPT_FORBID_REUSE, 1L);
	curl_easy_setopt(r->easy, CURLOPT_USERAGENT, USER_AGENT);
	if (r->max_body > 0)	/* refused at once when the length says so */
		curl_easy_setopt(r->easy, CURLOPT_MAXFILESIZE_LARGE,
		    (curl_off_t)r->max_body);
	curl_easy_setopt(r->easy, CURLOPT_WRITEFUNCTION, write_cb);
	curl_easy_setopt(r->easy, CURLOPT_WRITEDATA, r);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(r->easy, CURLOPT_PROTOCOLS_STR, "http,https");
#else
	curl_easy_setopt(r->easy, CURLOPT_PROTOCOLS,
	    (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	if (o->max_redirs > 0) {
		/* a few hops, and only to http or https */
		curl_easy_setopt(r->easy, CURLOPT_FOLLOWLOCATION, 1L);
		curl_easy_setopt(r->easy, CURLOPT_MAXREDIRS, o->max_redirs);
#if LIBCURL_VERSION_NUM >= 0x075500
		curl_easy_setopt(r->easy, CURLOPT_REDIR_PROTOCOLS_STR,
		    "http,https");
#else
		curl_easy_setopt(r->easy, CURLOPT_REDIR_PROTOCOLS,
		    (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	}
	if (o->body != NULL) {
		curl_easy_setopt(r->easy, CURLOPT_POSTFIELDSIZE,
		    (long)o->bodylen);
		curl_easy_setopt(r->easy, CURLOPT_COPYPOSTFIELDS, o->body);
	}
	if (o->method != NULL)
		curl_easy_setopt(r->easy, CURLOPT_CUSTOMREQUEST, o->method);
	if (r->headers != NULL)
		curl_easy_setopt(r->easy, CURLOPT_HTTPHEADER, r->headers);
	if (o->cacert != NULL)
		curl_easy_setopt(r->easy, CURLOPT_CAINFO, o->cacert);
	if (o->cert != NULL)
		curl_easy_setopt(r->easy, CURLOPT_SSLCERT, o->cert);
	if (o->key != NULL)
		curl_easy_setopt(r->easy, CURLOPT_SSLKEY, o->key);
	if ((rc = curl_multi_add_handle(multi, r->easy)) != CURLM_OK) {
		log_warnx("http: %s", curl_multi_strerror(rc));
		curl_easy_cleanup(r->easy);
		curl_slist_free_all(r->headers);
		free(r->body);
		free(r);
		return NULL;
	}
	r->next = reqs;
	if (reqs != NULL)
		reqs->prevp = &r->next;
	r->prevp = &reqs;
	reqs = r;
	nreqs++;
	return r;
}

void
http_cancel(struct http_req *r)
{
	if (r != NULL)
		req_free(r);
}

void
http_hmac_sha256(const char *key, const char *data, size_t len, char *buf)
{
	unsigned char	md[EVP_MAX_MD_SIZE];
	unsigned int	mdlen = 0, i;

	HMAC(EVP_sha256(), key, (int)strlen(key), (const unsigned char *)data,
	    len, md, &mdlen);
	for (i = 0; i < mdlen && i < 32; i++)
		snprintf(buf + 2 * i, 3, "%02x", md[i]);
	buf[2 * i] = '\0';
}
