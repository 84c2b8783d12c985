/* Unit tests for the classifier as a whole: frames in, verdicts, media
 * events and risks out. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <netinet/in.h>
#include <pcap/dlt.h>
#include <stdio.h>
#include <string.h>

#include "classify.h"
#include "classify_frames.h"
#include "reasm.h"
#include "stream.h"

#define A "10.0.0.1"
#define B "10.0.0.2"

struct rec {
	unsigned learned, ended, risks[UCF_RISK_KIND_COUNT], flows_ended, evicted_seen;
	uint8_t risk_l4proto[UCF_RISK_KIND_COUNT]; /* the last report's transport per kind */
	uint16_t learned_ports[32];
	struct ucf_flow_info last_end;
	char risk_text[4096];
};

static struct rec R;
static uint8_t fr[FRAME_MAX];
static uint64_t now = 1000000000;

static void on_media(void *arg, const struct ucf_media_event *ev)
{
	(void)arg;
	if (ev->type == UCF_MEDIA_OPEN) {
		if (R.learned < 32)
			R.learned_ports[R.learned] = ev->ep.port;
		R.learned++;
	} else {
		R.ended++;
	}
}

static void on_end(void *arg, const struct ucf_flow_info *fi)
{
	(void)arg;
	R.flows_ended++;
	R.last_end = *fi;
}

static void on_risk(void *arg, const struct ucf_risk *r)
{
	(void)arg;
	R.risks[r->kind]++;
	R.risk_l4proto[r->kind] = r->l4proto;
	strncat(R.risk_text, r->detail, sizeof(R.risk_text) - strlen(R.risk_text) - 1);
}

/* max_flows, media_timeout_s, stream_budget: 0 keeps the default */
static struct ucf_classifier *make_budget(uint32_t max_flows, uint32_t media_timeout_s,
					  size_t stream_budget)
{
	struct ucf_classifier_opts o;
	ucf_classifier_opts_default(&o);
	if (stream_budget)
		o.stream_budget = stream_budget;
	if (max_flows)
		o.max_flows = max_flows;
	if (media_timeout_s)
		o.media_timeout_s = media_timeout_s;
	struct ucf_classifier_hooks h = {.media = on_media, .flow_end = on_end, .risk = on_risk};
	struct ucf_classifier *c;
	char err[128];
	assert_int_equal(ucf_classifier_new(&o, &h, &c, err, sizeof(err)), 0);
	memset(&R, 0, sizeof(R));
	return c;
}

static struct ucf_classifier *make_with(uint32_t max_flows, uint32_t media_timeout_s)
{
	return make_budget(max_flows, media_timeout_s, 0);
}

static struct ucf_classifier *make(uint32_t max_flows) { return make_with(max_flows, 0); }

static struct ucf_packet_result send_udp(struct ucf_classifier *c, const char *s, uint16_t sp,
					 const char *d, uint16_t dp, const void *pl, size_t n)
{
	struct ucf_packet_result r;
	size_t len = udp_frame(fr, s, sp, d, dp, pl, n);
	now += 20000;
	assert_int_equal(ucf_classifier_packet(c, DLT_EN10MB, fr, (uint32_t)len, (uint32_t)len, now, &r), 0);
	return r;
}

static struct ucf_packet_result send_tcp(struct ucf_classifier *c, const char *s, uint16_t sp,
					 const char *d, uint16_t dp, uint32_t seq, const void *pl,
					 size_t n)
{
	struct ucf_packet_result r;
	size_t len = tcp_frame(fr, s, sp, d, dp, seq, pl, n);
	now += 20000;
	assert_int_equal(ucf_classifier_packet(c, DLT_EN10MB, fr, (uint32_t)len, (uint32_t)len, now, &r), 0);
	return r;
}

