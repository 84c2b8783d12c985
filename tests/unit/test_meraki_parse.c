/* Unit tests for the Dashboard parsers: each source's documented example
 * (tests/unit/data/meraki/, from the OpenAPI description v1.67), variants
 * about packet capture, and the shapes a tolerant parser must survive. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "meraki_parse.h"

static char err[512];

static json_t *example(const char *name)
{
	char path[256];
	snprintf(path, sizeof(path), "tests/unit/data/meraki/%s.json", name);
	json_error_t je;
	json_t *doc = json_load_file(path, 0, &je);
	if (!doc)
		fail_msg("%s: %s", path, je.text);
	return doc;
}

/* Parses doc as src; returns the findings (caller decrefs). */
static json_t *parse(enum ucf_msource src, const json_t *doc, size_t *skipped, int64_t *oldest)
{
	char *text = json_dumps(doc, JSON_COMPACT | JSON_ENCODE_ANY);
	json_t *out = json_array();
	int rc = ucf_mparse_page(src, text, strlen(text), out, skipped, oldest, err, sizeof(err));
	free(text);
	if (rc < 0)
		fail_msg("parse failed: %s", err);
	return out;
}

static const char *s(const json_t *f, const char *a, const char *b)
{
	const json_t *v = json_object_get(f, a);
	return json_string_value(b ? json_object_get(v, b) : v);
}

static void test_captures_example(void **state)
{
	(void)state;
	json_t *doc = example("captures");
	size_t skipped = 9;
	json_t *out = parse(UCF_MS_CAPTURES, doc, &skipped, NULL);
	assert_int_equal(json_array_size(out), 1);
	assert_int_equal(skipped, 0);
	json_t *f = json_array_get(out, 0), *d = json_object_get(f, "details");
	assert_string_equal(s(f, "source", NULL), "captures");
	assert_string_equal(s(f, "topic", NULL), "capture");
	assert_string_equal(s(f, "key", NULL), "1234");
	assert_int_equal(ucf_mfinding_ts(f), 1518307200);
	assert_string_equal(s(f, "admin_id", NULL), "1234");
	assert_string_equal(s(f, "network_id", NULL), "N_24329156");
	assert_string_equal(s(f, "serial", NULL), "Q234-ABCD-5678");
	assert_string_equal(s(f, "status", NULL), "new");
	assert_string_equal(s(d, "admin", "name"), "Miles Meraki");
	assert_string_equal(s(d, "device", "name"), "My AP");
	assert_string_equal(s(d, "network", "name"), "Main Office");
	assert_string_equal(s(d, "ports", NULL), "1, 2");
	assert_string_equal(s(d, "filter", NULL), "(icmp)");
	assert_string_equal(s(d, "process", NULL), "manual");
	assert_int_equal(json_integer_value(json_object_get(d, "duration_s")), 60);
	assert_null(json_object_get(d, "client")); /* client MAC: not for alerts */
	json_decref(out);
	json_decref(doc);
}

static void test_captures_tolerance(void **state)
{
	(void)state;
	/* the schema example's shapes: "startTs": "startTs", devices as strings */
	json_t *doc = json_pack("{s:[{s:s, s:s, s:[s,s], s:i}, i, {s:s}, {s:i, s:s, s:[{s:s}]}], s:{}}",
				"items", "captureId", "captureId", "startTs", "startTs", "devices",
				"{}", "{}", "duration", 6, 7, "name", "no id", "captureId", 99,
				"startTs", "2018-02-11T00:00:00+02:00", "devices", "serial", "QX",
				"meta");
	size_t skipped = 0;
	json_t *out = parse(UCF_MS_CAPTURES, doc, &skipped, NULL);
	assert_int_equal(json_array_size(out), 2);
	assert_int_equal(skipped, 2); /* the number and the item without an id */
	assert_int_equal(ucf_mfinding_ts(json_array_get(out, 0)), INT64_MIN);
	assert_string_equal(s(json_array_get(out, 1), "key", NULL), "99"); /* a numeric id */
	assert_int_equal(ucf_mfinding_ts(json_array_get(out, 1)), 1518300000);
	assert_string_equal(s(json_array_get(out, 1), "serial", NULL), "QX"); /* from devices[] */
	json_decref(out);
	json_decref(doc);
	/* a bare array is accepted too */
	doc = json_pack("[{s:s}]", "captureId", "c1");
	out = parse(UCF_MS_CAPTURES, doc, NULL, NULL);
	assert_int_equal(json_array_size(out), 1);
	json_decref(out);
	json_decref(doc);
}

