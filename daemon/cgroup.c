/*
 * cgroup.c: runs in cgroup v2 (Linux).  The hierarchy is the cgroup2
 * mount of /proc/self/mountinfo; the daemon's own cgroup comes from
 * /proc/self/cgroup.  Each run gets BASE/TASK/RUN: its child writes
 * itself into cgroup.procs before exec, so everything it starts is in
 * there, whatever setsid() or double forks it does.  Stopping it is
 * cgroup.kill, its end is "populated 0" in cgroup.events (watched with
 * inotify), and what a crashed daemon left is what is under BASE: nothing
 * outside it is ever signalled.  Controllers (memory, cpu, pids, io) are
 * enabled down to a run when one of its task's options needs them.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef __linux__
#include <sys/inotify.h>
#endif

#include "cgroup.h"
#include "ev.h"
#include "log.h"
#include "util.h"

static const char *ctl_names[CG_NCTL] = { "memory", "cpu", "pids", "io" };
static char		 why_not[512] = "not set up";

void
cg_not_used(const char *why)
{
	snprintf(why_not, sizeof(why_not), "%s", why);
}

const char *
cg_why(void)
{
	return why_not;
}

const char *
cg_ctl_name(enum cg_ctl c)
{
	return ctl_names[c];
}

unsigned
cg_needs(const struct cg_limits *l)
{
	unsigned	m = 0;

	if (l->memory_max >= 0 || l->memory_high >= 0)
		m |= 1u << CG_MEMORY;
	if (l->cpu_max >= 0)
		m |= 1u << CG_CPU;
	if (l->pids_max >= 0)
		m |= 1u << CG_PIDS;
	if (l->io_weight >= 0)
		m |= 1u << CG_IO;
	return m;
}

#ifdef __linux__

static char	 base[PATH_MAX];	/* "": not in use */
static int	 ino = -1;		/* inotify, for cgroup.events */

/* The watches, sorted by wd (inotify hands them out increasing). */
struct watch {
	int		  wd;
	void		(*cb)(void *);
	void		 *arg;
	bool		  owned;	/* arg is ours to free (leftover_gone) */
};
static struct watch	*watches;
static size_t		 nwatches, watchcap;

/* dir/name into buf; -1 if it does not fit. */
static int
join(char *buf, size_t len, const char *dir, const char *name)
{
	int	n = snprintf(buf, len, "%s/%s", dir, name);

	return n < 0 || (size_t)n >= len ? -1 : 0;
}

