/* nft_batch.c — ruleset model → one nftables netlink batch.
 *
 * The messages mirror what nft 1.0.x sends for the text nft_text.c prints
 * (set flags, key types and userdata, element encodings; rule expressions
 * come from nft_expr.c), so `nft list table inet ucfence` shows the same
 * ruleset whether ucfence or `nft -f` installed it. Objects (table, counters, sets, chains,
 * rules) are libnftnl objects; set elements are written straight with libmnl
 * because a site can have 100,000 of them and each would otherwise be a
 * separate allocation. */
#include "nft_batch.h"

/* glibc's netinet/in.h must precede the linux/ headers that pull in linux/in.h. */
#include <netinet/in.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/object.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <libnftnl/udata.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grow.h"
#include "nft_expr.h"
#include "nft_text.h"

/* Datatype ids of nftables (src/datatype.h) and its concatenation encoding
 * (each member shifted by TYPE_BITS): the set key types nft lists by. */
enum { TYPE_IPADDR = 7, TYPE_IP6ADDR = 8, TYPE_INET_PROTOCOL = 12, TYPE_INET_SERVICE = 13,
       TYPE_ICMP6_TYPE = 29, TYPE_IFNAME = 41, TYPE_BITS = 6 };
/* nftables' byteorder enum and EXPR_CONCAT, as stored in set userdata. */
enum { BYTEORDER_HOST = 1, BYTEORDER_BIG = 2, NFT_EXPR_CONCAT = 13 };

#define MSG_ROOM (16 * 1024) /* any object message but element lists */

enum msg_kind { M_BEGIN, M_END, M_TABLE_ADD, M_TABLE_DEL, M_COUNTER, M_SET, M_ELEMS, M_CHAIN,
		M_RULE, M_MEDIA_ADD, M_MEDIA_DEL, M_BLOCK_ADD, M_ELEMS_DEL, M_FLUSH, M_TIMED };

struct msg {
	uint32_t seq;
	size_t off;         /* of its nlmsghdr in buf */
	enum msg_kind kind;
	size_t index;       /* counter, set, chain or rule index */
	size_t elem_first;  /* element messages: first entry in elem_src */
	const struct ucf_pinhole *media; /* M_MEDIA_*: the caller's array */
	const struct ucf_block *block;   /* M_BLOCK_ADD: the caller's array */
	const struct ucf_live_set *live; /* M_ELEMS_DEL: the kernel's elements */
	char name[UCF_NAME_MAX];
};

struct ucf_batch {
	char *buf;
	size_t len, cap;
	struct msg *msgs;
	size_t nmsgs, msgs_cap;
	uint32_t first_seq, seq;
	size_t *elem_src; /* netlink element → model element, per element message */
	size_t nelem_src, elem_src_cap;
	const struct ucf_ruleset *rs;
};

/* Batch arrays start at a page's worth. */
#define GROW(arr, cap, need) UCF_GROW(arr, cap, need, 4096 / sizeof(*(arr)) + 1)

struct ucf_batch *ucf_batch_new(uint32_t first_seq)
{
	struct ucf_batch *b = calloc(1, sizeof(*b));
	if (b)
		b->first_seq = b->seq = first_seq;
	return b;
}

void ucf_batch_free(struct ucf_batch *b)
{
	if (!b)
		return;
	free(b->buf);
	free(b->msgs);
	free(b->elem_src);
	free(b);
}

/* Reserves room for one message and records it; the caller builds the
 * message at the returned header and calls msg_done(). Reserving first
 * means the buffer never moves while libmnl nests point into it. */
static struct nlmsghdr *msg_start(struct ucf_batch *b, enum msg_kind kind, uint16_t type,
				  uint16_t flags, size_t room)
{
	if (GROW(b->buf, b->cap, b->len + room) < 0 ||
	    GROW(b->msgs, b->msgs_cap, b->nmsgs + 1) < 0)
		return NULL;
	memset(b->buf + b->len, 0, room < MSG_ROOM ? room : MSG_ROOM);
	struct msg *m = &b->msgs[b->nmsgs++];
	memset(m, 0, sizeof(*m));
	m->seq = b->seq;
	m->off = b->len;
	m->kind = kind;
	m->elem_first = b->nelem_src;
	return nftnl_nlmsg_build_hdr(b->buf + b->len, type,
				     NFPROTO_INET, flags, b->seq++);
}

static void msg_done(struct ucf_batch *b, struct nlmsghdr *nlh)
{
	b->len += NLMSG_ALIGN(nlh->nlmsg_len);
}

static struct msg *last_msg(struct ucf_batch *b)
{
	return &b->msgs[b->nmsgs - 1];
}

/* BATCH_BEGIN/END belong to nfnetlink: AF_UNSPEC, res_id = the subsystem. */
static int batch_marker(struct ucf_batch *b, enum msg_kind kind, uint16_t type, uint32_t genid)
{
	if (GROW(b->buf, b->cap, b->len + 64) < 0 ||
	    GROW(b->msgs, b->msgs_cap, b->nmsgs + 1) < 0)
		return -ENOMEM;
	memset(b->buf + b->len, 0, 64);
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(b->buf + b->len);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	nlh->nlmsg_seq = b->seq;
	struct nfgenmsg *nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
	nfg->nfgen_family = AF_UNSPEC;
	nfg->version = NFNETLINK_V0;
	nfg->res_id = htons(NFNL_SUBSYS_NFTABLES);
	if (genid)
		mnl_attr_put_u32(nlh, NFNL_BATCH_GENID, htonl(genid));
	b->msgs[b->nmsgs++] = (struct msg){ .seq = b->seq++, .off = b->len, .kind = kind };
	msg_done(b, nlh);
	return 0;
}

int ucf_batch_begin(struct ucf_batch *b, uint32_t genid)
{
	return batch_marker(b, M_BEGIN, NFNL_MSG_BATCH_BEGIN, genid);
}

int ucf_batch_end(struct ucf_batch *b)
{
	return batch_marker(b, M_END, NFNL_MSG_BATCH_END, 0);
}

