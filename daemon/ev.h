/*
 * ev.h: the single event loop: fd watchers, a timer heap, signals as
 * events, steps of the wall clock.
 */
#ifndef MAINTD_EV_H
#define MAINTD_EV_H

#include <stddef.h>
#include <stdint.h>

#define EV_READ		0x01
#define EV_WRITE	0x04
/*
 * The peer is gone (a socket closed both ways, a pipe without writers):
 * reported, when asked for, even while neither EV_READ nor EV_WRITE is.
 */
#define EV_HUP		0x08

typedef void	(*ev_io_cb)(int fd, int revents, void *arg);
typedef void	(*ev_timer_cb)(void *arg);
typedef void	(*ev_signal_cb)(int signo, void *arg);

/* Embed one in the owning object; it must stay put while armed. */
struct ev_timer {
	uint64_t	 when;		/* monotonic ms */
	size_t		 slot;		/* index in the heap + 1; 0 = not armed */
	ev_timer_cb	 cb;
	void		*arg;
};

/*
 * Told when the wall clock is set (stepped) while monotonic time goes
 * on: delta_ms, how far (> 0: forward).  Embed one; it stays put while
 * added.
 */
typedef void	(*ev_clock_cb)(int64_t delta_ms, void *arg);
struct ev_clock {
	ev_clock_cb	 cb;
	void		*arg;
	struct ev_clock	*next;
	int		 added;
};

int		ev_init(void);
void		ev_clock_add(struct ev_clock *, ev_clock_cb, void *);
void		ev_clock_del(struct ev_clock *);
int		ev_io_add(int fd, int events, ev_io_cb cb, void *arg);
void		ev_io_set(int fd, int events);
void		ev_io_del(int fd);
void		ev_timer_init(struct ev_timer *, ev_timer_cb, void *);
void		ev_timer_add(struct ev_timer *, uint64_t ms);
void		ev_timer_at(struct ev_timer *, uint64_t when);
void		ev_timer_del(struct ev_timer *);
int		ev_timer_pending(const struct ev_timer *);
int		ev_signal(int signo, ev_signal_cb cb, void *arg);
uint64_t	ev_now(void);
int		ev_run(void);
void		ev_break(void);
size_t		ev_nfds(void);
size_t		ev_ntimers(void);

#endif
