/*
 * help.c: maintctl's help, without a daemon: made from the daemon's own
 * tables (daemon/verbs.def, daemon/options.def), compiled in, so the two
 * cannot disagree.  Also the verbs of maintctl itself (top, shell), and
 * its own options (those before the verb), for --help, help and the
 * completion scripts.
 */
#include <stdio.h>
#include <string.h>

#include "help.h"

enum { READ, ADMIN, CLIENT };

struct cverb {
	const char	*name;
	int		 level;
	const char	*opts;
	const char	*args;
	const char	*usage;
	const char	*help;
	const char	*details;
};

static const struct cverb verbs[] = {
#define VERB(name, level, min, max, opts, fn, args, usage, help, details) \
	{ name, level, opts, args, usage, help, details },
#include "verbs.def"
#undef VERB
	{ "top", CLIENT, "", "", "top",
	    "a live dashboard of the tasks and the latest events (maintctl)",
	    "Keys: arrows or j/k select, s sorts, / filters by name or tag, a "
	    "activates, d deactivates, r runs the selected task, q quits.\n"
	    "example: maintctl top" },
	{ "token", CLIENT, "", "words:new", "token new NAME [--role "
	    "read|operate|admin] [--tasks GLOB...]",
	    "make a bearer token and the token section of maintd.conf with "
	    "its hash (maintctl)",
	    "The token is printed once; maintd keeps only its SHA-256.  "
	    "--tasks (role operate) limits it to the tasks the globs match.  "
	    "Give it to maintctl -T FILE, or to maintd-http as Authorization: "
	    "Bearer.\n"
	    "example: maintctl token new deploy --role operate --tasks 'web-*'" },
	{ "shell", CLIENT, "", "", "shell",
	    "a prompt that sends each line as a request (maintctl)",
	    "Also what maintctl does with no verb on a terminal; history, "
	    "line editing, and Tab completes verbs, options and names.\n"
	    "example: maintctl shell" },
};
#define NVERBS	(sizeof(verbs) / sizeof(verbs[0]))

static const struct copt {
	const char	*name;
	const char	*value;
	const char	*help;
} opts[] = {
#define OPTION(name, value, help) { name, value, help },
#include "options.def"
#undef OPTION
};
#define NOPTS	(sizeof(opts) / sizeof(opts[0]))

/* maintctl's own options; getopt_long in maintctl.c takes the same. */
static const struct clopt {
	const char	*flag;	/* NULL: long only */
	const char	*name;
	const char	*value;	/* NULL: a flag */
	const char	*help;
} clopts[] = {
	{ "-H", "--host", "ssh://[user@]host[:port]", "maintd on another host, "
	    "through ssh (default: $MAINTD_HOST)" },
	{ "-j", "--json", NULL, "JSON Lines out (errors too)" },
	{ "-q", "--quiet", NULL, "no data lines, only the exit status" },
	{ "-s", "--socket", "SOCKET", "the socket (default: $MAINTD_SOCKET, or "
	    "the default path); with -H, that host's" },
	{ "-T", "--token-file", "FILE", "send the bearer token of FILE first "
	    "(default: $MAINTD_TOKEN_FILE; mode 0600)" },
	{ "-y", "--yes", NULL, "answer yes when maintd asks to confirm" },
	{ NULL, "--stdio", NULL, "join stdin and stdout to the socket (what -H "
	    "runs there)" },
	{ NULL, "--help", NULL, "this help" },
	{ NULL, "--version", NULL, "maintctl's version and protocol" },
};
#define NCLOPTS	(sizeof(clopts) / sizeof(clopts[0]))

size_t
help_nverbs(void)
{
	return NVERBS;
}

const char *
help_verb_name(size_t i)
{
	return verbs[i].name;
}

const char *
help_verb_args(size_t i)
{
	return verbs[i].args;
}

const char *
help_verb_opts(size_t i)
{
	return verbs[i].opts;
}

size_t
help_nopts(void)
{
	return NOPTS;
}

const char *
help_opt_name(size_t i)
{
	return opts[i].name;
}

const char *
help_opt_value(size_t i)
{
	return opts[i].value;
}

size_t
help_nclopts(void)
{
	return NCLOPTS;
}

const char *
help_clopt_flag(size_t i)
{
	return clopts[i].flag;
}

const char *
help_clopt_name(size_t i)
{
	return clopts[i].name;
}

const char *
help_clopt_value(size_t i)
{
	return clopts[i].value;
}

void
help_options(FILE *fp)
{
	size_t	i;
	char	left[64];

	fprintf(fp, "maintctl's own options, before the verb:\n");
	for (i = 0; i < NCLOPTS; i++) {
		snprintf(left, sizeof(left), "%s%s%s%s%s",
		    clopts[i].flag ? clopts[i].flag : "",
		    clopts[i].flag ? ", " : "", clopts[i].name,
		    clopts[i].value ? " " : "",
		    clopts[i].value ? clopts[i].value : "");
		if (strlen(left) > 20)
			fprintf(fp, "  %s\n  %-20s %s\n", left, "",
			    clopts[i].help);
		else
			fprintf(fp, "  %-20s %s\n", left, clopts[i].help);
	}
}

void
help_all(FILE *fp)
{
	size_t	i;

	for (i = 0; i < NVERBS; i++)
		fprintf(fp, "%-52s %s%s\n", verbs[i].usage, verbs[i].help,
		    verbs[i].level == ADMIN ? " (admin)" : "");
	fprintf(fp, "options: --json on every verb; a word may be \"double "
	    "quoted\"\n");
}

static void
opt_line(FILE *fp, const char *name)
{
	size_t	i;
	char	left[40];

	for (i = 0; i < NOPTS; i++)
		if (strcmp(opts[i].name, name) == 0) {
			snprintf(left, sizeof(left), "%s%s%s%s",
			    strcmp(name, "n") == 0 ? "-" : "--", name,
			    opts[i].value ? " " : "",
			    opts[i].value ? opts[i].value : "");
			fprintf(fp, "  %-16s %s\n", left, opts[i].help);
			return;
		}
}

int
help_verb(FILE *fp, const char *name)
{
	const struct cverb	*v = NULL;
	const char		*p, *q;
	char			 o[32];
	size_t			 i, n;

	for (i = 0; i < NVERBS; i++)
		if (strcmp(verbs[i].name, name) == 0)
			v = &verbs[i];
	if (v == NULL)
		return -1;
	fprintf(fp, "usage: maintctl %s\n%s%s\n", v->usage, v->help,
	    v->level == ADMIN ? " (admin: root, the daemon's user or "
	    "admin_group)" : "");
	fprintf(fp, "%s\n", v->details);
	if (v->level != CLIENT) {
		fprintf(fp, "options:\n");
		for (p = v->opts; *p; p = *q ? q + 1 : q) {
			q = p + strcspn(p, " ");
			n = (size_t)(q - p) < sizeof(o) ? (size_t)(q - p) :
			    sizeof(o) - 1;
			memcpy(o, p, n);
			o[n] = '\0';
			opt_line(fp, o);
		}
		opt_line(fp, "json");
	}
	fprintf(fp, "exit status: 0 OK, 1 refused or failed (ERR), 2 usage, "
	    "69 maintd not reachable, 77 denied\n");
	fprintf(fp, "see maintctl(8)\n");
	return 0;
}