static int table_msg(struct ucf_batch *b, bool add, const char *name, uint32_t flags)
{
	struct nftnl_table *t = nftnl_table_alloc();
	struct nlmsghdr *nlh;
	if (!t)
		return -ENOMEM;
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, name);
	if (add)
		nftnl_table_set_u32(t, NFTNL_TABLE_FLAGS, flags);
	nlh = msg_start(b, add ? M_TABLE_ADD : M_TABLE_DEL,
			add ? NFT_MSG_NEWTABLE : NFT_MSG_DELTABLE, add ? NLM_F_CREATE : 0, MSG_ROOM);
	if (nlh) {
		snprintf(last_msg(b)->name, UCF_NAME_MAX, "%s", name);
		nftnl_table_nlmsg_build_payload(nlh, t);
		msg_done(b, nlh);
	}
	nftnl_table_free(t);
	return nlh ? 0 : -ENOMEM;
}

int ucf_batch_add_table(struct ucf_batch *b, const char *name, uint32_t flags)
{
	return table_msg(b, true, name, flags);
}

int ucf_batch_del_table(struct ucf_batch *b, const char *name)
{
	return table_msg(b, false, name, 0);
}

/* ---- counters and sets --------------------------------------------------- */

static int counter_msg(struct ucf_batch *b, size_t index, const char *name)
{
	struct nftnl_obj *o = nftnl_obj_alloc();
	struct nlmsghdr *nlh;
	if (!o)
		return -ENOMEM;
	nftnl_obj_set_str(o, NFTNL_OBJ_TABLE, UCF_TABLE);
	nftnl_obj_set_str(o, NFTNL_OBJ_NAME, name);
	nftnl_obj_set_u32(o, NFTNL_OBJ_TYPE, NFT_OBJECT_COUNTER);
	nftnl_obj_set_u64(o, NFTNL_OBJ_CTR_BYTES, 0);
	nftnl_obj_set_u64(o, NFTNL_OBJ_CTR_PKTS, 0);
	nlh = msg_start(b, M_COUNTER, NFT_MSG_NEWOBJ, NLM_F_CREATE, MSG_ROOM);
	if (nlh) {
		last_msg(b)->index = index;
		nftnl_obj_nlmsg_build_payload(nlh, o);
		msg_done(b, nlh);
	}
	nftnl_obj_free(o);
	return nlh ? 0 : -ENOMEM;
}

struct key_info {
	uint32_t type, len, flags;
	bool concat;
	uint32_t byteorder; /* for non-concatenated keys */
};

static struct key_info key_info(enum ucf_set_key key)
{
	switch (key) {
	case UCF_KEY_IFNAME: return (struct key_info){ TYPE_IFNAME, 16, 0, false, BYTEORDER_HOST };
	case UCF_KEY_IPV4:
		return (struct key_info){ TYPE_IPADDR, 4, NFT_SET_INTERVAL, false, BYTEORDER_BIG };
	case UCF_KEY_IPV6:
		return (struct key_info){ TYPE_IP6ADDR, 16, NFT_SET_INTERVAL, false, BYTEORDER_BIG };
	case UCF_KEY_PROTO_PORT:
		return (struct key_info){ TYPE_INET_PROTOCOL << TYPE_BITS | TYPE_INET_SERVICE, 8,
					  NFT_SET_INTERVAL | NFT_SET_CONCAT, true, 0 };
	/* Concatenations: each member padded to 32 bits. */
	case UCF_KEY_IPV4_MEDIA:
		return (struct key_info){ (TYPE_IPADDR << TYPE_BITS | TYPE_IPADDR) << TYPE_BITS |
						  TYPE_INET_SERVICE,
					  4 + 4 + 4, NFT_SET_TIMEOUT, true, 0 };
	case UCF_KEY_IPV6_MEDIA:
		return (struct key_info){ (TYPE_IP6ADDR << TYPE_BITS | TYPE_IP6ADDR) << TYPE_BITS |
						  TYPE_INET_SERVICE,
					  16 + 16 + 4, NFT_SET_TIMEOUT, true, 0 };
	case UCF_KEY_IPV4_BLOCK:
	case UCF_KEY_IPV6_BLOCK: {
		uint32_t a = key == UCF_KEY_IPV4_BLOCK ? TYPE_IPADDR : TYPE_IP6ADDR;
		uint32_t alen = key == UCF_KEY_IPV4_BLOCK ? 4 : 16;
		uint32_t t = TYPE_INET_PROTOCOL;
		t = t << TYPE_BITS | a;
		t = t << TYPE_BITS | TYPE_INET_SERVICE;
		t = t << TYPE_BITS | a;
		t = t << TYPE_BITS | TYPE_INET_SERVICE;
		return (struct key_info){ t, 4 + alen + 4 + alen + 4, NFT_SET_TIMEOUT, true, 0 };
	}
	case UCF_KEY_ICMPV6_TYPE:
		return (struct key_info){ TYPE_ICMP6_TYPE, 1, 0, false, BYTEORDER_BIG };
	/* Filled by the datapath: nft marks a set that add/update statements
	 * write to as dynamic (NFT_SET_EVAL). */
	case UCF_KEY_IPV4_PAIR:
		return (struct key_info){ TYPE_IPADDR << TYPE_BITS | TYPE_IPADDR, 4 + 4,
					  NFT_SET_TIMEOUT | NFT_SET_EVAL, true, 0 };
	case UCF_KEY_IPV6_PAIR:
		return (struct key_info){ TYPE_IP6ADDR << TYPE_BITS | TYPE_IP6ADDR, 16 + 16,
					  NFT_SET_TIMEOUT | NFT_SET_EVAL, true, 0 };
	case UCF_KEY_IPV4_TIMED:
		return (struct key_info){ TYPE_IPADDR, 4, NFT_SET_TIMEOUT, false, BYTEORDER_BIG };
	case UCF_KEY_IPV6_TIMED:
		return (struct key_info){ TYPE_IP6ADDR, 16, NFT_SET_TIMEOUT, false, BYTEORDER_BIG };
	}
	return (struct key_info){ 0 };
}

/* The userdata nft stores with a set: the key's byte order, and for a
 * concatenation an (empty) typeof description. `nft list` reads it back to
 * print elements, so we write what nft writes. */
