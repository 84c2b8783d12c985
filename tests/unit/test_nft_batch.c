/* Unit tests for the netlink batch renderer, without a socket: the batch is
 * parsed back with libnftnl and libmnl. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <netinet/in.h>

#include <errno.h>
#include <libmnl/libmnl.h>
#include <libnftnl/object.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <stdio.h>

#include "enforce_fixture.h"
#include "nft_batch.h"
#include "nft_text.h"
#include "policy.h"

static char err[1024];

struct msgs {
	const struct nlmsghdr *m[4096];
	size_t n;
};

static void split(const struct ucf_batch *b, struct msgs *out)
{
	size_t len;
	const void *data = ucf_batch_data(b, &len);
	const struct nlmsghdr *nlh = data;
	int left = (int)len;
	out->n = 0;
	while (mnl_nlmsg_ok(nlh, left)) {
		assert_true(out->n < 4096);
		out->m[out->n++] = nlh;
		nlh = mnl_nlmsg_next(nlh, &left);
	}
	assert_int_equal(left, 0);
	assert_int_equal(out->n, ucf_batch_messages(b));
}

static int nft_type(const struct nlmsghdr *nlh)
{
	return nlh->nlmsg_type >> 8 == NFNL_SUBSYS_NFTABLES ? nlh->nlmsg_type & 0xff : -1;
}

static struct ucf_batch *apply_batch(const struct ucf_ruleset *rs, uint32_t genid)
{
	struct ucf_batch *b = ucf_batch_new(1000);
	assert_non_null(b);
	assert_int_equal(ucf_batch_begin(b, genid), 0);
	assert_int_equal(ucf_batch_del_table(b, UCF_TABLE), 0);
	assert_int_equal(ucf_batch_add_table(b, UCF_TABLE, NFT_TABLE_F_OWNER | 0x4), 0);
	assert_int_equal(ucf_batch_add_ruleset(b, rs), 0);
	assert_int_equal(ucf_batch_end(b), 0);
	return b;
}

static void test_structure(void **state)
{
	(void)state;
	struct ucf_ruleset *rs = fx_ruleset(UCF_MODE_CONCENTRATOR);
	struct ucf_batch *b = apply_batch(rs, 42);
	struct msgs ms;
	split(b, &ms);

	assert_int_equal(ms.m[0]->nlmsg_type, NFNL_MSG_BATCH_BEGIN);
	const struct nlattr *genid = mnl_attr_next(mnl_nlmsg_get_payload_offset(ms.m[0], 0));
	genid = (const struct nlattr *)((const char *)ms.m[0] + MNL_NLMSG_HDRLEN +
					MNL_ALIGN(sizeof(struct nfgenmsg)));
	assert_int_equal(mnl_attr_get_type(genid), NFNL_BATCH_GENID);
	assert_int_equal(ntohl(mnl_attr_get_u32(genid)), 42);
	assert_int_equal(ms.m[ms.n - 1]->nlmsg_type, NFNL_MSG_BATCH_END);
	for (size_t i = 0; i < ms.n; i++) {
		assert_int_equal(ms.m[i]->nlmsg_seq, 1000 + i);
		/* Only errors come back: no message asks for an ack. */
		assert_false(ms.m[i]->nlmsg_flags & NLM_F_ACK);
		assert_false(ms.m[i]->nlmsg_flags & NLM_F_EXCL);
	}
	assert_int_equal(ucf_batch_first_seq(b), 1000);
	assert_int_equal(ucf_batch_last_seq(b), 1000 + ms.n - 1);

	size_t i = 1;
	assert_int_equal(nft_type(ms.m[i++]), NFT_MSG_DELTABLE);
	struct nftnl_table *t = nftnl_table_alloc();
	assert_int_equal(nft_type(ms.m[i]), NFT_MSG_NEWTABLE);
	assert_int_equal(nftnl_table_nlmsg_parse(ms.m[i++], t), 0);
	assert_string_equal(nftnl_table_get_str(t, NFTNL_TABLE_NAME), "ucfence");
	assert_int_equal(nftnl_table_get_u32(t, NFTNL_TABLE_FLAGS), NFT_TABLE_F_OWNER | 0x4);
	nftnl_table_free(t);
	for (size_t c = 0; c < UCF_COUNTER_COUNT; c++)
		assert_int_equal(nft_type(ms.m[i++]), NFT_MSG_NEWOBJ);
	for (size_t s = 0; s < rs->nsets; s++) {
		struct nftnl_set *ns = nftnl_set_alloc();
		assert_int_equal(nft_type(ms.m[i]), NFT_MSG_NEWSET);
		assert_int_equal(nftnl_set_nlmsg_parse(ms.m[i++], ns), 0);
		assert_string_equal(nftnl_set_get_str(ns, NFTNL_SET_NAME), rs->sets[s].name);
		if (strcmp(rs->sets[s].name, "uc_svc") == 0) {
			assert_int_equal(nftnl_set_get_u32(ns, NFTNL_SET_FLAGS),
					 NFT_SET_INTERVAL | NFT_SET_CONCAT);
			assert_int_equal(nftnl_set_get_u32(ns, NFTNL_SET_KEY_LEN), 8);
			assert_int_equal(nftnl_set_get_u32(ns, NFTNL_SET_KEY_TYPE), 12 << 6 | 13);
		}
		/* Concatenations: every member padded to 32 bits; key types as
		 * nft composes them (first member in the highest bits). */
		if (strcmp(rs->sets[s].name, UCF_SET_MEDIA4) == 0) {
			assert_int_equal(nftnl_set_get_u32(ns, NFTNL_SET_FLAGS), NFT_SET_TIMEOUT);
			assert_int_equal(nftnl_set_get_u32(ns, NFTNL_SET_KEY_LEN), 12);
			assert_int_equal(nftnl_set_get_u32(ns, NFTNL_SET_KEY_TYPE), (7 << 6 | 7) << 6 | 13);
			assert_int_equal(nftnl_set_get_u64(ns, NFTNL_SET_TIMEOUT), 120000);
		}
		if (strcmp(rs->sets[s].name, UCF_SET_MEDIA6) == 0) {
			assert_int_equal(nftnl_set_get_u32(ns, NFTNL_SET_FLAGS), NFT_SET_TIMEOUT);
			assert_int_equal(nftnl_set_get_u32(ns, NFTNL_SET_KEY_LEN), 36);
			assert_int_equal(nftnl_set_get_u32(ns, NFTNL_SET_KEY_TYPE), (8 << 6 | 8) << 6 | 13);
			assert_int_equal(nftnl_set_get_u64(ns, NFTNL_SET_TIMEOUT), 120000);
		}
		if (strcmp(rs->sets[s].name, UCF_SET_BLOCK4) == 0) {
			assert_int_equal(nftnl_set_get_u32(ns, NFTNL_SET_FLAGS), NFT_SET_TIMEOUT);
			assert_int_equal(nftnl_set_get_u32(ns, NFTNL_SET_KEY_LEN), 20);
			assert_int_equal(nftnl_set_get_u32(ns, NFTNL_SET_KEY_TYPE),
					 12u << 24 | 7 << 18 | 13 << 12 | 7 << 6 | 13);
			assert_int_equal(nftnl_set_get_u64(ns, NFTNL_SET_TIMEOUT), 3600000);
		}
		if (strcmp(rs->sets[s].name, UCF_SET_BLOCK6) == 0) {
			assert_int_equal(nftnl_set_get_u32(ns, NFTNL_SET_FLAGS), NFT_SET_TIMEOUT);
			assert_int_equal(nftnl_set_get_u32(ns, NFTNL_SET_KEY_LEN), 44);
			assert_int_equal(nftnl_set_get_u32(ns, NFTNL_SET_KEY_TYPE),
					 12u << 24 | 8 << 18 | 13 << 12 | 8 << 6 | 13);
			assert_int_equal(nftnl_set_get_u64(ns, NFTNL_SET_TIMEOUT), 3600000);
		}
		if (strcmp(rs->sets[s].name, "uc_ifs") == 0)
			assert_int_equal(nftnl_set_get_u32(ns, NFTNL_SET_KEY_LEN), 16);
		nftnl_set_free(ns);
		while (i < ms.n && nft_type(ms.m[i]) == NFT_MSG_NEWSETELEM)
			i++;
	}
	for (size_t c = 0; c < rs->nchains; c++)
		assert_int_equal(nft_type(ms.m[i++]), NFT_MSG_NEWCHAIN);
	for (size_t r = 0; r < rs->nrules; r++) {
		struct nftnl_rule *nr = nftnl_rule_alloc();
		assert_int_equal(nft_type(ms.m[i]), NFT_MSG_NEWRULE);
		assert_true(ms.m[i]->nlmsg_flags & NLM_F_APPEND);
		assert_int_equal(nftnl_rule_nlmsg_parse(ms.m[i++], nr), 0);
		assert_string_equal(nftnl_rule_get_str(nr, NFTNL_RULE_CHAIN),
				    rs->chains[rs->rules[r].chain].name);
		nftnl_rule_free(nr);
	}
	assert_int_equal(i, ms.n - 1);
	ucf_batch_free(b);
	ucf_ruleset_free(rs);
}

