/* violations.c — per-window aggregation in a fixed array with a linear
 * scan: the array is capped and a scan of a few thousand entries costs less
 * than the kernel's rate-limited log delivers packets. */
#include "violations.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

struct ucf_violations {
	uint64_t window_us;
	uint32_t cap, count;
	ucf_drop_window_fn fn;
	void *arg;
	struct ucf_drop_window *open; /* cap + overflow slots */
	uint32_t slots;
};

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
	v->open = calloc(v->slots, sizeof(*v->open));
	if (!v->open) {
		free(v);
		return -ENOMEM;
	}
	v->window_us = window_us;
	v->cap = cap;
	v->fn = fn;
	v->arg = arg;
	*out = v;
	return 0;
}

void ucf_violations_free(struct ucf_violations *v)
{
	if (!v)
		return;
	free(v->open);
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

static void emit_and_remove(struct ucf_violations *v, uint32_t i)
{
	struct ucf_drop_window done = v->open[i];
	v->open[i] = v->open[--v->count]; /* order does not matter */
	v->fn(v->arg, &done);
}

static struct ucf_drop_window *find(struct ucf_violations *v, const char *reason,
				  const char *ifname, uint8_t family, const uint8_t *src,
				  bool other, uint32_t *sources)
{
	for (uint32_t i = 0; i < v->count; i++) {
		if (same_key(&v->open[i], reason, ifname, family, src, other))
			return &v->open[i];
		if (sources)
			*sources += !v->open[i].other_sources;
	}
	return NULL;
}

void ucf_violations_add(struct ucf_violations *v, const char *reason, const char *ifname,
			uint8_t family, const uint8_t *src, uint8_t l4proto, uint16_t dport,
			uint64_t now_us)
{
	uint8_t addr[16] = { 0 };
	uint32_t sources = 0;
	memcpy(addr, src, family == AF_INET ? 4 : 16);
	ucf_violations_tick(v, now_us);
	struct ucf_drop_window *e = find(v, reason, ifname, family, addr, false, &sources);
	bool other = false;
	if (!e && sources >= v->cap) {
		other = true; /* too many sources at once: fold the rest together */
		e = find(v, reason, ifname, family, addr, true, NULL);
	}
	if (e) {
		e->packets++;
		e->last_us = now_us;
		return;
	}
	if (v->count >= v->slots)
		return; /* only with more reason/interface pairs than slots: not in practice */
	e = &v->open[v->count++];
	memset(e, 0, sizeof(*e));
	snprintf(e->reason, sizeof(e->reason), "%s", reason);
	snprintf(e->ifname, sizeof(e->ifname), "%s", ifname);
	e->other_sources = other;
	if (!other) {
		e->family = family;
		memcpy(e->src, addr, 16);
	}
	e->packets = 1;
	e->first_us = e->last_us = now_us;
	e->l4proto = l4proto;
	e->dport = dport;
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

uint32_t ucf_violations_open(const struct ucf_violations *v)
{
	return v->count;
}
