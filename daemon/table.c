/* table.c: collect rows, then send them as "- " lines with aligned columns. */
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#define LIBBSD_OPENBSD_VIS
#include <vis.h>

#include "control.h"
#include "table.h"
#include "util.h"

/* Printable ASCII without a backslash: what strvis() would leave alone. */
static bool
plain(const char *s, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (s[i] < 0x20 || s[i] > 0x7e || s[i] == '\\')
			return false;
	return true;
}

/* Append n bytes of s to the text, made visible if need be; its length. */
static size_t
put(struct table *t, const char *s, size_t n)
{
	size_t	need = plain(s, n) ? n : n * 4 + 1;

	if (t->tlen + need > t->tcap) {
		while (t->tlen + need > t->tcap)
			t->tcap = t->tcap ? t->tcap * 2 : 4096;
		t->text = xreallocarray(t->text, t->tcap, 1);
	}
	if (need == n) {
		memcpy(t->text + t->tlen, s, n);
		return n;
	}
	/* strvis() wants a NUL-ended string: n bytes of s, copied first */
	{
		char	*tmp = xcalloc(n + 1, 1);
		int	 r;

		memcpy(tmp, s, n);
		r = strvis(t->text + t->tlen, tmp, VIS_CSTYLE | VIS_TAB |
		    VIS_NL | VIS_OCTAL);
		free(tmp);
		return r < 0 ? 0 : (size_t)r;
	}
}

static void
table_vrow(struct table *t, va_list ap)
{
	const char	*s;
	size_t		 i, k, n;

	if (t->nrows == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 16;
		t->off = xreallocarray(t->off, t->cap * t->ncols,
		    sizeof(*t->off));
		t->len = xreallocarray(t->len, t->cap * t->ncols,
		    sizeof(*t->len));
	}
	for (i = 0; i < t->ncols; i++) {
		if ((s = va_arg(ap, const char *)) == NULL)
			s = "-";
		k = t->nrows * t->ncols + i;
		t->off[k] = (uint32_t)t->tlen;
		n = put(t, s, strlen(s));
		t->len[k] = (uint32_t)n;
		t->tlen += n;
		if (n > t->w[i])
			t->w[i] = n;
	}
	t->nrows++;
}

/* The header row: ncols column titles. */
void
table_init(struct table *t, size_t ncols, ...)
{
	va_list	ap;

	memset(t, 0, sizeof(*t));
	t->ncols = ncols;
	t->w = xcalloc(ncols, sizeof(*t->w));
	va_start(ap, ncols);
	table_vrow(t, ap);
	va_end(ap);
}

void
table_row(struct table *t, ...)
{
	va_list	ap;

	va_start(ap, t);
	table_vrow(t, ap);
	va_end(ap);
}

/*
 * Emit every row with columns padded to their widest cell, straight into
 * the client's output, without the trailing blanks; frees t.
 */
void
table_emit(struct table *t, struct client *c)
{
	const char	*s;
	char		*p;
	size_t		 r, i, k, at, end, n;

	for (r = 0; r < t->nrows; r++) {
		/* the line ends after the last cell's last non-blank */
		end = 0;
		for (i = at = 0; i < t->ncols; i++) {
			k = r * t->ncols + i;
			s = t->text + t->off[k];
			for (n = t->len[k]; n > 0 && s[n - 1] == ' '; n--)
				;
			if (n > 0)
				end = at + n;
			at += t->w[i] + 2;
		}
		if ((p = client_reserve(c, end + 3)) == NULL)
			break;
		memcpy(p, "- ", 2);
		p += 2;
		memset(p, ' ', end);
		for (i = at = 0; i < t->ncols && at < end; i++) {
			k = r * t->ncols + i;
			n = t->len[k];
			if (n > end - at)
				n = end - at;
			memcpy(p + at, t->text + t->off[k], n);
			at += t->w[i] + 2;
		}
		p[end] = '\n';
	}
	client_flush_soon(c);
	table_free(t);
}

/* Drop the rows unsent. */
void
table_free(struct table *t)
{
	free(t->off);
	free(t->len);
	free(t->w);
	free(t->text);
	memset(t, 0, sizeof(*t));
}
