/* media.c — see media.h. Entries, calls and hosts live in arrays sized by
 * the cap (allocated zeroed, so untouched pages cost nothing). Entries hang
 * off a keyed hash by endpoint, off their call, and off one idle list; calls
 * off a keyed hash by identity; hosts off a keyed hash by address. Nothing
 * on the per-packet or per-event path scans more than one hash chain or one
 * call's entries, and both are bounded by the per-host limits. */
#include "media.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>

#define NIL UINT32_MAX
#define MOVE_GRANULARITY_US 1000000ull
/* An endpoint whose call ended stays known (not refreshed, no pinhole) this
 * long: media in flight after a BYE or a failure is still that call's, not a
 * stranger's traffic. */
#define LINGER_US 10000000ull
/* Distinct media addresses kept per side of a call: the peers of the other
 * side's pinholes (audio, video and an a=rtcp host rarely make more). */
#define MAX_PEERS 4

struct entry {
	struct ucf_media_endpoint ep;
	uint64_t last_us, moved_us, ended_us;
	uint32_t serial;
	uint32_t hnext;        /* endpoint hash chain, or free list */
	uint32_t cprev, cnext; /* the call's entries */
	uint32_t prev, next;   /* idle list (live) or linger list (ended), oldest first */
	uint32_t call_idx;
	uint8_t side;
	bool used, stale, ended;
};

struct peer_set {
	uint8_t n;
	uint8_t family[MAX_PEERS];
	uint8_t addr[MAX_PEERS][16];
};

struct call {
	struct ucf_media_call id;
	uint32_t head, hnext, count, host;
	struct peer_set media[2]; /* what each side announced, as of its last offer */
	bool established;
};

struct host {
	uint8_t family;
	uint8_t addr[16];
	uint32_t hnext;
	uint32_t entries, calls;
	uint32_t prev, next; /* idle hosts (no calls), least recently used first */
	uint64_t tokens_milli, refill_us;
	bool used, idle;
};

struct ucf_media {
	struct ucf_media_opts o;
	uint64_t timeout_us;
	uint64_t key[2]; /* hash key: chains an attacker cannot aim at */
	struct entry *e;
	struct call *c;
	struct host *h;
	uint32_t *eb, *cb, *hb; /* buckets */
	uint32_t mask, hcap, hmask;
	uint32_t alloc; /* entries and calls the arrays hold (>= o.cap) */
	uint32_t efree, cfree, hfree; /* free lists of released slots */
	uint32_t eused, cused, hused; /* slots never used start here: no init pass, no RSS */
	uint32_t head, tail;   /* live entries, least recently active first */
	uint32_t lhead, ltail; /* ended entries lingering, oldest first */
	uint32_t ihead, itail; /* idle hosts */
	uint32_t count, ncalls, gen, serial;
	uint64_t learned_total;
	uint64_t now_us; /* latest time seen by learn/refresh/expire */
};

static uint32_t mix64(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return (uint32_t)h;
}

static uint64_t addr_hash(const struct ucf_media *m, const uint8_t *addr, uint64_t extra)
{
	uint64_t a, b;
	memcpy(&a, addr, 8);
	memcpy(&b, addr + 8, 8);
	return (a ^ m->key[0]) * 0x9e3779b97f4a7c15ULL ^ (b ^ m->key[1]) * 0xc2b2ae3d27d4eb4fULL ^
	       (extra + m->key[0]) * 0x165667b19e3779f9ULL;
}

static uint32_t ep_hash(const struct ucf_media *m, uint8_t family, const uint8_t *addr,
			uint16_t port, uint8_t proto)
{
	return mix64(addr_hash(m, addr, (uint64_t)port << 16 | (uint64_t)family << 8 | proto));
}

static uint32_t call_hash(const struct ucf_media *m, const struct ucf_media_call *id)
{
	uint64_t h = addr_hash(m, id->party[0], id->id ^ id->family);
	return mix64(h ^ addr_hash(m, id->party[1], h));
}

static uint32_t host_hash(const struct ucf_media *m, uint8_t family, const uint8_t *addr)
{
	return mix64(addr_hash(m, addr, family));
}

