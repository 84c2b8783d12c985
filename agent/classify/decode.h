/* decode.h — the packet decoder: one captured frame to addresses, ports and
 * L4 payload. Link types: Ethernet (802.1Q/QinQ, PPPoE), Linux SLL and SLL2,
 * raw IP, BSD loopback. IPv4 and IPv6 (extension headers), UDP and TCP.
 * Fragments are reported, not reassembled (see reasm.h). No allocation. */
#ifndef UCF_DECODE_H
#define UCF_DECODE_H

#include <stdbool.h>
#include <stdint.h>

struct ucf_pkt {
	uint8_t family;  /* AF_INET or AF_INET6 */
	uint8_t l4proto; /* IPPROTO_UDP or IPPROTO_TCP (the fragment's protocol for fragments) */
	uint8_t tcp_flags;
	bool fragment;   /* payload is an IP fragment; ports are not set */
	uint8_t src[16], dst[16]; /* network order; IPv4 uses the first 4 bytes, rest zero */
	uint16_t sport, dport;
	uint32_t tcp_seq;
	const uint8_t *payload; /* L4 payload, or the fragment's data */
	uint32_t payload_len;   /* bytes present (a short snaplen shortens it) */
	/* fragments only */
	uint32_t frag_id;
	uint32_t frag_offset; /* bytes */
	bool frag_more;
};

#define UCF_TCP_FIN 0x01
#define UCF_TCP_SYN 0x02
#define UCF_TCP_RST 0x04
#define UCF_TCP_ACK 0x10

/* Decodes a frame of pcap link type dlt. Returns 0 (pkt filled), -EPROTONOSUPPORT
 * for frames that are not UDP/TCP over IP (ARP, ICMP, unknown link type:
 * ignored, not an error), or -EINVAL for a malformed frame. */
int ucf_decode(int dlt, const uint8_t *frame, uint32_t caplen, struct ucf_pkt *pkt);

/* Decodes a UDP or TCP header and payload (a reassembled datagram); the
 * addresses in pkt are kept. Same returns as ucf_decode. */
int ucf_decode_l4(uint8_t proto, const uint8_t *p, uint32_t len, struct ucf_pkt *pkt);

#endif