static void test_captures_privacy(void **state)
{
	(void)state;
	json_t *doc = json_pack("{s:[{s:s, s:s, s:s}]}", "items", "captureId", "c", "name",
				"call to +44 20 7946 0958", "filterExpression",
				"host 10.0.0.1 or sip:bob@example.com");
	json_t *out = parse(UCF_MS_CAPTURES, doc, NULL, NULL);
	json_t *d = json_object_get(json_array_get(out, 0), "details");
	assert_string_equal(s(d, "name", NULL), "call to [redacted]");
	assert_string_equal(s(d, "filter", NULL), "host 10.0.0.1 or [redacted]");
	json_decref(out);
	json_decref(doc);
}

static void test_schedules_example(void **state)
{
	(void)state;
	json_t *doc = example("schedules");
	json_t *out = parse(UCF_MS_SCHEDULES, doc, NULL, NULL);
	assert_int_equal(json_array_size(out), 1);
	json_t *f = json_array_get(out, 0), *d = json_object_get(f, "details");
	assert_string_equal(s(f, "topic", NULL), "schedule");
	assert_string_equal(s(f, "key", NULL), "1234");
	assert_true(json_is_true(json_object_get(f, "enabled")));
	assert_string_equal(s(f, "serial", NULL), "Q234-ABCD-5678");
	assert_int_equal(json_integer_value(json_object_get(f, "created")), 1518307200);
	assert_string_equal(s(d, "frequency", NULL), "hour");
	assert_string_equal(s(json_array_get(json_object_get(d, "devices"), 0), "switchports", NULL),
			    "1-3, 9");
	json_decref(out);
	json_decref(doc);
	/* enabled of the wrong type: assumed on (an unknown schedule is news) */
	doc = json_pack("{s:[{s:s, s:s}]}", "items", "scheduleId", "s", "enabled", "no");
	out = parse(UCF_MS_SCHEDULES, doc, NULL, NULL);
	assert_true(json_is_true(json_object_get(json_array_get(out, 0), "enabled")));
	json_decref(out);
	json_decref(doc);
}

static void test_api_requests(void **state)
{
	(void)state;
	json_t *doc = example("apiRequests");
	size_t skipped = 0;
	json_t *out = parse(UCF_MS_API_REQUESTS, doc, &skipped, NULL);
	assert_int_equal(json_array_size(out), 0); /* getOrganizationApiRequests: not a capture */
	assert_int_equal(skipped, 1);
	json_decref(out);
	json_t *it = json_array_get(doc, 0);
	json_object_set_new(it, "operationId",
			    json_string("createOrganizationDevicesPacketCaptureCapture"));
	json_object_set_new(it, "method", json_string("POST"));
	json_array_append_new(doc, json_deep_copy(it));
	json_object_set_new(json_array_get(doc, 1), "operationId",
			    json_string("createOrganizationDevicesPacketCaptureSchedule"));
	out = parse(UCF_MS_API_REQUESTS, doc, NULL, NULL);
	assert_int_equal(json_array_size(out), 2);
	json_t *f = json_array_get(out, 0), *d = json_object_get(f, "details");
	assert_string_equal(s(f, "topic", NULL), "capture");
	assert_string_equal(s(json_array_get(out, 1), "topic", NULL), "schedule");
	assert_string_equal(s(f, "admin_id", NULL), "212406");
	assert_string_equal(s(d, "source_ip", NULL), "123.123.123.1");
	assert_string_equal(s(d, "user_agent", NULL), "PostmanRuntime/7.6.0");
	assert_int_equal(json_integer_value(json_object_get(d, "response_code")), 200);
	assert_int_equal(strlen(s(f, "key", NULL)), 32);
	assert_string_not_equal(s(f, "key", NULL), s(json_array_get(out, 1), "key", NULL));
	/* the same entry always gets the same key (pages repeat entries) */
	json_t *again = parse(UCF_MS_API_REQUESTS, doc, NULL, NULL);
	assert_string_equal(s(f, "key", NULL), s(json_array_get(again, 0), "key", NULL));
	json_decref(again);
	json_decref(out);
	json_decref(doc);
}

