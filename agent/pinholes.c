/* pinholes.c — open addressing with linear probing and backward-shift
 * deletion: no tombstones, so lookups stay short however long it runs. */
#include "pinholes.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct slot {
	bool used;
	struct ucf_pinhole_key key;
};

struct ucf_pinholes {
	uint32_t cap, count, mask;
	struct slot *slots;
};

static uint32_t hash(const struct ucf_pinhole_key *k)
{
	uint32_t h = 2166136261u; /* FNV-1a over the key's meaningful bytes */
	const uint8_t *b = k->addr;
	for (int i = 0; i < 16; i++)
		h = (h ^ b[i]) * 16777619u;
	h = (h ^ (k->port & 0xff)) * 16777619u;
	h = (h ^ (k->port >> 8)) * 16777619u;
	return (h ^ k->family) * 16777619u;
}

static bool equal(const struct ucf_pinhole_key *a, const struct ucf_pinhole_key *b)
{
	return a->family == b->family && a->port == b->port && memcmp(a->addr, b->addr, 16) == 0;
}

int ucf_pinholes_new(uint32_t cap, struct ucf_pinholes **out)
{
	struct ucf_pinholes *p = calloc(1, sizeof(*p));
	uint32_t size = 16;
	if (!p)
		return -ENOMEM;
	while (size < cap * 2) /* load factor at most one half */
		size <<= 1;
	p->slots = calloc(size, sizeof(*p->slots));
	if (!p->slots) {
		free(p);
		return -ENOMEM;
	}
	p->cap = cap;
	p->mask = size - 1;
	*out = p;
	return 0;
}

void ucf_pinholes_free(struct ucf_pinholes *p)
{
	if (!p)
		return;
	free(p->slots);
	free(p);
}

static uint32_t find(const struct ucf_pinholes *p, const struct ucf_pinhole_key *k, bool *found)
{
	uint32_t i = hash(k) & p->mask;
	while (p->slots[i].used && !equal(&p->slots[i].key, k))
		i = (i + 1) & p->mask;
	*found = p->slots[i].used;
	return i;
}

int ucf_pinholes_add(struct ucf_pinholes *p, const struct ucf_pinhole_key *k)
{
	bool found;
	struct ucf_pinhole_key key = { .family = k->family, .port = k->port };
	memcpy(key.addr, k->addr, 16);
	uint32_t i = find(p, &key, &found);
	if (found)
		return 0;
	if (p->count >= p->cap)
		return -ENOSPC;
	p->slots[i] = (struct slot){ true, key };
	p->count++;
	return 1;
}

int ucf_pinholes_del(struct ucf_pinholes *p, const struct ucf_pinhole_key *k)
{
	bool found;
	uint32_t i = find(p, k, &found);
	if (!found)
		return 0;
	/* shift later members of the probe run back into the hole */
	for (uint32_t j = (i + 1) & p->mask; p->slots[j].used; j = (j + 1) & p->mask) {
		uint32_t home = hash(&p->slots[j].key) & p->mask;
		bool movable = i <= j ? (home <= i || home > j) : (home <= i && home > j);
		if (movable) {
			p->slots[i] = p->slots[j];
			i = j;
		}
	}
	p->slots[i].used = false;
	p->count--;
	return 1;
}

uint32_t ucf_pinholes_count(const struct ucf_pinholes *p)
{
	return p->count;
}

void ucf_pinholes_each(const struct ucf_pinholes *p,
		       void (*fn)(void *arg, const struct ucf_pinhole_key *k), void *arg)
{
	for (uint32_t i = 0; i <= p->mask; i++)
		if (p->slots[i].used)
			fn(arg, &p->slots[i].key);
}
