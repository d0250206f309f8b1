/*
 * route.c: the API's URLs as maintd requests.  The verbs, what each
 * takes (arguments, options, which options take a value) and whether
 * it changes state all come from maintd's own tables (verbs.def,
 * options.def): the table below only gives the REST shape of the
 * routes the dashboard and the API document (tasks/{name}/activate is
 * "activate NAME"), and every other verb whose arguments allow it is a
 * route of its own: GET /api/v1/VERB[/ARG] for a read-only verb, POST
 * for a changing one.  Options come from the query string (GET) or the
 * JSON body (POST), only those the verb takes; each word is quoted by
 * proto.c's rules.  Pure: no I/O, so it can be fuzzed.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "route.h"

enum { READ, ADMIN };

static const struct vdef {
	const char	*name;
	int		 level;
	int		 min, max;
	const char	*opts;
	const char	*args;
} vdefs[] = {
#define VERB(name, level, min, max, opts, fn, args, usage, help, details) \
	{ name, level, min, max, opts, args },
#include "verbs.def"
#undef VERB
};
#define NVDEFS	(sizeof(vdefs) / sizeof(vdefs[0]))

static const struct odef {
	const char	*name;
	const char	*value;
} odefs[] = {
#define OPTION(name, value, help) { name, value },
#include "options.def"
#undef OPTION
};
#define NODEFS	(sizeof(odefs) / sizeof(odefs[0]))

#define F_CONFIRM	0x01	/* the body must say "confirm": true */
#define F_ADDCONFIRM	0x02	/* --confirm: the POST is the confirmation */
#define F_STREAM	0x04	/* --follow, as Server-Sent Events */

/*
 * The REST shapes: METHOD, path under /api/v1/ ({} is a task or preset
 * name, given to the verb as an argument), the verb, a first word
 * (a sub-verb), flags, the shape of the answer, and the ERR codes that
 * still answer 200 with the data.
 */
static const struct shape {
	const char	*method;
	const char	*pattern;
	const char	*verb;
	const char	*sub;
	int		 flags;
	enum route_shape shape;
	const char	*ok_codes;
} shapes[] = {
	/* who the token is: auth's own answer (then a ping) */
	{ "GET", "session", "ping", NULL, 0, SHAPE_SESSION, NULL },
	{ "GET", "status", "health", NULL, 0, SHAPE_OBJECT, "degraded" },
	{ "GET", "tasks", "status", NULL, 0, SHAPE_ARRAY, NULL },
	{ "GET", "tasks/{}", "show", NULL, 0, SHAPE_OBJECT, NULL },
	{ "POST", "tasks/{}/activate", "activate", NULL, 0, SHAPE_ACTION, NULL },
	{ "POST", "tasks/{}/deactivate", "deactivate", NULL, 0, SHAPE_ACTION,
	    NULL },
	{ "POST", "tasks/{}/run", "run", NULL, 0, SHAPE_ACTION, NULL },
	{ "POST", "tasks/{}/stop", "stop", NULL, 0, SHAPE_ACTION, NULL },
	{ "POST", "tasks/{}/restart", "restart", NULL, 0, SHAPE_ACTION, NULL },
	{ "GET", "tasks/{}/history", "history", NULL, 0, SHAPE_ARRAY, NULL },
	{ "GET", "tasks/{}/logs", "logs", NULL, 0, SHAPE_ARRAY, NULL },
	{ "GET", "tasks/{}/logs/stream", "logs", NULL, F_STREAM, SHAPE_LINES,
	    NULL },
	{ "GET", "presets", "preset", "list", 0, SHAPE_ARRAY, NULL },
	{ "GET", "presets/{}", "preset", "show", 0, SHAPE_OBJECT, NULL },
	{ "POST", "presets/{}/apply", "preset", "apply", F_ADDCONFIRM,
	    SHAPE_ACTION, NULL },
	{ "GET", "windows", "window", "list", 0, SHAPE_ARRAY, NULL },
	{ "GET", "history", "history", NULL, 0, SHAPE_ARRAY, NULL },
	{ "GET", "report", "report", NULL, 0, SHAPE_ARRAY, NULL },
	{ "GET", "events", "events", NULL, 0, SHAPE_ARRAY, NULL },
	{ "GET", "events/stream", "events", NULL, F_STREAM, SHAPE_EVENTS,
	    NULL },
	{ "POST", "stop-all", "stop-all", NULL, F_CONFIRM | F_ADDCONFIRM,
	    SHAPE_ACTION, NULL },
	{ "POST", "resume", "resume", NULL, F_CONFIRM, SHAPE_ACTION, NULL },
	{ "GET", "fleet", "fleet", "status", 0, SHAPE_ARRAY, NULL },
	{ "POST", "fleet/stop-all", "fleet", "stop-all",
	    F_CONFIRM | F_ADDCONFIRM, SHAPE_ACTION, NULL },
	{ "POST", "fleet/resume", "fleet", "resume", F_CONFIRM, SHAPE_ACTION,
	    NULL },
	{ "GET", "notify", "notify", "list", 0, SHAPE_ARRAY, NULL },
	/* the OK line says how many more runs and that chains are not in */
	{ "GET", "plan", "plan", NULL, 0, SHAPE_ACTION, NULL },
};
#define NSHAPES	(sizeof(shapes) / sizeof(shapes[0]))