static bool same_call(const struct ucf_media_call *a, const struct ucf_media_call *b)
{
	return a->id == b->id && a->family == b->family &&
	       memcmp(a->party, b->party, sizeof(a->party)) == 0;
}

int ucf_media_new(const struct ucf_media_opts *o, struct ucf_media **out, char *err,
		  size_t errlen)
{
	if (o->cap == 0 || o->cap >= NIL / 4) {
		snprintf(err, errlen, "media table: bad capacity %u", o->cap);
		return -EINVAL;
	}
	struct ucf_media *m = calloc(1, sizeof(*m));
	if (!m)
		goto oom;
	uint32_t nb = 256;
	while (nb < o->cap)
		nb <<= 1;
	m->o = *o;
	if (m->o.shared_factor == 0)
		m->o.shared_factor = 1;
	m->timeout_us = (uint64_t)o->timeout_s * 1000000ull;
	m->mask = nb - 1;
	m->alloc = o->cap;
	/* every host with a call holds an entry, so hosts never outnumber the
	 * cap; as many again remember rate buckets of hosts without calls */
	m->hcap = 2 * o->cap;
	m->hmask = 2 * nb - 1;
	m->e = calloc(o->cap, sizeof(*m->e));
	m->c = calloc(o->cap, sizeof(*m->c));
	m->h = calloc(m->hcap, sizeof(*m->h));
	m->eb = malloc(nb * sizeof(uint32_t));
	m->cb = malloc(nb * sizeof(uint32_t));
	m->hb = malloc(2 * nb * sizeof(uint32_t));
	if (!m->e || !m->c || !m->h || !m->eb || !m->cb || !m->hb)
		goto oom;
	memset(m->eb, 0xff, nb * sizeof(uint32_t));
	memset(m->cb, 0xff, nb * sizeof(uint32_t));
	memset(m->hb, 0xff, 2 * nb * sizeof(uint32_t));
	if (getrandom(m->key, sizeof(m->key), GRND_NONBLOCK) != (ssize_t)sizeof(m->key)) {
		/* early boot without entropy: still a per-start value */
		m->key[0] = (uint64_t)(uintptr_t)m * 0x9e3779b97f4a7c15ULL;
		m->key[1] = (uint64_t)(uintptr_t)&m * 0xc2b2ae3d27d4eb4fULL;
	}
	m->efree = m->cfree = m->hfree = NIL;
	m->head = m->tail = m->lhead = m->ltail = m->ihead = m->itail = NIL;
	*out = m;
	return 0;
oom:
	ucf_media_free(m);
	snprintf(err, errlen, "out of memory for the media table");
	return -ENOMEM;
}

void ucf_media_free(struct ucf_media *m)
{
	if (!m)
		return;
	free(m->e);
	free(m->c);
	free(m->h);
	free(m->eb);
	free(m->cb);
	free(m->hb);
	free(m);
}

void ucf_media_set_limits(struct ucf_media *m, const struct ucf_media_opts *o)
{
	m->o.host_media = o->host_media;
	m->o.host_calls = o->host_calls;
	m->o.host_rate_milli = o->host_rate_milli;
	m->o.host_burst = o->host_burst;
	m->o.shared_family = o->shared_family;
	memcpy(m->o.shared, o->shared, 16);
	m->o.shared_factor = o->shared_factor ? o->shared_factor : 1;
	if (o->timeout_s)
		m->timeout_us = (uint64_t)o->timeout_s * 1000000ull;
}

static void entry_remove(struct ucf_media *m, uint32_t i);

static void *grow_zeroed(void *p, size_t had, size_t want, size_t size)
{
	uint8_t *q = realloc(p, want * size);
	if (q)
		memset(q + had * size, 0, (want - had) * size);
	return q;
}

