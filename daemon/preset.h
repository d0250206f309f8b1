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

/*
 * Rolling windows (fleet = rolling): when one opens or closes, cb is told
 * (its name, the tick it opened for, open or not), and the fleet starts
 * and ends this node's turn, in which the preset is applied.
 */
typedef void	(*window_rolling_cb)(const char *window, time_t tick,
		    bool open);
void	windows_rolling(window_rolling_cb);
/* This node's turn: 0 begun (for at most ms; 0 the rest), -1 with why. */
int	window_turn_begin(const char *window, int64_t ms, char *why,
	    size_t len);
void	window_turn_end(const char *window);
/* Has every task the turn activated run to its end (services never)? */
bool	window_turn_done(const char *window);
/* Every node had its turn: the window closes now. */
void	window_end(const char *window);

#endif
