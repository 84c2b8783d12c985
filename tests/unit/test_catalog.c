/* Unit tests for the UC service catalog: the shipped rules, site additions,
 * and bad entries with their positioned messages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "catalog.h"

static char err[1024];

static bool has_port(const struct ucf_service *s, int proto, unsigned first, unsigned last)
{
	for (size_t i = 0; i < s->port_count; i++)
		if (s->ports[i].l4proto == proto && s->ports[i].ports.first == first &&
		    s->ports[i].ports.last == last)
			return true;
	return false;
}

static void test_shipped_catalog(void **state)
{
	(void)state;
	struct ucf_catalog *cat = NULL;
	assert_int_equal(ucf_catalog_load("rules", NULL, &cat, err, sizeof(err)), 0);
	static const char *const required[] = { "sip", "sip-tls", "sccp", "sccp-tls", "rtp",
						"tftp", "cucm-http", "stun", "meraki-cloud",
						"autovpn", "dns", "ntp", "dhcp" };
	for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++) {
		const struct ucf_service *s = ucf_catalog_find(cat, required[i]);
		assert_non_null(s);
		assert_non_null(s->description);
		assert_non_null(s->reference);
	}
	const struct ucf_service *s = ucf_catalog_find(cat, "sip");
	assert_true(has_port(s, IPPROTO_UDP, 5060, 5060));
	assert_true(has_port(s, IPPROTO_TCP, 5060, 5060));
	assert_int_equal(s->roles, UCF_ROLE_UC);
	assert_true(has_port(ucf_catalog_find(cat, "sip-tls"), IPPROTO_TCP, 5061, 5061));
	assert_true(has_port(ucf_catalog_find(cat, "sccp"), IPPROTO_TCP, 2000, 2000));
	assert_true(has_port(ucf_catalog_find(cat, "sccp-tls"), IPPROTO_TCP, 2443, 2443));
	assert_true(has_port(ucf_catalog_find(cat, "tftp"), IPPROTO_UDP, 69, 69));
	assert_true(has_port(ucf_catalog_find(cat, "cucm-http"), IPPROTO_TCP, 6970, 6970));
	assert_true(has_port(ucf_catalog_find(cat, "stun"), IPPROTO_UDP, 3478, 3478));
	assert_true(has_port(ucf_catalog_find(cat, "stun"), IPPROTO_TCP, 3478, 3478));
	assert_true(has_port(ucf_catalog_find(cat, "meraki-cloud"), IPPROTO_UDP, 7351, 7351));
	assert_true(has_port(ucf_catalog_find(cat, "meraki-cloud"), IPPROTO_TCP, 443, 443));
	assert_true(has_port(ucf_catalog_find(cat, "autovpn"), IPPROTO_UDP, 9350, 9381));
	assert_true(has_port(ucf_catalog_find(cat, "autovpn-peers"), IPPROTO_UDP, 32768, 61000));
	assert_true(has_port(ucf_catalog_find(cat, "dhcp"), IPPROTO_UDP, 67, 68));
	assert_true(ucf_catalog_find(cat, "rtp")->media);
	assert_int_equal(ucf_catalog_find(cat, "rtp")->port_count, 0);
	/* The policy asks the catalog which services are TLS signalling. */
	assert_int_equal(ucf_catalog_find(cat, "sip-tls")->signalling, UCF_SIGNALLING_TLS);
	assert_int_equal(ucf_catalog_find(cat, "sccp-tls")->signalling, UCF_SIGNALLING_TLS);
	assert_int_equal(ucf_catalog_find(cat, "sip")->signalling, UCF_SIGNALLING_CLEARTEXT);
	assert_int_equal(ucf_catalog_find(cat, "sccp")->signalling, UCF_SIGNALLING_CLEARTEXT);
	assert_int_equal(ucf_catalog_find(cat, "tftp")->signalling, UCF_SIGNALLING_NONE);
	assert_int_equal(ucf_catalog_find(cat, "dns")->roles, UCF_ROLE_GATEWAY | UCF_ROLE_APPLIANCE);
	assert_int_equal(ucf_catalog_find(cat, "dhcp")->roles, UCF_ROLE_GATEWAY);
	assert_int_equal(ucf_catalog_find(cat, "autovpn")->roles, UCF_ROLE_APPLIANCE);
	assert_null(ucf_catalog_find(cat, "http"));
	/* What enforcement.require_encryption refuses: signalling and
	 * provisioning that only exist in clear text. */
	static const char *const clear[] = { "sip", "sccp", "tftp", "cucm-http" };
	static const char *const secure[] = { "sip-tls", "sccp-tls", "rtp", "stun", "dns",
					      "meraki-cloud" };
	for (size_t i = 0; i < sizeof(clear) / sizeof(clear[0]); i++)
		assert_true(ucf_catalog_find(cat, clear[i])->cleartext);
	for (size_t i = 0; i < sizeof(secure) / sizeof(secure[0]); i++)
		assert_false(ucf_catalog_find(cat, secure[i])->cleartext);
	ucf_catalog_free(cat);
}

