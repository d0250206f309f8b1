/*
 * test_resources.c: what a run used (cgroup_stat.c, run.c), read from the
 * files of a cgroup v2 made up in a temporary directory (cpu.stat,
 * memory.peak or memory.current, io.stat of two devices, the pressure
 * files), so the cgroup side is checked on a host whose hierarchy has no
 * controllers too; and where each figure is taken from.
 */
#include <sys/types.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cgroup.h"
#include "ev.h"
#include "run.h"

static char	base[256], rdir[300];

static void
put(const char *dir, const char *name, const char *text)
{
	char	path[400];
	FILE	*fp;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_non_null(fp = fopen(path, "w"));
	fputs(text, fp);
	fclose(fp);
}

static void
gone(const char *name)
{
	char	path[400];

	snprintf(path, sizeof(path), "%s/%s", rdir, name);
	(void)unlink(path);
}

/* BASE (with a cgroup.kill, so cg_open() takes it) and BASE/t/7. */
static int
setup(void **state)
{
	char	tdir[300], why[256];

	(void)state;
	snprintf(base, sizeof(base), "%s/resources.XXXXXX",
	    getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(base) == NULL || ev_init() == -1)
		return -1;
	put(base, "cgroup.kill", "");
	snprintf(tdir, sizeof(tdir), "%s/t", base);
	snprintf(rdir, sizeof(rdir), "%s/t/7", base);
	if (mkdir(tdir, 0755) == -1 || mkdir(rdir, 0755) == -1)
		return -1;
	return cg_open(base, why, sizeof(why));
}

static int
teardown(void **state)
{
	char	cmd[400];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
	return system(cmd) == 0 ? 0 : -1;
}

static void
test_cgroup_files(void **state)
{
	struct cg_stats	s;

	(void)state;
	put(rdir, "cpu.stat", "usage_usec 1500000\nuser_usec 1000000\n"
	    "system_usec 500000\nnr_periods 0\n");
	put(rdir, "memory.peak", "104857600\n");
	put(rdir, "io.stat", "8:0 rbytes=4096 wbytes=52428800 rios=1 wios=50 "
	    "dbytes=0 dios=0\n259:0 rbytes=8192 wbytes=1024 rios=2 wios=1 "
	    "dbytes=512 dios=1\n");
	put(rdir, "cpu.pressure", "some avg10=0.00 avg60=0.00 avg300=0.00 "
	    "total=2500\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=1200\n");
	put(rdir, "memory.pressure", "some avg10=0.00 avg60=0.00 avg300=0.00 "
	    "total=7\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=3\n");
	put(rdir, "io.pressure", "some avg10=1.50 avg60=0.20 avg300=0.00 "
	    "total=90000\nfull avg10=1.00 avg60=0.10 avg300=0.00 total=80000\n");
	cg_run_stats("t", 7, &s);
	assert_int_equal(s.usage_us, 1500000);
	assert_int_equal(s.user_us, 1000000);
	assert_int_equal(s.system_us, 500000);
	assert_int_equal(s.memory_peak, 104857600);
	assert_int_equal(s.memory_current, -1);
	/* both devices summed; dbytes (discards) are not writes */
	assert_int_equal(s.io_read, 4096 + 8192);
	assert_int_equal(s.io_write, 52428800 + 1024);
	assert_int_equal(s.psi_some_us[0], 2500);
	assert_int_equal(s.psi_full_us[0], 1200);
	assert_int_equal(s.psi_some_us[1], 7);
	assert_int_equal(s.psi_full_us[1], 3);
	assert_int_equal(s.psi_some_us[2], 90000);
	assert_int_equal(s.psi_full_us[2], 80000);
}

/* No memory.peak, io.stat nor pressure (no controllers, no PSI). */
static void
test_cgroup_bare(void **state)
{
	struct cg_stats	s;

	(void)state;
	gone("memory.peak");
	gone("io.stat");
	gone("cpu.pressure");
	gone("memory.pressure");
	gone("io.pressure");
	put(rdir, "cpu.stat", "usage_usec 30\nuser_usec 20\nsystem_usec 10\n");
	cg_run_stats("t", 7, &s);
	assert_int_equal(s.user_us, 20);
	assert_int_equal(s.memory_peak, -1);
	assert_int_equal(s.memory_current, -1);
	assert_int_equal(s.io_read, -1);
	assert_int_equal(s.io_write, -1);
	assert_int_equal(s.psi_some_us[0], -1);
	assert_int_equal(s.psi_full_us[2], -1);
	cg_run_stats("t", 8, &s);	/* no such run */
	assert_int_equal(s.usage_us, -1);
}

