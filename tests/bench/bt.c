/*
 * bt: the bench's measuring tool, one program with a verb per job.  Every
 * sample is printed on its own line, in milliseconds unless said
 * otherwise; run.sh turns them into medians and 95th percentiles.
 *
 *   bt now				CLOCK_REALTIME in ns
 *   bt timeit N CMD...			N whole-process times of CMD
 *   bt spawnfloor N STAMP FILE		fork+exec of STAMP until its stamp
 *   bt bringfloor [-s] N STAMP FILE	N fork+exec of STAMP (pausing) from
 *					one process until the last stamp;
 *					-s: posix_spawn (a vfork, as maintd
 *					spawns) instead of fork
 *   bt startlat N FILE STOP CMD...	CMD (timed from just before it is
 *					started) until a new exec stamp in
 *					FILE; then the shell command STOP,
 *					which returns once it is stopped
 *   bt waitlines FILE N SECS		until FILE holds N exec stamps;
 *					prints the latest stamp (ns)
 *   bt waitreply SOCK SECS REQ ERE	repeat REQ until the reply
 *					matches ERE; prints the time taken
 *   bt echod SOCK			minimal Unix-socket echo server
 *   bt pipeline [-e] SOCK NCONN TOTAL DEPTH REQ
 *					TOTAL pipelined requests over NCONN
 *					connections, DEPTH in flight on
 *					each; prints requests per second
 *					(-e: each reply is one line)
 *   bt pipefloor SPEW BYTES LEN OUT	SPEW's output through a pipe into
 *					OUT; prints MB/s (10^6 bytes)
 *   bt prefixfloor SPEW BYTES LEN OUT	the same, each line written as
 *					maintd writes it: "TIME [RUN] line"
 *   bt logrun SOCK MAINTCTL TASK BYTES PERIOD_MS
 *					maintctl run TASK, and every PERIOD_MS
 *					a timed "maintctl status" until its
 *					end comes through "events --follow";
 *					prints "lat MS" lines, "tput MB/s"
 */
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <regex.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static void __attribute__((noreturn, format(printf, 1, 2)))
die(const char *fmt, ...)
{
	va_list	ap;

	fputs("bt: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static double
mono_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static long long
real_ns(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void
sleep_ms(double ms)
{
	struct timespec	ts;

	ts.tv_sec = (time_t)(ms / 1000);
	ts.tv_nsec = (long)((ms - (double)ts.tv_sec * 1000) * 1e6);
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

static long
num(const char *s, const char *what)
{
	char	*end;
	long	 v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < 0)
		die("bad %s: %s", what, s);
	return v;
}

/* posix_spawn CMD with stdout and stderr on /dev/null; its exit status. */
static int
run_quiet(char **argv)
{
	posix_spawn_file_actions_t	fa;
	pid_t				pid;
	int				status, rc;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null",
	    O_WRONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, STDOUT_FILENO, STDERR_FILENO);
	rc = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0)
		die("spawn %s: %s", argv[0], strerror(rc));
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR)
			die("waitpid: %s", strerror(errno));
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 +
	    WTERMSIG(status);
}

/* Stamp files: "e SEC.NSEC PID" lines, read incrementally. */
struct stampfile {
	const char	*path;
	int		 fd, ino;
	off_t		 off;
	char		 part[128];
	size_t		 partlen;
	long		 count;		/* exec stamps seen */
	long long	 last, max;	/* ns */
};

static long long
parse_stamp(const char *s)
{
	long long	sec = 0, nsec = 0;
	int		digits = 0;

	while (*s >= '0' && *s <= '9')
		sec = sec * 10 + (*s++ - '0');
	if (*s == '.')
		s++;
	while (*s >= '0' && *s <= '9' && digits < 9) {
		nsec = nsec * 10 + (*s++ - '0');
		digits++;
	}
	while (digits++ < 9)
		nsec *= 10;
	return sec * 1000000000LL + nsec;
}

