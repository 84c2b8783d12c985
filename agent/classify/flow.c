/* flow.c — see flow.h. Flows are addressed by 32-bit index (chunk, slot) so
 * links are half the size of pointers; NIL ends every list. */
#include "flow.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>

#define NIL UINT32_MAX
#define CHUNK_SHIFT 12
#define CHUNK (1u << CHUNK_SHIFT)
/* A touched flow moves to its list's tail at most this often: lists stay
 * ordered to within this much, and most packets only store a timestamp. */
#define MOVE_GRANULARITY_US 1000000ull

struct list {
	uint32_t head, tail;
};

struct ucf_flow_table {
	struct ucf_flow_table_opts o;
	ucf_flow_end_fn end;
	void *arg;
	size_t stride;
	uint8_t **chunks;
	uint32_t nchunks, max_chunks;
	uint32_t fresh; /* slots below this index have been handed out once */
	uint32_t *buckets;
	uint32_t mask;
	uint32_t max_buckets; /* the bucket array doubles up to this as flows grow */
	uint32_t free_head;
	uint32_t count;
	uint64_t evictions;
	struct list lists[UCF_TCLASS_MAX];
	uint64_t key[5]; /* hash key, per start: chains an attacker cannot aim at */
};

static inline struct ucf_flow *at(const struct ucf_flow_table *t, uint32_t i)
{
	return (struct ucf_flow *)(t->chunks[i >> CHUNK_SHIFT] +
				   (size_t)(i & (CHUNK - 1)) * t->stride);
}

int ucf_flow_table_new(const struct ucf_flow_table_opts *o, ucf_flow_end_fn end, void *arg,
		       struct ucf_flow_table **out, char *err, size_t errlen)
{
	if (o->max_flows == 0 || o->max_flows >= NIL - CHUNK || o->tclasses == 0 ||
	    o->tclasses > UCF_TCLASS_MAX) {
		snprintf(err, errlen, "flow table: bad options");
		return -EINVAL;
	}
	struct ucf_flow_table *t = calloc(1, sizeof(*t));
	if (!t)
		goto oom;
	t->o = *o;
	t->end = end;
	t->arg = arg;
	t->stride = (sizeof(struct ucf_flow) + o->user_size + 7) & ~(size_t)7;
	t->max_chunks = (o->max_flows + CHUNK - 1) / CHUNK;
	t->chunks = calloc(t->max_chunks, sizeof(*t->chunks));
	/* Buckets start small and double with the flow count: a bucket array
	 * sized for the cap would miss the cache on every lookup. */
	uint32_t nb = 1024;
	t->max_buckets = 1024;
	while (t->max_buckets < o->max_flows && t->max_buckets < (1u << 30))
		t->max_buckets <<= 1;
	t->buckets = malloc((size_t)nb * sizeof(*t->buckets));
	if (!t->chunks || !t->buckets)
		goto oom;
	memset(t->buckets, 0xff, (size_t)nb * sizeof(*t->buckets));
	/* The first chunk is touched now, not by the first call: a first touch
	 * of a page can cost ~15 µs (more on a VM), and the first packets of
	 * the first call must not wait ~150 of them for their pinhole. */
	t->chunks[0] = malloc(CHUNK * t->stride);
	if (!t->chunks[0])
		goto oom;
	memset(t->chunks[0], 0, CHUNK * t->stride);
	t->nchunks = 1;
	t->mask = nb - 1;
	if (getrandom(t->key, sizeof(t->key), GRND_NONBLOCK) != (ssize_t)sizeof(t->key)) {
		/* early boot without entropy: still a per-start value */
		for (unsigned i = 0; i < 5; i++)
			t->key[i] = ((uint64_t)(uintptr_t)t + i) * 0x9e3779b97f4a7c15ULL;
	}
	t->free_head = NIL;
	for (unsigned c = 0; c < UCF_TCLASS_MAX; c++)
		t->lists[c].head = t->lists[c].tail = NIL;
	*out = t;
	return 0;
oom:
	if (t) {
		if (t->chunks)
			free(t->chunks[0]);
		free(t->chunks);
		free(t->buckets);
		free(t);
	}
	snprintf(err, errlen, "out of memory for the flow table");
	return -ENOMEM;
}

