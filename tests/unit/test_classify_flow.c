/* Unit tests for the flow table and the learned media table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>

#include "classify_frames.h"
#include "decode.h"
#include "flow.h"
#include "media.h"

static unsigned ended[3];
static struct ucf_flow_key last_end;

static void on_end(void *arg, struct ucf_flow *f, enum ucf_flow_end why)
{
	(void)arg;
	ended[why]++;
	last_end = f->key;
}

static void mkpkt(struct ucf_pkt *p, uint32_t a, uint16_t ap, uint32_t b, uint16_t bp)
{
	memset(p, 0, sizeof(*p));
	p->family = AF_INET;
	p->l4proto = IPPROTO_UDP;
	put32(p->src, a);
	put32(p->dst, b);
	p->sport = ap;
	p->dport = bp;
}

static struct ucf_flow_table *table(uint32_t max)
{
	struct ucf_flow_table_opts o = {.max_flows = max, .user_size = 24, .tclasses = 2,
					 .timeout_s = {10, 100}};
	struct ucf_flow_table *t;
	char err[128];
	assert_int_equal(ucf_flow_table_new(&o, on_end, NULL, &t, err, sizeof(err)), 0);
	memset(ended, 0, sizeof(ended));
	return t;
}

static void test_key_is_bidirectional(void **state)
{
	(void)state;
	struct ucf_pkt p, q;
	struct ucf_flow_key k1, k2;
	unsigned s1, s2;
	mkpkt(&p, 0x0a000001, 5060, 0x0a000002, 5070);
	mkpkt(&q, 0x0a000002, 5070, 0x0a000001, 5060);
	ucf_flow_key_make(&k1, &p, &s1);
	ucf_flow_key_make(&k2, &q, &s2);
	assert_memory_equal(&k1, &k2, sizeof(k1));
	assert_int_not_equal(s1, s2);
	/* same address, ports decide */
	mkpkt(&p, 0x0a000001, 9, 0x0a000001, 8);
	ucf_flow_key_make(&k1, &p, &s1);
	assert_int_equal(k1.port[0], 8);
	assert_int_equal(s1, 1);
}

static void test_get_find_expire(void **state)
{
	(void)state;
	struct ucf_flow_table *t = table(10000);
	struct ucf_pkt p;
	struct ucf_flow_key k;
	unsigned side;
	bool created;
	/* 3000 flows: the bucket array grows (1024 -> 4096) on the way */
	for (uint32_t i = 0; i < 3000; i++) {
		mkpkt(&p, 0x0a000000 + i, 1000, 0x0b000000, 53);
		ucf_flow_key_make(&k, &p, &side);
		struct ucf_flow *f = ucf_flow_get(t, &k, 1000000, &created);
		assert_non_null(f);
		assert_true(created);
		if (i % 2)
			ucf_flow_set_tclass(t, f, 1, 1000000);
		memset(ucf_flow_user(f), 0xab, 24);
	}
	assert_int_equal(ucf_flow_count(t), 3000);
	for (uint32_t i = 0; i < 3000; i += 7) { /* all still found after rehashing */
		mkpkt(&p, 0x0a000000 + i, 1000, 0x0b000000, 53);
		ucf_flow_key_make(&k, &p, &side);
		assert_non_null(ucf_flow_find(t, &k));
	}
	mkpkt(&p, 0x0b000000, 53, 0x0a000007, 1000);
	ucf_flow_key_make(&k, &p, &side);
	struct ucf_flow *f = ucf_flow_find(t, &k);
	assert_non_null(f);
	assert_int_equal(f->tclass, 1);
	assert_ptr_equal(ucf_flow_get(t, &k, 2000000, &created), f);
	assert_false(created);
	ucf_flow_touch(t, f, 50000000);
	/* class 0 flows idle 10 s expire; class 1 (100 s) stay */
	ucf_flow_expire(t, 12000000);
	assert_int_equal(ended[UCF_FLOW_EXPIRED], 1500);
	assert_int_equal(ucf_flow_count(t), 1500);
	ucf_flow_expire(t, 120000000);
	assert_int_equal(ucf_flow_count(t), 1); /* the touched one */
	ucf_flow_flush(t);
	assert_int_equal(ended[UCF_FLOW_FLUSHED], 1);
	assert_int_equal(ucf_flow_count(t), 0);
	ucf_flow_table_free(t);
}

