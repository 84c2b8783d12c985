/* Unit tests for turning non-target verdicts into blocks: which flows, the
 * queue handed to the kernel, the carried ring and its expiry. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "verdicts.h"

static struct ucf_prefix pfx(const char *text, unsigned len)
{
	struct ucf_prefix p = { .family = AF_INET, .len = (uint8_t)len };
	inet_pton(AF_INET, text, p.addr);
	return p;
}

static struct ucf_verdicts *make(uint32_t cap)
{
	struct ucf_prefix e[] = { pfx("10.20.0.0", 24) };
	struct ucf_prefix peers[] = { pfx("10.20.0.0", 24), pfx("10.50.0.0", 24) };
	struct ucf_service_port ports[] = {
		{ IPPROTO_TCP, { 5060, 5060 } },
		{ IPPROTO_UDP, { 5060, 5060 } },
		{ IPPROTO_UDP, { 16384, 32767 } },
	};
	struct ucf_verdict_policy p = { e, 1, peers, 2, ports, 3 };
	struct ucf_verdicts *v;
	char err[128];
	assert_int_equal(ucf_verdicts_new(cap, 3600, &v, err, sizeof(err)), 0);
	assert_int_equal(ucf_verdicts_set_policy(v, &p), 0);
	return v;
}

static struct ucf_flow_info flow(uint8_t proto, const char *src, uint16_t sp, const char *dst,
				 uint16_t dp, enum ucf_verdict verdict)
{
	struct ucf_flow_info fi = { .family = AF_INET, .l4proto = proto, .sport = sp, .dport = dp,
				    .verdict = verdict };
	inet_pton(AF_INET, src, fi.src);
	inet_pton(AF_INET, dst, fi.dst);
	return fi;
}

static void test_which_flows_are_blocked(void **state)
{
	(void)state;
	struct ucf_verdicts *v = make(16);
	struct ucf_flow_info fi;
	/* HTTP from a phone to the call server's SIP port */
	fi = flow(IPPROTO_TCP, "10.20.0.10", 40000, "10.50.0.10", 5060, UCF_NON_TARGET);
	fi.forged = true; /* decided by a packet that came in where its source cannot be */
	assert_false(ucf_verdicts_note(v, &fi, 1));
	fi.forged = false;
	assert_true(ucf_verdicts_note(v, &fi, 1));
	/* the server opening it towards a phone's SIP port */
	fi = flow(IPPROTO_TCP, "10.50.0.10", 40000, "10.20.0.10", 5060, UCF_NON_TARGET);
	assert_true(ucf_verdicts_note(v, &fi, 1));
	/* junk in the static media range */
	fi = flow(IPPROTO_UDP, "10.20.0.10", 20000, "10.50.0.10", 20002, UCF_NON_TARGET);
	assert_true(ucf_verdicts_note(v, &fi, 1));
	/* target flows, flows the kernel drops anyway, other hosts: nothing */
	fi = flow(IPPROTO_TCP, "10.20.0.10", 40001, "10.50.0.10", 5060, UCF_TARGET);
	assert_false(ucf_verdicts_note(v, &fi, 1));
	fi = flow(IPPROTO_TCP, "10.20.0.10", 40002, "10.50.0.10", 80, UCF_NON_TARGET);
	assert_false(ucf_verdicts_note(v, &fi, 1));
	fi = flow(IPPROTO_TCP, "10.30.0.10", 40003, "10.50.0.10", 5060, UCF_NON_TARGET);
	assert_false(ucf_verdicts_note(v, &fi, 1));
	fi = flow(IPPROTO_TCP, "10.50.0.10", 40004, "10.50.0.11", 5060, UCF_NON_TARGET);
	assert_false(ucf_verdicts_note(v, &fi, 1));
	/* the responder's port decides, not the initiator's */
	fi = flow(IPPROTO_TCP, "10.20.0.10", 5060, "10.50.0.10", 8080, UCF_NON_TARGET);
	assert_false(ucf_verdicts_note(v, &fi, 1));
	struct ucf_verdicts_stats st;
	ucf_verdicts_get_stats(v, &st);
	assert_int_equal(st.verdicts, 8);
	assert_int_equal(st.blocked, 3);
	assert_int_equal(st.held, 3);
	ucf_verdicts_free(v);
}

static void count_block(void *arg, const struct ucf_block *b)
{
	assert_int_equal(b->dport, 5060);
	(*(unsigned *)arg)++;
}

