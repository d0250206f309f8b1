/*
 * log.c: logging to syslog, and to stderr as well when in the foreground;
 * the last LOG_RING messages are also kept in memory ("maintctl log",
 * for hosts without a syslog daemon), and given to a tap if one is set.
 */
#include <errno.h>
#ifdef __linux__
#include <paths.h>
#include <unistd.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <time.h>

#include "log.h"

static int	log_foreground = 1;
static int	log_debugging;
static const char *ident = "maintd";	/* another program's: log_ident() */

static struct log_entry	ring[LOG_RING];
static size_t		ring_first, ring_count;
static log_tap_fn	tap;
static int		in_tap;	/* a tap that logs does not loop */

static const struct {
	const char	*name;
	int		 facility;
} facilities[] = {
	{ "daemon", LOG_DAEMON }, { "user", LOG_USER }, { "local0", LOG_LOCAL0 },
	{ "local1", LOG_LOCAL1 }, { "local2", LOG_LOCAL2 }, { "local3", LOG_LOCAL3 },
	{ "local4", LOG_LOCAL4 }, { "local5", LOG_LOCAL5 }, { "local6", LOG_LOCAL6 },
	{ "local7", LOG_LOCAL7 }, { "cron", LOG_CRON }, { "syslog", LOG_SYSLOG },
};

int
log_facility_byname(const char *name)
{
	size_t	i;

	for (i = 0; i < sizeof(facilities) / sizeof(facilities[0]); i++)
		if (strcasecmp(name, facilities[i].name) == 0)
			return facilities[i].facility;
	return -1;
}

/* The name in syslog and on stderr (maintd-http's); before log_init(). */
void
log_ident(const char *name)
{
	ident = name;
}

void
log_init(int foreground, int debug, int facility)
{
	log_foreground = foreground;
	log_debugging = debug;
	openlog(ident, LOG_PID | LOG_NDELAY, facility);
	tzset();
}

void
log_setfacility(int facility)
{
	closelog();
	openlog(ident, LOG_PID | LOG_NDELAY, facility);
}

void
log_setdebug(int debug)
{
	log_debugging = debug;
}

void
log_set_tap(log_tap_fn fn)
{
	tap = fn;
}

size_t
log_ring_get(size_t n, const struct log_entry **v)
{
	size_t	i, skip;

	if (n > ring_count)
		n = ring_count;
	skip = ring_count - n;
	for (i = 0; i < n; i++)
		v[i] = &ring[(ring_first + skip + i) % LOG_RING];
	return n;
}

void
log_ring_free(void)
{
	size_t	i;

	for (i = 0; i < LOG_RING; i++) {
		free(ring[i].text);
		ring[i].text = NULL;
	}
	ring_first = ring_count = 0;
}

#ifdef __linux__
/*
 * Where no syslog daemon listens (a container, a CI machine), glibc's
 * syslog() tries to connect again at every message: two sockets and two
 * failed connects a line, on the path of every run's start and end.
 * Whether its socket exists is looked at once every SYSLOG_RECHECK
 * seconds instead; what is logged in between goes to stderr (in the
 * foreground) and the ring, as it did.  (The BSDs' syslog() needs no
 * socket file.)
 */
#define SYSLOG_RECHECK	5

static int
syslog_there(void)
{
	static time_t	next;
	static int	there = 1;
	struct timespec	now;

	if (clock_gettime(CLOCK_MONOTONIC_COARSE, &now) == -1 ||
	    now.tv_sec >= next) {
		there = access(_PATH_LOG, F_OK) == 0;
		next = now.tv_sec + SYSLOG_RECHECK;
	}
	return there;
}
#else
static int
syslog_there(void)
{
	return 1;
}
#endif

static void
emit(int pri, const char *msg)
{
	struct log_entry	*e;
	char			*copy;

	if (log_foreground) {
		fprintf(stderr, "%s: %s\n", ident, msg);
		fflush(stderr);
	}
	if (syslog_there())
		syslog(pri, "%s", msg);
	if ((copy = strdup(msg)) == NULL)
		return;
	if (ring_count == LOG_RING) {
		e = &ring[ring_first];
		ring_first = (ring_first + 1) % LOG_RING;
	} else
		e = &ring[(ring_first + ring_count++) % LOG_RING];
	free(e->text);
	e->text = copy;
	e->pri = pri;
	clock_gettime(CLOCK_REALTIME, &e->when);
	if (tap != NULL && !in_tap) {
		in_tap = 1;
		tap(e);
		in_tap = 0;
	}
}

void
vlog(int pri, const char *fmt, va_list ap)
{
	char	buf[1024];
	int	saved = errno;

	if (pri == LOG_DEBUG && !log_debugging) {
		errno = saved;
		return;
	}
	vsnprintf(buf, sizeof(buf), fmt, ap);
	emit(pri, buf);
	errno = saved;
}

static void
vlog_errno(int pri, const char *fmt, va_list ap)
{
	char	buf[1024], msg[1200];
	int	saved = errno;

	vsnprintf(buf, sizeof(buf), fmt, ap);
	snprintf(msg, sizeof(msg), "%s: %s", buf, strerror(saved));
	emit(pri, msg);
	errno = saved;
}

void
log_warn(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vlog_errno(LOG_ERR, fmt, ap);
	va_end(ap);
}

void
log_warnx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vlog(LOG_ERR, fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vlog(LOG_INFO, fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vlog(LOG_DEBUG, fmt, ap);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vlog_errno(LOG_CRIT, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vlog(LOG_CRIT, fmt, ap);
	va_end(ap);
	exit(1);
}
