/* util.h: small pure helpers: durations, sizes, times, strings, patterns. */
#ifndef MAINTD_UTIL_H
#define MAINTD_UTIL_H

#include <regex.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define GREP_MAXLEN	256	/* bytes of a --grep pattern */
#define GREP_MAXDUP	255	/* n of {m,n} */
#define GREP_MAXSIZE	2000	/* atoms once the repeats are counted out */

int	 parse_duration(const char *, int64_t *ms, const char **errstr);
int	 parse_size(const char *, uint64_t *bytes, const char **errstr);
int	 parse_signal(const char *, int *signo);
const char *signal_name(int signo);
char	*fmt_duration(int64_t ms, char *buf, size_t len);
char	*fmt_rfc3339(time_t, char *buf, size_t len);
char	*fmt_rfc3339_ms(const struct timespec *, char *buf, size_t len);
int	 parse_time(const char *, double now, double *out);
int	 strvis_text(char *dst, const char *src, int flags);

char	**strv_dup(char *const *v, size_t n);
void	 strv_free(char **v);
size_t	 strv_len(char *const *v);
int	 strv_contains(char *const *v, const char *s);
char	*xstrdup(const char *);
void	*xcalloc(size_t, size_t);
int	 pid_cmp(const void *, const void *);
void	*xreallocarray(void *, size_t, size_t);

int	 grep_compile(regex_t *, const char *pattern, char *err, size_t len);

#endif
