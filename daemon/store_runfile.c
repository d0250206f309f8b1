/*
 * store_runfile.c: the run file, DATABASE.runs, beside the lock: what
 * proves each started run's processes its own (run id, task, pid, its
 * start time, uid, boot), written before the run's process exists (its
 * id, task and wall-clock start: what history needs) and again once it
 * does (its pid and the rest), cleared when the run and all it left are
 * gone.  It is what start-up recovery reads when sqlite could not write
 * the run (a full or read-only disk): a run a killed daemon left must be
 * found even then, and when the daemon was killed before the store's
 * transaction that holds the run's row committed (a burst of starts
 * commits once, after the last exec: store_run.c).
 *
 * Fixed records, one slot each, reused: the file is as large as the
 * most runs open at once ever were (at least NSLOTS_MIN), and its room
 * is reserved (posix_fallocate) when it is opened or grown, so that a
 * record written later needs no new block of a disk that has filled
 * since.  No fsync: it guards against the daemon's death, which loses
 * nothing written; after the machine's, no run is left to kill.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "osdep.h"
#include "store_runfile.h"
#include "util.h"

#define RECSZ		256
#define NSLOTS_MIN	64
#define MAGIC		"maintdR1"

/* A record as on disk; a slot whose magic is not MAGIC is free. */
struct rec {
	char		magic[8];
	uint64_t	run_id;
	uint64_t	start;		/* the leader's, clock ticks since boot */
	int32_t		pid;
	uint32_t	uid;
	char		boot[40];
	char		task[72];	/* names are at most 64 bytes */
	int64_t		started_ms;	/* wall clock; 0 in older records */
	char		pad[RECSZ - 8 - 8 - 8 - 4 - 4 - 40 - 72 - 8];
};
_Static_assert(sizeof(struct rec) == RECSZ, "a record is RECSZ bytes");

static int		 fd = -1;
static char		 path[PATH_MAX + 8];
static uint64_t		*slots;		/* the run in each slot; 0 free */
static size_t		 nslots, hint;
static int64_t		 hint_ms;	/* started_ms of the record at hint - 1 */
static struct rec	*left;		/* a previous daemon's, to recover */
static size_t		 nleft;
static uint64_t		 left_max;	/* the largest run id among them */
static bool		 full_logged;

/* Room for n slots, reserved on disk. */
static int
reserve(size_t n)
{
	int	rc;

	if ((rc = posix_fallocate(fd, 0, (off_t)(n * RECSZ))) != 0) {
		errno = rc;
		return -1;
	}
	slots = xreallocarray(slots, n, sizeof(*slots));
	memset(slots + nslots, 0, (n - nslots) * sizeof(*slots));
	nslots = n;
	return 0;
}

/*
 * Open (or make) the run file of the database whose real path is db,
 * and read what a previous daemon left in it.  Without it, supervision
 * goes on: a run the store could not write is then lost to recovery.
 */
void
runfile_open(const char *db)
{
	struct stat	st;
	struct rec	r;
	size_t		i, n;

	snprintf(path, sizeof(path), "%s.runs", db);
	if ((fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
	    0600)) == -1) {
		log_warn("run file %s", path);
		return;
	}
	/* what root kills by must be root's, and written by no one else */
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_uid != geteuid() || (st.st_mode & 022) != 0) {
		log_warnx("run file %s: not a regular file of uid %d that "
		    "only it can write; not used", path, (int)geteuid());
		close(fd);
		fd = -1;
		return;
	}
	n = (size_t)st.st_size / RECSZ;
	if (reserve(n > NSLOTS_MIN ? n : NSLOTS_MIN) == -1)
		log_warn("run file %s: reserving room for %zu runs", path,
		    n > NSLOTS_MIN ? n : (size_t)NSLOTS_MIN);
	if (nslots < n) {
		slots = xreallocarray(slots, n, sizeof(*slots));
		memset(slots + nslots, 0, (n - nslots) * sizeof(*slots));
		nslots = n;
	}
	for (i = 0; i < n; i++) {
		if (pread(fd, &r, sizeof(r), (off_t)(i * RECSZ)) !=
		    (ssize_t)sizeof(r) || memcmp(r.magic, MAGIC, 8) != 0 ||
		    r.run_id == 0)
			continue;
		r.boot[sizeof(r.boot) - 1] = r.task[sizeof(r.task) - 1] = '\0';
		left = xreallocarray(left, nleft + 1, sizeof(*left));
		left[nleft++] = r;
		slots[i] = r.run_id;	/* kept until recovered */
		if (r.run_id > left_max)
			left_max = r.run_id;
	}
}

