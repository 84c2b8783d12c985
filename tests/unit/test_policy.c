/* Unit tests for the policy compiler: set contents, both modes, actions,
 * routes, merging edge cases, structural integrity, and a rule count that
 * does not grow with prefixes, services or media. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "enforce_fixture.h"
#include "nft_text.h"
#include "policy.h"

/* The capture upload signal's counting rule for A = 10.40.0.2 (eth0 is wan). */
#define UPLOAD_RULE4                                                                            \
	"oifname \"eth0\" ip saddr 10.40.0.2 ip daddr @meraki_cloud4 ip length > 128 counter name \"appliance-upload\" "                 \
	"comment \"the appliance's upload to the Meraki cloud\"\n"

static char err[1024];

static struct ucf_ruleset *build(struct fixture *f)
{
	struct ucf_ruleset *rs = NULL;
	int rc = ucf_policy_build(&f->cfg, &f->cat, &rs, err, sizeof(err));
	if (rc != 0)
		fail_msg("ucf_policy_build: %d %s", rc, err);
	return rs;
}

/* The elements of a set as nft writes them, comma-separated. */
static const char *elems(const struct ucf_ruleset *rs, const char *set)
{
	static char out[4096];
	char one[256];
	const struct ucf_set *s = ucf_ruleset_set(rs, set);
	out[0] = '\0';
	if (!s)
		return "(no such set)";
	for (size_t i = 0; i < s->count; i++) {
		ucf_nft_elem_format(s, &s->elems[i], one, sizeof(one));
		if (i)
			strcat(out, ", ");
		strcat(out, one);
	}
	return out;
}

static size_t chain_index(const struct ucf_ruleset *rs, const char *name)
{
	for (size_t i = 0; i < rs->nchains; i++)
		if (strcmp(rs->chains[i].name, name) == 0)
			return i;
	fail_msg("no chain %s", name);
	return 0;
}

/* The rules of a chain as nft text, one per line. */
static const char *chain_text(const struct ucf_ruleset *rs, const char *name)
{
	static char out[8192];
	char line[1024];
	size_t c = chain_index(rs, name);
	out[0] = '\0';
	for (size_t i = 0; i < rs->nrules; i++) {
		if (rs->rules[i].chain != c)
			continue;
		ucf_nft_rule_format(&rs->rules[i], line, sizeof(line));
		strcat(out, line);
		strcat(out, "\n");
	}
	return out;
}

#define A_OWN                                                                                      \
	"oifname \"eth0\" ip saddr 10.40.0.2 ip daddr @meraki_cloud4 meta l4proto . th dport "    \
	"@cloud_svc accept comment \"the appliance to the Meraki cloud\"\n"                          \
	"oifname \"eth0\" ip saddr 10.40.0.2 ip daddr @conncheck4 meta l4proto . th dport "       \
	"@check_svc accept comment \"the appliance's connectivity checks\"\n"                        \
	"oifname \"eth0\" ip saddr 10.40.0.2 ip daddr @conncheck4 meta l4proto 1 @th,0,8 0x8 "    \
	"accept comment \"the appliance's connectivity checks\"\n"                                   \
	"oifname \"eth0\" ip saddr 10.40.0.2 ip daddr @vpn_static4 meta l4proto . th dport "      \
	"@vpn_svc accept comment \"the appliance to its AutoVPN peers\"\n"                           \
	"oifname \"eth0\" ip saddr 10.40.0.2 ip daddr @vpn_peers4 meta l4proto . th dport "       \
	"@vpn_svc accept comment \"the appliance to its AutoVPN peers\"\n"                           \
	"oifname \"eth0\" ip saddr 10.40.0.2 ip daddr @resolvers4 meta l4proto . th dport "       \
	"@resolver_svc accept comment \"the appliance's DNS\"\n"
#define A_IN                                                                                       \
	"iifname \"eth0\" ip saddr @meraki_cloud4 ip daddr 10.40.0.2 meta l4proto . th dport "    \
	"@cloud_svc accept comment \"the Meraki cloud and AutoVPN peers reaching the appliance\"\n"  \
	"iifname \"eth0\" ip saddr @vpn_static4 ip daddr 10.40.0.2 meta l4proto . th dport "      \
	"@vpn_svc accept comment \"the Meraki cloud and AutoVPN peers reaching the appliance\"\n"    \
	"iifname \"eth0\" ip saddr @vpn_peers4 ip daddr 10.40.0.2 meta l4proto . th dport "       \
	"@vpn_svc accept comment \"the Meraki cloud and AutoVPN peers reaching the appliance\"\n"

static void test_concentrator_sets(void **state)
{
	(void)state;
	struct fixture f;
	fx_init(&f, UCF_MODE_CONCENTRATOR);
	struct ucf_ruleset *rs = build(&f);
	assert_string_equal(elems(rs, "uc_ifs"), "\"eth1\"");
	assert_string_equal(elems(rs, "endpoints4"), "10.20.0.0/24");
	assert_string_equal(elems(rs, "endpoints6"), "fd00:20::/64");
	assert_string_equal(elems(rs, "servers4"), "10.50.0.0/24");
	/* S inside R: the union merges to R. */
	assert_string_equal(elems(rs, "remote4"), "10.50.0.0/16");
	assert_string_equal(elems(rs, "remote6"), "fd00:50::/48");
	assert_string_equal(elems(rs, "peers4"), "10.20.0.0/24, 10.50.0.0/16");
	assert_string_equal(elems(rs, "peers6"), "fd00:20::/64, fd00:50::/48");
	/* tcp 5060 (sip) and 5061 (sip-tls) are adjacent: one range. */
	/* The static range is shape-checked: it has a set of its own. */
	assert_string_equal(elems(rs, "uc_svc"), "tcp . 5060-5061, udp . 5060");
	assert_string_equal(elems(rs, "static_media"), "udp . 16384-32767");
	/* The catalog's TLS signalling services among uc.services. */
	assert_string_equal(elems(rs, "tls_sig"), "tcp . 5061");
	assert_string_equal(elems(rs, "tls_media"), "udp . 1024-65535");
	assert_string_equal(elems(rs, "gateway_svc"), "tcp . 53, udp . 53, udp . 67-68");
	/* The appliance's services, each class to its destinations. */
	assert_null(ucf_ruleset_set(rs, "appliance_svc"));
	assert_string_equal(elems(rs, "cloud_svc"), "tcp . 443, udp . 7351");
	assert_string_equal(elems(rs, "meraki_cloud4"), "209.206.48.0/20");
	assert_string_equal(elems(rs, "meraki_cloud6"), "");
	assert_string_equal(elems(rs, "resolver_svc"), "tcp . 53, udp . 53");
	assert_string_equal(elems(rs, "resolvers4"), "192.0.2.53");
	assert_string_equal(elems(rs, "vpn_svc"), "udp . 32768-61000");
	assert_string_equal(elems(rs, "vpn_static4"), "");
	assert_string_equal(elems(rs, "check_svc"), "tcp . 80"); /* icmp/echo is a rule */
	assert_string_equal(elems(rs, "conncheck4"), "8.8.8.8");
	assert_string_equal(elems(rs, "time_svc"), "");
	assert_string_equal(elems(rs, "any_svc"), "");
	const struct ucf_set *vp = ucf_ruleset_set(rs, UCF_SET_VPN_PEERS4);
	assert_non_null(vp);
	assert_int_equal(vp->key, UCF_KEY_IPV4_TIMED);
	assert_int_equal(vp->timeout_ms, 4 * 3600 * 1000);
	assert_int_equal(vp->size, UCF_VPN_PEERS_MAX);
	assert_int_equal(ucf_ruleset_set(rs, UCF_SET_VPN_PEERS6)->key, UCF_KEY_IPV6_TIMED);
	assert_true(ucf_set_key_dynamic(UCF_KEY_IPV4_TIMED) && ucf_set_key_dynamic(UCF_KEY_IPV6_TIMED));
	assert_string_equal(elems(rs, "nd_types"),
			    "nd-router-solicit, nd-neighbor-solicit, nd-neighbor-advert, "
			    "mld-listener-report, mld2-listener-report");
	const struct ucf_set *m4 = ucf_ruleset_set(rs, UCF_SET_MEDIA4);
	assert_non_null(m4);
	assert_int_equal(m4->key, UCF_KEY_IPV4_MEDIA);
	assert_int_equal(m4->timeout_ms, 120000);
	assert_int_equal(m4->count, 0);
	assert_int_equal(ucf_ruleset_set(rs, UCF_SET_MEDIA6)->key, UCF_KEY_IPV6_MEDIA);
	/* The block sets: empty, with their own fixed timeout. */
	const struct ucf_set *b4 = ucf_ruleset_set(rs, UCF_SET_BLOCK4);
	const struct ucf_set *b6 = ucf_ruleset_set(rs, UCF_SET_BLOCK6);
	assert_non_null(b4);
	assert_non_null(b6);
	assert_int_equal(b4->key, UCF_KEY_IPV4_BLOCK);
	assert_int_equal(b6->key, UCF_KEY_IPV6_BLOCK);
	assert_int_equal(b4->timeout_ms, UCF_BLOCK_TIMEOUT_S * 1000);
	assert_int_equal(b6->timeout_ms, 3600000);
	assert_int_equal(b4->count + b6->count, 0);
	assert_true(ucf_set_key_dynamic(UCF_KEY_IPV4_MEDIA) && ucf_set_key_dynamic(UCF_KEY_IPV6_MEDIA) &&
		    ucf_set_key_dynamic(UCF_KEY_IPV4_BLOCK) && ucf_set_key_dynamic(UCF_KEY_IPV6_BLOCK));
	assert_false(ucf_set_key_dynamic(UCF_KEY_IPV4) || ucf_set_key_dynamic(UCF_KEY_PROTO_PORT));
	ucf_ruleset_free(rs);
	fx_free(&f);
}

