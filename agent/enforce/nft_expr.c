/* nft_expr.c — model rule → libnftnl expressions. */
#include "nft_expr.h"

/* glibc's netinet/in.h must precede the linux/ headers that pull in linux/in.h. */
#include <netinet/in.h>
#include <sys/socket.h>

#include <errno.h>
#include <stdio.h> /* libnftnl/expr.h uses FILE */
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/udata.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nf_tables.h>
#include <string.h>

/* Expression emitters. nft loads dependencies (meta nfproto, meta l4proto)
 * once per rule; rc remembers the first allocation failure. */
struct rule_ctx {
	struct nftnl_rule *r;
	const struct ucf_ruleset *rs;
	uint8_t nfproto, l4proto; /* dependencies already checked */
	int rc;
};

static struct nftnl_expr *expr(struct rule_ctx *c, const char *name)
{
	struct nftnl_expr *e = nftnl_expr_alloc(name);
	if (!e)
		c->rc = -ENOMEM;
	return e;
}

static void add(struct rule_ctx *c, struct nftnl_expr *e)
{
	if (e)
		nftnl_rule_add_expr(c->r, e);
}

static void e_meta(struct rule_ctx *c, uint32_t key, uint32_t dreg)
{
	struct nftnl_expr *e = expr(c, "meta");
	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, key);
		nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, dreg);
	}
	add(c, e);
}

static void e_cmp(struct rule_ctx *c, uint32_t op, const void *data, uint32_t len)
{
	struct nftnl_expr *e = expr(c, "cmp");
	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, op);
		nftnl_expr_set_data(e, NFTNL_EXPR_CMP_DATA, data, len);
	}
	add(c, e);
}

static void e_payload(struct rule_ctx *c, uint32_t base, uint32_t off, uint32_t len, uint32_t dreg)
{
	struct nftnl_expr *e = expr(c, "payload");
	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, dreg);
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, base);
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, off);
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, len);
	}
	add(c, e);
}

static void e_lookup(struct rule_ctx *c, const char *set)
{
	struct nftnl_expr *e = expr(c, "lookup");
	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SREG, NFT_REG_1);
	nftnl_expr_set_str(e, NFTNL_EXPR_LOOKUP_SET, set);
	for (size_t i = 0; i < c->rs->nsets; i++)
		if (strcmp(c->rs->sets[i].name, set) == 0)
			nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SET_ID, (uint32_t)i + 1);
	add(c, e);
}

static void e_verdict(struct rule_ctx *c, int verdict, const char *chain)
{
	struct nftnl_expr *e = expr(c, "immediate");
	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, (uint32_t)verdict);
	if (chain)
		nftnl_expr_set_str(e, NFTNL_EXPR_IMM_CHAIN, chain);
	add(c, e);
}

static void dep_nfproto(struct rule_ctx *c, int family)
{
	uint8_t p = family == AF_INET ? NFPROTO_IPV4 : NFPROTO_IPV6;
	if (c->nfproto == p)
		return;
	e_meta(c, NFT_META_NFPROTO, NFT_REG_1);
	e_cmp(c, NFT_CMP_EQ, &p, 1);
	c->nfproto = p;
}

static void dep_l4proto(struct rule_ctx *c, uint8_t proto)
{
	if (c->l4proto == proto)
		return;
	e_meta(c, NFT_META_L4PROTO, NFT_REG_1);
	e_cmp(c, NFT_CMP_EQ, &proto, 1);
	c->l4proto = proto;
}

/* The register of a concatenation member that starts len bytes into the
 * key (each member before it padded to 32 bits), as nft numbers it: at a
 * 16-byte boundary by its NFT_REG_n name, else NFT_REG32_nn. */
static uint32_t next_reg(uint32_t len)
{
	uint32_t words = (len + 3) / 4;
	return words % 4 == 0 ? NFT_REG_1 + words / 4 : NFT_REG32_00 + words;
}

/* Loads the next member of a concatenation (len bytes) at *at and moves
 * *at past it, padded to 32 bits. */
static void concat_payload(struct rule_ctx *c, uint32_t base, uint32_t off, uint32_t len,
			   uint32_t *at)
{
	e_payload(c, base, off, len, next_reg(*at));
	*at += (len + 3) / 4 * 4;
}

/* Loads the key of a pair set (saddr . daddr) from the packet into
 * registers from NFT_REG_1; reverse swaps the ends. */
static void load_set_key(struct rule_ctx *c, int family, bool reverse)
{
	uint32_t alen = family == AF_INET ? 4 : 16;
	uint32_t soff = family == AF_INET ? 12 : 8, doff = soff + alen;
	uint32_t a = reverse ? doff : soff, b = reverse ? soff : doff;
	uint32_t at = 0;
	dep_nfproto(c, family);
	concat_payload(c, NFT_PAYLOAD_NETWORK_HEADER, a, alen, &at);
	concat_payload(c, NFT_PAYLOAD_NETWORK_HEADER, b, alen, &at);
}

