/* Unit tests for the trust boundary: every refusal rule, and what passes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "trust.h"

/* The lab's concentrator site: E 10.20.0.0/24, S 10.50.0.0/24, R
 * 10.60.0.0/24, A 10.40.0.2; sip udp+tcp 5060, sccp tcp 2000, mgcp udp
 * 2427 and 2727, tftp udp 69. */
static struct ucf_prefix E[1], S[1], R[1];
static struct ucf_trust T;

static struct ucf_prefix pfx(const char *text, unsigned len)
{
	struct ucf_prefix p = { .family = AF_INET, .len = (uint8_t)len };
	inet_pton(AF_INET, text, p.addr);
	return p;
}

static const uint8_t *ip(const char *text)
{
	static uint8_t buf[8][16];
	static unsigned next;
	uint8_t *b = buf[next++ % 8];
	memset(b, 0, 16);
	inet_pton(AF_INET, text, b);
	return b;
}

static void add_port(enum ucf_learn_proto p, uint8_t l4, uint16_t first, uint16_t last)
{
	struct ucf_trust_ports *tp = &T.svc[p];
	tp->item[tp->count].l4proto = l4;
	tp->item[tp->count].ports = (struct ucf_port_range){ first, last };
	tp->count++;
}

static int setup(void **state)
{
	(void)state;
	memset(&T, 0, sizeof(T));
	E[0] = pfx("10.20.0.0", 24);
	S[0] = pfx("10.50.0.0", 24);
	R[0] = pfx("10.60.0.0", 24);
	T.enabled = true;
	T.endpoints = E, T.n_endpoints = 1;
	T.servers = S, T.n_servers = 1;
	T.remote = R, T.n_remote = 1;
	T.appliance = pfx("10.40.0.2", 32);
	T.learn_range = (struct ucf_port_range){ 1024, 65535 };
	T.max_endpoints = 16;
	add_port(UCF_LEARN_SIP, IPPROTO_UDP, 5060, 5060);
	add_port(UCF_LEARN_SIP, IPPROTO_TCP, 5060, 5060);
	add_port(UCF_LEARN_SCCP, IPPROTO_TCP, 2000, 2000);
	add_port(UCF_LEARN_MGCP, IPPROTO_UDP, 2427, 2427);
	add_port(UCF_LEARN_MGCP, IPPROTO_UDP, 2727, 2727);
	add_port(UCF_LEARN_TFTP, IPPROTO_UDP, 69, 69);
	return 0;
}

static enum ucf_refusal path(enum ucf_learn_proto proto, enum ucf_ingress in, const char *src,
			     const char *dst, uint8_t l4, uint16_t resp, struct ucf_trust_path *out)
{
	struct ucf_trust_path scratch;
	/* the sender's port is an ephemeral one: the destination must be the
	 * service port */
	struct ucf_trust_packet p = { .proto = proto, .ingress = in, .family = AF_INET,
				      .l4proto = l4, .src = ip(src), .dst = ip(dst),
				      .sport = 40000, .dport = resp };
	return ucf_trust_path(&T, &p, out ? out : &scratch);
}

