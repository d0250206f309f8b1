/*
 * output.c: read each run's output pipe from the loop, at most one chunk
 * per wakeup so a flooding child cannot starve anything else; cut it into
 * lines (a line longer than LINE_MAX_OUT is split, never dropped); send
 * each line to log_dir/TASK.log with a time stamp and the run id, or to
 * syslog as maintd/TASK, or nowhere; keep the last lines in memory.
 *
 * log_dir is opened once (created at start-up if it is missing, never
 * after: one deleted later leaves the daemon degraded until it is back),
 * and checked as trust.c wants a directory root creates files in: owned
 * by root or by the tasks' user, writable by its owner only.  Each log
 * file is opened relative to that descriptor, never through a symbolic
 * link, and written only if it is a regular file of one link: whoever
 * may write in log_dir cannot make root append to another file.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "ev.h"
#include "feed.h"
#include "log.h"
#include "output.h"
#include "paths.h"
#include "state.h"
#include "task.h"
#include "trust.h"
#include "util.h"

#define CHUNK		65536
#define WBUF		(CHUNK * 2)

static char	wbuf[WBUF];
static size_t	wlen;
static struct task *wtask;
static char	ident[128];	/* openlog() keeps the pointer */
static int	logdir_fd = -1;	/* log_dir, checked; -1: open it again */
static uid_t	also;		/* who else may own log_dir: the tasks' user */
static bool	also_known;	/* looked up since the last reopen */

/*
 * Output that cannot be written is kept only in memory: health says so
 * (t->log_errno) until a write succeeds again.  Logged when it begins and
 * ends, not at every line.
 */
static void
log_failed(struct task *t, const char *what)
{
	if (t->log_errno == 0)
		log_warn("%s: %s %s/%s.log; its output is kept in memory only",
		    t->conf->name, what, md.conf->log_dir, t->conf->name);
	t->log_errno = errno;
}

static void
log_worked(struct task *t)
{
	if (t->log_errno != 0)
		log_info("%s: its log file is written again", t->conf->name);
	t->log_errno = 0;
}

/* The uid of the tasks' user (user = at the top), or (uid_t)-1. */
static uid_t
tasks_uid(void)
{
	struct passwd	*pw;

	if (md.conf->default_user == NULL ||
	    (pw = getpwnam(md.conf->default_user)) == NULL)
		return (uid_t)-1;
	return pw->pw_uid;
}

int
output_logdir(bool create, char *err, size_t len)
{
	char	path[1024];
	int	fd, saved;

	if (logdir_fd != -1) {
		close(logdir_fd);
		logdir_fd = -1;
	}
	/* looked up at start-up and reload, not again at each line */
	if (create || !also_known) {
		also = trust_needed() ? tasks_uid() : (uid_t)-1;
		also_known = true;
	}
	if (create) {
		/* root's, not writable by others (the umask is 022) */
		snprintf(path, sizeof(path), "%s/", md.conf->log_dir);
		if (mkdir_parents(path, 0755) == -1) {
			snprintf(err, len, "cannot create it: %s",
			    strerror(errno));
			return -1;
		}
	}
	if ((fd = trust_opendir(md.conf->log_dir, also, err, len)) == -1)
		return -1;
	if (faccessat(fd, ".", W_OK, 0) == -1) {
		saved = errno;
		snprintf(err, len, "not writable: %s", strerror(saved));
		close(fd);
		errno = saved;
		return -1;
	}
	logdir_fd = fd;
	return 0;
}

