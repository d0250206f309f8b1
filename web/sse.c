/*
 * sse.c: Server-Sent Events (text/event-stream) from a maintd stream
 * (events --follow, logs --follow).  Each data line of maintd is one
 * event; an event of the activity log carries its id in the store as
 * the SSE id, so that a client that reconnects with Last-Event-ID gets
 * what it missed (route.c asks for --after ID).  The connection sleeps
 * (MHD_suspend_connection) while there is nothing to send, and wakes
 * when maintd writes or the keep-alive comment is due.  A client that
 * does not read holds the reading of maintd (up to STREAM_HIGH), then
 * loses its stream (STREAM_CAP): the gateway's memory stays bounded.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#include "ev.h"
#include "gw.h"
#include "upstream.h"
#include "util.h"

#define STREAM_HIGH	(256 * 1024)	/* stop reading maintd above */
#define STREAM_CAP	(4 * 1024 * 1024)	/* drop the stream above */
#define KEEPALIVE_MS	15000
#define RETRY_MS	3000	/* the client's wait before it reconnects */

struct sse {
	struct req	*r;		/* NULL once the request has gone */
	char		*buf;
	size_t		 len, off, cap;
	bool		 ended;
	bool		 paused;	/* maintd is not read */
	int		 refs;		/* the request and the response */
	struct ev_timer	 keepalive;
};

static size_t	nsse;

size_t
sse_count(void)
{
	return nsse;
}

static void
unref(struct sse *s)
{
	if (--s->refs > 0)
		return;
	ev_timer_del(&s->keepalive);
	free(s->buf);
	free(s);
	nsse--;
}

static void
wake(struct sse *s)
{
	if (s->r != NULL && s->r->suspended)
		server_resume(s->r);
}

static void
put(struct sse *s, const char *p, size_t n)
{
	if (s->ended)
		return;
	if (s->off > 0 && s->off == s->len)
		s->off = s->len = 0;
	if (s->len - s->off + n > STREAM_CAP) {
		/* it does not read: its stream ends, its memory goes */
		s->ended = true;
		s->len = s->off = 0;
		return;
	}
	if (s->len + n > s->cap) {
		if (s->off > 0) {
			memmove(s->buf, s->buf + s->off, s->len - s->off);
			s->len -= s->off;
			s->off = 0;
		}
		while (s->len + n > s->cap)
			s->cap = s->cap ? s->cap * 2 : 4096;
		s->buf = xreallocarray(s->buf, s->cap, 1);
	}
	memcpy(s->buf + s->len, p, n);
	s->len += n;
}

static ssize_t
reader(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct sse	*s = cls;
	size_t		 n;

	(void)pos;
	if (s->len > s->off) {
		n = s->len - s->off < max ? s->len - s->off : max;
		memcpy(buf, s->buf + s->off, n);
		s->off += n;
		if (s->paused && s->len - s->off < STREAM_HIGH / 2 &&
		    s->r != NULL && s->r->up != NULL) {
			s->paused = false;
			up_pause(s->r->up, false);
		}
		return (ssize_t)n;
	}
	if (s->ended || s->r == NULL)
		return MHD_CONTENT_READER_END_OF_STREAM;
	server_suspend(s->r);
	return 0;
}

static void
free_cb(void *cls)
{
	unref(cls);
}

static void
on_keepalive(void *arg)
{
	struct sse	*s = arg;

	put(s, ": keep-alive\n\n", 14);
	ev_timer_add(&s->keepalive, KEEPALIVE_MS);
	wake(s);
}

int
sse_start(struct req *r)
{
	struct MHD_Response	*resp;
	struct sse		*s;
	char			 retry[32];

	s = xcalloc(1, sizeof(*s));
	s->r = r;
	s->refs = 2;
	resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16 * 1024,
	    reader, s, free_cb);
	if (resp == NULL) {
		free(s);
		r->resp = server_error(500, "internal", "out of memory");
		r->status = 500;
		server_answer(r);
		return -1;
	}
	nsse++;
	r->sse = s;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
	    "text/event-stream; charset=utf-8");
	MHD_add_response_header(resp, "X-Accel-Buffering", "no");
	server_headers(resp, true);
	snprintf(retry, sizeof(retry), "retry: %d\n\n", RETRY_MS);
	put(s, retry, strlen(retry));
	ev_timer_init(&s->keepalive, on_keepalive, s);
	ev_timer_add(&s->keepalive, KEEPALIVE_MS);
	r->resp = resp;
	r->status = 200;
	server_answer(r);
	return 0;
}

/* One data line of maintd: one event ("id: N" for the activity log's). */
void
sse_line(struct req *r, const char *p, size_t len)
{
	struct sse	*s = r->sse;
	char		 id[40];
	size_t		 n;

	if (s == NULL)
		return;
	if (r->ro.shape == SHAPE_EVENTS && len > 6 &&
	    strncmp(p, "{\"id\":", 6) == 0 &&
	    (n = strspn(p + 6, "0123456789")) > 0 && n < 20) {
		snprintf(id, sizeof(id), "id: %.*s\n", (int)n, p + 6);
		put(s, id, strlen(id));
	}
	put(s, "data: ", 6);
	put(s, p, len);
	put(s, "\n\n", 2);
	if (!s->paused && s->len - s->off > STREAM_HIGH && r->up != NULL) {
		s->paused = true;
		up_pause(r->up, true);
	}
	wake(s);
}

/* maintd's stream ended (it stopped; an ERR): so does this one. */
void
sse_end(struct req *r, const char *why)
{
	struct sse	*s = r->sse;
	char		*e;
	size_t		 len;

	if (s == NULL || s->ended)
		return;
	if (why != NULL && strncmp(why, "ERR ", 4) == 0) {
		char	code[64];
		size_t	n = strcspn(why + 4, " ");

		snprintf(code, sizeof(code), "%.*s", (int)(n < 63 ? n : 63),
		    why + 4);
		if ((e = reply_error(code, why[4 + n] ? why + 5 + n : "",
		    &len)) != NULL) {
			put(s, "event: error\ndata: ", 19);
			put(s, e, len);
			put(s, "\n\n", 2);
			free(e);
		}
	}
	s->ended = true;
	wake(s);
}

/* The request has gone (the client left, or the stream was sent). */
void
sse_gone(struct req *r)
{
	struct sse	*s = r->sse;

	if (s == NULL)
		return;
	r->sse = NULL;
	s->r = NULL;
	ev_timer_del(&s->keepalive);
	unref(s);
}
