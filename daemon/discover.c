/*
 * discover.c: watching the directories of the discover globs, so that a
 * drop-in or manifest written there is taken without a SIGHUP.  inotify
 * on Linux, kqueue EVFILT_VNODE on the BSDs; changes are debounced
 * (discover_settle), so that an editor's write-then-rename is one reload.
 * Where neither can watch a directory (it does not exist yet, or the
 * system has neither), the globs are looked at every discover_interval,
 * and a reload follows only when a file's name, inode, size or mtime
 * differ from the last look.  With nothing changing, nothing wakes up.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#if defined(__linux__)
#include <sys/inotify.h>
#define HAVE_INOTIFY
#elif defined(__FreeBSD__) || defined(__OpenBSD__) || defined(__NetBSD__) || \
    defined(__DragonFly__) || defined(__APPLE__)
#include <sys/event.h>
#define HAVE_KQUEUE
#endif

#include "discover.h"
#include "ev.h"
#include "feed.h"
#include "log.h"
#include "reload.h"
#include "state.h"
#include "util.h"

static int		 watch_fd = -1;	/* inotify or kqueue */
static int		*dir_fds;	/* kqueue: one open fd per directory */
static size_t		 ndir_fds;
static bool		 polling;	/* some directory cannot be watched */
static char		*snapshot;	/* of the last look, for polling */
static struct ev_timer	 settle_timer, poll_timer;
static struct feed_sub	 config_sub;

/* What the globs match now, as one string: name inode size mtime. */
static char *
look(void)
{
	glob_t		 g;
	struct stat	 st;
	char		*s = xstrdup(""), *n;
	size_t		 i, j;

	for (i = 0; md.conf->discover != NULL && md.conf->discover[i]; i++) {
		memset(&g, 0, sizeof(g));
		if (glob(md.conf->discover[i], 0, NULL, &g) == 0)
			for (j = 0; j < g.gl_pathc; j++) {
				if (lstat(g.gl_pathv[j], &st) == -1)
					continue;
				if (asprintf(&n, "%s%s %llu %lld %lld.%09ld\n", s,
				    g.gl_pathv[j], (unsigned long long)st.st_ino,
				    (long long)st.st_size,
				    (long long)st.st_mtim.tv_sec,
				    st.st_mtim.tv_nsec) == -1)
					fatal("asprintf");
				free(s);
				s = n;
			}
		globfree(&g);
	}
	return s;
}

static void
reload_now(void)
{
	struct reload_report	 r;
	char			**errors = NULL;
	size_t			 i;

	if (md.shutting_down)
		return;
	log_info("discover: files changed; reloading");
	if (reload(false, "discover", &r, &errors) == -1) {
		for (i = 0; errors[i] != NULL; i++)
			log_warnx("reload: %s", errors[i]);
		log_warnx("reload: %zu error%s; the configuration in force "
		    "is unchanged", i, i == 1 ? "" : "s");
		strv_free(errors);
		return;
	}
	reload_report_free(&r);
}

static void
settle_fire(void *arg)
{
	(void)arg;
	reload_now();
}

static void
poll_fire(void *arg)
{
	char	*now;

	(void)arg;
	now = look();
	if (snapshot != NULL && strcmp(now, snapshot) != 0) {
		free(snapshot);
		snapshot = now;
		reload_now();	/* which looks again (discover_refresh) */
	} else {
		free(snapshot);
		snapshot = now;
	}
	if (polling && md.conf->discover_interval_ms > 0 &&
	    !ev_timer_pending(&poll_timer))
		ev_timer_add(&poll_timer, (uint64_t)md.conf->discover_interval_ms);
}

/* Something changed in a watched directory: reload once it settles. */
static void
on_watch(int fd, int revents, void *arg)
{
	char	buf[4096];

	(void)revents;
	(void)arg;
#if defined(HAVE_INOTIFY)
	while (read(fd, buf, sizeof(buf)) > 0)
		;
#elif defined(HAVE_KQUEUE)
	struct kevent	kev[16];
	struct timespec	zero = { 0, 0 };

	(void)buf;
	while (kevent(fd, NULL, 0, kev, 16, &zero) > 0)
		;
#else
	(void)fd;
	(void)buf;
#endif
	ev_timer_add(&settle_timer, (uint64_t)md.conf->discover_settle_ms);
}

