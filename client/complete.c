/*
 * complete.c: Tab in maintctl shell.  What the line holds before the
 * word being completed decides what is offered, as in the bash
 * completion that gencomp writes from the same tables: a verb first; then
 * an option of that verb after a '-'; the values of --stream, --level,
 * --by and --task; else what the verb's arguments are (verbs.def: task names,
 * sub-verbs, presets...).  Names come from maintd, asked at the first
 * Tab of a prompt and kept until the next prompt.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <editline/readline.h>
#include <json-c/json.h>

#include "complete.h"
#include "help.h"
#include "proto.h"

#define MAX_WORDS	128

static complete_fetch_fn	*fetch;

/* What maintd is asked for names, and the key of each in its JSON. */
enum { N_TASK, N_PRESET, N_NOTIFY, N_WINDOW, N_KINDS };
static const struct {
	const char	*req, *key;
} source[N_KINDS] = {
	{ "list --json", "task" },
	{ "preset list --json", "name" },
	{ "notify list --json", "notify" },
	{ "window list --json", "window" },
};

struct strv {
	char	**v;
	size_t	  n, cap;
};

static struct strv	names[N_KINDS];
static bool		asked[N_KINDS];
static struct strv	cands;		/* what this Tab may offer */

static void
strv_add(struct strv *sv, const char *s)
{
	char	**v;

	if (sv->n == sv->cap) {
		if ((v = reallocarray(sv->v, sv->cap ? sv->cap * 2 : 64,
		    sizeof(*v))) == NULL)
			return;
		sv->v = v;
		sv->cap = sv->cap ? sv->cap * 2 : 64;
	}
	if ((sv->v[sv->n] = strdup(s)) != NULL)
		sv->n++;
}

static void
strv_clear(struct strv *sv)
{
	while (sv->n > 0)
		free(sv->v[--sv->n]);
}

static void
add_name(struct json_object *o, void *arg)
{
	struct json_object	*v;
	int			 kind = *(int *)arg;

	if (json_object_object_get_ex(o, source[kind].key, &v) &&
	    json_object_is_type(v, json_type_string))
		strv_add(&names[kind], json_object_get_string(v));
}

static void
offer_names(int kind)
{
	size_t	i;

	if (!asked[kind]) {
		asked[kind] = true;	/* once a prompt, reached or not */
		(void)fetch(source[kind].req, add_name, &kind);
	}
	for (i = 0; i < names[kind].n; i++)
		strv_add(&cands, names[kind].v[i]);
}

/* The words of a blank-separated list. */
static void
offer_words(const char *list)
{
	char	 w[64];
	size_t	 n;

	while (*list != '\0') {
		n = strcspn(list, " ");
		if (n > 0 && n < sizeof(w)) {
			memcpy(w, list, n);
			w[n] = '\0';
			strv_add(&cands, w);
		}
		list += n + (list[n] == ' ');
	}
}

static void
offer_verbs(void)
{
	size_t	i;

	/* top and shell are maintctl's, not requests */
	for (i = 0; i < help_nverbs(); i++)
		if (strcmp(help_verb_name(i), "top") != 0 &&
		    strcmp(help_verb_name(i), "shell") != 0)
			strv_add(&cands, help_verb_name(i));
	strv_add(&cands, "exit");
}

/* A verb's options, as "-n" and "--name", and --json. */
static void
offer_opts(size_t v)
{
	const char	*p = help_verb_opts(v), *q;
	char		 o[64];

	for (; *p; p = *q ? q + 1 : q) {
		q = p + strcspn(p, " ");
		snprintf(o, sizeof(o), "%s%.*s", q - p == 1 ? "-" : "--",
		    (int)(q - p), p);
		strv_add(&cands, o);
	}
	strv_add(&cands, "--json");
}

/* Does the option word w take a value (options.def)? */
static bool
valued(const char *w)
{
	size_t	i;

	w += strspn(w, "-");
	for (i = 0; i < help_nopts(); i++)
		if (strcmp(help_opt_name(i), w) == 0)
			return help_opt_value(i) != NULL;
	return false;
}

