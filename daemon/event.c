/*
 * event.c: one event of the activity log: recorded in the store, sent to
 * the clients following the log, and it marks the metrics as changed.
 */
#include <stdio.h>
#include <time.h>

#include <json-c/json.h>

#include "event.h"
#include "metrics.h"
#include "store.h"
#include "util.h"
#include "verbs.h"

void
event_emit(const char *task, const char *event, const char *actor,
    struct json_object *detail)
{
	struct json_object	*o;
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
	metrics_changed();
	if (verbs_event_followers() == 0) {
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
	verbs_event(o);
	json_object_put(o);
}
