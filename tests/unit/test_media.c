/* Unit tests for the learned media table: pinholes naming both ends, calls
 * owned by their parties, per-host shares, idle expiry and lingering. A
 * model of open pinholes (a multiset of peer/endpoint) is kept from the
 * events, as the agent's reference-counted pinholes would be. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "media.h"
#include "pinhole_model.h"

static void on_media(void *arg, const struct ucf_media_event *ev)
{
	(void)arg;
	assert_int_equal(ev->timeout_s, 60);
	model_event(ev);
}

static struct ucf_media_call call(uint64_t id, const char *phone, const char *server)
{
	struct ucf_media_call c = { .id = id, .family = AF_INET };
	memcpy(c.party[UCF_MEDIA_SIDE_ENDPOINT], ip(phone), 16);
	memcpy(c.party[UCF_MEDIA_SIDE_SERVER], ip(server), 16);
	return c;
}

static struct ucf_media_endpoint ep(const char *addr, uint16_t port)
{
	struct ucf_media_endpoint e = { .l4proto = IPPROTO_UDP, .family = AF_INET, .port = port };
	memcpy(e.addr, ip(addr), 16);
	return e;
}

static struct ucf_media *make(uint32_t cap, uint32_t host_media, uint32_t host_calls,
			      uint32_t rate_per_s, uint32_t burst)
{
	memset(&M, 0, sizeof(M));
	struct ucf_media_opts o = { .cap = cap, .timeout_s = 60, .host_media = host_media,
				    .host_calls = host_calls, .host_rate_milli = rate_per_s * 1000,
				    .host_burst = burst, .fn = on_media };
	struct ucf_media *m;
	char err[128];
	assert_int_equal(ucf_media_new(&o, &m, err, sizeof(err)), 0);
	return m;
}

static int offer(struct ucf_media *m, const struct ucf_media_call *c, unsigned side,
		 const char *addr, uint16_t port, uint64_t t)
{
	struct ucf_media_endpoint e = ep(addr, port);
	ucf_media_offer_begin(m, c, side);
	int rc = ucf_media_learn(m, c, side, &e, t);
	ucf_media_offer_end(m, c, side);
	return rc;
}

static const unsigned PH = UCF_MEDIA_SIDE_ENDPOINT, SV = UCF_MEDIA_SIDE_SERVER;

static void test_pinholes_name_both_ends(void **state)
{
	(void)state;
	struct ucf_media *m = make(64, 0, 0, 0, 0);
	struct ucf_media_call c = call(1, "10.20.0.10", "10.50.0.1");
	/* the offer: only the call server may send to the phone's port */
	assert_int_equal(offer(m, &c, PH, "10.20.0.10", 30000, 1000000), 0);
	assert_int_equal(M.n, 1);
	assert_int_equal(holes("10.50.0.1", "10.20.0.10", 30000), 1);
	/* the answer names the far end: it may send to the phone, the phone
	 * to it, and the server's stand-in pinhole is gone */
	assert_int_equal(offer(m, &c, SV, "10.50.0.77", 40000, 1000000), 0);
	assert_int_equal(holes("10.20.0.10", "10.50.0.77", 40000), 1);
	assert_int_equal(holes("10.50.0.77", "10.20.0.10", 30000), 1);
	assert_int_equal(holes("10.50.0.1", "10.20.0.10", 30000), 0);
	assert_int_equal(M.n, 2);
	/* a retransmitted answer changes nothing */
	unsigned opens = M.opens, closes = M.closes;
	assert_int_equal(offer(m, &c, SV, "10.50.0.77", 40000, 1000000), 0);
	assert_int_equal(M.opens, opens);
	assert_int_equal(M.closes, closes);
	/* BYE closes both, the endpoints linger for late packets */
	ucf_media_end_call(m, &c, UCF_END_CALL);
	assert_int_equal(M.n, 0);
	assert_int_equal(M.last_reason, UCF_END_CALL);
	struct ucf_media_endpoint got;
	struct ucf_media_ref ref;
	assert_true(ucf_media_lookup(m, AF_INET, ip("10.50.0.77"), 40000, IPPROTO_UDP, &got, &ref));
	ucf_media_expire(m, 12000000);
	assert_false(ucf_media_lookup(m, AF_INET, ip("10.50.0.77"), 40000, IPPROTO_UDP, &got, &ref));
	assert_int_equal(ucf_media_count(m), 0);
	assert_int_equal(ucf_media_calls(m), 0);
	ucf_media_free(m);
}

