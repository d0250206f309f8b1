/*
 * verbs_ledger.c: ledger [TASK] [-n N] [--since T] [--until T]
 * [--missed]: every tick of the periodic tasks and what became of it,
 * ran (its run) or missed (the reason and why), newest first, read from
 * the store a row at a time as history is.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "control.h"
#include "proto.h"
#include "store.h"
#include "table.h"
#include "util.h"
#include "verbs.h"

#define DEFAULT_ROWS	20
#define MAX_ROWS	100000

struct rows {
	struct client	*c;
	struct table	*tb;	/* NULL: JSON */
	size_t		 n;
};

/*
 * The row as the verb shows it: the times as RFC 3339, the keys in
 * their documented order (maintctl(8)).  Takes o over.
 */
static struct json_object *
row_of(struct json_object *o)
{
	struct json_object	*r = json_object_new_object(), *v;
	struct timespec		 ts;
	char			 buf[64];
	double			 d;

	v = NULL;
	(void)json_object_object_get_ex(o, "tick", &v);
	json_object_object_add(r, "tick", v == NULL ? NULL :
	    json_object_new_string(fmt_rfc3339((time_t)json_object_get_int64(v),
	    buf, sizeof(buf))));
	json_object_object_foreach(o, key, val) {
		if (strcmp(key, "tick") == 0 || strcmp(key, "recorded") == 0)
			continue;
		json_object_object_add(r, strcmp(key, "detail_text") == 0 ?
		    "detail" : key, json_object_get(val));
	}
	v = NULL;
	(void)json_object_object_get_ex(o, "recorded", &v);
	if (v != NULL) {
		d = json_object_get_double(v);
		ts.tv_sec = (time_t)d;
		ts.tv_nsec = (long)((d - (double)ts.tv_sec) * 1e9);
	}
	json_object_object_add(r, "recorded", v == NULL ? NULL :
	    json_object_new_string(fmt_rfc3339_ms(&ts, buf, sizeof(buf))));
	json_object_put(o);
	return r;
}

static const char *
str(struct json_object *o, const char *key, char *buf, size_t len)
{
	struct json_object	*v;

	if (!json_object_object_get_ex(o, key, &v) || v == NULL)
		return "-";
	snprintf(buf, len, "%s", json_object_get_string(v));
	return buf;
}

static int
send_row(struct json_object *o, void *arg)
{
	struct rows	*rs = arg;
	char		 b[6][512];

	o = row_of(o);
	if (rs->tb == NULL)
		client_json(rs->c, o);
	else
		table_row(rs->tb, str(o, "tick", b[0], 512),
		    str(o, "task", b[1], 512), str(o, "outcome", b[2], 512),
		    str(o, "reason", b[3], 512), str(o, "run", b[4], 512),
		    str(o, "detail", b[5], 512));
	json_object_put(o);
	rs->n++;
	return client_dropped(rs->c);
}

void
verb_ledger(struct client *c, struct request *r)
{
	struct table	 tb;
	struct rows	 rs = { c, NULL, 0 };
	const char	*task = r->nargs > 0 ? r->args[0] : NULL, *v, *errstr;
	double		 since, until;
	int		 n = DEFAULT_ROWS, rc;

	if ((v = request_opt(r, "n")) != NULL) {
		n = (int)strtonum(v, 1, MAX_ROWS, &errstr);
		if (errstr != NULL) {
			client_err(c, "usage", "-n %s: %s (1 to %d)", v, errstr,
			    MAX_ROWS);
			return;
		}
	}
	if (verbs_opt_time(c, r, "since", &since) == -1 ||
	    verbs_opt_time(c, r, "until", &until) == -1)
		return;
	if ((since > 0 || until > 0) && v == NULL)
		n = MAX_ROWS;
	if (task != NULL && verbs_task(c, task) == NULL)
		return;
	if (!client_json_mode(c)) {
		table_init(&tb, 6, "TICK", "TASK", "OUTCOME", "REASON", "RUN",
		    "DETAIL");
		rs.tb = &tb;
	}
	rc = store_ledger(task, request_has(r, "missed"), n, since, until,
	    send_row, &rs);
	if (verbs_rows_end(c, rc, rs.n, rs.tb) == -1)
		return;
	client_ok(c, "%zu tick%s", rs.n, rs.n == 1 ? "" : "s");
}
