/*
 * upstream.h: one connection to maintd's socket for one HTTP request
 * (upstream.c): request lines out, reply lines in, through the loop.
 */
#ifndef MAINTD_HTTP_UPSTREAM_H
#define MAINTD_HTTP_UPSTREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define UP_MAXLINE	(1024 * 1024)	/* one reply line, at most */

enum up_end {
	UP_DONE,	/* every request has had its final line */
	UP_EOF,		/* maintd closed the connection first */
	UP_TIMEOUT,	/* no final line in time */
	UP_ERROR	/* a read failed, or a line too long */
};

struct up_ops {
	/*
	 * A line of the reply to the req-th request line (0: the first);
	 * -1 closes the connection at once, without done.
	 */
	int	(*line)(void *arg, int req, const char *line, size_t len);
	/* the end; the upstream is freed after this returns */
	void	(*done)(void *arg, enum up_end, const char *why);
};

struct upstream;

/*
 * Connect to sock and send the lines (each without its newline; they are
 * wiped from memory once sent: the first may be "auth TOKEN").  NULL
 * with why in err when maintd cannot be reached.  timeout_ms 0: none.
 */
struct upstream	*up_open(const char *sock, const char *const *lines,
		    int nlines, int64_t timeout_ms, const struct up_ops *,
		    void *arg, char *err, size_t errlen);
/* One more request line, sent after those before (nlines grows). */
void		 up_write(struct upstream *, const char *line);
/* Close it early; done is not called. */
void		 up_close(struct upstream *);
/* A new deadline for the next final line (0: none). */
void		 up_timeout(struct upstream *, int64_t ms);
/* Stop reading (the client is behind) or read again. */
void		 up_pause(struct upstream *, bool);
size_t		 up_count(void);

#endif
