/* reactor.c — epoll + timerfd. Watches live in a list whose removed entries
 * are freed only after dispatch, so a callback may remove a watch whose event
 * is still pending in the same epoll_wait batch. */
#include "reactor.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "timefmt.h"

struct watch {
	int fd;
	uint32_t events;
	ucf_fd_fn fn;
	void *ctx;
	bool dead;
	struct watch *next;
};

struct ucf_reactor {
	int epfd, tfd;
	struct ucf_timer *timers; /* sorted by deadline */
	struct watch *watches;
	int dispatching;
	uint64_t seq;
	/* The deadline the timerfd holds (0: none, or it fired): re-armed only
	 * when the first deadline changes, not on every wakeup, which under a
	 * capture flood would be two system calls per handful of packets. */
	uint64_t armed_ms;
};

int ucf_reactor_new(struct ucf_reactor **out, char *err, size_t errlen)
{
	struct ucf_reactor *r = calloc(1, sizeof(*r));
	if (!r) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	r->epfd = epoll_create1(EPOLL_CLOEXEC);
	r->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL }; /* NULL: the timerfd */
	if (r->epfd < 0 || r->tfd < 0 || epoll_ctl(r->epfd, EPOLL_CTL_ADD, r->tfd, &ev) < 0) {
		int rc = -errno;
		snprintf(err, errlen, "cannot set up the event reactor: %s", strerror(errno));
		if (r->epfd >= 0)
			close(r->epfd);
		if (r->tfd >= 0)
			close(r->tfd);
		free(r);
		return rc;
	}
	*out = r;
	return 0;
}

static void reap(struct ucf_reactor *r)
{
	for (struct watch **p = &r->watches; *p;) {
		struct watch *w = *p;
		if (w->dead) {
			*p = w->next;
			free(w);
		} else {
			p = &w->next;
		}
	}
}

void ucf_reactor_free(struct ucf_reactor *r)
{
	if (!r)
		return;
	for (struct watch *w = r->watches; w; w = w->next)
		w->dead = true;
	reap(r);
	close(r->tfd);
	close(r->epfd);
	free(r);
}

int ucf_reactor_watch(struct ucf_reactor *r, int fd, uint32_t events, ucf_fd_fn fn, void *ctx)
{
	struct watch *w = r->watches;
	while (w && (w->dead || w->fd != fd))
		w = w->next;
	if (events == 0) {
		if (w) {
			w->dead = true;
			/* The fd may already be closed (curl closes, then tells us). */
			epoll_ctl(r->epfd, EPOLL_CTL_DEL, fd, NULL);
			if (!r->dispatching)
				reap(r);
		}
		return 0;
	}
	bool add = !w;
	if (add) {
		if (!(w = calloc(1, sizeof(*w))))
			return -ENOMEM;
		w->fd = fd;
	}
	w->events = events;
	w->fn = fn;
	w->ctx = ctx;
	struct epoll_event ev = { .events = events, .data.ptr = w };
	if (epoll_ctl(r->epfd, add ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, fd, &ev) < 0) {
		int rc = -errno;
		if (add)
			free(w);
		return rc;
	}
	if (add) {
		w->next = r->watches;
		r->watches = w;
	}
	return 0;
}

static void rearm(struct ucf_reactor *r)
{
	struct itimerspec its = { 0 };
	uint64_t want = r->timers ? r->timers->deadline_ms : 0;
	if (want == r->armed_ms)
		return;
	r->armed_ms = want;
	if (r->timers) {
		uint64_t d = want;
		its.it_value.tv_sec = (time_t)(d / 1000);
		its.it_value.tv_nsec = (long)(d % 1000) * 1000000L;
		if (its.it_value.tv_sec == 0 && its.it_value.tv_nsec == 0)
			its.it_value.tv_nsec = 1; /* zero would disarm */
	}
	timerfd_settime(r->tfd, TFD_TIMER_ABSTIME, &its, NULL);
}

static void unlink_timer(struct ucf_reactor *r, struct ucf_timer *t)
{
	for (struct ucf_timer **p = &r->timers; *p; p = &(*p)->next) {
		if (*p == t) {
			*p = t->next;
			break;
		}
	}
	t->armed = false;
	t->next = NULL;
}

void ucf_timer_arm(struct ucf_reactor *r, struct ucf_timer *t, uint64_t delay_ms,
		   ucf_timer_fn fn, void *ctx)
{
	if (t->armed)
		unlink_timer(r, t);
	t->deadline_ms = ucf_mono_ms() + delay_ms;
	t->fn = fn;
	t->ctx = ctx;
	t->armed = true;
	t->seq = ++r->seq;
	struct ucf_timer **p = &r->timers;
	while (*p && (*p)->deadline_ms <= t->deadline_ms)
		p = &(*p)->next;
	t->next = *p;
	*p = t;
	if (!r->dispatching)
		rearm(r);
}

void ucf_timer_cancel(struct ucf_reactor *r, struct ucf_timer *t)
{
	if (!t->armed)
		return;
	unlink_timer(r, t);
	if (!r->dispatching)
		rearm(r);
}

static int run_timers(struct ucf_reactor *r, bool fired)
{
	uint64_t buf, now, limit = r->seq;
	int ran = 0;
	if (fired) {
		while (read(r->tfd, &buf, sizeof(buf)) > 0)
			; /* drain the expiry count */
		r->armed_ms = 0; /* spent: the next deadline is set even if equal */
	}
	if (!r->timers)
		return 0;
	now = ucf_mono_ms();
	/* Timers due now and armed before this round; one a callback re-arms,
	 * even with delay 0, runs in the next round (no livelock). */
	for (;;) {
		struct ucf_timer *t = r->timers;
		while (t && !(t->deadline_ms <= now && t->seq <= limit))
			t = t->deadline_ms <= now ? t->next : NULL;
		if (!t)
			break;
		unlink_timer(r, t);
		t->fn(t->ctx);
		ran++;
	}
	return ran;
}

int ucf_reactor_dispatch(struct ucf_reactor *r, int timeout_ms)
{
	struct epoll_event evs[16];
	int n = epoll_wait(r->epfd, evs, 16, timeout_ms);
	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	int ran = 0;
	bool fired = false;
	r->dispatching++;
	for (int i = 0; i < n; i++) {
		struct watch *w = evs[i].data.ptr;
		fired |= !w;
		if (w && !w->dead) {
			w->fn(w->ctx, w->fd, evs[i].events);
			ran++;
		}
	}
	ran += run_timers(r, fired);
	r->dispatching--;
	if (!r->dispatching) {
		reap(r);
		rearm(r);
	}
	return ran;
}
