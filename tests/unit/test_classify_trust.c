/* Unit tests for the classifier with a site's trust boundary: forged
 * signalling from the phone VLAN teaches nothing and is counted and
 * reported; legitimate calls still learn; calls are owned by their parties;
 * one host's flood is held to its share. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <errno.h>
#include <pcap/dlt.h>
#include <stdio.h>
#include <string.h>

#include "catalog.h"
#include "classify.h"
#include "config.h"
#include "classify_frames.h"
#include "pinhole_model.h"
#include "verdicts.h"

#define PHONE "10.20.0.10"
#define PHONE2 "10.20.0.11"
#define FORGER "10.20.0.66"
#define SERVER "10.50.0.10"
#define FAR "10.50.0.77"
#define DATA "10.30.0.10"

static struct {
	unsigned refused_events[UCF_REFUSE_COUNT];
	unsigned risks[UCF_RISK_KIND_COUNT];
	struct ucf_refusal_event last;
	struct ucf_verdicts *verdicts; /* the agent's blocks, when a test wants them */
} R;

static uint8_t fr[FRAME_MAX];
static void on_verdict(void *arg, const struct ucf_flow_info *fi)
{
	(void)arg;
	if (R.verdicts)
		ucf_verdicts_note(R.verdicts, fi, 1);
}

static uint64_t now = 1000000000;
static struct ucf_prefix E[1], S[1];

static void on_media(void *arg, const struct ucf_media_event *ev)
{
	(void)arg;
	model_event(ev);
}

static void on_risk(void *arg, const struct ucf_risk *r)
{
	(void)arg;
	R.risks[r->kind]++;
}

static void on_refused(void *arg, const struct ucf_refusal_event *ev)
{
	(void)arg;
	R.refused_events[ev->reason]++;
	R.last = *ev;
}

/* Anything at all that lets traffic reach addr:port? */
static unsigned holes_to(const char *addr, uint16_t port) { return holes(NULL, addr, port); }

static struct ucf_prefix pfx(const char *text, unsigned len)
{
	struct ucf_prefix p = { .family = AF_INET, .len = (uint8_t)len };
	inet_pton(AF_INET, text, p.addr);
	return p;
}

static void add_port(struct ucf_trust *t, enum ucf_learn_proto p, uint8_t l4, uint16_t port)
{
	struct ucf_trust_ports *tp = &t->svc[p];
	tp->item[tp->count].l4proto = l4;
	tp->item[tp->count].ports = (struct ucf_port_range){ port, port };
	tp->count++;
}

/* The concentrator lab's site, with host limits. */
static struct ucf_classifier *make_site(uint32_t host_calls, uint32_t rate, uint32_t burst)
{
	struct ucf_classifier_opts o;
	ucf_classifier_opts_default(&o);
	E[0] = pfx("10.20.0.0", 24);
	S[0] = pfx("10.50.0.0", 24);
	struct ucf_trust *t = &o.trust;
	t->enabled = true;
	t->endpoints = E, t->n_endpoints = 1;
	t->servers = S, t->n_servers = 1;
	t->appliance = pfx("10.40.0.2", 32);
	t->learn_range = (struct ucf_port_range){ 1024, 65535 };
	add_port(t, UCF_LEARN_SIP, IPPROTO_UDP, 5060);
	add_port(t, UCF_LEARN_SCCP, IPPROTO_TCP, 2000);
	add_port(t, UCF_LEARN_TFTP, IPPROTO_UDP, 69);
	add_port(t, UCF_LEARN_MGCP, IPPROTO_UDP, 2427);
	add_port(t, UCF_LEARN_MGCP, IPPROTO_UDP, 2727);
	o.host_media = 64;
	o.host_calls = host_calls;
	o.host_rate_milli = rate * 1000;
	o.host_burst = burst;
	struct ucf_classifier_hooks h = { .media = on_media, .refused = on_refused,
					  .verdict = on_verdict };
	struct ucf_classifier *c;
	char err[128];
	assert_int_equal(ucf_classifier_new(&o, &h, &c, err, sizeof(err)), 0);
	memset(&R, 0, sizeof(R));
	memset(&M, 0, sizeof(M));
	return c;
}

