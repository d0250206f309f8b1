/*
 * conf_token.c: the token sections of maintd.conf and its drop-ins:
 * token NAME { hash = "sha256:HEX"  role = read|operate|admin
 * tasks = { GLOB... } }.  Only the hash of a token is ever configured,
 * kept as its 32 bytes; the token itself is never seen here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <confuse.h>

#include "conf.h"
#include "conf_err.h"
#include "util.h"

const char *
token_role_name(enum token_role r)
{
	return r == ROLE_ADMIN ? "admin" : r == ROLE_OPERATE ? "operate" :
	    "read";
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* "sha256:HEX" (checked by conf_valid.c) into 32 bytes; -1 if it is not. */
static int
parse_hash(const char *s, unsigned char *d)
{
	size_t	i;
	int	hi, lo;

	if (s == NULL || strncmp(s, "sha256:", 7) != 0 ||
	    strlen(s) != 7 + 2 * TOKEN_DIGEST_LEN)
		return -1;
	for (i = 0, s += 7; i < TOKEN_DIGEST_LEN; i++) {
		if ((hi = hexval(s[2 * i])) == -1 ||
		    (lo = hexval(s[2 * i + 1])) == -1)
			return -1;
		d[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

void
conf_tokens_load(struct config *conf, struct cfg_t *cfg, const char *file)
{
	static const unsigned char none[TOKEN_DIGEST_LEN];
	struct token_conf	*t;
	cfg_t			*sec;
	const char		*role;
	unsigned int		 i, n = cfg_size(cfg, "token");
	size_t			 j;

	if (n == 0)
		return;
	conf->tokens = xreallocarray(conf->tokens, conf->ntokens + n,
	    sizeof(*conf->tokens));
	for (i = 0; i < n; i++) {
		t = &conf->tokens[conf->ntokens++];
		memset(t, 0, sizeof(*t));
		sec = cfg_getnsec(cfg, "token", i);
		t->name = xstrdup(cfg_title(sec));
		t->file = xstrdup(file);
		t->line = conf_err_line(sec, NULL);
		t->tasks = xcalloc(cfg_size(sec, "tasks") + 1,
		    sizeof(*t->tasks));
		for (j = 0; j < cfg_size(sec, "tasks"); j++)
			t->tasks[j] = xstrdup(cfg_getnstr(sec, "tasks",
			    (unsigned int)j));
		role = cfg_getstr(sec, "role");
		t->role = strcmp(role, "admin") == 0 ? ROLE_ADMIN :
		    strcmp(role, "operate") == 0 ? ROLE_OPERATE : ROLE_READ;
		if (!conf_valid_name(t->name))
			conf_err_add(file, t->line, "token '%s': bad name "
			    "(letters, digits, '-', '_', '.', at most 64)",
			    t->name);
		if (cfg_getstr(sec, "hash") == NULL)
			conf_err_add(file, t->line, "token %s: no hash (maintctl "
			    "token new makes a token and its hash)", t->name);
		else if (parse_hash(cfg_getstr(sec, "hash"), t->digest) == -1)
			conf_err_add(file, conf_err_line(sec, "hash"), "token %s: "
			    "bad hash", t->name);	/* (conf_valid.c said why) */
		if (t->tasks[0] != NULL && t->role != ROLE_OPERATE)
			conf_err_add(file, conf_err_line(sec, "tasks"), "token "
			    "%s: tasks limits role operate only (role %s may "
			    "use every task)", t->name, role);
		for (j = 0; j + 1 < conf->ntokens; j++) {
			if (strcmp(conf->tokens[j].name, t->name) == 0)
				conf_err_add(file, t->line, "token %s is defined "
				    "twice: also at %s:%d", t->name,
				    conf->tokens[j].file, conf->tokens[j].line);
			else if (memcmp(t->digest, none, TOKEN_DIGEST_LEN) != 0 &&
			    memcmp(conf->tokens[j].digest, t->digest,
			    TOKEN_DIGEST_LEN) == 0)
				conf_err_add(file, t->line, "token %s has the "
				    "hash of token %s (%s:%d): one token, one "
				    "name", t->name, conf->tokens[j].name,
				    conf->tokens[j].file, conf->tokens[j].line);
		}
	}
}

static void
token_free(struct token_conf *t)
{
	free(t->name);
	free(t->file);
	strv_free(t->tasks);
	explicit_bzero(t->digest, TOKEN_DIGEST_LEN);
}

void
conf_tokens_drop(struct config *conf, char *const *files)
{
	size_t	i, n;

	for (i = n = 0; i < conf->ntokens; i++)
		if (strv_contains(files, conf->tokens[i].file))
			token_free(&conf->tokens[i]);
		else
			conf->tokens[n++] = conf->tokens[i];
	conf->ntokens = n;
}

void
conf_tokens_free(struct config *conf)
{
	size_t	i;

	for (i = 0; i < conf->ntokens; i++)
		token_free(&conf->tokens[i]);
	free(conf->tokens);
	conf->tokens = NULL;
	conf->ntokens = 0;
}

const struct token_conf *
conf_token(const struct config *conf, const char *name)
{
	size_t	i;

	for (i = 0; i < conf->ntokens; i++)
		if (strcmp(conf->tokens[i].name, name) == 0)
			return &conf->tokens[i];
	return NULL;
}
