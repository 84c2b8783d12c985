/* Unit tests for the packet decoder and fragment reassembly. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <pcap/dlt.h>
#include <string.h>

#include "classify_frames.h"
#include "decode.h"
#include "reasm.h"

static uint8_t f[FRAME_MAX];

static void test_ethernet_udp4(void **state)
{
	(void)state;
	struct ucf_pkt p;
	size_t n = udp_frame(f, "10.0.0.1", 5060, "10.0.0.2", 5070, "hello", 5);
	assert_int_equal(ucf_decode(DLT_EN10MB, f, (uint32_t)n, &p), 0);
	assert_int_equal(p.family, AF_INET);
	assert_int_equal(p.l4proto, IPPROTO_UDP);
	assert_int_equal(p.sport, 5060);
	assert_int_equal(p.dport, 5070);
	assert_int_equal(p.payload_len, 5);
	assert_memory_equal(p.payload, "hello", 5);
	assert_int_equal(p.src[0], 10);
	assert_int_equal(p.dst[3], 2);
	assert_int_equal(p.src[4], 0); /* IPv4 is zero-padded */
	assert_false(p.fragment);
	/* Ethernet padding after the IP packet is not payload */
	memset(f + n, 0xee, 20);
	assert_int_equal(ucf_decode(DLT_EN10MB, f, (uint32_t)n + 20, &p), 0);
	assert_int_equal(p.payload_len, 5);
}

static void test_vlan_qinq_tcp6(void **state)
{
	(void)state;
	struct ucf_pkt p;
	size_t n = build_frame(f, 2, "2001:db8::1", 40000, "2001:db8::2", 5061, 0x18, 1234, "x", 1);
	assert_int_equal(ucf_decode(DLT_EN10MB, f, (uint32_t)n, &p), 0);
	assert_int_equal(p.family, AF_INET6);
	assert_int_equal(p.l4proto, IPPROTO_TCP);
	assert_int_equal(p.tcp_seq, 1234);
	assert_int_equal(p.tcp_flags, 0x18);
	assert_int_equal(p.dport, 5061);
	assert_int_equal(p.payload_len, 1);
	/* five tags is more than the decoder follows */
	n = build_frame(f, 5, "10.0.0.1", 1, "10.0.0.2", 2, -1, 0, "x", 1);
	assert_int_equal(ucf_decode(DLT_EN10MB, f, (uint32_t)n, &p), -EINVAL);
}

static void test_ipv6_extension_headers(void **state)
{
	(void)state;
	struct ucf_pkt p;
	uint8_t ip[200] = {0};
	ip[0] = 0x60;
	ip[6] = 0;   /* hop-by-hop */
	ip[8] = 0x20;
	ip[24] = 0x20;
	ip[40] = 60; /* next: destination options */
	ip[41] = 0;  /* 8 bytes */
	ip[48] = 17; /* next: UDP */
	ip[49] = 1;  /* 16 bytes */
	size_t l4 = build_l4(ip + 64, 1000, 2000, -1, 0, "abc", 3);
	put16(ip + 4, (uint16_t)(24 + l4));
	assert_int_equal(ucf_decode(DLT_RAW, ip, (uint32_t)(64 + l4), &p), 0);
	assert_int_equal(p.dport, 2000);
	assert_int_equal(p.payload_len, 3);
	/* an extension header running past the packet */
	ip[49] = 200;
	assert_int_equal(ucf_decode(DLT_RAW, ip, (uint32_t)(64 + l4), &p), -EINVAL);
	/* ESP: not UDP/TCP, ignored */
	ip[6] = 50;
	assert_int_equal(ucf_decode(DLT_RAW, ip, (uint32_t)(64 + l4), &p), -EPROTONOSUPPORT);
}

