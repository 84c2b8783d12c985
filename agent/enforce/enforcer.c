/* enforcer.c — sends nft_batch.c's batches over one netfilter socket (nl.h)
 * and turns the kernel's answers into errors that name the object.
 *
 * Batch messages carry no NLM_F_ACK: the kernel processes the whole batch
 * inside sendmsg() and queues an error for each failing message only, which
 * ucf_nl_talk drains without waiting. A full receive buffer (ENOBUFS) means
 * errors were lost, so it counts as a failure. */
#include "enforcer.h"

/* glibc's netinet/in.h must precede linux/ headers that pull in linux/in.h. */
#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <libmnl/libmnl.h>
#include <libnftnl/common.h>
#include <libnftnl/chain.h>
#include <libnftnl/object.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grow.h"
#include "nft_batch.h"
#include "nl.h"

#ifndef NFT_TABLE_F_PERSIST
#define NFT_TABLE_F_PERSIST 0x4 /* Linux 6.9; Debian 12's headers predate it */
#endif

#define MAX_RETRIES 3 /* ERESTART: someone changed the ruleset meanwhile */

struct ucf_enforcer {
	struct ucf_nl *nl;
	uint32_t table_flags;
	bool persist_supported;
};

/* ---- sending batches ---------------------------------------------------------- */

/* Sends the batch; 0 when the kernel answered (r says whether with errors),
 * -errno when the socket failed (nlerr says how). */
static int send_batch(struct ucf_enforcer *e, const struct ucf_batch *b, struct ucf_nl_result *r,
		      char *nlerr, size_t nlerrlen)
{
	size_t len;
	const void *data = ucf_batch_data(b, &len);
	/* The whole batch is one datagram: it must fit the send buffer; each
	 * message may cost one error report (nftables sizes 1 KiB each). */
	ucf_nl_bufsize(e->nl, ucf_batch_messages(b) * 1024 + 65536, len + 65536);
	int rc = ucf_nl_talk(e->nl, data, len, NULL, NULL, r, nlerr, nlerrlen);
	return rc < 0 && (r->nerrors || r->lost) ? 0 : rc;
}

/* "kernel rejected set endpoints4, element 10.0.0.0/8: File exists". */
static int batch_error(const struct ucf_batch *b, const struct ucf_nl_result *r, const char *what,
		       char *err, size_t errlen)
{
	char obj[768];
	if (r->nerrors == 0) {
		snprintf(err, errlen, "%s: error reports lost (receive buffer overflow)", what);
		return -ENOBUFS;
	}
	ucf_batch_describe(b, r->first.seq, r->first.offset, obj, sizeof(obj));
	snprintf(err, errlen, "%s: kernel rejected %s: %s%s%s%s", what, obj, strerror(r->first.error),
		 r->first.msg[0] ? " (" : "", r->first.msg, r->first.msg[0] ? ")" : "");
	size_t l = strlen(err);
	if (r->nerrors > 1)
		l += (size_t)snprintf(err + l, errlen > l ? errlen - l : 0, " (+%zu more errors)",
				      r->nerrors - 1);
	/* One transaction: the kernel rolled all of it back. */
	snprintf(err + (l < errlen ? l : errlen - 1), l < errlen ? errlen - l : 1,
		 "; nothing was changed");
	return -r->first.error;
}

/* ---- reading state --------------------------------------------------------- */

static int gen_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *a;
	mnl_attr_for_each(a, nlh, sizeof(struct nfgenmsg))
		if (mnl_attr_get_type(a) == NFTA_GEN_ID && mnl_attr_validate(a, MNL_TYPE_U32) == 0)
			*(uint32_t *)data = ntohl(mnl_attr_get_u32(a));
	return 0;
}

static int get_genid(struct ucf_enforcer *e, uint32_t *genid, char *err, size_t errlen)
{
	char buf[256];
	struct nlmsghdr *nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETGEN,
						     AF_UNSPEC, NLM_F_ACK, ucf_nl_seq(e->nl));
	*genid = 0;
	return ucf_nl_request(e->nl, nlh, gen_cb, genid, err, errlen);
}