/* Rehashes every chain into nb buckets (2·nb for hosts). */
static int rehash(struct ucf_media *m, uint32_t nb)
{
	uint32_t *eb = malloc(nb * sizeof(uint32_t)), *cb = malloc(nb * sizeof(uint32_t)),
		 *hb = malloc(2 * (size_t)nb * sizeof(uint32_t));
	if (!eb || !cb || !hb) {
		free(eb), free(cb), free(hb);
		return -ENOMEM;
	}
	memset(eb, 0xff, nb * sizeof(uint32_t));
	memset(cb, 0xff, nb * sizeof(uint32_t));
	memset(hb, 0xff, 2 * (size_t)nb * sizeof(uint32_t));
	for (uint32_t b = 0; b <= m->mask; b++) {
		for (uint32_t i = m->eb[b], next; i != NIL; i = next) {
			struct entry *e = &m->e[i];
			uint32_t k = ep_hash(m, e->ep.family, e->ep.addr, e->ep.port, e->ep.l4proto) &
				     (nb - 1);
			next = e->hnext;
			e->hnext = eb[k];
			eb[k] = i;
		}
		for (uint32_t i = m->cb[b], next; i != NIL; i = next) {
			uint32_t k = call_hash(m, &m->c[i].id) & (nb - 1);
			next = m->c[i].hnext;
			m->c[i].hnext = cb[k];
			cb[k] = i;
		}
	}
	for (uint32_t b = 0; b <= m->hmask; b++) {
		for (uint32_t i = m->hb[b], next; i != NIL; i = next) {
			uint32_t k = host_hash(m, m->h[i].family, m->h[i].addr) & (2 * nb - 1);
			next = m->h[i].hnext;
			m->h[i].hnext = hb[k];
			hb[k] = i;
		}
	}
	free(m->eb), free(m->cb), free(m->hb);
	m->eb = eb, m->cb = cb, m->hb = hb;
	m->mask = nb - 1;
	m->hmask = 2 * nb - 1;
	return 0;
}

int ucf_media_set_cap(struct ucf_media *m, uint32_t cap, char *err, size_t errlen)
{
	if (cap == 0 || cap >= NIL / 4) {
		snprintf(err, errlen, "media table: bad capacity %u", cap);
		return -EINVAL;
	}
	/* ended entries only linger (no pinhole): they make room, live ones never */
	uint32_t lingering = 0;
	for (uint32_t i = m->lhead; i != NIL; i = m->e[i].next)
		lingering++;
	if (cap < m->count - lingering) {
		snprintf(err, errlen, "%u is below the %u media endpoints now held", cap,
			 m->count - lingering);
		return -EBUSY;
	}
	/* slots already handed out stay (the count bounds them): only growth
	 * reallocates */
	if (cap > m->alloc) {
		struct entry *e = grow_zeroed(m->e, m->alloc, cap, sizeof(*e));
		if (e)
			m->e = e;
		struct call *c = e ? grow_zeroed(m->c, m->alloc, cap, sizeof(*c)) : NULL;
		if (c)
			m->c = c;
		struct host *h = c ? grow_zeroed(m->h, m->hcap, 2 * (size_t)cap, sizeof(*h)) : NULL;
		if (!h) {
			snprintf(err, errlen, "out of memory for the media table");
			return -ENOMEM;
		}
		m->h = h;
		m->alloc = cap;
		m->hcap = 2 * cap;
	}
	uint32_t nb = m->mask + 1;
	while (nb < cap)
		nb <<= 1;
	if (nb != m->mask + 1 && rehash(m, nb) < 0) {
		snprintf(err, errlen, "out of memory for the media table");
		return -ENOMEM;
	}
	while (m->count > cap && m->lhead != NIL)
		entry_remove(m, m->lhead);
	m->o.cap = cap;
	return 0;
}

uint32_t ucf_media_cap(const struct ucf_media *m)
{
	return m->o.cap;
}

/* ---- hosts ---------------------------------------------------------------- */

static uint32_t limit(const struct ucf_media *m, const struct host *h, uint32_t base)
{
	if (base == 0)
		return UINT32_MAX;
	bool shared = m->o.shared_family && h->family == m->o.shared_family &&
		      memcmp(h->addr, m->o.shared, 16) == 0;
	uint64_t l = shared ? (uint64_t)base * m->o.shared_factor : base;
	return l > UINT32_MAX ? UINT32_MAX : (uint32_t)l;
}

