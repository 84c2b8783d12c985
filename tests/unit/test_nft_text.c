/* Unit tests for the nft text renderer: elements, rules, and the table as a
 * whole (layout of `nft list table`, so plan and listing compare). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>

#include "enforce_fixture.h"
#include "nft_text.h"
#include "policy.h"

static char err[1024];

static const char *fmt(enum ucf_set_key key, struct ucf_elem e)
{
	static char out[256];
	struct ucf_set s = { .key = key };
	ucf_nft_elem_format(&s, &e, out, sizeof(out));
	return out;
}

static struct ucf_elem range(int family, const char *first, const char *last)
{
	struct ucf_elem e;
	memset(&e, 0, sizeof(e));
	inet_pton(family, first, e.key);
	inet_pton(family, last, e.key_end);
	return e;
}

static void test_address_elements(void **state)
{
	(void)state;
	assert_string_equal(fmt(UCF_KEY_IPV4, range(AF_INET, "10.20.0.0", "10.20.0.255")),
			    "10.20.0.0/24");
	assert_string_equal(fmt(UCF_KEY_IPV4, range(AF_INET, "10.21.0.1", "10.21.0.5")),
			    "10.21.0.1-10.21.0.5");
	assert_string_equal(fmt(UCF_KEY_IPV4, range(AF_INET, "192.0.2.7", "192.0.2.7")), "192.0.2.7");
	assert_string_equal(fmt(UCF_KEY_IPV4, range(AF_INET, "0.0.0.0", "255.255.255.255")),
			    "0.0.0.0/0");
	/* Aligned start, but not a power of two long. */
	assert_string_equal(fmt(UCF_KEY_IPV4, range(AF_INET, "10.0.0.0", "10.0.2.255")),
			    "10.0.0.0-10.0.2.255");
	assert_string_equal(fmt(UCF_KEY_IPV6, range(AF_INET6, "fd00:20::", "fd00:20::ffff:ffff:ffff:ffff")),
			    "fd00:20::/64");
	assert_string_equal(fmt(UCF_KEY_IPV6, range(AF_INET6, "::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")),
			    "::/0");
	assert_string_equal(fmt(UCF_KEY_IPV6, range(AF_INET6, "2001:db8::1", "2001:db8::1")),
			    "2001:db8::1");
	assert_string_equal(fmt(UCF_KEY_IPV6, range(AF_INET6, "2001:db8::1", "2001:db8::3")),
			    "2001:db8::1-2001:db8::3");
}