static void test_concentrator_rules(void **state)
{
	(void)state;
	struct fixture f;
	fx_init(&f, UCF_MODE_CONCENTRATOR);
	struct ucf_ruleset *rs = build(&f);
	assert_string_equal(
		chain_text(rs, "forward"),
		"meta l4proto . ip saddr . th sport . ip daddr . th dport @block4 goto non_uc_protocol\n"
		"meta l4proto . ip6 saddr . th sport . ip6 daddr . th dport @block6 goto non_uc_protocol\n"
		"meta l4proto tcp jump tls_signal\n"
		"ct mark & 0x10000000 == 0x10000000 meta l4proto udp goto media_flow "
		"comment \"admitted media flows: every packet media-shaped\"\n"
		UPLOAD_RULE4
		"ct state established,related accept comment \"replies and related ICMP errors of allowed flows\"\n"
		"oifname \"eth0\" ip saddr @endpoints4 ip daddr @remote4 goto uc_bypass_vpn comment \"E to S+R must use the VPN\"\n"
		"oifname \"eth0\" ip6 saddr @endpoints6 ip6 daddr @remote6 goto uc_bypass_vpn comment \"E to S+R must use the VPN\"\n"
		"iifname \"eth0\" ip saddr @remote4 ip daddr @endpoints4 goto uc_bypass_vpn comment \"S+R to E must use the VPN\"\n"
		"iifname \"eth0\" ip6 saddr @remote6 ip6 daddr @endpoints6 goto uc_bypass_vpn comment \"S+R to E must use the VPN\"\n"
		"iifname \"eth3\" goto from_appliance\n"
		"oifname \"eth3\" goto to_appliance\n"
		"iifname @uc_ifs goto uc_forward\n"
		"oifname @uc_ifs goto uc_forward\n");
	assert_string_equal(chain_text(rs, "from_appliance"),
			    "ip saddr @remote4 ip daddr @endpoints4 jump uc_service\n"
			    "ip6 saddr @remote6 ip6 daddr @endpoints6 jump uc_service\n"
			    A_OWN
			    "goto non_target_appliance\n");
	assert_string_equal(chain_text(rs, "to_appliance"),
			    "ip saddr @endpoints4 ip daddr @remote4 jump uc_service\n"
			    "ip6 saddr @endpoints6 ip6 daddr @remote6 jump uc_service\n"
			    "goto non_target_appliance\n");
	assert_string_equal(chain_text(rs, "uc_forward"),
			    "ip saddr @endpoints4 ip daddr @peers4 jump uc_service\n"
			    "ip6 saddr @endpoints6 ip6 daddr @peers6 jump uc_service\n"
			    "ip saddr @peers4 ip daddr @endpoints4 jump uc_service\n"
			    "ip6 saddr @peers6 ip6 daddr @endpoints6 jump uc_service\n"
			    "goto non_target_uc\n");
	assert_string_equal(chain_text(rs, "uc_service"),
			    "meta l4proto . th dport @uc_svc accept\n"
			    "ip saddr . ip daddr . udp dport @media4 accept comment \"learned media\"\n"
			    "ip6 saddr . ip6 daddr . udp dport @media6 accept comment \"learned media\"\n"
			    "meta l4proto . th dport @static_media goto media_admit comment \"static media range, media-shaped only\"\n"
			    "ip saddr . ip daddr @tls_pairs4 meta l4proto . th dport @tls_media goto media_admit comment \"media of a TLS-signalled call\"\n"
			    "ip daddr . ip saddr @tls_pairs4 meta l4proto . th dport @tls_media goto media_admit comment \"media of a TLS-signalled call\"\n"
			    "ip6 saddr . ip6 daddr @tls_pairs6 meta l4proto . th dport @tls_media goto media_admit comment \"media of a TLS-signalled call\"\n"
			    "ip6 daddr . ip6 saddr @tls_pairs6 meta l4proto . th dport @tls_media goto media_admit comment \"media of a TLS-signalled call\"\n");
	/* TLS signalling (answered: established) refreshes its pair, E first. */
	assert_string_equal(chain_text(rs, "tls_signal"),
			    "ct state established,related meta l4proto . th dport @tls_sig ip saddr @endpoints4 ip daddr @remote4 update @tls_pairs4 { ip saddr . ip daddr }\n"
			    "ct state established,related meta l4proto . th dport @tls_sig ip saddr @remote4 ip daddr @endpoints4 update @tls_pairs4 { ip daddr . ip saddr }\n"
			    "ct state established,related meta l4proto . th dport @tls_sig ip6 saddr @endpoints6 ip6 daddr @remote6 update @tls_pairs6 { ip6 saddr . ip6 daddr }\n"
			    "ct state established,related meta l4proto . th dport @tls_sig ip6 saddr @remote6 ip6 daddr @endpoints6 update @tls_pairs6 { ip6 daddr . ip6 saddr }\n");
	/* An admitted flow's conntrack entry carries the media bit (the other
	 * bits of the mark kept); forward shape-checks its every packet. */
	assert_string_equal(chain_text(rs, "media_admit"),
			    "jump media_shape\n"
			    "ct mark set ct mark | 0x10000000 accept "
			    "comment \"a media flow, shape-checked from now on\"\n");
	/* A marked flow's later packets: the shape, then accepted (admission,
	 * already passed, is not repeated for packets not yet answered). */
	assert_string_equal(chain_text(rs, "media_flow"), "jump media_shape\naccept\n");
	for (size_t i = 0; i < rs->nchains; i++)
		assert_string_not_equal(rs->chains[i].name, "media_flows");
	/* RTP v2 (PT 0-34, 96-127, marker clear or set), RTCP 200-204, STUN, DTLS. */
	assert_string_equal(chain_text(rs, "media_shape"),
			    "@th,64,8 & 0xc0 == 0x80 @th,72,8 0x0-0x22 return\n"
			    "@th,64,8 & 0xc0 == 0x80 @th,72,8 0x60-0xa2 return\n"
			    "@th,64,8 & 0xc0 == 0x80 @th,72,8 0xc8-0xcc return\n"
			    "@th,64,8 & 0xc0 == 0x80 @th,72,8 0xe0-0xff return\n"
			    "@th,64,8 & 0xc0 == 0x0 @th,96,32 0x2112a442 return\n"
			    "@th,64,8 0x14-0x3f return\n"
			    "goto non_media_shape\n");
	assert_string_equal(chain_text(rs, "non_media_shape"),
			    "counter name \"non-media-shape\"\n"
			    "limit rate 10/second burst 5 packets log prefix \"ucfence: non-media-shape \" group 30051\n"
			    "drop\n");
	const struct ucf_set *pairs = ucf_ruleset_set(rs, UCF_SET_TLS_PAIRS6);
	assert_int_equal(pairs->key, UCF_KEY_IPV6_PAIR);
	assert_int_equal(pairs->timeout_ms, 120000);
	assert_int_equal(pairs->size, 65536);
	assert_null(ucf_ruleset_set(rs, "media_flows4"));
	assert_null(ucf_ruleset_set(rs, "media_flows6"));
	assert_string_equal(chain_text(rs, "input"), "iifname @uc_ifs goto uc_input\n");
	assert_string_equal(chain_text(rs, "uc_input"),
			    "ct state established,related accept\n"
			    "meta l4proto . th dport @gateway_svc accept comment \"infrastructure phones need from the gateway\"\n"
			    "icmpv6 type @nd_types accept comment \"IPv6 neighbour discovery and MLD\"\n"
			    "goto non_target_to_gateway\n");
	assert_string_equal(chain_text(rs, "non_target_uc"),
			    "counter name \"non-target-uc\"\n"
			    "limit rate 10/second burst 5 packets log prefix \"ucfence: non-target-uc \" group 30051\n"
			    "drop\n");
	assert_string_equal(chain_text(rs, "non_uc_protocol"),
			    "counter name \"non-uc-protocol\"\n"
			    "limit rate 10/second burst 5 packets log prefix \"ucfence: non-uc-protocol \" group 30051\n"
			    "drop\n");
	assert_int_equal(rs->chains[chain_index(rs, "forward")].hook, UCF_HOOK_FORWARD);
	assert_int_equal(rs->chains[chain_index(rs, "input")].hook, UCF_HOOK_INPUT);
	assert_int_equal(rs->chains[chain_index(rs, "uc_service")].hook, UCF_HOOK_NONE);
	ucf_ruleset_free(rs);
	fx_free(&f);
}

