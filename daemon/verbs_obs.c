/*
 * verbs_obs.c: the verbs that look back and watch: history, events
 * (--grep in bounded slices, --follow), logs (verbs_tail.c does the
 * work) and metrics.
 */
#include <sys/types.h>

#include <errno.h>
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
#include "proto.h"
#include "state.h"
#include "store.h"
#include "table.h"
#include "util.h"
#include "verbs.h"

#define DEFAULT_LINES	50
#define MAX_LINES	100000	/* what one logs or events request may send */
#define PAGE		256	/* events --grep: rows a query */
#define SLICE_US	10000
#define SCAN_ROWS	1000000	/* events --grep: rows one request may look at */
#define SCAN_MS		10000

/* A client following the activity log. */
struct follower {
	struct client		*c;
	char			*task;		/* events --task */
	bool			 json;
	struct verbs_grep	*g;
	struct follower		*next;
};

static struct follower	*followers;
static struct feed_sub	 event_sub;

static void	on_event(enum feed_stream, const struct feed_msg *, void *);

/* Follow the events only while a client follows them: else it costs nothing. */
static void
followers_changed(void)
{
	if (followers != NULL && !feed_subscribed(&event_sub))
		feed_subscribe(&event_sub, FEED_EVENT, on_event, NULL);
	else if (followers == NULL && feed_subscribed(&event_sub))
		feed_unsubscribe(&event_sub);
}

/*
 * -n N (default def; from min: 0 for what follows, only what comes
 * next), --since TIME, --until TIME, --stream; -1 with ERR sent.
 */
static int
opt_span(struct client *c, struct request *r, int min, int def,
    struct verbs_span *w)
{
	const char	*v, *errstr;