void ucf_flow_table_free(struct ucf_flow_table *t)
{
	if (!t)
		return;
	for (uint32_t c = 0; c < t->nchunks; c++)
		free(t->chunks[c]);
	free(t->chunks);
	free(t->buckets);
	free(t);
}

int ucf_flow_table_set_max(struct ucf_flow_table *t, uint32_t max_flows, char *err,
			   size_t errlen)
{
	if (max_flows == 0 || max_flows >= NIL - CHUNK) {
		snprintf(err, errlen, "flow table: bad capacity %u", max_flows);
		return -EINVAL;
	}
	if (max_flows < t->count) {
		snprintf(err, errlen, "%u is below the %u flows now tracked", max_flows, t->count);
		return -EBUSY;
	}
	/* chunks already handed out stay: their slots return through the free
	 * list, and the count bounds them */
	uint32_t chunks = (max_flows + CHUNK - 1) / CHUNK;
	if (chunks < t->nchunks)
		chunks = t->nchunks;
	if (chunks > t->max_chunks) {
		uint8_t **grown = realloc(t->chunks, chunks * sizeof(*grown));
		if (!grown) {
			snprintf(err, errlen, "out of memory for the flow table");
			return -ENOMEM;
		}
		t->chunks = grown;
	}
	t->max_chunks = chunks > t->max_chunks ? chunks : t->max_chunks;
	while (t->max_buckets < max_flows && t->max_buckets < (1u << 30))
		t->max_buckets <<= 1;
	t->o.max_flows = max_flows;
	return 0;
}

uint32_t ucf_flow_table_max(const struct ucf_flow_table *t)
{
	return t->o.max_flows;
}

void ucf_flow_table_set_timeout(struct ucf_flow_table *t, unsigned tclass, uint32_t timeout_s)
{
	if (tclass < t->o.tclasses)
		t->o.timeout_s[tclass] = timeout_s;
}

void ucf_flow_key_make(struct ucf_flow_key *k, const struct ucf_pkt *pkt, unsigned *side)
{
	int c;
	if (pkt->family == AF_INET) { /* IPv4: one word, no library call */
		uint32_t a = (uint32_t)pkt->src[0] << 24 | (uint32_t)pkt->src[1] << 16 |
			     (uint32_t)pkt->src[2] << 8 | pkt->src[3];
		uint32_t b = (uint32_t)pkt->dst[0] << 24 | (uint32_t)pkt->dst[1] << 16 |
			     (uint32_t)pkt->dst[2] << 8 | pkt->dst[3];
		c = a < b ? -1 : a > b;
	} else {
		c = memcmp(pkt->src, pkt->dst, 16);
	}
	if (c == 0)
		c = (int)pkt->sport - (int)pkt->dport;
	const uint8_t *a0 = pkt->src, *a1 = pkt->dst;
	uint16_t p0 = pkt->sport, p1 = pkt->dport;
	*side = 0;
	if (c > 0) {
		a0 = pkt->dst, a1 = pkt->src;
		p0 = pkt->dport, p1 = pkt->sport;
		*side = 1;
	}
	memcpy(k->addr[0], a0, 16); /* decode.h: IPv4 addresses are zero-padded */
	memcpy(k->addr[1], a1, 16);
	k->port[0] = p0;
	k->port[1] = p1;
	k->family = pkt->family;
	k->proto = pkt->l4proto;
	k->pad[0] = k->pad[1] = 0;
}

/* 40-byte keys compared as five words: inline, no library call. */
static inline bool key_eq(const struct ucf_flow_key *a, const struct ucf_flow_key *b)
{
	uint64_t x[5], y[5];
	memcpy(x, a, sizeof(x));
	memcpy(y, b, sizeof(y));
	return ((x[0] ^ y[0]) | (x[1] ^ y[1]) | (x[2] ^ y[2]) | (x[3] ^ y[3]) | (x[4] ^ y[4])) == 0;
}

