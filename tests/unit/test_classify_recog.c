/* Unit tests for the payload recognisers: RTP/RTCP, STUN, DTLS, TFTP,
 * Meraki, H.323, MGCP, IAX2, BFCP, Zoom media headers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "bfcp.h"
#include "classify_frames.h"
#include "dtls.h"
#include "h323.h"
#include "iax.h"
#include "merakitraffic.h"
#include "mgcp.h"
#include "rtp.h"
#include "stun.h"
#include "tftp.h"
#include "zoom.h"

static size_t unhex(const char *h, uint8_t *out)
{
	size_t n = strlen(h) / 2;
	for (size_t i = 0; i < n; i++) {
		unsigned v;
		sscanf(h + 2 * i, "%2x", &v);
		out[i] = (uint8_t)v;
	}
	return n;
}

#define B(s) (const uint8_t *)(s), sizeof(s) - 1

static void test_rtp(void **state)
{
	(void)state;
	uint8_t b[200];
	uint8_t pt;
	uint16_t seq;
	uint32_t ssrc;
	size_t n = rtp_packet(b, 8, 100, 0x1234, 160);
	assert_true(ucf_rtp_header(b, n, &pt, &seq, &ssrc));
	assert_int_equal(pt, 8);
	assert_int_equal(seq, 100);
	assert_int_equal(ssrc, 0x1234);
	/* version 1, RTCP payload types, a CSRC list past the end */
	b[0] = 0x40;
	assert_false(ucf_rtp_header(b, n, &pt, &seq, &ssrc));
	b[0] = 0x80, b[1] = 0xc8;
	assert_false(ucf_rtp_header(b, n, &pt, &seq, &ssrc));
	b[1] = 8, b[0] = 0x8f;
	assert_false(ucf_rtp_header(b, 20, &pt, &seq, &ssrc));
	/* a run of three in sequence, tolerant of a lost packet */
	struct ucf_rtp_track t = {0};
	uint16_t seqs[] = {100, 101, 103};
	for (int i = 0; i < 3; i++) {
		n = rtp_packet(b, 0, seqs[i], 77, 20);
		assert_int_equal(ucf_rtp_track(&t, b, n), i == 2);
	}
	/* a new SSRC starts again */
	struct ucf_rtp_track u = {0};
	for (int i = 0; i < 3; i++) {
		n = rtp_packet(b, 0, (uint16_t)(5 + i), (uint32_t)(900 + i), 20);
		assert_false(ucf_rtp_track(&u, b, n));
	}
	/* SR + SDES compound (rtcp_multiple_pkts_in_the_same_datagram.pcap) */
	n = unhex("80c800065d931534e39a0c8c2dd2f1a950bba4f4000000010000006081ca00065d9315340110"
		  "7a7536576c4e4950765f4d6e4b4b6c6f0000", b);
	assert_true(ucf_rtcp_compound(b, n));
	assert_false(ucf_rtcp_compound(b, n - 4));
	assert_false(ucf_rtcp_compound(b + 1, n - 1));
	/* an SRTCP trailer after the compound is allowed */
	memset(b + n, 0xaa, 14);
	assert_true(ucf_rtcp_compound(b, n + 14));
	/* an RTP packet is not RTCP */
	n = rtp_packet(b, 0, 1, 1, 20);
	assert_false(ucf_rtcp_compound(b, n));
}

static void test_stun(void **state)
{
	(void)state;
	uint8_t b[256];
	bool classic;
	/* Binding Request with cookie, one USERNAME attribute (padded) */
	size_t n = unhex("000100082112a442000102030405060708090a0b00060003616263ff", b);
	assert_true(ucf_stun_datagram(b, n, &classic));
	assert_false(classic);
	assert_false(ucf_stun_datagram(b, n - 1, &classic));
	b[4] = 0; /* no cookie: and not a classic message either (length) */
	assert_false(ucf_stun_datagram(b, n, &classic));
	/* classic Binding Request from zoom.pcap (attribute type 0x0101) */
	n = unhex("00010018c15dae63585d14392e582c260403bf30010100143132333435363738393031323334353637383900", b);
	assert_true(ucf_stun_datagram(b, n, &classic));
	assert_true(classic);
	/* Discord IP discovery (00 01, length 70, 74 bytes) is not STUN */
	memset(b, 0, 74);
	b[1] = 1, b[3] = 70;
	assert_false(ucf_stun_datagram(b, 74, &classic));
	/* TCP: raw, RFC 4571 framed, several in one segment */
	n = unhex("000300002112a442000102030405060708090a0b", b);
	assert_true(ucf_stun_stream(b, n));
	memmove(b + 2, b, n);
	b[0] = 0, b[1] = 20;
	assert_true(ucf_stun_stream(b, n + 2));
	b[1] = 21;
	assert_false(ucf_stun_stream(b, n + 2));
	assert_false(ucf_stun_stream(B("GET / HTTP/1.1\r\n\r\nxxxxxx")));
}