static void idle_unlink(struct ucf_media *m, uint32_t i)
{
	struct host *h = &m->h[i];
	if (!h->idle)
		return;
	if (h->prev != NIL)
		m->h[h->prev].next = h->next;
	else
		m->ihead = h->next;
	if (h->next != NIL)
		m->h[h->next].prev = h->prev;
	else
		m->itail = h->prev;
	h->idle = false;
}

static void idle_append(struct ucf_media *m, uint32_t i)
{
	struct host *h = &m->h[i];
	idle_unlink(m, i);
	h->idle = true;
	h->next = NIL;
	h->prev = m->itail;
	if (m->itail != NIL)
		m->h[m->itail].next = i;
	else
		m->ihead = i;
	m->itail = i;
}

static void host_drop(struct ucf_media *m, uint32_t i)
{
	struct host *h = &m->h[i];
	uint32_t *pp = &m->hb[host_hash(m, h->family, h->addr) & m->hmask];
	while (*pp != i)
		pp = &m->h[*pp].hnext;
	*pp = h->hnext;
	idle_unlink(m, i);
	h->used = false;
	h->hnext = m->hfree;
	m->hfree = i;
}

static uint32_t host_get(struct ucf_media *m, uint8_t family, const uint8_t *addr)
{
	uint32_t b = host_hash(m, family, addr) & m->hmask;
	for (uint32_t i = m->hb[b]; i != NIL; i = m->h[i].hnext)
		if (m->h[i].family == family && memcmp(m->h[i].addr, addr, 16) == 0)
			return i;
	uint32_t i;
	if (m->hfree != NIL) {
		i = m->hfree;
		m->hfree = m->h[i].hnext;
	} else if (m->hused < m->hcap) {
		i = m->hused++;
	} else if (m->ihead != NIL) {
		/* forget the longest idle host: only its rate bucket is lost */
		i = m->ihead;
		host_drop(m, i);
		m->hfree = m->h[i].hnext;
	} else {
		return NIL;
	}
	struct host *h = &m->h[i];
	memset(h, 0, sizeof(*h));
	h->family = family;
	memcpy(h->addr, addr, 16);
	h->used = true;
	h->tokens_milli = (uint64_t)limit(m, h, m->o.host_burst ? m->o.host_burst : 1) * 1000u;
	h->refill_us = m->now_us;
	h->prev = h->next = NIL;
	h->hnext = m->hb[b];
	m->hb[b] = i;
	idle_append(m, i);
	return i;
}

/* A host without calls or entries is idle: reclaimable. */
static void host_settle(struct ucf_media *m, uint32_t i)
{
	struct host *h = &m->h[i];
	if (h->calls == 0 && h->entries == 0)
		idle_append(m, i);
	else
		idle_unlink(m, i);
}

int ucf_media_admit(struct ucf_media *m, const struct ucf_media_call *call, uint64_t now_us)
{
	if (now_us > m->now_us)
		m->now_us = now_us;
	if (m->o.host_rate_milli == 0)
		return 0;
	uint32_t i = host_get(m, call->family, call->party[UCF_MEDIA_SIDE_ENDPOINT]);
	if (i == NIL)
		return -EBUSY;
	struct host *h = &m->h[i];
	uint64_t rate = (uint64_t)limit(m, h, m->o.host_rate_milli);
	uint64_t burst = (uint64_t)limit(m, h, m->o.host_burst ? m->o.host_burst : 1) * 1000u;
	if (now_us > h->refill_us) {
		uint64_t add = (now_us - h->refill_us) * rate / 1000000u;
		h->tokens_milli = h->tokens_milli + add > burst ? burst : h->tokens_milli + add;
		h->refill_us = now_us;
	}
	if (h->calls == 0 && h->entries == 0)
		idle_append(m, i); /* most recently used */
	if (h->tokens_milli < 1000)
		return -EBUSY;
	h->tokens_milli -= 1000;
	return 0;
}

/* ---- calls ---------------------------------------------------------------- */

static uint32_t call_find(const struct ucf_media *m, const struct ucf_media_call *id)
{
	for (uint32_t i = m->cb[call_hash(m, id) & m->mask]; i != NIL; i = m->c[i].hnext)
		if (same_call(&m->c[i].id, id))
			return i;
	return NIL;
}

