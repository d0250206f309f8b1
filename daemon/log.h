/* log.h: the OpenBSD log family: syslog, plus stderr while in the foreground. */
#ifndef MAINTD_LOG_H
#define MAINTD_LOG_H

#include <stdarg.h>

void	log_init(int foreground, int debug, int facility);
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
