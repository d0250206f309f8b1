/*
 * conf_err.c: the errors of one configuration load, and where each option
 * was seen.  libconfuse's callbacks take no argument of ours, hence one
 * load at a time, in file-level state.  The errors are given back in the
 * order of the files (as they were read) and of the lines in each, not
 * in the order they were found (libconfuse's checks, then ours).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#define LIBBSD_OPENBSD_VIS
#include <vis.h>

#include "conf_err.h"
#include "log.h"
#include "util.h"

#define MAX_ERRORS	100

struct seen {
	const cfg_t	*sec;
	const char	*option;
	int		 line;
};

static char		**errors;
static size_t		  nerrors;
/* where each error is: its file's rank (in files[]) and its line */
struct where {
	size_t	file;
	int	line;
	size_t	seq;
};
static struct where	 *wheres;
static char		**files;	/* in the order they were read */
static size_t		  nfiles;
static struct seen	 *seen;
static size_t		  nseen, seencap;
static int		  sorted;
static const char	 *cur_path, *cur_text;
static const char *const *labels;
static size_t		  nlabels;

/* The rank of file among those read or named so far. */
static size_t
file_rank(const char *file)
{
	size_t	i;

	for (i = 0; i < nfiles; i++)
		if (strcmp(files[i], file) == 0)
			return i;
	files = xreallocarray(files, nfiles + 1, sizeof(*files));
	files[nfiles] = xstrdup(file);
	return nfiles++;
}

static void
files_free(void)
{
	while (nfiles > 0)
		free(files[--nfiles]);
	free(files);
	files = NULL;
}

