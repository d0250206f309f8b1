/*
 * reply.c: maintd's reply as the HTTP answer.  The data lines of a
 * --json reply are JSON already (one object each): they are joined,
 * not parsed again, into the body itself, so that a list of 10 000
 * tasks costs one copy.  The final line makes the status: OK is 200;
 * ERR CODE is the status of the code (route.c), with {"error":
 * {"code", "message"}}.  Pure.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "route.h"

static void
put(struct reply *r, const char *s, size_t n)
{
	char	*nb;
	size_t	 cap;

	if (r->too_big)
		return;
	if (r->len + n + 1 > r->max) {
		r->too_big = true;
		return;
	}
	if (r->len + n + 1 > r->cap) {
		for (cap = r->cap ? r->cap : 4096; cap < r->len + n + 1;
		    cap *= 2)
			;
		if ((nb = realloc(r->buf, cap)) == NULL) {
			r->too_big = true;
			return;
		}
		r->buf = nb;
		r->cap = cap;
	}
	memcpy(r->buf + r->len, s, n);
	r->len += n;
	r->buf[r->len] = '\0';
}

void
reply_init(struct reply *r, enum route_shape shape, size_t max)
{
	memset(r, 0, sizeof(*r));
	r->shape = shape;
	r->max = max;
}

void
reply_free(struct reply *r)
{
	free(r->buf);
	memset(r, 0, sizeof(*r));
}

/* A payload that is not JSON (a verb without --json) as a JSON string. */
static void
put_json(struct reply *r, const char *p, size_t n)
{
	struct json_object	*s;
	const char		*t;

	if (n > 0 && (*p == '{' || *p == '[')) {
		put(r, p, n);
		return;
	}
	s = json_object_new_string_len(p, (int)n);
	t = json_object_to_json_string_ext(s, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE);
	put(r, t, strlen(t));
	json_object_put(s);
}

void
reply_data(struct reply *r, const char *p, size_t n)
{
	switch (r->shape) {
	case SHAPE_TEXT:
		put(r, p, n);
		put(r, "\n", 1);
		break;
	case SHAPE_OBJECT:
	case SHAPE_SESSION:
		if (r->ndata == 0)
			put_json(r, p, n);
		break;
	case SHAPE_ACTION:
		if (r->ndata > 0)
			put(r, ",", 1);
		put_json(r, p, n);
		break;
	default:
		/* the array is made where it is read: no copy at the end */
		put(r, r->ndata > 0 ? "," : "[", 1);
		put_json(r, p, n);
	}
	r->ndata++;
}

char *
reply_error(const char *code, const char *message, size_t *len)
{
	struct json_object	*o, *e;
	char			*s;

	o = json_object_new_object();
	e = json_object_new_object();
	json_object_object_add(e, "code", json_object_new_string(code));
	json_object_object_add(e, "message", json_object_new_string(message));
	json_object_object_add(o, "error", e);
	s = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	*len = s != NULL ? strlen(s) : 0;
	return s;
}

static bool
code_in(const char *list, const char *code)
{
	size_t	n = strlen(code);
	const char *p;

	for (p = list; p != NULL && (p = strstr(p, code)) != NULL; p += n)
		if ((p == list || p[-1] == ' ') && (p[n] == ' ' ||
		    p[n] == '\0'))
			return true;
	return false;
}

static char *
too_large(struct reply *r, int *status, size_t *len)
{
	reply_free(r);
	*status = 502;
	return reply_error("too-large", "maintd's reply is too large for the "
	    "gateway: ask for less (n, since, until)", len);
}

char *
reply_finish(struct reply *r, const struct route_out *o, const char *final,
    int *status, const char **ctype, size_t *len)
{
	struct json_object	*w, *m;
	char			 code[64], *s, *body;
	const char		*msg = "";
	size_t			 n;
	bool			 ok = strncmp(final, "OK", 2) == 0 &&
				    (final[2] == '\0' || final[2] == ' ');

	*ctype = "application/json";
	if (!ok && strncmp(final, "ERR ", 4) == 0) {
		n = strcspn(final + 4, " ");
		snprintf(code, sizeof(code), "%.*s", (int)(n < 63 ? n : 63),
		    final + 4);
		msg = final[4 + n] == ' ' ? final + 5 + n : "";
		if (!code_in(o->ok_codes, code)) {
			reply_free(r);
			*status = reply_status(code);
			return reply_error(code, msg, len);
		}
	} else if (!ok) {
		reply_free(r);
		*status = 502;
		return reply_error("bad-gateway", "maintd's reply has no final "
		    "line", len);
	} else
		msg = final[2] == ' ' ? final + 3 : "";
	if (r->too_big)
		return too_large(r, status, len);
	*status = 200;
	switch (r->shape) {
	case SHAPE_TEXT:
		*ctype = "text/plain; version=0.0.4; charset=utf-8";
		body = r->buf != NULL ? r->buf : strdup("");
		*len = r->len;
		r->buf = NULL;
		reply_free(r);
		return body;
	case SHAPE_OBJECT:
	case SHAPE_SESSION:
		if (r->ndata == 0) {
			reply_free(r);
			*len = 2;
			return strdup("{}");
		}
		body = r->buf;
		*len = r->len;
		r->buf = NULL;
		reply_free(r);
		return body;
	case SHAPE_ACTION:
		w = json_object_new_object();
		json_object_object_add(w, "ok", json_object_new_boolean(ok));
		m = json_object_new_string(msg);
		json_object_object_add(w, "message", m);
		s = (char *)json_object_to_json_string_ext(w,
		    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
		/* {"ok":true,"message":"..."} + ,"results":[...]} */
		n = strlen(s);
		*len = n - 1 + 12 + r->len + 2;
		if ((body = malloc(*len + 1)) != NULL)
			snprintf(body, *len + 1, "%.*s,\"results\":[%s]}",
			    (int)(n - 1), s, r->buf != NULL ? r->buf : "");
		json_object_put(w);
		reply_free(r);
		return body;
	default:
		put(r, r->ndata > 0 ? "]" : "[]", r->ndata > 0 ? 1 : 2);
		if (r->too_big)
			return too_large(r, status, len);
		body = r->buf;
		*len = r->len;
		r->buf = NULL;
		reply_free(r);
		return body;
	}
}
