/*
 * control.c: the Unix control socket.  Accepts clients, reads request
 * lines, hands each to the dispatcher it was given, in order, and
 * buffers replies; it knows no verb.
 * Every client is bounded: request length, output held for it, idle time.
 * A request may hold the client (a streaming reply); the following
 * pipelined requests wait until its final line.
 * Back-pressure: a producer that can wait (a long reply made in slices,
 * a stream that can catch up) stops while client_full() and goes on
 * when client_on_drain() calls it back.  A client is dropped only when
 * it does not read: output is waiting above OUT_HIGH and none of it
 * leaves for client_timeout; or when all clients together hold
 * OUT_TOTAL (the one holding most goes).
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#ifdef __GLIBC__
#include <malloc.h>	/* malloc_trim */
#endif
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#define LIBBSD_OPENBSD_VIS	/* only strvis(3) is used */
#include <vis.h>

#include <json-c/json.h>

#include "control.h"
#include "ev.h"
#include "feed.h"
#include "log.h"
#include "peer.h"
#include "proto.h"
#include "sock.h"
#include "state.h"
#include "trust.h"
#include "util.h"

#define IN_MAX		(PROTO_MAXLINE + 2)	/* line + "\r\n" */
#define OUT_HIGH	(256 * 1024)	/* stop reading requests above this, */
					/* and producers that can wait wait */
#define OUT_LOW		(64 * 1024)	/* ... until it is below this */
#define OUT_TOTAL	(64 * 1024 * 1024)	/* all clients together */
#define STALL_MS	60000	/* ... with no client_timeout */
#define OUT_KEEP	(64 * 1024)	/* a drained buffer above is freed */
#define ADMIN_RESERVE	4	/* slots of max_clients kept for admins */
#define ACCEPT_PAUSE_MS	1000
#define TRIM_MS		10000	/* malloc_trim at most this often */

struct client {
	int		 fd;
	uid_t		 uid;
	gid_t		 gid;
	bool		 admin;		/* the peer's, or its token's */
	struct client_auth *auth;	/* auth TOKEN (verbs_auth.c) */
	bool		 held;		/* a streaming reply is under way */
	bool		 json;		/* the current request has --json */
	bool		 closing;	/* close once the output is written */
	bool		 eof;		/* the peer will send no more */
	bool		 dead;
	bool		 dispatching;	/* in cc.dispatch: client_input arms */
	bool		 named;		/* user looked up (name, or none) */
	char		 user[33];	/* the peer's user name, or "" */
	char		 in[IN_MAX];
	size_t		 inlen;
	char		*out;
	size_t		 outlen, outcap, outoff;
	struct ev_timer	 idle;
	struct ev_timer	 resume;
	struct ev_timer	 stall;		/* above OUT_HIGH, none of it sent */
	struct ev_timer	 drain;		/* below OUT_LOW: call drained */
	void		(*drained)(void *);
	void		*drained_arg;
	struct client	*next, **prevp;
};

static int			 listen_fd = -1;
static char			*sock_path;
static struct control_conf	 cc;
static struct client		*clients;
static int			 nclients;
static size_t			 out_total;	/* bytes of every out buffer */
static struct ev_timer		 accept_timer;
static struct feed_sub		 config_sub;
#ifdef __GLIBC__
static uint64_t			 last_trim;	/* ev_now() of the last */
#endif

static void	on_config(enum feed_stream, const struct feed_msg *, void *);

static void	client_free(struct client *);
static void	client_flush(struct client *);
static void	client_input(struct client *);
static void	client_arm(struct client *);

int
control_nclients(void)
{
	return nclients;
}

static void
drop(struct client *c, const char *why)
{
	log_warnx("control: client uid %u does not read its replies (%zu "
	    "bytes queued%s); dropping it", (unsigned)c->uid,
	    c->outlen - c->outoff, why);
	c->dead = true;
	/* nothing more is sent to it: its memory goes back now */
	out_total -= c->outcap;
	free(c->out);
	c->out = NULL;
	c->outlen = c->outoff = c->outcap = 0;
	/* and it goes from the loop (its peer may never be writable again) */
	ev_timer_add(&c->stall, 0);
}