static void
rusage_of(struct rusage *ru)
{
	memset(ru, 0, sizeof(*ru));
	ru->ru_utime.tv_sec = 2;
	ru->ru_stime.tv_usec = 250000;
	ru->ru_maxrss = 2048;		/* KiB */
	ru->ru_inblock = 8;
	ru->ru_oublock = 100;
}

static void
test_sources(void **state)
{
	struct cg_stats	cs;
	struct rusage	ru;
	struct run	r;

	(void)state;
	rusage_of(&ru);
	memset(&r, 0, sizeof(r));
	run_res_measure(&r.res, &ru, NULL);
	assert_int_equal(r.res.cpu_src, RS_RUSAGE);
	assert_int_equal(run_cpu_us(&r), 2250000);
	assert_int_equal(r.res.mem_peak, 2048 * 1024);
	assert_int_equal(r.res.io_read, 8 * 512);
	assert_int_equal(r.res.io_write, 100 * 512);
	assert_int_equal(r.res.psi_some_us[0], -1);

	/* a cgroup with CPU only: memory and IO from rusage */
	put(rdir, "cpu.stat", "usage_usec 3000000\nuser_usec 2000000\n"
	    "system_usec 1000000\n");
	cg_run_stats("t", 7, &cs);
	run_res_measure(&r.res, &ru, &cs);
	assert_int_equal(r.res.cpu_src, RS_CGROUP);
	assert_int_equal(run_cpu_us(&r), 3000000);
	assert_int_equal(r.res.mem_src, RS_RUSAGE);
	assert_int_equal(r.res.io_src, RS_RUSAGE);

	/* memory.current sampled while it ran, above rusage's maxrss */
	put(rdir, "memory.current", "4096\n");
	memset(&r, 0, sizeof(r));
	r.res.mem_seen = 50 << 20;
	cg_run_stats("t", 7, &cs);
	assert_int_equal(cs.memory_current, 4096);
	run_res_measure(&r.res, &ru, &cs);
	assert_int_equal(r.res.mem_src, RS_CGROUP);
	assert_int_equal(r.res.mem_peak, 50 << 20);

	/* ... below it: rusage's */
	r.res.mem_seen = 1024;
	run_res_measure(&r.res, &ru, &cs);
	assert_int_equal(r.res.mem_src, RS_RUSAGE);
	assert_int_equal(r.res.mem_peak, 2048 * 1024);

	/* a kernel with memory.peak: taken as it is */
	put(rdir, "memory.peak", "1000\n");
	put(rdir, "io.stat", "8:0 rbytes=1 wbytes=2 rios=1 wios=1\n");
	cg_run_stats("t", 7, &cs);
	run_res_measure(&r.res, &ru, &cs);
	assert_int_equal(r.res.mem_src, RS_CGROUP);
	assert_int_equal(r.res.mem_peak, 1000);
	assert_int_equal(r.res.io_src, RS_CGROUP);
	assert_int_equal(r.res.io_write, 2);
}

/* Sampling is for a base with memory.current and no memory.peak. */
static void
test_sampled(void **state)
{
	(void)state;
	assert_false(cg_memory_sampled());
	put(base, "memory.current", "0\n");
	assert_true(cg_memory_sampled());
	put(base, "memory.peak", "0\n");
	assert_false(cg_memory_sampled());
	put(rdir, "memory.current", "123456\n");
	assert_int_equal(cg_run_memory_sample("t", 7), 123456);
	assert_int_equal(cg_run_memory_sample("t", 9), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cgroup_files),
		cmocka_unit_test(test_cgroup_bare),
		cmocka_unit_test(test_sources),
		cmocka_unit_test(test_sampled),
	};

	return cmocka_run_group_tests_name("resources", tests, setup, teardown);
}
