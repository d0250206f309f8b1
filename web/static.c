/*
 * static.c: the dashboard's files (index.html, app.js, style.css ...),
 * read once at start-up from one directory, before privileges are
 * dropped, and served from memory by exact name: no path from a request
 * ever reaches the file system.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gw.h"
#include "log.h"
#include "util.h"

#define STATIC_MAXFILES	64
#define STATIC_MAXSIZE	(4 * 1024 * 1024)	/* all of them together */

static struct static_file	files[STATIC_MAXFILES];
static size_t			nfiles;

static const struct {
	const char	*ext;
	const char	*type;
} types[] = {
	{ ".html", "text/html; charset=utf-8" },
	{ ".js", "text/javascript; charset=utf-8" },
	{ ".css", "text/css; charset=utf-8" },
	{ ".svg", "image/svg+xml" },
	{ ".png", "image/png" },
	{ ".ico", "image/x-icon" },
	{ ".txt", "text/plain; charset=utf-8" },
	{ ".json", "application/json" },
};

static const char *
type_of(const char *name)
{
	const char	*dot = strrchr(name, '.');
	size_t		 i;

	for (i = 0; dot != NULL && i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(dot, types[i].ext) == 0)
			return types[i].type;
	return NULL;
}

static bool
plain_name(const char *s)
{
	const char	*p;

	if (*s == '.' || *s == '\0')
		return false;
	for (p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '.' || *p == '-' ||
		    *p == '_'))
			return false;
	return true;
}

/* FNV-1a of the content: the ETag. */
static void
etag(struct static_file *f)
{
	uint64_t	h = 14695981039346656037ULL;
	size_t		i;

	for (i = 0; i < f->len; i++) {
		h ^= (unsigned char)f->data[i];
		h *= 1099511628211ULL;
	}
	snprintf(f->etag, sizeof(f->etag), "\"%016llx\"", (unsigned long long)h);
}

static int
load_one(int dfd, const char *name, size_t *total, char *err, size_t len)
{
	struct static_file	*f = &files[nfiles];
	struct stat		 st;
	ssize_t			 n;
	size_t			 got = 0;
	int			 fd;

	if ((fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1)
		return 0;	/* a symlink or gone: not served */
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		close(fd);
		return 0;
	}
	if (nfiles == STATIC_MAXFILES || *total + (size_t)st.st_size >
	    STATIC_MAXSIZE) {
		snprintf(err, len, "more than %d files or %d bytes", 
		    STATIC_MAXFILES, STATIC_MAXSIZE);
		close(fd);
		return -1;
	}
	f->data = xcalloc((size_t)st.st_size + 1, 1);
	while (got < (size_t)st.st_size &&
	    (n = read(fd, f->data + got, (size_t)st.st_size - got)) > 0)
		got += (size_t)n;
	close(fd);
	f->name = xstrdup(name);
	f->len = got;
	f->ctype = type_of(name);
	etag(f);
	*total += got;
	nfiles++;
	return 0;
}

int
static_load(const char *dir, char *err, size_t len)
{
	DIR		*d;
	struct dirent	*e;
	size_t		 total = 0;
	int		 rc = 0;

	if ((d = opendir(dir)) == NULL) {
		snprintf(err, len, "%s: %s", dir, strerror(errno));
		return -1;
	}
	while (rc == 0 && (e = readdir(d)) != NULL)
		if (plain_name(e->d_name) && type_of(e->d_name) != NULL &&
		    (rc = load_one(dirfd(d), e->d_name, &total, err, len)) == -1)
			break;
	closedir(d);
	if (rc == 0 && static_find("/") == NULL) {
		snprintf(err, len, "%s: no index.html", dir);
		rc = -1;
	}
	return rc;
}

/* The file for a request path ("/" is index.html); NULL: none. */
const struct static_file *
static_find(const char *path)
{
	size_t	i;

	if (*path != '/')
		return NULL;
	path = strcmp(path, "/") == 0 ? "index.html" : path + 1;
	for (i = 0; i < nfiles; i++)
		if (strcmp(files[i].name, path) == 0)
			return &files[i];
	return NULL;
}

size_t
static_count(void)
{
	return nfiles;
}

void
static_free(void)
{
	size_t	i;

	for (i = 0; i < nfiles; i++) {
		free(files[i].name);
		free(files[i].data);
	}
	nfiles = 0;
}