struct elem_view {
	uint8_t key[48];
	uint32_t len, flags;
	bool has_udata;
	uint64_t timeout;
};

static size_t parse_elems(const struct nlmsghdr *nlh, struct elem_view *out, size_t max)
{
	struct nftnl_set *s = nftnl_set_alloc();
	size_t n = 0;
	assert_int_equal(nftnl_set_elems_nlmsg_parse(nlh, s), 0);
	struct nftnl_set_elems_iter *it = nftnl_set_elems_iter_create(s);
	for (struct nftnl_set_elem *e = nftnl_set_elems_iter_next(it); e;
	     e = nftnl_set_elems_iter_next(it)) {
		if (n < max) {
			uint32_t len = 0;
			const void *k = nftnl_set_elem_get(e, NFTNL_SET_ELEM_KEY, &len);
			memset(&out[n], 0, sizeof(out[n]));
			memcpy(out[n].key, k, len);
			out[n].len = len;
			if (nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_FLAGS))
				out[n].flags = nftnl_set_elem_get_u32(e, NFTNL_SET_ELEM_FLAGS);
			out[n].has_udata = nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_USERDATA);
			if (nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_TIMEOUT))
				out[n].timeout = nftnl_set_elem_get_u64(e, NFTNL_SET_ELEM_TIMEOUT);
		}
		n++;
	}
	nftnl_set_elems_iter_destroy(it);
	nftnl_set_free(s);
	return n;
}

/* The NEWSETELEM messages of one set. */
static size_t elem_msgs(const struct msgs *ms, const char *set, const struct nlmsghdr **out,
			size_t max, int type)
{
	size_t n = 0;
	for (size_t i = 0; i < ms->n; i++) {
		if (nft_type(ms->m[i]) != type)
			continue;
		struct nftnl_set *s = nftnl_set_alloc();
		nftnl_set_elems_nlmsg_parse(ms->m[i], s);
		if (strcmp(nftnl_set_get_str(s, NFTNL_SET_NAME), set) == 0 && n < max)
			out[n++] = ms->m[i];
		nftnl_set_free(s);
	}
	return n;
}

static void v4(struct elem_view *e, const char *addr)
{
	uint8_t a[4];
	inet_pton(AF_INET, addr, a);
	assert_int_equal(e->len, 4);
	assert_memory_equal(e->key, a, 4);
}

static void test_interval_encoding(void **state)
{
	(void)state;
	struct fixture f;
	struct ucf_ruleset *rs = NULL;
	struct msgs ms;
	const struct nlmsghdr *em[4];
	struct elem_view ev[8];
	fx_init(&f, UCF_MODE_CONCENTRATOR);
	fx_list(&f.cfg.uc.endpoints, &f.E,
		(const char *const[]){ "10.20.0.0/24", "255.255.255.0/24", "0.0.0.0/8" }, 3);
	f.cfg.uc.media.shape_check = false; /* the static range in uc_svc */
	assert_int_equal(ucf_policy_build(&f.cfg, &f.cat, &rs, err, sizeof(err)), 0);
	struct ucf_batch *b = apply_batch(rs, 0);
	split(b, &ms);
	assert_int_equal(elem_msgs(&ms, "endpoints4", em, 4, NFT_MSG_NEWSETELEM), 1);
	/* Starts at zero: no leading closing element; runs to the top: open. */
	assert_int_equal(parse_elems(em[0], ev, 8), 5);
	v4(&ev[0], "0.0.0.0");
	assert_int_equal(ev[0].flags, 0);
	v4(&ev[1], "1.0.0.0");
	assert_int_equal(ev[1].flags, NFT_SET_ELEM_INTERVAL_END);
	v4(&ev[2], "10.20.0.0");
	v4(&ev[3], "10.20.1.0");
	assert_int_equal(ev[3].flags, NFT_SET_ELEM_INTERVAL_END);
	v4(&ev[4], "255.255.255.0");
	assert_int_equal(ev[4].flags, 0);
	assert_true(ev[4].has_udata);
	/* servers4 (10.50.0.0/24) does not start at zero: a closing element first. */
	assert_int_equal(elem_msgs(&ms, "servers4", em, 4, NFT_MSG_NEWSETELEM), 1);
	assert_int_equal(parse_elems(em[0], ev, 8), 3);
	v4(&ev[0], "0.0.0.0");
	assert_int_equal(ev[0].flags, NFT_SET_ELEM_INTERVAL_END);
	v4(&ev[1], "10.50.0.0");
	v4(&ev[2], "10.50.1.0");
	/* Empty sets get no element message. */
	assert_int_equal(elem_msgs(&ms, "servers6", em, 4, NFT_MSG_NEWSETELEM), 0);
	/* Concatenated ranges: proto and port each in a 32-bit word. */
	assert_int_equal(elem_msgs(&ms, "uc_svc", em, 4, NFT_MSG_NEWSETELEM), 1);
	assert_int_equal(parse_elems(em[0], ev, 8), 3);
	assert_int_equal(ev[0].len, 8);
	assert_memory_equal(ev[0].key, ((uint8_t[]){ IPPROTO_TCP, 0, 0, 0, 0x13, 0xc4, 0, 0 }), 8);
	ucf_batch_free(b);
	ucf_ruleset_free(rs);
	fx_free(&f);
}

static void test_element_splitting(void **state)
{
	(void)state;
	struct ucf_ruleset *rs = fx_ruleset(UCF_MODE_APPLIANCE);
	size_t n = 100000;
	struct ucf_pinhole *m = calloc(n, sizeof(*m));
	for (size_t i = 0; i < n; i++) {
		m[i].family = i % 4 ? AF_INET : AF_INET6;
		m[i].addr[0] = 10;
		m[i].addr[1] = (uint8_t)(i >> 16);
		m[i].addr[2] = (uint8_t)(i >> 8);
		m[i].addr[3] = (uint8_t)i;
		m[i].port = (uint16_t)(16384 + i % 16384);
		m[i].timeout_ms = i % 2 ? 0 : 60000;
	}
	assert_int_equal(ucf_ruleset_add_media(rs, m, n, err, sizeof(err)), 0);
	free(m);
	struct ucf_batch *b = apply_batch(rs, 0);
	struct msgs ms;
	split(b, &ms);
	static const struct nlmsghdr *em[1024];
	static struct elem_view ev[1];
	size_t total = 0, timeouts = 0;
	const char *sets[2] = { UCF_SET_MEDIA4, UCF_SET_MEDIA6 };
	for (int s = 0; s < 2; s++) {
		size_t k = elem_msgs(&ms, sets[s], em, 1024, NFT_MSG_NEWSETELEM);
		assert_true(k > 1); /* split */
		for (size_t i = 0; i < k; i++) {
			const struct nlattr *a;
			mnl_attr_for_each(a, em[i], sizeof(struct nfgenmsg))
				if (mnl_attr_get_type(a) == NFTA_SET_ELEM_LIST_ELEMENTS)
					assert_true(a->nla_len <= UCF_BATCH_ELEMS_MAX_BYTES + 256);
			struct nftnl_set *ps = nftnl_set_alloc();
			assert_int_equal(nftnl_set_elems_nlmsg_parse(em[i], ps), 0);
			struct nftnl_set_elems_iter *it = nftnl_set_elems_iter_create(ps);
			for (struct nftnl_set_elem *e = nftnl_set_elems_iter_next(it); e;
			     e = nftnl_set_elems_iter_next(it)) {
				total++;
				if (nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_TIMEOUT)) {
					assert_int_equal(nftnl_set_elem_get_u64(e, NFTNL_SET_ELEM_TIMEOUT),
							 60000);
					timeouts++;
				}
			}
			nftnl_set_elems_iter_destroy(it);
			nftnl_set_free(ps);
		}
	}
	(void)ev;
	assert_int_equal(total, n);
	assert_int_equal(timeouts, n / 2);
	ucf_batch_free(b);
	ucf_ruleset_free(rs);
}

