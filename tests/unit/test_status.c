/* Unit tests for the typed status record: its JSON and back, and the
 * reader's refusal of replies that lack a field or hold one of another
 * type (never a crash, always the field's name). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "status.h"
#include "status_fixture.h"

static void assert_status_equal(const struct ucf_status *a, const struct ucf_status *b)
{
	assert_string_equal(a->site, b->site);
	assert_int_equal(a->mode, b->mode);
	assert_int_equal(a->uptime_s, b->uptime_s);
	assert_int_equal(a->pid, b->pid);
	assert_int_equal(a->interfaces.uc_count, b->interfaces.uc_count);
	for (size_t i = 0; i < a->interfaces.uc_count; i++)
		assert_string_equal(a->interfaces.uc[i].name, b->interfaces.uc[i].name);
	assert_int_equal(a->interfaces.data_count, b->interfaces.data_count);
	for (size_t i = 0; i < a->interfaces.data_count; i++)
		assert_string_equal(a->interfaces.data[i].name, b->interfaces.data[i].name);
	assert_string_equal(a->interfaces.appliance, b->interfaces.appliance);
	assert_string_equal(a->interfaces.wan, b->interfaces.wan);
	assert_string_equal(a->table_ownership, b->table_ownership);
	assert_int_equal(a->drops_read, b->drops_read);
	for (int i = 0; i < UCF_REASON_COUNT; i++) {
		assert_int_equal(a->drops[i].packets, b->drops[i].packets);
		assert_int_equal(a->drops[i].bytes, b->drops[i].bytes);
	}
	assert_int_equal(a->media.active, b->media.active);
	assert_int_equal(a->media.learned_total, b->media.learned_total);
	assert_int_equal(a->media.batches, b->media.batches);
	assert_int_equal(a->media.errors, b->media.errors);
	assert_int_equal(a->media.latency.total, b->media.latency.total);
	assert_int_equal(a->media.latency.sum_us, b->media.latency.sum_us);
	assert_int_equal(a->media.latency.window, b->media.latency.window);
	assert_int_equal(a->media.latency.median_us, b->media.latency.median_us);
	assert_int_equal(a->media.latency.p99_us, b->media.latency.p99_us);
	assert_int_equal(a->media.latency.max_window_us, b->media.latency.max_window_us);
	assert_int_equal(a->media.latency.max_us, b->media.latency.max_us);
	assert_int_equal(a->flows.active, b->flows.active);
	assert_int_equal(a->flows.created, b->flows.created);
	assert_int_equal(a->flows.evicted, b->flows.evicted);
	assert_int_equal(a->flows.frames, b->flows.frames);
	assert_int_equal(a->flows.malformed, b->flows.malformed);
	assert_int_equal(a->streams.bytes, b->streams.bytes);
	assert_int_equal(a->streams.bytes_peak, b->streams.bytes_peak);
	assert_int_equal(a->streams.budget, b->streams.budget);
	assert_int_equal(a->streams.evicted, b->streams.evicted);
	assert_int_equal(a->streams.refused, b->streams.refused);
	assert_int_equal(a->fragments.received, b->fragments.received);
	assert_int_equal(a->fragments.reassembled, b->fragments.reassembled);
	assert_int_equal(a->fragments.dropped, b->fragments.dropped);
	assert_int_equal(a->fragments.evicted, b->fragments.evicted);
	assert_int_equal(a->fragments.bytes, b->fragments.bytes);
	assert_int_equal(a->fragments.budget, b->fragments.budget);
	assert_int_equal(a->alerts.raised, b->alerts.raised);
	assert_int_equal(a->alerts.failed, b->alerts.failed);
	assert_int_equal(a->open_violation_windows, b->open_violation_windows);
	assert_string_equal(a->config.path, b->config.path);
	assert_int_equal(a->config.loaded_at, b->config.loaded_at);
	assert_int_equal(a->config.reloads, b->config.reloads);
	assert_int_equal(a->config.reload_failures, b->config.reload_failures);
	assert_string_equal(a->config.last_reload_error, b->config.last_reload_error);
	assert_int_equal(a->tamper.restores, b->tamper.restores);
	assert_int_equal(a->meraki_enabled, b->meraki_enabled);
	assert_int_equal(a->learning.announcements, b->learning.announcements);
	assert_int_equal(a->learning.calls, b->learning.calls);
	assert_int_equal(a->learning.refused, b->learning.refused);
	for (int i = 1; i < UCF_REFUSE_COUNT; i++)
		assert_int_equal(a->learning.refused_by_reason[i], b->learning.refused_by_reason[i]);
	assert_int_equal(a->verdicts.non_target, b->verdicts.non_target);
	assert_int_equal(a->verdicts.blocked, b->verdicts.blocked);
	assert_int_equal(a->verdicts.rate_limited, b->verdicts.rate_limited);
	assert_int_equal(a->verdicts.held, b->verdicts.held);
	assert_int_equal(a->verdicts.batches, b->verdicts.batches);
	assert_int_equal(a->verdicts.errors, b->verdicts.errors);
	assert_int_equal(a->limits.flows, b->limits.flows);
	assert_int_equal(a->limits.media, b->limits.media);
	assert_int_equal(a->limits.pinholes, b->limits.pinholes);
	assert_int_equal(a->limits.media_per_host, b->limits.media_per_host);
	assert_int_equal(a->limits.calls_per_host, b->limits.calls_per_host);
	assert_int_equal(a->enforcement.violation_window_s, b->enforcement.violation_window_s);
	assert_int_equal(a->upload.enabled, b->upload.enabled);
	assert_int_equal(a->upload.counter_read, b->upload.counter_read);
	assert_int_equal(a->upload.counter_bytes, b->upload.counter_bytes);
	assert_int_equal(a->upload.rate_bps, b->upload.rate_bps);
	assert_int_equal(a->upload.baseline_bps, b->upload.baseline_bps);
	assert_int_equal(a->upload.threshold_bps, b->upload.threshold_bps);
	assert_int_equal(a->upload.in_episode, b->upload.in_episode);
	assert_int_equal(a->upload.episodes, b->upload.episodes);
	assert_int_equal(a->upload.alerts, b->upload.alerts);
	assert_int_equal(a->upload.correlated, b->upload.correlated);
	assert_int_equal(a->webhook.configured, b->webhook.configured);
	assert_int_equal(a->webhook.queued, b->webhook.queued);
	assert_int_equal(a->webhook.delivered, b->webhook.delivered);
	assert_int_equal(a->webhook.failures, b->webhook.failures);
	assert_int_equal(a->webhook.dead, b->webhook.dead);
	assert_string_equal(a->webhook.last_error, b->webhook.last_error);
	assert_int_equal(a->vpn_peers.learning, b->vpn_peers.learning);
	assert_int_equal(a->vpn_peers.configured, b->vpn_peers.configured);
	assert_int_equal(a->vpn_peers.learned, b->vpn_peers.learned);
	assert_int_equal(a->vpn_peers.refused, b->vpn_peers.refused);
	assert_int_equal(a->vpn_peers.over_cap, b->vpn_peers.over_cap);
	assert_int_equal(a->vpn_peers.last_fetch, b->vpn_peers.last_fetch);
	assert_int_equal(a->vpn_peers.last_fetch_failed, b->vpn_peers.last_fetch_failed);
	assert_int_equal(a->vpn_peers.fetch_failures, b->vpn_peers.fetch_failures);
	assert_int_equal(a->open.hosts, b->open.hosts);
	assert_int_equal(a->open.resolved, b->open.resolved);
	assert_int_equal(a->open.resolve_failures, b->open.resolve_failures);
	assert_int_equal(a->open.refused, b->open.refused);
	assert_int_equal(a->alertmanager.peers, b->alertmanager.peers);
	assert_int_equal(a->alertmanager.queued, b->alertmanager.queued);
	assert_int_equal(a->alertmanager.delivered, b->alertmanager.delivered);
	assert_int_equal(a->alertmanager.failures, b->alertmanager.failures);
	assert_int_equal(a->alertmanager.dead, b->alertmanager.dead);
}

/* to_json, as text over the socket, from_json: the same record. */
static void test_round_trip(void **state)
{
	(void)state;
	struct ucf_status a, b;
	char err[256];
	assert_int_equal(status_fixture(&a), 0);
	json_t *j = ucf_status_to_json(&a);
	assert_non_null(j);
	char *text = json_dumps(j, JSON_INDENT(2));
	assert_non_null(text);
	json_decref(j);
	json_error_t jerr;
	j = json_loads(text, 0, &jerr);
	assert_non_null(j);
	assert_int_equal(ucf_status_from_json(j, &b, err, sizeof(err)), 0);
	assert_status_equal(&a, &b);
	/* the shape the lab tests and the demo read */
	assert_non_null(strstr(text, "\"table_ownership\": \"owner,persist\""));
	assert_non_null(strstr(text, "\"loaded_at\": \"2023-11-14T22:13:20Z\""));
	assert_int_equal(json_integer_value(json_object_get(
				 json_object_get(json_object_get(j, "media"), "latency_us"), "p99")),
			 a.media.latency.p99_us);
	assert_int_equal(json_integer_value(json_object_get(
				 json_object_get(json_object_get(j, "drops"), "non-target-uc"), "packets")),
			 a.drops[UCF_REASON_NON_TARGET_UC].packets);
	assert_int_equal(json_integer_value(json_object_get(
				 json_object_get(json_object_get(j, "learning"), "refused_by_reason"),
				 ucf_refusal_name(UCF_REFUSE_HOST_RATE))),
			 a.learning.refused_by_reason[UCF_REFUSE_HOST_RATE]);
	assert_string_equal(json_string_value(json_array_get(
				    json_object_get(json_object_get(j, "interfaces"), "uc"), 1)),
			    "eth2");
	/* the peers' and appliance.open's figures, where the lab tests read them */
	json_t *peers = json_object_get(json_object_get(j, "appliance"), "vpn_peers");
	assert_int_equal(json_integer_value(json_object_get(peers, "learned")), a.vpn_peers.learned);
	assert_int_equal(json_integer_value(json_object_get(peers, "last_fetch")), 1700000100);
	assert_true(json_is_true(json_object_get(peers, "last_fetch_failed")));
	json_t *open = json_object_get(json_object_get(j, "appliance"), "open");
	assert_int_equal(json_integer_value(json_object_get(open, "resolve_failures")),
			 a.open.resolve_failures);
	free(text);
	json_decref(j);
	ucf_status_clear(&a);
	ucf_status_clear(&b);
	ucf_status_clear(&b); /* twice is harmless */
}