static void test_link_types(void **state)
{
	(void)state;
	struct ucf_pkt p;
	size_t n = udp_frame(f, "192.0.2.1", 7, "192.0.2.2", 9, "zz", 2);
	const uint8_t *ip = f + 14;
	size_t iplen = n - 14;
	uint8_t g[FRAME_MAX];
	/* SLL: 16 bytes, protocol at 14 */
	memset(g, 0, 16);
	put16(g + 14, 0x0800);
	memcpy(g + 16, ip, iplen);
	assert_int_equal(ucf_decode(DLT_LINUX_SLL, g, (uint32_t)(16 + iplen), &p), 0);
	assert_int_equal(p.dport, 9);
	/* SLL2: 20 bytes, protocol at 0 */
	memset(g, 0, 20);
	put16(g, 0x0800);
	memcpy(g + 20, ip, iplen);
	assert_int_equal(ucf_decode(DLT_LINUX_SLL2, g, (uint32_t)(20 + iplen), &p), 0);
	assert_int_equal(p.sport, 7);
	/* raw IP and BSD loopback */
	assert_int_equal(ucf_decode(DLT_RAW, ip, (uint32_t)iplen, &p), 0);
	memset(g, 0, 4);
	g[0] = 2;
	memcpy(g + 4, ip, iplen);
	assert_int_equal(ucf_decode(DLT_NULL, g, (uint32_t)(4 + iplen), &p), 0);
	/* PPPoE session carrying IPv4 */
	memcpy(g, f, 12);
	put16(g + 12, 0x8864);
	memset(g + 14, 0, 6);
	put16(g + 20, 0x0021);
	memcpy(g + 22, ip, iplen);
	assert_int_equal(ucf_decode(DLT_EN10MB, g, (uint32_t)(22 + iplen), &p), 0);
	assert_int_equal(p.payload_len, 2);
	/* ARP and an unknown link type are ignored, not errors */
	put16(g + 12, 0x0806);
	assert_int_equal(ucf_decode(DLT_EN10MB, g, 60, &p), -EPROTONOSUPPORT);
	assert_int_equal(ucf_decode(DLT_IEEE802_11, g, 60, &p), -EPROTONOSUPPORT);
}

static void test_malformed(void **state)
{
	(void)state;
	struct ucf_pkt p;
	size_t n = udp_frame(f, "10.0.0.1", 1, "10.0.0.2", 2, "abcdef", 6);
	for (size_t cut = 0; cut < 14 + 20 + 8; cut++)
		assert_int_equal(ucf_decode(DLT_EN10MB, f, (uint32_t)cut, &p),
				 -EINVAL);
	/* a short snaplen keeps the payload bytes that are there */
	assert_int_equal(ucf_decode(DLT_EN10MB, f, (uint32_t)n - 3, &p), 0);
	assert_int_equal(p.payload_len, 3);
	/* IHL below 5, total length below IHL, UDP length below 8 */
	f[14] = 0x44;
	assert_int_equal(ucf_decode(DLT_EN10MB, f, (uint32_t)n, &p), -EINVAL);
	f[14] = 0x45;
	put16(f + 16, 10);
	assert_int_equal(ucf_decode(DLT_EN10MB, f, (uint32_t)n, &p), -EINVAL);
	n = udp_frame(f, "10.0.0.1", 1, "10.0.0.2", 2, "abcdef", 6);
	put16(f + 14 + 20 + 4, 7);
	assert_int_equal(ucf_decode(DLT_EN10MB, f, (uint32_t)n, &p), -EINVAL);
	/* a TCP data offset below 5 */
	n = tcp_frame(f, "10.0.0.1", 1, "10.0.0.2", 2, 0, "abc", 3);
	f[14 + 20 + 12] = 0x40;
	assert_int_equal(ucf_decode(DLT_EN10MB, f, (uint32_t)n, &p), -EINVAL);
	/* ICMP is not a flow */
	n = udp_frame(f, "10.0.0.1", 1, "10.0.0.2", 2, "abcdef", 6);
	f[14 + 9] = IPPROTO_ICMP;
	assert_int_equal(ucf_decode(DLT_EN10MB, f, (uint32_t)n, &p), -EPROTONOSUPPORT);
}

