/*
 * transport.h: how maintctl and maintctl-tty reach maintd: its Unix
 * socket, or ssh to another host, where "maintctl --stdio" joins the
 * pipe to that host's socket.  C library only (maintctl is static).
 */
#ifndef MAINTCTL_TRANSPORT_H
#define MAINTCTL_TRANSPORT_H

#include <sys/types.h>

#include <stddef.h>

/* Where maintd is: -H ssh://[user@]host[:port], and -s SOCKET. */
struct target {
	const char	*url;		/* as given; NULL: this host's socket */
	char		 user[64], host[256], port[8];
	const char	*socket;	/* with ssh: the socket on that host,
					   NULL for its default there */
};

/* One connection: a socket (rfd == wfd), or the two pipes of ssh. */
struct tconn {
	int	 rfd, wfd;
	pid_t	 pid;		/* ssh, or -1 */
};

#define TR_BATCH	0x1	/* ssh -o BatchMode=yes: ask nothing */
#define TR_QUIET	0x2	/* ssh's standard error to /dev/null */

/* Parse an ssh:// URL into t; -1 with why in err. */
int	transport_parse(struct target *t, const char *url, char *err,
	    size_t len);
/* Connect to a Unix socket: the fd, or -1 with errno. */
int	transport_unix(const char *path);
/* Start ssh to t; -1 with errno if it could not be started. */
int	transport_ssh(const struct target *t, int flags, struct tconn *c);
/*
 * Close c (what is still open) and reap its ssh: its wait status.  ssh
 * is given secs to end as the remote end does, then SIGTERM; 0 for a
 * stream (a follower whose input is closed stays: maintd's rule).
 */
int	transport_close(struct tconn *c, unsigned secs);
/*
 * A connection to t ended before a reply's final line: say why, from
 * ssh's wait status, naming the host; the exit status for it (69, 77).
 */
int	transport_why(const struct target *t, int status);
/* maintctl --stdio: copy stdin to sock and sock to stdout; exit status. */
int	transport_relay(int sock);

#endif
