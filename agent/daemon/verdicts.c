/* verdicts.c — see verdicts.h. The carried blocks are a ring (block and
 * time in parallel arrays, so a run of blocks goes to the kernel as is). */
#include "verdicts.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trust.h"

/* Token buckets of the hosts that caused blocks, in thousandths of a block;
 * a small open-addressed table: a host pushed out only loses its bucket. */
#define HOST_SLOTS 1024
#define HOST_PROBE 8

struct host_bucket {
	uint8_t family, addr[16];
	uint64_t tokens, at_us;
};

struct ucf_verdicts {
	struct host_bucket hosts[HOST_SLOTS];
	uint64_t tokens, at_us; /* all hosts together */
	uint32_t cap, head, count, queued;
	uint64_t timeout_us;
	struct ucf_block *blocks;
	uint64_t *made_us;
	struct ucf_prefix *endpoints, *peers;
	size_t n_endpoints, n_peers;
	struct ucf_service_port *ports;
	size_t n_ports;
	struct ucf_verdicts_stats st;
};

int ucf_verdicts_new(uint32_t cap, uint32_t timeout_s, struct ucf_verdicts **out, char *err,
		     size_t errlen)
{
	struct ucf_verdicts *v = calloc(1, sizeof(*v));
	if (v && cap) {
		v->cap = cap;
		v->timeout_us = (uint64_t)timeout_s * 1000000u;
		v->blocks = calloc(cap, sizeof(*v->blocks));
		v->made_us = calloc(cap, sizeof(*v->made_us));
	}
	if (!v || !cap || !v->blocks || !v->made_us) {
		ucf_verdicts_free(v);
		snprintf(err, errlen, cap ? "out of memory for the verdict blocks"
					  : "verdict blocks: a capacity of 0");
		return cap ? -ENOMEM : -EINVAL;
	}
	*out = v;
	return 0;
}

void ucf_verdicts_free(struct ucf_verdicts *v)
{
	if (!v)
		return;
	free(v->blocks);
	free(v->made_us);
	free(v->endpoints);
	free(v->peers);
	free(v->ports);
	free(v);
}

static void *dup_array(const void *src, size_t n, size_t size, bool *failed)
{
	if (n == 0)
		return NULL;
	void *p = calloc(n, size);
	if (!p)
		*failed = true;
	else
		memcpy(p, src, n * size);
	return p;
}

int ucf_verdicts_set_policy(struct ucf_verdicts *v, const struct ucf_verdict_policy *p)
{
	bool failed = false;
	struct ucf_prefix *e = dup_array(p->endpoints, p->n_endpoints, sizeof(*e), &failed);
	struct ucf_prefix *peers = dup_array(p->peers, p->n_peers, sizeof(*peers), &failed);
	struct ucf_service_port *ports = dup_array(p->ports, p->n_ports, sizeof(*ports), &failed);
	if (failed) {
		free(e), free(peers), free(ports);
		return -ENOMEM;
	}
	free(v->endpoints), free(v->peers), free(v->ports);
	v->endpoints = e, v->n_endpoints = p->n_endpoints;
	v->peers = peers, v->n_peers = p->n_peers;
	v->ports = ports, v->n_ports = p->n_ports;
	return 0;
}

bool ucf_verdicts_on_uc_service(const struct ucf_verdicts *v, const struct ucf_flow_info *fi)
{
	if (fi->l4proto != IPPROTO_TCP && fi->l4proto != IPPROTO_UDP)
		return false;
	bool src_e = ucf_prefixes_contain(v->endpoints, v->n_endpoints, fi->family, fi->src);
	bool dst_e = ucf_prefixes_contain(v->endpoints, v->n_endpoints, fi->family, fi->dst);
	bool pair = (src_e && ucf_prefixes_contain(v->peers, v->n_peers, fi->family, fi->dst)) ||
		    (dst_e && ucf_prefixes_contain(v->peers, v->n_peers, fi->family, fi->src));
	/* the kernel judged the flow's first packet by its destination port */
	return pair && ucf_service_ports_match(v->ports, v->n_ports, fi->l4proto, fi->dport);
}