static void test_path_rules(void **state)
{
	(void)state;
	struct ucf_trust_path p;
	/* phone to call server and back */
	assert_int_equal(path(UCF_LEARN_SIP, UCF_INGRESS_UC, "10.20.0.10", "10.50.0.10",
			      IPPROTO_UDP, 5060, &p), UCF_REFUSE_NONE);
	assert_int_equal(p.sender, UCF_SIDE_ENDPOINT);
	assert_memory_equal(p.party[UCF_SIDE_ENDPOINT], ip("10.20.0.10"), 16);
	assert_memory_equal(p.party[UCF_SIDE_SERVER], ip("10.50.0.10"), 16);
	assert_int_equal(path(UCF_LEARN_SIP, UCF_INGRESS_APPLIANCE, "10.50.0.10", "10.20.0.10",
			      IPPROTO_UDP, 5060, &p), UCF_REFUSE_NONE);
	assert_int_equal(p.sender, UCF_SIDE_SERVER);
	/* a reply from the service port to the phone's own port: either end */
	struct ucf_trust_packet reply = { .proto = UCF_LEARN_SIP, .ingress = UCF_INGRESS_APPLIANCE,
					  .family = AF_INET, .l4proto = IPPROTO_UDP,
					  .src = ip("10.50.0.10"), .dst = ip("10.20.0.10"),
					  .sport = 5060, .dport = 5070 };
	assert_int_equal(ucf_trust_path(&T, &reply, &p), UCF_REFUSE_NONE);
	assert_memory_equal(p.party[UCF_SIDE_ENDPOINT], ip("10.20.0.10"), 16);
	/* R is the server side too */
	assert_int_equal(path(UCF_LEARN_SIP, UCF_INGRESS_UC, "10.20.0.10", "10.60.0.7",
			      IPPROTO_TCP, 5060, NULL), UCF_REFUSE_NONE);
	/* not between E and S∪R: phone to phone, phone to the internet, data to S */
	assert_int_equal(path(UCF_LEARN_SIP, UCF_INGRESS_UC, "10.20.0.10", "10.20.0.11",
			      IPPROTO_UDP, 5060, NULL), UCF_REFUSE_PATH);
	assert_int_equal(path(UCF_LEARN_SIP, UCF_INGRESS_UC, "10.20.0.10", "198.51.100.7",
			      IPPROTO_UDP, 5060, NULL), UCF_REFUSE_PATH);
	assert_int_equal(path(UCF_LEARN_SIP, UCF_INGRESS_UC, "10.30.0.10", "10.50.0.10",
			      IPPROTO_UDP, 5060, NULL), UCF_REFUSE_PATH);
	/* A is no endpoint in concentrator mode */
	assert_int_equal(path(UCF_LEARN_SIP, UCF_INGRESS_APPLIANCE, "10.40.0.2", "10.50.0.10",
			      IPPROTO_UDP, 5060, NULL), UCF_REFUSE_PATH);
	/* only on the protocol's own service ports */
	assert_int_equal(path(UCF_LEARN_SIP, UCF_INGRESS_UC, "10.20.0.10", "10.50.0.10",
			      IPPROTO_UDP, 161, NULL), UCF_REFUSE_SERVICE);
	assert_int_equal(path(UCF_LEARN_SIP, UCF_INGRESS_UC, "10.20.0.10", "10.50.0.10",
			      IPPROTO_UDP, 2000, NULL), UCF_REFUSE_SERVICE);
	assert_int_equal(path(UCF_LEARN_SCCP, UCF_INGRESS_UC, "10.20.0.10", "10.50.0.10",
			      IPPROTO_UDP, 2000, NULL), UCF_REFUSE_SERVICE);
	assert_int_equal(path(UCF_LEARN_SCCP, UCF_INGRESS_UC, "10.20.0.10", "10.50.0.10",
			      IPPROTO_TCP, 2000, NULL), UCF_REFUSE_NONE);
	assert_int_equal(path(UCF_LEARN_MGCP, UCF_INGRESS_APPLIANCE, "10.50.0.10", "10.20.0.10",
			      IPPROTO_UDP, 2427, NULL), UCF_REFUSE_NONE);
	/* a server's address arriving on a phone port is spoofed */
	assert_int_equal(path(UCF_LEARN_SIP, UCF_INGRESS_UC, "10.50.0.10", "10.20.0.10",
			      IPPROTO_UDP, 5060, NULL), UCF_REFUSE_INGRESS);
	/* and a phone's address arriving from the appliance side */
	assert_int_equal(path(UCF_LEARN_SIP, UCF_INGRESS_APPLIANCE, "10.20.0.10", "10.50.0.10",
			      IPPROTO_UDP, 5060, NULL), UCF_REFUSE_INGRESS);
	/* offline (no capture port) the addresses alone decide */
	assert_int_equal(path(UCF_LEARN_SIP, UCF_INGRESS_UNKNOWN, "10.50.0.10", "10.20.0.10",
			      IPPROTO_UDP, 5060, NULL), UCF_REFUSE_NONE);
}

