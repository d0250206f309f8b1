/*
 * verbs_tail.c: a task's output to one client: logs (its last lines),
 * logs --follow and run --wait (new lines as they come).
 * The past is read from the log file in slices between which the loop
 * runs, and a request is bounded: SCAN_LINES lines looked at, SCAN_MS
 * of time (and verbs_grep.c: requests scanning at once, the budget of a
 * stream's --grep).  The file is read twice: backwards to find where the
 * last n wanted lines begin (nothing is held), then forwards from there,
 * sending, and waiting while the client is full.
 * A client that falls behind a stream is not dropped: nothing more is
 * queued for it while it is full, and once it has drained it is caught
 * up from the log file, then follows the feed again (a task whose output
 * has no file: it is told how many lines it missed).
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "control.h"
#include "ev.h"
#include "feed.h"
#include "log.h"
#include "state.h"
#include "output.h"
#include "task.h"
#include "util.h"
#include "verbs.h"

#define CHUNK		65536
#define CARRY_MAX	(1024 * 1024)	/* a "line" longer is cut */
#define SLICE_US	10000		/* then the loop runs */
#define SCAN_LINES	1000000		/* lines one request may look at */
#define SCAN_MS		10000		/* time one request may scan */

enum tstate {
	TS_BACK,	/* finding where the last n lines begin */
	TS_FWD,		/* sending from the file */
	TS_LIVE,	/* sending from the feed */
	TS_LAG		/* the client is full: waiting for it to drain */
};

struct tailer {
	struct client		*c;
	struct task		*t;
	char			*name;		/* the task's */
	uint64_t		 run;		/* run --wait: only this run */
	bool			 bare;		/* run --wait: the text alone */
	bool			 json, follow;
	bool			 scanning;	/* verbs_scan_begin() counted it */
	bool			 caught;	/* past the request's scan */
	struct verbs_span	 sp;
	struct verbs_grep	*g;
	enum tstate		 st;
	/* the file being read */
	int			 fd;
	dev_t			 dev;
	ino_t			 ino;
	off_t			 pos;		/* BACK: [0, pos) is left */
	off_t			 end;		/* FWD: stop there; -1: EOF */
	char			*buf;
	size_t			 blen, bcur;
	off_t			 bstart;	/* the offset of buf[0] */
	int			 found;
	/* no file: the lines in memory when the request came */
	char			**mem;
	size_t			 nmem, mcur;
	uint64_t		 scanned, spent_us, skipped;
	size_t			 sent;
	struct ev_timer		 slice;
	/* run --wait: the run has ended; this goes after its last line */
	bool			 ended;
	struct json_object	*result;
	char			*code, *text;
	struct tailer		*next;
};

static struct tailer	*tails;
static struct feed_sub	 line_sub, task_sub;

static void	on_line(enum feed_stream, const struct feed_msg *, void *);
static void	on_task(enum feed_stream, const struct feed_msg *, void *);
static void	tail_slice(void *);
static void	tail_free(struct tailer *);

static void
tails_changed(void)
{
	if (tails != NULL && !feed_subscribed(&line_sub)) {
		feed_subscribe(&line_sub, FEED_LINE, on_line, NULL);
		feed_subscribe(&task_sub, FEED_TASK, on_task, NULL);
	} else if (tails == NULL && feed_subscribed(&line_sub)) {
		feed_unsubscribe(&line_sub);
		feed_unsubscribe(&task_sub);
	}
}

/* "TIME [RUN] text" or "TIME [RUN stderr] text": its parts, or false. */
static bool
line_parts(const char *line, uint64_t *run, int *stream, const char **text)
{
	const char	*b = strchr(line, ' '), *e;

	if (b == NULL || b[1] != '[' || (e = strstr(b, "] ")) == NULL)
		return false;
	*run = strtoull(b + 2, NULL, 10);
	*stream = e - b > 8 && strncmp(e - 7, " stderr", 7) == 0;
	*text = e + 2;
	return true;
}

/* The time stamp of a line, or -1. */
static double
line_time(const char *line)
{
	char	ts[64];
	size_t	n = strcspn(line, " ");
	double	t;

	if (n == 0 || n >= sizeof(ts))
		return -1;
	memcpy(ts, line, n);
	ts[n] = '\0';
	return parse_time(ts, 0, &t) == 0 ? t : -1;
}

