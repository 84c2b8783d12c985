/* Unit tests for the site config loader: the example, good variants, and
 * bad configs each asserting the exact LINE:COL and message. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <sys/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "config.h"

/* Lines 1-8; a case replaces one line (or appends at line 9 and later). */
static const char *const base[] = {
	"site: {name: b1, mode: concentrator}",
	"interfaces: {uc: [eth1], data: [eth2], appliance: eth3, wan: eth0}",
	"uc:",
	"  endpoints: [10.20.0.0/24]",
	"  servers: [10.50.0.0/24]",
	"  services: [sip, rtp]",
	"  media: {learn: true, static_range: 16384-32767, timeout: 120s}",
	"appliance: {address: 10.40.0.2, remote_subnets: [10.50.0.0/16]}",
};
#define BASE_LINES 8

static struct ucf_catalog *catalog;
static char err[1024];

static int setup(void **state)
{
	(void)state;
	unsetenv("MERAKI_DASHBOARD_API_KEY");
	return ucf_catalog_load("rules", NULL, &catalog, err, sizeof(err));
}

static int teardown(void **state)
{
	(void)state;
	ucf_catalog_free(catalog);
	return 0;
}

/* The base config with line `line` (1-based) replaced by `text`; line 0 keeps
 * the base; line > 8 appends `text` after the base. NULL text deletes. */
static char *variant(int line, const char *text)
{
	static char buf[4096];
	size_t used = 0;
	for (int i = 1; i <= BASE_LINES; i++) {
		const char *l = i == line ? text : base[i - 1];
		if (l)
			used += (size_t)snprintf(buf + used, sizeof(buf) - used, "%s\n", l);
	}
	if (line > BASE_LINES)
		snprintf(buf + used, sizeof(buf) - used, "%s\n", text);
	return buf;
}

static int load(const char *text, struct ucf_config **cfg)
{
	return ucf_config_load_text("site.yaml", text, strlen(text), catalog, cfg, err,
				    sizeof(err));
}

static void expect_error(const char *text, const char *where_and_msg)
{
	struct ucf_config *cfg = NULL;
	char want[1024];
	snprintf(want, sizeof(want), "site.yaml:%s", where_and_msg);
	assert_int_equal(load(text, &cfg), -EINVAL);
	assert_null(cfg);
	assert_string_equal(err, want);
}

static void test_example_loads(void **state)
{
	(void)state;
	struct ucf_config *c = NULL;
	assert_int_equal(ucf_config_load("config/example.yaml", catalog, &c, err, sizeof(err)), 0);
	assert_string_equal(c->site.name, "branch-017");
	assert_int_equal(c->site.mode, UCF_MODE_CONCENTRATOR);
	assert_int_equal(c->interfaces.uc_count, 1);
	assert_string_equal(c->interfaces.uc[0].name, "eth1");
	assert_string_equal(c->interfaces.appliance, "eth3");
	assert_string_equal(c->interfaces.wan, "eth0");
	assert_int_equal(c->uc.endpoints.count, 1);
	assert_int_equal(c->uc.endpoints.items[0].len, 24);
	assert_int_equal(c->uc.services.count, 6);
	assert_string_equal(c->uc.services.items[5], "stun");
	assert_true(c->uc.media.learn);
	assert_true(c->uc.media.static_enabled);
	assert_int_equal(c->uc.media.static_range.first, 16384);
	assert_int_equal(c->uc.media.static_range.last, 32767);
	assert_int_equal(c->uc.media.timeout_s, 120);
	assert_int_equal(c->appliance.remote_subnets.count, 1);
	assert_int_equal(c->enforcement.action, UCF_ACTION_DROP);
	assert_int_equal(c->enforcement.log_rate.count, 10);
	assert_true(c->meraki.enabled);
	assert_string_equal(c->meraki.organization_id, "123456");
	assert_string_equal(c->meraki.network_ids.items[0], "L_1234567890");
	assert_string_equal(c->meraki.serials.items[0], "Q2XX-ABCD-1234");
	assert_int_equal(c->meraki.poll_interval_s, 60);
	assert_int_equal(c->meraki.lookback_s, 86400);
	assert_string_equal(c->meraki.ca_file, "/etc/ssl/certs/ca-certificates.crt");
	assert_int_equal(c->meraki.call_budget.count, 2);
	assert_int_equal(c->meraki.call_budget.unit, UCF_PER_SECOND);
	assert_int_equal(c->meraki.connect_timeout_s, 10);
	assert_int_equal(c->meraki.request_timeout_s, 30);
	assert_int_equal(c->meraki.per_page, 100);
	assert_int_equal(c->meraki.correlation_window_s, 300);
	assert_string_equal(c->alerts.spool, "/var/lib/ucfence/alerts.jsonl");
	assert_int_equal(c->alerts.retention_s, 30 * 86400);
	assert_string_equal(c->alerts.webhook_url, "https://hooks.example.net/ucfence");
	assert_int_equal(c->alerts.webhook_format, UCF_WEBHOOK_GENERIC);
	assert_int_equal(c->limits.flows, 262144);
	assert_int_equal(c->enforcement.violation_window_s, 60);
	assert_string_equal(c->metrics.textfile, "/var/lib/prometheus/node-exporter/ucfence.prom");
	assert_string_equal(c->state_dir, "/var/lib/ucfence");
	ucf_config_free(c);
}

static void test_defaults(void **state)
{
	(void)state;
	struct ucf_config *c = NULL;
	assert_int_equal(load(variant(9, "state_dir: /srv/ucf"), &c), 0);
	assert_false(c->meraki.enabled);
	assert_string_equal(c->meraki.base_url, "https://api.meraki.com/api/v1");
	assert_int_equal(c->meraki.call_budget.count, 2);
	assert_int_equal(c->meraki.request_timeout_s, 30);
	assert_int_equal(c->meraki.per_page, 100);
	assert_int_equal(c->meraki.correlation_window_s, 300);
	assert_null(c->alerts.webhook_url);
	assert_string_equal(c->alerts.spool, "/srv/ucf/alerts.jsonl"); /* follows state_dir */
	assert_true(c->alerts.syslog);
	assert_int_equal(c->enforcement.action, UCF_ACTION_DROP);
	assert_int_equal(c->enforcement.log_rate.unit, UCF_PER_SECOND);
	assert_false(c->enforcement.require_encryption); /* compatible with older configs */
	assert_int_equal(c->limits.media, 65536);
	assert_int_equal(c->limits.media_per_host, 512);
	assert_int_equal(c->limits.calls_per_host, 64);
	assert_int_equal(c->limits.learn_rate.count, 20);
	assert_int_equal(c->limits.learn_rate.unit, UCF_PER_SECOND);
	assert_int_equal(c->uc.media.learn_range.first, 1024);
	assert_int_equal(c->uc.media.learn_range.last, 65535);
	assert_true(c->uc.media.tls_calls);
	assert_int_equal(c->uc.media.tls_range.first, 1024);
	assert_int_equal(c->uc.media.tls_range.last, 65535);
	assert_int_equal(c->uc.media.tls_timeout_s, 120);
	assert_true(c->uc.media.shape_check);
	ucf_config_free(c);
}

/* The TLS media keys, and the note `ucfence check` prints naming what
 * carries the media of TLS-only signalling. */
