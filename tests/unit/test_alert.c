/* Unit tests for the alert format: stable ids, the agent's constructors,
 * the JSON form, RFC 3339 times and the privacy filter. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "alert.h"
#include "timefmt.h"

static char err[512];

static void test_id_stable_and_distinct(void **state)
{
	(void)state;
	char a[UCF_ALERT_ID_LEN], b[UCF_ALERT_ID_LEN], c[UCF_ALERT_ID_LEN], d[UCF_ALERT_ID_LEN];
	ucf_alert_id("packet-capture", "branch-017", "capture|1|c7", a);
	ucf_alert_id("packet-capture", "branch-017", "capture|1|c7", b);
	ucf_alert_id("packet-capture", "branch-018", "capture|1|c7", c);
	ucf_alert_id("packet-capturebranch-017", "", "capture|1|c7", d); /* no concatenation collision */
	assert_string_equal(a, b);
	assert_string_not_equal(a, c);
	assert_string_not_equal(a, d);
	assert_int_equal(strlen(a), 32);
	assert_int_equal(strspn(a, "0123456789abcdef"), 32);
	/* pinned: the id of an activity must never change between versions */
	ucf_alert_id("k", "s", "key", a);
	assert_string_equal(a, "454f70e1d4a5b665c69fe3b35aec9c92");
}

static void test_json_round_trip(void **state)
{
	(void)state;
	struct ucf_alert *a, *b;
	assert_int_equal(ucf_alert_new(&a, "branch-017", UCF_KIND_PACKET_CAPTURE, UCF_SEV_CRITICAL,
				       1518307200, "capture|1|c7", "Packet capture\non MX",
				       json_pack("{s:s}", "capture_id", "c7"), err, sizeof(err)),
			 0);
	assert_string_equal(a->summary, "Packet capture on MX"); /* one line */
	json_t *o = ucf_alert_to_json(a);
	assert_string_equal(json_string_value(json_object_get(o, "time")), "2018-02-11T00:00:00Z");
	assert_string_equal(json_string_value(json_object_get(o, "severity")), "critical");
	assert_int_equal(json_object_size(o), 7);
	assert_int_equal(ucf_alert_from_json(o, &b, err, sizeof(err)), 0);
	assert_string_equal(a->id, b->id);
	assert_int_equal(b->time, 1518307200);
	assert_true(json_equal(a->details, b->details));
	char line[256];
	ucf_alert_format_line(b, line, sizeof(line));
	assert_string_equal(line, "2018-02-11T00:00:00Z critical packet-capture: Packet capture on MX");
	struct ucf_alert *c = NULL;
	json_object_set_new(o, "severity", json_string("panic"));
	assert_int_equal(ucf_alert_from_json(o, &c, err, sizeof(err)), -EINVAL);
	json_object_set_new(o, "severity", json_string("info"));
	json_object_set_new(o, "extra", json_true());
	assert_int_equal(ucf_alert_from_json(o, &c, err, sizeof(err)), -EINVAL); /* strict */
	assert_null(c);
	json_decref(o);
	ucf_alert_free(a);
	ucf_alert_free(b);
}

static void test_invalid_alerts_refused(void **state)
{
	(void)state;
	struct ucf_alert *a = NULL;
	assert_int_equal(ucf_alert_new(&a, "", "x", UCF_SEV_INFO, 0, "k", "s", NULL, err,
				       sizeof(err)), -EINVAL);
	assert_int_equal(ucf_alert_new(&a, "s", "Bad Kind", UCF_SEV_INFO, 0, "k", "s", NULL, err,
				       sizeof(err)), -EINVAL);
	assert_int_equal(ucf_alert_new(&a, "s", "k", (enum ucf_severity)7, 0, "k", "s", NULL, err,
				       sizeof(err)), -EINVAL);
	assert_int_equal(ucf_alert_new(&a, "s", "k", UCF_SEV_INFO, 0, "k", "s", json_array(), err,
				       sizeof(err)), -EINVAL);
	assert_null(a);
}

