/*
 * conf_read.c: the text of one file of the configuration, read as a root
 * daemon may read it: from a descriptor trust.c opened and checked (for a
 * file found by discover, never through a symbolic link, a FIFO or a hard
 * link), within limits that keep the loop from blocking on it (1 MiB for
 * a file found by discover, 64 KiB for a line, before libconfuse sees
 * it: its lexer takes time in the square of a line's length), and never
 * while it is being written: a file that changed while it was read is
 * not taken.  Comments are blanked out for libconfuse (conf_file.c).
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf_err.h"
#include "conf_read.h"
#include "trust.h"
#include "util.h"

/* How many files were caught being written (conf_read_unsettled()). */
static size_t	unsettled;

size_t
conf_read_unsettled(void)
{
	return unsettled;
}

static bool
same_time(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec == b->tv_sec && a->tv_nsec == b->tv_nsec;
}

char *
conf_read(const char *path, bool discovered, struct stat *st,
    size_t *lenp, char *err, size_t errlen)
{
	struct stat	 after;
	char		*buf;
	size_t		 len = 0, cap, max = discovered ? CONF_DROPIN_MAX : 0;
	ssize_t		 n;
	int		 fd;

	if ((fd = trust_open(path, discovered ? TRUST_PLANTED : 0, st, err,
	    errlen)) == -1)
		return NULL;
	/* refused unread: reading 100 MB would stop the loop for seconds */
	if (max > 0 && (uintmax_t)st->st_size > max) {
		snprintf(err, errlen, "larger than 1 MiB (%jd bytes), the limit "
		    "of a file found by discover", (intmax_t)st->st_size);
		close(fd);
		return NULL;
	}
	cap = (size_t)st->st_size + 2 > 65536 ? (size_t)st->st_size + 2 : 65536;
	buf = xcalloc(cap, 1);
	for (;;) {
		if (len + 1 == cap) {
			buf = xreallocarray(buf, cap, 2);
			cap *= 2;
		}
		if ((n = read(fd, buf + len, cap - len - 1)) == -1 &&
		    errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		if (max > 0 && len > max)
			break;	/* it grows: caught below */
	}
	if (n == -1 || fstat(fd, &after) == -1) {
		snprintf(err, errlen, "read: %s", strerror(errno));
		close(fd);
		free(buf);
		return NULL;
	}
	close(fd);
	/*
	 * Written to while it was read (an editor's write in place, a
	 * copy under way): what was read may be a part of it.  Not taken;
	 * the write that follows makes discover reload, or the reload that
	 * failed on it is tried again once discover_settle has passed.
	 */
	if (len != (size_t)st->st_size || after.st_size != st->st_size ||
	    !same_time(&after.st_mtim, &st->st_mtim) ||
	    !same_time(&after.st_ctim, &st->st_ctim)) {
		unsettled++;
		snprintf(err, errlen, "changed while it was read (being "
		    "written?): not taken as it is");
		free(buf);
		return NULL;
	}
	buf[len] = '\0';
	*lenp = len;
	return buf;
}

int
conf_read_long_line(const char *text, size_t len)
{
	const char	*p = text, *end = text + len, *nl;
	int		 line = 1;

	for (; p < end; p = nl + 1, line++) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		if ((size_t)(nl - p) > CONF_LINE_MAX)
			return line;
	}
	return 0;
}

/*
 * Read the file with its comments blanked out (newlines kept), because
 * libconfuse 3.3 miscounts lines after comments and cannot take a comment
 * inside a list.  Also catch braces that libconfuse would let pass at EOF,
 * and lines too long for its lexer (its time grows with the square of a
 * line's length).
 */
char *
conf_read_clean(const char *path, bool main, struct stat *st)
{
	char	*buf, *p, *end;
	size_t	 len;
	int	 depth = 0, line = 1, openline[64];
	char	 q, why[PATH_MAX + 128];

	if ((buf = conf_read(path, !main, st, &len, why,
	    sizeof(why))) == NULL) {
		conf_err_add(path, 0, "%s", why);
		return NULL;
	}
	if (memchr(buf, '\0', len) != NULL) {
		conf_err_add(path, 0, "contains a NUL byte: not a config file");
		free(buf);
		return NULL;
	}
	if ((line = conf_read_long_line(buf, len)) > 0) {
		conf_err_add(path, line, "a line longer than 64 KiB: refused "
		    "unparsed");
		free(buf);
		return NULL;
	}
	line = 1;
	end = buf + len;
	for (p = buf; p < end; p++) {
		if (*p == '\n')
			line++;
		else if (*p == '"' || *p == '\'') {
			for (q = *p++; p < end && *p != q; p++) {
				if (*p == '\\' && p + 1 < end)
					p++;
				if (*p == '\n')
					line++;
			}
		} else if (*p == '#' || (*p == '/' && p[1] == '/')) {
			while (p < end && *p != '\n')
				*p++ = ' ';
			line++;
		} else if (*p == '/' && p[1] == '*') {
			for (; p < end && !(*p == '*' && p[1] == '/'); p++)
				if (*p == '\n')
					line++;
				else
					*p = ' ';
			if (p < end)
				p[0] = p[1] = ' ';
			p++;
		} else if (*p == '{') {
			if (depth < 64)
				openline[depth] = line;
			depth++;
		} else if (*p == '}') {
			if (--depth < 0) {
				conf_err_add(path, line, "'}' without a '{'");
				free(buf);
				return NULL;
			}
		}
	}
	if (depth > 0) {
		conf_err_add(path, depth <= 64 ? openline[depth - 1] : line,
		    "'{' is never closed");
		free(buf);
		return NULL;
	}
	return buf;
}
