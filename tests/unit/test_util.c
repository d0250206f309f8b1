/* test_util.c: durations, sizes, signals, times, --grep patterns, redaction. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <regex.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "redact.h"
#include "util.h"

static int64_t
dur(const char *s)
{
	int64_t		 ms = -42;
	const char	*err;

	if (parse_duration(s, &ms, &err) == -1)
		return -1;
	return ms;
}

static void
test_duration_good(void **state)
{
	(void)state;
	assert_int_equal(dur("0"), 0);
	assert_int_equal(dur("30"), 30000);
	assert_int_equal(dur("30s"), 30000);
	assert_int_equal(dur("10m"), 600000);
	assert_int_equal(dur("2h"), 7200000);
	assert_int_equal(dur("1d"), 86400000);
	assert_int_equal(dur("1w"), 7LL * 86400000);
	assert_int_equal(dur("1h30m"), 5400000);
	assert_int_equal(dur("500ms"), 500);
	assert_int_equal(dur("1m30s250ms"), 90250);
}

static void
test_duration_bad(void **state)
{
	const char	*err = NULL;
	int64_t		 ms;

	(void)state;
	assert_int_equal(dur(""), -1);
	assert_int_equal(dur("m"), -1);
	assert_int_equal(dur("10x"), -1);
	assert_int_equal(dur("-5s"), -1);
	assert_int_equal(dur("1.5h"), -1);
	assert_int_equal(dur("5 m"), -1);
	assert_int_equal(dur("99999999999999999999"), -1);
	assert_int_equal(dur("4000d"), -1);
	assert_int_equal(parse_duration("10x", &ms, &err), -1);
	assert_non_null(strstr(err, "unit"));
}

static void
test_size(void **state)
{
	uint64_t	 b;
	const char	*err;

	(void)state;
	assert_int_equal(parse_size("512M", &b, &err), 0);
	assert_true(b == 512ULL * 1024 * 1024);
	assert_int_equal(parse_size("1G", &b, &err), 0);
	assert_true(b == 1024ULL * 1024 * 1024);
	assert_int_equal(parse_size("0", &b, &err), 0);
	assert_true(b == 0);
	assert_int_equal(parse_size("4096", &b, &err), 0);
	assert_true(b == 4096);
	assert_int_equal(parse_size("", &b, &err), -1);
	assert_int_equal(parse_size("lots", &b, &err), -1);
	assert_int_equal(parse_size("-1M", &b, &err), -1);
	assert_int_equal(parse_size("12Q", &b, &err), -1);
}

static void
test_signals(void **state)
{
	int	sig;

	(void)state;
	assert_int_equal(parse_signal("TERM", &sig), 0);
	assert_int_equal(sig, SIGTERM);
	assert_int_equal(parse_signal("sigint", &sig), 0);
	assert_int_equal(sig, SIGINT);
	assert_int_equal(parse_signal("KILL", &sig), 0);
	assert_int_equal(sig, SIGKILL);
	assert_int_equal(parse_signal("BOGUS", &sig), -1);
	assert_string_equal(signal_name(SIGKILL), "KILL");
	assert_string_equal(signal_name(SIGHUP), "HUP");
}

static void
test_fmt_duration(void **state)
{
	char	b[32];

	(void)state;
	assert_string_equal(fmt_duration(0, b, sizeof(b)), "0s");
	assert_string_equal(fmt_duration(250, b, sizeof(b)), "250ms");
	assert_string_equal(fmt_duration(45000, b, sizeof(b)), "45s");
	assert_string_equal(fmt_duration(90000, b, sizeof(b)), "1m30s");
	assert_string_equal(fmt_duration(5400000, b, sizeof(b)), "1h30m");
	assert_string_equal(fmt_duration(2 * 86400000LL + 3600000, b,
	    sizeof(b)), "2d1h");
}

static void
test_parse_time(void **state)
{
	double	t, now = 1800000000.5;	/* 2027-01-15T08:00:00.5Z */

	(void)state;
	setenv("TZ", "Europe/Berlin", 1);
	tzset();
	assert_int_equal(parse_time("2026-11-22T10:00:00Z", now, &t), 0);
	assert_true(t == 1795341600);
	assert_int_equal(parse_time("2026-11-22T11:00:00+01:00", now, &t), 0);
	assert_true(t == 1795341600);
	/* the fraction is kept */
	assert_int_equal(parse_time("2026-11-22T10:00:00.250Z", now, &t), 0);
	assert_true(t == 1795341600.25);
	/* local time: Berlin is UTC+1 in November */
	assert_int_equal(parse_time("2026-11-22 11:00:00", now, &t), 0);
	assert_true(t == 1795341600);
	assert_int_equal(parse_time("2026-11-22 11:00", now, &t), 0);
	assert_true(t == 1795341600);
	assert_int_equal(parse_time("2026-11-22", now, &t), 0);
	assert_true(t == 1795302000);
	/* a duration ago, as journalctl takes it */
	assert_int_equal(parse_time("1h", now, &t), 0);
	assert_true(t == now - 3600);
	assert_int_equal(parse_time("-1h", now, &t), 0);
	assert_true(t == now - 3600);
	assert_int_equal(parse_time("90m ago", now, &t), 0);
	assert_true(t == now - 5400);
	/* spelled out, with blanks, as systemd.time(7) writes them */
	assert_int_equal(parse_time("5 min ago", now, &t), 0);
	assert_true(t == now - 300);
	assert_int_equal(parse_time("2 hours 30 minutes ago", now, &t), 0);
	assert_true(t == now - 9000);
	assert_int_equal(parse_time("1 day", now, &t), 0);
	assert_true(t == now - 86400);
	assert_int_equal(parse_time("500 msec ago", now, &t), 0);
	assert_true(t == now - 0.5);
	assert_int_equal(parse_time("3 fortnights ago", now, &t), -1);
	assert_int_equal(parse_time("now", now, &t), 0);
	assert_true(t == now);
	/* local midnight: 2027-01-15 00:00 in Berlin is 23:00Z the day before */
	assert_int_equal(parse_time("today", now, &t), 0);
	assert_true(t == 1800000000 - 8 * 3600 - 3600);
	assert_int_equal(parse_time("yesterday", now, &t), 0);
	assert_true(t == 1800000000 - 8 * 3600 - 3600 - 86400);
	assert_int_equal(parse_time("tomorrow", now, &t), -1);
	assert_int_equal(parse_time("2026-11-22T10:00:00+1", now, &t), -1);
	assert_int_equal(parse_time("2026-11-22T10:00:00Zjunk", now, &t), -1);
	assert_int_equal(parse_time("1h ago junk", now, &t), -1);
}

