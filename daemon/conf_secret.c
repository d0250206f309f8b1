/*
 * conf_secret.c: which options may hold a secret (one row each), whether
 * a value does, and the first one a parse met.  As root, a file that
 * holds one must not be readable by others (conf_file.c), as ssh(1) will
 * not use a private key that others can read; see maintd(8), SECURITY.
 */
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <confuse.h>

#include "conf_secret.h"
#include "util.h"

/*
 * The options whose values may hold a secret: a password, a token, a key
 * to sign with.  A new option that takes a secret gets its row here.
 */
enum secret_kind {
	SECRET_VALUE,	/* the value is one */
	SECRET_URL,	/* a password in the URL, or a token in its query */
	SECRET_HEADER,	/* "Authorization: ...", "X-Api-Key: ..." */
	SECRET_ENV	/* "DB_PASSWORD=...", "API_TOKEN=..." */
};
static const struct secret_row {
	const char		*section, *option;
	enum secret_kind	 kind;
} secret_rows[] = {
	{ "notify", "secret", SECRET_VALUE },
	{ "notify", "url", SECRET_URL },
	{ "notify", "headers", SECRET_HEADER },
	{ "health", "url", SECRET_URL },
	{ "fleet", "endpoints", SECRET_URL },
	{ "task", "environment", SECRET_ENV },
	/* the hash of a token chosen by hand could be guessed offline */
	{ "token", "hash", SECRET_VALUE },
};

/* Does the name (of a variable, header, query parameter) say secret? */
static bool
secret_name(const char *name, size_t len)
{
	static const char *const words[] = { "pass", "secret", "token", "key",
	    "credential", "authorization", "cookie", "signature" };
	char	lower[128];
	size_t	i;

	if (len >= sizeof(lower))
		len = sizeof(lower) - 1;
	for (i = 0; i < len; i++)
		lower[i] = (char)tolower((unsigned char)name[i]);
	lower[len] = '\0';
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strstr(lower, words[i]) != NULL)
			return true;
	return false;
}

/* A password in the URL's user part, or a query parameter named so. */
static const char *
secret_url(const char *v)
{
	const char	*p, *end, *at, *q, *eq;

	if ((p = strstr(v, "://")) == NULL)
		return NULL;
	p += 3;
	end = p + strcspn(p, "/?#");
	if ((at = memchr(p, '@', (size_t)(end - p))) != NULL &&
	    (q = memchr(p, ':', (size_t)(at - p))) != NULL && q + 1 < at)
		return "a password in the URL";
	if ((q = strchr(end, '?')) == NULL)
		return NULL;
	for (q++; *q != '\0' && *q != '#'; q += strcspn(q, "&#")) {
		if (*q == '&')
			q++;
		eq = q + strcspn(q, "=&#");
		if (*eq == '=' && secret_name(q, (size_t)(eq - q)))
			return "a token in the URL's query";
	}
	return NULL;
}

const char *
conf_secret(const char *section, const char *option, const char *v)
{
	const char	*c;
	size_t		 i;

	for (i = 0; i < sizeof(secret_rows) / sizeof(secret_rows[0]); i++) {
		if (strcmp(secret_rows[i].section, section) != 0 ||
		    strcmp(secret_rows[i].option, option) != 0)
			continue;
		switch (secret_rows[i].kind) {
		case SECRET_VALUE:
			return *v != '\0' ? "a secret" : NULL;
		case SECRET_URL:
			return secret_url(v);
		case SECRET_HEADER:
			c = strchr(v, ':');
			return c != NULL && secret_name(v, (size_t)(c - v)) ?
			    "a secret in a header" : NULL;
		case SECRET_ENV:
			c = strchr(v, '=');
			return c != NULL && secret_name(v, (size_t)(c - v)) ?
			    "a secret in the environment" : NULL;
		}
	}
	return NULL;
}

/* The first value of the parse that holds a secret (conf_secret_first). */
static int		 secret_line;
static char		 secret_opt[32];	/* the section is freed soon */
static const char	*secret_what;

int
conf_secret_first(const char **option, const char **what)
{
	*option = secret_opt;
	*what = secret_what;
	return secret_line;
}

void
conf_secret_reset(void)
{
	secret_line = 0;
}

void
conf_secret_seen(cfg_t *cfg, cfg_opt_t *opt)
{
	const char	*what;
	unsigned int	 n;

	if (secret_line != 0 || opt->type != CFGT_STR)
		return;
	for (n = 0; n < cfg_opt_size(opt); n++)
		if ((what = conf_secret(cfg->name, opt->name,
		    cfg_opt_getnstr(opt, n))) != NULL) {
			secret_line = cfg->line > 0 ? cfg->line : 1;
			strlcpy(secret_opt, opt->name, sizeof(secret_opt));
			secret_what = what;
			return;
		}
}