/*
 * Room for need bytes in c's buffer, within OUT_TOTAL for all clients
 * (past it the one holding most is dropped: it is the one not reading).
 * A client alone is not limited here but in time (client_stall): a
 * reply made at once may be big for a client that reads.  false when c
 * itself is dropped.
 */
static bool
out_room(struct client *c, size_t need)
{
	struct client	*o, *big;
	size_t		 cap;

	if (c->outoff > 0) {
		memmove(c->out, c->out + c->outoff, c->outlen - c->outoff);
		c->outlen -= c->outoff;
		need -= c->outoff;
		c->outoff = 0;
		if (need <= c->outcap)
			return true;
	}
	for (cap = c->outcap ? c->outcap : 4096; cap < need; cap *= 2)
		;
	while (out_total - c->outcap + cap > OUT_TOTAL) {
		for (big = c, o = clients; o != NULL; o = o->next)
			if (!o->dead && o->outlen - o->outoff >
			    big->outlen - big->outoff)
				big = o;
		drop(big, ", over the limit for all clients");
		if (big == c)
			return false;
		client_arm(big);
	}
	c->out = xreallocarray(c->out, cap, 1);
	out_total += cap - c->outcap;
	c->outcap = cap;
	return true;
}

static void
out_append(struct client *c, const char *s, size_t n)
{
	if (c->dead)
		return;
	if (c->outoff > 0 && c->outoff == c->outlen)
		c->outoff = c->outlen = 0;
	if (c->outlen + n > c->outcap && !out_room(c, c->outlen + n))
		return;
	memcpy(c->out + c->outlen, s, n);
	c->outlen += n;
}

/*
 * Would strvis() change the text?  Printable ASCII but the backslash is
 * left as it is, and it is most of what is sent: checking first spares
 * strvis()'s multibyte decoding of every character.
 */
static bool
plain_ascii(const char *s, size_t len)
{
	size_t	i;

	for (i = 0; i < len; i++)
		if (s[i] < 0x20 || s[i] > 0x7e || s[i] == '\\')
			return false;
	return true;
}

/*
 * Room for n more bytes of reply, for the caller to fill in (then
 * client_flush_soon()); NULL when the client is gone or over its cap.
 */
char *
client_reserve(struct client *c, size_t n)
{
	char	*p;

	if (c->dead)
		return NULL;
	if (c->outoff > 0 && c->outoff == c->outlen)
		c->outoff = c->outlen = 0;
	if (c->outlen + n > c->outcap && !out_room(c, c->outlen + n))
		return NULL;
	p = c->out + c->outlen;
	c->outlen += n;
	return p;
}

void
client_flush_soon(struct client *c)
{
	client_arm(c);
}

/* "- " + the text with control characters made visible + "\n". */
void
client_raw(struct client *c, const char *text)
{
	size_t	 len = strlen(text);
	char	*vis, stackbuf[1024];

	out_append(c, "- ", 2);
	if (plain_ascii(text, len))
		out_append(c, text, len);
	else {
		vis = len * 4 + 1 <= sizeof(stackbuf) ? stackbuf :
		    xcalloc(len * 4 + 1, 1);
		strvis_text(vis, text, VIS_CSTYLE | VIS_TAB | VIS_NL |
		    VIS_OCTAL);
		out_append(c, vis, strlen(vis));
		if (vis != stackbuf)
			free(vis);
	}
	out_append(c, "\n", 1);
	client_arm(c);
}

void
client_data(struct client *c, const char *fmt, ...)
{
	va_list	 ap;
	char	*s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) == -1)
		fatal("vasprintf");
	va_end(ap);
	client_raw(c, s);
	free(s);
}

/*
 * json-c escapes the control characters below 0x20 but leaves DEL
 * (0x7f) raw; it can only be inside a string, where \u007f is the same.
 */
void
client_json(struct client *c, struct json_object *o)
{
	const char	*s, *p, *del;

	s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE);
	out_append(c, "- ", 2);
	for (p = s; (del = strchr(p, 0x7f)) != NULL; p = del + 1) {
		out_append(c, p, (size_t)(del - p));
		out_append(c, "\\u007f", 6);
	}
	out_append(c, p, strlen(p));
	out_append(c, "\n", 1);
	client_arm(c);
}