	w->n = def;
	w->stream = -1;
	if ((v = request_opt(r, "n")) != NULL) {
		w->n = (int)strtonum(v, min, MAX_LINES, &errstr);
		if (errstr != NULL) {
			client_err(c, "usage", "-n %s: %s (%d to %d)", v, errstr,
			    min, MAX_LINES);
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

/* --grep RE: 0 without one, -1 with ERR sent. */
static int
opt_grep(struct client *c, struct request *r, struct verbs_grep **g)
{
	const char	*pat = request_opt(r, "grep");

	*g = NULL;
	if (pat == NULL)
		return 0;
	return (*g = verbs_grep_new(c, pat)) != NULL ? 0 : -1;
}

static void
follower_add(struct client *c, const char *task, bool json,
    struct verbs_grep *g)
{
	struct follower	*f = xcalloc(1, sizeof(*f));

	f->c = c;
	f->task = task != NULL ? xstrdup(task) : NULL;
	f->json = json;
	f->g = g;
	f->next = followers;
	followers = f;
	followers_changed();
	client_hold(c);
}

static void
follower_free(struct follower *f)
{
	verbs_grep_free(f->g);
	free(f->task);
	free(f);
}

static void	evscan_client_gone(struct client *);
static void	evscan_shutdown(void);

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
	followers_changed();
	evscan_client_gone(c);
	verbs_tail_client_gone(c);
}

/* maintd stops: end every stream with a final line. */
void
verbs_obs_shutdown(void)
{
	struct follower	*f;

	evscan_shutdown();
	while ((f = followers) != NULL) {
		followers = f->next;
		client_ok(f->c, "maintd is stopping");
		follower_free(f);
	}
	followers_changed();
	verbs_tail_shutdown();
}

/* An event as people read it: "TIME  TASK  EVENT  by ACTOR  DETAIL". */
static char *
event_line(struct json_object *o)
{
	struct json_object	*v;
	const char		*task = "-", *detail = "";
	char			*s;

	if (json_object_object_get_ex(o, "task", &v) && v != NULL)
		task = json_object_get_string(v);
	if (json_object_object_get_ex(o, "detail", &v) && v != NULL)
		detail = json_object_to_json_string_ext(v,
		    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	if (asprintf(&s, "%s  %s  %s  by %s%s%s",
	    json_object_get_string(json_object_object_get(o, "time")), task,
	    json_object_get_string(json_object_object_get(o, "event")),
	    json_object_get_string(json_object_object_get(o, "actor")),
	    *detail ? "  " : "", detail) == -1)
		fatal("asprintf");
	return s;
}

static void
event_send(struct client *c, bool json, struct json_object *o,
    const char *text)
{
	char	*s;

	if (json)
		client_json(c, o);
	else if (text != NULL)
		client_raw(c, text);
	else {
		s = event_line(o);
		client_raw(c, s);
		free(s);
	}
}

static void
on_event(enum feed_stream st, const struct feed_msg *m, void *arg)
{
	struct follower		**fp, *f;
	struct json_object	 *o = m->event;
	const char		 *task = m->name;
	char			 *text;

	(void)st;
	(void)arg;
	for (fp = &followers; (f = *fp) != NULL; ) {
		if (f->task != NULL && (task == NULL ||
		    strcmp(f->task, task) != 0)) {
			fp = &f->next;
			continue;
		}
		text = event_line(o);
		if (f->g == NULL || verbs_grep_match(f->g, text))
			event_send(f->c, f->json, o, text);
		free(text);
		if (f->g != NULL && verbs_grep_spent(f->g)) {
			*fp = f->next;
			client_err(f->c, "busy", "--grep: matching took more "
			    "than %d ms a second (the limit of a stream)",
			    VERBS_GREP_RATE);
			follower_free(f);
			continue;
		}
		fp = &f->next;
	}
	followers_changed();
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
	event_send(rs->c, client_json_mode(rs->c), o, NULL);
	json_object_put(o);
	rs->n++;
	return client_dropped(rs->c);
}

/*
 * events --grep: the store is read newest first, a page of rows at a
 * time (store_events() by time: the next page is up to the oldest time
 * seen, and the ids already seen are left out), in slices between
 * which the loop runs, bounded like logs (SCAN_ROWS, SCAN_MS).  The
 * last n matches are kept, then sent oldest first as the client reads.
 */
struct evscan {
	struct client		*c;
	char			*task;
	struct verbs_grep	*g;
	bool			 json, follow;
	int			 n;
	double			 since, until;
	int64_t			 minid;		/* the oldest id seen; 0: none */
	int64_t			 after;		/* --after ID: only larger ids */
	int			 limit;		/* rows of the next query */
	struct json_object	**page;		/* one query's rows */
	size_t			 npage;
	struct json_object	**match;	/* newest first */
	size_t			 nmatch, sent;
	uint64_t		 scanned, spent_us;
	bool			 done;		/* every row is read */
	struct ev_timer		 slice;
	struct evscan		*next;
};

static struct evscan	*evscans;

static void	evscan_slice(void *);

static void
evscan_free(struct evscan *es)
{
	struct evscan	**ep;
	size_t		  i;

	for (ep = &evscans; *ep != es; ep = &(*ep)->next)
		;
	*ep = es->next;
	ev_timer_del(&es->slice);
	client_on_drain(es->c, NULL, NULL);
	verbs_scan_end();
	for (i = 0; i < es->npage; i++)
		json_object_put(es->page[i]);
	free(es->page);
	for (i = es->sent; i < es->nmatch; i++)
		json_object_put(es->match[i]);
	free(es->match);
	verbs_grep_free(es->g);
	free(es->task);
	free(es);
}

static void
evscan_client_gone(struct client *c)
{
	struct evscan	*es, *next;

	for (es = evscans; es != NULL; es = next) {
		next = es->next;
		if (es->c == c)
			evscan_free(es);
	}
}

static void
evscan_shutdown(void)
{
	struct client	*c;

	while (evscans != NULL) {
		c = evscans->c;
		evscan_free(evscans);
		client_ok(c, "maintd is stopping");
	}
}

static int
page_row(struct json_object *o, void *arg)
{
	struct evscan	*es = arg;

	es->page = xreallocarray(es->page, es->npage + 1, sizeof(*es->page));
	es->page[es->npage++] = o;
	return 0;
}

/*
 * One page: its rows newest first, those not seen yet matched.  0 on,
 * 1 every row read, -1 the store failed.
 */
static int
evscan_page(struct evscan *es)
{
	struct json_object	*o, *v;
	int64_t			 id;
	double			 t, oldest = 0;
	size_t			 i, n, unseen = 0;
	bool			 stop = false;
	char			*text;
	int			 rc;

	es->npage = 0;
	rc = store_events(es->task, es->limit, es->since, es->until, page_row,
	    es);
	if (rc == -1 && es->npage == 0)
		return -1;
	for (i = es->npage; i > 0; i--) {
		o = es->page[i - 1];
		id = json_object_object_get_ex(o, "id", &v) ?
		    json_object_get_int64(v) : 0;
		if (es->minid != 0 && id >= es->minid)
			continue;		/* seen on the last page */
		if (id <= es->after) {
			stop = true;		/* older than what is asked */
			break;
		}
		unseen++;
		es->minid = id;
		es->scanned++;
		if (parse_time(json_object_get_string(json_object_object_get(o,
		    "time")), 0, &t) == 0 && (oldest == 0 || t < oldest))
			oldest = t;
		if ((int)es->nmatch >= es->n)
			continue;
		text = event_line(o);
		if (verbs_grep_match(es->g, text)) {
			es->match = xreallocarray(es->match, es->nmatch + 1,
			    sizeof(*es->match));
			es->match[es->nmatch++] = json_object_get(o);
		}
		free(text);
	}
	n = es->npage;
	for (i = 0; i < n; i++)
		json_object_put(es->page[i]);
	es->npage = 0;
	if (stop || (int)n < es->limit || (int)es->nmatch >= es->n)
		return 1;
	if (unseen == 0) {
		es->limit *= 2;		/* one time stamp for a whole page */
		return 0;
	}
	/*
	 * Up to the oldest time of this page (times have milliseconds, in
	 * a double: a little over it); its rows seen are read again.
	 */
	es->limit = PAGE + (int)(n - unseen);
	es->until = oldest + 0.002;
	return 0;
}

static void
evscan_slice(void *arg)
{
	struct evscan	*es = arg;
	struct client	*c = es->c;
	uint64_t	 t0 = verbs_now_us();
	int		 rc;

	while (!es->done) {
		if (verbs_now_us() - t0 >= SLICE_US)
			goto later;
		if ((rc = evscan_page(es)) == -1) {
			evscan_free(es);
			client_err(c, "internal", "the database cannot be read: "
			    "%s", store_error());
			return;
		}
		es->done = rc == 1;
		if (!es->done && es->scanned >= SCAN_ROWS) {
			evscan_free(es);
			client_err(c, "too-long", "%d events looked at (the "
			    "limit of a request): narrow it with --since, "
			    "--until or --task", SCAN_ROWS);
			return;
		}
	}
	/* the matches, oldest first, as the client reads them */
	while (es->sent < es->nmatch) {
		if (client_full(c)) {
			client_on_drain(c, evscan_slice, es);
			return;
		}
		event_send(c, es->json, es->match[es->nmatch - 1 - es->sent],
		    NULL);
		json_object_put(es->match[es->nmatch - 1 - es->sent]);
		es->sent++;
	}
	if (es->follow) {
		follower_add(c, es->task, es->json, es->g);
		es->g = NULL;
		evscan_free(es);
		return;
	}
	rc = (int)es->sent;
	evscan_free(es);
	client_ok(c, "%d event%s", rc, rc == 1 ? "" : "s");
	return;
 later:
	es->spent_us += verbs_now_us() - t0;
	if (es->spent_us > SCAN_MS * 1000ULL) {
		evscan_free(es);
		client_err(c, "busy", "%d s spent reading events (the limit of a "
		    "request): narrow it with --since, --until or --task",
		    SCAN_MS / 1000);
		return;
	}
	ev_timer_add(&es->slice, 0);
}

static void
evscan_start(struct client *c, const char *task, const struct verbs_span *w,
    int64_t after, struct verbs_grep *g, bool follow)
{
	struct evscan	*es;

	if (!verbs_scan_begin(c)) {
		verbs_grep_free(g);
		return;
	}
	es = xcalloc(1, sizeof(*es));
	es->c = c;
	es->task = task != NULL ? xstrdup(task) : NULL;
	es->g = g;
	es->json = client_json_mode(c);
	es->follow = follow;
	es->n = w->n;
	es->since = w->since;
	es->until = w->until;
	es->limit = PAGE;
	es->after = after;
	es->done = w->n == 0;
	ev_timer_init(&es->slice, evscan_slice, es);
	es->next = evscans;
	evscans = es;
	client_hold(c);
	evscan_slice(es);
}

void
verb_events(struct client *c, struct request *r)
{
	struct rows		 rs = { c, NULL, 0, 0 };
	const char		*task = request_opt(r, "task"), *v, *errstr;
	struct verbs_span	 w;
	struct verbs_grep	*g;

	if (opt_span(c, r, 0, DEFAULT_LINES, &w) == -1)
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
	if (opt_grep(c, r, &g) == -1)
		return;
	if (g != NULL) {
		evscan_start(c, task, &w, rs.after, g, request_has(r, "follow"));
		return;
	}
	if (w.n > 0 && store_events(task, w.n, w.since, w.until, send_event,
	    &rs) == -1 && !store_ok() && rs.n == 0) {
		client_err(c, "internal", "the database cannot be read: %s",
		    store_error());
		return;
	}
	if (request_has(r, "follow") && !client_dropped(c)) {
		follower_add(c, task, client_json_mode(c), NULL);
		return;
	}
	client_ok(c, "%zu event%s", rs.n, rs.n == 1 ? "" : "s");
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
	struct verbs_span w;
	int		 rc;

	if (opt_span(c, r, 1, 20, &w) == -1)
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
	if (verbs_rows_end(c, rc, rs.n, rs.tb) == -1)
		return;
	client_ok(c, "%zu run%s", rs.n, rs.n == 1 ? "" : "s");
}

void
verb_logs(struct client *c, struct request *r)
{
	struct task		*t;
	struct verbs_span	 w;
	struct verbs_grep	*g;

	if ((t = verbs_task(c, r->args[0])) == NULL)
		return;
	if (opt_span(c, r, 0, DEFAULT_LINES, &w) == -1)
		return;
	if (w.stream == 1 && t->conf->merged_streams) {
		/* its stderr went down its stdout's pipe: no line says which */
		client_err(c, "usage", "%s: output_streams = merged: its "
		    "stderr lines are among its stdout lines", t->conf->name);
		return;
	}
	if (opt_grep(c, r, &g) == -1)
		return;
	verbs_tail_logs(c, t, &w, g, request_has(r, "follow"));
}

/* The text as Prometheus reads it, or (--json) one object a sample. */
void
verb_metrics(struct client *c, struct request *r)
{
	struct metrics	 ms;
	struct json_object *o;
	char		*text = NULL, *line, *nl;
	size_t		 len = 0, i;
	FILE		*fp;

	(void)r;
	metrics_collect(&ms, 1);
	if (client_json_mode(c)) {
		for (i = 0; i < ms.n; i++) {
			if (ms.v[i].none)
				continue;
			o = metrics_json(&ms.v[i]);
			client_json(c, o);
			json_object_put(o);
		}
		metrics_free(&ms);
		client_ok(c, NULL);
		return;
	}
	if ((fp = open_memstream(&text, &len)) == NULL) {
		metrics_free(&ms);
		client_err(c, "internal", "open_memstream: %s", strerror(errno));
		return;
	}
	metrics_text(fp, &ms);
	fclose(fp);
	metrics_free(&ms);
	for (line = text; (nl = strchr(line, '\n')) != NULL; line = nl + 1) {
		*nl = '\0';
		client_raw(c, line);
	}
	free(text);
	client_ok(c, NULL);
}