/* Every capture operation is recognised with what it did; only those that
 * start captures or create schedules are not follow-ups. Without an
 * operationId, the method and path tell. */
static void test_api_request_operations(void **state)
{
	(void)state;
	static const struct { const char *op, *verb; bool starts, schedule; } want[] = {
		{ "createOrganizationDevicesPacketCaptureCapture", "started a packet capture", 1, 0 },
		{ "bulkOrganizationDevicesPacketCaptureCapturesCreate",
		  "started packet captures on several devices", 1, 0 },
		{ "createOrganizationDevicesPacketCaptureSchedule", "created a packet capture schedule", 1, 1 },
		{ "stopOrganizationDevicesPacketCaptureCapture", "stopped a packet capture", 0, 0 },
		{ "deleteOrganizationDevicesPacketCaptureCapture", "deleted a packet capture", 0, 0 },
		{ "bulkOrganizationDevicesPacketCaptureCapturesDelete", "deleted packet captures", 0, 0 },
		{ "generateOrganizationDevicesPacketCaptureCaptureDownloadUrl",
		  "generated a download URL for a packet capture", 0, 0 },
		{ "updateOrganizationDevicesPacketCaptureSchedule", "updated a packet capture schedule", 0, 1 },
		{ "deleteOrganizationDevicesPacketCaptureSchedule", "deleted a packet capture schedule", 0, 1 },
		{ "reorderOrganizationDevicesPacketCaptureSchedules",
		  "reordered the packet capture schedules", 0, 1 },
		{ "bulkOrganizationDevicesPacketCaptureSchedulesDelete", "deleted packet capture schedules", 0, 1 },
		{ "tasksOrganizationDevicesPacketCapture", "queued an analysis of a packet capture", 0, 0 },
	};
	assert_int_equal(UCF_CAPTURE_OPERATION_COUNT, sizeof(want) / sizeof(want[0]));
	json_t *doc = json_array();
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		assert_non_null(ucf_capture_operation_find(want[i].op));
		json_array_append_new(doc, json_pack("{s:s, s:s, s:s, s:s, s:i}", "operationId",
						     want[i].op, "method", "POST", "path", "/x", "ts",
						     "2026-01-01T00:00:00Z", "responseCode", 200));
	}
	json_array_append_new(doc, json_pack("{s:s, s:s}", "operationId", "getOrganizationDevicesPacketCaptureCaptures", "method", "GET"));
	size_t skipped = 0;
	json_t *out = parse(UCF_MS_API_REQUESTS, doc, &skipped, NULL);
	assert_int_equal(json_array_size(out), sizeof(want) / sizeof(want[0]));
	assert_int_equal(skipped, 1); /* reading captures is no activity */
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		json_t *f = json_array_get(out, i);
		assert_string_equal(s(f, "details", "operation_id"), want[i].op);
		assert_string_equal(s(f, "details", "action"), want[i].verb);
		assert_int_equal(json_is_true(json_object_get(f, "follow_up")), !want[i].starts);
		assert_string_equal(s(f, "topic", NULL), want[i].schedule ? "schedule" : "capture");
	}
	json_decref(out);
	json_decref(doc);
	doc = json_pack("[{s:s, s:s}, {s:s, s:s}, {s:s, s:s}, {s:s, s:s}]",
			"method", "POST", "path", "/api/v1/organizations/1/devices/packetCapture/captures",
			"method", "DELETE", "path", "/api/v1/organizations/1/devices/packetCapture/captures/7",
			"method", "POST", "path", "/api/v1/organizations/1/devices/packetCapture/captures/7/downloadUrl/generate",
			"method", "GET", "path", "/api/v1/organizations/1/devices/packetCapture/captures");
	out = parse(UCF_MS_API_REQUESTS, doc, &skipped, NULL);
	assert_int_equal(json_array_size(out), 3);
	assert_string_equal(s(json_array_get(out, 0), "details", "action"), "started a packet capture");
	assert_null(json_object_get(json_array_get(out, 0), "follow_up"));
	assert_string_equal(s(json_array_get(out, 1), "details", "action"), "deleted packet captures");
	assert_string_equal(s(json_array_get(out, 2), "details", "action"),
			    "generated a download URL for a packet capture");
	assert_true(json_is_true(json_object_get(json_array_get(out, 2), "follow_up")));
	json_decref(out);
	json_decref(doc);
}

