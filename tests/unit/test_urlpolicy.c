/* Unit tests for where the API key may go, and URL resolution. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* "https://" + labels of `label` characters up to `prefix` characters, then
 * tail: a host name that only looks like the API's when cut short. */
static const char *long_host_url(size_t label, size_t prefix, const char *tail)
{
	static char url[1024];
	size_t n = (size_t)snprintf(url, sizeof(url), "https://");
	for (size_t i = 0; i < prefix; i++)
		url[n++] = (i + 1) % (label + 1) == 0 ? '.' : 'a';
	snprintf(url + n, sizeof(url) - n, "%s", tail);
	return url;
}

static void test_host_names_that_do_not_fit(void **state)
{
	(void)state;
	/* five labels of 48 are 244 characters; with ".meraki.com" they fill
	 * 255: a host cut there would be in the API's domain, but the name is
	 * another host's */
	assert_false(ucf_key_allowed(BASE, long_host_url(48, 244, ".meraki.com.evil.example/x")));
	assert_false(ucf_key_allowed(BASE, long_host_url(48, 244, ".meraki.com.evil.example:443/x")));
	/* a DNS name is at most 253 characters, a label at most 63 */
	assert_false(ucf_key_allowed(BASE, long_host_url(60, 243, ".meraki.com/x")));
	assert_false(ucf_key_allowed(BASE, long_host_url(64, 64, ".meraki.com/x")));
	assert_false(ucf_key_allowed(BASE, "https://a..meraki.com/x"));
	/* the longest names that fit are still the API's */
	assert_true(ucf_key_allowed(BASE, long_host_url(63, 63, ".meraki.com/x")));
	assert_true(ucf_key_allowed(BASE, long_host_url(60, 242, ".meraki.com/x")));
	/* nor is a base URL with such a host any domain's */
	assert_false(ucf_key_allowed(long_host_url(64, 64, ".meraki.com/"),
				     long_host_url(64, 64, ".meraki.com/x")));
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
	/* never from https down to plain http: a next page or a redirect could
	 * otherwise send the request (and its answers) in clear */
	assert_int_equal(ucf_url_resolve(BASE, "http://api.meraki.com/api/v1/x", &u), -22);
	assert_null(u);
	assert_int_equal(ucf_url_resolve(BASE, "HTTP://api.meraki.com/x", &u), -22);
	assert_int_equal(ucf_url_resolve(BASE, "//api.meraki.com/x", &u), 0); /* keeps https */
	assert_string_equal(u, "https://api.meraki.com/x");
	free(u);
	/* a loopback http base (tests) may page over http */
	assert_int_equal(ucf_url_resolve("http://127.0.0.1:8080/a", "/b?c=1", &u), 0);
	assert_string_equal(u, "http://127.0.0.1:8080/b?c=1");
	free(u);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_host_and_shards),
		cmocka_unit_test(test_foreign_hosts_never),
		cmocka_unit_test(test_host_names_that_do_not_fit),
		cmocka_unit_test(test_scheme_and_port),
		cmocka_unit_test(test_loopback_exactly),
		cmocka_unit_test(test_resolve),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