/* The offset (from the message header) of the k-th element of a list. */
static uint32_t list_offset(const struct nlmsghdr *nlh, uint16_t type, size_t k)
{
	const struct nlattr *a, *e;
	mnl_attr_for_each(a, nlh, sizeof(struct nfgenmsg)) {
		if (mnl_attr_get_type(a) != type)
			continue;
		size_t i = 0;
		mnl_attr_for_each_nested(e, a)
			if (i++ == k)
				return (uint32_t)((const char *)e - (const char *)nlh) + 4;
	}
	fail_msg("no element %zu", k);
	return 0;
}

static void test_describe(void **state)
{
	(void)state;
	char buf[1024];
	struct fixture f;
	struct ucf_ruleset *rs = NULL;
	struct msgs ms;
	const struct nlmsghdr *em[2];
	fx_init(&f, UCF_MODE_CONCENTRATOR);
	fx_list(&f.cfg.uc.endpoints, &f.E,
		(const char *const[]){ "10.20.0.0/24", "10.22.0.0/24", "10.24.0.1" }, 3);
	/* no rules before conntrack's but the block rules */
	f.cfg.uc.media.shape_check = false;
	f.cfg.uc.media.tls_calls = false;
	assert_int_equal(ucf_policy_build(&f.cfg, &f.cat, &rs, err, sizeof(err)), 0);
	struct ucf_batch *b = apply_batch(rs, 0);
	split(b, &ms);

	ucf_batch_describe(b, 1000, 0, buf, sizeof(buf));
	assert_string_equal(buf, "the batch (ruleset changed meanwhile?)");
	ucf_batch_describe(b, 1002, 0, buf, sizeof(buf));
	assert_string_equal(buf, "table inet ucfence");
	ucf_batch_describe(b, 1003, 0, buf, sizeof(buf));
	assert_string_equal(buf, "counter non-target-uc");
	ucf_batch_describe(b, 5, 0, buf, sizeof(buf));
	assert_string_equal(buf, "message 5 (not in this batch)");

	/* Element 0 is the closing element at zero, then 10.20.0.0 start (1),
	 * its end (2), 10.22.0.0 start (3): each maps to its model element. */
	assert_int_equal(elem_msgs(&ms, "endpoints4", em, 2, NFT_MSG_NEWSETELEM), 1);
	uint32_t seq = em[0]->nlmsg_seq;
	ucf_batch_describe(b, seq, list_offset(em[0], NFTA_SET_ELEM_LIST_ELEMENTS, 3), buf, sizeof(buf));
	assert_string_equal(buf, "set endpoints4, element 10.22.0.0/24");
	ucf_batch_describe(b, seq, list_offset(em[0], NFTA_SET_ELEM_LIST_ELEMENTS, 6), buf, sizeof(buf));
	assert_string_equal(buf, "set endpoints4, element 10.24.0.1");
	ucf_batch_describe(b, seq, 0, buf, sizeof(buf));
	assert_string_equal(buf, "elements of set endpoints4");

	/* The first rules: the block rules, the upload counter, then conntrack's,
	 * in chain forward. */
	const struct nlmsghdr *rule[4] = { NULL };
	size_t nr = 0;
	for (size_t i = 0; i < ms.n && nr < 4; i++)
		if (nft_type(ms.m[i]) == NFT_MSG_NEWRULE)
			rule[nr++] = ms.m[i];
	ucf_batch_describe(b, rule[0]->nlmsg_seq, 0, buf, sizeof(buf));
	assert_string_equal(buf, "rule 1 of chain forward (meta l4proto . ip saddr . th sport . ip daddr "
				 ". th dport @block4 goto non_uc_protocol)");
	ucf_batch_describe(b, rule[2]->nlmsg_seq, 0, buf, sizeof(buf));
	assert_non_null(strstr(buf, "rule 3 of chain forward (oifname \"eth0\" ip saddr 10.40.0.2 "));
	assert_non_null(strstr(buf, "counter name \"appliance-upload\""));
	ucf_batch_describe(b, rule[3]->nlmsg_seq, 0, buf, sizeof(buf));
	assert_string_equal(buf, "rule 4 of chain forward (ct state established,related accept "
				 "comment \"replies and related ICMP errors of allowed flows\")");
	ucf_batch_describe(b, rule[3]->nlmsg_seq, list_offset(rule[3], NFTA_RULE_EXPRESSIONS, 1), buf,
			   sizeof(buf));
	assert_non_null(strstr(buf, "), expression 2 (bitwise)"));
	ucf_batch_free(b);
	ucf_ruleset_free(rs);
	fx_free(&f);
}

static void test_media_batch(void **state)
{
	(void)state;
	char buf[512];
	struct msgs ms;
	const struct nlmsghdr *em[4];
	struct elem_view ev[4];
	struct ucf_pinhole add[3] = { { .family = AF_INET, .port = 20000, .timeout_ms = 30000 },
				    { .family = AF_INET6, .port = 20002 },
				    { .family = AF_INET, .port = 20004 } };
	struct ucf_pinhole del[1] = { { .family = AF_INET, .port = 20000 } };
	inet_pton(AF_INET, "10.20.0.10", add[0].peer);
	inet_pton(AF_INET, "10.50.0.10", add[0].addr);
	inet_pton(AF_INET6, "fd00:20::10", add[1].peer);
	inet_pton(AF_INET6, "fd00:50::10", add[1].addr);
	inet_pton(AF_INET, "10.20.0.11", add[2].peer);
	inet_pton(AF_INET, "10.50.0.11", add[2].addr);
	memcpy(del[0].peer, add[0].peer, 4);
	memcpy(del[0].addr, add[0].addr, 4);
	struct ucf_batch *b = ucf_batch_new(7);
	assert_int_equal(ucf_batch_begin(b, 0), 0);
	assert_int_equal(ucf_batch_media(b, false, del, 1), 0);
	assert_int_equal(ucf_batch_media(b, true, add, 3), 0);
	assert_int_equal(ucf_batch_end(b), 0);
	split(b, &ms);
	assert_int_equal(ms.n, 5); /* begin, del media4, add media4, add media6, end */
	assert_int_equal(nft_type(ms.m[1]), NFT_MSG_DELSETELEM);
	assert_int_equal(elem_msgs(&ms, UCF_SET_MEDIA4, em, 4, NFT_MSG_NEWSETELEM), 1);
	assert_int_equal(parse_elems(em[0], ev, 4), 2);
	/* peer . addr . port, each padded to 32 bits */
	assert_int_equal(ev[0].len, 12);
	assert_memory_equal(ev[0].key, ((uint8_t[]){ 10, 20, 0, 10, 10, 50, 0, 10, 0x4e, 0x20, 0, 0 }),
			    12);
	assert_int_equal(ev[0].timeout, 30000);
	assert_int_equal(ev[1].timeout, 0);
	assert_int_equal(elem_msgs(&ms, UCF_SET_MEDIA6, em, 4, NFT_MSG_NEWSETELEM), 1);
	assert_int_equal(parse_elems(em[0], ev, 4), 1);
	assert_int_equal(ev[0].len, 36);
	assert_int_equal(ev[0].key[0], 0xfd);
	assert_int_equal(ev[0].key[15], 0x10);
	assert_int_equal(ev[0].key[16], 0xfd);
	assert_int_equal(ev[0].key[18], 0x00);
	assert_int_equal(ev[0].key[19], 0x50);
	assert_memory_equal(ev[0].key + 32, ((uint8_t[]){ 0x4e, 0x22, 0, 0 }), 4);
	ucf_batch_describe(b, em[0]->nlmsg_seq, list_offset(em[0], NFTA_SET_ELEM_LIST_ELEMENTS, 0),
			   buf, sizeof(buf));
	assert_string_equal(buf, "set media6, element fd00:20::10 . fd00:50::10 . 20002");
	ucf_batch_describe(b, ms.m[1]->nlmsg_seq, list_offset(ms.m[1], NFTA_SET_ELEM_LIST_ELEMENTS, 0),
			   buf, sizeof(buf));
	assert_string_equal(buf, "set media4, element 10.20.0.10 . 10.50.0.10 . 20000");
	ucf_batch_free(b);
}

