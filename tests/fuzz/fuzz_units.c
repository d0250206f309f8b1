/*
 * fuzz_units.c: the parsers of util.c, on a zone (byte 0), a number
 * (bytes 1-8: a time, a duration) and a text (the rest; "a|b" is also
 * taken as two texts a and b).
 *
 * parse_duration: an error has a reason, a result is within 0-10 years;
 * digits alone are seconds; "a" then "b" is their sum (a sequence of
 * NUMBER UNIT); fmt_duration()'s text parses back to what it shows.
 * parse_size: digits alone are bytes, in decimal; NK and NM are N
 * KiB and MiB.  parse_signal: signal_name() of the result parses back.
 * parse_time: a duration is that long before now (also "-D", "D ago");
 * fmt_rfc3339() and fmt_rfc3339_ms() of a time, and its local
 * "YYYY-MM-DD HH:MM:SS" away from a DST change, parse back to it; a
 * result is finite.  abort() on a mismatch.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fuzz.h"
#include "util.h"

#define MAX_MS		(10LL * 365 * 86400 * 1000)
#define NOW		1795000000.25	/* late 2026 */

static bool
digits(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

static void
check_duration(const char *s)
{
	const char	*errstr = "unset";
	char		 buf[64];
	int64_t		 ms = -1, back, loss;
	int		 rc;

	rc = parse_duration(s, &ms, &errstr);
	FUZZ_CHECK(rc == 0 || rc == -1, "\"%s\": %d", s, rc);
	if (rc == -1) {
		FUZZ_CHECK(errstr != NULL, "\"%s\": no reason", s);
		return;
	}
	FUZZ_CHECK(errstr == NULL && ms >= 0 && ms <= MAX_MS, "\"%s\": %lld "
	    "ms (%s)", s, (long long)ms, errstr ? errstr : "no error");
	if (digits(s))
		FUZZ_CHECK(ms == strtoll(s, NULL, 10) * 1000, "\"%s\": %lld ms",
		    s, (long long)ms);
	fmt_duration(ms, buf, sizeof(buf));
	FUZZ_CHECK(parse_duration(buf, &back, &errstr) == 0, "\"%s\" (%lld "
	    "ms) shown as \"%s\", which does not parse: %s", s, (long long)ms,
	    buf, errstr);
	/* what fmt_duration() leaves out: below the last unit it shows */
	loss = ms >= 86400000 ? 3600000 : ms >= 3600000 ? 60000 : 1000;
	FUZZ_CHECK(back <= ms && ms - back < loss, "\"%s\": %lld ms shown as "
	    "\"%s\", %lld ms", s, (long long)ms, buf, (long long)back);
}

/* a then b: the sum of the two. */
static void
check_sequence(const char *a, const char *b)
{
	const char	*errstr;
	char		*ab;
	int64_t		 ma, mb, mab;
	int		 rc;

	if (digits(a) || digits(b) || parse_duration(a, &ma, &errstr) == -1 ||
	    parse_duration(b, &mb, &errstr) == -1)
		return;
	if (asprintf(&ab, "%s%s", a, b) == -1)
		abort();
	rc = parse_duration(ab, &mab, &errstr);
	if (ma + mb <= MAX_MS)
		FUZZ_CHECK(rc == 0 && mab == ma + mb, "\"%s\" is %lld ms, \"%s\" "
		    "%lld ms, \"%s\" %s %lld ms", a, (long long)ma, b,
		    (long long)mb, ab, rc == 0 ? "" : errstr, (long long)mab);
	else
		FUZZ_CHECK(rc == -1, "\"%s\": %lld ms, over 10 years", ab,
		    (long long)mab);
	free(ab);
}

static void
check_size(const char *s)
{
	const char	*errstr = "unset";
	char		*sk;
	uint64_t	 b = 0, bk, want;
	int		 rc;

	rc = parse_size(s, &b, &errstr);
	FUZZ_CHECK(rc == 0 || rc == -1, "\"%s\": %d", s, rc);
	if (rc == -1) {
		FUZZ_CHECK(errstr != NULL, "\"%s\": no reason", s);
		return;
	}
	FUZZ_CHECK(errstr == NULL, "\"%s\": ok, but %s", s, errstr);
	if (!digits(s) || (s[0] == '0' && s[1] != '\0'))
		return;	/* 0x10, 010: strtoumax(3) with base 0 */
	errno = 0;
	want = strtoull(s, NULL, 10);
	FUZZ_CHECK(errno == 0 && b == want, "\"%s\" is %llu bytes", s,
	    (unsigned long long)b);
	if (b <= UINT64_MAX >> 20) {
		if (asprintf(&sk, "%sK", s) == -1)
			abort();
		FUZZ_CHECK(parse_size(sk, &bk, &errstr) == 0 && bk == b << 10,
		    "\"%s\" is %llu bytes", sk, (unsigned long long)bk);
		sk[strlen(sk) - 1] = 'M';
		FUZZ_CHECK(parse_size(sk, &bk, &errstr) == 0 && bk == b << 20,
		    "\"%s\" is %llu bytes", sk, (unsigned long long)bk);
		free(sk);
	}
}

static void
check_signal(const char *s)
{
	int	signo = -1, again = -1;

	if (parse_signal(s, &signo) == -1)
		return;
	FUZZ_CHECK(parse_signal(signal_name(signo), &again) == 0 &&
	    again == signo, "\"%s\" is %d, named %s", s, signo,
	    signal_name(signo));
}

/* parse_time(s) must be want (within a microsecond). */
static void
time_is(const char *s, double want, const char *what)
{
	double	out = -1;

	FUZZ_CHECK(parse_time(s, NOW, &out) == 0 && fabs(out - want) < 1e-6,
	    "%s \"%s\" (TZ=%s): %.6f, not %.6f", what, s, getenv("TZ"), out,
	    want);
}

static void
check_time(const char *s, uint64_t u)
{
	const char	*errstr;
	char		 buf[128], *v;
	double		 out;
	int64_t		 ms;
	time_t		 t;
	struct timespec	 ts;
	struct tm	 tm, a, b;

	if (parse_time(s, NOW, &out) == 0)
		FUZZ_CHECK(isfinite(out), "\"%s\": %f", s, out);
	if (strlen(s) < 50 && parse_duration(s, &ms, &errstr) == 0) {
		time_is(s, NOW - (double)ms / 1000, "the duration");
		if (asprintf(&v, "-%s", s) == -1)
			abort();
		time_is(v, NOW - (double)ms / 1000, "the duration");
		free(v);
		if (asprintf(&v, "%s ago", s) == -1)
			abort();
		time_is(v, NOW - (double)ms / 1000, "the duration");
		free(v);
	}

	/* a time between 1971 and 2200, as the daemon writes it */
	t = (time_t)(31536000 + (long long)(u % 7226582400ULL));
	time_is(fmt_rfc3339(t, buf, sizeof(buf)), (double)t, "RFC 3339");
	ts.tv_sec = t;
	ts.tv_nsec = (long)(u % 1000) * 1000000;
	time_is(fmt_rfc3339_ms(&ts, buf, sizeof(buf)), (double)t +
	    (double)(u % 1000) / 1000, "RFC 3339 with ms");
	/* local time, where it names one instant */
	ts.tv_sec = t - 86400;
	localtime_r(&ts.tv_sec, &a);
	ts.tv_sec = t + 86400;
	localtime_r(&ts.tv_sec, &b);
	if (a.tm_gmtoff == b.tm_gmtoff && localtime_r(&t, &tm) != NULL &&
	    strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", &tm) > 0)
		time_is(buf, (double)t, "local time");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char		*s, *bar;
	uint64_t	 u = 0;
	size_t		 i;

	if (size < 9)
		return 0;
	fuzz_set_zone(fuzz_zones[data[0] % fuzz_nzones]);
	for (i = 1; i < 9; i++)
		u = u << 8 | data[i];
	s = fuzz_str(data + 9, size - 9);
	check_duration(s);
	check_size(s);
	check_signal(s);
	check_time(s, u);
	if ((bar = strchr(s, '|')) != NULL) {
		*bar = '\0';
		check_sequence(s, bar + 1);
		check_duration(bar + 1);
	}
	free(s);
	return 0;
}
