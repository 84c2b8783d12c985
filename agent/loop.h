/* loop.h — the daemon's one thread of control: an epoll loop over file
 * descriptors and timers (timerfd). Handlers run to completion and must not
 * block; nothing here busy-polls, so an idle agent sleeps in epoll_wait. */
#ifndef UCF_LOOP_H
#define UCF_LOOP_H

#include <stdbool.h>
#include <stdint.h>

struct ucf_loop;
struct ucf_timer;

/* events are EPOLLIN/EPOLLOUT/... as reported by epoll. */
typedef void (*ucf_loop_fn)(void *arg, int fd, uint32_t events);
typedef void (*ucf_timer_fn)(void *arg);

int ucf_loop_new(struct ucf_loop **out);
/* Closes the epoll fd and frees timers still registered; does not close
 * watched fds (their owners do). */
void ucf_loop_free(struct ucf_loop *loop);

/* Adds fd, or changes its events/handler if already watched. */
int ucf_loop_watch(struct ucf_loop *loop, int fd, uint32_t events, ucf_loop_fn fn, void *arg);
int ucf_loop_unwatch(struct ucf_loop *loop, int fd);

/* Waits up to timeout_ms (-1: forever) and dispatches what is ready.
 * Returns the number of handlers run, or -errno. */
int ucf_loop_run_once(struct ucf_loop *loop, int timeout_ms);
/* Runs until ucf_loop_stop(); returns 0 or -errno. */
int ucf_loop_run(struct ucf_loop *loop);
void ucf_loop_stop(struct ucf_loop *loop);

int ucf_timer_new(struct ucf_loop *loop, ucf_timer_fn fn, void *arg, struct ucf_timer **out);
/* Fires once after first_ms, then every interval_ms (0: once). 0/0 disarms. */
int ucf_timer_arm(struct ucf_timer *timer, uint64_t first_ms, uint64_t interval_ms);
void ucf_timer_free(struct ucf_timer *timer);

#endif