static int set_udata(struct nftnl_set *s, const struct key_info *ki)
{
	struct nftnl_udata_buf *u = nftnl_udata_buf_alloc(NFT_USERDATA_MAXLEN);
	bool ok;
	if (!u)
		return -ENOMEM;
	ok = nftnl_udata_put_u32(u, NFTNL_UDATA_SET_KEYBYTEORDER, ki->byteorder);
	if (ki->concat) {
		struct nftnl_udata *nest = nftnl_udata_nest_start(u, NFTNL_UDATA_SET_KEY_TYPEOF);
		ok = ok && nest && nftnl_udata_put_u32(u, NFTNL_UDATA_SET_TYPEOF_EXPR, NFT_EXPR_CONCAT);
		struct nftnl_udata *data = ok ? nftnl_udata_nest_start(u, NFTNL_UDATA_SET_TYPEOF_DATA)
					      : NULL;
		ok = ok && data;
		if (ok) {
			nftnl_udata_nest_end(u, data);
			nftnl_udata_nest_end(u, nest);
		}
	}
	if (ok)
		ok = nftnl_set_set_data(s, NFTNL_SET_USERDATA, nftnl_udata_buf_data(u),
					nftnl_udata_buf_len(u)) == 0;
	nftnl_udata_buf_free(u);
	return ok ? 0 : -ENOMEM;
}

static int set_msg(struct ucf_batch *b, size_t index, const struct ucf_set *set)
{
	struct key_info ki = key_info(set->key);
	struct nftnl_set *s = nftnl_set_alloc();
	struct nlmsghdr *nlh = NULL;
	int rc;
	if (!s)
		return -ENOMEM;
	nftnl_set_set_str(s, NFTNL_SET_TABLE, UCF_TABLE);
	nftnl_set_set_str(s, NFTNL_SET_NAME, set->name);
	nftnl_set_set_u32(s, NFTNL_SET_FAMILY, NFPROTO_INET);
	nftnl_set_set_u32(s, NFTNL_SET_FLAGS, ki.flags);
	nftnl_set_set_u32(s, NFTNL_SET_KEY_TYPE, ki.type);
	nftnl_set_set_u32(s, NFTNL_SET_KEY_LEN, ki.len);
	nftnl_set_set_u32(s, NFTNL_SET_ID, (uint32_t)index + 1);
	if (ki.flags & NFT_SET_TIMEOUT)
		nftnl_set_set_u64(s, NFTNL_SET_TIMEOUT, set->timeout_ms);
	if (set->size)
		nftnl_set_set_u32(s, NFTNL_SET_DESC_SIZE, set->size);
	if (ki.flags & NFT_SET_CONCAT) {
		/* Field lengths of the interval concatenation (pipapo). */
		uint8_t fields[NFT_REG32_COUNT] = { 1, 2 };
		nftnl_set_set_data(s, NFTNL_SET_DESC_CONCAT, fields, sizeof(fields));
	}
	rc = set_udata(s, &ki);
	if (rc == 0)
		nlh = msg_start(b, M_SET, NFT_MSG_NEWSET, NLM_F_CREATE, MSG_ROOM);
	if (nlh) {
		last_msg(b)->index = index;
		nftnl_set_nlmsg_build_payload(nlh, s);
		msg_done(b, nlh);
	}
	nftnl_set_free(s);
	return rc < 0 ? rc : nlh ? 0 : -ENOMEM;
}

uint32_t ucf_batch_set_flags(enum ucf_set_key key)
{
	return key_info(key).flags;
}

uint32_t ucf_batch_key_type(enum ucf_set_key key)
{
	return key_info(key).type;
}

uint32_t ucf_batch_key_len(enum ucf_set_key key)
{
	return key_info(key).len;
}

/* ---- set elements ---------------------------------------------------------- */

/* The longest key: block6, proto . addr . port . addr . port, each member
 * padded to 32 bits. */
#define KEY_MAX (4 + 16 + 4 + 16 + 4)

/* One netlink element; a model element can become two (interval start and
 * end) and an interval set can start with a closing element at zero. */
struct nlelem {
	uint8_t key[KEY_MAX], key_end[20];
	uint32_t klen;
	bool has_end, open;
	uint32_t flags;
	uint64_t timeout_ms;
	size_t src;
};

static bool all_ones(const uint8_t *a, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (a[i] != 0xff)
			return false;
	return true;
}

static bool all_zero(const uint8_t *a, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (a[i])
			return false;
	return true;
}

static void addr_inc(uint8_t *a, size_t n)
{
	for (size_t i = n; i-- > 0;)
		if (++a[i] != 0)
			return;
}

/* A concatenation member takes whole 32-bit registers. */
static void put_port(uint8_t *at, uint16_t port)
{
	at[0] = (uint8_t)(port >> 8);
	at[1] = (uint8_t)port;
}

/* The netlink elements of model element i (plus the leading zero end for
 * i == 0 of an interval address set); returns how many (at most 3). */
