/* Unit tests for violation aggregation: per source, interface and reason
 * per window, the first packet reported at once and the rest in one
 * follow-up at the window's close; floods folded; memory capped. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "violations.h"

#define S 1000000ULL

struct reports {
	int n;
	struct ucf_drop_window v[64];
};

static void collect(void *arg, const struct ucf_drop_window *v)
{
	struct reports *r = arg;
	if (r->n < 64)
		r->v[r->n] = *v;
	r->n++;
}

static uint8_t *ip4(const char *s)
{
	static uint8_t buf[8][16];
	static int i;
	uint8_t *b = buf[i++ % 8];
	memset(b, 0, 16);
	inet_pton(AF_INET, s, b);
	return b;
}

static void test_flood_is_two_reports(void **state)
{
	(void)state;
	struct reports r = { 0 };
	struct ucf_violations *v;
	assert_int_equal(ucf_violations_new(60 * S, 16, collect, &r, &v), 0);
	for (int i = 0; i < 10000; i++) {
		ucf_violations_add(v, "non-target-uc", "eth1", AF_INET, ip4("10.20.0.99"), 6, 80,
				   1 * S + (uint64_t)i * 1000);
		if (i == 0) { /* the first packet is reported at once */
			assert_int_equal(r.n, 1);
			assert_false(r.v[0].followup);
			assert_int_equal(r.v[0].packets, 1);
		}
	}
	assert_int_equal(r.n, 1); /* the rest wait for the window's close */
	assert_int_equal(ucf_violations_open(v), 1);
	ucf_violations_tick(v, 60 * S); /* opened at 1 s: closes at 61 s */
	assert_int_equal(r.n, 1);
	ucf_violations_tick(v, 61 * S);
	assert_int_equal(r.n, 2);
	assert_true(r.v[1].followup);
	assert_string_equal(r.v[1].reason, "non-target-uc");
	assert_string_equal(r.v[1].ifname, "eth1");
	assert_int_equal(r.v[1].packets, 9999); /* the packets after the first */
	assert_int_equal(r.v[1].first_us, 1 * S);
	assert_int_equal(r.v[1].dport, 80);
	assert_memory_equal(r.v[1].src, ip4("10.20.0.99"), 16);
	assert_false(r.v[1].other_sources);
	assert_int_equal(ucf_violations_open(v), 0);
	/* the next packet opens a new window: reported at once */
	ucf_violations_add(v, "non-target-uc", "eth1", AF_INET, ip4("10.20.0.99"), 6, 80, 62 * S);
	assert_int_equal(r.n, 3);
	assert_false(r.v[2].followup);
	assert_int_equal(r.v[2].first_us, 62 * S);
	ucf_violations_free(v);
}

/* A single packet: its report at once, no follow-up at the close. */
static void test_single_has_no_followup(void **state)
{
	(void)state;
	struct reports r = { 0 };
	struct ucf_violations *v;
	assert_int_equal(ucf_violations_new(10 * S, 16, collect, &r, &v), 0);
	ucf_violations_add(v, "non-target-uc", "eth1", AF_INET, ip4("10.20.0.99"), 17, 53, S);
	assert_int_equal(r.n, 1);
	assert_false(r.v[0].followup);
	assert_int_equal(r.v[0].packets, 1);
	assert_int_equal(r.v[0].first_us, S);
	assert_int_equal(r.v[0].l4proto, 17);
	ucf_violations_tick(v, 11 * S);
	assert_int_equal(ucf_violations_open(v), 0);
	assert_int_equal(r.n, 1);
	ucf_violations_add(v, "non-target-uc", "eth1", AF_INET, ip4("10.20.0.99"), 17, 53, 12 * S);
	ucf_violations_flush(v);
	assert_int_equal(r.n, 2);
	assert_false(r.v[1].followup);
	ucf_violations_free(v);
}

/* A flood lasting several windows: at most two reports per window, every
 * packet counted once. */
