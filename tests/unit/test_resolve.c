/* Unit tests for appliance.open's resolver: what an answer may open, and a
 * whole round through getaddrinfo_a (numeric names: no DNS, no files). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "enforce_fixture.h"
#include "resolve.h"

static void fill4(struct addrinfo *ai, struct sockaddr_in *sa, const char *a, struct addrinfo *next)
{
	memset(ai, 0, sizeof(*ai));
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	inet_pton(AF_INET, a, &sa->sin_addr);
	ai->ai_family = AF_INET;
	ai->ai_addr = (struct sockaddr *)sa;
	ai->ai_addrlen = sizeof(*sa);
	ai->ai_next = next;
}

static void test_pick(void **state)
{
	(void)state;
	struct fixture f;
	fx_init(&f, UCF_MODE_APPLIANCE); /* E 10.20.0.0/24 ..., A 10.40.0.2 */
	struct addrinfo ai[6];
	struct sockaddr_in sa[5];
	struct sockaddr_in6 sa6;
	memset(&sa6, 0, sizeof(sa6));
	sa6.sin6_family = AF_INET6;
	inet_pton(AF_INET6, "2001:db8::9", &sa6.sin6_addr);
	memset(&ai[5], 0, sizeof(ai[5]));
	ai[5].ai_family = AF_INET6;
	ai[5].ai_addr = (struct sockaddr *)&sa6;
	ai[5].ai_addrlen = sizeof(sa6);
	fill4(&ai[4], &sa[4], "203.0.113.9", &ai[5]); /* a duplicate of the first */
	fill4(&ai[3], &sa[3], "127.0.0.1", &ai[4]);
	fill4(&ai[2], &sa[2], "10.40.0.2", &ai[3]);
	fill4(&ai[1], &sa[1], "192.168.1.1", &ai[2]);
	fill4(&ai[0], &sa[0], "203.0.113.9", &ai[1]);
	struct ucf_prefix out[4];
	size_t refused = 0;
	assert_int_equal(ucf_resolve_pick(ai, &f.cfg, out, 4, &refused), 2);
	assert_int_equal(refused, 3); /* private, A, loopback */
	char t[64];
	ucf_prefix_format(&out[0], t, sizeof(t));
	assert_string_equal(t, "203.0.113.9");
	ucf_prefix_format(&out[1], t, sizeof(t));
	assert_string_equal(t, "2001:db8::9");
	/* the cap: the rest counted */
	refused = 0;
	assert_int_equal(ucf_resolve_pick(ai, &f.cfg, out, 1, &refused), 1);
	assert_int_equal(refused, 4);
	fx_free(&f);
}

static void test_round(void **state)
{
	(void)state;
	struct fixture f;
	struct ucf_resolver *r = NULL;
	char note[256];
	fx_init(&f, UCF_MODE_APPLIANCE);
	char *names[] = { "203.0.113.9", "10.0.0.1" };
	struct ucf_string_list hosts = { names, 2 };
	assert_int_equal(ucf_resolver_new(&r, &hosts), 0);
	struct ucf_prefix out[8];
	assert_int_equal(ucf_resolver_addrs(r, &f.cfg, out, 8), 0);
	/* the first tick starts a round; later ticks collect it */
	assert_false(ucf_resolver_tick(r, &f.cfg, 1000, 300000, note, sizeof(note)));
	bool done = false;
	for (int i = 0; i < 500 && !done; i++) {
		struct timespec ts = { 0, 10 * 1000 * 1000 };
		nanosleep(&ts, NULL);
		done = ucf_resolver_tick(r, &f.cfg, 1001 + (uint64_t)i, 300000, note, sizeof(note));
	}
	assert_true(done);
	assert_string_equal(note, "10.0.0.1: 1 address refused (not global, or the site's)");
	/* the figures the status shows: one round, one refused, no failure */
	struct ucf_resolver_stats st;
	ucf_resolver_get_stats(r, &st);
	assert_int_equal(st.rounds, 1);
	assert_int_equal(st.refused, 1);
	assert_int_equal(st.failures, 0);
	ucf_resolver_get_stats(NULL, &st); /* no names: all zero */
	assert_int_equal(st.rounds + st.refused + st.failures, 0);
	assert_int_equal(ucf_resolver_addrs(r, &f.cfg, out, 8), 1);
	char t[64];
	ucf_prefix_format(&out[0], t, sizeof(t));
	assert_string_equal(t, "203.0.113.9");
	/* a reload that makes the answer the site's own (here E) closes it
	 * before the next round: the last good addresses are checked again */
	struct ucf_prefix_list e_before = f.cfg.uc.endpoints;
	struct ucf_prefix e_public = fx_prefix("203.0.113.0/24");
	f.cfg.uc.endpoints = (struct ucf_prefix_list){ &e_public, 1 };
	assert_int_equal(ucf_resolver_addrs(r, &f.cfg, out, 8), 0);
	f.cfg.uc.endpoints = e_before;
	assert_int_equal(ucf_resolver_addrs(r, &f.cfg, out, 8), 1);
	/* not due again before the refresh */
	assert_false(ucf_resolver_tick(r, &f.cfg, 2000, 300000, note, sizeof(note)));
	assert_false(ucf_resolver_tick(r, &f.cfg, 2100, 300000, note, sizeof(note)));
	ucf_resolver_free(r);
	fx_free(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pick),
		cmocka_unit_test(test_round),
	};
	return cmocka_run_group_tests_name("resolve", tests, NULL, NULL);
}
