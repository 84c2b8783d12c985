/* Unit tests for the epoll loop and its timers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "loop.h"

struct seen {
	int calls;
	int last_fd;
	struct ucf_loop *loop;
	int unwatch_fd; /* unwatched by the handler, to test same-batch safety */
};

static void on_ready(void *arg, int fd, uint32_t events)
{
	struct seen *s = arg;
	char buf[16];
	assert_true(events & EPOLLIN);
	assert_true(read(fd, buf, sizeof(buf)) > 0);
	s->calls++;
	s->last_fd = fd;
	if (s->unwatch_fd >= 0)
		ucf_loop_unwatch(s->loop, s->unwatch_fd);
}

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void test_fd_dispatch(void **state)
{
	(void)state;
	struct ucf_loop *loop;
	int p[2];
	struct seen s = { .unwatch_fd = -1 };
	assert_int_equal(ucf_loop_new(&loop), 0);
	assert_int_equal(pipe(p), 0);
	assert_int_equal(ucf_loop_watch(loop, p[0], EPOLLIN, on_ready, &s), 0);
	/* nothing ready: returns after the timeout having run nothing */
	uint64_t t0 = now_ms();
	assert_int_equal(ucf_loop_run_once(loop, 50), 0);
	assert_true(now_ms() - t0 >= 45);
	assert_int_equal(write(p[1], "x", 1), 1);
	assert_int_equal(ucf_loop_run_once(loop, 1000), 1);
	assert_int_equal(s.calls, 1);
	assert_int_equal(s.last_fd, p[0]);
	assert_int_equal(ucf_loop_unwatch(loop, p[0]), 0);
	assert_int_equal(ucf_loop_unwatch(loop, p[0]), -ENOENT);
	assert_int_equal(write(p[1], "x", 1), 1);
	assert_int_equal(ucf_loop_run_once(loop, 20), 0);
	assert_int_equal(s.calls, 1);
	assert_int_equal(ucf_loop_watch(loop, -1, EPOLLIN, on_ready, &s), -EINVAL);
	close(p[0]);
	close(p[1]);
	ucf_loop_free(loop);
}

/* A handler that unwatches another fd ready in the same batch: that fd's
 * handler must not run. */
static void test_unwatch_in_batch(void **state)
{
	(void)state;
	struct ucf_loop *loop;
	int a[2], b[2];
	struct seen sa = { .unwatch_fd = -1 }, sb = { .unwatch_fd = -1 };
	assert_int_equal(ucf_loop_new(&loop), 0);
	assert_int_equal(pipe(a), 0);
	assert_int_equal(pipe(b), 0);
	sa.loop = sb.loop = loop;
	sa.unwatch_fd = b[0];
	sb.unwatch_fd = a[0];
	assert_int_equal(ucf_loop_watch(loop, a[0], EPOLLIN, on_ready, &sa), 0);
	assert_int_equal(ucf_loop_watch(loop, b[0], EPOLLIN, on_ready, &sb), 0);
	assert_int_equal(write(a[1], "x", 1), 1);
	assert_int_equal(write(b[1], "x", 1), 1);
	assert_int_equal(ucf_loop_run_once(loop, 1000), 1);
	assert_int_equal(sa.calls + sb.calls, 1);
	close(a[0]); close(a[1]); close(b[0]); close(b[1]);
	ucf_loop_free(loop);
}

struct tick {
	int count;
	int stop_after;
	struct ucf_loop *loop;
};

static void on_tick(void *arg)
{
	struct tick *t = arg;
	if (++t->count == t->stop_after)
		ucf_loop_stop(t->loop);
}

static void test_timers(void **state)
{
	(void)state;
	struct ucf_loop *loop;
	struct ucf_timer *once, *every;
	struct tick t1 = { 0 }, t2 = { 0 };
	assert_int_equal(ucf_loop_new(&loop), 0);
	t2.loop = loop;
	t2.stop_after = 3;
	assert_int_equal(ucf_timer_new(loop, on_tick, &t1, &once), 0);
	assert_int_equal(ucf_timer_new(loop, on_tick, &t2, &every), 0);
	assert_int_equal(ucf_timer_arm(once, 10, 0), 0);
	assert_int_equal(ucf_timer_arm(every, 0, 30), 0);
	uint64_t t0 = now_ms();
	assert_int_equal(ucf_loop_run(loop), 0);
	/* fires at ~0, 30, 60 ms: the third tick stops the loop */
	assert_int_equal(t2.count, 3);
	assert_true(now_ms() - t0 >= 55);
	assert_int_equal(t1.count, 1);
	/* disarmed: nothing fires */
	assert_int_equal(ucf_timer_arm(every, 0, 0), 0);
	assert_int_equal(ucf_loop_run_once(loop, 60), 0);
	assert_int_equal(t2.count, 3);
	ucf_timer_free(once);
	ucf_loop_free(loop); /* frees `every` too: LeakSanitizer checks */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fd_dispatch),
		cmocka_unit_test(test_unwatch_in_batch),
		cmocka_unit_test(test_timers),
	};
	return cmocka_run_group_tests_name("loop", tests, NULL, NULL);
}