static void test_concentrator_routes(void **state)
{
	(void)state;
	struct fixture f;
	char line[256];
	fx_init(&f, UCF_MODE_CONCENTRATOR);
	struct ucf_ruleset *rs = build(&f);
	/* IPv6 R cannot be routed via an IPv4 A: a warning, not a route. */
	assert_int_equal(rs->nroutes, 1);
	assert_int_equal(rs->routes[0].dst.family, AF_INET);
	assert_int_equal(rs->routes[0].dst.len, 16);
	assert_string_equal(rs->routes[0].dev, "eth3");
	assert_int_equal(rs->nwarnings, 1);
	assert_non_null(strstr(rs->warnings[0], "fd00:50::/48"));
	ucf_ruleset_free(rs);

	/* An IPv6 appliance routes the IPv6 subnets and warns about IPv4. */
	f.cfg.appliance.address = fx_prefix("fd00:40::2");
	rs = build(&f);
	assert_int_equal(rs->nroutes, 1);
	assert_int_equal(rs->routes[0].dst.family, AF_INET6);
	assert_int_equal(rs->nwarnings, 1);
	assert_non_null(strstr(rs->warnings[0], "10.50.0.0/16"));
	(void)line;
	ucf_ruleset_free(rs);
	fx_free(&f);
}

/* The capture upload signal's counter: one rule in forward before
 * conntrack's accept (a capture streams over an established connection),
 * A out of wan to the Meraki cloud, counting only (no verdict), in A's
 * family, in both modes. */
static void test_upload_counter_rule(void **state)
{
	(void)state;
	static const char *const addrs[] = { "10.40.0.2", "2001:db8::2" };
	for (int mode = 0; mode < 2; mode++) {
		for (size_t a = 0; a < 2; a++) {
			struct fixture f;
			fx_init(&f, mode ? UCF_MODE_APPLIANCE : UCF_MODE_CONCENTRATOR);
			f.cfg.appliance.address = fx_prefix(addrs[a]);
			if (mode == 0)
				f.cfg.appliance.remote_subnets.count = 0; /* no route warnings needed */
			struct ucf_ruleset *rs = build(&f);
			assert_string_equal(rs->counters[UCF_COUNTER_UPLOAD_INDEX], UCF_COUNTER_UPLOAD);
			size_t fwd = chain_index(rs, "forward"), found = 0, ct_at = 0, up_at = 0;
			for (size_t i = 0; i < rs->nrules; i++) {
				const struct ucf_rule *r = &rs->rules[i];
				if (r->chain != fwd)
					continue;
				if (r->nmatch && r->match[0].kind == UCF_MATCH_CT_ESTABLISHED && !ct_at)
					ct_at = i + 1;
				if (r->nstmt != 1 || r->stmt[0].kind != UCF_STMT_COUNTER ||
				    strcmp(r->stmt[0].name, UCF_COUNTER_UPLOAD) != 0)
					continue;
				found++;
				up_at = i + 1;
				assert_true(r->nmatch >= 2);
				assert_int_equal(r->match[0].kind, UCF_MATCH_OIF);
				assert_string_equal(r->match[0].name, f.cfg.interfaces.wan);
				assert_int_equal(r->match[1].kind, UCF_MATCH_SADDR);
				assert_int_equal(r->match[1].family, f.cfg.appliance.address.family);
				assert_memory_equal(r->match[1].addr, f.cfg.appliance.address.addr, 16);
				/* to the Meraki cloud ranges, in A's family */
				assert_int_equal(r->match[2].kind, UCF_MATCH_DADDR_SET);
				assert_string_equal(r->match[2].name, a == 0 ? "meraki_cloud4"
									     : "meraki_cloud6");
				/* pure acknowledgements are not counted */
				const struct ucf_match *len = &r->match[r->nmatch - 1];
				assert_int_equal(len->kind, UCF_MATCH_LENGTH_GT);
				assert_int_equal(len->family, f.cfg.appliance.address.family);
				assert_int_equal(len->value, a == 0 ? 128 : 88);
			}
			assert_int_equal(found, 1);
			assert_true(up_at && ct_at && up_at < ct_at);
			ucf_ruleset_free(rs);
			fx_free(&f);
		}
	}
}

