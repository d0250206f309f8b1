/*
 * maintctl: send one request to maintd over its Unix socket, print the
 * reply's data lines and exit by its final line (DESIGN §9):
 * 0 OK, 1 ERR, 2 usage, 69 daemon not reachable, 77 denied.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "paths.h"
#include "proto.h"

#define EX_OK		0
#define EX_ERR		1
#define EX_USAGE_	2
#define EX_UNAVAIL	69
#define EX_DENIED	77
#define EX_CONFIRM	-1	/* internal: the daemon asks for --confirm */

static int	jflag, qflag, yflag;

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr,
	    "usage: maintctl [-jqy] [-s socket] [--json] verb [arg ...]\n"
	    "       -y answers yes when maintd asks to confirm a bulk change\n"
	    "       maintctl help        list the verbs the daemon knows\n");
	exit(EX_USAGE_);
}

static int
dial(const char *path)
{
	struct sockaddr_un	sun;
	int			fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "maintctl: socket path too long: %s\n", path);
		exit(EX_USAGE_);
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);	/* length checked */
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1) {
		fprintf(stderr, "maintctl: socket: %s\n", strerror(errno));
		exit(EX_UNAVAIL);
	}
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		fprintf(stderr, "maintctl: cannot reach maintd at %s: %s\n",
		    path, strerror(errno));
		if (errno == ENOENT || errno == ECONNREFUSED)
			fprintf(stderr, "maintctl: is it running? start it "
			    "with 'maintd' (or 'maintd -f' in the foreground),"
			    " or point -s / MAINTD_SOCKET at its socket\n");
		else if (errno == EACCES)
			fprintf(stderr, "maintctl: the socket's group "
			    "(socket_group in maintd.conf) may connect\n");
		exit(errno == EACCES ? EX_DENIED : EX_UNAVAIL);
	}
	return fd;
}

static char *
build_request(int argc, char **argv)
{
	char	*line, word[PROTO_MAXLINE + 1];
	size_t	 len = 0;
	int	 i;

	if ((line = calloc(PROTO_MAXLINE + 2, 1)) == NULL)
		exit(EX_ERR);
	for (i = 0; i < argc; i++) {
		if (proto_quote(argv[i], word, sizeof(word)) == -1 ||
		    len + strlen(word) + 1 > PROTO_MAXLINE) {
			fprintf(stderr, "maintctl: request too long or an "
			    "argument holds a newline\n");
			exit(EX_USAGE_);
		}
		if (i > 0)
			line[len++] = ' ';
		memcpy(line + len, word, strlen(word));
		len += strlen(word);
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

	while (len > 0) {
		if ((n = send(fd, buf, len, MSG_NOSIGNAL)) == -1) {
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

static int
read_reply(int fd)
{
	FILE	*fp;
	char	*line = NULL, *code, *msg;
	size_t	 cap = 0;
	ssize_t	 n;
	int	 ndata = 0, rc = EX_UNAVAIL;

	if ((fp = fdopen(fd, "r")) == NULL) {
		fprintf(stderr, "maintctl: fdopen: %s\n", strerror(errno));
		return EX_ERR;
	}
	while ((n = getline(&line, &cap, fp)) != -1) {
		if (n > 0 && line[n - 1] == '\n')
			line[--n] = '\0';
		if (strncmp(line, "- ", 2) == 0 || strcmp(line, "-") == 0) {
			ndata++;
			if (!qflag) {
				puts(line[1] ? line + 2 : "");
				fflush(stdout);
			}
			continue;
		}
		if (strcmp(line, "OK") == 0 || strncmp(line, "OK ", 3) == 0) {
			if (!qflag && !jflag && ndata == 0 && line[2] != '\0')
				puts(line + 3);
			rc = EX_OK;
			break;
		}
		if (strncmp(line, "ERR ", 4) == 0) {
			code = line + 4;
			msg = strchr(code, ' ');
			if (msg != NULL)
				*msg++ = '\0';
			if (strcmp(code, "confirm") == 0) {
				snprintf(confirm_summary,
				    sizeof(confirm_summary), "%s",
				    msg != NULL ? msg : "confirm");
				rc = EX_CONFIRM;
				break;
			}
			/* "ERR usage usage: show TASK" says usage once */
			if (msg != NULL && strncmp(msg, code, strlen(code)) == 0 &&
			    msg[strlen(code)] == ':')
				fprintf(stderr, "maintctl: %s\n", msg);
			else
				fprintf(stderr, "maintctl: %s: %s\n", code,
				    msg != NULL ? msg : "(no message)");
			rc = err_status(code);
			break;
		}
		fprintf(stderr, "maintctl: unexpected line from maintd: %s\n",
		    line);
		rc = EX_ERR;
		break;
	}
	if (rc == EX_UNAVAIL)
		fprintf(stderr, "maintctl: maintd closed the connection "
		    "before its reply ended\n");
	free(line);
	fclose(fp);
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

static int
request(const char *sock, const char *req)
{
	int	fd = dial(sock);

	/* A daemon that refuses us (ERR busy) may close before we send. */
	if (send_all(fd, req, strlen(req)) == -1 && errno != EPIPE &&
	    errno != ECONNRESET) {
		fprintf(stderr, "maintctl: send: %s\n", strerror(errno));
		close(fd);
		return EX_UNAVAIL;
	}
	return read_reply(fd);
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "yes", no_argument, NULL, 'y' },
		{ "socket", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char	*sock = NULL, *e;
	char		 buf[1024], *req, *confirmed;
	int		 ch, rc;

	/* '+': stop at the verb, so "status --json" reaches the daemon. */
	while ((ch = getopt_long(argc, argv, "+hjqs:y", longopts, NULL)) != -1) {
		switch (ch) {
		case 'j':
			jflag = 1;
			break;
		case 'q':
			qflag = 1;
			break;
		case 's':
			sock = optarg;
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
	if (argc == 0)
		usage();
	for (ch = 1; ch < argc; ch++)
		if (strcmp(argv[ch], "--json") == 0)
			jflag = 2;	/* already in the request */
	if (sock == NULL && (e = getenv("MAINTD_SOCKET")) != NULL && *e)
		sock = e;
	if (sock == NULL)
		sock = path_default(PATH_SOCKET, buf, sizeof(buf));
	signal(SIGPIPE, SIG_IGN);
	req = build_request(argc, argv);
	if ((rc = request(sock, req)) != EX_CONFIRM) {
		free(req);
		return rc;
	}
	/* A bulk change: the daemon wants it confirmed. */
	if (!yflag && !ask(confirm_summary)) {
		fprintf(stderr, "maintctl: %s: not confirmed (answer y on a "
		    "terminal, or use -y)\n", confirm_summary);
		free(req);
		return EX_ERR;
	}
	if ((confirmed = malloc(strlen(req) + 12)) == NULL)
		return EX_ERR;
	req[strcspn(req, "\n")] = '\0';
	snprintf(confirmed, strlen(req) + 12, "%s --confirm\n", req);
	free(req);
	rc = request(sock, confirmed);
	free(confirmed);
	return rc == EX_CONFIRM ? EX_ERR : rc;
}
