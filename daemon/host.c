/*
 * host.c: what the host says of itself (host.h): /proc/meminfo (sysctl
 * on FreeBSD), statvfs(3), /proc/pressure (Linux 4.20 and later, when
 * the kernel has PSI), CLOCK_BOOTTIME (the monotonic clock elsewhere,
 * which counts from boot there).  Read only when asked.
 */
#include <sys/types.h>
#include <sys/statvfs.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifdef __FreeBSD__
#include <sys/sysctl.h>
#endif

#include "host.h"

int
host_mem_available(uint64_t *bytes)
{
#if defined(__linux__)
	char	buf[4096], *p;
	int	fd;
	ssize_t	n;
	unsigned long long kb;

	if ((fd = open("/proc/meminfo", O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	if ((p = strstr(buf, "MemAvailable:")) == NULL ||
	    sscanf(p + 13, "%llu", &kb) != 1)
		return -1;
	*bytes = (uint64_t)kb * 1024;
	return 0;
#elif defined(__FreeBSD__)
	u_int	page, freep, inact, cache;
	size_t	len;

	len = sizeof(u_int);
	if (sysctlbyname("vm.stats.vm.v_page_size", &page, &len, NULL, 0) ||
	    sysctlbyname("vm.stats.vm.v_free_count", &freep, &len, NULL, 0) ||
	    sysctlbyname("vm.stats.vm.v_inactive_count", &inact, &len, NULL,
	    0) || sysctlbyname("vm.stats.vm.v_cache_count", &cache, &len,
	    NULL, 0))
		return -1;
	*bytes = (uint64_t)page * ((uint64_t)freep + inact + cache);
	return 0;
#else
	(void)bytes;
	return -1;
#endif
}


int
host_disk_free(const char *path, uint64_t *bytes, double *percent,
    char *why, size_t len)
{
	struct statvfs	sv;

	if (statvfs(path, &sv) == -1) {
		snprintf(why, len, "disk_free(%s) cannot be read: %s", path,
		    strerror(errno));
		return -1;
	}
	*bytes = (uint64_t)sv.f_bavail * sv.f_frsize;
	*percent = sv.f_blocks == 0 ? 0 :
	    100.0 * (double)sv.f_bavail / (double)sv.f_blocks;
	return 0;
}

int
host_pressure(const char *resource, double *avg10, char *why, size_t len)
{
	char	path[64], buf[512], *p;
	int	fd;
	ssize_t	n;

	snprintf(path, sizeof(path), "/proc/pressure/%s", resource);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		snprintf(why, len, "pressure(%s) cannot be read: %s: %s "
		    "(the kernel has no pressure stall information: Linux "
		    "4.20 and later with PSI)", resource, path,
		    strerror(errno));
		return -1;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0) {
		/* a kernel built with PSI but booted with psi=0 */
		snprintf(why, len, "pressure(%s) cannot be read: %s: %s",
		    resource, path, n == 0 ? "empty" : strerror(errno));
		return -1;
	}
	buf[n] = '\0';
	if (strncmp(buf, "some ", 5) != 0 ||
	    (p = strstr(buf, "avg10=")) == NULL ||
	    sscanf(p + 6, "%lf", avg10) != 1) {
		snprintf(why, len, "pressure(%s) cannot be read: %s: no "
		    "\"some avg10=\"", resource, path);
		return -1;
	}
	return 0;
}

int
host_uptime(double *seconds, char *why, size_t len)
{
	struct timespec	ts;

#ifdef CLOCK_BOOTTIME
	if (clock_gettime(CLOCK_BOOTTIME, &ts) == -1) {
#else
	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1) {
#endif
		snprintf(why, len, "uptime cannot be read: %s",
		    strerror(errno));
		return -1;
	}
	*seconds = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
	return 0;
}
