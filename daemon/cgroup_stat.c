/*
 * cgroup_stat.c: what a run's cgroup says it used, read once when the run
 * ends (its resource record, DESIGN §15): cpu.stat (always there in
 * cgroup v2), memory.peak (with the memory controller, Linux 5.19 or
 * later), memory.current (sampled while it runs where there is no
 * memory.peak),
 * io.stat (with the io controller; bytes summed over the devices) and
 * the total stall times of cpu.pressure, memory.pressure and io.pressure
 * (where the kernel has PSI).  What a file does not say stays -1.
 */
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup.h"

#ifdef __linux__

/* "key value" of a flat-keyed file such as cpu.stat; -1: not there. */
static int64_t
key_value(const char *text, const char *key)
{
	const char	*p = text;
	size_t		 n = strlen(key);

	while ((p = strstr(p, key)) != NULL) {
		if ((p == text || p[-1] == '\n') && p[n] == ' ')
			return strtoll(p + n + 1, NULL, 10);
		p += n;
	}
	return -1;
}

/* A number alone in a file (memory.peak, memory.current); -1. */
static int64_t
number(const char *dir, const char *name)
{
	char	buf[64], *end;
	long long v;

	if (cg_read_text(dir, name, buf, sizeof(buf)) <= 0)
		return -1;
	errno = 0;
	v = strtoll(buf, &end, 10);
	return errno != 0 || end == buf || v < 0 ? -1 : (int64_t)v;
}

/*
 * io.stat: "MAJ:MIN rbytes=N wbytes=N rios=N ..." a line per device;
 * the bytes of every device summed.  Without the io controller there is
 * no file: both stay -1.
 */
static void
io_stat(const char *dir, struct cg_stats *s)
{
	char		 buf[8192];
	const char	*p;

	if (cg_read_text(dir, "io.stat", buf, sizeof(buf)) < 0)
		return;
	s->io_read = s->io_write = 0;
	for (p = buf; (p = strstr(p, "bytes=")) != NULL; p += 6) {
		if (p >= buf + 1 && p[-1] == 'r' && (p == buf + 1 ||
		    p[-2] == ' '))
			s->io_read += strtoll(p + 6, NULL, 10);
		else if (p >= buf + 1 && p[-1] == 'w' && (p == buf + 1 ||
		    p[-2] == ' '))
			s->io_write += strtoll(p + 6, NULL, 10);
	}
}

/* "some avg10=.. avg60=.. avg300=.. total=N" and the "full" line. */
static void
pressure(const char *dir, const char *name, int64_t *some, int64_t *full)
{
	char		 buf[512];
	const char	*p, *t;

	if (cg_read_text(dir, name, buf, sizeof(buf)) <= 0)
		return;
	for (p = buf; p != NULL && *p != '\0'; p = strchr(p, '\n'),
	    p = p != NULL ? p + 1 : NULL) {
		if ((t = strstr(p, "total=")) == NULL)
			break;
		if (strncmp(p, "some ", 5) == 0)
			*some = strtoll(t + 6, NULL, 10);
		else if (strncmp(p, "full ", 5) == 0)
			*full = strtoll(t + 6, NULL, 10);
	}
}

void
cg_run_stats(const char *task, uint64_t run, struct cg_stats *s)
{
	static const char	*psi[3] = {
		"cpu.pressure", "memory.pressure", "io.pressure"
	};
	char			 rdir[PATH_MAX], buf[1024];
	int			 i;

	s->usage_us = s->user_us = s->system_us = -1;
	s->memory_peak = s->memory_current = s->io_read = s->io_write = -1;
	for (i = 0; i < 3; i++)
		s->psi_some_us[i] = s->psi_full_us[i] = -1;
	if (cg_run_path(task, run, rdir, sizeof(rdir)) == -1)
		return;
	if (cg_read_text(rdir, "cpu.stat", buf, sizeof(buf)) > 0) {
		s->usage_us = key_value(buf, "usage_usec");
		s->user_us = key_value(buf, "user_usec");
		s->system_us = key_value(buf, "system_usec");
	}
	if ((s->memory_peak = number(rdir, "memory.peak")) == -1)
		s->memory_current = number(rdir, "memory.current");
	io_stat(rdir, s);
	for (i = 0; i < 3; i++)
		pressure(rdir, psi[i], &s->psi_some_us[i], &s->psi_full_us[i]);
}

/* Runs have the controllers base has (cgroup.c gives them all it can). */
bool
cg_memory_sampled(void)
{
	const char	*base = cg_base();

	return base != NULL && number(base, "memory.current") != -1 &&
	    number(base, "memory.peak") == -1;
}

int64_t
cg_run_memory_sample(const char *task, uint64_t run)
{
	char	rdir[PATH_MAX];

	if (cg_run_path(task, run, rdir, sizeof(rdir)) == -1)
		return -1;
	return number(rdir, "memory.current");
}

#else	/* no cgroup v2 */

void
cg_run_stats(const char *task, uint64_t run, struct cg_stats *s)
{
	int	i;

	(void)task;
	(void)run;
	s->usage_us = s->user_us = s->system_us = -1;
	s->memory_peak = s->memory_current = s->io_read = s->io_write = -1;
	for (i = 0; i < 3; i++)
		s->psi_some_us[i] = s->psi_full_us[i] = -1;
}

bool
cg_memory_sampled(void)
{
	return false;
}

int64_t
cg_run_memory_sample(const char *task, uint64_t run)
{
	(void)task;
	(void)run;
	return -1;
}

#endif
