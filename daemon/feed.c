/*
 * feed.c: publish and subscribe.  Subscribers of a stream are called in
 * the order they subscribed; one may unsubscribe itself or any other
 * while a message is delivered, and a subscriber may publish in turn.
 * With no subscriber a publish is one test.
 */
#include <stddef.h>

#include "feed.h"

static struct feed_sub	*heads[FEED_NSTREAMS];
static struct feed_sub	**tails[FEED_NSTREAMS];

/* The deliveries under way, innermost first: their next subscriber. */
struct cursor {
	struct feed_sub	*next;
	struct cursor	*up;
};
static struct cursor	*cursors;

void
feed_subscribe(struct feed_sub *s, enum feed_stream st, feed_cb cb,
    void *arg)
{
	s->stream = st;
	s->cb = cb;
	s->arg = arg;
	s->next = NULL;
	if (tails[st] == NULL)
		tails[st] = &heads[st];
	s->prevp = tails[st];
	*tails[st] = s;
	tails[st] = &s->next;
}

void
feed_unsubscribe(struct feed_sub *s)
{
	struct cursor	*c;

	if (s->prevp == NULL)
		return;
	for (c = cursors; c != NULL; c = c->up)
		if (c->next == s)
			c->next = s->next;
	*s->prevp = s->next;
	if (s->next != NULL)
		s->next->prevp = s->prevp;
	else
		tails[s->stream] = s->prevp;
	s->next = NULL;
	s->prevp = NULL;
}

bool
feed_subscribed(const struct feed_sub *s)
{
	return s->prevp != NULL;
}

bool
feed_wanted(enum feed_stream st)
{
	return heads[st] != NULL;
}

void
feed_publish(enum feed_stream st, const struct feed_msg *m)
{
	struct cursor	 c;
	struct feed_sub	*s;

	if (heads[st] == NULL)
		return;
	c.up = cursors;
	cursors = &c;
	for (s = heads[st]; s != NULL; s = c.next) {
		c.next = s->next;
		s->cb(st, m, s->arg);
	}
	cursors = c.up;
}
