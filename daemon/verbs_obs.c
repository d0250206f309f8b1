/*
 * verbs_obs.c: the verbs that look back and watch: history, events, logs
 * (with --follow streams) and metrics.
 */
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <regex.h>
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
#include "metrics.h"
#include "output.h"
#include "proto.h"
#include "state.h"
#include "store.h"
#include "supervise.h"
#include "table.h"
#include "util.h"
#include "verbs.h"

#define DEFAULT_LINES	50
#define MAX_LINES	100000	/* what one logs request may send */

/* A client following the activity log or a task's output. */
struct follower {
	struct client	*c;
	struct task	*t;		/* NULL: events */
	char		*task;		/* events --task */
	bool		 json;
	bool		 has_re;
	regex_t		 re;
	int		 stream;	/* -1 both, 0 stdout, 1 stderr */
	struct follower	*next;
};

static struct follower	*followers;
static size_t		 nfollow[2];	/* of events, of task output */
static struct feed_sub	 event_sub, line_sub;

static void	on_event(enum feed_stream, const struct feed_msg *, void *);
static void	on_line(enum feed_stream, const struct feed_msg *, void *);

/* Follow a stream only while a client follows it: else it costs nothing. */
static void
follow(struct feed_sub *s, enum feed_stream st, feed_cb cb, size_t n)
{
	if (n > 0 && !feed_subscribed(s))
		feed_subscribe(s, st, cb, NULL);
	else if (n == 0 && feed_subscribed(s))
		feed_unsubscribe(s);
}

static struct feed_sub	 task_sub;
static void	on_task(enum feed_stream, const struct feed_msg *, void *);

static void
followers_changed(void)
{
	follow(&event_sub, FEED_EVENT, on_event, nfollow[0]);
	follow(&line_sub, FEED_LINE, on_line, nfollow[1]);
	follow(&task_sub, FEED_TASK, on_task, nfollow[1]);
}

/* What part of the past a request asks for. */
struct window {
	int	 n;
	double	 since, until;	/* 0: no bound */
	int	 stream;	/* logs --stream: 0 stdout, 1 stderr, -1 both */
};

/* -n N (default def), --since TIME, --until TIME; -1 with ERR sent. */
static int
opt_window(struct client *c, struct request *r, int def, struct window *w)
{
	const char	*v, *errstr;

	w->n = def;
	w->stream = -1;
	if ((v = request_opt(r, "n")) != NULL) {
		w->n = (int)strtonum(v, 1, MAX_LINES, &errstr);
		if (errstr != NULL) {
			client_err(c, "usage", "-n %s: %s (1 to %d)", v, errstr,
			    MAX_LINES);
			return -1;
		}
	}
	if (verbs_opt_time(c, r, "since", &w->since) == -1 ||
	    verbs_opt_time(c, r, "until", &w->until) == -1)
		return -1;
	if ((w->since > 0 || w->until > 0) && request_opt(r, "n") == NULL)
		w->n = MAX_LINES;
	if ((v = request_opt(r, "stream")) != NULL) {
		if (strcmp(v, "stdout") == 0)
			w->stream = 0;
		else if (strcmp(v, "stderr") == 0)
			w->stream = 1;
		else {
			client_err(c, "usage", "--stream %s: stdout or stderr",
			    v);
			return -1;
		}
	}
	return 0;
}

static void
follower_add(struct client *c, struct task *t, const char *task, bool json,
    regex_t *re, int stream)
{
	struct follower	*f = xcalloc(1, sizeof(*f));

	f->stream = stream;
	f->c = c;
	f->t = t;
	f->task = task != NULL ? xstrdup(task) : NULL;
	f->json = json;
	if (re != NULL) {
		f->re = *re;
		f->has_re = true;
	}
	f->next = followers;
	followers = f;
	nfollow[t != NULL]++;
	followers_changed();
	client_hold(c);
}

static void
follower_free(struct follower *f)
{
	nfollow[f->t != NULL]--;
	followers_changed();
	if (f->has_re)
		regfree(&f->re);
	free(f->task);
	free(f);
}

void
verbs_obs_client_gone(struct client *c)
{
	struct follower	**fp, *f;

	for (fp = &followers; (f = *fp) != NULL; ) {
		if (f->c == c) {
			*fp = f->next;
			follower_free(f);
		} else
			fp = &f->next;
	}
}