/* Is the line one the tail sends (window, stream, run, pattern)? */
static bool
wanted(struct tailer *tl, const char *line)
{
	const char	*text = line;
	uint64_t	 run = 0;
	int		 stream = 0;
	double		 t;

	if (!line_parts(line, &run, &stream, &text) && tl->run != 0)
		return false;
	if (tl->run != 0 && run != tl->run)
		return false;
	if (tl->sp.stream != -1 && stream != tl->sp.stream)
		return false;
	if (tl->sp.since > 0 || tl->sp.until > 0) {
		t = line_time(line);
		if (t != -1 && ((tl->sp.since > 0 && t < tl->sp.since) ||
		    (tl->sp.until > 0 && t > tl->sp.until)))
			return false;
	}
	/* --grep looks at the text of a line, not its "TIME [RUN] " */
	return tl->g == NULL || verbs_grep_match(tl->g, text);
}

static void
payload(struct tailer *tl, const char *line)
{
	struct json_object	*o;
	const char		*text;
	uint64_t		 run;
	int			 stream;
	bool			 parts;
	char			 ts[64];
	size_t			 n;

	parts = line_parts(line, &run, &stream, &text);
	tl->sent++;
	if (!tl->json) {
		client_raw(tl->c, tl->bare && parts ? text : line);
		return;
	}
	o = json_object_new_object();
	json_object_object_add(o, "task", json_object_new_string(tl->name));
	if (parts) {
		n = strcspn(line, " ");
		if (!tl->bare && n < sizeof(ts)) {
			memcpy(ts, line, n);
			ts[n] = '\0';
			json_object_object_add(o, "time",
			    json_object_new_string(ts));
		}
		json_object_object_add(o, "run",
		    json_object_new_int64((int64_t)run));
		json_object_object_add(o, "stream", json_object_new_string(
		    stream ? "stderr" : "stdout"));
	}
	json_object_object_add(o, "line", json_object_new_string(parts ?
	    text : line));
	client_json(tl->c, o);
	json_object_put(o);
}

