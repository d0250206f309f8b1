/* trust.h: whether a root daemon may believe a file (owner and modes up to "/"). */
#ifndef MAINTD_TRUST_H
#define MAINTD_TRUST_H

#include <stddef.h>

/* 1 when the checks apply: the daemon runs as root. */
int	trust_needed(void);
/*
 * The open file fd (named path) and the directories above it; -1 with
 * "refusing: ..." in err when someone else could have changed it.
 */
int	trust_fd(int fd, const char *path, char *err, size_t len);
/* Only the directories above path. */
int	trust_dirs(const char *path, char *err, size_t len);

#endif