static int sip_msg(char *out, size_t cap, const char *start, const char *callid, const char *cseq,
		   const char *addr, int port, const char *extra_sdp)
{
	char sdp[2048] = "";
	if (port >= 0)
		snprintf(sdp, sizeof(sdp), "v=0\r\no=- 1 1 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\n"
			 "m=audio %d RTP/AVP 0 8\r\n%s", addr, addr, port, extra_sdp ? extra_sdp : "");
	return snprintf(out, cap, "%s\r\nVia: SIP/2.0/UDP %s:5060;branch=z9\r\n"
			"From: <sip:alice@example.com>;tag=1\r\nTo: <sip:+15551234567@example.com>\r\n"
			"Call-ID: %s\r\nCSeq: %s\r\n%sContent-Length: %zu\r\n\r\n%s",
			start, addr, callid, cseq, port >= 0 ? "Content-Type: application/sdp\r\n" : "",
			strlen(sdp), sdp);
}

static void send_rtp(struct ucf_classifier *c, const char *s, uint16_t sp, const char *d,
		     uint16_t dp, int count, struct ucf_packet_result *first)
{
	uint8_t b[200];
	for (int i = 0; i < count; i++) {
		size_t n = rtp_packet(b, 0, (uint16_t)(1000 + i), 0xabc, 160);
		struct ucf_packet_result r = send_udp(c, s, sp, d, dp, b, n);
		if (i == 0 && first)
			*first = r;
	}
}

static void test_sip_call_learns_media(void **state)
{
	(void)state;
	struct ucf_classifier *c = make(0);
	char m[2048];
	int n = sip_msg(m, sizeof(m), "INVITE sip:bob@example.com SIP/2.0", "call-1", "1 INVITE", A,
			40000, NULL);
	struct ucf_packet_result r = send_udp(c, A, 5060, B, 5060, m, (size_t)n);
	assert_int_equal(r.verdict, UCF_TARGET);
	assert_int_equal(r.cls, UCF_CLASS_SIP);
	assert_int_equal(R.learned, 2); /* RTP and RTCP */
	n = sip_msg(m, sizeof(m), "SIP/2.0 200 OK", "call-1", "1 INVITE", B, 50000, NULL);
	send_udp(c, B, 5060, A, 5060, m, (size_t)n);
	assert_int_equal(R.learned, 4);
	/* the very first RTP packet is already learned media */
	struct ucf_packet_result first;
	send_rtp(c, A, 40000, B, 50000, 1, &first);
	assert_int_equal(first.verdict, UCF_TARGET);
	assert_int_equal(first.cls, UCF_CLASS_RTP_LEARNED);
	/* RTCP at port + 1 too, and a flow to the announced port from anywhere */
	uint8_t junk[8] = {1, 2, 3, 4, 5, 6, 7, 8};
	r = send_udp(c, A, 40001, B, 50001, junk, sizeof(junk));
	assert_int_equal(r.cls, UCF_CLASS_RTP_LEARNED);
	r = send_udp(c, "10.9.9.9", 1234, B, 50000, junk, sizeof(junk));
	assert_int_equal(r.cls, UCF_CLASS_RTP_LEARNED);
	/* an unannounced port between the same hosts is not */
	r = send_udp(c, A, 40002, B, 50002, junk, sizeof(junk));
	assert_int_equal(r.verdict, UCF_UNDECIDED);
	/* re-INVITE turning the stream off (port 0): A's endpoints end */
	n = sip_msg(m, sizeof(m), "INVITE sip:bob@example.com SIP/2.0", "call-1", "2 INVITE", A, 0,
		    NULL);
	send_udp(c, A, 5060, B, 5060, m, (size_t)n);
	assert_int_equal(R.ended, 2);
	/* BYE ends the rest */
	n = sip_msg(m, sizeof(m), "BYE sip:bob@example.com SIP/2.0", "call-1", "3 BYE", A, -1, NULL);
	send_udp(c, A, 5060, B, 5060, m, (size_t)n);
	assert_int_equal(R.ended, 4);
	/* risks: cleartext SIP for both, unencrypted RTP; nothing identifying */
	assert_int_equal(R.risks[UCF_RISK_CLEARTEXT_SIP], 2);
	assert_true(R.risks[UCF_RISK_UNENCRYPTED_RTP] >= 1);
	assert_int_equal(R.risks[UCF_RISK_EXPOSED_SRTP_KEYS], 0);
	assert_int_equal(R.risk_l4proto[UCF_RISK_CLEARTEXT_SIP], IPPROTO_UDP);
	assert_int_equal(R.risk_l4proto[UCF_RISK_UNENCRYPTED_RTP], IPPROTO_UDP);
	assert_null(strstr(R.risk_text, "alice"));
	assert_null(strstr(R.risk_text, "5551234567"));
	ucf_classifier_flush(c);
	assert_int_equal(R.flows_ended, 5);
	ucf_classifier_free(c);
}