static void test_enforcement_alerts(void **state)
{
	(void)state;
	struct ucf_alert *a, *b;
	assert_int_equal(ucf_alert_enforcement(&a, "b1", 1700000000, UCF_ENF_STOPPED,
					       "ucfence flush by uid 0 removed table inet ucfence",
					       "ucfence flush", "1700000000123456", err, sizeof(err)), 0);
	assert_string_equal(a->kind, "enforcement-weakened");
	assert_int_equal(a->severity, UCF_SEV_CRITICAL);
	assert_string_equal(a->summary, "Enforcement weakened: ucfence flush by uid 0 removed "
					"table inet ucfence");
	assert_string_equal(json_string_value(json_object_get(a->details, "by")), "ucfence flush");
	assert_string_equal(json_string_value(json_object_get(a->details, "scope")), "stopped");
	/* another event: another id; the same event: the same id */
	assert_int_equal(ucf_alert_enforcement(&b, "b1", 1700000000, UCF_ENF_STOPPED,
					       "ucfence flush by uid 0 removed table inet ucfence",
					       "ucfence flush", "1700000000123999", err, sizeof(err)), 0);
	assert_string_not_equal(a->id, b->id);
	ucf_alert_free(b);
	ucf_alert_free(a);
	assert_int_equal(ucf_alert_enforcement(&a, "b1", 1700000000, UCF_ENF_WEAKENED,
					       "reload (SIGHUP) removed services: sccp",
					       "reload (SIGHUP)", "k", err, sizeof(err)), 0);
	assert_string_equal(a->kind, "enforcement-weakened");
	assert_int_equal(a->severity, UCF_SEV_WARNING);
	ucf_alert_free(a);
	assert_int_equal(ucf_alert_enforcement(&a, "b1", 1700000000, UCF_ENF_RESTORED,
					       "agent started: the ruleset is enforced again",
					       "ucfence run", "k", err, sizeof(err)), 0);
	assert_string_equal(a->kind, "enforcement-restored");
	assert_int_equal(a->severity, UCF_SEV_INFO);
	assert_string_equal(a->summary, "Enforcement restored: agent started: the ruleset is "
					"enforced again");
	ucf_alert_free(a);
	assert_int_equal(ucf_alert_enforcement(&a, "b1", 0, UCF_ENF_WEAKENED, NULL, "x", "k", err,
					       sizeof(err)), -EINVAL);
}

