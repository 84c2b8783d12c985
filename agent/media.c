/* media.c — see media.h. Entries and calls live in arrays sized by the cap
 * (allocated zeroed, so untouched pages cost nothing); entries hang off a
 * hash by endpoint, off their call, and off one idle list. */
#include "media.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NIL UINT32_MAX
#define MOVE_GRANULARITY_US 1000000ull
/* An endpoint whose call ended stays known (not refreshed, no pinhole) this
 * long: media in flight after a BYE or a failure is still that call's, not a
 * stranger's traffic. */
#define LINGER_US 10000000ull

struct entry {
	struct ucf_media_endpoint ep;
	uint64_t call;
	uint64_t last_us, moved_us;
	uint32_t side, serial;
	uint32_t hnext;        /* endpoint hash chain, or free list */
	uint32_t cprev, cnext; /* the call's entries */
	uint32_t prev, next;   /* idle list, oldest first */
	uint32_t call_idx;
	uint64_t ended_us;
	bool used, stale, ended;
};

struct call {
	uint64_t id;
	uint32_t head, hnext, count;
	bool established;
};

struct ucf_media {
	uint32_t cap;
	uint64_t timeout_us;
	ucf_media_event_fn fn;
	void *arg;
	struct entry *e;
	struct call *c;
	uint32_t *eb, *cb; /* buckets */
	uint32_t mask;
	uint32_t efree, cfree; /* free lists of released slots */
	uint32_t eused, cused; /* slots never used start here: no init pass, no RSS */
	uint32_t head, tail;         /* live entries, least recently active first */
	uint32_t lhead, ltail;       /* ended entries lingering, oldest first */
	uint32_t count, gen, serial;
	uint64_t learned_total;
	uint64_t now_us; /* latest time seen by learn/refresh/expire */
};

static uint32_t mix64(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return (uint32_t)h;
}

static uint32_t ep_hash(uint8_t family, const uint8_t *addr, uint16_t port, uint8_t proto)
{
	uint64_t a, b;
	memcpy(&a, addr, 8);
	memcpy(&b, addr + 8, 8);
	return mix64(a * 0x9e3779b97f4a7c15ULL ^ b * 0xc2b2ae3d27d4eb4fULL ^
		     ((uint64_t)port << 16 | (uint64_t)family << 8 | proto));
}

int ucf_media_new(uint32_t cap, uint32_t timeout_s, ucf_media_event_fn fn, void *arg,
		  struct ucf_media **out, char *err, size_t errlen)
{
	if (cap == 0 || cap >= NIL / 2) {
		snprintf(err, errlen, "media table: bad capacity %u", cap);
		return -EINVAL;
	}
	struct ucf_media *m = calloc(1, sizeof(*m));
	if (!m)
		goto oom;
	uint32_t nb = 256;
	while (nb < cap)
		nb <<= 1;
	m->cap = cap;
	m->timeout_us = (uint64_t)timeout_s * 1000000ull;
	m->fn = fn;
	m->arg = arg;
	m->mask = nb - 1;
	m->e = calloc(cap, sizeof(*m->e));
	m->c = calloc(cap, sizeof(*m->c));
	m->eb = malloc(nb * sizeof(uint32_t));
	m->cb = malloc(nb * sizeof(uint32_t));
	if (!m->e || !m->c || !m->eb || !m->cb)
		goto oom;
	memset(m->eb, 0xff, nb * sizeof(uint32_t));
	memset(m->cb, 0xff, nb * sizeof(uint32_t));
	m->efree = m->cfree = NIL;
	m->head = m->tail = NIL;
	m->lhead = m->ltail = NIL;
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
	free(m->eb);
	free(m->cb);
	free(m);
}

static uint32_t call_find(const struct ucf_media *m, uint64_t id)
{
	for (uint32_t i = m->cb[mix64(id) & m->mask]; i != NIL; i = m->c[i].hnext)
		if (m->c[i].id == id)
			return i;
	return NIL;
}

static uint32_t call_get(struct ucf_media *m, uint64_t id)
{
	uint32_t i = call_find(m, id);
	if (i != NIL)
		return i;
	if (m->cfree != NIL) {
		i = m->cfree;
		m->cfree = m->c[i].hnext;
	} else if (m->cused < m->cap) {
		i = m->cused++;
	} else {
		return NIL;
	}
	struct call *c = &m->c[i];
	uint32_t b = mix64(id) & m->mask;
	c->id = id;
	c->head = NIL;
	c->count = 0;
	c->established = false;
	c->hnext = m->cb[b];
	m->cb[b] = i;
	return i;
}