static void test_flood_at_most_two_per_window(void **state)
{
	(void)state;
	struct reports r = { 0 };
	struct ucf_violations *v;
	assert_int_equal(ucf_violations_new(10 * S, 16, collect, &r, &v), 0);
	uint64_t t = S;
	for (int i = 0; i < 35000; i++, t += 1000) { /* 35 s at 1,000 packets/s */
		ucf_violations_add(v, "non-target-uc", "eth1", AF_INET, ip4("10.20.0.99"), 6, 80, t);
		if (i % 1000 == 0)
			ucf_violations_tick(v, t);
	}
	ucf_violations_flush(v);
	assert_true(r.n <= 8); /* four windows */
	uint64_t total = 0;
	int firsts = 0;
	for (int i = 0; i < r.n; i++) {
		total += r.v[i].packets;
		firsts += !r.v[i].followup;
		if (r.v[i].followup) /* after its window's first */
			assert_false(r.v[i - 1].followup);
		else
			assert_int_equal(r.v[i].packets, 1);
	}
	assert_int_equal(firsts, 4);
	assert_int_equal(r.n, 8); /* each window had more packets: a follow-up each */
	assert_int_equal(total, 35000);
	ucf_violations_free(v);
}

static void test_keys_are_separate(void **state)
{
	(void)state;
	struct reports r = { 0 };
	struct ucf_violations *v;
	assert_int_equal(ucf_violations_new(10 * S, 16, collect, &r, &v), 0);
	ucf_violations_add(v, "non-target-uc", "eth1", AF_INET, ip4("10.20.0.99"), 17, 53, S);
	ucf_violations_add(v, "non-target-uc", "eth4", AF_INET, ip4("10.20.0.99"), 17, 53, S);
	ucf_violations_add(v, "non-target-appliance", "eth1", AF_INET, ip4("10.20.0.99"), 17, 53, S);
	ucf_violations_add(v, "non-target-uc", "eth1", AF_INET, ip4("10.20.0.98"), 17, 53, S);
	uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x99 };
	ucf_violations_add(v, "non-target-uc", "eth1", AF_INET6, v6, 17, 53, S);
	ucf_violations_add(v, "non-target-uc", "eth1", AF_INET, ip4("10.20.0.99"), 17, 53, 2 * S);
	assert_int_equal(ucf_violations_open(v), 5);
	assert_int_equal(r.n, 5); /* each key's first, at once */
	ucf_violations_tick(v, 11 * S);
	assert_int_equal(r.n, 6); /* one follow-up: the key with a second packet */
	assert_true(r.v[5].followup);
	assert_int_equal(r.v[5].packets, 1);
	assert_string_equal(r.v[5].ifname, "eth1");
	assert_string_equal(r.v[5].reason, "non-target-uc");
	assert_memory_equal(r.v[5].src, ip4("10.20.0.99"), 16);
	ucf_violations_free(v);
}

static void test_cap_folds_new_sources(void **state)
{
	(void)state;
	struct reports r = { 0 };
	struct ucf_violations *v;
	char addr[32];
	assert_int_equal(ucf_violations_new(10 * S, 4, collect, &r, &v), 0);
	for (int i = 0; i < 100; i++) {
		snprintf(addr, sizeof(addr), "10.20.1.%d", i);
		ucf_violations_add(v, "non-target-uc", "eth1", AF_INET, ip4(addr), 6, 445, S);
	}
	assert_int_equal(ucf_violations_open(v), 5); /* 4 sources + 1 folded report */
	assert_int_equal(r.n, 5); /* their firsts */
	ucf_violations_flush(v);
	assert_int_equal(r.n, 6); /* and the folded report's follow-up */
	uint64_t folded = 0, total = 0;
	for (int i = 0; i < 6; i++) {
		total += r.v[i].packets;
		if (r.v[i].other_sources)
			folded += r.v[i].packets;
	}
	assert_true(r.v[5].other_sources && r.v[5].followup);
	assert_int_equal(folded, 96);
	assert_int_equal(total, 100);
	ucf_violations_free(v);
}

static uint64_t packets_total;

static void count_packets(void *arg, const struct ucf_drop_window *v)
{
	packets_total += v->packets;
	assert_false(v->other_sources);
	if (!v->followup)
		return;
	(*(int *)arg)++; /* closed windows */
	assert_int_equal(v->packets, 2); /* each source's other two packets, in one window */
}

/* Thousands of sources interleaved, windows closing while others open (the
 * swap-remove keeps every chain right): each source's packets stay in its
 * own window, and a packet after its window's end opens a new one. */