static void test_tls_media(void **state)
{
	(void)state;
	struct ucf_config *c = NULL;
	char note[512];
	assert_int_equal(load(variant(7, "  media: {learn: true, static_range: 16384-32767, tls_calls: false, "
					 "tls_range: 10000-20000, tls_timeout: 30s, shape_check: false}"),
			      &c), 0);
	assert_false(c->uc.media.tls_calls);
	assert_int_equal(c->uc.media.tls_range.first, 10000);
	assert_int_equal(c->uc.media.tls_range.last, 20000);
	assert_int_equal(c->uc.media.tls_timeout_s, 30);
	assert_false(c->uc.media.shape_check);
	/* sip is cleartext and learned: nothing to say */
	assert_false(ucf_config_tls_media_note(c, catalog, note, sizeof(note)));
	assert_string_equal(note, "");
	ucf_config_free(c);

	/* TLS-only, pair sets on, no static range */
	static const char *const tls_only[] = {
		"site: {name: b1, mode: concentrator}",
		"interfaces: {uc: [eth1], appliance: eth3, wan: eth0}",
		"uc:",
		"  endpoints: [10.20.0.0/24]",
		"  servers: [10.50.0.0/24]",
		"  services: [sip-tls, sccp-tls, rtp]",
		"  media: {learn: true, static_range: none}",
		"appliance: {address: 10.40.0.2, remote_subnets: [10.50.0.0/16]}",
	};
	char text[2048];
	size_t used = 0;
	for (size_t i = 0; i < 8; i++)
		used += (size_t)snprintf(text + used, sizeof(text) - used, "%s\n", tls_only[i]);
	assert_int_equal(load(text, &c), 0);
	assert_true(ucf_config_tls_media_note(c, catalog, note, sizeof(note)));
	assert_string_equal(note, "signalling is TLS-only (sip-tls, sccp-tls): its SDP cannot be read; "
				  "media is carried by uc.media.tls_calls (RTP/RTCP/STUN/DTLS-shaped UDP "
				  "on ports 1024-65535 between hosts with live TLS signalling)");
	ucf_config_free(c);

	/* ... with the static range too */
	snprintf(text, sizeof(text), "%s%s%s", "site: {name: b1, mode: concentrator}\n"
		 "interfaces: {uc: [eth1], appliance: eth3, wan: eth0}\nuc:\n"
		 "  endpoints: [10.20.0.0/24]\n  servers: [10.50.0.0/24]\n",
		 "  services: [sip, sip-tls, rtp]\n"
		 "  media: {learn: false, static_range: 20000-20999, tls_range: 30000-39999}\n",
		 "appliance: {address: 10.40.0.2, remote_subnets: [10.50.0.0/16]}\n");
	assert_int_equal(load(text, &c), 0);
	/* cleartext sip is listed but not learned: still TLS-only */
	assert_true(ucf_config_tls_media_note(c, catalog, note, sizeof(note)));
	assert_string_equal(note, "signalling is TLS-only (sip-tls): its SDP cannot be read; "
				  "media is carried by uc.media.tls_calls (RTP/RTCP/STUN/DTLS-shaped UDP "
				  "on ports 30000-39999 between hosts with live TLS signalling) and the "
				  "static range 20000-20999");
	ucf_config_free(c);

	snprintf(text, sizeof(text), "%s%s%s", "site: {name: b1, mode: concentrator}\n"
		 "interfaces: {uc: [eth1], appliance: eth3, wan: eth0}\nuc:\n"
		 "  endpoints: [10.20.0.0/24]\n  servers: [10.50.0.0/24]\n",
		 "  services: [sip-tls, rtp]\n"
		 "  media: {static_range: 20000-20999, tls_calls: false}\n",
		 "appliance: {address: 10.40.0.2, remote_subnets: [10.50.0.0/16]}\n");
	assert_int_equal(load(text, &c), 0);
	assert_true(ucf_config_tls_media_note(c, catalog, note, sizeof(note)));
	assert_string_equal(note, "signalling is TLS-only (sip-tls): its SDP cannot be read; "
				  "media is carried only by the static range 20000-20999 "
				  "(uc.media.tls_calls is false)");
	ucf_config_free(c);

	/* nothing would carry it: refused, at tls_calls */
	snprintf(text, sizeof(text), "%s%s%s", "site: {name: b1, mode: concentrator}\n"
		 "interfaces: {uc: [eth1], appliance: eth3, wan: eth0}\nuc:\n"
		 "  endpoints: [10.20.0.0/24]\n  servers: [10.50.0.0/24]\n",
		 "  services: [sip-tls, rtp]\n"
		 "  media: {static_range: none, tls_calls: false}\n",
		 "appliance: {address: 10.40.0.2, remote_subnets: [10.50.0.0/16]}\n");
	expect_error(text, "7:42: signalling is TLS-only (sip-tls): its media cannot be learned, and "
			   "with tls_calls false and static_range none no media could flow");
	/* learning off but the pair sets carry the TLS calls' media: valid */
	snprintf(text, sizeof(text), "%s%s%s", "site: {name: b1, mode: concentrator}\n"
		 "interfaces: {uc: [eth1], appliance: eth3, wan: eth0}\nuc:\n"
		 "  endpoints: [10.20.0.0/24]\n  servers: [10.50.0.0/24]\n",
		 "  services: [sip-tls, rtp]\n"
		 "  media: {learn: false, static_range: none}\n",
		 "appliance: {address: 10.40.0.2, remote_subnets: [10.50.0.0/16]}\n");
	assert_int_equal(load(text, &c), 0);
	ucf_config_free(c);
}

static void test_appliance_mode_ipv6(void **state)
{
	(void)state;
	struct ucf_config *c = NULL;
	const char *text = "site: {name: b2, mode: appliance}\n"
			   "interfaces: {uc: [eth1, eth4], appliance: eth3, wan: eth0}\n"
			   "uc:\n"
			   "  endpoints: [10.20.0.0/24, '2001:db8:20::/64']\n"
			   "  servers: ['2001:db8:50::/64', 10.50.0.10]\n"
			   "  services: [sip-tls, sccp, rtp]\n"
			   "  media: {static_range: none}\n"
			   "appliance: {address: 192.0.2.2}\n"
			   "enforcement: {action: monitor, log_rate: 5/minute}\n";
	assert_int_equal(load(text, &c), 0);
	assert_int_equal(c->site.mode, UCF_MODE_APPLIANCE);
	assert_int_equal(c->interfaces.uc_count, 2);
	assert_int_equal(c->interfaces.data_count, 0);
	assert_int_equal(c->uc.endpoints.items[1].family, AF_INET6);
	assert_int_equal(c->uc.servers.items[1].len, 32);
	assert_false(c->uc.media.static_enabled);
	assert_true(c->uc.media.learn);
	assert_int_equal(c->appliance.remote_subnets.count, 0);
	assert_int_equal(c->enforcement.action, UCF_ACTION_MONITOR);
	assert_int_equal(c->enforcement.log_rate.unit, UCF_PER_MINUTE);
	ucf_config_free(c);
}

/* enforcement.require_encryption: off by default; on, a site that lists an
 * encrypted signalling service beside cleartext ones loads (the cleartext
 * ones are refused by the policy); one with no cleartext service at all too. */
static void test_require_encryption(void **state)
{
	(void)state;
	struct ucf_config *c = NULL;
	char text[4096];
	snprintf(text, sizeof(text), "%s%s", variant(6, "  services: [sip, sip-tls, sccp, tftp, rtp]"),
		 "enforcement: {action: reject, require_encryption: true}\n");
	assert_int_equal(load(text, &c), 0);
	assert_true(c->enforcement.require_encryption);
	assert_int_equal(c->enforcement.action, UCF_ACTION_REJECT);
	ucf_config_free(c);
	snprintf(text, sizeof(text), "%s%s", variant(6, "  services: [sccp-tls, rtp]"),
		 "enforcement: {require_encryption: true}\n");
	assert_int_equal(load(text, &c), 0);
	assert_true(c->enforcement.require_encryption);
	ucf_config_free(c);
	/* several cleartext services are all named */
	snprintf(text, sizeof(text), "%s%s", variant(6, "  services: [sccp, tftp, sip, rtp, cucm-http]"),
		 "enforcement: {require_encryption: true}\n");
	assert_int_equal(load(text, &c), -EINVAL);
	assert_string_equal(err, "site.yaml:9:35: require_encryption is on but every signalling "
				 "service in uc.services is cleartext (sccp, tftp, sip, cucm-http): "
				 "nothing could register or call; add an encrypted one such as sip-tls");
	/* off, the same site is fine */
	snprintf(text, sizeof(text), "%s%s", variant(6, "  services: [sccp, tftp, sip, rtp, cucm-http]"),
		 "enforcement: {require_encryption: false}\n");
	assert_int_equal(load(text, &c), 0);
	assert_false(c->enforcement.require_encryption);
	ucf_config_free(c);
}

