/*
 * gw.h: maintd-http's parts: the HTTP server (server.c), API requests
 * (api.c), event streams (sse.c) and the dashboard's files (static.c).
 */
#ifndef MAINTD_HTTP_GW_H
#define MAINTD_HTTP_GW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "route.h"

struct MHD_Connection;
struct MHD_Response;
struct upstream;
struct sse;

/* The limits and places, from the command line (maintd-http.c). */
struct gw_conf {
	const char	*sock;		/* maintd's socket */
	unsigned	 max_conns;	/* HTTP connections at once */
	unsigned	 conn_timeout_s; /* an idle or slow connection */
	size_t		 conn_memory;	/* per connection: headers and more */
	int64_t		 up_timeout_ms;	/* maintd's answer to a request */
	bool		 verbose;	/* one log line per request */
	char		*cert, *key;	/* PEM, for TLS */
};

extern struct gw_conf	gw;

/* One HTTP request, from its headers to its answer. */
struct req {
	struct MHD_Connection	*conn;
	struct req		*next, **prevp;
	char			 method[8];
	char			*path;
	uint64_t		 t0;
	char			*body;
	size_t			 bodylen;
	bool			 too_large;
	bool			 suspended;
	bool			 started;	/* handed to maintd */
	bool			 pipelined;	/* sent with auth (a read) */
	struct upstream		*up;
	struct route_out	 ro;
	struct reply		 rep;
	bool			 authed;
	struct MHD_Response	*resp;		/* the answer, once known */
	int			 status;
	struct sse		*sse;
};

/* server.c */
int	server_start(int listen_fd, bool unix_socket, char *err, size_t len);
void	server_stop(void);
/* The answer is ready (r->resp, r->status): wake the request up. */
void	server_answer(struct req *);
/* The headers every answer has (api: not to be cached). */
void	server_headers(struct MHD_Response *, bool api);
/* {"error": {"code", "message"}} with those headers. */
struct MHD_Response *server_error(int status, const char *code,
	    const char *message);
void	server_resume(struct req *);
void	server_suspend(struct req *);

/* api.c: a request for maintd; -1 with the answer set at once. */
int	api_start(struct req *, const char *token);
void	api_gone(struct req *);

/* sse.c */
int	sse_start(struct req *);
void	sse_line(struct req *, const char *line, size_t len);
void	sse_end(struct req *, const char *why);
void	sse_gone(struct req *);
size_t	sse_count(void);

/* static.c */
struct static_file {
	char		*name;
	char		*data;
	size_t		 len;
	const char	*ctype;
	char		 etag[24];
};
int	static_load(const char *dir, char *err, size_t len);
const struct static_file *static_find(const char *path);
size_t	static_count(void);
void	static_free(void);

#endif