static void
unwatch(void)
{
	size_t	i;

	if (watch_fd != -1) {
		ev_io_del(watch_fd);
		close(watch_fd);
		watch_fd = -1;
	}
	for (i = 0; i < ndir_fds; i++)
		close(dir_fds[i]);
	free(dir_fds);
	dir_fds = NULL;
	ndir_fds = 0;
	polling = false;
	ev_timer_del(&poll_timer);
}

/* Watch dir; -1 if it cannot be (then it is polled). */
static int
watch_dir(const char *dir)
{
#if defined(HAVE_INOTIFY)
	return inotify_add_watch(watch_fd, dir, IN_CREATE | IN_DELETE |
	    IN_MODIFY | IN_CLOSE_WRITE | IN_MOVED_FROM | IN_MOVED_TO |
	    IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF) == -1 ? -1 : 0;
#elif defined(HAVE_KQUEUE)
	struct kevent	kev;
	int		fd;

	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return -1;
	EV_SET(&kev, fd, EVFILT_VNODE, EV_ADD | EV_CLEAR, NOTE_WRITE |
	    NOTE_EXTEND | NOTE_ATTRIB | NOTE_DELETE | NOTE_RENAME, 0, NULL);
	if (kevent(watch_fd, &kev, 1, NULL, 0, NULL) == -1) {
		close(fd);
		return -1;
	}
	dir_fds = xreallocarray(dir_fds, ndir_fds + 1, sizeof(*dir_fds));
	dir_fds[ndir_fds++] = fd;
	return 0;
#else
	(void)dir;
	return -1;
#endif
}

/* (Re)make the watches for the globs in force; look at them once. */
static void
refresh(void)
{
	char	 path[PATH_MAX], **dirs = NULL;
	size_t	 i, n = 0;

	unwatch();
	free(snapshot);
	snapshot = NULL;
	if (md.conf->discover == NULL || md.conf->discover[0] == NULL)
		return;
#if defined(HAVE_INOTIFY)
	watch_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
#elif defined(HAVE_KQUEUE)
	watch_fd = kqueue();
	if (watch_fd != -1)
		(void)fcntl(watch_fd, F_SETFD, FD_CLOEXEC);
#endif
	for (i = 0; md.conf->discover[i] != NULL; i++) {
		snprintf(path, sizeof(path), "%s", md.conf->discover[i]);
		dirname(path);
		if (strv_contains(dirs, path))
			continue;
		dirs = xreallocarray(dirs, n + 2, sizeof(*dirs));
		dirs[n++] = xstrdup(path);
		dirs[n] = NULL;
		if (strpbrk(path, "*?[") != NULL || watch_fd == -1 ||
		    watch_dir(path) == -1) {
			log_debug("discover: %s cannot be watched; looking at "
			    "it every %lld ms", path,
			    (long long)md.conf->discover_interval_ms);
			polling = true;
		}
	}
	strv_free(dirs);
	if (watch_fd != -1 && ev_io_add(watch_fd, EV_READ, on_watch, NULL) ==
	    -1)
		log_warn("discover: watching");
	if (polling && md.conf->discover_interval_ms > 0) {
		snapshot = look();
		ev_timer_add(&poll_timer, (uint64_t)md.conf->discover_interval_ms);
	}
}

static void
on_config(enum feed_stream st, const struct feed_msg *m, void *arg)
{
	(void)st;
	(void)m;
	(void)arg;
	refresh();
}

void
discover_init(void)
{
	ev_timer_init(&settle_timer, settle_fire, NULL);
	ev_timer_init(&poll_timer, poll_fire, NULL);
	feed_subscribe(&config_sub, FEED_CONFIG, on_config, NULL);
	refresh();
}

void
discover_stop(void)
{
	unwatch();
	ev_timer_del(&settle_timer);
	feed_unsubscribe(&config_sub);
	free(snapshot);
	snapshot = NULL;
}
