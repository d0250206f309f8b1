/*
 * maintd.c: start-up and shutdown.  Flags and settings priority, config
 * check, pidfile, double fork with a readiness pipe (the starting process
 * exits 0 only when the daemon listens), signals, the event loop.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <libutil.h>
#include <limits.h>
#include <locale.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <json-c/json.h>

#include "cgroup.h"
#include "conf.h"
#include "control.h"
#include "cost.h"
#include "ev.h"
#include "ledger.h"
#include "log.h"
#include "deps.h"
#include "discover.h"
#include "event.h"
#include "fleet.h"
#include "health.h"
#include "http.h"
#include "metrics.h"
#include "notify.h"
#include "output.h"
#include "paths.h"
#include "preset.h"
#include "reload.h"
#include "sched.h"
#include "spawn.h"
#include "state.h"
#include "store.h"
#include "supervise.h"
#include "trust.h"
#include "verbs.h"
#include "util.h"

extern char		**environ;

#define PRUNE_MS	(24 * 3600 * 1000)

static struct pidfh	*pfh;
static struct ev_timer	 prune_timer;
static int		 ready_fd = -1;	/* write end of the readiness pipe */

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: maintd [-dfnV] [-c config] [-s socket] "
	    "[-p pidfile]\n");
	exit(2);
}

/* Fail start-up: tell the waiting parent (or the terminal) and exit 1. */
static void __attribute__((noreturn, format(printf, 1, 2)))
startup_fail(const char *fmt, ...)
{
	va_list	 ap;
	char	 msg[1024];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_warnx("%s", msg);
	if (ready_fd != -1) {
		dprintf(ready_fd, "%s\n", msg);
		close(ready_fd);
	}
	if (pfh != NULL)
		pidfile_remove(pfh);
	exit(1);
}

static void
print_errors(char **errors)
{
	size_t	i;

	for (i = 0; errors != NULL && errors[i] != NULL; i++)
		fprintf(stderr, "%s\n", errors[i]);
}

static void
free_errors(char **errors)
{
	strv_free(errors);
}

/*
 * The first process waits here for the daemon's verdict: "OK" once it
 * listens, or a reason.  EOF without a verdict means it died.
 */