static void
final_line(struct client *c, const char *word, const char *code,
    const char *fmt, va_list ap)
{
	char	text[1024] = "", vis[4096];
	int	n;

	n = fmt != NULL ? vsnprintf(text, sizeof(text), fmt, ap) : 0;
	if (code != NULL && c->json && strcmp(code, "confirm") != 0) {
		/* --json: the error is a JSON object too, for scripts */
		struct json_object *o = json_object_new_object(), *e;

		e = json_object_new_object();
		json_object_object_add(e, "code", json_object_new_string(code));
		json_object_object_add(e, "message",
		    json_object_new_string(text));
		json_object_object_add(o, "error", e);
		client_json(c, o);
		json_object_put(o);
	}
	strvis_text(vis, text, VIS_CSTYLE | VIS_TAB | VIS_NL | VIS_OCTAL);
	out_append(c, word, strlen(word));
	if (code != NULL) {
		out_append(c, " ", 1);
		out_append(c, code, strlen(code));
	}
	if (n > 0) {
		out_append(c, " ", 1);
		out_append(c, vis, strlen(vis));
	}
	out_append(c, "\n", 1);
	c->json = false;
	if (c->held) {
		/* Go on with pipelined requests from the loop, not here. */
		c->held = false;
		ev_timer_add(&c->resume, 0);
		if (cc.idle_ms > 0)
			ev_timer_add(&c->idle, (uint64_t)cc.idle_ms);
	}
	client_arm(c);
}

void
client_ok(struct client *c, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	final_line(c, "OK", NULL, fmt, ap);
	va_end(ap);
}

void
client_err(struct client *c, const char *code, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	final_line(c, "ERR", code, fmt, ap);
	va_end(ap);
}

void
client_hold(struct client *c)
{
	c->held = true;
	ev_timer_del(&c->idle);
}

bool
client_held(const struct client *c)
{
	return c->held;
}

void
client_close_after_reply(struct client *c)
{
	c->closing = true;
}

uid_t
client_uid(const struct client *c)
{
	return c->uid;
}

bool
client_admin(const struct client *c)
{
	return c->admin;
}

/* The peer's user name, or NULL: looked up once per connection. */
const char *
client_user(struct client *c)
{
	struct passwd	*pw;

	if (!c->named) {
		c->named = true;
		if ((pw = getpwuid(c->uid)) != NULL &&
		    strlen(pw->pw_name) < sizeof(c->user))
			strlcpy(c->user, pw->pw_name, sizeof(c->user));
	}
	return c->user[0] != '\0' ? c->user : NULL;
}

/*
 * A token (auth, verbs_auth.c) decides what the connection may do,
 * request by request, instead of the peer's credentials.
 */
void
client_set_admin(struct client *c, bool admin)
{
	c->admin = admin;
}

struct client_auth *
client_auth(const struct client *c)
{
	return c->auth;
}

void
client_set_auth(struct client *c, struct client_auth *a)
{
	c->auth = a;
}

bool
client_json_mode(const struct client *c)
{
	return c->json;
}

/* Dropped for not reading (see out_room()): nothing more reaches it. */
bool
client_dropped(const struct client *c)
{
	return c->dead;
}

/* Output waits above OUT_HIGH: a producer that can wait does. */
bool
client_full(const struct client *c)
{
	return c->dead || c->outlen - c->outoff >= OUT_HIGH;
}

/*
 * cb(arg), from the loop, once the output waiting is below OUT_LOW; one
 * at a time, NULL for none; never for a client dropped or gone.
 */
void
client_on_drain(struct client *c, void (*cb)(void *), void *arg)
{
	c->drained = cb;
	c->drained_arg = arg;
	if (cb == NULL)
		ev_timer_del(&c->drain);
	else if (!c->dead && c->outlen - c->outoff < OUT_LOW)
		ev_timer_add(&c->drain, 0);
}