struct table_state {
	bool exists;
	uint32_t flags, owner;
};

static int table_cb(const struct nlmsghdr *nlh, void *data)
{
	struct table_state *t = data;
	struct nftnl_table *nt = nftnl_table_alloc();
	if (!nt)
		return -ENOMEM;
	if (nftnl_table_nlmsg_parse(nlh, nt) == 0) {
		t->exists = true;
		t->flags = nftnl_table_get_u32(nt, NFTNL_TABLE_FLAGS);
		if (nftnl_table_is_set(nt, NFTNL_TABLE_OWNER))
			t->owner = nftnl_table_get_u32(nt, NFTNL_TABLE_OWNER);
	}
	nftnl_table_free(nt);
	return 0;
}

/* The ruleset generation, then our table's state: a batch carrying that
 * generation fails with ERESTART if anything changed after the read. */
static int read_state(struct ucf_enforcer *e, uint32_t *genid, struct table_state *t,
		      char *err, size_t errlen)
{
	char buf[512], nlerr[384];
	int rc = get_genid(e, genid, nlerr, sizeof(nlerr));
	if (rc < 0) {
		snprintf(err, errlen, "reading the nftables generation: %s", nlerr);
		return rc;
	}
	memset(t, 0, sizeof(*t));
	struct nlmsghdr *nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETTABLE, NFPROTO_INET, NLM_F_ACK,
						     ucf_nl_seq(e->nl));
	mnl_attr_put_strz(nlh, NFTA_TABLE_NAME, UCF_TABLE);
	rc = ucf_nl_request(e->nl, nlh, table_cb, t, nlerr, sizeof(nlerr));
	if (rc == -ENOENT)
		rc = 0;
	if (rc < 0)
		snprintf(err, errlen, "reading table inet %s: %s", UCF_TABLE, nlerr);
	else if (t->exists && (t->flags & NFT_TABLE_F_OWNER) && t->owner != ucf_nl_portid(e->nl)) {
		snprintf(err, errlen,
			 "table inet %s is owned by another running process (netlink port %u): "
			 "stop it first (is the ucfence agent running?)", UCF_TABLE, t->owner);
		rc = -EBUSY;
	}
	return rc;
}

/* ---- reading the live table back ------------------------------------------------ */

static struct nlmsghdr *dump_request(struct ucf_enforcer *e, char *buf, uint16_t type)
{
	return nftnl_nlmsg_build_hdr(buf, type, NFPROTO_INET, NLM_F_DUMP, ucf_nl_seq(e->nl));
}

static int live_set_cb(const struct nlmsghdr *nlh, void *data)
{
	struct ucf_live *live = data;
	struct nftnl_set *s = nftnl_set_alloc();
	if (!s)
		return -ENOMEM;
	if (nftnl_set_nlmsg_parse(nlh, s) == 0 &&
	    strcmp(nftnl_set_get_str(s, NFTNL_SET_TABLE), UCF_TABLE) == 0) {
		void *p = ucf_grow_array(live->sets, NULL, live->nsets + 1, sizeof(*live->sets), 0);
		if (!p) {
			nftnl_set_free(s);
			return -ENOMEM;
		}
		live->sets = p;
		struct ucf_live_set *l = &live->sets[live->nsets++];
		memset(l, 0, sizeof(*l));
		snprintf(l->name, sizeof(l->name), "%s", nftnl_set_get_str(s, NFTNL_SET_NAME));
		l->flags = nftnl_set_get_u32(s, NFTNL_SET_FLAGS);
		l->key_type = nftnl_set_get_u32(s, NFTNL_SET_KEY_TYPE);
		l->key_len = nftnl_set_get_u32(s, NFTNL_SET_KEY_LEN);
		if (nftnl_set_is_set(s, NFTNL_SET_TIMEOUT))
			l->timeout_ms = nftnl_set_get_u64(s, NFTNL_SET_TIMEOUT);
	}
	nftnl_set_free(s);
	return 0;
}