static struct ucf_flow *get_nth(struct ucf_flow_table *t, uint32_t net, uint32_t i, uint64_t now)
{
	struct ucf_pkt p;
	struct ucf_flow_key k;
	unsigned side;
	bool created;
	mkpkt(&p, net + i, 1000, 0x0b000000, 53);
	ucf_flow_key_make(&k, &p, &side);
	return ucf_flow_get(t, &k, now, &created);
}

static bool has_nth(struct ucf_flow_table *t, uint32_t net, uint32_t i)
{
	struct ucf_pkt p;
	struct ucf_flow_key k;
	unsigned side;
	mkpkt(&p, net + i, 1000, 0x0b000000, 53);
	ucf_flow_key_make(&k, &p, &side);
	return ucf_flow_find(t, &k) != NULL;
}

/* Slots span chunks of 4096 handed out lazily; rehashing on growth walks
 * only slots handed out, and slots freed by expiry are reused. */
static void test_chunks_and_slot_reuse(void **state)
{
	(void)state;
	struct ucf_flow_table *t = table(20000);
	for (uint32_t i = 0; i < 9000; i++) {
		struct ucf_flow *f = get_nth(t, 0x0a000000, i, 1000000);
		assert_non_null(f);
		if (i % 2)
			ucf_flow_set_tclass(t, f, 1, 1000000);
	}
	ucf_flow_expire(t, 12000000); /* the 4500 of class 0 */
	assert_int_equal(ucf_flow_count(t), 4500);
	for (uint32_t i = 0; i < 9000; i++) /* 13,500 flows: the buckets grow again */
		assert_non_null(get_nth(t, 0x0c000000, i, 13000000));
	assert_int_equal(ucf_flow_count(t), 13500);
	for (uint32_t i = 0; i < 9000; i++) {
		assert_int_equal(has_nth(t, 0x0a000000, i), i % 2 == 1);
		assert_true(has_nth(t, 0x0c000000, i));
	}
	assert_int_equal(ucf_flow_evictions(t), 0);
	ucf_flow_table_free(t);
}

/* The bucket array doubles when the 4097th flow arrives, the first slot of
 * a new chunk (whose memory is not zeroed): whatever the table's hash key,
 * every flow stays findable. Many tables, so many keys. */
static void test_growth_at_chunk_boundary(void **state)
{
	(void)state;
	for (int n = 0; n < 40; n++) {
		struct ucf_flow_table *t = table(20000);
		for (uint32_t i = 0; i < 4200; i++)
			assert_non_null(get_nth(t, 0x0a000000, i, 1000000));
		assert_int_equal(ucf_flow_count(t), 4200);
		for (uint32_t i = 0; i < 4200; i++)
			assert_true(has_nth(t, 0x0a000000, i));
		ucf_flow_table_free(t);
	}
}

