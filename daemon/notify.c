/*
 * notify.c: webhooks (DESIGN §8).  Each notify endpoint follows the
 * activity log (the feed) and POSTs one JSON body per event it
 * subscribes to, through http.c: a bounded queue per endpoint (the
 * oldest dropped when full, and counted), one request in flight,
 * retries with exponential backoff and jitter, then the note is given up
 * with a logged reason.  One note per task and event kind per throttle
 * window; the next one says how many were held back ("suppressed").
 * With a secret, X-Maintd-Signature: sha256=HMAC of the body.  Nothing
 * here can delay supervision or the socket: it all happens in the loop.
 *
 * Alert policies (after_failures, recovery, manual, repeat) decide per
 * endpoint and task what goes out (alert.c: the endpoint remembers, per
 * task, the failures in a row it saw and whether it told of them).  The
 * body of a run's end carries the run: its result, duration, CPU, peak
 * memory and the last lines of its stderr; a task's note, its runbook.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include <sys/wait.h>

#include "alert.h"
#include "ev.h"
#include "feed.h"
#include "http.h"
#include "log.h"
#include "notify.h"
#include "output.h"
#include "state.h"
#include "util.h"

#define QUEUE_MAX	100		/* notes waiting per endpoint */
#define RETRY_FIRST_MS	500		/* the first retry after about this */
#define RETRY_MAX_MS	60000
#define STDERR_LINES	20		/* of a run, in the body of its end */

struct note {
	char		*body;
	char		 what[96];	/* "run-failed of backup", for logs */
	int		 attempts;
};

/* When (task, event) may be sent again, and how many were held back. */
struct hold {
	char		*key;		/* "task\0event" as "task/event" */
	uint64_t	 until;		/* mono ms */
	unsigned	 suppressed;
};

/* What an endpoint remembers of a task for its alert policies. */
struct memo {
	char			*task;
	struct alert_memo	 m;
};

struct endpoint {
	const struct notify_conf *conf;
	struct memo	*memos;		/* of tasks with something to recall */
	size_t		 nmemos;
	char		*name;		/* its conf changes at a reload */
	struct note	 queue[QUEUE_MAX];
	size_t		 head, n;
	struct http_req	*req;
	struct ev_timer	 retry;
	uint64_t	 sent, failed, dropped, suppressed;
	char		 last_error[200];
	time_t		 last_sent;
	struct hold	*holds;
	size_t		 nholds;
};

static struct endpoint	**eps;	/* each on its own: a reload keeps it */
static size_t		 neps;
static struct feed_sub	 event_sub;
static char		 hostname[256];

static void	deliver(struct endpoint *);

static bool
subscribes(const struct notify_conf *nc, const char *event)
{
	return strv_contains(nc->events, event) ||
	    strv_contains(nc->events, "*");
}

static void
note_pop(struct endpoint *e)
{
	free(e->queue[e->head].body);
	e->queue[e->head].body = NULL;
	e->head = (e->head + 1) % QUEUE_MAX;
	e->n--;
}

static void
enqueue(struct endpoint *e, char *body, const char *what)
{
	struct note	*q;

	if (e->n == QUEUE_MAX) {
		/* the oldest goes, unless it is the one being sent */
		if (e->req == NULL && !ev_timer_pending(&e->retry)) {
			log_warnx("notify %s: queue full, dropping %s",
			    e->conf->name, e->queue[e->head].what);
			note_pop(e);
		} else {
			size_t second = (e->head + 1) % QUEUE_MAX, i;

			log_warnx("notify %s: queue full, dropping %s",
			    e->conf->name, e->queue[second].what);
			free(e->queue[second].body);
			for (i = 1; i + 1 < e->n; i++)
				e->queue[(e->head + i) % QUEUE_MAX] =
				    e->queue[(e->head + i + 1) % QUEUE_MAX];
			e->n--;
		}
		e->dropped++;
	}
	q = &e->queue[(e->head + e->n) % QUEUE_MAX];
	q->body = body;
	q->attempts = 0;
	snprintf(q->what, sizeof(q->what), "%s", what);
	e->n++;
	deliver(e);
}

