/* reasm.h — bounded IPv4/IPv6 fragment reassembly (SIP over UDP is often
 * fragmented). A fixed number of slots, each holding at most one datagram of
 * at most UCF_REASM_MAX bytes in a buffer grown to what its fragments reach;
 * slots older than the timeout are dropped.
 *
 * Spoofed fragments that never complete must not push out a phone's
 * fragmented INVITE: one source address holds at most UCF_REASM_PER_SOURCE
 * slots (past that its own oldest is reused), so filling the slots takes
 * UCF_REASM_SLOTS / UCF_REASM_PER_SOURCE sources; when they are all busy the
 * oldest slot is reused. The buffers of all slots together stay within
 * UCF_REASM_BYTES (the oldest other datagrams give theirs up first). */
#ifndef UCF_REASM_H
#define UCF_REASM_H

#include <stddef.h>
#include <stdint.h>

#include "decode.h"

/* 256 datagrams in flight at once: a branch's phones re-registering
 * together with large (fragmented) REGISTERs or INVITEs, with room for a
 * flood from 60 spoofed sources before one of them is given up. */
#define UCF_REASM_SLOTS 256
#define UCF_REASM_PER_SOURCE 4
/* 64 whole maximal datagrams; SIP datagrams are a few KiB each */
#define UCF_REASM_BYTES (4u << 20)
#define UCF_REASM_MAX 65535u
#define UCF_REASM_TIMEOUT_US 30000000ull

struct ucf_reasm;

struct ucf_reasm_stats {
	uint64_t completed;
	uint64_t dropped; /* slots given up: too big, inconsistent, timed out, reused */
	uint64_t evicted; /* of them, given up to make room for another datagram: its
			   * slot reused, or its buffer needed within UCF_REASM_BYTES */
	uint64_t bytes;   /* buffer bytes held now (at most UCF_REASM_BYTES) */
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
