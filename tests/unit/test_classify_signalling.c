/* Unit tests for the SIP, SDP and SCCP parsers and TCP stream framing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "classify_frames.h"
#include "sccp.h"
#include "sdp.h"
#include "sip.h"
#include "stream.h"

#define U(s) (const uint8_t *)(s), strlen(s)

static const char invite[] =
	"INVITE sip:bob@example.com SIP/2.0\r\n"
	"Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1\r\n"
	"From: <sip:alice@example.com>;tag=1\r\n"
	"To: <sip:bob@example.com>\r\n"
	"Call-ID: abc123@10.0.0.1\r\n"
	"CSeq: 1 INVITE\r\n"
	"Content-Type: application/sdp\r\n"
	"Content-Length: 24\r\n"
	"\r\n"
	"v=0\r\nc=IN IP4 10.0.0.1\r\n";

static void test_sip_request(void **state)
{
	(void)state;
	struct ucf_sip_msg m;
	assert_true(ucf_sip_start_line(U(invite)));
	assert_int_equal(ucf_sip_parse(U(invite), false, &m), 0);
	assert_true(m.request);
	assert_int_equal(m.method, UCF_SIP_INVITE);
	assert_int_equal(m.cseq_method, UCF_SIP_INVITE);
	assert_true(m.has_clen);
	assert_int_equal(m.clen, 24);
	assert_non_null(m.sdp);
	assert_int_equal(m.sdp_len, 24);
	assert_memory_equal(m.sdp, "v=0\r\n", 5);
	assert_int_equal(m.len, strlen(invite));
	uint64_t h = m.call_hash;
	assert_int_not_equal(h, 0);
	/* the hash depends on Call-ID only */
	char other[sizeof(invite)];
	memcpy(other, invite, sizeof(invite));
	*strstr(other, "alice") = 'A';
	assert_int_equal(ucf_sip_parse(U(other), false, &m), 0);
	assert_true(m.call_hash == h);
	*strstr(other, "abc123") = 'X';
	assert_int_equal(ucf_sip_parse(U(other), false, &m), 0);
	assert_false(m.call_hash == h);
	assert_string_equal(ucf_sip_method_name(UCF_SIP_BYE), "BYE");
}

static void test_sip_response_compact(void **state)
{
	(void)state;
	const char *r = "SIP/2.0 200 OK\r\n"
			"v: SIP/2.0/UDP x\r\n"
			"i: call-9\r\n"
			"CSeq :  7  INVITE\r\n"
			"c: application/sdp\r\n"
			"l: 5\r\n"
			"\r\n"
			"v=0\r\nTRAILING";
	struct ucf_sip_msg m;
	assert_int_equal(ucf_sip_parse(U(r), false, &m), 0);
	assert_false(m.request);
	assert_int_equal(m.status, 200);
	assert_int_equal(m.cseq_method, UCF_SIP_INVITE);
	assert_int_equal(m.sdp_len, 5); /* Content-Length limits the body */
	assert_int_not_equal(m.call_hash, 0);
	/* LF-only line ends are accepted */
	const char *lf = "SIP/2.0 180 Ringing\nCSeq: 1 INVITE\nCall-ID: z\n\n";
	assert_int_equal(ucf_sip_parse(U(lf), false, &m), 0);
	assert_int_equal(m.status, 180);
}

static void test_sip_not_sip(void **state)
{
	(void)state;
	struct ucf_sip_msg m;
	const char *bad[] = {
		"GET /index.m3u8 HTTP/1.1\r\nHost: x\r\n\r\n",
		"OPTIONS rtsp://x/ RTSP/1.0\r\n\r\n",
		"SIP/2.0 99 Too low\r\n\r\n",
		"SIP/2.0 2000 OK\r\n\r\n",
		"INVITE  SIP/2.0\r\n\r\n",
		"INVITE sip:a b SIP/2.0\r\n\r\n",
		"hello",
		"",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_false(ucf_sip_start_line(U(bad[i])));
		assert_int_equal(ucf_sip_parse(U(bad[i]), false, &m), -EINVAL);
	}
	assert_int_equal(ucf_sip_filler(U("\r\n\r\nINVITE")), 4);
}

static void test_sip_stream_framing(void **state)
{
	(void)state;
	struct ucf_sip_msg m;
	/* incomplete headers, then an incomplete body */
	assert_int_equal(ucf_sip_parse((const uint8_t *)invite, 60, true, &m), -EAGAIN);
	assert_int_equal(ucf_sip_parse((const uint8_t *)invite, strlen(invite) - 3, true, &m),
			 -EAGAIN);
	assert_int_equal(ucf_sip_parse(U(invite), true, &m), 0);
	/* on a stream a missing Content-Length means no body */
	const char *bye = "BYE sip:x SIP/2.0\r\nCall-ID: q\r\nCSeq: 2 BYE\r\n\r\nnext";
	assert_int_equal(ucf_sip_parse(U(bye), true, &m), 0);
	assert_int_equal(m.len, strlen(bye) - 4);
	assert_int_equal(m.method, UCF_SIP_BYE);
}