/* Media flowing between two announced endpoints keeps both alive: each has
 * a pinhole. Only the unused RTCP endpoints end, as idle. */
static void test_media_keeps_both_ends(void **state)
{
	(void)state;
	struct ucf_classifier *c = make_with(0, 10);
	char m[2048];
	int n = sip_msg(m, sizeof(m), "INVITE sip:bob@example.com SIP/2.0", "call-9", "1 INVITE", A,
			40000, NULL);
	send_udp(c, A, 5060, B, 5060, m, (size_t)n);
	n = sip_msg(m, sizeof(m), "SIP/2.0 200 OK", "call-9", "1 INVITE", B, 50000, NULL);
	send_udp(c, B, 5060, A, 5060, m, (size_t)n);
	assert_int_equal(R.learned, 4);
	for (int second = 0; second < 30; second++) { /* three timeouts of one-way media */
		send_rtp(c, A, 40000, B, 50000, 50, NULL);
		ucf_classifier_tick(c, now);
	}
	assert_int_equal(R.ended, 2); /* the two RTCP endpoints, not B's RTP (nor A's) */
	ucf_classifier_free(c);
}

static void test_failed_call_and_sdes(void **state)
{
	(void)state;
	struct ucf_classifier *c = make(0);
	char m[2048];
	int n = sip_msg(m, sizeof(m), "INVITE sip:bob@example.com SIP/2.0", "call-2", "1 INVITE", A,
			41000, "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:SECRETKEYSECRETKEY\r\n");
	send_udp(c, A, 5060, B, 5060, m, (size_t)n);
	assert_int_equal(R.learned, 2);
	assert_int_equal(R.risks[UCF_RISK_EXPOSED_SRTP_KEYS], 1);
	assert_int_equal(R.risk_l4proto[UCF_RISK_EXPOSED_SRTP_KEYS], IPPROTO_UDP);
	assert_null(strstr(R.risk_text, "SECRETKEY"));
	/* 486 Busy to the INVITE before any 2xx ends the call's media */
	n = sip_msg(m, sizeof(m), "SIP/2.0 486 Busy Here", "call-2", "1 INVITE", B, -1, NULL);
	send_udp(c, B, 5060, A, 5060, m, (size_t)n);
	assert_int_equal(R.ended, 2);
	/* media right after the failure still counts as that call's (linger) */
	struct ucf_packet_result first;
	send_rtp(c, A, 41000, B, 60000, 1, &first);
	assert_int_equal(first.cls, UCF_CLASS_RTP_LEARNED);
	/* ... but not much later */
	now += 30000000;
	send_rtp(c, A, 41000, "10.0.0.3", 60000, 1, &first);
	assert_int_not_equal(first.cls, UCF_CLASS_RTP_LEARNED);
	ucf_classifier_free(c);
}