static void test_dtls(void **state)
{
	(void)state;
	uint8_t b[256];
	/* handshake record, DTLS 1.2, 4-byte body; then a second record */
	size_t n = unhex("16fefd0000000000000000000401020304" "17fefd000100000000000100020a0b", b);
	assert_true(ucf_dtls_datagram(b, n));
	assert_false(ucf_dtls_datagram(b, n - 1));
	b[1] = 0x01, b[2] = 0x00; /* pre-standard 0x0100 */
	assert_true(ucf_dtls_datagram(b, n));
	b[1] = 0x03, b[2] = 0x03; /* TLS 1.2 over UDP is not DTLS */
	assert_false(ucf_dtls_datagram(b, n));
	/* DTLS 1.3: a handshake record then a unified header record with length */
	n = unhex("16fefd0000000000000000000401020304" "2c010000030a0b0c", b);
	assert_true(ucf_dtls_datagram(b, n));
	/* a unified header cannot come first */
	assert_false(ucf_dtls_datagram(b + 17, n - 17));
	/* QUIC long header */
	n = unhex("c00000000108aabbccdd", b);
	assert_false(ucf_dtls_datagram(b, n));
}

static void test_tftp(void **state)
{
	(void)state;
	assert_true(ucf_tftp_request(B("\x00\x01rfc1350.txt\x00octet\x00")));
	assert_true(ucf_tftp_request(B("\x00\x02" "a\x00NETASCII\x00" "blksize\x00" "1428\x00")));
	assert_true(ucf_tftp_request(B("\x00\x01\x00octet\x00"))); /* empty name */
	assert_false(ucf_tftp_request(B("\x00\x01" "a\x00\x00")));   /* empty mode */
	assert_false(ucf_tftp_request(B("\x00\x01" "a\x00" "binary\x00")));
	assert_false(ucf_tftp_request(B("\x00\x01" "a\x00octet")));  /* no NUL */
	assert_false(ucf_tftp_request(B("\x00\x03" "a\x00octet\x00")));
	assert_false(ucf_tftp_request(B("\x00\x01" "a\x00octet\x00" "tsize\x00")));
	assert_true(ucf_tftp_oack(B("\x00\x06" "blksize\x00" "1428\x00")));
	assert_false(ucf_tftp_oack(B("\x00\x06")));
}

static void test_meraki(void **state)
{
	(void)state;
	uint8_t b[64];
	size_t n = unhex("fef728910d01002e060000020000000000000000", b);
	assert_int_equal(ucf_meraki_match(47301, 7351, b, n), UCF_MERAKI_CLOUD);
	assert_int_equal(ucf_meraki_match(9350, 40000, b, n), UCF_MERAKI_AUTOVPN);
	assert_int_equal(ucf_meraki_match(1000, 2000, b, n), UCF_MERAKI_NONE);
	b[3] = 0x92;
	assert_int_equal(ucf_meraki_match(47301, 7351, b, n), UCF_MERAKI_NONE);
}

static void test_h323(void **state)
{
	(void)state;
	uint8_t b[128];
	/* h323.pcap: Q.931 setup in TPKT, an H.245 TCS, and a bare TPKT */
	size_t n = unhex("030000a0080277f40504038090a528086d2e6a656d6563", b);
	assert_true(ucf_h323_tcp(b, n));
	n = unhex("0300001c0230010600088175000500801bc520401d008000", b);
	assert_true(ucf_h323_tcp(b, n));
	n = unhex("03000004", b);
	assert_false(ucf_h323_tcp(b, n));
	n = unhex("0300000b01000080924fd5", b); /* H.245 without the OID: not alone */
	assert_false(ucf_h323_tcp(b, n));
	/* RAS with the H.225.0 OID, only with port 1719 */
	n = unhex("02200000060008914a0004001102007c07f22200ae01003d", b);
	assert_true(ucf_h323_ras(2034, 1719, b, n));
	assert_false(ucf_h323_ras(2034, 1720, b, n));
	n = unhex("2648000218c000340037003400610037003400630038", b);
	assert_false(ucf_h323_ras(2034, 1719, b, n));
}

