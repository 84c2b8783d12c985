/* reactor.h — a small event reactor (epoll + one timerfd): each process has
 * one and IS its event loop. `ucfence run` (daemon.c) puts everything on it —
 * the capture sockets, the signalfd, nflog, the control socket, tamper
 * watching, and the watcher, the webhook sender and libcurl with their
 * timers — and loops on ucf_reactor_dispatch(r, -1); `watch` does the same
 * without the enforcement parts, and `watch --once` dispatches until the one
 * cycle is done. Callbacks run to completion and must not block. */
#ifndef UCF_REACTOR_H
#define UCF_REACTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ucf_reactor;

typedef void (*ucf_timer_fn)(void *ctx);
/* Caller-owned, intrusive; zero-initialise before first use. */
struct ucf_timer {
	uint64_t deadline_ms; /* CLOCK_MONOTONIC */
	ucf_timer_fn fn;
	void *ctx;
	bool armed;
	uint64_t seq; /* arming order: a timer armed during a round waits for the next */
	struct ucf_timer *next;
};

typedef void (*ucf_fd_fn)(void *ctx, int fd, uint32_t events);

int ucf_reactor_new(struct ucf_reactor **out, char *err, size_t errlen);
/* Timers and watches must have been cancelled/removed by their owners. */
void ucf_reactor_free(struct ucf_reactor *r);

/* Watches fd for events (EPOLLIN/EPOLLOUT); events 0 stops watching it. A
 * callback may add or remove any watch, including its own. */
int ucf_reactor_watch(struct ucf_reactor *r, int fd, uint32_t events, ucf_fd_fn fn, void *ctx);

/* (Re)arms t to fire once after delay_ms; cancel is a no-op when not armed. */
void ucf_timer_arm(struct ucf_reactor *r, struct ucf_timer *t, uint64_t delay_ms,
		   ucf_timer_fn fn, void *ctx);
void ucf_timer_cancel(struct ucf_reactor *r, struct ucf_timer *t);

/* Runs ready fd callbacks and due timers. timeout_ms: 0 = never wait, -1 =
 * wait for the next event, else at most that long. Returns the number of
 * callbacks run, or -errno. */
int ucf_reactor_dispatch(struct ucf_reactor *r, int timeout_ms);

#endif