static size_t expand(const struct ucf_set *set, size_t i, struct nlelem out[3])
{
	const struct ucf_elem *e = &set->elems[i];
	size_t n = 0, alen = set->key == UCF_KEY_IPV4 || set->key == UCF_KEY_IPV4_MEDIA ||
				     set->key == UCF_KEY_IPV4_BLOCK || set->key == UCF_KEY_IPV4_PAIR ||
				     set->key == UCF_KEY_IPV4_TIMED ? 4 : 16;
	memset(out, 0, 3 * sizeof(*out));
	switch (set->key) {
	case UCF_KEY_IFNAME:
		memcpy(out[0].key, e->key, 16);
		out[0].klen = 16;
		n = 1;
		break;
	case UCF_KEY_IPV4:
	case UCF_KEY_IPV6:
		/* nft's rbtree encoding: start elements and end+1 elements flagged
		 * INTERVAL_END, a closing element at zero first, and no end for a
		 * range that runs to the last address (marked open instead). */
		if (i == 0 && !all_zero(e->key, alen)) {
			out[n].klen = (uint32_t)alen;
			out[n++].flags = NFT_SET_ELEM_INTERVAL_END;
		}
		memcpy(out[n].key, e->key, alen);
		out[n].klen = (uint32_t)alen;
		if (all_ones(e->key_end, alen)) {
			out[n++].open = true;
			break;
		}
		n++;
		memcpy(out[n].key, e->key_end, alen);
		addr_inc(out[n].key, alen);
		out[n].klen = (uint32_t)alen;
		out[n++].flags = NFT_SET_ELEM_INTERVAL_END;
		break;
	case UCF_KEY_PROTO_PORT:
		out[0].key[0] = out[0].key_end[0] = e->proto;
		put_port(out[0].key + 4, e->port);
		put_port(out[0].key_end + 4, e->port_end);
		out[0].klen = 8;
		out[0].has_end = true;
		n = 1;
		break;
	case UCF_KEY_IPV4_MEDIA:
	case UCF_KEY_IPV6_MEDIA: /* peer . addr . port */
		memcpy(out[0].key, e->key, alen);
		memcpy(out[0].key + alen, e->key_end, alen);
		put_port(out[0].key + 2 * alen, e->port);
		out[0].klen = (uint32_t)(2 * alen + 4);
		out[0].timeout_ms = e->timeout_ms;
		n = 1;
		break;
	case UCF_KEY_IPV4_TIMED:
	case UCF_KEY_IPV6_TIMED:
		memcpy(out[0].key, e->key, alen);
		out[0].klen = (uint32_t)alen;
		out[0].timeout_ms = e->timeout_ms;
		n = 1;
		break;
	case UCF_KEY_IPV4_PAIR:
	case UCF_KEY_IPV6_PAIR: /* local . peer */
		memcpy(out[0].key, e->key, alen);
		memcpy(out[0].key + alen, e->key_end, alen);
		out[0].klen = (uint32_t)(2 * alen);
		out[0].timeout_ms = e->timeout_ms;
		n = 1;
		break;
	case UCF_KEY_IPV4_BLOCK:
	case UCF_KEY_IPV6_BLOCK: /* proto . src . sport . dst . dport */
		out[0].key[0] = e->proto;
		memcpy(out[0].key + 4, e->key, alen);
		put_port(out[0].key + 4 + alen, e->port);
		memcpy(out[0].key + 8 + alen, e->key_end, alen);
		put_port(out[0].key + 8 + 2 * alen, e->port_end);
		out[0].klen = (uint32_t)(12 + 2 * alen);
		out[0].timeout_ms = e->timeout_ms;
		n = 1;
		break;
	case UCF_KEY_ICMPV6_TYPE:
		out[0].key[0] = e->proto;
		out[0].klen = 1;
		n = 1;
		break;
	}
	for (size_t k = 0; k < n; k++)
		out[k].src = i;
	return n;
}

static void put_data(struct nlmsghdr *nlh, uint16_t type, const void *data, uint32_t len)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, type);
	mnl_attr_put(nlh, NFTA_DATA_VALUE, len, data);
	mnl_attr_nest_end(nlh, nest);
}

static void put_elem(struct nlmsghdr *nlh, const struct nlelem *e)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, NFTA_LIST_ELEM);
	if (e->flags)
		mnl_attr_put_u32(nlh, NFTA_SET_ELEM_FLAGS, htonl(e->flags));
	if (e->timeout_ms)
		mnl_attr_put_u64(nlh, NFTA_SET_ELEM_TIMEOUT, htobe64(e->timeout_ms));
	put_data(nlh, NFTA_SET_ELEM_KEY, e->key, e->klen);
	if (e->has_end)
		put_data(nlh, NFTA_SET_ELEM_KEY_END, e->key_end, e->klen);
	if (e->open) {
		/* NFTNL_UDATA_SET_ELEM_FLAGS = INTERVAL_OPEN, as nft marks it. */
		uint8_t ud[6] = { NFTNL_UDATA_SET_ELEM_FLAGS, 4 };
		uint32_t v = NFTNL_SET_ELEM_F_INTERVAL_OPEN;
		memcpy(ud + 2, &v, 4);
		mnl_attr_put(nlh, NFTA_SET_ELEM_USERDATA, sizeof(ud), ud);
	}
	mnl_attr_nest_end(nlh, nest);
}

/* Appends element messages; starts a new message whenever the current list
 * would pass UCF_BATCH_ELEMS_MAX_BYTES. */
struct elem_writer {
	struct ucf_batch *b;
	enum msg_kind kind;
	uint16_t type;
	const char *set;
	uint32_t set_id; /* 0: the set exists already */
	size_t index;
	struct nlmsghdr *nlh;
	struct nlattr *list;
	const struct ucf_pinhole *media;
	const struct ucf_block *block;
	const struct ucf_live_set *live;
};

static int ew_open(struct elem_writer *w)
{
	w->nlh = msg_start(w->b, w->kind, w->type, w->type == NFT_MSG_NEWSETELEM ? NLM_F_CREATE : 0,
			   UCF_BATCH_ELEMS_MAX_BYTES + 4096);
	if (!w->nlh)
		return -ENOMEM;
	struct msg *m = last_msg(w->b);
	m->index = w->index;
	m->media = w->media;
	m->block = w->block;
	m->live = w->live;
	snprintf(m->name, sizeof(m->name), "%s", w->set);
	mnl_attr_put_strz(w->nlh, NFTA_SET_ELEM_LIST_TABLE, UCF_TABLE);
	mnl_attr_put_strz(w->nlh, NFTA_SET_ELEM_LIST_SET, w->set);
	if (w->set_id)
		mnl_attr_put_u32(w->nlh, NFTA_SET_ELEM_LIST_SET_ID, htonl(w->set_id));
	w->list = mnl_attr_nest_start(w->nlh, NFTA_SET_ELEM_LIST_ELEMENTS);
	return 0;
}

static void ew_close(struct elem_writer *w)
{
	if (!w->nlh)
		return;
	mnl_attr_nest_end(w->nlh, w->list);
	msg_done(w->b, w->nlh);
	w->nlh = NULL;
}

static int ew_put(struct elem_writer *w, const struct nlelem *e)
{
	struct ucf_batch *b = w->b;
	if (w->nlh && (char *)mnl_nlmsg_get_payload_tail(w->nlh) - (char *)w->list >
			      UCF_BATCH_ELEMS_MAX_BYTES)
		ew_close(w);
	if (!w->nlh && ew_open(w) < 0)
		return -ENOMEM;
	if (GROW(b->elem_src, b->elem_src_cap, b->nelem_src + 1) < 0)
		return -ENOMEM;
	b->elem_src[b->nelem_src++] = e->src;
	put_elem(w->nlh, e);
	return 0;
}

