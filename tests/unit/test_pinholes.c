/* Unit tests for the pinhole set, against a plain array as the model. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "pinholes.h"

static struct ucf_pinhole_key key(uint32_t n)
{
	struct ucf_pinhole_key k = { .family = AF_INET, .port = (uint16_t)(1000 + n % 7) };
	memcpy(k.addr, &n, sizeof(n));
	return k;
}

static void count_keys(void *arg, const struct ucf_pinhole_key *k)
{
	(void)k;
	(*(int *)arg)++;
}

static void test_against_model(void **state)
{
	(void)state;
	enum { N = 3000 };
	static bool model[N];
	struct ucf_pinholes *p;
	assert_int_equal(ucf_pinholes_new(N, &p), 0);
	srand(7);
	for (int step = 0; step < 200000; step++) {
		uint32_t n = (uint32_t)rand() % N;
		struct ucf_pinhole_key k = key(n);
		if (rand() % 3) {
			assert_int_equal(ucf_pinholes_add(p, &k), model[n] ? 0 : 1);
			model[n] = true;
		} else {
			assert_int_equal(ucf_pinholes_del(p, &k), model[n] ? 1 : 0);
			model[n] = false;
		}
	}
	uint32_t expect = 0;
	for (int n = 0; n < N; n++) {
		struct ucf_pinhole_key k = key((uint32_t)n);
		expect += model[n];
		/* present exactly when the model says so: a second add tells */
		int rc = ucf_pinholes_add(p, &k);
		assert_int_equal(rc, model[n] ? 0 : 1);
		if (rc == 1)
			ucf_pinholes_del(p, &k);
	}
	assert_int_equal(ucf_pinholes_count(p), expect);
	int walked = 0;
	ucf_pinholes_each(p, count_keys, &walked);
	assert_int_equal((uint32_t)walked, expect);
	ucf_pinholes_free(p);
}

static void test_cap_and_families(void **state)
{
	(void)state;
	struct ucf_pinholes *p;
	assert_int_equal(ucf_pinholes_new(2, &p), 0);
	struct ucf_pinhole_key a = key(1), b = key(1), c = key(2);
	b.family = AF_INET6; /* same bytes, other family: another key */
	assert_int_equal(ucf_pinholes_add(p, &a), 1);
	assert_int_equal(ucf_pinholes_add(p, &b), 1);
	assert_int_equal(ucf_pinholes_add(p, &c), -ENOSPC);
	assert_int_equal(ucf_pinholes_del(p, &a), 1);
	assert_int_equal(ucf_pinholes_add(p, &c), 1);
	assert_int_equal(ucf_pinholes_count(p), 2);
	ucf_pinholes_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_against_model),
		cmocka_unit_test(test_cap_and_families),
	};
	return cmocka_run_group_tests_name("pinholes", tests, NULL, NULL);
}
