/*
 * spawn.c: start one run.  Everything that allocates or asks NSS (argv,
 * environment, the user's groups) happens in the parent; the child only
 * makes system calls: default signals and an empty mask, setsid, rlimits,
 * nice, umask, chdir, setgroups/setgid/setuid, stdio, closefrom, execve.
 * A failure before exec is written to a close-on-exec pipe as a
 * struct spawn_report; EOF on that pipe means the exec succeeded.
 *
 * The child comes from clone3 with CLONE_VM into its cgroup
 * (spawn_clone.c), or from vfork(): it borrows the daemon's memory until
 * it execs, so starting a run does not copy the daemon's page tables
 * (half the cost of a start with fork).  That is why it writes nothing
 * but its own stack and calls nothing that takes a lock or allocates; the id
 * changes are raw system calls on Linux, because glibc's wrappers would
 * signal the daemon's other threads, if it had any, to change theirs.
 */
#include <sys/types.h>
#include <sys/resource.h>
#include <sys/wait.h>

#ifdef __linux__
#include <sys/prctl.h>
#endif

#include <errno.h>
#include <fcntl.h>
#ifdef __linux__
#include <sys/syscall.h>
#endif
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ev.h"
#include "log.h"
#include "run.h"
#include "spawn.h"
#include "spawn_clone.h"
#include "util.h"

#define MAX_GROUPS	256

static const int rlimit_res[LIM_MAX] = {
	RLIMIT_CPU, RLIMIT_AS, RLIMIT_NOFILE, RLIMIT_NPROC, RLIMIT_FSIZE,
	RLIMIT_CORE
};
static const char *rlimit_names[LIM_MAX] = {
	"cpu", "memory", "nofile", "nproc", "fsize", "core"
};

/*
 * The user's name, home and groups, as NSS gave them less than a second
 * ago: a burst of starts (a thousand services activated at once) asks
 * NSS once per user, and a change to the user database is seen within a
 * second.
 */
#define IDS_CACHE	16
#define IDS_TTL_MS	1000

struct ids {
	uid_t		 uid;
	gid_t		 gid;
	uint64_t	 when;		/* ev_now() of the lookup; 0: empty */
	bool		 found;		/* the uid has a passwd entry */
	char		*name, *dir;
	int		 ngroups;	/* 0: not asked; -1: over MAX_GROUPS */
	gid_t		 groups[MAX_GROUPS];
};

static struct ids	ids_cache[IDS_CACHE];

static void
groups_of(struct ids *e)
{
	e->ngroups = MAX_GROUPS;
	if (getgrouplist(e->name, e->gid, e->groups, &e->ngroups) == -1)
		e->ngroups = -1;
}

static const struct ids *
ids_lookup(uid_t uid, gid_t gid, bool want_groups)
{
	struct ids	*e, *oldest = &ids_cache[0];
	struct passwd	*pw;
	uint64_t	 now = ev_now();
	size_t		 i;

	for (i = 0; i < IDS_CACHE; i++) {
		e = &ids_cache[i];
		if (e->when != 0 && e->uid == uid && e->gid == gid &&
		    now - e->when < IDS_TTL_MS) {
			if (want_groups && e->found && e->ngroups == 0)
				groups_of(e);
			return e;
		}
		if (e->when < oldest->when)
			oldest = e;
	}
	e = oldest;
	free(e->name);
	free(e->dir);
	e->name = e->dir = NULL;
	e->uid = uid;
	e->gid = gid;
	e->when = now;
	e->ngroups = 0;
	if ((pw = getpwuid(uid)) == NULL) {
		e->found = false;
		return e;
	}
	e->found = true;
	e->name = xstrdup(pw->pw_name);
	e->dir = xstrdup(pw->pw_dir);
	if (want_groups)
		groups_of(e);
	return e;
}

