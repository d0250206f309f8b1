/*
 * guard.c: start_when (DESIGN §8, the resource guard).  A condition is
 * a metric of the host (load averages from getloadavg(3), available
 * memory from the kernel, osdep.c), a comparison and a value; a run
 * that the guard holds back waits (sched.c), a manual one is refused.
 * The host is read only when a condition is asked about.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "conf.h"
#include "guard.h"
#include "osdep.h"

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

char *
guard_cond_text(const struct guard_cond *c, char *buf, size_t len)
{
	char	v[32];

	if (c->metric == GM_MEM_AVAILABLE)
		size_text(c->value, v, sizeof(v));
	else
		snprintf(v, sizeof(v), "%g", c->value);
	snprintf(buf, len, "%s %s %s", guard_metric_name(c->metric),
	    guard_op_name(c->op), v);
	return buf;
}

int
guard_check(const struct guard *g, char *why, size_t len)
{
	double		load[3], have = 0;
	uint64_t	mem;
	int		nload = 0;
	size_t		i;
	char		a[32], b[32];

	for (i = 0; i < g->n; i++) {
		const struct guard_cond *c = &g->cond[i];

		if (c->metric == GM_MEM_AVAILABLE) {
			if (os_mem_available(&mem) == -1) {
				snprintf(why, len, "mem_available cannot be "
				    "read");
				return -1;
			}
			have = (double)mem;
		} else {
			if (nload == 0 && (nload = getloadavg(load, 3)) < 3) {
				snprintf(why, len, "the load average cannot "
				    "be read");
				return -1;
			}
			have = load[c->metric - GM_LOAD1];
		}
		if (holds(have, c->op, c->value))
			continue;
		if (c->metric == GM_MEM_AVAILABLE)
			snprintf(why, len, "mem_available %s %s %s",
			    size_text(have, a, sizeof(a)), negation(c->op),
			    size_text(c->value, b, sizeof(b)));
		else
			snprintf(why, len, "%s %.2f %s %g",
			    guard_metric_name(c->metric), have,
			    negation(c->op), c->value);
		return -1;
	}
	return 0;
}