static void test_other_elements(void **state)
{
	(void)state;
	struct ucf_elem e = { .proto = IPPROTO_UDP, .port = 5060, .port_end = 5060 };
	assert_string_equal(fmt(UCF_KEY_PROTO_PORT, e), "udp . 5060");
	e = (struct ucf_elem){ .proto = IPPROTO_TCP, .port = 16384, .port_end = 32767 };
	assert_string_equal(fmt(UCF_KEY_PROTO_PORT, e), "tcp . 16384-32767");
	e = (struct ucf_elem){ .proto = IPPROTO_SCTP, .port = 1, .port_end = 1 };
	assert_string_equal(fmt(UCF_KEY_PROTO_PORT, e), "132 . 1");

	/* Media: peer . announced address . port. */
	e = (struct ucf_elem){ .port = 20000 };
	inet_pton(AF_INET, "10.20.0.10", e.key);
	inet_pton(AF_INET, "10.50.0.10", e.key_end);
	assert_string_equal(fmt(UCF_KEY_IPV4_MEDIA, e), "10.20.0.10 . 10.50.0.10 . 20000");
	e.timeout_ms = 30000;
	assert_string_equal(fmt(UCF_KEY_IPV4_MEDIA, e), "10.20.0.10 . 10.50.0.10 . 20000 timeout 30s");
	e.timeout_ms = 1500;
	assert_string_equal(fmt(UCF_KEY_IPV4_MEDIA, e),
			    "10.20.0.10 . 10.50.0.10 . 20000 timeout 1500ms");
	e = (struct ucf_elem){ .port = 5004 };
	inet_pton(AF_INET6, "fd00:20::10", e.key);
	inet_pton(AF_INET6, "fd00:50::10", e.key_end);
	assert_string_equal(fmt(UCF_KEY_IPV6_MEDIA, e), "fd00:20::10 . fd00:50::10 . 5004");
	/* The model's encoding of a pinhole gives the same. */
	struct ucf_pinhole ph = { .family = AF_INET6, .port = 5004 };
	memcpy(ph.peer, e.key, 16);
	memcpy(ph.addr, e.key_end, 16);
	ucf_pinhole_elem(&ph, &e);
	assert_string_equal(fmt(UCF_KEY_IPV6_MEDIA, e), "fd00:20::10 . fd00:50::10 . 5004");

	/* Block: proto . src . sport . dst . dport. */
	e = (struct ucf_elem){ .proto = IPPROTO_TCP, .port = 40000, .port_end = 5060 };
	inet_pton(AF_INET, "10.20.0.10", e.key);
	inet_pton(AF_INET, "10.50.0.10", e.key_end);
	assert_string_equal(fmt(UCF_KEY_IPV4_BLOCK, e), "tcp . 10.20.0.10 . 40000 . 10.50.0.10 . 5060");
	struct ucf_block bl = { .family = AF_INET6, .l4proto = IPPROTO_UDP, .sport = 1, .dport = 2 };
	inet_pton(AF_INET6, "fd00::1", bl.src);
	inet_pton(AF_INET6, "fd00::2", bl.dst);
	ucf_block_elem(&bl, false, &e);
	assert_string_equal(fmt(UCF_KEY_IPV6_BLOCK, e), "udp . fd00::1 . 1 . fd00::2 . 2");
	ucf_block_elem(&bl, true, &e);
	assert_string_equal(fmt(UCF_KEY_IPV6_BLOCK, e), "udp . fd00::2 . 2 . fd00::1 . 1");

	e = (struct ucf_elem){ .proto = 135 };
	assert_string_equal(fmt(UCF_KEY_ICMPV6_TYPE, e), "nd-neighbor-solicit");
	e = (struct ucf_elem){ .proto = 200 };
	assert_string_equal(fmt(UCF_KEY_ICMPV6_TYPE, e), "200");

	e = (struct ucf_elem){ 0 };
	memcpy(e.key, "abcdefghijklmno", 15); /* IFNAMSIZ - 1 */
	assert_string_equal(fmt(UCF_KEY_IFNAME, e), "\"abcdefghijklmno\"");

	char tiny[8];
	e = (struct ucf_elem){ .proto = IPPROTO_UDP, .port = 16384, .port_end = 32767 };
	struct ucf_set s = { .key = UCF_KEY_PROTO_PORT };
	ucf_nft_elem_format(&s, &e, tiny, sizeof(tiny));
	assert_string_equal(tiny, "udp . 1"); /* cut, terminated */
}

static void test_rule_format(void **state)
{
	(void)state;
	char out[512];
	struct ucf_rule r = { .nmatch = 3, .nstmt = 1, .comment = "why" };
	r.match[0] = (struct ucf_match){ .kind = UCF_MATCH_OIF, .name = "wan0" };
	r.match[1] = (struct ucf_match){ .kind = UCF_MATCH_SADDR, .family = AF_INET6 };
	inet_pton(AF_INET6, "2001:db8::2", r.match[1].addr);
	r.match[2] = (struct ucf_match){ .kind = UCF_MATCH_SVC_SET, .name = "appliance_svc" };
	r.stmt[0] = (struct ucf_stmt){ .kind = UCF_STMT_ACCEPT };
	ucf_nft_rule_format(&r, out, sizeof(out));
	assert_string_equal(out, "oifname \"wan0\" ip6 saddr 2001:db8::2 meta l4proto . th dport "
				 "@appliance_svc accept comment \"why\"");

	r = (struct ucf_rule){ .nmatch = 2, .nstmt = 1 };
	r.match[0] = (struct ucf_match){ .kind = UCF_MATCH_MEDIA_SET, .family = AF_INET,
					 .name = "media4" };
	r.match[1] = (struct ucf_match){ .kind = UCF_MATCH_ICMPV6_SET, .name = "nd" };
	r.stmt[0] = (struct ucf_stmt){ .kind = UCF_STMT_GOTO, .name = "x" };
	ucf_nft_rule_format(&r, out, sizeof(out));
	assert_string_equal(out, "ip saddr . ip daddr . udp dport @media4 icmpv6 type @nd goto x");

	r = (struct ucf_rule){ .nmatch = 1, .nstmt = 1 };
	r.match[0] = (struct ucf_match){ .kind = UCF_MATCH_BLOCK_SET, .family = AF_INET6,
					 .name = "block6" };
	r.stmt[0] = (struct ucf_stmt){ .kind = UCF_STMT_GOTO, .name = "non_uc_protocol" };
	ucf_nft_rule_format(&r, out, sizeof(out));
	assert_string_equal(out, "meta l4proto . ip6 saddr . th sport . ip6 daddr . th dport @block6 "
				 "goto non_uc_protocol");

	r = (struct ucf_rule){ .nmatch = 1, .nstmt = 2 };
	r.match[0] = (struct ucf_match){ .kind = UCF_MATCH_L4PROTO, .proto = IPPROTO_TCP };
	r.stmt[0] = (struct ucf_stmt){ .kind = UCF_STMT_LOG, .name = "p ",
				       .rate = { 7, UCF_PER_HOUR } };
	r.stmt[1] = (struct ucf_stmt){ .kind = UCF_STMT_REJECT_TCP };
	ucf_nft_rule_format(&r, out, sizeof(out));
	assert_string_equal(out, "meta l4proto tcp limit rate 7/hour burst 5 packets log prefix \"p \" "
				 "reject with tcp reset");
	/* with a group: that NFLOG group alone, no kernel log besides */
	r.stmt[0].group = 30051;
	ucf_nft_rule_format(&r, out, sizeof(out));
	assert_string_equal(out, "meta l4proto tcp limit rate 7/hour burst 5 packets log prefix \"p \" "
				 "group 30051 reject with tcp reset");
}