static size_t
verb_index(const char *w)
{
	size_t	i;

	for (i = 0; i < help_nverbs(); i++)
		if (strcmp(help_verb_name(i), w) == 0)
			return i;
	return (size_t)-1;
}

/* What the verb v's positional argument number n may be. */
static void
offer_args(size_t v, int n, const char *prev)
{
	const char	*a = help_verb_args(v);

	if (strcmp(a, "tasks") == 0)
		offer_names(N_TASK);
	else if (strncmp(a, "task", 4) == 0) {
		if (n == 0)
			offer_names(N_TASK);
	} else if (strcmp(a, "verb?") == 0) {
		if (n == 0)
			offer_verbs();
	} else if (strcmp(a, "preset") == 0) {
		if (n == 0)
			offer_words("list show apply create delete export "
			    "import");
		else if (strcmp(prev, "import") == 0)
			;	/* JSON: the shell sends the line as it is */
		else if (n >= 2)
			offer_names(N_TASK);	/* create P TASK... */
		else
			offer_names(N_PRESET);
	} else if (strcmp(a, "window") == 0) {
		if (n == 0)
			offer_words("list create delete export import");
		else if (n == 1 && (strcmp(prev, "delete") == 0 ||
		    strcmp(prev, "export") == 0))
			offer_names(N_WINDOW);
	} else if (strncmp(a, "words:", 6) == 0) {
		if (n == 0)
			offer_words(a + 6);
	} else if (strcmp(a, "notify") == 0) {
		if (n == 0)
			offer_words("list test");
		else
			offer_names(N_NOTIFY);
	}
}

static char *
generate(const char *text, int state)
{
	static size_t	i;
	size_t		len = strlen(text);

	if (state == 0)
		i = 0;
	while (i < cands.n)
		if (strncmp(cands.v[i++], text, len) == 0)
			return strdup(cands.v[i - 1]);
	return NULL;
}

static char **
attempt(const char *text, int start, int end)
{
	char		 line[PROTO_MAXLINE + 1], *words[MAX_WORDS], *w;
	const char	*prev = "";
	size_t		 v = (size_t)-1;
	int		 nw = 0, i, n = 0;

	(void)end;
	rl_attempted_completion_over = 1;	/* no file names */
	strv_clear(&cands);
	snprintf(line, sizeof(line), "%.*s", start, rl_line_buffer);
	for (w = strtok(line, " \t"); w != NULL && nw < MAX_WORDS;
	    w = strtok(NULL, " \t"))
		words[nw++] = w;
	for (i = 0; i < nw; i++) {
		if (v == (size_t)-1) {
			if (words[i][0] != '-' &&
			    (v = verb_index(words[i])) == (size_t)-1)
				return NULL;	/* not a verb: nothing */
			continue;
		}
		if (words[i][0] == '-') {
			if (valued(words[i]) && i + 1 < nw)
				i++;
		} else
			n++;
	}
	if (nw > 0)
		prev = words[nw - 1];
	if (v == (size_t)-1)
		offer_verbs();
	else if (prev[0] == '-' && valued(prev)) {
		if (strcmp(prev, "--stream") == 0)
			offer_words("stdout stderr");
		else if (strcmp(prev, "--level") == 0)
			offer_words("debug info warning error");
		else if (strcmp(prev, "--by") == 0)
			offer_words("task tag");
		else if (strcmp(prev, "--task") == 0)
			offer_names(N_TASK);
	} else if (text[0] == '-')
		offer_opts(v);
	else
		offer_args(v, n, prev);
	if (cands.n == 0)
		return NULL;
	return rl_completion_matches(text, generate);
}

void
complete_init(complete_fetch_fn *fn)
{
	fetch = fn;
	rl_attempted_completion_function = attempt;
}

void
complete_forget(void)
{
	int	k;

	for (k = 0; k < N_KINDS; k++) {
		strv_clear(&names[k]);
		asked[k] = false;
	}
}
