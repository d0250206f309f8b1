/*
 * server.c: the HTTP side of maintd-http, on GNU libmicrohttpd in one
 * thread: MHD is driven from the gateway's event loop (daemon/ev.c):
 * its epoll descriptor is one watcher of the loop (where epoll is
 * missing, its descriptors are watched one by one), its timeouts one
 * timer.  A request that waits for maintd, and a stream with nothing
 * to send, is suspended (MHD_suspend_connection) and resumed when its
 * answer or its next event is there: no thread per connection, no
 * blocking read.  Also the limits, the answers every request shares
 * (security headers, errors as JSON), the dashboard's files, and the
 * access log (-v).
 */
#include <sys/select.h>
#include <sys/socket.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <microhttpd.h>

#include "ev.h"
#include "gw.h"
#include "log.h"
#include "util.h"

/* What every answer says to a browser. */
#define CSP	"default-src 'none'; script-src 'self'; style-src 'self'; " \
		"img-src 'self' data:; connect-src 'self'; " \
		"frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

struct cctx {			/* one TCP (or Unix) connection */
	bool	bad_uri;	/* %00 or a bad %-escape in this request */
};

static struct MHD_Daemon	*mhd;
static struct ev_timer		 tick;
static struct req		*reqs;
static int			 epfd = -1;
static bool			 use_epoll;
static fd_set			 watched;	/* without epoll: MHD's fds */
static int			 maxwatched = -1;

static void	run(void);

void
server_headers(struct MHD_Response *resp, bool api)
{
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(resp, "X-Frame-Options", "DENY");
	MHD_add_response_header(resp, "Content-Security-Policy", CSP);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, api ?
	    "no-store" : "no-cache");
}

struct MHD_Response *
server_error(int status, const char *code, const char *message)
{
	struct MHD_Response	*resp;
	char			*body;
	size_t			 len;

	if ((body = reply_error(code, message, &len)) == NULL)
		return NULL;
	resp = MHD_create_response_from_buffer(len, body,
	    MHD_RESPMEM_MUST_FREE);
	if (resp == NULL) {
		free(body);
		return NULL;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
	    "application/json");
	if (status == 401)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
		    "Bearer realm=\"maintd\"");
	server_headers(resp, true);
	return resp;
}

void
server_suspend(struct req *r)
{
	if (!r->suspended) {
		MHD_suspend_connection(r->conn);
		r->suspended = true;
	}
}

void
server_resume(struct req *r)
{
	if (r->suspended) {
		r->suspended = false;
		MHD_resume_connection(r->conn);
		/* MHD goes on with it in its next run: at once */
		ev_timer_add(&tick, 0);
	}
}

void
server_answer(struct req *r)
{
	server_resume(r);
}

static enum MHD_Result
queue(struct req *r)
{
	enum MHD_Result	rc;

	if (r->resp == NULL)
		return MHD_NO;	/* out of memory: MHD closes it */
	rc = MHD_queue_response(r->conn, (unsigned int)r->status, r->resp);
	MHD_destroy_response(r->resp);
	r->resp = NULL;
	return rc;
}

static enum MHD_Result
now(struct req *r, int status, const char *code, const char *message)
{
	r->resp = server_error(status, code, message);
	r->status = status;
	return queue(r);
}

/* The query string's parameters, for route.c. */
struct query {
	struct route_kv	kv[ROUTE_MAXQUERY + 1];
	size_t		n;
};

static enum MHD_Result
one_arg(void *cls, enum MHD_ValueKind kind, const char *key,
    const char *value)
{
	struct query	*q = cls;

	(void)kind;
	if (q->n == ROUTE_MAXQUERY + 1)
		return MHD_NO;
	q->kv[q->n].key = key;
	q->kv[q->n++].value = value;
	return MHD_YES;
}

/* "Bearer TOKEN": the token, if it can be a word of a request. */
static const char *
bearer(struct MHD_Connection *c)
{
	const char	*h, *p;

	h = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_AUTHORIZATION);
	if (h == NULL || strncasecmp(h, "Bearer ", 7) != 0)
		return NULL;
	for (h += 7; *h == ' '; h++)
		;
	if (*h == '\0' || *h == '-' || strlen(h) > 512)
		return NULL;
	for (p = h; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f || *p == '"' ||
		    *p == '\\')
			return NULL;
	return h;
}

