/*
 * run.c: what a run's end says: ok or not, its class, its result in
 * words; and the names of the reasons a tick did not run.
 */
#include <sys/wait.h>

#include <stdio.h>
#include <string.h>

#include "run.h"
#include "util.h"

static const char *class_names[RC_MAX] = {
	"ok", "failed", "timeout", "stopped", "error"
};

bool
run_ok(const struct run *r)
{
	return r->failure[0] == '\0' && !r->timed_out &&
	    WIFEXITED(r->status) && WEXITSTATUS(r->status) == 0;
}

char *
run_result(const struct run *r, char *buf, size_t len)
{
	if (!r->done)
		snprintf(buf, len, "running");
	else if (r->failure[0] != '\0')
		snprintf(buf, len, "%s", r->failure);
	else if (r->timed_out && WIFSIGNALED(r->status))
		snprintf(buf, len, "timeout (signal %s)",
		    signal_name(WTERMSIG(r->status)));
	else if (r->timed_out)
		snprintf(buf, len, "timeout (exit %d)", WEXITSTATUS(r->status));
	else if (WIFEXITED(r->status))
		snprintf(buf, len, "exit %d%s", WEXITSTATUS(r->status),
		    r->fleet_lost ? " (fleet-lost)" : "");
	else if (WIFSIGNALED(r->status))
		snprintf(buf, len, "signal %s%s",
		    signal_name(WTERMSIG(r->status)), r->fleet_lost ?
		    " (fleet-lost)" : r->stopped ? " (stopped)" : "");
	else
		snprintf(buf, len, "status %d", r->status);
	return buf;
}

/* ok, failed, timeout, stopped or error (it never ran). */
enum run_class
run_classify(const struct run *r)
{
	if (r->failure[0] != '\0')
		return RC_ERROR;
	if (r->timed_out)
		return RC_TIMEOUT;
	if (run_ok(r))
		return RC_OK;
	if (r->stopped)
		return RC_STOPPED;
	return RC_FAILED;
}

const char *
run_class_name(enum run_class c)
{
	return class_names[c];
}

const char *
run_class(const struct run *r)
{
	return class_names[run_classify(r)];
}

const char *
trigger_name(enum trigger t)
{
	static const char	*names[] = {
		"manual", "schedule", "activate", "restart", "window"
	};

	return names[t];
}

static const char *miss_names[MISS_NREASONS] = {
	"daemon-down", "halted", "window-closed", "budget", "conflict",
	"guard", "held", "overlap", "requires", "after-timeout"
};

const char *
miss_reason_name(enum miss_reason r)
{
	return miss_names[r];
}

int
miss_reason_parse(const char *s)
{
	int	i;

	for (i = 0; s != NULL && i < MISS_NREASONS; i++)
		if (strcmp(s, miss_names[i]) == 0)
			return i;
	return -1;
}