struct cucm_entry {
	const char *name;
	int proto;
	unsigned first, last; /* one port range; a second below if second_first */
	unsigned second_first, second_last;
	bool inspected;
};

/* The services a CUCM site needs beyond signalling and media, each on the
 * server's port with the role uc only (the kernel matches the destination
 * port in both directions, so the server side is what is listed). */
static const struct cucm_entry cucm[] = {
	{ "cucm-https", IPPROTO_TCP, 6971, 6971, 6972, 6972, false },
	{ "capf", IPPROTO_TCP, 3804, 3804, 0, 0, false },
	{ "tvs", IPPROTO_TCP, 2445, 2445, 0, 0, false },
	{ "phone-services", IPPROTO_TCP, 8080, 8080, 0, 0, false },
	{ "phone-services-tls", IPPROTO_TCP, 8443, 8443, 0, 0, false },
	{ "cti", IPPROTO_TCP, 2748, 2748, 0, 0, false },
	{ "cti-tls", IPPROTO_TCP, 2749, 2749, 0, 0, false },
	{ "xmpp", IPPROTO_TCP, 5222, 5222, 0, 0, false },
	{ "xmpp-tls", IPPROTO_TCP, 5223, 5223, 0, 0, false },
	{ "h323", IPPROTO_TCP, 1720, 1720, 0, 0, true },
	{ "mgcp", IPPROTO_UDP, 2427, 2427, 2727, 2727, true },
	{ "ldap", IPPROTO_TCP, 389, 389, 0, 0, false },
	{ "ldaps", IPPROTO_TCP, 636, 636, 0, 0, false },
	{ "ldap-gc", IPPROTO_TCP, 3268, 3268, 0, 0, false },
	{ "ldaps-gc", IPPROTO_TCP, 3269, 3269, 0, 0, false },
};