static void send_udp(struct ucf_classifier *c, enum ucf_ingress in, const char *s, uint16_t sp,
		     const char *d, uint16_t dp, const void *pl, size_t n)
{
	size_t len = udp_frame(fr, s, sp, d, dp, pl, n);
	now += 20000;
	ucf_classifier_set_ingress(c, in);
	assert_int_equal(ucf_classifier_packet(c, DLT_EN10MB, fr, (uint32_t)len, (uint32_t)len, now,
					       NULL), 0);
}

static int sip(char *out, size_t cap, const char *start, const char *callid, const char *from,
	       const char *sdp_body)
{
	return snprintf(out, cap, "%s\r\nVia: SIP/2.0/UDP %s:5060;branch=z9\r\n"
			"From: <sip:a@example.com>;tag=1\r\nTo: <sip:b@example.com>\r\n"
			"Call-ID: %s\r\nCSeq: 1 %s\r\n%sContent-Length: %zu\r\n\r\n%s",
			start, from, callid, strncmp(start, "BYE", 3) ? "INVITE" : "BYE",
			sdp_body ? "Content-Type: application/sdp\r\n" : "",
			sdp_body ? strlen(sdp_body) : 0, sdp_body ? sdp_body : "");
}

static const char *sdp(const char *addr, int port, const char *extra)
{
	static char b[1024];
	snprintf(b, sizeof(b), "v=0\r\no=- 1 1 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\n"
		 "m=audio %d RTP/AVP 0\r\n%s", addr, addr, port, extra ? extra : "");
	return b;
}

static void invite(struct ucf_classifier *c, const char *from, uint16_t sport, const char *callid,
		   const char *body)
{
	char m[2048];
	int n = sip(m, sizeof(m), "INVITE sip:b@example.com SIP/2.0", callid, from, body);
	send_udp(c, UCF_INGRESS_UC, from, sport, SERVER, 5060, m, (size_t)n);
}

static void answer(struct ucf_classifier *c, const char *to, uint16_t dport, const char *callid,
		   const char *body)
{
	char m[2048];
	int n = sip(m, sizeof(m), "SIP/2.0 200 OK", callid, SERVER, body);
	send_udp(c, UCF_INGRESS_APPLIANCE, SERVER, 5060, to, dport, m, (size_t)n);
}

static void test_legitimate_call_learns_both_ends(void **state)
{
	(void)state;
	struct ucf_classifier *c = make_site(16, 0, 0);
	invite(c, PHONE, 5060, "call-1", sdp(PHONE, 30000, NULL));
	assert_int_equal(holes(SERVER, PHONE, 30000), 1); /* until the answer */
	assert_int_equal(holes(SERVER, PHONE, 30001), 1);
	answer(c, PHONE, 5060, "call-1", sdp(FAR, 40000, NULL));
	assert_int_equal(holes(FAR, PHONE, 30000), 1);
	assert_int_equal(holes(FAR, PHONE, 30001), 1);
	assert_int_equal(holes(PHONE, FAR, 40000), 1);
	assert_int_equal(holes(PHONE, FAR, 40001), 1);
	assert_int_equal(holes(SERVER, PHONE, 30000), 0);
	assert_int_equal(M.n, 4);
	struct ucf_classifier_stats st;
	ucf_classifier_get_stats(c, &st);
	for (int r = 1; r < UCF_REFUSE_COUNT; r++)
		assert_int_equal(st.refused[r], 0);
	assert_int_equal(st.calls_active, 1);
	ucf_classifier_free(c);
}

/* The forger on the phone VLAN names a server's low port, its own high
 * port with an RTCP host elsewhere, another phone's port, an outside
 * address. */