static int elems_msgs(struct ucf_batch *b, size_t index, const struct ucf_set *set)
{
	struct elem_writer w = { b, M_ELEMS, NFT_MSG_NEWSETELEM, set->name, (uint32_t)index + 1,
				 index, NULL, NULL, NULL, NULL, NULL };
	struct nlelem ne[3];
	for (size_t i = 0; i < set->count; i++) {
		size_t n = expand(set, i, ne);
		for (size_t k = 0; k < n; k++)
			if (ew_put(&w, &ne[k]) < 0)
				return -ENOMEM;
	}
	ew_close(&w);
	return 0;
}

int ucf_batch_media(struct ucf_batch *b, bool add, const struct ucf_pinhole *m, size_t n)
{
	static const struct ucf_set media_set[2] = {
		{ .name = UCF_SET_MEDIA4, .key = UCF_KEY_IPV4_MEDIA },
		{ .name = UCF_SET_MEDIA6, .key = UCF_KEY_IPV6_MEDIA }
	};
	for (int f = 0; f < 2; f++) {
		struct elem_writer w = { b, add ? M_MEDIA_ADD : M_MEDIA_DEL,
					 add ? NFT_MSG_NEWSETELEM : NFT_MSG_DELSETELEM,
					 media_set[f].name, 0, (size_t)f, NULL, NULL, m, NULL, NULL };
		for (size_t i = 0; i < n; i++) {
			struct ucf_set one = media_set[f];
			struct ucf_elem e;
			struct nlelem ne[3];
			if (m[i].family != (f == 0 ? AF_INET : AF_INET6))
				continue;
			ucf_pinhole_elem(&m[i], &e);
			if (!add)
				e.timeout_ms = 0;
			one.elems = &e;
			one.count = 1;
			expand(&one, 0, ne);
			ne[0].src = i;
			if (ew_put(&w, &ne[0]) < 0)
				return -ENOMEM;
		}
		ew_close(&w);
	}
	return 0;
}

int ucf_batch_timed_addrs(struct ucf_batch *b, const char *base, const struct ucf_prefix *peers,
			  const uint64_t *timeout_ms, size_t n)
{
	struct ucf_set peer_set[2] = { { .key = UCF_KEY_IPV4_TIMED }, { .key = UCF_KEY_IPV6_TIMED } };
	snprintf(peer_set[0].name, sizeof(peer_set[0].name), "%.30s4", base);
	snprintf(peer_set[1].name, sizeof(peer_set[1].name), "%.30s6", base);
	for (int f = 0; f < 2; f++) {
		/* An element list without elements flushes the set. */
		struct nlmsghdr *nlh = msg_start(b, M_TIMED, NFT_MSG_DELSETELEM, 0, MSG_ROOM);
		if (!nlh)
			return -ENOMEM;
		snprintf(last_msg(b)->name, sizeof(last_msg(b)->name), "%.31s", peer_set[f].name);
		mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_TABLE, UCF_TABLE);
		mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_SET, peer_set[f].name);
		msg_done(b, nlh);
		struct elem_writer w = { b, M_TIMED, NFT_MSG_NEWSETELEM, peer_set[f].name, 0,
					 (size_t)f, NULL, NULL, NULL, NULL, NULL };
		for (size_t i = 0; i < n; i++) {
			if (peers[i].family != (f == 0 ? AF_INET : AF_INET6))
				continue;
			struct ucf_set one = peer_set[f];
			struct ucf_elem e;
			struct nlelem ne[3];
			memset(&e, 0, sizeof(e));
			memcpy(e.key, peers[i].addr, 16);
			e.timeout_ms = timeout_ms[i];
			one.elems = &e;
			one.count = 1;
			expand(&one, 0, ne);
			ne[0].src = i;
			if (ew_put(&w, &ne[0]) < 0)
				return -ENOMEM;
		}
		ew_close(&w);
	}
	return 0;
}

static const struct ucf_set block_set[2] = {
	{ .name = UCF_SET_BLOCK4, .key = UCF_KEY_IPV4_BLOCK },
	{ .name = UCF_SET_BLOCK6, .key = UCF_KEY_IPV6_BLOCK }
};

int ucf_batch_block(struct ucf_batch *b, const struct ucf_block *bl, size_t n)
{
	for (int f = 0; f < 2; f++) {
		struct elem_writer w = { b, M_BLOCK_ADD, NFT_MSG_NEWSETELEM, block_set[f].name, 0,
					 (size_t)f, NULL, NULL, NULL, bl, NULL };
		for (size_t i = 0; i < n; i++) {
			if (bl[i].family != (f == 0 ? AF_INET : AF_INET6))
				continue;
			for (int reverse = 0; reverse < 2; reverse++) {
				struct ucf_set one = block_set[f];
				struct ucf_elem e;
				struct nlelem ne[3];
				ucf_block_elem(&bl[i], reverse, &e);
				one.elems = &e;
				one.count = 1;
				expand(&one, 0, ne);
				ne[0].src = 2 * i + (size_t)reverse; /* for describe */
				if (ew_put(&w, &ne[0]) < 0)
					return -ENOMEM;
			}
		}
		ew_close(&w);
	}
	return 0;
}

/* ---- chains and rules ---------------------------------------------------- */

static int chain_msg(struct ucf_batch *b, size_t index, const struct ucf_chain *ch)
{
	struct nftnl_chain *c = nftnl_chain_alloc();
	struct nlmsghdr *nlh;
	if (!c)
		return -ENOMEM;
	nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, UCF_TABLE);
	nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, ch->name);
	if (ch->hook != UCF_HOOK_NONE) {
		nftnl_chain_set_u32(c, NFTNL_CHAIN_HOOKNUM,
				    ch->hook == UCF_HOOK_INPUT ? NF_INET_LOCAL_IN : NF_INET_FORWARD);
		nftnl_chain_set_s32(c, NFTNL_CHAIN_PRIO, ch->priority);
		nftnl_chain_set_str(c, NFTNL_CHAIN_TYPE, "filter");
		nftnl_chain_set_u32(c, NFTNL_CHAIN_POLICY, NF_ACCEPT);
	}
	nlh = msg_start(b, M_CHAIN, NFT_MSG_NEWCHAIN, NLM_F_CREATE, MSG_ROOM);
	if (nlh) {
		last_msg(b)->index = index;
		nftnl_chain_nlmsg_build_payload(nlh, c);
		msg_done(b, nlh);
	}
	nftnl_chain_free(c);
	return nlh ? 0 : -ENOMEM;
}