/* The call's slot, made if needed; NIL with *why set when it may not be. */
static uint32_t call_get(struct ucf_media *m, const struct ucf_media_call *id, int *why)
{
	uint32_t i = call_find(m, id);
	if (i != NIL)
		return i;
	uint32_t hi = host_get(m, id->family, id->party[UCF_MEDIA_SIDE_ENDPOINT]);
	if (hi == NIL) {
		*why = -ENOSPC;
		return NIL;
	}
	if (m->h[hi].calls >= limit(m, &m->h[hi], m->o.host_calls)) {
		*why = -EUSERS;
		return NIL;
	}
	if (m->cfree != NIL) {
		i = m->cfree;
		m->cfree = m->c[i].hnext;
	} else if (m->cused < m->o.cap) {
		i = m->cused++;
	} else {
		*why = -ENOSPC;
		return NIL;
	}
	struct call *c = &m->c[i];
	uint32_t b = call_hash(m, id) & m->mask;
	memset(c, 0, sizeof(*c));
	c->id = *id;
	c->head = NIL;
	c->host = hi;
	c->hnext = m->cb[b];
	m->cb[b] = i;
	m->h[hi].calls++;
	host_settle(m, hi);
	m->ncalls++;
	return i;
}

static void call_put(struct ucf_media *m, uint32_t i)
{
	uint32_t *pp = &m->cb[call_hash(m, &m->c[i].id) & m->mask];
	while (*pp != i)
		pp = &m->c[*pp].hnext;
	*pp = m->c[i].hnext;
	uint32_t hi = m->c[i].host;
	m->h[hi].calls--;
	host_settle(m, hi);
	m->c[i].hnext = m->cfree;
	m->cfree = i;
	m->ncalls--;
}

static void call_link(struct ucf_media *m, uint32_t ci, uint32_t ei)
{
	struct entry *e = &m->e[ei];
	struct call *c = &m->c[ci];
	e->call_idx = ci;
	e->cprev = NIL;
	e->cnext = c->head;
	if (c->head != NIL)
		m->e[c->head].cprev = ei;
	c->head = ei;
	c->count++;
	m->h[c->host].entries++;
}

static void call_unlink(struct ucf_media *m, uint32_t ei)
{
	struct entry *e = &m->e[ei];
	struct call *c = &m->c[e->call_idx];
	if (e->cprev != NIL)
		m->e[e->cprev].cnext = e->cnext;
	else
		c->head = e->cnext;
	if (e->cnext != NIL)
		m->e[e->cnext].cprev = e->cprev;
	m->h[c->host].entries--;
	host_settle(m, c->host);
	if (--c->count == 0)
		call_put(m, e->call_idx);
}

/* ---- entries -------------------------------------------------------------- */

static void lru_unlink(struct ucf_media *m, uint32_t i)
{
	struct entry *e = &m->e[i];
	uint32_t *head = e->ended ? &m->lhead : &m->head, *tail = e->ended ? &m->ltail : &m->tail;
	if (e->prev != NIL)
		m->e[e->prev].next = e->next;
	else
		*head = e->next;
	if (e->next != NIL)
		m->e[e->next].prev = e->prev;
	else
		*tail = e->prev;
}

static void lru_append(struct ucf_media *m, uint32_t i, uint64_t now_us)
{
	struct entry *e = &m->e[i];
	uint32_t *head = e->ended ? &m->lhead : &m->head, *tail = e->ended ? &m->ltail : &m->tail;
	e->next = NIL;
	e->prev = *tail;
	if (*tail != NIL)
		m->e[*tail].next = i;
	else
		*head = i;
	*tail = i;
	e->moved_us = now_us;
}

/* The addresses entry e may receive from: what the other side announced,
 * else the other side's signalling address. */
static void peers_of(const struct call *c, unsigned side, struct peer_set *out)
{
	const struct peer_set *ps = &c->media[side ^ 1];
	if (ps->n) {
		*out = *ps;
		return;
	}
	out->n = 1;
	out->family[0] = c->id.family;
	memcpy(out->addr[0], c->id.party[side ^ 1], 16);
}

