/* Unit tests for the reactor: timers in deadline order, a timer re-armed
 * with delay 0 from its own callback runs once per round (no livelock) and
 * wakes the next round at once, a callback removing another pending watch,
 * and the one fd a host loop uses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "reactor.h"
#include "timefmt.h"

static char order[16];
static struct ucf_reactor *r;

static void mark(void *ctx)
{
	strncat(order, ctx, 1);
}

static void test_timers_in_order(void **state)
{
	(void)state;
	char err[256];
	struct ucf_timer a = { 0 }, b = { 0 }, c = { 0 };
	assert_int_equal(ucf_reactor_new(&r, err, sizeof(err)), 0);
	order[0] = '\0';
	ucf_timer_arm(r, &a, 30, mark, "a");
	ucf_timer_arm(r, &b, 10, mark, "b");
	ucf_timer_arm(r, &c, 20, mark, "c");
	ucf_timer_cancel(r, &c);
	/* nothing is due before the first deadline */
	assert_int_equal(ucf_reactor_dispatch(r, 0), 0);
	assert_string_equal(order, "");
	uint64_t start = ucf_mono_ms();
	while (strlen(order) < 2)
		assert_true(ucf_reactor_dispatch(r, -1) >= 0);
	assert_string_equal(order, "ba");
	assert_true(ucf_mono_ms() - start >= 29);
	assert_false(a.armed || b.armed || c.armed);
	ucf_reactor_free(r);
}

static int spins;
static struct ucf_timer spin;

static void respin(void *ctx)
{
	(void)ctx;
	if (++spins < 5)
		ucf_timer_arm(r, &spin, 0, respin, NULL);
}

static void test_rearm_zero_is_one_per_round(void **state)
{
	(void)state;
	char err[256];
	assert_int_equal(ucf_reactor_new(&r, err, sizeof(err)), 0);
	spins = 0;
	memset(&spin, 0, sizeof(spin));
	ucf_timer_arm(r, &spin, 0, respin, NULL);
	assert_int_equal(ucf_reactor_dispatch(r, -1), 1);
	assert_int_equal(spins, 1);
	/* each round is woken by the timer, not by dispatch's timeout: a timer
	 * re-armed to the deadline the timerfd just spent must arm it again */
	uint64_t start = ucf_mono_ms();
	while (spins < 5)
		assert_int_equal(ucf_reactor_dispatch(r, 1000), 1);
	assert_true(ucf_mono_ms() - start < 1000);
	assert_int_equal(ucf_reactor_dispatch(r, 20), 0); /* idle: nothing runs */
	ucf_reactor_free(r);
}

static int pipes[2][2], hits[2];

static void on_fd(void *ctx, int fd, uint32_t events)
{
	(void)events;
	int i = (int)(intptr_t)ctx;
	char c;
	assert_int_equal(read(fd, &c, 1), 1);
	hits[i]++;
	/* whoever runs first removes the other, whose event may be pending */
	ucf_reactor_watch(r, pipes[1 - i][0], 0, NULL, NULL);
}

static void test_watch_removed_while_pending(void **state)
{
	(void)state;
	char err[256];
	assert_int_equal(ucf_reactor_new(&r, err, sizeof(err)), 0);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(pipe(pipes[i]), 0);
		assert_int_equal(ucf_reactor_watch(r, pipes[i][0], EPOLLIN, on_fd, (void *)(intptr_t)i), 0);
		assert_int_equal(write(pipes[i][1], "x", 1), 1);
	}
	hits[0] = hits[1] = 0;
	assert_int_equal(ucf_reactor_dispatch(r, 1000), 1);
	assert_int_equal(hits[0] + hits[1], 1);
	assert_int_equal(ucf_reactor_dispatch(r, 20), 0);
	for (int i = 0; i < 2; i++) {
		close(pipes[i][0]);
		close(pipes[i][1]);
	}
	ucf_reactor_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_timers_in_order),
		cmocka_unit_test(test_rearm_zero_is_one_per_round),
		cmocka_unit_test(test_watch_removed_while_pending),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
