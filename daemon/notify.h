/* notify.h: webhooks for events of the activity log (notify.c). */
#ifndef MAINTD_NOTIFY_H
#define MAINTD_NOTIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct notify_conf;

struct notify_stats {
	const struct notify_conf *conf;
	size_t		 queued;
	uint64_t	 sent, failed, dropped, suppressed;
	bool		 retrying;
	time_t		 last_sent;
	const char	*last_error;	/* "" when none */
};

void	notify_init(void);
void	notify_stop(void);
void	notify_reload(void);
size_t	notify_count(void);
void	notify_stats(size_t i, struct notify_stats *);
/* Queue a test event for the endpoint name; -1 if there is none. */
int	notify_test(const char *name, const char *actor);

#endif