static void test_many_sources(void **state)
{
	(void)state;
	struct ucf_violations *v;
	int n = 0;
	packets_total = 0;
	assert_int_equal(ucf_violations_new(10 * S, 4096, count_packets, &n, &v), 0);
	for (int round = 0; round < 3; round++)
		for (unsigned i = 0; i < 3000; i++) {
			uint8_t a[16] = { 10, 20, (uint8_t)(i >> 8), (uint8_t)i };
			/* the first 1,500 sources start early: their windows close first */
			uint64_t t = (i < 1500 ? 1 : 5) * S + (uint64_t)round * 1000;
			ucf_violations_add(v, "non-target-uc", "eth1", AF_INET, a, 6, 80, t);
		}
	assert_int_equal(ucf_violations_open(v), 3000);
	ucf_violations_tick(v, 11 * S + 5000);
	assert_int_equal(n, 1500);
	assert_int_equal(ucf_violations_open(v), 1500);
	for (int round = 0; round < 3; round++)
		for (unsigned i = 0; i < 1500; i++) {
			uint8_t a[16] = { 10, 21, (uint8_t)(i >> 8), (uint8_t)i };
			ucf_violations_add(v, "non-target-uc", "eth1", AF_INET, a, 6, 80,
					   12 * S + (uint64_t)round);
		}
	ucf_violations_flush(v);
	assert_int_equal(n, 4500);
	assert_int_equal(packets_total, 3 * 4500);
	assert_int_equal(ucf_violations_open(v), 0);
	ucf_violations_free(v);
}

/* A reload's new window: open windows keep their start, close by the new
 * length; every packet is reported once. */
static void test_set_window(void **state)
{
	(void)state;
	struct reports r = { 0 };
	struct ucf_violations *v;
	assert_int_equal(ucf_violations_new(60 * S, 16, collect, &r, &v), 0);
	ucf_violations_add(v, "non-target-uc", "eth1", AF_INET, ip4("10.20.0.99"), 6, 80, 1 * S);
	ucf_violations_add(v, "non-target-uc", "eth1", AF_INET, ip4("10.20.0.99"), 6, 80, 5 * S);
	ucf_violations_set_window(v, 10 * S);
	assert_int_equal(ucf_violations_window(v), 10 * S);
	ucf_violations_tick(v, 10 * S);
	assert_int_equal(r.n, 1); /* the first only */
	ucf_violations_tick(v, 11 * S); /* opened at 1 s: now closes at 11 s, not 61 s */
	assert_int_equal(r.n, 2);
	assert_true(r.v[1].followup);
	assert_int_equal(r.v[1].packets, 1);
	/* longer: a window opened before closes by the new length too */
	ucf_violations_add(v, "non-target-uc", "eth1", AF_INET, ip4("10.20.0.99"), 6, 80, 20 * S);
	ucf_violations_add(v, "non-target-uc", "eth1", AF_INET, ip4("10.20.0.99"), 6, 80, 21 * S);
	assert_int_equal(r.n, 3);
	ucf_violations_set_window(v, 100 * S);
	ucf_violations_tick(v, 30 * S);
	assert_int_equal(r.n, 3);
	ucf_violations_tick(v, 120 * S);
	assert_int_equal(r.n, 4);
	assert_int_equal(r.v[3].packets, 1);
	ucf_violations_free(v);
}

static bool is_99(void *arg, uint8_t family, const uint8_t *src)
{
	(void)arg;
	return family == AF_INET && memcmp(src, ip4("10.20.0.99"), 16) == 0;
}

/* Erasure on request: the source's windows go unreported; the others stay
 * whole and still find their windows (the hash chains survive the moves). */