/* Keyed like media.c's hashes: without the key, which flow keys share a
 * bucket cannot be computed, so spoofed flows cannot be aimed at one chain. */
static inline uint32_t key_hash(const struct ucf_flow_table *t, const struct ucf_flow_key *k)
{
	uint64_t w[5];
	memcpy(w, k, sizeof(w));
	uint64_t h = (w[0] ^ t->key[0]) * 0x9e3779b97f4a7c15ULL;
	h ^= (w[1] ^ t->key[1]) * 0xc2b2ae3d27d4eb4fULL;
	h ^= (w[2] ^ t->key[2]) * 0x165667b19e3779f9ULL;
	h ^= (w[3] ^ t->key[3]) * 0xd6e8feb86659fd93ULL;
	h ^= (w[4] ^ t->key[4]) * 0xff51afd7ed558ccdULL;
	h ^= h >> 32;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 29;
	return (uint32_t)h;
}

static void list_unlink(struct ucf_flow_table *t, struct ucf_flow *f)
{
	struct list *l = &t->lists[f->tclass];
	if (f->prev != NIL)
		at(t, f->prev)->next = f->next;
	else
		l->head = f->next;
	if (f->next != NIL)
		at(t, f->next)->prev = f->prev;
	else
		l->tail = f->prev;
}

static void list_append(struct ucf_flow_table *t, struct ucf_flow *f, uint64_t now_us)
{
	struct list *l = &t->lists[f->tclass];
	f->next = NIL;
	f->prev = l->tail;
	if (l->tail != NIL)
		at(t, l->tail)->next = f->self;
	else
		l->head = f->self;
	l->tail = f->self;
	f->moved_us = now_us;
}

struct ucf_flow *ucf_flow_find(const struct ucf_flow_table *t, const struct ucf_flow_key *k)
{
	for (uint32_t i = t->buckets[key_hash(t, k) & t->mask]; i != NIL;) {
		struct ucf_flow *f = at(t, i);
		if (key_eq(&f->key, k))
			return f;
		i = f->hnext;
	}
	return NULL;
}

/* Unhashes, unlinks and frees f after telling the owner. */
static void release(struct ucf_flow_table *t, struct ucf_flow *f, enum ucf_flow_end why)
{
	if (t->end)
		t->end(t->arg, f, why);
	uint32_t *pp = &t->buckets[key_hash(t, &f->key) & t->mask];
	while (*pp != f->self)
		pp = &at(t, *pp)->hnext;
	*pp = f->hnext;
	list_unlink(t, f);
	f->used = 0;
	f->hnext = t->free_head;
	t->free_head = f->self;
	t->count--;
}

static struct ucf_flow *oldest_idle(struct ucf_flow_table *t)
{
	struct ucf_flow *best = NULL;
	for (unsigned c = 0; c < t->o.tclasses; c++) {
		if (t->lists[c].head == NIL)
			continue;
		struct ucf_flow *h = at(t, t->lists[c].head);
		if (!best || h->last_us < best->last_us)
			best = h;
	}
	return best;
}

/* Doubles the bucket array and rehashes (amortised: only while growing). */
static void grow_buckets(struct ucf_flow_table *t)
{
	uint32_t nb = (t->mask + 1) * 2;
	uint32_t *b = malloc((size_t)nb * sizeof(*b));
	if (!b)
		return; /* keep the longer chains */
	memset(b, 0xff, (size_t)nb * sizeof(*b));
	for (uint32_t i = 0; i < t->fresh; i++) {
		struct ucf_flow *f = at(t, i);
		if (!f->used)
			continue;
		uint32_t h = key_hash(t, &f->key) & (nb - 1);
		f->hnext = b[h];
		b[h] = f->self;
	}
	free(t->buckets);
	t->buckets = b;
	t->mask = nb - 1;
}

