/*
 * metrics.c: the daemon's metrics as a list of samples (name, labels,
 * value, type, help), written out as the Prometheus text format (HELP
 * and TYPE lines, escaped labels) or as JSON objects (--json): one
 * source for both.  "maintctl metrics" asks for them; metrics_file gets the same,
 * written to a temporary file and renamed, at most once a second and only
 * after something changed, so an idle daemon writes nothing.  Its
 * directory is created when missing (at start-up and reload, as those of
 * the database and the socket are); as root it must be writable by root
 * only (trust.c), and the temporary file is made relative to it, never
 * through a link.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "ev.h"
#include "feed.h"
#include "log.h"
#include "host.h"
#include "metrics.h"
#include "paths.h"
#include "state.h"
#include "store.h"
#include "task.h"
#include "trust.h"
#include "util.h"

static struct ev_timer	write_timer;
static uint64_t		last_write;	/* mono ms */
static int		write_failed;

void
metrics_run_ended(struct task *t, const struct run *r)
{
	int64_t	cpu = run_cpu_us(r);

	t->runs_total[run_classify(r)]++;
	if (cpu > 0)
		t->cpu_us_total += (uint64_t)cpu;
	if (r->res.io_src != RS_NONE && r->res.io_read > 0)
		t->io_bytes_total[0] += (uint64_t)r->res.io_read;
	if (r->res.io_src != RS_NONE && r->res.io_write > 0)
		t->io_bytes_total[1] += (uint64_t)r->res.io_write;
}

/*
 * The samples are made once, as a list; the text and the JSON objects
 * are two writers of that list.  A value's text is made once too
 * (metrics_value), so both say the same.
 */
static void
add(struct metrics *ms, const char *name, const char *type, const char *help,
    const char *k0, const char *v0, const char *k1, const char *v1, double v)
{
	struct metric	*m;

	if (ms->n == ms->cap) {
		ms->cap = ms->cap ? ms->cap * 2 : 256;
		ms->v = xreallocarray(ms->v, ms->cap, sizeof(*ms->v));
	}
	m = &ms->v[ms->n++];
	m->name = name;
	m->type = type;
	m->help = help;
	m->label[0][0] = k0;
	m->label[0][1] = v0;
	m->label[1][0] = k1;
	m->label[1][1] = v1;
	m->value = v;
	m->none = false;
}

typedef double (*task_value)(const struct task *);

static double v_active(const struct task *t) { return t->active; }
static double v_running(const struct task *t) { return task_busy(t); }
static double v_failed(const struct task *t) { return t->state == ST_FAILED; }
static double v_restarts(const struct task *t) { return t->restarts; }
static double v_last_end(const struct task *t) {
	return t->last != NULL ? (double)t->last->end : 0; }
static double v_last_dur(const struct task *t) {
	return t->last != NULL ?
	    (double)(t->last->end_mono - t->last->start_mono) / 1000 : 0; }
static double v_last_ok(const struct task *t) {
	return t->last != NULL && run_ok(t->last); }
static double v_cpu(const struct task *t) {
	return (double)t->cpu_us_total / 1e6; }
static double v_last_mem(const struct task *t) {
	return (double)t->last->res.mem_peak; }
static double v_waiting(const struct task *t) {
	return t->waiting && !task_busy(t); }
static double v_last_success(const struct task *t) {
	return (double)t->last_ok; }
static double v_next_run(const struct task *t) {
	return (double)t->next_tick; }
static double v_late(const struct task *t) { return t->late; }
static double v_healthy(const struct task *t) {
	return t->probe->status == HS_HEALTHY; }
static double v_probe_s(const struct task *t) {
	return (double)t->probe->last_ms / 1000; }
static double v_probe_fail(const struct task *t) {
	return (double)t->probe->failures_total; }

/* Which tasks a metric is about. */
enum only { ALL, HAS_RUN, HAS_MEM, PROBED, PROBE_DONE, HAS_OK, HAS_NEXT,
    LATE_AFTER };

static int
about(const struct task *t, enum only which)
{
	switch (which) {
	case HAS_RUN:
		return t->last != NULL;
	case HAS_MEM:
		return t->last != NULL && t->last->res.mem_src != RS_NONE &&
		    t->last->res.mem_peak >= 0;
	case PROBED:
		return t->probe != NULL;
	case PROBE_DONE:
		return t->probe != NULL && t->probe->status != HS_UNKNOWN;
	case HAS_OK:
		return t->last_ok > 0;
	case HAS_NEXT:
		return t->next_tick > 0;
	case LATE_AFTER:
		return t->conf->late_after_ms > 0;
	default:
		return 1;
	}
}