static void __attribute__((noreturn))
wait_ready(int fd)
{
	char	buf[1024];
	size_t	len = 0;
	ssize_t	n;

	while (len < sizeof(buf) - 1) {
		n = read(fd, buf + len, sizeof(buf) - 1 - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		if (memchr(buf, '\n', len) != NULL)
			break;
	}
	buf[len] = '\0';
	if (strcmp(buf, "OK\n") == 0)
		exit(0);
	if (len == 0) {
		fprintf(stderr, "maintd: exited during start-up (see syslog)\n");
		exit(1);
	}
	buf[strcspn(buf, "\n")] = '\0';
	fprintf(stderr, "maintd: %s\n", buf);
	exit(1);
}

static void
daemonize(void)
{
	int	p[2], fd;
	pid_t	pid;

	if (pipe2(p, O_CLOEXEC) == -1)
		fatal("pipe");
	switch ((pid = fork())) {
	case -1:
		fatal("fork");
	case 0:
		break;
	default:
		close(p[1]);
		wait_ready(p[0]);
	}
	close(p[0]);
	ready_fd = p[1];
	if (setsid() == -1)
		fatal("setsid");
	switch (fork()) {
	case -1:
		fatal("fork");
	case 0:
		break;
	default:
		_exit(0);
	}
	if (chdir("/") == -1)
		fatal("chdir /");
	if ((fd = open("/dev/null", O_RDWR)) != -1) {
		dup2(fd, STDIN_FILENO);
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		if (fd > STDERR_FILENO)
			close(fd);
	}
}

/* pidfile_write(3) writes the pid alone; a text file ends in a newline. */
static int
pidfile_newline(void)
{
	struct stat	st;
	int		fd = pidfile_fileno(pfh);

	if (fstat(fd, &st) == -1)
		return -1;
	return pwrite(fd, "\n", 1, st.st_size) == 1 ? 0 : -1;
}

/* The pid in the pidfile, as "PID\n"; -1 if it holds none. */
static pid_t
pidfile_pid(void)
{
	char		 buf[32];
	const char	*errstr;
	ssize_t		 n;
	long long	 pid;
	int		 fd;

	if ((fd = open(md.pidfile_path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	pid = strtonum(buf, 1, INT32_MAX, &errstr);
	return errstr == NULL ? (pid_t)pid : -1;
}

static void
on_term(int signo, void *arg)
{
	(void)arg;
	log_info("%s received, shutting down", signo == SIGINT ? "SIGINT" :
	    "SIGTERM");
	sched_stop();
	deps_stop();
	ledger_stop();
	health_stop();
	supervise_shutdown();
}

static void
on_hup(int signo, void *arg)
{
	struct reload_report	 r;
	char			**errors = NULL;
	size_t			 i;

	(void)signo;
	(void)arg;
	log_info("SIGHUP received: reloading %s", md.config_path);
	store_batch_begin();
	if (reload(false, "SIGHUP", &r, &errors) == -1) {
		for (i = 0; errors[i] != NULL; i++)
			log_warnx("reload: %s", errors[i]);
		log_warnx("reload: %zu error%s; the configuration in force "
		    "is unchanged", i, i == 1 ? "" : "s");
		strv_free(errors);
	} else
		reload_report_free(&r);
	store_batch_end();
}

static void
on_usr1(int signo, void *arg)
{
	(void)signo;
	(void)arg;
	log_info("SIGUSR1 received: reopening log files");
	output_reopen();
}

/* An absolute form of path, relative to the directory maintd started in. */
static char *
absolute(const char *path)
{
	char	cwd[1024], *s;

	if (*path == '/')
		return xstrdup(path);
	if (getcwd(cwd, sizeof(cwd)) == NULL)
		fatal("getcwd");
	if (asprintf(&s, "%s/%s", cwd, path) == -1)
		fatal("asprintf");
	return s;
}

/*
 * -X prune-at=@SECONDS: for tests only, and in no user documentation
 * (see HACKING): the retention pass's clock is SECONDS since the epoch
 * when it runs at start-up, and moves on with the real one from there.
 */
static void
test_flag(const char *arg)
{
	double		 now = (double)time(NULL), at;
	const char	*errstr = NULL;

	at = strncmp(arg, "prune-at=@", 10) == 0 ? (double)strtonum(arg + 10,
	    1, INT64_MAX, &errstr) : -1;
	if (at == -1 || errstr != NULL) {
		fprintf(stderr, "maintd: -X %s: not a test setting\n", arg);
		exit(2);
	}
	store_prune_clock(at - now);
}

/* The retention pass: a day of old runs a turn of the loop, then a day's rest. */
static void
prune_fire(void *arg)
{
	(void)arg;
	if (store_prune(md.conf->history_retention_ms) == 1) {
		ev_timer_add(&prune_timer, 0);	/* more days to fold */
		return;
	}
	ev_timer_add(&prune_timer, PRUNE_MS);
}

/* flag > environment > config > default */
static char *
setting(const char *flag, const char *envname, const char *confval,
    enum path_kind kind)
{
	char		 buf[1024];
	const char	*e = envname ? getenv(envname) : NULL;

	if (flag != NULL)
		return absolute(flag);
	if (e != NULL && *e != '\0')
		return absolute(e);
	if (confval != NULL)
		return xstrdup(confval);
	return xstrdup(path_default(kind, buf, sizeof(buf)));
}

static void
make_dir_of(const char *path, int mode)
{
	if (mkdir_parents(path, mode) == -1)
		startup_fail("cannot create the directory for %s: %s", path,
		    strerror(errno));
}

/* As root: only root may write in the directory of path (trust.c). */
static int
dir_trusted(const char *path, char *err, size_t len)
{
	char	buf[PATH_MAX];
	int	fd;

	if (!trust_needed())
		return 0;
	snprintf(buf, sizeof(buf), "%s", path);
	if ((fd = trust_opendir(dirname(buf), (uid_t)-1, err, len)) == -1)
		return -1;
	close(fd);
	return 0;
}

/*
 * Runs in cgroup v2 where it can be (cgroup = auto), or must be (a
 * path); else by process group.  The cgroup is named for the database,
 * which one maintd at a time holds: "maintd" for the system's, else
 * "maintd-HASH", so that two daemons never take each other's runs for
 * leftovers.
 */
static void
cgroup_setup(void)
{
	char		 where[PATH_MAX], why[512], name[32], dflt[1024];
	const char	*p;
	uint64_t	 h = 1469598103934665603ULL;	/* FNV-1a */
	int		 n;

	if (geteuid() == 0 && strcmp(md.conf->database,
	    path_default(PATH_DATABASE, dflt, sizeof(dflt))) == 0)
		snprintf(name, sizeof(name), "maintd");
	else {
		for (p = md.conf->database; *p; p++)
			h = (h ^ (unsigned char)*p) * 1099511628211ULL;
		snprintf(name, sizeof(name), "maintd-%016llx",
		    (unsigned long long)h);
	}
	if (cg_locate(md.conf->cgroup, name, where, sizeof(where), why,
	    sizeof(why)) == -1 || cg_open(where, why, sizeof(why)) == -1) {
		if (strcmp(md.conf->cgroup, "auto") != 0 &&
		    strcmp(md.conf->cgroup, "off") != 0)
			startup_fail("cgroup %s: %s", md.conf->cgroup, why);
		cg_not_used(why);
		log_info("runs are tracked by their process groups (no cgroup: "
		    "%s)", why);
		return;
	}
	log_info("runs are tracked in the cgroup %s", where);
	if ((n = cg_recover()) > 0)
		log_warnx("killed %d process%s that a previous maintd left "
		    "in %s", n, n == 1 ? "" : "es", where);
}

/* -V: the version and where this build looks when nothing says otherwise */
static void
print_version(void)
{
	static const struct { enum path_kind kind; const char *name; } d[] = {
		{ PATH_CONFIG, "config" }, { PATH_SOCKET, "socket" },
		{ PATH_PIDFILE, "pidfile" }, { PATH_DATABASE, "database" },
		{ PATH_LOGDIR, "log_dir" },
	};
	char	buf[1024];
	size_t	i;

	printf("maintd %s (protocol %d)\n", MAINTD_VERSION, 1);
	for (i = 0; i < sizeof(d) / sizeof(d[0]); i++)
		printf("%-9s %s\n", d[i].name,
		    path_default(d[i].kind, buf, sizeof(buf)));
}

static void	maintd_shutdown(void);

int
main(int argc, char *argv[])
{
	const char		*cflag = NULL, *sflag = NULL, *pflag = NULL;
	int			 ch, checkonly = 0;
	char			**errors, **warnings, err[512], buf[1024];
	size_t			 i;
	struct control_conf	 ccf;
	pid_t			 otherpid;
	mode_t			 mask;

	/*
	 * Descriptors inherited from whoever started us (a shell's fd 5, a
	 * pipe to a reader that waits for EOF) would stay open in the
	 * detached daemon for its whole life: none is ours.
	 */
	closefrom(STDERR_FILENO + 1);
#ifdef __linux__
	setproctitle_init(argc, argv, environ);
#endif
	/* UTF-8 text stays readable in replies; control characters do not */
	if (setlocale(LC_CTYPE, "C.UTF-8") == NULL)
		(void)setlocale(LC_CTYPE, "");
	while ((ch = getopt(argc, argv, "c:dfnp:s:VX:")) != -1) {
		switch (ch) {
		case 'c':
			cflag = optarg;
			break;
		case 'd':
			md.debug = 1;
			break;
		case 'f':
			md.foreground = 1;
			break;
		case 'n':
			checkonly = 1;
			break;
		case 'p':
			pflag = optarg;
			break;
		case 's':
			sflag = optarg;
			break;
		case 'V':
			print_version();
			return 0;
		case 'X':
			test_flag(optarg);
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();

	log_init(1, md.debug, LOG_DAEMON);
	md.config_path = setting(cflag, "MAINTD_CONFIG", NULL, PATH_CONFIG);
	/* at start-up a bad discovered file is left out; -n checks all */
	if ((md.conf = conf_load(md.config_path, !checkonly, &errors,
	    &warnings)) == NULL) {
		print_errors(errors);
		free_errors(errors);
		if (checkonly)
			return 1;
		fprintf(stderr, "maintd: %s: configuration has errors, not "
		    "starting\n", md.config_path);
		return 1;
	}
#ifdef __GLIBC__
	malloc_trim(0);		/* give back what parsing the config used */
#endif
	for (i = 0; warnings != NULL && warnings[i] != NULL; i++)
		log_warnx("%s (the file is left out)", warnings[i]);
	strv_free(warnings);
	if (checkonly) {
		printf("%s: configuration OK (%zu task%s, %zu preset%s, "
		    "%zu window%s, %zu file%s discovered)\n", md.config_path,
		    md.conf->ntasks, md.conf->ntasks == 1 ? "" : "s",
		    md.conf->npresets, md.conf->npresets == 1 ? "" : "s",
		    md.conf->nwindows, md.conf->nwindows == 1 ? "" : "s",
		    strv_len(md.conf->discovered),
		    strv_len(md.conf->discovered) == 1 ? "" : "s");
		conf_free(md.conf);
		return 0;
	}
	spawn_raise_nofile();
	md.socket_path = setting(sflag, "MAINTD_SOCKET", md.conf->socket,
	    PATH_SOCKET);
	md.pidfile_path = setting(pflag, NULL, md.conf->pidfile, PATH_PIDFILE);
	if (md.conf->database == NULL)
		md.conf->database = xstrdup(path_default(PATH_DATABASE, buf,
		    sizeof(buf)));
	if (md.conf->log_dir == NULL)
		md.conf->log_dir = xstrdup(path_default(PATH_LOGDIR, buf,
		    sizeof(buf)));
	log_setfacility(md.conf->syslog_facility);

	make_dir_of(md.pidfile_path, 0755);
	/* in a directory others may write, root could be made to write elsewhere */
	if (dir_trusted(md.pidfile_path, err, sizeof(err)) == -1) {
		fprintf(stderr, "maintd: pidfile %s: %s\n", md.pidfile_path, err);
		return 1;
	}
	pfh = pidfile_open(md.pidfile_path, 0644, &otherpid);
	if (pfh == NULL) {
		/*
		 * Locked by a live maintd, whose pid pidfile_open(3) cannot
		 * read because of the newline we add (pidfile_newline()).
		 */
		if (errno == EINVAL && (otherpid = pidfile_pid()) > 0)
			errno = EEXIST;
		if (errno == EEXIST) {
			fprintf(stderr, "maintd: already running, pid %d "
			    "(%s)\n", (int)otherpid, md.pidfile_path);
			return 1;
		}
		fprintf(stderr, "maintd: pidfile %s: %s\n", md.pidfile_path,
		    strerror(errno));
		return 1;
	}

	if (!md.foreground) {
		log_init(0, md.debug, md.conf->syslog_facility);
		daemonize();
	}
	mask = umask(022);
	(void)mask;
	md.started = time(NULL);

	make_dir_of(md.socket_path, 0755);
	make_dir_of(md.conf->database, 0755);
	/* created if missing (at start-up only), and checked */
	if (output_logdir(true, err, sizeof(err)) == -1)
		startup_fail("log_dir %s: %s", md.conf->log_dir, err);
	if (store_open(md.conf->database, err, sizeof(err)) == -1)
		startup_fail("%s", err);

	/* 0.103, not 0.10299999999999999 */
	json_c_set_serialization_double_format("%.3f", JSON_C_OPTION_GLOBAL);
	if (ev_init() == -1)
		startup_fail("event loop: %s", strerror(errno));
	if (http_init() == -1)
		startup_fail("libcurl: cannot be initialised");
	signal(SIGPIPE, SIG_IGN);
	ev_signal(SIGTERM, on_term, NULL);
	ev_signal(SIGINT, on_term, NULL);
	ev_signal(SIGHUP, on_hup, NULL);
	ev_signal(SIGUSR1, on_usr1, NULL);

	cgroup_setup();
	tasks_build(&md.tasks, md.conf);
	supervise_init();
	ledger_init();		/* before sched_init(): see ledger.c */
	sched_init();
	deps_init();
	health_init();
	notify_init();
	discover_init();
	store_recover();
	supervise_load_last();	/* after recovery: the runs it closed */
	cost_init();
	ledger_down(sched_next);
	ev_timer_init(&prune_timer, prune_fire, NULL);
	prune_fire(NULL);

	memset(&ccf, 0, sizeof(ccf));
	ccf.dispatch = verbs_dispatch;
	ccf.gone = verbs_client_gone;
	ccf.path = md.socket_path;
	ccf.mode = md.conf->socket_mode;
	ccf.gid = md.conf->socket_gid;
	ccf.admin_gid = md.conf->admin_gid;
	ccf.max_clients = md.conf->max_clients;
	ccf.idle_ms = md.conf->client_timeout_ms;
	if (control_listen(&ccf, err, sizeof(err)) == -1)
		startup_fail("%s", err);

	if (pidfile_write(pfh) == -1 || pidfile_newline() == -1)
		startup_fail("pidfile %s: %s", md.pidfile_path,
		    strerror(errno));
	supervise_title();
	metrics_init();
	windows_init();
	fleet_init();
	log_info("started: %zu task%s, socket %s, pid %d", md.tasks.n,
	    md.tasks.n == 1 ? "" : "s", md.socket_path, (int)getpid());
	event_emit(NULL, "started", "maintd", NULL);
	if (ready_fd != -1) {
		dprintf(ready_fd, "OK\n");
		close(ready_fd);
		ready_fd = -1;
	}

	ev_run();
	maintd_shutdown();
	return 0;
}

static void
maintd_shutdown(void)
{
	event_emit(NULL, "stopped", "maintd", NULL);
	windows_stop();
	discover_stop();
	reload_stop();
	health_stop();
	notify_stop();
	verbs_obs_shutdown();
	verbs_health_shutdown();
	control_close();
	fleet_stop();
	output_reopen();	/* closes the log files */
	metrics_final();
	ev_timer_del(&prune_timer);
	cost_stop();
	store_close();
	supervise_free();
	cg_close();
	http_shutdown();
	spawn_forget();
	pidfile_remove(pfh);
	pfh = NULL;
	tasks_free(&md.tasks);
	conf_free(md.conf);
	free(md.config_path);
	free(md.socket_path);
	free(md.pidfile_path);
	log_info("stopped");
	log_ring_free();
}