static void test_sip_over_tcp_split(void **state)
{
	(void)state;
	struct ucf_classifier *c = make(0);
	char m[2048];
	int n = sip_msg(m, sizeof(m), "INVITE sip:bob@example.com SIP/2.0", "call-3", "1 INVITE", A,
			42000, NULL);
	struct ucf_packet_result r = send_tcp(c, A, 33000, B, 5060, 100, m, 70);
	assert_int_equal(r.cls, UCF_CLASS_SIP);
	assert_int_equal(R.learned, 0); /* the body has not arrived */
	send_tcp(c, A, 33000, B, 5060, 170, m + 70, (size_t)n - 70);
	assert_int_equal(R.learned, 2);
	/* the risk names the transport the SIP came over */
	assert_int_equal(R.risks[UCF_RISK_CLEARTEXT_SIP], 1);
	assert_int_equal(R.risk_l4proto[UCF_RISK_CLEARTEXT_SIP], IPPROTO_TCP);
	ucf_classifier_free(c);
}

static void test_fragmented_sip(void **state)
{
	(void)state;
	struct ucf_classifier *c = make(0);
	char m[4096];
	char pad[1600];
	memset(pad, 'x', sizeof(pad) - 1);
	pad[sizeof(pad) - 1] = 0;
	char extra[1700];
	snprintf(extra, sizeof(extra), "a=x-pad:%s\r\n", pad);
	int n = sip_msg(m, sizeof(m), "INVITE sip:bob@example.com SIP/2.0", "call-4", "1 INVITE", A,
			43000, extra);
	uint8_t l4[4200];
	size_t l4len = build_l4(l4, 5060, 5060, -1, 0, m, (size_t)n);
	/* two IPv4 fragments over Ethernet, second first */
	size_t cut = 1480;
	for (int k = 1; k >= 0; k--) {
		size_t off = k ? cut : 0, len = k ? l4len - cut : cut;
		uint8_t *ip = fr + 14;
		memset(fr, 0, 14);
		put16(fr + 12, 0x0800);
		memset(ip, 0, 20);
		ip[0] = 0x45;
		put16(ip + 2, (uint16_t)(20 + len));
		put16(ip + 4, 4242);
		put16(ip + 6, (uint16_t)(off / 8 | (k ? 0 : 0x2000)));
		ip[9] = IPPROTO_UDP;
		inet_pton(AF_INET, A, ip + 12);
		inet_pton(AF_INET, B, ip + 16);
		memcpy(ip + 20, l4 + off, len);
		assert_int_equal(ucf_classifier_packet(c, DLT_EN10MB, fr, (uint32_t)(34 + len),
						       (uint32_t)(34 + len), ++now, NULL), 0);
	}
	assert_int_equal(R.learned, 2);
	struct ucf_classifier_stats st;
	ucf_classifier_get_stats(c, &st);
	assert_int_equal(st.fragments, 2);
	assert_int_equal(st.reassembled, 1);
	/* the completed datagram's buffer is kept for the slot's next use */
	assert_true(st.reasm_bytes >= l4len);
	assert_int_equal(st.reasm_budget, UCF_REASM_BYTES);
	assert_int_equal(st.reasm_evicted, 0);
	assert_int_equal(st.stream_budget, UCF_STREAM_BUDGET); /* the default */
	ucf_classifier_free(c);
}

static void test_sccp_learns(void **state)
{
	(void)state;
	struct ucf_classifier *c = make(0);
	/* OpenReceiveChannelAck, basic layout: 10.0.0.1:44000 */
	uint8_t orca[] = {20, 0, 0, 0, 0, 0, 0, 0, 0x22, 0, 0, 0, 0, 0, 0, 0,
			  10, 0, 0, 1, 0xe0, 0xab, 0, 0, 7, 0, 0, 0};
	struct ucf_packet_result r = send_tcp(c, A, 49000, B, 2000, 1, orca, sizeof(orca));
	assert_int_equal(r.cls, UCF_CLASS_SCCP);
	assert_int_equal(R.learned, 2);
	assert_int_equal(R.learned_ports[0], 44000);
	struct ucf_packet_result first;
	send_rtp(c, "10.0.0.7", 30000, A, 44000, 1, &first);
	assert_int_equal(first.cls, UCF_CLASS_RTP_LEARNED);
	/* CloseReceiveChannel for the same party ends it */
	uint8_t close[] = {12, 0, 0, 0, 0, 0, 0, 0, 0x06, 0x01, 0, 0, 0, 0, 0, 0, 7, 0, 0, 0};
	send_tcp(c, B, 2000, A, 49000, 1, close, sizeof(close));
	assert_int_equal(R.ended, 2);
	ucf_classifier_free(c);
}