static void test_queue_ring_and_expiry(void **state)
{
	(void)state;
	struct ucf_verdicts *v = make(4);
	const struct ucf_block *r1, *r2;
	size_t n1, n2;
	for (uint16_t i = 0; i < 3; i++) {
		struct ucf_flow_info fi = flow(IPPROTO_TCP, "10.20.0.10", (uint16_t)(40000 + i),
					       "10.50.0.10", 5060, UCF_NON_TARGET);
		ucf_verdicts_note(v, &fi, 1000000);
	}
	assert_int_equal(ucf_verdicts_queued(v, &r1, &n1, &r2, &n2), 3);
	assert_int_equal(n1, 3);
	assert_int_equal(n2, 0);
	assert_int_equal(r1[0].sport, 40000);
	assert_int_equal(r1[2].sport, 40002);
	assert_int_equal(r1[0].l4proto, IPPROTO_TCP);
	ucf_verdicts_committed(v);
	assert_int_equal(ucf_verdicts_queued(v, &r1, &n1, &r2, &n2), 0);
	/* two more wrap the ring of 4: the oldest is forgotten */
	for (uint16_t i = 3; i < 5; i++) {
		struct ucf_flow_info fi = flow(IPPROTO_TCP, "10.20.0.10", (uint16_t)(40000 + i),
					       "10.50.0.10", 5060, UCF_NON_TARGET);
		ucf_verdicts_note(v, &fi, 2000000);
	}
	assert_int_equal(ucf_verdicts_queued(v, &r1, &n1, &r2, &n2), 2);
	assert_int_equal(n1 + n2, 2);
	assert_int_equal(n1 ? r1[0].sport : r2[0].sport, 40003);
	assert_int_equal((n2 ? r2[n2 - 1] : r1[n1 - 1]).sport, 40004);
	struct ucf_verdicts_stats st;
	ucf_verdicts_get_stats(v, &st);
	assert_int_equal(st.forgotten, 1);
	assert_int_equal(st.held, 4);
	ucf_verdicts_committed(v);
	/* an hour on, the first ones are gone; the queue would never be */
	ucf_verdicts_expire(v, 1000000 + 3600000000ull + 1);
	ucf_verdicts_get_stats(v, &st);
	assert_int_equal(st.held, 2);
	unsigned n = 0;
	ucf_verdicts_each(v, count_block, &n);
	assert_int_equal(n, 2);
	ucf_verdicts_free(v);
}

/* One host's junk flows make at most its share of blocks; another host's
 * flow is still blocked; all hosts together are held to the global rate. */
static void test_block_rates(void **state)
{
	(void)state;
	struct ucf_verdicts *v = make(4096);
	unsigned made = 0;
	for (uint16_t i = 0; i < 100; i++) {
		struct ucf_flow_info fi = flow(IPPROTO_TCP, "10.20.0.66", (uint16_t)(30000 + i),
					       "10.50.0.10", 5060, UCF_NON_TARGET);
		made += ucf_verdicts_note(v, &fi, 1000000);
	}
	assert_int_equal(made, UCF_BLOCKS_HOST_BURST);
	/* the server side of the flow is not charged: the phone is */
	struct ucf_flow_info other = flow(IPPROTO_TCP, "10.50.0.10", 40000, "10.20.0.10", 5060,
					  UCF_NON_TARGET);
	assert_true(ucf_verdicts_note(v, &other, 1000000));
	/* a second later the host has its rate again */
	made = 0;
	for (uint16_t i = 0; i < 100; i++) {
		struct ucf_flow_info fi = flow(IPPROTO_TCP, "10.20.0.66", (uint16_t)(31000 + i),
					       "10.50.0.10", 5060, UCF_NON_TARGET);
		made += ucf_verdicts_note(v, &fi, 2000000);
	}
	assert_int_equal(made, UCF_BLOCKS_PER_HOST_PER_S);
	/* many hosts at once: the global burst */
	made = 0;
	for (unsigned h = 0; h < 250; h++) {
		char src[32];
		snprintf(src, sizeof(src), "10.20.0.%u", h);
		struct ucf_flow_info fi = flow(IPPROTO_UDP, src, 20000, "10.50.0.10", 20002,
					       UCF_NON_TARGET);
		made += ucf_verdicts_note(v, &fi, 2000000);
	}
	assert_true(made <= UCF_BLOCKS_BURST);
	struct ucf_verdicts_stats st;
	ucf_verdicts_get_stats(v, &st);
	assert_int_equal(st.blocked + st.rate_limited, 100 + 1 + 100 + 250);
	ucf_verdicts_free(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_which_flows_are_blocked),
		cmocka_unit_test(test_queue_ring_and_expiry),
		cmocka_unit_test(test_block_rates),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