static void test_appliance_mode(void **state)
{
	(void)state;
	struct fixture f;
	fx_init(&f, UCF_MODE_APPLIANCE);
	struct ucf_ruleset *rs = build(&f);
	assert_int_equal(rs->nroutes, 0);
	assert_int_equal(rs->nwarnings, 0);
	/* No bypass rule: in appliance mode S is reached by wan, from A. */
	assert_null(strstr(chain_text(rs, "forward"), "uc_bypass_vpn"));
	/* The block rules come first in this mode too. */
	static const char first[] =
		"meta l4proto . ip saddr . th sport . ip daddr . th dport @block4 goto non_uc_protocol\n"
		"meta l4proto . ip6 saddr . th sport . ip6 daddr . th dport @block6 goto non_uc_protocol\n"
		"meta l4proto tcp jump tls_signal\n"
		"ct mark & 0x10000000 == 0x10000000 meta l4proto udp goto media_flow "
		"comment \"admitted media flows: every packet media-shaped\"\n"
		UPLOAD_RULE4
		"ct state established,related accept";
	assert_true(strncmp(chain_text(rs, "forward"), first, sizeof(first) - 1) == 0);
	/* Phones behind the appliance speak as A: its TLS with S keeps pairs too. */
	assert_non_null(strstr(chain_text(rs, "tls_signal"),
			       "ct state established,related meta l4proto . th dport @tls_sig ip saddr "
			       "10.40.0.2 ip daddr @servers4 update @tls_pairs4 { ip saddr . ip daddr }\n"
			       "ct state established,related meta l4proto . th dport @tls_sig ip saddr "
			       "@servers4 ip daddr 10.40.0.2 update @tls_pairs4 { ip daddr . ip saddr }\n"));
	assert_string_equal(
		chain_text(rs, "from_appliance"),
		A_OWN
		"oifname \"eth0\" ip saddr 10.40.0.2 ip daddr @servers4 jump uc_service comment \"UC from the appliance to S\"\n"
		"goto non_target_appliance\n");
	assert_string_equal(
		chain_text(rs, "to_appliance"),
		A_IN
		"iifname \"eth0\" ip saddr @servers4 ip daddr 10.40.0.2 jump uc_service comment \"UC from S to the appliance\"\n"
		"goto non_target_appliance\n");
	ucf_ruleset_free(rs);

	f.cfg.appliance.address = fx_prefix("2001:db8::2");
	rs = build(&f);
	assert_non_null(strstr(chain_text(rs, "from_appliance"),
			       "oifname \"eth0\" ip6 saddr 2001:db8::2 ip6 daddr @servers6 jump uc_service"));
	ucf_ruleset_free(rs);
	fx_free(&f);
}

static void test_actions(void **state)
{
	(void)state;
	struct fixture f;
	fx_init(&f, UCF_MODE_CONCENTRATOR);
	f.cfg.enforcement.action = UCF_ACTION_REJECT;
	f.cfg.enforcement.log_rate = (struct ucf_rate){ 3, UCF_PER_MINUTE };
	struct ucf_ruleset *rs = build(&f);
	assert_string_equal(chain_text(rs, "non_target_appliance"),
			    "counter name \"non-target-appliance\"\n"
			    "limit rate 3/minute burst 5 packets log prefix \"ucfence: non-target-appliance \" group 30051\n"
			    "meta l4proto tcp reject with tcp reset\n"
			    "reject with icmpx admin-prohibited\n");
	ucf_ruleset_free(rs);
	f.cfg.enforcement.action = UCF_ACTION_MONITOR;
	rs = build(&f);
	assert_string_equal(chain_text(rs, "uc_bypass_vpn"),
			    "counter name \"uc-bypass-vpn\"\n"
			    "limit rate 3/minute burst 5 packets log prefix \"ucfence: uc-bypass-vpn \" group 30051\n"
			    "accept\n");
	assert_string_equal(chain_text(rs, "non_target_to_gateway"),
			    "counter name \"non-target-to-gateway\"\n"
			    "limit rate 3/minute burst 5 packets log prefix \"ucfence: non-target-to-gateway \" group 30051\n"
			    "accept\n");
	assert_string_equal(chain_text(rs, "non_uc_protocol"),
			    "counter name \"non-uc-protocol\"\n"
			    "limit rate 3/minute burst 5 packets log prefix \"ucfence: non-uc-protocol \" group 30051\n"
			    "accept\n");
	ucf_ruleset_free(rs);
	f.cfg.enforcement.action = UCF_ACTION_REJECT;
	rs = build(&f);
	assert_string_equal(chain_text(rs, "non_uc_protocol"),
			    "counter name \"non-uc-protocol\"\n"
			    "limit rate 3/minute burst 5 packets log prefix \"ucfence: non-uc-protocol \" group 30051\n"
			    "meta l4proto tcp reject with tcp reset\n"
			    "reject with icmpx admin-prohibited\n");
	ucf_ruleset_free(rs);
	fx_free(&f);
}

static void test_reason_names(void **state)
{
	(void)state;
	assert_string_equal(ucf_reason_name(UCF_REASON_NON_TARGET_UC), "non-target-uc");
	assert_string_equal(ucf_reason_name(UCF_REASON_NON_TARGET_APPLIANCE), "non-target-appliance");
	assert_string_equal(ucf_reason_name(UCF_REASON_UC_BYPASS_VPN), "uc-bypass-vpn");
	assert_string_equal(ucf_reason_name(UCF_REASON_NON_TARGET_TO_GATEWAY),
			    "non-target-to-gateway");
	assert_string_equal(ucf_reason_name(UCF_REASON_NON_UC_PROTOCOL), "non-uc-protocol");
	assert_string_equal(ucf_reason_name(UCF_REASON_CLEARTEXT_SIGNALLING),
			    "cleartext-signalling");
	assert_string_equal(ucf_reason_name(UCF_REASON_NON_MEDIA_SHAPE), "non-media-shape");
	/* Added last: the earlier reasons keep their indexes. */
	assert_int_equal(UCF_REASON_NON_TARGET_TO_GATEWAY, 3);
	assert_int_equal(UCF_REASON_NON_UC_PROTOCOL, 4);
	assert_int_equal(UCF_REASON_CLEARTEXT_SIGNALLING, 5);
	assert_int_equal(UCF_REASON_NON_MEDIA_SHAPE, 6);
	assert_int_equal(UCF_REASON_COUNT, 7);
	assert_string_equal(ucf_reason_name(UCF_REASON_COUNT), "?");
}

/* Every jump/goto lands on a chain, every set and counter named exists,
 * every regular chain is reachable, rules fit their limits. */
static void check_integrity(const struct ucf_ruleset *rs)
{
	bool reached[64] = { false };
	assert_true(rs->nchains < 64);
	/* One dedicated bit of the conntrack mark. */
	assert_true(UCF_CT_MARK_MEDIA != 0 && (UCF_CT_MARK_MEDIA & (UCF_CT_MARK_MEDIA - 1)) == 0);
	for (size_t i = 0; i < rs->nrules; i++) {
		const struct ucf_rule *r = &rs->rules[i];
		assert_true(r->chain < rs->nchains);
		for (size_t m = 0; m < r->nmatch; m++) {
			const struct ucf_match *mt = &r->match[m];
			if (mt->kind == UCF_MATCH_CT_ESTABLISHED || mt->kind == UCF_MATCH_IIF ||
			    mt->kind == UCF_MATCH_OIF || mt->kind == UCF_MATCH_L4PROTO ||
			    mt->kind == UCF_MATCH_SADDR || mt->kind == UCF_MATCH_DADDR ||
			    mt->kind == UCF_MATCH_TH_RAW || mt->kind == UCF_MATCH_LENGTH_GT)
				continue;
			if (mt->kind == UCF_MATCH_CT_MARK) {
				/* Only ever the media bit: other users own the rest. */
				assert_int_equal(mt->mark, UCF_CT_MARK_MEDIA);
				continue;
			}
			if (!ucf_ruleset_set(rs, mt->name))
				fail_msg("rule %zu names missing set %s", i, mt->name);
		}
		for (size_t s = 0; s < r->nstmt; s++) {
			const struct ucf_stmt *st = &r->stmt[s];
			if (st->kind == UCF_STMT_JUMP || st->kind == UCF_STMT_GOTO)
				reached[chain_index(rs, st->name)] = true;
			if ((st->kind == UCF_STMT_SET_ADD || st->kind == UCF_STMT_SET_UPDATE) &&
			    !ucf_ruleset_set(rs, st->name))
				fail_msg("rule %zu writes to missing set %s", i, st->name);
			if (st->kind == UCF_STMT_CT_MARK_OR)
				assert_int_equal(st->mark, UCF_CT_MARK_MEDIA);
			if (st->kind == UCF_STMT_COUNTER) {
				bool found = false;
				for (size_t c = 0; c < UCF_COUNTER_COUNT; c++)
					found |= strcmp(rs->counters[c], st->name) == 0;
				assert_true(found);
			}
		}
	}
	/* Appliance mode keeps the uc-bypass-vpn chain and counter, unused, so
	 * the table has the same objects in both modes; so does a site without
	 * require_encryption (an empty cleartext_svc) with cleartext_signalling;
	 * the media chains stay empty, unused, when neither TLS calls nor the
	 * shape check are on. */
	bool encryption = ucf_ruleset_set(rs, "cleartext_svc")->count > 0;
	for (size_t c = 0; c < rs->nchains; c++) {
		size_t n = 0;
		for (size_t i = 0; i < rs->nrules; i++)
			n += rs->rules[i].chain == c;
		bool unused_shape = strcmp(rs->chains[c].name, "non_media_shape") == 0 &&
				    !reached[chain_index(rs, "media_shape")];
		if (rs->chains[c].hook == UCF_HOOK_NONE && !reached[c] && n > 0 && !unused_shape &&
		    !(rs->mode == UCF_MODE_APPLIANCE && strcmp(rs->chains[c].name, "uc_bypass_vpn") == 0) &&
		    !(!encryption && strcmp(rs->chains[c].name, "cleartext_signalling") == 0))
			fail_msg("chain %s is never reached", rs->chains[c].name);
	}
}