static void	follower_free(struct follower *);

/* A reload removed a task: the streams of its output end. */
static void
on_task(enum feed_stream st, const struct feed_msg *m, void *arg)
{
	struct follower	**fp, *f;

	(void)st;
	(void)arg;
	if (m->change != TASK_REMOVED)
		return;
	for (fp = &followers; (f = *fp) != NULL; ) {
		if (f->t == m->task) {
			*fp = f->next;
			client_ok(f->c, "%s was removed by a reload",
			    m->task->conf->name);
			follower_free(f);
		} else
			fp = &f->next;
	}
}

/* maintd stops: end every stream with a final line. */
void
verbs_obs_shutdown(void)
{
	struct follower	*f;

	while ((f = followers) != NULL) {
		followers = f->next;
		client_ok(f->c, "maintd is stopping");
		follower_free(f);
	}
}

static void
event_text(struct client *c, struct json_object *o)
{
	struct json_object	*v;
	const char		*task = "-", *detail = "";

	if (json_object_object_get_ex(o, "task", &v) && v != NULL)
		task = json_object_get_string(v);
	if (json_object_object_get_ex(o, "detail", &v) && v != NULL)
		detail = json_object_to_json_string_ext(v,
		    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	client_data(c, "%s  %s  %s  by %s%s%s",
	    json_object_get_string(json_object_object_get(o, "time")), task,
	    json_object_get_string(json_object_object_get(o, "event")),
	    json_object_get_string(json_object_object_get(o, "actor")),
	    *detail ? "  " : "", detail);
}

static void
on_event(enum feed_stream st, const struct feed_msg *m, void *arg)
{
	struct follower		*f;
	struct json_object	*o = m->event;
	const char		*task = m->name;

	(void)st;
	(void)arg;
	for (f = followers; f != NULL; f = f->next) {
		if (f->t != NULL)
			continue;
		if (f->task != NULL && (task == NULL ||
		    strcmp(f->task, task) != 0))
			continue;
		if (f->json)
			client_json(f->c, o);
		else
			event_text(f->c, o);
	}
}

/*
 * Rows are sent as the store reads them, not gathered first: a request
 * for 100000 would hold them all (a quarter of a GiB of JSON objects),
 * whatever the client's cap.  A client dropped for not reading stops
 * the query.
 */
struct rows {
	struct client	*c;
	struct table	*tb;	/* history as a table: its cells */
	size_t		 n;
	int64_t		 after;	/* events --after ID: those with a larger id */
};

static void	event_text(struct client *, struct json_object *);
static const char *jget(struct json_object *, const char *, char *, size_t);

static int
send_event(struct json_object *o, void *arg)
{
	struct rows	*rs = arg;

	if (rs->after > 0 && json_object_get_int64(json_object_object_get(o,
	    "id")) <= rs->after) {
		json_object_put(o);
		return 0;
	}
	if (client_json_mode(rs->c))
		client_json(rs->c, o);
	else
		event_text(rs->c, o);
	json_object_put(o);
	rs->n++;
	return client_dropped(rs->c);
}

void
verb_events(struct client *c, struct request *r)
{
	struct rows	 rs = { c, NULL, 0, 0 };
	const char	*task = request_opt(r, "task"), *v, *errstr;
	struct window	 w;

	if (opt_window(c, r, DEFAULT_LINES, &w) == -1)
		return;
	if ((v = request_opt(r, "after")) != NULL) {
		/* (a client resuming a stream: the rest of the newest) */
		rs.after = strtonum(v, 0, INT64_MAX, &errstr);
		if (errstr != NULL) {
			client_err(c, "usage", "--after %s: %s", v, errstr);
			return;
		}
		if (request_opt(r, "n") == NULL)
			w.n = MAX_LINES;
	}
	if (task != NULL && verbs_task(c, task) == NULL)
		return;
	if (store_events(task, w.n, w.since, w.until, send_event, &rs) == -1 &&
	    !store_ok() && rs.n == 0) {
		client_err(c, "internal", "the database cannot be read: %s",
		    store_error());
		return;
	}
	if (request_has(r, "follow") && !client_dropped(c)) {
		follower_add(c, NULL, task, client_json_mode(c), NULL, -1);
		return;
	}
	client_ok(c, "%zu events", rs.n);
}

static const char *
jget(struct json_object *o, const char *key, char *buf, size_t len)
{
	struct json_object	*v;

	if (!json_object_object_get_ex(o, key, &v) || v == NULL)
		return "-";
	if (json_object_is_type(v, json_type_double)) {
		snprintf(buf, len, "%.3g", json_object_get_double(v));
		return buf;
	}
	snprintf(buf, len, "%s", json_object_get_string(v));
	return buf;
}

/* A figure of a row in bytes, or -1. */
static int64_t
jbytes(struct json_object *o, const char *key)
{
	struct json_object	*v;

	if (!json_object_object_get_ex(o, key, &v) || v == NULL)
		return -1;
	return json_object_get_int64(v);
}

static int
send_run(struct json_object *o, void *arg)
{
	struct rows	*rs = arg;
	char		 b[9][128], rd[16], wr[16];

	if (rs->tb == NULL)
		client_json(rs->c, o);
	else {
		snprintf(b[8], 128, "%s/%s", verbs_bytes(jbytes(o,
		    "io_read_bytes"), rd, sizeof(rd)), verbs_bytes(jbytes(o,
		    "io_write_bytes"), wr, sizeof(wr)));
		table_row(rs->tb, jget(o, "run", b[0], 128),
		    jget(o, "task", b[1], 128),
		    jget(o, "trigger", b[2], 128),
		    jget(o, "started", b[3], 128),
		    jget(o, "duration_s", b[4], 128),
		    jget(o, "summary", b[5], 128),
		    jget(o, "cpu_s", b[6], 128),
		    verbs_bytes(jbytes(o, "memory_peak_bytes"), b[7], 128),
		    strcmp(b[8], "-/-") == 0 ? "-" : b[8]);
	}
	json_object_put(o);
	rs->n++;
	return client_dropped(rs->c);
}

void
verb_history(struct client *c, struct request *r)
{
	struct table	 tb;
	struct rows	 rs = { c, NULL, 0, 0 };
	const char	*task = r->nargs > 0 ? r->args[0] : NULL;
	struct window	 w;
	int		 rc;

	if (opt_window(c, r, 20, &w) == -1)
		return;
	if (task != NULL && verbs_task(c, task) == NULL)
		return;
	if (!client_json_mode(c)) {
		/* (a table needs every row for its widths: its cells only) */
		table_init(&tb, 9, "RUN", "TASK", "TRIGGER", "STARTED",
		    "DURATION", "RESULT", "CPU", "PEAK MEM", "IO R/W");
		rs.tb = &tb;
	}
	rc = store_history(task, w.n, w.since, w.until, send_run, &rs);
	if (rc == -1 && !store_ok() && rs.n == 0) {
		if (rs.tb != NULL)
			table_free(&tb);
		client_err(c, "internal", "the database cannot be read: %s",
		    store_error());
		return;
	}
	if (rs.tb != NULL)
		table_emit(&tb, c);
	client_ok(c, "%zu runs", rs.n);
}

/* "TS [RUN] text": the time stamp, or -1. */
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

/* 1 for "TIME [RUN stderr] text", else 0. */
static int
line_stream(const char *line)
{
	const char	*b = strchr(line, '['), *e = b ? strchr(b, ']') : NULL;

	return e != NULL && e - b > 7 && strncmp(e - 7, " stderr", 7) == 0;
}

static int	grep_line(regex_t *, const char *);

/* Is the line in the window (time, stream) and does it match re? */
static bool
line_wanted(const char *line, const struct window *w, regex_t *re)
{
	double	t = w->since > 0 || w->until > 0 ? line_time(line) : 0;

	if (w->since > 0 && t != -1 && t < w->since)
		return false;
	if (w->until > 0 && t != -1 && t > w->until)
		return false;
	if (w->stream != -1 && line_stream(line) != w->stream)
		return false;
	return re == NULL || grep_line(re, line);
}

static void
log_payload(struct client *c, bool json, const struct task *t,
    const char *line)
{
	struct json_object	*o;
	const char		*p;
	char			 ts[64];
	size_t			 n;

	if (!json) {
		client_raw(c, line);
		return;
	}
	o = json_object_new_object();
	json_object_object_add(o, "task", json_object_new_string(t->conf->name));
	n = strcspn(line, " ");
	if (n < sizeof(ts) && line[n] == ' ' && line[n + 1] == '[' &&
	    (p = strstr(line + n, "] ")) != NULL) {
		memcpy(ts, line, n);
		ts[n] = '\0';
		json_object_object_add(o, "time", json_object_new_string(ts));
		json_object_object_add(o, "run",
		    json_object_new_int64(strtoll(line + n + 2, NULL, 10)));
		json_object_object_add(o, "stream", json_object_new_string(
		    line_stream(line) ? "stderr" : "stdout"));
		json_object_object_add(o, "line", json_object_new_string(p + 2));
	} else
		json_object_object_add(o, "line", json_object_new_string(line));
	client_json(c, o);
	json_object_put(o);
}

/* --grep looks at the text of a line, not its "TIME [RUN] " prefix. */
static int
grep_line(regex_t *re, const char *line)
{
	const char	*p = strstr(line, "] ");

	return regexec(re, p != NULL ? p + 2 : line, 0, NULL, 0) == 0;
}

/* Output lines as they are written, to the clients following the task. */
static void
on_line(enum feed_stream st, const struct feed_msg *m, void *arg)
{
	struct task	*t = m->task;
	const char	*line = m->line;
	struct follower	*f;

	(void)st;
	(void)arg;
	for (f = followers; f != NULL; f = f->next)
		if (f->t == t && (f->stream == -1 || f->stream == m->stream) &&
		    (!f->has_re || grep_line(&f->re, line)))
			log_payload(f->c, f->json, t, line);
}

/*
 * The last n lines of the file that match re and are not older than
 * since, oldest first.  Reads backwards in chunks, so a long log costs
 * only what is shown.
 */
static char **
file_lines(const char *path, const struct window *w, regex_t *re, size_t *np)
{
	char		**v = NULL, *buf = NULL, *carry = NULL, *p, *end, *line;
	size_t		  nv = 0, carrylen = 0, i;
	off_t		  pos;
	ssize_t		  got;
	int		  fd, done = 0;
	const size_t	  chunk = 65536;

	*np = 0;
	if ((fd = output_log_read(path)) == -1)	/* no link, no FIFO */
		return NULL;
	pos = lseek(fd, 0, SEEK_END);
	buf = xcalloc(chunk + 1, 1);
	while (!done && pos > 0) {
		size_t want = (size_t)pos < chunk ? (size_t)pos : chunk;

		pos -= (off_t)want;
		got = pread(fd, buf, want, pos);
		if (got != (ssize_t)want)
			break;
		/* buf + carry form a block whose first line may be partial */
		buf = xreallocarray(buf, want + carrylen + 1, 1);
		if (carrylen > 0)
			memcpy(buf + want, carry, carrylen);
		free(carry);
		carry = NULL;
		end = buf + want + carrylen;
		*end = '\0';
		for (p = end; p > buf; ) {
			char *q = p - 1;

			if (q >= buf && *q == '\n') {
				*q = '\0';
				p = q;
				continue;
			}
			while (q > buf && q[-1] != '\n')
				q--;
			if (q == buf && pos > 0)
				break;	/* partial: keep for the next chunk */
			line = q;
			if (w->since > 0 && line_time(line) != -1 &&
			    line_time(line) < w->since) {
				done = 1;
				break;
			}
			if (line_wanted(line, w, re)) {
				v = xreallocarray(v, nv + 1, sizeof(*v));
				v[nv++] = xstrdup(line);
				if ((int)nv >= w->n) {
					done = 1;
					break;
				}
			}
			p = q;
		}
		if (!done && p > buf && pos > 0) {
			carrylen = (size_t)(p - buf);
			carry = xcalloc(carrylen + 1, 1);
			memcpy(carry, buf, carrylen);
		} else
			carrylen = 0;
		buf = xreallocarray(buf, chunk + 1, 1);
	}
	free(carry);
	free(buf);
	close(fd);
	/* newest first -> oldest first */
	for (i = 0; i < nv / 2; i++) {
		line = v[i];
		v[i] = v[nv - 1 - i];
		v[nv - 1 - i] = line;
	}
	*np = nv;
	return v;
}

void
verb_logs(struct client *c, struct request *r)
{
	struct task	*t;
	const char	*pat = request_opt(r, "grep");
	const char	*tail[TAIL_LINES];
	regex_t		 re;
	char		 path[1024], errbuf[256], **v;
	struct window	 w;
	size_t		 nv = 0, i, nt;
	int		 rc;

	if ((t = verbs_task(c, r->args[0])) == NULL)
		return;
	if (opt_window(c, r, DEFAULT_LINES, &w) == -1)
		return;
	if (pat != NULL && (rc = regcomp(&re, pat, REG_EXTENDED | REG_NOSUB))
	    != 0) {
		regerror(rc, &re, errbuf, sizeof(errbuf));
		client_err(c, "usage", "--grep %s: %s", pat, errbuf);
		return;
	}
	snprintf(path, sizeof(path), "%s/%s.log", md.conf->log_dir,
	    t->conf->name);
	/* (a file that cannot be written now lacks the newest lines) */
	if (t->conf->output == OUTPUT_FILE && t->log_errno == 0 &&
	    (v = file_lines(path, &w, pat ? &re : NULL, &nv)) != NULL) {
		for (i = 0; i < nv; i++) {
			log_payload(c, client_json_mode(c), t, v[i]);
			free(v[i]);
		}
		free(v);
	} else {
		/*
		 * syslog, discard, no file yet, or one that cannot be
		 * written: the lines in memory
		 */
		nt = output_tail(t, TAIL_LINES, tail);
		for (i = 0; i < nt; i++)
			if (line_wanted(tail[i], &w, pat ? &re : NULL))
				tail[nv++] = tail[i];
		for (i = nv > (size_t)w.n ? nv - (size_t)w.n : 0; i < nv; i++)
			log_payload(c, client_json_mode(c), t, tail[i]);
	}
	if (request_has(r, "follow")) {
		follower_add(c, t, NULL, client_json_mode(c), pat ? &re : NULL,
		    w.stream);
		return;
	}
	if (pat != NULL)
		regfree(&re);
	client_ok(c, "%zu lines", nv);
}

/* One sample line, name{k="v",...} value, as {"name","labels","value"}. */
static void
sample_json(struct client *c, char *line)
{
	struct json_object	*o = json_object_new_object();
	struct json_object	*labels = json_object_new_object();
	char			*p, *k, *v, *w;

	p = line + strcspn(line, "{ ");
	if (*p == '{') {
		*p++ = '\0';
		while (*p && *p != '}') {
			k = p;
			if ((p = strchr(p, '=')) == NULL || p[1] != '"')
				break;
			*p = '\0';
			p += 2;
			for (v = w = p; *p && *p != '"'; p++) {
				if (*p == '\\' && p[1] != '\0') {
					p++;
					*w++ = *p == 'n' ? '\n' : *p;
				} else
					*w++ = *p;
			}
			*w = '\0';
			if (*p == '"')
				p++;
			json_object_object_add(labels, k,
			    json_object_new_string(v));
			if (*p == ',')
				p++;
		}
		if (*p == '}')
			p++;
	} else if (*p == ' ')
		*p = '\0';
	json_object_object_add(o, "name", json_object_new_string(line));
	json_object_object_add(o, "labels", labels);
	json_object_object_add(o, "value",
	    json_object_new_double(strtod(p, NULL)));
	client_json(c, o);
	json_object_put(o);
}

void
verb_metrics(struct client *c, struct request *r)
{
	char	*text = NULL, *line, *nl;
	size_t	 len = 0;
	FILE	*fp;

	(void)r;
	if ((fp = open_memstream(&text, &len)) == NULL) {
		client_err(c, "internal", "open_memstream: %s", strerror(errno));
		return;
	}
	metrics_print(fp, 1);
	fclose(fp);
	for (line = text; (nl = strchr(line, '\n')) != NULL; line = nl + 1) {
		*nl = '\0';
		if (!client_json_mode(c))
			client_raw(c, line);
		else if (*line != '#')
			sample_json(c, line);
	}
	free(text);
	client_ok(c, NULL);
}
