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
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <stdio.h>

#include "enforce_fixture.h"
#include "nft_batch.h"
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
	for (size_t c = 0; c < UCF_REASON_COUNT; c++)
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
		if (strcmp(rs->sets[s].name, UCF_SET_MEDIA6) == 0) {
			assert_int_equal(nftnl_set_get_u32(ns, NFTNL_SET_FLAGS), NFT_SET_TIMEOUT);
			assert_int_equal(nftnl_set_get_u32(ns, NFTNL_SET_KEY_LEN), 20);
			assert_int_equal(nftnl_set_get_u64(ns, NFTNL_SET_TIMEOUT), 120000);
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
	uint8_t key[20];
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

	/* The last rule: goto non_target_to_gateway... is in chain uc_input. */
	const struct nlmsghdr *rule = NULL;
	for (size_t i = 0; i < ms.n; i++)
		if (nft_type(ms.m[i]) == NFT_MSG_NEWRULE && !rule)
			rule = ms.m[i];
	ucf_batch_describe(b, rule->nlmsg_seq, 0, buf, sizeof(buf));
	assert_string_equal(buf, "rule 1 of chain forward (ct state established,related accept "
				 "comment \"replies and related ICMP errors of allowed flows\")");
	ucf_batch_describe(b, rule->nlmsg_seq, list_offset(rule, NFTA_RULE_EXPRESSIONS, 1), buf,
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
	inet_pton(AF_INET, "10.50.0.10", add[0].addr);
	inet_pton(AF_INET6, "fd00:50::10", add[1].addr);
	inet_pton(AF_INET, "10.50.0.11", add[2].addr);
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
	assert_int_equal(ev[0].len, 8);
	assert_memory_equal(ev[0].key, ((uint8_t[]){ 10, 50, 0, 10, 0x4e, 0x20, 0, 0 }), 8);
	assert_int_equal(ev[0].timeout, 30000);
	assert_int_equal(ev[1].timeout, 0);
	assert_int_equal(elem_msgs(&ms, UCF_SET_MEDIA6, em, 4, NFT_MSG_NEWSETELEM), 1);
	assert_int_equal(parse_elems(em[0], ev, 4), 1);
	assert_int_equal(ev[0].len, 20);
	ucf_batch_describe(b, em[0]->nlmsg_seq, list_offset(em[0], NFTA_SET_ELEM_LIST_ELEMENTS, 0),
			   buf, sizeof(buf));
	assert_string_equal(buf, "set media6, element fd00:50::10 . 20002");
	ucf_batch_describe(b, ms.m[1]->nlmsg_seq, list_offset(ms.m[1], NFTA_SET_ELEM_LIST_ELEMENTS, 0),
			   buf, sizeof(buf));
	assert_string_equal(buf, "set media4, element 10.50.0.10 . 20000");
	ucf_batch_free(b);
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
	live->ncounters = UCF_REASON_COUNT;
	live->counters = calloc(UCF_REASON_COUNT, UCF_NAME_MAX);
	for (size_t i = 0; i < UCF_REASON_COUNT; i++)
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_structure),      cmocka_unit_test(test_interval_encoding),
		cmocka_unit_test(test_element_splitting), cmocka_unit_test(test_describe),
		cmocka_unit_test(test_media_batch),    cmocka_unit_test(test_update_batch),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