static void test_integrity_both_modes(void **state)
{
	(void)state;
	struct fixture f;
	for (int mode = 0; mode < 2; mode++) {
		for (int action = 0; action < 6; action++) {
			/* TLS calls and the shape check each on and off */
			for (int media = 0; media < 4; media++) {
				fx_init(&f, (enum ucf_mode)mode);
				f.cfg.enforcement.action = (enum ucf_action)(action % 3);
				f.cfg.enforcement.require_encryption = action >= 3;
				f.cfg.uc.media.tls_calls = media & 1;
				f.cfg.uc.media.shape_check = media & 2;
				struct ucf_ruleset *rs = build(&f);
				check_integrity(rs);
				ucf_ruleset_free(rs);
				fx_free(&f);
			}
		}
	}
}

/* Refusals are logged to NFLOG only, for the agent: a kernel log statement
 * would put MAC and IP addresses in the journal, outside alerts.retention. */
static void test_refusals_log_to_nflog_only(void **state)
{
	(void)state;
	struct fixture f;
	for (int mode = 0; mode < 2; mode++) {
		for (int action = 0; action < 3; action++) {
			fx_init(&f, (enum ucf_mode)mode);
			f.cfg.enforcement.action = (enum ucf_action)action;
			f.cfg.enforcement.require_encryption = true;
			f.cfg.uc.media.tls_calls = f.cfg.uc.media.shape_check = true;
			struct ucf_ruleset *rs = build(&f);
			size_t logs = 0;
			for (size_t i = 0; i < rs->nrules; i++)
				for (size_t j = 0; j < rs->rules[i].nstmt; j++)
					if (rs->rules[i].stmt[j].kind == UCF_STMT_LOG) {
						assert_int_equal(rs->rules[i].stmt[j].group, UCF_NFLOG_GROUP);
						logs++;
					}
			assert_int_equal(logs, UCF_REASON_COUNT); /* one per reason chain */
			char *text = NULL;
			size_t len = 0;
			FILE *out = open_memstream(&text, &len);
			assert_non_null(out);
			assert_int_equal(ucf_nft_text(rs, out), 0);
			fclose(out);
			/* every "log" in the rendered table names the NFLOG group */
			size_t n = 0;
			for (const char *p = text; (p = strstr(p, " log prefix \"")); p++, n++) {
				const char *eol = strchr(p, '\n');
				const char *g = strstr(p, "\" group 30051");
				assert_true(g && g < eol);
			}
			assert_int_equal(n, UCF_REASON_COUNT);
			free(text);
			ucf_ruleset_free(rs);
			fx_free(&f);
		}
	}
}

static void test_rule_count_independent_of_sizes(void **state)
{
	(void)state;
	for (int mode = 0; mode < 2; mode++) {
		struct fixture f;
		fx_init(&f, (enum ucf_mode)mode);
		f.cfg.uc.services.count = 2; /* and no media service */
		f.cfg.uc.media.static_enabled = false;
		struct ucf_ruleset *small = build(&f);

		/* 10,000 endpoint prefixes, 1,000 servers, 2,000 remote subnets,
		 * 50,000 learned media elements; none adjacent, so none merge. */
		size_t nE = 10000, nS = 1000, nR = 2000;
		char **txt = calloc(nE, sizeof(*txt));
		for (size_t i = 0; i < nE; i++) {
			txt[i] = malloc(32);
			snprintf(txt[i], 32, "10.%zu.%zu.0/25", 100 + i / 256, i % 256);
		}
		fx_list(&f.cfg.uc.endpoints, &f.E, (const char *const *)txt, nE);
		for (size_t i = 0; i < nS; i++)
			snprintf(txt[i], 32, "172.16.%zu.%zu", i / 100, 1 + 2 * (i % 100));
		fx_list(&f.cfg.uc.servers, &f.S, (const char *const *)txt, nS);
		for (size_t i = 0; i < nR; i++)
			snprintf(txt[i], 32, "fd%02zx:%zx::/64", i / 256, i % 256);
		fx_list(&f.cfg.appliance.remote_subnets, &f.R, (const char *const *)txt, nR);
		for (size_t i = 0; i < nE; i++)
			free(txt[i]);
		free(txt);
		f.cfg.appliance.address = fx_prefix("fd99::2");
		f.cfg.uc.services.count = 2; /* and no media service */
		f.cfg.uc.media.static_enabled = false;
		struct ucf_ruleset *big = build(&f);
		struct ucf_pinhole *m = calloc(50000, sizeof(*m));
		for (size_t i = 0; i < 50000; i++) {
			m[i].family = i % 2 ? AF_INET6 : AF_INET;
			m[i].peer[0] = 10;
			m[i].addr[0] = (uint8_t)(i >> 8);
			m[i].addr[1] = (uint8_t)i;
			m[i].port = (uint16_t)(16384 + i % 1000);
		}
		assert_int_equal(ucf_ruleset_add_media(big, m, 50000, err, sizeof(err)), 0);
		free(m);
		struct ucf_block *bl = calloc(5000, sizeof(*bl));
		for (size_t i = 0; i < 5000; i++) {
			bl[i].family = i % 2 ? AF_INET6 : AF_INET;
			bl[i].l4proto = IPPROTO_TCP;
			bl[i].src[0] = (uint8_t)(i >> 8);
			bl[i].src[1] = (uint8_t)i;
			bl[i].sport = 40000;
			bl[i].dport = 5060;
		}
		assert_int_equal(ucf_ruleset_add_blocks(big, bl, 5000, err, sizeof(err)), 0);
		free(bl);

		assert_int_equal(big->nrules, small->nrules);
		assert_int_equal(big->nchains, small->nchains);
		assert_int_equal(big->nsets, small->nsets);
		assert_int_equal(ucf_ruleset_set(big, "endpoints4")->count, nE);
		assert_int_equal(ucf_ruleset_set(big, "servers4")->count, nS);
		assert_int_equal(ucf_ruleset_set(big, UCF_SET_MEDIA4)->count, 25000);
		assert_int_equal(ucf_ruleset_set(big, UCF_SET_MEDIA6)->count, 25000);
		assert_int_equal(ucf_ruleset_set(big, UCF_SET_BLOCK4)->count, 5000); /* 2 each */
		check_integrity(big);
		ucf_ruleset_free(small);
		ucf_ruleset_free(big);
		fx_free(&f);
	}
}

/* Without TLS signalling in uc.services or with tls_calls off, no pair
 * rules; with the shape check off the static range is a plain service
 * port range again; with neither, nothing runs before conntrack but the
 * block lookups. */