static void test_forget(void **state)
{
	(void)state;
	struct reports r = { 0 };
	struct ucf_violations *v;
	assert_int_equal(ucf_violations_new(10 * S, 16, collect, &r, &v), 0);
	ucf_violations_add(v, "non-target-uc", "eth1", AF_INET, ip4("10.20.0.99"), 17, 53, S);
	ucf_violations_add(v, "non-target-uc", "eth1", AF_INET, ip4("10.20.0.98"), 17, 53, S);
	ucf_violations_add(v, "non-target-appliance", "eth1", AF_INET, ip4("10.20.0.99"), 17, 53, S);
	ucf_violations_add(v, "non-target-uc", "eth1", AF_INET, ip4("10.20.0.100"), 17, 53, S);
	assert_int_equal(r.n, 4); /* each window's first packet, at once */
	ucf_violations_add(v, "non-target-uc", "eth1", AF_INET, ip4("10.20.0.99"), 17, 53, S);
	assert_int_equal(ucf_violations_forget(v, is_99, NULL), 2);
	assert_int_equal(ucf_violations_open(v), 2);
	ucf_violations_add(v, "non-target-uc", "eth1", AF_INET, ip4("10.20.0.98"), 17, 53, 2 * S);
	ucf_violations_add(v, "non-target-uc", "eth1", AF_INET, ip4("10.20.0.100"), 17, 53, 2 * S);
	assert_int_equal(ucf_violations_open(v), 2);
	ucf_violations_flush(v);
	/* the forgotten windows' follow-up (a second packet) is never reported */
	assert_int_equal(r.n, 6);
	for (int i = 4; i < 6; i++) {
		assert_int_equal(r.v[i].packets, 1);
		assert_true(r.v[i].followup);
		assert_false(is_99(NULL, r.v[i].family, r.v[i].src));
	}
	ucf_violations_free(v);
}

/* Destinations: the first packet's in the first report; the later
 * packets' distinct ones (at most UCF_DROP_DESTS_MAX) in the follow-up,
 * the rest counted. */
static void test_destinations(void **state)
{
	(void)state;
	struct reports r = { 0 };
	struct ucf_violations *v;
	assert_int_equal(ucf_violations_new(60 * S, 16, collect, &r, &v), 0);
	struct ucf_drop_dest d = { .family = AF_INET, .l4proto = 6, .port = 443 };
	memcpy(d.addr, ip4("198.51.100.80"), 4);
	memset(d.addr + 4, 0xaa, 12); /* junk past an IPv4 address is not a new destination */
	ucf_violations_add_to(v, "non-target-appliance", "appl0", AF_INET, ip4("10.40.0.2"), &d, 6,
			      443, 1 * S);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.v[0].ndests, 1);
	assert_memory_equal(r.v[0].dests[0].addr, ip4("198.51.100.80"), 16);
	assert_int_equal(r.v[0].dests[0].port, 443);
	/* later packets: the same destination twice, then six others */
	for (int i = 0; i < 8; i++) {
		char a[32];
		snprintf(a, sizeof(a), "198.51.100.%d", i < 2 ? 80 : 90 + i);
		memset(d.addr, 0, 16);
		memcpy(d.addr, ip4(a), 4);
		ucf_violations_add_to(v, "non-target-appliance", "appl0", AF_INET, ip4("10.40.0.2"),
				      &d, 6, 443, 2 * S + (uint64_t)i);
	}
	ucf_violations_tick(v, 61 * S);
	assert_int_equal(r.n, 2);
	assert_true(r.v[1].followup);
	assert_int_equal(r.v[1].packets, 8);
	assert_int_equal(r.v[1].ndests, UCF_DROP_DESTS_MAX);
	assert_memory_equal(r.v[1].dests[0].addr, ip4("198.51.100.80"), 4);
	assert_memory_equal(r.v[1].dests[1].addr, ip4("198.51.100.92"), 4);
	assert_int_equal(r.v[1].dests_other, 3); /* .95, .96, .97 */
	/* without a destination: none listed */
	ucf_violations_add(v, "non-target-uc", "eth1", AF_INET, ip4("10.20.0.99"), 6, 80, 70 * S);
	assert_int_equal(r.v[2].ndests, 0);
	ucf_violations_free(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flood_is_two_reports),
		cmocka_unit_test(test_single_has_no_followup),
		cmocka_unit_test(test_flood_at_most_two_per_window),
		cmocka_unit_test(test_keys_are_separate),
		cmocka_unit_test(test_cap_folds_new_sources),
		cmocka_unit_test(test_many_sources),
		cmocka_unit_test(test_set_window),
		cmocka_unit_test(test_forget),
		cmocka_unit_test(test_destinations),
	};
	return cmocka_run_group_tests_name("violations", tests, NULL, NULL);
}