static void test_agent_constructors(void **state)
{
	(void)state;
	struct ucf_alert *a, *b;
	struct ucf_violation v = { .source = "10.20.0.99", .source_mac = "aa:bb:cc:dd:ee:ff",
				   .interface = "eth1", .reason = "not-uc-service",
				   .protocol = "tcp", .port = 445, .packets = 1200,
				   .window_start = 1700000000, .window_end = 1700000060,
				   .dropped = true };
	assert_int_equal(ucf_alert_non_target(&a, "b1", 1700000061, &v, err, sizeof(err)), 0);
	assert_string_equal(a->kind, "non-target-on-uc-port");
	assert_int_equal(a->severity, UCF_SEV_WARNING);
	assert_non_null(strstr(a->summary, "1200 packets from 10.20.0.99 tcp/445 on eth1"));
	assert_int_equal(json_integer_value(json_object_get(a->details, "packets")), 1200);
	/* the same window later: same id; the next window: another */
	assert_int_equal(ucf_alert_non_target(&b, "b1", 1700000090, &v, err, sizeof(err)), 0);
	assert_string_equal(a->id, b->id);
	ucf_alert_free(b);
	v.window_start += 60;
	assert_int_equal(ucf_alert_non_target(&b, "b1", 1700000121, &v, err, sizeof(err)), 0);
	assert_string_not_equal(a->id, b->id);
	ucf_alert_free(a);
	ucf_alert_free(b);
	/* refused signalling: the same window shape, another kind and id */
	v.reason = "address-not-sender";
	v.protocol = "udp", v.port = 5060, v.packets = 3, v.dropped = false;
	assert_int_equal(ucf_alert_forged_signalling(&a, "b1", 1700000121, &v, err, sizeof(err)), 0);
	assert_string_equal(a->kind, "forged-signalling");
	assert_int_equal(a->severity, UCF_SEV_WARNING);
	assert_non_null(strstr(a->summary, "3 messages from 10.20.0.99 udp/5060 on eth1 "
					   "(address-not-sender): nothing was opened"));
	assert_string_equal(json_string_value(json_object_get(a->details, "reason")),
			    "address-not-sender");
	ucf_alert_free(a);
	/* cleartext signalling refused by require_encryption: its own kind,
	 * dropped or (monitor) only counted */
	v.reason = "cleartext-signalling";
	v.protocol = "udp", v.port = 5060, v.packets = 4, v.dropped = true;
	assert_int_equal(ucf_alert_cleartext_signalling_refused(&a, "b1", 1700000121, &v, err,
								sizeof(err)), 0);
	assert_string_equal(a->kind, "cleartext-signalling-refused");
	assert_int_equal(a->severity, UCF_SEV_WARNING);
	assert_string_equal(a->summary, "Cleartext signalling refused (encryption is required): "
					"4 packets from 10.20.0.99 udp/5060 on eth1 (cleartext-signalling)");
	assert_string_equal(json_string_value(json_object_get(a->details, "reason")),
			    "cleartext-signalling");
	assert_true(json_is_true(json_object_get(a->details, "dropped")));
	ucf_alert_non_target(&b, "b1", 1700000121, &v, err, sizeof(err));
	assert_string_not_equal(a->id, b->id); /* another kind, another id */
	ucf_alert_free(b);
	ucf_alert_free(a);
	v.dropped = false;
	assert_int_equal(ucf_alert_cleartext_signalling_refused(&a, "b1", 1700000121, &v, err,
								sizeof(err)), 0);
	assert_string_equal(a->summary, "Cleartext signalling (monitor mode, encryption is required): "
					"4 packets from 10.20.0.99 udp/5060 on eth1 (cleartext-signalling)");
	ucf_alert_free(a);
	/* a window's first packet at once, the rest in a follow-up: two ids */
	v.reason = "non-target-uc";
	v.packets = 1, v.dropped = true, v.followup = false;
	assert_int_equal(ucf_alert_non_target(&a, "b1", 1700000121, &v, err, sizeof(err)), 0);
	assert_non_null(strstr(a->summary, ": 1 packet from 10.20.0.99"));
	assert_true(json_is_false(json_object_get(a->details, "followup")));
	v.packets = 41, v.followup = true;
	assert_int_equal(ucf_alert_non_target(&b, "b1", 1700000131, &v, err, sizeof(err)), 0);
	assert_string_not_equal(a->id, b->id);
	assert_non_null(strstr(b->summary, ": 41 more packets from 10.20.0.99"));
	assert_true(json_is_true(json_object_get(b->details, "followup")));
	assert_int_equal(json_integer_value(json_object_get(b->details, "packets")), 41);
	assert_null(json_object_get(b->details, "destinations")); /* none given: no field */
	ucf_alert_free(a);
	ucf_alert_free(b);
	/* the appliance's traffic refused by destination: where it was going */
	static const char *const dests[] = { "198.51.100.80:443", "[2001:db8::80]:443" };
	v.reason = "non-target-appliance", v.source = "10.40.0.2", v.interface = "appl0";
	v.destinations = dests, v.ndestinations = 2, v.destinations_other = 7;
	assert_int_equal(ucf_alert_non_target(&a, "b1", 1700000131, &v, err, sizeof(err)), 0);
	assert_non_null(strstr(a->summary, "41 more packets from 10.40.0.2 udp/5060 to "
					   "198.51.100.80:443 and others on appl0"));
	json_t *dl = json_object_get(a->details, "destinations");
	assert_int_equal(json_array_size(dl), 2);
	assert_string_equal(json_string_value(json_array_get(dl, 1)), "[2001:db8::80]:443");
	assert_int_equal(json_integer_value(json_object_get(a->details, "destinations_other")), 7);
	ucf_alert_free(a);
	v.ndestinations = 1, v.destinations_other = 0;
	assert_int_equal(ucf_alert_non_target(&a, "b1", 1700000131, &v, err, sizeof(err)), 0);
	assert_non_null(strstr(a->summary, "to 198.51.100.80:443 on appl0"));
	ucf_alert_free(a);
	v.destinations = NULL, v.ndestinations = 0;
	v.source = "10.20.0.99", v.interface = "eth1";
	v.followup = false;
	v.reason = NULL;
	assert_int_equal(ucf_alert_non_target(&a, "b1", 0, &v, err, sizeof(err)), -EINVAL);
	assert_int_equal(ucf_alert_forged_signalling(&a, "b1", 0, &v, err, sizeof(err)), -EINVAL);
	assert_int_equal(ucf_alert_cleartext_signalling_refused(&a, "b1", 0, &v, err, sizeof(err)),
			 -EINVAL);

	/* once per endpoint per UTC day */
	assert_int_equal(ucf_alert_cleartext_sip(&a, "b1", 1700000000, "10.20.0.5", "eth1", "udp",
						 err, sizeof(err)), 0);
	assert_int_equal(ucf_alert_cleartext_sip(&b, "b1", 1700003600, "10.20.0.5", "eth1", "udp",
						 err, sizeof(err)), 0);
	assert_string_equal(a->id, b->id);
	ucf_alert_free(b);
	assert_int_equal(ucf_alert_cleartext_sip(&b, "b1", 1700000000 + 86400, "10.20.0.5", "eth1",
						 "udp", err, sizeof(err)), 0);
	assert_string_not_equal(a->id, b->id);
	assert_string_equal(json_string_value(json_object_get(a->details, "day")), "2023-11-14");
	ucf_alert_free(a);
	ucf_alert_free(b);
	assert_int_equal(ucf_alert_exposed_srtp_keys(&a, "b1", 1700000000, "10.20.0.6", "eth1",
						     "sip-udp", err, sizeof(err)), 0);
	assert_string_equal(a->kind, "exposed-srtp-keys");
	assert_non_null(strstr(a->summary, "over sip-udp"));
	ucf_alert_free(a);
	/* unencrypted RTP: informational, once per endpoint per UTC day, says its transport */
	assert_int_equal(ucf_alert_unencrypted_rtp(&a, "b1", 1700000000, "10.20.0.7", "eth1",
						   "udp", "RTP/AVP without SDES or DTLS", err,
						   sizeof(err)), 0);
	assert_int_equal(ucf_alert_unencrypted_rtp(&b, "b1", 1700003600, "10.20.0.7", "eth1",
						   "udp", NULL, err, sizeof(err)), 0);
	assert_string_equal(a->kind, "unencrypted-rtp");
	assert_int_equal(a->severity, UCF_SEV_INFO);
	assert_string_equal(a->id, b->id);
	assert_non_null(strstr(a->summary, "10.20.0.7 on eth1 over udp"));
	assert_string_equal(json_string_value(json_object_get(a->details, "transport")), "udp");
	assert_string_equal(json_string_value(json_object_get(a->details, "detail")),
			    "RTP/AVP without SDES or DTLS");
	assert_string_equal(json_string_value(json_object_get(a->details, "day")), "2023-11-14");
	ucf_alert_free(a);
	ucf_alert_free(b);
	assert_int_equal(ucf_alert_unencrypted_rtp(&a, "b1", 0, NULL, "eth1", "udp", NULL, err,
						   sizeof(err)), -EINVAL);

	assert_int_equal(ucf_alert_ruleset_tampered(&a, "b1", 1700000000, "table inet ucfence deleted",
						    250, err, sizeof(err)), 0);
	assert_int_equal(a->severity, UCF_SEV_CRITICAL);
	assert_non_null(strstr(a->summary, "restored in 250 ms"));
	ucf_alert_free(a);

	assert_int_equal(ucf_alert_monitoring(&a, "b1", 1700000300, true, 1700000000, 3, "HTTP 503",
					      err, sizeof(err)), 0);
	assert_int_equal(ucf_alert_monitoring(&b, "b1", 1700000900, false, 1700000000, 5, NULL,
					      err, sizeof(err)), 0);
	assert_string_equal(a->kind, "monitoring-degraded");
	assert_string_equal(b->kind, "monitoring-recovered");
	assert_string_not_equal(a->id, b->id);
	ucf_alert_free(a);
	ucf_alert_free(b);

	/* 403 on one source: one alert per source and refusal episode */
	assert_int_equal(ucf_alert_access_denied(&a, "b1", 1700000000, "events", "N_1",
						 "getNetworkEvents", 1700000000, "no access",
						 err, sizeof(err)), 0);
	assert_int_equal(ucf_alert_access_denied(&b, "b1", 1700000060, "events", "N_2",
						 "getNetworkEvents", 1700000000, NULL, err,
						 sizeof(err)), 0);
	assert_string_equal(a->kind, "watcher-access-denied");
	assert_int_equal(a->severity, UCF_SEV_WARNING);
	assert_non_null(strstr(a->summary, "events of network N_1 (getNetworkEvents, HTTP 403: no access)"));
	assert_string_equal(json_string_value(json_object_get(a->details, "operation_id")),
			    "getNetworkEvents");
	assert_null(json_object_get(b->details, "reason"));
	assert_string_not_equal(a->id, b->id);
	ucf_alert_free(a);
	ucf_alert_free(b);
	assert_int_equal(ucf_alert_access_denied(&a, "b1", 1700000000, NULL, NULL, "x", 1700000000,
						 NULL, err, sizeof(err)), -EINVAL);
}