static void test_tls_and_shape_toggles(void **state)
{
	(void)state;
	struct fixture f;
	fx_init(&f, UCF_MODE_CONCENTRATOR);
	f.cfg.uc.media.tls_calls = false;
	struct ucf_ruleset *rs = build(&f);
	assert_null(strstr(chain_text(rs, "forward"), "tls_signal"));
	assert_non_null(strstr(chain_text(rs, "forward"),
			       "ct mark & 0x10000000 == 0x10000000 meta l4proto udp goto media_flow "));
	assert_null(strstr(chain_text(rs, "uc_service"), "tls_pairs"));
	assert_string_equal(chain_text(rs, "tls_signal"), "");
	assert_string_equal(elems(rs, "tls_sig"), "");
	assert_string_equal(elems(rs, "tls_media"), "");
	ucf_ruleset_free(rs);

	f.cfg.uc.media.shape_check = false;
	rs = build(&f);
	assert_null(strstr(chain_text(rs, "forward"), "ct mark"));
	assert_null(strstr(chain_text(rs, "forward"), "media_shape"));
	assert_string_equal(chain_text(rs, "media_admit"), "");
	assert_string_equal(chain_text(rs, "media_flow"), "");
	assert_string_equal(elems(rs, "uc_svc"), "tcp . 5060-5061, udp . 5060, udp . 16384-32767");
	assert_string_equal(elems(rs, "static_media"), "");
	assert_string_equal(chain_text(rs, "media_shape"), "");
	assert_string_equal(chain_text(rs, "uc_service"),
			    "meta l4proto . th dport @uc_svc accept\n"
			    "ip saddr . ip daddr . udp dport @media4 accept comment \"learned media\"\n"
			    "ip6 saddr . ip6 daddr . udp dport @media6 accept comment \"learned media\"\n");
	ucf_ruleset_free(rs);

	/* TLS on, but no TLS signalling listed: nothing to pair. */
	f.cfg.uc.media.tls_calls = true;
	f.service_names[1] = (char *)"rtp";
	f.cfg.uc.services.count = 2;
	rs = build(&f);
	assert_null(strstr(chain_text(rs, "forward"), "tls_signal"));
	ucf_ruleset_free(rs);
	fx_free(&f);
}

static void test_prefix_merging(void **state)
{
	(void)state;
	struct fixture f;
	fx_init(&f, UCF_MODE_CONCENTRATOR);
	/* Overlapping, nested, adjacent, duplicate, unsorted, and host prefixes. */
	fx_list(&f.cfg.uc.endpoints, &f.E,
		(const char *const[]){ "10.1.0.0/16", "10.0.0.0/8", "192.168.1.0/25", "192.168.1.128/25",
				       "192.168.1.7", "172.16.0.5", "172.16.0.5", "172.16.0.6",
				       "2001:db8::/33", "2001:db8:8000::/33", "::1" },
		11);
	struct ucf_ruleset *rs = build(&f);
	assert_string_equal(elems(rs, "endpoints4"),
			    "10.0.0.0/8, 172.16.0.5-172.16.0.6, 192.168.1.0/24");
	assert_string_equal(elems(rs, "endpoints6"), "::1, 2001:db8::/32");
	ucf_ruleset_free(rs);

	/* The whole address space, and ranges touching either end. */
	fx_list(&f.cfg.uc.endpoints, &f.E,
		(const char *const[]){ "0.0.0.0/0", "10.0.0.0/8", "::/0" }, 3);
	rs = build(&f);
	assert_string_equal(elems(rs, "endpoints4"), "0.0.0.0/0");
	assert_string_equal(elems(rs, "endpoints6"), "::/0");
	assert_string_equal(elems(rs, "peers4"), "0.0.0.0/0");
	ucf_ruleset_free(rs);
	fx_list(&f.cfg.uc.endpoints, &f.E,
		(const char *const[]){ "255.255.255.255", "0.0.0.0/32", "255.255.255.254" }, 3);
	rs = build(&f);
	assert_string_equal(elems(rs, "endpoints4"), "0.0.0.0, 255.255.255.254/31");
	ucf_ruleset_free(rs);
	fx_free(&f);
}

static void test_port_merging(void **state)
{
	(void)state;
	struct fixture f;
	fx_init(&f, UCF_MODE_CONCENTRATOR);
	/* A site service overlapping sip and the media range's edges. */
	struct ucf_service *s = &f.services[f.cat.count++];
	memset(s, 0, sizeof(*s));
	s->name = (char *)"wide";
	s->roles = UCF_ROLE_UC;
	s->ports = &f.ports[10];
	s->ports[s->port_count++] = (struct ucf_service_port){ IPPROTO_UDP, { 5000, 5100 } };
	s->ports[s->port_count++] = (struct ucf_service_port){ IPPROTO_UDP, { 32768, 40000 } };
	s->ports[s->port_count++] = (struct ucf_service_port){ IPPROTO_TCP, { 1, 65535 } };
	f.service_names[3] = (char *)"wide";
	f.cfg.uc.services.count = 4;
	f.cfg.uc.media.shape_check = false; /* the static range back in uc_svc */
	struct ucf_ruleset *rs = build(&f);
	assert_string_equal(elems(rs, "uc_svc"),
			    "tcp . 1-65535, udp . 5000-5100, udp . 16384-40000");
	ucf_ruleset_free(rs);

	/* static_range: none leaves media to the learned sets. */
	f.cfg.uc.services.count = 3;
	f.cfg.uc.media.static_enabled = false;
	rs = build(&f);
	assert_string_equal(elems(rs, "uc_svc"), "tcp . 5060-5061, udp . 5060");
	ucf_ruleset_free(rs);
	fx_free(&f);
}

static void test_unknown_service(void **state)
{
	(void)state;
	struct fixture f;
	struct ucf_ruleset *rs = NULL;
	fx_init(&f, UCF_MODE_CONCENTRATOR);
	f.service_names[1] = (char *)"nonesuch";
	assert_int_equal(ucf_policy_build(&f.cfg, &f.cat, &rs, err, sizeof(err)), -EINVAL);
	assert_null(rs);
	assert_string_equal(err, "uc.services: 'nonesuch' is not in the catalog");
	fx_free(&f);
}

static void test_add_media(void **state)
{
	(void)state;
	struct fixture f;
	char one[128];
	fx_init(&f, UCF_MODE_APPLIANCE);
	struct ucf_ruleset *rs = build(&f);
	struct ucf_pinhole m[2] = { { .family = AF_INET, .port = 20000, .timeout_ms = 30000 },
				  { .family = AF_INET6, .port = 20002 } };
	inet_pton(AF_INET, "10.20.0.10", m[0].peer);
	inet_pton(AF_INET, "10.50.0.10", m[0].addr);
	inet_pton(AF_INET6, "fd00:20::10", m[1].peer);
	inet_pton(AF_INET6, "fd00:50::10", m[1].addr);
	assert_int_equal(ucf_ruleset_add_media(rs, m, 2, err, sizeof(err)), 0);
	const struct ucf_set *m4 = ucf_ruleset_set(rs, UCF_SET_MEDIA4);
	const struct ucf_set *m6 = ucf_ruleset_set(rs, UCF_SET_MEDIA6);
	assert_int_equal(m4->count, 1);
	assert_int_equal(m6->count, 1);
	ucf_nft_elem_format(m4, &m4->elems[0], one, sizeof(one));
	assert_string_equal(one, "10.20.0.10 . 10.50.0.10 . 20000 timeout 30s");
	ucf_nft_elem_format(m6, &m6->elems[0], one, sizeof(one));
	assert_string_equal(one, "fd00:20::10 . fd00:50::10 . 20002");

	struct ucf_pinhole bad = { .family = AF_UNIX, .port = 1 };
	assert_int_equal(ucf_ruleset_add_media(rs, &bad, 1, err, sizeof(err)), -EINVAL);
	bad.family = AF_INET;
	bad.port = 0;
	assert_int_equal(ucf_ruleset_add_media(rs, &bad, 1, err, sizeof(err)), -EINVAL);
	assert_int_equal(m4->count, 1);
	ucf_ruleset_free(rs);
	fx_free(&f);
}

