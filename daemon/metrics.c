/*
 * metrics.c: the Prometheus text format (HELP and TYPE lines, escaped
 * labels).  "maintctl metrics" asks for it; metrics_file gets the same,
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

static void
head(FILE *fp, const char *name, const char *type, const char *help)
{
	fprintf(fp, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
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
per_task(FILE *fp, const char *name, const char *type, const char *help,
    task_value fn, enum only which)
{
	size_t	i;
	double	v;

	head(fp, name, type, help);
	for (i = 0; i < md.tasks.n; i++) {
		if (!about(md.tasks.v[i], which))
			continue;
		fprintf(fp, "%s{task=\"", name);
		label(fp, md.tasks.v[i]->conf->name);
		v = fn(md.tasks.v[i]);
		fprintf(fp, v == (double)(int64_t)v ? "\"} %.0f\n" :
		    "\"} %.3f\n", v);
	}
}

void
metrics_print(FILE *fp, int up)
{
	size_t		i, j;
	int		weight = md.weight_in_use;
	double		load[1];
	uint64_t	mem;

	head(fp, "maintd_up", "gauge", "1 while maintd runs.");
	fprintf(fp, "maintd_up %d\n", up);
	head(fp, "maintd_start_time_seconds", "gauge",
	    "When maintd started, in seconds since the epoch.");
	fprintf(fp, "maintd_start_time_seconds %lld\n", (long long)md.started);
	head(fp, "maintd_halted", "gauge",
	    "1 after stop-all, until resume.");
	fprintf(fp, "maintd_halted %d\n", md.halted);
	head(fp, "maintd_tasks", "gauge", "Tasks configured.");
	fprintf(fp, "maintd_tasks %zu\n", md.tasks.n);
	head(fp, "maintd_store_ok", "gauge",
	    "1 while the database can be written.");
	fprintf(fp, "maintd_store_ok %d\n", store_ok());
	head(fp, "maintd_weight_in_use", "gauge",
	    "Sum of the weights of the running tasks.");
	fprintf(fp, "maintd_weight_in_use %d\n", weight);
	head(fp, "maintd_weight_max", "gauge", "max_weight from the config.");
	fprintf(fp, "maintd_weight_max %d\n", md.conf->max_weight);
	if (getloadavg(load, 1) == 1) {
		head(fp, "maintd_load1", "gauge", "The host's load average "
		    "over a minute, as start_when sees it.");
		fprintf(fp, "maintd_load1 %.2f\n", load[0]);
	}
	if (host_mem_available(&mem) == 0) {
		head(fp, "maintd_mem_available_bytes", "gauge", "Memory "
		    "available for new work, as start_when sees it.");
		fprintf(fp, "maintd_mem_available_bytes %llu\n",
		    (unsigned long long)mem);
	}
	per_task(fp, "maintd_task_active", "gauge", "1 while the task is active.",
	    v_active, ALL);
	per_task(fp, "maintd_task_running", "gauge",
	    "1 while a run of the task is going.", v_running, ALL);
	per_task(fp, "maintd_task_failed", "gauge",
	    "1 when a service gave up after crashing.", v_failed, ALL);
	per_task(fp, "maintd_task_restarts_total", "counter",
	    "Restarts of the task since it was activated.", v_restarts, ALL);
	head(fp, "maintd_task_runs_total", "counter",
	    "Finished runs since maintd started, by result.");
	for (i = 0; i < md.tasks.n; i++)
		for (j = 0; j < RC_MAX; j++) {
			fprintf(fp, "maintd_task_runs_total{task=\"");
			label(fp, md.tasks.v[i]->conf->name);
			fprintf(fp, "\",result=\"%s\"} %llu\n",
			    run_class_name((enum run_class)j),
			    (unsigned long long)md.tasks.v[i]->runs_total[j]);
		}
	per_task(fp, "maintd_task_last_run_timestamp_seconds", "gauge",
	    "When the last run ended.", v_last_end, HAS_RUN);
	per_task(fp, "maintd_task_last_duration_seconds", "gauge",
	    "How long the last run took.", v_last_dur, HAS_RUN);
	per_task(fp, "maintd_task_last_success", "gauge",
	    "1 when the last run succeeded.", v_last_ok, HAS_RUN);
	per_task(fp, "maintd_task_cpu_seconds_total", "counter",
	    "CPU time of the task's runs since maintd started.", v_cpu, ALL);
	head(fp, "maintd_task_io_bytes_total", "counter",
	    "Bytes the task's runs read and wrote since maintd started.");
	for (i = 0; i < md.tasks.n; i++)
		for (j = 0; j < 2; j++) {
			fprintf(fp, "maintd_task_io_bytes_total{task=\"");
			label(fp, md.tasks.v[i]->conf->name);
			fprintf(fp, "\",dir=\"%s\"} %llu\n", j ? "write" : "read",
			    (unsigned long long)md.tasks.v[i]->io_bytes_total[j]);
		}
	per_task(fp, "maintd_task_last_peak_memory_bytes", "gauge",
	    "The peak memory of the last run.", v_last_mem, HAS_MEM);
	per_task(fp, "maintd_task_last_success_timestamp_seconds", "gauge",
	    "When the last successful run ended.", v_last_success, HAS_OK);
	per_task(fp, "maintd_task_next_run_timestamp_seconds", "gauge",
	    "When the next tick of the task comes.", v_next_run, HAS_NEXT);
	per_task(fp, "maintd_task_late", "gauge", "1 while late_after has "
	    "passed with no successful run.", v_late, LATE_AFTER);
	head(fp, "maintd_task_missed_total", "counter",
	    "Ticks of periodic tasks that did not run, since maintd started, "
	    "by reason.");
	for (i = 0; i < md.tasks.n; i++) {
		if (md.tasks.v[i]->conf->kind != KIND_PERIODIC)
			continue;
		for (j = 0; j < MISS_NREASONS; j++) {
			fprintf(fp, "maintd_task_missed_total{task=\"");
			label(fp, md.tasks.v[i]->conf->name);
			fprintf(fp, "\",reason=\"%s\"} %llu\n",
			    miss_reason_name((enum miss_reason)j),
			    (unsigned long long)md.tasks.v[i]->missed_by[j]);
		}
	}
	per_task(fp, "maintd_task_waiting", "gauge", "1 while a run waits "
	    "(budget, start_when).", v_waiting, ALL);
	per_task(fp, "maintd_task_healthy", "gauge", "1 healthy, 0 unhealthy, "
	    "by the task's health probes.", v_healthy, PROBE_DONE);
	per_task(fp, "maintd_probe_duration_seconds", "gauge",
	    "How long the last health probe took.", v_probe_s, PROBE_DONE);
	per_task(fp, "maintd_probe_failures_total", "counter",
	    "Failed health probes since maintd started.", v_probe_fail, PROBED);
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