static int live_chain_cb(const struct nlmsghdr *nlh, void *data)
{
	struct ucf_live *live = data;
	struct nftnl_chain *c = nftnl_chain_alloc();
	if (!c)
		return -ENOMEM;
	if (nftnl_chain_nlmsg_parse(nlh, c) == 0 &&
	    strcmp(nftnl_chain_get_str(c, NFTNL_CHAIN_TABLE), UCF_TABLE) == 0) {
		void *p = ucf_grow_array(live->chains, NULL, live->nchains + 1, sizeof(*live->chains),
					 0);
		if (!p) {
			nftnl_chain_free(c);
			return -ENOMEM;
		}
		live->chains = p;
		struct ucf_live_chain *l = &live->chains[live->nchains++];
		memset(l, 0, sizeof(*l));
		snprintf(l->name, sizeof(l->name), "%s", nftnl_chain_get_str(c, NFTNL_CHAIN_NAME));
		l->base = nftnl_chain_is_set(c, NFTNL_CHAIN_HOOKNUM);
		if (l->base) {
			l->hooknum = nftnl_chain_get_u32(c, NFTNL_CHAIN_HOOKNUM);
			l->prio = nftnl_chain_get_s32(c, NFTNL_CHAIN_PRIO);
			l->policy = nftnl_chain_get_u32(c, NFTNL_CHAIN_POLICY);
		}
	}
	nftnl_chain_free(c);
	return 0;
}

static int live_obj_cb(const struct nlmsghdr *nlh, void *data)
{
	struct ucf_live *live = data;
	struct nftnl_obj *o = nftnl_obj_alloc();
	if (!o)
		return -ENOMEM;
	if (nftnl_obj_nlmsg_parse(nlh, o) == 0 &&
	    strcmp(nftnl_obj_get_str(o, NFTNL_OBJ_TABLE), UCF_TABLE) == 0) {
		void *p = ucf_grow_array(live->counters, NULL, live->ncounters + 1,
					 sizeof(*live->counters), 0);
		if (!p) {
			nftnl_obj_free(o);
			return -ENOMEM;
		}
		live->counters = p;
		/* Objects of another type get a name no counter has. */
		snprintf(live->counters[live->ncounters++], UCF_NAME_MAX, "%s%s",
			 nftnl_obj_get_u32(o, NFTNL_OBJ_TYPE) == NFT_OBJECT_COUNTER ? "" : "!",
			 nftnl_obj_get_str(o, NFTNL_OBJ_NAME));
	}
	nftnl_obj_free(o);
	return 0;
}

static int live_elems_cb(const struct nlmsghdr *nlh, void *data)
{
	return ucf_live_add_elems(data, nlh) == 0 ? 0 : -ENOMEM;
}

/* Sets, chains, counters and (but for the media and block sets) elements
 * of our table; the caller's generation check covers the whole read. */
static int read_live(struct ucf_enforcer *e, const struct ucf_ruleset *rs, struct ucf_live *live)
{
	char buf[512], nlerr[256]; /* the caller reports the errno alone */
	struct nlmsghdr *nlh;
	int rc;
	nlh = dump_request(e, buf, NFT_MSG_GETSET);
	mnl_attr_put_strz(nlh, NFTA_SET_TABLE, UCF_TABLE);
	rc = ucf_nl_request(e->nl, nlh, live_set_cb, live, nlerr, sizeof(nlerr));
	if (rc == 0) {
		nlh = dump_request(e, buf, NFT_MSG_GETCHAIN);
		mnl_attr_put_strz(nlh, NFTA_CHAIN_TABLE, UCF_TABLE);
		rc = ucf_nl_request(e->nl, nlh, live_chain_cb, live, nlerr, sizeof(nlerr));
	}
	if (rc == 0) {
		nlh = dump_request(e, buf, NFT_MSG_GETOBJ);
		mnl_attr_put_strz(nlh, NFTA_OBJ_TABLE, UCF_TABLE);
		rc = ucf_nl_request(e->nl, nlh, live_obj_cb, live, nlerr, sizeof(nlerr));
	}
	for (size_t i = 0; rc == 0 && i < live->nsets; i++) {
		const struct ucf_set *m = ucf_ruleset_set(rs, live->sets[i].name);
		if (!m || ucf_set_key_dynamic(m->key))
			continue; /* the agent's: never read (can be huge), never pruned */
		nlh = dump_request(e, buf, NFT_MSG_GETSETELEM);
		mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_TABLE, UCF_TABLE);
		mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_SET, live->sets[i].name);
		rc = ucf_nl_request(e->nl, nlh, live_elems_cb, &live->sets[i], nlerr, sizeof(nlerr));
	}
	return rc;
}

