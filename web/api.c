/*
 * api.c: one API request through maintd.  The gateway holds no secret
 * and decides nothing: on a connection of its own it sends "auth" with
 * the caller's bearer token, then the request line route.c made (for a
 * stream, first the same request once, to check it, then with
 * --follow), and turns maintd's reply into the HTTP answer: a refused
 * token is 401, every other ERR the status of its code.  A request of a
 * verb that reads (route.c) goes in the same write as auth, saving a
 * round trip: maintd runs nothing after a wrong token on that
 * connection, and what it answered after an auth that was not OK is
 * dropped here, never passed on.  A request that changes something is
 * sent only once maintd has said OK to the token.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#include "gw.h"
#include "log.h"
#include "upstream.h"

#define REPLY_MAX	(64 * 1024 * 1024)	/* one answer, at most */

static int	on_line(void *, int, const char *, size_t);
static void	on_done(void *, enum up_end, const char *);

static const struct up_ops ops = { on_line, on_done };

static void
answer(struct req *r, struct MHD_Response *resp, int status)
{
	r->resp = resp;
	r->status = status;
	server_answer(r);
}

static bool
answered(const struct req *r)
{
	return r->resp != NULL || r->sse != NULL;
}

/* "ERR code message" as the error answer. */
static void
answer_err(struct req *r, const char *line, int status)
{
	char		 code[64];
	const char	*msg;
	size_t		 n = strcspn(line + 4, " ");

	snprintf(code, sizeof(code), "%.*s", (int)(n < 63 ? n : 63), line + 4);
	msg = line[4 + n] == ' ' ? line + 5 + n : "";
	answer(r, server_error(status ? status : reply_status(code), code, msg),
	    status ? status : reply_status(code));
}

static bool
is_final(const char *line)
{
	return strncmp(line, "OK", 2) == 0 || strncmp(line, "ERR ", 4) == 0;
}

/* "- PAYLOAD" (or "-"): the payload. */
static const char *
payload(const char *line, size_t *len)
{
	if (*len >= 2 && line[0] == '-' && line[1] == ' ') {
		*len -= 2;
		return line + 2;
	}
	*len = 0;
	return line[0] == '-' ? line + 1 : NULL;
}

static int
on_line(void *arg, int req, const char *line, size_t len)
{
	struct req	*r = arg;
	struct MHD_Response *resp;
	const char	*p, *ctype;
	char		*body;
	size_t		 blen;
	int		 status;
	bool		 stream = r->ro.shape == SHAPE_EVENTS ||
			    r->ro.shape == SHAPE_LINES;

	if (req == 0) {
		/* the reply to auth: its data line is the session's answer */
		if (!is_final(line)) {
			if (r->ro.shape == SHAPE_SESSION &&
			    (p = payload(line, &len)) != NULL)
				reply_data(&r->rep, p, len);
			return 0;
		}
		if (strncmp(line, "OK", 2) == 0) {
			r->authed = true;
			if (!r->pipelined) {
				if (stream)
					up_write(r->up, r->ro.check);
				up_write(r->up, r->ro.line);
			}
			return 0;
		}
		r->up = NULL;
		if (strncmp(line, "ERR denied", 10) == 0) {
			answer(r, server_error(401, "unauthorized", line[10] ?
			    line + 11 : "token refused"), 401);
			return -1;
		}
		answer_err(r, line, 0);
		return -1;
	}
	if (stream && req == 1) {
		/* the check: the same request once */
		if (!is_final(line))
			return 0;
		if (strncmp(line, "ERR ", 4) == 0) {
			r->up = NULL;
			answer_err(r, line, 0);
			return -1;
		}
		up_timeout(r->up, 0);	/* a stream has no deadline */
		if (sse_start(r) == -1) {
			r->up = NULL;
			return -1;
		}
		return 0;
	}
	if (stream) {
		if ((p = payload(line, &len)) != NULL)
			sse_line(r, p, len);
		else if (is_final(line))
			sse_end(r, line);
		return 0;
	}
	if ((p = payload(line, &len)) != NULL) {
		if (r->ro.shape != SHAPE_SESSION)
			reply_data(&r->rep, p, len);
		return 0;
	}
	if (!is_final(line)) {
		answer(r, server_error(502, "bad-gateway", "an unexpected line "
		    "from maintd"), 502);
		r->up = NULL;
		return -1;
	}
	body = reply_finish(&r->rep, &r->ro, line, &status, &ctype, &blen);
	if (body == NULL) {
		answer(r, server_error(500, "internal", "out of memory"), 500);
		return 0;
	}
	resp = MHD_create_response_from_buffer(blen, body,
	    MHD_RESPMEM_MUST_FREE);
	if (resp == NULL) {
		free(body);
		answer(r, server_error(500, "internal", "out of memory"), 500);
		return 0;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
	server_headers(resp, true);
	answer(r, resp, status);
	return 0;
}

static void
on_done(void *arg, enum up_end e, const char *why)
{
	struct req	*r = arg;

	r->up = NULL;
	if (r->sse != NULL) {
		sse_end(r, why);
		return;
	}
	if (answered(r))
		return;
	if (e == UP_TIMEOUT)
		answer(r, server_error(504, "timeout", why), 504);
	else
		answer(r, server_error(503, "unreachable", why != NULL ? why :
		    "maintd's reply ended early"), 503);
}

int
api_start(struct req *r, const char *token)
{
	const char	*lines[3];
	char		 auth[600], err[512];
	int		 n = 0;

	snprintf(auth, sizeof(auth), "auth %s --json", token);
	lines[n++] = auth;
	/* a read goes with auth; a change once auth is OK (on_line) */
	r->pipelined = r->ro.reads;
	if (r->pipelined) {
		if (r->ro.shape == SHAPE_EVENTS || r->ro.shape == SHAPE_LINES)
			lines[n++] = r->ro.check;
		lines[n++] = r->ro.line;
	}
	reply_init(&r->rep, r->ro.shape, REPLY_MAX);
	r->up = up_open(gw.sock, lines, n, gw.up_timeout_ms, &ops, r, err,
	    sizeof(err));
	explicit_bzero(auth, sizeof(auth));
	if (r->up == NULL) {
		log_debug("%s", err);
		r->resp = server_error(503, "unreachable", err);
		r->status = 503;
		return -1;
	}
	r->started = true;
	return 0;
}

void
api_gone(struct req *r)
{
	if (r->up != NULL)
		up_close(r->up);
	r->up = NULL;
	reply_free(&r->rep);
}
