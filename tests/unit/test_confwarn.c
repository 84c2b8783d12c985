/* Unit tests for the warnings about a valid site config: a cleartext
 * service enabled beside its encrypted counterpart, with the exact message,
 * the field and the position of the cleartext entry. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "config.h"
#include "confwarn.h"

static struct ucf_catalog *catalog;
static char err[1024];

static int setup(void **state)
{
	(void)state;
	return ucf_catalog_load("rules", NULL, &catalog, err, sizeof(err));
}

static int teardown(void **state)
{
	(void)state;
	ucf_catalog_free(catalog);
	return 0;
}

/* uc.services is written on line 6 from column 1 as given. */
static struct ucf_config *load(const char *services_lines)
{
	char text[2048];
	struct ucf_config *c = NULL;
	snprintf(text, sizeof(text),
		 "site: {name: b1, mode: concentrator}\n"
		 "interfaces: {uc: [eth1], data: [eth2], appliance: eth3, wan: eth0}\n"
		 "uc:\n"
		 "  endpoints: [10.20.0.0/24]\n"
		 "  servers: [10.50.0.0/24]\n"
		 "%s"
		 "appliance: {address: 10.40.0.2, remote_subnets: [10.50.0.0/16]}\n",
		 services_lines);
	if (ucf_config_load_text("site.yaml", text, strlen(text), catalog, &c, err, sizeof(err)) < 0)
		fail_msg("%s", err);
	return c;
}

static void expect(const char *services_lines, const char *const *want, size_t nwant)
{
	struct ucf_config *c = load(services_lines);
	struct ucf_config_warnings w = { 0 };
	char line[2048];
	assert_int_equal(ucf_config_warnings(c, catalog, &w, err, sizeof(err)), 0);
	for (size_t i = 0; i < w.count && i < nwant; i++) {
		ucf_config_warning_format(&w.items[i], line, sizeof(line));
		assert_string_equal(line, want[i]);
	}
	assert_int_equal(w.count, nwant);
	ucf_config_warnings_free(&w);
	assert_int_equal(w.count, 0);
	ucf_config_free(c);
}

#define SIP_W "'sip' is enabled alongside 'sip-tls': SIP signalling (who calls whom, and SRTP keys " \
	      "sent in SDP) over 'sip' is readable by anyone who captures packets; remove 'sip' once " \
	      "every device uses 'sip-tls'"
#define SCCP_W "'sccp' is enabled alongside 'sccp-tls': SCCP signalling (who calls whom, digits " \
	       "dialled) over 'sccp' is readable by anyone who captures packets; remove 'sccp' once " \
	       "every device uses 'sccp-tls'"
#define TFTP_W "'tftp' is enabled alongside 'cucm-https': phone configuration over 'tftp' is " \
	       "readable by anyone who captures packets; remove 'tftp' once every device uses " \
	       "'cucm-https'"

static void test_cleartext_beside_secure(void **state)
{
	(void)state;
	static const char *const want[] = {
		"site.yaml:6:14: warning: uc.services: " SIP_W,
		"site.yaml:6:28: warning: uc.services: " SCCP_W,
		"site.yaml:6:49: warning: uc.services: " TFTP_W,
	};
	expect("  services: [sip, sip-tls, sccp, sccp-tls, rtp, tftp, cucm-https]\n", want, 3);
}

/* A block list: each entry on its own line; the order of uc.services. */
static void test_block_list_positions(void **state)
{
	(void)state;
	static const char *const want[] = {
		"site.yaml:9:7: warning: uc.services: 'cucm-http' is enabled alongside 'cucm-https': "
		"phone configuration over 'cucm-http' is readable by anyone who captures packets; "
		"remove 'cucm-http' once every device uses 'cucm-https'",
		"site.yaml:10:7: warning: uc.services: " SIP_W,
	};
	expect("  services:\n"
	       "    - cucm-https\n"
	       "    - sip-tls\n"
	       "    - cucm-http\n"
	       "    - sip\n"
	       "    - rtp\n",
	       want, 2);
}

static void test_no_warnings(void **state)
{
	(void)state;
	/* encrypted only, no media service: nothing to carry */
	expect("  services: [sip-tls, sccp-tls, cucm-https, capf, tvs, phone-services-tls, "
	       "cti-tls, ldaps, ldaps-gc, xmpp]\n",
	       NULL, 0);
	/* cleartext only: nothing better is enabled to move to */
	expect("  services: [sip, sccp, rtp, tftp, cucm-http, phone-services, cti, ldap]\n", NULL, 0);
}

/* Calls signalled only over TLS: the warning names what carries their
 * media, at the first TLS signalling service (the README's CUCM site). */
static void test_tls_only_media(void **state)
{
	(void)state;
	static const char *const pairs[] = {
		"site.yaml:6:14: warning: uc.media: signalling is TLS-only (sip-tls, sccp-tls): its "
		"SDP cannot be read; media is carried by uc.media.tls_calls (RTP/RTCP/STUN/DTLS-shaped "
		"UDP on ports 1024-65535 between hosts with live TLS signalling)",
	};
	expect("  services: [sip-tls, sccp-tls, rtp, cucm-https, capf, tvs, phone-services-tls, "
	       "cti-tls, ldaps, ldaps-gc, xmpp]\n"
	       "  media: {learn: true, static_range: none}\n",
	       pairs, 1);
	/* cleartext SIP beside it is learned from: no TLS-only warning */
	static const char *const clear[] = { "site.yaml:6:14: warning: uc.services: " SIP_W };
	expect("  services: [sip, sip-tls, rtp]\n  media: {learn: true, static_range: none}\n",
	       clear, 1);
}

