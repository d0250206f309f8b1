/*
 * conf_cond.c: the conditions of start_when, "METRIC OP VALUE" ("load1 <
 * 4.0", "mem_available > 512M", "disk_free(/var) > 10G" or 15%,
 * "pressure(io) < 20", "uptime > 10m"), parsed for conf_valid.c's
 * validator and conf_file.c, and their names for those who show them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "util.h"

static const char *metric_names[] = { "load1", "load5", "load15",
	"mem_available", "disk_free", "pressure(cpu)", "pressure(memory)",
	"pressure(io)", "uptime" };
static const char *op_names[] = { "<", "<=", ">", ">=" };

const char *
guard_metric_name(enum guard_metric m)
{
	return metric_names[m];
}

const char *
guard_op_name(enum guard_op o)
{
	return op_names[o];
}

/* pressure(RESOURCE): its resource, as /proc/pressure names it; or NULL. */
const char *
guard_resource(enum guard_metric m)
{
	static const char *res[] = { "cpu", "memory", "io" };

	return m >= GM_PRESSURE_CPU && m <= GM_PRESSURE_IO ?
	    res[m - GM_PRESSURE_CPU] : NULL;
}

#define COND_FORMS	"as in \"load1 < 4.0\", \"mem_available > 512M\", " \
			"\"disk_free(/var) > 10G\" (or 15%%), \"pressure(io) " \
			"< 20\" or \"uptime > 10m\""

/* METRIC[(ARG)] OP VALUE, blanks between them; ARG up to its ')'. */
int
conf_parse_cond(const char *s, struct guard_cond *c, char *err, size_t len)
{
	const char	*p = s, *name, *arg = NULL, *errstr;
	char		 m[40], v[64];
	size_t		 nlen, alen = 0, i;
	int		 rest = 0;
	uint64_t	 bytes;
	int64_t		 ms;
	char		*end;

	memset(c, 0, sizeof(*c));
	while (*p == ' ' || *p == '\t')
		p++;
	for (name = p; (*p >= 'a' && *p <= 'z') || *p == '_' ||
	    (*p >= '0' && *p <= '9'); p++)
		;
	nlen = (size_t)(p - name);
	if (*p == '(') {
		arg = ++p;
		while (*p != '\0' && *p != ')' && *p != '\n')
			p++;
		if (*p != ')') {
			snprintf(err, len, "'%s': no ')' after '%.*s('", s,
			    (int)nlen, name);
			return -1;
		}
		alen = (size_t)(p++ - arg);
	}
	if (nlen == 0 || nlen + alen + 2 >= sizeof(m) - 8 ||
	    sscanf(p, " %7[<>=] %55s %n", v, v + 8, &rest) != 2 ||
	    p[rest] != '\0') {
		snprintf(err, len, "'%s': expected METRIC OP VALUE, "
		    COND_FORMS, s);
		return -1;
	}
	/* the name as the table has it: pressure(io), not disk_free(/x) */
	if (arg != NULL && strncmp(name, "disk_free", nlen) != 0)
		snprintf(m, sizeof(m), "%.*s(%.*s)", (int)nlen, name,
		    (int)alen, arg);
	else
		snprintf(m, sizeof(m), "%.*s", (int)nlen, name);
	for (i = 0; i < GM_NMETRICS && strcmp(m, metric_names[i]) != 0; i++)
		;
	if (i == GM_NMETRICS) {
		snprintf(err, len, "'%s': unknown metric '%s' (load1, load5, "
		    "load15, mem_available, disk_free(PATH), pressure(cpu), "
		    "pressure(memory), pressure(io) or uptime)", s, m);
		return -1;
	}
	c->metric = (enum guard_metric)i;
	if (c->metric == GM_DISK_FREE) {
		if (arg == NULL || alen == 0 || arg[0] != '/' ||
		    alen >= sizeof(c->path)) {
			snprintf(err, len, "'%s': disk_free needs an absolute "
			    "path (of at most %zu bytes), as in "
			    "disk_free(/var)", s, sizeof(c->path) - 1);
			return -1;
		}
		memcpy(c->path, arg, alen);
		c->path[alen] = '\0';
	}
	for (i = 0; i < 4 && strcmp(v, op_names[i]) != 0; i++)
		;
	if (i == 4) {
		snprintf(err, len, "'%s': unknown comparison '%s' (<, <=, > or "
		    ">=)", s, v);
		return -1;
	}
	c->op = (enum guard_op)i;
	p = v + 8;
	switch (c->metric) {
	case GM_MEM_AVAILABLE:
	case GM_DISK_FREE:
		if (c->metric == GM_DISK_FREE && p[strlen(p) - 1] == '%') {
			c->percent = true;
			break;	/* a number, below */
		}
		if (parse_size(p, &bytes, &errstr) == -1) {
			snprintf(err, len, "'%s': bad size '%s': %s", s, p,
			    errstr);
			return -1;
		}
		c->value = (double)bytes;
		return 0;
	case GM_UPTIME:
		if (parse_duration(p, &ms, &errstr) == -1) {
			snprintf(err, len, "'%s': bad duration '%s': %s", s, p,
			    errstr);
			return -1;
		}
		c->value = (double)ms / 1000;
		return 0;
	default:
		break;
	}
	c->value = strtod(p, &end);
	if (c->percent || (c->metric >= GM_PRESSURE_CPU &&
	    c->metric <= GM_PRESSURE_IO && *end == '%'))
		end++;
	if (*end != '\0' || end == p || c->value < 0 ||
	    ((c->percent || c->metric >= GM_PRESSURE_CPU) && c->value > 100)) {
		snprintf(err, len, "'%s': bad %s '%s'", s,
		    c->percent || c->metric >= GM_PRESSURE_CPU ?
		    "percentage (0 to 100)" : "load", p);
		return -1;
	}
	return 0;
}
