/* reasm.h — bounded IPv4/IPv6 fragment reassembly (SIP over UDP is often
 * fragmented). A fixed number of slots, each holding at most one datagram of
 * at most UCF_REASM_MAX bytes; the oldest slot is reused when all are busy,
 * and slots older than the timeout are dropped. */
#ifndef UCF_REASM_H
#define UCF_REASM_H

#include <stddef.h>
#include <stdint.h>

#include "decode.h"

#define UCF_REASM_SLOTS 16
#define UCF_REASM_MAX 65535u
#define UCF_REASM_TIMEOUT_US 30000000ull

struct ucf_reasm;

struct ucf_reasm_stats {
	uint64_t completed;
	uint64_t dropped; /* slots given up: too big, inconsistent, timed out, reused */
};

int ucf_reasm_new(struct ucf_reasm **out, char *err, size_t errlen);
void ucf_reasm_free(struct ucf_reasm *r);

/* Adds one fragment (pkt->fragment set) whose frame was wirelen bytes.
 * Returns 0; when this fragment completes a datagram, *len is its L4 length
 * (header and payload, at *data, valid until the next call) and *wire the
 * summed frame lengths, else *len is 0. -EINVAL for a fragment that cannot
 * belong to any datagram (bad offsets); its slot is dropped. */
int ucf_reasm_add(struct ucf_reasm *r, const struct ucf_pkt *frag, uint32_t wirelen,
		  uint64_t now_us, const uint8_t **data, uint32_t *len, uint64_t *wire);

void ucf_reasm_get_stats(const struct ucf_reasm *r, struct ucf_reasm_stats *st);

#endif