static void call_put(struct ucf_media *m, uint32_t i)
{
	uint32_t *pp = &m->cb[mix64(m->c[i].id) & m->mask];
	while (*pp != i)
		pp = &m->c[*pp].hnext;
	*pp = m->c[i].hnext;
	m->c[i].hnext = m->cfree;
	m->cfree = i;
}

static void call_link(struct ucf_media *m, uint32_t ci, uint32_t ei)
{
	struct entry *e = &m->e[ei];
	struct call *c = &m->c[ci];
	e->call_idx = ci;
	e->call = c->id;
	e->cprev = NIL;
	e->cnext = c->head;
	if (c->head != NIL)
		m->e[c->head].cprev = ei;
	c->head = ei;
	c->count++;
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
	if (--c->count == 0)
		call_put(m, e->call_idx);
}

/* Live entries are on head/tail, ended ones on lhead/ltail. */
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

static void emit(struct ucf_media *m, enum ucf_media_event_type t, enum ucf_media_end_reason r,
		 const struct ucf_media_endpoint *ep)
{
	if (!m->fn)
		return;
	struct ucf_media_event ev = {.type = t, .reason = r, .ep = *ep,
				     .timeout_s = (uint32_t)(m->timeout_us / 1000000ull)};
	m->fn(m->arg, &ev);
}

/* Forgets an entry without an event. */
static void entry_remove(struct ucf_media *m, uint32_t i)
{
	struct entry *e = &m->e[i];
	uint32_t *pp = &m->eb[ep_hash(e->ep.family, e->ep.addr, e->ep.port, e->ep.l4proto) & m->mask];
	while (*pp != i)
		pp = &m->e[*pp].hnext;
	*pp = e->hnext;
	if (!e->ended)
		call_unlink(m, i);
	lru_unlink(m, i);
	e->used = false;
	m->count--;
	e->hnext = m->efree;
	m->efree = i;
}

/* Reports the end; a call that ended leaves the entry lingering. */
static void entry_end(struct ucf_media *m, uint32_t i, enum ucf_media_end_reason why)
{
	struct entry *e = &m->e[i];
	struct ucf_media_endpoint ep = e->ep;
	if (why == UCF_END_CALL || why == UCF_END_REPLACED) {
		call_unlink(m, i);
		lru_unlink(m, i);
		e->ended = true;
		e->ended_us = m->now_us;
		lru_append(m, i, m->now_us);
	} else {
		entry_remove(m, i);
	}
	emit(m, UCF_MEDIA_ENDED, why, &ep);
}

static uint32_t entry_find(const struct ucf_media *m, uint8_t family, const uint8_t *addr,
			   uint16_t port, uint8_t proto)
{
	for (uint32_t i = m->eb[ep_hash(family, addr, port, proto) & m->mask]; i != NIL;
	     i = m->e[i].hnext) {
		const struct entry *e = &m->e[i];
		if (e->ep.port == port && e->ep.family == family && e->ep.l4proto == proto &&
		    memcmp(e->ep.addr, addr, 16) == 0)
			return i;
	}
	return NIL;
}

void ucf_media_offer_begin(struct ucf_media *m, uint64_t call, uint32_t side)
{
	uint32_t ci = call_find(m, call);
	if (ci == NIL)
		return;
	for (uint32_t i = m->c[ci].head; i != NIL; i = m->e[i].cnext)
		if (m->e[i].side == side)
			m->e[i].stale = true;
}

void ucf_media_end_side(struct ucf_media *m, uint64_t call, uint32_t side,
			enum ucf_media_end_reason why)
{
	uint32_t ci = call_find(m, call);
	if (ci == NIL)
		return;
	/* entry_end may free the call record when its last entry goes */
	for (uint32_t i = m->c[ci].head, n; i != NIL; i = n) {
		n = m->e[i].cnext;
		if (m->e[i].side == side && (why != UCF_END_REPLACED || m->e[i].stale))
			entry_end(m, i, why);
	}
}