static void expect_redacted(const char *in, int flags, const char *want)
{
	char *out = ucf_redact(in, flags);
	assert_non_null(out);
	assert_string_equal(out, want);
	free(out);
}

static void test_redaction(void **state)
{
	(void)state;
	int all = UCF_REDACT_URIS | UCF_REDACT_NUMBERS;
	expect_redacted("call from sip:alice@example.com today", all, "call from [redacted] today");
	expect_redacted("<SIPS:bob@pbx.local;transport=tls>", all, "<[redacted]>");
	expect_redacted("tel:+15551234567", UCF_REDACT_URIS, "[redacted]");
	expect_redacted("dial +1 (555) 123-4567 now", all, "dial [redacted] now");
	expect_redacted("ext 0049301234567", all, "ext [redacted]");
	expect_redacted("ext 0049301234567", UCF_REDACT_URIS, "ext 0049301234567");
	/* not numbers: addresses, ports, ids, serials, dates, short digit runs */
	expect_redacted("host 192.168.100.200 and port 5060", all, "host 192.168.100.200 and port 5060");
	expect_redacted("L_1234567890 N_24329156 Q2XX-ABCD-1234", all, "L_1234567890 N_24329156 Q2XX-ABCD-1234");
	expect_redacted("/api/v1/organizations/2930418/x", all, "/api/v1/organizations/2930418/x");
	expect_redacted("capture 2024-05-01", all, "capture 2024-05-01");
	expect_redacted("vlan 20 30 40", all, "vlan 20 30 40");
	expect_redacted("sipx:a the sip: alone", all, "sipx:a the sip: alone");
	expect_redacted("", all, "");
}