static void test_cucm_services(void **state)
{
	(void)state;
	struct ucf_catalog *cat = NULL;
	assert_int_equal(ucf_catalog_load("rules", NULL, &cat, err, sizeof(err)), 0);
	for (size_t i = 0; i < sizeof(cucm) / sizeof(cucm[0]); i++) {
		const struct ucf_service *s = ucf_catalog_find(cat, cucm[i].name);
		if (!s)
			fail_msg("service %s is not in the shipped catalog", cucm[i].name);
		assert_int_equal(s->roles, UCF_ROLE_UC);
		assert_false(s->media);
		assert_true(s->description && *s->description && !strchr(s->description, '\n'));
		assert_true(s->reference && *s->reference);
		assert_int_equal(s->port_count, cucm[i].second_first ? 2 : 1);
		assert_true(has_port(s, cucm[i].proto, cucm[i].first, cucm[i].last));
		if (cucm[i].second_first)
			assert_true(has_port(s, cucm[i].proto, cucm[i].second_first,
					     cucm[i].second_last));
		if (s->inspected != cucm[i].inspected)
			fail_msg("service %s: inspected is %d, want %d", s->name, s->inspected,
				 cucm[i].inspected);
	}
	/* signalling the classifier recognises is inspected; HTTP on cucm-http is not */
	static const char *const inspected[] = { "sip", "sip-tls", "sccp", "sccp-tls", "tftp", "stun" };
	for (size_t i = 0; i < sizeof(inspected) / sizeof(inspected[0]); i++)
		assert_true(ucf_catalog_find(cat, inspected[i])->inspected);
	assert_false(ucf_catalog_find(cat, "cucm-http")->inspected);
	assert_false(ucf_catalog_find(cat, "rtp")->inspected); /* its ports are uc.media's */
	/* no port of a uc service is claimed by two services */
	for (size_t a = 0; a < cat->count; a++)
		for (size_t b = a + 1; b < cat->count; b++) {
			const struct ucf_service *x = &cat->services[a], *y = &cat->services[b];
			if (!(x->roles & UCF_ROLE_UC) || !(y->roles & UCF_ROLE_UC))
				continue;
			for (size_t k = 0; k < x->port_count; k++)
				for (unsigned p = x->ports[k].ports.first; p <= x->ports[k].ports.last; p++)
					if (ucf_service_ports_match(y->ports, y->port_count,
								    x->ports[k].l4proto, (uint16_t)p))
						fail_msg("%s and %s share port %u", x->name, y->name, p);
		}
	ucf_catalog_free(cat);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* Site additions come from the second directory; a name clash is an error
 * naming both places. */
static void test_local_additions(void **state)
{
	(void)state;
	char dir[] = "/tmp/ucf-catalog-XXXXXX", path[128];
	struct ucf_catalog *cat = NULL;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/10-site.yaml", dir);
	write_file(path, "services:\n  polycom-prov:\n    description: Polycom provisioning over HTTPS\n"
			 "    reference: Polycom UC Software admin guide\n    roles: [uc]\n"
			 "    ports: [tcp/8443]\n");
	assert_int_equal(ucf_catalog_load("rules", dir, &cat, err, sizeof(err)), 0);
	assert_true(has_port(ucf_catalog_find(cat, "polycom-prov"), IPPROTO_TCP, 8443, 8443));
	ucf_catalog_free(cat);

	write_file(path, "services:\n  sip:\n    description: again\n    reference: none\n"
			 "    roles: [uc]\n    ports: [udp/5062]\n");
	assert_int_equal(ucf_catalog_load("rules", dir, &cat, err, sizeof(err)), -EINVAL);
	char want[512];
	snprintf(want, sizeof(want), "%s:2:3: service 'sip' is already defined at rules/uc.yaml:8", path);
	assert_string_equal(err, want);
	unlink(path);
	rmdir(dir);
	/* an absent site directory is fine, an absent shipped one is not */
	assert_int_equal(ucf_catalog_load("rules", "/nonexistent/rules.d", &cat, err, sizeof(err)), 0);
	ucf_catalog_free(cat);
	assert_int_equal(ucf_catalog_load("/nonexistent/rules", NULL, &cat, err, sizeof(err)), -ENOENT);
	assert_string_equal(err, "/nonexistent/rules: cannot read rules directory: No such file or directory");
}

struct bad_entry {
	const char *body; /* the lines after "services:\n  x:\n" */
	const char *want;
};

static const struct bad_entry bad[] = {
	{ "    reference: r\n    roles: [uc]\n    ports: [udp/1]\n", "x.yaml:3:5: service 'x' needs a description" },
	{ "    description: d\n    roles: [uc]\n    ports: [udp/1]\n", "x.yaml:3:5: service 'x' needs a reference (RFC or vendor guide)" },
	{ "    description: d\n    reference: r\n    ports: [udp/1]\n", "x.yaml:3:5: service 'x' needs at least one role" },
	{ "    description: d\n    reference: r\n    roles: [uc]\n", "x.yaml:3:5: service 'x' needs ports" },
	{ "    description: d\n    reference: r\n    roles: [phone]\n    ports: [udp/1]\n", "x.yaml:5:13: unknown role 'phone' (use uc, gateway or appliance)" },
	{ "    description: d\n    reference: r\n    roles: [uc]\n    ports: [sctp/5060]\n", "x.yaml:6:13: invalid port 'sctp/5060' (expected udp/PORTS, tcp/PORTS or icmp/echo)" },
	{ "    description: d\n    reference: r\n    roles: [appliance]\n    ports: [udp/1]\n", "x.yaml:3:5: service 'x' has the role appliance and needs 'destinations' (a destination list, vpn-peers, resolvers, time-servers or any)" },
	{ "    description: d\n    reference: r\n    roles: [uc]\n    ports: [icmp/echo]\n", "x.yaml:3:5: service 'x': icmp/echo is for services with exactly the role appliance" },
	{ "    description: d\n    reference: r\n    roles: [appliance]\n    ports: [icmp/ping]\n", "x.yaml:6:13: invalid port 'icmp/ping' (expected udp/PORTS, tcp/PORTS or icmp/echo)" },
	{ "    description: d\n    reference: r\n    roles: [appliance]\n    ports: [udp/1]\n    destinations: [Cloud]\n", "x.yaml:7:20: invalid destination 'Cloud' (a destination list's name or one of vpn-peers, resolvers, time-servers, any)" },
	{ "    description: d\n    reference: r\n    roles: [appliance]\n    ports: [udp/1]\n    destinations: [any, any]\n", "x.yaml:7:25: destination 'any' is named twice" },
	{ "    description: d\n    reference: r\n    roles: [uc]\n    ports: [udp/0]\n", "x.yaml:6:13: port out of range in '0' (1-65535)" },
	{ "    description: d\n    reference: r\n    roles: [uc]\n    ports: [udp/9-1]\n", "x.yaml:6:13: port range '9-1' is reversed (first must not exceed last)" },
	{ "    description: d\n    reference: r\n    roles: [uc]\n    media: true\n    ports: [udp/1]\n", "x.yaml:3:5: media service 'x' takes its ports from uc.media; remove 'ports'" },
	{ "    description: d\n    reference: r\n    roles: [gateway]\n    media: true\n", "x.yaml:3:5: media service 'x' must have exactly the role uc" },
	{ "    description: d\n    reference: r\n    roles: [uc]\n    media: true\n    cleartext: true\n", "x.yaml:3:5: media service 'x' cannot be marked cleartext: its ports carry SRTP as well as RTP" },
	{ "    description: d\n    reference: r\n    roles: [gateway]\n    cleartext: true\n    ports: [udp/1]\n", "x.yaml:3:5: service 'x' is marked cleartext but has not the role uc" },
	{ "    description: d\n    reference: r\n    roles: [uc]\n    cleartext: yes\n    ports: [udp/1]\n", "x.yaml:6:16: 'cleartext' must be true or false, not 'yes'" },
	{ "    description: d\n    reference: r\n    roles: [uc]\n    signalling: ssl\n    ports: [tcp/1]\n", "x.yaml:6:17: unknown signalling 'ssl' (use cleartext or tls)" },
	{ "    description: d\n    reference: r\n    roles: [uc]\n    media: true\n    signalling: tls\n", "x.yaml:3:5: media service 'x' cannot be signalling" },
	{ "    description: d\n    reference: r\n    role: [uc]\n", "x.yaml:5:5: unknown key 'role' in service 'x' (did you mean 'roles'?)" },
	{ "    description: d\n    description: e\n", "x.yaml:4:5: key 'description' appears twice in service 'x'" },
	{ "    description: d\n    reference: r\n    roles: [uc]\n    ports: [tcp/1]\n    inspected: maybe\n", "x.yaml:7:16: 'inspected' must be true or false, not 'maybe'" },
};

static void test_bad_entries(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char text[512];
		struct ucf_catalog *cat = ucf_catalog_new();
		snprintf(text, sizeof(text), "services:\n  x:\n%s", bad[i].body);
		assert_int_equal(ucf_catalog_add_text(cat, "x.yaml", text, strlen(text), err, sizeof(err)),
				 -EINVAL);
		assert_string_equal(err, bad[i].want);
		assert_int_equal(cat->count, 0); /* nothing half-added */
		ucf_catalog_free(cat);
	}
}

