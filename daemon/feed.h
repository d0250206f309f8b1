/*
 * feed.h: the streams of what happens (a run's output lines, run ends,
 * activity events, activations), from the code that makes them to
 * whoever follows them, so that lower layers never call the ones above.
 */
#ifndef MAINTD_FEED_H
#define MAINTD_FEED_H

#include <stdbool.h>
#include <stddef.h>

struct json_object;
struct run;
struct task;

enum feed_stream {
	FEED_LINE,		/* a line of a run's output */
	FEED_RUN_START,		/* a run's process exists */
	FEED_RUN_END,		/* a run and what it left are gone */
	FEED_EVENT,		/* an event of the activity log */
	FEED_ACTIVATION,	/* a task was activated or deactivated */
	FEED_TASK,		/* a reload added, changed or removed a task */
	FEED_CONFIG,		/* a reload put a new config in force */
	FEED_NSTREAMS
};

struct feed_msg {
	struct task		*task;	/* NULL: the daemon (events) */
	const char		*text;	/* LINE: the line as the run wrote it */
	size_t			 len;
	const char		*line;	/* LINE: "TIME [RUN] text", NUL-ended */
	const char		*name;	/* EVENT: the task's name, or NULL */
	struct json_object	*event;	/* EVENT: id, time, task, event, ... */
	const struct run	*run;	/* RUN_END: the run that ended */
	bool			 active;	/* ACTIVATION */
	const char		*actor;		/* ACTIVATION: who did it */
	int			 stream;	/* LINE: 0 stdout, 1 stderr */
	int			 change;	/* TASK: TASK_ADDED, ... */
};

enum { TASK_ADDED, TASK_CHANGED, TASK_REMOVED };

typedef void	(*feed_cb)(enum feed_stream, const struct feed_msg *, void *);

/* Embed one in the subscriber; it must stay put while subscribed. */
struct feed_sub {
	enum feed_stream	  stream;
	feed_cb			  cb;
	void			 *arg;
	struct feed_sub		 *next, **prevp;
};

void	feed_subscribe(struct feed_sub *, enum feed_stream, feed_cb, void *);
void	feed_unsubscribe(struct feed_sub *);
bool	feed_subscribed(const struct feed_sub *);
/* Is anyone following the stream?  A publisher may skip its work if not. */
bool	feed_wanted(enum feed_stream);
void	feed_publish(enum feed_stream, const struct feed_msg *);

#endif