/* The source of the fragments fragment4 builds: 10.0.H.L */
static uint16_t frag_src_host = 1;

/* Splits an IPv4 UDP datagram into fragments of at most `chunk` data bytes. */
static size_t fragment4(uint8_t frames[][2000], size_t *lens, const uint8_t *l4, size_t l4len,
			size_t chunk, uint16_t id)
{
	size_t k = 0;
	for (size_t off = 0; off < l4len; off += chunk, k++) {
		size_t len = l4len - off < chunk ? l4len - off : chunk;
		uint8_t *ip = frames[k];
		memset(ip, 0, 20);
		ip[0] = 0x45;
		put16(ip + 2, (uint16_t)(20 + len));
		put16(ip + 4, id);
		put16(ip + 6, (uint16_t)((off / 8) | (off + len < l4len ? 0x2000 : 0)));
		ip[9] = IPPROTO_UDP;
		ip[12] = 10, ip[14] = frag_src_host >> 8, ip[15] = frag_src_host & 0xff;
		ip[16] = 10, ip[19] = 2;
		memcpy(ip + 20, l4 + off, len);
		lens[k] = 20 + len;
	}
	return k;
}

static void test_reassembly(void **state)
{
	(void)state;
	static uint8_t frames[16][2000];
	size_t lens[16];
	uint8_t payload[3000], l4[3100];
	for (size_t i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)i;
	size_t l4len = build_l4(l4, 5060, 5060, -1, 0, payload, sizeof(payload));
	size_t k = fragment4(frames, lens, l4, l4len, 1200, 77);
	assert_int_equal(k, 3);
	struct ucf_reasm *r;
	char err[128];
	assert_int_equal(ucf_reasm_new(&r, err, sizeof(err)), 0);
	/* out of order, with a duplicate */
	int order[] = {2, 0, 0, 1};
	const uint8_t *data = NULL;
	uint32_t len = 0;
	uint64_t wire = 0;
	for (int i = 0; i < 4; i++) {
		struct ucf_pkt p;
		assert_int_equal(ucf_decode(DLT_RAW, frames[order[i]], (uint32_t)lens[order[i]], &p), 0);
		assert_true(p.fragment);
		assert_int_equal(ucf_reasm_add(r, &p, 100, 1000, &data, &len, &wire), 0);
		assert_int_equal(len, i < 3 ? 0 : (uint32_t)l4len);
	}
	assert_int_equal(wire, 400);
	struct ucf_pkt p;
	memset(&p, 0, sizeof(p));
	assert_int_equal(ucf_decode_l4(IPPROTO_UDP, data, len, &p), 0);
	assert_int_equal(p.payload_len, sizeof(payload));
	assert_memory_equal(p.payload, payload, sizeof(payload));

	/* a middle fragment that is not a multiple of 8 bytes is refused */
	k = fragment4(frames, lens, l4, l4len, 1201, 78);
	assert_int_equal(ucf_decode(DLT_RAW, frames[0], (uint32_t)lens[0], &p), 0);
	assert_int_equal(ucf_reasm_add(r, &p, 100, 2000, &data, &len, &wire), -EINVAL);

	/* a missing fragment never completes, and times out */
	k = fragment4(frames, lens, l4, l4len, 1200, 79);
	for (size_t i = 0; i < 2; i++) {
		assert_int_equal(ucf_decode(DLT_RAW, frames[i], (uint32_t)lens[i], &p), 0);
		assert_int_equal(ucf_reasm_add(r, &p, 100, 3000, &data, &len, &wire), 0);
		assert_int_equal(len, 0);
	}
	struct ucf_reasm_stats st;
	ucf_reasm_get_stats(r, &st);
	uint64_t dropped = st.dropped;
	assert_int_equal(st.evicted, 0);
	assert_int_equal(ucf_decode(DLT_RAW, frames[2], (uint32_t)lens[2], &p), 0);
	assert_int_equal(ucf_reasm_add(r, &p, 100, 3000 + UCF_REASM_TIMEOUT_US + 1, &data, &len, &wire), 0);
	assert_int_equal(len, 0); /* the old slot expired: the last fragment alone is not enough */
	ucf_reasm_get_stats(r, &st);
	assert_true(st.dropped > dropped);
	assert_int_equal(st.evicted, 0); /* timed out, not evicted */

	/* more concurrent datagrams than slots: the oldest is given up */
	for (uint16_t id = 100; id < 100 + UCF_REASM_SLOTS + 4; id++) {
		k = fragment4(frames, lens, l4, l4len, 1200, id);
		assert_int_equal(ucf_decode(DLT_RAW, frames[0], (uint32_t)lens[0], &p), 0);
		assert_int_equal(ucf_reasm_add(r, &p, 100, 10000000 + id, &data, &len, &wire), 0);
	}
	ucf_reasm_get_stats(r, &st);
	assert_true(st.evicted >= 4);
	ucf_reasm_free(r);
}