static uint64_t
backoff(int attempts)
{
	uint64_t	d = RETRY_FIRST_MS;

	while (--attempts > 0 && d < RETRY_MAX_MS)
		d *= 2;
	if (d > RETRY_MAX_MS)
		d = RETRY_MAX_MS;
	/* jitter: somewhere in the second half, so that gaps still grow */
	return d / 2 + arc4random_uniform((uint32_t)(d / 2) + 1);
}

static void
sent(const struct http_result *r, void *arg)
{
	struct endpoint	*e = arg;
	struct note	*q = &e->queue[e->head];
	uint64_t	 ms;

	e->req = NULL;
	if (r->ok && r->status >= 200 && r->status < 300) {
		e->sent++;
		e->last_sent = time(NULL);
		note_pop(e);
		deliver(e);
		return;
	}
	if (r->ok)
		snprintf(e->last_error, sizeof(e->last_error), "HTTP %ld",
		    r->status);
	else
		snprintf(e->last_error, sizeof(e->last_error), "%s", r->error);
	if (q->attempts > e->conf->retries) {
		log_warnx("notify %s: giving up on %s after %d attempt%s: %s",
		    e->conf->name, q->what, q->attempts, q->attempts == 1 ?
		    "" : "s", e->last_error);
		e->failed++;
		note_pop(e);
		deliver(e);
		return;
	}
	ms = backoff(q->attempts);
	log_info("notify %s: %s: %s; retrying in %llu ms", e->conf->name,
	    q->what, e->last_error, (unsigned long long)ms);
	ev_timer_add(&e->retry, ms);
}

static void
retry_fire(void *arg)
{
	deliver(arg);
}

/* Send the oldest note, unless one is on its way or waits to be tried. */
static void
deliver(struct endpoint *e)
{
	struct note	*q;
	struct http_opts o;
	char		**headers, sig[100], hex[65];
	size_t		 n, i;

	if (e->n == 0 || e->req != NULL || ev_timer_pending(&e->retry))
		return;
	q = &e->queue[e->head];
	q->attempts++;
	n = strv_len(e->conf->headers);
	headers = xcalloc(n + 3, sizeof(*headers));
	for (i = 0; i < n; i++)
		headers[i] = e->conf->headers[i];
	headers[n++] = "Content-Type: application/json";
	if (e->conf->secret != NULL) {
		http_hmac_sha256(e->conf->secret, q->body, strlen(q->body), hex);
		snprintf(sig, sizeof(sig), "X-Maintd-Signature: sha256=%s", hex);
		headers[n++] = sig;
	}
	memset(&o, 0, sizeof(o));
	o.body = q->body;
	o.bodylen = strlen(q->body);
	o.headers = headers;
	o.timeout_ms = e->conf->timeout_ms;
	e->req = http_start(e->conf->url, &o, sent, e);
	free(headers);
	if (e->req == NULL) {
		snprintf(e->last_error, sizeof(e->last_error), "cannot start "
		    "the request");
		ev_timer_add(&e->retry, backoff(q->attempts));
	}
}

static struct hold *
hold_of(struct endpoint *e, const char *task, const char *event)
{
	char	key[256];
	size_t	i;

	snprintf(key, sizeof(key), "%s/%s", task ? task : "", event);
	for (i = 0; i < e->nholds; i++)
		if (strcmp(e->holds[i].key, key) == 0)
			return &e->holds[i];
	e->holds = xreallocarray(e->holds, e->nholds + 1, sizeof(*e->holds));
	memset(&e->holds[e->nholds], 0, sizeof(*e->holds));
	e->holds[e->nholds].key = xstrdup(key);
	return &e->holds[e->nholds++];
}

