/*
 * event.c: one event of the activity log: recorded in the store, and
 * published on the feed for whoever follows the log (clients, the
 * metrics file).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "event.h"
#include "feed.h"
#include "store.h"
#include "util.h"

void
event_emit(const char *task, const char *event, const char *actor,
    struct json_object *detail)
{
	struct json_object	*o;
	struct feed_msg		 m;
	struct timespec		 ts;
	const char		*ds = NULL;
	double			 when;
	int64_t			 id;
	char			 buf[64];

	clock_gettime(CLOCK_REALTIME, &ts);
	when = (double)ts.tv_sec + (double)(ts.tv_nsec / 1000000) / 1000;
	if (detail != NULL)
		ds = json_object_to_json_string_ext(detail,
		    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	id = store_event(when, task, event, actor, ds);
	if (!feed_wanted(FEED_EVENT)) {
		json_object_put(detail);
		return;
	}
	o = json_object_new_object();
	json_object_object_add(o, "id", id > 0 ? json_object_new_int64(id) :
	    NULL);
	json_object_object_add(o, "time",
	    json_object_new_string(fmt_rfc3339_ms(&ts, buf, sizeof(buf))));
	json_object_object_add(o, "task", task != NULL ?
	    json_object_new_string(task) : NULL);
	json_object_object_add(o, "event", json_object_new_string(event));
	json_object_object_add(o, "actor", json_object_new_string(actor));
	json_object_object_add(o, "detail", detail);
	memset(&m, 0, sizeof(m));
	m.name = task;
	m.event = o;
	feed_publish(FEED_EVENT, &m);
	json_object_put(o);
}
