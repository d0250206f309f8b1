/* event.h: the activity log: every change, who made it, to the store and followers. */
#ifndef MAINTD_EVENT_H
#define MAINTD_EVENT_H

struct json_object;

/* Takes ownership of detail (may be NULL); task may be NULL. */
void	event_emit(const char *task, const char *event, const char *actor,
	    struct json_object *detail);

#endif