static void test_meraki_sources(void **state)
{
	(void)state;
	struct ucf_config *c = NULL;
	const char *env_only = "meraki: {enabled: true, organization_id: '42', "
			       "base_url: 'http://127.0.0.1:8443/api/v1'}";
	expect_error(variant(9, env_only),
		     "9:19: meraki is enabled but has no API key source (set api_key_file, or "
		     "MERAKI_DASHBOARD_API_KEY in the environment)");
	setenv("MERAKI_DASHBOARD_API_KEY", "not-a-real-key", 1);
	assert_int_equal(load(variant(9, env_only), &c), 0);
	unsetenv("MERAKI_DASHBOARD_API_KEY");
	assert_null(c->meraki.api_key_file);
	assert_string_equal(c->meraki.base_url, "http://127.0.0.1:8443/api/v1");
	ucf_config_free(c);
	/* disabled: no requirements beyond types */
	assert_int_equal(load(variant(9, "meraki: {enabled: false}"), &c), 0);
	ucf_config_free(c);
}

/* A collector: scope organization, its sites map, and a config without any
 * enforcement part; positioned errors for what does not fit. */
#define COLLECTOR_HEAD "site: {name: org-collector}\n"
#define COLLECTOR_MERAKI "meraki: {enabled: true, scope: organization, organization_id: '42', " \
			 "api_key_file: /etc/ucfence/key"
static void test_collector_config(void **state)
{
	(void)state;
	struct ucf_config *c = NULL;
	assert_int_equal(load(COLLECTOR_HEAD COLLECTOR_MERAKI ", sites: {N_1: branch-001, "
			      "L_22: branch-002}}\nstate_dir: /var/lib/ucf\n", &c), 0);
	assert_true(c->collector_only);
	assert_int_equal(c->meraki.scope, UCF_SCOPE_ORGANIZATION);
	assert_int_equal(c->meraki.site_networks.count, 2);
	assert_string_equal(c->meraki.site_networks.items[1], "L_22");
	assert_string_equal(c->meraki.site_names.items[1], "branch-002");
	assert_string_equal(c->alerts.spool, "/var/lib/ucf/alerts.jsonl");
	assert_string_equal(ucf_scope_name(c->meraki.scope), "organization");
	struct ucf_config *d = NULL;
	assert_int_equal(ucf_config_dup(c, &d), 0); /* deep: freed apart */
	assert_string_equal(d->meraki.site_names.items[0], "branch-001");
	assert_ptr_not_equal(d->meraki.site_names.items[0], c->meraki.site_names.items[0]);
	struct ucf_config *e = NULL;
	assert_int_equal(load(COLLECTOR_HEAD COLLECTOR_MERAKI ", sites: {N_1: branch-009, "
			      "L_22: branch-002}}\nstate_dir: /var/lib/ucf\n", &e), 0);
	const char *keys[4];
	assert_int_equal(ucf_config_diff(c, e, keys, 4), 1);
	assert_string_equal(keys[0], "meraki.sites");
	ucf_config_free(c);
	ucf_config_free(d);
	ucf_config_free(e);
	/* a collector inside a site's full config is a site that also collects */
	assert_int_equal(load(variant(9, "meraki: {enabled: true, scope: organization, "
				  "organization_id: '42', api_key_file: /k}"), &c), 0);
	assert_false(c->collector_only);
	ucf_config_free(c);
	/* a site served by the collector */
	assert_int_equal(load(variant(9, "meraki: {enabled: false, scope: served}"), &c), 0);
	assert_int_equal(c->meraki.scope, UCF_SCOPE_SERVED);
	assert_false(c->collector_only);
	ucf_config_free(c);

	expect_error(COLLECTOR_HEAD COLLECTOR_MERAKI ", sites: {N_1: a, N_1: b}}\n",
		     "2:117: network 'N_1' is mapped twice in sites");
	expect_error(COLLECTOR_HEAD COLLECTOR_MERAKI ", sites: {N_1: 'a b'}}\n",
		     "2:114: invalid site name 'a b' for network N_1 (letters, digits, '.', '_', "
		     "'-'; at most 63)");
	expect_error(COLLECTOR_HEAD COLLECTOR_MERAKI ", sites: {'N 1': a}}\n",
		     "2:109: invalid identifier 'N 1'");
	expect_error(COLLECTOR_HEAD COLLECTOR_MERAKI ", sites: [N_1]}\n",
		     "2:108: 'sites' must be a mapping, not a list");
	expect_error(COLLECTOR_HEAD COLLECTOR_MERAKI ", network_ids: [N_1]}\n",
		     "2:114: network_ids does not apply to scope 'organization': the collector "
		     "watches every network of the organization (map them to sites with 'sites')");
	expect_error(COLLECTOR_HEAD "meraki: {enabled: true, scope: region}\n",
		     "2:32: invalid scope 'region' (use site, organization or served)");
	expect_error(variant(9, "meraki: {enabled: false, sites: {N_1: a}}"),
		     "9:33: sites applies to scope 'organization' only (a collector's map of "
		     "networks to sites)");
	expect_error(variant(9, "meraki: {enabled: true, scope: served}"),
		     "9:19: scope 'served' means the organization's collector watches this site: "
		     "its own watcher stays off (set enabled: false)");
	/* without the collector's scope, the enforcement parts are required */
	expect_error(COLLECTOR_HEAD "meraki: {enabled: false, scope: organization}\n",
		     "1:7: site needs a 'mode' (concentrator or appliance) (a collector's config "
		     "without interfaces, uc and appliance needs none)");
	expect_error("site: {name: b1, mode: appliance}\n" COLLECTOR_MERAKI "}\n"
		     "interfaces: {uc: [eth1], appliance: eth3, wan: eth0}\n",
		     "1:1: missing section 'uc'");
	/* the collector's own checks still apply */
	expect_error(COLLECTOR_HEAD "meraki: {enabled: true, scope: organization, "
		     "api_key_file: /k}\n",
		     "2:19: meraki is enabled but has no organization_id");
}

struct bad_case {
	int line;
	const char *text;
	const char *want; /* "LINE:COL: message" */
};

/* Each changes one line of the base config. Columns are 1-based, at the
 * start of the offending node. */