static void
sf_open(struct stampfile *sf, const char *path)
{
	struct stat	st;

	memset(sf, 0, sizeof(*sf));
	sf->path = path;
	if ((sf->fd = open(path, O_RDONLY | O_CREAT | O_CLOEXEC, 0666)) == -1)
		die("%s: %s", path, strerror(errno));
	(void)fchmod(sf->fd, 0666);
	if (fstat(sf->fd, &st) == 0)
		sf->off = st.st_size;	/* only what comes from now on */
	if ((sf->ino = inotify_init1(IN_CLOEXEC | IN_NONBLOCK)) == -1 ||
	    inotify_add_watch(sf->ino, path, IN_MODIFY) == -1)
		die("inotify %s: %s", path, strerror(errno));
}

static void
sf_close(struct stampfile *sf)
{
	close(sf->fd);
	close(sf->ino);
}

/* Read what is new; the number of new exec stamps. */
static long
sf_read(struct stampfile *sf)
{
	char		buf[65536];
	ssize_t		n, i;
	long		found = 0;
	long long	v;

	while ((n = pread(sf->fd, buf, sizeof(buf), sf->off)) > 0) {
		sf->off += n;
		for (i = 0; i < n; i++) {
			if (buf[i] != '\n') {
				if (sf->partlen < sizeof(sf->part) - 1)
					sf->part[sf->partlen++] = buf[i];
				continue;
			}
			sf->part[sf->partlen] = '\0';
			if (sf->partlen > 2 && sf->part[0] == 'e' &&
			    sf->part[1] == ' ') {
				v = parse_stamp(sf->part + 2);
				sf->last = v;
				if (v > sf->max)
					sf->max = v;
				sf->count++;
				found++;
			}
			sf->partlen = 0;
		}
	}
	return found;
}

/* Wait until at least want new exec stamps; 0, or -1 after secs. */
static int
sf_wait(struct stampfile *sf, long want, double secs)
{
	struct pollfd	pfd;
	char		evbuf[4096];
	double		end = mono_ms() + secs * 1000;

	for (;;) {
		sf_read(sf);
		if (sf->count >= want)
			return 0;
		if (mono_ms() > end)
			return -1;
		pfd.fd = sf->ino;
		pfd.events = POLLIN;
		/* inotify wakes us; the timeout is only a safety net */
		if (poll(&pfd, 1, 100) > 0)
			while (read(sf->ino, evbuf, sizeof(evbuf)) > 0)
				;
	}
}

static int
cmd_now(void)
{
	printf("%lld\n", real_ns());
	return 0;
}

static int
cmd_timeit(int argc, char **argv)
{
	long	n, i, fails = 0;
	double	t0;
	int	rc, last = 0;

	if (argc < 2)
		die("usage: timeit N CMD...");
	n = num(argv[0], "count");
	for (i = 0; i < n; i++) {
		t0 = mono_ms();
		if ((rc = run_quiet(argv + 1)) != 0) {
			fails++;
			last = rc;
		}
		printf("%.4f\n", mono_ms() - t0);
	}
	if (fails > 0)
		fprintf(stderr, "bt: timeit: %ld of %ld runs of %s exited "
		    "non-zero (%d)\n", fails, n, argv[1], last);
	return 0;
}

static int
cmd_spawnfloor(int argc, char **argv)
{
	struct stampfile sf;
	long		 n, i;
	long long	 t0;
	pid_t		 pid;
	int		 status;

	if (argc != 3)
		die("usage: spawnfloor N STAMP FILE");
	n = num(argv[0], "count");
	sf_open(&sf, argv[2]);
	for (i = 0; i < n; i++) {
		t0 = real_ns();
		if ((pid = fork()) == -1)
			die("fork: %s", strerror(errno));
		if (pid == 0) {
			execl(argv[1], argv[1], argv[2], "exit", (char *)NULL);
			_exit(127);
		}
		waitpid(pid, &status, 0);
		if (sf_wait(&sf, i + 1, 5) == -1)
			die("spawnfloor: no stamp from %s", argv[1]);
		printf("%.4f\n", (double)(sf.last - t0) / 1e6);
	}
	sf_close(&sf);
	return 0;
}

