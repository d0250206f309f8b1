/*
 * upstream.c: the gateway's side of maintd's control protocol.  For
 * each HTTP request a connection of its own (so that maintd sees each
 * caller's token, and decides alone), non-blocking, in the loop: the
 * lines are written, the reply is read line by line and each line is
 * handed on with the number of the request it answers (requests are
 * answered in order; a final line, OK or ERR, ends each).
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ev.h"
#include "proto.h"
#include "upstream.h"
#include "util.h"

#define READ_CHUNK	65536

struct upstream {
	int			 fd;
	const struct up_ops	*ops;
	void			*arg;
	char			*out;		/* what is left to send */
	size_t			 outlen, outoff;
	char			*in;
	size_t			 inlen, incap;
	int			 nlines, finals;
	bool			 paused;
	struct ev_timer		 timer;
};

static size_t	nup;

size_t
up_count(void)
{
	return nup;
}

static void
up_free(struct upstream *u)
{
	ev_io_del(u->fd);
	close(u->fd);
	ev_timer_del(&u->timer);
	if (u->out != NULL) {
		explicit_bzero(u->out, u->outlen);
		free(u->out);
	}
	free(u->in);
	free(u);
	nup--;
}

static void
finish(struct upstream *u, enum up_end e, const char *why)
{
	const struct up_ops	*ops = u->ops;
	void			*arg = u->arg;

	up_free(u);
	ops->done(arg, e, why);
}

void
up_close(struct upstream *u)
{
	if (u != NULL)
		up_free(u);
}

static void
arm(struct upstream *u)
{
	int	ev = 0;

	if (u->outoff < u->outlen)
		ev |= EV_WRITE;
	if (!u->paused)
		ev |= EV_READ;
	ev_io_set(u->fd, ev);
}

void
up_write(struct upstream *u, const char *line)
{
	size_t	n = strlen(line);

	u->out = xreallocarray(u->out, u->outlen + n + 2, 1);
	memcpy(u->out + u->outlen, line, n);
	u->outlen += n;
	u->out[u->outlen++] = '\n';
	u->nlines++;
	arm(u);
}

void
up_pause(struct upstream *u, bool pause)
{
	u->paused = pause;
	arm(u);
}

void
up_timeout(struct upstream *u, int64_t ms)
{
	if (ms > 0)
		ev_timer_add(&u->timer, (uint64_t)ms);
	else
		ev_timer_del(&u->timer);
}

static void
on_timeout(void *arg)
{
	finish(arg, UP_TIMEOUT, "maintd did not answer in time");
}

/* Hand on the complete lines; 1 when u is gone (finished). */
static int
lines(struct upstream *u)
{
	char	*p = u->in, *nl, *end = u->in + u->inlen;
	size_t	 len;
	bool	 final;

	while (p < end && (nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		len = (size_t)(nl - p);
		if (len > 0 && p[len - 1] == '\r')
			len--;
		p[len] = '\0';
		final = strncmp(p, "OK", 2) == 0 || strncmp(p, "ERR ", 4) == 0;
		if (u->ops->line(u->arg, u->finals, p, len) == -1) {
			up_free(u);
			return 1;
		}
		p = nl + 1;
		if (final && ++u->finals == u->nlines) {
			finish(u, UP_DONE, NULL);
			return 1;
		}
	}
	memmove(u->in, p, (size_t)(end - p));
	u->inlen = (size_t)(end - p);
	return 0;
}

/* Send what is left to send, as much as the socket takes now. */
static void
flush(struct upstream *u)
{
	ssize_t	n;

	n = send(u->fd, u->out + u->outoff, u->outlen - u->outoff,
	    MSG_NOSIGNAL);
	if (n == -1 && errno != EAGAIN && errno != EINTR) {
		/* it may have answered (ERR busy) and closed: read on */
		u->outoff = u->outlen;
	} else if (n > 0)
		u->outoff += (size_t)n;
	if (u->outoff == u->outlen) {
		explicit_bzero(u->out, u->outlen);
		free(u->out);
		u->out = NULL;
		u->outlen = u->outoff = 0;
	}
	arm(u);
}

static void
on_io(int fd, int revents, void *arg)
{
	struct upstream	*u = arg;
	ssize_t		 n;

	if (revents & EV_WRITE)
		flush(u);
	if (!(revents & EV_READ) || u->paused)
		return;
	if (u->incap - u->inlen < READ_CHUNK) {
		if (u->incap >= UP_MAXLINE + READ_CHUNK) {
			finish(u, UP_ERROR, "a line of maintd's reply is too "
			    "long");
			return;
		}
		u->incap = u->incap ? u->incap * 2 : READ_CHUNK * 2;
		u->in = xreallocarray(u->in, u->incap, 1);
	}
	n = read(fd, u->in + u->inlen, u->incap - u->inlen);
	if (n == -1) {
		if (errno != EAGAIN && errno != EINTR)
			finish(u, UP_ERROR, strerror(errno));
		return;
	}
	if (n == 0) {
		finish(u, UP_EOF, "maintd closed the connection");
		return;
	}
	u->inlen += (size_t)n;
	(void)lines(u);
}

struct upstream *
up_open(const char *sock, const char *const *v, int nlines, int64_t timeout_ms,
    const struct up_ops *ops, void *arg, char *err, size_t errlen)
{
	struct sockaddr_un	 sun;
	struct upstream		*u;
	size_t			 len = 0, n;
	int			 fd, i, rc;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlcpy(sun.sun_path, sock, sizeof(sun.sun_path)) >=
	    sizeof(sun.sun_path)) {
		snprintf(err, errlen, "socket path too long: %s", sock);
		return NULL;
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return NULL;
	}
	if ((rc = connect(fd, (struct sockaddr *)&sun, sizeof(sun))) == -1 &&
	    errno != EINPROGRESS) {
		snprintf(err, errlen, "cannot reach maintd at %s: %s", sock,
		    errno == EAGAIN ? "its backlog is full" : strerror(errno));
		close(fd);
		return NULL;
	}
	u = xcalloc(1, sizeof(*u));
	u->fd = fd;
	u->ops = ops;
	u->arg = arg;
	u->nlines = nlines;
	for (i = 0; i < nlines; i++)
		len += strlen(v[i]) + 1;
	u->out = xcalloc(len + 1, 1);
	for (i = 0; i < nlines; i++) {
		n = strlen(v[i]);
		memcpy(u->out + u->outlen, v[i], n);
		u->outlen += n;
		u->out[u->outlen++] = '\n';
	}
	ev_timer_init(&u->timer, on_timeout, u);
	if (ev_io_add(fd, EV_WRITE | EV_READ, on_io, u) == -1) {
		snprintf(err, errlen, "ev_io_add: %s", strerror(errno));
		explicit_bzero(u->out, u->outlen);
		free(u->out);
		free(u);
		close(fd);
		return NULL;
	}
	if (timeout_ms > 0)
		ev_timer_add(&u->timer, (uint64_t)timeout_ms);
	nup++;
	/* connected at once (as a Unix socket is): no turn of the loop */
	if (rc == 0)
		flush(u);
	return u;
}