static void test_time(void **state)
{
	(void)state;
	int64_t t;
	char buf[UCF_TIME_LEN];
	assert_int_equal(ucf_time_parse("2018-02-11T00:00:00.090210Z", &t), 0);
	assert_int_equal(t, 1518307200);
	assert_int_equal(ucf_time_parse("2018-02-11T02:00:00+02:00", &t), 0);
	assert_int_equal(t, 1518307200);
	assert_int_equal(ucf_time_parse("2018-02-10t19:30:00-04:30", &t), 0);
	assert_int_equal(t, 1518307200);
	assert_int_equal(ucf_time_parse("2018-02-11 00:00:00z", &t), 0);
	assert_int_equal(ucf_time_parse("2018-02-31T00:00:00Z", &t), -EINVAL);
	assert_int_equal(ucf_time_parse("2018-02-11T00:00:00", &t), -EINVAL);
	assert_int_equal(ucf_time_parse("2018-02-11T00:00:00.Z", &t), -EINVAL);
	assert_int_equal(ucf_time_parse("2018-02-11T24:00:00Z", &t), -EINVAL);
	assert_int_equal(ucf_time_parse("startTs", &t), -EINVAL);
	assert_int_equal(ucf_time_parse("2018-02-11T00:00:00Zjunk", &t), -EINVAL);
	ucf_time_format(1518307200, buf);
	assert_string_equal(buf, "2018-02-11T00:00:00Z");
	for (int i = 0; i < 100; i++)
		assert_true(ucf_random_below(7) < 7);
}

