/*
 * tty.c: maintctl-tty, the interactive parts of maintctl: "top", a live
 * dashboard, and "shell", a prompt.  They are a program of their own so
 * that maintctl, for the one-shot verbs of scripts and cron, stays a
 * static program that needs libc alone and starts at once; this one
 * needs json-c (the replies are read as JSON), libedit (the prompt's
 * history and line editing) and libcrypto ("token new", token.c).
 * With MAINTD_TOKEN_FILE (maintctl -T sets it) each connection begins
 * with auth.  maintctl runs it for "maintctl top",
 * "maintctl shell", and maintctl alone on a terminal.
 *
 * top follows "events --follow --json" and asks for status and health
 * again when an event comes (not on a timer); its clocks are redrawn once
 * a second.  The screen is plain termios and ANSI sequences.
 *
 * With -H, maintd is on another host, through ssh (transport.c): the
 * requests share one ssh connection (each costs a login), and top's
 * stream has one more.
 */
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <editline/readline.h>
#include <json-c/json.h>

#include "complete.h"
#include "proto.h"
#include "token.h"
#include "tokfile.h"
#include "transport.h"

#define MAX_TASKS	20000
#define NEVENTS		6

static const char	*sock_path;
static char		 token[TOKEN_MAX + 1];	/* MAINTD_TOKEN_FILE */
static struct target	 target;	/* -H: maintd on another host */
static int		 conn_flags;	/* for ssh: TR_BATCH, TR_QUIET */
static int		 lost_status;	/* ssh's, when a request was lost */

/* A connection: one line at a time out of a buffer. */
struct conn {
	struct tconn	 t;
	char		 buf[65536];
	size_t		 len;
};

static int	conn_auth(struct conn *);

/* Open c: the socket, or ssh to -H's host.  -1 if it cannot be. */
static int
conn_open(struct conn *c)
{
	struct timeval	tv = { 3, 0 };
	int		fd;

	c->len = 0;
	if (target.url != NULL)
		return transport_ssh(&target, conn_flags, &c->t);
	if ((fd = transport_unix(sock_path)) == -1)
		return -1;
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	c->t.rfd = c->t.wfd = fd;
	c->t.pid = -1;
	return 0;
}

/* Close c (ssh: secs to end, as transport_close); its status kept. */
static void
conn_close(struct conn *c, unsigned secs)
{
	if (c->t.rfd != -1 || c->t.pid > 0)
		lost_status = transport_close(&c->t, secs);
}

/* Open c, then (MAINTD_TOKEN_FILE, maintctl -T) "auth TOKEN" on it. */
static int
conn_open_auth(struct conn *c)
{
	if (conn_open(c) == -1)
		return -1;
	if (token[0] != '\0' && conn_auth(c) == -1) {
		conn_close(c, 5);
		return -1;
	}
	return 0;
}

/* The next line of c, without its newline; NULL at EOF or error. */
static char *
next_line(struct conn *c)
{
	static char	line[sizeof(c->buf)];
	char		*nl;
	ssize_t		 n;
	size_t		 k;

	while ((nl = memchr(c->buf, '\n', c->len)) == NULL) {
		if (c->len == sizeof(c->buf))
			c->len = 0;	/* a line too long: dropped */
		n = read(c->t.rfd, c->buf + c->len, sizeof(c->buf) - c->len);
		if (n <= 0)
			return NULL;
		c->len += (size_t)n;
	}
	k = (size_t)(nl - c->buf);
	memcpy(line, c->buf, k);
	line[k] = '\0';
	memmove(c->buf, nl + 1, c->len - k - 1);
	c->len -= k + 1;
	return line;
}