/* The text of dir/name, NUL-ended (at most len - 1 bytes); -1 on error. */
ssize_t
cg_read_text(const char *dir, const char *name, char *buf, size_t len)
{
	char	path[PATH_MAX];
	ssize_t	n, got = 0;
	int	fd;

	if (join(path, sizeof(path), dir, name) == -1 ||
	    (fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	while ((size_t)got < len - 1 &&
	    (n = read(fd, buf + got, len - 1 - (size_t)got)) > 0)
		got += n;
	close(fd);
	buf[got] = '\0';
	return got;
}

static int
write_text(const char *dir, const char *name, const char *text)
{
	char	path[PATH_MAX];
	size_t	len = strlen(text);
	int	fd, saved;

	if (join(path, sizeof(path), dir, name) == -1) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if ((fd = open(path, O_WRONLY | O_CLOEXEC)) == -1)
		return -1;
	if (write(fd, text, len) != (ssize_t)len) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	return close(fd);
}

/* Is word one of the blank-separated words of list? */
static int
has_word(const char *list, const char *word)
{
	size_t		 n = strlen(word);
	const char	*p;

	for (p = list; (p = strstr(p, word)) != NULL; p += n)
		if ((p == list || p[-1] == ' ' || p[-1] == '\n') &&
		    (p[n] == '\0' || p[n] == ' ' || p[n] == '\n'))
			return 1;
	return 0;
}

/*
 * The cgroup2 mount, and the root of the hierarchy it shows (not "/"
 * in a container that sees part of it), from /proc/self/mountinfo.
 */
static int
find_mount(char *mnt, size_t mlen, char *root, size_t rlen)
{
	FILE	*fp;
	char	*line = NULL, *sep, r[PATH_MAX], m[PATH_MAX];
	size_t	 cap = 0;
	int	 found = -1;

	if ((fp = fopen("/proc/self/mountinfo", "re")) == NULL)
		return -1;
	while (getline(&line, &cap, fp) != -1) {
		/* ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [TAGS] - TYPE ... */
		if ((sep = strstr(line, " - ")) == NULL ||
		    strncmp(sep + 3, "cgroup2 ", 8) != 0)
			continue;
		if (sscanf(line, "%*s %*s %*s %4095s %4095s", r, m) != 2)
			continue;
		snprintf(mnt, mlen, "%s", m);
		snprintf(root, rlen, "%s", r);
		found = 0;
		break;
	}
	free(line);
	fclose(fp);
	return found;
}

/* The daemon's own cgroup ("0::PATH" of /proc/self/cgroup). */
static int
own_cgroup(char *buf, size_t len)
{
	FILE	*fp;
	char	*line = NULL;
	size_t	 cap = 0;
	ssize_t	 n;
	int	 found = -1;

	if ((fp = fopen("/proc/self/cgroup", "re")) == NULL)
		return -1;
	while ((n = getline(&line, &cap, fp)) != -1) {
		if (strncmp(line, "0::", 3) != 0)
			continue;
		if (n > 0 && line[n - 1] == '\n')
			line[n - 1] = '\0';
		snprintf(buf, len, "%s", line + 3);
		found = 0;
		break;
	}
	free(line);
	fclose(fp);
	return found;
}

int
cg_locate(const char *mode, const char *name, char *out, size_t len,
    char *why, size_t wlen)
{
	char	mnt[PATH_MAX], root[PATH_MAX], own[PATH_MAX];
	size_t	rl;
	int	n;

	if (strcmp(mode, "off") == 0) {
		snprintf(why, wlen, "cgroup = off");
		return -1;
	}
	if (find_mount(mnt, sizeof(mnt), root, sizeof(root)) == -1) {
		snprintf(why, wlen, "no cgroup v2 hierarchy is mounted");
		return -1;
	}
	if (strcmp(mode, "auto") != 0) {
		rl = strlen(mnt);
		if (strncmp(mode, mnt, rl) != 0 || mode[rl] != '/') {
			snprintf(why, wlen, "%s is not in the cgroup v2 "
			    "hierarchy (mounted on %s)", mode, mnt);
			return -1;
		}
		snprintf(out, len, "%s", mode);
		return 0;
	}
	if (own_cgroup(own, sizeof(own)) == -1) {
		snprintf(why, wlen, "the cgroup of maintd is not known "
		    "(/proc/self/cgroup has no cgroup v2 line)");
		return -1;
	}
	/* relative to the root the mount shows */
	rl = strcmp(root, "/") == 0 ? 0 : strlen(root);
	if (rl > 0 && strncmp(own, root, rl) == 0)
		memmove(own, own + rl, strlen(own + rl) + 1);
	n = snprintf(out, len, "%s%s%s/%s", mnt, own[0] == '/' ? "" : "/",
	    strcmp(own, "/") == 0 ? "" : own, name);
	if (n < 0 || (size_t)n >= len) {
		snprintf(why, wlen, "the path of the cgroup is too long");
		return -1;
	}
	return 0;
}

/* The parent directory of path into buf. */
static void
parent_of(const char *path, char *buf, size_t len)
{
	char	*slash;

	snprintf(buf, len, "%s", path);
	if ((slash = strrchr(buf, '/')) != NULL && slash != buf)
		*slash = '\0';
}

/* Is dir the root of the hierarchy (it has no cgroup.type)? */
static int
is_root(const char *dir)
{
	char	path[PATH_MAX];

	return join(path, sizeof(path), dir, "cgroup.type") == 0 &&
	    access(path, F_OK) == -1 && errno == ENOENT;
}

int
cg_can(const char *where, enum cg_ctl c, char *why, size_t wlen)
{
	char	parent[PATH_MAX], buf[1024];
	ssize_t	n;

	parent_of(where, parent, sizeof(parent));
	if (cg_read_text(parent, "cgroup.subtree_control", buf, sizeof(buf)) >= 0 &&
	    has_word(buf, ctl_names[c]))
		return 1;
	if ((n = cg_read_text(parent, "cgroup.controllers", buf,
	    sizeof(buf))) == -1) {
		snprintf(why, wlen, "%s: %s", parent, strerror(errno));
		return 0;
	}
	if (!has_word(buf, ctl_names[c])) {
		buf[strcspn(buf, "\n")] = '\0';
		snprintf(why, wlen, "%s does not have it (its cgroup.controllers: "
		    "%s)", parent, buf[0] ? buf : "none");
		return 0;
	}
	if (!is_root(parent) && cg_read_text(parent, "cgroup.procs", buf,
	    sizeof(buf)) > 0) {
		snprintf(why, wlen, "%s holds processes, so it cannot be "
		    "enabled for its children there: enable it in its "
		    "cgroup.subtree_control, or set cgroup to a directory "
		    "below a delegated cgroup that holds none", parent);
		return 0;
	}
	return 1;
}

/* Enable controller c for the children of dir (and for dir first). */
static int
enable(const char *dir, enum cg_ctl c)
{
	char	parent[PATH_MAX], buf[1024], plus[16];

	if (cg_read_text(dir, "cgroup.subtree_control", buf, sizeof(buf)) >= 0 &&
	    has_word(buf, ctl_names[c]))
		return 0;
	if (cg_read_text(dir, "cgroup.controllers", buf, sizeof(buf)) >= 0 &&
	    !has_word(buf, ctl_names[c])) {
		parent_of(dir, parent, sizeof(parent));
		if (strcmp(parent, dir) == 0 || enable(parent, c) == -1)
			return -1;
	}
	snprintf(plus, sizeof(plus), "+%s", ctl_names[c]);
	return write_text(dir, "cgroup.subtree_control", plus);
}

/*
 * The memory and io controllers for the children of dir, where dir has
 * them already (never asked of the cgroups above): what a run's
 * resource record reads (memory.peak, io.stat) is there only with them.
 * Where they cannot be had, the record takes those figures from rusage.
 */
static void
account(const char *dir)
{
	static const enum cg_ctl	acct[] = { CG_MEMORY, CG_IO };
	char				buf[1024], on[1024], plus[16];
	size_t				i;

	if (cg_read_text(dir, "cgroup.controllers", buf, sizeof(buf)) < 0 ||
	    cg_read_text(dir, "cgroup.subtree_control", on, sizeof(on)) < 0)
		return;
	for (i = 0; i < sizeof(acct) / sizeof(acct[0]); i++) {
		if (!has_word(buf, ctl_names[acct[i]]) ||
		    has_word(on, ctl_names[acct[i]]))
			continue;
		snprintf(plus, sizeof(plus), "+%s", ctl_names[acct[i]]);
		if (write_text(dir, "cgroup.subtree_control", plus) == -1)
			log_debug("cgroup %s: %s for the ledger: %s", dir,
			    plus, strerror(errno));
	}
}

/* The watch of wd, or NULL; *at: where it is or would go. */
static struct watch *
watch_find(int wd, size_t *at)
{
	size_t	lo = 0, hi = nwatches, mid;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (watches[mid].wd < wd)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (at != NULL)
		*at = lo;
	return lo < nwatches && watches[lo].wd == wd ? &watches[lo] : NULL;
}

static void
events_ready(int fd, int revents, void *arg)
{
	char			 buf[4096]
	    __attribute__((aligned(__alignof__(struct inotify_event))));
	const struct inotify_event *e;
	struct watch		*w;
	ssize_t			 n;
	char			*p;

	(void)revents;
	(void)arg;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		for (p = buf; p < buf + n; p += sizeof(*e) + e->len) {
			e = (const struct inotify_event *)p;
			if ((w = watch_find(e->wd, NULL)) != NULL)
				w->cb(w->arg);
		}
}

int
cg_open(const char *where, char *why, size_t wlen)
{
	char	path[PATH_MAX];

	if (mkdir(where, 0755) == -1 && errno != EEXIST) {
		snprintf(why, wlen, "cannot make %s: %s", where,
		    strerror(errno));
		return -1;
	}
	if (join(path, sizeof(path), where, "cgroup.kill") == -1 ||
	    access(path, W_OK) == -1) {
		snprintf(why, wlen, "%s: no cgroup.kill (%s; Linux 5.14 or "
		    "later needed)", where, strerror(errno));
		(void)rmdir(where);
		return -1;
	}
	if ((ino = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) == -1 ||
	    ev_io_add(ino, EV_READ, events_ready, NULL) == -1) {
		snprintf(why, wlen, "inotify: %s", strerror(errno));
		if (ino != -1)
			close(ino);
		ino = -1;
		return -1;
	}
	snprintf(base, sizeof(base), "%s", where);
	account(base);
	return 0;
}

bool
cg_in_use(void)
{
	return base[0] != '\0';
}

const char *
cg_base(void)
{
	return base[0] != '\0' ? base : NULL;
}

static int
run_dir(char *buf, size_t len, const char *task, uint64_t run)
{
	if (base[0] == '\0')
		return -1;
	int	n;

	if (run == 0)
		n = snprintf(buf, len, "%s/%s", base, task);
	else
		n = snprintf(buf, len, "%s/%s/%llu", base, task,
		    (unsigned long long)run);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

/* Each pid in dir/cgroup.procs gets sig; how many. */
static int
signal_procs(const char *dir, int sig)
{
	FILE	*fp;
	char	 path[PATH_MAX];
	long	 pid;
	int	 count = 0;

	if (join(path, sizeof(path), dir, "cgroup.procs") == -1 ||
	    (fp = fopen(path, "re")) == NULL)
		return 0;
	while (fscanf(fp, "%ld", &pid) == 1)
		if (pid > 1 && pid != getpid() && kill((pid_t)pid, sig) == 0)
			count++;
	fclose(fp);
	return count;
}

static int	add_watch(const char *, void (*)(void *), void *, bool);

/* A leftover cgroup of a previous daemon's run: removed once empty. */
struct leftover {
	int	 wd;
	char	*dir;
};

static void
leftover_gone(void *arg)
{
	struct leftover	*lo = arg;
	char		 buf[256], *p;

	if (cg_read_text(lo->dir, "cgroup.events", buf, sizeof(buf)) != -1 &&
	    (p = strstr(buf, "populated ")) != NULL && p[10] == '1')
		return;
	if (rmdir(lo->dir) == -1 && errno != ENOENT)
		log_warn("cgroup %s: rmdir", lo->dir);
	cg_run_unwatch(lo->wd);
	free(lo->dir);
	free(lo);
}

/*
 * cgroup.kill only sends the signals: the cgroup can be removed once
 * its processes are gone, which cgroup.events tells.
 */
static void
leftover_watch(const char *run)
{
	struct leftover	*lo = xcalloc(1, sizeof(*lo));

	lo->dir = xstrdup(run);
	if ((lo->wd = add_watch(run, leftover_gone, lo, true)) == -1) {
		log_warn("cgroup %s: watching it until it is empty", run);
		free(lo->dir);
		free(lo);
		return;
	}
	leftover_gone(lo);	/* it may be empty already */
}

/* What is under dir (a task's directory): each run's cgroup killed. */
static int
recover_task(const char *dir)
{
	DIR		*d;
	struct dirent	*de;
	char		 run[PATH_MAX], *end;
	int		 count = 0, n;

	if ((d = opendir(dir)) == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		(void)strtoull(de->d_name, &end, 10);
		if (de->d_name[0] == '\0' || *end != '\0' ||
		    join(run, sizeof(run), dir, de->d_name) == -1)
			continue;
		if ((n = signal_procs(run, 0)) > 0) {
			log_warnx("%s: left running by a previous maintd: "
			    "killing its %d process%s", run, n, n == 1 ? "" :
			    "es");
			(void)write_text(run, "cgroup.kill", "1");
			count += n;
		}
		if (rmdir(run) == -1 && errno == EBUSY)
			leftover_watch(run);	/* until they are gone */
	}
	closedir(d);
	return count;
}

int
cg_recover(void)
{
	DIR		*d;
	struct dirent	*de;
	char		 dir[PATH_MAX];
	struct stat	 st;
	int		 count = 0;

	if (!cg_in_use() || (d = opendir(base)) == NULL)
		return 0;
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.' && join(dir, sizeof(dir), base,
		    de->d_name) == 0 && stat(dir, &st) == 0 &&
		    S_ISDIR(st.st_mode))
			count += recover_task(dir);
	closedir(d);
	return count;
}

int
cg_run_make(const char *task, uint64_t run, const struct cg_limits *l,
    char *err, size_t len)
{
	char		 tdir[PATH_MAX], rdir[PATH_MAX], v[64];
	unsigned	 need = cg_needs(l);
	int		 c, fd;

	if (run_dir(tdir, sizeof(tdir), task, 0) == -1 ||
	    run_dir(rdir, sizeof(rdir), task, run) == -1) {
		snprintf(err, len, "cgroup: path too long");
		return -1;
	}
	if (mkdir(tdir, 0755) == -1 && errno != EEXIST) {
		snprintf(err, len, "cgroup %s: %s", tdir, strerror(errno));
		return -1;
	}
	account(tdir);
	for (c = 0; c < CG_NCTL; c++)
		if ((need & (1u << c)) && enable(tdir, (enum cg_ctl)c) == -1) {
			snprintf(err, len, "cgroup %s: cannot enable the %s "
			    "controller: %s", tdir, ctl_names[c],
			    strerror(errno));
			return -1;
		}
	if (mkdir(rdir, 0755) == -1 && errno != EEXIST) {
		snprintf(err, len, "cgroup %s: %s", rdir, strerror(errno));
		return -1;
	}
	errno = 0;
	if (l->memory_max >= 0) {
		snprintf(v, sizeof(v), "%lld", (long long)l->memory_max);
		if (write_text(rdir, "memory.max", v) == -1)
			goto fail;
	}
	if (l->memory_high >= 0) {
		snprintf(v, sizeof(v), "%lld", (long long)l->memory_high);
		if (write_text(rdir, "memory.high", v) == -1)
			goto fail;
	}
	if (l->cpu_max >= 0) {
		/* a quota of the default period, 100 ms */
		snprintf(v, sizeof(v), "%lld 100000",
		    (long long)l->cpu_max * 1000);
		if (write_text(rdir, "cpu.max", v) == -1)
			goto fail;
	}
	if (l->pids_max >= 0) {
		snprintf(v, sizeof(v), "%lld", (long long)l->pids_max);
		if (write_text(rdir, "pids.max", v) == -1)
			goto fail;
	}
	if (l->io_weight >= 0) {
		snprintf(v, sizeof(v), "default %lld", (long long)l->io_weight);
		if (write_text(rdir, "io.weight", v) == -1)
			goto fail;
	}
	if ((fd = open(rdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		goto fail;
	return fd;
 fail:
	snprintf(err, len, "cgroup %s: %s", rdir, strerror(errno));
	(void)rmdir(rdir);
	return -1;
}

int
cg_run_path(const char *task, uint64_t run, char *buf, size_t len)
{
	return run_dir(buf, len, task, run);
}

int
cg_run_populated(const char *task, uint64_t run)
{
	char	rdir[PATH_MAX], buf[256], *p;

	if (run_dir(rdir, sizeof(rdir), task, run) == -1 ||
	    cg_read_text(rdir, "cgroup.events", buf, sizeof(buf)) == -1 ||
	    (p = strstr(buf, "populated ")) == NULL)
		return -1;
	return p[10] == '1';
}

int
cg_run_signal(const char *task, uint64_t run, int sig)
{
	char	rdir[PATH_MAX];
	int	n;

	if (run_dir(rdir, sizeof(rdir), task, run) == -1)
		return 0;
	if (sig != SIGKILL)
		return signal_procs(rdir, sig);
	n = signal_procs(rdir, 0);
	if (write_text(rdir, "cgroup.kill", "1") == -1)
		return signal_procs(rdir, SIGKILL);
	return n;
}

static int
add_watch(const char *rdir, void (*cb)(void *), void *arg, bool owned)
{
	char		 path[PATH_MAX];
	struct watch	*w;
	size_t		 at;
	int		 wd;

	if (ino == -1 || join(path, sizeof(path), rdir, "cgroup.events") == -1 ||
	    (wd = inotify_add_watch(ino, path, IN_MODIFY)) == -1)
		return -1;
	if ((w = watch_find(wd, &at)) == NULL) {
		if (nwatches == watchcap) {
			watchcap = watchcap ? watchcap * 2 : 64;
			watches = xreallocarray(watches, watchcap,
			    sizeof(*watches));
		}
		memmove(&watches[at + 1], &watches[at],
		    (nwatches - at) * sizeof(*watches));
		nwatches++;
		w = &watches[at];
	}
	w->wd = wd;
	w->cb = cb;
	w->arg = arg;
	w->owned = owned;
	return wd;
}

int
cg_run_watch(const char *task, uint64_t run, void (*cb)(void *), void *arg)
{
	char	rdir[PATH_MAX];

	if (run_dir(rdir, sizeof(rdir), task, run) == -1)
		return -1;
	return add_watch(rdir, cb, arg, false);
}

void
cg_run_unwatch(int wd)
{
	size_t	at;

	if (wd == -1 || watch_find(wd, &at) == NULL)
		return;
	(void)inotify_rm_watch(ino, wd);
	memmove(&watches[at], &watches[at + 1],
	    (nwatches - at - 1) * sizeof(*watches));
	nwatches--;
}

void
cg_run_remove(const char *task, uint64_t run)
{
	char	rdir[PATH_MAX];

	if (run_dir(rdir, sizeof(rdir), task, run) == 0 && rmdir(rdir) == -1 &&
	    errno != ENOENT)
		log_warn("cgroup %s: rmdir", rdir);
}

/* A task's directory, with the (empty) cgroups of its runs. */
static void
remove_runs(const char *dir)
{
	DIR		*d;
	struct dirent	*de;
	char		 run[PATH_MAX];

	if ((d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL)
		if (isdigit((unsigned char)de->d_name[0]) &&
		    join(run, sizeof(run), dir, de->d_name) == 0)
			(void)rmdir(run);
	closedir(d);
	(void)rmdir(dir);
}

/* The daemon stops: the empty cgroups of its tasks, and its own, go. */
void
cg_close(void)
{
	DIR		*d;
	struct dirent	*de;
	char		 dir[PATH_MAX];
	size_t		 i;

	for (i = 0; i < nwatches; i++)
		if (watches[i].owned) {
			free(((struct leftover *)watches[i].arg)->dir);
			free(watches[i].arg);
		}
	free(watches);
	watches = NULL;
	nwatches = watchcap = 0;
	if (ino != -1) {
		ev_io_del(ino);
		close(ino);
		ino = -1;
	}
	if (!cg_in_use())
		return;
	if ((d = opendir(base)) != NULL) {
		while ((de = readdir(d)) != NULL)
			if (de->d_name[0] != '.' && join(dir, sizeof(dir),
			    base, de->d_name) == 0)
				remove_runs(dir);
		closedir(d);
	}
	(void)rmdir(base);
	base[0] = '\0';
}

#else	/* no cgroup v2: the process groups do it all */

int
cg_locate(const char *mode, const char *name, char *out, size_t len,
    char *why, size_t wlen)
{
	(void)mode;
	(void)name;
	(void)out;
	(void)len;
	snprintf(why, wlen, "cgroup v2 is Linux only");
	return -1;
}

int
cg_can(const char *where, enum cg_ctl c, char *why, size_t wlen)
{
	(void)where;
	(void)c;
	snprintf(why, wlen, "cgroup v2 is Linux only");
	return 0;
}

int
cg_open(const char *where, char *why, size_t wlen)
{
	(void)where;
	snprintf(why, wlen, "cgroup v2 is Linux only");
	return -1;
}

bool
cg_in_use(void)
{
	return false;
}



const char *
cg_base(void)
{
	return NULL;
}

void
cg_close(void)
{
}

int
cg_recover(void)
{
	return 0;
}

int
cg_run_make(const char *task, uint64_t run, const struct cg_limits *l,
    char *err, size_t len)
{
	(void)task;
	(void)run;
	(void)l;
	snprintf(err, len, "cgroup v2 is Linux only");
	return -1;
}

int
cg_run_populated(const char *task, uint64_t run)
{
	(void)task;
	(void)run;
	return -1;
}

int
cg_run_path(const char *task, uint64_t run, char *buf, size_t len)
{
	(void)task;
	(void)run;
	(void)buf;
	(void)len;
	return -1;
}

int
cg_run_signal(const char *task, uint64_t run, int sig)
{
	(void)task;
	(void)run;
	(void)sig;
	return 0;
}

int
cg_run_watch(const char *task, uint64_t run, void (*cb)(void *), void *arg)
{
	(void)task;
	(void)run;
	(void)cb;
	(void)arg;
	return -1;
}

void
cg_run_unwatch(int watch)
{
	(void)watch;
}

void
cg_run_remove(const char *task, uint64_t run)
{
	(void)task;
	(void)run;
}

#endif