static void test_sip_multipart(void **state)
{
	(void)state;
	const char *msg = "INVITE sip:x SIP/2.0\r\n"
			  "Call-ID: mp\r\n"
			  "CSeq: 1 INVITE\r\n"
			  "Content-Type: multipart/mixed;boundary=\"unique-b\"\r\n"
			  "\r\n"
			  "--unique-b\r\n"
			  "Content-Type: application/isup\r\n"
			  "\r\n"
			  "isup-bytes\r\n"
			  "--unique-b\r\n"
			  "Content-Type: application/sdp\r\n"
			  "\r\n"
			  "v=0\r\nm=audio 4000 RTP/AVP 0\r\n"
			  "\r\n--unique-b--\r\n";
	struct ucf_sip_msg m;
	assert_int_equal(ucf_sip_parse(U(msg), false, &m), 0);
	assert_non_null(m.sdp);
	const char *want = "v=0\r\nm=audio 4000 RTP/AVP 0\r\n";
	assert_int_equal(m.sdp_len, strlen(want));
	assert_memory_equal(m.sdp, want, strlen(want));
}

static void test_sdp(void **state)
{
	(void)state;
	const char *s = "v=0\r\n"
			"o=- 1 1 IN IP4 10.0.0.1\r\n"
			"c=IN IP4 10.0.0.1\r\n"
			"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:KEY\r\n"
			"m=audio 49170 RTP/AVP 0\r\n"
			"a=rtcp:53020 IN IP4 10.0.0.9\r\n"
			"m=video 0 RTP/AVP 31\r\n"
			"m=audio 50000 RTP/SAVPF 111\r\n"
			"c=IN IP6 2001:db8::5\r\n"
			"a=rtcp-mux\r\n"
			"m=image 6000 udptl t38\r\n"
			"c=IN IP4 0.0.0.0\r\n"
			"m=audio 7000/2 RTP/AVP 0\r\n"
			"c=IN IP4 host.example.com\r\n"
			"m=application 9 TCP/BFCP *\r\n";
	struct ucf_sdp sdp;
	assert_int_equal(ucf_sdp_parse(U(s), &sdp), 0);
	assert_int_equal(sdp.count, 6);
	assert_true(sdp.crypto);
	const struct ucf_sdp_media *m = sdp.m;
	assert_int_equal(m[0].port, 49170);
	assert_int_equal(m[0].transport, UCF_SDP_RTP);
	assert_int_equal(m[0].conn.family, AF_INET);
	assert_int_equal(m[0].conn.addr[3], 1);
	assert_int_equal(m[0].rtcp_port, 53020);
	assert_int_equal(m[0].rtcp_conn.addr[3], 9);
	assert_true(m[0].crypto); /* session-level a=crypto applies to every m= */
	assert_int_equal(m[1].port, 0);
	assert_int_equal(m[2].transport, UCF_SDP_SRTP);
	assert_int_equal(m[2].conn.family, AF_INET6);
	assert_true(m[2].rtcp_mux);
	assert_int_equal(m[3].transport, UCF_SDP_UDPTL);
	assert_int_equal(m[3].conn.family, 0); /* on hold */
	assert_int_equal(m[4].nports, 2);
	assert_int_equal(m[4].conn.family, 0); /* a host name: nothing to learn */
	assert_int_equal(m[5].transport, UCF_SDP_TCP);
	assert_int_equal(ucf_sdp_parse(U("m=audio 1 RTP/AVP 0\r\n"), &sdp), -EINVAL);
	/* a malformed m= line is skipped, with its c= */
	assert_int_equal(ucf_sdp_parse(U("v=0\nm=audio x RTP/AVP\nc=IN IP4 1.2.3.4\nm=audio 5 RTP/AVP 0\n"), &sdp), 0);
	assert_int_equal(sdp.count, 1);
	assert_int_equal(sdp.m[0].conn.family, 0);
}

/* skinny.pcap frames 35 (StartMediaTransmission) and 36 (ORC ack), V20. */
static const char smt_hex[] =
	"88000000140000008a0000004b362e015100000100000000c0a8c118000000000000000000000000b7240000"
	"1400000004000000b80000000000000000000000000000004f362e0100000000000000000000000000000000"
	"0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
	"000000000a0000000100000001000000";
static const char orca_hex[] =
	"2800000014000000220000000000000000000000c0a8c33a000000000000000000000000907d00004f0000014a362e01";

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

