/*
 * transport.c: how maintctl and maintctl-tty reach maintd.  Here, its
 * Unix socket.  On another host, ssh (from PATH, or $MAINTD_SSH) with no
 * terminal, running "maintctl --stdio" there, which joins its standard
 * input and output to that host's socket (transport_relay), so maintd
 * there sees the login user as its peer, with that user's rights; the
 * protocol is the same, line for line.  ssh is given an argv, never a
 * shell line of ours; the one string ssh sends to the remote shell is
 * quoted word by word.
 */
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "transport.h"

#define MAX_SSH_WORDS	32

static bool
all_of(const char *s, const char *set)
{
	return *s != '\0' && s[strspn(s, set)] == '\0';
}

#define ALNUM	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

int
transport_parse(struct target *t, const char *url, char *err, size_t len)
{
	const char	*p = url, *at, *end, *colon;
	size_t		 n;
	long		 port;
	char		*ep;

	memset(t, 0, sizeof(*t));
	if (strncmp(p, "ssh://", 6) != 0) {
		snprintf(err, len, "'%s': the host is ssh://[user@]host[:port]",
		    url);
		return -1;
	}
	p += 6;
	if ((at = strchr(p, '@')) != NULL) {
		n = (size_t)(at - p);
		if (n == 0 || n >= sizeof(t->user) || *p == '-') {
			snprintf(err, len, "'%s': a bad user name", url);
			return -1;
		}
		memcpy(t->user, p, n);
		if (!all_of(t->user, ALNUM "._-")) {
			snprintf(err, len, "'%s': a bad user name", url);
			return -1;
		}
		p = at + 1;
	}
	if (*p == '[') {	/* [IPv6]:port */
		if ((end = strchr(++p, ']')) == NULL) {
			snprintf(err, len, "'%s': no ']'", url);
			return -1;
		}
		colon = end[1] == ':' ? end + 1 : NULL;
		if (end[1] != '\0' && end[1] != ':' && strcmp(end + 1, "/")) {
			snprintf(err, len, "'%s': what follows ']'?", url);
			return -1;
		}
	} else {
		end = p + strcspn(p, ":/");
		colon = *end == ':' ? end : NULL;
	}
	n = (size_t)(end - p);
	if (n == 0 || n >= sizeof(t->host) || *p == '-') {
		snprintf(err, len, "'%s': a bad host name", url);
		return -1;
	}
	memcpy(t->host, p, n);
	if (!all_of(t->host, ALNUM "._-:%")) {
		snprintf(err, len, "'%s': a bad host name", url);
		return -1;
	}
	end += *end == ']';
	if (colon != NULL) {
		errno = 0;
		port = strtol(colon + 1, &ep, 10);
		if (colon[1] < '0' || colon[1] > '9' || errno != 0 ||
		    port < 1 || port > 65535 || (*ep != '\0' &&
		    strcmp(ep, "/") != 0)) {
			snprintf(err, len, "'%s': a bad port", url);
			return -1;
		}
		snprintf(t->port, sizeof(t->port), "%ld", port);
	} else if (*end != '\0' && strcmp(end, "/") != 0) {
		snprintf(err, len, "'%s': a path is not for maintd: give "
		    "the socket with -s", url);
		return -1;
	}
	t->url = url;
	return 0;
}

int
transport_unix(const char *path)
{
	struct sockaddr_un	sun;
	int			fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);	/* length checked */
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		int	e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

/* s as one word for a POSIX shell: itself, or 'quoted'. */
static int
shell_word(char *buf, size_t len, const char *s)
{
	size_t	o = 0;

	if (all_of(s, ALNUM "_./:=@%+-"))
		return snprintf(buf, len, "%s", s) < (int)len ? 0 : -1;
	if (len < 3)
		return -1;
	buf[o++] = '\'';
	for (; *s != '\0'; s++) {
		if (o + 5 >= len)
			return -1;
		if (*s == '\'') {
			memcpy(buf + o, "'\\''", 4);
			o += 4;
		} else
			buf[o++] = *s;
	}
	buf[o++] = '\'';
	buf[o] = '\0';
	return 0;
}

