/*
 * peer.c: who is at the other end of a Unix socket: its groups, as the
 * kernel has them where it can say, else as the group database does.
 */
#include <sys/types.h>
#include <sys/socket.h>
#ifdef __FreeBSD__
#include <sys/ucred.h>
#endif

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>

#include "peer.h"
#include "util.h"

/*
 * Is gid among the peer's groups, as the kernel has them: SO_PEERGROUPS
 * on Linux (4.13 and later), the credentials of LOCAL_PEERCRED on
 * FreeBSD.  Elsewhere, or where those fail, the groups of the peer's
 * user in the group database.
 */
bool
peer_in_group(int fd, uid_t uid, gid_t pgid, gid_t gid)
{
	gid_t		 buf[256], *groups = buf;
	struct passwd	*pw;
	int		 n = 256, i;
	bool		 found = false;
#if defined(SO_PEERGROUPS)
	socklen_t	 len = sizeof(buf);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) == -1) {
		if (errno != ERANGE)
			goto database;	/* a kernel older than 4.13 */
		groups = xcalloc(1, len);	/* len: what it needs */
		if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) ==
		    -1)
			len = 0;
	}
	for (i = 0; i < (int)(len / sizeof(gid_t)); i++)
		found = found || groups[i] == gid;
	if (groups != buf)
		free(groups);
	return found;
 database:
#elif defined(LOCAL_PEERCRED)
	struct xucred	 xu;
	socklen_t	 len = sizeof(xu);

	if (getsockopt(fd, SOL_LOCAL, LOCAL_PEERCRED, &xu, &len) == 0 &&
	    xu.cr_version == XUCRED_VERSION) {
		for (i = 0; i < xu.cr_ngroups; i++)
			found = found || xu.cr_groups[i] == gid;
		return found;
	}
#else
	(void)fd;
#endif
	if ((pw = getpwuid(uid)) == NULL ||
	    getgrouplist(pw->pw_name, pgid, groups, &n) == -1)
		return false;
	for (i = 0; i < n; i++)
		found = found || groups[i] == gid;
	return found;
}