static void test_block_batch(void **state)
{
	(void)state;
	char buf[512];
	struct msgs ms;
	const struct nlmsghdr *em[4];
	struct elem_view ev[4];
	struct ucf_block bl[3] = {
		{ .family = AF_INET, .l4proto = IPPROTO_TCP, .sport = 40000, .dport = 5060 },
		{ .family = AF_INET6, .l4proto = IPPROTO_UDP, .sport = 5004, .dport = 5060 },
		{ .family = AF_INET, .l4proto = IPPROTO_UDP, .sport = 1, .dport = 2 },
	};
	inet_pton(AF_INET, "10.20.0.10", bl[0].src);
	inet_pton(AF_INET, "10.50.0.10", bl[0].dst);
	inet_pton(AF_INET6, "fd00:20::10", bl[1].src);
	inet_pton(AF_INET6, "fd00:50::10", bl[1].dst);
	inet_pton(AF_INET, "10.20.0.11", bl[2].src);
	inet_pton(AF_INET, "10.50.0.11", bl[2].dst);
	struct ucf_batch *b = ucf_batch_new(7);
	assert_int_equal(ucf_batch_begin(b, 0), 0);
	assert_int_equal(ucf_batch_block(b, bl, 3), 0);
	assert_int_equal(ucf_batch_end(b), 0);
	split(b, &ms);
	assert_int_equal(ms.n, 4); /* begin, add block4, add block6, end */
	assert_false(ms.m[1]->nlmsg_flags & NLM_F_EXCL); /* re-adding is no error */
	assert_int_equal(elem_msgs(&ms, UCF_SET_BLOCK4, em, 4, NFT_MSG_NEWSETELEM), 1);
	/* Both directions of each flow; no element timeout: the set's. */
	assert_int_equal(parse_elems(em[0], ev, 4), 4);
	assert_int_equal(ev[0].len, 20);
	assert_memory_equal(ev[0].key, ((uint8_t[]){ IPPROTO_TCP, 0, 0, 0, 10, 20, 0, 10, 0x9c, 0x40,
						     0, 0, 10, 50, 0, 10, 0x13, 0xc4, 0, 0 }),
			    20);
	assert_memory_equal(ev[1].key, ((uint8_t[]){ IPPROTO_TCP, 0, 0, 0, 10, 50, 0, 10, 0x13, 0xc4,
						     0, 0, 10, 20, 0, 10, 0x9c, 0x40, 0, 0 }),
			    20);
	assert_int_equal(ev[0].timeout, 0);
	assert_int_equal(elem_msgs(&ms, UCF_SET_BLOCK6, em, 4, NFT_MSG_NEWSETELEM), 1);
	assert_int_equal(parse_elems(em[0], ev, 4), 2);
	assert_int_equal(ev[0].len, 44);
	assert_int_equal(ev[0].key[0], IPPROTO_UDP);
	assert_memory_equal(ev[0].key + 20, ((uint8_t[]){ 0x13, 0x8c, 0, 0 }), 4); /* sport 5004 */
	assert_memory_equal(ev[0].key + 40, ((uint8_t[]){ 0x13, 0xc4, 0, 0 }), 4); /* dport 5060 */
	assert_memory_equal(ev[1].key + 20, ((uint8_t[]){ 0x13, 0xc4, 0, 0 }), 4);
	ucf_batch_describe(b, em[0]->nlmsg_seq, list_offset(em[0], NFTA_SET_ELEM_LIST_ELEMENTS, 1),
			   buf, sizeof(buf));
	assert_string_equal(buf, "set block6, element udp . fd00:50::10 . 5060 . fd00:20::10 . 5004");
	ucf_batch_describe(b, ms.m[1]->nlmsg_seq, list_offset(ms.m[1], NFTA_SET_ELEM_LIST_ELEMENTS, 2),
			   buf, sizeof(buf));
	assert_string_equal(buf, "set block4, element udp . 10.20.0.11 . 1 . 10.50.0.11 . 2");
	ucf_batch_free(b);
}

/* The rule's expressions as libnftnl prints them (nft --debug=netlink). */
static const char *rule_exprs(const struct nlmsghdr *nlh)
{
	static char out[4096];
	struct nftnl_rule *r = nftnl_rule_alloc();
	assert_int_equal(nftnl_rule_nlmsg_parse(nlh, r), 0);
	nftnl_rule_snprintf(out, sizeof(out), r, NFTNL_OUTPUT_DEFAULT, 0);
	nftnl_rule_free(r);
	return out;
}

/* The media and block rules use the registers nft 1.0.6 gives the same
 * text (its --debug=netlink output; lookups by set name). */
static void test_concat_registers(void **state)
{
	(void)state;
	struct ucf_ruleset *rs = fx_ruleset(UCF_MODE_CONCENTRATOR);
	struct ucf_batch *b = apply_batch(rs, 0);
	struct msgs ms;
	split(b, &ms);
	const char *want[4][2] = {
		{ "@block4", "  [ meta load nfproto => reg 1 ]\n"
			     "  [ cmp eq reg 1 0x00000002 ]\n"
			     "  [ meta load l4proto => reg 1 ]\n"
			     "  [ payload load 4b @ network header + 12 => reg 9 ]\n"
			     "  [ payload load 2b @ transport header + 0 => reg 10 ]\n"
			     "  [ payload load 4b @ network header + 16 => reg 11 ]\n"
			     "  [ payload load 2b @ transport header + 2 => reg 2 ]\n"
			     "  [ lookup reg 1 set block4 " },
		{ "@block6", "  [ meta load nfproto => reg 1 ]\n"
			     "  [ cmp eq reg 1 0x0000000a ]\n"
			     "  [ meta load l4proto => reg 1 ]\n"
			     "  [ payload load 16b @ network header + 8 => reg 9 ]\n"
			     "  [ payload load 2b @ transport header + 0 => reg 13 ]\n"
			     "  [ payload load 16b @ network header + 24 => reg 14 ]\n"
			     "  [ payload load 2b @ transport header + 2 => reg 18 ]\n"
			     "  [ lookup reg 1 set block6 " },
		{ "@media4", "  [ meta load nfproto => reg 1 ]\n"
			     "  [ cmp eq reg 1 0x00000002 ]\n"
			     "  [ meta load l4proto => reg 1 ]\n"
			     "  [ cmp eq reg 1 0x00000011 ]\n"
			     "  [ payload load 4b @ network header + 12 => reg 1 ]\n"
			     "  [ payload load 4b @ network header + 16 => reg 9 ]\n"
			     "  [ payload load 2b @ transport header + 2 => reg 10 ]\n"
			     "  [ lookup reg 1 set media4 " },
		{ "@media6", "  [ meta load nfproto => reg 1 ]\n"
			     "  [ cmp eq reg 1 0x0000000a ]\n"
			     "  [ meta load l4proto => reg 1 ]\n"
			     "  [ cmp eq reg 1 0x00000011 ]\n"
			     "  [ payload load 16b @ network header + 8 => reg 1 ]\n"
			     "  [ payload load 16b @ network header + 24 => reg 2 ]\n"
			     "  [ payload load 2b @ transport header + 2 => reg 3 ]\n"
			     "  [ lookup reg 1 set media6 " },
	};
	size_t found = 0, rule = 0;
	for (size_t i = 0; i < ms.n; i++) {
		if (nft_type(ms.m[i]) != NFT_MSG_NEWRULE)
			continue;
		char text[1024];
		ucf_nft_rule_format(&rs->rules[rule++], text, sizeof(text));
		for (size_t k = 0; k < 4; k++) {
			if (!strstr(text, want[k][0]))
				continue;
			const char *got = rule_exprs(ms.m[i]);
			if (!strstr(got, want[k][1]))
				fail_msg("rule %s:\n%s\nwanted:\n%s", text, got, want[k][1]);
			found++;
		}
	}
	assert_int_equal(found, 4);
	ucf_batch_free(b);
	ucf_ruleset_free(rs);
}