void ucf_media_offer_end(struct ucf_media *m, uint64_t call, uint32_t side)
{
	ucf_media_end_side(m, call, side, UCF_END_REPLACED);
}

void ucf_media_end_call(struct ucf_media *m, uint64_t call, enum ucf_media_end_reason why)
{
	uint32_t ci = call_find(m, call);
	if (ci == NIL)
		return;
	for (uint32_t i = m->c[ci].head, n; i != NIL; i = n) {
		n = m->e[i].cnext;
		entry_end(m, i, why);
	}
}

int ucf_media_learn(struct ucf_media *m, uint64_t call, uint32_t side,
		    const struct ucf_media_endpoint *ep, uint64_t now_us)
{
	if (now_us > m->now_us)
		m->now_us = now_us;
	uint32_t i = entry_find(m, ep->family, ep->addr, ep->port, ep->l4proto);
	if (i != NIL && m->e[i].ended) { /* announced again: a new pinhole */
		entry_remove(m, i);
		i = NIL;
	}
	if (i != NIL) {
		struct entry *e = &m->e[i];
		if (e->call != call) { /* a new call reuses the port: it owns it now */
			call_unlink(m, i);
			uint32_t ci = call_get(m, call);
			if (ci == NIL) {
				entry_end(m, i, UCF_END_EVICTED);
				return -ENOSPC;
			}
			call_link(m, ci, i);
		}
		e->side = side;
		e->stale = false;
		e->ep.kind = ep->kind;
		e->ep.origin = ep->origin;
		e->ep.srtp = ep->srtp;
		ucf_media_refresh(m, (struct ucf_media_ref){i, e->serial}, now_us);
		return 0;
	}
	if (m->count >= m->cap) {
		if (m->lhead != NIL)
			entry_remove(m, m->lhead);
		else if (m->head != NIL)
			entry_end(m, m->head, UCF_END_EVICTED);
	}
	uint32_t ci = call_get(m, call);
	if (ci == NIL)
		return -ENOSPC;
	if (m->efree != NIL) {
		i = m->efree;
		m->efree = m->e[i].hnext;
	} else if (m->eused < m->cap) {
		i = m->eused++;
	} else {
		return -ENOSPC;
	}
	struct entry *e = &m->e[i];
	memset(e, 0, sizeof(*e));
	e->ep = *ep;
	e->side = side;
	e->serial = ++m->serial;
	e->last_us = now_us;
	e->used = true;
	uint32_t b = ep_hash(ep->family, ep->addr, ep->port, ep->l4proto) & m->mask;
	e->hnext = m->eb[b];
	m->eb[b] = i;
	call_link(m, ci, i);
	lru_append(m, i, now_us);
	m->count++;
	m->gen++;
	m->learned_total++;
	emit(m, UCF_MEDIA_LEARNED, UCF_END_NONE, ep);
	return 0;
}

void ucf_media_set_established(struct ucf_media *m, uint64_t call)
{
	uint32_t ci = call_find(m, call);
	if (ci != NIL)
		m->c[ci].established = true;
}

bool ucf_media_established(const struct ucf_media *m, uint64_t call)
{
	uint32_t ci = call_find(m, call);
	return ci != NIL && m->c[ci].established;
}

bool ucf_media_lookup(struct ucf_media *m, uint8_t family, const uint8_t *addr, uint16_t port,
		      uint8_t l4proto, struct ucf_media_endpoint *ep, struct ucf_media_ref *ref)
{
	if (m->count == 0)
		return false;
	uint32_t i = entry_find(m, family, addr, port, l4proto);
	if (i == NIL)
		return false;
	*ep = m->e[i].ep;
	ref->index = i;
	ref->serial = m->e[i].serial;
	return true;
}

void ucf_media_refresh(struct ucf_media *m, struct ucf_media_ref ref, uint64_t now_us)
{
	if (ref.index >= m->cap)
		return;
	if (now_us > m->now_us)
		m->now_us = now_us;
	struct entry *e = &m->e[ref.index];
	if (!e->used || e->ended || e->serial != ref.serial || now_us <= e->last_us)
		return;
	e->last_us = now_us;
	if (now_us - e->moved_us >= MOVE_GRANULARITY_US) {
		lru_unlink(m, ref.index);
		lru_append(m, ref.index, now_us);
	}
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
uint64_t ucf_media_learned_total(const struct ucf_media *m) { return m->learned_total; }