static void test_other_pairs(void **state)
{
	(void)state;
	static const char *const want[] = {
		"site.yaml:6:14: warning: uc.services: 'cti' is enabled alongside 'cti-tls': CTI call "
		"control and call events over 'cti' is readable by anyone who captures packets; remove "
		"'cti' once every device uses 'cti-tls'",
		"site.yaml:6:28: warning: uc.services: 'phone-services' is enabled alongside "
		"'phone-services-tls': phone services and directory lookups over 'phone-services' is "
		"readable by anyone who captures packets; remove 'phone-services' once every device "
		"uses 'phone-services-tls'",
		"site.yaml:6:64: warning: uc.services: 'ldap' is enabled alongside 'ldaps': directory "
		"lookups over 'ldap' is readable by anyone who captures packets; remove 'ldap' once "
		"every device uses 'ldaps'",
		"site.yaml:6:77: warning: uc.services: 'ldap-gc' is enabled alongside 'ldaps-gc': global "
		"catalog lookups over 'ldap-gc' is readable by anyone who captures packets; remove "
		"'ldap-gc' once every device uses 'ldaps-gc'",
	};
	expect("  services: [cti, cti-tls, phone-services, phone-services-tls, ldap, ldaps, ldap-gc, "
	       "ldaps-gc, sip-tls]\n",
	       want, 4);
}

/* A config not read from YAML (built by a caller) has no positions: the
 * warning names the file alone. */
static void test_without_positions(void **state)
{
	(void)state;
	struct ucf_config *c = load("  services: [sccp-tls, sccp]\n");
	free(c->uc.services_pos);
	c->uc.services_pos = NULL;
	struct ucf_config_warnings w = { 0 };
	char line[2048];
	assert_int_equal(ucf_config_warnings(c, catalog, &w, err, sizeof(err)), 0);
	assert_int_equal(w.count, 1);
	assert_int_equal(w.items[0].line, 0);
	assert_string_equal(w.items[0].path, "uc.services");
	ucf_config_warning_format(&w.items[0], line, sizeof(line));
	assert_string_equal(line, "site.yaml: warning: uc.services: " SCCP_W);
	ucf_config_warnings_free(&w);
	ucf_config_free(c);
}

/* An appliance destination list with a prefix wider than /8 (IPv4) or /16
 * (IPv6) opens the appliance's traffic to a large part of the internet: a
 * typo such as 0.0.0.0/0 must not pass unseen. */
static void test_broad_appliance_destinations(void **state)
{
	(void)state;
	const char *text = "site: {name: b1, mode: concentrator}\n"
			   "interfaces: {uc: [eth1], data: [eth2], appliance: eth3, wan: eth0}\n"
			   "uc: {endpoints: [10.20.0.0/24], servers: [10.50.0.0/24], services: [sip-tls]}\n"
			   "appliance:\n"
			   "  address: 10.40.0.2\n"
			   "  remote_subnets: [10.50.0.0/16]\n"
			   "  cloud: [209.206.48.0/20, 0.0.0.0/0]\n"
			   "  vpn_peers: [\"2000::/3\", 198.51.100.7]\n"
			   "  open: {addresses: [64.0.0.0/2]}\n";
	struct ucf_config *c = NULL;
	if (ucf_config_load_text("site.yaml", text, strlen(text), catalog, &c, err, sizeof(err)) < 0)
		fail_msg("%s", err);
	struct ucf_config_warnings w = { 0 };
	char line[1024];
	assert_int_equal(ucf_config_warnings(c, catalog, &w, err, sizeof(err)), 0);
	const char *want[] = {
		"site.yaml: warning: appliance.cloud: 0.0.0.0/0 is wider than /8: the appliance's "
		"traffic may go to a large part of the internet",
		"site.yaml: warning: appliance.vpn_peers: 2000::/3 is wider than /16: the "
		"appliance's traffic may go to a large part of the internet",
		"site.yaml: warning: appliance.open.addresses: 64.0.0.0/2 is wider than /8: the "
		"appliance's traffic may go to a large part of the internet",
	};
	size_t found = 0;
	for (size_t i = 0; i < w.count; i++) {
		ucf_config_warning_format(&w.items[i], line, sizeof(line));
		for (size_t k = 0; k < sizeof(want) / sizeof(want[0]); k++)
			found += strcmp(line, want[k]) == 0;
		assert_null(strstr(line, "209.206.48.0/20"));
		assert_null(strstr(line, "198.51.100.7"));
	}
	assert_int_equal(found, 3);
	ucf_config_warnings_free(&w);
	ucf_config_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cleartext_beside_secure),
		cmocka_unit_test(test_block_list_positions),
		cmocka_unit_test(test_no_warnings),
		cmocka_unit_test(test_other_pairs),
		cmocka_unit_test(test_tls_only_media),
		cmocka_unit_test(test_without_positions),
		cmocka_unit_test(test_broad_appliance_destinations),
	};
	return cmocka_run_group_tests_name("confwarn", tests, setup, teardown);
}