static void emit_peers(struct ucf_media *m, uint32_t ei, const struct peer_set *ps,
		       enum ucf_media_event_type t, enum ucf_media_end_reason r)
{
	if (!m->o.fn)
		return;
	const struct entry *e = &m->e[ei];
	struct ucf_media_event ev = {.type = t, .reason = r, .ep = e->ep,
				     .timeout_s = (uint32_t)(m->timeout_us / 1000000ull)};
	for (unsigned k = 0; k < ps->n; k++) {
		if (ps->family[k] != e->ep.family)
			continue; /* a pinhole names one family */
		memcpy(ev.peer, ps->addr[k], 16);
		m->o.fn(m->o.arg, &ev);
	}
}

static void emit_entry(struct ucf_media *m, uint32_t ei, enum ucf_media_event_type t,
		       enum ucf_media_end_reason r)
{
	struct peer_set ps;
	peers_of(&m->c[m->e[ei].call_idx], m->e[ei].side, &ps);
	emit_peers(m, ei, &ps, t, r);
}

/* Forgets an entry: an ended one lingering, or a live one already
 * unlinked from its call. */
static void entry_remove(struct ucf_media *m, uint32_t i)
{
	struct entry *e = &m->e[i];
	uint32_t *pp = &m->eb[ep_hash(m, e->ep.family, e->ep.addr, e->ep.port, e->ep.l4proto) & m->mask];
	while (*pp != i)
		pp = &m->e[*pp].hnext;
	*pp = e->hnext;
	lru_unlink(m, i);
	e->used = false;
	m->count--;
	e->hnext = m->efree;
	m->efree = i;
}

/* Closes a live entry's pinholes. An entry whose call ended lingers, known
 * but without pinholes; an idle or flushed one is forgotten. */
static void entry_end(struct ucf_media *m, uint32_t i, enum ucf_media_end_reason why)
{
	struct entry *e = &m->e[i];
	emit_entry(m, i, UCF_MEDIA_CLOSE, why);
	call_unlink(m, i);
	if (why != UCF_END_CALL && why != UCF_END_REPLACED) {
		entry_remove(m, i);
		return;
	}
	lru_unlink(m, i);
	e->ended = true;
	e->ended_us = m->now_us;
	lru_append(m, i, m->now_us);
}

static bool same_endpoint(const struct entry *e, uint8_t family, const uint8_t *addr,
			  uint16_t port, uint8_t proto)
{
	return e->ep.port == port && e->ep.family == family && e->ep.l4proto == proto &&
	       memcmp(e->ep.addr, addr, 16) == 0;
}

static uint32_t entry_find(const struct ucf_media *m, uint8_t family, const uint8_t *addr,
			   uint16_t port, uint8_t proto, uint32_t call_idx, unsigned side)
{
	for (uint32_t i = m->eb[ep_hash(m, family, addr, port, proto) & m->mask]; i != NIL;
	     i = m->e[i].hnext) {
		const struct entry *e = &m->e[i];
		if (!same_endpoint(e, family, addr, port, proto))
			continue;
		if (call_idx == NIL || (!e->ended && e->call_idx == call_idx && e->side == side))
			return i;
	}
	return NIL;
}

void ucf_media_offer_begin(struct ucf_media *m, const struct ucf_media_call *call, unsigned side)
{
	uint32_t ci = call_find(m, call);
	if (ci == NIL)
		return;
	for (uint32_t i = m->c[ci].head; i != NIL; i = m->e[i].cnext)
		if (m->e[i].side == side)
			m->e[i].stale = true;
}

static bool peers_equal(const struct peer_set *a, const struct peer_set *b)
{
	return a->n == b->n && memcmp(a->family, b->family, a->n) == 0 &&
	       memcmp(a->addr, b->addr, (size_t)a->n * 16) == 0;
}

