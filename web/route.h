/*
 * route.h: an HTTP request of the API as maintd protocol lines (route.c),
 * and maintd's reply as an HTTP answer (reply.c).  Pure functions: no
 * server, no socket, so that a fuzzer and the tests can call them.
 */
#ifndef MAINTD_HTTP_ROUTE_H
#define MAINTD_HTTP_ROUTE_H

#include <stdbool.h>
#include <stddef.h>

#include "proto.h"

#define ROUTE_MAXQUERY	32	/* query parameters of one request */
#define ROUTE_MAXBODY	(64 * 1024)	/* the JSON body of a POST */

/* What the answer is made of. */
enum route_shape {
	SHAPE_ARRAY,	/* every data line: a JSON array */
	SHAPE_OBJECT,	/* the one data line: a JSON object */
	SHAPE_ACTION,	/* {"ok", "message", "results": [data lines]} */
	SHAPE_TEXT,	/* the data lines as text (Prometheus) */
	SHAPE_EVENTS,	/* Server-Sent Events, each with the event's id */
	SHAPE_LINES,	/* Server-Sent Events of output lines */
	SHAPE_SESSION	/* the token's name, role and tasks (auth's answer) */
};

struct route_kv {
	const char	*key;
	const char	*value;
};

struct route_req {
	const char		*method;
	const char		*path;		/* decoded, from the first '/' */
	const struct route_kv	*query;
	size_t			 nquery;
	const char		*body;		/* NULL or bodylen bytes */
	size_t			 bodylen;
	const char		*last_event_id;	/* NULL: none */
};

struct route_out {
	/* the request line, and for a stream the line that checks it first */
	char		 line[PROTO_MAXLINE + 1];
	char		 check[PROTO_MAXLINE + 1];	/* "": none */
	enum route_shape shape;
	bool		 reads;		/* the verb changes nothing */
	const char	*ok_codes;	/* ERR codes answered as 200 with data */
	/* on error */
	int		 status;
	const char	*code;
	char		 message[512];
	const char	*allow;		/* 405: the methods the path takes */
};

/* Is path an API route at all (under /api/v1/, or /metrics)? */
bool	route_is_api(const char *path);
/* 0 with out->line set, or -1 with out->status, code and message. */
int	route_map(const struct route_req *, struct route_out *);
/* Every route names a verb of verbs.def and options it takes: -1 if not. */
int	route_selfcheck(char *err, size_t len);
/* A name that maintd could have (task, preset): letters, digits - _ . */
bool	route_name_ok(const char *);

/* maintd's ERR code as an HTTP status. */
int	reply_status(const char *code);

/* A reply of maintd being read: its data lines, joined as the shape wants. */
struct reply {
	enum route_shape shape;
	char		*buf;
	size_t		 len, cap, max;
	size_t		 ndata;
	bool		 too_big;	/* over max: the answer is 502 */
};

void	reply_init(struct reply *, enum route_shape, size_t max);
void	reply_data(struct reply *, const char *payload, size_t len);
/*
 * The answer for the final line ("OK text" or "ERR code text"): its
 * status and content type, the body (malloc'd, *len bytes).
 */
char	*reply_finish(struct reply *, const struct route_out *,
	    const char *final, int *status, const char **ctype, size_t *len);
/* {"error": {"code": ..., "message": ...}} */
char	*reply_error(const char *code, const char *message, size_t *len);
void	 reply_free(struct reply *);

#endif