static void test_reoffer_replaces(void **state)
{
	(void)state;
	struct ucf_media *m = make(64, 0, 0, 0, 0);
	struct ucf_media_call c = call(1, "10.20.0.10", "10.50.0.1");
	struct ucf_media_endpoint a = ep("10.20.0.10", 30000), b = ep("10.20.0.10", 30001);
	ucf_media_offer_begin(m, &c, PH);
	ucf_media_learn(m, &c, PH, &a, 1000000);
	ucf_media_learn(m, &c, PH, &b, 1000000);
	ucf_media_offer_end(m, &c, PH);
	assert_int_equal(M.n, 2);
	uint32_t gen = ucf_media_generation(m);
	ucf_media_offer_begin(m, &c, PH);
	ucf_media_learn(m, &c, PH, &a, 1000000);
	ucf_media_offer_end(m, &c, PH);
	assert_int_equal(M.n, 1);
	assert_int_equal(M.last_reason, UCF_END_REPLACED);
	assert_int_equal(holes("10.50.0.1", "10.20.0.10", 30000), 1);
	assert_int_equal(ucf_media_generation(m), gen);
	ucf_media_free(m);
}

/* Two legs of one phone-to-phone call through a call manager announce the
 * same endpoints; each leg owns its own entries. */
static void test_shared_endpoint_two_calls(void **state)
{
	(void)state;
	struct ucf_media *m = make(64, 0, 0, 0, 0);
	struct ucf_media_call leg1 = call(1, "10.20.0.10", "10.50.0.1");
	struct ucf_media_call leg2 = call(2, "10.20.0.11", "10.50.0.1");
	assert_int_equal(offer(m, &leg1, PH, "10.20.0.10", 30000, 1000000), 0);
	assert_int_equal(offer(m, &leg2, SV, "10.20.0.10", 30000, 1000000), 0);
	assert_int_equal(offer(m, &leg2, PH, "10.20.0.11", 32000, 1000000), 0);
	assert_int_equal(offer(m, &leg1, SV, "10.20.0.11", 32000, 1000000), 0);
	/* each phone may send to the other, once per leg */
	assert_int_equal(holes("10.20.0.11", "10.20.0.10", 30000), 2);
	assert_int_equal(holes("10.20.0.10", "10.20.0.11", 32000), 2);
	assert_int_equal(M.n, 4);
	/* one leg ending leaves the other leg's pinholes */
	ucf_media_end_call(m, &leg2, UCF_END_CALL);
	assert_int_equal(holes("10.20.0.11", "10.20.0.10", 30000), 1);
	assert_int_equal(holes("10.20.0.10", "10.20.0.11", 32000), 1);
	ucf_media_free(m);
}

/* A call is its id and its parties: the same Call-ID from another host is
 * another call, and cannot end this one or take its endpoints. */