/* The TLS pair, media mark and media shape rules carry the expressions
 * nft 1.0.6 sends for the same text (its --debug=netlink output for the
 * rules `plan` prints): raw payload with mask and cmp, ranges as gte/lte,
 * dynset update with the key in concatenation registers, ct mark tested
 * and set. */
static void test_media_shape_exprs(void **state)
{
	(void)state;
	struct ucf_ruleset *rs = fx_ruleset(UCF_MODE_CONCENTRATOR);
	struct ucf_batch *b = apply_batch(rs, 0);
	struct msgs ms;
	split(b, &ms);
	const char *want[][2] = {
		{ "@th,64,8 & 0xc0 == 0x80 @th,72,8 0x60-0xa2 return",
		  "  [ payload load 1b @ transport header + 8 => reg 1 ]\n"
		  "  [ bitwise reg 1 = ( reg 1 & 0x000000c0 ) ^ 0x00000000 ]\n"
		  "  [ cmp eq reg 1 0x00000080 ]\n"
		  "  [ payload load 1b @ transport header + 9 => reg 1 ]\n"
		  "  [ cmp gte reg 1 0x00000060 ]\n"
		  "  [ cmp lte reg 1 0x000000a2 ]\n"
		  "  [ immediate reg 0 return ]\n" },
		{ "@th,64,8 & 0xc0 == 0x0 @th,96,32 0x2112a442 return",
		  "  [ payload load 1b @ transport header + 8 => reg 1 ]\n"
		  "  [ bitwise reg 1 = ( reg 1 & 0x000000c0 ) ^ 0x00000000 ]\n"
		  "  [ cmp eq reg 1 0x00000000 ]\n"
		  "  [ payload load 4b @ transport header + 12 => reg 1 ]\n"
		  "  [ cmp eq reg 1 0x42a41221 ]\n"
		  "  [ immediate reg 0 return ]\n" },
		{ "@th,64,8 0x14-0x3f return",
		  "  [ payload load 1b @ transport header + 8 => reg 1 ]\n"
		  "  [ cmp gte reg 1 0x00000014 ]\n"
		  "  [ cmp lte reg 1 0x0000003f ]\n"
		  "  [ immediate reg 0 return ]\n" },
		{ "ip daddr . ip saddr @tls_pairs4 meta l4proto",
		  "  [ meta load nfproto => reg 1 ]\n"
		  "  [ cmp eq reg 1 0x00000002 ]\n"
		  "  [ payload load 4b @ network header + 16 => reg 1 ]\n"
		  "  [ payload load 4b @ network header + 12 => reg 9 ]\n"
		  "  [ lookup reg 1 set tls_pairs4 " },
		{ "ip daddr @remote4 update @tls_pairs4 { ip saddr . ip daddr }",
		  "  [ payload load 4b @ network header + 16 => reg 1 ]\n"
		  "  [ lookup reg 1 set remote4 ]\n"
		  "  [ payload load 4b @ network header + 12 => reg 1 ]\n"
		  "  [ payload load 4b @ network header + 16 => reg 9 ]\n"
		  "  [ dynset update reg_key 1 set tls_pairs4 ]\n" },
		/* The media bit: tested, then set keeping the mark's other bits
		 * (nft 1.0.6 for the same text). */
		{ "ct mark & 0x10000000 == 0x10000000 meta l4proto udp goto media_flow",
		  "  [ ct load mark => reg 1 ]\n"
		  "  [ bitwise reg 1 = ( reg 1 & 0x10000000 ) ^ 0x00000000 ]\n"
		  "  [ cmp eq reg 1 0x10000000 ]\n"
		  "  [ meta load l4proto => reg 1 ]\n"
		  "  [ cmp eq reg 1 0x00000011 ]\n"
		  "  [ immediate reg 0 goto -> media_flow ]\n" },
		{ "ct mark set ct mark | 0x10000000 accept",
		  "  [ ct load mark => reg 1 ]\n"
		  "  [ bitwise reg 1 = ( reg 1 & 0xefffffff ) ^ 0x10000000 ]\n"
		  "  [ ct set mark with reg 1 ]\n"
		  "  [ immediate reg 0 accept ]\n" },
	};
	enum { NWANT = sizeof(want) / sizeof(want[0]) };
	size_t found = 0, rule = 0;
	for (size_t i = 0; i < ms.n; i++) {
		if (nft_type(ms.m[i]) != NFT_MSG_NEWRULE)
			continue;
		char text[1024];
		ucf_nft_rule_format(&rs->rules[rule++], text, sizeof(text));
		for (size_t k = 0; k < NWANT; k++) {
			if (!strstr(text, want[k][0]))
				continue;
			const char *got = rule_exprs(ms.m[i]);
			if (!strstr(got, want[k][1]))
				fail_msg("rule %s:\n%s\nwanted:\n%s", text, got, want[k][1]);
			found++;
		}
	}
	assert_int_equal(found, NWANT);
	/* The datapath's sets are dynamic (EVAL), timed and bounded. */
	size_t sets = 0;
	for (size_t i = 0; i < ms.n; i++) {
		if (nft_type(ms.m[i]) != NFT_MSG_NEWSET)
			continue;
		struct nftnl_set *ns = nftnl_set_alloc();
		assert_int_equal(nftnl_set_nlmsg_parse(ms.m[i], ns), 0);
		const char *name = nftnl_set_get_str(ns, NFTNL_SET_NAME);
		assert_true(strncmp(name, "media_flows", 11) != 0);
		if (strncmp(name, "tls_pairs", 9) == 0) {
			assert_int_equal(nftnl_set_get_u32(ns, NFTNL_SET_FLAGS),
					 NFT_SET_TIMEOUT | NFT_SET_EVAL);
			assert_int_equal(nftnl_set_get_u32(ns, NFTNL_SET_DESC_SIZE), 65536);
			sets++;
		}
		nftnl_set_free(ns);
	}
	assert_int_equal(sets, 2);
	ucf_batch_free(b);
	ucf_ruleset_free(rs);
}

/* The upload counter's rule: the length test as nft 1.0.6 sends `ip length
 * > 128` and `ip6 length > 88` (payload, cmp gt on the big-endian field),
 * then the named counter. */
static void test_upload_counter_exprs(void **state)
{
	(void)state;
	static const char *const addrs[2] = { "10.40.0.2", "2001:db8::2" };
	static const char *const want[2] = {
		"  [ payload load 2b @ network header + 2 => reg 1 ]\n"
		"  [ cmp gt reg 1 0x00008000 ]\n"
		"  [ objref type 1 name appliance-upload",
		"  [ payload load 2b @ network header + 4 => reg 1 ]\n"
		"  [ cmp gt reg 1 0x00005800 ]\n"
		"  [ objref type 1 name appliance-upload",
	};
	for (size_t a = 0; a < 2; a++) {
		struct fixture f;
		struct ucf_ruleset *rs;
		char why[1024];
		fx_init(&f, UCF_MODE_APPLIANCE);
		f.cfg.appliance.address = fx_prefix(addrs[a]);
		assert_int_equal(ucf_policy_build(&f.cfg, &f.cat, &rs, why, sizeof(why)), 0);
		struct ucf_batch *b = apply_batch(rs, 0);
		struct msgs ms;
		split(b, &ms);
		size_t found = 0, rule = 0;
		for (size_t i = 0; i < ms.n; i++) {
			if (nft_type(ms.m[i]) != NFT_MSG_NEWRULE)
				continue;
			char text[1024];
			ucf_nft_rule_format(&rs->rules[rule++], text, sizeof(text));
			if (!strstr(text, "counter name \"appliance-upload\""))
				continue;
			const char *got = rule_exprs(ms.m[i]);
			if (!strstr(got, want[a]))
				fail_msg("rule %s:\n%s\nwanted:\n%s", text, got, want[a]);
			found++;
		}
		assert_int_equal(found, 1);
		ucf_batch_free(b);
		ucf_ruleset_free(rs);
		fx_free(&f);
	}
}