/* Adds frame i of frames to r at now_us; returns the completed length. */
static uint32_t add_frag(struct ucf_reasm *r, uint8_t frames[][2000], const size_t *lens, size_t i,
			 uint64_t now_us)
{
	struct ucf_pkt p;
	const uint8_t *data = NULL;
	uint32_t len = 0;
	uint64_t wire = 0;
	assert_int_equal(ucf_decode(DLT_RAW, frames[i], (uint32_t)lens[i], &p), 0);
	assert_true(p.fragment);
	assert_int_equal(ucf_reasm_add(r, &p, 100, now_us, &data, &len, &wire), 0);
	return len;
}

/* One source sending the first fragments of thousands of datagrams (that
 * never complete) keeps a few slots: another source's pending SIP datagram,
 * begun before the flood, still completes after it. */
static void test_reassembly_fair(void **state)
{
	(void)state;
	static uint8_t frames[16][2000], flood[16][2000];
	size_t lens[16], flens[16];
	uint8_t payload[3000], l4[3100];
	for (size_t i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)(i * 7);
	size_t l4len = build_l4(l4, 5060, 5060, -1, 0, payload, sizeof(payload));
	struct ucf_reasm *r;
	char err[128];
	assert_int_equal(ucf_reasm_new(&r, err, sizeof(err)), 0);
	uint64_t t = 1000000;

	frag_src_host = 7; /* the phone: first fragment of its INVITE */
	size_t k = fragment4(frames, lens, l4, l4len, 1200, 500);
	assert_int_equal(k, 3);
	assert_int_equal(add_frag(r, frames, lens, 0, t), 0);

	frag_src_host = 666; /* the flood: later, so the phone's slot is the oldest */
	for (uint32_t id = 0; id < 5000; id++) {
		fragment4(flood, flens, l4, l4len, 1200, (uint16_t)id);
		assert_int_equal(add_frag(r, flood, flens, 0, t + 1 + id), 0);
	}
	struct ucf_reasm_stats st;
	ucf_reasm_get_stats(r, &st);
	assert_true(st.dropped >= 5000 - UCF_REASM_PER_SOURCE);
	assert_true(st.evicted >= 5000 - UCF_REASM_PER_SOURCE);
	assert_true(st.bytes <= UCF_REASM_BYTES);

	assert_int_equal(add_frag(r, frames, lens, 1, t + 10000), 0);
	assert_int_equal(add_frag(r, frames, lens, 2, t + 10001), (uint32_t)l4len);

	/* many sources, one datagram each: all fit in the slots, none given up */
	ucf_reasm_get_stats(r, &st);
	uint64_t dropped = st.dropped, evicted = st.evicted;
	for (uint16_t src = 1000; src < 1000 + UCF_REASM_SLOTS - UCF_REASM_PER_SOURCE - 1; src++) {
		frag_src_host = src;
		fragment4(flood, flens, l4, l4len, 1200, 9);
		assert_int_equal(add_frag(r, flood, flens, 0, t + 20000 + src), 0);
	}
	ucf_reasm_get_stats(r, &st);
	assert_int_equal(st.dropped, dropped);
	assert_int_equal(st.evicted, evicted);
	assert_true(st.bytes <= UCF_REASM_BYTES);
	/* and the one whose first fragment came first still completes */
	frag_src_host = 1000;
	fragment4(flood, flens, l4, l4len, 1200, 9);
	assert_int_equal(add_frag(r, flood, flens, 1, t + 30000), 0);
	assert_int_equal(add_frag(r, flood, flens, 2, t + 30001), (uint32_t)l4len);
	frag_src_host = 1;
	ucf_reasm_free(r);
}