static void test_calls_owned_by_parties(void **state)
{
	(void)state;
	struct ucf_media *m = make(64, 0, 0, 0, 0);
	struct ucf_media_call real = call(7, "10.20.0.10", "10.50.0.1");
	struct ucf_media_call forged = call(7, "10.20.0.66", "10.50.0.1");
	assert_int_equal(offer(m, &real, PH, "10.20.0.10", 30000, 1000000), 0);
	assert_int_equal(offer(m, &real, SV, "10.50.0.77", 40000, 1000000), 0);
	ucf_media_set_established(m, &real);
	assert_false(ucf_media_established(m, &forged));
	/* the forger re-announces an endpoint of the call and hangs up */
	assert_int_equal(offer(m, &forged, SV, "10.50.0.77", 40000, 1000000), 0);
	ucf_media_end_call(m, &forged, UCF_END_CALL);
	ucf_media_end_side(m, &forged, SV, UCF_END_CALL);
	assert_int_equal(holes("10.20.0.10", "10.50.0.77", 40000), 1);
	assert_int_equal(holes("10.50.0.77", "10.20.0.10", 30000), 1);
	assert_true(ucf_media_established(m, &real));
	ucf_media_free(m);
}

static void test_host_shares(void **state)
{
	(void)state;
	struct ucf_media *m = make(1024, 8, 2, 0, 0);
	uint64_t t = 1000000;
	/* one host: two calls at most */
	struct ucf_media_call a = call(1, "10.20.0.66", "10.50.0.1");
	struct ucf_media_call b = call(2, "10.20.0.66", "10.50.0.1");
	struct ucf_media_call c3 = call(3, "10.20.0.66", "10.50.0.1");
	assert_int_equal(offer(m, &a, PH, "10.20.0.66", 20000, t), 0);
	assert_int_equal(offer(m, &b, PH, "10.20.0.66", 20002, t), 0);
	assert_int_equal(offer(m, &c3, PH, "10.20.0.66", 20004, t), -EUSERS);
	assert_int_equal(ucf_media_calls(m), 2);
	/* and eight endpoints at most over its calls */
	for (uint16_t p = 0; p < 6; p++) {
		struct ucf_media_endpoint e = ep("10.20.0.66", (uint16_t)(21000 + p));
		assert_int_equal(ucf_media_learn(m, &a, PH, &e, t), 0);
	}
	struct ucf_media_endpoint e = ep("10.20.0.66", 22000);
	assert_int_equal(ucf_media_learn(m, &b, PH, &e, t), -EDQUOT);
	/* another host is untouched by the first one's exhaustion */
	struct ucf_media_call other = call(9, "10.20.0.10", "10.50.0.1");
	assert_int_equal(offer(m, &other, PH, "10.20.0.10", 30000, t), 0);
	/* the endpoints a server announces for a phone's call count for the phone */
	struct ucf_media_call b2 = call(2, "10.20.0.66", "10.50.0.1");
	struct ucf_media_endpoint far = ep("10.50.0.77", 40000);
	assert_int_equal(ucf_media_learn(m, &b2, SV, &far, t), -EDQUOT);
	/* ending a call gives its share back */
	ucf_media_end_call(m, &a, UCF_END_CALL);
	assert_int_equal(offer(m, &c3, PH, "10.20.0.66", 20004, t), 0);
	ucf_media_free(m);
}

static void test_host_rate(void **state)
{
	(void)state;
	struct ucf_media *m = make(1024, 0, 0, 20, 5);
	struct ucf_media_call f = call(1, "10.20.0.66", "10.50.0.1");
	struct ucf_media_call p = call(2, "10.20.0.10", "10.50.0.1");
	uint64_t t = 5000000;
	unsigned ok = 0;
	for (int i = 0; i < 1000; i++)
		ok += ucf_media_admit(m, &f, t) == 0;
	assert_int_equal(ok, 5); /* the burst */
	assert_int_equal(ucf_media_admit(m, &p, t), 0); /* another host has its own */
	/* one second later: 20 more */
	ok = 0;
	for (int i = 0; i < 1000; i++)
		ok += ucf_media_admit(m, &f, t + 1000000) == 0;
	assert_int_equal(ok, 5); /* capped at the burst, not 20 banked */
	ok = 0;
	for (int k = 1; k <= 100; k++)
		ok += ucf_media_admit(m, &f, t + 1000000 + (uint64_t)k * 10000) == 0;
	assert_int_equal(ok, 20); /* 20 per second over one more second */
	ucf_media_free(m);
}

