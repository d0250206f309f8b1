/*
 * store_runfile.h: the run file beside the database (store_runfile.c):
 * what proves each started run's processes its own, outside sqlite.
 */
#ifndef MAINTD_STORE_RUNFILE_H
#define MAINTD_STORE_RUNFILE_H

#include <sys/types.h>
#include <stdint.h>

/* db: the database's real path; the file is db.runs. */
void	runfile_open(const char *db);
void	runfile_close(void);
/* A previous daemon's runs: what is left of them killed; done() each. */
void	runfile_recover(void (*done)(uint64_t run_id, const char *task,
	    int64_t started_ms));
uint64_t runfile_max_id(void);
/* pid 0: before the process exists; then again with its pid. */
void	runfile_add(uint64_t run_id, const char *task, pid_t pid, uid_t uid,
	    uint64_t start, int64_t started_ms);
void	runfile_del(uint64_t run_id);

#endif