/* Drop counters that could not be read are an empty object, and read back
 * as such; so are zero values and an empty error. */
static void test_drops_unread(void **state)
{
	(void)state;
	struct ucf_status a, b;
	char err[256];
	assert_int_equal(status_fixture(&a), 0);
	a.drops_read = false;
	memset(a.drops, 0, sizeof(a.drops));
	a.config.last_reload_error[0] = '\0';
	a.interfaces.data_count = 0;
	json_t *j = ucf_status_to_json(&a);
	assert_non_null(j);
	assert_int_equal(json_object_size(json_object_get(j, "drops")), 0);
	assert_int_equal(ucf_status_from_json(j, &b, err, sizeof(err)), 0);
	assert_false(b.drops_read);
	assert_status_equal(&a, &b);
	json_decref(j);
	ucf_status_clear(&a);
	ucf_status_clear(&b);
}

/* The JSON value at a dotted path (objects only), for the tests below. */
static json_t *at(json_t *root, const char *path, char *leaf, size_t leaflen)
{
	char buf[256];
	snprintf(buf, sizeof(buf), "%s", path);
	json_t *o = root;
	char *p = buf, *dot;
	while ((dot = strchr(p, '.'))) {
		*dot = '\0';
		o = json_object_get(o, p);
		p = dot + 1;
	}
	snprintf(leaf, leaflen, "%s", p);
	return o; /* the parent */
}