static int rule_msg(struct ucf_batch *b, const struct ucf_ruleset *rs, size_t index)
{
	const struct ucf_rule *ru = &rs->rules[index];
	struct nlmsghdr *nlh = NULL;
	struct nftnl_rule *r = nftnl_rule_alloc();
	int rc;
	if (!r)
		return -ENOMEM;
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, UCF_TABLE);
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, rs->chains[ru->chain].name);
	nftnl_rule_set_u32(r, NFTNL_RULE_FAMILY, NFPROTO_INET);
	rc = ucf_nft_rule_exprs(r, rs, ru);
	if (rc == 0)
		nlh = msg_start(b, M_RULE, NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND, MSG_ROOM);
	if (nlh) {
		last_msg(b)->index = index;
		nftnl_rule_nlmsg_build_payload(nlh, r);
		msg_done(b, nlh);
	}
	nftnl_rule_free(r);
	return rc < 0 ? rc : nlh ? 0 : -ENOMEM;
}

int ucf_batch_add_ruleset(struct ucf_batch *b, const struct ucf_ruleset *rs)
{
	int rc = 0;
	b->rs = rs;
	for (size_t i = 0; rc == 0 && i < UCF_COUNTER_COUNT; i++)
		rc = counter_msg(b, i, rs->counters[i]);
	for (size_t i = 0; rc == 0 && i < rs->nsets; i++) {
		rc = set_msg(b, i, &rs->sets[i]);
		if (rc == 0)
			rc = elems_msgs(b, i, &rs->sets[i]);
	}
	for (size_t i = 0; rc == 0 && i < rs->nchains; i++)
		rc = chain_msg(b, i, &rs->chains[i]);
	for (size_t i = 0; rc == 0 && i < rs->nrules; i++)
		rc = rule_msg(b, rs, i);
	return rc;
}

/* ---- in-place update ---------------------------------------------------------- */

#ifndef NFT_TABLE_F_PERSIST
#define NFT_TABLE_F_PERSIST 0x4
#endif

void ucf_live_free(struct ucf_live *live)
{
	if (!live)
		return;
	for (size_t i = 0; i < live->nsets; i++)
		free(live->sets[i].elems);
	free(live->sets);
	free(live->chains);
	free(live->counters);
	memset(live, 0, sizeof(*live));
}

static bool udata_open(const void *data, uint32_t len)
{
	const uint8_t *p = data;
	for (uint32_t i = 0; i + 2 <= len && i + 2u + p[i + 1] <= len; i += 2u + p[i + 1]) {
		uint32_t v;
		if (p[i] == NFTNL_UDATA_SET_ELEM_FLAGS && p[i + 1] == 4) {
			memcpy(&v, p + i + 2, 4);
			return v & NFTNL_SET_ELEM_F_INTERVAL_OPEN;
		}
	}
	return false;
}

int ucf_live_add_elems(struct ucf_live_set *set, const struct nlmsghdr *nlh)
{
	struct nftnl_set *s = nftnl_set_alloc();
	struct nftnl_set_elems_iter *it = NULL;
	size_t cap = set->count;
	int rc = -ENOMEM;
	if (!s || nftnl_set_elems_nlmsg_parse(nlh, s) < 0 || !(it = nftnl_set_elems_iter_create(s)))
		goto out;
	for (struct nftnl_set_elem *e = nftnl_set_elems_iter_next(it); e;
	     e = nftnl_set_elems_iter_next(it)) {
		uint32_t len = 0;
		const void *k = nftnl_set_elem_get(e, NFTNL_SET_ELEM_KEY, &len);
		if (!k || len > 20)
			continue;
		if (GROW(set->elems, cap, set->count + 1) < 0)
			goto out;
		struct ucf_live_elem *l = &set->elems[set->count++];
		memset(l, 0, sizeof(*l));
		memcpy(l->key, k, len);
		l->klen = (uint8_t)len;
		if (nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_KEY_END)) {
			const void *ke = nftnl_set_elem_get(e, NFTNL_SET_ELEM_KEY_END, &len);
			if (ke && len <= 20) {
				memcpy(l->key_end, ke, len);
				l->has_end = true;
			}
		}
		if (nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_FLAGS))
			l->flags = nftnl_set_elem_get_u32(e, NFTNL_SET_ELEM_FLAGS);
		if (nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_USERDATA)) {
			const void *ud = nftnl_set_elem_get(e, NFTNL_SET_ELEM_USERDATA, &len);
			l->open = ud && udata_open(ud, len);
		}
	}
	rc = 0;
out:
	if (it)
		nftnl_set_elems_iter_destroy(it);
	nftnl_set_free(s);
	return rc;
}

bool ucf_batch_can_update(const struct ucf_ruleset *rs, const struct ucf_live *live,
			  uint32_t flags)
{
	/* Adopting an orphan (PERSIST without OWNER) is the one flag change the
	 * kernel allows on a live table. */
	bool adopt = flags == (NFT_TABLE_F_OWNER | NFT_TABLE_F_PERSIST) &&
		     live->table_flags == NFT_TABLE_F_PERSIST;
	if ((live->table_flags != flags && !adopt) || live->nsets != rs->nsets ||
	    live->nchains != rs->nchains || live->ncounters != UCF_COUNTER_COUNT)
		return false;
	for (size_t i = 0; i < rs->nsets; i++) {
		const struct ucf_set *m = &rs->sets[i];
		struct key_info ki = key_info(m->key);
		bool found = false;
		for (size_t j = 0; j < live->nsets && !found; j++) {
			const struct ucf_live_set *l = &live->sets[j];
			found = strcmp(l->name, m->name) == 0 && l->flags == ki.flags &&
				l->key_type == ki.type && l->key_len == ki.len &&
				l->timeout_ms == ((ki.flags & NFT_SET_TIMEOUT) ? m->timeout_ms : 0);
		}
		if (!found)
			return false;
	}
	for (size_t i = 0; i < rs->nchains; i++) {
		const struct ucf_chain *m = &rs->chains[i];
		bool found = false;
		for (size_t j = 0; j < live->nchains && !found; j++) {
			const struct ucf_live_chain *l = &live->chains[j];
			if (strcmp(l->name, m->name) != 0)
				continue;
			if (m->hook == UCF_HOOK_NONE)
				found = !l->base;
			else
				found = l->base && l->prio == m->priority && l->policy == NF_ACCEPT &&
					l->hooknum == (m->hook == UCF_HOOK_INPUT ? NF_INET_LOCAL_IN
										 : NF_INET_FORWARD);
		}
		if (!found)
			return false;
	}
	for (size_t i = 0; i < UCF_COUNTER_COUNT; i++) {
		bool found = false;
		for (size_t j = 0; j < live->ncounters && !found; j++)
			found = strcmp(live->counters[j], rs->counters[i]) == 0;
		if (!found)
			return false;
	}
	return true;
}