/* The table full: new endpoints are refused, live ones are never evicted;
 * ended ones (lingering) make room. */
static void test_full_table_never_evicts_live(void **state)
{
	(void)state;
	struct ucf_media *m = make(16, 0, 0, 0, 0);
	struct ucf_media_call live = call(1, "10.20.0.10", "10.50.0.1");
	for (uint16_t p = 0; p < 16; p++) {
		struct ucf_media_endpoint e = ep("10.20.0.10", (uint16_t)(30000 + p));
		assert_int_equal(ucf_media_learn(m, &live, PH, &e, 1000000), 0);
	}
	struct ucf_media_call flood = call(2, "10.20.0.66", "10.50.0.1");
	assert_int_equal(offer(m, &flood, PH, "10.20.0.66", 20000, 2000000), -ENOSPC);
	assert_int_equal(M.n, 16);
	assert_int_equal(ucf_media_calls(m), 1);
	ucf_media_end_side(m, &live, PH, UCF_END_CALL);
	assert_int_equal(M.n, 0);
	assert_int_equal(offer(m, &flood, PH, "10.20.0.66", 20000, 2000000), 0);
	ucf_media_free(m);
}

/* A reload's new cap: a full table grows (its chains rehashed: every
 * endpoint still found and refreshed), never shrinks below what it holds. */
static void test_set_cap(void **state)
{
	(void)state;
	char err[128];
	struct ucf_media *m = make(16, 0, 0, 0, 0);
	struct ucf_media_call live = call(1, "10.20.0.10", "10.50.0.1");
	for (uint16_t p = 0; p < 16; p++) {
		struct ucf_media_endpoint e = ep("10.20.0.10", (uint16_t)(30000 + p));
		assert_int_equal(ucf_media_learn(m, &live, PH, &e, 1000000), 0);
	}
	struct ucf_media_call more = call(2, "10.20.0.11", "10.50.0.1");
	assert_int_equal(offer(m, &more, PH, "10.20.0.11", 20000, 1000000), -ENOSPC);
	assert_int_equal(ucf_media_set_cap(m, 15, err, sizeof(err)), -EBUSY);
	assert_string_equal(err, "15 is below the 16 media endpoints now held");
	assert_int_equal(ucf_media_cap(m), 16);
	assert_int_equal(ucf_media_set_cap(m, 0, err, sizeof(err)), -EINVAL);
	assert_int_equal(ucf_media_set_cap(m, 1000, err, sizeof(err)), 0);
	assert_int_equal(ucf_media_cap(m), 1000);
	for (uint16_t p = 0; p < 16; p++) {
		struct ucf_media_endpoint got;
		struct ucf_media_ref ref;
		assert_true(ucf_media_lookup(m, AF_INET, ip("10.20.0.10"), (uint16_t)(30000 + p),
					     IPPROTO_UDP, &got, &ref));
		ucf_media_refresh(m, ref, 50000000);
	}
	for (uint16_t p = 0; p < 500; p++) {
		struct ucf_media_call c = call(100 + p, "10.20.0.11", "10.50.0.1");
		assert_int_equal(offer(m, &c, PH, "10.20.0.11", (uint16_t)(20000 + p), 50000000), 0);
	}
	assert_int_equal(ucf_media_count(m), 516);
	assert_int_equal(ucf_media_calls(m), 501);
	/* refreshed at 50 s: nothing idles out at 100 s */
	ucf_media_expire(m, 100000000);
	assert_int_equal(ucf_media_count(m), 516);
	assert_int_equal(ucf_media_set_cap(m, 500, err, sizeof(err)), -EBUSY);
	assert_string_equal(err, "500 is below the 516 media endpoints now held");
	/* an ended call's endpoints only linger: they make room */
	ucf_media_end_call(m, &live, UCF_END_CALL);
	assert_int_equal(ucf_media_set_cap(m, 500, err, sizeof(err)), 0);
	assert_int_equal(ucf_media_count(m), 500);
	struct ucf_media_call over = call(9999, "10.20.0.12", "10.50.0.1");
	assert_int_equal(offer(m, &over, PH, "10.20.0.12", 20000, 60000000), -ENOSPC);
	ucf_media_flush(m);
	assert_int_equal(M.n, 0);
	ucf_media_free(m);
}

