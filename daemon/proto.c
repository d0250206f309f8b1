/*
 * proto.c: splitting a request line into words (blanks separate words,
 * "double quotes" group them, \" and \\ escape inside quotes) and words
 * into verb, options (--name, --name VALUE, --name=VALUE, -n N) and
 * positional arguments.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"

/* Options that take a value (options.def); every other one is a flag. */
static const char *valued[] = {
#define OPTION(name, value, help) value != NULL ? name : NULL,
#include "options.def"
#undef OPTION
};

int
proto_opt_takes_value(const char *name)
{
	size_t	i;

	for (i = 0; i < sizeof(valued) / sizeof(valued[0]); i++)
		if (valued[i] != NULL && strcmp(name, valued[i]) == 0)
			return 1;
	return 0;
}

static void
words_free(char **w, int n)
{
	int	i;

	for (i = 0; i < n; i++)
		free(w[i]);
	free(w);
}

int
proto_split(const char *line, size_t len, char ***wordsp, int *nwordsp,
    const char **errstr)
{
	const char	*p = line, *end = line + len;
	char		**words, **nw, *w;
	int		 n = 0;
	size_t		 wl;
	int		 quoted;

	*errstr = NULL;
	if (len > PROTO_MAXLINE) {
		*errstr = "request too long";
		return -1;
	}
	if ((words = calloc(PROTO_MAXWORDS + 1, sizeof(*words))) == NULL) {
		*errstr = "out of memory";
		return -1;
	}
	for (;;) {
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		if (p >= end)
			break;
		if (n == PROTO_MAXWORDS) {
			*errstr = "too many words";
			goto fail;
		}
		if ((w = malloc((size_t)(end - p) + 1)) == NULL) {
			*errstr = "out of memory";
			goto fail;
		}
		words[n++] = w;
		wl = 0;
		quoted = 0;
		while (p < end) {
			if (!quoted && (*p == ' ' || *p == '\t'))
				break;
			if (*p == '"') {
				quoted = !quoted;
				p++;
				continue;
			}
			if (quoted && *p == '\\') {
				if (p + 1 >= end || (p[1] != '"' && p[1] != '\\')) {
					*errstr = "bad escape in quoted word "
					    "(only \\\" and \\\\)";
					goto fail;
				}
				p++;
			}
			if (*p == '\0') {
				*errstr = "NUL byte in request";
				goto fail;
			}
			w[wl++] = *p++;
		}
		if (quoted) {
			*errstr = "unterminated quote";
			goto fail;
		}
		w[wl] = '\0';
		/* a word was given the rest of the line; keep what it needs */
		if ((w = realloc(w, wl + 1)) != NULL)
			words[n - 1] = w;
	}
	if ((nw = reallocarray(words, (size_t)n + 1, sizeof(*words))) != NULL)
		words = nw;
	*wordsp = words;
	*nwordsp = n;
	return 0;
 fail:
	words_free(words, n);
	return -1;
}

void
request_free(struct request *r)
{
	int	i;

	if (r->words != NULL)
		for (i = 0; r->words[i] != NULL; i++)
			free(r->words[i]);
	free(r->words);
	free(r->args);
	free(r->opts);
	memset(r, 0, sizeof(*r));
}

/*
 * On error returns -1 with *errstr set; errarg (if not empty) names the
 * offending word.
 */
int
proto_request(const char *line, size_t len, struct request *r,
    const char **errstr, char *errarg, size_t errarglen)
{
	char	**words, *w, *eq, *c;
	int	  n, i;

	memset(r, 0, sizeof(*r));
	if (errarglen > 0)
		errarg[0] = '\0';
	if (proto_split(line, len, &words, &n, errstr) == -1)
		return -1;
	r->words = words;
	if (n == 0) {
		*errstr = "empty request";
		goto fail;
	}
	r->args = calloc((size_t)n, sizeof(*r->args));
	r->opts = calloc((size_t)n, sizeof(*r->opts));
	if (r->args == NULL || r->opts == NULL) {
		*errstr = "out of memory";
		goto fail;
	}
	r->verb = words[0];
	for (c = r->verb; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	for (i = 1; i < n; i++) {
		w = words[i];
		if (w[0] == '-' && w[1] == '-' && w[2] != '\0')
			w += 2;
		else if (strcmp(w, "-n") == 0)
			w += 1;
		else {
			r->args[r->nargs++] = w;
			continue;
		}
		r->opts[r->nopts].name = w;
		if ((eq = strchr(w, '=')) != NULL) {
			*eq = '\0';
			r->opts[r->nopts].value = eq + 1;
		}
		if (!proto_opt_takes_value(w)) {
			if (eq != NULL) {
				*errstr = "option takes no value";
				goto failarg;
			}
		} else if (eq == NULL) {
			if (i + 1 >= n) {
				*errstr = "option needs a value";
				goto failarg;
			}
			r->opts[r->nopts].value = words[++i];
		}
		r->nopts++;
	}
	return 0;
 failarg:
	if (errarglen > 0) {
		strncpy(errarg, w, errarglen - 1);
		errarg[errarglen - 1] = '\0';
	}
 fail:
	request_free(r);
	return -1;
}

/* The value of option name ("" for a flag), or NULL when absent; last wins. */
const char *
request_opt(const struct request *r, const char *name)
{
	int	i;

	for (i = r->nopts - 1; i >= 0; i--)
		if (strcmp(r->opts[i].name, name) == 0)
			return r->opts[i].value ? r->opts[i].value : "";
	return NULL;
}

int
request_has(const struct request *r, const char *name)
{
	return request_opt(r, name) != NULL;
}

/* Quote a word for a request line; -1 if it cannot be sent or does not fit. */
int
proto_quote(const char *word, char *buf, size_t len)
{
	const char	*p;
	size_t		 o = 0;
	int		 plain = *word != '\0';

	for (p = word; *p; p++) {
		if (*p == '\n' || *p == '\r')
			return -1;
		if (*p == ' ' || *p == '\t' || *p == '"' || *p == '\\')
			plain = 0;
	}
	if (plain) {
		if (strlen(word) + 1 > len)
			return -1;
		memcpy(buf, word, strlen(word) + 1);
		return 0;
	}
	if (len < 3)
		return -1;
	buf[o++] = '"';
	for (p = word; *p; p++) {
		if (*p == '"' || *p == '\\') {
			if (o + 1 >= len)
				return -1;
			buf[o++] = '\\';
		}
		if (o + 1 >= len)
			return -1;
		buf[o++] = *p;
	}
	if (o + 2 > len)
		return -1;
	buf[o++] = '"';
	buf[o] = '\0';
	return 0;
}
