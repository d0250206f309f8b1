/* table.c: collect rows, then send them as "- " lines with aligned columns. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "control.h"
#include "table.h"
#include "util.h"

static void
table_vrow(struct table *t, va_list ap)
{
	const char	*s;
	size_t		 i;

	if (t->nrows == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 16;
		t->cells = xreallocarray(t->cells, t->cap * t->ncols,
		    sizeof(*t->cells));
	}
	for (i = 0; i < t->ncols; i++) {
		s = va_arg(ap, const char *);
		t->cells[t->nrows * t->ncols + i] = xstrdup(s ? s : "-");
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

/* Emit every row with columns padded to their widest cell; frees t. */
void
table_emit(struct table *t, struct client *c)
{
	size_t	*w, r, i, len, o;
	char	*line;

	w = xcalloc(t->ncols, sizeof(*w));
	for (r = 0; r < t->nrows; r++)
		for (i = 0; i < t->ncols; i++)
			if ((len = strlen(t->cells[r * t->ncols + i])) > w[i])
				w[i] = len;
	len = 0;
	for (i = 0; i < t->ncols; i++)
		len += w[i] + 2;
	line = xcalloc(len + 1, 1);
	for (r = 0; r < t->nrows; r++) {
		o = 0;
		for (i = 0; i < t->ncols; i++) {
			const char *s = t->cells[r * t->ncols + i];

			memcpy(line + o, s, strlen(s));
			o += strlen(s);
			if (i + 1 < t->ncols) {
				memset(line + o, ' ', w[i] - strlen(s) + 2);
				o += w[i] - strlen(s) + 2;
			}
		}
		while (o > 0 && line[o - 1] == ' ')
			o--;
		line[o] = '\0';
		client_raw(c, line);
	}
	free(line);
	free(w);
	table_free(t);
}

/* Drop the rows unsent. */
void
table_free(struct table *t)
{
	size_t	i;

	for (i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	memset(t, 0, sizeof(*t));
}