/* The live state the kernel would report after applying rs: sets, chains,
 * counters, and the elements read back from our own element messages. */
static void live_from(const struct ucf_ruleset *rs, struct ucf_live *live, uint32_t flags)
{
	struct ucf_batch *b = apply_batch(rs, 0);
	struct msgs ms;
	split(b, &ms);
	memset(live, 0, sizeof(*live));
	live->table_flags = flags;
	live->nsets = rs->nsets;
	live->sets = calloc(rs->nsets, sizeof(*live->sets));
	for (size_t i = 0; i < rs->nsets; i++) {
		struct ucf_live_set *l = &live->sets[i];
		strcpy(l->name, rs->sets[i].name);
		l->flags = ucf_batch_set_flags(rs->sets[i].key);
		l->key_type = ucf_batch_key_type(rs->sets[i].key);
		l->key_len = ucf_batch_key_len(rs->sets[i].key);
		l->timeout_ms = rs->sets[i].timeout_ms;
		const struct nlmsghdr *em[64];
		size_t k = elem_msgs(&ms, l->name, em, 64, NFT_MSG_NEWSETELEM);
		for (size_t j = 0; j < k; j++)
			assert_int_equal(ucf_live_add_elems(l, em[j]), 0);
	}
	live->nchains = rs->nchains;
	live->chains = calloc(rs->nchains, sizeof(*live->chains));
	for (size_t i = 0; i < rs->nchains; i++) {
		struct ucf_live_chain *c = &live->chains[i];
		strcpy(c->name, rs->chains[i].name);
		c->base = rs->chains[i].hook != UCF_HOOK_NONE;
		c->hooknum = rs->chains[i].hook == UCF_HOOK_INPUT ? 1 : 2; /* NF_INET_LOCAL_IN, FORWARD */
		c->prio = rs->chains[i].priority;
		c->policy = 1; /* NF_ACCEPT */
	}
	live->ncounters = UCF_COUNTER_COUNT;
	live->counters = calloc(UCF_COUNTER_COUNT, UCF_NAME_MAX);
	for (size_t i = 0; i < UCF_COUNTER_COUNT; i++)
		strcpy(live->counters[i], rs->counters[i]);
	ucf_batch_free(b);
}

static size_t count_type(const struct msgs *ms, int type)
{
	size_t n = 0;
	for (size_t i = 0; i < ms->n; i++)
		n += nft_type(ms->m[i]) == type;
	return n;
}

static void test_update_batch(void **state)
{
	(void)state;
	char buf[512];
	struct ucf_ruleset *rs = fx_ruleset(UCF_MODE_CONCENTRATOR);
	struct ucf_live live;
	struct msgs ms;
	const uint32_t owned = NFT_TABLE_F_OWNER | 0x4;
	live_from(rs, &live, owned);
	assert_true(ucf_batch_can_update(rs, &live, owned));
	/* An orphan (PERSIST only) is adopted in place; other flag changes are not. */
	live.table_flags = 0x4;
	assert_true(ucf_batch_can_update(rs, &live, owned));
	live.table_flags = 0;
	assert_false(ucf_batch_can_update(rs, &live, owned));
	assert_true(ucf_batch_can_update(rs, &live, 0));
	live.table_flags = owned;

	/* Same ruleset: chains flushed and refilled, no element touched. */
	struct ucf_batch *b = ucf_batch_new(1);
	assert_int_equal(ucf_batch_begin(b, 0), 0);
	assert_int_equal(ucf_batch_update_ruleset(b, rs, &live, owned), 0);
	assert_int_equal(ucf_batch_end(b), 0);
	split(b, &ms);
	assert_int_equal(count_type(&ms, NFT_MSG_NEWTABLE), 1);
	assert_int_equal(count_type(&ms, NFT_MSG_DELTABLE), 0);
	assert_int_equal(count_type(&ms, NFT_MSG_DELRULE), rs->nchains);
	assert_int_equal(count_type(&ms, NFT_MSG_NEWRULE), rs->nrules);
	assert_int_equal(count_type(&ms, NFT_MSG_NEWSETELEM), 0);
	assert_int_equal(count_type(&ms, NFT_MSG_DELSETELEM), 0);
	assert_int_equal(count_type(&ms, NFT_MSG_NEWSET), 0);
	assert_int_equal(count_type(&ms, NFT_MSG_NEWOBJ), 0);
	ucf_batch_describe(b, ms.m[2]->nlmsg_seq, 0, buf, sizeof(buf));
	assert_string_equal(buf, "flushing chain forward");
	ucf_batch_free(b);

	/* The kernel has an extra endpoint and lacks one: one of each. */
	struct ucf_live_set *e4 = NULL;
	for (size_t i = 0; i < live.nsets; i++)
		if (strcmp(live.sets[i].name, "endpoints4") == 0)
			e4 = &live.sets[i];
	assert_int_equal(e4->count, 3); /* 0 end, 10.20.0.0, 10.20.1.0 end */
	e4->elems[1].key[2] = 7;        /* 10.20.7.0 instead of 10.20.0.0 */
	b = ucf_batch_new(1);
	assert_int_equal(ucf_batch_begin(b, 0), 0);
	assert_int_equal(ucf_batch_update_ruleset(b, rs, &live, owned), 0);
	assert_int_equal(ucf_batch_end(b), 0);
	split(b, &ms);
	const struct nlmsghdr *em[2];
	struct elem_view ev[4];
	assert_int_equal(elem_msgs(&ms, "endpoints4", em, 2, NFT_MSG_DELSETELEM), 1);
	assert_int_equal(parse_elems(em[0], ev, 4), 1);
	v4(&ev[0], "10.20.7.0");
	ucf_batch_describe(b, em[0]->nlmsg_seq, list_offset(em[0], NFTA_SET_ELEM_LIST_ELEMENTS, 0),
			   buf, sizeof(buf));
	assert_string_equal(buf, "set endpoints4, removing element 10.20.7.0");
	assert_int_equal(elem_msgs(&ms, "endpoints4", em, 2, NFT_MSG_NEWSETELEM), 1);
	assert_int_equal(parse_elems(em[0], ev, 4), 1);
	v4(&ev[0], "10.20.0.0");
	assert_int_equal(count_type(&ms, NFT_MSG_NEWSETELEM), 1);
	assert_int_equal(count_type(&ms, NFT_MSG_DELSETELEM), 1);
	ucf_batch_free(b);

	/* A missing chain or a set of another type: not our shape. */
	strcpy(live.chains[3].name, "other");
	assert_false(ucf_batch_can_update(rs, &live, owned));
	strcpy(live.chains[3].name, rs->chains[3].name);
	assert_true(ucf_batch_can_update(rs, &live, owned));
	live.sets[0].key_len = 4;
	assert_false(ucf_batch_can_update(rs, &live, owned));
	ucf_live_free(&live);
	ucf_ruleset_free(rs);
}

static struct ucf_block fx_block(int family, const char *src, uint16_t sport, const char *dst,
				  uint16_t dport)
{
	struct ucf_block b = { .family = (uint8_t)family, .l4proto = IPPROTO_TCP, .sport = sport,
			       .dport = dport };
	inet_pton(family, src, b.src);
	inet_pton(family, dst, b.dst);
	return b;
}

/* In place, the media and block sets are the agent's: the elements the
 * model carries are added, and none the kernel has is ever removed. */