/* ---- open / probe ------------------------------------------------------------ */

/* Creates and deletes a probe table with OWNER|PERSIST in one batch:
 * EOPNOTSUPP means the kernel lacks PERSIST. Nothing stays behind. */
static int probe_persist(struct ucf_enforcer *e, bool *supported, char *err, size_t errlen)
{
	char name[UCF_NAME_MAX], nlerr[256] = "out of memory";
	struct ucf_nl_result r;
	struct ucf_batch *b = ucf_batch_new(ucf_nl_seq(e->nl));
	int rc = -ENOMEM;
	snprintf(name, sizeof(name), "ucfence-probe-%u", ucf_nl_portid(e->nl));
	if (b && ucf_batch_begin(b, 0) == 0 &&
	    ucf_batch_add_table(b, name, NFT_TABLE_F_OWNER | NFT_TABLE_F_PERSIST) == 0 &&
	    ucf_batch_del_table(b, name) == 0 && ucf_batch_end(b) == 0)
		rc = send_batch(e, b, &r, nlerr, sizeof(nlerr));
	if (rc == 0 && r.nerrors == 0 && !r.lost)
		*supported = true;
	else if (rc == 0 && r.first.error == EOPNOTSUPP)
		*supported = false;
	else if (rc == 0)
		rc = batch_error(b, &r, "probing table flags", err, errlen);
	else
		snprintf(err, errlen, "probing table flags: %s", nlerr);
	ucf_batch_free(b);
	return rc;
}

int ucf_enforcer_open(struct ucf_enforcer **out, char *err, size_t errlen)
{
	struct ucf_enforcer *e = calloc(1, sizeof(*e));
	char nlerr[256];
	int rc;
	bool persist = false;
	if (!e) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	/* extended acks point at the failing attribute: errors name the object */
	rc = ucf_nl_open(NETLINK_NETFILTER, 0, &e->nl, nlerr, sizeof(nlerr));
	if (rc < 0) {
		snprintf(err, errlen, "netfilter netlink socket: %s", strerror(-rc));
		goto fail;
	}
	rc = probe_persist(e, &persist, err, errlen);
	if (rc < 0)
		goto fail;
	e->persist_supported = persist;
	e->table_flags = persist ? NFT_TABLE_F_OWNER | NFT_TABLE_F_PERSIST : 0;
	*out = e;
	return 0;
fail:
	ucf_enforcer_close(e);
	return rc;
}

void ucf_enforcer_close(struct ucf_enforcer *e)
{
	if (!e)
		return;
	ucf_nl_close(e->nl);
	free(e);
}

uint32_t ucf_enforcer_table_flags(const struct ucf_enforcer *e)
{
	return e->table_flags;
}

uint32_t ucf_enforcer_portid(const struct ucf_enforcer *e)
{
	return ucf_nl_portid(e->nl);
}

const char *ucf_enforcer_ownership(const struct ucf_enforcer *e)
{
	if (e->table_flags)
		return "owner,persist";
	return e->persist_supported ? "none" : "none (kernel lacks NFT_TABLE_F_PERSIST)";
}

int ucf_enforcer_set_ownership(struct ucf_enforcer *e, bool owned)
{
	if (owned && !e->persist_supported)
		return -EOPNOTSUPP;
	e->table_flags = owned ? NFT_TABLE_F_OWNER | NFT_TABLE_F_PERSIST : 0;
	return 0;
}

/* ---- operations ---------------------------------------------------------- */

/* Builds with build(), sends, retries on ERESTART; *bp keeps the last batch
 * for the caller's statistics. */