/* What a policy adds to a note. */
struct extra {
	unsigned	 failures;	/* in a row, when the policy counts */
	bool		 reminder;
};

/*
 * The run an event is about, if it has ended and is the task's last:
 * its result, resources, and the last lines of its stderr.
 */
static struct json_object *
run_of(const char *task, struct json_object *ev)
{
	struct json_object	*o, *d, *v, *a;
	const struct task	*t;
	const struct run	*r;
	const char		*lines[STDERR_LINES];
	char			 res[300], trig[120];
	size_t			 i, n;

	if (task == NULL || (t = task_find(&md.tasks, task)) == NULL ||
	    (r = t->last) == NULL || !r->done ||
	    !json_object_object_get_ex(ev, "detail", &d) ||
	    !json_object_object_get_ex(d, "run", &v) ||
	    (uint64_t)json_object_get_int64(v) != r->id)
		return NULL;
	o = json_object_new_object();
	json_object_object_add(o, "id", json_object_new_int64((int64_t)r->id));
	json_object_object_add(o, "trigger",
	    json_object_new_string(run_trigger(r, trig, sizeof(trig))));
	json_object_object_add(o, "result",
	    json_object_new_string(run_result(r, res, sizeof(res))));
	run_exit_json(r, o);
	json_object_object_add(o, "duration_s", json_object_new_double(
	    (double)(r->end_mono - r->start_mono) / 1000));
	run_res_json(r, o);	/* cpu_s, maxrss_kb, memory_peak_bytes, ... */
	n = output_run_stderr(t, r->id, STDERR_LINES, lines);
	a = json_object_new_array();
	for (i = 0; i < n; i++)
		json_object_array_add(a, json_object_new_string(lines[i]));
	json_object_object_add(o, "stderr_tail", a);
	return o;
}

static char *
body_of(struct json_object *ev, const char *task, unsigned suppressed,
    const struct extra *x)
{
	struct json_object	*o = json_object_new_object(), *v;
	static const char	*keys[] = { "event", "task", "time", "actor",
	    "detail" };
	const struct task	*t;
	char			*s;
	size_t			 i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		v = NULL;
		(void)json_object_object_get_ex(ev, keys[i], &v);
		json_object_object_add(o, keys[i], json_object_get(v));
		if (i == 2)
			json_object_object_add(o, "host",
			    json_object_new_string(hostname));
	}
	json_object_object_add(o, "maintd_version",
	    json_object_new_string(MAINTD_VERSION));
	if (suppressed > 0)
		json_object_object_add(o, "suppressed",
		    json_object_new_int((int)suppressed));
	if ((v = run_of(task, ev)) != NULL)
		json_object_object_add(o, "run", v);
	if (task != NULL && (t = task_find(&md.tasks, task)) != NULL &&
	    t->conf->runbook != NULL)
		json_object_object_add(o, "runbook",
		    json_object_new_string(t->conf->runbook));
	if (x != NULL && x->failures > 0)
		json_object_object_add(o, "failures",
		    json_object_new_int((int)x->failures));
	if (x != NULL && x->reminder)
		json_object_object_add(o, "reminder",
		    json_object_new_boolean(1));
	s = xstrdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return s;
}

/* One event to an endpoint, within its throttle if throttled. */
static void
note(struct endpoint *e, struct json_object *ev, const char *task,
    const char *event, bool throttled, const struct extra *x)
{
	struct hold	*h = NULL;
	unsigned	 suppressed = 0;
	uint64_t	 now = ev_now();
	char		 what[96];

	if (throttled && e->conf->throttle_ms > 0) {
		h = hold_of(e, task, event);
		if (now < h->until) {
			h->suppressed++;
			e->suppressed++;
			return;
		}
		suppressed = h->suppressed;
		h->suppressed = 0;
		h->until = now + (uint64_t)e->conf->throttle_ms;
	}
	snprintf(what, sizeof(what), "%s%s%s%s", x != NULL && x->reminder ?
	    "reminder: " : "", event, task ? " of " : "", task ? task : "");
	enqueue(e, body_of(ev, task, suppressed, x), what);
}

