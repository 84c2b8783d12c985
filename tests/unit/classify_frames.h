/* classify_frames.h — builds test frames: Ethernet (optionally VLAN-tagged)
 * + IPv4/IPv6 + UDP/TCP around a payload. Shared by the classifier tests. */
#ifndef UCF_TEST_FRAMES_H
#define UCF_TEST_FRAMES_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#define FRAME_MAX 70000

static inline void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8), p[1] = (uint8_t)v; }
static inline void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

/* L4 header + payload at out; returns its length. tcp_flags < 0: UDP. */
static inline size_t build_l4(uint8_t *out, uint16_t sport, uint16_t dport, int tcp_flags,
			      uint32_t seq, const void *payload, size_t plen)
{
	size_t h = tcp_flags < 0 ? 8 : 20;
	memset(out, 0, h);
	put16(out, sport);
	put16(out + 2, dport);
	if (tcp_flags < 0) {
		put16(out + 4, (uint16_t)(8 + plen));
	} else {
		put32(out + 4, seq);
		out[12] = 5 << 4;
		out[13] = (uint8_t)tcp_flags;
		put16(out + 14, 65535);
	}
	memcpy(out + h, payload, plen);
	return h + plen;
}

/* An Ethernet frame (vlans tags first) with an IP packet from src to dst
 * (IPv4 or IPv6 text). Returns the frame length. */
static inline size_t build_frame(uint8_t *out, int vlans, const char *src, uint16_t sport,
				 const char *dst, uint16_t dport, int tcp_flags, uint32_t seq,
				 const void *payload, size_t plen)
{
	uint8_t a[16], b[16];
	int v6 = strchr(src, ':') != NULL;
	inet_pton(v6 ? AF_INET6 : AF_INET, src, a);
	inet_pton(v6 ? AF_INET6 : AF_INET, dst, b);
	size_t off = 12;
	memset(out, 0, 12);
	out[0] = 0x02, out[6] = 0x02;
	for (int i = 0; i < vlans; i++) {
		put16(out + off, i == 0 && vlans > 1 ? 0x88a8 : 0x8100);
		put16(out + off + 2, (uint16_t)(100 + i));
		off += 4;
	}
	put16(out + off, v6 ? 0x86dd : 0x0800);
	off += 2;
	uint8_t *ip = out + off;
	size_t ihl = v6 ? 40 : 20;
	size_t l4 = build_l4(ip + ihl, sport, dport, tcp_flags, seq, payload, plen);
	memset(ip, 0, ihl);
	if (v6) {
		ip[0] = 0x60;
		put16(ip + 4, (uint16_t)l4);
		ip[6] = tcp_flags < 0 ? IPPROTO_UDP : IPPROTO_TCP;
		ip[7] = 64;
		memcpy(ip + 8, a, 16);
		memcpy(ip + 24, b, 16);
	} else {
		ip[0] = 0x45;
		put16(ip + 2, (uint16_t)(20 + l4));
		ip[8] = 64;
		ip[9] = tcp_flags < 0 ? IPPROTO_UDP : IPPROTO_TCP;
		memcpy(ip + 12, a, 4);
		memcpy(ip + 16, b, 4);
	}
	return off + ihl + l4;
}

static inline size_t udp_frame(uint8_t *out, const char *src, uint16_t sport, const char *dst,
			       uint16_t dport, const void *payload, size_t plen)
{
	return build_frame(out, 0, src, sport, dst, dport, -1, 0, payload, plen);
}

static inline size_t tcp_frame(uint8_t *out, const char *src, uint16_t sport, const char *dst,
			       uint16_t dport, uint32_t seq, const void *payload, size_t plen)
{
	return build_frame(out, 0, src, sport, dst, dport, 0x18, seq, payload, plen);
}

/* A minimal RTP packet. */
static inline size_t rtp_packet(uint8_t *out, uint8_t pt, uint16_t seq, uint32_t ssrc, size_t plen)
{
	out[0] = 0x80;
	out[1] = pt;
	put16(out + 2, seq);
	put32(out + 4, seq * 160u);
	put32(out + 8, ssrc);
	memset(out + 12, 0xd5, plen);
	return 12 + plen;
}

#endif