static void
per_task(struct metrics *ms, const char *name, const char *type,
    const char *help, task_value fn, enum only which)
{
	size_t	i, n0 = ms->n;

	for (i = 0; i < md.tasks.n; i++)
		if (about(md.tasks.v[i], which))
			add(ms, name, type, help, "task",
			    md.tasks.v[i]->conf->name, NULL, NULL,
			    fn(md.tasks.v[i]));
	if (ms->n == n0) {
		/* its HELP and TYPE all the same */
		add(ms, name, type, help, NULL, NULL, NULL, NULL, 0);
		ms->v[n0].none = true;
	}
}

/* Bytes the runs of each task read and wrote. */
static void
io_bytes(struct metrics *ms)
{
	static const char	*name = "maintd_task_io_bytes_total";
	static const char	*help = "Bytes the task's runs read and wrote "
				    "since maintd started.";
	size_t			 i, j, n0 = ms->n;

	for (i = 0; i < md.tasks.n; i++)
		for (j = 0; j < 2; j++)
			add(ms, name, "counter", help, "task",
			    md.tasks.v[i]->conf->name, "dir", j ? "write" :
			    "read", (double)md.tasks.v[i]->io_bytes_total[j]);
	if (ms->n == n0) {
		add(ms, name, "counter", help, NULL, NULL, NULL, NULL, 0);
		ms->v[n0].none = true;
	}
}

/* Ticks of periodic tasks that did not run, by reason. */
static void
missed(struct metrics *ms)
{
	static const char	*name = "maintd_task_missed_total";
	static const char	*help = "Ticks of periodic tasks that did not "
				    "run, since maintd started, by reason.";
	size_t			 i, j, n0 = ms->n;

	for (i = 0; i < md.tasks.n; i++) {
		if (md.tasks.v[i]->conf->kind != KIND_PERIODIC)
			continue;
		for (j = 0; j < MISS_NREASONS; j++)
			add(ms, name, "counter", help, "task",
			    md.tasks.v[i]->conf->name, "reason",
			    miss_reason_name((enum miss_reason)j),
			    (double)md.tasks.v[i]->missed_by[j]);
	}
	if (ms->n == n0) {
		add(ms, name, "counter", help, NULL, NULL, NULL, NULL, 0);
		ms->v[n0].none = true;
	}
}