static void test_tftp_only_requests_to_servers(void **state)
{
	(void)state;
	assert_int_equal(path(UCF_LEARN_TFTP, UCF_INGRESS_UC, "10.20.0.10", "10.50.0.20",
			      IPPROTO_UDP, 69, NULL), UCF_REFUSE_NONE);
	/* not to R, not to anywhere else, not from the server side */
	assert_int_equal(path(UCF_LEARN_TFTP, UCF_INGRESS_UC, "10.20.0.10", "10.60.0.20",
			      IPPROTO_UDP, 69, NULL), UCF_REFUSE_PATH);
	assert_int_equal(path(UCF_LEARN_TFTP, UCF_INGRESS_UC, "10.20.0.10", "10.30.0.10",
			      IPPROTO_UDP, 69, NULL), UCF_REFUSE_PATH);
	assert_int_equal(path(UCF_LEARN_TFTP, UCF_INGRESS_APPLIANCE, "10.50.0.20", "10.20.0.10",
			      IPPROTO_UDP, 69, NULL), UCF_REFUSE_PATH);
	assert_int_equal(path(UCF_LEARN_TFTP, UCF_INGRESS_UC, "10.20.0.10", "10.50.0.20",
			      IPPROTO_UDP, 5060, NULL), UCF_REFUSE_SERVICE);
}

static enum ucf_refusal names(const struct ucf_trust_path *p, const char *addr, uint16_t port)
{
	return ucf_trust_endpoint(&T, p, AF_INET, ip(addr), port);
}

static void test_what_each_side_may_name(void **state)
{
	(void)state;
	struct ucf_trust_path phone, server;
	assert_int_equal(path(UCF_LEARN_SIP, UCF_INGRESS_UC, "10.20.0.66", "10.50.0.10",
			      IPPROTO_UDP, 5060, &phone), UCF_REFUSE_NONE);
	assert_int_equal(path(UCF_LEARN_SIP, UCF_INGRESS_APPLIANCE, "10.50.0.10", "10.20.0.10",
			      IPPROTO_UDP, 5060, &server), UCF_REFUSE_NONE);
	/* the phone names itself only */
	assert_int_equal(names(&phone, "10.20.0.66", 4444), UCF_REFUSE_NONE);
	assert_int_equal(names(&phone, "10.50.0.10", 30000), UCF_REFUSE_NOT_SENDER);
	assert_int_equal(names(&phone, "10.20.0.11", 30000), UCF_REFUSE_NOT_SENDER);
	assert_int_equal(names(&phone, "10.30.0.10", 30000), UCF_REFUSE_NOT_SENDER);
	/* low ports never */
	assert_int_equal(names(&phone, "10.20.0.66", 161), UCF_REFUSE_PORT);
	assert_int_equal(names(&phone, "10.20.0.66", 1023), UCF_REFUSE_PORT);
	/* the server relays the far end: anything in E∪S∪R */
	assert_int_equal(names(&server, "10.20.0.11", 30000), UCF_REFUSE_NONE);
	assert_int_equal(names(&server, "10.50.0.99", 30000), UCF_REFUSE_NONE);
	assert_int_equal(names(&server, "10.60.0.5", 30000), UCF_REFUSE_NONE);
	assert_int_equal(names(&server, "10.30.0.10", 30000), UCF_REFUSE_OUTSIDE_SITE);
	assert_int_equal(names(&server, "198.51.100.80", 30000), UCF_REFUSE_OUTSIDE_SITE);
	assert_int_equal(names(&server, "10.50.0.99", 80), UCF_REFUSE_PORT);
	/* a configured learn range */
	T.learn_range = (struct ucf_port_range){ 16384, 32767 };
	assert_int_equal(names(&phone, "10.20.0.66", 4444), UCF_REFUSE_PORT);
	assert_int_equal(names(&phone, "10.20.0.66", 16384), UCF_REFUSE_NONE);
	/* an IPv6 address from an IPv4 phone is not its own */
	uint8_t v6[16] = { 0xfd, 0, 0x20 };
	T.learn_range = (struct ucf_port_range){ 1024, 65535 };
	assert_int_equal(ucf_trust_endpoint(&T, &phone, AF_INET6, v6, 30000),
			 UCF_REFUSE_NOT_SENDER);
}

