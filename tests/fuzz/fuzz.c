/* fuzz.c: the helpers of fuzz.h, linked into every target. */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fuzz.h"

void
fuzz_fail(const char *file, int line, const char *cond, const char *fmt, ...)
{
	va_list	ap;

	fprintf(stderr, "fuzz: %s:%d: check failed: %s\nfuzz: ", file, line,
	    cond);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

bool
fuzz_says_null(const uint8_t *data, size_t len)
{
	return memmem(data, len, "(null)", 6) != NULL ||
	    memchr(data, '\\', len) != NULL;
}

char *
fuzz_str(const uint8_t *data, size_t len)
{
	char	*s;

	if ((s = malloc(len + 1)) == NULL)
		abort();
	memcpy(s, data, len);
	s[len] = '\0';
	return s;
}

static char	tmpdir[512];
static char	pathbuf[1024];
static pid_t	owner;

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path) == -1 && errno != ENOENT ? -1 : 0;
}

static void
rm_tmpdir(void)
{
	/* a child that exits (fork without exec) leaves it alone */
	if (tmpdir[0] != '\0' && getpid() == owner)
		(void)nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

const char *
fuzz_tmpdir(void)
{
	const char	*base = getenv("TMPDIR");

	if (tmpdir[0] != '\0')
		return tmpdir;
	/* a database per input: in memory where there is a tmpfs */
	if (base == NULL || *base == '\0')
		base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
	snprintf(tmpdir, sizeof(tmpdir), "%s/maintd-fuzz.XXXXXX", base);
	if (mkdtemp(tmpdir) == NULL || chmod(tmpdir, 0755) == -1) {
		perror(tmpdir);
		abort();
	}
	owner = getpid();
	atexit(rm_tmpdir);
	return tmpdir;
}

const char *
fuzz_path(const char *name)
{
	snprintf(pathbuf, sizeof(pathbuf), "%s/%s", fuzz_tmpdir(), name);
	return pathbuf;
}

void
fuzz_write(const char *path, const void *data, size_t len)
{
	int	fd;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0644)) == -1 || write(fd, data, len) != (ssize_t)len ||
	    fchmod(fd, 0644) == -1 || close(fd) == -1) {
		perror(path);
		abort();
	}
}

/*
 * UTC; zones with DST an hour forward and back, both hemispheres;
 * Lord Howe's half hour; Kathmandu's +5:45; Dublin's negative DST;
 * Troll's two hours; Apia, which skipped 30 December 2011.
 */
const char *const fuzz_zones[] = {
	"UTC", "Europe/Berlin", "America/New_York", "America/Sao_Paulo",
	"Australia/Lord_Howe", "Asia/Kathmandu", "Europe/Dublin",
	"Antarctica/Troll", "Pacific/Apia",
};
const size_t	fuzz_nzones = sizeof(fuzz_zones) / sizeof(fuzz_zones[0]);

void
fuzz_set_zone(const char *tz)
{
	static const char	*cur;

	if (cur == tz)
		return;
	setenv("TZ", tz, 1);
	tzset();
	cur = tz;
}
