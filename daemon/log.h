/* log.h: the OpenBSD log family: syslog, plus stderr while in the foreground. */
#ifndef MAINTD_LOG_H
#define MAINTD_LOG_H

#include <stdarg.h>

#include <stddef.h>
#include <time.h>

#define LOG_RING	1000	/* messages kept in memory */

struct log_entry {
	struct timespec	 when;
	int		 pri;		/* LOG_ERR ... LOG_DEBUG */
	char		*text;
};
typedef void	(*log_tap_fn)(const struct log_entry *);

void	log_ident(const char *name);
void	log_init(int foreground, int debug, int facility);
/* The last n messages kept, oldest first; how many. */
size_t	log_ring_get(size_t n, const struct log_entry **);
void	log_ring_free(void);
/* Each new message is also given to fn (NULL: none). */
void	log_set_tap(log_tap_fn fn);
void	log_setfacility(int facility);
void	log_setdebug(int debug);
int	log_facility_byname(const char *name);
void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
void	vlog(int, const char *, va_list) __attribute__((format(printf, 2, 0)));
void	fatal(const char *, ...) __attribute__((format(printf, 1, 2), noreturn));
void	fatalx(const char *, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
