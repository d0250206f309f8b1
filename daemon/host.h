/*
 * host.h: what the host says of itself, for start_when (guard.c) and
 * the metrics: memory available, a file system's free space, pressure
 * stall information, time since boot.  Each returns -1 where the host
 * cannot say (why, when given, says what was missing).
 */
#ifndef MAINTD_HOST_H
#define MAINTD_HOST_H

#include <stddef.h>
#include <stdint.h>

int	host_mem_available(uint64_t *bytes);
/* Free space for unprivileged users, in bytes and in % of the size. */
int	host_disk_free(const char *path, uint64_t *bytes, double *percent,
	    char *why, size_t len);
/* PSI: the share of time some tasks stalled on resource ("cpu",
 * "memory", "io") over the last 10 s, in %. */
int	host_pressure(const char *resource, double *avg10, char *why,
	    size_t len);
/* Seconds since the host booted. */
int	host_uptime(double *seconds, char *why, size_t len);

#endif