static void test_tftp_transfer(void **state)
{
	(void)state;
	struct ucf_classifier *c = make(0);
	static const char rrq[] = "\x00\x01SEPdefault.cnf.xml\x00octet";
	struct ucf_packet_result r = send_udp(c, A, 3445, B, 69, rrq, sizeof(rrq));
	assert_int_equal(r.cls, UCF_CLASS_TFTP);
	/* the server answers from a new port */
	r = send_udp(c, B, 50618, A, 3445, "\x00\x03\x00\x01" "data", 8);
	assert_int_equal(r.verdict, UCF_TARGET);
	assert_int_equal(r.cls, UCF_CLASS_TFTP);
	ucf_classifier_free(c);
}

static void test_non_target(void **state)
{
	(void)state;
	struct ucf_classifier *c = make(0);
	const char *get = "GET /index.m3u8 HTTP/1.1\r\nHost: x\r\n\r\n";
	struct ucf_packet_result r = send_tcp(c, A, 5060, B, 8888, 1, get, strlen(get));
	assert_int_equal(r.verdict, UCF_NON_TARGET);
	/* TLS: SIP-TLS on 5061 (even mid-session), not UC on 443 */
	r = send_tcp(c, A, 40100, B, 5061, 1, "\x17\x03\x03\x00\x05hello", 10);
	assert_int_equal(r.verdict, UCF_TARGET);
	assert_int_equal(r.cls, UCF_CLASS_SIP_TLS);
	r = send_tcp(c, A, 40101, B, 443, 1, "\x16\x03\x01\x00\x05hello", 10);
	assert_int_equal(r.verdict, UCF_NON_TARGET);
	/* unknown UDP: undecided for a while, then non-target */
	uint8_t junk[40];
	memset(junk, 0x41, sizeof(junk));
	for (int i = 0; i < 23; i++)
		r = send_udp(c, A, 7000, B, 7001, junk, sizeof(junk));
	assert_int_equal(r.verdict, UCF_UNDECIDED);
	r = send_udp(c, A, 7000, B, 7001, junk, sizeof(junk));
	assert_int_equal(r.verdict, UCF_NON_TARGET);
	/* "hello" keep-alives on 5060, then a REGISTER: still SIP */
	for (int i = 0; i < 30; i++)
		send_udp(c, A, 5060, B, 5060, "hello", 5);
	char m[1024];
	int n = sip_msg(m, sizeof(m), "REGISTER sip:example.com SIP/2.0", "reg-1", "1 REGISTER", A,
			-1, NULL);
	r = send_udp(c, A, 5060, B, 5060, m, (size_t)n);
	assert_int_equal(r.cls, UCF_CLASS_SIP);
	/* a malformed frame is counted, not fatal */
	size_t len = udp_frame(fr, A, 1, B, 2, "x", 1);
	fr[14] = 0x41;
	assert_int_equal(ucf_classifier_packet(c, DLT_EN10MB, fr, (uint32_t)len, (uint32_t)len, ++now, NULL), -EINVAL);
	struct ucf_classifier_stats st;
	ucf_classifier_get_stats(c, &st);
	assert_int_equal(st.malformed, 1);
	ucf_classifier_flush(c);
	assert_int_equal(R.last_end.verdict == UCF_TARGET || R.last_end.verdict == UCF_NON_TARGET, 1);
	ucf_classifier_free(c);
}