static int
log_open(struct task *t)
{
	struct stat	st;
	char		name[128], err[1024];
	int		fd;

	if (t->logfd != -1)
		return 0;
	/* reopened by name, never created again (output_reopen()) */
	if (logdir_fd == -1 && output_logdir(false, err, sizeof(err)) == -1) {
		if (t->log_errno == 0)
			log_warnx("log_dir %s: %s", md.conf->log_dir, err);
		log_failed(t, "cannot open");
		return -1;
	}
	snprintf(name, sizeof(name), "%s.log", t->conf->name);
	fd = openat(logdir_fd, name, O_WRONLY | O_APPEND | O_CREAT |
	    O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC, 0640);
	if (fd == -1) {
		log_failed(t, "cannot open");
		return -1;
	}
	/* not a FIFO, a device, or a hard link to another file */
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    (trust_needed() && st.st_nlink != 1)) {
		close(fd);
		if (t->log_errno == 0)
			log_warnx("%s: %s/%s is not a regular file of one link: "
			    "not written", t->conf->name, md.conf->log_dir,
			    name);
		errno = EPERM;
		log_failed(t, "cannot open");
		return -1;
	}
	t->logfd = fd;
	return 0;
}

int
output_log_read(const char *path)
{
	struct stat	st;
	const char	*name = strrchr(path, '/');
	char		err[1024];
	int		fd;

	if (logdir_fd == -1 && output_logdir(false, err, sizeof(err)) == -1)
		return -1;
	fd = openat(logdir_fd, name != NULL ? name + 1 : path, O_RDONLY |
	    O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd == -1)
		return -1;
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    (trust_needed() && st.st_nlink != 1)) {
		close(fd);
		errno = EPERM;
		return -1;
	}
	return fd;
}

static void
wflush(void)
{
	const char	*p = wbuf;
	ssize_t		 n;
	size_t		 left = wlen;

	if (wlen == 0 || wtask == NULL)
		return;
	if (log_open(wtask) == 0) {
		/*
		 * A write cut short (the disk filled) left a part of a line:
		 * end it, so that the lines after it start on their own.
		 */
		while (wtask->log_midline && (n = write(wtask->logfd, "\n",
		    1)) != 1) {
			if (n == -1 && errno == EINTR)
				continue;
			log_failed(wtask, "cannot write");
			wlen = 0;
			return;
		}
		wtask->log_midline = false;
		while (left > 0) {
			n = write(wtask->logfd, p, left);
			if (n == -1 && errno == EINTR)
				continue;
			if (n == -1) {
				log_failed(wtask, "cannot write");
				wtask->log_midline = p > wbuf && p[-1] != '\n';
				break;
			}
			p += n;
			left -= (size_t)n;
		}
		if (left == 0)
			log_worked(wtask);
	}
	wlen = 0;
}

/*
 * Make the prefix and line the newest of the task's last lines, in the
 * slot of the oldest one (its buffer reused: no allocation per line).
 */
static char *
tail_put(struct task *t, const char *head, size_t hl, const char *line,
    size_t len)
{
	struct tail	*tl;
	size_t		 slot, need = hl + len + 1;

	if (t->tail == NULL)
		t->tail = xcalloc(1, sizeof(*t->tail));
	tl = t->tail;
	if (tl->count == TAIL_LINES) {
		slot = tl->first;
		tl->first = (tl->first + 1) % TAIL_LINES;
	} else
		slot = (tl->first + tl->count++) % TAIL_LINES;
	if (tl->cap[slot] < need) {
		free(tl->line[slot]);
		/* round up, so lines of about one length share one size */
		tl->cap[slot] = (uint32_t)((need + 63) & ~(size_t)63);
		tl->line[slot] = xcalloc(1, tl->cap[slot]);
	}
	memcpy(tl->line[slot], head, hl);
	memcpy(tl->line[slot] + hl, line, len);
	tl->line[slot][hl + len] = '\0';
	return tl->line[slot];
}

/* The last n lines, oldest first; returns how many. */
size_t
output_tail(const struct task *t, size_t n, const char **lines)
{
	const struct tail	*tl = t->tail;
	size_t			 i, skip;

	if (tl == NULL)
		return 0;
	if (n > tl->count)
		n = tl->count;
	skip = tl->count - n;
	for (i = 0; i < n; i++)
		lines[i] = tl->line[(tl->first + skip + i) % TAIL_LINES];
	return n;
}

