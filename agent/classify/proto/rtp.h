/* rtp.h — RTP and RTCP heuristics for media nobody announced: RTP needs a
 * run of packets from one SSRC with the same payload type and small
 * sequence steps; RTCP needs one whole compound packet whose lengths add up. */
#ifndef UCF_RTP_H
#define UCF_RTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define UCF_RTP_RUN 3 /* packets in sequence before a stream is called RTP */

/* Per direction; 8 bytes so it fits in every flow. */
struct ucf_rtp_track {
	uint32_t ssrc;
	uint16_t seq;
	uint8_t pt;
	uint8_t run; /* packets in sequence so far */
};

/* A plausible RTP v2 header (payload type not in the RTCP range, CSRC list
 * and extension inside the packet, padding sane)? */
bool ucf_rtp_header(const uint8_t *p, size_t n, uint8_t *pt, uint16_t *seq, uint32_t *ssrc);

/* Feeds one packet of a direction; true once the run is long enough. */
bool ucf_rtp_track(struct ucf_rtp_track *t, const uint8_t *p, size_t n);

/* A whole RTCP compound packet (RFC 3550 §6.1), optionally followed by an
 * SRTCP trailer (index and tag). */
bool ucf_rtcp_compound(const uint8_t *p, size_t n);

#endif
