/* violations.c — per-window aggregation: a window's first packet is
 * reported as it opens, the rest when it closes. Open windows in a dense array
 * (swap-remove), found through a hash of their key, so a packet costs one
 * chain walk however many windows are open; the number of distinct sources
 * is counted, not scanned. Windows close in ucf_violations_tick (the agent's
 * one-second tick); a packet that finds its own window past its end closes
 * it first. */
#include "violations.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define NIL UINT32_MAX

struct ucf_violations {
	uint64_t window_us;
	uint32_t cap, count, sources;
	ucf_drop_window_fn fn;
	void *arg;
	struct ucf_drop_window *open; /* cap + overflow slots */
	uint32_t *hnext;              /* chain per slot */
	uint32_t *buckets, mask;
	uint32_t slots;
};

static uint32_t key_hash(const char *reason, const char *ifname, uint8_t family,
			 const uint8_t *src, bool other)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	for (const char *c = reason; *c; c++)
		h = (h ^ (uint8_t)*c) * 0x100000001b3ULL;
	h = (h ^ '/') * 0x100000001b3ULL;
	for (const char *c = ifname; *c; c++)
		h = (h ^ (uint8_t)*c) * 0x100000001b3ULL;
	h = (h ^ (other ? 0xff : family)) * 0x100000001b3ULL;
	for (int i = 0; !other && i < 16; i++)
		h = (h ^ src[i]) * 0x100000001b3ULL;
	return (uint32_t)(h ^ (h >> 32));
}

static uint32_t entry_hash(const struct ucf_drop_window *e)
{
	return key_hash(e->reason, e->ifname, e->family, e->src, e->other_sources);
}

int ucf_violations_new(uint64_t window_us, uint32_t cap, ucf_drop_window_fn fn, void *arg,
		       struct ucf_violations **out)
{
	struct ucf_violations *v = calloc(1, sizeof(*v));
	if (!v || cap == 0) {
		free(v);
		return v ? -EINVAL : -ENOMEM;
	}
	/* overflow reports need room too: at most one per reason and interface,
	 * kept within the same array by reserving a quarter of it */
	v->slots = cap + cap / 4 + 1;
	uint32_t nb = 16;
	while (nb < 2 * v->slots)
		nb <<= 1;
	v->mask = nb - 1;
	v->open = calloc(v->slots, sizeof(*v->open));
	v->hnext = calloc(v->slots, sizeof(*v->hnext));
	v->buckets = malloc(nb * sizeof(*v->buckets));
	if (!v->open || !v->hnext || !v->buckets) {
		ucf_violations_free(v);
		return -ENOMEM;
	}
	memset(v->buckets, 0xff, nb * sizeof(*v->buckets));
	v->window_us = window_us;
	v->cap = cap;
	v->fn = fn;
	v->arg = arg;
	*out = v;
	return 0;
}

void ucf_violations_set_window(struct ucf_violations *v, uint64_t window_us)
{
	v->window_us = window_us;
}

uint64_t ucf_violations_window(const struct ucf_violations *v)
{
	return v->window_us;
}

void ucf_violations_free(struct ucf_violations *v)
{
	if (!v)
		return;
	free(v->open);
	free(v->hnext);
	free(v->buckets);
	free(v);
}

static bool same_key(const struct ucf_drop_window *e, const char *reason, const char *ifname,
		     uint8_t family, const uint8_t *src, bool other)
{
	if (e->other_sources != other || strcmp(e->reason, reason) != 0 ||
	    strcmp(e->ifname, ifname) != 0)
		return false;
	return other || (e->family == family && memcmp(e->src, src, 16) == 0);
}

/* The link that points at slot i in its chain. */
static uint32_t *link_to(struct ucf_violations *v, uint32_t i)
{
	uint32_t *pp = &v->buckets[entry_hash(&v->open[i]) & v->mask];
	while (*pp != i)
		pp = &v->hnext[*pp];
	return pp;
}

/* Takes slot i out of the open windows (swap-remove), into *done. */
static void remove_at(struct ucf_violations *v, uint32_t i, struct ucf_drop_window *done)
{
	*done = v->open[i];
	*link_to(v, i) = v->hnext[i];
	uint32_t last = --v->count;
	if (i != last) { /* the last entry moves to i: its chain follows */
		*link_to(v, last) = i;
		v->open[i] = v->open[last];
		v->hnext[i] = v->hnext[last];
	}
	if (!done->other_sources)
		v->sources--;
}

static void emit_and_remove(struct ucf_violations *v, uint32_t i)
{
	struct ucf_drop_window done;
	remove_at(v, i, &done);
	if (done.packets < 2)
		return; /* the first was reported as the window opened: nothing more */
	done.followup = true;
	done.packets--;
	v->fn(v->arg, &done);
}