/* Options no caller gives: the gateway's own, or holding a request. */
static const char *const reserved[] = { "json", "follow", "wait", "confirm",
	NULL };
/* Verbs that are no route: a connection's own business. */
static const char *const private_verbs[] = { "auth", "quit", NULL };

#define MAXSEGS	8

struct line {
	char	*buf;
	size_t	 len, cap;
	bool	 full;
};

static const struct vdef *
vdef_find(const char *name)
{
	size_t	i;

	for (i = 0; i < NVDEFS; i++)
		if (strcmp(vdefs[i].name, name) == 0)
			return &vdefs[i];
	return NULL;
}

static const struct odef *
odef_find(const char *name)
{
	size_t	i;

	for (i = 0; i < NODEFS; i++)
		if (strcmp(odefs[i].name, name) == 0)
			return &odefs[i];
	return NULL;
}

static bool
in_list(const char *const *v, const char *s)
{
	for (; *v != NULL; v++)
		if (strcmp(*v, s) == 0)
			return true;
	return false;
}

/* Does the verb take option opt ("a b c" in verbs.def)? */
static bool
takes(const struct vdef *v, const char *opt)
{
	const char	*p = v->opts;
	size_t		 n = strlen(opt);

	if (n == 0)
		return false;
	while ((p = strstr(p, opt)) != NULL) {
		if ((p == v->opts || p[-1] == ' ') && (p[n] == ' ' ||
		    p[n] == '\0'))
			return true;
		p += n;
	}
	return false;
}

bool
route_name_ok(const char *s)
{
	const char	*p;

	if (*s == '\0' || strlen(s) > 64 || *s == '-' || *s == '.')
		return false;
	for (p = s; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_' &&
		    *p != '.')
			return false;
	return true;
}

bool
route_is_api(const char *path)
{
	return strcmp(path, "/metrics") == 0 || strcmp(path, "/api/v1") == 0 ||
	    strncmp(path, "/api/v1/", 8) == 0;
}

/* What the caller wrote, fit to be quoted back: printable ASCII only. */
static void
clean(char *dst, size_t len, const char *src)
{
	size_t	i;

	for (i = 0; src[i] != '\0' && i + 1 < len; i++)
		dst[i] = src[i] >= 0x20 && src[i] < 0x7f ? src[i] : '?';
	dst[i] = '\0';
	if (src[i] != '\0' && len > 4)
		memcpy(dst + len - 4, "...", 4);
}

