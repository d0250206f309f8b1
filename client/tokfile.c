/*
 * tokfile.c: a bearer token from a file, for maintctl -T FILE and
 * MAINTD_TOKEN_FILE.  As ssh does with a private key, a file that
 * others may read or change is refused, and so is one owned by another
 * user than the caller (or root).  The token is the file's first line.
 * libc only: maintctl links it.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "tokfile.h"

const char *
tokfile_bad(const char *tok)
{
	const char	*p;

	if (*tok == '\0')
		return "it is empty";
	if (*tok == '-')
		return "it begins with '-'";
	if (strlen(tok) >= TOKEN_MAX)
		return "it is too long";
	for (p = tok; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f || *p == '"' ||
		    *p == '\\')
			return "it holds a blank, a quote, a backslash or a "
			    "control character";
	return NULL;
}

int
tokfile_read(const char *path, char *buf, size_t len, char *err,
    size_t errlen)
{
	struct stat	 st;
	const char	*why;
	ssize_t		 n;
	size_t		 k;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		close(fd);
		return -1;
	}
	if ((st.st_mode & 077) != 0) {
		snprintf(err, errlen, "%s is readable by others or writable by "
		    "them (mode %04o): chmod 600 it, as ssh wants of a private "
		    "key", path, (unsigned)(st.st_mode & 07777));
		close(fd);
		return -1;
	}
	if (st.st_uid != getuid() && st.st_uid != 0) {
		snprintf(err, errlen, "%s belongs to uid %u, not to you", path,
		    (unsigned)st.st_uid);
		close(fd);
		return -1;
	}
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	buf[n] = '\0';
	k = strcspn(buf, "\r\n");
	buf[k] = '\0';
	while (k > 0 && (buf[k - 1] == ' ' || buf[k - 1] == '\t'))
		buf[--k] = '\0';
	if ((why = tokfile_bad(buf)) != NULL) {
		snprintf(err, errlen, "%s: not a token: %s", path, why);
		return -1;
	}
	return 0;
}