/* A packet's destination into the window's list: kept when new and there
 * is room, else counted. */
static void note_dest(struct ucf_drop_window *e, const struct ucf_drop_dest *d)
{
	if (!d)
		return;
	for (uint8_t k = 0; k < e->ndests; k++)
		if (memcmp(&e->dests[k], d, sizeof(*d)) == 0)
			return;
	if (e->ndests < UCF_DROP_DESTS_MAX)
		e->dests[e->ndests++] = *d;
	else
		e->dests_other++;
}

static struct ucf_drop_window *find(struct ucf_violations *v, const char *reason,
				    const char *ifname, uint8_t family, const uint8_t *src,
				    bool other)
{
	for (uint32_t i = v->buckets[key_hash(reason, ifname, family, src, other) & v->mask];
	     i != NIL; i = v->hnext[i])
		if (same_key(&v->open[i], reason, ifname, family, src, other))
			return &v->open[i];
	return NULL;
}

void ucf_violations_add(struct ucf_violations *v, const char *reason, const char *ifname,
			uint8_t family, const uint8_t *src, uint8_t l4proto, uint16_t dport,
			uint64_t now_us)
{
	ucf_violations_add_to(v, reason, ifname, family, src, NULL, l4proto, dport, now_us);
}

void ucf_violations_add_to(struct ucf_violations *v, const char *reason, const char *ifname,
			   uint8_t family, const uint8_t *src, const struct ucf_drop_dest *dst,
			   uint8_t l4proto, uint16_t dport, uint64_t now_us)
{
	struct ucf_drop_dest d;
	if (dst) { /* a canonical copy: padding and unused bytes zero, for compares */
		memset(&d, 0, sizeof(d));
		d.family = dst->family;
		d.l4proto = dst->l4proto;
		d.port = dst->port;
		memcpy(d.addr, dst->addr, dst->family == AF_INET ? 4 : 16);
		dst = &d;
	}
	uint8_t addr[16] = { 0 };
	memcpy(addr, src, family == AF_INET ? 4 : 16);
	struct ucf_drop_window *e = find(v, reason, ifname, family, addr, false);
	bool other = false;
	if (!e && v->sources >= v->cap) {
		other = true; /* too many sources at once: fold the rest together */
		e = find(v, reason, ifname, family, addr, true);
	}
	if (e && now_us >= e->first_us + v->window_us) {
		emit_and_remove(v, (uint32_t)(e - v->open)); /* its window is over */
		e = NULL;
		other = !find(v, reason, ifname, family, addr, false) && v->sources >= v->cap;
	}
	if (e) {
		/* the follow-up lists the later packets' destinations */
		if (e->packets == 1) {
			e->ndests = 0;
			e->dests_other = 0;
		}
		e->packets++;
		e->last_us = now_us;
		note_dest(e, dst);
		return;
	}
	if (v->count >= v->slots)
		return; /* only with more reason/interface pairs than slots: not in practice */
	uint32_t i = v->count++;
	e = &v->open[i];
	memset(e, 0, sizeof(*e));
	snprintf(e->reason, sizeof(e->reason), "%s", reason);
	snprintf(e->ifname, sizeof(e->ifname), "%s", ifname);
	e->other_sources = other;
	if (!other) {
		e->family = family;
		memcpy(e->src, addr, 16);
		v->sources++;
	}
	e->packets = 1;
	e->first_us = e->last_us = now_us;
	e->l4proto = l4proto;
	e->dport = dport;
	note_dest(e, dst);
	uint32_t b = entry_hash(e) & v->mask;
	v->hnext[i] = v->buckets[b];
	v->buckets[b] = i;
	struct ucf_drop_window first = *e; /* a copy: the callback may not see the slot move */
	v->fn(v->arg, &first);
}

void ucf_violations_tick(struct ucf_violations *v, uint64_t now_us)
{
	for (uint32_t i = 0; i < v->count;) {
		if (now_us >= v->open[i].first_us + v->window_us)
			emit_and_remove(v, i); /* the last entry moved to i: look again */
		else
			i++;
	}
}

void ucf_violations_flush(struct ucf_violations *v)
{
	while (v->count)
		emit_and_remove(v, 0);
}

uint32_t ucf_violations_forget(struct ucf_violations *v,
			       bool (*match)(void *arg, uint8_t family, const uint8_t *src),
			       void *arg)
{
	uint32_t n = 0;
	struct ucf_drop_window gone;
	for (uint32_t i = 0; i < v->count;) {
		const struct ucf_drop_window *e = &v->open[i];
		if (!e->other_sources && match(arg, e->family, e->src)) {
			remove_at(v, i, &gone); /* the last entry moved to i: look again */
			n++;
		} else {
			i++;
		}
	}
	return n;
}

uint32_t ucf_violations_open(const struct ucf_violations *v)
{
	return v->count;
}
