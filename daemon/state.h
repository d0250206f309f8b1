/*
 * state.h: the daemon's state, md (state.c): the config in force, the
 * tasks, where its files are, halted or not, the weight in use.  Model
 * layer: every layer above may read it.
 */
#ifndef MAINTD_STATE_H
#define MAINTD_STATE_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "conf.h"
#include "task.h"

#define MAINTD_VERSION	MAINT_VERSION	/* from the Makefile (paths.h) */

struct maintd {
	struct config	*conf;
	struct tasks	 tasks;
	char		*config_path;
	char		*socket_path;
	char		*pidfile_path;
	time_t		 started;
	int		 foreground;
	int		 debug;
	bool		 shutting_down;
	bool		 halted;	/* stop-all until resume */
	int		 weight_in_use;	/* of the runs going on, those of
					   tasks a reload removed included */
	struct task	**retired;	/* removed by a reload, their runs */
	size_t		  nretired;	/* still going (supervise.c) */
};

extern struct maintd	md;

#endif