static int
where_cmp(const void *a, const void *b)
{
	const struct where	*x = a, *y = b;

	if (x->file != y->file)
		return x->file < y->file ? -1 : 1;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* errors[from..nerrors-1] in the order of files, then lines. */
static void
sort_from(size_t from)
{
	struct where	*w;
	char		**e;
	size_t		  i, n = nerrors - from;

	if (n < 2)
		return;
	w = xcalloc(n, sizeof(*w));
	e = xcalloc(n, sizeof(*e));
	for (i = 0; i < n; i++) {
		w[i] = wheres[from + i];
		w[i].seq = from + i;	/* stable, and where it was */
	}
	qsort(w, n, sizeof(*w), where_cmp);
	for (i = 0; i < n; i++)
		e[i] = errors[w[i].seq];
	for (i = 0; i < n; i++) {
		errors[from + i] = e[i];
		wheres[from + i] = w[i];
	}
	free(w);
	free(e);
}

void
conf_err_begin(void)
{
	errors = NULL;
	nerrors = 0;
	free(wheres);
	wheres = NULL;
	files_free();
	nseen = 0;
	sorted = 0;
	cur_path = cur_text = NULL;
}

char **
conf_err_end(void)
{
	char	**e;

	sort_from(0);
	e = errors;
	free(wheres);
	wheres = NULL;
	files_free();
	if (nerrors == 0) {
		free(e);
		e = NULL;
	}
	errors = NULL;
	nerrors = 0;
	free(seen);
	seen = NULL;
	nseen = seencap = 0;
	cur_path = cur_text = NULL;
	return e;
}

size_t
conf_err_count(void)
{
	return nerrors;
}

void
conf_err_file(const char *path, const char *text)
{
	cur_path = path;
	cur_text = text;
	if (path != NULL)
		(void)file_rank(path);
}

void
conf_err_labels(const char *const *l, size_t n)
{
	labels = l;
	nlabels = n;
}

char **
conf_err_take(size_t from)
{
	char	**v;
	size_t	  i;

	sort_from(from);
	v = xcalloc(nerrors - from + 1, sizeof(*v));
	for (i = from; i < nerrors; i++)
		v[i - from] = errors[i];
	if (errors != NULL)
		errors[from] = NULL;
	nerrors = from;
	return v;
}

void
conf_err_vadd(const char *file, int line, const char *fmt, va_list ap)
{
	char	raw[512], msg[sizeof(raw) * 4], *s;
	size_t	i;

	if (nerrors >= MAX_ERRORS)
		return;
	vsnprintf(raw, sizeof(raw), fmt, ap);
	/* values are quoted as written: no raw newline or escape reaches a tty */
	strvis_text(msg, raw, VIS_CSTYLE | VIS_TAB | VIS_NL | VIS_OCTAL |
	    VIS_NOSLASH);
	/* cfg_parse_buf() calls every file "[buf]" */
	if (file == NULL || strcmp(file, "[buf]") == 0)
		file = cur_path != NULL ? cur_path : "?";
	if (line > 0 && labels != NULL && (size_t)line <= nlabels) {
		if (asprintf(&s, "%s:%s: %s", file, labels[line - 1], msg) == -1)
			fatal("asprintf");
	} else if (line > 0) {
		if (asprintf(&s, "%s:%d: %s", file, line, msg) == -1)
			fatal("asprintf");
	} else if (asprintf(&s, "%s: %s", file, msg) == -1)
		fatal("asprintf");
	/* libconfuse validates a list twice: say each thing once */
	for (i = 0; i < nerrors; i++)
		if (strcmp(errors[i], s) == 0) {
			free(s);
			return;
		}
	errors = xreallocarray(errors, nerrors + 2, sizeof(*errors));
	wheres = xreallocarray(wheres, nerrors + 1, sizeof(*wheres));
	wheres[nerrors].file = file_rank(file);
	wheres[nerrors].line = line > 0 ? line : 0;
	errors[nerrors++] = s;
	errors[nerrors] = NULL;
}

void
conf_err_add(const char *file, int line, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	conf_err_vadd(file, line, fmt, ap);
	va_end(ap);
}

void
conf_err_confuse(cfg_t *cfg, const char *fmt, va_list ap)
{
	conf_err_vadd(cfg->filename, cfg->line, fmt, ap);
}

void
conf_err_seen(const cfg_t *sec, const char *option, int line)
{
	if (nseen == seencap) {
		seencap = seencap ? seencap * 2 : 256;
		seen = xreallocarray(seen, seencap, sizeof(*seen));
	}
	seen[nseen].sec = sec;
	seen[nseen].option = option;
	seen[nseen].line = line;
	nseen++;
	sorted = 0;
}

/* Is s sec, or a section inside it? */
static bool
within(const cfg_t *s, const cfg_t *sec)
{
	unsigned int	i, k;

	if (s == sec)
		return true;
	for (i = 0; sec->opts[i].name != NULL; i++)
		if (sec->opts[i].type == CFGT_SEC)
			for (k = 0; k < sec->opts[i].nvalues; k++)
				if (within(s, sec->opts[i].values[k]->section))
					return true;
	return false;
}

void
conf_err_forget(const cfg_t *sec)
{
	size_t	i, n;

	for (i = n = 0; i < nseen; i++)
		if (!within(seen[i].sec, sec))
			seen[n++] = seen[i];
	nseen = n;
}

static int
seen_cmp(const void *a, const void *b)
{
	const struct seen	*x = a, *y = b;

	if (x->sec != y->sec)
		return (uintptr_t)x->sec < (uintptr_t)y->sec ? -1 : 1;
	return x->line - y->line;
}

int
conf_err_line(const cfg_t *sec, const char *option)
{
	size_t	lo = 0, hi, mid;

	if (!sorted) {
		qsort(seen, nseen, sizeof(*seen), seen_cmp);
		sorted = 1;
	}
	hi = nseen;
	while (lo < hi) {
		mid = (lo + hi) / 2;
		if ((uintptr_t)seen[mid].sec < (uintptr_t)sec)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < nseen && seen[lo].sec == sec; lo++)
		if (option == NULL || strcmp(seen[lo].option, option) == 0)
			return seen[lo].line;
	return sec->line;
}

int
conf_err_unquoted(int line, const char *option)
{
	const char	*p = cur_text;
	size_t		 n = strlen(option);

	if (p == NULL)
		return 0;
	while (--line > 0 && (p = strchr(p, '\n')) != NULL)
		p++;
	for (; p != NULL && *p && *p != '\n'; p++) {
		if (strncmp(p, option, n) != 0)
			continue;
		p += n;
		p += strspn(p, " \t");
		if (*p != '=')
			continue;
		p++;
		p += strspn(p, " \t");
		return *p != '"' && *p != '\'' && *p != '\n' && *p != '\0';
	}
	return 0;
}