/* The addresses side announced, from its live entries. */
static void side_addresses(const struct ucf_media *m, const struct call *c, unsigned side,
			   struct peer_set *out)
{
	out->n = 0;
	for (uint32_t i = c->head; i != NIL; i = m->e[i].cnext) {
		const struct entry *e = &m->e[i];
		if (e->side != side || e->ep.kind == UCF_MEDIA_TFTP)
			continue;
		unsigned k = 0;
		while (k < out->n && !(out->family[k] == e->ep.family &&
				       memcmp(out->addr[k], e->ep.addr, 16) == 0))
			k++;
		if (k == out->n && out->n < MAX_PEERS) {
			out->family[k] = e->ep.family;
			memcpy(out->addr[k], e->ep.addr, 16);
			out->n++;
		}
	}
}

void ucf_media_end_side(struct ucf_media *m, const struct ucf_media_call *call, unsigned side,
			enum ucf_media_end_reason why)
{
	uint32_t ci = call_find(m, call);
	if (ci == NIL)
		return;
	/* the other side's pinholes follow what this side announces now */
	struct call *c = &m->c[ci];
	struct peer_set before, after;
	peers_of(c, side ^ 1, &before);
	/* entry_end frees the call with its last entry, and then n is NIL */
	for (uint32_t i = c->head, n; i != NIL; i = n) {
		n = m->e[i].cnext;
		if (m->e[i].side == side && (why != UCF_END_REPLACED || m->e[i].stale))
			entry_end(m, i, why);
	}
	if (call_find(m, call) != ci)
		return;
	side_addresses(m, c, side, &c->media[side]);
	peers_of(c, side ^ 1, &after);
	if (peers_equal(&before, &after))
		return;
	for (uint32_t i = c->head; i != NIL; i = m->e[i].cnext) {
		if (m->e[i].side != (side ^ 1))
			continue;
		emit_peers(m, i, &after, UCF_MEDIA_OPEN, UCF_END_NONE);
		emit_peers(m, i, &before, UCF_MEDIA_CLOSE, UCF_END_REPLACED);
	}
}

void ucf_media_offer_end(struct ucf_media *m, const struct ucf_media_call *call, unsigned side)
{
	ucf_media_end_side(m, call, side, UCF_END_REPLACED);
}

void ucf_media_end_call(struct ucf_media *m, const struct ucf_media_call *call,
			enum ucf_media_end_reason why)
{
	uint32_t ci = call_find(m, call);
	if (ci == NIL)
		return;
	for (uint32_t i = m->c[ci].head, n; i != NIL; i = n) {
		n = m->e[i].cnext;
		entry_end(m, i, why);
	}
}

int ucf_media_learn(struct ucf_media *m, const struct ucf_media_call *call, unsigned side,
		    const struct ucf_media_endpoint *ep, uint64_t now_us)
{
	if (now_us > m->now_us)
		m->now_us = now_us;
	int why = 0;
	uint32_t ci = call_get(m, call, &why);
	if (ci == NIL)
		return why;
	uint32_t i = entry_find(m, ep->family, ep->addr, ep->port, ep->l4proto, ci, side & 1);
	if (i != NIL) {
		struct entry *e = &m->e[i];
		e->stale = false;
		e->ep.kind = ep->kind;
		e->ep.origin = ep->origin;
		e->ep.srtp = ep->srtp;
		ucf_media_refresh(m, (struct ucf_media_ref){i, e->serial}, now_us);
		return 0;
	}
	struct call *c = &m->c[ci];
	int rc = 0;
	if (m->h[c->host].entries >= limit(m, &m->h[c->host], m->o.host_media))
		rc = -EDQUOT;
	else if (m->count >= m->o.cap && m->lhead != NIL)
		entry_remove(m, m->lhead); /* the oldest ended one, never a live call's */
	else if (m->count >= m->o.cap)
		rc = -ENOSPC;
	if (rc == 0 && m->efree != NIL) {
		i = m->efree;
		m->efree = m->e[i].hnext;
	} else if (rc == 0 && m->eused < m->o.cap) {
		i = m->eused++;
	} else if (rc == 0) {
		rc = -ENOSPC;
	}
	if (rc < 0) {
		if (c->count == 0)
			call_put(m, ci); /* made for this endpoint alone */
		return rc;
	}
	struct entry *e = &m->e[i];
	memset(e, 0, sizeof(*e));
	e->ep = *ep;
	e->side = (uint8_t)(side & 1);
	e->serial = ++m->serial;
	e->last_us = now_us;
	e->used = true;
	uint32_t b = ep_hash(m, ep->family, ep->addr, ep->port, ep->l4proto) & m->mask;
	e->hnext = m->eb[b];
	m->eb[b] = i;
	call_link(m, ci, i);
	host_settle(m, c->host);
	lru_append(m, i, now_us);
	m->count++;
	m->gen++;
	m->learned_total++;
	emit_entry(m, i, UCF_MEDIA_OPEN, UCF_END_NONE);
	return 0;
}