static void
clear(size_t i)
{
	static const char	zero[8];

	slots[i] = 0;
	if (pwrite(fd, zero, sizeof(zero), (off_t)(i * RECSZ)) !=
	    (ssize_t)sizeof(zero))
		log_warn("run file %s: clearing a record", path);
}

/*
 * What a previous daemon left: each run's processes, what is provably
 * left of them killed (os_recover_run()) unless they belong to another
 * boot; its slot freed.  done() tells the store which runs were seen.
 */
void
runfile_recover(void (*done)(uint64_t run_id, const char *task,
    int64_t started_ms))
{
	const char	*boot = os_boot_id();
	struct run_mark	 m;
	size_t		 i, j;

	for (i = 0; i < nleft; i++) {
		m.run_id = left[i].run_id;
		m.task = left[i].task;
		m.pid = (pid_t)left[i].pid;
		m.uid = (uid_t)left[i].uid;
		m.start = left[i].start;
		if (boot == NULL || left[i].boot[0] == '\0' ||
		    strcmp(boot, left[i].boot) == 0)
			(void)os_recover_run(&m);
		if (done != NULL)
			done(m.run_id, m.task, left[i].started_ms);
		for (j = 0; j < nslots; j++)
			if (slots[j] == m.run_id) {
				clear(j);
				break;
			}
	}
	if (nleft > 0)
		log_info("run file: %zu run%s a previous maintd left "
		    "recovered", nleft, nleft == 1 ? "" : "s");
	free(left);
	left = NULL;
	nleft = 0;
}

/* The largest run id a previous daemon left in the file, or 0. */
uint64_t
runfile_max_id(void)
{
	return left_max;
}

/*
 * The run's record: before its process exists (pid 0) in a free slot,
 * then with what proves its processes its own, in the same slot (the
 * one just taken: hint - 1).
 */
void
runfile_add(uint64_t run_id, const char *task, pid_t pid, uid_t uid,
    uint64_t start, int64_t started_ms)
{
	const char	*boot = os_boot_id();
	struct rec	 r;
	size_t		 i, n;

	if (fd == -1 || run_id == 0)
		return;
	if (hint > 0 && hint <= nslots && slots[hint - 1] == run_id)
		n = nslots + 1;		/* its own slot */
	else
		for (n = 0; n < nslots && slots[(hint + n) % nslots] != 0;
		    n++)
			;
	if (n == nslots + 1) {
		i = hint - 1;
		if (started_ms == 0)
			started_ms = hint_ms;	/* the first record's */
	} else if (n == nslots) {
		i = nslots;
		if (reserve(nslots > 0 ? nslots * 2 : NSLOTS_MIN) == -1) {
			if (!full_logged)
				log_warn("run file %s: no room for more than "
				    "%zu runs; run %llu of %s is not in it",
				    path, nslots, (unsigned long long)run_id,
				    task);
			full_logged = true;
			return;
		}
	} else
		i = (hint + n) % nslots;
	full_logged = false;
	memset(&r, 0, sizeof(r));
	memcpy(r.magic, MAGIC, 8);
	r.run_id = run_id;
	r.start = start;
	r.pid = (int32_t)pid;
	r.uid = (uint32_t)uid;
	r.started_ms = started_ms;
	if (boot != NULL)
		snprintf(r.boot, sizeof(r.boot), "%s", boot);
	snprintf(r.task, sizeof(r.task), "%s", task);
	if (pwrite(fd, &r, sizeof(r), (off_t)(i * RECSZ)) !=
	    (ssize_t)sizeof(r)) {
		log_warn("run file %s: recording run %llu of %s", path,
		    (unsigned long long)run_id, task);
		return;
	}
	slots[i] = run_id;
	hint = i + 1;
	hint_ms = started_ms;
}

/* The run and all it left are gone. */
void
runfile_del(uint64_t run_id)
{
	size_t	i;

	if (fd == -1 || run_id == 0)
		return;
	for (i = 0; i < nslots; i++)
		if (slots[i] == run_id) {
			clear(i);
			hint = i;
			hint_ms = 0;
			return;
		}
}

void
runfile_close(void)
{
	if (fd != -1)
		close(fd);
	fd = -1;
	free(slots);
	free(left);
	slots = NULL;
	left = NULL;
	nslots = nleft = hint = 0;
	hint_ms = 0;
	left_max = 0;
	full_logged = false;
}
