/*
 * ev.c: an epoll(7) loop on Linux, a poll(2) loop elsewhere, with a
 * binary min-heap of timers.  Signals are turned into loop events through
 * a self-pipe; handlers only write a byte.  With no fd ready and no timer
 * armed the loop sleeps forever.  With epoll a wakeup costs what is ready,
 * not what is watched: 10 000 running services are 20 000 descriptors.
 * Timers are monotonic; what follows the wall clock (sched.c) is told
 * when it is stepped (see clock_check()).
 */
#ifdef __linux__
#define USE_EPOLL	1
#define USE_TIMERFD	1
#include <sys/epoll.h>
#include <sys/timerfd.h>
#endif

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
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
	uint32_t	 gen;		/* which registration of the fd */
};

static struct watcher	*watchers;	/* indexed by fd */
static size_t		 nwatchers;
#ifdef USE_EPOLL
static int		 epfd = -1;
static uint32_t		 gens;
#else
static struct pollfd	*pfds;
static size_t		 npfds, pfdcap;
static int		 pfds_dirty;
#endif

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
	ssize_t		n;

	/* a full pipe already says the loop has signals to read */
	n = write(sigpipe[1], &c, 1);
	(void)n;
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

/*
 * Steps of the wall clock (settimeofday, an NTP step, a resume, a
 * faked clock): the offset between the wall clock and the monotonic one
 * changes, which slewing never does.  It is compared at each wakeup of
 * the loop; on Linux a CLOCK_REALTIME timerfd armed for the far future
 * with TFD_TIMER_CANCEL_ON_SET also wakes the loop when the clock is set
 * (read() fails with ECANCELED); elsewhere, while someone watches, the
 * loop wakes every CLOCK_POLL_MS to look.  A change under STEP_MS is
 * noise, kept until it adds up to a step.
 */
#define STEP_MS		1000
#define CLOCK_POLL_MS	10000

static struct ev_clock	*clocks;
static int64_t		 clock_off;	/* wall - monotonic, ms, as told */
static int		 clock_fd = -1;
static struct ev_timer	 clock_timer;

static int64_t
wall_offset(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 -
	    (int64_t)ev_now();
}

static void
clock_check(void)
{
	struct ev_clock	*c, *next;
	int64_t		 off, d;

	if (clocks == NULL)
		return;
	off = wall_offset();
	d = off - clock_off;
	if (d > -STEP_MS && d < STEP_MS)
		return;
	clock_off = off;
	log_info("the wall clock was set %s by %lld ms", d > 0 ? "forward" :
	    "back", (long long)(d > 0 ? d : -d));
	for (c = clocks; c != NULL; c = next) {
		next = c->next;
		c->cb(d, c->arg);
	}
}

#ifdef USE_TIMERFD
static void
clock_arm(void)
{
	struct itimerspec	its;

	memset(&its, 0, sizeof(its));
	clock_gettime(CLOCK_REALTIME, &its.it_value);
	its.it_value.tv_sec += 10 * 366 * 86400;
	if (timerfd_settime(clock_fd, TFD_TIMER_ABSTIME |
	    TFD_TIMER_CANCEL_ON_SET, &its, NULL) == -1)
		log_warn("timerfd_settime");
}

static void
clock_set(int fd, int revents, void *arg)
{
	uint64_t	n;

	(void)revents;
	(void)arg;
	if (read(fd, &n, sizeof(n)) == -1 && errno == ECANCELED)
		clock_arm();
	clock_check();
}
#endif

static void
clock_poll(void *arg)
{
	(void)arg;
	/* clock_check() ran at this wakeup already */
	ev_timer_add(&clock_timer, CLOCK_POLL_MS);
}

void
ev_clock_add(struct ev_clock *c, ev_clock_cb cb, void *arg)
{
	if (c->added)
		return;
	c->cb = cb;
	c->arg = arg;
	c->added = 1;
	if (clocks == NULL) {
		clock_off = wall_offset();
		ev_timer_init(&clock_timer, clock_poll, NULL);
#ifdef USE_TIMERFD
		if ((clock_fd = timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK |
		    TFD_CLOEXEC)) != -1 && ev_io_add(clock_fd, EV_READ,
		    clock_set, NULL) == 0)
			clock_arm();
		else {
			log_warn("timerfd for the wall clock");
			if (clock_fd != -1)
				close(clock_fd);
			clock_fd = -1;
		}
#endif
		if (clock_fd == -1)
			ev_timer_add(&clock_timer, CLOCK_POLL_MS);
	}
	c->next = clocks;
	clocks = c;
}

