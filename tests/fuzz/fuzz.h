/*
 * fuzz.h: what the libFuzzer targets of tests/fuzz share: a check that
 * aborts (libFuzzer then keeps the input as a crash), the input as a C
 * string, a private temporary directory, and the time zones the targets
 * run in.
 */
#ifndef MAINTD_FUZZ_H
#define MAINTD_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);
int	LLVMFuzzerInitialize(int *, char ***);

/* A property that does not hold: print why and abort(). */
#define FUZZ_CHECK(cond, ...) do {					\
	if (!(cond))							\
		fuzz_fail(__FILE__, __LINE__, #cond, __VA_ARGS__);	\
} while (0)

void	fuzz_fail(const char *file, int line, const char *cond,
	    const char *fmt, ...)
	    __attribute__((noreturn, format(printf, 4, 5)));

/*
 * Could a message say "(null)" because the input does?  It has it, or a
 * backslash (an escape of JSON or libconfuse could spell it).  Else
 * "(null)" is glibc's text for a NULL given to %s: a bug.
 */
bool	fuzz_says_null(const uint8_t *data, size_t len);

/* data as a NUL-terminated string (NULs in it stay): free it. */
char	*fuzz_str(const uint8_t *data, size_t len);

/*
 * A directory of the process's own (mode 0755, under TMPDIR or /tmp),
 * removed at exit; path of a file name in it.
 */
const char *fuzz_tmpdir(void);
const char *fuzz_path(const char *name);
/* Write len bytes to path (mode 0644); aborts on failure. */
void	fuzz_write(const char *path, const void *data, size_t len);

/* The zones the time targets switch between: UTC and DST-changing ones. */
extern const char *const fuzz_zones[];
extern const size_t	 fuzz_nzones;
void	fuzz_set_zone(const char *tz);

/*
 * maintd in this process (fuzz_daemon.c): start it on a config of tasks
 * (the head that puts socket, database and logs in fuzz_tmpdir() is
 * added), with an empty database; stop it as SIGTERM does.
 */
/*
 * Tasks alpha (oneshot), beta (every 1h, conflicts with gamma), gamma
 * (service), delta (cron, shell), epsilon (sleeps 30 s: still running
 * when the session ends); presets p1 (alpha beta), p2 (tag t2);
 * window w1; notify hook.
 */
extern const char fuzz_daemon_conf[];
void	fuzz_daemon_init(int argc, char **argv);	/* LLVMFuzzerInitialize */
void	fuzz_daemon_start(const char *tasks_conf);
void	fuzz_daemon_stop(void);
/*
 * One client on the control socket: send data, half-close, read until
 * the daemon closes or goes quiet (a held request: --follow, --wait),
 * then close.  The replies in *out (NUL-terminated; free it) unless out
 * is NULL; their length.  FUZZ_SHOW=1 in the environment: to stderr too.
 */
size_t	fuzz_daemon_session(const void *data, size_t len, char **out);
/* The last session ended with the daemon closing it, not by going quiet. */
extern bool	fuzz_daemon_closed;

#endif
