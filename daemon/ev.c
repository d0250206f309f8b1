/*
 * ev.c: a poll(2) loop with a binary min-heap of timers.  Signals are
 * turned into loop events through a self-pipe; handlers only write a byte.
 * With no fd ready and no timer armed the loop sleeps in poll() forever.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ev.h"
#include "log.h"

struct watcher {
	ev_io_cb	 cb;
	void		*arg;
	int		 events;	/* 0 = unused */
	size_t		 pidx;		/* index in pfds while built */
};

static struct watcher	*watchers;	/* indexed by fd */
static size_t		 nwatchers;
static struct pollfd	*pfds;
static size_t		 npfds, pfdcap;
static int		 pfds_dirty;

static struct ev_timer	**heap;
static size_t		  heaplen, heapcap;

static int		 sigpipe[2] = { -1, -1 };
static struct {
	ev_signal_cb	 cb;
	void		*arg;
}			 sigs[65];
static int		 running;

uint64_t
ev_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void
sig_handler(int signo)
{
	unsigned char	c = (unsigned char)signo;
	int		saved = errno;

	(void)write(sigpipe[1], &c, 1);
	errno = saved;
}

static void
sig_drain(int fd, int revents, void *arg)
{
	unsigned char	buf[64];
	ssize_t		n, i;

	(void)revents;
	(void)arg;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		for (i = 0; i < n; i++)
			if (buf[i] < 65 && sigs[buf[i]].cb != NULL)
				sigs[buf[i]].cb(buf[i], sigs[buf[i]].arg);
}

int
ev_init(void)
{
	if (pipe2(sigpipe, O_CLOEXEC | O_NONBLOCK) == -1)
		return -1;
	return ev_io_add(sigpipe[0], EV_READ, sig_drain, NULL);
}

int
ev_signal(int signo, ev_signal_cb cb, void *arg)
{
	struct sigaction	sa;

	if (signo <= 0 || signo >= 65)
		return -1;
	sigs[signo].cb = cb;
	sigs[signo].arg = arg;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = sig_handler;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	return sigaction(signo, &sa, NULL);
}

int
ev_io_add(int fd, int events, ev_io_cb cb, void *arg)
{
	struct watcher	*nw;
	size_t		 n;

	if (fd < 0)
		return -1;
	if ((size_t)fd >= nwatchers) {
		n = nwatchers ? nwatchers : 64;
		while (n <= (size_t)fd)
			n *= 2;
		if ((nw = reallocarray(watchers, n, sizeof(*nw))) == NULL)
			return -1;
		memset(nw + nwatchers, 0, (n - nwatchers) * sizeof(*nw));
		watchers = nw;
		nwatchers = n;
	}
	watchers[fd].cb = cb;
	watchers[fd].arg = arg;
	watchers[fd].events = events | 0x100;	/* 0x100: registered */
	watchers[fd].pidx = (size_t)-1;
	pfds_dirty = 1;
	return 0;
}

void
ev_io_set(int fd, int events)
{
	if (fd < 0 || (size_t)fd >= nwatchers || watchers[fd].events == 0)
		return;
	if ((watchers[fd].events & 0xff) == events)
		return;
	watchers[fd].events = events | 0x100;
	if (!pfds_dirty && watchers[fd].pidx < npfds)
		pfds[watchers[fd].pidx].events = (short)(
		    (events & EV_READ ? POLLIN : 0) |
		    (events & EV_WRITE ? POLLOUT : 0));
}

void
ev_io_del(int fd)
{
	if (fd < 0 || (size_t)fd >= nwatchers)
		return;
	memset(&watchers[fd], 0, sizeof(watchers[fd]));
	pfds_dirty = 1;
}

size_t
ev_nfds(void)
{
	size_t	i, n = 0;

	for (i = 0; i < nwatchers; i++)
		if (watchers[i].events)
			n++;
	return n;
}

/* Timers armed. */
size_t
ev_ntimers(void)
{
	return heaplen;
}

static int
pfds_build(void)
{
	struct pollfd	*np;
	size_t		 i;

	npfds = 0;
	for (i = 0; i < nwatchers; i++) {
		if (watchers[i].events == 0)
			continue;
		if (npfds == pfdcap) {
			np = reallocarray(pfds, pfdcap ? pfdcap * 2 : 64,
			    sizeof(*np));
			if (np == NULL)
				return -1;
			pfds = np;
			pfdcap = pfdcap ? pfdcap * 2 : 64;
		}
		pfds[npfds].fd = (int)i;
		pfds[npfds].events = (short)(
		    (watchers[i].events & EV_READ ? POLLIN : 0) |
		    (watchers[i].events & EV_WRITE ? POLLOUT : 0));
		pfds[npfds].revents = 0;
		watchers[i].pidx = npfds++;
	}
	pfds_dirty = 0;
	return 0;
}