static void
client_drained(void *arg)
{
	struct client	*c = arg;
	void		(*cb)(void *) = c->drained;

	if (cb == NULL || c->dead)
		return;
	c->drained = NULL;
	cb(c->drained_arg);
}

/* Output waited above OUT_HIGH, none of it read; or it was dropped. */
static void
client_stall(void *arg)
{
	struct client	*c = arg;

	if (!c->dead)
		drop(c, ", none of it read for a while");
	client_free(c);
}

static void
client_arm(struct client *c)
{
	int	ev = 0;

	/* in dispatch, client_input's flush arms: 2 epoll_ctl fewer a reply */
	if (c->dispatching)
		return;
	if (c->dead) {
		ev_io_set(c->fd, EV_WRITE);	/* the flush frees it */
		return;
	}
	/* the clock of client_stall() runs while output waits above OUT_HIGH */
	if (c->outlen - c->outoff < OUT_HIGH)
		ev_timer_del(&c->stall);
	else if (!ev_timer_pending(&c->stall))
		ev_timer_add(&c->stall, cc.idle_ms > 0 ? (uint64_t)cc.idle_ms :
		    STALL_MS);
	ev = EV_HUP;
	if (!c->closing && !c->eof && c->outlen - c->outoff < OUT_HIGH &&
	    c->inlen < sizeof(c->in))
		ev |= EV_READ;
	if (c->outlen > c->outoff)
		ev |= EV_WRITE;
	ev_io_set(c->fd, ev);
}

/* Write what we can; frees c when it is finished or broken. */
static void
client_flush(struct client *c)
{
	ssize_t	n;

	while (!c->dead && c->outlen > c->outoff) {
		n = send(c->fd, c->out + c->outoff, c->outlen - c->outoff,
		    MSG_NOSIGNAL);
		if (n == -1) {
			if (errno == EAGAIN || errno == EINTR)
				break;
			c->dead = true;
			break;
		}
		c->outoff += (size_t)n;
		if (cc.idle_ms > 0 && !c->held)
			ev_timer_add(&c->idle, (uint64_t)cc.idle_ms);
		if (n > 0)	/* it reads: the clock starts again */
			ev_timer_del(&c->stall);
	}
	if (!c->dead && c->outlen == c->outoff && c->outcap > OUT_KEEP) {
		/* a big reply has gone: its buffer, and the heap's free pages
		 * (else PSS keeps the biggest reply's: 250 KiB for 1 000) --
		 * once no client holds a big buffer, and at most every
		 * TRIM_MS: trimming walks the heap, and a poller's next
		 * reply would fault the pages back at once */
		out_total -= c->outcap;
		free(c->out);
		c->out = NULL;
		c->outlen = c->outoff = c->outcap = 0;
#ifdef __GLIBC__
		if (out_total <= (size_t)nclients * OUT_KEEP &&
		    ev_now() - last_trim >= TRIM_MS) {
			last_trim = ev_now();
			(void)malloc_trim(0);
		}
#endif
	}
	if (c->dead || (c->closing && c->outlen == c->outoff && !c->held)) {
		client_free(c);
		return;
	}
	if (c->drained != NULL && c->outlen - c->outoff < OUT_LOW &&
	    !ev_timer_pending(&c->drain))
		ev_timer_add(&c->drain, 0);
	/* Requests waiting for the output to drain go on from the loop. */
	if (!c->held && c->outlen - c->outoff < OUT_HIGH &&
	    memchr(c->in, '\n', c->inlen) != NULL)
		ev_timer_add(&c->resume, 0);
	else if (c->eof && !c->held && c->outlen == c->outoff) {
		/* half-closed, every request answered */
		client_free(c);
		return;
	}
	client_arm(c);
}

static void
client_idle(void *arg)
{
	struct client	*c = arg;

	/*
	 * Held, or output waits above OUT_HIGH that it does not read: then
	 * client_stall() drops it and says why (both clocks start again at
	 * each write, so either could come first).
	 */
	if (c->held || ev_timer_pending(&c->stall))
		return;
	log_debug("control: closing idle client uid %u", (unsigned)c->uid);
	client_free(c);
}

static void
client_resume(void *arg)
{
	struct client	*c = arg;

	client_input(c);
}