/* The final line, and the tail is done. */
static void
finish(struct tailer *tl, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
finish(struct tailer *tl, const char *code, const char *fmt, ...)
{
	struct client	*c = tl->c;
	va_list		 ap;
	char		 text[512], cbuf[32];

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (code != NULL)
		strlcpy(cbuf, code, sizeof(cbuf));	/* tl's may be freed */
	tail_free(tl);
	if (code != NULL)
		client_err(c, cbuf, "%s", text);
	else
		client_ok(c, "%s", text);
}

/* run --wait: its result, after its last line. */
static void
finish_run(struct tailer *tl)
{
	if (tl->result != NULL)
		client_json(tl->c, tl->result);
	finish(tl, tl->code, "%s", tl->text);
}

/* The path of the task's log file. */
static void
log_path(const struct tailer *tl, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s.log", md.conf->log_dir, tl->name);
}

/* Open the log file (output.c: no link, no FIFO); its size. */
static int
open_log(struct tailer *tl, off_t *size)
{
	struct stat	st;
	char		path[1024];

	log_path(tl, path, sizeof(path));
	if ((tl->fd = output_log_read(path)) == -1)
		return -1;
	if (fstat(tl->fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		close(tl->fd);
		tl->fd = -1;
		return -1;
	}
	tl->dev = st.st_dev;
	tl->ino = st.st_ino;
	*size = st.st_size;
	return 0;
}

static void
close_log(struct tailer *tl)
{
	if (tl->fd != -1)
		close(tl->fd);
	tl->fd = -1;
	free(tl->buf);
	tl->buf = NULL;
	tl->blen = tl->bcur = 0;
}

/* Send from offset (or index) pos on. */
static void
start_fwd(struct tailer *tl, off_t pos)
{
	tl->st = TS_FWD;
	free(tl->buf);
	tl->buf = NULL;
	tl->blen = tl->bcur = 0;
	tl->bstart = pos;
	tl->mcur = (size_t)pos;
}

/*
 * log_dir/TASK.log is another file now (rotated, then reopened): what
 * is newer is in it.
 */
static bool
rotated(struct tailer *tl)
{
	struct stat	st;
	char		path[1024];

	log_path(tl, path, sizeof(path));
	return lstat(path, &st) == 0 && S_ISREG(st.st_mode) &&
	    (st.st_dev != tl->dev || st.st_ino != tl->ino);
}

/*
 * The lines that came while the client was full and could not be caught
 * up (no log file): how many.
 */
static void
skipped_note(struct tailer *tl)
{
	struct json_object	*o;

	if (tl->skipped == 0)
		return;
	if (tl->json) {
		o = json_object_new_object();
		json_object_object_add(o, "task",
		    json_object_new_string(tl->name));
		json_object_object_add(o, "skipped",
		    json_object_new_int64((int64_t)tl->skipped));
		client_json(tl->c, o);
		json_object_put(o);
	} else
		client_data(tl->c, "maintd: %llu line%s left out: this client "
		    "fell behind, and the output of %s has no log file to "
		    "catch up from", (unsigned long long)tl->skipped,
		    tl->skipped == 1 ? "" : "s", tl->name);
	tl->skipped = 0;
}

/* Caught up with the file: follow the feed, or end. */
static void
caught_up(struct tailer *tl)
{
	size_t	i;

	close_log(tl);
	/* what comes next is read from a file, if it falls behind */
	for (i = 0; i < tl->nmem; i++)
		free(tl->mem[i]);
	free(tl->mem);
	tl->mem = NULL;
	tl->nmem = tl->mcur = 0;
	if (tl->scanning) {
		tl->scanning = false;
		verbs_scan_end();
	}
	tl->caught = true;
	skipped_note(tl);
	if (tl->ended) {
		finish_run(tl);
		return;
	}
	if (!tl->follow) {
		finish(tl, NULL, "%zu line%s", tl->sent, tl->sent == 1 ? "" :
		    "s");
		return;
	}
	tl->st = TS_LIVE;
}

/*
 * A line found going backwards, at offset off (next: the one after it):
 * is it where the sending starts?  1 when that is known (tl->pos), -1
 * past a limit (the reply sent, tl gone), else 0.
 */
static int
back_line(struct tailer *tl, const char *line, off_t off, off_t next)
{
	double	t;

	if (*line == '\0')
		return 0;
	if (++tl->scanned > SCAN_LINES) {
		finish(tl, "too-long", "%d lines looked at (the limit of a "
		    "request) without finding the %d asked for: narrow it "
		    "with --since or --until", SCAN_LINES, tl->sp.n);
		return -1;
	}
	if (tl->sp.since > 0 && (t = line_time(line)) != -1 &&
	    t < tl->sp.since) {
		tl->pos = next;		/* older than the window: after it */
		return 1;
	}
	if (wanted(tl, line) && ++tl->found >= tl->sp.n) {
		tl->pos = off;
		return 1;
	}
	return 0;
}

/*
 * TS_BACK on the file.  buf holds [bstart, bstart + bcur), not yet
 * looked at; lines are taken from its end.  1 the start is known (then
 * TS_FWD), 0 the slice is over, -1 tl is gone.
 */
static int
back_file(struct tailer *tl, uint64_t deadline)
{
	char		*nb, *p, save;
	size_t		 want, lend, lstart;
	int		 rc;

	for (;;) {
		if (tl->bcur == 0 && tl->bstart == 0) {
			start_fwd(tl, 0);
			return 1;
		}
		if (verbs_now_us() >= deadline)
			return 0;
		lend = tl->bcur;
		if (lend > 0 && tl->buf[lend - 1] == '\n')
			lend--;
		p = lend > 0 ? memrchr(tl->buf, '\n', lend) : NULL;
		if (p == NULL && tl->bstart > 0 && tl->bcur < CARRY_MAX) {
			/* the line may begin further back: the chunk before */
			want = tl->bstart < CHUNK ? (size_t)tl->bstart : CHUNK;
			nb = xcalloc(want + tl->bcur + 1, 1);
			if (pread(tl->fd, nb, want, tl->bstart - (off_t)want) !=
			    (ssize_t)want) {
				/* cut short under us: from what was read */
				free(nb);
				start_fwd(tl, tl->bstart);
				return 1;
			}
			if (tl->bcur > 0)
				memcpy(nb + want, tl->buf, tl->bcur);
			free(tl->buf);
			tl->buf = nb;
			tl->bstart -= (off_t)want;
			tl->bcur += want;
			continue;
		}
		lstart = p != NULL ? (size_t)(p - tl->buf) + 1 : 0;
		save = tl->buf[lend];
		tl->buf[lend] = '\0';
		rc = back_line(tl, tl->buf + lstart, tl->bstart + (off_t)lstart,
		    tl->bstart + (off_t)tl->bcur);
		if (rc == -1)
			return -1;
		tl->buf[lend] = save;
		tl->bcur = lstart;
		if (rc == 1) {
			start_fwd(tl, tl->pos);
			return 1;
		}
	}
}

/* TS_BACK on the lines in memory: the same, by index. */
static int
back_mem(struct tailer *tl, uint64_t deadline)
{
	int	rc;

	while (tl->mcur > 0) {
		if (verbs_now_us() >= deadline)
			return 0;
		rc = back_line(tl, tl->mem[tl->mcur - 1], (off_t)tl->mcur - 1,
		    (off_t)tl->mcur);
		if (rc == -1)
			return -1;
		tl->mcur--;
		if (rc == 1) {
			start_fwd(tl, tl->pos);
			return 1;
		}
	}
	start_fwd(tl, 0);
	return 1;
}

/* One line going forwards: sent if wanted; false when tl is gone. */
static bool
fwd_line(struct tailer *tl, const char *line)
{
	if (*line != '\0' && wanted(tl, line))
		payload(tl, line);
	if (tl->caught && tl->g != NULL && verbs_grep_spent(tl->g)) {
		finish(tl, "busy", "--grep: matching took more than %d ms a "
		    "second (the limit of a stream)", VERBS_GREP_RATE);
		return false;
	}
	return true;
}

/*
 * TS_FWD on the file: buf holds [bstart, bstart + blen), sent up to
 * bcur; the file is read on from bstart + blen, up to end (-1: its end,
 * and the next one after a rotation).  1 done, 0 slice over or client
 * full, -1 tl gone.
 */
static int
fwd_file(struct tailer *tl, uint64_t deadline)
{
	char		*nl;
	size_t		 want;
	ssize_t		 got;
	off_t		 size;

	if (tl->buf == NULL)
		tl->buf = xcalloc(CHUNK + CARRY_MAX + 1, 1);
	for (;;) {
		if (client_full(tl->c) || verbs_now_us() >= deadline)
			return 0;
		nl = memchr(tl->buf + tl->bcur, '\n', tl->blen - tl->bcur);
		if (nl != NULL) {
			if (tl->end != -1 && tl->bstart + (off_t)tl->bcur >=
			    tl->end)
				return 1;
			*nl = '\0';
			want = tl->bcur;
			tl->bcur = (size_t)(nl - tl->buf) + 1;
			if (!fwd_line(tl, tl->buf + want))
				return -1;
			continue;
		}
		/* a partial line: to the front, and read on */
		memmove(tl->buf, tl->buf + tl->bcur, tl->blen - tl->bcur);
		tl->bstart += (off_t)tl->bcur;
		tl->blen -= tl->bcur;
		tl->bcur = 0;
		want = CHUNK;
		if (tl->end != -1 && tl->end - (tl->bstart + (off_t)tl->blen) <
		    (off_t)want)
			want = tl->end > tl->bstart + (off_t)tl->blen ?
			    (size_t)(tl->end - tl->bstart - (off_t)tl->blen) : 0;
		if (tl->blen >= CARRY_MAX)
			want = 0;	/* no newline in 1 MiB: cut it */
		got = want > 0 ? pread(tl->fd, tl->buf + tl->blen, want,
		    tl->bstart + (off_t)tl->blen) : 0;
		if (got == -1 && errno == EINTR)
			continue;
		if (got > 0) {
			tl->blen += (size_t)got;
			continue;
		}
		/* the end: a last line without its newline, then done */
		if (tl->blen > 0) {
			tl->buf[tl->blen] = '\0';
			tl->bcur = tl->blen;
			if (!fwd_line(tl, tl->buf))
				return -1;
			continue;
		}
		if (tl->end == -1 && rotated(tl)) {
			close(tl->fd);
			tl->fd = -1;
			if (open_log(tl, &size) == 0) {
				tl->bstart = 0;
				continue;
			}
		}
		return 1;
	}
}

/* TS_FWD in memory. */
static int
fwd_mem(struct tailer *tl, uint64_t deadline)
{
	while (tl->mcur < tl->nmem) {
		if (client_full(tl->c) || verbs_now_us() >= deadline)
			return 0;
		if (!fwd_line(tl, tl->mem[tl->mcur++]))
			return -1;
	}
	return 1;
}

static void	tail_drained(void *);

/* Read and send for a while, then let the loop run. */
static void
tail_slice(void *arg)
{
	struct tailer	*tl = arg;
	uint64_t	 t0 = verbs_now_us(), deadline = t0 + SLICE_US;
	int		 rc = 0;

	while (tl->st == TS_BACK || tl->st == TS_FWD) {
		if (tl->st == TS_BACK)
			rc = tl->mem != NULL ? back_mem(tl, deadline) :
			    back_file(tl, deadline);
		else {
			rc = tl->mem != NULL ? fwd_mem(tl, deadline) :
			    fwd_file(tl, deadline);
			if (rc == 1) {
				caught_up(tl);
				return;
			}
		}
		if (rc == -1)
			return;
		if (rc == 0)
			break;
	}
	if (tl->st != TS_BACK && tl->st != TS_FWD)
		return;
	if (!tl->caught) {
		tl->spent_us += verbs_now_us() - t0;
		if (tl->spent_us > SCAN_MS * 1000ULL) {
			finish(tl, "busy", "%d s spent reading the log of %s (the "
			    "limit of a request): narrow it with -n, --since "
			    "or --until", SCAN_MS / 1000, tl->name);
			return;
		}
	}
	if (client_full(tl->c))
		client_on_drain(tl->c, tail_drained, tl);
	else
		ev_timer_add(&tl->slice, 0);
}

/* The client has drained: go on reading, or catch up, or follow again. */
static void
tail_drained(void *arg)
{
	struct tailer	*tl = arg;

	if (tl->st == TS_LAG) {
		if (tl->fd == -1) {
			skipped_note(tl);
			tl->st = TS_LIVE;
			return;
		}
		tl->st = TS_FWD;	/* from where it fell behind */
	}
	tail_slice(tl);
}

/*
 * The client is full while following: from this line on, it is caught
 * up from the log file once it has drained (the lines buffered for the
 * file are written first, so the file's size is where this line goes),
 * or, without a file, told how many it missed.
 */
static void
fall_behind(struct tailer *tl, struct task *t, const char *line)
{
	off_t	size;

	tl->st = TS_LAG;
	client_on_drain(tl->c, tail_drained, tl);
	if (t->conf->output == OUTPUT_FILE && t->log_errno == 0) {
		output_flush();
		if (t->log_errno == 0 && open_log(tl, &size) == 0) {
			tl->bstart = size;
			tl->end = -1;
			return;
		}
	}
	if (wanted(tl, line))
		tl->skipped++;
}

/* Output lines as they are written, to the tails that follow the task. */
static void
on_line(enum feed_stream st, const struct feed_msg *m, void *arg)
{
	struct tailer	*tl, *next;

	(void)st;
	(void)arg;
	for (tl = tails; tl != NULL; tl = next) {
		next = tl->next;
		if (tl->t != m->task || (tl->run != 0 &&
		    m->task->cur.id != tl->run))
			continue;
		switch (tl->st) {
		case TS_BACK:
		case TS_FWD:
			/* from a file, the scan reads it; not from memory */
			if (tl->mem != NULL && tl->follow &&
			    wanted(tl, m->line))
				tl->skipped++;
			break;
		case TS_LAG:
			if (tl->fd == -1 && wanted(tl, m->line))
				tl->skipped++;
			break;
		case TS_LIVE:
			if (client_full(tl->c))
				fall_behind(tl, m->task, m->line);
			else if (wanted(tl, m->line))
				payload(tl, m->line);
			if (tl->g != NULL && verbs_grep_spent(tl->g))
				finish(tl, "busy", "--grep: matching took more "
				    "than %d ms a second (the limit of a "
				    "stream)", VERBS_GREP_RATE);
			break;
		}
	}
}

/* A reload removed a task: the streams of its output end. */
static void
on_task(enum feed_stream st, const struct feed_msg *m, void *arg)
{
	struct tailer	*tl, *next;

	(void)st;
	(void)arg;
	if (m->change != TASK_REMOVED)
		return;
	for (tl = tails; tl != NULL; tl = next) {
		next = tl->next;
		/* (a waited run ends first: its task is retired, not gone) */
		if (tl->t == m->task && tl->run == 0)
			finish(tl, NULL, "%s was removed by a reload", tl->name);
	}
}

static struct tailer *
tail_new(struct client *c, struct task *t)
{
	struct tailer	*tl = xcalloc(1, sizeof(*tl));

	tl->c = c;
	tl->t = t;
	tl->name = xstrdup(t->conf->name);
	tl->json = client_json_mode(c);
	tl->fd = -1;
	tl->end = -1;
	tl->sp.stream = -1;
	ev_timer_init(&tl->slice, tail_slice, tl);
	tl->next = tails;
	tails = tl;
	tails_changed();
	client_hold(c);
	return tl;
}

static void
tail_free(struct tailer *tl)
{
	struct tailer	**tp;
	size_t		  i;

	for (tp = &tails; *tp != tl; tp = &(*tp)->next)
		;
	*tp = tl->next;
	tails_changed();
	if (tl->scanning)
		verbs_scan_end();
	client_on_drain(tl->c, NULL, NULL);	/* (the client's one producer) */
	ev_timer_del(&tl->slice);
	close_log(tl);
	for (i = 0; i < tl->nmem; i++)
		free(tl->mem[i]);
	free(tl->mem);
	verbs_grep_free(tl->g);
	json_object_put(tl->result);
	free(tl->code);
	free(tl->text);
	free(tl->name);
	free(tl);
}

/*
 * logs TASK: the last sp->n wanted lines (0: none), from the log file
 * or, without one, from the lines kept in memory; then with follow the
 * new ones.  Takes g.  The request's final line comes from here.
 */
void
verbs_tail_logs(struct client *c, struct task *t, const struct verbs_span *sp,
    struct verbs_grep *g, bool follow)
{
	struct tailer	*tl;
	const char	*lines[TAIL_LINES];
	off_t		 size;
	size_t		 i;

	if (!verbs_scan_begin(c)) {
		verbs_grep_free(g);
		return;
	}
	tl = tail_new(c, t);
	tl->scanning = true;
	tl->sp = *sp;
	tl->g = g;
	tl->follow = follow;
	tl->st = TS_BACK;
	/* (a file that cannot be written now lacks the newest lines) */
	if (t->conf->output == OUTPUT_FILE && t->log_errno == 0 &&
	    open_log(tl, &size) == 0) {
		tl->end = follow ? -1 : size;
		tl->bstart = size;
		tl->buf = xcalloc(1, 1);
		if (sp->n == 0)
			start_fwd(tl, size);
	} else {
		/* syslog, discard, no file yet: the lines in memory */
		tl->nmem = output_tail(t, TAIL_LINES, lines);
		tl->mem = xcalloc(tl->nmem + 1, sizeof(*tl->mem));
		for (i = 0; i < tl->nmem; i++)
			tl->mem[i] = xstrdup(lines[i]);
		tl->mcur = tl->nmem;
		if (sp->n == 0)
			start_fwd(tl, (off_t)tl->nmem);
	}
	tail_slice(tl);
}

/* run TASK --wait: the lines of this run, as they come. */
void
verbs_tail_run(struct client *c, struct task *t, uint64_t run)
{
	struct tailer	*tl = tail_new(c, t);

	tl->run = run;
	tl->bare = true;
	tl->follow = true;
	tl->caught = true;
	tl->st = TS_LIVE;
}

/*
 * run --wait: the run has ended.  Its result (result, if not NULL, then
 * the final line: OK text, or ERR code text) goes after its last line:
 * now, or once the client has caught up.  false if c waits for no run.
 */
bool
verbs_tail_end(struct client *c, struct json_object *result, const char *code,
    const char *fmt, ...)
{
	struct tailer	*tl;
	va_list		 ap;

	for (tl = tails; tl != NULL && (tl->c != c || tl->run == 0);
	    tl = tl->next)
		;
	if (tl == NULL)
		return false;
	tl->ended = true;
	tl->result = result != NULL ? json_object_get(result) : NULL;
	tl->code = code != NULL ? xstrdup(code) : NULL;
	va_start(ap, fmt);
	if (vasprintf(&tl->text, fmt, ap) == -1)
		fatal("vasprintf");
	va_end(ap);
	if (tl->st == TS_LIVE || (tl->st == TS_LAG && tl->fd == -1)) {
		skipped_note(tl);
		finish_run(tl);
	}
	return true;
}

void
verbs_tail_client_gone(struct client *c)
{
	struct tailer	*tl, *next;

	for (tl = tails; tl != NULL; tl = next) {
		next = tl->next;
		if (tl->c == c)
			tail_free(tl);
	}
}

/* maintd stops: every stream ends (a run's result as it is). */
void
verbs_tail_shutdown(void)
{
	while (tails != NULL) {
		if (tails->ended)
			finish_run(tails);
		else
			finish(tails, NULL, "maintd is stopping");
	}
}