/* s and a newline, to a socket or ssh's pipe (SIGPIPE is ignored) */
static int
send_line(int fd, const char *s)
{
	size_t	len = strlen(s);
	ssize_t	n;

	while (len > 0) {
		if ((n = write(fd, s, len)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		s += n;
		len -= (size_t)n;
	}
	return write(fd, "\n", 1) == 1 ? 0 : -1;
}

/* "auth TOKEN" and its reply, before the first request of c. */
static int
conn_auth(struct conn *c)
{
	const char	*line;
	char		 req[TOKEN_MAX + 8];

	snprintf(req, sizeof(req), "auth %s", token);
	if (send_line(c->t.wfd, req) == -1 || (line = next_line(c)) == NULL) {
		explicit_bzero(req, sizeof(req));
		fprintf(stderr, "maintctl: no reply to auth\n");
		return -1;
	}
	explicit_bzero(req, sizeof(req));
	if (strncmp(line, "OK", 2) == 0)
		return 0;
	fprintf(stderr, "maintctl: %s\n", line);
	return -1;
}

static struct conn	shared = { .t = { -1, -1, -1 } };

/*
 * One request: each data line to cb as it comes, the final line in
 * final (empty if the reply did not end); the number of data lines, or
 * -1 if maintd could not be reached.  On the socket, a connection of
 * its own; over ssh, the shared one, opened again once if it was closed
 * while idle (client_timeout: maintd never read the request then).
 */
static int
roundtrip(const char *req, void (*cb)(const char *, void *), void *arg,
    char *final, size_t len)
{
	static struct conn	 own = { .t = { -1, -1, -1 } };
	struct conn		*c = target.url != NULL ? &shared : &own;
	bool			 reused = c->t.rfd != -1;
	char			*line = NULL;
	int			 ndata = 0;

	final[0] = '\0';
	if (!reused && conn_open_auth(c) == -1)
		return -1;
	for (;;) {
		if (send_line(c->t.wfd, req) == 0)
			while ((line = next_line(c)) != NULL) {
				if (strncmp(line, "- ", 2) == 0 ||
				    strcmp(line, "-") == 0) {
					cb(line[1] ? line + 2 : "", arg);
					ndata++;
					continue;
				}
				snprintf(final, len, "%s", line);
				break;
			}
		if (line != NULL)
			break;
		conn_close(c, 5);
		if (!reused || ndata > 0 || conn_open_auth(c) == -1)
			return ndata > 0 ? ndata : -1;
		reused = false;
	}
	if (c == &own)
		conn_close(c, 5);
	return ndata;
}

struct json_cb {
	void	(*fn)(struct json_object *, void *);
	void	 *arg;
};

static void
json_line(const char *line, void *arg)
{
	struct json_cb		*j = arg;
	struct json_object	*o;

	if (j->fn != NULL && (o = json_tokener_parse(line)) != NULL) {
		j->fn(o, j->arg);
		json_object_put(o);
	}
}

/* One request: each JSON data line to cb; -1 if it got no final line. */
static int
request(const char *req, void (*cb)(struct json_object *, void *), void *arg,
    char *final, size_t len)
{
	struct json_cb	j = { cb, arg };

	return roundtrip(req, json_line, &j, final, len) == -1 ||
	    final[0] == '\0' ? -1 : 0;
}

/* --- top ----------------------------------------------------------------- */

struct row {
	char	 name[80], kind[16], state[16], health[16], last[96], tags[128];
	bool	 active, has_pid;
	int	 pid;
	double	 uptime_s;
	time_t	 until, next, last_end;
	unsigned restarts;
};

static struct row	*rows;
static size_t		 nrows, selected;
static char		 events[NEVENTS][256];
static size_t		 nevents;
static char		 header[256], note[1024], filter[64];
static int		 sortkey;	/* 0 name, 1 state, 2 last */
static bool		 connected, editing;
static volatile sig_atomic_t quit_flag, winch_flag;
static struct termios	 saved;
static bool		 raw_on;
static int		 width = 80, height = 24;
static time_t		 fetched;	/* when the rows were read */

static const char *
jstr(struct json_object *o, const char *key)
{
	struct json_object	*v;

	if (!json_object_object_get_ex(o, key, &v) || v == NULL)
		return NULL;
	return json_object_get_string(v);
}

static time_t
jtime(struct json_object *o, const char *key)
{
	const char	*s = jstr(o, key);
	struct tm	 tm;

	if (s == NULL)
		return 0;
	memset(&tm, 0, sizeof(tm));
	if (strptime(s, "%Y-%m-%dT%H:%M:%S", &tm) == NULL)
		return 0;
	/* the daemon writes UTC offsets; good enough for "in 5m" */
	return timegm(&tm) - (s[19] == '+' || s[19] == '-' ? (s[19] == '-' ?
	    -1 : 1) * ((s[20] - '0') * 36000 + (s[21] - '0') * 3600 +
	    (s[23] - '0') * 600 + (s[24] - '0') * 60) : 0);
}

static void
add_row(struct json_object *o, void *arg)
{
	struct json_object	*last, *v;
	struct row		*r;

	(void)arg;
	if (nrows == MAX_TASKS)
		return;
	r = &rows[nrows++];
	memset(r, 0, sizeof(*r));
	snprintf(r->name, sizeof(r->name), "%s", jstr(o, "task") ?: "?");
	snprintf(r->kind, sizeof(r->kind), "%s", jstr(o, "kind") ?: "");
	snprintf(r->state, sizeof(r->state), "%s", jstr(o, "state") ?: "");
	snprintf(r->health, sizeof(r->health), "%s", jstr(o, "health") ?: "-");
	r->active = json_object_object_get_ex(o, "active", &v) &&
	    json_object_get_boolean(v);
	r->until = jtime(o, "until");
	r->next = jtime(o, "next_run");
	if (json_object_object_get_ex(o, "pid", &v) && v != NULL) {
		r->has_pid = true;
		r->pid = json_object_get_int(v);
	}
	if (json_object_object_get_ex(o, "uptime_s", &v) && v != NULL)
		r->uptime_s = json_object_get_double(v);
	if (json_object_object_get_ex(o, "restarts", &v))
		r->restarts = (unsigned)json_object_get_int(v);
	if (json_object_object_get_ex(o, "last", &last) && last != NULL) {
		snprintf(r->last, sizeof(r->last), "%s",
		    jstr(last, "result") ?: "");
		r->last_end = jtime(last, "ended");
	}
}

static void
add_tags(struct json_object *o, void *arg)
{
	struct json_object	*tags;
	const char		*name = jstr(o, "task");
	size_t			 i, j, off;

	(void)arg;
	if (name == NULL || !json_object_object_get_ex(o, "tags", &tags))
		return;
	for (i = 0; i < nrows; i++)
		if (strcmp(rows[i].name, name) == 0)
			break;
	if (i == nrows)
		return;
	off = 0;
	for (j = 0; j < json_object_array_length(tags); j++)
		off += (size_t)snprintf(rows[i].tags + off, off <
		    sizeof(rows[i].tags) ? sizeof(rows[i].tags) - off : 0,
		    ",%s", json_object_get_string(
		    json_object_array_get_idx(tags, j)));
}

static void
set_header(struct json_object *o, void *arg)
{
	struct json_object	*v;
	char			 host[64] = "";
	long			 up = 0;

	(void)arg;
	if (target.url != NULL)
		snprintf(host, sizeof(host), "%.63s", target.host);
	else
		(void)gethostname(host, sizeof(host) - 1);
	if (json_object_object_get_ex(o, "uptime_s", &v))
		up = (long)json_object_get_int64(v);
	snprintf(header, sizeof(header), "maintd %s on %s, up %ldd%02ldh%02ldm"
	    "%s  tasks %s, active %s, running %s, failed %s, unhealthy %s  "
	    "weight %s/%s  load %s  %s", jstr(o, "version") ?: "?", host,
	    up / 86400, up / 3600 % 24, up / 60 % 60,
	    json_object_object_get_ex(o, "halted", &v) &&
	    json_object_get_boolean(v) ? "  HALTED" : "",
	    jstr(o, "tasks") ?: "?", jstr(o, "active") ?: "?",
	    jstr(o, "running") ?: "?", jstr(o, "failed") ?: "?",
	    jstr(o, "unhealthy") ?: "0", jstr(o, "weight_in_use") ?: "?",
	    jstr(o, "max_weight") ?: "?", jstr(o, "load1") ?: "-",
	    strcmp(jstr(o, "status") ?: "", "ok") == 0 ? "ok" : "DEGRADED");
}

static int
cmp_rows(const void *a, const void *b)
{
	const struct row	*x = a, *y = b;
	int			 c = 0;

	if (sortkey == 1)
		c = strcmp(x->state, y->state);
	else if (sortkey == 2)
		c = x->last_end < y->last_end ? 1 : x->last_end > y->last_end ?
		    -1 : 0;
	return c != 0 ? c : strcmp(x->name, y->name);
}

/* Read the tasks and the daemon's health again. */
static void
refresh(void)
{
	char	final[512];

	nrows = 0;
	if (request("status --json", add_row, NULL, final, sizeof(final)) ==
	    -1 || request("list --json", add_tags, NULL, final,
	    sizeof(final)) == -1 || request("health --json", set_header, NULL,
	    final, sizeof(final)) == -1) {
		connected = false;
		return;
	}
	qsort(rows, nrows, sizeof(*rows), cmp_rows);
	fetched = time(NULL);
}

static void
add_event(struct json_object *o)
{
	const char	*t = jstr(o, "time"), *task = jstr(o, "task");

	if (nevents == NEVENTS) {
		memmove(events, events + 1, sizeof(events[0]) * (NEVENTS - 1));
		nevents--;
	}
	snprintf(events[nevents++], sizeof(events[0]), "%.19s  %-20s %-16s by %s",
	    t ? t : "", task ? task : "-", jstr(o, "event") ?: "",
	    jstr(o, "actor") ?: "");
}

static bool
shown(const struct row *r)
{
	return filter[0] == '\0' || strstr(r->name, filter) != NULL ||
	    strstr(r->tags, filter) != NULL;
}

static char *
ago(time_t then, time_t now, char *buf, size_t len)
{
	long	d = (long)(now - then);

	if (then == 0)
		snprintf(buf, len, "-");
	else if (d < 0)
		snprintf(buf, len, "in %lds", -d);
	else if (d < 3600)
		snprintf(buf, len, "%ldm%02lds", d / 60, d % 60);
	else
		snprintf(buf, len, "%ldh%02ldm", d / 3600, d / 60 % 60);
	return buf;
}

static void
draw(void)
{
	time_t		 now = time(NULL);
	size_t		 i, n = 0, lines, first;
	char		 act[32], up[32], when[32], next[32];
	const struct row *r;

	printf("\033[H\033[2J");
	printf("\033[1m%.*s\033[0m\n", width, connected ? header :
	    "disconnected, retrying");
	printf("\033[7m%-*.*s\033[0m\n", width, width, "TASK                 "
	    "KIND      ACTIVATION     STATE      HEALTH     PID     UPTIME   "
	    "LAST                  WHEN     NEXT     RESTARTS");
	lines = height > NEVENTS + 5 ? (size_t)height - NEVENTS - 5 : 1;
	first = selected >= lines ? selected - lines + 1 : 0;
	for (i = 0; i < nrows; i++) {
		r = &rows[i];
		if (!shown(r))
			continue;
		if (n++ < first || n > first + lines)
			continue;
		if (!r->active)
			snprintf(act, sizeof(act), "inactive");
		else if (r->until > 0)
			snprintf(act, sizeof(act), "for %ldm%02lds",
			    (long)(r->until - now) / 60,
			    (long)(r->until - now) % 60);
		else
			snprintf(act, sizeof(act), "active");
		if (r->has_pid)
			snprintf(up, sizeof(up), "%lds",
			    (long)(r->uptime_s + (double)(now - fetched)));
		else
			snprintf(up, sizeof(up), "-");
		printf("%s%-20.20s %-9.9s %-14.14s %-10.10s %-10.10s %-7s %-8s "
		    "%-21.21s %-8s %-8s %u\033[0m\n", n - 1 == selected ?
		    "\033[7m" : "", r->name, r->kind, act, r->state, r->health,
		    r->has_pid ? (snprintf(when, sizeof(when), "%d", r->pid),
		    when) : "-", up, r->last[0] ? r->last : "-",
		    ago(r->last_end, now, next, sizeof(next)),
		    r->next > 0 ? ago(r->next, now, when, sizeof(when)) : "-",
		    r->restarts);
	}
	printf("\033[%d;1H\033[1mlatest events\033[0m\n", height - NEVENTS - 1);
	for (i = 0; i < nevents; i++)
		printf("%.*s\n", width, events[i]);
	printf("\033[%d;1H\033[7m%-*.*s\033[0m", height, width, width,
	    editing ? filter : note[0] ? note : "q quit  j/k select  s sort  "
	    "/ filter  a activate  d deactivate  r run");
	if (editing)
		printf("\033[%d;%zuH", height, strlen(filter) + 1);
	fflush(stdout);
}

static void
restore(void)
{
	if (!raw_on)
		return;
	printf("\033[?25h\033[?1049l");
	fflush(stdout);
	(void)tcsetattr(STDIN_FILENO, TCSANOW, &saved);
	raw_on = false;
}

static void
on_signal(int sig)
{
	if (sig == SIGWINCH)
		winch_flag = 1;
	else
		quit_flag = 1;
}

static void
size_now(void)
{
	struct winsize	ws;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) {
		width = ws.ws_col;
		height = ws.ws_row;
	}
}

static const struct row *
selected_row(void)
{
	size_t	i, n = 0;

	for (i = 0; i < nrows; i++)
		if (shown(&rows[i]) && n++ == selected)
			return &rows[i];
	return NULL;
}

/* a, d, r on the selected task: as maintctl would send them */
static void
act(const char *verb)
{
	const struct row	*r = selected_row();
	char			 req[256], final[512];

	if (r == NULL)
		return;
	snprintf(req, sizeof(req), "%s %s", verb, r->name);
	if (request(req, NULL, NULL, final, sizeof(final)) == -1)
		snprintf(note, sizeof(note), "%s: maintd is not reachable", req);
	else
		snprintf(note, sizeof(note), "%s: %s", req, final);
	refresh();
}

static void
key(int c)
{
	size_t	n, i;

	for (i = n = 0; i < nrows; i++)
		n += shown(&rows[i]);
	if (editing) {
		if (c == '\r' || c == '\n' || c == 27)
			editing = false;
		else if ((c == 127 || c == 8) && filter[0] != '\0')
			filter[strlen(filter) - 1] = '\0';
		else if (c >= 32 && c < 127 && strlen(filter) + 1 < sizeof(filter)) {
			filter[strlen(filter) + 1] = '\0';
			filter[strlen(filter)] = (char)c;
		}
		selected = 0;
		return;
	}
	note[0] = '\0';
	switch (c) {
	case 'q':
		quit_flag = 1;
		break;
	case 'j':
	case 'B':	/* the end of ESC [ B */
		if (selected + 1 < n)
			selected++;
		break;
	case 'k':
	case 'A':
		if (selected > 0)
			selected--;
		break;
	case 's':
		sortkey = (sortkey + 1) % 3;
		qsort(rows, nrows, sizeof(*rows), cmp_rows);
		snprintf(note, sizeof(note), "sorted by %s", sortkey == 0 ?
		    "name" : sortkey == 1 ? "state" : "last run");
		break;
	case '/':
		editing = true;
		filter[0] = '\0';
		break;
	case 'a':
		act("activate");
		break;
	case 'd':
		act("deactivate");
		break;
	case 'r':
		act("run");
		break;
	}
}

static int
follow(struct conn *c)
{
	if (conn_open_auth(c) == -1)
		return -1;
	if (send_line(c->t.wfd, "events -n 6 --follow --json") == -1) {
		conn_close(c, 0);
		return -1;
	}
	return 0;
}

static int
top(void)
{
	struct termios		 raw;
	struct sigaction	 sa;
	struct pollfd		 pfd[2];
	static struct conn	 ev = { .t = { -1, -1, -1 } };
	struct json_object	*o;
	struct timeval		 tv = { 0, 0 };
	char			 c, *line;
	ssize_t			 n;
	time_t			 last_retry = 0;

	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		fprintf(stderr, "maintctl: top needs a terminal; try 'maintctl "
		    "status' or 'maintctl events --follow'\n");
		return 2;
	}
	if ((rows = calloc(MAX_TASKS, sizeof(*rows))) == NULL)
		return 1;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGWINCH, &sa, NULL);
	/* over ssh, log in before the screen is taken: ssh may ask */
	if (target.url != NULL) {
		if ((connected = follow(&ev) == 0))
			refresh();
		if (!connected) {
			conn_close(&ev, 0);
			free(rows);
			return transport_why(&target, lost_status);
		}
		/* from now on, a login again asks nothing, says nothing */
		conn_flags = TR_BATCH | TR_QUIET;
	}
	(void)tcgetattr(STDIN_FILENO, &saved);
	raw = saved;
	raw.c_lflag &= (tcflag_t)~(ICANON | ECHO);
	raw.c_cc[VMIN] = 1;
	raw.c_cc[VTIME] = 0;
	(void)tcsetattr(STDIN_FILENO, TCSANOW, &raw);
	raw_on = true;
	atexit(restore);
	printf("\033[?1049h\033[?25l");
	size_now();
	if (target.url == NULL && (connected = follow(&ev) == 0))
		refresh();
	draw();
	while (!quit_flag) {
		pfd[0].fd = STDIN_FILENO;
		pfd[0].events = POLLIN;
		pfd[1].fd = ev.t.rfd;
		pfd[1].events = POLLIN;
		if (poll(pfd, ev.t.rfd != -1 ? 2 : 1, 1000) == -1 &&
		    errno != EINTR)
			break;
		if (winch_flag) {
			winch_flag = 0;
			size_now();
		}
		if (quit_flag)
			break;
		/* a terminal that hung up: quit, even without a SIGHUP */
		if (pfd[0].revents & (POLLHUP | POLLERR | POLLNVAL))
			break;
		if (pfd[0].revents & POLLIN) {
			n = read(STDIN_FILENO, &c, 1);
			if (n == 0 || (n == -1 && errno != EINTR &&
			    errno != EAGAIN))
				break;
			if (n == 1)
				key((unsigned char)c);
		}
		if (ev.t.rfd != -1 && pfd[1].revents & (POLLIN | POLLHUP)) {
			/* a read won't block: the fd said so */
			(void)setsockopt(ev.t.rfd, SOL_SOCKET, SO_RCVTIMEO, &tv,
			    sizeof(tv));
			if ((line = next_line(&ev)) == NULL) {
				conn_close(&ev, 5);
				connected = false;
			} else if (strncmp(line, "- ", 2) == 0 &&
			    (o = json_tokener_parse(line + 2)) != NULL) {
				add_event(o);
				json_object_put(o);
				/* more may be there already: take them too */
				while (memchr(ev.buf, '\n', ev.len) != NULL &&
				    (line = next_line(&ev)) != NULL &&
				    strncmp(line, "- ", 2) == 0 &&
				    (o = json_tokener_parse(line + 2)) != NULL) {
					add_event(o);
					json_object_put(o);
				}
				refresh();
			}
		}
		/* again once a second; over ssh, each try is a login */
		if (ev.t.rfd == -1 && time(NULL) >= last_retry +
		    (target.url != NULL ? 5 : 1)) {
			last_retry = time(NULL);
			if (follow(&ev) == 0) {
				connected = true;
				nevents = 0;
				refresh();
			}
		}
		draw();
		if (ferror(stdout))
			break;
	}
	restore();
	conn_close(&ev, 0);	/* a stream: ssh goes at once */
	conn_close(&shared, 5);
	free(rows);
	return 0;
}