static enum MHD_Result
api(struct req *r)
{
	struct route_req	 rq;
	struct query		 q;
	const char		*tok;

	memset(&q, 0, sizeof(q));
	MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, one_arg, &q);
	memset(&rq, 0, sizeof(rq));
	rq.method = r->method;
	rq.path = r->path;
	rq.query = q.kv;
	rq.nquery = q.n;
	rq.body = r->body;
	rq.bodylen = r->bodylen;
	rq.last_event_id = MHD_lookup_connection_value(r->conn,
	    MHD_HEADER_KIND, "Last-Event-ID");
	if (route_map(&rq, &r->ro) == -1) {
		r->resp = server_error(r->ro.status, r->ro.code, r->ro.message);
		r->status = r->ro.status;
		if (r->resp != NULL && r->ro.allow != NULL)
			MHD_add_response_header(r->resp, MHD_HTTP_HEADER_ALLOW,
			    r->ro.allow);
		return queue(r);
	}
	if ((tok = bearer(r->conn)) == NULL)
		return now(r, 401, "unauthorized", MHD_lookup_connection_value(
		    r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION) ?
		    "not a bearer token that maintd could take" :
		    "no token: send Authorization: Bearer TOKEN");
	if (api_start(r, tok) == -1)
		return queue(r);
	server_suspend(r);
	return MHD_YES;
}

static enum MHD_Result
file(struct req *r)
{
	const struct static_file	*f;
	const char			*inm;

	if (strcmp(r->method, "GET") != 0 && strcmp(r->method, "HEAD") != 0) {
		r->resp = server_error(405, "method", "the dashboard's files "
		    "take GET");
		r->status = 405;
		if (r->resp != NULL)
			MHD_add_response_header(r->resp, MHD_HTTP_HEADER_ALLOW,
			    "GET, HEAD");
		return queue(r);
	}
	if ((f = static_find(r->path)) == NULL)
		return now(r, 404, "not-found", static_count() == 0 ?
		    "no dashboard here (maintd-http -d DIR: where its files "
		    "are)" : "no such file");
	inm = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_IF_NONE_MATCH);
	if (inm != NULL && strcmp(inm, f->etag) == 0) {
		r->resp = MHD_create_response_from_buffer(0, NULL,
		    MHD_RESPMEM_PERSISTENT);
		r->status = 304;
	} else {
		r->resp = MHD_create_response_from_buffer(f->len, f->data,
		    MHD_RESPMEM_PERSISTENT);
		r->status = 200;
		if (r->resp != NULL)
			MHD_add_response_header(r->resp,
			    MHD_HTTP_HEADER_CONTENT_TYPE, f->ctype);
	}
	if (r->resp != NULL) {
		MHD_add_response_header(r->resp, MHD_HTTP_HEADER_ETAG, f->etag);
		server_headers(r->resp, false);
	}
	return queue(r);
}

static struct cctx *
cctx_of(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo	*i;

	i = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	return i != NULL ? i->socket_context : NULL;
}

static enum MHD_Result
handler(void *cls, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *data, size_t *size,
    void **ctx)
{
	struct req	*r = *ctx;
	struct cctx	*cc;
	const char	*cl;

	(void)cls;
	(void)version;
	if (r == NULL) {
		r = xcalloc(1, sizeof(*r));
		r->conn = c;
		snprintf(r->method, sizeof(r->method), "%s", method);
		r->path = xstrdup(url);
		r->t0 = ev_now();
		r->next = reqs;
		if (reqs != NULL)
			reqs->prevp = &r->next;
		r->prevp = &reqs;
		reqs = r;
		*ctx = r;
		if ((cc = cctx_of(c)) != NULL && cc->bad_uri)
			return now(r, 400, "usage", "bad URL: a %00 or a bad "
			    "%-escape");
		/*
		 * A body too large is refused before it is sent (before
		 * "100 Continue"): so its length must be known.
		 */
		cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
		    MHD_HTTP_HEADER_CONTENT_LENGTH);
		if (cl != NULL && strtoull(cl, NULL, 10) > ROUTE_MAXBODY)
			return now(r, 413, "too-large", "the body is over 64 "
			    "KiB");
		if (MHD_lookup_connection_value(c, MHD_HEADER_KIND,
		    MHD_HTTP_HEADER_TRANSFER_ENCODING) != NULL)
			return now(r, 411, "length-required", "a body needs a "
			    "Content-Length (at most 64 KiB), not chunks");
		return MHD_YES;
	}
	if (*size > 0) {
		if (r->too_large || r->bodylen + *size > ROUTE_MAXBODY) {
			r->too_large = true;
			*size = 0;
			return now(r, 413, "too-large", "the body is over 64 "
			    "KiB");
		}
		r->body = xreallocarray(r->body, r->bodylen + *size + 1, 1);
		memcpy(r->body + r->bodylen, data, *size);
		r->bodylen += *size;
		r->body[r->bodylen] = '\0';
		*size = 0;
		return MHD_YES;
	}
	if (r->resp != NULL)
		return queue(r);	/* resumed: the answer is there */
	if (r->started) {
		server_suspend(r);	/* (a spurious call) */
		return MHD_YES;
	}
	if (route_is_api(r->path))
		return api(r);
	return file(r);
}

