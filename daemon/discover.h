/* discover.h: watch the directories of discover, reload on a change. */
#ifndef MAINTD_DISCOVER_H
#define MAINTD_DISCOVER_H

void	discover_init(void);
void	discover_stop(void);

#endif