/* Empty the cache (at exit, for leak checkers). */
void
spawn_forget(void)
{
	size_t	i;

	for (i = 0; i < IDS_CACHE; i++) {
		free(ids_cache[i].name);
		free(ids_cache[i].dir);
	}
	memset(ids_cache, 0, sizeof(ids_cache));
	spawn_clone_free();
}

static void
env_set(char ***envp, size_t *n, const char *name, const char *value)
{
	char	*s;
	size_t	 i, len = strlen(name);

	if (asprintf(&s, "%s=%s", name, value) == -1)
		fatal("asprintf");
	for (i = 0; i < *n; i++)
		if (strncmp((*envp)[i], name, len) == 0 &&
		    (*envp)[i][len] == '=') {
			free((*envp)[i]);
			(*envp)[i] = s;
			return;
		}
	*envp = xreallocarray(*envp, *n + 2, sizeof(char *));
	(*envp)[(*n)++] = s;
	(*envp)[*n] = NULL;
}

/* The clean environment of DESIGN §3; the task's own entries win. */
static char **
build_env(const struct task_conf *tc, const struct config *conf,
    const struct ids *id, uint64_t run_id, bool dry_run, int64_t token,
    const struct run_parent *parent)
{
	char	**env = xcalloc(1, sizeof(char *)), *eq, name[256], rid[32];
	size_t	  n = 0;
	char	**e;

	env_set(&env, &n, "PATH", conf->path_env);
	env_set(&env, &n, "HOME", id->found ? id->dir : "/");
	env_set(&env, &n, "USER", id->found ? id->name : "");
	env_set(&env, &n, "LOGNAME", id->found ? id->name : "");
	if (conf->lang != NULL)
		env_set(&env, &n, "LANG", conf->lang);
	for (e = tc->environment; e != NULL && *e != NULL; e++) {
		if ((eq = strchr(*e, '=')) == NULL ||
		    (size_t)(eq - *e) >= sizeof(name))
			continue;
		memcpy(name, *e, (size_t)(eq - *e));
		name[eq - *e] = '\0';
		env_set(&env, &n, name, eq + 1);
	}
	snprintf(rid, sizeof(rid), "%llu", (unsigned long long)run_id);
	env_set(&env, &n, "MAINTD_TASK", tc->name);
	env_set(&env, &n, "MAINTD_RUN_ID", rid);
	env_set(&env, &n, "MAINTD_DRY_RUN", dry_run ? "1" : "0");
	if (token > 0) {
		snprintf(rid, sizeof(rid), "%lld", (long long)token);
		env_set(&env, &n, "MAINTD_FLEET_TOKEN", rid);
	}
	if (parent != NULL) {
		snprintf(rid, sizeof(rid), "%llu",
		    (unsigned long long)parent->run);
		env_set(&env, &n, "MAINTD_PARENT_TASK", parent->task);
		env_set(&env, &n, "MAINTD_PARENT_RUN", rid);
		env_set(&env, &n, "MAINTD_PARENT_RESULT", parent->result);
	}
	return env;
}

#ifdef __linux__
/* 32-bit ids where the plain call has 16-bit ones (i386, arm) */
#ifdef SYS_setresuid32
#define SYS_SETRESUID	SYS_setresuid32
#define SYS_SETRESGID	SYS_setresgid32
#define SYS_SETGROUPS	SYS_setgroups32
#else
#define SYS_SETRESUID	SYS_setresuid
#define SYS_SETRESGID	SYS_setresgid
#define SYS_SETGROUPS	SYS_setgroups
#endif
#define c_setresuid(u)	syscall(SYS_SETRESUID, (u), (u), (u))
#define c_setresgid(g)	syscall(SYS_SETRESGID, (g), (g), (g))
#define c_setgroups(n, v) syscall(SYS_SETGROUPS, (n), (v))
#else
#define c_setresuid(u)	setresuid((u), (u), (u))
#define c_setresgid(g)	setresgid((g), (g), (g))
#define c_setgroups(n, v) setgroups((n), (v))
#endif

