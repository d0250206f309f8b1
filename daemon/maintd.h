/* maintd.h: the daemon's global state. */
#ifndef MAINTD_H
#define MAINTD_H

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

void	maintd_shutdown(void);

#endif