static void test_appliance_mode(void **state)
{
	(void)state;
	T.appliance_mode = true;
	T.n_remote = 0;
	struct ucf_trust_path p;
	/* the phones behind the MX are A, on the appliance port */
	assert_int_equal(path(UCF_LEARN_SIP, UCF_INGRESS_APPLIANCE, "10.40.0.2", "10.50.0.10",
			      IPPROTO_UDP, 5060, &p), UCF_REFUSE_NONE);
	assert_int_equal(p.sender, UCF_SIDE_ENDPOINT);
	assert_int_equal(names(&p, "10.40.0.2", 20000), UCF_REFUSE_NONE);
	/* a private address behind the NAT is not what the kernel sees */
	assert_int_equal(names(&p, "192.168.1.20", 20000), UCF_REFUSE_NOT_SENDER);
	/* A on a uc port is spoofed */
	assert_int_equal(path(UCF_LEARN_SIP, UCF_INGRESS_UC, "10.40.0.2", "10.50.0.10",
			      IPPROTO_UDP, 5060, NULL), UCF_REFUSE_INGRESS);
	/* the server may name A */
	struct ucf_trust_path s;
	assert_int_equal(path(UCF_LEARN_SIP, UCF_INGRESS_UNKNOWN, "10.50.0.10", "10.40.0.2",
			      IPPROTO_UDP, 5060, &s), UCF_REFUSE_NONE);
	assert_int_equal(names(&s, "10.40.0.2", 20000), UCF_REFUSE_NONE);
}

static void test_without_a_site(void **state)
{
	(void)state;
	T.enabled = false;
	struct ucf_trust_path a, b;
	assert_int_equal(path(UCF_LEARN_SIP, UCF_INGRESS_UNKNOWN, "192.0.2.9", "192.0.2.1",
			      IPPROTO_UDP, 5060, &a), UCF_REFUSE_NONE);
	assert_int_equal(path(UCF_LEARN_SIP, UCF_INGRESS_UNKNOWN, "192.0.2.1", "192.0.2.9",
			      IPPROTO_UDP, 5060, &b), UCF_REFUSE_NONE);
	/* the same two parties, each its own side */
	assert_memory_equal(a.party, b.party, sizeof(a.party));
	assert_int_not_equal(a.sender, b.sender);
	assert_int_equal(names(&a, "203.0.113.5", 80), UCF_REFUSE_NONE);
	assert_int_equal(names(&a, "203.0.113.5", 0), UCF_REFUSE_PORT);
}

/* Where a source can come in: the same rule as the signalling path's. */
static void test_source_ingress(void **state)
{
	(void)state;
	assert_true(ucf_trust_source_ok(&T, UCF_INGRESS_UC, AF_INET, ip("10.20.0.10")));
	assert_false(ucf_trust_source_ok(&T, UCF_INGRESS_UC, AF_INET, ip("10.50.0.10")));
	assert_false(ucf_trust_source_ok(&T, UCF_INGRESS_UC, AF_INET, ip("10.60.0.10")));
	assert_true(ucf_trust_source_ok(&T, UCF_INGRESS_APPLIANCE, AF_INET, ip("10.50.0.10")));
	assert_false(ucf_trust_source_ok(&T, UCF_INGRESS_APPLIANCE, AF_INET, ip("10.20.0.10")));
	/* outside the site, an unknown port, no site: no judgement */
	assert_true(ucf_trust_source_ok(&T, UCF_INGRESS_UC, AF_INET, ip("192.0.2.1")));
	assert_true(ucf_trust_source_ok(&T, UCF_INGRESS_UNKNOWN, AF_INET, ip("10.50.0.10")));
	T.appliance_mode = true;
	assert_false(ucf_trust_source_ok(&T, UCF_INGRESS_UC, AF_INET, ip("10.40.0.2")));
	assert_true(ucf_trust_source_ok(&T, UCF_INGRESS_APPLIANCE, AF_INET, ip("10.40.0.2")));
	T.enabled = false;
	assert_true(ucf_trust_source_ok(&T, UCF_INGRESS_UC, AF_INET, ip("10.50.0.10")));
}

static void test_names(void **state)
{
	(void)state;
	for (int r = 0; r < UCF_REFUSE_COUNT; r++) {
		const char *n = ucf_refusal_name((enum ucf_refusal)r);
		assert_non_null(n);
		assert_true(strlen(n) > 2);
		for (int k = 0; k < r; k++)
			assert_string_not_equal(n, ucf_refusal_name((enum ucf_refusal)k));
	}
	assert_string_equal(ucf_refusal_name(UCF_REFUSE_COUNT), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_path_rules, setup),
		cmocka_unit_test_setup(test_tftp_only_requests_to_servers, setup),
		cmocka_unit_test_setup(test_what_each_side_may_name, setup),
		cmocka_unit_test_setup(test_appliance_mode, setup),
		cmocka_unit_test_setup(test_without_a_site, setup),
		cmocka_unit_test_setup(test_source_ingress, setup),
		cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