void
metrics_collect(struct metrics *ms, int up)
{
	size_t		i, j;
	double		load[1];
	uint64_t	mem;

	memset(ms, 0, sizeof(*ms));
	add(ms, "maintd_up", "gauge", "1 while maintd runs.", NULL, NULL,
	    NULL, NULL, up);
	add(ms, "maintd_start_time_seconds", "gauge",
	    "When maintd started, in seconds since the epoch.", NULL, NULL,
	    NULL, NULL, (double)md.started);
	add(ms, "maintd_halted", "gauge", "1 after stop-all, until resume.",
	    NULL, NULL, NULL, NULL, md.halted);
	add(ms, "maintd_tasks", "gauge", "Tasks configured.", NULL, NULL, NULL,
	    NULL, (double)md.tasks.n);
	add(ms, "maintd_store_ok", "gauge",
	    "1 while the database can be written.", NULL, NULL, NULL, NULL,
	    store_ok());
	add(ms, "maintd_weight_in_use", "gauge",
	    "Sum of the weights of the running tasks.", NULL, NULL, NULL, NULL,
	    md.weight_in_use);
	add(ms, "maintd_weight_max", "gauge", "max_weight from the config.",
	    NULL, NULL, NULL, NULL, md.conf->max_weight);
	if (getloadavg(load, 1) == 1)
		add(ms, "maintd_load1", "gauge", "The host's load average "
		    "over a minute, as start_when sees it.", NULL, NULL, NULL,
		    NULL, load[0]);
	if (host_mem_available(&mem) == 0)
		add(ms, "maintd_mem_available_bytes", "gauge", "Memory "
		    "available for new work, as start_when sees it.", NULL,
		    NULL, NULL, NULL, (double)mem);
	per_task(ms, "maintd_task_active", "gauge",
	    "1 while the task is active.", v_active, ALL);
	per_task(ms, "maintd_task_running", "gauge",
	    "1 while a run of the task is going.", v_running, ALL);
	per_task(ms, "maintd_task_failed", "gauge",
	    "1 when a service gave up after crashing.", v_failed, ALL);
	per_task(ms, "maintd_task_restarts_total", "counter",
	    "Restarts of the task since it was activated.", v_restarts, ALL);
	for (i = 0; i < md.tasks.n; i++)
		for (j = 0; j < RC_MAX; j++)
			add(ms, "maintd_task_runs_total", "counter",
			    "Finished runs since maintd started, by result.",
			    "task", md.tasks.v[i]->conf->name, "result",
			    run_class_name((enum run_class)j),
			    (double)md.tasks.v[i]->runs_total[j]);
	per_task(ms, "maintd_task_last_run_timestamp_seconds", "gauge",
	    "When the last run ended.", v_last_end, HAS_RUN);
	per_task(ms, "maintd_task_last_duration_seconds", "gauge",
	    "How long the last run took.", v_last_dur, HAS_RUN);
	per_task(ms, "maintd_task_last_success", "gauge",
	    "1 when the last run succeeded.", v_last_ok, HAS_RUN);
	per_task(ms, "maintd_task_cpu_seconds_total", "counter",
	    "CPU time of the task's runs since maintd started.", v_cpu, ALL);
	io_bytes(ms);
	per_task(ms, "maintd_task_last_peak_memory_bytes", "gauge",
	    "The peak memory of the last run.", v_last_mem, HAS_MEM);
	per_task(ms, "maintd_task_last_success_timestamp_seconds", "gauge",
	    "When the last successful run ended.", v_last_success, HAS_OK);
	per_task(ms, "maintd_task_next_run_timestamp_seconds", "gauge",
	    "When the next tick of the task comes.", v_next_run, HAS_NEXT);
	per_task(ms, "maintd_task_late", "gauge", "1 while late_after has "
	    "passed with no successful run.", v_late, LATE_AFTER);
	missed(ms);
	per_task(ms, "maintd_task_waiting", "gauge", "1 while a run waits "
	    "(budget, start_when).", v_waiting, ALL);
	per_task(ms, "maintd_task_healthy", "gauge", "1 healthy, 0 unhealthy, "
	    "by the task's health probes.", v_healthy, PROBE_DONE);
	per_task(ms, "maintd_probe_duration_seconds", "gauge",
	    "How long the last health probe took.", v_probe_s, PROBE_DONE);
	per_task(ms, "maintd_probe_failures_total", "counter",
	    "Failed health probes since maintd started.", v_probe_fail, PROBED);
}

void
metrics_free(struct metrics *ms)
{
	free(ms->v);
	memset(ms, 0, sizeof(*ms));
}

/* A whole number as one ("3"), else with milliseconds ("0.012"). */
static bool
whole(double v)
{
	return v > -9e15 && v < 9e15 && v == (double)(int64_t)v;
}

const char *
metrics_value(double v, char *buf, size_t len)
{
	snprintf(buf, len, whole(v) ? "%.0f" : "%.3f", v);
	return buf;
}

/* A label value with \, " and newline escaped. */
static void
label(FILE *fp, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			fputc('\\', fp);
		if (*s == '\n') {
			fputs("\\n", fp);
			continue;
		}
		fputc(*s, fp);
	}
}

/* The text writer: HELP and TYPE before each family's first sample. */
void
metrics_text(FILE *fp, const struct metrics *ms)
{
	const struct metric	*m;
	size_t			 i, k;
	char			 b[64];

	for (i = 0; i < ms->n; i++) {
		m = &ms->v[i];
		if (i == 0 || strcmp(ms->v[i - 1].name, m->name) != 0)
			fprintf(fp, "# HELP %s %s\n# TYPE %s %s\n", m->name,
			    m->help, m->name, m->type);
		if (m->none)
			continue;
		fputs(m->name, fp);
		for (k = 0; k < 2 && m->label[k][0] != NULL; k++) {
			fprintf(fp, "%s%s=\"", k == 0 ? "{" : ",",
			    m->label[k][0]);
			label(fp, m->label[k][1]);
			fputc('"', fp);
		}
		fprintf(fp, "%s %s\n", k > 0 ? "}" : "",
		    metrics_value(m->value, b, sizeof(b)));
	}
}

