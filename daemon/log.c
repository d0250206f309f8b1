/* log.c: logging to syslog, and to stderr as well when in the foreground. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <time.h>

#include "log.h"

static int	log_foreground = 1;
static int	log_debugging;

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

void
log_init(int foreground, int debug, int facility)
{
	log_foreground = foreground;
	log_debugging = debug;
	openlog("maintd", LOG_PID | LOG_NDELAY, facility);
	tzset();
}

void
log_setfacility(int facility)
{
	closelog();
	openlog("maintd", LOG_PID | LOG_NDELAY, facility);
}

void
log_setdebug(int debug)
{
	log_debugging = debug;
}

void
vlog(int pri, const char *fmt, va_list ap)
{
	va_list	ap2;
	int	saved = errno;

	if (pri == LOG_DEBUG && !log_debugging) {
		errno = saved;
		return;
	}
	if (log_foreground) {
		va_copy(ap2, ap);
		fprintf(stderr, "maintd: ");
		vfprintf(stderr, fmt, ap2);
		fprintf(stderr, "\n");
		fflush(stderr);
		va_end(ap2);
	}
	vsyslog(pri, fmt, ap);
	errno = saved;
}

static void
vlog_errno(int pri, const char *fmt, va_list ap)
{
	char	buf[1024];
	int	saved = errno;

	vsnprintf(buf, sizeof(buf), fmt, ap);
	syslog(pri, "%s: %s", buf, strerror(saved));
	if (log_foreground)
		fprintf(stderr, "maintd: %s: %s\n", buf, strerror(saved));
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