void ucf_media_set_established(struct ucf_media *m, const struct ucf_media_call *call)
{
	uint32_t ci = call_find(m, call);
	if (ci != NIL)
		m->c[ci].established = true;
}

bool ucf_media_established(const struct ucf_media *m, const struct ucf_media_call *call)
{
	uint32_t ci = call_find(m, call);
	return ci != NIL && m->c[ci].established;
}

bool ucf_media_lookup(struct ucf_media *m, uint8_t family, const uint8_t *addr, uint16_t port,
		      uint8_t l4proto, struct ucf_media_endpoint *ep, struct ucf_media_ref *ref)
{
	if (m->count == 0)
		return false;
	uint32_t i = entry_find(m, family, addr, port, l4proto, NIL, 0);
	if (i == NIL)
		return false;
	*ep = m->e[i].ep;
	ref->index = i;
	ref->serial = m->e[i].serial;
	return true;
}

static void refresh_entry(struct ucf_media *m, uint32_t i, uint64_t now_us)
{
	struct entry *e = &m->e[i];
	if (e->ended || now_us <= e->last_us)
		return;
	e->last_us = now_us;
	if (now_us - e->moved_us >= MOVE_GRANULARITY_US) {
		lru_unlink(m, i);
		lru_append(m, i, now_us);
	}
}

void ucf_media_refresh(struct ucf_media *m, struct ucf_media_ref ref, uint64_t now_us)
{
	if (ref.index >= m->alloc)
		return;
	if (now_us > m->now_us)
		m->now_us = now_us;
	const struct entry *e = &m->e[ref.index];
	if (!e->used || e->serial != ref.serial)
		return;
	/* every call that announced this endpoint sees its media flowing */
	struct ucf_media_endpoint key = e->ep;
	for (uint32_t i = m->eb[ep_hash(m, key.family, key.addr, key.port, key.l4proto) & m->mask];
	     i != NIL; i = m->e[i].hnext)
		if (same_endpoint(&m->e[i], key.family, key.addr, key.port, key.l4proto))
			refresh_entry(m, i, now_us);
}

void ucf_media_expire(struct ucf_media *m, uint64_t now_us)
{
	if (now_us > m->now_us)
		m->now_us = now_us;
	while (m->lhead != NIL && now_us > m->e[m->lhead].ended_us + LINGER_US)
		entry_remove(m, m->lhead);
	while (m->head != NIL) {
		struct entry *e = &m->e[m->head];
		if (now_us <= e->moved_us || now_us - e->moved_us <= m->timeout_us)
			break;
		if (now_us - e->last_us > m->timeout_us) {
			entry_end(m, m->head, UCF_END_IDLE);
		} else {
			uint32_t i = m->head;
			lru_unlink(m, i);
			lru_append(m, i, now_us);
		}
	}
}

void ucf_media_flush(struct ucf_media *m)
{
	while (m->head != NIL)
		entry_end(m, m->head, UCF_END_FLUSH);
	while (m->lhead != NIL)
		entry_remove(m, m->lhead);
}

uint32_t ucf_media_generation(const struct ucf_media *m) { return m->gen; }
uint32_t ucf_media_count(const struct ucf_media *m) { return m->count; }
uint32_t ucf_media_calls(const struct ucf_media *m) { return m->ncalls; }
uint64_t ucf_media_learned_total(const struct ucf_media *m) { return m->learned_total; }