/* Handle the complete lines in c->in, in order, until one holds c. */
static void
client_input(struct client *c)
{
	char	*nl, *line;
	size_t	 len, used;

	while (!c->held && !c->closing && !c->dead &&
	    c->outlen - c->outoff < OUT_HIGH &&
	    (nl = memchr(c->in, '\n', c->inlen)) != NULL) {
		line = c->in;
		len = (size_t)(nl - line);
		used = len + 1;
		if (len > 0 && line[len - 1] == '\r')
			len--;
		*nl = '\0';
		line[len] = '\0';
		c->json = false;
		if (cc.idle_ms > 0)
			ev_timer_add(&c->idle, (uint64_t)cc.idle_ms);
		c->dispatching = true;
		cc.dispatch(c, line, len);
		c->dispatching = false;
		if (c->dead)
			break;
		memmove(c->in, c->in + used, c->inlen - used);
		c->inlen -= used;
	}
	if (!c->dead && !c->held && !c->closing && c->inlen == sizeof(c->in) &&
	    memchr(c->in, '\n', c->inlen) == NULL) {
		client_err(c, "too-long", "request longer than %d bytes",
		    PROTO_MAXLINE);
		c->closing = true;
		c->inlen = 0;
	}
	client_flush(c);
}

void
client_set_json(struct client *c, bool on)
{
	c->json = on;
}

static void
client_event(int fd, int revents, void *arg)
{
	struct client	*c = arg;
	ssize_t		 n;

	if ((revents & EV_HUP) && c->held) {
		/* the peer has closed: nobody reads the stream any more */
		log_debug("control: client uid %u has gone", (unsigned)c->uid);
		client_free(c);
		return;
	}
	if (revents & EV_WRITE) {
		client_flush(c);
		return;	/* c may be gone */
	}
	if (!(revents & EV_READ)) {
		if (revents & EV_HUP)
			client_free(c);	/* nothing to read or to write */
		return;
	}
	if (c->inlen == sizeof(c->in)) {
		client_input(c);
		return;
	}
	n = read(fd, c->in + c->inlen, sizeof(c->in) - c->inlen);
	if (n == -1 && errno != EAGAIN && errno != EINTR) {
		client_free(c);
		return;
	}
	if (n == 0) {
		/*
		 * Half-closed (printf ... | socat): answer what was sent,
		 * then close.  A follower stays until its stream ends, or
		 * until the peer closes the other way too (EV_HUP).
		 */
		c->eof = true;
		if (c->held && c->inlen == 0)
			ev_io_set(c->fd, EV_HUP | (c->outlen > c->outoff ?
			    EV_WRITE : 0));
	}
	/*
	 * Bytes alone do not keep a client: a request must be complete
	 * within client_timeout of the last one (or of the connection).
	 */
	if (n > 0)
		c->inlen += (size_t)n;
	client_input(c);
}

/* Root, the daemon's uid, or a process in admin_group. */
static bool
peer_is_admin(int fd, uid_t uid, gid_t gid)
{
	if (uid == 0 || uid == geteuid())
		return true;
	if (cc.admin_gid == (gid_t)-1)
		return false;
	return gid == cc.admin_gid || peer_in_group(fd, uid, gid, cc.admin_gid);
}

static int
admin_reserve(void)
{
	return cc.max_clients / 2 < ADMIN_RESERVE ? cc.max_clients / 2 :
	    ADMIN_RESERVE;
}

static void
accept_resume(void *arg)
{
	(void)arg;
	if (listen_fd != -1)
		ev_io_set(listen_fd, EV_READ);
}