static void test_forged_invites_teach_nothing_wider(void **state)
{
	(void)state;
	struct ucf_classifier *c = make_site(16, 0, 0);
	invite(c, FORGER, 5060, "f-1", sdp(SERVER, 161, NULL));
	invite(c, FORGER, 5060, "f-2", sdp(PHONE2, 30000, NULL));
	invite(c, FORGER, 5060, "f-3", sdp(DATA, 30000, NULL));
	invite(c, FORGER, 5060, "f-4", sdp(FORGER, 80, NULL));
	assert_int_equal(M.n, 0);
	invite(c, FORGER, 5060, "f-5", sdp(FORGER, 4444, "a=rtcp:9999 IN IP4 10.50.0.10\r\n"));
	/* only its own port, and only from the server it signalled */
	assert_int_equal(M.n, 1);
	assert_int_equal(holes(SERVER, FORGER, 4444), 1);
	assert_int_equal(holes_to(SERVER, 161), 0);
	assert_int_equal(holes_to(SERVER, 9999), 0);
	assert_int_equal(holes_to(PHONE2, 30000), 0);
	assert_int_equal(holes_to(DATA, 30000), 0);
	struct ucf_classifier_stats st;
	ucf_classifier_get_stats(c, &st);
	assert_int_equal(st.refused[UCF_REFUSE_NOT_SENDER], 5); /* f-2, f-3: RTP and RTCP; f-5's RTCP */
	assert_int_equal(st.refused[UCF_REFUSE_PORT], 4);       /* f-1, f-4: RTP and RTCP */
	assert_int_equal(R.refused_events[UCF_REFUSE_NOT_SENDER], 3); /* once per message */
	assert_int_equal(R.refused_events[UCF_REFUSE_PORT], 2);
	assert_memory_equal(R.last.src, ip(FORGER), 16);
	/* SIP to a port that is no SIP service, or to a host outside S∪R */
	char m[2048];
	int n = sip(m, sizeof(m), "INVITE sip:b@example.com SIP/2.0", "f-6", FORGER,
		    sdp(FORGER, 5000, NULL));
	send_udp(c, UCF_INGRESS_UC, FORGER, 40000, SERVER, 161, m, (size_t)n);
	send_udp(c, UCF_INGRESS_UC, FORGER, 5062, DATA, 5060, m, (size_t)n);
	assert_int_equal(M.n, 1);
	assert_int_equal(R.refused_events[UCF_REFUSE_SERVICE], 1);
	assert_int_equal(R.refused_events[UCF_REFUSE_PATH], 1);
	ucf_classifier_free(c);
}

/* A server's address arriving on a phone port is spoofed: its relayed SDP
 * (which may name anything in the site) is not believed. */
static void test_spoofed_server(void **state)
{
	(void)state;
	struct ucf_classifier *c = make_site(16, 0, 0);
	char m[2048];
	int n = sip(m, sizeof(m), "SIP/2.0 200 OK", "s-1", SERVER, sdp(PHONE2, 30000, NULL));
	send_udp(c, UCF_INGRESS_UC, SERVER, 5060, FORGER, 5060, m, (size_t)n);
	assert_int_equal(M.n, 0);
	assert_int_equal(R.refused_events[UCF_REFUSE_INGRESS], 1);
	/* the same from the appliance port is the call manager relaying: the
	 * phone of this leg may send there */
	send_udp(c, UCF_INGRESS_APPLIANCE, SERVER, 5060, PHONE, 5060, m, (size_t)n);
	assert_int_equal(holes(PHONE, PHONE2, 30000), 1);
	ucf_classifier_free(c);
}

