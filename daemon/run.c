/*
 * run.c: what a run's end says: ok or not, its class, its result in
 * words; what it used (its resources, DESIGN §15) and as JSON; and the
 * names of the reasons a tick did not run.
 */
#include <sys/types.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>

#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "cgroup.h"
#include "run.h"
#include "util.h"

static const char *class_names[RC_MAX] = {
	"ok", "failed", "timeout", "stopped", "error"
};

bool
run_ok(const struct run *r)
{
	return r->failure[0] == '\0' && !r->timed_out &&
	    WIFEXITED(r->status) && WEXITSTATUS(r->status) == 0;
}

char *
run_result(const struct run *r, char *buf, size_t len)
{
	if (!r->done)
		snprintf(buf, len, "running");
	else if (r->failure[0] != '\0')
		snprintf(buf, len, "%s", r->failure);
	else if (r->timed_out && WIFSIGNALED(r->status))
		snprintf(buf, len, "timeout (signal %s)",
		    signal_name(WTERMSIG(r->status)));
	else if (r->timed_out)
		snprintf(buf, len, "timeout (exit %d)", WEXITSTATUS(r->status));
	else if (WIFEXITED(r->status))
		snprintf(buf, len, "exit %d%s", WEXITSTATUS(r->status),
		    r->fleet_lost ? " (fleet-lost)" : "");
	else if (WIFSIGNALED(r->status))
		snprintf(buf, len, "signal %s%s",
		    signal_name(WTERMSIG(r->status)), r->fleet_lost ?
		    " (fleet-lost)" : r->stopped ? " (stopped)" : "");
	else
		snprintf(buf, len, "status %d", r->status);
	return buf;
}

/* ok, failed, timeout, stopped or error (it never ran). */
enum run_class
run_classify(const struct run *r)
{
	if (r->failure[0] != '\0')
		return RC_ERROR;
	if (r->timed_out)
		return RC_TIMEOUT;
	if (run_ok(r))
		return RC_OK;
	if (r->stopped)
		return RC_STOPPED;
	return RC_FAILED;
}

const char *
run_class_name(enum run_class c)
{
	return class_names[c];
}

const char *
run_class(const struct run *r)
{
	return class_names[run_classify(r)];
}

const char *
trigger_name(enum trigger t)
{
	static const char	*names[] = {
		"manual", "schedule", "activate", "restart", "window", "chain"
	};

	return names[t];
}

const char *
run_trigger(const struct run *r, char *buf, size_t len)
{
	if (r->trigger != TR_CHAIN)
		return trigger_name(r->trigger);
	snprintf(buf, len, "chain:%s#%llu", r->parent.task,
	    (unsigned long long)r->parent.run);
	return buf;
}

void
run_trigger_parse(struct run *r, const char *s)
{
	const char		*h;
	unsigned long long	 id;
	size_t			 n;
	enum trigger		 t;

	r->trigger = TR_MANUAL;
	if (s == NULL)
		return;
	if (strncmp(s, "chain:", 6) == 0 && (h = strrchr(s, '#')) != NULL &&
	    (n = (size_t)(h - s - 6)) < sizeof(r->parent.task) &&
	    sscanf(h + 1, "%llu", &id) == 1) {
		r->trigger = TR_CHAIN;
		memcpy(r->parent.task, s + 6, n);
		r->parent.task[n] = '\0';
		r->parent.run = id;
		return;
	}
	for (t = TR_MANUAL; t <= TR_CHAIN; t++)
		if (strcmp(s, trigger_name(t)) == 0)
			r->trigger = t;
}

static const char *src_names[] = { NULL, "cgroup", "rusage" };

const char *
run_res_source(enum res_source s)
{
	return src_names[s];
}

enum res_source
run_res_source_parse(const char *s)
{
	if (s != NULL && strcmp(s, "cgroup") == 0)
		return RS_CGROUP;
	if (s != NULL && strcmp(s, "rusage") == 0)
		return RS_RUSAGE;
	return RS_NONE;
}

void
run_res_clear(struct run_res *res)
{
	int	i;

	memset(res, 0, sizeof(*res));
	res->cpu_user_us = res->cpu_system_us = res->mem_peak = -1;
	res->io_read = res->io_write = -1;
	for (i = 0; i < PSI_N; i++)
		res->psi_some_us[i] = res->psi_full_us[i] = -1;
}

/*
 * The run's cgroup where it says (all of the run's processes, whatever
 * they did), else rusage: the leader and the children it waited for;
 * its maxrss is the largest of those processes, not their sum.  Where
 * the kernel has no memory.peak, the highest memory.current sampled
 * while the run went (cost.c) or at its end, if that is above maxrss.
 */