/* A schedule names every device: the site may be any of them. */
static void test_schedule_serials(void **state)
{
	(void)state;
	json_t *doc = json_pack("{s:[{s:s, s:[{s:{s:s}}, {s:{s:s}}]}]}", "items", "scheduleId", "s1",
				"devices", "device", "serial", "Q2MS-1", "device", "serial", "Q2MX-2");
	json_t *out = parse(UCF_MS_SCHEDULES, doc, NULL, NULL);
	json_t *serials = json_object_get(json_array_get(out, 0), "serials");
	assert_int_equal(json_array_size(serials), 2);
	assert_string_equal(json_string_value(json_array_get(serials, 1)), "Q2MX-2");
	json_decref(out);
	json_decref(doc);
}

static void test_configuration_changes(void **state)
{
	(void)state;
	json_t *doc = example("configurationChanges");
	json_t *out = parse(UCF_MS_CONFIG_CHANGES, doc, NULL, NULL);
	assert_int_equal(json_array_size(out), 0); /* an organization rename */
	json_decref(out);
	json_t *it = json_array_get(doc, 0);
	json_object_set_new(it, "label", json_string("POST /api/v1/organizations/2930418/devices/packetCapture/captures"));
	out = parse(UCF_MS_CONFIG_CHANGES, doc, NULL, NULL);
	assert_int_equal(json_array_size(out), 1);
	json_t *f = json_array_get(out, 0), *d = json_object_get(f, "details");
	assert_string_equal(s(f, "admin_id", NULL), "212406");
	assert_string_equal(s(f, "network_id", NULL), "N_24329156");
	assert_string_equal(s(d, "admin", "name"), "Miles Meraki");
	assert_null(json_object_get(d, "newValue"));
	assert_null(json_object_get(d, "oldValue"));
	char *dump = json_dumps(d, 0);
	assert_null(strstr(dump, "miles@meraki.com")); /* no e-mail address */
	free(dump);
	json_decref(out);
	/* backward paging stops on the oldest ts of a page, capture or not */
	json_array_append_new(doc, json_pack("{s:s, s:s}", "ts", "2018-01-01T00:00:00Z", "label", "VLAN"));
	int64_t oldest = 0;
	out = parse(UCF_MS_CONFIG_CHANGES, doc, NULL, &oldest);
	assert_int_equal(oldest, 1514764800);
	json_decref(out);
	json_decref(doc);
}