/* Renders the fixture's table into a string. */
static char *render(struct fixture *f, struct ucf_ruleset **rsp)
{
	char *text = NULL;
	size_t len = 0;
	struct ucf_ruleset *rs = NULL;
	assert_int_equal(ucf_policy_build(&f->cfg, &f->cat, &rs, err, sizeof(err)), 0);
	FILE *out = open_memstream(&text, &len);
	assert_non_null(out);
	assert_int_equal(ucf_nft_text(rs, out), 0);
	fclose(out);
	if (rsp)
		*rsp = rs;
	else
		ucf_ruleset_free(rs);
	return text;
}

static void test_table_layout(void **state)
{
	(void)state;
	struct fixture f;
	struct ucf_ruleset *rs;
	fx_init(&f, UCF_MODE_CONCENTRATOR);
	char *text = render(&f, &rs);
	/* Counters, then sets, then chains, as `nft list table` orders them. */
	const char *counter = strstr(text, "\tcounter non-target-uc {\n\t}\n");
	const char *set = strstr(text, "\tset uc_ifs {\n\t\ttype ifname\n\t\telements = { \"eth1\" }\n\t}\n");
	const char *chain = strstr(text, "\tchain forward {\n\t\ttype filter hook forward priority "
					 "filter - 10; policy accept;\n");
	assert_true(strncmp(text, "table inet ucfence {\n", 21) == 0);
	assert_non_null(counter);
	assert_non_null(set);
	assert_non_null(chain);
	assert_true(counter < set && set < chain);
	assert_non_null(strstr(text, "\tset endpoints4 {\n\t\ttype ipv4_addr\n\t\tflags interval\n"
				     "\t\telements = { 10.20.0.0/24 }\n\t}\n"));
	assert_non_null(strstr(text, "\tset servers6 {\n\t\ttype ipv6_addr\n\t\tflags interval\n\t}\n"
				     "\n\tset remote4"));
	assert_non_null(strstr(text, "\tset media4 {\n\t\ttype ipv4_addr . ipv4_addr . inet_service\n"
				     "\t\tflags timeout\n\t\ttimeout 120s\n\t}\n"));
	assert_non_null(strstr(text, "\tset media6 {\n\t\ttype ipv6_addr . ipv6_addr . inet_service\n"
				     "\t\tflags timeout\n\t\ttimeout 120s\n\t}\n"));
	assert_non_null(strstr(text, "\tset block4 {\n\t\ttype inet_proto . ipv4_addr . inet_service"
				     " . ipv4_addr . inet_service\n\t\tflags timeout\n"
				     "\t\ttimeout 3600s\n\t}\n"));
	assert_non_null(strstr(text, "\tset block6 {\n\t\ttype inet_proto . ipv6_addr . inet_service"
				     " . ipv6_addr . inet_service\n\t\tflags timeout\n"
				     "\t\ttimeout 3600s\n\t}\n"));
	assert_non_null(strstr(text, "\tcounter non-uc-protocol {\n\t}\n"));
	/* The block rules open chain forward, before conntrack's accept. */
	assert_non_null(strstr(text, "policy accept;\n"
				     "\t\tmeta l4proto . ip saddr . th sport . ip daddr . th dport @block4 "
				     "goto non_uc_protocol\n"
				     "\t\tmeta l4proto . ip6 saddr . th sport . ip6 daddr . th dport @block6 "
				     "goto non_uc_protocol\n"
				     "\t\tmeta l4proto tcp jump tls_signal\n"
				     "\t\tct mark & 0x10000000 == 0x10000000 meta l4proto udp goto "
				     "media_flow comment \"admitted media flows: every packet media-shaped\"\n"
				     "\t\toifname \"eth0\" ip saddr 10.40.0.2 ip daddr @meraki_cloud4 ip length > 128 counter name \"appliance-upload\" "
				     "comment \"the appliance's upload to the Meraki cloud\"\n"
				     "\t\tct state established,related accept"));
	assert_non_null(strstr(text, "\tcounter appliance-upload {\n\t}\n"));
	/* A media flow is marked in conntrack, the mark's other bits kept. */
	assert_non_null(strstr(text, "\tchain media_admit {\n\t\tjump media_shape\n"
				     "\t\tct mark set ct mark | 0x10000000 accept comment "
				     "\"a media flow, shape-checked from now on\"\n\t}\n"));
	/* Sets the datapath fills: bounded, dynamic. */
	assert_non_null(strstr(text, "\tset tls_pairs4 {\n\t\ttype ipv4_addr . ipv4_addr\n"
				     "\t\tsize 65536\n\t\tflags dynamic,timeout\n\t\ttimeout 120s\n\t}\n"));
	assert_null(strstr(text, "media_flows"));
	assert_non_null(strstr(text, "\tset static_media {\n\t\ttype inet_proto . inet_service\n"
				     "\t\tflags interval\n\t\telements = { udp . 16384-32767 }\n"));
	/* The media shape as raw payload matches, the way nft lists them. */
	assert_non_null(strstr(text, "\tchain media_shape {\n"
				     "\t\t@th,64,8 & 0xc0 == 0x80 @th,72,8 0x0-0x22 return\n"));
	assert_non_null(strstr(text, "\t\t@th,64,8 & 0xc0 == 0x0 @th,96,32 0x2112a442 return\n"
				     "\t\t@th,64,8 0x14-0x3f return\n\t\tgoto non_media_shape\n"));
	assert_non_null(strstr(text, "\tchain non_uc_protocol {\n\t\tcounter name \"non-uc-protocol\"\n"
				     "\t\tlimit rate 10/second burst 5 packets log prefix "
				     "\"ucfence: non-uc-protocol \" group 30051"
				     "\n\t\tdrop\n\t}\n"));
	/* the reasons added last, last */
	assert_non_null(strstr(text, "\tchain cleartext_signalling {\n\t\tcounter name \"cleartext-signalling\"\n"
				     "\t\tlimit rate 10/second burst 5 packets log prefix "
				     "\"ucfence: cleartext-signalling \" group 30051"
				     "\n\t\tdrop\n\t}\n\n\tchain non_media_shape {\n"));
	assert_non_null(strstr(text, "\t\telements = { tcp . 5060-5061,\n\t\t\t     udp . 5060 }\n"));
	assert_non_null(strstr(text, "\tchain input {\n\t\ttype filter hook input priority filter - 10; "
				     "policy accept;\n\t\tiifname @uc_ifs goto uc_input\n\t}\n"));
	assert_non_null(strstr(text, "\tchain uc_service {\n\t\tmeta l4proto . th dport @uc_svc accept\n"));
	assert_string_equal(text + strlen(text) - 5, "\t}\n}\n");
	/* Every rule of the model is in the text, once. */
	for (size_t i = 0; i < rs->nrules; i++) {
		char line[1024], needle[1100];
		ucf_nft_rule_format(&rs->rules[i], line, sizeof(line));
		snprintf(needle, sizeof(needle), "\t\t%s\n", line);
		assert_non_null(strstr(text, needle));
	}
	ucf_ruleset_free(rs);
	free(text);

	/* Learned media and blocks carried in the model are in the text too. */
	assert_int_equal(ucf_policy_build(&f.cfg, &f.cat, &rs, err, sizeof(err)), 0);
	struct ucf_pinhole m = { .family = AF_INET, .port = 20000, .timeout_ms = 60000 };
	inet_pton(AF_INET, "10.20.0.10", m.peer);
	inet_pton(AF_INET, "10.50.0.10", m.addr);
	assert_int_equal(ucf_ruleset_add_media(rs, &m, 1, err, sizeof(err)), 0);
	struct ucf_block bk = { .family = AF_INET, .l4proto = IPPROTO_TCP, .sport = 40000,
				.dport = 5060 };
	inet_pton(AF_INET, "10.20.0.10", bk.src);
	inet_pton(AF_INET, "10.50.0.10", bk.dst);
	assert_int_equal(ucf_ruleset_add_blocks(rs, &bk, 1, err, sizeof(err)), 0);
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	assert_int_equal(ucf_nft_text(rs, out), 0);
	fclose(out);
	assert_non_null(strstr(text, "\t\ttimeout 120s\n\t\telements = { 10.20.0.10 . 10.50.0.10 . 20000 "
				     "timeout 60s }\n"));
	assert_non_null(strstr(text, "\t\ttimeout 3600s\n"
				     "\t\telements = { tcp . 10.20.0.10 . 40000 . 10.50.0.10 . 5060,\n"
				     "\t\t\t     tcp . 10.50.0.10 . 5060 . 10.20.0.10 . 40000 }\n"));
	free(text);
	ucf_ruleset_free(rs);
	fx_free(&f);
}

