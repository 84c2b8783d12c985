/* reasm.c — see reasm.h. Coverage is tracked in 8-byte units (fragment
 * offsets are multiples of 8), so overlaps and duplicates cost nothing extra.
 * Slots are found by a linear scan: fragments are rare next to whole
 * datagrams, and the scan also expires old slots. */
#include "reasm.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grow.h"

#define UNITS ((UCF_REASM_MAX + 7) / 8)
#define WORDS ((UNITS + 63) / 64)
#define BUF_STEP 4096u /* buffers grow in these steps */

struct slot {
	bool used;
	uint8_t family, proto;
	uint8_t src[16], dst[16];
	uint32_t id;
	uint32_t total; /* datagram length once the last fragment is seen, else 0 */
	uint64_t first_us;
	uint64_t wire;
	uint64_t bits[WORDS];
	uint8_t *buf; /* cap bytes; kept after completion until the slot is reused */
	uint32_t cap;
};

struct ucf_reasm {
	struct slot slots[UCF_REASM_SLOTS];
	struct ucf_reasm_stats st;
};

int ucf_reasm_new(struct ucf_reasm **out, char *err, size_t errlen)
{
	struct ucf_reasm *r = calloc(1, sizeof(*r));
	if (!r) {
		snprintf(err, errlen, "out of memory for fragment reassembly");
		return -ENOMEM;
	}
	*out = r;
	return 0;
}

void ucf_reasm_free(struct ucf_reasm *r)
{
	if (!r)
		return;
	for (int i = 0; i < UCF_REASM_SLOTS; i++)
		free(r->slots[i].buf);
	free(r);
}

static void buf_free(struct ucf_reasm *r, struct slot *s)
{
	r->st.bytes -= s->cap;
	free(s->buf);
	s->buf = NULL;
	s->cap = 0;
}

static void slot_drop(struct ucf_reasm *r, struct slot *s)
{
	s->used = false;
	r->st.dropped++;
	buf_free(r, s);
}

/* Gives up a pending datagram for another's sake. */
static void slot_evict(struct ucf_reasm *r, struct slot *s)
{
	r->st.evicted++;
	slot_drop(r, s);
}

static bool same_source(const struct slot *s, const struct ucf_pkt *f)
{
	return s->family == f->family && memcmp(s->src, f->src, 16) == 0;
}

/* Room for s's buffer to hold need bytes within UCF_REASM_BYTES: idle
 * buffers go first, then the oldest other datagrams. */
static int grow(struct ucf_reasm *r, struct slot *s, uint32_t need)
{
	if (need <= s->cap)
		return 0;
	uint32_t cap = (need + BUF_STEP - 1) / BUF_STEP * BUF_STEP;
	if (cap > UCF_REASM_MAX)
		cap = UCF_REASM_MAX;
	uint32_t more = cap - s->cap;
	for (int i = 0; i < UCF_REASM_SLOTS && r->st.bytes + more > UCF_REASM_BYTES; i++)
		if (!r->slots[i].used && r->slots[i].buf)
			buf_free(r, &r->slots[i]);
	while (r->st.bytes + more > UCF_REASM_BYTES) {
		struct slot *oldest = NULL;
		for (int i = 0; i < UCF_REASM_SLOTS; i++) {
			struct slot *c = &r->slots[i];
			if (c != s && c->used && c->buf && (!oldest || c->first_us < oldest->first_us))
				oldest = c;
		}
		if (!oldest)
			return -ENOBUFS;
		slot_evict(r, oldest);
	}
	uint8_t *b = ucf_grow_array(s->buf, NULL, cap, 1, 0);
	if (!b)
		return -ENOMEM;
	s->buf = b;
	s->cap = cap;
	r->st.bytes += more;
	return 0;
}

static bool units_complete(const struct slot *s)
{
	uint32_t units = (s->total + 7) / 8;
	for (uint32_t u = 0; u < units; u++)
		if (!(s->bits[u / 64] >> (u % 64) & 1))
			return false;
	return true;
}

int ucf_reasm_add(struct ucf_reasm *r, const struct ucf_pkt *f, uint32_t wirelen,
		  uint64_t now_us, const uint8_t **data, uint32_t *len, uint64_t *wire)
{
	*len = 0;
	struct slot *s = NULL, *free_slot = NULL, *oldest = NULL, *oldest_own = NULL;
	unsigned own = 0; /* slots this fragment's source holds */
	for (int i = 0; i < UCF_REASM_SLOTS; i++) {
		struct slot *c = &r->slots[i];
		if (c->used && now_us > c->first_us + UCF_REASM_TIMEOUT_US)
			slot_drop(r, c);
		if (!c->used) {
			/* an idle slot with a buffer is preferred: no allocation */
			if (!free_slot || (!free_slot->buf && c->buf))
				free_slot = c;
			continue;
		}
		if (c->id == f->frag_id && c->proto == f->l4proto && same_source(c, f) &&
		    memcmp(c->dst, f->dst, 16) == 0) {
			s = c;
			break;
		}
		if (same_source(c, f)) {
			own++;
			if (!oldest_own || c->first_us < oldest_own->first_us)
				oldest_own = c;
		}
		if (!oldest || c->first_us < oldest->first_us)
			oldest = c;
	}
	uint64_t end = (uint64_t)f->frag_offset + f->payload_len;
	if (end > UCF_REASM_MAX || (f->frag_more && (f->payload_len % 8) != 0) ||
	    (f->frag_more && f->payload_len == 0)) {
		if (s)
			slot_drop(r, s);
		return -EINVAL;
	}
	if (!s) {
		/* a source past its share reuses its own oldest, never another's */
		s = own >= UCF_REASM_PER_SOURCE ? oldest_own : free_slot ? free_slot : oldest;
		if (s->used)
			slot_evict(r, s);
		s->used = true;
		s->family = f->family;
		s->proto = f->l4proto;
		memcpy(s->src, f->src, 16);
		memcpy(s->dst, f->dst, 16);
		s->id = f->frag_id;
		s->total = 0;
		s->first_us = now_us;
		s->wire = 0;
		memset(s->bits, 0, sizeof(s->bits));
	}
	if (!f->frag_more) {
		if ((s->total && s->total != end) || end == 0) {
			slot_drop(r, s);
			return -EINVAL;
		}
		s->total = (uint32_t)end;
	}
	if (s->total && end > s->total) {
		slot_drop(r, s);
		return -EINVAL;
	}
	int rc = grow(r, s, (uint32_t)end);
	if (rc < 0) {
		slot_drop(r, s);
		return rc == -ENOMEM ? rc : 0;
	}
	memcpy(s->buf + f->frag_offset, f->payload, f->payload_len);
	for (uint64_t u = f->frag_offset / 8; u < (end + 7) / 8; u++)
		s->bits[u / 64] |= 1ull << (u % 64);
	s->wire += wirelen;
	if (s->total && units_complete(s)) {
		s->used = false;
		r->st.completed++;
		*data = s->buf;
		*len = s->total;
		*wire = s->wire;
	}
	return 0;
}

void ucf_reasm_get_stats(const struct ucf_reasm *r, struct ucf_reasm_stats *st)
{
	*st = r->st;
}