/* --- shell ----------------------------------------------------------------- */

static void
print_line(const char *line, void *arg)
{
	(void)arg;
	puts(line);
}

/*
 * One request of the shell: the data lines printed as they come, the
 * final line in final.  Returns the number of data lines, -1 if maintd
 * is not reachable.
 */
static int
shell_request(const char *req, char *final, size_t len)
{
	return roundtrip(req, print_line, NULL, final, len);
}

/* Tab's names (complete.c), asked of maintd as the shell's requests are */
static int
fetch_names(const char *req, void (*add)(struct json_object *, void *),
    void *arg)
{
	char	final[512];

	return request(req, add, arg, final, sizeof(final));
}

/* maintd not reached: why, naming the socket or the host */
static void
unreachable(void)
{
	if (target.url != NULL)
		(void)transport_why(&target, lost_status);
	else
		fprintf(stderr, "maintctl: cannot reach maintd at %s\n",
		    sock_path);
}

/* The history file: ~/.maintctl_history, as a shell keeps its own. */
static const char *
history_path(void)
{
	static char	 path[1024];
	const char	*home = getenv("HOME");

	if (home == NULL || *home != '/')
		return NULL;
	snprintf(path, sizeof(path), "%s/.maintctl_history", home);
	return path;
}

/*
 * Each line is a request, answered as maintctl answers it: the data
 * lines, else the text of OK; an ERR on stderr; a bulk change asked to
 * be confirmed (y sends it again with --confirm).
 */