static void test_foreign_bye_leaves_the_call(void **state)
{
	(void)state;
	struct ucf_classifier *c = make_site(16, 0, 0);
	invite(c, PHONE, 5060, "call-7", sdp(PHONE, 30000, NULL));
	answer(c, PHONE, 5060, "call-7", sdp(FAR, 40000, NULL));
	assert_int_equal(M.n, 4);
	unsigned closes = M.closes;
	/* the forger knows the Call-ID and re-announces the phone's port */
	invite(c, FORGER, 5060, "call-7", sdp(PHONE, 30000, NULL));
	char m[1024];
	int n = sip(m, sizeof(m), "BYE sip:b@example.com SIP/2.0", "call-7", FORGER, NULL);
	send_udp(c, UCF_INGRESS_UC, FORGER, 5060, SERVER, 5060, m, (size_t)n);
	/* a BYE off the signalling path: ignored */
	send_udp(c, UCF_INGRESS_UC, FORGER, 5060, PHONE, 5060, m, (size_t)n);
	assert_int_equal(M.n, 4);
	assert_int_equal(M.closes, closes);
	assert_int_equal(holes(FAR, PHONE, 30000), 1);
	/* the call's own BYE ends it */
	n = sip(m, sizeof(m), "BYE sip:b@example.com SIP/2.0", "call-7", PHONE, NULL);
	send_udp(c, UCF_INGRESS_UC, PHONE, 5060, SERVER, 5060, m, (size_t)n);
	assert_int_equal(M.n, 0);
	ucf_classifier_free(c);
}

/* A flood of valid-looking INVITEs from one host: its rate and share hold
 * it; another phone's call is untouched. */
static void test_flood_held_to_its_share(void **state)
{
	(void)state;
	struct ucf_classifier *c = make_site(4, 20, 5);
	invite(c, PHONE, 5060, "real", sdp(PHONE, 30000, NULL));
	answer(c, PHONE, 5060, "real", sdp(FAR, 40000, NULL));
	assert_int_equal(M.n, 4);
	for (int i = 0; i < 2000; i++) {
		char id[32];
		snprintf(id, sizeof(id), "flood-%d", i);
		invite(c, FORGER, (uint16_t)(6000 + i % 100), id,
		       sdp(FORGER, 20000 + 2 * (i % 20000), NULL));
	}
	struct ucf_classifier_stats st;
	ucf_classifier_get_stats(c, &st);
	assert_true(st.refused[UCF_REFUSE_HOST_RATE] > 1000);
	assert_true(st.refused[UCF_REFUSE_HOST_CALLS] > 0);
	assert_true(st.calls_active <= 1 + 4);
	assert_int_equal(holes(FAR, PHONE, 30000), 1);
	assert_int_equal(holes(PHONE, FAR, 40000), 1);
	/* the real phone can still place a call */
	invite(c, PHONE, 5060, "real-2", sdp(PHONE, 30010, NULL));
	assert_int_equal(holes(SERVER, PHONE, 30010), 1);
	ucf_classifier_free(c);
}

static void test_too_many_endpoints(void **state)
{
	(void)state;
	struct ucf_classifier *c = make_site(16, 0, 0);
	char body[2048];
	int k = snprintf(body, sizeof(body), "v=0\r\no=- 1 1 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\n"
			 "t=0 0\r\n", PHONE, PHONE);
	for (int i = 0; i < 4; i++)
		k += snprintf(body + k, sizeof(body) - (size_t)k, "m=audio %d/8 RTP/AVP 0\r\n",
			      20000 + 100 * i);
	invite(c, PHONE, 5060, "many", body);
	assert_int_equal(M.n, 16);
	assert_int_equal(R.refused_events[UCF_REFUSE_TOO_MANY], 1);
	ucf_classifier_free(c);
}

static void test_tftp_only_to_servers(void **state)
{
	(void)state;
	struct ucf_classifier *c = make_site(16, 0, 0);
	static const char rrq[] = "\x00\x01SEPdefault.cnf.xml\x00octet";
	send_udp(c, UCF_INGRESS_UC, FORGER, 3445, DATA, 69, rrq, sizeof(rrq));
	assert_int_equal(M.n, 0);
	assert_int_equal(R.refused_events[UCF_REFUSE_PATH], 1);
	send_udp(c, UCF_INGRESS_UC, PHONE, 3446, SERVER, 69, rrq, sizeof(rrq));
	/* the server may answer to the client's port: that direction only */
	assert_int_equal(M.n, 1);
	assert_int_equal(holes(SERVER, PHONE, 3446), 1);
	ucf_classifier_free(c);
}

