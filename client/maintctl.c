/*
 * maintctl: send one request to maintd over its Unix socket (or through
 * ssh to another host's: -H, transport.c), print the reply's data lines
 * and exit by its final line (DESIGN §9):
 * 0 OK, 1 ERR, 2 usage, 69 daemon not reachable, 77 denied.
 */

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "help.h"
#include "paths.h"
#include "proto.h"
#include "tokfile.h"
#include "transport.h"

#define EX_OK		0
#define EX_ERR		1
#define EX_USAGE_	2
#define EX_UNAVAIL	69
#define EX_DENIED	77
#define EX_CONFIRM	-1	/* internal: the daemon asks for --confirm */

static int	jflag, qflag, yflag;
static const char *prog;
static char	token[TOKEN_MAX + 1];	/* -T: sent as auth first */
static struct target target;	/* -H: maintd on another host */

static void
usage_text(FILE *fp)
{
	fprintf(fp,
	    "usage: maintctl [-jqy] [-H ssh://[user@]host[:port]] [-s socket] "
	    "[-T tokenfile] verb [arg ...]\n"
	    "       maintctl [-H ssh://[user@]host[:port]] [-s socket] "
	    "top|shell\n"
	    "       maintctl help [VERB], maintctl --version\n"
	    "       maintctl --stdio [-s socket]\n");
	help_options(fp);
}

static void __attribute__((noreturn))
usage(void)
{
	usage_text(stderr);
	exit(EX_USAGE_);
}

/*
 * maintctl top, shell, and maintctl alone on a terminal are in
 * maintctl-tty (it needs json-c and libedit; maintctl itself, libc only,
 * stays fast to start): next to this program, or where it was installed.
 */
static void __attribute__((noreturn))
run_tty(const char *sock, int argc, char **argv)
{
	char		 path[1024], *slash;
	char		*args[PROTO_MAXWORDS + 8];
	int		 n = 0, i;

	args[n++] = "maintctl-tty";
	if (target.url != NULL) {
		args[n++] = "-H";
		args[n++] = (char *)target.url;
	}
	if (sock != NULL) {
		args[n++] = "-s";
		args[n++] = (char *)sock;
	}
	args[n++] = argc > 0 ? argv[0] : "shell";
	for (i = 1; i < argc && i < PROTO_MAXWORDS; i++)
		args[n++] = argv[i];
	args[n] = NULL;
	if (prog != NULL && (slash = strrchr(prog, '/')) != NULL) {
		snprintf(path, sizeof(path), "%.*s/maintctl-tty",
		    (int)(slash - prog), prog);
		execv(path, args);
	}
	execv(SBINDIR "/maintctl-tty", args);
	execvp("maintctl-tty", args);
	fprintf(stderr, "maintctl: %s needs maintctl-tty, which is not "
	    "installed (%s)\n", argc > 0 ? argv[0] : "shell", strerror(errno));
	exit(EX_ERR);
}

/*
 * "preset import FILE" or "preset import -" (and window import): the
 * JSON of the file, on one line (newlines are blanks to JSON), as the
 * request's argument.
 */
static void
import_file(char **argv)
{
	static char	buf[PROTO_MAXLINE];
	FILE		*fp;
	size_t		 n, i;

	if (argv[2][0] == '{' || (argv[2][0] == '-' && argv[2][1] != '\0'))
		return;
	if (strcmp(argv[2], "-") == 0)
		fp = stdin;
	else if ((fp = fopen(argv[2], "r")) == NULL) {
		fprintf(stderr, "maintctl: %s: %s\n", argv[2], strerror(errno));
		exit(EX_USAGE_);
	}
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	if (fp != stdin)
		fclose(fp);
	if (n == sizeof(buf) - 1) {
		fprintf(stderr, "maintctl: %s: too large for a request\n",
		    argv[2]);
		exit(EX_USAGE_);
	}
	buf[n] = '\0';
	for (i = 0; i < n; i++)
		if (buf[i] == '\n' || buf[i] == '\r' || buf[i] == '\t')
			buf[i] = ' ';
	argv[2] = buf;
}

