/*
 * alert.c: the alert policies of a notify endpoint, a pure function of
 * the policy, what the endpoint remembers of a task and an event of it:
 *  - manual = false: runs started by hand send nothing and do not count;
 *  - after_failures = N: a failure is sent on the Nth in a row, once for
 *    the streak; repeat = DUR: then one reminder per DUR while failures
 *    go on (either one turns these on; without them every failure is
 *    sent, within the throttle, as before);
 *  - recovery = true: recovered is sent when the endpoint told of the
 *    failure (or of late) that it ends.
 * An event the endpoint subscribes to otherwise is sent as it is.
 */
#include <string.h>

#include "alert.h"
#include "conf.h"

enum alert_kind
alert_kind(const char *event)
{
	if (strcmp(event, "run-failed") == 0 ||
	    strcmp(event, "run-timeout") == 0 ||
	    strcmp(event, "run-error") == 0)
		return AK_FAIL;
	if (strcmp(event, "run-ok") == 0)
		return AK_OK;
	if (strcmp(event, "recovered") == 0)
		return AK_RECOVERED;
	if (strcmp(event, "late") == 0)
		return AK_LATE;
	return AK_OTHER;
}

enum alert_verdict
alert_decide(const struct notify_conf *nc, bool subscribed,
    struct alert_memo *m, enum alert_kind k, bool manual, uint64_t now_ms)
{
	bool		policy = nc->after_failures > 0 || nc->repeat_ms > 0;
	unsigned	threshold = nc->after_failures > 0 ?
			    (unsigned)nc->after_failures : 1;
	bool		told = m->told, hand = manual && !nc->manual;

	switch (k) {
	case AK_FAIL:
		if (hand)
			return AV_SKIP;
		m->fails++;
		if (!policy)
			return subscribed ? AV_SEND : AV_SKIP;
		if (m->fails < threshold || !subscribed)
			return AV_SKIP;
		if (!m->told) {
			m->told = true;
			m->last_ms = now_ms;
			return AV_ALERT;
		}
		if (nc->repeat_ms > 0 &&
		    now_ms - m->last_ms >= (uint64_t)nc->repeat_ms) {
			m->last_ms = now_ms;
			return AV_REMIND;
		}
		return AV_SKIP;
	case AK_OK:
		/* the streak is over, whoever ran it; recovered follows */
		m->fails = 0;
		return subscribed && !hand ? AV_SEND : AV_SKIP;
	case AK_RECOVERED:
		m->fails = 0;
		m->told = false;
		if (hand)
			return AV_SKIP;
		if (subscribed)
			return AV_SEND;
		return nc->recovery && told ? AV_ALERT : AV_SKIP;
	case AK_LATE:
		if (!subscribed)
			return AV_SKIP;
		m->told = true;
		m->last_ms = now_ms;
		return AV_ALERT;
	default:
		return subscribed && !hand ? AV_SEND : AV_SKIP;
	}
}

bool
alert_memo_empty(const struct alert_memo *m)
{
	return m->fails == 0 && !m->told;
}