typedef int (*build_fn)(struct ucf_enforcer *e, struct ucf_batch *b, const struct table_state *t,
			void *ctx);

static int transact(struct ucf_enforcer *e, const char *what, build_fn build, void *ctx,
		    bool need_state, struct ucf_apply_stats *stats, char *err, size_t errlen)
{
	for (unsigned attempt = 0;; attempt++) {
		struct table_state t = { 0 };
		uint32_t genid = 0;
		struct ucf_nl_result r;
		char nlerr[256];
		int rc = need_state ? read_state(e, &genid, &t, err, errlen) : 0;
		if (rc < 0)
			return rc;
		struct ucf_batch *b = ucf_batch_new(ucf_nl_seq(e->nl));
		if (!b || ucf_batch_begin(b, genid) < 0 || (rc = build(e, b, &t, ctx)) < 0 ||
		    ucf_batch_end(b) < 0) {
			ucf_batch_free(b);
			snprintf(err, errlen, "%s: %s", what, strerror(rc < 0 ? -rc : ENOMEM));
			return rc < 0 ? rc : -ENOMEM;
		}
		rc = send_batch(e, b, &r, nlerr, sizeof(nlerr));
		if (rc < 0) {
			snprintf(err, errlen, "%s: sending the batch: %s", what, nlerr);
		} else if (r.nerrors || r.lost) {
			if (r.first.error == ERESTART && attempt < MAX_RETRIES) {
				ucf_batch_free(b);
				if (stats)
					stats->retries++;
				continue;
			}
			rc = batch_error(b, &r, what, err, errlen);
		} else if (stats) {
			ucf_batch_data(b, &stats->bytes);
			stats->messages = ucf_batch_messages(b);
			stats->replaced = t.exists;
		}
		ucf_batch_free(b);
		return rc;
	}
}

struct apply_ctx {
	const struct ucf_ruleset *rs;
	uint32_t flags;
	struct ucf_live live;
	bool in_place;
};

/* Our own table, as we left it: update it in place (see nft_batch.h why).
 * Anything else of that name: replace it whole. */
static int build_apply(struct ucf_enforcer *e, struct ucf_batch *b, const struct table_state *t,
		       void *ctx)
{
	struct apply_ctx *a = ctx;
	int rc = 0;
	ucf_live_free(&a->live);
	a->in_place = false;
	if (t->exists) {
		a->live.table_flags = t->flags;
		rc = read_live(e, a->rs, &a->live);
		if (rc < 0)
			return rc;
		a->in_place = ucf_batch_can_update(a->rs, &a->live, a->flags);
	}
	if (a->in_place)
		return ucf_batch_update_ruleset(b, a->rs, &a->live, a->flags);
	if (t->exists)
		rc = ucf_batch_del_table(b, UCF_TABLE);
	if (rc == 0)
		rc = ucf_batch_add_table(b, UCF_TABLE, a->flags);
	if (rc == 0)
		rc = ucf_batch_add_ruleset(b, a->rs);
	return rc;
}

int ucf_enforcer_apply(struct ucf_enforcer *e, const struct ucf_ruleset *rs,
		       struct ucf_apply_stats *stats, char *err, size_t errlen)
{
	struct apply_ctx a = { rs, e->table_flags, { 0 }, false };
	struct ucf_apply_stats local;
	if (!stats)
		stats = &local;
	memset(stats, 0, sizeof(*stats));
	for (size_t i = 0; i < rs->nsets; i++)
		stats->elements += rs->sets[i].count;
	int rc = transact(e, "new ruleset", build_apply, &a, true, stats, err, errlen);
	stats->in_place = a.in_place;
	ucf_live_free(&a.live);
	return rc;
}

static int build_flush(struct ucf_enforcer *e, struct ucf_batch *b, const struct table_state *t,
		       void *ctx)
{
	(void)e;
	*(bool *)ctx = t->exists;
	return t->exists ? ucf_batch_del_table(b, UCF_TABLE) : 0;
}