static void test_add_blocks(void **state)
{
	(void)state;
	struct fixture f;
	char one[160];
	fx_init(&f, UCF_MODE_CONCENTRATOR);
	struct ucf_ruleset *rs = build(&f);
	struct ucf_block b[2] = {
		{ .family = AF_INET, .l4proto = IPPROTO_TCP, .sport = 40000, .dport = 5060 },
		{ .family = AF_INET6, .l4proto = IPPROTO_UDP, .sport = 5004, .dport = 5060 },
	};
	inet_pton(AF_INET, "10.20.0.10", b[0].src);
	inet_pton(AF_INET, "10.50.0.10", b[0].dst);
	inet_pton(AF_INET6, "fd00:20::10", b[1].src);
	inet_pton(AF_INET6, "fd00:50::10", b[1].dst);
	assert_int_equal(ucf_ruleset_add_blocks(rs, b, 2, err, sizeof(err)), 0);
	const struct ucf_set *b4 = ucf_ruleset_set(rs, UCF_SET_BLOCK4);
	const struct ucf_set *b6 = ucf_ruleset_set(rs, UCF_SET_BLOCK6);
	/* Both directions of each flow, in the set of its family. */
	assert_int_equal(b4->count, 2);
	assert_int_equal(b6->count, 2);
	ucf_nft_elem_format(b4, &b4->elems[0], one, sizeof(one));
	assert_string_equal(one, "tcp . 10.20.0.10 . 40000 . 10.50.0.10 . 5060");
	ucf_nft_elem_format(b4, &b4->elems[1], one, sizeof(one));
	assert_string_equal(one, "tcp . 10.50.0.10 . 5060 . 10.20.0.10 . 40000");
	ucf_nft_elem_format(b6, &b6->elems[0], one, sizeof(one));
	assert_string_equal(one, "udp . fd00:20::10 . 5004 . fd00:50::10 . 5060");
	ucf_nft_elem_format(b6, &b6->elems[1], one, sizeof(one));
	assert_string_equal(one, "udp . fd00:50::10 . 5060 . fd00:20::10 . 5004");

	/* A bad entry anywhere adds nothing. */
	struct ucf_block bad[2] = { b[0], b[1] };
	bad[1].l4proto = IPPROTO_ICMP;
	assert_int_equal(ucf_ruleset_add_blocks(rs, bad, 2, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "block element 1: blocked flow: protocol 1 is neither TCP nor UDP");
	bad[1] = b[1];
	bad[1].family = AF_UNIX;
	assert_int_equal(ucf_ruleset_add_blocks(rs, bad, 2, err, sizeof(err)), -EINVAL);
	assert_int_equal(b4->count, 2);
	assert_int_equal(b6->count, 2);
	ucf_ruleset_free(rs);
	fx_free(&f);
}

/* enforcement.require_encryption off: the cleartext_signalling chain and
 * counter exist (the table has the same objects either way, so switching is
 * an in-place apply), cleartext_svc is empty and no rule leads there. */
static void test_require_encryption_off(void **state)
{
	(void)state;
	struct fixture f;
	for (int mode = 0; mode < 2; mode++) {
		fx_init(&f, (enum ucf_mode)mode);
		struct ucf_ruleset *rs = build(&f);
		const struct ucf_set *s = ucf_ruleset_set(rs, "cleartext_svc");
		assert_non_null(s);
		assert_int_equal(s->key, UCF_KEY_PROTO_PORT);
		assert_int_equal(s->count, 0);
		assert_string_equal(rs->counters[UCF_REASON_CLEARTEXT_SIGNALLING], "cleartext-signalling");
		assert_string_equal(chain_text(rs, "cleartext_signalling"),
				    "counter name \"cleartext-signalling\"\n"
				    "limit rate 10/second burst 5 packets log prefix \"ucfence: cleartext-signalling \" group 30051\n"
				    "drop\n");
		for (size_t i = 0; i < rs->nrules; i++)
			for (size_t k = 0; k < rs->rules[i].nstmt; k++)
				assert_string_not_equal(rs->rules[i].stmt[k].name, "cleartext_signalling");
		/* sip is still accepted as a UC service */
		assert_string_equal(elems(rs, "uc_svc"), "tcp . 5060-5061, udp . 5060");
		ucf_ruleset_free(rs);
		fx_free(&f);
	}
}

/* On, in concentrator mode: every catalog service marked cleartext (here
 * sip, listed in uc.services) between E and S∪R goes to
 * cleartext_signalling before any rule that jumps to uc_service (whose
 * uc_svc still has sip), both directions, through the appliance (the
 * VPN) and through a uc port (E <-> E stays as it was). */
static void test_require_encryption_concentrator(void **state)
{
	(void)state;
	struct fixture f;
	fx_init(&f, UCF_MODE_CONCENTRATOR);
	f.cfg.enforcement.require_encryption = true;
	struct ucf_ruleset *rs = build(&f);
	assert_string_equal(elems(rs, "cleartext_svc"), "tcp . 5060, udp . 5060");
	assert_string_equal(elems(rs, "uc_svc"), "tcp . 5060-5061, udp . 5060");
#define CLEAR " meta l4proto . th dport @cleartext_svc goto cleartext_signalling comment \"require_encryption\"\n"
	assert_string_equal(chain_text(rs, "to_appliance"),
			    "ip saddr @endpoints4 ip daddr @remote4" CLEAR
			    "ip6 saddr @endpoints6 ip6 daddr @remote6" CLEAR
			    "ip saddr @endpoints4 ip daddr @remote4 jump uc_service\n"
			    "ip6 saddr @endpoints6 ip6 daddr @remote6 jump uc_service\n"
			    "goto non_target_appliance\n");
	assert_string_equal(chain_text(rs, "from_appliance"),
			    "ip saddr @remote4 ip daddr @endpoints4" CLEAR
			    "ip6 saddr @remote6 ip6 daddr @endpoints6" CLEAR
			    "ip saddr @remote4 ip daddr @endpoints4 jump uc_service\n"
			    "ip6 saddr @remote6 ip6 daddr @endpoints6 jump uc_service\n"
			    A_OWN
			    "goto non_target_appliance\n");
	assert_string_equal(chain_text(rs, "uc_forward"),
			    "ip saddr @endpoints4 ip daddr @remote4" CLEAR
			    "ip6 saddr @endpoints6 ip6 daddr @remote6" CLEAR
			    "ip saddr @remote4 ip daddr @endpoints4" CLEAR
			    "ip6 saddr @remote6 ip6 daddr @endpoints6" CLEAR
			    "ip saddr @endpoints4 ip daddr @peers4 jump uc_service\n"
			    "ip6 saddr @endpoints6 ip6 daddr @peers6 jump uc_service\n"
			    "ip saddr @peers4 ip daddr @endpoints4 jump uc_service\n"
			    "ip6 saddr @peers6 ip6 daddr @endpoints6 jump uc_service\n"
			    "goto non_target_uc\n");
	/* uc_service keeps its accepts; with sip refused the site's calls are
	 * TLS-signalled, so their media comes by the signalling pairs */
	assert_non_null(strstr(chain_text(rs, "uc_service"),
			       "meta l4proto . th dport @uc_svc accept\n"
			       "ip saddr . ip daddr . udp dport @media4 accept comment \"learned media\"\n"
			       "ip6 saddr . ip6 daddr . udp dport @media6 accept comment \"learned media\"\n"));
	assert_non_null(strstr(chain_text(rs, "uc_service"), "@tls_pairs4"));
	check_integrity(rs);
	ucf_ruleset_free(rs);

	/* The action applies to this reason too. */
	f.cfg.enforcement.action = UCF_ACTION_REJECT;
	rs = build(&f);
	assert_string_equal(chain_text(rs, "cleartext_signalling"),
			    "counter name \"cleartext-signalling\"\n"
			    "limit rate 10/second burst 5 packets log prefix \"ucfence: cleartext-signalling \" group 30051\n"
			    "meta l4proto tcp reject with tcp reset\n"
			    "reject with icmpx admin-prohibited\n");
	ucf_ruleset_free(rs);

	/* Every cleartext service of the catalog is refused, listed or not;
	 * encrypted and media services never are. */
	struct ucf_service *t = &f.services[f.cat.count++];
	memset(t, 0, sizeof(*t));
	t->name = (char *)"tftp";
	t->roles = UCF_ROLE_UC;
	t->cleartext = true;
	t->ports = &f.ports[10];
	t->ports[t->port_count++] = (struct ucf_service_port){ IPPROTO_UDP, { 69, 69 } };
	rs = build(&f);
	assert_string_equal(elems(rs, "cleartext_svc"), "tcp . 5060, udp . 69, udp . 5060");
	ucf_ruleset_free(rs);
	fx_free(&f);
}

/* On, in appliance mode: A <-> S through the appliance port as well as
 * E <-> S through a uc port. */
static void test_require_encryption_appliance(void **state)
{
	(void)state;
	struct fixture f;
	fx_init(&f, UCF_MODE_APPLIANCE);
	f.cfg.enforcement.require_encryption = true;
	struct ucf_ruleset *rs = build(&f);
	assert_string_equal(
		chain_text(rs, "from_appliance"),
		A_OWN
		"oifname \"eth0\" ip saddr 10.40.0.2 ip daddr @servers4" CLEAR
		"oifname \"eth0\" ip saddr 10.40.0.2 ip daddr @servers4 jump uc_service comment \"UC from the appliance to S\"\n"
		"goto non_target_appliance\n");
	assert_string_equal(
		chain_text(rs, "to_appliance"),
		A_IN
		"iifname \"eth0\" ip saddr @servers4 ip daddr 10.40.0.2" CLEAR
		"iifname \"eth0\" ip saddr @servers4 ip daddr 10.40.0.2 jump uc_service comment \"UC from S to the appliance\"\n"
		"goto non_target_appliance\n");
	static const char uc_forward_head[] =
		"ip saddr @endpoints4 ip daddr @remote4" CLEAR
		"ip6 saddr @endpoints6 ip6 daddr @remote6" CLEAR
		"ip saddr @remote4 ip daddr @endpoints4" CLEAR
		"ip6 saddr @remote6 ip6 daddr @endpoints6" CLEAR
		"ip saddr @endpoints4 ip daddr @peers4 jump uc_service\n";
	assert_true(strncmp(chain_text(rs, "uc_forward"), uc_forward_head,
			    sizeof(uc_forward_head) - 1) == 0);
	check_integrity(rs);
	ucf_ruleset_free(rs);
	fx_free(&f);
#undef CLEAR
}

static void test_missing_appliance_address(void **state)
{
	(void)state;
	struct fixture f;
	struct ucf_ruleset *rs = NULL;
	fx_init(&f, UCF_MODE_APPLIANCE);
	memset(&f.cfg.appliance.address, 0, sizeof(f.cfg.appliance.address));
	assert_int_equal(ucf_policy_build(&f.cfg, &f.cat, &rs, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "appliance.address is not set");
	fx_free(&f);
}

/* The appliance's destinations from the site: appliance.cloud replaces the
 * catalog's list; appliance.open opens its ports to its addresses and to
 * the resolved names; DNS without resolvers goes anywhere, warned. */
static void test_appliance_site_destinations(void **state)
{
	(void)state;
	struct fixture f;
	fx_init(&f, UCF_MODE_APPLIANCE);
	struct ucf_prefix cloud[2] = { fx_prefix("198.51.100.73"), fx_prefix("2001:db8:73::/48") };
	struct ucf_prefix open_addr[1] = { fx_prefix("203.0.113.0/28") };
	struct ucf_service_port open_ports[1] = { { IPPROTO_TCP, { 443, 443 } } };
	f.cfg.appliance.cloud = (struct ucf_prefix_list){ cloud, 2 };
	f.cfg.appliance.open.ports = open_ports;
	f.cfg.appliance.open.port_count = 1;
	f.cfg.appliance.open.addresses = (struct ucf_prefix_list){ open_addr, 1 };
	struct ucf_ruleset *rs = build(&f);
	assert_string_equal(elems(rs, "meraki_cloud4"), "198.51.100.73");
	assert_string_equal(elems(rs, "meraki_cloud6"), "2001:db8:73::/48");
	assert_string_equal(elems(rs, "open_svc"), "tcp . 443");
	assert_string_equal(elems(rs, "open_static4"), "203.0.113.0/28");
	assert_int_equal(ucf_ruleset_set(rs, "appliance_open4")->key, UCF_KEY_IPV4_TIMED);
	assert_int_equal(ucf_ruleset_set(rs, "appliance_open4")->timeout_ms,
			 UCF_OPEN_TIMEOUT_S * 1000);
	assert_non_null(strstr(chain_text(rs, "from_appliance"),
			       "oifname \"eth0\" ip saddr 10.40.0.2 ip daddr @open_static4 meta l4proto . "
			       "th dport @open_svc accept comment \"appliance.open: what the site opens\"\n"
			       "oifname \"eth0\" ip saddr 10.40.0.2 ip daddr @appliance_open4 meta "
			       "l4proto . th dport @open_svc accept comment \"appliance.open: what the "
			       "site opens\"\n"));
	assert_int_equal(rs->nwarnings, 0);
	ucf_ruleset_free(rs);
	/* no resolvers: DNS from A to any address, and a warning */
	f.cfg.appliance.resolvers.count = 0;
	f.cfg.appliance.open.port_count = 0;
	rs = build(&f);
	assert_non_null(strstr(chain_text(rs, "from_appliance"),
			       "oifname \"eth0\" ip saddr 10.40.0.2 meta l4proto . th dport "
			       "@resolver_svc accept comment \"the appliance's DNS\"\n"));
	assert_null(strstr(chain_text(rs, "from_appliance"), "@open_svc"));
	assert_int_equal(rs->nwarnings, 1);
	assert_non_null(strstr(rs->warnings[0], "appliance.resolvers is not set"));
	ucf_ruleset_free(rs);
	/* a catalog appliance service naming a destination the policy does not know */
	f.dest_names[4] = (char *)"elsewhere";
	f.services[5].destinations = &f.dest_names[4];
	assert_int_equal(ucf_policy_build(&f.cfg, &f.cat, &rs, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "service 'meraki-cloud' names destination 'elsewhere'"));
	fx_free(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_appliance_site_destinations),
		cmocka_unit_test(test_concentrator_sets),
		cmocka_unit_test(test_concentrator_rules),
		cmocka_unit_test(test_concentrator_routes),
		cmocka_unit_test(test_appliance_mode),
		cmocka_unit_test(test_upload_counter_rule),
		cmocka_unit_test(test_actions),
		cmocka_unit_test(test_reason_names),
		cmocka_unit_test(test_integrity_both_modes),
		cmocka_unit_test(test_rule_count_independent_of_sizes),
		cmocka_unit_test(test_refusals_log_to_nflog_only),
		cmocka_unit_test(test_tls_and_shape_toggles),
		cmocka_unit_test(test_prefix_merging),
		cmocka_unit_test(test_port_merging),
		cmocka_unit_test(test_unknown_service),
		cmocka_unit_test(test_add_media),
		cmocka_unit_test(test_add_blocks),
		cmocka_unit_test(test_missing_appliance_address),
		cmocka_unit_test(test_require_encryption_off),
		cmocka_unit_test(test_require_encryption_concentrator),
		cmocka_unit_test(test_require_encryption_appliance),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