static int
dial(const char *path)
{
	int	fd, e;

	if ((fd = transport_unix(path)) == -1) {
		if ((e = errno) == ENAMETOOLONG) {
			fprintf(stderr, "maintctl: socket path too long: %s\n",
			    path);
			exit(EX_USAGE_);
		}
		fprintf(stderr, "maintctl: cannot reach maintd at %s: %s\n",
		    path, strerror(e));
		if (e == ENOENT || e == ECONNREFUSED)
			fprintf(stderr, "maintctl: is it running? start it "
			    "with 'maintd' (or 'maintd -f' in the foreground),"
			    " or point -s / MAINTD_SOCKET at its socket\n");
		else if (e == EACCES)
			fprintf(stderr, "maintctl: the socket's group "
			    "(socket_group in maintd.conf) may connect\n");
		exit(e == EACCES ? EX_DENIED : EX_UNAVAIL);
	}
	return fd;
}

/*
 * The request line, quoted straight into a static buffer: bss, of which
 * only the pages written are ever touched (a one-request client's start
 * is most of its cost: DESIGN §3, tests/bench).
 */
static char *
build_request(int argc, char **argv)
{
	static char	line[PROTO_MAXLINE + 2];
	size_t		len = 0;
	int		i;

	for (i = 0; i < argc; i++) {
		if (i > 0)
			line[len++] = ' ';
		if (len >= PROTO_MAXLINE || proto_quote(argv[i], line + len,
		    PROTO_MAXLINE + 1 - len) == -1) {
			fprintf(stderr, "maintctl: request too long or an "
			    "argument holds a newline\n");
			exit(EX_USAGE_);
		}
		len += strlen(line + len);
	}
	if (jflag == 1) {
		if (len + 7 > PROTO_MAXLINE) {
			fprintf(stderr, "maintctl: request too long\n");
			exit(EX_USAGE_);
		}
		memcpy(line + len, " --json", 7);
		len += 7;
	}
	line[len++] = '\n';
	line[len] = '\0';
	return line;
}