void
run_res_measure(struct run_res *res, const struct rusage *ru,
    const struct cg_stats *cs)
{
	int64_t	seen = res->mem_seen, rss = (int64_t)ru->ru_maxrss * 1024;
	int	i;

	run_res_clear(res);
	res->mem_seen = seen;
	res->cpu_user_us = (int64_t)ru->ru_utime.tv_sec * 1000000 +
	    ru->ru_utime.tv_usec;
	res->cpu_system_us = (int64_t)ru->ru_stime.tv_sec * 1000000 +
	    ru->ru_stime.tv_usec;
	res->mem_peak = rss;
	res->io_read = (int64_t)ru->ru_inblock * 512;
	res->io_write = (int64_t)ru->ru_oublock * 512;
	res->cpu_src = res->mem_src = res->io_src = RS_RUSAGE;
	if (cs == NULL)
		return;
	if (cs->user_us >= 0 && cs->system_us >= 0) {
		res->cpu_user_us = cs->user_us;
		res->cpu_system_us = cs->system_us;
		res->cpu_src = RS_CGROUP;
	}
	if (cs->memory_current > seen)
		seen = cs->memory_current;
	if (cs->memory_peak >= 0) {
		res->mem_peak = cs->memory_peak;
		res->mem_src = RS_CGROUP;
	} else if (seen > rss) {
		res->mem_peak = seen;
		res->mem_src = RS_CGROUP;
	}
	if (cs->io_read >= 0 && cs->io_write >= 0) {
		res->io_read = cs->io_read;
		res->io_write = cs->io_write;
		res->io_src = RS_CGROUP;
	}
	for (i = 0; i < PSI_N; i++) {
		res->psi_some_us[i] = cs->psi_some_us[i];
		res->psi_full_us[i] = cs->psi_full_us[i];
	}
}

int64_t
run_cpu_us(const struct run *r)
{
	if (r->res.cpu_src == RS_NONE || r->res.cpu_user_us < 0 ||
	    r->res.cpu_system_us < 0)
		return -1;
	return r->res.cpu_user_us + r->res.cpu_system_us;
}

static struct json_object *
seconds(int64_t us, bool known)
{
	return known && us >= 0 ? json_object_new_double((double)us / 1e6) :
	    NULL;
}

static struct json_object *
bytes(int64_t b, enum res_source src)
{
	return src != RS_NONE && b >= 0 ? json_object_new_int64(b) : NULL;
}

void
run_exit_json(const struct run *r, struct json_object *o)
{
	json_object_object_add(o, "exit", r->failure[0] == '\0' &&
	    WIFEXITED(r->status) ? json_object_new_int(WEXITSTATUS(r->status)) :
	    NULL);
	json_object_object_add(o, "signal", r->failure[0] == '\0' &&
	    WIFSIGNALED(r->status) ? json_object_new_string(
	    signal_name(WTERMSIG(r->status))) : NULL);
}

static struct json_object *
source(enum res_source src)
{
	return src != RS_NONE ? json_object_new_string(src_names[src]) : NULL;
}

void
run_res_json(const struct run *r, struct json_object *o)
{
	static const char	*psi[PSI_N][2] = {
		{ "cpu_pressure_some_s", "cpu_pressure_full_s" },
		{ "memory_pressure_some_s", "memory_pressure_full_s" },
		{ "io_pressure_some_s", "io_pressure_full_s" },
	};
	const struct run_res	*res = &r->res;
	bool			 cpu = res->cpu_src != RS_NONE;
	int			 i;

	json_object_object_add(o, "cpu_s", seconds(run_cpu_us(r), cpu));
	json_object_object_add(o, "maxrss_kb", res->mem_src != RS_NONE &&
	    res->mem_peak >= 0 ? json_object_new_int64(res->mem_peak / 1024) :
	    NULL);
	json_object_object_add(o, "cpu_user_s", seconds(res->cpu_user_us,
	    cpu));
	json_object_object_add(o, "cpu_system_s", seconds(res->cpu_system_us,
	    cpu));
	json_object_object_add(o, "memory_peak_bytes", bytes(res->mem_peak,
	    res->mem_src));
	json_object_object_add(o, "io_read_bytes", bytes(res->io_read,
	    res->io_src));
	json_object_object_add(o, "io_write_bytes", bytes(res->io_write,
	    res->io_src));
	for (i = 0; i < PSI_N; i++) {
		json_object_object_add(o, psi[i][0],
		    seconds(res->psi_some_us[i], cpu));
		json_object_object_add(o, psi[i][1],
		    seconds(res->psi_full_us[i], cpu));
	}
	json_object_object_add(o, "source", source(res->cpu_src));
	json_object_object_add(o, "memory_source", source(res->mem_src));
	json_object_object_add(o, "io_source", source(res->io_src));
}

static const char *miss_names[MISS_NREASONS] = {
	"daemon-down", "halted", "window-closed", "budget", "conflict",
	"guard", "held", "overlap", "requires", "after-timeout"
};

const char *
miss_reason_name(enum miss_reason r)
{
	return miss_names[r];
}

int
miss_reason_parse(const char *s)
{
	int	i;

	for (i = 0; s != NULL && i < MISS_NREASONS; i++)
		if (strcmp(s, miss_names[i]) == 0)
			return i;
	return -1;
}
