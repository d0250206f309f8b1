/*
 * alert.h: the alert policies of a notify endpoint (after_failures,
 * recovery, manual, repeat) as one pure function (alert.c).
 */
#ifndef MAINTD_ALERT_H
#define MAINTD_ALERT_H

#include <stdbool.h>
#include <stdint.h>

struct notify_conf;

/* What an event is to the policies. */
enum alert_kind {
	AK_OTHER,	/* any other event */
	AK_FAIL,	/* run-failed, run-timeout, run-error */
	AK_OK,		/* run-ok */
	AK_RECOVERED,	/* recovered: a success after failures or late */
	AK_LATE		/* late: no success for late_after */
};

/* What one endpoint remembers of one task. */
struct alert_memo {
	unsigned	 fails;		/* failed runs in a row it saw */
	bool		 told;		/* it sent this streak's failure (or
					 * late) note */
	uint64_t	 last_ms;	/* when it sent the last one (mono) */
};

enum alert_verdict {
	AV_SKIP,	/* nothing goes out */
	AV_SEND,	/* the event, within the endpoint's throttle */
	AV_ALERT,	/* a note the policies decided on: not throttled */
	AV_REMIND	/* a reminder: it still fails */
};

enum alert_kind	 alert_kind(const char *event);
/*
 * The endpoint nc gets an event of kind k about a task (m: what it
 * remembers of that task, updated here); subscribed: the event is in
 * its events list; manual: the run was started by hand.
 */
enum alert_verdict alert_decide(const struct notify_conf *nc, bool subscribed,
		    struct alert_memo *m, enum alert_kind k, bool manual,
		    uint64_t now_ms);
/* Is there anything left to remember? */
bool		 alert_memo_empty(const struct alert_memo *);

#endif