static int cmp_nlelem(const void *a, const void *b)
{
	const struct nlelem *x = a, *y = b;
	int c;
	if (x->klen != y->klen)
		return x->klen < y->klen ? -1 : 1;
	if ((c = memcmp(x->key, y->key, x->klen)) != 0)
		return c;
	if (x->flags != y->flags)
		return x->flags < y->flags ? -1 : 1;
	if (x->has_end != y->has_end)
		return x->has_end ? 1 : -1;
	if (x->has_end && (c = memcmp(x->key_end, y->key_end, x->klen)) != 0)
		return c;
	return (int)x->open - (int)y->open;
}

/* Sets only gain and lose what differs: the kernel's elements not in the
 * model go, the model's not in the kernel come. */
static int diff_set(struct ucf_batch *b, size_t index, const struct ucf_set *set,
		    const struct ucf_live_set *live)
{
	struct nlelem *want = NULL, *have = NULL, ne[3];
	size_t nwant = 0, cap = 0, nhave = live->count;
	int rc = -ENOMEM;
	for (size_t i = 0; i < set->count; i++) {
		size_t n = expand(set, i, ne);
		if (GROW(want, cap, nwant + n) < 0)
			goto out;
		memcpy(want + nwant, ne, n * sizeof(*ne));
		nwant += n;
	}
	have = calloc(nhave ? nhave : 1, sizeof(*have));
	if (!have)
		goto out;
	for (size_t i = 0; i < nhave; i++) {
		const struct ucf_live_elem *l = &live->elems[i];
		memcpy(have[i].key, l->key, sizeof(l->key));
		memcpy(have[i].key_end, l->key_end, sizeof(l->key_end));
		have[i].klen = l->klen;
		have[i].has_end = l->has_end;
		have[i].open = l->open;
		have[i].flags = l->flags;
		have[i].src = i;
	}
	if (nwant)
		qsort(want, nwant, sizeof(*want), cmp_nlelem);
	if (nhave)
		qsort(have, nhave, sizeof(*have), cmp_nlelem);
	struct elem_writer del = { b, M_ELEMS_DEL, NFT_MSG_DELSETELEM, set->name, 0, index,
				   NULL, NULL, NULL, NULL, live };
	struct elem_writer add = { b, M_ELEMS, NFT_MSG_NEWSETELEM, set->name, 0, index,
				   NULL, NULL, NULL, NULL, NULL };
	size_t i = 0, j = 0;
	rc = 0;
	while (rc == 0 && j < nhave) { /* deletions first: a marker may come back */
		int c = i < nwant ? cmp_nlelem(&want[i], &have[j]) : 1;
		if (c == 0)
			i++, j++;
		else if (c < 0)
			i++;
		else {
			struct nlelem d = have[j++];
			d.open = false; /* userdata names no element */
			rc = ew_put(&del, &d);
		}
	}
	ew_close(&del);
	for (i = 0, j = 0; rc == 0 && i < nwant;) {
		int c = j < nhave ? cmp_nlelem(&want[i], &have[j]) : -1;
		if (c == 0)
			i++, j++;
		else if (c > 0)
			j++;
		else
			rc = ew_put(&add, &want[i++]);
	}
	ew_close(&add);
out:
	free(want);
	free(have);
	return rc;
}

static int flush_chain_msg(struct ucf_batch *b, size_t index, const struct ucf_chain *ch)
{
	struct nftnl_rule *r = nftnl_rule_alloc();
	struct nlmsghdr *nlh;
	if (!r)
		return -ENOMEM;
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, UCF_TABLE);
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, ch->name);
	nlh = msg_start(b, M_FLUSH, NFT_MSG_DELRULE, 0, MSG_ROOM);
	if (nlh) {
		last_msg(b)->index = index;
		nftnl_rule_nlmsg_build_payload(nlh, r);
		msg_done(b, nlh);
	}
	nftnl_rule_free(r);
	return nlh ? 0 : -ENOMEM;
}

int ucf_batch_update_ruleset(struct ucf_batch *b, const struct ucf_ruleset *rs,
			     const struct ucf_live *live, uint32_t flags)
{
	int rc = table_msg(b, true, UCF_TABLE, flags);
	b->rs = rs;
	for (size_t i = 0; rc == 0 && i < rs->nchains; i++)
		rc = flush_chain_msg(b, i, &rs->chains[i]);
	for (size_t i = 0; rc == 0 && i < rs->nsets; i++) {
		const struct ucf_set *set = &rs->sets[i];
		if (ucf_set_key_dynamic(set->key)) {
			/* The agent's: only the carried elements are (re)added. */
			if (set->count)
				rc = elems_msgs(b, i, set);
			continue;
		}
		for (size_t j = 0; j < live->nsets; j++)
			if (strcmp(live->sets[j].name, set->name) == 0)
				rc = diff_set(b, i, set, &live->sets[j]);
	}
	for (size_t i = 0; rc == 0 && i < rs->nrules; i++)
		rc = rule_msg(b, rs, i);
	return rc;
}

const void *ucf_batch_data(const struct ucf_batch *b, size_t *len)
{
	*len = b->len;
	return b->buf;
}

size_t ucf_batch_messages(const struct ucf_batch *b)
{
	return b->nmsgs;
}

uint32_t ucf_batch_first_seq(const struct ucf_batch *b)
{
	return b->first_seq;
}

uint32_t ucf_batch_last_seq(const struct ucf_batch *b)
{
	return b->seq - 1;
}