static void test_update_keeps_dynamic(void **state)
{
	(void)state;
	struct ucf_ruleset *old = fx_ruleset(UCF_MODE_CONCENTRATOR);
	struct ucf_ruleset *rs = fx_ruleset(UCF_MODE_CONCENTRATOR);
	struct ucf_live live;
	struct msgs ms;
	const struct nlmsghdr *em[2];
	struct elem_view ev[4];
	struct ucf_pinhole m = { .family = AF_INET, .port = 20000 };
	inet_pton(AF_INET, "10.20.0.10", m.peer);
	inet_pton(AF_INET, "10.50.0.10", m.addr);
	struct ucf_block b1 = fx_block(AF_INET, "10.20.0.10", 40000, "10.50.0.10", 5060);
	struct ucf_block b2 = fx_block(AF_INET6, "fd00:20::10", 40001, "fd00:50::10", 5061);
	/* The kernel holds a pinhole and a block the new model does not carry. */
	assert_int_equal(ucf_ruleset_add_media(old, &m, 1, err, sizeof(err)), 0);
	assert_int_equal(ucf_ruleset_add_blocks(old, &b1, 1, err, sizeof(err)), 0);
	live_from(old, &live, 0);
	for (size_t i = 0; i < live.nsets; i++) {
		if (strcmp(live.sets[i].name, UCF_SET_MEDIA4) == 0)
			assert_int_equal(live.sets[i].count, 1);
		if (strcmp(live.sets[i].name, UCF_SET_BLOCK4) == 0)
			assert_int_equal(live.sets[i].count, 2);
	}
	assert_int_equal(ucf_ruleset_add_blocks(rs, &b2, 1, err, sizeof(err)), 0);
	assert_true(ucf_batch_can_update(rs, &live, 0));

	struct ucf_batch *b = ucf_batch_new(1);
	assert_int_equal(ucf_batch_begin(b, 0), 0);
	assert_int_equal(ucf_batch_update_ruleset(b, rs, &live, 0), 0);
	assert_int_equal(ucf_batch_end(b), 0);
	split(b, &ms);
	assert_int_equal(count_type(&ms, NFT_MSG_DELSETELEM), 0);
	assert_int_equal(count_type(&ms, NFT_MSG_NEWSETELEM), 1);
	assert_int_equal(elem_msgs(&ms, UCF_SET_BLOCK6, em, 2, NFT_MSG_NEWSETELEM), 1);
	assert_int_equal(parse_elems(em[0], ev, 4), 2);
	assert_int_equal(ev[0].len, 44);
	ucf_batch_free(b);

	/* A block set with another timeout is not our shape. */
	for (size_t i = 0; i < live.nsets; i++)
		if (strcmp(live.sets[i].name, UCF_SET_BLOCK4) == 0)
			live.sets[i].timeout_ms = 60000;
	assert_false(ucf_batch_can_update(rs, &live, 0));
	ucf_live_free(&live);
	ucf_ruleset_free(old);
	ucf_ruleset_free(rs);
}

/* nft's names of the datatypes our keys use, and their size in a key. */
static const char *type_name(uint32_t t, uint32_t *len)
{
	switch (t) {
	case 7: *len = 4; return "ipv4_addr";
	case 8: *len = 16; return "ipv6_addr";
	case 12: *len = 1; return "inet_proto";
	case 13: *len = 2; return "inet_service";
	case 29: *len = 1; return "icmpv6_type";
	case 41: *len = 16; return "ifname";
	}
	fail_msg("unknown datatype %u", t);
	return "?";
}

/* A key type as nft prints it ("ipv4_addr . inet_service"); *len gets the
 * key length it implies (members padded to 32 bits in a concatenation). */
static void key_type_text(uint32_t type, char *out, size_t outlen, uint32_t *len, uint32_t *sizes,
			  size_t *n)
{
	uint32_t members[5];
	size_t k = 0;
	for (; type && k < 5; type >>= 6)
		members[k++] = type & 63;
	out[0] = '\0';
	*len = 0;
	*n = k;
	for (size_t i = 0; i < k; i++) {
		uint32_t sz;
		const char *name = type_name(members[k - 1 - i], &sz);
		snprintf(out + strlen(out), outlen - strlen(out), "%s%s", i ? " . " : "", name);
		sizes[i] = sz;
		*len += k > 1 ? (sz + 3) / 4 * 4 : sz;
	}
}

/* One element's key decoded by the set's member types, as nft writes it. */
static void key_text(const uint8_t *key, const uint32_t *sizes, size_t n, const char *types,
		     char *out, size_t outlen)
{
	char a[INET6_ADDRSTRLEN];
	size_t at = 0;
	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		const char *sep = i ? " . " : "";
		size_t l = strlen(out);
		if (sizes[i] == 1 && strncmp(types, "inet_proto", 10) == 0 && i == 0)
			snprintf(out + l, outlen - l, "%s%s", sep,
				 key[at] == IPPROTO_TCP ? "tcp" : key[at] == IPPROTO_UDP ? "udp" : "?");
		else if (sizes[i] == 2)
			snprintf(out + l, outlen - l, "%s%u", sep, key[at] << 8 | key[at + 1]);
		else if (sizes[i] == 4 || sizes[i] == 16)
			snprintf(out + l, outlen - l, "%s%s", sep,
				 inet_ntop(sizes[i] == 4 ? AF_INET : AF_INET6, key + at, a, sizeof(a)));
		at += n > 1 ? (sizes[i] + 3) / 4 * 4 : sizes[i];
	}
}

/* What `plan` prints and what `apply` sends describe the same model: every
 * set with the type and timeout the text gives it and the elements the text
 * lists (the media and block sets' concatenations decoded member by member
 * from the key bytes), every rule in its chain in the text's order, naming
 * the sets the text's rule names. */
static void text_and_batch_agree(struct ucf_ruleset *rs)
{
	struct ucf_pinhole m[2] = { { .family = AF_INET, .port = 20000, .timeout_ms = 30000 },
				    { .family = AF_INET6, .port = 20002 } };
	inet_pton(AF_INET, "10.20.0.10", m[0].peer);
	inet_pton(AF_INET, "10.50.0.10", m[0].addr);
	inet_pton(AF_INET6, "fd00:20::10", m[1].peer);
	inet_pton(AF_INET6, "fd00:50::10", m[1].addr);
	struct ucf_block bl[2] = { fx_block(AF_INET, "10.20.0.10", 40000, "10.50.0.10", 5060),
				   fx_block(AF_INET6, "fd00:20::10", 40001, "fd00:50::10", 5061) };
	bl[1].l4proto = IPPROTO_UDP;
	assert_int_equal(ucf_ruleset_add_media(rs, m, 2, err, sizeof(err)), 0);
	assert_int_equal(ucf_ruleset_add_blocks(rs, bl, 2, err, sizeof(err)), 0);
	char *text = NULL;
	size_t textlen = 0;
	FILE *out = open_memstream(&text, &textlen);
	assert_int_equal(ucf_nft_text(rs, out), 0);
	fclose(out);
	struct ucf_batch *b = apply_batch(rs, 0);
	struct msgs ms;
	split(b, &ms);

	size_t sets = 0, dynamic_elems = 0, rules = 0;
	char chains[64][UCF_NAME_MAX];
	size_t seen[64], nchains = 0;
	for (size_t i = 0; i < ms.n; i++) {
		int type = nft_type(ms.m[i]);
		if (type == NFT_MSG_NEWSET) {
			struct nftnl_set *ns = nftnl_set_alloc();
			char types[256], want[512];
			uint32_t len, sizes[5];
			size_t n;
			assert_int_equal(nftnl_set_nlmsg_parse(ms.m[i], ns), 0);
			const char *name = nftnl_set_get_str(ns, NFTNL_SET_NAME);
			key_type_text(nftnl_set_get_u32(ns, NFTNL_SET_KEY_TYPE), types, sizeof(types),
				      &len, sizes, &n);
			assert_int_equal(nftnl_set_get_u32(ns, NFTNL_SET_KEY_LEN), len);
			snprintf(want, sizeof(want), "\tset %s {\n\t\ttype %s\n", name, types);
			const char *at = strstr(text, want);
			if (!at)
				fail_msg("text lacks \"%s\"", want);
			const char *end = strstr(at, "\n\t}\n");
			if (nftnl_set_get_u32(ns, NFTNL_SET_FLAGS) & NFT_SET_TIMEOUT) {
				snprintf(want, sizeof(want), "\t\ttimeout %llus\n",
					 (unsigned long long)nftnl_set_get_u64(ns, NFTNL_SET_TIMEOUT) / 1000);
				const char *t = strstr(at, want);
				assert_true(t && t < end);
			}
			/* Elements of the non-interval sets, decoded from the batch. */
			for (size_t j = i + 1; !(nftnl_set_get_u32(ns, NFTNL_SET_FLAGS) & NFT_SET_INTERVAL) &&
					       j < ms.n && nft_type(ms.m[j]) == NFT_MSG_NEWSETELEM; j++) {
				struct elem_view ev[8];
				size_t ne = parse_elems(ms.m[j], ev, 8);
				assert_true(ne <= 8);
				for (size_t k = 0; k < ne; k++) {
					char elem[256];
					if (n == 1 && sizes[0] == 16 && strcmp(types, "ifname") == 0)
						snprintf(elem, sizeof(elem), "\"%s\"", (char *)ev[k].key);
					else if (strcmp(types, "icmpv6_type") == 0)
						continue; /* printed by name */
					else
						key_text(ev[k].key, sizes, n, types, elem, sizeof(elem));
					if (ev[k].timeout)
						snprintf(elem + strlen(elem), sizeof(elem) - strlen(elem),
							 " timeout %llus",
							 (unsigned long long)ev[k].timeout / 1000);
					const char *e = strstr(at, elem);
					if (!e || e > end)
						fail_msg("set %s: element %s is not in the text", name, elem);
					dynamic_elems += n > 2;
				}
			}
			sets++;
			nftnl_set_free(ns);
		} else if (type == NFT_MSG_NEWRULE) {
			struct nftnl_rule *nr = nftnl_rule_alloc();
			char line[1024], want[1100];
			assert_int_equal(nftnl_rule_nlmsg_parse(ms.m[i], nr), 0);
			const char *c = nftnl_rule_get_str(nr, NFTNL_RULE_CHAIN);
			size_t k = 0;
			while (k < nchains && strcmp(chains[k], c) != 0)
				k++;
			if (k == nchains) {
				assert_true(nchains < 64);
				snprintf(chains[nchains], UCF_NAME_MAX, "%s", c);
				seen[nchains++] = 0;
			}
			/* The text's next rule line in that chain... */
			snprintf(want, sizeof(want), "\tchain %s {\n", c);
			const char *at = strstr(text, want);
			assert_non_null(at);
			at = strchr(at, '\n') + 1;
			if (strncmp(at, "\t\ttype ", 7) == 0)
				at = strchr(at, '\n') + 1;
			for (size_t skip = 0; skip < seen[k]; skip++)
				at = strchr(at, '\n') + 1;
			seen[k]++;
			const char *nl = strchr(at, '\n');
			snprintf(line, sizeof(line), "%.*s", (int)(nl - at), at);
			/* ... is this rule, and names the sets its lookups name. */
			ucf_nft_rule_format(&rs->rules[rules], want, sizeof(want));
			assert_string_equal(line + 2, want);
			const char *exprs = rule_exprs(ms.m[i]);
			for (const char *l = strstr(exprs, "lookup reg 1 set "); l;
			     l = strstr(l + 1, "lookup reg 1 set ")) {
				char set[UCF_NAME_MAX + 2];
				sscanf(l + 17, "%32s", set + 1);
				set[0] = '@';
				assert_non_null(strstr(line, set));
			}
			/* ... and the sets its add/update statements write. */
			for (const char *l = strstr(exprs, " reg_key 1 set "); l;
			     l = strstr(l + 1, " reg_key 1 set ")) {
				char set[UCF_NAME_MAX + 2];
				sscanf(l + 15, "%32s", set + 1);
				set[0] = '@';
				assert_non_null(strstr(line, set));
			}
			rules++;
			nftnl_rule_free(nr);
		}
	}
	assert_int_equal(sets, rs->nsets);
	assert_int_equal(rules, rs->nrules);
	assert_int_equal(dynamic_elems, 2 + 4); /* two pinholes, two flows both ways */
	ucf_batch_free(b);
	ucf_ruleset_free(rs);
	free(text);
}