static void __attribute__((noreturn))
child_fail(int fd, int stage, int detail)
{
	struct spawn_report	r;
	ssize_t			n;

	r.stage = stage;
	r.err = errno;
	r.detail = detail;
	/* nothing more to do if the daemon cannot be told */
	n = write(fd, &r, sizeof(r));
	(void)n;
	_exit(127);
}

/*
 * The daemon's own soft RLIMIT_NOFILE is raised to the hard limit (each
 * run holds two to four descriptors of the daemon's: its pipes and its
 * pidfd); runs get the one it started with back, unless their task sets
 * limits { nofile }.
 */
static struct rlimit	nofile_start;
static bool		nofile_raised;

void
spawn_raise_nofile(void)
{
	struct rlimit	rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1 || rl.rlim_cur >= rl.rlim_max)
		return;
	nofile_start = rl;
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) == 0)
		nofile_raised = true;
}

/*
 * In the child: close every descriptor of the daemon's but those kept.
 * They include its locks (the pidfile's, the database's): a child still
 * holding them after the daemon was killed (joining a cgroup can take a
 * while) kept the next maintd from starting, "already running".
 */
static void
keep_only(int *keep, int nkeep)
{
	int	i, j, k, prev = 2;

	/* sorted (a handful), then each gap between them closed at once */
	for (i = 1; i < nkeep; i++)
		for (j = i; j > 0 && keep[j - 1] > keep[j]; j--) {
			k = keep[j];
			keep[j] = keep[j - 1];
			keep[j - 1] = k;
		}
	for (i = 0; i < nkeep; i++) {
		if (keep[i] <= prev)
			continue;
#ifdef __linux__
		if (keep[i] - 1 > prev)
			(void)close_range((unsigned)prev + 1,
			    (unsigned)keep[i] - 1, 0);
#else
		for (k = prev + 1; k < keep[i]; k++)
			(void)close(k);
#endif
		prev = keep[i];
	}
	closefrom(prev + 1);
}