/* Timer heap. */

static void
heap_swap(size_t a, size_t b)
{
	struct ev_timer	*t = heap[a];

	heap[a] = heap[b];
	heap[b] = t;
	heap[a]->slot = a + 1;
	heap[b]->slot = b + 1;
}

static void
heap_up(size_t i)
{
	while (i > 0 && heap[(i - 1) / 2]->when > heap[i]->when) {
		heap_swap(i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
}

static void
heap_down(size_t i)
{
	size_t	l, r, m;

	for (;;) {
		l = 2 * i + 1;
		r = l + 1;
		m = i;
		if (l < heaplen && heap[l]->when < heap[m]->when)
			m = l;
		if (r < heaplen && heap[r]->when < heap[m]->when)
			m = r;
		if (m == i)
			return;
		heap_swap(i, m);
		i = m;
	}
}

void
ev_timer_init(struct ev_timer *t, ev_timer_cb cb, void *arg)
{
	memset(t, 0, sizeof(*t));
	t->cb = cb;
	t->arg = arg;
}

int
ev_timer_pending(const struct ev_timer *t)
{
	return t->slot != 0;
}

void
ev_timer_del(struct ev_timer *t)
{
	size_t	i;

	if (t->slot == 0)
		return;
	i = t->slot - 1;
	t->slot = 0;
	heaplen--;
	if (i == heaplen)
		return;
	heap[i] = heap[heaplen];
	heap[i]->slot = i + 1;
	heap_up(i);
	heap_down(heap[i]->slot - 1);
}

void
ev_timer_at(struct ev_timer *t, uint64_t when)
{
	struct ev_timer	**nh;

	ev_timer_del(t);
	if (heaplen == heapcap) {
		nh = reallocarray(heap, heapcap ? heapcap * 2 : 64,
		    sizeof(*nh));
		if (nh == NULL)
			fatal("timer heap");
		heap = nh;
		heapcap = heapcap ? heapcap * 2 : 64;
	}
	t->when = when;
	heap[heaplen] = t;
	t->slot = ++heaplen;
	heap_up(heaplen - 1);
}

void
ev_timer_add(struct ev_timer *t, uint64_t ms)
{
	ev_timer_at(t, ev_now() + ms);
}

static void
timers_run(void)
{
	struct ev_timer	*t;
	uint64_t	 now = ev_now();

	while (heaplen > 0 && heap[0]->when <= now) {
		t = heap[0];
		ev_timer_del(t);
		t->cb(t->arg);
	}
}

void
ev_break(void)
{
	running = 0;
}

int
ev_run(void)
{
	uint64_t	now;
	int		timeout, n, revents, ev;
	size_t		i;
	struct watcher	*w;

	running = 1;
	while (running) {
		if (pfds_dirty && pfds_build() == -1)
			return -1;
		timeout = -1;
		if (heaplen > 0) {
			now = ev_now();
			if (heap[0]->when <= now)
				timeout = 0;
			else if (heap[0]->when - now > 24 * 3600 * 1000)
				timeout = 24 * 3600 * 1000;
			else
				timeout = (int)(heap[0]->when - now);
		}
		n = poll(pfds, (nfds_t)npfds, timeout);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			log_warn("poll");
			return -1;
		}
		for (i = 0; n > 0 && i < npfds; i++) {
			if (pfds[i].revents == 0)
				continue;
			n--;
			revents = pfds[i].revents;
			pfds[i].revents = 0;
			w = &watchers[pfds[i].fd];
			if (w->events == 0 || w->pidx != i)
				continue;
			ev = 0;
			if (revents & (POLLIN | POLLHUP | POLLERR | POLLNVAL))
				ev |= EV_READ;
			if (revents & (POLLOUT | POLLERR | POLLHUP))
				ev |= EV_WRITE;
			ev &= w->events;
			if (ev == 0 && (revents & POLLNVAL)) {
				ev_io_del(pfds[i].fd);
				continue;
			}
			if (ev)
				w->cb(pfds[i].fd, ev, w->arg);
			if (!running)
				break;
		}
		timers_run();
	}
	return 0;
}