/* A reload that takes a server out of the site: it teaches nothing more,
 * what was learned stays. */
static void test_reload_narrows_the_boundary(void **state)
{
	(void)state;
	struct ucf_classifier *c = make_site(16, 0, 0);
	invite(c, PHONE, 5060, "before", sdp(PHONE, 30000, NULL));
	assert_int_equal(M.n, 2);
	struct ucf_classifier_opts o;
	ucf_classifier_opts_default(&o);
	struct ucf_prefix other = pfx("10.99.0.0", 24);
	o.trust.enabled = true;
	o.trust.endpoints = E, o.trust.n_endpoints = 1;
	o.trust.servers = &other, o.trust.n_servers = 1;
	o.trust.learn_range = (struct ucf_port_range){ 1024, 65535 };
	add_port(&o.trust, UCF_LEARN_SIP, IPPROTO_UDP, 5060);
	char err[128];
	assert_int_equal(ucf_classifier_set_trust(c, &o, err, sizeof(err)), 0);
	other = pfx("10.98.0.0", 24); /* copied: the caller's arrays may go */
	invite(c, PHONE, 5060, "after", sdp(PHONE, 30010, NULL));
	assert_int_equal(M.n, 2);
	assert_int_equal(R.refused_events[UCF_REFUSE_PATH], 1);
	ucf_classifier_free(c);
}

/* The agent blocks a UC-service flow the classifier finds non-target. A
 * packet whose source cannot be behind the port it arrived on (a server's
 * address on a phone port, a phone's on the appliance port) is forged: its
 * verdict must not block the real phone's flow with that 5-tuple. */
static void test_forged_first_packet_blocks_nothing(void **state)
{
	(void)state;
	struct ucf_classifier *c = make_site(16, 0, 0);
	struct ucf_prefix peers[] = { E[0], S[0] };
	struct ucf_service_port ports[] = { { IPPROTO_UDP, { 5060, 5060 } } };
	struct ucf_verdict_policy p = { E, 1, peers, 2, ports, 1 };
	char err[128];
	assert_int_equal(ucf_verdicts_new(64, 3600, &R.verdicts, err, sizeof(err)), 0);
	assert_int_equal(ucf_verdicts_set_policy(R.verdicts, &p), 0);
	/* one QUIC-looking datagram decides non-target at once */
	static const uint8_t quic[] = { 0xc3, 0, 0, 0, 1, 8, 1, 2, 3, 4, 5, 6, 7, 8 };
	send_udp(c, UCF_INGRESS_UC, SERVER, 5060, PHONE, 5060, quic, sizeof(quic));
	send_udp(c, UCF_INGRESS_APPLIANCE, PHONE2, 5060, SERVER, 5060, quic, sizeof(quic));
	struct ucf_verdicts_stats vs;
	ucf_verdicts_get_stats(R.verdicts, &vs);
	assert_int_equal(vs.verdicts, 2);
	assert_int_equal(vs.blocked, 0);
	/* the same junk where its sender can be is blocked */
	send_udp(c, UCF_INGRESS_UC, PHONE2, 5070, SERVER, 5060, quic, sizeof(quic));
	ucf_verdicts_get_stats(R.verdicts, &vs);
	assert_int_equal(vs.blocked, 1);
	ucf_verdicts_free(R.verdicts);
	R.verdicts = NULL;
	ucf_classifier_free(c);
}

static void mgcp_send(struct ucf_classifier *c, bool from_ca, const char *head, const char *body)
{
	char m[2048];
	int n = snprintf(m, sizeof(m), "%s%s%s", head, body ? "\r\n" : "", body ? body : "");
	if (from_ca)
		send_udp(c, UCF_INGRESS_APPLIANCE, SERVER, 2727, PHONE, 2427, m, (size_t)n);
	else
		send_udp(c, UCF_INGRESS_UC, PHONE, 2427, SERVER, 2727, m, (size_t)n);
}

