/* decode.c — see decode.h. Every read is preceded by a length check against
 * the bytes captured; lengths in headers are trusted only after clamping. */
#include "decode.h"

#include <errno.h>
#include <netinet/in.h>
#include <pcap/dlt.h>
#include <string.h>
#include <sys/socket.h>

#include "bytes.h"

#define ETH_P_IP 0x0800
#define ETH_P_IPV6 0x86dd
#define ETH_P_8021Q 0x8100
#define ETH_P_8021AD 0x88a8
#define ETH_P_QINQ1 0x9100
#define ETH_P_PPPOE 0x8864
#define MAX_VLAN_TAGS 4
#define MAX_V6_EXT 8

int ucf_decode_l4(uint8_t proto, const uint8_t *p, uint32_t len, struct ucf_pkt *pkt)
{
	pkt->l4proto = proto;
	pkt->fragment = false;
	pkt->tcp_flags = 0;
	pkt->tcp_seq = 0;
	if (proto == IPPROTO_UDP) {
		if (len < 8)
			return -EINVAL;
		uint16_t ulen = ucf_rd16(p + 4);
		if (ulen < 8)
			return -EINVAL;
		pkt->sport = ucf_rd16(p);
		pkt->dport = ucf_rd16(p + 2);
		pkt->payload = p + 8;
		/* A short snaplen leaves less than ulen: keep what is there. */
		pkt->payload_len = (ulen <= len ? ulen : len) - 8;
		return 0;
	}
	if (proto == IPPROTO_TCP) {
		if (len < 20)
			return -EINVAL;
		uint32_t off = (uint32_t)(p[12] >> 4) * 4;
		if (off < 20)
			return -EINVAL;
		pkt->sport = ucf_rd16(p);
		pkt->dport = ucf_rd16(p + 2);
		pkt->tcp_seq = ucf_rd32(p + 4);
		pkt->tcp_flags = p[13];
		if (off > len) { /* options cut by the snaplen: no payload */
			pkt->payload = p + len;
			pkt->payload_len = 0;
			return 0;
		}
		pkt->payload = p + off;
		pkt->payload_len = len - off;
		return 0;
	}
	return -EPROTONOSUPPORT;
}

static int decode_ipv4(const uint8_t *p, uint32_t len, struct ucf_pkt *pkt)
{
	if (len < 20 || (p[0] >> 4) != 4)
		return -EINVAL;
	uint32_t ihl = (uint32_t)(p[0] & 0x0f) * 4;
	uint32_t tot = ucf_rd16(p + 2);
	if (ihl < 20 || ihl > len || tot < ihl)
		return -EINVAL;
	if (tot < len)
		len = tot; /* Ethernet padding */
	pkt->family = AF_INET;
	memset(pkt->src, 0, sizeof(pkt->src) + sizeof(pkt->dst));
	memcpy(pkt->src, p + 12, 4);
	memcpy(pkt->dst, p + 16, 4);
	uint8_t proto = p[9];
	uint16_t frag = ucf_rd16(p + 6);
	if (frag & 0x3fff) { /* MF set or offset non-zero */
		if (proto != IPPROTO_UDP && proto != IPPROTO_TCP)
			return -EPROTONOSUPPORT;
		pkt->fragment = true;
		pkt->l4proto = proto;
		pkt->frag_id = ucf_rd16(p + 4);
		pkt->frag_offset = (uint32_t)(frag & 0x1fff) * 8;
		pkt->frag_more = (frag & 0x2000) != 0;
		pkt->payload = p + ihl;
		pkt->payload_len = len - ihl;
		pkt->sport = pkt->dport = 0;
		return 0;
	}
	return ucf_decode_l4(proto, p + ihl, len - ihl, pkt);
}