/* ---- error mapping ----------------------------------------------------------- */

/* Which entry of the nested list attribute `type` holds offset: -1 if none. */
static long nested_index(const struct nlmsghdr *nlh, uint16_t type, uint32_t offset)
{
	const struct nlattr *a, *n;
	mnl_attr_for_each(a, nlh, sizeof(struct nfgenmsg)) {
		if (mnl_attr_get_type(a) != type)
			continue;
		long i = 0;
		mnl_attr_for_each_nested(n, a) {
			uint32_t start = (uint32_t)((const char *)n - (const char *)nlh);
			if (offset >= start && offset < start + n->nla_len)
				return i;
			i++;
		}
	}
	return -1;
}

static const char *expr_name_at(const struct nlmsghdr *nlh, long index)
{
	const struct nlattr *a, *n, *x;
	mnl_attr_for_each(a, nlh, sizeof(struct nfgenmsg)) {
		if (mnl_attr_get_type(a) != NFTA_RULE_EXPRESSIONS)
			continue;
		long i = 0;
		mnl_attr_for_each_nested(n, a) {
			if (i++ != index)
				continue;
			mnl_attr_for_each_nested(x, n)
				if (mnl_attr_get_type(x) == NFTA_EXPR_NAME)
					return mnl_attr_get_str(x);
		}
	}
	return "?";
}

/* A kernel element: an address (or interval marker), else its bytes. */
static void live_format(const struct ucf_live_elem *l, enum ucf_set_key key, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];
	size_t n = 0;
	if ((key == UCF_KEY_IPV4 || key == UCF_KEY_IPV6) &&
	    inet_ntop(key == UCF_KEY_IPV4 ? AF_INET : AF_INET6, l->key, a, sizeof(a))) {
		snprintf(buf, len, "%s%s", a,
			 l->flags & NFT_SET_ELEM_INTERVAL_END ? " (interval end)" : "");
		return;
	}
	buf[0] = '\0';
	for (size_t i = 0; i < l->klen && n + 3 < len; i++)
		n += (size_t)snprintf(buf + n, len - n, "%02x", l->key[i]);
}

void ucf_batch_describe(const struct ucf_batch *b, uint32_t seq, uint32_t offset, char *buf,
			size_t buflen)
{
	char text[512];
	if (seq < b->first_seq || seq - b->first_seq >= b->nmsgs) {
		snprintf(buf, buflen, "message %u (not in this batch)", seq);
		return;
	}
	const struct msg *m = &b->msgs[seq - b->first_seq];
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)(b->buf + m->off);
	const struct ucf_ruleset *rs = b->rs;
	long k;

	switch (m->kind) {
	case M_BEGIN: snprintf(buf, buflen, "the batch (ruleset changed meanwhile?)"); return;
	case M_END: snprintf(buf, buflen, "the end of the batch"); return;
	case M_TABLE_ADD: snprintf(buf, buflen, "table inet %s", m->name); return;
	case M_TABLE_DEL: snprintf(buf, buflen, "deleting table inet %s", m->name); return;
	case M_COUNTER: snprintf(buf, buflen, "counter %s", rs->counters[m->index]); return;
	case M_SET: snprintf(buf, buflen, "set %s", rs->sets[m->index].name); return;
	case M_CHAIN: snprintf(buf, buflen, "chain %s", rs->chains[m->index].name); return;
	case M_FLUSH: snprintf(buf, buflen, "flushing chain %s", rs->chains[m->index].name); return;
	case M_TIMED: snprintf(buf, buflen, "the learned elements of set %s", m->name); return;
	case M_ELEMS_DEL:
		k = offset ? nested_index(nlh, NFTA_SET_ELEM_LIST_ELEMENTS, offset) : -1;
		if (k < 0) {
			snprintf(buf, buflen, "removing elements of set %s", m->name);
			return;
		}
		live_format(&m->live->elems[b->elem_src[m->elem_first + (size_t)k]],
			    rs->sets[m->index].key, text, sizeof(text));
		snprintf(buf, buflen, "set %s, removing element %s", m->name, text);
		return;
	case M_ELEMS:
	case M_MEDIA_ADD:
	case M_MEDIA_DEL:
	case M_BLOCK_ADD:
		k = offset ? nested_index(nlh, NFTA_SET_ELEM_LIST_ELEMENTS, offset) : -1;
		if (k < 0) {
			snprintf(buf, buflen, "elements of set %s", m->name);
			return;
		}
		size_t src = b->elem_src[m->elem_first + (size_t)k];
		if (m->kind == M_ELEMS) {
			ucf_nft_elem_format(&rs->sets[m->index], &rs->sets[m->index].elems[src], text,
					    sizeof(text));
		} else if (m->kind == M_BLOCK_ADD) {
			struct ucf_elem e;
			ucf_block_elem(&m->block[src / 2], src % 2, &e);
			ucf_nft_elem_format(&block_set[m->index], &e, text, sizeof(text));
		} else {
			struct ucf_set one = { .key = m->index ? UCF_KEY_IPV6_MEDIA : UCF_KEY_IPV4_MEDIA };
			struct ucf_elem e;
			ucf_pinhole_elem(&m->media[src], &e);
			if (m->kind == M_MEDIA_DEL)
				e.timeout_ms = 0;
			ucf_nft_elem_format(&one, &e, text, sizeof(text));
		}
		snprintf(buf, buflen, "set %s, element %s", m->name, text);
		return;
	case M_RULE: {
		const struct ucf_rule *ru = &rs->rules[m->index];
		size_t pos = 0;
		for (size_t i = 0; i < m->index; i++)
			pos += rs->rules[i].chain == ru->chain;
		ucf_nft_rule_format(ru, text, sizeof(text));
		k = offset ? nested_index(nlh, NFTA_RULE_EXPRESSIONS, offset) : -1;
		if (k < 0)
			snprintf(buf, buflen, "rule %zu of chain %s (%s)", pos + 1,
				 rs->chains[ru->chain].name, text);
		else
			snprintf(buf, buflen, "rule %zu of chain %s (%s), expression %ld (%s)",
				 pos + 1, rs->chains[ru->chain].name, text, k + 1,
				 expr_name_at(nlh, k));
		return;
	}
	}
}