/* Refills a bucket to now and takes a token: true if there was one. */
static bool take(uint64_t *tokens, uint64_t *at_us, uint64_t now_us, uint64_t per_s,
		 uint64_t burst)
{
	if (*at_us == 0)
		*tokens = burst * 1000;
	else if (now_us > *at_us)
		*tokens += (now_us - *at_us) * per_s / 1000;
	if (*tokens > burst * 1000)
		*tokens = burst * 1000;
	if (now_us > *at_us)
		*at_us = now_us;
	if (*tokens < 1000)
		return false;
	*tokens -= 1000;
	return true;
}

static struct host_bucket *host_of(struct ucf_verdicts *v, uint8_t family, const uint8_t *addr)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	for (int i = 0; i < 16; i++)
		h = (h ^ addr[i]) * 0x100000001b3ULL;
	struct host_bucket *oldest = NULL;
	for (unsigned k = 0; k < HOST_PROBE; k++) {
		struct host_bucket *b = &v->hosts[(h + k) % HOST_SLOTS];
		if (b->family == family && memcmp(b->addr, addr, 16) == 0)
			return b;
		if (!oldest || b->at_us < oldest->at_us)
			oldest = b;
	}
	memset(oldest, 0, sizeof(*oldest));
	oldest->family = family;
	memcpy(oldest->addr, addr, 16);
	return oldest;
}

bool ucf_verdicts_note(struct ucf_verdicts *v, const struct ucf_flow_info *fi, uint64_t now_us)
{
	if (fi->verdict != UCF_NON_TARGET)
		return false;
	v->st.verdicts++;
	/* a forged packet must not get a real flow with its 5-tuple blocked */
	if (fi->forged || !ucf_verdicts_on_uc_service(v, fi))
		return false;
	/* the host charged is the flow's endpoint side */
	const uint8_t *host =
		ucf_prefixes_contain(v->endpoints, v->n_endpoints, fi->family, fi->src) ? fi->src
											 : fi->dst;
	struct host_bucket *hb = host_of(v, fi->family, host);
	if (!take(&hb->tokens, &hb->at_us, now_us, UCF_BLOCKS_PER_HOST_PER_S,
		  UCF_BLOCKS_HOST_BURST) ||
	    !take(&v->tokens, &v->at_us, now_us, UCF_BLOCKS_PER_S, UCF_BLOCKS_BURST)) {
		v->st.rate_limited++;
		return false;
	}
	if (v->count == v->cap) {
		v->head = (v->head + 1) % v->cap;
		v->count--;
		if (v->queued > v->count)
			v->queued = v->count; /* not committed yet: lost here, counted */
		v->st.forgotten++;
	}
	uint32_t i = (v->head + v->count) % v->cap;
	struct ucf_block *b = &v->blocks[i];
	memset(b, 0, sizeof(*b));
	b->family = fi->family;
	b->l4proto = fi->l4proto;
	memcpy(b->src, fi->src, 16);
	memcpy(b->dst, fi->dst, 16);
	b->sport = fi->sport;
	b->dport = fi->dport;
	v->made_us[i] = now_us;
	v->count++;
	v->queued++;
	v->st.blocked++;
	return true;
}

size_t ucf_verdicts_queued(const struct ucf_verdicts *v, const struct ucf_block **run1,
			   size_t *n1, const struct ucf_block **run2, size_t *n2)
{
	uint32_t first = (v->head + v->count - v->queued) % v->cap;
	uint32_t to_end = v->cap - first;
	*run1 = &v->blocks[first];
	*n1 = v->queued < to_end ? v->queued : to_end;
	*run2 = v->blocks;
	*n2 = v->queued - *n1;
	return v->queued;
}

void ucf_verdicts_committed(struct ucf_verdicts *v) { v->queued = 0; }

void ucf_verdicts_expire(struct ucf_verdicts *v, uint64_t now_us)
{
	while (v->count > v->queued && now_us > v->made_us[v->head] + v->timeout_us) {
		v->head = (v->head + 1) % v->cap;
		v->count--;
	}
}

void ucf_verdicts_each(const struct ucf_verdicts *v,
		       void (*fn)(void *arg, const struct ucf_block *b), void *arg)
{
	for (uint32_t k = 0; k < v->count; k++)
		fn(arg, &v->blocks[(v->head + k) % v->cap]);
}

void ucf_verdicts_get_stats(const struct ucf_verdicts *v, struct ucf_verdicts_stats *st)
{
	*st = v->st;
	st->held = v->count;
}