/* A gateway with two lines: the call agent creates a connection on each;
 * the gateway's responses (which carry no call id, only the transaction id
 * and the connection id I:) announce each line's port. The second line's
 * answer must not end the first line's media. */
static void test_mgcp_two_lines_of_one_gateway(void **state)
{
	(void)state;
	struct ucf_classifier *c = make_site(16, 0, 0);
	mgcp_send(c, true, "CRCX 1001 aaln/1@gw MGCP 1.0\r\nC: A1\r\nM: recvonly\r\n", NULL);
	mgcp_send(c, false, "200 1001 OK\r\nI: 11\r\n", sdp(PHONE, 30000, NULL));
	assert_int_equal(holes_to(PHONE, 30000), 1);
	mgcp_send(c, true, "CRCX 1002 aaln/2@gw MGCP 1.0\r\nC: B2\r\nM: recvonly\r\n", NULL);
	mgcp_send(c, false, "200 1002 OK\r\nI: 22\r\n", sdp(PHONE, 30010, NULL));
	assert_int_equal(holes_to(PHONE, 30010), 1);
	assert_int_equal(holes_to(PHONE, 30000), 1); /* line 1 still in its call */
	ucf_classifier_free(c);
}

/* The call agent tells the gateway where the far end's media is (MDCX with
 * the remote SDP): the far end must be able to send to the port the gateway
 * announced for that connection. */
static void test_mgcp_far_media_reaches_gateway(void **state)
{
	(void)state;
	struct ucf_classifier *c = make_site(16, 0, 0);
	mgcp_send(c, true, "CRCX 1001 aaln/1@gw MGCP 1.0\r\nC: A1\r\nM: recvonly\r\n", NULL);
	mgcp_send(c, false, "200 1001 OK\r\nI: 11\r\n", sdp(PHONE, 30000, NULL));
	mgcp_send(c, true, "MDCX 1003 aaln/1@gw MGCP 1.0\r\nC: A1\r\nI: 11\r\nM: sendrecv\r\n",
		  sdp(FAR, 40000, NULL));
	assert_int_equal(holes(PHONE, FAR, 40000), 1);
	assert_int_equal(holes(FAR, PHONE, 30000), 1);
	/* the call agent deletes the connection: both ends close */
	mgcp_send(c, true, "DLCX 1004 aaln/1@gw MGCP 1.0\r\nC: A1\r\nI: 11\r\n", NULL);
	assert_int_equal(holes_to(PHONE, 30000), 0);
	assert_int_equal(holes_to(FAR, 40000), 0);
	ucf_classifier_free(c);
}

/* The site's own services, read as the agent reads them: the shipped
 * catalog's `mgcp` service makes MGCP on UDP 2427/2727 signalling that
 * teaches; without it the same exchange is refused as off-service. */
static struct ucf_classifier *make_from_site(const char *services, const char *more,
					     struct ucf_catalog **cat, struct ucf_config **cfg,
					     struct ucf_classifier_opts *o)
{
	char text[1024], err[512];
	snprintf(text, sizeof(text),
		 "site: {name: b1, mode: concentrator}\n"
		 "interfaces: {uc: [eth1], data: [eth2], appliance: eth3, wan: eth0}\n"
		 "uc:\n  endpoints: [10.20.0.0/24]\n  servers: [10.50.0.0/24]\n"
		 "  services: [%s]\n"
		 "appliance: {address: 10.40.0.2, remote_subnets: [10.50.0.0/16]}\n%s",
		 services, more);
	assert_int_equal(ucf_catalog_load("rules", NULL, cat, err, sizeof(err)), 0);
	if (ucf_config_load_text("site.yaml", text, strlen(text), *cat, cfg, err, sizeof(err)) < 0)
		fail_msg("%s", err);
	ucf_classifier_opts_from_config(o, *cfg, *cat);
	struct ucf_classifier_hooks h = { .media = on_media, .refused = on_refused,
					  .verdict = on_verdict, .risk = on_risk };
	struct ucf_classifier *c;
	assert_int_equal(ucf_classifier_new(o, &h, &c, err, sizeof(err)), 0);
	memset(&R, 0, sizeof(R));
	memset(&M, 0, sizeof(M));
	return c;
}

