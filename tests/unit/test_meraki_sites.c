/* Unit tests for a collector's sites: the directory read from the
 * organization's networks and devices pages (names redacted and cut, bad
 * ids skipped, bounded), each finding's site (meraki.sites first, then the
 * network's name, then its id; a schedule through its devices), the same
 * alert id from two collectors of one organization, and the
 * organization-wide requests carrying no network filter. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "meraki_fetch.h"
#include "meraki_merge.h"
#include "meraki_parse.h"
#include "meraki_sites.h"

#define T0 1700000000

static char err[512];
static struct ucf_catalog *catalog;

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

static struct ucf_config *collector(const char *sites)
{
	char text[1024];
	struct ucf_config *c = NULL;
	snprintf(text, sizeof(text),
		 "site: {name: org-collector}\n"
		 "meraki: {enabled: true, scope: organization, organization_id: '549236', "
		 "api_key_file: /k, base_url: 'https://api.example.com/api/v1'%s%s}\n",
		 sites ? ", sites: " : "", sites ? sites : "");
	if (ucf_config_load_text("c.yaml", text, strlen(text), catalog, &c, err, sizeof(err)) < 0)
		fail_msg("%s", err);
	return c;
}

static json_t *page(enum ucf_msource src, const char *body)
{
	json_t *out = json_array();
	size_t skipped = 0;
	assert_int_equal(ucf_mparse_page(src, body, strlen(body), out, &skipped, NULL, err,
					 sizeof(err)),
			 0);
	return out;
}

static json_t *directory(void)
{
	json_t *nets = page(UCF_MS_NETWORKS,
			    "[{\"id\": \"N_1\", \"name\": \"Branch 1\"},"
			    " {\"id\": \"N_2\", \"name\": \"Call +1 555 123 4567 \\u0007desk\"},"
			    " {\"id\": \"N_3\", \"name\": \"\"},"
			    " {\"id\": \"bad id/..\", \"name\": \"x\"}, 42]");
	json_t *devs = page(UCF_MS_DEVICES,
			    "[{\"serial\": \"Q-1\", \"networkId\": \"N_1\"},"
			    " {\"serial\": \"Q-2\", \"networkId\": \"N_2\"},"
			    " {\"serial\": \"Q-3\"}]");
	assert_int_equal(json_array_size(nets), 3);
	assert_int_equal(json_array_size(devs), 2);
	json_t *d = ucf_msite_directory(nets, devs, T0);
	json_decref(nets);
	json_decref(devs);
	return d;
}

static void test_directory(void **state)
{
	(void)state;
	json_t *d = directory();
	json_t *n = json_object_get(d, "networks");
	assert_int_equal(json_integer_value(json_object_get(d, "at")), T0);
	assert_string_equal(json_string_value(json_object_get(n, "N_1")), "Branch 1");
	/* a person typed it: numbers redacted, control characters blanked */
	const char *two = json_string_value(json_object_get(n, "N_2"));
	assert_null(strstr(two, "555"));
	assert_null(strchr(two, '\a'));
	assert_string_equal(json_string_value(json_object_get(n, "N_3")), "");
	assert_null(json_object_get(n, "bad id/.."));
	assert_string_equal(json_string_value(json_object_get(json_object_get(d, "devices"), "Q-2")),
			    "N_2");
	json_decref(d);

	/* names are cut at 63 bytes without splitting a UTF-8 character */
	char body[512] = "[{\"id\": \"N_9\", \"name\": \"";
	for (int i = 0; i < 40; i++)
		strcat(body, "\xc3\xa9"); /* é: two bytes */
	strcat(body, "\"}]");
	json_t *nets = page(UCF_MS_NETWORKS, body);
	const char *name = ucf_mfinding_str(json_array_get(nets, 0), "name");
	assert_non_null(name);
	assert_int_equal(strlen(name), 62);
	json_decref(nets);

	/* bounded: at most UCF_MAX_SITES networks */
	json_t *many = json_array();
	for (int i = 0; i < UCF_MAX_SITES + 5; i++) {
		char id[16];
		snprintf(id, sizeof(id), "N_%d", i);
		json_array_append_new(many, json_pack("{s:s, s:s, s:s}", "source", "networks", "key",
						      id, "name", id));
	}
	d = ucf_msite_directory(many, NULL, T0);
	assert_int_equal(json_object_size(json_object_get(d, "networks")), UCF_MAX_SITES);
	json_decref(d);
	json_decref(many);
}

/* Unicode's controls too: C1 (NEL is a newline), the line and paragraph
 * separators, and the bidirectional overrides that make a name read as
 * another (U+202E turns "Paris" around) are blanked like ASCII's. */