void
ev_clock_del(struct ev_clock *c)
{
	struct ev_clock	**p;

	if (!c->added)
		return;
	for (p = &clocks; *p != NULL; p = &(*p)->next)
		if (*p == c) {
			*p = c->next;
			break;
		}
	c->added = 0;
	if (clocks != NULL)
		return;
	ev_timer_del(&clock_timer);
	if (clock_fd != -1) {
		ev_io_del(clock_fd);
		close(clock_fd);
		clock_fd = -1;
	}
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

#ifdef USE_EPOLL
/* Tell epoll what fd is watched for; the generation rides along. */
static int
ep_ctl(int fd, bool known)
{
	struct epoll_event	e;
	int			ev = watchers[fd].events;

	memset(&e, 0, sizeof(e));
	e.events = (ev & EV_READ ? EPOLLIN : 0) | (ev & EV_WRITE ? EPOLLOUT : 0);
	e.data.u64 = (uint64_t)(uint32_t)fd | (uint64_t)watchers[fd].gen << 32;
	if (epoll_ctl(epfd, known ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, fd, &e) == 0)
		return 0;
	/* closed and opened again without ev_io_del(), or the other way */
	if (errno == ENOENT || errno == EEXIST)
		return epoll_ctl(epfd, errno == ENOENT ? EPOLL_CTL_ADD :
		    EPOLL_CTL_MOD, fd, &e);
	return -1;
}
#endif

int
ev_io_add(int fd, int events, ev_io_cb cb, void *arg)
{
	struct watcher	*nw;
	size_t		 n;
#ifdef USE_EPOLL
	bool		 known;

	if (epfd == -1 && (epfd = epoll_create1(EPOLL_CLOEXEC)) == -1)
		return -1;
#endif
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
#ifdef USE_EPOLL
	known = watchers[fd].events != 0;
#endif
	watchers[fd].cb = cb;
	watchers[fd].arg = arg;
	watchers[fd].events = events | 0x100;	/* 0x100: registered */
	watchers[fd].pidx = (size_t)-1;
#ifdef USE_EPOLL
	if (!known)
		watchers[fd].gen = ++gens;
	if (ep_ctl(fd, known) == -1) {
		memset(&watchers[fd], 0, sizeof(watchers[fd]));
		return -1;
	}
#else
	pfds_dirty = 1;
#endif
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
#ifdef USE_EPOLL
	if (ep_ctl(fd, true) == -1)
		log_warn("epoll_ctl %d", fd);
#else
	if (!pfds_dirty && watchers[fd].pidx < npfds)
		pfds[watchers[fd].pidx].events = (short)(
		    (events & EV_READ ? POLLIN : 0) |
		    (events & EV_WRITE ? POLLOUT : 0));
#endif
}

void
ev_io_del(int fd)
{
	if (fd < 0 || (size_t)fd >= nwatchers)
		return;
#ifdef USE_EPOLL
	if (watchers[fd].events != 0)
		(void)epoll_ctl(epfd, EPOLL_CTL_DEL, fd, NULL);
#else
	pfds_dirty = 1;
#endif
	memset(&watchers[fd], 0, sizeof(watchers[fd]));
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

#ifndef USE_EPOLL
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
#endif

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

/* The time until the first timer, for the wait: -1 for none. */
static int
wait_ms(void)
{
	uint64_t	now;

	if (heaplen == 0)
		return -1;
	now = ev_now();
	if (heap[0]->when <= now)
		return 0;
	if (heap[0]->when - now > 24 * 3600 * 1000)
		return 24 * 3600 * 1000;
	return (int)(heap[0]->when - now);
}

#ifdef USE_EPOLL
#define NEVENTS	256

int
ev_run(void)
{
	struct epoll_event	 evs[NEVENTS];
	struct watcher		*w;
	int			 n, i, fd, ev;
	uint32_t		 re;

	running = 1;
	while (running) {
		n = epoll_wait(epfd, evs, NEVENTS, wait_ms());
		if (n == -1) {
			if (errno == EINTR)
				continue;
			log_warn("epoll_wait");
			return -1;
		}
		clock_check();
		for (i = 0; i < n && running; i++) {
			fd = (int)(uint32_t)evs[i].data.u64;
			if ((size_t)fd >= nwatchers)
				continue;
			w = &watchers[fd];
			/* gone, or another registration since this wait */
			if (w->events == 0 ||
			    w->gen != (uint32_t)(evs[i].data.u64 >> 32))
				continue;
			re = evs[i].events;
			ev = 0;
			if (re & (EPOLLIN | EPOLLHUP | EPOLLERR))
				ev |= EV_READ;
			if (re & (EPOLLOUT | EPOLLERR | EPOLLHUP))
				ev |= EV_WRITE;
			if (re & (EPOLLERR | EPOLLHUP))
				ev |= EV_HUP;
			ev &= w->events;
			if (ev)
				w->cb(fd, ev, w->arg);
		}
		timers_run();
	}
	return 0;
}
#else
int
ev_run(void)
{
	int		timeout, n, revents, ev;
	size_t		i;
	struct watcher	*w;

	running = 1;
	while (running) {
		if (pfds_dirty && pfds_build() == -1)
			return -1;
		timeout = wait_ms();
		n = poll(pfds, (nfds_t)npfds, timeout);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			log_warn("poll");
			return -1;
		}
		clock_check();
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
			if (revents & (POLLERR | POLLHUP))
				ev |= EV_HUP;
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
#endif