static const struct bad_case bad[] = {
	/* YAML itself */
	{ 2, "interfaces: {uc: [eth1, appliance: eth3", "3:3: YAML syntax error: did not find expected ',' or ']' while parsing a flow sequence" },
	{ 9, "site: {name: b2, mode: appliance}", "9:1: key 'site' appears twice in the top level" },
	{ 9, "---\nsite: {}", "10:1: only one YAML document is allowed per file" },
	{ 9, "statedir: /var/lib/x", "9:1: unknown key 'statedir' in the top level (did you mean 'state_dir'?)" },
	{ 9, "colour: red", "9:1: unknown key 'colour' in the top level" },
	{ 4, "  endpoint: [10.20.0.0/24]", "4:3: unknown key 'endpoint' in uc (did you mean 'endpoints'?)" },
	{ 7, "  media: {learn: true, static_rang: 16384-32767}", "7:24: unknown key 'static_rang' in media (did you mean 'static_range'?)" },
	/* types */
	{ 4, "  endpoints: 10.20.0.0/24", "4:14: 'endpoints' must be a list, not a single value" },
	{ 1, "site: branch", "1:7: 'site' must be a mapping, not a single value" },
	{ 2, "interfaces: {uc: [eth1], appliance: [eth3], wan: eth0}", "2:37: 'appliance' must be a single value, not a list" },
	{ 7, "  media: {learn: yes}", "7:18: 'learn' must be true or false, not 'yes'" },
	{ 9, "limits: {flows: 10}", "9:17: 'flows' is out of range (1024-16777216)" },
	{ 9, "limits: {media: lots}", "9:17: 'media' must be a whole number, not 'lots'" },
	{ 9, "limits: {media_per_host: 2}", "9:26: 'media_per_host' is out of range (4-4194304)" },
	{ 9, "limits: {calls_per_host: 0}", "9:26: 'calls_per_host' is out of range (1-4194304)" },
	{ 9, "limits: {learn_rate: fast}",
	  "9:22: learn_rate: invalid rate 'fast' (expected COUNT/UNIT, e.g. 10/second)" },
	{ 6, "  media: {learn_range: 0-100}",
	  "6:24: learn_range: port out of range in '0-100' (1-65535)" },
	/* addresses and prefixes */
	{ 4, "  endpoints: [10.20.0.0/33]", "4:15: invalid prefix length in '10.20.0.0/33' (0-32)" },
	{ 4, "  endpoints: [10.20.0.1/24]", "4:15: prefix '10.20.0.1/24' has host bits set (did you mean 10.20.0.0/24?)" },
	{ 5, "  servers: [10.50.0.300]", "5:13: invalid address or prefix '10.50.0.300'" },
	{ 5, "  servers: ['2001:db8::/129']", "5:13: invalid prefix length in '2001:db8::/129' (0-128)" },
	{ 5, "  servers: ['2001:db8::1/64']", "5:13: prefix '2001:db8::1/64' has host bits set (did you mean 2001:db8::/64?)" },
	{ 8, "appliance: {address: 10.40.0.0/24, remote_subnets: [10.50.0.0/16]}", "8:22: '10.40.0.0/24' is a prefix; an address is expected here" },
	{ 4, "  endpoints: []", "4:14: 'endpoints' must list at least one address or prefix" },
	/* where the appliance's own traffic may go */
	{ 8, "appliance: {address: 10.40.0.2, remote_subnets: [10.50.0.0/16], cloud: [209.206.48.1/20]}",
	  "8:73: prefix '209.206.48.1/20' has host bits set (did you mean 209.206.48.0/20?)" },
	{ 8, "appliance: {address: 10.40.0.2, remote_subnets: [10.50.0.0/16], cloud: []}",
	  "8:72: 'cloud' must list at least one address or prefix" },
	{ 8, "appliance: {address: 10.40.0.2, remote_subnets: [10.50.0.0/16], vpn_peers: [peer.example]}",
	  "8:77: invalid address or prefix 'peer.example'" },
	{ 8, "appliance: {address: 10.40.0.2, remote_subnets: [10.50.0.0/16], resolvers: [1.1.1.1/33]}",
	  "8:77: invalid prefix length in '1.1.1.1/33' (0-32)" },
	{ 8, "appliance: {address: 10.40.0.2, remote_subnets: [10.50.0.0/16], time_servers: 1.1.1.1}",
	  "8:79: 'time_servers' must be a list, not a single value" },
	{ 8, "appliance: {address: 10.40.0.2, remote_subnets: [10.50.0.0/16], connectivity_checks: [x]}",
	  "8:87: invalid address or prefix 'x'" },
	{ 8, "appliance: {address: 10.40.0.2, remote_subnets: [10.50.0.0/16], vpn_peer_timeout: 5s}",
	  "8:83: vpn_peer_timeout '5s' is out of range (10s to 604800s)" },
	{ 8, "appliance: {address: 10.40.0.2, remote_subnets: [10.50.0.0/16], open: {ports: [sctp/1], hosts: [a.example]}}",
	  "8:80: invalid port 'sctp/1' (expected tcp/PORTS or udp/PORTS)" },
	{ 8, "appliance: {address: 10.40.0.2, remote_subnets: [10.50.0.0/16], open: {hosts: [\"bad_name.example\"]}}",
	  "8:80: invalid host name 'bad_name.example' (an address goes in 'addresses')" },
	{ 8, "appliance: {address: 10.40.0.2, remote_subnets: [10.50.0.0/16], open: {hosts: [198.51.100.9]}}",
	  "8:80: invalid host name '198.51.100.9' (an address goes in 'addresses')" },
	{ 8, "appliance: {address: 10.40.0.2, remote_subnets: [10.50.0.0/16], open: {ports: [tcp/443]}}",
	  "8:71: appliance.open needs 'addresses' or 'hosts'" },
	{ 8, "appliance: {address: 10.40.0.2, remote_subnets: [10.50.0.0/16], open: {ports: [], addresses: [192.0.2.1]}}",
	  "8:79: 'ports' must list at least one port" },
	{ 8, "appliance: {address: 10.40.0.2, remote_subnets: [10.50.0.0/16], open: {host: [a.example]}}",
	  "8:72: unknown key 'host' in appliance.open (did you mean 'hosts'?)" },
	{ 9, "meraki: {vpn_peers: sometimes}", "9:21: 'vpn_peers' must be true or false, not 'sometimes'" },
	{ 9, "meraki: {vpn_peers_interval: 2d}", "9:30: vpn_peers_interval '2d' is out of range (10s to 86400s)" },
	{ 8, "appliance: {address: 10.40.0.2, remote_subnets: [10.50.0.0/16], vpn_peer: [1.2.3.4]}",
	  "8:65: unknown key 'vpn_peer' in appliance (did you mean 'vpn_peers'?)" },
	/* ports, durations, rates */
	{ 7, "  media: {static_range: 32767-16384}", "7:25: static_range: port range '32767-16384' is reversed (first must not exceed last)" },
	{ 7, "  media: {static_range: 0-100}", "7:25: static_range: port out of range in '0-100' (1-65535)" },
	{ 7, "  media: {static_range: 16384-70000}", "7:25: static_range: port out of range in '16384-70000' (1-65535)" },
	{ 7, "  media: {timeout: 120}", "7:20: timeout: invalid duration '120' (expected a number and a unit: 90s, 5m, 2h, 30d)" },
	{ 7, "  media: {timeout: 2w}", "7:20: timeout: invalid duration unit in '2w' (use s, m, h or d)" },
	{ 7, "  media: {timeout: 0s}", "7:20: timeout: duration '0s' must be greater than zero" },
	{ 7, "  media: {timeout: 5s}", "7:20: timeout '5s' is out of range (10s to 86400s)" },
	{ 9, "meraki: {poll_interval: 1s}", "9:25: poll_interval '1s' is out of range (10s to 86400s)" },
	{ 9, "meraki: {call_budget: 6/second}", "9:23: call_budget '6/second' is more than 5/second, half of the organization's 10 requests/s" },
	{ 9, "meraki: {call_budget: 301/minute}", "9:23: call_budget '301/minute' is more than 5/second, half of the organization's 10 requests/s" },
	{ 9, "meraki: {call_budget: fast}", "9:23: call_budget: invalid rate 'fast' (expected COUNT/UNIT, e.g. 10/second)" },
	{ 9, "meraki: {request_timeout: 0s}", "9:27: request_timeout: duration '0s' must be greater than zero" },
	{ 9, "meraki: {connect_timeout: 3m}", "9:27: connect_timeout '3m' is out of range (1s to 120s)" },
	{ 9, "meraki: {per_page: 2}", "9:20: 'per_page' is out of range (3-1000)" },
	/* a failed number or choice leaves its field unset (never read unset) */
	{ 9, "meraki: {per_page: many}", "9:20: 'per_page' must be a whole number, not 'many'" },
	{ 9, "meraki: {per_page: [5]}", "9:20: 'per_page' must be a single value, not a list" },
	{ 9, "limits: {flows: 99999999999999999999999}", "9:17: 'flows' is out of range (1024-16777216)" },
	{ 9, "alerts: {webhook: {url: 'https://h.example/x', format: {}}}", "9:56: 'format' must be a single value, not a mapping" },
	{ 9, "meraki: {correlation_window: 2h}", "9:30: correlation_window '2h' is out of range (10s to 3600s)" },
	{ 9, "alerts: {retention: 30}", "9:21: retention: invalid duration '30' (expected a number and a unit: 90s, 5m, 2h, 30d)" },
	{ 9, "enforcement: {action: drop, log_rate: 10/sec}", "9:39: log_rate: invalid rate unit in '10/sec' (use second, minute, hour or day)" },
	{ 9, "enforcement: {action: block}", "9:23: invalid action 'block' (use drop, reject or monitor)" },
	/* interfaces */
	{ 2, "interfaces: {uc: [averyveryverylong0], appliance: eth3, wan: eth0}", "2:19: interface name 'averyveryverylong0' is longer than 15 characters" },
	{ 2, "interfaces: {uc: [eth/1], appliance: eth3, wan: eth0}", "2:19: invalid character in interface name 'eth/1'" },
	{ 2, "interfaces: {uc: [eth1], data: [eth1], appliance: eth3, wan: eth0}", "2:33: interface 'eth1' is already listed as uc (line 2); an interface has one role" },
	{ 2, "interfaces: {uc: [eth1], appliance: eth0, wan: eth0}", "2:48: interface 'eth0' is already listed as appliance (line 2); an interface has one role" },
	{ 2, "interfaces: {uc: [eth1], appliance: eth3}", "2:13: interfaces needs 'wan'" },
	/* services */
	{ 6, "  services: [sip, skype]", "6:19: unknown service 'skype' (not in the catalog)" },
	{ 6, "  services: [sip, dns]", "6:19: service 'dns' is not a UC service (roles: gateway, appliance)" },
	{ 6, "  services: [sip, rtp, sip]", "6:24: service 'sip' is listed twice" },
	{ 6, "  services: [sip]", "7:38: static_range is set but no media service (rtp) is in uc.services" },
	{ 7, "  media: {learn: false, static_range: none}", "7:18: media learning is off and static_range is none: no media could flow" },
	{ 7, "  media: {tls_range: 100-50}", "7:22: tls_range: port range '100-50' is reversed (first must not exceed last)" },
	{ 7, "  media: {tls_timeout: 1s}", "7:24: tls_timeout '1s' is out of range (5s to 86400s)" },
	{ 7, "  media: {tls_calls: maybe}", "7:22: 'tls_calls' must be true or false, not 'maybe'" },
	{ 7, "  media: {shape_check: 1}", "7:24: 'shape_check' must be true or false, not '1'" },
	/* overlaps that make the policy meaningless */
	{ 5, "  servers: [10.20.0.128/25]", "5:13: server 10.20.0.128/25 overlaps endpoint 10.20.0.0/24 (line 4)" },
	{ 4, "  endpoints: [10.20.0.0/24, 10.20.0.64/26]", "4:29: endpoint 10.20.0.64/26 overlaps endpoint 10.20.0.0/24 (line 4)" },
	{ 8, "appliance: {address: 10.40.0.2, remote_subnets: [10.0.0.0/8]}", "8:50: remote subnet 10.0.0.0/8 overlaps endpoint 10.20.0.0/24 (line 4)" },
	{ 8, "appliance: {address: 10.20.0.2, remote_subnets: [10.50.0.0/16]}", "8:22: appliance.address lies inside endpoint 10.20.0.0/24 (line 4)" },
	/* mode requirements */
	{ 8, "appliance: {remote_subnets: [10.50.0.0/16]}", "1:24: mode 'concentrator' needs appliance.address" },
	{ 8, "appliance: {address: 10.40.0.2}", "1:24: mode 'concentrator' needs appliance.remote_subnets" },
	{ 1, "site: {name: b1, mode: hub}", "1:24: invalid mode 'hub' (use concentrator or appliance)" },
	{ 1, "site: {name: 'b 1', mode: appliance}", "1:14: invalid site name 'b 1' (letters, digits, '.', '_', '-'; at most 63)" },
	{ 1, "site: {mode: appliance}", "1:7: site needs a 'name'" },
	{ 3, "ucx:", "3:1: unknown key 'ucx' in the top level (did you mean 'uc'?)" },
	/* meraki and alerts */
	{ 9, "meraki: {enabled: true, api_key_file: /etc/ucfence/key}", "9:19: meraki is enabled but has no organization_id" },
	{ 9, "meraki: {base_url: 'http://api.meraki.com/api/v1'}", "9:20: 'base_url' must use https (plain http only to a loopback host)" },
	{ 9, "meraki: {base_url: 'https://user:pw@api.meraki.com/api/v1'}", "9:20: 'base_url' must not carry credentials" },
	{ 9, "meraki: {base_url: 'not a url'}", "9:20: 'base_url' is not a valid URL: 'not a url'" },
	{ 9, "meraki: {api_key_file: meraki-key}", "9:24: 'api_key_file' must be an absolute path" },
	{ 9, "meraki: {organization_id: '12 34'}", "9:27: invalid identifier '12 34'" },
	{ 9, "alerts: {webhook: {format: teams}}", "9:28: invalid format 'teams' (use generic or slack)" },
	{ 9, "alerts: {webhook: {format: slack}}", "9:19: webhook needs a 'url'" },
	/* alerts.alertmanager */
	{ 9, "alerts: {alertmanager: {resolve_after: 1h}}", "9:24: alertmanager needs 'urls'" },
	{ 9, "alerts: {alertmanager: {urls: []}}", "9:31: 'urls' must list at least one Alertmanager" },
	{ 9, "alerts: {alertmanager: {urls: http://127.0.0.1:9093}}", "9:31: 'urls' must be a list, not a single value" },
	{ 9, "alerts: {alertmanager: {urls: ['http://am1.example:9093']}}", "9:32: 'urls' must use https (plain http only to a loopback host)" },
	{ 9, "alerts: {alertmanager: {urls: ['https://u:p@am1.example']}}", "9:32: 'urls' must not carry credentials" },
	{ 9, "alerts: {alertmanager: {urls: ['https://am1.example', 'https://am1.example']}}", "9:55: Alertmanager url 'https://am1.example' is listed twice" },
	{ 9, "alerts: {alertmanager: {urls: ['https://am1.example'], resolve_after: 10s}}", "9:71: resolve_after '10s' is out of range (60s to 2592000s)" },
	{ 9, "alerts: {alertmanager: {urls: ['https://am1.example'], ca_file: ca.pem}}", "9:65: 'ca_file' must be an absolute path" },
	{ 9, "alerts: {alertmanager: {urls: ['https://am1.example'], basic_auth: {username: u}}}", "9:68: basic_auth needs a 'password_file'" },
	{ 9, "alerts: {alertmanager: {urls: ['https://am1.example'], basic_auth: {username: 'a:b', password_file: /p}}}", "9:79: 'username' must not contain ':' (basic auth)" },
	{ 9, "alerts: {alertmanager: {urls: ['https://am1.example'], bearer_token_file: /t, basic_auth: {username: u, password_file: /p}}}", "9:24: alertmanager: use bearer_token_file or basic_auth, not both" },
	{ 9, "alerts: {alertmanager: {url: ['https://am1.example']}}", "9:25: unknown key 'url' in alertmanager (did you mean 'urls'?)" },
	{ 9, "state_dir: var/lib/ucfence", "9:12: 'state_dir' must be an absolute path" },
	{ 9, "enforcement: {require_encryption: yes}", "9:35: 'require_encryption' must be true or false, not 'yes'" },
	/* the base lists sip and rtp: with encryption required no call could be set up */
	{ 9, "enforcement: {require_encryption: true}", "9:35: require_encryption is on but every signalling service in uc.services is cleartext (sip): nothing could register or call; add an encrypted one such as sip-tls" },
	{ 9, "enforcement: {violation_window: 5s}", "9:33: violation_window '5s' is out of range (10s to 86400s)" },
	{ 9, "metrics: {textfile: ucfence.prom}", "9:21: 'textfile' must be an absolute path" },
	{ 9, "metrics: {path: /x}", "9:11: unknown key 'path' in metrics" },
};