static struct ucf_flow *alloc_slot(struct ucf_flow_table *t)
{
	if (t->count >= t->o.max_flows) {
		struct ucf_flow *victim = oldest_idle(t);
		if (!victim)
			return NULL;
		t->evictions++;
		release(t, victim, UCF_FLOW_EVICTED);
	}
	if (t->free_head != NIL) {
		struct ucf_flow *f = at(t, t->free_head);
		t->free_head = f->hnext;
		return f;
	}
	/* Never-used slots are handed out in order, so a new chunk's pages are
	 * touched one at a time as flows arrive, not all in one packet's time. */
	if (t->fresh == t->nchunks << CHUNK_SHIFT) {
		if (t->nchunks >= t->max_chunks)
			return NULL;
		uint8_t *c = malloc(CHUNK * t->stride);
		if (!c)
			return NULL;
		t->chunks[t->nchunks++] = c;
	}
	struct ucf_flow *f = at(t, t->fresh);
	f->self = t->fresh++;
	return f;
}

struct ucf_flow *ucf_flow_get(struct ucf_flow_table *t, const struct ucf_flow_key *k,
			      uint64_t now_us, bool *created)
{
	uint32_t b = key_hash(t, k) & t->mask;
	for (uint32_t i = t->buckets[b]; i != NIL;) {
		struct ucf_flow *f = at(t, i);
		if (key_eq(&f->key, k)) {
			*created = false;
			return f;
		}
		i = f->hnext;
	}
	struct ucf_flow *f = alloc_slot(t);
	if (!f)
		return NULL;
	/* Cleared before any rehash: a new chunk's slot is not zeroed, and a
	 * rehash walking it must see it unused. */
	uint32_t self = f->self;
	memset(f, 0, t->stride);
	f->self = self;
	if (t->count + 1 > t->mask + 1 && t->mask + 1 < t->max_buckets) {
		grow_buckets(t);
		b = key_hash(t, k) & t->mask;
	}
	f->used = 1;
	f->key = *k;
	f->hnext = t->buckets[b];
	t->buckets[b] = self;
	f->tclass = 0;
	f->first_us = f->last_us = now_us;
	list_append(t, f, now_us);
	t->count++;
	*created = true;
	return f;
}

bool ucf_flow_touch(struct ucf_flow_table *t, struct ucf_flow *f, uint64_t now_us)
{
	if (now_us <= f->last_us)
		return false;
	f->last_us = now_us;
	if (now_us - f->moved_us < MOVE_GRANULARITY_US)
		return false;
	list_unlink(t, f);
	list_append(t, f, now_us);
	return true;
}

void ucf_flow_set_tclass(struct ucf_flow_table *t, struct ucf_flow *f, unsigned tclass,
			 uint64_t now_us)
{
	if (tclass >= t->o.tclasses || tclass == f->tclass)
		return;
	list_unlink(t, f);
	f->tclass = (uint8_t)tclass;
	list_append(t, f, now_us > f->last_us ? now_us : f->last_us);
}

void ucf_flow_expire(struct ucf_flow_table *t, uint64_t now_us)
{
	for (unsigned c = 0; c < t->o.tclasses; c++) {
		uint64_t to = (uint64_t)t->o.timeout_s[c] * 1000000ull;
		struct list *l = &t->lists[c];
		while (l->head != NIL) {
			struct ucf_flow *f = at(t, l->head);
			if (now_us <= f->moved_us || now_us - f->moved_us <= to)
				break;
			if (now_us - f->last_us > to) {
				release(t, f, UCF_FLOW_EXPIRED);
			} else {
				list_unlink(t, f);
				list_append(t, f, now_us);
			}
		}
	}
}

void ucf_flow_flush(struct ucf_flow_table *t)
{
	for (unsigned c = 0; c < t->o.tclasses; c++)
		while (t->lists[c].head != NIL)
			release(t, at(t, t->lists[c].head), UCF_FLOW_FLUSHED);
}

uint32_t ucf_flow_count(const struct ucf_flow_table *t) { return t->count; }
uint64_t ucf_flow_evictions(const struct ucf_flow_table *t) { return t->evictions; }
