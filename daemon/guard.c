/*
 * guard.c: start_when (DESIGN §8, the resource guard).  A condition is
 * a metric of the host (load averages from getloadavg(3); available
 * memory, a file system's free space, pressure stall information and
 * the time since boot from host.c), a comparison and a value; a run
 * that the guard holds back waits (sched.c), a manual one is refused.
 * The host is read only when a condition is asked about.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "conf.h"
#include "guard.h"
#include "host.h"
#include "util.h"

static int
holds(double have, enum guard_op op, double want)
{
	switch (op) {
	case GO_LT:
		return have < want;
	case GO_LE:
		return have <= want;
	case GO_GT:
		return have > want;
	default:
		return have >= want;
	}
}

/* The opposite of op, to say why a condition fails. */
static const char *
negation(enum guard_op op)
{
	static const char *neg[] = { ">=", ">", "<=", "<" };

	return neg[op];
}

static char *
size_text(double bytes, char *buf, size_t len)
{
	if (bytes >= 1024.0 * 1024 * 1024 && (uint64_t)bytes %
	    (1024ULL * 1024 * 1024) == 0)
		snprintf(buf, len, "%.0fG", bytes / (1024.0 * 1024 * 1024));
	else if (bytes >= 1024.0 * 1024)
		snprintf(buf, len, "%.0fM", bytes / (1024.0 * 1024));
	else
		snprintf(buf, len, "%.0f", bytes);
	return buf;
}

/* The value as written: a size, a %, a duration or a number. */
static char *
value_text(const struct guard_cond *c, double v, char *buf, size_t len)
{
	if (c->percent || guard_resource(c->metric) != NULL)
		snprintf(buf, len, "%.4g%%", v);
	else if (c->metric == GM_MEM_AVAILABLE || c->metric == GM_DISK_FREE)
		size_text(v, buf, len);
	else if (c->metric == GM_UPTIME)
		fmt_duration((int64_t)(v * 1000), buf, len);
	else
		snprintf(buf, len, "%g", v);
	return buf;
}

/* The metric as written: disk_free(/var), not disk_free. */
static char *
metric_text(const struct guard_cond *c, char *buf, size_t len)
{
	if (c->metric == GM_DISK_FREE)
		snprintf(buf, len, "disk_free(%s)", c->path);
	else
		snprintf(buf, len, "%s", guard_metric_name(c->metric));
	return buf;
}

char *
guard_cond_text(const struct guard_cond *c, char *buf, size_t len)
{
	char	m[300], v[32];

	snprintf(buf, len, "%s %s %s", metric_text(c, m, sizeof(m)),
	    guard_op_name(c->op), value_text(c, c->value, v, sizeof(v)));
	return buf;
}

/* The host's figure for c, or -1 with why. */
static int
measure(const struct guard_cond *c, double load[3], int *nload,
    double *have, char *why, size_t len)
{
	uint64_t	bytes;
	double		pct;

	switch (c->metric) {
	case GM_LOAD1:
	case GM_LOAD5:
	case GM_LOAD15:
		if (*nload == 0 && (*nload = getloadavg(load, 3)) < 3) {
			snprintf(why, len, "the load average cannot be read");
			return -1;
		}
		*have = load[c->metric - GM_LOAD1];
		return 0;
	case GM_MEM_AVAILABLE:
		if (host_mem_available(&bytes) == -1) {
			snprintf(why, len, "mem_available cannot be read");
			return -1;
		}
		*have = (double)bytes;
		return 0;
	case GM_DISK_FREE:
		if (host_disk_free(c->path, &bytes, &pct, why, len) == -1)
			return -1;
		*have = c->percent ? pct : (double)bytes;
		return 0;
	case GM_UPTIME:
		return host_uptime(have, why, len);
	default:
		return host_pressure(guard_resource(c->metric), have, why,
		    len);
	}
}

int
guard_check(const struct guard *g, char *why, size_t len)
{
	double		load[3], have = 0;
	int		nload = 0;
	size_t		i;
	char		m[300], a[32], b[32];

	for (i = 0; i < g->n; i++) {
		const struct guard_cond *c = &g->cond[i];

		if (measure(c, load, &nload, &have, why, len) == -1)
			return -1;
		if (holds(have, c->op, c->value))
			continue;
		if (c->metric <= GM_LOAD15)
			snprintf(why, len, "%s %.2f %s %g",
			    guard_metric_name(c->metric), have,
			    negation(c->op), c->value);
		else
			snprintf(why, len, "%s %s %s %s",
			    metric_text(c, m, sizeof(m)),
			    value_text(c, have, a, sizeof(a)), negation(c->op),
			    value_text(c, c->value, b, sizeof(b)));
		return -1;
	}
	return 0;
}