/* What the remote shell runs: MAINTCTL --stdio [-s SOCKET]. */
static int
remote_command(const struct target *t, char *buf, size_t len)
{
	const char	*prog = getenv("MAINTD_REMOTE_MAINTCTL");
	char		 w[2048];
	size_t		 o;

	if (prog == NULL || *prog == '\0')
		prog = "maintctl";
	if (shell_word(w, sizeof(w), prog) == -1 ||
	    (size_t)snprintf(buf, len, "%s --stdio", w) >= len)
		return -1;
	if (t->socket != NULL) {
		o = strlen(buf);
		if (shell_word(w, sizeof(w), t->socket) == -1 ||
		    (size_t)snprintf(buf + o, len - o, " -s %s", w) >= len - o)
			return -1;
	}
	return 0;
}

int
transport_ssh(const struct target *t, int flags, struct tconn *c)
{
	static char	 words[1024], cmd[4200];
	char		*argv[MAX_SSH_WORDS + 16], *w;
	const char	*e = getenv("MAINTD_SSH");
	int		 to[2], from[2], n = 0, fd;
	pid_t		 parent = getpid();

	c->rfd = c->wfd = -1;
	c->pid = -1;
	if (remote_command(t, cmd, sizeof(cmd)) == -1) {
		errno = ENAMETOOLONG;
		return -1;
	}
	snprintf(words, sizeof(words), "%s", e != NULL ? e : "");
	for (w = strtok(words, " \t"); w != NULL && n < MAX_SSH_WORDS;
	    w = strtok(NULL, " \t"))
		argv[n++] = w;
	if (n == 0)
		argv[n++] = "ssh";
	argv[n++] = "-T";		/* no terminal: a clean pipe */
	if (flags & TR_BATCH) {
		argv[n++] = "-o";
		argv[n++] = "BatchMode=yes";
	}
	if (t->port[0] != '\0') {
		argv[n++] = "-p";
		argv[n++] = (char *)t->port;
	}
	if (t->user[0] != '\0') {
		argv[n++] = "-l";
		argv[n++] = (char *)t->user;
	}
	argv[n++] = "--";
	argv[n++] = (char *)t->host;
	argv[n++] = cmd;
	argv[n] = NULL;
	if (pipe2(to, O_CLOEXEC) == -1)
		return -1;
	if (pipe2(from, O_CLOEXEC) == -1) {
		close(to[0]);
		close(to[1]);
		return -1;
	}
	switch ((c->pid = fork())) {
	case -1:
		close(to[0]);
		close(to[1]);
		close(from[0]);
		close(from[1]);
		return -1;
	case 0:
#ifdef __linux__
		/* maintctl killed, even by SIGKILL: ssh goes too */
		(void)prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != parent)
			_exit(255);
#endif
		(void)parent;
		if (dup2(to[0], STDIN_FILENO) == -1 ||
		    dup2(from[1], STDOUT_FILENO) == -1)
			_exit(255);
		if ((flags & TR_QUIET) &&
		    (fd = open("/dev/null", O_WRONLY)) != -1)
			(void)dup2(fd, STDERR_FILENO);
		signal(SIGPIPE, SIG_DFL);	/* ignored here: not in ssh */
		execvp(argv[0], argv);
		fprintf(stderr, "maintctl: cannot run %s: %s\n", argv[0],
		    strerror(errno));
		_exit(255);
	}
	close(to[0]);
	close(from[1]);
	c->rfd = from[0];
	c->wfd = to[1];
	return 0;
}

static volatile sig_atomic_t	alarmed;

static void
on_alarm(int sig)
{
	(void)sig;
	alarmed = 1;
}

/* waitpid, for at most secs seconds: 0, or -1 when it timed out. */
static int
wait_bounded(pid_t pid, int *status, unsigned secs)
{
	struct sigaction	sa, old;
	pid_t			r;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;	/* no SA_RESTART: waitpid returns */
	sigaction(SIGALRM, &sa, &old);
	alarmed = 0;
	alarm(secs);
	while ((r = waitpid(pid, status, 0)) == -1 && errno == EINTR &&
	    !alarmed)
		;
	alarm(0);
	sigaction(SIGALRM, &old, NULL);
	return r == pid ? 0 : -1;
}

int
transport_close(struct tconn *c, unsigned secs)
{
	int	status = 0;

	if (c->rfd != -1)
		close(c->rfd);
	if (c->wfd != -1 && c->wfd != c->rfd)
		close(c->wfd);
	c->rfd = c->wfd = -1;
	if (c->pid <= 0)
		return 0;
	/* its input closed, ssh ends as the remote end does */
	if (secs == 0 || wait_bounded(c->pid, &status, secs) == -1) {
		kill(c->pid, SIGTERM);
		if (wait_bounded(c->pid, &status, 2) == -1) {
			kill(c->pid, SIGKILL);
			(void)waitpid(c->pid, &status, 0);
		}
	}
	c->pid = -1;
	return status;
}