int ucf_enforcer_flush(struct ucf_enforcer *e, bool *existed, char *err, size_t errlen)
{
	bool ex = false;
	int rc = transact(e, "flush", build_flush, &ex, true, NULL, err, errlen);
	if (existed)
		*existed = ex;
	return rc;
}

struct media_ctx {
	const struct ucf_pinhole *add, *del;
	size_t nadd, ndel;
};

static int build_media(struct ucf_enforcer *e, struct ucf_batch *b, const struct table_state *t,
		       void *ctx)
{
	const struct media_ctx *m = ctx;
	(void)e;
	(void)t;
	int rc = m->ndel ? ucf_batch_media(b, false, m->del, m->ndel) : 0;
	if (rc == 0 && m->nadd)
		rc = ucf_batch_media(b, true, m->add, m->nadd);
	return rc;
}

int ucf_enforcer_media(struct ucf_enforcer *e, const struct ucf_pinhole *add, size_t nadd,
		       const struct ucf_pinhole *del, size_t ndel, char *err, size_t errlen)
{
	struct media_ctx m = { add, del, nadd, ndel };
	if (nadd == 0 && ndel == 0)
		return 0;
	/* No generation check: element updates commute with everything but a
	 * table replacement, which fails them cleanly (ENOENT) if it races. */
	return transact(e, "media update", build_media, &m, false, NULL, err, errlen);
}

struct peers_ctx {
	const char *base;
	const struct ucf_prefix *peers;
	const uint64_t *timeout_ms;
	size_t n;
};

static int build_peers(struct ucf_enforcer *e, struct ucf_batch *b, const struct table_state *t,
		       void *ctx)
{
	const struct peers_ctx *c = ctx;
	(void)e;
	(void)t;
	return ucf_batch_timed_addrs(b, c->base, c->peers, c->timeout_ms, c->n);
}

int ucf_enforcer_timed_addrs(struct ucf_enforcer *e, const char *base,
			     const struct ucf_prefix *peers, const uint64_t *timeout_ms, size_t n,
			     char *err, size_t errlen)
{
	struct peers_ctx c = { base, peers, timeout_ms, n };
	for (size_t i = 0; i < n; i++) {
		bool v4 = peers[i].family == AF_INET;
		if ((!v4 && peers[i].family != AF_INET6) || peers[i].len != (v4 ? 32 : 128) ||
		    timeout_ms[i] == 0) {
			snprintf(err, errlen, "%s: element %zu: not one address with a timeout", base, i);
			return -EINVAL;
		}
	}
	if (n > UCF_VPN_PEERS_MAX) {
		snprintf(err, errlen, "%s: %zu addresses, at most %d", base, n, UCF_VPN_PEERS_MAX);
		return -E2BIG;
	}
	/* No generation check, as for media: flush and adds in one batch. */
	return transact(e, "timed set update", build_peers, &c, false, NULL, err, errlen);
}

struct block_ctx {
	const struct ucf_block *add;
	size_t n;
};

static int build_block(struct ucf_enforcer *e, struct ucf_batch *b, const struct table_state *t,
		       void *ctx)
{
	const struct block_ctx *c = ctx;
	(void)e;
	(void)t;
	return ucf_batch_block(b, c->add, c->n);
}

int ucf_enforcer_block(struct ucf_enforcer *e, const struct ucf_block *add, size_t n, char *err,
		       size_t errlen)
{
	struct block_ctx c = { add, n };
	for (size_t i = 0; i < n; i++) {
		char why[128];
		if (ucf_block_check(&add[i], why, sizeof(why)) < 0) {
			snprintf(err, errlen, "block update: element %zu: %s", i, why);
			return -EINVAL;
		}
	}
	if (n == 0)
		return 0;
	/* No generation check, as for media. */
	return transact(e, "block update", build_block, &c, false, NULL, err, errlen);
}

struct counters_ctx {
	struct ucf_counter *out;
	unsigned found;
};

