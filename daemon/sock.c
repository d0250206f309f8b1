/*
 * sock.c: the control socket's file, made race-free: refused while a
 * live daemon answers on the path.  The socket is made in a directory
 * that only root may write (trust.c; refused otherwise, for a root
 * daemon): bound under a temporary name with its final mode (the umask
 * around bind(2)), its group set by name relative to the directory's
 * descriptor without following a link (on Linux fchown(2) of a socket
 * changes the socket, not the file), then renamed into place, so that
 * no client ever finds it half set up and nothing is changed by a path
 * someone else could swap.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sock.h"
#include "trust.h"
#include "util.h"

int
sock_listen(const char *path, mode_t mode, gid_t gid, char *err,
    size_t errlen)
{
	struct sockaddr_un	 sun;
	char			 tmp[sizeof(sun.sun_path)], d[PATH_MAX];
	char			 b[PATH_MAX], tb[PATH_MAX], why[PATH_MAX + 128];
	char			*base, *tbase;
	mode_t			 old;
	int			 fd, dfd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path) ||
	    snprintf(tmp, sizeof(tmp), "%s.%d", path, (int)getpid()) >=
	    (int)sizeof(tmp)) {
		snprintf(err, errlen, "socket path too long: %s", path);
		return -1;
	}
	strlcpy(d, path, sizeof(d));
	strlcpy(b, path, sizeof(b));
	strlcpy(tb, tmp, sizeof(tb));
	base = basename(b);
	tbase = basename(tb);
	if ((dfd = trust_opendir(dirname(d), (uid_t)-1, why, sizeof(why))) ==
	    -1) {
		snprintf(err, errlen, "socket %s: %s", path, why);
		return -1;
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		close(dfd);
		return -1;
	}
	strlcpy(sun.sun_path, path, sizeof(sun.sun_path));
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0) {
		snprintf(err, errlen, "%s: another maintd is listening there",
		    path);
		close(fd);
		close(dfd);
		return -1;
	}
	close(fd);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    0)) == -1) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		close(dfd);
		return -1;
	}
	strlcpy(sun.sun_path, tmp, sizeof(sun.sun_path));
	(void)unlinkat(dfd, tbase, 0);
	old = umask(~mode & 0777);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		snprintf(err, errlen, "bind %s: %s", tmp, strerror(errno));
		umask(old);
		close(fd);
		close(dfd);
		return -1;
	}
	umask(old);
	if (gid != (gid_t)-1 && fchownat(dfd, tbase, (uid_t)-1,
	    gid, AT_SYMLINK_NOFOLLOW) == -1) {
		snprintf(err, errlen, "%s: set its group: %s", tmp,
		    strerror(errno));
		goto fail;
	}
	if (listen(fd, 128) == -1) {
		snprintf(err, errlen, "listen: %s", strerror(errno));
		goto fail;
	}
	if (renameat(dfd, tbase, dfd, base) == -1) {
		snprintf(err, errlen, "rename %s to %s: %s", tmp, path,
		    strerror(errno));
		goto fail;
	}
	close(dfd);
	return fd;
 fail:
	(void)unlinkat(dfd, tbase, 0);
	close(dfd);
	close(fd);
	return -1;
}

