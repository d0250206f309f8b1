/*
 * trust.c: may a daemon running as root act on what a file says?  As
 * OpenSSH asks of its files: the file and every directory above it up to
 * "/" must be owned by root (or by the daemon's own uid) and writable by
 * no one else.  A directory writable by others is tolerated only with the
 * sticky bit (/tmp): there no one can rename or remove what is not theirs.
 * Not running as root, everything is trusted: such a daemon can do nothing
 * that its user could not do anyway.
 */
#include <sys/stat.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "trust.h"

static int
owner_ok(const struct stat *st)
{
	return st->st_uid == 0 || st->st_uid == geteuid();
}

static int
check_one(const char *path, const struct stat *st, int is_top, char *err,
    size_t len)
{
	const char	*what = is_top ? "" : "directory ";
	const char	*name = is_top ? "" : path;
	const char	*sep = is_top ? "" : " ";

	if (!owner_ok(st)) {
		snprintf(err, len, "refusing: %s%s%sowned by uid %u", what, name,
		    sep, (unsigned)st->st_uid);
		return -1;
	}
	if (!is_top && (st->st_mode & S_ISVTX))
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
		if (check_one(real, &st, 0, err, len) == -1)
			return -1;
		if (slash == real)
			break;
	}
	return 0;
}

int
trust_fd(int fd, const char *path, char *err, size_t len)
{
	struct stat	st;

	if (fstat(fd, &st) == -1) {
		snprintf(err, len, "%s", strerror(errno));
		return -1;
	}
	if (!trust_needed())
		return 0;
	if (check_one(path, &st, 1, err, len) == -1)
		return -1;
	return trust_dirs(path, err, len);
}
