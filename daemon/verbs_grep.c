/*
 * verbs_grep.c: what a client's request may cost the loop.  A --grep
 * pattern is refused when it could run unbounded (grep_compile() in
 * util.c); matching is timed, and a stream may spend VERBS_GREP_RATE ms
 * a second on it.  At most MAX_SCANS requests of clients that only read
 * scan logs or events at once.
 */
#include <regex.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "control.h"
#include "util.h"
#include "verbs.h"

#define MAX_SCANS	8		/* requests scanning at once */
#define GREP_BURST	2000		/* ms a stream may match in a row */

/* A --grep pattern and what matching it has cost. */
struct verbs_grep {
	regex_t		 re;
	double		 budget_us;	/* a stream's: what it may spend */
	uint64_t	 refill_us;	/* when the budget was topped up */
};

static int	nscans;

uint64_t
verbs_now_us(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* The pattern of --grep, or NULL with ERR usage sent. */
struct verbs_grep *
verbs_grep_new(struct client *c, const char *pat)
{
	struct verbs_grep	*g = xcalloc(1, sizeof(*g));
	char			 err[256];

	if (grep_compile(&g->re, pat, err, sizeof(err)) == -1) {
		client_err(c, "usage", "--grep %s: %s", pat, err);
		free(g);
		return NULL;
	}
	g->budget_us = GREP_BURST * 1000.0;
	g->refill_us = verbs_now_us();
	return g;
}

void
verbs_grep_free(struct verbs_grep *g)
{
	if (g == NULL)
		return;
	regfree(&g->re);
	free(g);
}

/* Does text match?  What it cost comes off the budget. */
bool
verbs_grep_match(struct verbs_grep *g, const char *text)
{
	uint64_t	t0 = verbs_now_us();
	bool		m = regexec(&g->re, text, 0, NULL, 0) == 0;

	g->budget_us -= (double)(verbs_now_us() - t0);
	return m;
}

/* A stream's matching took more than VERBS_GREP_RATE ms a second. */
bool
verbs_grep_spent(struct verbs_grep *g)
{
	uint64_t	now = verbs_now_us();

	g->budget_us += (double)(now - g->refill_us) * VERBS_GREP_RATE / 1000;
	if (g->budget_us > GREP_BURST * 1000.0)
		g->budget_us = GREP_BURST * 1000.0;
	g->refill_us = now;
	return g->budget_us < 0;
}

/*
 * A request that scans (logs, events --grep): at most MAX_SCANS at once
 * for clients that only read; false with ERR busy.
 */
bool
verbs_scan_begin(struct client *c)
{
	if (!client_admin(c) && nscans >= MAX_SCANS) {
		client_err(c, "busy", "%d requests are reading logs or events "
		    "(the limit at once): try again", MAX_SCANS);
		return false;
	}
	nscans++;
	return true;
}

void
verbs_scan_end(void)
{
	nscans--;
}
