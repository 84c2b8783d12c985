/* Unit tests for the pinhole latency ring, against a sorted model. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "latency.h"

static void test_empty(void **state)
{
	(void)state;
	static struct ucf_latency l;
	struct ucf_latency_summary s;
	assert_int_equal(ucf_latency_summarize(&l, &s), 0);
	assert_int_equal(s.total, 0);
	assert_int_equal(s.window, 0);
	assert_int_equal(s.median_us, 0);
	assert_int_equal(s.p99_us, 0);
}

static void test_nearest_rank(void **state)
{
	(void)state;
	static struct ucf_latency l;
	struct ucf_latency_summary s;
	for (uint32_t v = 100; v >= 1; v--) /* out of order on purpose */
		ucf_latency_add(&l, v);
	assert_int_equal(ucf_latency_summarize(&l, &s), 0);
	assert_int_equal(s.window, 100);
	assert_int_equal(s.median_us, 50);
	assert_int_equal(s.p99_us, 99);
	assert_int_equal(s.max_window_us, 100);
	assert_int_equal(s.sum_us, 5050);
	memset(&l, 0, sizeof(l));
	ucf_latency_add(&l, 7);
	ucf_latency_add(&l, 9);
	ucf_latency_summarize(&l, &s);
	assert_int_equal(s.median_us, 7);
	assert_int_equal(s.p99_us, 9);
}

static int cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return (x > y) - (x < y);
}

/* After wrapping, the percentiles cover the last WINDOW samples only, and
 * max_us remembers the largest ever. */
static void test_window_against_model(void **state)
{
	(void)state;
	enum { N = UCF_LATENCY_WINDOW * 3 + 123 };
	static struct ucf_latency l;
	static uint32_t all[N], last[UCF_LATENCY_WINDOW];
	struct ucf_latency_summary s;
	srand(11);
	for (uint32_t i = 0; i < N; i++) {
		all[i] = i == 5 ? 9000000u : (uint32_t)(rand() % 5000);
		ucf_latency_add(&l, all[i]);
	}
	memcpy(last, all + N - UCF_LATENCY_WINDOW, sizeof(last));
	qsort(last, UCF_LATENCY_WINDOW, sizeof(last[0]), cmp);
	assert_int_equal(ucf_latency_summarize(&l, &s), 0);
	assert_int_equal(s.total, N);
	assert_int_equal(s.window, UCF_LATENCY_WINDOW);
	assert_int_equal(s.median_us, last[UCF_LATENCY_WINDOW / 2 - 1]);
	assert_int_equal(s.p99_us, last[(UCF_LATENCY_WINDOW * 99 + 99) / 100 - 1]);
	assert_int_equal(s.max_window_us, last[UCF_LATENCY_WINDOW - 1]);
	assert_int_equal(s.max_us, 9000000u);
}

static void test_clamped(void **state)
{
	(void)state;
	static struct ucf_latency l;
	struct ucf_latency_summary s;
	ucf_latency_add(&l, UINT64_MAX);
	ucf_latency_summarize(&l, &s);
	assert_int_equal(s.max_us, UINT32_MAX);
	assert_int_equal(s.median_us, UINT32_MAX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_nearest_rank),
		cmocka_unit_test(test_window_against_model),
		cmocka_unit_test(test_clamped),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