static void test_mgcp(void **state)
{
	(void)state;
	struct ucf_mgcp_msg m;
	const char *crcx = "CRCX 1204 aaln/1@gw.example.net MGCP 1.0\r\n"
			   "C: A3C47F21456789F0\r\n"
			   "M: recvonly\r\n"
			   "\r\n"
			   "v=0\r\nc=IN IP4 10.1.1.1\r\nm=audio 3456 RTP/AVP 0\r\n";
	assert_int_equal(ucf_mgcp_parse(1000, 2427, (const uint8_t *)crcx, strlen(crcx), &m), 0);
	assert_true(m.command);
	assert_false(m.delete);
	assert_int_not_equal(m.call_hash, 0);
	assert_non_null(m.sdp);
	assert_memory_equal(m.sdp, "v=0", 3);
	const char *rqnt = "RQNT 1 *@gateway44.myplace.com MGCP 0.1\n";
	assert_int_equal(ucf_mgcp_parse(40798, 2427, (const uint8_t *)rqnt, strlen(rqnt), &m), 0);
	const char *dlcx = "DLCX 9 aaln/1@gw MGCP 1.0\nC: A3C47F21456789F0\n";
	assert_int_equal(ucf_mgcp_parse(2427, 2727, (const uint8_t *)dlcx, strlen(dlcx), &m), 0);
	assert_true(m.delete);
	/* responses count only on an MGCP port */
	const char *ok = "200 1204 OK\r\n";
	assert_int_equal(ucf_mgcp_parse(2427, 2427, (const uint8_t *)ok, strlen(ok), &m), 0);
	assert_false(m.command);
	assert_int_equal(ucf_mgcp_parse(1000, 2000, (const uint8_t *)ok, strlen(ok), &m), -EINVAL);
	const char *bad[] = {"CRCX 12 x MGCP\n", "CRCX x ep MGCP 1.0\n", "XXXX 1 ep MGCP 1.0\n",
			     "MEGACO/1 [10.0.0.1]:2944\n", "200\n"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(ucf_mgcp_parse(2427, 2427, (const uint8_t *)bad[i],
						strlen(bad[i]), &m), -EINVAL);
}

static void test_iax(void **state)
{
	(void)state;
	uint8_t b[64];
	/* NEW (IAX frame type 6, subclass 1) with one IE */
	size_t n = unhex("8004000000000001000006010b020002", b);
	assert_true(ucf_iax_full_frame(4569, 4566, b, n));
	assert_false(ucf_iax_full_frame(5000, 4566, b, n)); /* not on the IAX port */
	b[11] = 0x40; /* subclass out of range */
	assert_false(ucf_iax_full_frame(4569, 4566, b, n));
	b[11] = 1;
	b[13] = 9; /* IE longer than the frame */
	assert_false(ucf_iax_full_frame(4569, 4566, b, n));
	b[0] = 0x00; /* a mini frame does not identify the flow */
	assert_false(ucf_iax_full_frame(4569, 4566, b, n));
}

static void test_bfcp(void **state)
{
	(void)state;
	uint8_t b[64];
	struct ucf_bfcp_hdr h;
	/* bfcp.pcapng: length says one word more than the datagram holds */
	size_t n = unhex("200300010000000100020504", b);
	assert_true(ucf_bfcp_header(b, n, false, &h));
	assert_false(h.length_ok);
	assert_int_equal(h.conference, 1);
	assert_int_equal(h.user, 0x0504);
	/* a consistent message with one attribute (FLOOR-ID, 4 bytes) */
	n = unhex("20010001000000070003000904040001", b);
	assert_true(ucf_bfcp_header(b, n, false, &h));
	assert_true(h.length_ok);
	b[13] = 1; /* attribute length below its header */
	assert_true(ucf_bfcp_header(b, n, false, &h));
	assert_false(h.length_ok);
	b[0] = 0x60; /* version 3 */
	assert_false(ucf_bfcp_header(b, n, false, &h));
	b[0] = 0x20, b[1] = 0;
	assert_false(ucf_bfcp_header(b, n, false, &h));
}

static void test_zoom(void **state)
{
	(void)state;
	uint8_t b[128];
	struct ucf_zoom_inner z[UCF_ZOOM_MAX_CANDIDATES];
	/* zoom_p2p audio: type 0x0f first, RTP at 19 */
	size_t n = unhex("0f0100fb901611040300004909b64c00010048907119070011d81001000802bede", b);
	unsigned k = ucf_zoom_media(b, n, z);
	assert_int_equal(k, 1);
	assert_int_equal(z[0].kind, UCF_ZOOM_RTP);
	assert_int_equal(z[0].off, 19);
	assert_int_equal(b[z[0].off], 0x90);
	/* zoom.pcap: 0x05 then type 0x22 at 1: RTCP at 17 */
	n = unhex("05220100fb90091000000000000000000080c8000601000402e13779d7e7ec12da0000", b);
	k = ucf_zoom_media(b, n, z);
	assert_int_equal(k, 1);
	assert_int_equal(z[0].kind, UCF_ZOOM_RTCP);
	assert_int_equal(z[0].off, 17);
	/* a bandwidth probe (0x15) has no media */
	n = unhex("15010000000002030033010d040000fffee3e600000003e8000000000101010101", b);
	assert_int_equal(ucf_zoom_media(b, n, z), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rtp),  cmocka_unit_test(test_stun),   cmocka_unit_test(test_dtls),
		cmocka_unit_test(test_tftp), cmocka_unit_test(test_meraki), cmocka_unit_test(test_h323),
		cmocka_unit_test(test_mgcp), cmocka_unit_test(test_iax),    cmocka_unit_test(test_bfcp),
		cmocka_unit_test(test_zoom),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
