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
/* /proc/PID/stat: state, parent, group, session, start; -1 if gone. */
static int
proc_stat(pid_t pid, struct os_proc *p)
{
	char		 path[64], buf[1024], *q;
	int		 fd, ppid, pgid, sid;
	ssize_t		 n;
	unsigned long long start;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	/* pid (comm) state ppid pgrp session ... starttime (field 22);
	 * comm may hold blanks and ')' */
	if ((q = strrchr(buf, ')')) == NULL || sscanf(q + 1, " %c %d %d %d "
	    "%*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d %llu",
	    &p->state, &ppid, &pgid, &sid, &start) != 5)
		return -1;
	p->ppid = (pid_t)ppid;
	p->pgid = (pid_t)pgid;
	p->sid = (pid_t)sid;
	p->start = start;
	return 0;
}

/* Does pid descend from the process anc? */
static int
descends_from(pid_t pid, pid_t anc)
{
	struct os_proc	p;
	int		depth;

	for (depth = 0; depth < 64 && pid > 1; depth++) {
		if (proc_stat(pid, &p) == -1)
			return 0;
		if ((pid = p.ppid) == anc)
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
	struct os_proc	 ps;
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
		    !descends_from((pid_t)pid, getpid()))
			continue;
		if (has == -1) {
			if (unsure != NULL && proc_stat((pid_t)pid, &ps) == 0 &&
			    ps.state != 'Z')
				(*unsure)++;
			continue;
		}
		if (kill((pid_t)pid, sig) == 0)
			count++;
	}
	closedir(d);
	return count;
}
uint64_t
os_proc_start(pid_t pid)
{
	struct os_proc	p;

	return proc_stat(pid, &p) == 0 ? p.start : 0;
}

/* What the kernel says of pid, with its real uid; -1 if it is gone. */
int
os_proc(pid_t pid, struct os_proc *p)
{
	char		 path[64], buf[2048], *q;
	int		 fd;
	ssize_t		 n;
	unsigned	 uid;

	if (proc_stat(pid, p) == -1)
		return -1;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	if ((q = strstr(buf, "\nUid:")) == NULL || sscanf(q + 5, "%u", &uid) != 1)
		return -1;
	p->uid = (uid_t)uid;
	return 0;
}

const char *
os_boot_id(void)
{
	static char	id[64];
	int		fd;
	ssize_t		n;

	if (id[0] != '\0')
		return id;
	if ((fd = open("/proc/sys/kernel/random/boot_id", O_RDONLY |
	    O_CLOEXEC)) == -1)
		return NULL;
	n = read(fd, id, sizeof(id) - 1);
	close(fd);
	id[n > 0 ? n : 0] = '\0';
	id[strcspn(id, "\n")] = '\0';
	return id[0] != '\0' ? id : NULL;
}

/*
 * A previous maintd's run, left open by its crash.  Its processes are
 * killed only when proven its own: the leader by its pid and start time
 * (which no later process can have) and uid; what carries the run's
 * MAINTD_RUN_ID and MAINTD_TASK must also have the run's uid, have
 * started no earlier than its leader, and be in the leader's session or
 * descend from the live leader.  Anything else is left alone, and logged.
 */
int
os_recover_run(const struct run_mark *m)
{
	DIR		*d;
	struct dirent	*de;
	struct os_proc	 lp, p;
	char		 a[64], b[128], *end;
	const char	*needles[2] = { a, b }, *why;
	size_t		 lens[2];
	long		 pid;
	int		 count = 0, leader;
	pid_t		*kills = NULL;
	size_t		 nkills = 0, i;

	lens[0] = (size_t)snprintf(a, sizeof(a), "MAINTD_RUN_ID=%llu",
	    (unsigned long long)m->run_id) + 1;
	lens[1] = (size_t)snprintf(b, sizeof(b), "MAINTD_TASK=%s", m->task) + 1;
	if (lens[1] > sizeof(b))
		return 0;
	leader = m->pid > 1 && m->start > 0 && os_proc(m->pid, &lp) == 0 &&
	    lp.start == m->start && lp.uid == m->uid && lp.state != 'Z';
	/* the proof of descent needs the leader alive: judge all, then kill */
	if ((d = opendir("/proc")) == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		pid = strtol(de->d_name, &end, 10);
		if (*end != '\0' || pid <= 1 || pid == getpid())
			continue;
		if (env_has((pid_t)pid, needles, lens, 2) != 1 ||
		    os_proc((pid_t)pid, &p) == -1 || p.state == 'Z' ||
		    (leader && p.pgid == m->pid))
			continue;
		why = NULL;
		if (m->start == 0)
			why = "the run's start was not recorded";
		else if (p.uid != m->uid)
			why = "it runs as another user";
		else if (p.start < m->start)
			why = "it is older than the run";
		else if (p.sid != m->pid && !(leader &&
		    descends_from((pid_t)pid, m->pid)))
			why = "it is neither in the run's session nor below it";
		if (why != NULL) {
			log_warnx("%s: not killing pid %ld: it carries the marks "
			    "of run %llu, but %s", m->task, pid,
			    (unsigned long long)m->run_id, why);
			continue;
		}
		kills = xreallocarray(kills, nkills + 1, sizeof(*kills));
		kills[nkills++] = (pid_t)pid;
	}
	closedir(d);
	if (leader) {
		log_warnx("%s: run %llu was left running by a previous maintd "
		    "(pid %d); killing its process group", m->task,
		    (unsigned long long)m->run_id, (int)m->pid);
		if (kill(-m->pid, SIGKILL) == 0)
			count++;
	}
	if (nkills > 0)
		log_warnx("%s: killing %zu process%s of run %llu that a "
		    "previous maintd left running", m->task, nkills,
		    nkills == 1 ? "" : "es",
		    (unsigned long long)m->run_id);
	for (i = 0; i < nkills; i++)
		if (kill(kills[i], SIGKILL) == 0)
			count++;
	free(kills);
	return count;
}
#else
uint64_t
os_proc_start(pid_t pid)
{
	(void)pid;
	return 0;
}

int
os_proc(pid_t pid, struct os_proc *p)
{
	(void)pid;
	(void)p;
	return -1;
}

const char *
os_boot_id(void)
{
	return NULL;
}

/* Nothing can be proven here: nothing is killed. */
int
os_recover_run(const struct run_mark *m)
{
	(void)m;
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