static struct ucf_classifier *make_from_config(const char *services, struct ucf_catalog **cat,
					       struct ucf_config **cfg, struct ucf_classifier_opts *o)
{
	return make_from_site(services, "", cat, cfg, o);
}

static void test_mgcp_service_from_catalog(void **state)
{
	(void)state;
	struct ucf_catalog *cat;
	struct ucf_config *cfg;
	struct ucf_classifier_opts o;
	struct ucf_classifier *c = make_from_config("sip, mgcp, h323, rtp", &cat, &cfg, &o);
	const struct ucf_trust_ports *tp = &o.trust.svc[UCF_LEARN_MGCP];
	assert_int_equal(tp->count, 2);
	assert_true(ucf_service_ports_match(tp->item, tp->count, IPPROTO_UDP, 2427));
	assert_true(ucf_service_ports_match(tp->item, tp->count, IPPROTO_UDP, 2727));
	assert_int_equal(o.trust.svc[UCF_LEARN_SCCP].count, 0);
	/* h323 is not a learning service: none of its ports teaches */
	for (int p = 0; p < UCF_LEARN_PROTO_COUNT; p++)
		assert_false(ucf_service_ports_match(o.trust.svc[p].item, o.trust.svc[p].count,
						     IPPROTO_TCP, 1720));
	mgcp_send(c, true, "CRCX 1001 aaln/1@gw MGCP 1.0\r\nC: A1\r\nM: recvonly\r\n", NULL);
	mgcp_send(c, false, "200 1001 OK\r\nI: 11\r\n", sdp(PHONE, 30000, NULL));
	assert_int_equal(holes_to(PHONE, 30000), 1);
	assert_int_equal(R.refused_events[UCF_REFUSE_SERVICE], 0);
	ucf_classifier_free(c);
	ucf_config_free(cfg);
	ucf_catalog_free(cat);

	c = make_from_config("sip, rtp", &cat, &cfg, &o);
	assert_int_equal(o.trust.svc[UCF_LEARN_MGCP].count, 0);
	mgcp_send(c, true, "CRCX 1001 aaln/1@gw MGCP 1.0\r\nC: A1\r\nM: recvonly\r\n", NULL);
	mgcp_send(c, false, "200 1001 OK\r\nI: 11\r\n", sdp(PHONE, 30000, NULL));
	assert_int_equal(holes_to(PHONE, 30000), 0);
	assert_true(R.refused_events[UCF_REFUSE_SERVICE] > 0);
	ucf_classifier_free(c);
	ucf_config_free(cfg);
	ucf_catalog_free(cat);
}

/* With enforcement.require_encryption the kernel drops cleartext SIP, so
 * what it announces must open nothing (no pinhole for a call that cannot
 * happen); it is counted under its own reason, not as forged signalling. */
