/* libFuzzer target: the Dashboard API's JSON as the watcher handles it. The
 * first byte picks the source (captures, schedules, apiRequests,
 * configurationChanges, events, eventTypes, uplinkStatuses,
 * thirdPartyVPNPeers); the rest is the response body.
 * Whatever parses is merged against a fresh state and turned into alerts,
 * twice (the second pass must raise nothing new), and every alert must
 * survive its own JSON form. The AutoVPN peer sources go where the agent
 * takes them: what they list, learned, must be single global addresses
 * outside the site, capped. A collector's directory pages (networks,
 * devices) must give a bounded directory whose names are one short clean
 * line each. Seeds: the OpenAPI examples. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sys/socket.h>

#include "alert.h"
#include "meraki_merge.h"
#include "meraki_parse.h"
#include "meraki_sites.h"
#include "policy.h"
#include "vpnpeers.h"

/* Every string is already free of what the privacy filter removes. */
static void check_clean(const json_t *v)
{
	if (json_is_string(v)) {
		char *clean = ucf_redact(json_string_value(v), UCF_REDACT_URIS);
		if (!clean || strcmp(clean, json_string_value(v)) != 0)
			abort();
		free(clean);
	}
	const char *k;
	size_t i;
	const json_t *m;
	if (json_is_object(v))
		json_object_foreach ((json_t *)v, k, m)
			check_clean(m);
	if (json_is_array(v))
		json_array_foreach (v, i, m)
			check_clean(m);
}

static void check_alert(const struct ucf_alert *a)
{
	char err[256];
	struct ucf_alert *back = NULL;
	json_t *obj = ucf_alert_to_json(a);
	if (!obj || ucf_alert_from_json(obj, &back, err, sizeof(err)) < 0 ||
	    strcmp(back->id, a->id) != 0 || strcmp(back->summary, a->summary) != 0)
		abort();
	check_clean(obj); /* no SIP URI leaves in an alert */
	ucf_alert_free(back);
	json_decref(obj);
}

/* The agent's side of a peer fetch: nothing the API lists may open more
 * than one global address outside the site (A 203.0.113.2, E
 * 198.51.100.0/24: public, so that the site checks are reached). */
static void check_peers(enum ucf_msource src, const char *body, size_t len)
{
	char err[512] = "";
	size_t skipped = 0;
	json_t *out = json_array();
	if (ucf_mparse_peers(src, body, len, out, &skipped, err, sizeof(err)) < 0) {
		if (!err[0] || json_array_size(out) != 0)
			abort();
		json_decref(out);
		return;
	}
	size_t n = json_array_size(out);
	if (n > UCF_MPARSE_PEERS_MAX)
		abort();
	const char **addrs = calloc(n + 1, sizeof(*addrs));
	for (size_t i = 0; addrs && i < n; i++) {
		addrs[i] = json_string_value(json_array_get(out, i));
		if (!addrs[i] || strlen(addrs[i]) > 64)
			abort();
	}
	struct ucf_prefix e = { .family = AF_INET, .len = 24, .addr = { 198, 51, 100, 0 } };
	struct ucf_config cfg;
	memset(&cfg, 0, sizeof(cfg));
	cfg.appliance.address = (struct ucf_prefix){ .family = AF_INET, .len = 32,
						     .addr = { 203, 0, 113, 2 } };
	cfg.uc.endpoints = (struct ucf_prefix_list){ &e, 1 };
	cfg.appliance.vpn_peer_timeout_s = 3600;
	struct ucf_vpnpeers p = { 0 };
	if (addrs && ucf_vpnpeers_learn(&p, &cfg, addrs, n, 1700000000, err, sizeof(err)) == 0) {
		if (p.count > UCF_VPN_PEERS_MAX)
			abort();
		for (size_t i = 0; i < p.count; i++) {
			const struct ucf_prefix *a = &p.items[i].addr;
			if ((a->family == AF_INET ? 32 : 128) != a->len ||
			    (a->family != AF_INET && a->family != AF_INET6) ||
			    ucf_vpn_peer_check(&cfg, a, err, sizeof(err)) != 0)
				abort();
			if (a->family == AF_INET && a->addr[0] == 198 && a->addr[1] == 51 &&
			    a->addr[2] == 100)
				abort(); /* inside E */
			if (a->family == AF_INET &&
			    (a->addr[0] == 0 || a->addr[0] == 10 || a->addr[0] == 127 ||
			     a->addr[0] >= 224))
				abort(); /* not global */
			if (a->family == AF_INET6 && (a->addr[0] & 0xe0) != 0x20)
				abort(); /* outside 2000::/3 (mapped, local, multicast) */
		}
	}
	ucf_vpnpeers_clear(&p);
	free(addrs);
	json_decref(out);
}