static void test_flow_cap(void **state)
{
	(void)state;
	struct ucf_classifier *c = make(64);
	for (int i = 0; i < 1000; i++) {
		char src[32];
		snprintf(src, sizeof(src), "10.1.%d.%d", i / 250, i % 250 + 1);
		send_udp(c, src, 1000, B, 9, "abc", 3);
	}
	struct ucf_classifier_stats st;
	ucf_classifier_get_stats(c, &st);
	assert_int_equal(st.flows_active, 64);
	assert_int_equal(st.flows_evicted, 1000 - 64);
	assert_int_equal(R.flows_ended, 1000 - 64);
	/* idle flows expire as time goes by */
	ucf_classifier_tick(c, now + 3600ull * 1000000);
	ucf_classifier_get_stats(c, &st);
	assert_int_equal(st.flows_active, 0);
	ucf_classifier_free(c);
}

/* Thousands of TCP SIP flows each sending a header that never ends: what
 * they make the classifier buffer stays within the stream budget (the least
 * recently active buffers go), and a real split message still gets through. */
static void test_stream_budget(void **state)
{
	(void)state;
	const size_t budget = 256 * 1024;
	struct ucf_classifier *c = make_budget(8192, 0, budget);
	char hdr[1400];
	int n = snprintf(hdr, sizeof(hdr), "INVITE sip:bob@example.com SIP/2.0\r\n"
			 "Via: SIP/2.0/TCP 10.9.0.1:5060;branch=z9\r\n");
	while (n < (int)sizeof(hdr) - 40)
		n += snprintf(hdr + n, sizeof(hdr) - (size_t)n, "X-Filler: %0*d\r\n", 20, n);
	for (int i = 0; i < 3000; i++) {
		char src[32];
		snprintf(src, sizeof(src), "10.9.%d.%d", i / 250, i % 250 + 1);
		/* two segments: the second grows the buffer past its first size */
		send_tcp(c, src, 40000, B, 5060, 1, hdr, (size_t)n);
		send_tcp(c, src, 40000, B, 5060, 1 + (uint32_t)n, hdr + 40, (size_t)n - 40);
	}
	struct ucf_classifier_stats st;
	ucf_classifier_get_stats(c, &st);
	assert_int_equal(st.flows_active, 3000);
	assert_true(st.stream_bytes <= budget);
	assert_true(st.stream_bytes_peak <= budget);
	assert_true(st.stream_bytes_peak > budget / 2); /* the budget was used, not avoided */
	assert_true(st.stream_evicted > 2000);
	assert_int_equal(st.stream_budget, budget);
	/* a real INVITE split in two, on a new flow, is still learned from */
	char m[2048];
	n = sip_msg(m, sizeof(m), "INVITE sip:bob@example.com SIP/2.0", "call-b", "1 INVITE", A,
		    43000, NULL);
	send_tcp(c, A, 33001, B, 5060, 100, m, 70);
	send_tcp(c, A, 33001, B, 5060, 170, m + 70, (size_t)n - 70);
	assert_int_equal(R.learned, 2);
	ucf_classifier_get_stats(c, &st);
	assert_true(st.stream_bytes_peak <= budget);
	ucf_classifier_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sip_call_learns_media), cmocka_unit_test(test_failed_call_and_sdes),
		cmocka_unit_test(test_media_keeps_both_ends),
		cmocka_unit_test(test_sip_over_tcp_split),    cmocka_unit_test(test_fragmented_sip),
		cmocka_unit_test(test_sccp_learns),	      cmocka_unit_test(test_tftp_transfer),
		cmocka_unit_test(test_non_target),	      cmocka_unit_test(test_flow_cap),
		cmocka_unit_test(test_stream_budget),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