static void test_unicode_controls(void **state)
{
	(void)state;
	json_t *nets = page(UCF_MS_NETWORKS,
			    "[{\"id\": \"N_1\", \"name\": \"a\\u0085b\\u2028c\\u2029d\\u202ee"
			    "\\u2066f\\u200fg\\u00e9h\"}]");
	const char *name = ucf_mfinding_str(json_array_get(nets, 0), "name");
	assert_non_null(name);
	assert_string_equal(name, "a b c d e f g\xc3\xa9h");
	json_decref(nets);
}

static void test_site_of(void **state)
{
	(void)state;
	struct ucf_config *c = collector("{N_1: branch-001}");
	json_t *d = directory();
	bool unknown = true;
	json_t *f = json_pack("{s:s, s:s, s:s}", "source", "captures", "key", "c1", "network_id", "N_1");
	/* meraki.sites first */
	assert_string_equal(ucf_msite_of(c, d, f, &unknown), "branch-001");
	assert_false(unknown);
	/* else the network's Dashboard name */
	json_object_set_new(f, "network_id", json_string("N_2"));
	assert_non_null(strstr(ucf_msite_of(c, d, f, &unknown), "desk"));
	assert_false(unknown);
	/* listed without a name: its id, and it is known */
	json_object_set_new(f, "network_id", json_string("N_3"));
	assert_string_equal(ucf_msite_of(c, d, f, &unknown), "N_3");
	assert_false(unknown);
	/* not in the directory yet (a new branch): its id, and a re-read is due */
	json_object_set_new(f, "network_id", json_string("N_77"));
	assert_string_equal(ucf_msite_of(c, d, f, &unknown), "N_77");
	assert_true(unknown);
	/* no directory at all */
	assert_string_equal(ucf_msite_of(c, NULL, f, NULL), "N_77");
	json_decref(f);
	/* a schedule names devices: the first the directory knows gives the network */
	f = json_pack("{s:s, s:s, s:s, s:[s, s]}", "source", "schedules", "key", "s1", "serial",
		      "Q-404", "serials", "Q-404", "Q-1");
	assert_string_equal(ucf_msite_network(d, f), "N_1");
	assert_string_equal(ucf_msite_of(c, d, f, &unknown), "branch-001");
	json_decref(f);
	f = json_pack("{s:s, s:s, s:[s]}", "source", "schedules", "key", "s2", "serials", "Q-404");
	assert_null(ucf_msite_of(c, d, f, &unknown));
	assert_true(unknown);
	json_decref(f);
	/* an organization-wide entry (an API request) names no network */
	f = json_pack("{s:s, s:s, s:s}", "source", "apiRequests", "key", "k", "admin_id", "7");
	assert_null(ucf_msite_of(c, d, f, &unknown));
	assert_false(unknown);
	json_decref(f);
	json_decref(d);
	ucf_config_free(c);
}

/* A Dashboard name is typed by whoever administers the network: one that
 * spells a site meraki.sites names for another network, or the collector's
 * own site.name, would alert that network's findings as that site. Such a
 * network is alerted under its id. */
static void test_name_imitating_a_site(void **state)
{
	(void)state;
	struct ucf_config *c = collector("{N_1: branch-001}");
	json_t *nets = page(UCF_MS_NETWORKS, "[{\"id\": \"N_1\", \"name\": \"Branch 1\"},"
					     " {\"id\": \"N_5\", \"name\": \"branch-001\"},"
					     " {\"id\": \"N_6\", \"name\": \"org-collector\"}]");
	json_t *d = ucf_msite_directory(nets, NULL, T0);
	json_decref(nets);
	bool unknown = true;
	json_t *f = json_pack("{s:s, s:s, s:s}", "source", "captures", "key", "c1", "network_id", "N_5");
	assert_string_equal(ucf_msite_of(c, d, f, &unknown), "N_5");
	assert_false(unknown);
	json_object_set_new(f, "network_id", json_string("N_6"));
	assert_string_equal(ucf_msite_of(c, d, f, &unknown), "N_6");
	assert_false(unknown);
	/* the network meraki.sites names keeps its site */
	json_object_set_new(f, "network_id", json_string("N_1"));
	assert_string_equal(ucf_msite_of(c, d, f, &unknown), "branch-001");
	json_decref(f);
	json_decref(d);
	ucf_config_free(c);
}

/* The network id a capture, change or event names is not checked where it
 * is parsed (it is only compared there): one that is no id (a line break,
 * 500 bytes) is no network, and never the site an alert names. */
static void test_network_id_not_an_id(void **state)
{
	(void)state;
	struct ucf_config *c = collector(NULL);
	json_t *d = directory();
	char longid[600];
	memset(longid, 'N', sizeof(longid) - 1);
	longid[sizeof(longid) - 1] = '\0';
	const char *bad[] = { "N_1\nsite: branch-009", "N 1", longid, "" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		bool unknown = true;
		json_t *f = json_pack("{s:s, s:s, s:s}", "source", "captures", "key", "c1",
				      "network_id", bad[i]);
		assert_null(ucf_msite_network(d, f));
		assert_null(ucf_msite_of(c, d, f, &unknown));
		assert_false(unknown);
		json_decref(f);
	}
	json_decref(d);
	ucf_config_free(c);
}