/* capture-suspected: one per episode (id keyed on its start), its figures in
 * details; the same figures carried by a watcher's alert keep that alert's id. */
static void test_capture_suspected(void **state)
{
	(void)state;
	struct ucf_alert *a, *b, *c;
	struct ucf_upload_figures f = { .appliance = "198.51.100.2", .interface = "eth0",
					.started = 1700000000, .bytes = 15000000,
					.mean_bps = 4000000, .peak_bps = 5200000,
					.threshold_bps = 256000, .baseline_bps = 3000,
					.floor_bps = 256000, .multiple = 10, .sustain_s = 30 };
	assert_int_equal(ucf_alert_capture_suspected(&a, "b1", 1700000030, &f, err, sizeof(err)), 0);
	assert_string_equal(a->kind, UCF_KIND_CAPTURE_SUSPECTED);
	assert_int_equal(a->severity, UCF_SEV_WARNING);
	assert_non_null(strstr(a->summary, "198.51.100.2 has sent 4.0 Mbit/s (peak 5.2 Mbit/s)"));
	assert_non_null(strstr(a->summary, "above 256 kbit/s (its usual: 3 kbit/s)"));
	assert_non_null(strstr(a->summary, "a heuristic"));
	json_t *up = json_object_get(a->details, "upload");
	assert_int_equal(json_integer_value(json_object_get(up, "peak_bps")), 5200000);
	assert_int_equal(json_integer_value(json_object_get(up, "bytes")), 15000000);
	assert_string_equal(json_string_value(json_object_get(up, "started")), "2023-11-14T22:13:20Z");
	assert_true(json_is_null(json_object_get(up, "ended")));
	assert_true(json_is_true(json_object_get(a->details, "heuristic")));
	/* the same episode later: the same id; another episode: another */
	assert_int_equal(ucf_alert_capture_suspected(&b, "b1", 1700000090, &f, err, sizeof(err)), 0);
	assert_string_equal(a->id, b->id);
	ucf_alert_free(b);
	f.started += 3600;
	assert_int_equal(ucf_alert_capture_suspected(&b, "b1", 1700003630, &f, err, sizeof(err)), 0);
	assert_string_not_equal(a->id, b->id);
	ucf_alert_free(b);
	f.appliance = NULL;
	assert_int_equal(ucf_alert_capture_suspected(&b, "b1", 0, &f, err, sizeof(err)), -EINVAL);
	f.appliance = "198.51.100.2";
	f.started = 1700000000;

	/* carried by a watcher's capture alert */
	assert_int_equal(ucf_alert_new(&c, "b1", UCF_KIND_PACKET_CAPTURE, UCF_SEV_CRITICAL,
				       1700000100, "cap|1", "Packet capture on branch-mx", NULL, err,
				       sizeof(err)), 0);
	char id[UCF_ALERT_ID_LEN];
	memcpy(id, c->id, sizeof(id));
	f.ended = 1700000600;
	assert_int_equal(ucf_alert_add_upload(c, &f, err, sizeof(err)), 0);
	assert_string_equal(c->id, id);
	assert_true(json_is_true(json_object_get(c->details, "upload_observed")));
	up = json_object_get(c->details, "upload");
	assert_string_equal(json_string_value(json_object_get(up, "ended")), "2023-11-14T22:23:20Z");
	assert_string_equal(c->summary, "Packet capture on branch-mx; the appliance 198.51.100.2 "
					"uploaded up to 5.2 Mbit/s to the Meraki cloud from "
					"2023-11-14T22:13:20Z");
	ucf_alert_free(c);
	ucf_alert_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_id_stable_and_distinct),
		cmocka_unit_test(test_json_round_trip),
		cmocka_unit_test(test_invalid_alerts_refused),
		cmocka_unit_test(test_agent_constructors),
		cmocka_unit_test(test_enforcement_alerts),
		cmocka_unit_test(test_redaction),
		cmocka_unit_test(test_time),
		cmocka_unit_test(test_capture_suspected),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