static void test_cap_evicts_oldest_idle(void **state)
{
	(void)state;
	struct ucf_flow_table *t = table(100);
	struct ucf_pkt p;
	struct ucf_flow_key k, first;
	unsigned side;
	bool created;
	struct ucf_flow *keep = NULL;
	for (uint32_t i = 0; i < 100; i++) {
		mkpkt(&p, 0x0a000000 + i, 1000, 0x0b000000, 53);
		ucf_flow_key_make(&k, &p, &side);
		struct ucf_flow *f = ucf_flow_get(t, &k, 1000000 + i * 2000000ull, &created);
		if (i == 0)
			first = k, keep = f;
	}
	/* flow 0 is the oldest but active: flow 1 is the oldest idle one */
	ucf_flow_touch(t, keep, 500000000);
	mkpkt(&p, 0x0c000000, 1, 0x0b000000, 53);
	ucf_flow_key_make(&k, &p, &side);
	assert_non_null(ucf_flow_get(t, &k, 500000001, &created));
	assert_int_equal(ended[UCF_FLOW_EVICTED], 1);
	assert_int_equal(ucf_flow_evictions(t), 1);
	assert_int_equal(ucf_flow_count(t), 100);
	assert_non_null(ucf_flow_find(t, &first));
	mkpkt(&p, 0x0a000001, 1000, 0x0b000000, 53);
	ucf_flow_key_make(&k, &p, &side);
	assert_memory_equal(&last_end, &k, sizeof(k));
	/* churn far beyond the cap: the count never exceeds it */
	for (uint32_t i = 0; i < 5000; i++) {
		mkpkt(&p, 0x0d000000 + i, 1000, 0x0b000000, 53);
		ucf_flow_key_make(&k, &p, &side);
		assert_non_null(ucf_flow_get(t, &k, 600000000 + i, &created));
		assert_true(ucf_flow_count(t) <= 100);
	}
	ucf_flow_table_free(t);
}

/* A reload's new cap: growing past a chunk boundary keeps every flow and
 * admits more without evicting; shrinking below the count is refused. */
static void test_set_max(void **state)
{
	(void)state;
	char err[128];
	memset(ended, 0, sizeof(ended));
	struct ucf_flow_table *t = table(4000);
	for (uint32_t i = 0; i < 4000; i++)
		assert_non_null(get_nth(t, 0x0a000000, i, 1000000));
	assert_int_equal(ucf_flow_table_set_max(t, 3999, err, sizeof(err)), -EBUSY);
	assert_string_equal(err, "3999 is below the 4000 flows now tracked");
	assert_int_equal(ucf_flow_table_max(t), 4000);
	assert_int_equal(ucf_flow_table_set_max(t, 0, err, sizeof(err)), -EINVAL);
	assert_int_equal(ucf_flow_table_set_max(t, 10000, err, sizeof(err)), 0);
	assert_int_equal(ucf_flow_table_max(t), 10000);
	for (uint32_t i = 0; i < 6000; i++)
		assert_non_null(get_nth(t, 0x0c000000, i, 2000000));
	assert_int_equal(ucf_flow_count(t), 10000);
	assert_int_equal(ucf_flow_evictions(t), 0);
	for (uint32_t i = 0; i < 4000; i++)
		assert_true(has_nth(t, 0x0a000000, i));
	/* at the new cap, the oldest idle goes as before */
	assert_non_null(get_nth(t, 0x0d000000, 0, 3000000));
	assert_int_equal(ucf_flow_evictions(t), 1);
	/* lowered to the count: held, and the next new flow evicts */
	ucf_flow_expire(t, 11500000); /* the 3999 left of 1 s (class 0: 10 s) */
	assert_int_equal(ucf_flow_count(t), 6001);
	assert_int_equal(ucf_flow_table_set_max(t, 6000, err, sizeof(err)), -EBUSY);
	assert_int_equal(ucf_flow_table_set_max(t, 6001, err, sizeof(err)), 0);
	assert_non_null(get_nth(t, 0x0e000000, 0, 11600000));
	assert_int_equal(ucf_flow_count(t), 6001);
	assert_int_equal(ucf_flow_evictions(t), 2);
	ucf_flow_table_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_key_is_bidirectional), cmocka_unit_test(test_get_find_expire),
		cmocka_unit_test(test_chunks_and_slot_reuse), cmocka_unit_test(test_growth_at_chunk_boundary),
		cmocka_unit_test(test_cap_evicts_oldest_idle), cmocka_unit_test(test_set_max),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
