/* test_proto.c: the request tokenizer and option parser. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "proto.h"

static char **
split(const char *s, int *n, const char **err)
{
	char	**w = NULL;

	if (proto_split(s, strlen(s), &w, n, err) == -1)
		return NULL;
	return w;
}

static void
freew(char **w, int n)
{
	int	i;

	for (i = 0; i < n; i++)
		free(w[i]);
	free(w);
}

static void
test_split_blanks(void **state)
{
	const char	*err;
	char		**w;
	int		  n;

	(void)state;
	w = split("  status \t a   b ", &n, &err);
	assert_non_null(w);
	assert_int_equal(n, 3);
	assert_string_equal(w[0], "status");
	assert_string_equal(w[1], "a");
	assert_string_equal(w[2], "b");
	assert_null(w[3]);
	freew(w, n);
	w = split("", &n, &err);
	assert_non_null(w);
	assert_int_equal(n, 0);
	freew(w, n);
}

static void
test_split_quotes(void **state)
{
	const char	*err;
	char		**w;
	int		  n;

	(void)state;
	w = split("show \"heart beat\" \"a\\\"b\" \"back\\\\slash\" \"\"", &n,
	    &err);
	assert_non_null(w);
	assert_int_equal(n, 5);
	assert_string_equal(w[1], "heart beat");
	assert_string_equal(w[2], "a\"b");
	assert_string_equal(w[3], "back\\slash");
	assert_string_equal(w[4], "");
	freew(w, n);
	/* quotes inside a word join, as in sh */
	w = split("a\"b c\"d", &n, &err);
	assert_non_null(w);
	assert_int_equal(n, 1);
	assert_string_equal(w[0], "ab cd");
	freew(w, n);
}

static void
test_split_errors(void **state)
{
	const char	*err = NULL;
	int		 n;
	char		 big[PROTO_MAXLINE + 2];

	(void)state;
	assert_null(split("show \"open", &n, &err));
	assert_string_equal(err, "unterminated quote");
	assert_null(split("show \"a\\nb\"", &n, &err));
	assert_non_null(strstr(err, "bad escape"));
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_null(split(big, &n, &err));
	assert_string_equal(err, "request too long");
}

static void
test_split_exact_limit(void **state)
{
	const char	*err;
	char		 line[PROTO_MAXLINE + 1], **w;
	int		 n;

	(void)state;
	memset(line, 'x', PROTO_MAXLINE);
	line[PROTO_MAXLINE] = '\0';
	w = split(line, &n, &err);
	assert_non_null(w);
	assert_int_equal(n, 1);
	freew(w, n);
}

static void
test_split_too_many_words(void **state)
{
	const char	*err = NULL;
	char		 line[PROTO_MAXWORDS * 2 + 8];
	int		 n, i;

	(void)state;
	for (i = 0; i < PROTO_MAXWORDS + 1; i++) {
		line[2 * i] = 'a';
		line[2 * i + 1] = ' ';
	}
	line[2 * i] = '\0';
	assert_null(split(line, &n, &err));
	assert_string_equal(err, "too many words");
}

static void
test_request_options(void **state)
{
	struct request	 r;
	const char	*err;
	char		 arg[64];
	const char	*line = "STATUS a --json --for 2h --tag=x -n 5 b";

	(void)state;
	assert_int_equal(proto_request(line, strlen(line), &r, &err, arg,
	    sizeof(arg)), 0);
	assert_string_equal(r.verb, "status");
	assert_int_equal(r.nargs, 2);
	assert_string_equal(r.args[0], "a");
	assert_string_equal(r.args[1], "b");
	assert_true(request_has(&r, "json"));
	assert_string_equal(request_opt(&r, "json"), "");
	assert_string_equal(request_opt(&r, "for"), "2h");
	assert_string_equal(request_opt(&r, "tag"), "x");
	assert_string_equal(request_opt(&r, "n"), "5");
	assert_null(request_opt(&r, "wait"));
	request_free(&r);
}

static void
test_request_errors(void **state)
{
	struct request	 r;
	const char	*err;
	char		 arg[64];

	(void)state;
	assert_int_equal(proto_request("", 0, &r, &err, arg, sizeof(arg)), -1);
	assert_string_equal(err, "empty request");
	assert_int_equal(proto_request("   ", 3, &r, &err, arg, sizeof(arg)),
	    -1);
	assert_int_equal(proto_request("activate x --for", 16, &r, &err, arg,
	    sizeof(arg)), -1);
	assert_string_equal(err, "option needs a value");
	assert_string_equal(arg, "for");
	assert_int_equal(proto_request("status --json=1", 15, &r, &err, arg,
	    sizeof(arg)), -1);
	assert_string_equal(err, "option takes no value");
}

static void
test_quote_roundtrip(void **state)
{
	const char	*words[] = { "plain", "two words", "q\"uote", "back\\",
	    "", "tab\there" };
	char		 buf[128], **w;
	const char	*err;
	int		 n;
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		assert_int_equal(proto_quote(words[i], buf, sizeof(buf)), 0);
		w = split(buf, &n, &err);
		assert_non_null(w);
		assert_int_equal(n, 1);
		assert_string_equal(w[0], words[i]);
		freew(w, n);
	}
	assert_string_equal((proto_quote("plain", buf, sizeof(buf)), buf),
	    "plain");
	assert_int_equal(proto_quote("new\nline", buf, sizeof(buf)), -1);
	assert_int_equal(proto_quote("toolongforthis", buf, 4), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split_blanks),
		cmocka_unit_test(test_split_quotes),
		cmocka_unit_test(test_split_errors),
		cmocka_unit_test(test_split_exact_limit),
		cmocka_unit_test(test_split_too_many_words),
		cmocka_unit_test(test_request_options),
		cmocka_unit_test(test_request_errors),
		cmocka_unit_test(test_quote_roundtrip),
	};

	return cmocka_run_group_tests_name("proto", tests, NULL, NULL);
}