/* In the child, between vfork and exec: system calls only. */
static void __attribute__((noreturn))
child(const struct task_conf *tc, char **argv, char **envp, int outw,
    int stderrw, int errw, int devnull, const gid_t *groups, int ngroups,
    bool switch_ids, int cgfd, pid_t parent)
{
	struct sigaction	sa;
	struct rlimit		rl;
	sigset_t		set;
	int			i, keep[5];

	/* first of all: the daemon's descriptors are not the run's */
	keep[0] = outw;
	keep[1] = stderrw;
	keep[2] = errw;
	keep[3] = devnull;
	keep[4] = cgfd;
	keep_only(keep, 5);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	for (i = 1; i < NSIG; i++)
		(void)sigaction(i, &sa, NULL);
	sigemptyset(&set);
	sigprocmask(SIG_SETMASK, &set, NULL);

	/*
	 * into the run's cgroup first, unless it was started in there: all
	 * it starts is in there too
	 */
	if (cgfd != -1 && write(cgfd, "0", 1) != 1)
		child_fail(errw, SP_CGROUP, 0);
	if (setsid() == -1)
		child_fail(errw, SP_SETSID, 0);
	if (nofile_raised && !tc->limits.set[LIM_NOFILE] &&
	    setrlimit(RLIMIT_NOFILE, &nofile_start) == -1)
		child_fail(errw, SP_RLIMIT, LIM_NOFILE);
	for (i = 0; i < LIM_MAX; i++) {
		if (!tc->limits.set[i])
			continue;
		rl.rlim_cur = rl.rlim_max = (rlim_t)tc->limits.value[i];
		if (setrlimit(rlimit_res[i], &rl) == -1)
			child_fail(errw, SP_RLIMIT, i);
	}
	if (tc->nice != 0 && setpriority(PRIO_PROCESS, 0, tc->nice) == -1)
		child_fail(errw, SP_NICE, 0);
	umask(tc->umask);
	if (switch_ids && ngroups == -1) {
		/* Not root: this fails, and says which id could not be had. */
		if (tc->uid != getuid() && c_setresuid(tc->uid) == -1)
			child_fail(errw, SP_SETUID, 0);
		if (c_setresgid(tc->gid) == -1)
			child_fail(errw, SP_SETGID, 0);
	} else if (switch_ids) {
		if (c_setgroups((size_t)ngroups, groups) == -1)
			child_fail(errw, SP_SETGROUPS, 0);
		if (c_setresgid(tc->gid) == -1)
			child_fail(errw, SP_SETGID, 0);
		if (c_setresuid(tc->uid) == -1)
			child_fail(errw, SP_SETUID, 0);
		if (tc->uid != 0 && c_setresuid(0) != -1) {
			errno = EPERM;
			child_fail(errw, SP_SETUID, 0);
		}
	}
#ifdef __linux__
	/* killed with a daemon that is killed (set after the ids change,
	 * which clears it); the daemon may already be gone */
	(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(127);
#else
	(void)parent;
#endif
	if (chdir(tc->directory) == -1)
		child_fail(errw, SP_CHDIR, 0);
	if (dup2(devnull, STDIN_FILENO) == -1 ||
	    dup2(outw, STDOUT_FILENO) == -1 ||
	    dup2(stderrw, STDERR_FILENO) == -1 ||
	    dup2(errw, 3) == -1 || fcntl(3, F_SETFD, FD_CLOEXEC) == -1)
		child_fail(errw, SP_STDIO, 0);
	closefrom(4);
	execve(argv[0], argv, envp);
	child_fail(3, SP_EXEC, 0);
}

/*
 * " (too many processes: RLIMIT_NPROC N)", for an EAGAIN of fork or
 * exec: n, or the daemon's own limit when n is -1.
 */
static const char *
nproc_hint(char *buf, size_t len, long long n)
{
	struct rlimit	rl;

	if (n < 0 && getrlimit(RLIMIT_NPROC, &rl) == 0 &&
	    rl.rlim_cur != RLIM_INFINITY)
		n = (long long)rl.rlim_cur;
	if (n < 0)
		snprintf(buf, len, " (too many processes)");
	else
		snprintf(buf, len, " (too many processes: RLIMIT_NPROC %lld)",
		    n);
	return buf;
}

pid_t
spawn_reap(int pidfd, pid_t pid, int *status, struct rusage *ru)
{
#ifdef __linux__
	static bool	no_p_pidfd;	/* Linux 5.3 has pidfds, not P_PIDFD */
	siginfo_t	si;

	if (!no_p_pidfd) {
		memset(&si, 0, sizeof(si));
		/* the raw call: glibc's waitid() has no rusage */
		if (syscall(SYS_waitid, 3 /* P_PIDFD: older headers lack it */,
		    pidfd, &si, WEXITED | WNOHANG | __WALL, ru) == -1) {
			if (errno != EINVAL)
				return -1;
			no_p_pidfd = true;
		} else if (si.si_pid == 0)
			return 0;
		else {
			if (si.si_code == CLD_EXITED)
				*status = (si.si_status & 0xff) << 8;
			else
				*status = (si.si_status & 0x7f) |
				    (si.si_code == CLD_DUMPED ? 0x80 : 0);
			return si.si_pid;
		}
	}
#endif
	(void)pidfd;
	return wait4(pid, status, WNOHANG | __WALL, ru);
}

/* Its own frame, so nothing of spawn_run's lives across the vfork. */
static pid_t
vfork_child(const struct task_conf *tc, char **envp, int outw, int stderrw,
    int errw, int devnull, const gid_t *groups, int ngroups, bool switch_ids,
    int procs)
{
	pid_t	pid, parent = getpid();

	if ((pid = vfork()) == 0)
		child(tc, tc->argv, envp, outw, stderrw, errw, devnull, groups,
		    ngroups, switch_ids, procs, parent);
	return pid;
}

/* What the child needs, for spawn_clone(): read in the daemon's frame. */
struct child_args {
	const struct task_conf	*tc;
	char			**envp;
	int			 outw, stderrw, errw, devnull;
	const gid_t		*groups;
	int			 ngroups;
	bool			 switch_ids;
	pid_t			 parent;
};

static void
child_entry(void *arg)
{
	const struct child_args	*c = arg;

	child(c->tc, c->tc->argv, c->envp, c->outw, c->stderrw, c->errw,
	    c->devnull, c->groups, c->ngroups, c->switch_ids, -1, c->parent);
}

/*
 * With a cgroup: started in it (spawn_clone.c), or (no clone3) vfork and
 * join it.  pidfd (NULL: not wanted): the child's, or -1 where there are
 * none.
 */
static pid_t
start_child(const struct task_conf *tc, char **envp, int outw, int stderrw,
    int errw, int devnull, const gid_t *groups, int ngroups, bool switch_ids,
    int cgdir, int *pidfd)
{
	struct child_args	c;
	pid_t			pid;
	int			procs = -1;

	if (cgdir != -1) {
		c.tc = tc;
		c.envp = envp;
		c.outw = outw;
		c.stderrw = stderrw;
		c.errw = errw;
		c.devnull = devnull;
		c.groups = groups;
		c.ngroups = ngroups;
		c.switch_ids = switch_ids;
		c.parent = getpid();
		pid = spawn_clone(cgdir, pidfd, child_entry, &c);
		if (pid > 0 || (errno != ENOSYS && errno != E2BIG &&
		    errno != EINVAL))
			return pid;
		if ((procs = openat(cgdir, "cgroup.procs", O_WRONLY |
		    O_CLOEXEC)) == -1)
			return -1;
	}
	pid = vfork_child(tc, envp, outw, stderrw, errw, devnull, groups,
	    ngroups, switch_ids, procs);
	if (procs != -1)
		close(procs);
	/*
	 * its pidfd, even if it has ended already (a zombie has one): it is
	 * reaped on SIGCHLD too, by whichever comes first
	 */
	if (pid > 0 && pidfd != NULL)
		*pidfd = spawn_pidfd(pid);
	return pid;
}

int
spawn_run(const struct task_conf *tc, const struct config *conf,
    uint64_t run_id, bool dry_run, int flags, int cgfd,
    int64_t fleet_token, const struct run_parent *parent,
    struct spawn_result *res, char *err, size_t errlen)
{
	const struct ids *id;
	bool		 split_stderr = (flags & SPAWN_SPLIT) != 0;
	int		 ngroups, outp[2] = { -1, -1 }, sep[2] = { -1, -1 };
	int		 errp[2] = { -1, -1 }, devnull = -1, pidfd = -1;
	char		**envp;
	bool		 switch_ids;
	sigset_t	 all, old;
	pid_t		 pid;

	switch_ids = tc->uid != geteuid() || tc->gid != getegid() ||
	    (geteuid() == 0 && tc->user != NULL);
	if (!tc->allow_root && tc->uid == 0 && geteuid() == 0) {
		snprintf(err, errlen, "refusing to run %s as root "
		    "(allow_root = false)", tc->name);
		return -1;
	}
	id = ids_lookup(tc->uid, tc->gid, switch_ids && geteuid() == 0);
	ngroups = id->ngroups;
	if (switch_ids) {
		if (!id->found) {
			snprintf(err, errlen, "user %u: no such user",
			    (unsigned)tc->uid);
			return -1;
		}
		if (geteuid() != 0)
			ngroups = -1;	/* cannot set groups: do not try */
		else if (ngroups == -1) {
			snprintf(err, errlen, "user %s is in more than %d "
			    "groups", id->name, MAX_GROUPS);
			return -1;
		}
	}
	if (pipe2(outp, O_CLOEXEC) == -1 || pipe2(errp, O_CLOEXEC) == -1 ||
	    (split_stderr && pipe2(sep, O_CLOEXEC) == -1) ||
	    (devnull = open("/dev/null", O_RDWR | O_CLOEXEC)) == -1) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		goto fail;
	}
	envp = build_env(tc, conf, id, run_id, dry_run, fleet_token,
	    parent);

	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	pid = start_child(tc, envp, outp[1], split_stderr ? sep[1] : outp[1],
	    errp[1], devnull, id->groups, ngroups, switch_ids, cgfd,
	    flags & SPAWN_PIDFD ? &pidfd : NULL);
	sigprocmask(SIG_SETMASK, &old, NULL);
	strv_free(envp);
	if (pid == -1) {
		int	e = errno;
		char	lim[64];

		/* EAGAIN: the process limit of the daemon's user, or pids.max */
		snprintf(err, errlen, "%s: %s%s", cgfd != -1 &&
		    spawn_way() != SW_VFORK ? "clone3" : "vfork", strerror(e),
		    e != EAGAIN ? "" :
		    nproc_hint(lim, sizeof(lim), -1));
		goto fail;
	}
	close(outp[1]);
	close(errp[1]);
	close(devnull);
	if (sep[1] != -1)
		close(sep[1]);
	if (sep[0] != -1)
		(void)fcntl(sep[0], F_SETFL, O_NONBLOCK);
	(void)fcntl(outp[0], F_SETFL, O_NONBLOCK);
	(void)fcntl(errp[0], F_SETFL, O_NONBLOCK);
	res->pid = pid;
	res->outfd = outp[0];
	res->stderrfd = sep[0];
	res->errfd = errp[0];
	res->pidfd = pidfd;
	return 0;
 fail:
	if (outp[0] != -1) {
		close(outp[0]);
		close(outp[1]);
	}
	if (sep[0] != -1) {
		close(sep[0]);
		close(sep[1]);
	}
	if (errp[0] != -1) {
		close(errp[0]);
		close(errp[1]);
	}
	if (devnull != -1)
		close(devnull);
	return -1;
}