/* Expects from_json to refuse j with -EINVAL and a message holding want
 * and what. */
static void expect_refused(const json_t *j, const char *want, const char *what)
{
	struct ucf_status s;
	char err[256] = "";
	int rc = ucf_status_from_json(j, &s, err, sizeof(err));
	if (rc != -EINVAL || !strstr(err, want) || !strstr(err, what))
		fail_msg("for %s: rc %d, err '%s' (wanted -EINVAL naming it, '%s')", want, rc, err,
			 what);
	ucf_status_clear(&s);
}

struct walk {
	json_t *root;
	unsigned missing, mistyped;
};

/* For every member at any depth: without it, the reader names it as
 * missing; with a value of another type (or null), it names it as
 * mistyped. */
static void walk(struct walk *w, json_t *node, const char *path)
{
	const char *key;
	json_t *v;
	json_object_foreach(node, key, v) {
		char p[256], leaf[128];
		snprintf(p, sizeof(p), "%s%s%s", path, *path ? "." : "", key);
		json_t *copy = json_deep_copy(w->root);
		json_object_del(at(copy, p, leaf, sizeof(leaf)), leaf);
		expect_refused(copy, p, "missing");
		json_decref(copy);
		w->missing++;

		json_t *other = json_is_integer(v)  ? json_string("7")
				: json_is_string(v) ? json_integer(7)
				: json_is_boolean(v) ? json_string("true")
				: json_is_array(v)   ? json_object()
						     : json_array();
		json_t *wrong[] = { other, json_null(), json_real(1.5) };
		for (size_t i = 0; i < 3; i++) {
			copy = json_deep_copy(w->root);
			json_object_set(at(copy, p, leaf, sizeof(leaf)), leaf, wrong[i]);
			expect_refused(copy, p, "expected");
			json_decref(copy);
			w->mistyped++;
		}
		for (size_t i = 0; i < 3; i++)
			json_decref(wrong[i]);
		if (json_is_object(v))
			walk(w, v, p);
	}
}

