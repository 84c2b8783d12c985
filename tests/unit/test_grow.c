/* Unit tests for grow.h: amortised and exact growth, and the refusal of
 * sizes that overflow size_t. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>

#include "grow.h"

static void test_doubling(void **state)
{
	(void)state;
	int *a = NULL;
	size_t cap = 0;
	a = ucf_grow_array(a, &cap, 1, sizeof(*a), 16);
	assert_non_null(a);
	assert_int_equal(cap, 16);
	a[15] = 7;
	int *same = ucf_grow_array(a, &cap, 16, sizeof(*a), 16);
	assert_ptr_equal(same, a); /* fits: nothing reallocated */
	a = ucf_grow_array(a, &cap, 17, sizeof(*a), 16);
	assert_non_null(a);
	assert_int_equal(cap, 32);
	assert_int_equal(a[15], 7);
	a = ucf_grow_array(a, &cap, 1000, sizeof(*a), 16);
	assert_int_equal(cap, 1024);
	a[999] = 1;
	a[0] = 9;
	/* exact: no capacity kept, the array is made need elements long */
	a = ucf_grow_array(a, NULL, 3, sizeof(*a), 0);
	assert_non_null(a);
	assert_int_equal(a[0], 9);
	free(a);
}

static void test_overflow_refused(void **state)
{
	(void)state;
	uint64_t *a = NULL;
	size_t cap = 0;
	a = ucf_grow_array(a, &cap, 4, sizeof(*a), 4);
	assert_non_null(a);
	a[3] = 42;
	/* need * size past SIZE_MAX: refused, the array and cap untouched */
	assert_null(ucf_grow_array(a, &cap, SIZE_MAX / sizeof(*a) + 1, sizeof(*a), 4));
	assert_int_equal(cap, 4);
	assert_int_equal(a[3], 42);
	assert_null(ucf_grow_array(a, NULL, SIZE_MAX / 2, 16, 0));
	assert_null(ucf_grow_array(a, &cap, SIZE_MAX, 2, 4));
	assert_int_equal(cap, 4);
	/* doubling would overflow: the exact need is taken instead, and refused */
	size_t big = SIZE_MAX / 2 + 2;
	assert_null(ucf_grow_array(a, &big, SIZE_MAX / 2 + 3, 2, 4));
	assert_int_equal(big, SIZE_MAX / 2 + 2);
	/* a zero element size or need is refused, not a zero-byte allocation */
	assert_null(ucf_grow_array(a, &cap, 8, 0, 4));
	assert_null(ucf_grow_array(a, NULL, 0, 8, 0));
	assert_int_equal(a[3], 42);
	free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_doubling),
		cmocka_unit_test(test_overflow_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