static void e_ct(struct rule_ctx *c, uint32_t key)
{
	struct nftnl_expr *e = expr(c, "ct");
	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_CT_KEY, key);
		nftnl_expr_set_u32(e, NFTNL_EXPR_CT_DREG, NFT_REG_1);
	}
	add(c, e);
}

static void e_bitwise_mask(struct rule_ctx *c, const void *mask, const void *xor, uint32_t len)
{
	struct nftnl_expr *e = expr(c, "bitwise");
	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_LEN, len);
		nftnl_expr_set_data(e, NFTNL_EXPR_BITWISE_MASK, mask, len);
		nftnl_expr_set_data(e, NFTNL_EXPR_BITWISE_XOR, xor, len);
	}
	add(c, e);
}

/* @th raw match as nft 1.0 builds it: a masked byte is bitwise + cmp eq, a
 * range is cmp gte + cmp lte, values big-endian. */
static void raw_expr(struct rule_ctx *c, const struct ucf_match *m)
{
	uint8_t v[4], ve[4];
	uint32_t len = m->len == 4 ? 4 : 1;
	for (uint32_t i = 0; i < len; i++) {
		v[i] = (uint8_t)(m->value >> (8 * (len - 1 - i)));
		ve[i] = (uint8_t)(m->value_end >> (8 * (len - 1 - i)));
	}
	e_payload(c, NFT_PAYLOAD_TRANSPORT_HEADER, m->offset, len, NFT_REG_1);
	if (m->mask && len == 1) {
		uint8_t zero = 0;
		e_bitwise_mask(c, &m->mask, &zero, 1);
		e_cmp(c, NFT_CMP_EQ, v, len);
	} else if (m->value_end > m->value) {
		e_cmp(c, NFT_CMP_GTE, v, len);
		e_cmp(c, NFT_CMP_LTE, ve, len);
	} else {
		e_cmp(c, NFT_CMP_EQ, v, len);
	}
}

