/* preset.h: presets from the config and made at run time; maintenance windows. */
#ifndef MAINTD_PRESET_H
#define MAINTD_PRESET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct task;
struct json_object;
struct window_conf;

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
/*
 * The windows in force, config's first: the i-th one, whether it was
 * made at run time, its next opening (0: never) and its end if it is
 * open (else 0); any pointer may be NULL.
 */
size_t	windows_count(void);
const struct window_conf *window_at(size_t i, bool *stored, time_t *next,
	    time_t *open_until);
const struct window_conf *window_find(const char *name);
/* A window made at run time (stored already): it takes wc; -1: a name in use. */
int	window_new(struct window_conf *wc);
/*
 * Delete the window made at run time named name: an open one closes
 * now, the tasks its opening activated deactivated by actor.  0, or 1
 * if there is no such window.
 */
int	window_delete(const char *name, const char *actor);

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