/* A directory page as a collector keeps it: bounded, and each network's
 * name, which becomes an alert's site, one short line of clean text. */
static void check_directory(enum ucf_msource src, const json_t *findings)
{
	json_t *d = src == UCF_MS_NETWORKS ? ucf_msite_directory(findings, NULL, 1700000000)
					   : ucf_msite_directory(NULL, findings, 1700000000);
	if (!d || json_object_size(json_object_get(d, "networks")) > UCF_MAX_SITES ||
	    json_object_size(json_object_get(d, "devices")) > 4 * (size_t)UCF_MAX_SITES)
		abort();
	const char *id;
	const json_t *v;
	json_object_foreach (json_object_get(d, "networks"), id, v) {
		const char *name = json_string_value(v);
		if (!name || strlen(name) > 63 || strlen(id) > 64)
			abort();
		for (const unsigned char *p = (const unsigned char *)name; *p; p++)
			if (*p < 0x20 || *p == 0x7f || (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) ||
			    (p[0] == 0xe2 && p[1] == 0x80 && p[2] == 0xae))
				abort(); /* ASCII's and Unicode's controls (C1, the RTL override) */
		check_clean(v);
	}
	json_decref(d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	enum ucf_msource src = (enum ucf_msource)(data[0] % UCF_MS_COUNT);
	const char *body = (const char *)data + 1;
	size_t len = size - 1;
	char err[512];
	if (src == UCF_MS_EVENT_TYPES) {
		json_t *types = NULL;
		if (ucf_mparse_event_types(body, len, &types, err, sizeof(err)) == 0) {
			if (!json_is_array(types))
				abort();
			json_decref(types);
		} else if (!err[0]) {
			abort(); /* every failure says why */
		}
		return 0;
	}
	if (src == UCF_MS_UPLINK_STATUSES || src == UCF_MS_VPN_PEERS) {
		check_peers(src, body, len);
		return 0;
	}
	json_t *findings = json_array();
	size_t skipped = 0;
	int64_t oldest = 0;
	err[0] = '\0';
	if (ucf_mparse_page(src, body, len, findings, &skipped, &oldest, err, sizeof(err)) < 0) {
		if (!err[0] || json_array_size(findings) != 0)
			abort();
		json_decref(findings);
		return 0;
	}
	if (src == UCF_MS_NETWORKS || src == UCF_MS_DEVICES)
		check_directory(src, findings);
	json_t *state = ucf_mstate_new("549236");
	struct ucf_mmerge m = { .site = "fuzz-site", .org = "549236", .now = 1700000000,
				.window = 300, .keep = 172800,
				.primaries_complete = true };
	for (int i = 0; i < UCF_MS_COUNT; i++)
		m.horizon[i] = 1600000000;
	for (int pass = 0; pass < 2; pass++) {
		struct ucf_alert_list out = { 0 };
		if (ucf_mmerge(state, &m, findings, &out, NULL, NULL, err, sizeof(err)) < 0)
			abort();
		if (pass == 1 && out.count != 0) {
			/* Held entries may come out once the window passes, never twice. */
			for (size_t i = 0; i < out.count; i++)
				if (strcmp(out.items[i]->kind, UCF_KIND_PACKET_CAPTURE) == 0 ||
				    strcmp(out.items[i]->kind, UCF_KIND_CAPTURE_SCHEDULE) == 0)
					abort();
		}
		for (size_t i = 0; i < out.count; i++)
			check_alert(out.items[i]);
		ucf_alert_list_free(&out);
		m.now += 3600; /* the second pass: past every correlation window */
	}
	json_decref(state);
	json_decref(findings);
	return 0;
}