static void test_bad_documents(void **state)
{
	(void)state;
	struct ucf_catalog *cat = ucf_catalog_new();
	const char *t1 = "servics: {}\n";
	assert_int_equal(ucf_catalog_add_text(cat, "x.yaml", t1, strlen(t1), err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "x.yaml:1:1: a catalog file has the keys 'services' and, optionally, 'destinations', each once");
	const char *t2 = "services:\n  Bad_Name: {}\n";
	assert_int_equal(ucf_catalog_add_text(cat, "x.yaml", t2, strlen(t2), err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "x.yaml:2:3: invalid service name 'Bad_Name' (lower-case letters, digits and '-', at most 32)");
	const char *t3 = "services: [sip]\n";
	assert_int_equal(ucf_catalog_add_text(cat, "x.yaml", t3, strlen(t3), err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "x.yaml:1:11: 'services' must be a mapping, not a list");
	ucf_catalog_free(cat);
}

static void test_ports_format(void **state)
{
	(void)state;
	struct ucf_catalog *cat = NULL;
	char buf[64];
	assert_int_equal(ucf_catalog_load("rules", NULL, &cat, err, sizeof(err)), 0);
	ucf_service_ports_format(ucf_catalog_find(cat, "meraki-cloud"), buf, sizeof(buf));
	assert_string_equal(buf, "udp/7351, tcp/80, tcp/443");
	ucf_service_ports_format(ucf_catalog_find(cat, "connectivity-checks"), buf, sizeof(buf));
	assert_string_equal(buf, "icmp/echo, tcp/80");
	ucf_service_ports_format(ucf_catalog_find(cat, "cucm-https"), buf, sizeof(buf));
	assert_string_equal(buf, "tcp/6971, tcp/6972");
	ucf_service_ports_format(ucf_catalog_find(cat, "rtp"), buf, sizeof(buf));
	assert_string_equal(buf, "");
	ucf_service_ports_format(ucf_catalog_find(cat, "meraki-cloud"), buf, 12); /* truncated */
	assert_true(strlen(buf) < 12);
	ucf_catalog_free(cat);
}

static bool has_prefix(const struct ucf_destination *d, const char *text)
{
	struct ucf_prefix p;
	char why[128];
	if (ucf_parse_prefix(text, &p, why, sizeof(why)) < 0)
		return false;
	for (size_t i = 0; i < d->count; i++)
		if (memcmp(&d->prefixes[i], &p, sizeof(p)) == 0)
			return true;
	return false;
}

/* Every appliance service names where it goes; the Meraki cloud and the
 * connectivity checks are catalog data with their source. */
static void test_shipped_destinations(void **state)
{
	(void)state;
	struct ucf_catalog *cat = NULL;
	assert_int_equal(ucf_catalog_load("rules", NULL, &cat, err, sizeof(err)), 0);
	const struct ucf_destination *cloud = ucf_catalog_destination(cat, UCF_DEST_MERAKI_CLOUD);
	assert_non_null(cloud);
	assert_non_null(strstr(cloud->reference, "Upstream Firewall Rules for Cloud Connectivity"));
	static const char *const ranges[] = { "64.62.142.12/32", "209.206.48.0/20",
					      "216.157.128.0/20", "158.115.128.0/19" };
	for (size_t i = 0; i < 4; i++)
		assert_true(has_prefix(cloud, ranges[i]));
	assert_int_equal(cloud->count, 4);
	const struct ucf_destination *checks = ucf_catalog_destination(cat, UCF_DEST_CHECKS);
	assert_non_null(checks);
	assert_true(has_prefix(checks, "8.8.8.8/32"));
	assert_true(has_prefix(checks, "209.206.55.10/32"));
	for (size_t i = 0; i < cat->count; i++)
		if (cat->services[i].roles & UCF_ROLE_APPLIANCE)
			assert_true(cat->services[i].dest_count > 0);
	assert_true(ucf_service_has_destination(ucf_catalog_find(cat, "meraki-cloud"),
						UCF_DEST_MERAKI_CLOUD));
	assert_true(ucf_service_has_destination(ucf_catalog_find(cat, "autovpn"),
						UCF_DEST_MERAKI_CLOUD));
	assert_true(ucf_service_has_destination(ucf_catalog_find(cat, "autovpn-peers"),
						UCF_DEST_VPN_PEERS));
	assert_true(ucf_service_has_destination(ucf_catalog_find(cat, "dns"), UCF_DEST_RESOLVERS));
	assert_true(ucf_service_has_destination(ucf_catalog_find(cat, "ntp"), UCF_DEST_TIME_SERVERS));
	assert_true(has_port(ucf_catalog_find(cat, "connectivity-checks"), IPPROTO_ICMP, 0, 0));
	ucf_catalog_free(cat);
}

static void test_bad_destinations(void **state)
{
	(void)state;
	static const struct {
		const char *text, *want;
	} cases[] = {
		{ "destinations:\n  c:\n    reference: r\n    prefixes: [10.0.0.300/8]\n"
		  "services: {}\n", "x.yaml:4:16: invalid address or prefix '10.0.0.300/8'" },
		{ "destinations:\n  c:\n    prefixes: [192.0.2.0/24]\nservices: {}\n",
		  "x.yaml:3:5: destination 'c' needs a reference (the vendor page and when it was read)" },
		{ "destinations:\n  c:\n    reference: r\nservices: {}\n",
		  "x.yaml:3:5: destination 'c' needs 'prefixes'" },
		{ "destinations:\n  any:\n    reference: r\n    prefixes: [192.0.2.0/24]\n"
		  "services: {}\n",
		  "x.yaml:2:3: invalid destination name 'any' (lower-case letters, digits and '-', at "
		  "most 32, not a keyword)" },
		{ "destinations:\n  c:\n    reference: r\n    prefixes: [192.0.2.0/24]\n  c:\n"
		  "    reference: r\n    prefixes: [192.0.2.0/24]\nservices: {}\n",
		  "x.yaml:5:3: destination 'c' is already defined at x.yaml:2" },
		{ "destinations: {}\n", "x.yaml:1:1: a catalog file needs the key 'services'" },
		{ "services: {}\nservices: {}\n",
		  "x.yaml:2:1: a catalog file has the keys 'services' and, optionally, 'destinations', "
		  "each once" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ucf_catalog *cat = ucf_catalog_new();
		assert_int_equal(ucf_catalog_add_text(cat, "x.yaml", cases[i].text,
						      strlen(cases[i].text), err, sizeof(err)),
				 -EINVAL);
		if (strncmp(err, cases[i].want, strlen(cases[i].want)) != 0)
			fail_msg("case %zu: '%s' != '%s'", i, err, cases[i].want);
		ucf_catalog_free(cat);
	}
	/* A service naming a list no file defines fails the check. */
	struct ucf_catalog *cat = ucf_catalog_new();
	const char *t = "services:\n  x:\n    description: d\n    reference: r\n"
			"    roles: [appliance]\n    ports: [udp/1]\n    destinations: [nowhere]\n";
	assert_int_equal(ucf_catalog_add_text(cat, "x.yaml", t, strlen(t), err, sizeof(err)), 0);
	assert_int_equal(ucf_catalog_check(cat, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "x.yaml:2: service 'x' names destination 'nowhere', which no "
				 "catalog file defines");
	/* defined in a later file: fine */
	const char *t2 = "destinations:\n  nowhere:\n    reference: r\n    prefixes: [192.0.2.1]\n"
			 "services: {}\n";
	assert_int_equal(ucf_catalog_add_text(cat, "y.yaml", t2, strlen(t2), err, sizeof(err)), 0);
	assert_int_equal(ucf_catalog_check(cat, err, sizeof(err)), 0);
	assert_int_equal(ucf_catalog_destination(cat, "nowhere")->count, 1);
	ucf_catalog_free(cat);
}

static void test_roles_format(void **state)
{
	(void)state;
	char buf[64];
	ucf_roles_format(UCF_ROLE_UC | UCF_ROLE_APPLIANCE, buf, sizeof(buf));
	assert_string_equal(buf, "uc, appliance");
	ucf_roles_format(0, buf, sizeof(buf));
	assert_string_equal(buf, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shipped_catalog), cmocka_unit_test(test_cucm_services),
		cmocka_unit_test(test_local_additions),
		cmocka_unit_test(test_bad_entries),     cmocka_unit_test(test_bad_documents),
		cmocka_unit_test(test_ports_format),	cmocka_unit_test(test_roles_format),
		cmocka_unit_test(test_shipped_destinations), cmocka_unit_test(test_bad_destinations),
	};
	return cmocka_run_group_tests_name("catalog", tests, NULL, NULL);
}