static int
shell(void)
{
	char		*line, *p, final[1024], req[PROTO_MAXLINE + 16];
	const char	*hist = history_path();
	int		 ndata;
	bool		 declined;

	if (!isatty(STDIN_FILENO))
		conn_flags = TR_BATCH;	/* ssh: nobody to answer it */
	/* over ssh, log in first: a host not reached ends here */
	if (target.url != NULL && shell_request("ping", final,
	    sizeof(final)) == -1)
		return transport_why(&target, lost_status);
	printf("maintd shell on %s: each line is a request (help lists the "
	    "verbs; quit or ^D ends)\n", target.url != NULL ? target.url :
	    sock_path);
	complete_init(fetch_names);
	using_history();
	stifle_history(1000);
	if (hist != NULL)
		(void)read_history(hist);
	while ((line = readline("maintd> ")) != NULL) {
		complete_forget();	/* names are asked again */
		for (p = line; *p == ' ' || *p == '\t'; p++)
			;
		if (*p == '\0') {
			free(line);
			continue;
		}
		add_history(p);
		if (strcmp(p, "quit") == 0 || strcmp(p, "exit") == 0) {
			free(line);
			break;
		}
		snprintf(req, sizeof(req), "%s", p);
		free(line);
		declined = false;
		ndata = shell_request(req, final, sizeof(final));
		if (ndata >= 0 && strncmp(final, "ERR confirm ", 12) == 0) {
			printf("%s? [y/N] ", final + 12);
			fflush(stdout);
			if ((line = readline("")) != NULL &&
			    (strcasecmp(line, "y") == 0 ||
			    strcasecmp(line, "yes") == 0)) {
				strlcat(req, " --confirm", sizeof(req));
				ndata = shell_request(req, final, sizeof(final));
			} else
				declined = true;
			free(line);
		}
		if (declined)
			fprintf(stderr, "maintctl: not confirmed; nothing "
			    "changed\n");
		else if (ndata == -1)
			unreachable();
		else if (strncmp(final, "OK", 2) == 0) {
			if (final[2] == ' ' && ndata == 0)
				puts(final + 3);
		} else if (strncmp(final, "ERR ", 4) == 0)
			fprintf(stderr, "maintctl: %s\n", final + 4);
		else
			fprintf(stderr, "maintctl: no reply from maintd\n");
		fflush(stdout);
	}
	if (hist != NULL)
		(void)write_history(hist);
	conn_close(&shared, 5);
	return 0;
}

