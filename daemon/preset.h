/* preset.h: presets from the config and made at run time; maintenance windows. */
#ifndef MAINTD_PRESET_H
#define MAINTD_PRESET_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

struct task;
struct json_object;

struct preset {
	char		 *name;
	char		 *description;
	bool		  from_config;
	struct task	**tasks;
	size_t		  ntasks;
};

/* 0 found, 1 unknown, -1 store error. */
int	preset_get(const char *name, struct preset *);
void	preset_free(struct preset *);
struct json_object *preset_json(const struct preset *);

void	windows_init(void);
void	windows_stop(void);
void	windows_reload(void);
/* For "window list": the i-th window's next opening and open-until. */
size_t	windows_count(void);
void	window_state(size_t i, time_t *next, time_t *open_until);

#endif