static int
send_all(int fd, const char *buf, size_t len)
{
	ssize_t	n;

	/* a socket or ssh's pipe: SIGPIPE is ignored */
	while (len > 0) {
		if ((n = write(fd, buf, len)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Exit status for an "ERR code message" line. */
static int
err_status(const char *code)
{
	if (strcmp(code, "denied") == 0)
		return EX_DENIED;
	if (strcmp(code, "usage") == 0 || strcmp(code, "unknown-verb") == 0)
		return EX_USAGE_;
	return EX_ERR;
}

/* An "ERR confirm <summary>" waits here for the question to the user. */
static char	confirm_summary[1024];

/*
 * Standard output without stdio: the data lines of one read of the
 * reply go out in one write (stdio would set itself up with an fstat and
 * an ioctl, and write a line at a time, flushed for followers).
 */
static char	obuf[16384];
static size_t	olen;

/*
 * Standard output that cannot be written (a reader that went away, as
 * head(1) after its lines): nothing more can be shown, so a --follow
 * stream must not go on unseen: exit 1.
 */
static void
out_write(const char *s, size_t len)
{
	if (send_all(STDOUT_FILENO, s, len) == -1)
		_exit(EX_ERR);
}

static void
out_flush(void)
{
	if (olen > 0)
		out_write(obuf, olen);
	olen = 0;
}

static void
out_line(const char *s, size_t len)
{
	if (olen + len + 1 > sizeof(obuf)) {
		out_flush();
		if (len + 1 > sizeof(obuf)) {
			out_write(s, len);
			out_write("\n", 1);
			return;
		}
	}
	memcpy(obuf + olen, s, len);
	obuf[olen + len] = '\n';
	olen += len + 1;
}

#define MORE	1000	/* reply_line(): the reply goes on */

/* One line of the reply (n bytes, NUL-terminated): MORE or an exit status. */
static int
reply_line(char *line, size_t n, int *ndata, int *authed)
{
	char	*code, *msg;

	if (!*authed && strncmp(line, "OK", 2) == 0) {
		*authed = 1;	/* the reply to auth */
		return MORE;
	}
	if (strncmp(line, "- ", 2) == 0 || strcmp(line, "-") == 0) {
		(*ndata)++;
		if (!qflag)
			out_line(line[1] ? line + 2 : "", line[1] ? n - 2 : 0);
		return MORE;
	}
	out_flush();
	if (strcmp(line, "OK") == 0 || strncmp(line, "OK ", 3) == 0) {
		if (!qflag && !jflag && *ndata == 0 && line[2] != '\0')
			out_line(line + 3, n - 3);
		return EX_OK;
	}
	if (strncmp(line, "ERR ", 4) == 0) {
		code = line + 4;
		msg = strchr(code, ' ');
		if (msg != NULL)
			*msg++ = '\0';
		if (strcmp(code, "confirm") == 0) {
			snprintf(confirm_summary, sizeof(confirm_summary),
			    "%s", msg != NULL ? msg : "confirm");
			return EX_CONFIRM;
		}
		/* "ERR usage usage: show TASK" says usage once */
		if (msg != NULL && strncmp(msg, code, strlen(code)) == 0 &&
		    msg[strlen(code)] == ':')
			fprintf(stderr, "maintctl: %s\n", msg);
		else
			fprintf(stderr, "maintctl: %s: %s\n", code,
			    msg != NULL ? msg : "(no message)");
		return err_status(code);
	}
	fprintf(stderr, "maintctl: unexpected line from maintd: %s\n", line);
	return EX_ERR;
}

/*
 * Read the reply to its final line, and close fd.  Lines are split in a
 * buffer of our own, static until a line is longer (a big --json).
 */
static int
read_reply(int fd)
{
	static char	 sbuf[16384];
	char		*buf = sbuf, *nl, *nbuf;
	size_t		 cap = sizeof(sbuf), len = 0, off;
	ssize_t		 n;
	int		 ndata = 0, rc = MORE, authed = token[0] == '\0';

	while (rc == MORE) {
		if (len + 1 >= cap) {	/* room for a NUL after a last line */
			if ((nbuf = buf == sbuf ? malloc(cap * 2) :
			    realloc(buf, cap * 2)) == NULL) {
				fprintf(stderr, "maintctl: out of memory\n");
				rc = EX_ERR;
				break;
			}
			if (buf == sbuf)
				memcpy(nbuf, sbuf, len);
			buf = nbuf;
			cap *= 2;
		}
		if ((n = read(fd, buf + len, cap - len - 1)) == -1 &&
		    errno == EINTR)
			continue;
		if (n <= 0) {
			/* a last line without its newline counts, as it did */
			if (len > 0) {
				buf[len] = '\0';
				rc = reply_line(buf, len, &ndata, &authed);
			}
			break;
		}
		len += (size_t)n;
		for (off = 0; rc == MORE &&
		    (nl = memchr(buf + off, '\n', len - off)) != NULL;
		    off = (size_t)(nl - buf) + 1) {
			*nl = '\0';
			rc = reply_line(buf + off, (size_t)(nl - buf) - off,
			    &ndata, &authed);
		}
		memmove(buf, buf + off, len - off);
		len -= off;
		out_flush();	/* a follower sees each read as it comes */
	}
	out_flush();
	if (rc == MORE) {
		rc = EX_UNAVAIL;
		if (target.url == NULL)		/* else ssh says */
			fprintf(stderr, "maintctl: maintd closed the "
			    "connection before its reply ended\n");
	}
	if (buf != sbuf)
		free(buf);
	close(fd);
	return rc;
}

/* Ask on the terminal; yes only for y or yes. */
static int
ask(const char *question)
{
	FILE	*tty;
	char	 answer[16] = "";

	if (!isatty(STDIN_FILENO) || (tty = fopen("/dev/tty", "r+")) == NULL)
		return 0;
	fprintf(tty, "%s? [y/N] ", question);
	fflush(tty);
	if (fgets(answer, sizeof(answer), tty) == NULL)
		answer[0] = '\0';
	fclose(tty);
	answer[strcspn(answer, "\n")] = '\0';
	return strcasecmp(answer, "y") == 0 || strcasecmp(answer, "yes") == 0;
}

/* -H URL: maintd there, through ssh; -s is the socket there. */
static void
remote(const char *url, const char *sock)
{
	char	err[512];

	if (transport_parse(&target, url, err, sizeof(err)) == -1) {
		fprintf(stderr, "maintctl: -H %s\n", err);
		exit(EX_USAGE_);
	}
	target.socket = sock;
}

/* -H: the ssh child, ended with us (see on_fatal) */
static volatile pid_t	ssh_pid = -1;

static void
on_fatal(int sig)
{
	if (ssh_pid > 0)
		kill(ssh_pid, SIGTERM);
	signal(sig, SIG_DFL);
	raise(sig);
}

/* -H: ssh to the host, where maintctl --stdio joins us to its socket. */
static void
open_ssh(struct tconn *c)
{
	struct sigaction	sa;

	/* no terminal to ask on: ssh asks nothing either */
	if (transport_ssh(&target, isatty(STDIN_FILENO) ? 0 : TR_BATCH,
	    c) == -1) {
		fprintf(stderr, "maintctl: cannot reach maintd on %s: ssh: "
		    "%s\n", target.url, strerror(errno));
		exit(EX_UNAVAIL);
	}
	ssh_pid = c->pid;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_fatal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

static int
request(const char *sock, const char *req)
{
	struct tconn	c = { -1, -1, -1 };
	int		rc, status;

	if (target.url != NULL)
		open_ssh(&c);
	else
		c.rfd = c.wfd = dial(sock);
	/* A daemon that refuses us (ERR busy) may close before we send. */
	if (((token[0] != '\0' && (send_all(c.wfd, "auth ", 5) == -1 ||
	    send_all(c.wfd, token, strlen(token)) == -1 ||
	    send_all(c.wfd, "\n", 1) == -1)) ||
	    send_all(c.wfd, req, strlen(req)) == -1) && errno != EPIPE &&
	    errno != ECONNRESET) {
		fprintf(stderr, "maintctl: send: %s\n", strerror(errno));
		transport_close(&c, 5);
		return EX_UNAVAIL;
	}
	rc = read_reply(c.rfd);		/* closes c.rfd */
	if (c.pid == -1)
		return rc;
	c.rfd = -1;
	status = transport_close(&c, 5);
	ssh_pid = -1;
	/* no final line: why, from ssh's status */
	return rc == EX_UNAVAIL ? transport_why(&target, status) : rc;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "yes", no_argument, NULL, 'y' },
		{ "socket", required_argument, NULL, 's' },
		{ "token-file", required_argument, NULL, 'T' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "host", required_argument, NULL, 'H' },
		{ "stdio", no_argument, NULL, 'S' },
		{ NULL, 0, NULL, 0 }
	};
	const char	*sock = NULL, *host = NULL, *tokpath = NULL, *e;
	char		 buf[1024], terr[1200], *req, *confirmed;
	int		 ch, rc, stdio = 0;

	prog = argv[0];
	/* '+': stop at the verb, so "status --json" reaches the daemon. */
	while ((ch = getopt_long(argc, argv, "+H:hjqs:T:Vy", longopts, NULL)) !=
	    -1) {
		switch (ch) {
		case 'H':
			host = optarg;
			break;
		case 'S':
			stdio = 1;
			break;
		case 'h':
			usage_text(stdout);
			printf("\n");
			help_all(stdout);
			return EX_OK;
		case 'V':
			printf("maintctl %s (protocol %d)\n", MAINT_VERSION,
			    PROTO_VERSION);
			return EX_OK;
		case 'j':
			jflag = 1;
			break;
		case 'q':
			qflag = 1;
			break;
		case 's':
			sock = optarg;
			break;
		case 'T':
			tokpath = optarg;
			break;
		case 'y':
			yflag = 1;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (stdio && (argc > 0 || host != NULL))
		usage();
	if (host == NULL && !stdio)
		host = getenv("MAINTD_HOST");
	/* -H '' (or MAINTD_HOST empty): this host */
	if (host != NULL && *host != '\0')
		remote(host, sock);
	else {
		if (sock == NULL && (e = getenv("MAINTD_SOCKET")) != NULL && *e)
			sock = e;
		if (sock == NULL)
			sock = path_default(PATH_SOCKET, buf, sizeof(buf));
	}
	if (stdio)
		return transport_relay(dial(sock));
	if (tokpath == NULL && (e = getenv("MAINTD_TOKEN_FILE")) != NULL && *e)
		tokpath = e;
	/* token new needs none, and help none either */
	if (tokpath != NULL && !(argc > 0 && (strcmp(argv[0], "token") == 0 ||
	    strcmp(argv[0], "help") == 0))) {
		if (tokfile_read(tokpath, token, sizeof(token), terr,
		    sizeof(terr)) == -1) {
			fprintf(stderr, "maintctl: %s\n", terr);
			return EX_USAGE_;
		}
		/* maintctl-tty (top, shell) sends it too */
		(void)setenv("MAINTD_TOKEN_FILE", tokpath, 1);
	}
	if (argc == 0 && isatty(STDIN_FILENO) && isatty(STDOUT_FILENO))
		run_tty(sock, argc, argv);
	if (argc == 0)
		usage();
	/* what needs no daemon */
	if (strcmp(argv[0], "help") == 0 && argc <= 2 && !jflag) {
		if (argc == 1) {
			help_all(stdout);
			printf("\n");
			help_options(stdout);
			return EX_OK;
		}
		if (help_verb(stdout, argv[1]) == -1) {
			fprintf(stderr, "maintctl: unknown verb '%s' (try "
			    "maintctl help)\n", argv[1]);
			return EX_USAGE_;
		}
		return EX_OK;
	}
	if (strcmp(argv[0], "token") == 0)	/* token new: libcrypto */
		run_tty(sock, argc, argv);
	if (strcmp(argv[0], "top") == 0 || strcmp(argv[0], "shell") == 0)
		run_tty(sock, argc, argv);
	if (argc >= 3 && (strcmp(argv[0], "preset") == 0 ||
	    strcmp(argv[0], "window") == 0) && strcmp(argv[1], "import") == 0)
		import_file(argv);
	for (ch = 1; ch < argc; ch++)
		if (strcmp(argv[ch], "--json") == 0)
			jflag = 2;	/* already in the request */
	signal(SIGPIPE, SIG_IGN);
	req = build_request(argc, argv);
	if ((rc = request(sock, req)) != EX_CONFIRM)
		return rc;
	/* A bulk change: the daemon wants it confirmed. */
	if (!yflag && !ask(confirm_summary)) {
		fprintf(stderr, "maintctl: %s: not confirmed (answer y on a "
		    "terminal, or use -y)\n", confirm_summary);
		return EX_ERR;
	}
	if ((confirmed = malloc(strlen(req) + 12)) == NULL)
		return EX_ERR;
	req[strcspn(req, "\n")] = '\0';
	snprintf(confirmed, strlen(req) + 12, "%s --confirm\n", req);
	rc = request(sock, confirmed);
	free(confirmed);
	return rc == EX_CONFIRM ? EX_ERR : rc;
}