int
main(int argc, char *argv[])
{
	const char	*tf = getenv("MAINTD_TOKEN_FILE");
	char		 err[1200];
	int		 ch;

	/* '+': token new's own options stay its own */
	while ((ch = getopt(argc, argv, "+H:s:")) != -1)
		if (ch == 's')
			sock_path = optarg;
		else if (ch == 'H' &&
		    transport_parse(&target, optarg, err, sizeof(err)) == -1) {
			fprintf(stderr, "maintctl: -H %s\n", err);
			return 2;
		}
	if (optind < argc && strcmp(argv[optind], "token") == 0)
		return token_main(argc - optind, argv + optind);
	if ((sock_path == NULL && target.url == NULL) || optind != argc - 1) {
		fprintf(stderr, "usage: maintctl-tty [-H ssh://[user@]host[:port]]"
		    " [-s socket] top|shell\n"
		    "       maintctl-tty token new NAME [--role R] [--tasks "
		    "GLOB...]\n");
		return 2;
	}
	if (tf != NULL && *tf != '\0' &&
	    tokfile_read(tf, token, sizeof(token), err, sizeof(err)) == -1) {
		fprintf(stderr, "maintctl: %s\n", err);
		return 2;
	}
	target.socket = sock_path;	/* with -H: the socket there */
	signal(SIGPIPE, SIG_IGN);	/* a socket or ssh's pipe gone: EPIPE */
	if (strcmp(argv[optind], "top") == 0)
		return top();
	if (strcmp(argv[optind], "shell") == 0)
		return shell();
	fprintf(stderr, "maintctl-tty: unknown verb '%s'\n", argv[optind]);
	return 2;
}