/* appliance.upload_signal: defaults, values, positioned errors, the diff. */
static void test_upload_signal(void **state)
{
	(void)state;
	struct ucf_config *c = NULL, *d = NULL;
	assert_int_equal(load(variant(0, NULL), &c), 0);
	const struct ucf_upload_signal *u = &c->appliance.upload_signal;
	assert_true(u->enabled);
	assert_int_equal(u->interval_s, 5);
	assert_int_equal(u->floor_bps, 256000);
	assert_int_equal(u->multiple, 10);
	assert_int_equal(u->sustain_s, 30);
	assert_int_equal(u->settle_s, 60);
	assert_int_equal(u->learning_s, 3600);
	static const char set[] =
		"appliance:\n  address: 10.40.0.2\n  remote_subnets: [10.50.0.0/16]\n"
		"  upload_signal: {enabled: false, interval: 1s, floor: 2Mbit/s, multiple: 20,"
		" sustain: 3s, settle: 4s, learning: 10m}";
	assert_int_equal(load(variant(8, set), &d), 0);
	u = &d->appliance.upload_signal;
	assert_false(u->enabled);
	assert_int_equal(u->interval_s, 1);
	assert_int_equal(u->floor_bps, 2000000);
	assert_int_equal(u->multiple, 20);
	assert_int_equal(u->sustain_s, 3);
	assert_int_equal(u->settle_s, 4);
	assert_int_equal(u->learning_s, 600);
	const char *keys[16];
	assert_int_equal(ucf_config_diff(c, d, keys, 16), 7);
	assert_string_equal(keys[0], "appliance.upload_signal.enabled");
	assert_string_equal(keys[2], "appliance.upload_signal.floor");
	assert_string_equal(keys[6], "appliance.upload_signal.learning");
	assert_int_equal(ucf_config_sections_changed(c, d), UCF_SECTION_APPLIANCE);
	ucf_config_free(c);
	ucf_config_free(d);

#define UP(x) "appliance: {address: 10.40.0.2, remote_subnets: [10.50.0.0/16], upload_signal: " x "}"
	expect_error(variant(8, UP("{floor: 2kbit/s}")),
		     "8:88: floor '2kbit/s' is out of range (8kbit/s to 10Gbit/s)");
	expect_error(variant(8, UP("{floor: 256kbps}")),
		     "8:88: floor: invalid bit rate unit in '256kbps' (use bit/s, kbit/s, Mbit/s or "
		     "Gbit/s)");
	expect_error(variant(8, UP("{multiple: 1}")), "8:91: 'multiple' is out of range (2-1000)");
	expect_error(variant(8, UP("{interval: 2m}")),
		     "8:91: interval '2m' is out of range (1s to 60s)");
	expect_error(variant(8, UP("{interval: 10s, sustain: 5s}")),
		     "8:105: upload_signal: sustain (5s) is shorter than interval (10s)");
	expect_error(variant(8, UP("{interval: 40s}")),
		     "8:91: upload_signal: sustain (30s) is shorter than interval (40s)");
	expect_error(variant(8, UP("{interval: 10s, sustain: 10s, settle: 5s}")),
		     "8:118: upload_signal: settle (5s) is shorter than interval (10s)");
	expect_error(variant(8, UP("{learning: 30s}")),
		     "8:91: learning '30s' is out of range (60s to 604800s)");
	expect_error(variant(8, UP("{enabled: yes}")),
		     "8:90: 'enabled' must be true or false, not 'yes'");
	expect_error(variant(8, UP("{rate: 1}")), "8:81: unknown key 'rate' in upload_signal");
#undef UP
}

