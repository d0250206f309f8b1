/*
 * maintd-http: the HTTP face of maintd, standing beside it as bgplgd(8)
 * stands beside bgpd: a JSON API under /api/v1/, Server-Sent Event
 * streams, /metrics, and the dashboard's static files.  It holds no
 * secret and no power: every request is one request of maintd's
 * protocol on a connection of its own, after "auth" with the caller's
 * bearer token, so maintd decides each.  It binds its address, reads
 * its files (dashboard, TLS certificate and key) and drops root (-u)
 * before it serves; then it runs one event loop in one thread.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <netdb.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>
#include <libutil.h>

#include "ev.h"
#include "gw.h"
#include "log.h"
#include "paths.h"
#include "proto.h"

#define DEFAULT_LISTEN	"127.0.0.1:8750"
#define WWW_DIR		DATADIR "/maintd/www"
#define PEM_MAX		(1024 * 1024)

struct gw_conf	gw = {
	.max_conns = 256,
	.conn_timeout_s = 30,
	.conn_memory = 32 * 1024,
	.up_timeout_ms = 30000,
};

static int		 ready_fd = -1;
static struct pidfh	*pfh;
static char		*unix_path;	/* -l PATH: removed at exit */

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: maintd-http [-dfvV] [-l address:port | -l "
	    "path] [-s socket] [-u user]\n"
	    "                   [-w dir] [-p pidfile] [-c connections] "
	    "[--cert file --key file]\n");
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
	exit(1);
}

/* The first process waits for "OK" (it serves) or a reason. */
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
	buf[strcspn(buf, "\n")] = '\0';
	fprintf(stderr, "maintd-http: %s\n", len > 0 ? buf :
	    "exited during start-up (see syslog)");
	exit(1);
}

static void
daemonize(void)
{
	int	p[2], fd;

	if (pipe2(p, O_CLOEXEC) == -1)
		fatal("pipe");
	switch (fork()) {
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

/* -l PATH: a Unix socket for a reverse proxy, mode 0660. */
static int
listen_unix(const char *path, uid_t uid, gid_t gid)
{
	struct sockaddr_un	sun;
	struct stat		st;
	mode_t			old;
	int			fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlcpy(sun.sun_path, path, sizeof(sun.sun_path)) >=
	    sizeof(sun.sun_path))
		startup_fail("%s: path too long", path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		startup_fail("socket: %s", strerror(errno));
	/* one that answers is another gateway's; a dead one is replaced */
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0)
		startup_fail("%s: another server listens there", path);
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode))
			startup_fail("%s exists and is not a socket", path);
		(void)unlink(path);
	}
	close(fd);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		startup_fail("socket: %s", strerror(errno));
	old = umask(0117);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1)
		startup_fail("bind %s: %s", path, strerror(errno));
	umask(old);
	if (uid != (uid_t)-1 && chown(path, uid, gid) == -1)
		startup_fail("chown %s: %s", path, strerror(errno));
	unix_path = strdup(path);
	return fd;
}

/* -l ADDR:PORT, [ADDR6]:PORT, or PORT (on 127.0.0.1). */
static int
listen_inet(const char *spec)
{
	struct addrinfo	 hints, *res;
	char		 host[256], *port;
	int		 fd, on = 1, rc;

	if (strchr(spec, ':') == NULL)
		snprintf(host, sizeof(host), "127.0.0.1:%s", spec);
	else
		snprintf(host, sizeof(host), "%s", spec);
	if ((port = strrchr(host, ':')) == NULL || port[1] == '\0')
		startup_fail("-l %s: ADDRESS:PORT or a socket path", spec);
	*port++ = '\0';
	if (host[0] == '[' && host[strlen(host) - 1] == ']') {
		memmove(host, host + 1, strlen(host));
		host[strlen(host) - 1] = '\0';
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if ((rc = getaddrinfo(*host ? host : NULL, port, &hints, &res)) != 0)
		startup_fail("-l %s: %s", spec, gai_strerror(rc));
	fd = socket(res->ai_family, res->ai_socktype | SOCK_CLOEXEC, 0);
	if (fd == -1)
		startup_fail("socket: %s", strerror(errno));
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	if (bind(fd, res->ai_addr, res->ai_addrlen) == -1)
		startup_fail("bind %s: %s", spec, strerror(errno));
	freeaddrinfo(res);
	return fd;
}

/* A PEM file, read before root is given up. */
static char *
read_pem(const char *path)
{
	char	*buf;
	size_t	 len = 0;
	ssize_t	 n;
	int	 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		startup_fail("%s: %s", path, strerror(errno));
	buf = calloc(PEM_MAX + 1, 1);
	while (buf != NULL && len < PEM_MAX &&
	    (n = read(fd, buf + len, PEM_MAX - len)) > 0)
		len += (size_t)n;
	close(fd);
	if (buf == NULL || len == 0 || len == PEM_MAX)
		startup_fail("%s: empty, unreadable or too large", path);
	return buf;
}

static void
drop_privileges(const struct passwd *pw)
{
	if (setgroups(1, &pw->pw_gid) == -1 ||
	    setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) == -1 ||
	    setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) == -1)
		startup_fail("cannot become %s: %s", pw->pw_name,
		    strerror(errno));
	if (pw->pw_uid != 0 && setuid(0) != -1)
		startup_fail("could become root again after dropping it");
}