/* Fragments far into the datagram in every slot: the buffers stay within
 * the reassembly budget, the newest datagrams keep theirs. */
static void test_reassembly_budget(void **state)
{
	(void)state;
	struct ucf_reasm *r;
	char err[128];
	assert_int_equal(ucf_reasm_new(&r, err, sizeof(err)), 0);
	uint8_t ip[1300] = {0};
	struct ucf_reasm_stats st;
	for (unsigned i = 0; i < 4 * UCF_REASM_SLOTS; i++) {
		memset(ip, 0, 20);
		ip[0] = 0x45;
		put16(ip + 2, 20 + 1024);
		put16(ip + 4, (uint16_t)i);
		put16(ip + 6, (uint16_t)(0x2000 | (60000 / 8))); /* more fragments, offset 60000 */
		ip[9] = IPPROTO_UDP;
		ip[12] = 10, ip[13] = 1, ip[14] = (uint8_t)(i >> 8), ip[15] = (uint8_t)i;
		ip[16] = 10, ip[19] = 2;
		struct ucf_pkt p;
		const uint8_t *data;
		uint32_t len;
		uint64_t wire;
		assert_int_equal(ucf_decode(DLT_RAW, ip, 20 + 1024, &p), 0);
		assert_int_equal(ucf_reasm_add(r, &p, 100, 1000 + i, &data, &len, &wire), 0);
		ucf_reasm_get_stats(r, &st);
		assert_true(st.bytes <= UCF_REASM_BYTES);
	}
	assert_true(st.bytes > UCF_REASM_BYTES / 2);
	/* the oldest gave up their buffers, counted as evictions */
	assert_true(st.evicted >= 4 * UCF_REASM_SLOTS - UCF_REASM_BYTES / 60000);
	assert_int_equal(st.dropped, st.evicted);
	ucf_reasm_free(r);
}

static void test_ipv6_fragment_header(void **state)
{
	(void)state;
	uint8_t ip[200] = {0};
	ip[0] = 0x60;
	ip[6] = 44;
	ip[40] = IPPROTO_UDP;
	put16(ip + 42, (uint16_t)(1 << 3)); /* offset 8, last */
	put32(ip + 44, 0xabcd);
	memset(ip + 48, 'x', 16);
	put16(ip + 4, 8 + 16);
	struct ucf_pkt p;
	assert_int_equal(ucf_decode(DLT_RAW, ip, 64, &p), 0);
	assert_true(p.fragment);
	assert_int_equal(p.frag_id, 0xabcd);
	assert_int_equal(p.frag_offset, 8);
	assert_false(p.frag_more);
	assert_int_equal(p.payload_len, 16);
	/* an atomic fragment (offset 0, no more) is a whole datagram */
	put16(ip + 42, 0);
	build_l4(ip + 48, 1, 2, -1, 0, "12345678", 8);
	assert_int_equal(ucf_decode(DLT_RAW, ip, 64, &p), 0);
	assert_false(p.fragment);
	assert_int_equal(p.dport, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ethernet_udp4),	cmocka_unit_test(test_vlan_qinq_tcp6),
		cmocka_unit_test(test_ipv6_extension_headers), cmocka_unit_test(test_link_types),
		cmocka_unit_test(test_malformed),	cmocka_unit_test(test_reassembly),
		cmocka_unit_test(test_ipv6_fragment_header), cmocka_unit_test(test_reassembly_fair),
		cmocka_unit_test(test_reassembly_budget),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
