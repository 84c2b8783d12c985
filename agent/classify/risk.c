/* risk.c — see risk.h. Open addressing with linear probing. */
#include "risk.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct slot {
	bool used;
	uint8_t kind, family;
	uint8_t addr[16];
	uint64_t last_us;
};

struct ucf_risks {
	struct slot *s;
	uint32_t size, cap, count;
	uint64_t interval_us;
	ucf_risk_fn fn;
	void *arg;
};

static const char *const names[UCF_RISK_KIND_COUNT] = {
	"cleartext-sip", "exposed-srtp-keys", "unencrypted-rtp"};

const char *ucf_risk_kind_name(enum ucf_risk_kind kind)
{
	return (unsigned)kind < UCF_RISK_KIND_COUNT ? names[kind] : "unknown";
}

int ucf_risks_new(uint32_t cap, uint32_t interval_s, ucf_risk_fn fn, void *arg,
		  struct ucf_risks **out, char *err, size_t errlen)
{
	struct ucf_risks *r = calloc(1, sizeof(*r));
	uint32_t size = 64;
	while (size < 2 * cap && size < (1u << 30))
		size <<= 1;
	if (r)
		r->s = calloc(size, sizeof(*r->s));
	if (!r || !r->s) {
		free(r);
		snprintf(err, errlen, "out of memory for the risk table");
		return -ENOMEM;
	}
	r->size = size;
	r->cap = cap ? cap : 1;
	r->interval_us = (uint64_t)interval_s * 1000000ull;
	r->fn = fn;
	r->arg = arg;
	*out = r;
	return 0;
}

void ucf_risks_free(struct ucf_risks *r)
{
	if (r)
		free(r->s);
	free(r);
}

static uint32_t home(const struct ucf_risks *r, uint8_t kind, const uint8_t *addr)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	for (int i = 0; i < 16; i++)
		h = (h ^ addr[i]) * 0x100000001b3ULL;
	h = (h ^ kind) * 0x100000001b3ULL;
	return (uint32_t)(h ^ h >> 32) & (r->size - 1);
}

/* Linear probing has no tombstones: the survivors are put back anew. */
int ucf_risks_forget(struct ucf_risks *r,
		     bool (*match)(void *arg, uint8_t family, const uint8_t *addr), void *arg)
{
	struct slot *fresh = calloc(r->size, sizeof(*fresh));
	if (!fresh)
		return -ENOMEM;
	uint32_t gone = 0;
	for (uint32_t j = 0; j < r->size; j++) {
		const struct slot *s = &r->s[j];
		if (!s->used)
			continue;
		if (match(arg, s->family, s->addr)) {
			gone++;
			continue;
		}
		uint32_t i = home(r, s->kind, s->addr);
		while (fresh[i].used)
			i = (i + 1) & (r->size - 1);
		fresh[i] = *s;
	}
	free(r->s);
	r->s = fresh;
	r->count -= gone;
	return (int)gone;
}

void ucf_risks_note(struct ucf_risks *r, enum ucf_risk_kind kind, uint8_t family,
		    uint8_t l4proto, const uint8_t *addr, const char *detail, uint64_t now_us)
{
	uint32_t i = home(r, (uint8_t)kind, addr);
	for (;; i = (i + 1) & (r->size - 1)) {
		struct slot *s = &r->s[i];
		if (!s->used)
			break;
		if (s->kind == kind && s->family == family && memcmp(s->addr, addr, 16) == 0) {
			if (now_us - s->last_us < r->interval_us)
				return;
			s->last_us = now_us;
			goto report;
		}
	}
	if (r->count >= r->cap) {
		memset(r->s, 0, (size_t)r->size * sizeof(*r->s));
		r->count = 0;
		i = home(r, (uint8_t)kind, addr);
	}
	r->s[i] = (struct slot){.used = true, .kind = (uint8_t)kind, .family = family,
				.last_us = now_us};
	memcpy(r->s[i].addr, addr, 16);
	r->count++;
report:
	if (r->fn) {
		struct ucf_risk rk = {.kind = kind, .family = family, .l4proto = l4proto,
				      .detail = detail};
		memcpy(rk.addr, addr, 16);
		r->fn(r->arg, &rk);
	}
}