/* What -l bound, for the log: "127.0.0.1:8750", with the port given. */
static const char *
bound(int fd, const char *spec, char *buf, size_t len)
{
	struct sockaddr_storage	 ss;
	socklen_t		 sl = sizeof(ss);
	char			 host[NI_MAXHOST], port[NI_MAXSERV];

	if (spec[0] == '/' || getsockname(fd, (struct sockaddr *)&ss,
	    &sl) == -1 || getnameinfo((struct sockaddr *)&ss, sl, host,
	    sizeof(host), port, sizeof(port), NI_NUMERICHOST |
	    NI_NUMERICSERV) != 0)
		return spec;
	snprintf(buf, len, ss.ss_family == AF_INET6 ? "[%s]:%s" : "%s:%s",
	    host, port);
	return buf;
}

static void
on_term(int signo, void *arg)
{
	(void)arg;
	log_info("%s received, stopping", signo == SIGINT ? "SIGINT" :
	    "SIGTERM");
	ev_break();
}

static void
on_hup(int signo, void *arg)
{
	(void)signo;
	(void)arg;
	log_info("SIGHUP: nothing to reload (restart maintd-http to read "
	    "new dashboard files)");
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "cert", required_argument, NULL, 'C' },
		{ "key", required_argument, NULL, 'K' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char	*lflag = DEFAULT_LISTEN, *sflag = NULL, *uflag = NULL;
	const char	*wflag = NULL, *pflag = NULL, *cert = NULL, *key = NULL;
	const char	*errstr;
	struct passwd	*pw = NULL;
	char		 buf[1024], err[512];
	int		 ch, fd, debug = 0, foreground = 0;
	pid_t		 otherpid;

	while ((ch = getopt_long(argc, argv, "c:dfl:p:s:u:vVw:", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'c':
			gw.max_conns = (unsigned)strtonum(optarg, 1, 65536,
			    &errstr);
			if (errstr != NULL) {
				fprintf(stderr, "maintd-http: -c %s: %s\n",
				    optarg, errstr);
				exit(2);
			}
			break;
		case 'd':
			debug = 1;
			break;
		case 'f':
			foreground = 1;
			break;
		case 'l':
			lflag = optarg;
			break;
		case 'p':
			pflag = optarg;
			break;
		case 's':
			sflag = optarg;
			break;
		case 'u':
			uflag = optarg;
			break;
		case 'v':
			gw.verbose = true;
			break;
		case 'V':
			printf("maintd-http %s (protocol %d)\n", MAINT_VERSION,
			    PROTO_VERSION);
			return 0;
		case 'w':
			wflag = optarg;
			break;
		case 'C':
			cert = optarg;
			break;
		case 'K':
			key = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind != argc || (cert == NULL) != (key == NULL))
		usage();
	log_ident("maintd-http");
	log_init(1, debug, LOG_DAEMON);
	if (route_selfcheck(err, sizeof(err)) == -1)
		fatalx("%s", err);
	if (sflag == NULL && (sflag = getenv("MAINTD_SOCKET")) != NULL &&
	    *sflag == '\0')
		sflag = NULL;
	gw.sock = sflag != NULL ? sflag : strdup(path_default(PATH_SOCKET,
	    buf, sizeof(buf)));
	if (uflag != NULL && (pw = getpwnam(uflag)) == NULL)
		startup_fail("-u %s: no such user", uflag);
	if (pw == NULL && geteuid() == 0)
		log_warnx("running as root: give a user with -u (it needs no "
		    "privilege, only access to %s)", gw.sock);

	/* what needs root: the address, the files, the pidfile */
	fd = lflag[0] == '/' ? listen_unix(lflag, pw ? pw->pw_uid : (uid_t)-1,
	    pw ? pw->pw_gid : (gid_t)-1) : listen_inet(lflag);
	if (listen(fd, 128) == -1)
		startup_fail("listen: %s", strerror(errno));
	if (static_load(wflag != NULL ? wflag : WWW_DIR, err,
	    sizeof(err)) == -1) {
		if (wflag != NULL)
			startup_fail("-w %s", err);
		log_warnx("no dashboard: %s (the API is served)", err);
	}
	if (cert != NULL) {
		gw.cert = read_pem(cert);
		gw.key = read_pem(key);
	}
	if (pflag != NULL && (pfh = pidfile_open(pflag, 0644,
	    &otherpid)) == NULL)
		startup_fail("pidfile %s: %s", pflag, errno == EEXIST ?
		    "already running" : strerror(errno));
	if (pw != NULL)
		drop_privileges(pw);

	if (!foreground) {
		daemonize();
		log_init(0, debug, LOG_DAEMON);
	}
	if (pfh != NULL)
		pidfile_write(pfh);
	signal(SIGPIPE, SIG_IGN);
	if (ev_init() == -1)
		startup_fail("ev_init: %s", strerror(errno));
	ev_signal(SIGTERM, on_term, NULL);
	ev_signal(SIGINT, on_term, NULL);
	ev_signal(SIGHUP, on_hup, NULL);
	if (server_start(fd, lflag[0] == '/', err, sizeof(err)) == -1)
		startup_fail("%s", err);
	log_info("serving on %s%s for maintd at %s%s", gw.cert ? "https://" :
	    lflag[0] == '/' ? "unix:" : "http://", bound(fd, lflag, buf,
	    sizeof(buf)), gw.sock,
	    pw != NULL ? "" : geteuid() == 0 ? " (as root)" : "");
	if (ready_fd != -1) {
		dprintf(ready_fd, "OK\n");
		close(ready_fd);
		ready_fd = -1;
	}
	ev_run();
	server_stop();
	static_free();
	if (gw.key != NULL)
		explicit_bzero(gw.key, strlen(gw.key));
	free(gw.cert);
	free(gw.key);
	if (unix_path != NULL)
		(void)unlink(unix_path);
	if (pfh != NULL)
		pidfile_remove(pfh);
	log_info("stopped");
	return 0;
}