/* What e remembers of task (made when make is set), or NULL. */
static struct memo *
memo_of(struct endpoint *e, const char *task, bool make)
{
	size_t	i;

	for (i = 0; i < e->nmemos; i++)
		if (strcmp(e->memos[i].task, task) == 0)
			return &e->memos[i];
	if (!make)
		return NULL;
	e->memos = xreallocarray(e->memos, e->nmemos + 1, sizeof(*e->memos));
	memset(&e->memos[e->nmemos], 0, sizeof(*e->memos));
	e->memos[e->nmemos].task = xstrdup(task);
	return &e->memos[e->nmemos++];
}

static void
memo_drop(struct endpoint *e, struct memo *mo)
{
	free(mo->task);
	*mo = e->memos[--e->nmemos];
	if (e->nmemos == 0) {
		free(e->memos);
		e->memos = NULL;
	}
}

/* Was the run the event is about started by hand? */
static bool
by_hand(struct json_object *ev)
{
	struct json_object	*d, *v;

	return json_object_object_get_ex(ev, "detail", &d) && d != NULL &&
	    json_object_object_get_ex(d, "trigger", &v) &&
	    strcmp(json_object_get_string(v), "manual") == 0;
}

/* An event of a task to one endpoint, as its policies say. */
static void
decide(struct endpoint *e, struct json_object *ev, const char *task,
    const char *event)
{
	enum alert_kind		 k = alert_kind(event);
	bool			 sub = subscribes(e->conf, event);
	struct alert_memo	 none;
	struct memo		*mo;
	struct extra		 x;

	if (k == AK_OTHER && !sub)
		return;
	memset(&none, 0, sizeof(none));
	/* only what a policy will ask for later is remembered */
	mo = memo_of(e, task, (k == AK_FAIL || k == AK_LATE) &&
	    (e->conf->after_failures > 0 || e->conf->repeat_ms > 0 ||
	    e->conf->recovery));
	memset(&x, 0, sizeof(x));
	switch (alert_decide(e->conf, sub, mo != NULL ? &mo->m : &none, k,
	    by_hand(ev), ev_now())) {
	case AV_SEND:
		note(e, ev, task, event, true, NULL);
		break;
	case AV_REMIND:
		x.reminder = true;
		/* FALLTHROUGH */
	case AV_ALERT:
		if (k == AK_FAIL && mo != NULL)
			x.failures = mo->m.fails;
		note(e, ev, task, event, false, &x);
		break;
	default:
		break;
	}
	if (mo != NULL && alert_memo_empty(&mo->m))
		memo_drop(e, mo);
}

static void
on_event(enum feed_stream st, const struct feed_msg *m, void *arg)
{
	struct json_object	*v;
	const char		*event;
	size_t			 i;

	(void)st;
	(void)arg;
	if (!json_object_object_get_ex(m->event, "event", &v))
		return;
	event = json_object_get_string(v);
	for (i = 0; i < neps; i++)
		if (m->name != NULL)
			decide(eps[i], m->event, m->name, event);
		else if (subscribes(eps[i]->conf, event))
			note(eps[i], m->event, NULL, event, true, NULL);
}

/* The activity log is followed only while there is an endpoint. */
static void
follow_events(void)
{
	if (neps > 0 && !feed_subscribed(&event_sub))
		feed_subscribe(&event_sub, FEED_EVENT, on_event, NULL);
	else if (neps == 0 && feed_subscribed(&event_sub))
		feed_unsubscribe(&event_sub);
}

static struct endpoint *
endpoint_new(const struct notify_conf *nc)
{
	struct endpoint	*e = xcalloc(1, sizeof(*e));

	e->conf = nc;
	e->name = xstrdup(nc->name);
	ev_timer_init(&e->retry, retry_fire, e);
	return e;
}