int
transport_why(const struct target *t, int status)
{
	int	code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;

	if (WIFSIGNALED(status))
		fprintf(stderr, "maintctl: cannot reach maintd on %s: ssh was "
		    "killed by signal %d\n", t->url, WTERMSIG(status));
	else if (code == 255)
		fprintf(stderr, "maintctl: cannot reach maintd on %s: ssh "
		    "failed (exit 255; its message is above)\n", t->url);
	else if (code == 127 || code == 126)
		fprintf(stderr, "maintctl: cannot reach maintd on %s: no "
		    "maintctl to run there (exit %d); install it, or set "
		    "MAINTD_REMOTE_MAINTCTL to its path on that host\n",
		    t->url, code);
	else if (code == 69 || code == 77)
		fprintf(stderr, "maintctl: cannot reach maintd on %s (what "
		    "that host said is above)\n", t->url);
	else if (code == 2)
		fprintf(stderr, "maintctl: cannot reach maintd on %s: its "
		    "maintctl does not know --stdio (an older one?)\n",
		    t->url);
	else
		fprintf(stderr, "maintctl: maintd on %s closed the connection "
		    "before its reply ended\n", t->url);
	return code == 77 ? 77 : 69;
}

int
transport_relay(int sock)
{
	static char	 up[65536], down[65536];	/* to sock, to stdout */
	struct pollfd	 pfd[3];
	size_t		 ulen = 0, dlen = 0;
	bool		 in_eof = false, sock_eof = false, shut = false;
	ssize_t		 n;

	signal(SIGPIPE, SIG_IGN);
	(void)fcntl(sock, F_SETFL, fcntl(sock, F_GETFL) | O_NONBLOCK);
	for (;;) {
		if (in_eof && ulen == 0 && !shut) {
			/* the client sends no more: say so, read on */
			(void)shutdown(sock, SHUT_WR);
			shut = true;
		}
		if (sock_eof && dlen == 0)
			return 0;
		pfd[0].fd = in_eof || ulen == sizeof(up) ? -1 : STDIN_FILENO;
		pfd[0].events = POLLIN;
		pfd[1].fd = sock_eof ? -1 : sock;
		pfd[1].events = (ulen > 0 ? POLLOUT : 0) |
		    (dlen < sizeof(down) ? POLLIN : 0);
		/* always watched: its reader gone (POLLERR), we are done */
		pfd[2].fd = STDOUT_FILENO;
		pfd[2].events = dlen > 0 ? POLLOUT : 0;
		if (poll(pfd, 3, -1) == -1) {
			if (errno == EINTR)
				continue;
			return 1;
		}
		if (pfd[2].revents & (POLLERR | POLLHUP | POLLNVAL))
			return 0;
		if (pfd[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			n = read(STDIN_FILENO, up + ulen, sizeof(up) - ulen);
			if (n > 0)
				ulen += (size_t)n;
			else if (n == 0 || (errno != EINTR && errno != EAGAIN))
				in_eof = true;
		}
		if (pfd[1].revents & POLLOUT) {
			n = send(sock, up, ulen, MSG_NOSIGNAL);
			if (n > 0) {
				memmove(up, up + n, ulen - (size_t)n);
				ulen -= (size_t)n;
			} else if (n == -1 && errno != EINTR && errno != EAGAIN)
				sock_eof = true;
		}
		if (pfd[1].revents & (POLLIN | POLLHUP | POLLERR)) {
			n = read(sock, down + dlen, sizeof(down) - dlen);
			if (n > 0)
				dlen += (size_t)n;
			else if (n == 0 || (errno != EINTR && errno != EAGAIN))
				sock_eof = true;
		}
		if (sock_eof) {
			/* maintd closed: what it was sent no longer matters */
			ulen = 0;
			in_eof = shut = true;
		}
		if (pfd[2].revents & POLLOUT) {
			/* at most PIPE_BUF: a write poll allowed won't block */
			n = write(STDOUT_FILENO, down, dlen < PIPE_BUF ? dlen :
			    PIPE_BUF);
			if (n > 0) {
				memmove(down, down + n, dlen - (size_t)n);
				dlen -= (size_t)n;
			} else if (n == -1 && errno != EINTR && errno != EAGAIN)
				return 0;
		}
	}
}