static int obj_cb(const struct nlmsghdr *nlh, void *data)
{
	struct counters_ctx *c = data;
	struct nftnl_obj *o = nftnl_obj_alloc();
	if (!o)
		return -ENOMEM;
	if (nftnl_obj_nlmsg_parse(nlh, o) == 0 &&
	    nftnl_obj_get_u32(o, NFTNL_OBJ_TYPE) == NFT_OBJECT_COUNTER &&
	    strcmp(nftnl_obj_get_str(o, NFTNL_OBJ_TABLE), UCF_TABLE) == 0) {
		const char *name = nftnl_obj_get_str(o, NFTNL_OBJ_NAME);
		for (int i = 0; i < UCF_REASON_COUNT; i++) {
			if (strcmp(name, ucf_reason_name((enum ucf_reason)i)) == 0) {
				c->out[i].packets = nftnl_obj_get_u64(o, NFTNL_OBJ_CTR_PKTS);
				c->out[i].bytes = nftnl_obj_get_u64(o, NFTNL_OBJ_CTR_BYTES);
				c->found |= 1u << i;
			}
		}
	}
	nftnl_obj_free(o);
	return 0;
}

int ucf_enforcer_counters(struct ucf_enforcer *e, struct ucf_counter out[UCF_REASON_COUNT],
			  char *err, size_t errlen)
{
	char buf[512], nlerr[256];
	struct counters_ctx c = { out, 0 };
	struct nftnl_obj *o = nftnl_obj_alloc();
	if (!o) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	memset(out, 0, UCF_REASON_COUNT * sizeof(*out));
	nftnl_obj_set_str(o, NFTNL_OBJ_TABLE, UCF_TABLE);
	nftnl_obj_set_u32(o, NFTNL_OBJ_TYPE, NFT_OBJECT_COUNTER);
	struct nlmsghdr *nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETOBJ,
						     NFPROTO_INET, NLM_F_DUMP, ucf_nl_seq(e->nl));
	nftnl_obj_nlmsg_build_payload(nlh, o);
	nftnl_obj_free(o);
	int rc = ucf_nl_request(e->nl, nlh, obj_cb, &c, nlerr, sizeof(nlerr));
	if (rc == 0 && c.found != (1u << UCF_REASON_COUNT) - 1)
		rc = -ENOENT;
	if (rc < 0)
		snprintf(err, errlen, "reading counters of table inet %s: %s", UCF_TABLE,
			 strerror(-rc));
	return rc;
}

static int one_obj_cb(const struct nlmsghdr *nlh, void *data)
{
	struct ucf_counter *out = data;
	struct nftnl_obj *o = nftnl_obj_alloc();
	if (!o)
		return -ENOMEM;
	if (nftnl_obj_nlmsg_parse(nlh, o) == 0 &&
	    nftnl_obj_get_u32(o, NFTNL_OBJ_TYPE) == NFT_OBJECT_COUNTER) {
		out->packets = nftnl_obj_get_u64(o, NFTNL_OBJ_CTR_PKTS);
		out->bytes = nftnl_obj_get_u64(o, NFTNL_OBJ_CTR_BYTES);
	}
	nftnl_obj_free(o);
	return 0;
}

int ucf_enforcer_counter(struct ucf_enforcer *e, const char *name, struct ucf_counter *out,
			 char *err, size_t errlen)
{
	char buf[512], nlerr[256];
	struct nftnl_obj *o = nftnl_obj_alloc();
	if (!o) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	memset(out, 0, sizeof(*out));
	nftnl_obj_set_str(o, NFTNL_OBJ_TABLE, UCF_TABLE);
	nftnl_obj_set_str(o, NFTNL_OBJ_NAME, name);
	nftnl_obj_set_u32(o, NFTNL_OBJ_TYPE, NFT_OBJECT_COUNTER);
	struct nlmsghdr *nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETOBJ, NFPROTO_INET, NLM_F_ACK,
						     ucf_nl_seq(e->nl));
	nftnl_obj_nlmsg_build_payload(nlh, o);
	nftnl_obj_free(o);
	int rc = ucf_nl_request(e->nl, nlh, one_obj_cb, out, nlerr, sizeof(nlerr));
	if (rc < 0)
		snprintf(err, errlen, "reading counter %s of table inet %s: %s", name, UCF_TABLE,
			 strerror(-rc));
	return rc;
}