static void
test_rfc3339(void **state)
{
	char		b[64];
	struct timespec	ts = { 1795341600, 123456789 };

	(void)state;
	setenv("TZ", "UTC", 1);
	tzset();
	assert_string_equal(fmt_rfc3339(1795341600, b, sizeof(b)),
	    "2026-11-22T10:00:00+00:00");
	assert_string_equal(fmt_rfc3339_ms(&ts, b, sizeof(b)),
	    "2026-11-22T10:00:00.123+00:00");
}

static void
test_strv(void **state)
{
	char	*v[] = { "a", "b", NULL }, **d;

	(void)state;
	d = strv_dup(v, 2);
	assert_int_equal(strv_len(d), 2);
	assert_true(strv_contains(d, "b"));
	assert_false(strv_contains(d, "c"));
	assert_false(strv_contains(NULL, "c"));
	strv_free(d);
}

/* 0 when the pattern compiles; else -1, with the reason in err. */
static int
grep(const char *pat, char *err, size_t len)
{
	regex_t	re;

	err[0] = '\0';
	if (grep_compile(&re, pat, err, len) == -1)
		return -1;
	regfree(&re);
	return 0;
}

static void
test_grep(void **state)
{
	char	err[256], big[GREP_MAXLEN + 2];
	regex_t	re;

	(void)state;
	/* what people grep for */
	assert_int_equal(grep("error|warn", err, sizeof(err)), 0);
	assert_int_equal(grep("^[0-9]{1,3}(\\.[0-9]{1,3}){3}$", err,
	    sizeof(err)), 0);
	assert_int_equal(grep("[[:alpha:]]+ []x] \\[ \\\\1", err,
	    sizeof(err)), 0);
	assert_int_equal(grep("(.*)(.*)(.*)(.*)(.*)x", err, sizeof(err)), 0);
	assert_int_equal(grep("a{2,}b{0}c{3}", err, sizeof(err)), 0);
	/* back-references, even after what regcomp() takes as a literal */
	assert_int_equal(grep("(.*)(.*)(.*)(.*)(.*)\\5\\4\\3\\2\\1x", err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "back-references (\\5) are refused"));
	assert_int_equal(grep("a{x\\1", err, sizeof(err)), -1);
	assert_int_equal(grep("a)\\9", err, sizeof(err)), -1);
	assert_int_equal(grep("[[:alpha:]\\1]", err, sizeof(err)), 0);
	/* sizes */
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(grep(big, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "longer than 256 bytes"));
	big[GREP_MAXLEN] = '\0';
	assert_int_equal(grep(big, err, sizeof(err)), 0);
	assert_int_equal(grep("((a{1,100}){1,100}){1,100}", err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "too big"));
	assert_int_equal(grep("(a{1,255}){1,255}", err, sizeof(err)), -1);
	assert_int_equal(grep("x{1000}", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "at most 255 repeats"));
	assert_int_equal(grep("(((((((((((((((((((((((((((((((((a)))))))))))"
	    "))))))))))))))))))))))", err, sizeof(err)), -1);
	/* regcomp()'s own errors */
	assert_int_equal(grep("[abc", err, sizeof(err)), -1);
	assert_true(err[0] != '\0');
	assert_int_equal(grep("(ab", err, sizeof(err)), -1);
	/* extended, without sub-matches */
	assert_int_equal(grep_compile(&re, "a+b|c", err, sizeof(err)), 0);
	assert_int_equal(regexec(&re, "xaab", 0, NULL, 0), 0);
	assert_int_equal(regexec(&re, "c", 0, NULL, 0), 0);
	assert_int_equal(regexec(&re, "b+a", 0, NULL, 0), REG_NOMATCH);
	regfree(&re);
}

