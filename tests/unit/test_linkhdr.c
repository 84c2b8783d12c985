/* Unit tests for the Link header parser: the forms the Dashboard sends and
 * the sloppier ones a tolerant reader must still get right. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "linkhdr.h"

static void expect_link(const char *header, const char *rel, const char *want)
{
	char *url = NULL;
	int rc = ucf_link_find(header, rel, &url);
	if (!want) {
		assert_int_equal(rc, -ENOENT);
		assert_null(url);
		return;
	}
	assert_int_equal(rc, 0);
	assert_string_equal(url, want);
	free(url);
}

static void test_meraki_form(void **state)
{
	(void)state;
	const char *h = "<https://api.meraki.com/api/v1/organizations/1/apiRequests?perPage=3"
			"&startingAfter=a>; rel=first, <https://api.meraki.com/api/v1/organizations/1/"
			"apiRequests?perPage=3&startingAfter=b>; rel=prev, <https://api.meraki.com/api/"
			"v1/organizations/1/apiRequests?perPage=3&startingAfter=c>; rel=next, "
			"<https://api.meraki.com/api/v1/organizations/1/apiRequests?endingBefore=z>; "
			"rel=last";
	expect_link(h, "next", "https://api.meraki.com/api/v1/organizations/1/apiRequests?perPage=3"
			       "&startingAfter=c");
	expect_link(h, "prev", "https://api.meraki.com/api/v1/organizations/1/apiRequests?perPage=3"
			       "&startingAfter=b");
	expect_link(h, "last", "https://api.meraki.com/api/v1/organizations/1/apiRequests?"
			       "endingBefore=z");
}

static void test_quoting_case_and_spacing(void **state)
{
	(void)state;
	expect_link("<https://h/a>; rel=\"next\"", "next", "https://h/a");
	expect_link("<https://h/a>;rel=next", "next", "https://h/a");
	expect_link("<https://h/a>; REL=\"Next\"", "next", "https://h/a");
	expect_link("  <https://h/a> ;  rel = next  ", "next", "https://h/a");
	expect_link("<https://h/a>; rel='next'", "next", "https://h/a");
	expect_link("< https://h/a >; rel=next", "next", "https://h/a");
	expect_link("<https://h/a>; title=\"x, y; rel=next\"; rel=prev", "next", NULL);
	expect_link("<https://h/a>; title=\"x, y; rel=next\"; rel=prev", "prev", "https://h/a");
}

static void test_several_relations_and_params(void **state)
{
	(void)state;
	expect_link("<https://h/a>; rel=\"first next\"", "next", "https://h/a");
	expect_link("<https://h/a>; rel=\"first next\"", "first", "https://h/a");
	expect_link("<https://h/a>; rel=\"nextpage\"", "next", NULL);
	expect_link("<https://h/a>; type=\"text/html\"; rel=next; title=x", "next", "https://h/a");
	/* the first match wins */
	expect_link("<https://h/1>; rel=next, <https://h/2>; rel=next", "next", "https://h/1");
}

static void test_commas_and_semicolons_inside_the_url(void **state)
{
	(void)state;
	expect_link("<https://h/p?ids=1,2;3>; rel=first, <https://h/p?ids=4,5>; rel=next", "next",
		    "https://h/p?ids=4,5");
}

static void test_garbage_is_skipped(void **state)
{
	(void)state;
	expect_link("garbage, <https://h/a>; rel=next", "next", "https://h/a");
	expect_link(";;;, ,, <https://h/a>; rel=next", "next", "https://h/a");
	expect_link("<>; rel=next, <https://h/b>; rel=next", "next", "https://h/b");
	expect_link("<https://h/a; rel=next", "next", NULL); /* unterminated */
	expect_link("<https://h/a, <https://h/b>; rel=next", "next", "https://h/b");
	expect_link("", "next", NULL);
	expect_link(NULL, "next", NULL);
	expect_link("https://h/a; rel=next", "next", NULL); /* no <> */
	expect_link("<https://h/a>; rel", "next", NULL);
	expect_link("<https://h/a>; rel=", "next", NULL);
	expect_link("<https://h/a>; rel=\"next", "next", "https://h/a"); /* unterminated quote */
}

static void test_relative_reference_kept_as_given(void **state)
{
	(void)state;
	expect_link("</api/v1/x?startingAfter=3>; rel=next", "next", "/api/v1/x?startingAfter=3");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_meraki_form),
		cmocka_unit_test(test_quoting_case_and_spacing),
		cmocka_unit_test(test_several_relations_and_params),
		cmocka_unit_test(test_commas_and_semicolons_inside_the_url),
		cmocka_unit_test(test_garbage_is_skipped),
		cmocka_unit_test(test_relative_reference_kept_as_given),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
