/* cron.h: 5-field cron expressions and their next firing time. */
#ifndef MAINTD_CRON_H
#define MAINTD_CRON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct cron {
	uint64_t minute;	/* bit n = minute n (0-59) */
	uint32_t hour;		/* 0-23 */
	uint32_t dom;		/* bit n = day n (1-31) */
	uint16_t month;		/* bit n = month n (1-12) */
	uint8_t	 dow;		/* bit n = weekday n (0-6, 0 = Sunday) */
	bool	 dom_star;	/* day-of-month field started with '*' */
	bool	 dow_star;	/* day-of-week field started with '*' */
	bool	 reboot;	/* "@reboot": never returned by cron_next */
};

/*
 * Parse expr; on error return -1, leave *c untouched and write a short
 * message naming the field ("minute field: 61 is out of range 0-59")
 * into err.
 */
int	cron_parse(const char *expr, struct cron *c, char *err, size_t errlen);

/*
 * Next local time strictly after `after` at which c fires, or (time_t)-1
 * if none within 5 years (@reboot, "0 0 31 2 *").
 */
time_t	cron_next(const struct cron *c, time_t after);
/*
 * The same with the schedule read in zone (NULL: the daemon's): DST
 * changes of that zone are handled as cron_next() handles the daemon's.
 */
time_t	cron_next_tz(const struct cron *c, time_t after, const char *zone);

#endif
