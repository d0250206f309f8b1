/*
 * fuzz_request.c: the control protocol as a client speaks it.  The input
 * is what one client sends on the control socket, any number of request
 * lines; maintd runs in this process (fuzz_daemon.c) on its config
 * (fuzz_daemon_conf), from an empty database, started again for every
 * input, so an input that crashes does so on its own.  Through control.c's framing,
 * proto.c's words and options, verbs.c's dispatch and every verb's
 * handler, as root: the changing verbs too.  Nothing may crash, leak
 * or hang, and the replies keep DESIGN §5's framing: every line a data
 * line "- PAYLOAD" or a final "OK [text]" or "ERR CODE [message]", with
 * no raw control character in it, and no "(null)" (glibc's text for a
 * NULL given to %s); when the daemon closes (it has answered all), one
 * final line a request.
 *
 * Also, for each line: the words proto_split() makes of it, quoted
 * again with proto_quote() (as maintctl sends them), split back into
 * the same words.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fuzz.h"
#include "proto.h"

/*
 * proto_split, proto_quote, proto_split: the same words.  True when a
 * word, or words run together, say "(null)" once unquoted: a reply may
 * then echo it.
 */
static bool
check_words(const char *line, size_t len)
{
	char		**w, **w2, *q, *joined;
	const char	 *errstr;
	int		  n, n2, i;
	size_t		  cap, o = 0;
	bool		  quotable = true, says_null;

	if (proto_split(line, len, &w, &n, &errstr) == -1) {
		FUZZ_CHECK(errstr != NULL, "proto_split: -1 with no reason");
		return false;
	}
	FUZZ_CHECK(w[n] == NULL, "proto_split: words not NULL-terminated");
	cap = 3 * len + 8;
	joined = calloc(1, cap);
	q = calloc(1, cap);
	for (i = 0; i < n; i++)
		o += (size_t)snprintf(joined + o, cap - o, "%s", w[i]);
	says_null = strstr(joined, "(null)") != NULL;
	o = 0;
	for (i = 0; i < n && quotable; i++) {
		if (proto_quote(w[i], q, cap) == -1) {
			/* only a word with a CR or an LF cannot be sent */
			FUZZ_CHECK(strpbrk(w[i], "\r\n") != NULL,
			    "proto_quote refused \"%s\"", w[i]);
			quotable = false;
			break;
		}
		o += (size_t)snprintf(joined + o, cap - o, "%s%s",
		    i > 0 ? " " : "", q);
	}
	if (quotable && o <= PROTO_MAXLINE) {
		FUZZ_CHECK(proto_split(joined, o, &w2, &n2, &errstr) == 0,
		    "\"%s\" does not split: %s", joined, errstr);
		FUZZ_CHECK(n2 == n, "\"%s\": %d words, not %d", joined, n2, n);
		for (i = 0; i < n; i++)
			FUZZ_CHECK(strcmp(w[i], w2[i]) == 0, "word %d: \"%s\" "
			    "came back as \"%s\"", i, w[i], w2[i]);
		for (i = 0; i < n2; i++)
			free(w2[i]);
		free(w2);
	}
	for (i = 0; i < n; i++)
		free(w[i]);
	free(w);
	free(q);
	free(joined);
	return says_null;
}

/*
 * How many final lines the daemon owes for what was sent, if it answers
 * all and closes: one a complete line up to the first one over
 * PROTO_MAXLINE (ERR too-long, then it closes), or to a tail without a
 * newline that fills its buffer; -1 when it cannot be told (a quit).
 */
static long
owed(const uint8_t *data, size_t size)
{
	const char	*p = (const char *)data, *end = p + size, *nl;
	size_t		 len;
	long		 n = 0;

	for (len = 0; len + 4 <= size; len++)
		if (strncasecmp(p + len, "quit", 4) == 0)
			return -1;
	for (; p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			return (size_t)(end - p) >= PROTO_MAXLINE + 2 ? n + 1 :
			    n;
		len = (size_t)(nl - p);
		if (len > 0 && p[len - 1] == '\r')
			len--;
		n++;
		if (len > PROTO_MAXLINE)
			return n;
	}
	return n;
}

/* DESIGN §5: data lines, final lines, nothing raw. */
static void
check_replies(const char *out, size_t len, bool null_ok, long want)
{
	const char	*p = out, *end = out + len, *nl, *q;
	long		 finals = 0;

	for (; p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;	/* cut short: a held request */
		FUZZ_CHECK(strncmp(p, "- ", 2) == 0 ||
		    ((nl - p == 2 || (nl - p > 2 && p[2] == ' ')) &&
		    strncmp(p, "OK", 2) == 0) ||
		    (nl - p > 4 && strncmp(p, "ERR ", 4) == 0 && p[4] != ' '),
		    "a reply line neither data nor final: \"%.*s\"",
		    (int)(nl - p), p);
		/* glibc's rendering of a NULL given to %s */
		FUZZ_CHECK(null_ok || memmem(p, (size_t)(nl - p), "(null)",
		    6) == NULL,
		    "a NULL string in the reply line \"%.*s\"",
		    (int)(nl - p), p);
		for (q = p; q < nl; q++)
			FUZZ_CHECK((unsigned char)*q >= 0x20 && *q != 0x7f,
			    "a raw control character %#x in the reply line "
			    "\"%.*s\"", (unsigned char)*q, (int)(nl - p), p);
		finals += strncmp(p, "- ", 2) != 0;
	}
	FUZZ_CHECK(want < 0 || finals == want, "%ld final lines for %ld "
	    "requests", finals, want);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_daemon_init(*argc, *argv);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	*p = (const char *)data, *end = p + size, *nl;
	char		*out;
	size_t		 len;
	bool		 null_ok = fuzz_says_null(data, size);

	for (; p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		len = (size_t)(nl - p);
		if (len > 0 && p[len - 1] == '\r')
			len--;
		null_ok |= check_words(p, len);
	}
	fuzz_daemon_start(fuzz_daemon_conf);
	len = fuzz_daemon_session(data, size, &out);
	fuzz_daemon_stop();
	/* "(null)" in a reply is a NULL string, unless it was sent */
	check_replies(out, len, null_ok,
	    fuzz_daemon_closed ? owed(data, size) : -1);
	free(out);
	return 0;
}