/* enforcement.require_encryption in the text: the counter and set are
 * listed like the others (the set empty when off), and the refusals come
 * before the jump to uc_service they guard. */
static void test_require_encryption_text(void **state)
{
	(void)state;
	struct fixture f;
	fx_init(&f, UCF_MODE_CONCENTRATOR);
	char *text = render(&f, NULL);
	assert_non_null(strstr(text, "\tcounter cleartext-signalling {\n\t}\n"));
	assert_non_null(strstr(text, "\tset cleartext_svc {\n\t\ttype inet_proto . inet_service\n"
				     "\t\tflags interval\n\t}\n"));
	assert_null(strstr(text, "goto cleartext_signalling"));
	assert_non_null(strstr(text, "\tchain cleartext_signalling {\n"
				     "\t\tcounter name \"cleartext-signalling\"\n"));
	free(text);

	f.cfg.enforcement.require_encryption = true;
	text = render(&f, NULL);
	assert_non_null(strstr(text, "\tset cleartext_svc {\n\t\ttype inet_proto . inet_service\n"
				     "\t\tflags interval\n"
				     "\t\telements = { tcp . 5060,\n\t\t\t     udp . 5060 }\n\t}\n"));
	assert_non_null(strstr(text, "\tchain to_appliance {\n"
				     "\t\tip saddr @endpoints4 ip daddr @remote4 meta l4proto . th dport "
				     "@cleartext_svc goto cleartext_signalling comment \"require_encryption\"\n"
				     "\t\tip6 saddr @endpoints6 ip6 daddr @remote6 meta l4proto . th dport "
				     "@cleartext_svc goto cleartext_signalling comment \"require_encryption\"\n"
				     "\t\tip saddr @endpoints4 ip daddr @remote4 jump uc_service\n"));
	free(text);
	fx_free(&f);
}

static void test_write_error(void **state)
{
	(void)state;
	struct fixture f;
	struct ucf_ruleset *rs = NULL;
	fx_init(&f, UCF_MODE_APPLIANCE);
	assert_int_equal(ucf_policy_build(&f.cfg, &f.cat, &rs, err, sizeof(err)), 0);
	FILE *full = fopen("/dev/full", "w");
	assert_non_null(full);
	setvbuf(full, NULL, _IONBF, 0);
	assert_int_equal(ucf_nft_text(rs, full), -EIO);
	fclose(full);
	ucf_ruleset_free(rs);
	fx_free(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_address_elements), cmocka_unit_test(test_other_elements),
		cmocka_unit_test(test_rule_format),      cmocka_unit_test(test_table_layout),
		cmocka_unit_test(test_write_error),    cmocka_unit_test(test_require_encryption_text),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