static int decode_ipv6(const uint8_t *p, uint32_t len, struct ucf_pkt *pkt)
{
	if (len < 40 || (p[0] >> 4) != 6)
		return -EINVAL;
	uint32_t plen = ucf_rd16(p + 4);
	if (plen + 40 < len)
		len = plen + 40; /* padding */
	pkt->family = AF_INET6;
	memcpy(pkt->src, p + 8, 16);
	memcpy(pkt->dst, p + 24, 16);
	uint8_t nh = p[6];
	uint32_t off = 40;
	bool frag = false;
	for (int i = 0; i < MAX_V6_EXT; i++) {
		switch (nh) {
		case IPPROTO_HOPOPTS:
		case IPPROTO_ROUTING:
		case IPPROTO_DSTOPTS:
		case 135: /* mobility */
			if (off + 8 > len)
				return -EINVAL;
			nh = p[off];
			off += ((uint32_t)p[off + 1] + 1) * 8;
			if (off > len)
				return -EINVAL;
			continue;
		case IPPROTO_AH:
			if (off + 8 > len)
				return -EINVAL;
			nh = p[off];
			off += ((uint32_t)p[off + 1] + 2) * 4;
			if (off > len)
				return -EINVAL;
			continue;
		case IPPROTO_FRAGMENT: {
			if (off + 8 > len)
				return -EINVAL;
			uint16_t fo = ucf_rd16(p + off + 2);
			nh = p[off];
			pkt->frag_id = ucf_rd32(p + off + 4);
			pkt->frag_offset = (uint32_t)(fo >> 3) * 8;
			pkt->frag_more = (fo & 1) != 0;
			off += 8;
			/* An atomic fragment (offset 0, no more) is a whole datagram. */
			frag = pkt->frag_offset != 0 || pkt->frag_more;
			continue;
		}
		default:
			break;
		}
		break;
	}
	if (nh != IPPROTO_UDP && nh != IPPROTO_TCP)
		return -EPROTONOSUPPORT;
	if (frag) {
		pkt->fragment = true;
		pkt->l4proto = nh;
		pkt->payload = p + off;
		pkt->payload_len = len - off;
		pkt->sport = pkt->dport = 0;
		return 0;
	}
	return ucf_decode_l4(nh, p + off, len - off, pkt);
}

static int decode_ip(const uint8_t *p, uint32_t len, struct ucf_pkt *pkt)
{
	if (len < 1)
		return -EINVAL;
	switch (p[0] >> 4) {
	case 4:
		return decode_ipv4(p, len, pkt);
	case 6:
		return decode_ipv6(p, len, pkt);
	default:
		return -EINVAL;
	}
}

static int decode_ethertype(uint16_t type, const uint8_t *p, uint32_t len, struct ucf_pkt *pkt)
{
	for (int tags = 0;; tags++) {
		if (type == ETH_P_IP)
			return decode_ipv4(p, len, pkt);
		if (type == ETH_P_IPV6)
			return decode_ipv6(p, len, pkt);
		if (type == ETH_P_8021Q || type == ETH_P_8021AD || type == ETH_P_QINQ1) {
			if (tags >= MAX_VLAN_TAGS || len < 4)
				return -EINVAL;
			type = ucf_rd16(p + 2);
			p += 4;
			len -= 4;
			continue;
		}
		if (type == ETH_P_PPPOE) { /* session stage: 6 header bytes, 2 PPP protocol */
			if (len < 8)
				return -EINVAL;
			uint16_t ppp = ucf_rd16(p + 6);
			p += 8;
			len -= 8;
			if (ppp == 0x0021)
				return decode_ipv4(p, len, pkt);
			if (ppp == 0x0057)
				return decode_ipv6(p, len, pkt);
			return -EPROTONOSUPPORT;
		}
		return -EPROTONOSUPPORT;
	}
}

int ucf_decode(int dlt, const uint8_t *f, uint32_t caplen, struct ucf_pkt *pkt)
{
	pkt->fragment = false;
	switch (dlt) {
	case DLT_EN10MB:
		if (caplen < 14)
			return -EINVAL;
		return decode_ethertype(ucf_rd16(f + 12), f + 14, caplen - 14, pkt);
	case DLT_LINUX_SLL: /* 16 bytes, protocol at 14 */
		if (caplen < 16)
			return -EINVAL;
		return decode_ethertype(ucf_rd16(f + 14), f + 16, caplen - 16, pkt);
	case DLT_LINUX_SLL2: /* 20 bytes, protocol at 0 */
		if (caplen < 20)
			return -EINVAL;
		return decode_ethertype(ucf_rd16(f), f + 20, caplen - 20, pkt);
	case DLT_RAW:
	case DLT_IPV4:
	case DLT_IPV6:
		return decode_ip(f, caplen, pkt);
	case DLT_NULL:
	case DLT_LOOP: /* 4-byte address family; the IP version nibble tells */
		if (caplen < 4)
			return -EINVAL;
		return decode_ip(f + 4, caplen - 4, pkt);
	default:
		return -EPROTONOSUPPORT;
	}
}
