/*
 * trust.c: may a daemon running as root act on what a file says, or
 * create files in a directory?  As OpenSSH asks of its files: the file
 * and every directory above it up to "/" must be owned by root (or by the
 * daemon's own uid) and writable by no one else.  A directory above is
 * tolerated writable by others with the sticky bit (/tmp): there no one
 * can rename or remove what is not theirs.  The directory a file is
 * looked for in by a pattern (discover), or where maintd creates its own
 * files (log_dir, the socket, the pidfile), is not: anyone who may write
 * it may put a file there (a symbolic link, a FIFO, a hard link to a
 * file of root's).  Such files are opened relative to the directory's
 * descriptor, never through a symbolic link, and checked by fstat(2) of
 * the descriptor read from, never by a path looked at before the open.
 * Not running as root, everything is trusted: such a daemon can do
 * nothing that its user could not do anyway.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "trust.h"

enum what { T_FILE, T_ABOVE, T_DIR };

static int
owner_ok(const struct stat *st, uid_t also)
{
	return st->st_uid == 0 || st->st_uid == geteuid() ||
	    (also != (uid_t)-1 && st->st_uid == also);
}

/* One file (T_FILE), directory above it (T_ABOVE) or directory (T_DIR). */
static int
check_one(const char *path, const struct stat *st, enum what w, uid_t also,
    char *err, size_t len)
{
	const char	*what = w == T_FILE ? "" : "directory ";
	const char	*name = w == T_FILE ? "" : path;
	const char	*sep = w == T_FILE ? "" : " ";

	if (!owner_ok(st, also)) {
		snprintf(err, len, "refusing: %s%s%sowned by uid %u", what, name,
		    sep, (unsigned)st->st_uid);
		return -1;
	}
	if (w == T_ABOVE && (st->st_mode & S_ISVTX))
		return 0;
	if (st->st_mode & S_IWOTH) {
		snprintf(err, len, "refusing: %s%s%swritable by others (mode "
		    "%04o)", what, name, sep, (unsigned)(st->st_mode & 07777));
		return -1;
	}
	if (st->st_mode & S_IWGRP) {
		snprintf(err, len, "refusing: %s%s%swritable by group (mode "
		    "%04o)", what, name, sep, (unsigned)(st->st_mode & 07777));
		return -1;
	}
	return 0;
}

int
trust_needed(void)
{
	return geteuid() == 0;
}

int
trust_dirs(const char *path, char *err, size_t len)
{
	char		 real[PATH_MAX], *slash;
	struct stat	 st;

	if (realpath(path, real) == NULL) {
		snprintf(err, len, "%s", strerror(errno));
		return -1;
	}
	while ((slash = strrchr(real, '/')) != NULL) {
		if (slash == real)
			slash[1] = '\0';	/* "/" itself, last */
		else
			*slash = '\0';
		if (stat(real, &st) == -1) {
			snprintf(err, len, "%s: %s", real, strerror(errno));
			return -1;
		}
		if (check_one(real, &st, T_ABOVE, (uid_t)-1, err, len) == -1)
			return -1;
		if (slash == real)
			break;
	}
	return 0;
}

/*
 * The directory open as dfd (named dir): writable by its owner only,
 * who is root, the daemon's uid or also; the directories above it as
 * trust_dirs() wants them; and the one those checks looked at by name is
 * the one open.
 */
static int
dir_checked(int dfd, const char *dir, uid_t also, char *err, size_t len)
{
	char		real[PATH_MAX];
	struct stat	st, named;

	if (fstat(dfd, &st) == -1) {
		snprintf(err, len, "%s: %s", dir, strerror(errno));
		return -1;
	}
	if (check_one(dir, &st, T_DIR, also, err, len) == -1)
		return -1;
	if (realpath(dir, real) == NULL || stat(real, &named) == -1) {
		snprintf(err, len, "%s: %s", dir, strerror(errno));
		return -1;
	}
	if (named.st_dev != st.st_dev || named.st_ino != st.st_ino) {
		snprintf(err, len, "refusing: directory %s was replaced while "
		    "it was checked", dir);
		return -1;
	}
	return trust_dirs(real, err, len);
}

int
trust_opendir(const char *dir, uid_t also, char *err, size_t len)
{
	int	dfd;

	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		snprintf(err, len, "%s: %s", dir, strerror(errno));
		return -1;
	}
	if (trust_needed() && dir_checked(dfd, dir, also, err, len) == -1) {
		close(dfd);
		errno = EPERM;	/* a refusal, whatever the check last met */
		return -1;
	}
	return dfd;
}

/* What name in dfd is, when it could not be opened without following. */
static void
why_not(int dfd, const char *name, int saved, char *err, size_t len)
{
	struct stat	st;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISLNK(st.st_mode))
		snprintf(err, len, "refusing: a symbolic link (a file found by "
		    "discover is read only as itself)");
	else
		snprintf(err, len, "%s", strerror(saved));
}

int
trust_open(const char *path, int how, struct stat *st, char *err,
    size_t len)
{
	char	 d[PATH_MAX], b[PATH_MAX], *dir, *base;
	int	 dfd, fd, saved;

	if (how & TRUST_PLANTED) {
		if (strlcpy(d, path, sizeof(d)) >= sizeof(d) ||
		    strlcpy(b, path, sizeof(b)) >= sizeof(b)) {
			snprintf(err, len, "%s", strerror(ENAMETOOLONG));
			return -1;
		}
		dir = dirname(d);
		base = basename(b);
		if ((dfd = trust_opendir(dir, (uid_t)-1, err, len)) == -1)
			return -1;
		fd = openat(dfd, base, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
		    O_NOCTTY | O_CLOEXEC);
		if (fd == -1)
			why_not(dfd, base, errno, err, len);
		close(dfd);
		if (fd == -1)
			return -1;
	} else if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY |
	    O_CLOEXEC)) == -1) {
		snprintf(err, len, "%s", strerror(errno));
		return -1;
	}
	if (fstat(fd, st) == -1) {
		snprintf(err, len, "%s", strerror(errno));
		goto fail;
	}
	if (!S_ISREG(st->st_mode)) {
		snprintf(err, len, "%snot a regular file%s",
		    how & TRUST_PLANTED ? "refusing: " : "",
		    S_ISFIFO(st->st_mode) ? " (a FIFO)" : S_ISDIR(st->st_mode) ?
		    " (a directory)" : "");
		goto fail;
	}
	if (!trust_needed())
		return fd;
	if (check_one(path, st, T_FILE, (uid_t)-1, err, len) == -1)
		goto fail;
	if ((how & TRUST_PLANTED) && st->st_nlink != 1) {
		snprintf(err, len, "refusing: %ju hard links (a file found by "
		    "discover must have one)", (uintmax_t)st->st_nlink);
		goto fail;
	}
	if (!(how & TRUST_PLANTED) && trust_dirs(path, err, len) == -1)
		goto fail;
	return fd;
 fail:
	saved = errno;
	close(fd);
	errno = saved;
	return -1;
}
