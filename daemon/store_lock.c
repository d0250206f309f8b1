/*
 * store_lock.c: one daemon per database.  Two would each take the
 * other's open runs for a crashed daemon's and kill them.  flock(2) on
 * DATABASE.lock, held for the daemon's life (the kernel lets go when it
 * dies); the file says who holds it.  DATABASE is the database's one
 * name: its real path, symlinks resolved (realpath(3)), so an alias
 * through a symlink takes the same lock; and a database with hard links
 * (names that realpath cannot tell apart) is refused, naming the daemon
 * that holds it under another name when one does.  sqlite is given that
 * name too (store_db.c): its -wal and -shm files follow the name, and a
 * second name would make a second WAL (sqlite's "multiple links to
 * file" corruption).
 */
#include <sys/file.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "store_lock.h"
#include "util.h"

static int	lock_fd = -1;

/*
 * The real path of path, or, for a database not made yet, its
 * directory's real path and its name.  -1 (err) for a symlink to
 * nothing: sqlite would create what it points to.
 */
static int
canonical(const char *path, char *out, size_t outlen, char *err,
    size_t errlen)
{
	char		 dir[PATH_MAX], rdir[PATH_MAX], *slash;
	const char	*base;
	struct stat	 st;

	if (realpath(path, rdir) != NULL) {
		if (strlen(rdir) >= outlen)
			goto toolong;
		snprintf(out, outlen, "%s", rdir);
		return 0;
	}
	if (errno != ENOENT || lstat(path, &st) == 0) {
		snprintf(err, errlen, "database %s: %s", path, errno ==
		    ENOENT ? "a symlink to nothing" : strerror(errno));
		return -1;
	}
	if (strlen(path) >= sizeof(dir))
		goto toolong;
	snprintf(dir, sizeof(dir), "%s", path);
	if ((slash = strrchr(dir, '/')) == NULL) {
		base = path;
		snprintf(dir, sizeof(dir), ".");
	} else {
		base = path + (slash - dir) + 1;
		*(slash == dir ? slash + 1 : slash) = '\0';
	}
	if (*base == '\0' || strcmp(base, ".") == 0 || strcmp(base, "..") == 0) {
		snprintf(err, errlen, "database %s: not a file name", path);
		return -1;
	}
	if (realpath(dir, rdir) == NULL) {
		snprintf(err, errlen, "database %s: %s: %s", path, dir,
		    strerror(errno));
		return -1;
	}
	if (snprintf(out, outlen, "%s%s%s", rdir, strcmp(rdir, "/") == 0 ?
	    "" : "/", base) >= (int)outlen)
		goto toolong;
	return 0;
toolong:
	snprintf(err, errlen, "database %s: path too long", path);
	return -1;
}

/* The pid in a held lock file, or 0 (not held, or no pid in it). */
static long long
lock_holder(int fd)
{
	char		 buf[32];
	const char	*errstr;
	ssize_t		 n;
	long long	 pid;

	n = pread(fd, buf, sizeof(buf) - 1, 0);
	buf[n > 0 ? n : 0] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	pid = strtonum(buf, 1, INT32_MAX, &errstr);
	return errstr == NULL ? pid : 0;
}

/*
 * The database (its real path) has other names: is one of them, in its
 * directory, locked by another daemon?  Its pid and that name, or 0.
 */
static long long
other_name_holder(const char *real, const struct stat *dst, char *name,
    size_t namelen)
{
	char		 dir[PATH_MAX], p[PATH_MAX + 8];
	struct dirent	*de;
	struct stat	 st;
	long long	 pid = 0;
	DIR		*d;
	int		 fd;

	snprintf(dir, sizeof(dir), "%s", real);
	*(strrchr(dir, '/') == dir ? dir + 1 : strrchr(dir, '/')) = '\0';
	if ((d = opendir(dir)) == NULL)
		return 0;
	while (pid == 0 && (de = readdir(d)) != NULL) {
		if (snprintf(p, sizeof(p), "%s/%s", strcmp(dir, "/") == 0 ? "" :
		    dir, de->d_name) >= (int)sizeof(p) - 5 ||
		    strcmp(p, real) == 0 || lstat(p, &st) == -1 ||
		    !S_ISREG(st.st_mode) || st.st_dev != dst->st_dev ||
		    st.st_ino != dst->st_ino)
			continue;
		if (snprintf(name, namelen, "%s", p) >= (int)namelen)
			continue;
		strlcat(p, ".lock", sizeof(p));
		if ((fd = open(p, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
		    O_CLOEXEC)) == -1)
			continue;
		if (flock(fd, LOCK_SH | LOCK_NB) == -1 && errno == EWOULDBLOCK)
			pid = lock_holder(fd);
		close(fd);
	}
	closedir(d);
	return pid;
}

/* real: the database's real path; path: as configured, for messages. */
static int
lock_database(const char *path, const char *real, char *err, size_t errlen)
{
	char		 lpath[PATH_MAX + 8], buf[32], as[PATH_MAX + 16],
			 other[PATH_MAX];
	struct stat	 st;
	long long	 pid;
	int		 held, ferr, n;

	as[0] = '\0';
	if (strcmp(path, real) != 0)
		snprintf(as, sizeof(as), " (%s)", real);
	snprintf(lpath, sizeof(lpath), "%s.lock", real);
	if ((lock_fd = open(lpath, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
	    0644)) == -1 && (lock_fd = open(lpath, O_RDONLY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1) {
		snprintf(err, errlen, "database %s: lock %s: %s", path, lpath,
		    strerror(errno));
		return -1;
	}
	if (flock(lock_fd, LOCK_EX | LOCK_NB) == -1) {
		ferr = errno;
		held = ferr == EWOULDBLOCK;
		pid = lock_holder(lock_fd);
		if (held && pid > 0)
			snprintf(err, errlen, "database %s%s is in use by pid "
			    "%lld", path, as, pid);
		else
			snprintf(err, errlen, "database %s: lock %s: %s", path,
			    lpath, held ? "held by another process" :
			    strerror(ferr));
		goto fail;
	}
	/* a hard link: another name, maybe another daemon's lock */
	if (stat(real, &st) == 0 && st.st_nlink > 1) {
		if ((pid = other_name_holder(real, &st, other, sizeof(other))) > 0)
			snprintf(err, errlen, "database %s%s is in use by pid "
			    "%lld (as %s, a hard link to it)", path, as, pid,
			    other);
		else
			snprintf(err, errlen, "database %s%s has %ju names (hard "
			    "links): maintd uses a database under one name only "
			    "(sqlite's -wal file follows the name, and another "
			    "maintd may hold it under another)", path, as,
			    (uintmax_t)st.st_nlink);
		goto fail;
	}
	/* over what is there, 12 bytes: no new block for a full disk */
	n = snprintf(buf, sizeof(buf), "%d", (int)getpid());
	memset(buf + n, '\n', 12 - (size_t)n);
	if (pwrite(lock_fd, buf, 12, 0) != 12 || ftruncate(lock_fd, 12) == -1)
		log_debug("database: cannot write the pid in %s", lpath);
	return 0;
fail:
	close(lock_fd);
	lock_fd = -1;
	return -1;
}

int
store_lock_take(const char *path, char *real, size_t reallen, char *err,
    size_t errlen)
{
	if (canonical(path, real, reallen, err, errlen) == -1)
		return -1;
	store_lock_release();
	return lock_database(path, real, err, errlen);
}

void
store_lock_release(void)
{
	if (lock_fd != -1)
		close(lock_fd);
	lock_fd = -1;
}