static int
cmd_bringfloor(int argc, char **argv)
{
	struct stampfile sf;
	long		 n, i;
	long long	 t0;
	pid_t		*pids;
	char		*sargv[4];
	int		 spawn = 0, rc;

	if (argc == 4 && strcmp(argv[0], "-s") == 0) {
		spawn = 1;
		argc--;
		argv++;
	}
	if (argc != 3)
		die("usage: bringfloor [-s] N STAMP FILE");
	n = num(argv[0], "count");
	if ((pids = calloc((size_t)n, sizeof(*pids))) == NULL)
		die("calloc");
	sargv[0] = argv[1];
	sargv[1] = argv[2];
	sargv[2] = "pause";
	sargv[3] = NULL;
	sf_open(&sf, argv[2]);
	t0 = real_ns();
	for (i = 0; i < n; i++) {
		if (spawn) {
			if ((rc = posix_spawn(&pids[i], argv[1], NULL, NULL,
			    sargv, environ)) != 0)
				die("posix_spawn: %s", strerror(rc));
			continue;
		}
		if ((pids[i] = fork()) == -1)
			die("fork: %s", strerror(errno));
		if (pids[i] == 0) {
			execl(argv[1], argv[1], argv[2], "pause", (char *)NULL);
			_exit(127);
		}
	}
	if (sf_wait(&sf, n, 60) == -1)
		die("bringfloor: only %ld of %ld stamps", sf.count, n);
	printf("%.4f\n", (double)(sf.max - t0) / 1e6);
	for (i = 0; i < n; i++)
		kill(pids[i], SIGTERM);
	for (i = 0; i < n; i++)
		waitpid(pids[i], NULL, 0);
	sf_close(&sf);
	free(pids);
	return 0;
}

static int
cmd_startlat(int argc, char **argv)
{
	struct stampfile sf;
	long		 n, i;
	long long	 t0;
	int		 rc;

	if (argc < 4)
		die("usage: startlat N FILE STOPCMD CMD...");
	n = num(argv[0], "count");
	sf_open(&sf, argv[1]);
	for (i = 0; i < n; i++) {
		t0 = real_ns();
		if ((rc = run_quiet(argv + 3)) != 0)
			die("startlat: %s exited %d", argv[3], rc);
		if (sf_wait(&sf, i + 1, 30) == -1)
			die("startlat: no exec stamp in %s after %s (read "
			    "%lld bytes, %ld stamps)", argv[1], argv[3],
			    (long long)sf.off, sf.count);
		printf("%.4f\n", (double)(sf.last - t0) / 1e6);
		fflush(stdout);
		if ((rc = system(argv[2])) != 0)
			die("startlat: stop command failed (%d): %s", rc,
			    argv[2]);
	}
	sf_close(&sf);
	return 0;
}

static int
cmd_waitlines(int argc, char **argv)
{
	struct stampfile sf;
	long		 n;

	if (argc != 3)
		die("usage: waitlines FILE N SECS");
	n = num(argv[1], "count");
	sf_open(&sf, argv[0]);
	/* count from the start of the file */
	sf.off = 0;
	if (sf_wait(&sf, n, (double)num(argv[2], "seconds")) == -1) {
		fprintf(stderr, "bt: waitlines: %ld of %ld exec stamps in %s\n",
		    sf.count, n, argv[0]);
		return 1;
	}
	printf("%lld\n", sf.max);
	sf_close(&sf);
	return 0;
}

static int
dial(const char *path)
{
	struct sockaddr_un	sun;
	int			fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path))
		die("socket path too long: %s", path);
	memcpy(sun.sun_path, path, strlen(path));
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		die("socket: %s", strerror(errno));
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

/* One request on a fresh connection; the whole reply, or NULL. */
static char *
ask(const char *sock, const char *req)
{
	static char	*buf;
	static size_t	 cap;
	size_t		 len = 0, ls;
	ssize_t		 n;
	char		 line[8300];
	int		 fd;

	if ((fd = dial(sock)) == -1)
		return NULL;
	n = snprintf(line, sizeof(line), "%s\n", req);
	if (write(fd, line, (size_t)n) != n) {
		close(fd);
		return NULL;
	}
	for (;;) {
		if (cap - len < 65536) {
			cap = cap ? cap * 2 : 262144;
			if ((buf = realloc(buf, cap)) == NULL)
				die("realloc");
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n <= 0)
			break;
		len += (size_t)n;
		buf[len] = '\0';
		/* the final line: OK or ERR at the start of the last line */
		if (len > 0 && buf[len - 1] == '\n') {
			ls = len - 1;
			while (ls > 0 && buf[ls - 1] != '\n')
				ls--;
			if (strncmp(buf + ls, "OK", 2) == 0 ||
			    strncmp(buf + ls, "ERR", 3) == 0)
				break;
		}
	}
	close(fd);
	if (buf != NULL)
		buf[len] = '\0';
	return buf;
}