/*
 * The last (at most n) lines that run wrote to stderr, oldest first, as
 * the run wrote them (no "TIME [RUN stderr] "), from the task's tail: a
 * run's lines older than the tail's are not there.  How many.
 */
size_t
output_run_stderr(const struct task *t, uint64_t run, size_t n,
    const char **lines)
{
	const struct tail	*tl = t->tail;
	const char		*l, *p;
	char			 tag[40];
	size_t			 i, k = 0, taglen;

	if (tl == NULL || n == 0)
		return 0;
	taglen = (size_t)snprintf(tag, sizeof(tag), "[%llu stderr] ",
	    (unsigned long long)run);
	for (i = tl->count; i-- > 0 && k < n; ) {
		l = tl->line[(tl->first + i) % TAIL_LINES];
		if ((p = strchr(l, ' ')) != NULL &&
		    strncmp(p + 1, tag, taglen) == 0)
			lines[k++] = p + 1 + taglen;
	}
	/* newest first so far */
	for (i = 0; i < k / 2; i++) {
		l = lines[i];
		lines[i] = lines[k - 1 - i];
		lines[k - 1 - i] = l;
	}
	return k;
}

/*
 * "TIME [RUN] " (stdout) or "TIME [RUN stderr] " for the lines read
 * now: made once per chunk read (and the time formatted once per
 * millisecond), not once per line.
 */
static char	pfx[96];
static size_t	pfxlen;

static void
prefix_now(const struct task *t, int stream)
{
	static char		stamp[64];
	static struct timespec	last;
	struct timespec		ts;
	int			n;

	clock_gettime(CLOCK_REALTIME, &ts);
	if (ts.tv_sec != last.tv_sec ||
	    ts.tv_nsec / 1000000 != last.tv_nsec / 1000000) {
		fmt_rfc3339_ms(&ts, stamp, sizeof(stamp));
		last = ts;
	}
	n = snprintf(pfx, sizeof(pfx), "%s [%llu%s] ", stamp,
	    (unsigned long long)t->cur.id, stream ? " stderr" : "");
	pfxlen = n > 0 && (size_t)n < sizeof(pfx) ? (size_t)n : 0;
}

/* One line of the run's output, prefix_now() already called. */
static void
emit(struct task *t, int stream, const char *line, size_t len)
{
	struct feed_msg	 m;
	char		*full;

	/* "TIME [RUN] text": as in the log file, for the tail and followers */
	full = tail_put(t, pfx, pfxlen, line, len);
	if (feed_wanted(FEED_LINE)) {
		memset(&m, 0, sizeof(m));
		m.task = t;
		m.text = line;
		m.len = len;
		m.line = full;
		m.stream = stream;
		feed_publish(FEED_LINE, &m);
	}
	switch (t->conf->output) {
	case OUTPUT_DISCARD:
		return;
	case OUTPUT_SYSLOG:
		snprintf(ident, sizeof(ident), "maintd/%s", t->conf->name);
		openlog(ident, LOG_NDELAY, md.conf->syslog_facility);
		syslog(stream ? LOG_WARNING : LOG_INFO, "[%llu] %.*s",
		    (unsigned long long)t->cur.id, (int)len, line);
		openlog("maintd", LOG_PID | LOG_NDELAY,
		    md.conf->syslog_facility);
		return;
	case OUTPUT_FILE:
		break;
	}
	if (wtask != t) {
		wflush();
		wtask = t;
	}
	len += pfxlen;
	if (wlen + len + 1 > WBUF)
		wflush();
	if (len + 1 > WBUF)
		len = WBUF - 1;
	memcpy(wbuf + wlen, full, len);
	wlen += len;
	wbuf[wlen++] = '\n';
}

/* A line from maintd itself about the run, e.g. how it ended. */
void
output_note(struct task *t, const char *fmt, ...)
{
	va_list	 ap;
	char	 buf[512];
	int	 n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(buf))
		n = sizeof(buf) - 1;
	prefix_now(t, 0);
	emit(t, 0, buf, (size_t)n);
	wflush();
}