/* The notes not sent; how many. */
static size_t
endpoint_free(struct endpoint *e)
{
	size_t	j, left = e->n;

	http_cancel(e->req);
	ev_timer_del(&e->retry);
	while (e->n > 0)
		note_pop(e);
	for (j = 0; j < e->nholds; j++)
		free(e->holds[j].key);
	free(e->holds);
	for (j = 0; j < e->nmemos; j++)
		free(e->memos[j].task);
	free(e->memos);
	free(e->name);
	free(e);
	return left;
}

void
notify_init(void)
{
	size_t	i;

	(void)gethostname(hostname, sizeof(hostname) - 1);
	neps = md.conf->nnotifies;
	eps = xcalloc(neps + 1, sizeof(*eps));
	for (i = 0; i < neps; i++)
		eps[i] = endpoint_new(&md.conf->notifies[i]);
	follow_events();
}

/*
 * A reload: an endpoint still there (by name) keeps its queue, counts
 * and throttle, with its new settings; one gone drops what it holds.
 */
void
notify_reload(void)
{
	struct endpoint	**old = eps;
	size_t		  nold = neps, i, j, left = 0;

	neps = md.conf->nnotifies;
	eps = xcalloc(neps + 1, sizeof(*eps));
	for (i = 0; i < neps; i++) {
		for (j = 0; j < nold; j++)
			if (old[j] != NULL && strcmp(old[j]->name,
			    md.conf->notifies[i].name) == 0)
				break;
		if (j < nold) {
			eps[i] = old[j];
			eps[i]->conf = &md.conf->notifies[i];
			old[j] = NULL;
		} else
			eps[i] = endpoint_new(&md.conf->notifies[i]);
	}
	for (j = 0; j < nold; j++)
		if (old[j] != NULL)
			left += endpoint_free(old[j]);
	free(old);
	follow_events();
	if (left > 0)
		log_info("notify: %zu note%s of removed endpoints dropped",
		    left, left == 1 ? "" : "s");
}

void
notify_stop(void)
{
	size_t	i, left = 0;

	feed_unsubscribe(&event_sub);
	for (i = 0; i < neps; i++)
		left += endpoint_free(eps[i]);
	if (left > 0)
		log_info("notify: %zu note%s not sent at shutdown", left,
		    left == 1 ? "" : "s");
	free(eps);
	eps = NULL;
	neps = 0;
}

size_t
notify_count(void)
{
	return neps;
}

void
notify_stats(size_t i, struct notify_stats *s)
{
	const struct endpoint	*e = eps[i];

	s->conf = e->conf;
	s->queued = e->n;
	s->sent = e->sent;
	s->failed = e->failed;
	s->dropped = e->dropped;
	s->suppressed = e->suppressed;
	s->retrying = ev_timer_pending(&e->retry);
	s->last_sent = e->last_sent;
	s->last_error = e->last_error;
}

/* "notify test NAME": a test event, past the filter and the throttle. */
int
notify_test(const char *name, const char *actor)
{
	struct json_object	*ev;
	struct timespec		 ts;
	char			 buf[64];
	size_t			 i;

	for (i = 0; i < neps; i++)
		if (strcmp(eps[i]->conf->name, name) == 0)
			break;
	if (i == neps)
		return -1;
	clock_gettime(CLOCK_REALTIME, &ts);
	ev = json_object_new_object();
	json_object_object_add(ev, "event", json_object_new_string("test"));
	json_object_object_add(ev, "task", NULL);
	json_object_object_add(ev, "time",
	    json_object_new_string(fmt_rfc3339_ms(&ts, buf, sizeof(buf))));
	json_object_object_add(ev, "actor", json_object_new_string(actor));
	json_object_object_add(ev, "detail", NULL);
	note(eps[i], ev, NULL, "test", false, NULL);
	json_object_put(ev);
	return 0;
}