/* The JSON writer: {"name", "labels": {...}, "value", "type", "help"}. */
struct json_object *
metrics_json(const struct metric *m)
{
	struct json_object	*o = json_object_new_object();
	struct json_object	*labels = json_object_new_object();
	size_t			 k;
	char			 b[64];

	for (k = 0; k < 2 && m->label[k][0] != NULL; k++)
		json_object_object_add(labels, m->label[k][0],
		    json_object_new_string(m->label[k][1]));
	json_object_object_add(o, "name", json_object_new_string(m->name));
	json_object_object_add(o, "labels", labels);
	json_object_object_add(o, "value", whole(m->value) ?
	    json_object_new_int64((int64_t)m->value) :
	    json_object_new_double_s(m->value, metrics_value(m->value, b,
	    sizeof(b))));
	json_object_object_add(o, "type", json_object_new_string(m->type));
	json_object_object_add(o, "help", json_object_new_string(m->help));
	return o;
}

void
metrics_print(FILE *fp, int up)
{
	struct metrics	ms;

	metrics_collect(&ms, up);
	metrics_text(fp, &ms);
	metrics_free(&ms);
}

static int
file_wanted(void)
{
	return md.conf->metrics_file != NULL && *md.conf->metrics_file != '\0';
}

/* The directories above metrics_file, made if missing. */
static void
make_dir(void)
{
	if (file_wanted() && mkdir_parents(md.conf->metrics_file, 0755) == -1)
		log_warn("metrics_file %s: cannot create its directory",
		    md.conf->metrics_file);
}

static void
write_file(int up)
{
	char	 d[PATH_MAX], b[PATH_MAX], tmp[PATH_MAX + 32];
	char	 why[PATH_MAX + 128];
	FILE	*fp;
	int	 dfd, fd;

	if (!file_wanted())
		return;
	strlcpy(d, md.conf->metrics_file, sizeof(d));
	strlcpy(b, md.conf->metrics_file, sizeof(b));
	if ((dfd = trust_opendir(dirname(d), (uid_t)-1, why, sizeof(why))) ==
	    -1)
		goto fail;
	snprintf(tmp, sizeof(tmp), "%s.%d.tmp", basename(b), (int)getpid());
	(void)unlinkat(dfd, tmp, 0);	/* left by a crash */
	if ((fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0644)) == -1 || (fp = fdopen(fd, "w")) == NULL) {
		snprintf(why, sizeof(why), "%s", strerror(errno));
		if (fd != -1) {
			close(fd);
			(void)unlinkat(dfd, tmp, 0);
		}
		close(dfd);
		goto fail;
	}
	metrics_print(fp, up);
	if (fclose(fp) == EOF || renameat(dfd, tmp, dfd, basename(b)) == -1) {
		snprintf(why, sizeof(why), "%s", strerror(errno));
		(void)unlinkat(dfd, tmp, 0);
		close(dfd);
		goto fail;
	}
	close(dfd);
	last_write = ev_now();
	write_failed = 0;
	return;
 fail:
	if (!write_failed)
		log_warnx("metrics_file %s: %s", md.conf->metrics_file, why);
	write_failed = 1;
}

static void
write_fire(void *arg)
{
	(void)arg;
	write_file(1);
}

void
metrics_changed(void)
{
	uint64_t	now;

	if (md.conf == NULL || md.conf->metrics_file == NULL ||
	    *md.conf->metrics_file == '\0' || ev_timer_pending(&write_timer))
		return;
	now = ev_now();
	ev_timer_add(&write_timer, last_write + 1000 > now ?
	    last_write + 1000 - now : 0);
}

/* Every event of the activity log is a change the file should show. */
static struct feed_sub	event_sub, config_sub;

static void
on_event(enum feed_stream st, const struct feed_msg *m, void *arg)
{
	(void)st;
	(void)m;
	(void)arg;
	metrics_changed();
}

/* A reload: metrics_file may be another file, or none. */
static void
on_config(enum feed_stream st, const struct feed_msg *m, void *arg)
{
	(void)st;
	(void)m;
	(void)arg;
	if (file_wanted() && !feed_subscribed(&event_sub))
		feed_subscribe(&event_sub, FEED_EVENT, on_event, NULL);
	else if (!file_wanted() && feed_subscribed(&event_sub))
		feed_unsubscribe(&event_sub);
	make_dir();
	metrics_changed();
}

void
metrics_init(void)
{
	ev_timer_init(&write_timer, write_fire, NULL);
	if (file_wanted())
		feed_subscribe(&event_sub, FEED_EVENT, on_event, NULL);
	feed_subscribe(&config_sub, FEED_CONFIG, on_config, NULL);
	make_dir();
	write_file(1);
}

/* At shutdown: say so to the collector. */
void
metrics_final(void)
{
	ev_timer_del(&write_timer);
	feed_unsubscribe(&event_sub);
	feed_unsubscribe(&config_sub);
	write_file(0);
}
