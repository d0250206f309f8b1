/*
 * complete.h: Tab in maintctl shell (libedit): the verbs, a verb's
 * options and the names of tasks, presets and notify targets, as the
 * bash completion offers them, from the same tables (help.c).
 */
#ifndef MAINTCTL_COMPLETE_H
#define MAINTCTL_COMPLETE_H

struct json_object;

/* Send req; each JSON data line to add; -1 if maintd was not reached. */
typedef int	complete_fetch_fn(const char *req,
		    void (*add)(struct json_object *, void *), void *arg);

/* Bind Tab; names are asked of maintd with fetch, once per prompt. */
void	complete_init(complete_fetch_fn *fetch);
/* A new prompt: the names are asked again at the next Tab. */
void	complete_forget(void);

#endif