static void test_idle_and_refresh(void **state)
{
	(void)state;
	struct ucf_media *m = make(64, 0, 0, 0, 0);
	struct ucf_media_call c = call(1, "10.20.0.10", "10.50.0.1");
	struct ucf_media_call d = call(2, "10.20.0.11", "10.50.0.1");
	assert_int_equal(offer(m, &c, PH, "10.20.0.10", 30000, 1000000), 0);
	assert_int_equal(offer(m, &d, SV, "10.20.0.10", 30000, 1000000), 0);
	assert_int_equal(offer(m, &d, PH, "10.20.0.11", 31000, 1000000), 0);
	struct ucf_media_endpoint got;
	struct ucf_media_ref ref;
	assert_true(ucf_media_lookup(m, AF_INET, ip("10.20.0.10"), 30000, IPPROTO_UDP, &got, &ref));
	/* media to 10.20.0.10:30000 keeps both calls' entries of it alive */
	for (uint64_t s = 2; s < 200; s += 5)
		ucf_media_refresh(m, ref, s * 1000000);
	ucf_media_expire(m, 200000000);
	assert_int_equal(ucf_media_count(m), 2);
	assert_int_equal(M.last_reason, UCF_END_IDLE);
	ucf_media_flush(m);
	assert_int_equal(ucf_media_count(m), 0);
	assert_int_equal(M.n, 0);
	ucf_media_free(m);
}

/* Thousands of random operations: every close matches an open (on_media
 * fails otherwise), and after a flush nothing stays open. */
static void test_random_against_model(void **state)
{
	(void)state;
	struct ucf_media *m = make(256, 16, 4, 0, 0);
	uint32_t x = 12345;
	uint64_t t = 1000000;
	for (int i = 0; i < 20000; i++) {
		x = x * 1103515245u + 12345u;
		char phone[32], far[32];
		snprintf(phone, sizeof(phone), "10.20.0.%u", 10 + (x >> 8) % 6);
		snprintf(far, sizeof(far), "10.50.0.%u", 70 + (x >> 12) % 4);
		struct ucf_media_call c = call((x >> 16) % 12, phone, "10.50.0.1");
		uint16_t port = (uint16_t)(20000 + (x >> 4) % 40);
		switch ((x >> 20) % 6) {
		case 0:
		case 1:
			offer(m, &c, PH, phone, port, t);
			break;
		case 2:
			offer(m, &c, SV, far, port, t);
			break;
		case 3:
			ucf_media_end_call(m, &c, UCF_END_CALL);
			break;
		case 4:
			ucf_media_end_side(m, &c, (x >> 24) & 1, UCF_END_CALL);
			break;
		default:
			t += 7000000;
			ucf_media_expire(m, t);
		}
		assert_true(M.n <= 256 * 4);
	}
	ucf_media_flush(m);
	assert_int_equal(M.n, 0);
	assert_int_equal(ucf_media_calls(m), 0);
	ucf_media_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pinholes_name_both_ends),
		cmocka_unit_test(test_reoffer_replaces),
		cmocka_unit_test(test_shared_endpoint_two_calls),
		cmocka_unit_test(test_calls_owned_by_parties),
		cmocka_unit_test(test_host_shares),
		cmocka_unit_test(test_host_rate),
		cmocka_unit_test(test_full_table_never_evicts_live),
		cmocka_unit_test(test_set_cap),
		cmocka_unit_test(test_idle_and_refresh),
		cmocka_unit_test(test_random_against_model),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
