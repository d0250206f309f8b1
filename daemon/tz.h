/* tz.h: named time zones ("Europe/Berlin"): checked, and the wall clock in them. */
#ifndef MAINTD_TZ_H
#define MAINTD_TZ_H

#include <stddef.h>
#include <time.h>

/*
 * Is zone a time zone maintd may use: "UTC", or a file of the zone
 * database (under $TZDIR, else /usr/share/zoneinfo) that starts as a
 * TZif file does; no "..", not an absolute path.  0, or -1 with the
 * reason in err.
 */
int	tz_check(const char *zone, char *err, size_t len);

/*
 * The wall clock at t in zone (NULL: the daemon's own, as localtime_r()
 * gives it), with tm_gmtoff and tm_zone set; tm_zone is valid until
 * tz_flush().  -1 if it cannot be known (a zone file gone since it was
 * checked).
 */
int	tz_local(time_t t, const char *zone, struct tm *tm);
/* Only the UTC offset, in seconds east of UTC. */
int	tz_offset(time_t t, const char *zone, long *off);
/*
 * Forget what was learnt of the zone files: each configuration load
 * checks them again, and what follows it works them out again.
 */
void	tz_flush(void);

/*
 * "2026-03-29 03:00 CEST": t in zone (NULL: the daemon's), for people;
 * the seconds too where they are not 0 ("2026-03-29 03:00:06 CEST").
 */
char	*fmt_time_tz(time_t t, const char *zone, char *buf, size_t len);
/* "03-29 03:00 CEST": the same, short, for tables. */
char	*fmt_time_tz_short(time_t t, const char *zone, char *buf, size_t len);
/* "2026-03-29T03:00:00+02:00": RFC 3339 with the zone's offset then. */
char	*fmt_rfc3339_tz(time_t t, const char *zone, char *buf, size_t len);

#endif
