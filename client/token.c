/*
 * token.c: "maintctl token new NAME [--role R] [--tasks GLOB...]" (in
 * maintctl-tty, which links libcrypto): a fresh bearer token, 32 bytes
 * of getrandom(2) as "mdt_" and base64url, printed this once, and the
 * token section for maintd.conf with its SHA-256 (maintd keeps only
 * that).  The token never begins with '-' (a request word that did
 * would be an option) and holds nothing that needs quoting.
 */
#include <sys/random.h>

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "token.h"

#define TOKEN_BYTES	32
#define TOKEN_PREFIX	"mdt_"

static int
usage(void)
{
	fprintf(stderr, "usage: maintctl token new NAME [--role "
	    "read|operate|admin] [--tasks GLOB...]\n");
	return 2;
}

/* As maintd takes a token's name: letters, digits, - _ . (at most 64). */
static int
valid_name(const char *s)
{
	const char	*p;

	if (*s == '\0' || strlen(s) > 64 || *s == '-' || *s == '.')
		return 0;
	for (p = s; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_' &&
		    *p != '.')
			return 0;
	return 1;
}

static int
fill_random(unsigned char *buf, size_t len)
{
	ssize_t	n;

	while (len > 0) {
		if ((n = getrandom(buf, len, 0)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

int
token_main(int argc, char **argv)
{
	unsigned char	 raw[TOKEN_BYTES], md[EVP_MAX_MD_SIZE];
	char		 b64[4 * TOKEN_BYTES / 3 + 4], tok[80], *p;
	const char	*name, *role = NULL, *g;
	char		**globs;
	unsigned int	 mdlen = 0, i;
	int		 k, nglobs = 0;

	if (argc < 3 || strcmp(argv[1], "new") != 0)
		return usage();
	name = argv[2];
	if (!valid_name(name)) {
		fprintf(stderr, "maintctl: token new: bad name '%s' (letters, "
		    "digits, '-', '_', '.', at most 64)\n", name);
		return 2;
	}
	if ((globs = calloc((size_t)argc, sizeof(*globs))) == NULL)
		return 1;
	for (k = 3; k < argc; k++) {
		if (strcmp(argv[k], "--role") == 0 && k + 1 < argc)
			role = argv[++k];
		else if (strcmp(argv[k], "--tasks") == 0 && k + 1 < argc) {
			while (k + 1 < argc && strncmp(argv[k + 1], "--", 2) != 0)
				globs[nglobs++] = argv[++k];
		} else
			return usage();
	}
	if (role == NULL)
		role = nglobs > 0 ? "operate" : "read";
	if (strcmp(role, "read") != 0 && strcmp(role, "operate") != 0 &&
	    strcmp(role, "admin") != 0) {
		fprintf(stderr, "maintctl: token new: unknown role '%s' (read, "
		    "operate or admin)\n", role);
		return 2;
	}
	if (nglobs > 0 && strcmp(role, "operate") != 0) {
		fprintf(stderr, "maintctl: token new: --tasks limits role "
		    "operate only\n");
		return 2;
	}
	for (k = 0; k < nglobs; k++)
		for (g = globs[k]; *g; g++)
			if ((unsigned char)*g < ' ' || *g == '"' || *g == '\\') {
				fprintf(stderr, "maintctl: token new: a glob "
				    "may not hold a quote, a backslash or a "
				    "control character\n");
				return 2;
			}
	if (fill_random(raw, sizeof(raw)) == -1) {
		fprintf(stderr, "maintctl: getrandom: %s\n", strerror(errno));
		return 1;
	}
	/* base64url without padding */
	EVP_EncodeBlock((unsigned char *)b64, raw, sizeof(raw));
	for (p = b64; *p; p++)
		if (*p == '+')
			*p = '-';
		else if (*p == '/')
			*p = '_';
	b64[strcspn(b64, "=")] = '\0';
	snprintf(tok, sizeof(tok), "%s%s", TOKEN_PREFIX, b64);
	if (EVP_Digest(tok, strlen(tok), md, &mdlen, EVP_sha256(), NULL) != 1) {
		fprintf(stderr, "maintctl: SHA-256 failed\n");
		return 1;
	}
	printf("token: %s\n", tok);
	printf("# shown this once: maintd keeps only its hash.  Add this to "
	    "maintd.conf (or a\n# drop-in), reload, and give the token to "
	    "maintctl -T FILE or as\n# Authorization: Bearer to maintd-http.\n");
	printf("token %s {\n\thash = \"sha256:", name);
	for (i = 0; i < mdlen; i++)
		printf("%02x", md[i]);
	printf("\"\n\trole = %s\n", role);
	if (nglobs > 0) {
		printf("\ttasks = {");
		for (k = 0; k < nglobs; k++)
			printf(" \"%s\"%s", globs[k], k + 1 < nglobs ? "," : "");
		printf(" }\n");
	}
	printf("}\n");
	explicit_bzero(raw, sizeof(raw));
	explicit_bzero(tok, sizeof(tok));
	explicit_bzero(b64, sizeof(b64));
	free(globs);
	return fflush(stdout) == 0 ? 0 : 1;
}