static void test_events(void **state)
{
	(void)state;
	json_t *doc = example("events");
	int64_t oldest = 0;
	json_t *out = parse(UCF_MS_EVENTS, doc, NULL, &oldest);
	assert_int_equal(json_array_size(out), 0); /* an association */
	assert_int_equal(oldest, 1518307200); /* still counts for paging */
	json_decref(out);
	json_t *ev = json_array_get(json_object_get(doc, "events"), 0);
	json_object_set_new(ev, "type", json_string("packet_capture_start"));
	out = parse(UCF_MS_EVENTS, doc, NULL, NULL);
	assert_int_equal(json_array_size(out), 1);
	json_t *f = json_array_get(out, 0), *d = json_object_get(f, "details");
	assert_string_equal(s(f, "network_id", NULL), "N_24329156");
	assert_string_equal(s(f, "serial", NULL), "Q234-ABCD-5678");
	char *dump = json_dumps(d, 0);
	assert_null(strstr(dump, "22:33:44:55:66:77")); /* no client MAC */
	assert_null(strstr(dump, "Miles"));               /* no client description */
	free(dump);
	json_decref(out);
	json_decref(doc);
}

static void test_event_types(void **state)
{
	(void)state;
	const char *body = "[{\"category\":\"802.11\",\"type\":\"association\",\"description\":\"802.11 association\"},"
			   "{\"category\":\"Packet capture\",\"type\":\"pc_started\",\"description\":\"x\"},"
			   "{\"category\":\"Appliance\",\"type\":\"pcap_stop\",\"description\":\"y\"},"
			   "{\"category\":\"Splash\",\"type\":\"captive_portal\",\"description\":\"Captive portal\"},"
			   "{\"type\":7}, 3]";
	json_t *types = NULL;
	assert_int_equal(ucf_mparse_event_types(body, strlen(body), &types, err, sizeof(err)), 0);
	assert_int_equal(json_array_size(types), 2);
	assert_string_equal(json_string_value(json_array_get(types, 0)), "pc_started");
	assert_string_equal(json_string_value(json_array_get(types, 1)), "pcap_stop");
	json_decref(types);
	json_t *doc = example("eventTypes");
	char *text = json_dumps(doc, 0);
	assert_int_equal(ucf_mparse_event_types(text, strlen(text), &types, err, sizeof(err)), 0);
	assert_int_equal(json_array_size(types), 0);
	free(text);
	json_decref(types);
	json_decref(doc);
	assert_int_equal(ucf_mparse_event_types("{}", 2, &types, err, sizeof(err)), -EINVAL);
}