/* The directory comes back from meraki-state.json, which may have been
 * edited or written by another version: a name there that the parser
 * would not have kept (a line break, too long) is not used. */
static void test_directory_from_state(void **state)
{
	(void)state;
	struct ucf_config *c = collector(NULL);
	char longname[200];
	memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	json_t *d = json_pack("{s:I, s:{s:s, s:s, s:s}, s:{}}", "at", (json_int_t)T0, "networks",
			      "N_1", "Paris\nsite=lyon", "N_2", longname, "N_3", "Lyon", "devices");
	bool unknown = true;
	json_t *f = json_pack("{s:s, s:s, s:s}", "source", "captures", "key", "c1", "network_id", "N_1");
	assert_string_equal(ucf_msite_of(c, d, f, &unknown), "N_1");
	assert_false(unknown);
	json_object_set_new(f, "network_id", json_string("N_2"));
	assert_string_equal(ucf_msite_of(c, d, f, &unknown), "N_2");
	json_object_set_new(f, "network_id", json_string("N_3"));
	assert_string_equal(ucf_msite_of(c, d, f, &unknown), "Lyon");
	json_decref(f);
	json_decref(d);
	ucf_config_free(c);
}

/* Two collectors (different site.name, separate states) alert one capture
 * with one id: the id is keyed by the finding's site, not the collector's. */
static void test_same_id_from_two_collectors(void **state)
{
	(void)state;
	const char *ids[2];
	char keep[2][64];
	for (int i = 0; i < 2; i++) {
		json_t *st = ucf_mstate_new("549236");
		struct ucf_mmerge m = { .site = i ? "collector-b" : "collector-a", .org = "549236",
					.now = T0, .window = 300, .keep = 86400,
					.primaries_complete = true };
		for (int s = 0; s < UCF_MS_COUNT; s++)
			m.horizon[s] = T0 - 3600;
		json_t *fs = json_pack("[{s:s, s:s, s:s, s:I, s:s, s:s, s:s, s:s, s:{s:s}}]", "source",
				       "captures", "topic", "capture", "key", "c42", "ts",
				       (json_int_t)(T0 - 30), "network_id", "N_1", "serial", "Q-1",
				       "status", "capturing", "site", "branch-001", "details",
				       "capture_id", "c42");
		struct ucf_alert_list out = { 0 };
		assert_int_equal(ucf_mmerge(st, &m, fs, &out, NULL, NULL, err, sizeof(err)), 0);
		assert_int_equal(out.count, 1);
		assert_string_equal(out.items[0]->site, "branch-001");
		snprintf(keep[i], sizeof(keep[i]), "%s", out.items[0]->id);
		ids[i] = keep[i];
		ucf_alert_list_free(&out);
		json_decref(fs);
		json_decref(st);
	}
	assert_string_equal(ids[0], ids[1]);
	/* and it is the id a site's own watcher named branch-001 gives it */
	char want[UCF_ALERT_ID_LEN];
	ucf_alert_id("packet-capture", "branch-001", "capture|549236|c42", want);
	assert_string_equal(ids[0], want);
}

static void test_org_wide_urls(void **state)
{
	(void)state;
	struct ucf_config *c = collector(NULL);
	struct ucf_mjob j = { .source = UCF_MS_CAPTURES, .t0 = T0 };
	char *u = ucf_mfetch_url(c, &j);
	assert_non_null(strstr(u, "/organizations/549236/devices/packetCapture/captures?"));
	assert_null(strstr(u, "networkIds"));
	assert_null(strstr(u, "serials"));
	free(u);
	j.source = UCF_MS_SCHEDULES;
	u = ucf_mfetch_url(c, &j);
	assert_string_equal(u, "https://api.example.com/api/v1/organizations/549236/devices/"
			       "packetCapture/schedules");
	free(u);
	j.source = UCF_MS_NETWORKS;
	u = ucf_mfetch_url(c, &j);
	assert_string_equal(u, "https://api.example.com/api/v1/organizations/549236/networks"
			       "?perPage=1000");
	free(u);
	j.source = UCF_MS_DEVICES;
	u = ucf_mfetch_url(c, &j);
	assert_string_equal(u, "https://api.example.com/api/v1/organizations/549236/devices"
			       "?perPage=1000");
	free(u);
	ucf_config_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_directory),
		cmocka_unit_test(test_unicode_controls),
		cmocka_unit_test(test_site_of),
		cmocka_unit_test(test_name_imitating_a_site),
		cmocka_unit_test(test_network_id_not_an_id),
		cmocka_unit_test(test_directory_from_state),
		cmocka_unit_test(test_same_id_from_two_collectors),
		cmocka_unit_test(test_org_wide_urls),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