static int
cmd_waitreply(int argc, char **argv)
{
	regex_t	 re;
	char	*reply;
	double	 t0 = mono_ms(), end;

	if (argc != 4)
		die("usage: waitreply SOCK SECS REQ ERE");
	end = t0 + (double)num(argv[1], "seconds") * 1000;
	if (regcomp(&re, argv[3], REG_EXTENDED | REG_NOSUB | REG_NEWLINE) != 0)
		die("bad regular expression: %s", argv[3]);
	for (;;) {
		reply = ask(argv[0], argv[2]);
		if (reply != NULL && regexec(&re, reply, 0, NULL, 0) == 0)
			break;
		if (mono_ms() > end) {
			fprintf(stderr, "bt: waitreply: '%s' never matched "
			    "'%s'; last reply:\n%.2000s\n", argv[2], argv[3],
			    reply ? reply : "(none)");
			return 1;
		}
		sleep_ms(2);
	}
	printf("%.4f\n", mono_ms() - t0);
	regfree(&re);
	return 0;
}

static int
cmd_echod(int argc, char **argv)
{
	struct sockaddr_un	sun;
	struct pollfd		pfd[257];
	char			buf[65536];
	ssize_t			n, w, off;
	int			lfd, nfd = 1, i, fd;

	if (argc != 1)
		die("usage: echod SOCK");
	signal(SIGPIPE, SIG_IGN);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(argv[0]) >= sizeof(sun.sun_path))
		die("socket path too long");
	memcpy(sun.sun_path, argv[0], strlen(argv[0]));
	(void)unlink(argv[0]);
	if ((lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    bind(lfd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    listen(lfd, 128) == -1)
		die("echod %s: %s", argv[0], strerror(errno));
	pfd[0].fd = lfd;
	pfd[0].events = POLLIN;
	for (;;) {
		if (poll(pfd, (nfds_t)nfd, -1) == -1) {
			if (errno == EINTR)
				continue;
			die("poll: %s", strerror(errno));
		}
		for (i = nfd - 1; i >= 1; i--) {
			if (pfd[i].revents == 0)
				continue;
			fd = pfd[i].fd;
			n = read(fd, buf, sizeof(buf));
			for (off = 0; n > 0 && off < n; off += w)
				if ((w = write(fd, buf + off,
				    (size_t)(n - off))) <= 0)
					break;
			if (n <= 0) {
				close(fd);
				pfd[i] = pfd[--nfd];
			}
		}
		if (pfd[0].revents & POLLIN) {
			fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
			if (fd != -1 && nfd < 257) {
				pfd[nfd].fd = fd;
				pfd[nfd].events = POLLIN;
				pfd[nfd].revents = 0;
				nfd++;
			} else if (fd != -1)
				close(fd);
		}
	}
}

struct conn {
	int	 fd;
	long	 quota, sent, done;
	size_t	 woff, wlen;	/* pending bytes of the current batch */
	int	 col;		/* position in the current line */
	char	 head[3];	/* its first characters */
};

static int
cmd_pipeline(int argc, char **argv)
{
	struct conn	*c;
	struct pollfd	*pfd;
	char		 req[8300], *batch, rbuf[65536];
	size_t		 rlen;
	long		 nconn, total, depth, left, k, i, j, alldone = 0;
	ssize_t		 n;
	double		 t0, t1;
	int		 echo = 0, fin;

	if (argc > 0 && strcmp(argv[0], "-e") == 0) {
		echo = 1;
		argc--;
		argv++;
	}
	if (argc != 5)
		die("usage: pipeline [-e] SOCK NCONN TOTAL DEPTH REQ");
	nconn = num(argv[1], "connections");
	total = num(argv[2], "total");
	depth = num(argv[3], "depth");
	if (nconn < 1 || depth < 1 || total < nconn)
		die("pipeline: bad numbers");
	rlen = (size_t)snprintf(req, sizeof(req), "%s\n", argv[4]);
	if ((batch = malloc(rlen * (size_t)depth)) == NULL)
		die("malloc");
	for (k = 0; k < depth; k++)
		memcpy(batch + (size_t)k * rlen, req, rlen);
	c = calloc((size_t)nconn, sizeof(*c));
	pfd = calloc((size_t)nconn, sizeof(*pfd));
	if (c == NULL || pfd == NULL)
		die("calloc");
	signal(SIGPIPE, SIG_IGN);
	for (i = 0; i < nconn; i++) {
		if ((c[i].fd = dial(argv[0])) == -1)
			die("pipeline: connect %s: %s", argv[0],
			    strerror(errno));
		(void)fcntl(c[i].fd, F_SETFL, O_NONBLOCK);
		c[i].quota = total / nconn + (i < total % nconn ? 1 : 0);
	}
	t0 = mono_ms();
	while (alldone < nconn) {
		for (i = 0; i < nconn; i++) {
			pfd[i].fd = c[i].fd;
			pfd[i].events = 0;
			if (c[i].done >= c[i].quota) {
				pfd[i].fd = -1;
				continue;
			}
			pfd[i].events = POLLIN;
			if (c[i].wlen == 0) {
				left = depth - (c[i].sent - c[i].done);
				if (left > c[i].quota - c[i].sent)
					left = c[i].quota - c[i].sent;
				if (left > 0) {
					c[i].wlen = (size_t)left * rlen;
					c[i].woff = 0;
					c[i].sent += left;
				}
			}
			if (c[i].wlen > 0)
				pfd[i].events |= POLLOUT;
		}
		if (poll(pfd, (nfds_t)nconn, 30000) <= 0)
			die("pipeline: stalled (%s)", strerror(errno));
		for (i = 0; i < nconn; i++) {
			if (pfd[i].revents & POLLOUT) {
				n = write(c[i].fd, batch + c[i].woff,
				    c[i].wlen - c[i].woff);
				if (n > 0) {
					c[i].woff += (size_t)n;
					if (c[i].woff == c[i].wlen)
						c[i].wlen = 0;
				}
			}
			if (!(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			n = read(c[i].fd, rbuf, sizeof(rbuf));
			if (n == 0 || (n == -1 && errno != EAGAIN))
				die("pipeline: the server closed a "
				    "connection after %ld replies", c[i].done);
			for (j = 0; j < n; j++) {
				if (rbuf[j] != '\n') {
					if (c[i].col < 3)
						c[i].head[c[i].col] = rbuf[j];
					c[i].col++;
					continue;
				}
				fin = echo || (c[i].col >= 2 &&
				    c[i].head[0] == 'O' && c[i].head[1] == 'K') ||
				    (c[i].col >= 3 && memcmp(c[i].head, "ERR",
				    3) == 0);
				c[i].col = 0;
				if (fin && ++c[i].done == c[i].quota)
					alldone++;
			}
		}
	}
	t1 = mono_ms();
	for (i = 0; i < nconn; i++)
		close(c[i].fd);
	printf("%.1f\n", (double)total / ((t1 - t0) / 1000));
	free(batch);
	free(c);
	free(pfd);
	return 0;
}

static int
cmd_pipefloor(int argc, char **argv)
{
	static char	buf[65536];
	unsigned long long bytes = 0;
	int		p[2], out, status;
	ssize_t		n, w, off;
	pid_t		pid;
	double		t0, t1;

	if (argc != 4)
		die("usage: pipefloor SPEW BYTES LEN OUT");
	if ((out = open(argv[3], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0644)) == -1)
		die("%s: %s", argv[3], strerror(errno));
	t0 = mono_ms();
	if (pipe2(p, O_CLOEXEC) == -1 || (pid = fork()) == -1)
		die("pipe/fork: %s", strerror(errno));
	if (pid == 0) {
		dup2(p[1], STDOUT_FILENO);
		execl(argv[0], argv[0], argv[1], argv[2], (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	while ((n = read(p[0], buf, sizeof(buf))) != 0) {
		if (n == -1) {
			if (errno == EINTR)
				continue;
			die("read: %s", strerror(errno));
		}
		bytes += (unsigned long long)n;
		for (off = 0; off < n; off += w)
			if ((w = write(out, buf + off, (size_t)(n - off))) <= 0)
				die("write %s: %s", argv[3], strerror(errno));
	}
	waitpid(pid, &status, 0);
	t1 = mono_ms();
	close(out);
	close(p[0]);
	printf("%.1f\n", (double)bytes / 1e6 / ((t1 - t0) / 1000));
	return 0;
}

/*
 * "2026-12-01T10:00:00.123+01:00" for now: what maintd puts before each
 * line, formatted once per chunk read, as maintd does.
 */
static size_t
stamp_now(char *buf, size_t len, unsigned long long run)
{
	struct timespec	ts;
	struct tm	tm;
	char		tz[8];
	size_t		n;

	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	strftime(tz, sizeof(tz), "%z", &tm);
	n += (size_t)snprintf(buf + n, len - n, ".%03ld%.3s:%s [%llu] ",
	    ts.tv_nsec / 1000000, tz, tz + 3, run);
	return n;
}

/*
 * The log floor: the best plain loop for what maintd does with a run's
 * output: read 64 KiB, cut it into lines, write each with the prefix
 * into a 64 KiB buffer, write that out when full.
 */
static int
cmd_prefixfloor(int argc, char **argv)
{
	static char	buf[65536], out[65536 + 4096], line[8192];
	unsigned long long bytes = 0;
	char		pfx[96], *nl, *p, *end;
	size_t		pl, ol = 0, ll = 0, k;
	int		fds[2], fd, status;
	ssize_t		n;
	pid_t		pid;
	double		t0, t1;

	if (argc != 4)
		die("usage: prefixfloor SPEW BYTES LEN OUT");
	if ((fd = open(argv[3], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0644)) == -1)
		die("%s: %s", argv[3], strerror(errno));
	t0 = mono_ms();
	if (pipe2(fds, O_CLOEXEC) == -1 || (pid = fork()) == -1)
		die("pipe/fork: %s", strerror(errno));
	if (pid == 0) {
		dup2(fds[1], STDOUT_FILENO);
		execl(argv[0], argv[0], argv[1], argv[2], (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	while ((n = read(fds[0], buf, sizeof(buf))) != 0) {
		if (n == -1) {
			if (errno == EINTR)
				continue;
			die("read: %s", strerror(errno));
		}
		bytes += (unsigned long long)n;
		pl = stamp_now(pfx, sizeof(pfx), 12345);
		for (p = buf, end = buf + n; p < end; p = nl + 1) {
			if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL) {
				/* a partial line: kept for the next read */
				k = (size_t)(end - p);
				if (ll + k > sizeof(line))
					k = sizeof(line) - ll;
				memcpy(line + ll, p, k);
				ll += k;
				break;
			}
			if (ol + pl + ll + (size_t)(nl - p) + 1 > sizeof(out)) {
				if (write(fd, out, ol) != (ssize_t)ol)
					die("write: %s", strerror(errno));
				ol = 0;
			}
			memcpy(out + ol, pfx, pl);
			ol += pl;
			memcpy(out + ol, line, ll);
			ol += ll;
			ll = 0;
			memcpy(out + ol, p, (size_t)(nl - p) + 1);
			ol += (size_t)(nl - p) + 1;
		}
	}
	if (ol > 0 && write(fd, out, ol) != (ssize_t)ol)
		die("write: %s", strerror(errno));
	waitpid(pid, &status, 0);
	t1 = mono_ms();
	close(fd);
	close(fds[0]);
	printf("%.1f\n", (double)bytes / 1e6 / ((t1 - t0) / 1000));
	return 0;
}

/*
 * Is the run of task over, by the events in buf (a "run-ok",
 * "run-failed", ... line of it that is not "run-started")?
 */
static int
run_ended(const char *buf, const char *task)
{
	char		 want[300];
	const char	*p;

	snprintf(want, sizeof(want), "  %s  run-", task);
	for (p = buf; (p = strstr(p, want)) != NULL; p += strlen(want))
		if (strncmp(p + strlen(want), "started", 7) != 0)
			return 1;
	return 0;
}

static int
cmd_logrun(int argc, char **argv)
{
	static char	 ev[65536];
	char		*run[7], *status[5], req[] = "events --follow -n 1\n";
	double		 t0, t1, ts, period;
	unsigned long long bytes;
	struct pollfd	 pfd;
	size_t		 evlen = 0;
	ssize_t		 n;
	int		 rc;

	if (argc != 5)
		die("usage: logrun SOCK MAINTCTL TASK BYTES PERIOD_MS");
	run[0] = status[0] = argv[1];
	run[1] = "-q";
	run[2] = status[1] = "-s";
	run[3] = status[2] = argv[0];
	run[4] = "run";
	run[5] = argv[2];
	run[6] = NULL;
	status[3] = "status";
	status[4] = NULL;
	bytes = strtoull(argv[3], NULL, 10);
	period = (double)num(argv[4], "period");
	/*
	 * The end of the run is its event, from "events --follow" (the one
	 * event it replays first is read and dropped); meanwhile a timed
	 * status every PERIOD_MS.
	 */
	if ((pfd.fd = dial(argv[0])) == -1 ||
	    write(pfd.fd, req, strlen(req)) != (ssize_t)strlen(req) ||
	    read(pfd.fd, ev, sizeof(ev) - 1) <= 0)
		die("logrun: events --follow on %s", argv[0]);
	pfd.events = POLLIN;
	t0 = mono_ms();
	if ((rc = run_quiet(run)) != 0)
		die("logrun: maintctl run %s exited %d", argv[2], rc);
	for (;;) {
		if (poll(&pfd, 1, (int)period) == 1) {
			if ((n = read(pfd.fd, ev + evlen, sizeof(ev) - 1 -
			    evlen)) <= 0)
				die("logrun: maintd went away");
			evlen += (size_t)n;
			ev[evlen] = '\0';
			if (run_ended(ev, argv[2]))
				break;
			if (evlen > sizeof(ev) / 2) {
				/* keep the end, where a line may be cut */
				memmove(ev, ev + evlen - 1024, 1024);
				evlen = 1024;
			}
			continue;
		}
		ts = mono_ms();
		(void)run_quiet(status);
		printf("lat %.4f\n", mono_ms() - ts);
		if (mono_ms() - t0 > 300000)
			die("logrun: %s still running after 300 s", argv[2]);
	}
	t1 = mono_ms();
	close(pfd.fd);
	printf("tput %.1f\n", (double)bytes / 1e6 / ((t1 - t0) / 1000));
	return 0;
}

int
main(int argc, char *argv[])
{
	const char	*verb;

	if (argc < 2)
		die("usage: bt VERB ARGS... (see bt.c)");
	verb = argv[1];
	argc -= 2;
	argv += 2;
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (strcmp(verb, "now") == 0)
		return cmd_now();
	if (strcmp(verb, "timeit") == 0)
		return cmd_timeit(argc, argv);
	if (strcmp(verb, "spawnfloor") == 0)
		return cmd_spawnfloor(argc, argv);
	if (strcmp(verb, "bringfloor") == 0)
		return cmd_bringfloor(argc, argv);
	if (strcmp(verb, "startlat") == 0)
		return cmd_startlat(argc, argv);
	if (strcmp(verb, "waitlines") == 0)
		return cmd_waitlines(argc, argv);
	if (strcmp(verb, "waitreply") == 0)
		return cmd_waitreply(argc, argv);
	if (strcmp(verb, "echod") == 0)
		return cmd_echod(argc, argv);
	if (strcmp(verb, "pipeline") == 0)
		return cmd_pipeline(argc, argv);
	if (strcmp(verb, "pipefloor") == 0)
		return cmd_pipefloor(argc, argv);
	if (strcmp(verb, "prefixfloor") == 0)
		return cmd_prefixfloor(argc, argv);
	if (strcmp(verb, "logrun") == 0)
		return cmd_logrun(argc, argv);
	die("unknown verb %s", verb);
}
