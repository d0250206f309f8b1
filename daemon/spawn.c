/*
 * spawn.c: start one run.  Everything that allocates or asks NSS (argv,
 * environment, the user's groups) happens in the parent; the child only
 * makes system calls: default signals and an empty mask, setsid, rlimits,
 * nice, umask, chdir, setgroups/setgid/setuid, stdio, closefrom, execve.
 * A failure before exec is written to a close-on-exec pipe as a
 * struct spawn_report; EOF on that pipe means the exec succeeded.
 */
#include <sys/types.h>
#include <sys/resource.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "spawn.h"
#include "util.h"

#define MAX_GROUPS	256

static const int rlimit_res[LIM_MAX] = {
	RLIMIT_CPU, RLIMIT_AS, RLIMIT_NOFILE, RLIMIT_NPROC, RLIMIT_FSIZE,
	RLIMIT_CORE
};
static const char *rlimit_names[LIM_MAX] = {
	"cpu", "memory", "nofile", "nproc", "fsize", "core"
};

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
    const struct passwd *pw, uint64_t run_id, bool dry_run)
{
	char	**env = xcalloc(1, sizeof(char *)), *eq, name[256], id[32];
	size_t	  n = 0;
	char	**e;

	env_set(&env, &n, "PATH", conf->path_env);
	env_set(&env, &n, "HOME", pw != NULL ? pw->pw_dir : "/");
	env_set(&env, &n, "USER", pw != NULL ? pw->pw_name : "");
	env_set(&env, &n, "LOGNAME", pw != NULL ? pw->pw_name : "");
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
	snprintf(id, sizeof(id), "%llu", (unsigned long long)run_id);
	env_set(&env, &n, "MAINTD_TASK", tc->name);
	env_set(&env, &n, "MAINTD_RUN_ID", id);
	env_set(&env, &n, "MAINTD_DRY_RUN", dry_run ? "1" : "0");
	return env;
}

static void __attribute__((noreturn))
child_fail(int fd, int stage, int detail)
{
	struct spawn_report	r;

	r.stage = stage;
	r.err = errno;
	r.detail = detail;
	(void)write(fd, &r, sizeof(r));
	_exit(127);
}

/* In the child, between fork and exec: system calls only. */
static void __attribute__((noreturn))
child(const struct task_conf *tc, char **argv, char **envp, int outw,
    int errw, int devnull, const gid_t *groups, int ngroups, bool switch_ids)
{
	struct sigaction	sa;
	struct rlimit		rl;
	sigset_t		set;
	int			i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	for (i = 1; i < NSIG; i++)
		(void)sigaction(i, &sa, NULL);
	sigemptyset(&set);
	sigprocmask(SIG_SETMASK, &set, NULL);

	if (setsid() == -1)
		child_fail(errw, SP_SETSID, 0);
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
		if (tc->uid != getuid() && setresuid(tc->uid, tc->uid,
		    tc->uid) == -1)
			child_fail(errw, SP_SETUID, 0);
		if (setresgid(tc->gid, tc->gid, tc->gid) == -1)
			child_fail(errw, SP_SETGID, 0);
	} else if (switch_ids) {
		if (setgroups((size_t)ngroups, groups) == -1)
			child_fail(errw, SP_SETGROUPS, 0);
		if (setresgid(tc->gid, tc->gid, tc->gid) == -1)
			child_fail(errw, SP_SETGID, 0);
		if (setresuid(tc->uid, tc->uid, tc->uid) == -1)
			child_fail(errw, SP_SETUID, 0);
		if (tc->uid != 0 && setuid(0) != -1) {
			errno = EPERM;
			child_fail(errw, SP_SETUID, 0);
		}
	}
	if (chdir(tc->directory) == -1)
		child_fail(errw, SP_CHDIR, 0);
	if (dup2(devnull, STDIN_FILENO) == -1 ||
	    dup2(outw, STDOUT_FILENO) == -1 ||
	    dup2(outw, STDERR_FILENO) == -1 ||
	    dup2(errw, 3) == -1 || fcntl(3, F_SETFD, FD_CLOEXEC) == -1)
		child_fail(errw, SP_STDIO, 0);
	closefrom(4);
	execve(argv[0], argv, envp);
	child_fail(3, SP_EXEC, 0);
}

int
spawn_run(const struct task_conf *tc, const struct config *conf,
    uint64_t run_id, bool dry_run, struct spawn_result *res, char *err,
    size_t errlen)
{
	struct passwd	*pw;
	gid_t		 groups[MAX_GROUPS];
	int		 ngroups = MAX_GROUPS, outp[2] = { -1, -1 };
	int		 errp[2] = { -1, -1 }, devnull = -1;
	char		**envp;
	bool		 switch_ids;
	sigset_t	 all, old;
	pid_t		 pid;

	pw = getpwuid(tc->uid);
	switch_ids = tc->uid != geteuid() || tc->gid != getegid() ||
	    (geteuid() == 0 && tc->user != NULL);
	if (!tc->allow_root && tc->uid == 0 && geteuid() == 0) {
		snprintf(err, errlen, "refusing to run %s as root "
		    "(allow_root = false)", tc->name);
		return -1;
	}
	if (switch_ids) {
		if (pw == NULL) {
			snprintf(err, errlen, "user %u: no such user",
			    (unsigned)tc->uid);
			return -1;
		}
		if (geteuid() != 0)
			ngroups = -1;	/* cannot set groups: do not try */
		else if (getgrouplist(pw->pw_name, tc->gid, groups,
		    &ngroups) == -1) {
			snprintf(err, errlen, "user %s is in more than %d "
			    "groups", pw->pw_name, MAX_GROUPS);
			return -1;
		}
	}
	if (pipe2(outp, O_CLOEXEC) == -1 || pipe2(errp, O_CLOEXEC) == -1 ||
	    (devnull = open("/dev/null", O_RDWR | O_CLOEXEC)) == -1) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		goto fail;
	}
	envp = build_env(tc, conf, pw, run_id, dry_run);

	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	pid = fork();
	if (pid == 0)
		child(tc, tc->argv, envp, outp[1], errp[1], devnull, groups,
		    ngroups, switch_ids);
	sigprocmask(SIG_SETMASK, &old, NULL);
	strv_free(envp);
	if (pid == -1) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		goto fail;
	}
	close(outp[1]);
	close(errp[1]);
	close(devnull);
	(void)fcntl(outp[0], F_SETFL, O_NONBLOCK);
	(void)fcntl(errp[0], F_SETFL, O_NONBLOCK);
	res->pid = pid;
	res->outfd = outp[0];
	res->errfd = errp[0];
	return 0;
 fail:
	if (outp[0] != -1) {
		close(outp[0]);
		close(outp[1]);
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
		snprintf(buf, len, "exec failed: %s: %s", tc->argv[0], e);
		break;
	default:
		snprintf(buf, len, "start-up failed: %s", e);
	}
}