static void match_expr(struct rule_ctx *c, const struct ucf_match *m)
{
	uint32_t alen = m->family == AF_INET ? 4 : 16;
	uint32_t soff = m->family == AF_INET ? 12 : 8, doff = soff + alen;
	switch (m->kind) {
	case UCF_MATCH_CT_ESTABLISHED: {
		uint32_t mask = NF_CT_STATE_BIT(IP_CT_ESTABLISHED) | NF_CT_STATE_BIT(IP_CT_RELATED);
		uint32_t zero = 0;
		e_ct(c, NFT_CT_STATE);
		struct nftnl_expr *e = expr(c, "bitwise");
		if (e) {
			nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
			nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
			nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_LEN, 4);
			nftnl_expr_set_data(e, NFTNL_EXPR_BITWISE_MASK, &mask, 4);
			nftnl_expr_set_data(e, NFTNL_EXPR_BITWISE_XOR, &zero, 4);
		}
		add(c, e);
		e_cmp(c, NFT_CMP_NEQ, &zero, 4);
		break;
	}
	case UCF_MATCH_CT_MARK: {
		/* The mark is a host-order u32 in the register, as nft loads it. */
		uint32_t zero = 0;
		e_ct(c, NFT_CT_MARK);
		e_bitwise_mask(c, &m->mark, &zero, 4);
		e_cmp(c, NFT_CMP_EQ, &m->mark, 4);
		break;
	}
	case UCF_MATCH_IIF:
	case UCF_MATCH_OIF: {
		char name[16] = { 0 };
		memcpy(name, m->name, strnlen(m->name, 15));
		e_meta(c, m->kind == UCF_MATCH_IIF ? NFT_META_IIFNAME : NFT_META_OIFNAME, NFT_REG_1);
		e_cmp(c, NFT_CMP_EQ, name, sizeof(name));
		break;
	}
	case UCF_MATCH_IIF_SET:
	case UCF_MATCH_OIF_SET:
		e_meta(c, m->kind == UCF_MATCH_IIF_SET ? NFT_META_IIFNAME : NFT_META_OIFNAME, NFT_REG_1);
		e_lookup(c, m->name);
		break;
	case UCF_MATCH_SADDR_SET:
	case UCF_MATCH_DADDR_SET:
		dep_nfproto(c, m->family);
		e_payload(c, NFT_PAYLOAD_NETWORK_HEADER, m->kind == UCF_MATCH_SADDR_SET ? soff : doff,
			  alen, NFT_REG_1);
		e_lookup(c, m->name);
		break;
	case UCF_MATCH_SADDR:
	case UCF_MATCH_DADDR:
		dep_nfproto(c, m->family);
		e_payload(c, NFT_PAYLOAD_NETWORK_HEADER, m->kind == UCF_MATCH_SADDR ? soff : doff, alen,
			  NFT_REG_1);
		e_cmp(c, NFT_CMP_EQ, m->addr, alen);
		break;
	case UCF_MATCH_SVC_SET: {
		e_meta(c, NFT_META_L4PROTO, NFT_REG_1);
		/* nft converts the 1-byte protocol in a concatenation: a no-op
		 * in the kernel (len/size < 1), kept so listings compare equal. */
		struct nftnl_expr *e = expr(c, "byteorder");
		if (e) {
			nftnl_expr_set_u32(e, NFTNL_EXPR_BYTEORDER_SREG, NFT_REG_1);
			nftnl_expr_set_u32(e, NFTNL_EXPR_BYTEORDER_DREG, NFT_REG_1);
			nftnl_expr_set_u32(e, NFTNL_EXPR_BYTEORDER_OP, NFT_BYTEORDER_HTON);
			nftnl_expr_set_u32(e, NFTNL_EXPR_BYTEORDER_LEN, 1);
			nftnl_expr_set_u32(e, NFTNL_EXPR_BYTEORDER_SIZE, 2);
		}
		add(c, e);
		e_payload(c, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2, next_reg(1));
		e_lookup(c, m->name);
		break;
	}
	case UCF_MATCH_MEDIA_SET: {
		uint32_t at = 0;
		dep_nfproto(c, m->family);
		dep_l4proto(c, IPPROTO_UDP);
		concat_payload(c, NFT_PAYLOAD_NETWORK_HEADER, soff, alen, &at);
		concat_payload(c, NFT_PAYLOAD_NETWORK_HEADER, doff, alen, &at);
		concat_payload(c, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2, &at);
		e_lookup(c, m->name);
		break;
	}
	case UCF_MATCH_PAIR_SET:
		load_set_key(c, m->family, m->reverse);
		e_lookup(c, m->name);
		break;
	case UCF_MATCH_TH_RAW:
		raw_expr(c, m);
		break;
	case UCF_MATCH_BLOCK_SET: {
		/* th needs no l4proto dependency: the protocol is a member. */
		uint32_t at = 4;
		dep_nfproto(c, m->family);
		e_meta(c, NFT_META_L4PROTO, NFT_REG_1);
		concat_payload(c, NFT_PAYLOAD_NETWORK_HEADER, soff, alen, &at);
		concat_payload(c, NFT_PAYLOAD_TRANSPORT_HEADER, 0, 2, &at);
		concat_payload(c, NFT_PAYLOAD_NETWORK_HEADER, doff, alen, &at);
		concat_payload(c, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2, &at);
		e_lookup(c, m->name);
		break;
	}
	case UCF_MATCH_ICMPV6_SET:
		dep_nfproto(c, AF_INET6);
		dep_l4proto(c, IPPROTO_ICMPV6);
		e_payload(c, NFT_PAYLOAD_TRANSPORT_HEADER, 0, 1, NFT_REG_1);
		e_lookup(c, m->name);
		break;
	case UCF_MATCH_L4PROTO:
		dep_l4proto(c, m->proto);
		break;
	case UCF_MATCH_LENGTH_GT: {
		/* total length (IPv4) or payload length (IPv6), big-endian as
		 * in the header: cmp gt compares the bytes as they are */
		uint8_t v[2] = { (uint8_t)(m->value >> 8), (uint8_t)m->value };
		dep_nfproto(c, m->family);
		e_payload(c, NFT_PAYLOAD_NETWORK_HEADER, m->family == AF_INET ? 2 : 4, 2, NFT_REG_1);
		e_cmp(c, NFT_CMP_GT, v, 2);
		break;
	}
	}
}

static uint64_t rate_seconds(enum ucf_rate_unit u)
{
	switch (u) {
	case UCF_PER_SECOND: return 1;
	case UCF_PER_MINUTE: return 60;
	case UCF_PER_HOUR: return 3600;
	case UCF_PER_DAY: return 86400;
	}
	return 1;
}

