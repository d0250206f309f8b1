/*
 * osdep.c: becoming a child subreaper (Linux prctl, FreeBSD procctl), and
 * finding the processes of a run that left its process group with
 * setsid(): every descendant of maintd whose environment still says
 * MAINTD_RUN_ID=<id> (Linux /proc; elsewhere only the group is signalled).
 */
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef __linux__
#include <sys/prctl.h>
#endif
#ifdef __FreeBSD__
#include <sys/procctl.h>
#endif

#include "log.h"
#include "osdep.h"
#include "util.h"

void
os_subreaper(void)
{
#if defined(__linux__)
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) == -1)
		log_warn("prctl(PR_SET_CHILD_SUBREAPER)");
#elif defined(__FreeBSD__)
	if (procctl(P_PID, getpid(), PROC_REAP_ACQUIRE, NULL) == -1)
		log_warn("procctl(PROC_REAP_ACQUIRE)");
#endif
}

#ifdef __linux__
/* The parent of pid, and its state letter; -1 if it is gone. */
static pid_t
parent_of(pid_t pid, char *state)
{
	char	path[64], buf[512], *p;
	int	fd;
	ssize_t	n;
	int	ppid;
	char	st;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	/* pid (comm) state ppid ...; comm may hold spaces and ')' */
	if ((p = strrchr(buf, ')')) == NULL ||
	    sscanf(p + 1, " %c %d", &st, &ppid) != 2)
		return -1;
	if (state != NULL)
		*state = st;
	return (pid_t)ppid;
}

static int
descends_from_us(pid_t pid)
{
	pid_t	self = getpid();
	int	depth;

	for (depth = 0; depth < 64 && pid > 1; depth++) {
		if ((pid = parent_of(pid, NULL)) == self)
			return 1;
	}
	return 0;
}

/*
 * Does the environment of pid hold every NUL-terminated needle?  1 yes,
 * 0 no, -1 it read empty: the process is a zombie, or between the two
 * halves of an execve (the kernel shows no environment until the new
 * program's stack is set up), or really has none.
 */
static int
env_has(pid_t pid, const char *const *needles, const size_t *lens, int n)
{
	static char	buf[65536];
	char		path[64];
	ssize_t		r;
	size_t		len = 0, i;
	int		fd, k, found = 0;

	snprintf(path, sizeof(path), "/proc/%d/environ", (int)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return 0;
	while (len < sizeof(buf) - 1 &&
	    (r = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
		len += (size_t)r;
	close(fd);
	if (len == 0)
		return -1;
	for (k = 0; k < n; k++)
		for (i = 0; i + lens[k] <= len; ) {
			if (memcmp(buf + i, needles[k], lens[k]) == 0) {
				found++;
				break;
			}
			while (i < len && buf[i] != '\0')
				i++;
			i++;
		}
	return found == n;
}

int
os_kill_run(uint64_t run_id, pid_t pgid, int sig, int *unsure,
    const pid_t *groups, size_t ngroups)
{
	DIR		*d;
	struct dirent	*de;
	char		 needle[64], *end;
	const char	*np = needle;
	long		 pid;
	size_t		 nlen;
	int		 count = 0, has;
	char		 state;
	pid_t		 g;

	nlen = (size_t)snprintf(needle, sizeof(needle), "MAINTD_RUN_ID=%llu",
	    (unsigned long long)run_id) + 1;	/* with the NUL */
	if ((d = opendir("/proc")) == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		pid = strtol(de->d_name, &end, 10);
		if (*end != '\0' || pid <= 1 || pid == getpid())
			continue;
		/* one cheap call first: most processes are another run's */
		g = getpgid((pid_t)pid);
		if (g == pgid || (ngroups > 0 &&
		    bsearch(&g, groups, ngroups, sizeof(g), pid_cmp) != NULL))
			continue;
		if ((has = env_has((pid_t)pid, &np, &nlen, 1)) == 0 ||
		    !descends_from_us((pid_t)pid))
			continue;
		if (has == -1) {
			if (unsure != NULL && parent_of((pid_t)pid, &state) > 0 &&
			    state != 'Z')
				(*unsure)++;
			continue;
		}
		if (kill((pid_t)pid, sig) == 0)
			count++;
	}
	closedir(d);
	return count;
}
static int
stale_needles(uint64_t run_id, const char *task, char *a, char *b,
    size_t len, size_t *lens)
{
	lens[0] = (size_t)snprintf(a, len, "MAINTD_RUN_ID=%llu",
	    (unsigned long long)run_id) + 1;
	lens[1] = (size_t)snprintf(b, len, "MAINTD_TASK=%s", task) + 1;
	return lens[0] <= len && lens[1] <= len;
}

int
os_run_alive(pid_t pid, uint64_t run_id, const char *task)
{
	char		 a[64], b[128];
	const char	*needles[2] = { a, b };
	size_t		 lens[2];

	if (!stale_needles(run_id, task, a, b, sizeof(b), lens))
		return 0;
	return env_has(pid, needles, lens, 2) == 1;
}

/* Every process still marked with the run (its daemon is gone). */
int
os_kill_stale(uint64_t run_id, const char *task)
{
	DIR		*d;
	struct dirent	*de;
	char		 a[64], b[128], *end;
	const char	*needles[2] = { a, b };
	size_t		 lens[2];
	long		 pid;
	int		 count = 0;

	if (!stale_needles(run_id, task, a, b, sizeof(b), lens) ||
	    (d = opendir("/proc")) == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		pid = strtol(de->d_name, &end, 10);
		if (*end != '\0' || pid <= 1 || pid == getpid())
			continue;
		if (env_has((pid_t)pid, needles, lens, 2) == 1 &&
		    kill((pid_t)pid, SIGKILL) == 0)
			count++;
	}
	closedir(d);
	return count;
}
#else
int
os_run_alive(pid_t pid, uint64_t run_id, const char *task)
{
	(void)pid;
	(void)run_id;
	(void)task;
	return 0;
}

int
os_kill_stale(uint64_t run_id, const char *task)
{
	(void)run_id;
	(void)task;
	return 0;
}

int
os_kill_run(uint64_t run_id, pid_t pgid, int sig, int *unsure,
    const pid_t *groups, size_t ngroups)
{
	(void)run_id;
	(void)pgid;
	(void)sig;
	(void)unsure;
	(void)groups;
	(void)ngroups;
	return 0;
}
#endif
