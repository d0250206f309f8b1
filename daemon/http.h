/*
 * http.h: HTTP requests through libcurl's multi interface, driven by the
 * daemon's own event loop (ev.c): never a blocking call, never a thread
 * of ours, no timer while nothing is under way.
 */
#ifndef MAINTD_HTTP_H
#define MAINTD_HTTP_H

#include <stddef.h>
#include <stdint.h>

struct http_req;

struct http_result {
	int		 ok;		/* a reply came (any status) */
	long		 status;	/* HTTP status, 0 without a reply */
	int64_t		 ms;		/* how long it took */
	const char	*error;		/* without a reply: why, in words */
	const char	*body;		/* the reply's first bytes, NUL-ended */
	size_t		 bodylen;
	int		 cut;		/* the body was longer than max_body */
};

typedef void	(*http_done_cb)(const struct http_result *, void *arg);
/* Each piece of a streamed reply body, as it comes. */
typedef void	(*http_data_cb)(const char *data, size_t len, void *arg);

struct http_opts {
	const char	 *method;	/* NULL: GET, or POST with a body */
	const char	 *body;		/* NULL: none */
	size_t		  bodylen;
	char *const	 *headers;	/* "Name: value", NULL-terminated */
	int64_t		  timeout_ms;	/* 0: none (a stream) */
	int64_t		  connect_timeout_ms;	/* 0: curl's default */
	size_t		  keep;		/* bytes of the reply body to keep */
	size_t		  max_body;	/* read no more of it; 0: no limit */
	http_data_cb	  data;		/* a stream: the body goes here */
	const char	 *cacert, *cert, *key;	/* TLS files, or NULL */
	long		  max_redirs;	/* 0: a 3xx is the answer */
};

int	 http_init(void);
void	 http_shutdown(void);
/* Start a request; done is called once from the loop, unless cancelled. */
struct http_req *http_start(const char *url, const struct http_opts *,
	    http_done_cb done, void *arg);
void	 http_cancel(struct http_req *);
size_t	 http_active(void);
/* HMAC-SHA256 of data with key, as 64 hex digits (buf of 65). */
void	 http_hmac_sha256(const char *key, const char *data, size_t len,
	    char *buf);

#endif