static void
take(struct ostream *o, const char *p, size_t n)
{
	struct task	*t = o->task;
	const char	*nl;
	size_t		 k;

	while (n > 0) {
		nl = memchr(p, '\n', n);
		k = nl != NULL ? (size_t)(nl - p) : n;
		if (o->len == 0 && nl != NULL && k <= LINE_MAX_OUT) {
			/* a whole line in the chunk: no copy */
			emit(t, o->stream, p, k > 0 && p[k - 1] == '\r' ? k - 1 :
			    k);
			p += k + 1;
			n -= k + 1;
			continue;
		}
		if (o->line == NULL)
			o->line = xcalloc(LINE_MAX_OUT, 1);
		if (o->len + k > LINE_MAX_OUT) {
			/* Split: fill the line up and emit it. */
			k = LINE_MAX_OUT - o->len;
			memcpy(o->line + o->len, p, k);
			emit(t, o->stream, o->line, LINE_MAX_OUT);
			o->len = 0;
			p += k;
			n -= k;
			continue;
		}
		memcpy(o->line + o->len, p, k);
		o->len += k;
		p += k;
		n -= k;
		if (nl != NULL) {
			if (o->len > 0 && o->line[o->len - 1] == '\r')
				o->len--;
			emit(t, o->stream, o->line, o->len);
			o->len = 0;
			p++;
			n--;
		}
	}
}

static void
close_stream(struct ostream *o)
{
	static char	buf[CHUNK];
	ssize_t		n;
	int		rounds = 64;

	if (o->fd == -1)
		return;
	prefix_now(o->task, o->stream);
	while (rounds-- > 0 && (n = read(o->fd, buf, sizeof(buf))) > 0)
		take(o, buf, (size_t)n);
	if (o->len > 0) {
		emit(o->task, o->stream, o->line, o->len);
		o->len = 0;
	}
	wflush();
	ev_io_del(o->fd);
	close(o->fd);
	o->fd = -1;
}

static void
output_event(int fd, int revents, void *arg)
{
	struct ostream	*o = arg;
	static char	 buf[CHUNK];
	ssize_t		 n = 0;
	int		 rounds;

	(void)revents;
	/* a few reads in a row while the pipe is full: fewer wakeups */
	for (rounds = 0; rounds < 4 && (n = read(fd, buf, sizeof(buf))) > 0;) {
		rounds++;
		prefix_now(o->task, o->stream);
		take(o, buf, (size_t)n);
		if (n < (ssize_t)sizeof(buf))
			break;		/* the pipe is empty */
	}
	if (rounds > 0) {
		wflush();
		return;
	}
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	/* EOF: every writer is gone. */
	close_stream(o);
}

void
output_watch(struct task *t)
{
	int	i;

	for (i = 0; i < 2; i++) {
		t->out[i].len = 0;
		if (t->out[i].fd != -1 && ev_io_add(t->out[i].fd, EV_READ,
		    output_event, &t->out[i]) == -1)
			log_warn("%s: watching output", t->conf->name);
	}
}

/* Drain what is left in the pipes, flush a partial line, close them. */
void
output_close(struct task *t)
{
	close_stream(&t->out[0]);
	close_stream(&t->out[1]);
}

/*
 * Write out the lines buffered for a log file: a follower that fell
 * behind knows from where to catch up (the file's size: the line being
 * published is not buffered yet).
 */
void
output_flush(void)
{
	wflush();
}

/*
 * Close every log file and log_dir; each is opened again at its next
 * line, log_dir by its name (so a log_dir moved away is left).
 */
void
output_reopen(void)
{
	size_t	i;

	wflush();
	if (logdir_fd != -1) {
		close(logdir_fd);
		logdir_fd = -1;
	}
	also_known = false;
	for (i = 0; i < md.tasks.n; i++)
		if (md.tasks.v[i]->logfd != -1) {
			close(md.tasks.v[i]->logfd);
			md.tasks.v[i]->logfd = -1;
		}
}