/* One cmocka test per bad config, named by its expected message. */
static void test_bad_config(void **state)
{
	const struct bad_case *c = *state;
	expect_error(variant(c->line, c->text), c->want);
}

static void test_whole_file_errors(void **state)
{
	(void)state;
	expect_error("", "1:1: the file is empty");
	expect_error("# only a comment\n", "1:1: the file is empty");
	expect_error("- a\n- b\n", "1:1: 'the top level' must be a mapping, not a list");
	expect_error("site: {name: b1, mode: appliance}\n", "1:1: missing section 'interfaces'");
	char nul[] = "site: {}\0";
	struct ucf_config *cfg = NULL;
	assert_int_equal(ucf_config_load_text("site.yaml", nul, sizeof(nul), catalog, &cfg, err,
					      sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "site.yaml:1:1: file contains a NUL byte");
}

/* libyaml's scanner is quadratic in nesting depth: a 1 MiB file of '['
 * would keep `ucfence check` busy for minutes. Deep nesting is refused from
 * the parser's events before any document is built. */
#define ARRAY_OPEN "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
#define ARRAY_CLOSE "]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]"

static void test_deep_nesting(void **state)
{
	(void)state;
	enum { SIZE = 1 << 20 };
	char *text = malloc(SIZE);
	assert_non_null(text);
	struct ucf_config *cfg = NULL;
	const char open[] = { '[', '{', '-' };
	const char *want[] = {
		"site.yaml:1:33: YAML nesting deeper than 32 levels",
		"site.yaml:1:33: YAML nesting deeper than 32 levels",
		"site.yaml:1:65: YAML nesting deeper than 32 levels",
	};
	for (size_t i = 0; i < sizeof(open); i++) {
		for (size_t k = 0; k < SIZE; k++) /* "- - - ..." for block lists */
			text[k] = open[i] == '-' && k % 2 ? ' ' : open[i];
		assert_int_equal(ucf_config_load_text("site.yaml", text, SIZE, catalog, &cfg, err,
						      sizeof(err)),
				 -EINVAL);
		assert_null(cfg);
		assert_string_equal(err, want[i]);
	}
	free(text);
	/* the top-level mapping and 31 lists are 32 levels: still read (and then
	 * refused for what they are); one more is too deep */
	char deep[128];
	snprintf(deep, sizeof(deep), "colour: %.31s1%.31s", ARRAY_OPEN, ARRAY_CLOSE);
	expect_error(variant(9, deep), "9:1: unknown key 'colour' in the top level");
	snprintf(deep, sizeof(deep), "colour: %.32s1%.32s", ARRAY_OPEN, ARRAY_CLOSE);
	expect_error(variant(9, deep), "9:40: YAML nesting deeper than 32 levels");
}

static void test_missing_file(void **state)
{
	(void)state;
	struct ucf_config *cfg = NULL;
	assert_int_equal(ucf_config_load("tests/unit/no-such.yaml", catalog, &cfg, err, sizeof(err)),
			 -ENOENT);
	assert_string_equal(err, "tests/unit/no-such.yaml: cannot open: No such file or directory");
}

/* ---- copies and differences (what a reload compares) ------------------------ */

static struct ucf_config *load_variant(int line, const char *text)
{
	struct ucf_config *c = NULL;
	const char *t = variant(line, text);
	int rc = ucf_config_load_text("v.yaml", t, strlen(t), catalog, &c, err, sizeof(err));
	if (rc < 0)
		fail_msg("%s", err);
	return c;
}

static void test_diff_same(void **state)
{
	(void)state;
	struct ucf_config *a = load_variant(0, NULL), *b = load_variant(0, NULL);
	const char *keys[8];
	assert_int_equal(ucf_config_diff(a, b, keys, 8), 0);
	assert_int_equal(ucf_config_sections_changed(a, b), 0);
	ucf_config_free(a);
	ucf_config_free(b);
}

static void test_diff_names_each_setting(void **state)
{
	(void)state;
	struct ucf_config *a = load_variant(9, "limits: {flows: 5000, media: 3000}\n"
					       "enforcement: {violation_window: 10s}\n"
					       "alerts: {webhook: {url: \"http://127.0.0.1:1/h\"}}\n"
					       "state_dir: /tmp/a");
	struct ucf_config *b = load_variant(9, "limits: {flows: 8000, media: 3000}\n"
					       "enforcement: {violation_window: 20s}\n"
					       "alerts: {webhook: {url: \"http://127.0.0.1:2/h\"}}\n"
					       "state_dir: /tmp/b");
	const char *keys[8];
	/* the default spool follows state_dir: it differs too */
	assert_int_equal(ucf_config_diff(a, b, keys, 8), 5);
	assert_string_equal(keys[0], "enforcement.violation_window");
	assert_string_equal(keys[1], "alerts.spool");
	assert_string_equal(keys[2], "alerts.webhook.url");
	assert_string_equal(keys[3], "limits.flows");
	assert_string_equal(keys[4], "state_dir");
	/* max bounds what is written, not the count */
	keys[1] = NULL;
	assert_int_equal(ucf_config_diff(a, b, keys, 1), 5);
	assert_null(keys[1]);
	assert_int_equal(ucf_config_sections_changed(a, b),
			 UCF_SECTION_ENFORCEMENT | UCF_SECTION_ALERTS | UCF_SECTION_LIMITS |
				 UCF_SECTION_STATE_DIR);
	assert_int_equal(ucf_config_diff(b, a, NULL, 0), 5);
	ucf_config_free(a);
	ucf_config_free(b);
}

static void test_diff_lists_and_names(void **state)
{
	(void)state;
	struct ucf_config *a = load_variant(0, NULL);
	struct ucf_config *b =
		load_variant(2, "interfaces: {uc: [eth1, eth4], data: [eth2], appliance: eth3, wan: eth0}");
	struct ucf_config *c = load_variant(7, "  media: {learn: true, static_range: none, timeout: 120s}");
	struct ucf_config *d = load_variant(6, "  services: [sip, rtp, sccp]");
	struct ucf_config *e = load_variant(4, "  endpoints: [10.20.0.0/25]");
	const char *keys[4];
	assert_int_equal(ucf_config_diff(a, b, keys, 4), 1);
	assert_string_equal(keys[0], "interfaces.uc");
	assert_int_equal(ucf_config_sections_changed(a, b), UCF_SECTION_INTERFACES);
	/* static_range is two fields (on/off and the range): one name */
	assert_int_equal(ucf_config_diff(a, c, keys, 4), 1);
	assert_string_equal(keys[0], "uc.media.static_range");
	assert_int_equal(ucf_config_diff(a, d, keys, 4), 1);
	assert_string_equal(keys[0], "uc.services");
	assert_int_equal(ucf_config_diff(a, e, keys, 4), 1);
	assert_string_equal(keys[0], "uc.endpoints");
	assert_int_equal(ucf_config_sections_changed(a, e), UCF_SECTION_UC);
	/* the encrypted-call settings are settings too */
	struct ucf_config *g = load_variant(7, "  media: {learn: true, static_range: 16384-32767, "
					       "timeout: 120s, tls_calls: false, tls_range: 2000-3000, "
					       "tls_timeout: 30s, shape_check: false}");
	const char *many[8];
	assert_int_equal(ucf_config_diff(a, g, many, 8), 4);
	assert_string_equal(many[0], "uc.media.tls_calls");
	assert_string_equal(many[1], "uc.media.tls_range");
	assert_string_equal(many[2], "uc.media.tls_timeout");
	assert_string_equal(many[3], "uc.media.shape_check");
	ucf_config_free(g);
	assert_int_equal(ucf_config_dup(a, &g), 0);
	g->enforcement.require_encryption = true;
	assert_int_equal(ucf_config_diff(a, g, many, 8), 1);
	assert_string_equal(many[0], "enforcement.require_encryption");
	ucf_config_free(g);
	ucf_config_free(a);
	ucf_config_free(b);
	ucf_config_free(c);
	ucf_config_free(d);
	ucf_config_free(e);
}

static void test_alertmanager(void **state)
{
	(void)state;
	struct ucf_config *a = load_variant(0, NULL);
	assert_int_equal(a->alerts.alertmanager.urls.count, 0);
	assert_int_equal(a->alerts.alertmanager.resolve_after_s, 3600); /* the default */
	struct ucf_config *b = load_variant(9, "alerts:\n"
					       "  alertmanager:\n"
					       "    urls: [\"https://am1.example:9093\", \"http://127.0.0.1:9093/\"]\n"
					       "    resolve_after: 30m\n"
					       "    ca_file: /etc/ucfence/am-ca.pem\n"
					       "    basic_auth: {username: ucfence, password_file: /etc/ucfence/am-pw}");
	assert_int_equal(b->alerts.alertmanager.urls.count, 2);
	assert_string_equal(b->alerts.alertmanager.urls.items[0], "https://am1.example:9093");
	assert_string_equal(b->alerts.alertmanager.urls.items[1], "http://127.0.0.1:9093/");
	assert_int_equal(b->alerts.alertmanager.resolve_after_s, 1800);
	assert_string_equal(b->alerts.alertmanager.ca_file, "/etc/ucfence/am-ca.pem");
	assert_string_equal(b->alerts.alertmanager.basic_user, "ucfence");
	assert_string_equal(b->alerts.alertmanager.basic_password_file, "/etc/ucfence/am-pw");
	assert_null(b->alerts.alertmanager.bearer_token_file);
	/* every setting is named in a reload's difference */
	const char *keys[8];
	assert_int_equal(ucf_config_diff(a, b, keys, 8), 5);
	assert_string_equal(keys[0], "alerts.alertmanager.urls");
	assert_string_equal(keys[1], "alerts.alertmanager.resolve_after");
	assert_string_equal(keys[2], "alerts.alertmanager.ca_file");
	assert_string_equal(keys[3], "alerts.alertmanager.basic_auth.username");
	assert_string_equal(keys[4], "alerts.alertmanager.basic_auth.password_file");
	assert_int_equal(ucf_config_sections_changed(a, b), UCF_SECTION_ALERTS);
	struct ucf_config *c = load_variant(9, "alerts: {alertmanager: {urls: [\"http://127.0.0.1:9093/\", "
					       "\"https://am1.example:9093\"], resolve_after: 30m, "
					       "ca_file: /etc/ucfence/am-ca.pem, bearer_token_file: /etc/t}}");
	/* another order is another list; a token instead of basic auth */
	assert_int_equal(ucf_config_diff(b, c, keys, 8), 4);
	assert_string_equal(keys[0], "alerts.alertmanager.urls");
	assert_string_equal(keys[1], "alerts.alertmanager.bearer_token_file");
	/* a deep copy */
	struct ucf_config *d = NULL;
	assert_int_equal(ucf_config_dup(b, &d), 0);
	assert_int_equal(ucf_config_diff(b, d, NULL, 0), 0);
	assert_ptr_not_equal(b->alerts.alertmanager.urls.items, d->alerts.alertmanager.urls.items);
	ucf_config_free(b); /* the copy lives on without it (ASan) */
	assert_string_equal(d->alerts.alertmanager.urls.items[1], "http://127.0.0.1:9093/");
	assert_string_equal(d->alerts.alertmanager.basic_user, "ucfence");
	assert_string_equal(d->alerts.alertmanager.ca_file, "/etc/ucfence/am-ca.pem");
	ucf_config_free(a);
	ucf_config_free(c);
	ucf_config_free(d);
}

/* The appliance's destination lists: read, copied, compared (a reload
 * applies them), with their default. */
static void test_appliance_destinations(void **state)
{
	(void)state;
	struct ucf_config *a = load_variant(0, NULL);
	assert_int_equal(a->appliance.cloud.count, 0);
	assert_int_equal(a->appliance.vpn_peer_timeout_s, 4 * 3600);
	struct ucf_config *b = load_variant(
		8, "appliance: {address: 10.40.0.2, remote_subnets: [10.50.0.0/16], "
		   "cloud: [192.0.2.0/24], connectivity_checks: [192.0.2.8], "
		   "vpn_peers: [198.51.100.7, \"2001:db8::7\"], resolvers: [192.0.2.53], "
		   "time_servers: [192.0.2.123], vpn_peer_timeout: 10m}");
	assert_int_equal(b->appliance.cloud.count, 1);
	assert_int_equal(b->appliance.vpn_peers.count, 2);
	assert_int_equal(b->appliance.vpn_peer_timeout_s, 600);
	const char *keys[8];
	assert_int_equal(ucf_config_diff(a, b, keys, 8), 6);
	assert_string_equal(keys[0], "appliance.cloud");
	assert_string_equal(keys[1], "appliance.connectivity_checks");
	assert_string_equal(keys[2], "appliance.vpn_peers");
	assert_string_equal(keys[3], "appliance.resolvers");
	assert_string_equal(keys[4], "appliance.time_servers");
	assert_string_equal(keys[5], "appliance.vpn_peer_timeout");
	assert_int_equal(ucf_config_sections_changed(a, b), UCF_SECTION_APPLIANCE);
	struct ucf_config *c = NULL;
	assert_int_equal(ucf_config_dup(b, &c), 0);
	assert_ptr_not_equal(c->appliance.vpn_peers.items, b->appliance.vpn_peers.items);
	ucf_config_free(b); /* the copy lives on without it (ASan) */
	assert_int_equal(ucf_config_diff(c, c, NULL, 0), 0);
	assert_int_equal(c->appliance.vpn_peers.items[1].family, AF_INET6);
	assert_int_equal(c->appliance.time_servers.count, 1);
	ucf_config_free(a);
	ucf_config_free(c);
	/* appliance.open: the default ports, copied and compared */
	a = load_variant(8, "appliance: {address: 10.40.0.2, remote_subnets: [10.50.0.0/16], "
			    "open: {addresses: [192.0.2.0/28], hosts: [amp.example.net, X-1.example]}}");
	assert_int_equal(a->appliance.open.port_count, 2);
	assert_int_equal(a->appliance.open.ports[1].ports.first, 443);
	assert_int_equal(a->appliance.open.hosts.count, 2);
	b = load_variant(8, "appliance: {address: 10.40.0.2, remote_subnets: [10.50.0.0/16], "
			    "open: {ports: [tcp/443], addresses: [192.0.2.0/28], "
			    "hosts: [amp.example.net, X-1.example]}}");
	assert_int_equal(ucf_config_diff(a, b, keys, 8), 1);
	assert_string_equal(keys[0], "appliance.open.ports");
	assert_int_equal(ucf_config_dup(b, &c), 0);
	assert_int_equal(ucf_config_diff(b, c, NULL, 0), 0);
	assert_ptr_not_equal(c->appliance.open.ports, b->appliance.open.ports);
	assert_string_equal(c->appliance.open.hosts.items[1], "X-1.example");
	ucf_config_free(a);
	ucf_config_free(b);
	ucf_config_free(c);
}

static void test_dup_is_deep(void **state)
{
	(void)state;
	struct ucf_config *a = load_variant(9, "meraki: {enabled: true, organization_id: \"1\", "
					       "network_ids: [N_1, N_2], serials: [Q2XX-1], "
					       "api_key_file: /etc/k, ca_file: /etc/ca}\n"
					       "alerts: {webhook: {url: \"https://h.example/x\", format: slack}}\n"
					       "metrics: {textfile: /tmp/m.prom}");
	struct ucf_config *b = NULL;
	assert_int_equal(ucf_config_dup(a, &b), 0);
	assert_int_equal(ucf_config_diff(a, b, NULL, 0), 0);
	assert_ptr_not_equal(a->meraki.network_ids.items, b->meraki.network_ids.items);
	assert_ptr_not_equal(a->uc.endpoints.items, b->uc.endpoints.items);
	assert_ptr_not_equal(a->interfaces.uc, b->interfaces.uc);
	assert_ptr_not_equal(a->state_dir, b->state_dir);
	assert_string_equal(a->source, b->source);
	ucf_config_free(a); /* the copy lives on without it (ASan) */
	assert_string_equal(b->meraki.network_ids.items[1], "N_2");
	assert_string_equal(b->meraki.serials.items[0], "Q2XX-1");
	assert_string_equal(b->alerts.webhook_url, "https://h.example/x");
	assert_int_equal(b->alerts.webhook_format, UCF_WEBHOOK_SLACK);
	assert_string_equal(b->interfaces.uc[0].name, "eth1");
	assert_string_equal(b->uc.services.items[1], "rtp");
	assert_string_equal(b->metrics.textfile, "/tmp/m.prom");
	/* a partly filled config (what a test builds by hand) copies too */
	struct ucf_config bare = { .state_dir = "/tmp/s" }, *c = NULL;
	assert_int_equal(ucf_config_dup(&bare, &c), 0);
	assert_string_equal(c->state_dir, "/tmp/s");
	assert_null(c->alerts.spool);
	assert_int_equal(ucf_config_diff(&bare, c, NULL, 0), 0);
	ucf_config_free(c);
	ucf_config_free(b);
}

int main(void)
{
	enum { NBAD = sizeof(bad) / sizeof(bad[0]) };
	/* The fixed tests count themselves: a hand-kept count once dropped one
	 * silently when two branches each added a test. */
	static const struct CMUnitTest fixed[] = {
		cmocka_unit_test(test_example_loads), cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_appliance_mode_ipv6), cmocka_unit_test(test_meraki_sources),
		cmocka_unit_test(test_require_encryption),
		cmocka_unit_test(test_whole_file_errors),
		cmocka_unit_test(test_upload_signal), cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_deep_nesting), cmocka_unit_test(test_tls_media),
		cmocka_unit_test(test_collector_config), cmocka_unit_test(test_diff_same), cmocka_unit_test(test_diff_names_each_setting),
		cmocka_unit_test(test_diff_lists_and_names), cmocka_unit_test(test_dup_is_deep),
		cmocka_unit_test(test_alertmanager),
		cmocka_unit_test(test_appliance_destinations),
	};
	enum { NFIXED = sizeof(fixed) / sizeof(fixed[0]) };
	static struct CMUnitTest tests[NBAD + NFIXED];
	_Static_assert(NBAD >= 30, "the foundation asks for at least 30 bad configs");
	for (size_t i = 0; i < NFIXED; i++)
		tests[i] = fixed[i];
	for (size_t i = 0; i < NBAD; i++)
		tests[NFIXED + i] = (struct CMUnitTest){ bad[i].want, test_bad_config, NULL, NULL,
							 (void *)&bad[i] };
	return _cmocka_run_group_tests("config", tests, NBAD + NFIXED, setup, teardown);
}
