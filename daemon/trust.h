/* trust.h: whether a root daemon may believe a file or write in a directory. */
#ifndef MAINTD_TRUST_H
#define MAINTD_TRUST_H

#include <sys/types.h>
#include <sys/stat.h>

#include <stddef.h>

/* trust_open(): a file of a directory others may fill (discover) */
#define TRUST_PLANTED	0x1

/* 1 when the checks apply: the daemon runs as root. */
int	trust_needed(void);
/*
 * Open path to read it: without blocking (a FIFO) and without a
 * controlling tty, and only a regular file.  As root: owned by root (or
 * the daemon's uid) and writable by no one else, and the directories
 * above it too (trust_dirs).  With TRUST_PLANTED, also: never through a
 * symbolic link (O_NOFOLLOW, relative to the directory's descriptor),
 * one link only, and the directory writable by its owner only (the
 * sticky bit is no excuse there).  The descriptor, with its fstat in
 * *st; -1 with the reason ("refusing: ...") in err.
 */
int	trust_open(const char *path, int how, struct stat *st, char *err,
	    size_t len);
/*
 * Open the directory dir to create files in it (openat): as root, it
 * must be owned by root, the daemon's uid or also ((uid_t)-1: no one
 * else), writable by its owner only, and the directories above it as
 * trust_dirs() wants.  -1 (errno EPERM for a refusal) with err.
 */
int	trust_opendir(const char *dir, uid_t also, char *err, size_t len);
/* Only the directories above path. */
int	trust_dirs(const char *path, char *err, size_t len);

#endif