static void test_required_encryption_teaches_nothing_in_clear(void **state)
{
	(void)state;
	struct ucf_catalog *cat;
	struct ucf_config *cfg;
	struct ucf_classifier_opts o;
	struct ucf_classifier *c =
		make_from_site("sip, sip-tls, rtp", "enforcement: {require_encryption: true}\n", &cat,
			       &cfg, &o);
	assert_int_equal(o.trust.svc[UCF_LEARN_SIP].count, 0);
	invite(c, PHONE, 5060, "clear-1", sdp(PHONE, 30000, "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz\r\n"));
	answer(c, PHONE, 5060, "clear-1", sdp(SERVER, 40000, NULL));
	assert_int_equal(holes_to(PHONE, 30000), 0);
	assert_int_equal(holes_to(SERVER, 40000), 0);
	assert_int_equal(R.refused_events[UCF_REFUSE_CLEARTEXT], 2);
	/* the keys it carried in clear are still a risk to report */
	assert_int_equal(R.risks[UCF_RISK_EXPOSED_SRTP_KEYS], 1);
	assert_int_equal(R.refused_events[UCF_REFUSE_SERVICE], 0);
	assert_string_equal(ucf_refusal_name(UCF_REFUSE_CLEARTEXT), "cleartext-refused");
	ucf_classifier_free(c);
	ucf_config_free(cfg);
	ucf_catalog_free(cat);

	/* off (the default): the same call teaches as always */
	c = make_from_site("sip, sip-tls, rtp", "", &cat, &cfg, &o);
	invite(c, PHONE, 5060, "clear-1", sdp(PHONE, 30000, NULL));
	answer(c, PHONE, 5060, "clear-1", sdp(SERVER, 40000, NULL));
	assert_int_equal(holes_to(PHONE, 30000), 1);
	assert_int_equal(R.refused_events[UCF_REFUSE_CLEARTEXT], 0);
	ucf_classifier_free(c);
	ucf_config_free(cfg);
	ucf_catalog_free(cat);
}

/* Risks are reported for uc.endpoints only; a reload that moves the phones
 * to another prefix moves the reporting with them. */
static void test_reload_moves_the_risk_filter(void **state)
{
	(void)state;
	struct ucf_catalog *cat, *cat2;
	struct ucf_config *cfg, *cfg2;
	struct ucf_classifier_opts o, o2;
	struct ucf_classifier *c = make_from_site("sip, rtp", "", &cat, &cfg, &o);
	const char *moved = "10.21.0.5";
	invite(c, moved, 5060, "r-1", NULL);
	assert_int_equal(R.risks[UCF_RISK_CLEARTEXT_SIP], 0); /* not a phone of this site */
	char text[1024], err2[512];
	snprintf(text, sizeof(text),
		 "site: {name: b1, mode: concentrator}\n"
		 "interfaces: {uc: [eth1], data: [eth2], appliance: eth3, wan: eth0}\n"
		 "uc:\n  endpoints: [10.21.0.0/24]\n  servers: [10.50.0.0/24]\n"
		 "  services: [sip, rtp]\n"
		 "appliance: {address: 10.40.0.2, remote_subnets: [10.50.0.0/16]}\n");
	assert_int_equal(ucf_catalog_load("rules", NULL, &cat2, err2, sizeof(err2)), 0);
	if (ucf_config_load_text("site.yaml", text, strlen(text), cat2, &cfg2, err2, sizeof(err2)) < 0)
		fail_msg("%s", err2);
	ucf_classifier_opts_from_config(&o2, cfg2, cat2);
	assert_int_equal(ucf_classifier_set_trust(c, &o2, err2, sizeof(err2)), 0);
	ucf_config_free(cfg2); /* copied: the caller's config may go */
	ucf_catalog_free(cat2);
	invite(c, moved, 5060, "r-2", NULL);
	assert_int_equal(R.risks[UCF_RISK_CLEARTEXT_SIP], 1);
	ucf_classifier_free(c);
	ucf_config_free(cfg);
	ucf_catalog_free(cat);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_legitimate_call_learns_both_ends),
		cmocka_unit_test(test_forged_invites_teach_nothing_wider),
		cmocka_unit_test(test_spoofed_server),
		cmocka_unit_test(test_foreign_bye_leaves_the_call),
		cmocka_unit_test(test_flood_held_to_its_share),
		cmocka_unit_test(test_too_many_endpoints),
		cmocka_unit_test(test_tftp_only_to_servers),
		cmocka_unit_test(test_reload_narrows_the_boundary),
		cmocka_unit_test(test_forged_first_packet_blocks_nothing),
		cmocka_unit_test(test_mgcp_two_lines_of_one_gateway),
		cmocka_unit_test(test_mgcp_far_media_reaches_gateway),
		cmocka_unit_test(test_mgcp_service_from_catalog),
		cmocka_unit_test(test_required_encryption_teaches_nothing_in_clear),
		cmocka_unit_test(test_reload_moves_the_risk_filter),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
