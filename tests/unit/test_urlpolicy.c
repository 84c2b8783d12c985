/* Unit tests for where the API key may go, and URL resolution. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>

#include "urlpolicy.h"

#define BASE "https://api.meraki.com/api/v1"

static void test_same_host_and_shards(void **state)
{
	(void)state;
	assert_true(ucf_key_allowed(BASE, "https://api.meraki.com/api/v1/organizations/1/x"));
	assert_true(ucf_key_allowed(BASE, "https://API.Meraki.com/api/v1/x"));
	assert_true(ucf_key_allowed(BASE, "https://n42.meraki.com/api/v1/x"));
	assert_true(ucf_key_allowed(BASE, "https://meraki.com/x"));
	assert_true(ucf_key_allowed(BASE, "https://api.meraki.com:443/x"));
	assert_true(ucf_key_allowed("https://api.meraki.ca/api/v1", "https://n1.meraki.ca/x"));
	assert_true(ucf_key_allowed("https://api.gov-meraki.com/api/v1", "https://x.gov-meraki.com/"));
}

static void test_foreign_hosts_never(void **state)
{
	(void)state;
	assert_false(ucf_key_allowed(BASE, "https://evil.example/api/v1/x"));
	assert_false(ucf_key_allowed(BASE, "https://meraki.com.evil.example/x"));
	assert_false(ucf_key_allowed(BASE, "https://evilmeraki.com/x"));
	assert_false(ucf_key_allowed(BASE, "https://api.meraki.ca/x")); /* another region */
	assert_false(ucf_key_allowed(BASE, "https://com/x"));
	assert_false(ucf_key_allowed(BASE, "https://203.0.113.5/x"));
	/* a public suffix is no domain of anyone's */
	assert_false(ucf_key_allowed("https://a.github.io/x", "https://b.github.io/x"));
	assert_false(ucf_key_allowed("https://meraki.co.uk/x", "https://evil.co.uk/x"));
}

static void test_scheme_and_port(void **state)
{
	(void)state;
	assert_false(ucf_key_allowed(BASE, "http://api.meraki.com/api/v1/x"));
	assert_false(ucf_key_allowed(BASE, "https://api.meraki.com:8443/x"));
	assert_false(ucf_key_allowed(BASE, "ftp://api.meraki.com/x"));
	assert_false(ucf_key_allowed(BASE, "not a url"));
	assert_false(ucf_key_allowed(NULL, BASE));
	assert_false(ucf_key_allowed("http://api.meraki.com/api/v1", "http://api.meraki.com/x"));
}

static void test_loopback_exactly(void **state)
{
	(void)state;
	const char *b = "https://127.0.0.1:8443/api/v1";
	assert_true(ucf_key_allowed(b, "https://127.0.0.1:8443/api/v1/x"));
	assert_false(ucf_key_allowed(b, "https://127.0.0.1:9443/api/v1/x"));
	assert_false(ucf_key_allowed(b, "https://localhost:8443/api/v1/x"));
	assert_false(ucf_key_allowed(b, "https://127.0.0.2:8443/api/v1/x"));
	const char *h = "http://127.0.0.1:8080/api/v1";
	assert_true(ucf_key_allowed(h, "http://127.0.0.1:8080/api/v1/x"));
	assert_false(ucf_key_allowed(h, "http://localhost:8080/x"));
	assert_false(ucf_key_allowed(h, "https://127.0.0.1:8080/x"));
	const char *l = "https://localhost:8443/api/v1";
	assert_true(ucf_key_allowed(l, "https://localhost:8443/x"));
	assert_false(ucf_key_allowed(l, "https://otherhost:8443/x"));
	assert_true(ucf_key_allowed("https://[::1]:8443/a", "https://[::1]:8443/b"));
	assert_false(ucf_key_allowed("https://[::1]:8443/a", "https://[::2]:8443/b"));
}

static void test_resolve(void **state)
{
	(void)state;
	char *u = NULL;
	assert_int_equal(ucf_url_resolve(BASE "/organizations/1/x?a=1", "/api/v1/y?b=2", &u), 0);
	assert_string_equal(u, "https://api.meraki.com/api/v1/y?b=2");
	free(u);
	assert_int_equal(ucf_url_resolve(BASE, "https://n1.meraki.com/z", &u), 0);
	assert_string_equal(u, "https://n1.meraki.com/z");
	free(u);
	assert_int_equal(ucf_url_resolve(BASE "/a/b", "c?x=%5B%5D", &u), 0);
	assert_string_equal(u, "https://api.meraki.com/api/v1/a/c?x=%5B%5D");
	free(u);
	u = NULL;
	assert_int_equal(ucf_url_resolve(BASE, "file:///etc/passwd", &u), -22);
	assert_null(u);
	assert_int_equal(ucf_url_resolve(BASE, "gopher://h/", &u), -22);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_host_and_shards),
		cmocka_unit_test(test_foreign_hosts_never),
		cmocka_unit_test(test_scheme_and_port),
		cmocka_unit_test(test_loopback_exactly),
		cmocka_unit_test(test_resolve),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