static void test_every_field_missing_or_mistyped(void **state)
{
	(void)state;
	struct ucf_status a;
	assert_int_equal(status_fixture(&a), 0);
	struct walk w = { ucf_status_to_json(&a), 0, 0 };
	assert_non_null(w.root);
	walk(&w, w.root, "");
	/* every leaf and object of the record was tried: 19 top-level members,
	 * 2 x 5 drops, ... (the count only guards against a walk that stopped) */
	assert_true(w.missing > 90);
	assert_int_equal(w.mistyped, 3 * w.missing);
	json_decref(w.root);
	ucf_status_clear(&a);
}

static void set_at(json_t *root, const char *path, json_t *v)
{
	char leaf[128];
	json_object_set_new(at(root, path, leaf, sizeof(leaf)), leaf, v);
}

/* Values of the right JSON type that still cannot be the field. */
static void test_values_out_of_range(void **state)
{
	(void)state;
	struct ucf_status a;
	assert_int_equal(status_fixture(&a), 0);
	json_t *root = ucf_status_to_json(&a);
	assert_non_null(root);
	static const struct {
		const char *path, *json, *what;
	} cases[] = {
		{ "media.active", "4294967296", "range" },
		{ "flows.frames", "-1", "range" },
		{ "media.latency_us.p99", "-5", "range" },
		{ "mode", "\"bridge\"", "not a mode" },
		{ "config.loaded_at", "\"yesterday\"", "not a time" },
		{ "config.loaded_at", "\"2023-11-14T22:13:20Z and more\"", "not a time" },
		{ "interfaces.appliance", "\"an-interface-name-too-long\"", "too long" },
		{ "interfaces.uc", "[\"eth1\", 7]", "interfaces.uc[1]" },
		{ "interfaces.data", "[\"an-interface-name-too-long\"]", "interfaces.data[0]" },
		{ "drops.non-target-uc", "{\"packets\": 1}", "drops.non-target-uc.bytes" },
		{ "learning.refused_by_reason", "{}", "learning.refused_by_reason." },
		{ "appliance.vpn_peers.learned", "4294967296", "range" },
		{ "appliance.vpn_peers.refused", "-1", "range" },
		{ "appliance.open.hosts", "-1", "range" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *copy = json_deep_copy(root);
		json_error_t jerr;
		json_t *v = json_loads(cases[i].json, JSON_DECODE_ANY, &jerr);
		assert_non_null(v);
		set_at(copy, cases[i].path, v);
		expect_refused(copy, cases[i].path, cases[i].what);
		json_decref(copy);
	}
	/* a site name longer than the record holds */
	char longname[UCF_STATUS_TEXT_MAX + 10];
	memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	json_t *copy = json_deep_copy(root);
	set_at(copy, "site", json_string(longname));
	expect_refused(copy, "site", "too long");
	json_decref(copy);
	/* fields the reader does not know (a newer agent) are ignored */
	copy = json_deep_copy(root);
	set_at(copy, "future", json_integer(1));
	set_at(copy, "media.future", json_string("x"));
	struct ucf_status b;
	char err[256];
	assert_int_equal(ucf_status_from_json(copy, &b, err, sizeof(err)), 0);
	assert_status_equal(&a, &b);
	ucf_status_clear(&b);
	json_decref(copy);
	json_decref(root);
	ucf_status_clear(&a);
}

static void test_exact_messages(void **state)
{
	(void)state;
	struct ucf_status a, b;
	char err[256];
	assert_int_equal(status_fixture(&a), 0);
	json_t *root = ucf_status_to_json(&a);
	assert_non_null(root);
	json_t *copy = json_deep_copy(root);
	json_object_del(json_object_get(json_object_get(copy, "media"), "latency_us"), "p99");
	assert_int_equal(ucf_status_from_json(copy, &b, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "media.latency_us.p99 is missing");
	ucf_status_clear(&b);
	json_decref(copy);
	copy = json_deep_copy(root);
	set_at(copy, "flows.active", json_string("12"));
	assert_int_equal(ucf_status_from_json(copy, &b, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "flows.active: expected an integer, not a string");
	ucf_status_clear(&b);
	json_decref(copy);
	/* not an object at all */
	json_t *arr = json_array();
	assert_int_equal(ucf_status_from_json(arr, &b, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "the status: expected an object, not an array");
	ucf_status_clear(&b);
	json_decref(arr);
	assert_int_equal(ucf_status_from_json(NULL, &b, err, sizeof(err)), -EINVAL);
	ucf_status_clear(&b);
	/* a small buffer truncates the message, never overruns it */
	char small[8];
	copy = json_object();
	assert_int_equal(ucf_status_from_json(copy, &b, small, sizeof(small)), -EINVAL);
	assert_int_equal(strlen(small), sizeof(small) - 1);
	ucf_status_clear(&b);
	json_decref(copy);
	json_decref(root);
	ucf_status_clear(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_drops_unread),
		cmocka_unit_test(test_every_field_missing_or_mistyped),
		cmocka_unit_test(test_values_out_of_range),
		cmocka_unit_test(test_exact_messages),
	};
	return cmocka_run_group_tests_name("status", tests, NULL, NULL);
}