static int
fail(struct route_out *o, int status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int
fail(struct route_out *o, int status, const char *code, const char *fmt, ...)
{
	va_list	ap;

	o->status = status;
	o->code = code;
	va_start(ap, fmt);
	vsnprintf(o->message, sizeof(o->message), fmt, ap);
	va_end(ap);
	return -1;
}

static void
word(struct line *l, const char *w)
{
	char	q[PROTO_MAXLINE + 1];
	size_t	n;

	if (l->full || proto_quote(w, q, sizeof(q)) == -1) {
		l->full = true;
		return;
	}
	n = strlen(q);
	if (l->len + (l->len > 0) + n >= l->cap) {
		l->full = true;
		return;
	}
	if (l->len > 0)
		l->buf[l->len++] = ' ';
	memcpy(l->buf + l->len, q, n + 1);
	l->len += n;
}

static void
option(struct line *l, const char *name, const char *value)
{
	char	w[80];

	snprintf(w, sizeof(w), "--%s", name);
	word(l, w);
	if (value != NULL)
		word(l, value);
}

/* The options of one request, gathered from the query or the body. */
struct opts {
	const char	*name[ROUTE_MAXQUERY];
	const char	*value[ROUTE_MAXQUERY];	/* NULL: a flag */
	size_t		 n;
	bool		 confirm;
	bool		 dry_run;
};

/* May the caller give option name to verb v?  Its odef, or NULL (ERR). */
static const struct odef *
caller_opt(const struct vdef *v, const char *name, struct route_out *o)
{
	const struct odef	*d;
	char			 c[64];

	if (!in_list(reserved, name) && takes(v, name) &&
	    (d = odef_find(name)) != NULL)
		return d;
	clean(c, sizeof(c), name);
	fail(o, 400, "usage", "%s takes no parameter '%s' (it takes: %s)",
	    v->name, c, *v->opts ? v->opts : "none");
	return NULL;
}

static int
add_opt(struct opts *op, const char *name, const char *value,
    struct route_out *o)
{
	size_t	i;

	for (i = 0; i < op->n; i++)
		if (strcmp(op->name[i], name) == 0)
			return fail(o, 400, "usage", "parameter %s given twice",
			    name);
	if (op->n == ROUTE_MAXQUERY)
		return fail(o, 400, "usage", "too many parameters");
	op->name[op->n] = name;
	op->value[op->n++] = value;
	if (strcmp(name, "dry-run") == 0)
		op->dry_run = true;
	return 0;
}

static bool
has_ctl(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

/* ?n=10&since=1h: valued options, and flags as "", 1, true, 0, false. */
static int
query_opts(const struct route_req *rq, const struct vdef *v, struct opts *op,
    struct route_out *o)
{
	const struct odef	*d;
	const char		*val;
	size_t			 i;

	if (rq->nquery > ROUTE_MAXQUERY)
		return fail(o, 400, "usage", "too many parameters");
	for (i = 0; i < rq->nquery; i++) {
		if ((d = caller_opt(v, rq->query[i].key, o)) == NULL)
			return -1;
		val = rq->query[i].value != NULL ? rq->query[i].value : "";
		if (has_ctl(val))
			return fail(o, 400, "usage", "parameter %s holds a "
			    "control character", d->name);
		if (d->value != NULL) {
			if (*val == '\0')
				return fail(o, 400, "usage", "parameter %s "
				    "needs a value (%s)", d->name, d->value);
		} else if (*val == '\0' || strcmp(val, "1") == 0 ||
		    strcmp(val, "true") == 0)
			val = NULL;
		else if (strcmp(val, "0") == 0 || strcmp(val, "false") == 0)
			continue;
		else
			return fail(o, 400, "usage", "parameter %s is a flag: "
			    "true or false", d->name);
		if (add_opt(op, d->name, val, o) == -1)
			return -1;
	}
	return 0;
}

/*
 * {"for": "2h", "dry_run": true}: the body of a POST, a JSON object of
 * options (dry_run or dry-run), and "confirm".
 */
static int
body_opts(const struct route_req *rq, const struct vdef *v, struct opts *op,
    struct json_object **keep, struct route_out *o)
{
	struct json_tokener	*tok;
	struct json_object	*j;
	const struct odef	*d;
	enum json_tokener_error	 e;
	char			 key[64], *p;
	const char		*val;

	if (rq->bodylen == 0)
		return 0;
	if (rq->bodylen > ROUTE_MAXBODY)
		return fail(o, 413, "too-large", "the body is over %d bytes",
		    ROUTE_MAXBODY);
	if ((tok = json_tokener_new_ex(8)) == NULL)
		return fail(o, 500, "internal", "out of memory");
	j = json_tokener_parse_ex(tok, rq->body, (int)rq->bodylen);
	e = json_tokener_get_error(tok);
	if (j != NULL && e == json_tokener_success &&
	    json_tokener_get_parse_end(tok) < rq->bodylen) {
		/* only blanks may follow the object */
		for (p = (char *)rq->body + json_tokener_get_parse_end(tok);
		    p < rq->body + rq->bodylen && isspace((unsigned char)*p);
		    p++)
			;
		if (p < rq->body + rq->bodylen)
			e = json_tokener_error_parse_unexpected;
	}
	json_tokener_free(tok);
	if (j == NULL || e != json_tokener_success) {
		json_object_put(j);
		return fail(o, 400, "usage", "the body is not JSON: %s",
		    e == json_tokener_continue ? "it ends too soon" :
		    json_tokener_error_desc(e));
	}
	*keep = j;
	if (!json_object_is_type(j, json_type_object))
		return fail(o, 400, "usage", "the body must be a JSON object");
	json_object_object_foreach(j, k, val_o) {
		snprintf(key, sizeof(key), "%s", k);
		for (p = key; *p; p++)
			if (*p == '_')
				*p = '-';
		if (strcmp(key, "confirm") == 0) {
			if (!json_object_is_type(val_o, json_type_boolean))
				return fail(o, 400, "usage", "confirm is true "
				    "or false");
			op->confirm = json_object_get_boolean(val_o);
			continue;
		}
		if ((d = caller_opt(v, key, o)) == NULL)
			return -1;
		if (d->value == NULL) {
			if (!json_object_is_type(val_o, json_type_boolean))
				return fail(o, 400, "usage", "%s is true or "
				    "false", k);
			if (!json_object_get_boolean(val_o))
				continue;
			val = NULL;
		} else if (json_object_is_type(val_o, json_type_string) ||
		    json_object_is_type(val_o, json_type_int) ||
		    json_object_is_type(val_o, json_type_double)) {
			val = json_object_get_string(val_o);
			if (*val == '\0' || has_ctl(val))
				return fail(o, 400, "usage", "%s: an empty "
				    "value, or one with a control character",
				    d->name);
		} else
			return fail(o, 400, "usage", "%s takes a string (%s)",
			    d->name, d->value);
		if (add_opt(op, d->name, val, o) == -1)
			return -1;
	}
	return 0;
}

/* The path under /api/v1/ in segments; -1 with 400 on a bad one. */
static int
split(const char *rest, char *buf, size_t len, char **seg, int *nseg,
    struct route_out *o)
{
	char	*p, *s;
	int	 n = 0;

	if (strlen(rest) >= len)
		return fail(o, 414, "too-long", "the path is too long");
	memcpy(buf, rest, strlen(rest) + 1);
	if (*buf == '\0') {
		*nseg = 0;
		return 0;
	}
	for (p = buf; p != NULL; p = s) {
		if ((s = strchr(p, '/')) != NULL)
			*s++ = '\0';
		if (*p == '\0' && s == NULL && n > 0)
			break;	/* a trailing slash */
		if (*p == '\0' || strcmp(p, ".") == 0 || strcmp(p, "..") == 0)
			return fail(o, 400, "usage", "bad path: an empty, . or "
			    ".. segment");
		if (has_ctl(p) || strpbrk(p, "\\%") != NULL)
			return fail(o, 400, "usage", "bad path: a control "
			    "character, a backslash or a %% in it");
		if (n == MAXSEGS)
			return fail(o, 404, "unknown-route", "no such route");
		seg[n++] = p;
	}
	*nseg = n;
	return 0;
}

/* Does the pattern match the segments?  *name: what {} matched. */
static bool
match(const char *pattern, char **seg, int nseg, const char **name)
{
	char	 pat[128], *p, *s;
	int	 i = 0;

	snprintf(pat, sizeof(pat), "%s", pattern);
	*name = NULL;
	for (p = pat; p != NULL; p = s, i++) {
		if ((s = strchr(p, '/')) != NULL)
			*s++ = '\0';
		if (i >= nseg)
			return false;
		if (strcmp(p, "{}") == 0)
			*name = seg[i];
		else if (strcmp(p, seg[i]) != 0)
			return false;
	}
	return i == nseg;
}

/* A verb that is a route by itself: no sub-verbs, at most one argument. */
static bool
generic(const struct vdef *v)
{
	if (in_list(private_verbs, v->name) || v->min > 1 ||
	    (v->min == 1 && v->max != 1))
		return false;
	return *v->args == '\0' || strcmp(v->args, "task?") == 0 ||
	    strcmp(v->args, "verb?") == 0 || strcmp(v->args, "task") == 0;
}

static int
build(const struct route_req *rq, const struct vdef *v, const char *sub,
    const char *name, int flags, struct route_out *o)
{
	struct json_object	*body = NULL;
	struct opts		 op;
	struct line		 l = { o->line, 0, sizeof(o->line), false };
	struct line		 c = { o->check, 0, sizeof(o->check), false };
	size_t			 i;
	int			 rc = -1;
	bool			 post = strcmp(rq->method, "POST") == 0;

	memset(&op, 0, sizeof(op));
	o->reads = v->level != ADMIN;
	if (!post && rq->bodylen > 0)
		return fail(o, 400, "usage", "%s takes no body", rq->method);
	if (post && rq->nquery > 0)
		return fail(o, 400, "usage", "POST takes its parameters in a "
		    "JSON body, not in the query string");
	if (name != NULL && !route_name_ok(name)) {
		char n[80];

		clean(n, sizeof(n), name);
		return fail(o, 404, "unknown-task", "no such name '%s' (letters, "
		    "digits, '-', '_', '.')", n);
	}
	if ((post ? body_opts(rq, v, &op, &body, o) :
	    query_opts(rq, v, &op, o)) == -1)
		goto done;
	if ((flags & F_CONFIRM) && !op.confirm && !op.dry_run) {
		fail(o, 400, "confirm", "%s%s%s needs {\"confirm\": true} (or "
		    "{\"dry_run\": true} to see what it would do)", v->name,
		    sub ? " " : "", sub ? sub : "");
		goto done;
	}
	if ((flags & F_STREAM) && rq->last_event_id != NULL &&
	    takes(v, "after") && *rq->last_event_id != '\0' &&
	    strlen(rq->last_event_id) < 20 &&
	    strspn(rq->last_event_id, "0123456789") ==
	    strlen(rq->last_event_id)) {
		/* a reconnection: the events since the last one seen */
		for (i = 0; i < op.n && strcmp(op.name[i], "after") != 0; i++)
			;
		if (i == op.n && add_opt(&op, "after", rq->last_event_id,
		    o) == -1)
			goto done;
		op.value[i] = rq->last_event_id;
	}
	word(&l, v->name);
	if (sub != NULL)
		word(&l, sub);
	if (name != NULL)
		word(&l, name);
	for (i = 0; i < op.n; i++)
		option(&l, op.name[i], op.value[i]);
	if ((flags & F_ADDCONFIRM) && !op.dry_run)
		option(&l, "confirm", NULL);
	if (flags & F_STREAM) {
		/* checked first with the same request, once, not followed */
		word(&c, v->name);
		if (name != NULL)
			word(&c, name);
		for (i = 0; i < op.n; i++)
			if (strcmp(op.name[i], "n") != 0 &&
			    strcmp(op.name[i], "after") != 0)
				option(&c, op.name[i], op.value[i]);
		option(&c, "n", "1");
		option(&c, "json", NULL);
		option(&l, "follow", NULL);
	}
	if (o->shape != SHAPE_TEXT)
		option(&l, "json", NULL);
	if (l.full || c.full) {
		fail(o, 400, "too-long", "the request is too long for maintd "
		    "(%d bytes) or holds a newline", PROTO_MAXLINE);
		goto done;
	}
	rc = 0;
 done:
	json_object_put(body);
	return rc;
}

int
route_map(const struct route_req *rq, struct route_out *o)
{
	char			 buf[PROTO_MAXLINE], *seg[MAXSEGS];
	const struct shape	*sh;
	const struct vdef	*v;
	const char		*name, *rest;
	char			 allow[32] = "";
	size_t			 i;
	int			 nseg = 0;

	memset(o, 0, sizeof(*o));
	if (strcmp(rq->path, "/metrics") == 0) {
		if (strcmp(rq->method, "GET") != 0) {
			o->allow = "GET";
			return fail(o, 405, "method", "/metrics takes GET");
		}
		o->shape = SHAPE_TEXT;
		return build(rq, vdef_find("metrics"), NULL, NULL, 0, o);
	}
	if (strcmp(rq->path, "/api/v1") == 0)
		rest = "";
	else if (strncmp(rq->path, "/api/v1/", 8) == 0)
		rest = rq->path + 8;
	else
		return fail(o, 404, "unknown-route", "no such route");
	if (split(rest, buf, sizeof(buf), seg, &nseg, o) == -1)
		return -1;
	if (nseg == 0)
		return fail(o, 404, "unknown-route", "no such route (see "
		    "maintd-http(8) for the API)");
	for (i = 0; i < NSHAPES; i++) {
		sh = &shapes[i];
		if (!match(sh->pattern, seg, nseg, &name))
			continue;
		if (strcmp(sh->method, rq->method) != 0) {
			if (strstr(allow, sh->method) == NULL)
				snprintf(allow + strlen(allow), sizeof(allow) -
				    strlen(allow), "%s%s", *allow ? ", " : "",
				    sh->method);
			continue;
		}
		o->shape = sh->shape;
		o->ok_codes = sh->ok_codes;
		return build(rq, vdef_find(sh->verb), sh->sub, name,
		    sh->flags, o);
	}
	if (*allow) {
		o->allow = strcmp(allow, "GET") == 0 ? "GET" : strcmp(allow,
		    "POST") == 0 ? "POST" : "GET, POST";
		return fail(o, 405, "method", "this route takes %s", o->allow);
	}
	/* a verb of its own: GET /api/v1/VERB[/ARG] or POST if it changes */
	if ((v = vdef_find(seg[0])) != NULL && generic(v) && nseg <= 2 &&
	    (nseg == 2 ? v->max != 0 : v->min == 0)) {
		const char *m = v->level == ADMIN ? "POST" : "GET";

		if (strcmp(rq->method, m) != 0) {
			o->allow = v->level == ADMIN ? "POST" : "GET";
			return fail(o, 405, "method", "%s takes %s", v->name,
			    m);
		}
		o->shape = SHAPE_ACTION;
		return build(rq, v, NULL, nseg == 2 ? seg[1] : NULL, 0, o);
	}
	return fail(o, 404, "unknown-route", "no such route");
}

int
route_selfcheck(char *err, size_t len)
{
	const struct vdef	*v;
	size_t			 i;

	for (i = 0; i < NSHAPES; i++) {
		if ((v = vdef_find(shapes[i].verb)) == NULL) {
			snprintf(err, len, "route %s: no verb %s in maintd's "
			    "table", shapes[i].pattern, shapes[i].verb);
			return -1;
		}
		if (((shapes[i].flags & F_STREAM) && !takes(v, "follow")) ||
		    ((shapes[i].flags & F_ADDCONFIRM) && !takes(v, "confirm"))) {
			snprintf(err, len, "route %s: verb %s does not take "
			    "the option the route gives", shapes[i].pattern,
			    v->name);
			return -1;
		}
		if (strcmp(shapes[i].method, v->level == ADMIN ? "POST" :
		    shapes[i].method) != 0) {
			snprintf(err, len, "route %s: verb %s changes state: "
			    "POST only", shapes[i].pattern, v->name);
			return -1;
		}
	}
	return 0;
}

/* maintd's ERR code (DESIGN §5) as an HTTP status. */
int
reply_status(const char *code)
{
	static const struct {
		const char	*code;
		int		 status;
	} map[] = {
		{ "usage", 400 }, { "invalid", 400 }, { "too-long", 400 },
		{ "unknown-verb", 404 }, { "unknown-task", 404 },
		{ "unknown-preset", 404 }, { "unknown-notify", 404 },
		{ "denied", 403 }, { "conflict", 409 }, { "budget", 409 },
		{ "confirm", 409 }, { "halted", 409 }, { "state", 409 },
		{ "held", 409 }, { "busy", 409 }, { "failed", 409 },
		{ "config", 422 }, { "degraded", 503 }, { "internal", 500 },
	};
	size_t	i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(map[i].code, code) == 0)
			return map[i].status;
	return 502;
}