static void test_sccp(void **state)
{
	(void)state;
	uint8_t b[512];
	struct ucf_sccp_msg m;
	size_t n = unhex(smt_hex, b);
	assert_true(ucf_sccp_header_ok(b, n));
	assert_int_equal(ucf_sccp_parse(b, n, &m), 0);
	assert_int_equal(m.id, UCF_SCCP_START_MEDIA);
	assert_int_equal(m.len, 0x88 + 8); /* followed by the start of the next message */
	assert_true(m.media);
	assert_int_equal(m.family, AF_INET);
	assert_memory_equal(m.addr, "\xc0\xa8\xc1\x18", 4);
	assert_int_equal(m.port, 9399);
	assert_int_equal(m.party, 0x01000051);
	assert_true(m.unencrypted);
	assert_int_equal(ucf_sccp_parse(b, 0x88 + 7, &m), -EAGAIN);
	assert_int_equal(ucf_sccp_parse(b, 10, &m), -EAGAIN);
	n = unhex(orca_hex, b);
	assert_int_equal(ucf_sccp_parse(b, n, &m), 0);
	assert_int_equal(m.id, UCF_SCCP_OPEN_RECEIVE_CHANNEL_ACK);
	assert_true(m.media);
	assert_int_equal(m.port, 32144);
	assert_memory_equal(m.addr, "\xc0\xa8\xc3\x3a", 4);
	/* basic layout (header version 0): IPv4 address inline */
	uint8_t basic[] = {20, 0, 0, 0, 0, 0, 0, 0, 0x22, 0, 0, 0, 0, 0, 0, 0,
			   10, 1, 2, 3, 0x40, 0x9c, 0, 0, 7, 0, 0, 0};
	assert_int_equal(ucf_sccp_parse(basic, sizeof(basic), &m), 0);
	assert_true(m.media);
	assert_int_equal(m.port, 40000);
	assert_int_equal(m.addr[3], 3);
	/* a failed ORC ack has no media */
	basic[12] = 1;
	assert_int_equal(ucf_sccp_parse(basic, sizeof(basic), &m), 0);
	assert_false(m.media);
	/* not SCCP: TPKT, TLS, a huge length */
	assert_false(ucf_sccp_header_ok((const uint8_t *)"\x03\x00\x00\x04\x00\x00\x00\x00\x00\x00\x00\x00", 12));
	assert_int_equal(ucf_sccp_parse((const uint8_t *)"\x16\x03\x01\x02\x00\x01\x00\x00\x00\x00\x00\x00", 12, &m), -EINVAL);
}

struct seen {
	unsigned msgs;
	size_t lens[8];
};

static int count_sip(void *arg, const uint8_t *p, size_t n, size_t *used)
{
	struct seen *s = arg;
	size_t f = ucf_sip_filler(p, n);
	if (f) {
		*used = f;
		return 0;
	}
	struct ucf_sip_msg m;
	int rc = ucf_sip_parse(p, n, true, &m);
	if (rc == 0) {
		*used = m.len;
		if (s->msgs < 8)
			s->lens[s->msgs] = m.len;
		s->msgs++;
	}
	return rc;
}

static void test_stream(void **state)
{
	(void)state;
	struct ucf_stream st = {0};
	struct ucf_stream_pool pool = {0};
	struct seen s = {0};
	size_t n = strlen(invite);
	uint32_t seq = 1000;
	/* one message in three segments, with a retransmitted overlap */
	assert_int_equal(ucf_stream_feed(&pool, &st, seq, (const uint8_t *)invite, 50, count_sip, &s), 0);
	assert_int_equal(ucf_stream_feed(&pool, &st, seq + 40, (const uint8_t *)invite + 40, 100, count_sip, &s), 0);
	assert_int_equal(s.msgs, 0);
	assert_int_equal(ucf_stream_feed(&pool, &st, seq + 140, (const uint8_t *)invite + 140, n - 140, count_sip, &s), 0);
	assert_int_equal(s.msgs, 1);
	assert_int_equal(s.lens[0], n);
	assert_int_equal(st.len, 0);
	/* two messages and a keep-alive in one segment */
	char two[1024];
	snprintf(two, sizeof(two), "%s\r\n\r\n%s", invite, invite);
	seq += (uint32_t)n;
	assert_int_equal(ucf_stream_feed(&pool, &st, seq, (const uint8_t *)two, strlen(two), count_sip, &s), 0);
	assert_int_equal(s.msgs, 3);
	/* a gap drops the partial message and resynchronises */
	seq += (uint32_t)strlen(two);
	assert_int_equal(ucf_stream_feed(&pool, &st, seq, (const uint8_t *)invite, 30, count_sip, &s), 0);
	assert_int_equal(ucf_stream_feed(&pool, &st, seq + 500, (const uint8_t *)invite, n, count_sip, &s), 0);
	assert_int_equal(s.msgs, 4);
	/* junk is skipped, not buffered */
	assert_int_equal(ucf_stream_feed(&pool, &st, seq + 500 + (uint32_t)n, U("GET / HTTP/1.1\r\n\r\n"), count_sip, &s), 0);
	assert_int_equal(st.len, 0);
	assert_int_equal(pool.bytes, 0); /* nothing in flight: nothing held */
	ucf_stream_release(&pool, &st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sip_request),	cmocka_unit_test(test_sip_response_compact),
		cmocka_unit_test(test_sip_not_sip),	cmocka_unit_test(test_sip_stream_framing),
		cmocka_unit_test(test_sip_multipart), cmocka_unit_test(test_sdp),
		cmocka_unit_test(test_sccp),		cmocka_unit_test(test_stream),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