static void stmt_expr(struct rule_ctx *c, const struct ucf_stmt *s)
{
	struct nftnl_expr *e;
	switch (s->kind) {
	case UCF_STMT_COUNTER:
		e = expr(c, "objref");
		if (e) {
			nftnl_expr_set_u32(e, NFTNL_EXPR_OBJREF_IMM_TYPE, NFT_OBJECT_COUNTER);
			nftnl_expr_set_str(e, NFTNL_EXPR_OBJREF_IMM_NAME, s->name);
		}
		add(c, e);
		break;
	case UCF_STMT_LOG:
		e = expr(c, "limit");
		if (e) {
			nftnl_expr_set_u64(e, NFTNL_EXPR_LIMIT_RATE, s->rate.count);
			nftnl_expr_set_u64(e, NFTNL_EXPR_LIMIT_UNIT, rate_seconds(s->rate.unit));
			nftnl_expr_set_u32(e, NFTNL_EXPR_LIMIT_BURST, 5);
			nftnl_expr_set_u32(e, NFTNL_EXPR_LIMIT_TYPE, NFT_LIMIT_PKTS);
			nftnl_expr_set_u32(e, NFTNL_EXPR_LIMIT_FLAGS, 0);
		}
		add(c, e);
		e = expr(c, "log");
		if (e) {
			nftnl_expr_set_str(e, NFTNL_EXPR_LOG_PREFIX, s->name);
			if (s->group)
				nftnl_expr_set_u16(e, NFTNL_EXPR_LOG_GROUP, s->group);
		}
		add(c, e);
		break;
	case UCF_STMT_ACCEPT: e_verdict(c, NF_ACCEPT, NULL); break;
	case UCF_STMT_DROP: e_verdict(c, NF_DROP, NULL); break;
	case UCF_STMT_JUMP: e_verdict(c, NFT_JUMP, s->name); break;
	case UCF_STMT_RETURN: e_verdict(c, NFT_RETURN, NULL); break;
	case UCF_STMT_SET_ADD:
	case UCF_STMT_SET_UPDATE:
		load_set_key(c, s->family, s->reverse);
		e = expr(c, "dynset");
		if (e) {
			nftnl_expr_set_u32(e, NFTNL_EXPR_DYNSET_SREG_KEY, NFT_REG_1);
			nftnl_expr_set_u32(e, NFTNL_EXPR_DYNSET_OP, s->kind == UCF_STMT_SET_ADD
									 ? NFT_DYNSET_OP_ADD
									 : NFT_DYNSET_OP_UPDATE);
			nftnl_expr_set_str(e, NFTNL_EXPR_DYNSET_SET_NAME, s->name);
			for (size_t i = 0; i < c->rs->nsets; i++)
				if (strcmp(c->rs->sets[i].name, s->name) == 0)
					nftnl_expr_set_u32(e, NFTNL_EXPR_DYNSET_SET_ID, (uint32_t)i + 1);
		}
		add(c, e);
		break;
	case UCF_STMT_CT_MARK_OR: {
		/* As nft builds `ct mark set ct mark | bits`: clear the bits, then
		 * xor them in; the other bits pass through. */
		uint32_t keep = ~s->mark;
		e_ct(c, NFT_CT_MARK);
		e_bitwise_mask(c, &keep, &s->mark, 4);
		e = expr(c, "ct");
		if (e) {
			nftnl_expr_set_u32(e, NFTNL_EXPR_CT_KEY, NFT_CT_MARK);
			nftnl_expr_set_u32(e, NFTNL_EXPR_CT_SREG, NFT_REG_1);
		}
		add(c, e);
		break;
	}
	case UCF_STMT_GOTO: e_verdict(c, NFT_GOTO, s->name); break;
	case UCF_STMT_REJECT_TCP:
	case UCF_STMT_REJECT:
		e = expr(c, "reject");
		if (e) {
			bool tcp = s->kind == UCF_STMT_REJECT_TCP;
			nftnl_expr_set_u32(e, NFTNL_EXPR_REJECT_TYPE,
					   tcp ? NFT_REJECT_TCP_RST : NFT_REJECT_ICMPX_UNREACH);
			nftnl_expr_set_u8(e, NFTNL_EXPR_REJECT_CODE,
					  tcp ? 0 : NFT_REJECT_ICMPX_ADMIN_PROHIBITED);
		}
		add(c, e);
		break;
	}
}

int ucf_nft_rule_exprs(struct nftnl_rule *r, const struct ucf_ruleset *rs,
		       const struct ucf_rule *rule)
{
	struct rule_ctx c = { .r = r, .rs = rs };
	for (size_t i = 0; i < rule->nmatch; i++)
		match_expr(&c, &rule->match[i]);
	for (size_t i = 0; i < rule->nstmt; i++)
		stmt_expr(&c, &rule->stmt[i]);
	if (rule->comment && c.rc == 0) {
		struct nftnl_udata_buf *u = nftnl_udata_buf_alloc(NFT_USERDATA_MAXLEN);
		if (u && nftnl_udata_put_strz(u, NFTNL_UDATA_RULE_COMMENT, rule->comment))
			nftnl_rule_set_data(r, NFTNL_RULE_USERDATA, nftnl_udata_buf_data(u),
					    nftnl_udata_buf_len(u));
		else
			c.rc = -ENOMEM;
		nftnl_udata_buf_free(u);
	}
	return c.rc;
}