void
spawn_describe(const struct task_conf *tc, const struct spawn_report *r,
    char *buf, size_t len)
{
	const char	*e = strerror(r->err);
	char		 lim[64];

	switch (r->stage) {
	case SP_SETSID:
		snprintf(buf, len, "setsid: %s", e);
		break;
	case SP_RLIMIT:
		snprintf(buf, len, "setrlimit(%s): %s",
		    r->detail >= 0 && r->detail < LIM_MAX ?
		    rlimit_names[r->detail] : "?", e);
		break;
	case SP_NICE:
		snprintf(buf, len, "setpriority(%d): %s", tc->nice, e);
		break;
	case SP_CHDIR:
		snprintf(buf, len, "chdir(%s): %s", tc->directory, e);
		break;
	case SP_SETGROUPS:
		snprintf(buf, len, "setgroups(%s): %s",
		    tc->user ? tc->user : "?", e);
		break;
	case SP_SETGID:
		snprintf(buf, len, "setgid(%s): %s",
		    tc->group ? tc->group : tc->user ? tc->user : "?", e);
		break;
	case SP_SETUID:
		snprintf(buf, len, "setuid(%s): %s",
		    tc->user ? tc->user : "?", e);
		break;
	case SP_STDIO:
		snprintf(buf, len, "stdio: %s", e);
		break;
	case SP_EXEC:
		/*
		 * EAGAIN: the task's user had more processes than its
		 * RLIMIT_NPROC when it was switched to (Linux fails the
		 * execve, not the setuid)
		 */
		snprintf(buf, len, "exec failed: %s: %s%s", tc->argv[0], e,
		    r->err != EAGAIN ? "" : nproc_hint(lim, sizeof(lim),
		    tc->limits.set[LIM_NPROC] ?
		    (long long)tc->limits.value[LIM_NPROC] : -1));
		break;
	case SP_CGROUP:
		snprintf(buf, len, "joining its cgroup: %s", e);
		break;
	default:
		snprintf(buf, len, "start-up failed: %s", e);
	}
}