static void test_bad_bodies(void **state)
{
	(void)state;
	static const struct {
		enum ucf_msource src;
		const char *body, *why;
	} cases[] = {
		{ UCF_MS_CAPTURES, "{\"items\": [ {\"captureId\": ", "malformed JSON" },
		{ UCF_MS_CAPTURES, "{\"items\": [1]]", "malformed JSON" },
		{ UCF_MS_CAPTURES, "", "malformed JSON" },
		{ UCF_MS_CAPTURES, "{\"errors\": [\"Invalid API key\"]}", "the API returned errors: Invalid API key" },
		{ UCF_MS_CAPTURES, "{\"meta\": {}}", "captures: expected an 'items'/'events' array" },
		{ UCF_MS_EVENTS, "{\"items\": []}", "events: expected" },
		{ UCF_MS_API_REQUESTS, "42", "'[' or '{' expected" },
		{ UCF_MS_API_REQUESTS, "{\"foo\": 1}", "apiRequests: expected an 'items'/'events' array" },
		{ UCF_MS_CAPTURES, "{\"items\": [], \"items\": []}", "malformed JSON" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *out = json_array();
		int rc = ucf_mparse_page(cases[i].src, cases[i].body, strlen(cases[i].body), out, NULL,
					 NULL, err, sizeof(err));
		assert_int_equal(rc, -EINVAL);
		if (!strstr(err, cases[i].why))
			fail_msg("case %zu: '%s' lacks '%s'", i, err, cases[i].why);
		assert_int_equal(json_array_size(out), 0);
		json_decref(out);
	}
}

static void test_names(void **state)
{
	(void)state;
	for (int i = 0; i < UCF_MS_COUNT; i++)
		assert_int_equal(ucf_msource_parse(ucf_msource_name((enum ucf_msource)i)), i);
	assert_int_equal(ucf_msource_parse("nope"), -1);
	assert_true(ucf_mtext_concerns_capture("Packet capture started"));
	assert_true(ucf_mtext_concerns_capture("PCAP upload"));
	assert_false(ucf_mtext_concerns_capture("Captive portal"));
	assert_false(ucf_mtext_concerns_capture(NULL));
}

/* The AutoVPN peer sources hand over publicIp strings only; anything else
 * is skipped and counted, another shape refused. */
static void test_peers(void **state)
{
	(void)state;
	size_t skipped = 0;
	json_t *out = json_array();
	const char *uplinks =
		"[{\"serial\":\"Q2-1\",\"networkId\":\"N_1\",\"uplinks\":["
		"{\"interface\":\"wan1\",\"status\":\"active\",\"publicIp\":\"203.0.113.21\"},"
		"{\"interface\":\"wan2\",\"status\":\"not connected\"},"
		"{\"interface\":\"wan3\",\"publicIp\":17}]},"
		"{\"serial\":\"Q2-2\",\"uplinks\":{}}, 5,"
		"{\"serial\":\"Q2-3\",\"uplinks\":[{\"publicIp\":\"2001:db8::21\"}]}]";
	assert_int_equal(ucf_mparse_peers(UCF_MS_UPLINK_STATUSES, uplinks, strlen(uplinks), out,
					  &skipped, err, sizeof(err)),
			 0);
	assert_int_equal(json_array_size(out), 2);
	assert_string_equal(json_string_value(json_array_get(out, 0)), "203.0.113.21");
	assert_string_equal(json_string_value(json_array_get(out, 1)), "2001:db8::21");
	assert_int_equal(skipped, 2); /* the device without an uplink list, the non-object */
	const char *third = "{\"peers\":[{\"name\":\"dc\",\"publicIp\":\"198.51.100.9\","
			    "\"privateSubnets\":[\"10.9.0.0/16\"]},{\"name\":\"byname\","
			    "\"publicHostname\":\"vpn.example\"}]}";
	assert_int_equal(ucf_mparse_peers(UCF_MS_VPN_PEERS, third, strlen(third), out, &skipped, err,
					  sizeof(err)),
			 0);
	assert_int_equal(json_array_size(out), 3);
	assert_string_equal(json_string_value(json_array_get(out, 2)), "198.51.100.9");
	assert_int_equal(skipped, 1);
	const char *shape = "{\"items\":3}";
	assert_int_equal(ucf_mparse_peers(UCF_MS_VPN_PEERS, shape, strlen(shape), out, &skipped, err,
					  sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "thirdPartyVPNPeers: expected a 'peers' array");
	assert_int_equal(ucf_mparse_peers(UCF_MS_CAPTURES, "[]", 2, out, NULL, err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(json_array_size(out), 3);
	assert_string_equal(ucf_msource_name(UCF_MS_UPLINK_STATUSES), "uplinkStatuses");
	assert_string_equal(ucf_msource_operation(UCF_MS_VPN_PEERS),
			    "getOrganizationApplianceVpnThirdPartyVPNPeers");
	json_decref(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_captures_example),  cmocka_unit_test(test_captures_tolerance),
		cmocka_unit_test(test_captures_privacy),  cmocka_unit_test(test_schedules_example),
		cmocka_unit_test(test_api_requests),      cmocka_unit_test(test_configuration_changes),
		cmocka_unit_test(test_api_request_operations), cmocka_unit_test(test_schedule_serials),
		cmocka_unit_test(test_events),            cmocka_unit_test(test_event_types),
		cmocka_unit_test(test_bad_bodies),        cmocka_unit_test(test_names),
		cmocka_unit_test(test_peers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