static void test_text_and_batch_agree(void **state)
{
	(void)state;
	text_and_batch_agree(fx_ruleset(UCF_MODE_CONCENTRATOR));
	text_and_batch_agree(fx_ruleset_encrypted(UCF_MODE_CONCENTRATOR));
	text_and_batch_agree(fx_ruleset_encrypted(UCF_MODE_APPLIANCE));
}

/* enforcement.require_encryption: the cleartext_svc set (an interval
 * concatenation like uc_svc) carries the catalog's cleartext ports; each
 * rule naming it looks the packet's l4proto . dport up there and goes to
 * cleartext_signalling; off, the set and the chain are there, empty and
 * unreached, and no rule looks cleartext_svc up. */
static void test_require_encryption_batch(void **state)
{
	(void)state;
	for (int on = 0; on < 2; on++) {
		struct ucf_ruleset *rs = on ? fx_ruleset_encrypted(UCF_MODE_CONCENTRATOR)
					    : fx_ruleset(UCF_MODE_CONCENTRATOR);
		struct ucf_batch *b = apply_batch(rs, 0);
		struct msgs ms;
		split(b, &ms);
		size_t lookups = 0, counters = 0, sets = 0, rule = 0;
		for (size_t i = 0; i < ms.n; i++) {
			int type = nft_type(ms.m[i]);
			if (type == NFT_MSG_NEWOBJ) {
				struct nftnl_obj *o = nftnl_obj_alloc();
				assert_int_equal(nftnl_obj_nlmsg_parse(ms.m[i], o), 0);
				counters += strcmp(nftnl_obj_get_str(o, NFTNL_OBJ_NAME),
						   "cleartext-signalling") == 0;
				nftnl_obj_free(o);
			} else if (type == NFT_MSG_NEWSET) {
				struct nftnl_set *ns = nftnl_set_alloc();
				assert_int_equal(nftnl_set_nlmsg_parse(ms.m[i], ns), 0);
				if (strcmp(nftnl_set_get_str(ns, NFTNL_SET_NAME), "cleartext_svc") == 0) {
					sets++;
					assert_int_equal(nftnl_set_get_u32(ns, NFTNL_SET_FLAGS),
							 NFT_SET_INTERVAL | NFT_SET_CONCAT);
					assert_int_equal(nftnl_set_get_u32(ns, NFTNL_SET_KEY_LEN), 8);
					assert_int_equal(nftnl_set_get_u32(ns, NFTNL_SET_KEY_TYPE),
							 12 << 6 | 13);
				}
				nftnl_set_free(ns);
			} else if (type == NFT_MSG_NEWRULE) {
				const char *got = rule_exprs(ms.m[i]);
				char text[1024];
				ucf_nft_rule_format(&rs->rules[rule++], text, sizeof(text));
				if (!strstr(got, "set cleartext_svc"))
					continue;
				lookups++;
				assert_non_null(strstr(text, "@cleartext_svc goto cleartext_signalling"));
				/* the same encoding as uc_svc's lookup (nft's) */
				assert_non_null(strstr(got, "  [ meta load l4proto => reg 1 ]\n"
							    "  [ byteorder reg 1 = hton(reg 1, 2, 1) ]\n"
							    "  [ payload load 2b @ transport header + 2 => reg 9 ]\n"
							    "  [ lookup reg 1 set cleartext_svc ]\n"
							    "  [ immediate reg 0 goto -> cleartext_signalling ]\n"));
			}
		}
		const struct nlmsghdr *em[4];
		size_t nmsg = elem_msgs(&ms, "cleartext_svc", em, 4, NFT_MSG_NEWSETELEM);
		struct elem_view ev[16];
		size_t nelem = 0;
		for (size_t k = 0; k < nmsg; k++)
			nelem += parse_elems(em[k], ev, 16);
		assert_int_equal(counters, 1);
		assert_int_equal(sets, 1);
		/* on: tcp . 5060 and udp . 5060 (a concatenation's range is one element
		 * with a key end); off: none.
		 * The rules: E<->S+R in uc_forward (4), to_ and from_appliance (2 each). */
		assert_int_equal(nelem, on ? 2 : 0);
		assert_int_equal(lookups, on ? 8 : 0);
		ucf_batch_free(b);
		ucf_ruleset_free(rs);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_structure),      cmocka_unit_test(test_interval_encoding),
		cmocka_unit_test(test_element_splitting), cmocka_unit_test(test_describe),
		cmocka_unit_test(test_media_batch),    cmocka_unit_test(test_block_batch),
		cmocka_unit_test(test_concat_registers), cmocka_unit_test(test_update_batch),
		cmocka_unit_test(test_update_keeps_dynamic), cmocka_unit_test(test_text_and_batch_agree),
		cmocka_unit_test(test_require_encryption_batch),
		cmocka_unit_test(test_media_shape_exprs),
		cmocka_unit_test(test_upload_counter_exprs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
