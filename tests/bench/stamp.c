/*
 * stamp: the tiny program every supervisor under test starts.  The first
 * thing it does is read CLOCK_REALTIME, then it appends one line to a
 * file with a single O_APPEND write:
 *
 *	e SEC.NSEC PID		at exec (as close to it as user code gets)
 *	x SEC.NSEC PID		just before exit (crash mode only)
 *
 * usage:	stamp FILE [exit|pause|crash]
 *		run [...]		(called "run": FILE is ./stamp.out, pause,
 *					 arguments ignored; for runit and s6,
 *					 whose ./run is a symbolic link to this
 *					 program; s6 passes the service name)
 *
 * exit (default) exits 0 at once; pause waits for a signal forever;
 * crash writes the x line and exits 1.  Built static so the stamp is
 * taken right after exec, not after the dynamic loader.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void
put(const char *file, char kind, const struct timespec *ts)
{
	char	line[96];
	int	fd, n;

	n = snprintf(line, sizeof(line), "%c %lld.%09ld %ld\n", kind,
	    (long long)ts->tv_sec, ts->tv_nsec, (long)getpid());
	fd = open(file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0666);
	if (fd == -1)
		return;
	(void)write(fd, line, (size_t)n);
	(void)close(fd);
}

int
main(int argc, char *argv[])
{
	struct timespec	 ts;
	const char	*file = "stamp.out", *mode = "pause", *base;

	clock_gettime(CLOCK_REALTIME, &ts);
	base = strrchr(argv[0], '/') != NULL ? strrchr(argv[0], '/') + 1 :
	    argv[0];
	if (argc >= 2 && strcmp(base, "run") != 0) {
		file = argv[1];
		mode = argc >= 3 ? argv[2] : "exit";
	}
	put(file, 'e', &ts);
	if (strcmp(mode, "pause") == 0) {
		for (;;)
			pause();
	}
	if (strcmp(mode, "crash") == 0) {
		clock_gettime(CLOCK_REALTIME, &ts);
		put(file, 'x', &ts);
		return 1;
	}
	return 0;
}