static void
completed(void *cls, struct MHD_Connection *c, void **ctx,
    enum MHD_RequestTerminationCode toe)
{
	struct req	*r = *ctx;
	struct cctx	*cc;

	(void)cls;
	(void)toe;
	if ((cc = cctx_of(c)) != NULL)
		cc->bad_uri = false;
	if (r == NULL)
		return;
	if (gw.verbose)
		log_info("%s %s %d %llums", r->method, r->path, r->status,
		    (unsigned long long)(ev_now() - r->t0));
	api_gone(r);
	sse_gone(r);
	*r->prevp = r->next;
	if (r->next != NULL)
		r->next->prevp = r->prevp;
	if (r->resp != NULL)
		MHD_destroy_response(r->resp);
	free(r->body);
	free(r->path);
	free(r);
	*ctx = NULL;
}

static void
on_conn(void *cls, struct MHD_Connection *c, void **sctx,
    enum MHD_ConnectionNotificationCode code)
{
	(void)cls;
	(void)c;
	if (code == MHD_CONNECTION_NOTIFY_STARTED)
		*sctx = xcalloc(1, sizeof(struct cctx));
	else {
		free(*sctx);
		*sctx = NULL;
	}
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * %XX decoding of the path and the query's keys and values, as MHD's
 * own but that a %00 (which would cut the text short) or a bad escape
 * marks the request as bad (answered 400) instead.
 */
static size_t
unescape(void *cls, struct MHD_Connection *c, char *s)
{
	struct cctx	*cc = cctx_of(c);
	char		*r = s, *w = s;
	int		 hi, lo;

	(void)cls;
	while (*r != '\0') {
		if (*r != '%') {
			*w++ = *r++;
			continue;
		}
		if ((hi = hexval(r[1])) == -1 || (lo = hexval(r[2])) == -1 ||
		    (hi == 0 && lo == 0)) {
			if (cc != NULL)
				cc->bad_uri = true;
			*w++ = *r++;
			continue;
		}
		*w++ = (char)(hi << 4 | lo);
		r += 3;
	}
	*w = '\0';
	return (size_t)(w - s);
}

static void
mhd_log(void *cls, const char *fmt, va_list ap)
{
	char	buf[512];
	size_t	n;

	(void)cls;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	n = strlen(buf);
	while (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	log_debug("libmicrohttpd: %s", buf);
}

static void
on_fd(int fd, int revents, void *arg)
{
	(void)fd;
	(void)revents;
	(void)arg;
	run();
}

/* Without epoll: watch the descriptors MHD wants now, those alone. */
static void
sync_fds(void)
{
	fd_set		 rs, ws, es;
	MHD_socket	 max = -1;
	int		 fd, ev;

	FD_ZERO(&rs);
	FD_ZERO(&ws);
	FD_ZERO(&es);
	if (MHD_get_fdset(mhd, &rs, &ws, &es, &max) != MHD_YES)
		max = -1;
	for (fd = 0; fd <= (max > maxwatched ? max : maxwatched); fd++) {
		ev = (fd <= max && FD_ISSET(fd, &rs) ? EV_READ : 0) |
		    (fd <= max && FD_ISSET(fd, &ws) ? EV_WRITE : 0);
		if (ev != 0 && !FD_ISSET(fd, &watched)) {
			if (ev_io_add(fd, ev, on_fd, NULL) == 0)
				FD_SET(fd, &watched);
		} else if (ev != 0)
			ev_io_set(fd, ev);
		else if (FD_ISSET(fd, &watched)) {
			ev_io_del(fd);
			FD_CLR(fd, &watched);
		}
	}
	maxwatched = max;
}

static void
run(void)
{
	MHD_UNSIGNED_LONG_LONG	ms;

	if (mhd == NULL)
		return;
	MHD_run(mhd);
	if (!use_epoll)
		sync_fds();
	if (MHD_get_timeout(mhd, &ms) == MHD_YES)
		ev_timer_add(&tick, ms > 60000 ? 60000 : (uint64_t)ms);
	else
		ev_timer_add(&tick, 60000);
}

static void
on_tick(void *arg)
{
	(void)arg;
	run();
}

int
server_start(int listen_fd, bool unix_socket, char *err, size_t len)
{
	const union MHD_DaemonInfo	*di;
	unsigned int			 flags;
	struct MHD_OptionItem		 tls[3];

	(void)unix_socket;
	use_epoll = MHD_is_feature_supported(MHD_FEATURE_EPOLL) == MHD_YES;
	flags = MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG |
	    (use_epoll ? MHD_USE_EPOLL : 0) | (gw.cert != NULL ? MHD_USE_TLS : 0);
	memset(tls, 0, sizeof(tls));
	tls[0].option = MHD_OPTION_END;
	if (gw.cert != NULL) {
		tls[0].option = MHD_OPTION_HTTPS_MEM_CERT;
		tls[0].ptr_value = gw.cert;
		tls[1].option = MHD_OPTION_HTTPS_MEM_KEY;
		tls[1].ptr_value = gw.key;
		tls[2].option = MHD_OPTION_END;
	}
	mhd = MHD_start_daemon(flags, 0, NULL, NULL, handler, NULL,
	    MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
	    MHD_OPTION_LISTEN_SOCKET, listen_fd,
	    MHD_OPTION_CONNECTION_LIMIT, gw.max_conns,
	    MHD_OPTION_CONNECTION_TIMEOUT, gw.conn_timeout_s,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, gw.conn_memory,
	    MHD_OPTION_NOTIFY_COMPLETED, completed, NULL,
	    MHD_OPTION_NOTIFY_CONNECTION, on_conn, NULL,
	    MHD_OPTION_UNESCAPE_CALLBACK, unescape, NULL,
	    MHD_OPTION_ARRAY, tls,
	    MHD_OPTION_END);
	if (mhd == NULL) {
		snprintf(err, len, "libmicrohttpd did not start (see the "
		    "log with -d)");
		return -1;
	}
	ev_timer_init(&tick, on_tick, NULL);
	if (use_epoll) {
		di = MHD_get_daemon_info(mhd, MHD_DAEMON_INFO_EPOLL_FD);
		epfd = di != NULL ? di->epoll_fd : -1;
		if (epfd == -1 || ev_io_add(epfd, EV_READ, on_fd, NULL) == -1) {
			snprintf(err, len, "libmicrohttpd: no epoll descriptor");
			MHD_stop_daemon(mhd);
			mhd = NULL;
			return -1;
		}
	} else
		FD_ZERO(&watched);
	run();
	return 0;
}

/* Every connection wakes up (MHD stops none asleep), then MHD stops. */
void
server_stop(void)
{
	struct req	*r;
	int		 fd;

	if (mhd == NULL)
		return;
	for (r = reqs; r != NULL; r = r->next) {
		if (r->sse != NULL)
			sse_end(r, NULL);
		else if (r->started && r->resp == NULL) {
			r->resp = server_error(503, "unreachable", "maintd-http "
			    "is stopping");
			r->status = 503;
		}
		api_gone(r);
		server_resume(r);
	}
	if (use_epoll)
		ev_io_del(epfd);
	else
		for (fd = 0; fd <= maxwatched; fd++)
			if (FD_ISSET(fd, &watched))
				ev_io_del(fd);
	ev_timer_del(&tick);
	MHD_stop_daemon(mhd);
	mhd = NULL;
}