static void
test_redact(void **state)
{
	char	b[512];

	(void)state;
	assert_string_equal(redact(REDACT_ENV, "DB_PASSWORD=hunter2", b,
	    sizeof(b)), "DB_PASSWORD=***");
	assert_string_equal(redact(REDACT_ENV, "EMPTY=", b, sizeof(b)),
	    "EMPTY=***");
	assert_string_equal(redact(REDACT_ENV, "odd", b, sizeof(b)), "***");
	assert_string_equal(redact(REDACT_URL,
	    "http://probe:s3cret@127.0.0.1:8080/health", b, sizeof(b)),
	    "http://probe:***@127.0.0.1:8080/health");
	assert_string_equal(redact(REDACT_URL,
	    "https://TOKEN@api.example.com/x?key=abc&flag&v=1#frag", b,
	    sizeof(b)), "https://***@api.example.com/x?key=***&***&v=***#***");
	assert_string_equal(redact(REDACT_URL, "http://[::1]:9/ok", b,
	    sizeof(b)), "http://[::1]:9/ok");
	assert_string_equal(redact(REDACT_WEBHOOK,
	    "https://hooks.example.com/services/T00/B00/XXXX?key=abc", b,
	    sizeof(b)), "https://hooks.example.com/services/***?key=***");
	assert_string_equal(redact(REDACT_WEBHOOK,
	    "https://u:p@hooks.example.com/hook", b, sizeof(b)),
	    "https://u:***@hooks.example.com/hook");
	assert_string_equal(redact(REDACT_WEBHOOK, "http://h/", b, sizeof(b)),
	    "http://h/");
	/* what cannot be parsed is all secret but the scheme */
	assert_string_equal(redact(REDACT_URL, "http://a b:c@d", b,
	    sizeof(b)), "http://***");
	assert_string_equal(redact(REDACT_URL, "no url at all", b, sizeof(b)),
	    "***");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_duration_good),
		cmocka_unit_test(test_duration_bad),
		cmocka_unit_test(test_size),
		cmocka_unit_test(test_signals),
		cmocka_unit_test(test_fmt_duration),
		cmocka_unit_test(test_parse_time),
		cmocka_unit_test(test_rfc3339),
		cmocka_unit_test(test_strv),
		cmocka_unit_test(test_grep),
		cmocka_unit_test(test_redact),
	};

	return cmocka_run_group_tests_name("util", tests, NULL, NULL);
}