static void
control_accept(int fd, int revents, void *arg)
{
	struct client	*c;
	int		 cfd;
	uid_t		 uid;
	gid_t		 gid;
	bool		 admin;
	static const char busy[] = "ERR busy too many clients\n";

	(void)revents;
	(void)arg;
	for (;;) {
		cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (cfd == -1) {
			if (errno == EMFILE || errno == ENFILE) {
				log_warn("control: accept");
				ev_io_set(listen_fd, 0);
				ev_timer_add(&accept_timer, ACCEPT_PAUSE_MS);
			} else if (errno != EAGAIN && errno != EINTR &&
			    errno != ECONNABORTED)
				log_warn("control: accept");
			return;
		}
		if (getpeereid(cfd, &uid, &gid) == -1) {
			log_warn("control: getpeereid");
			close(cfd);
			continue;
		}
		admin = peer_is_admin(cfd, uid, gid);
		/* the last slots are kept: an admin can always get in */
		if (nclients >= cc.max_clients || (!admin && nclients >=
		    cc.max_clients - admin_reserve())) {
			log_warnx("control: too many clients (%d), refusing "
			    "uid %u", nclients, (unsigned)uid);
			(void)send(cfd, busy, sizeof(busy) - 1, MSG_NOSIGNAL);
			close(cfd);
			continue;
		}
		c = xcalloc(1, sizeof(*c));
		c->fd = cfd;
		c->uid = uid;
		c->gid = gid;
		c->admin = admin;
		ev_timer_init(&c->idle, client_idle, c);
		ev_timer_init(&c->resume, client_resume, c);
		ev_timer_init(&c->stall, client_stall, c);
		ev_timer_init(&c->drain, client_drained, c);
		if (ev_io_add(cfd, EV_READ | EV_HUP, client_event, c) == -1) {
			log_warn("control: ev_io_add");
			close(cfd);
			free(c);
			continue;
		}
		if (cc.idle_ms > 0)
			ev_timer_add(&c->idle, (uint64_t)cc.idle_ms);
		c->next = clients;
		if (clients != NULL)
			clients->prevp = &c->next;
		c->prevp = &clients;
		clients = c;
		nclients++;
		log_debug("control: client uid %u%s", (unsigned)uid,
		    c->admin ? " (admin)" : "");
	}
}

static void
client_free(struct client *c)
{
	cc.gone(c);
	ev_io_del(c->fd);
	close(c->fd);
	ev_timer_del(&c->idle);
	ev_timer_del(&c->resume);
	ev_timer_del(&c->stall);
	ev_timer_del(&c->drain);
	*c->prevp = c->next;
	if (c->next != NULL)
		c->next->prevp = c->prevp;
	nclients--;
	out_total -= c->outcap;
	free(c->out);
	free(c);
}

/* Listen on the socket (sock.c) and accept its clients. */
int
control_listen(const struct control_conf *conf, char *err, size_t errlen)
{
	int	fd;

	cc = *conf;
	if ((fd = sock_listen(conf->path, conf->mode, conf->gid, err,
	    errlen)) == -1)
		return -1;
	listen_fd = fd;
	feed_subscribe(&config_sub, FEED_CONFIG, on_config, NULL);
	sock_path = xstrdup(conf->path);
	cc.path = sock_path;
	ev_timer_init(&accept_timer, accept_resume, NULL);
	if (ev_io_add(fd, EV_READ, control_accept, NULL) == -1) {
		snprintf(err, errlen, "ev_io_add: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * A reload: new limits and admin group; the socket, its mode and its
 * group stay as they are until a restart.
 */
static void
on_config(enum feed_stream st, const struct feed_msg *m, void *arg)
{
	(void)st;
	(void)m;
	(void)arg;
	cc.admin_gid = md.conf->admin_gid;
	cc.max_clients = md.conf->max_clients;
	cc.idle_ms = md.conf->client_timeout_ms;
}

void
control_close(void)
{
	struct client	*c;

	/* One last try to deliver what is queued, without waiting. */
	for (c = clients; c != NULL; c = c->next)
		if (!c->dead && c->outlen > c->outoff)
			(void)send(c->fd, c->out + c->outoff,
			    c->outlen - c->outoff, MSG_NOSIGNAL | MSG_DONTWAIT);
	while (clients != NULL)
		client_free(clients);
	if (listen_fd != -1) {
		ev_io_del(listen_fd);
		close(listen_fd);
		listen_fd = -1;
		(void)unlink(sock_path);
	}
	ev_timer_del(&accept_timer);
	feed_unsubscribe(&config_sub);
	free(sock_path);
	sock_path = NULL;
}
