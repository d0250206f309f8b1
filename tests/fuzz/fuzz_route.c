/*
 * fuzz_route.c: maintd-http's request -> protocol line mapping
 * (web/route.c) and its reply assembly (web/reply.c), without a
 * server.  The input is lines: METHOD, PATH, QUERY (k=v&k=v), the
 * Last-Event-ID (empty: none), then the body (the rest).
 *
 * route_map: an error is a 4xx or 5xx with a code and a message of
 * printable text; a mapping is a request line that proto.c parses back
 * to a verb of maintd, with --json unless the answer is Prometheus
 * text, --follow exactly for a stream, never --wait, and --confirm only
 * as the route gives it; a stream's check line parses too and does not
 * follow.  reply: data lines of JSON (made from the input) and an OK
 * make a JSON answer that parses; an ERR line makes an error object
 * with its code.  abort() on a mismatch.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "fuzz.h"
#include "proto.h"
#include "route.h"

static const char *verbs[] = {
#define VERB(name, level, min, max, opts, fn, args, usage, help, details) name,
#include "verbs.def"
#undef VERB
};

static char *
next_line(char **p)
{
	char	*s = *p, *nl;

	if (s == NULL)
		return (char *)"";
	if ((nl = strchr(s, '\n')) != NULL) {
		*nl = '\0';
		*p = nl + 1;
	} else
		*p = NULL;
	return s;
}

static void
check_line(const char *line, bool check_line_of_stream,
    const struct route_out *o)
{
	struct request	 r;
	const char	*errstr;
	char		 arg[64];
	size_t		 i;
	bool		 known = false;

	FUZZ_CHECK(*line != '\0', "an empty request line");
	FUZZ_CHECK(strchr(line, '\n') == NULL, "a newline in '%s'", line);
	FUZZ_CHECK(proto_request(line, strlen(line), &r, &errstr, arg,
	    sizeof(arg)) == 0, "'%s' does not parse: %s", line, errstr);
	for (i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		known = known || strcmp(verbs[i], r.verb) == 0;
	FUZZ_CHECK(known, "'%s': not a verb of maintd", line);
	FUZZ_CHECK(strcmp(r.verb, "auth") != 0 && strcmp(r.verb, "quit") != 0,
	    "'%s': a connection's own verb", line);
	FUZZ_CHECK(!request_has(&r, "wait"), "'%s' holds --wait", line);
	FUZZ_CHECK(request_has(&r, "json") == (o->shape != SHAPE_TEXT),
	    "'%s': --json and shape %d", line, o->shape);
	FUZZ_CHECK(request_has(&r, "follow") == (!check_line_of_stream &&
	    (o->shape == SHAPE_EVENTS || o->shape == SHAPE_LINES)),
	    "'%s': --follow and shape %d", line, o->shape);
	request_free(&r);
}

static void
check_reply(const uint8_t *data, size_t len, const struct route_out *o)
{
	struct reply		 rep;
	struct json_object	*s, *j;
	const char		*p, *ctype;
	char			*body;
	size_t			 blen, i;
	int			 status;

	reply_init(&rep, o->shape == SHAPE_EVENTS || o->shape == SHAPE_LINES ?
	    SHAPE_ARRAY : o->shape, 1 << 20);
	for (i = 0; i < 3 && i < len; i++) {
		s = json_object_new_object();
		json_object_object_add(s, "x",
		    json_object_new_string_len((const char *)data + i,
		    (int)(len - i)));
		p = json_object_to_json_string_ext(s, JSON_C_TO_STRING_PLAIN);
		reply_data(&rep, p, strlen(p));
		json_object_put(s);
	}
	body = reply_finish(&rep, o, len > 0 && data[0] & 1 ?
	    "ERR conflict it would conflict" : "OK done", &status, &ctype,
	    &blen);
	FUZZ_CHECK(body != NULL, "no body");
	FUZZ_CHECK(status == 200 || (status == 409 && len > 0 &&
	    (data[0] & 1)), "status %d", status);
	if (o->shape != SHAPE_TEXT || status != 200) {
		j = json_tokener_parse(body);
		FUZZ_CHECK(j != NULL, "the answer is not JSON: %s", body);
		if (status != 200)
			FUZZ_CHECK(json_object_object_get_ex(j, "error", NULL),
			    "an error answer without error: %s", body);
		json_object_put(j);
	}
	free(body);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct route_kv	 kv[ROUTE_MAXQUERY + 4];
	struct route_req rq;
	struct route_out o;
	char		*in = fuzz_str(data, len), *p = in, *q, *amp, *eq;
	const char	*method, *path, *query, *lei;
	size_t		 nkv = 0, i;

	method = next_line(&p);
	path = next_line(&p);
	query = next_line(&p);
	lei = next_line(&p);
	memset(&rq, 0, sizeof(rq));
	rq.method = method;
	rq.path = path;
	for (q = (char *)query; *q && nkv < sizeof(kv) / sizeof(kv[0]);
	    q = amp) {
		if ((amp = strchr(q, '&')) != NULL)
			*amp++ = '\0';
		else
			amp = q + strlen(q);
		if ((eq = strchr(q, '=')) != NULL)
			*eq++ = '\0';
		kv[nkv].key = q;
		kv[nkv++].value = eq;
	}
	rq.query = kv;
	rq.nquery = nkv;
	rq.last_event_id = *lei ? lei : NULL;
	rq.body = p;
	rq.bodylen = p != NULL ? len - (size_t)(p - in) : 0;
	if (route_map(&rq, &o) == -1) {
		FUZZ_CHECK(o.status >= 400 && o.status < 600, "status %d",
		    o.status);
		FUZZ_CHECK(o.code != NULL && *o.code, "no code");
		FUZZ_CHECK(*o.message, "no message");
		for (i = 0; o.message[i]; i++)
			FUZZ_CHECK(o.message[i] >= 0x20 && o.message[i] < 0x7f,
			    "a byte %#x in the message '%s'",
			    (unsigned char)o.message[i], o.message);
	} else {
		check_line(o.line, false, &o);
		if (o.shape == SHAPE_EVENTS || o.shape == SHAPE_LINES)
			check_line(o.check, true, &o);
		else
			FUZZ_CHECK(o.check[0] == '\0', "a check line");
		check_reply(data, len, &o);
	}
	free(in);
	return 0;
}
