/* loop.c — epoll + timerfd, dispatch by fd in O(1). */
#include "loop.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>

struct watch {
	ucf_loop_fn fn;
	void *arg;
	bool active;
};

struct ucf_timer {
	struct ucf_loop *loop;
	int fd;
	ucf_timer_fn fn;
	void *arg;
	struct ucf_timer *next; /* the loop's list, freed with it */
};

struct ucf_loop {
	int epfd;
	bool stop;
	struct watch *watches; /* indexed by fd */
	int nwatches;
	struct ucf_timer *timers;
};

int ucf_loop_new(struct ucf_loop **out)
{
	struct ucf_loop *loop = calloc(1, sizeof(*loop));
	if (!loop)
		return -ENOMEM;
	loop->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (loop->epfd < 0) {
		int rc = -errno;
		free(loop);
		return rc;
	}
	*out = loop;
	return 0;
}

void ucf_loop_free(struct ucf_loop *loop)
{
	if (!loop)
		return;
	while (loop->timers)
		ucf_timer_free(loop->timers);
	close(loop->epfd);
	free(loop->watches);
	free(loop);
}

int ucf_loop_watch(struct ucf_loop *loop, int fd, uint32_t events, ucf_loop_fn fn, void *arg)
{
	if (fd < 0 || !fn)
		return -EINVAL;
	if (fd >= loop->nwatches) {
		int n = fd + 16;
		struct watch *grown = realloc(loop->watches, (size_t)n * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		memset(grown + loop->nwatches, 0, (size_t)(n - loop->nwatches) * sizeof(*grown));
		loop->watches = grown;
		loop->nwatches = n;
	}
	struct epoll_event ev = { .events = events, .data.fd = fd };
	int op = loop->watches[fd].active ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
	if (epoll_ctl(loop->epfd, op, fd, &ev) < 0)
		return -errno;
	loop->watches[fd] = (struct watch){ fn, arg, true };
	return 0;
}

int ucf_loop_unwatch(struct ucf_loop *loop, int fd)
{
	if (fd < 0 || fd >= loop->nwatches || !loop->watches[fd].active)
		return -ENOENT;
	loop->watches[fd].active = false;
	if (epoll_ctl(loop->epfd, EPOLL_CTL_DEL, fd, NULL) < 0)
		return -errno;
	return 0;
}

int ucf_loop_run_once(struct ucf_loop *loop, int timeout_ms)
{
	struct epoll_event events[64];
	int n = epoll_wait(loop->epfd, events, 64, timeout_ms);
	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	int ran = 0;
	for (int i = 0; i < n; i++) {
		int fd = events[i].data.fd;
		/* a handler earlier in this batch may have unwatched this fd */
		if (fd >= loop->nwatches || !loop->watches[fd].active)
			continue;
		struct watch w = loop->watches[fd];
		w.fn(w.arg, fd, events[i].events);
		ran++;
	}
	return ran;
}

int ucf_loop_run(struct ucf_loop *loop)
{
	loop->stop = false;
	while (!loop->stop) {
		int rc = ucf_loop_run_once(loop, -1);
		if (rc < 0)
			return rc;
	}
	return 0;
}

void ucf_loop_stop(struct ucf_loop *loop)
{
	loop->stop = true;
}

static void timer_ready(void *arg, int fd, uint32_t events)
{
	struct ucf_timer *t = arg;
	uint64_t expirations;
	(void)events;
	/* a timer re-armed or disarmed since it fired reads EAGAIN: not due */
	if (read(fd, &expirations, sizeof(expirations)) != sizeof(expirations))
		return;
	t->fn(t->arg);
}

int ucf_timer_new(struct ucf_loop *loop, ucf_timer_fn fn, void *arg, struct ucf_timer **out)
{
	struct ucf_timer *t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (t->fd < 0) {
		int rc = -errno;
		free(t);
		return rc;
	}
	int rc = ucf_loop_watch(loop, t->fd, EPOLLIN, timer_ready, t);
	if (rc < 0) {
		close(t->fd);
		free(t);
		return rc;
	}
	t->loop = loop;
	t->fn = fn;
	t->arg = arg;
	t->next = loop->timers;
	loop->timers = t;
	*out = t;
	return 0;
}

static struct timespec ms_to_ts(uint64_t ms)
{
	return (struct timespec){ .tv_sec = (time_t)(ms / 1000), .tv_nsec = (long)(ms % 1000) * 1000000 };
}

int ucf_timer_arm(struct ucf_timer *t, uint64_t first_ms, uint64_t interval_ms)
{
	struct itimerspec spec = { .it_value = ms_to_ts(first_ms),
				   .it_interval = ms_to_ts(interval_ms) };
	/* 0 would disarm: a due-now timer fires after 1 ns instead */
	if (first_ms == 0 && interval_ms != 0)
		spec.it_value.tv_nsec = 1;
	return timerfd_settime(t->fd, 0, &spec, NULL) < 0 ? -errno : 0;
}

void ucf_timer_free(struct ucf_timer *t)
{
	if (!t)
		return;
	for (struct ucf_timer **p = &t->loop->timers; *p; p = &(*p)->next) {
		if (*p == t) {
			*p = t->next;
			break;
		}
	}
	ucf_loop_unwatch(t->loop, t->fd);
	close(t->fd);
	free(t);
}
