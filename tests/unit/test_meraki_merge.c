/* Unit tests for merging Dashboard findings into alerts: once per capture,
 * history before the horizon, status changes recorded, one alert for one
 * activity seen by several sources (now, later, or held until the window
 * passes), schedules created and enabled, ordering, severities, pruning. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "meraki.h"
#include "meraki_merge.h"
#include "statefile.h"

#define T0 1700000000

static char err[512];
static char notes[4096];

static void on_note(void *ctx, const char *text)
{
	(void)ctx;
	strncat(notes, text, sizeof(notes) - strlen(notes) - 2);
	strcat(notes, "\n");
}

static struct ucf_mmerge ctx_at(int64_t now)
{
	struct ucf_mmerge m = { .site = "b1", .org = "549236", .now = now, .window = 300,
				.keep = 2 * 86400, .primaries_complete = true };
	for (int i = 0; i < UCF_MS_COUNT; i++)
		m.horizon[i] = T0 - 86400;
	return m;
}

static json_t *capture(const char *id, int64_t ts, const char *admin, const char *status)
{
	return json_pack("{s:s, s:s, s:s, s:I, s:s, s:s, s:s, s:s, s:{s:s, s:s, s:{s:s}}}",
			 "source", "captures", "topic", "capture", "key", id, "ts", (json_int_t)ts,
			 "admin_id", admin, "network_id", "N_1", "serial", "Q-1", "status", status,
			 "details", "capture_id", id, "process", "manual", "admin", "name", "Alice");
}

static json_t *secondary(const char *source, const char *key, int64_t ts, const char *admin,
			 const char *topic)
{
	json_t *f = json_pack("{s:s, s:s, s:s, s:I, s:{s:s, s:i}}", "source", source, "topic",
			      topic, "key", key, "ts", (json_int_t)ts, "details", "source_ip",
			      "198.51.100.7", "response_code", 201);
	if (admin)
		json_object_set_new(f, "admin_id", json_string(admin));
	return f;
}

static json_t *schedule(const char *id, int64_t ts, bool enabled)
{
	return json_pack("{s:s, s:s, s:s, s:I, s:s, s:b, s:{s:s, s:b}}", "source", "schedules",
			 "topic", "schedule", "key", id, "ts", (json_int_t)ts, "admin_id", "100",
			 "enabled", enabled, "details", "schedule_id", id, "enabled", enabled);
}

/* Merges the findings (stolen) and returns the alerts. */
static struct ucf_alert_list merge(json_t *state, int64_t now, json_t *findings)
{
	struct ucf_alert_list out = { 0 };
	struct ucf_mmerge m = ctx_at(now);
	notes[0] = '\0';
	assert_int_equal(ucf_mmerge(state, &m, findings, &out, on_note, NULL, err, sizeof(err)), 0);
	json_decref(findings);
	return out;
}

static const char *detail(const struct ucf_alert *a, const char *k)
{
	return json_string_value(json_object_get(a->details, k));
}

static void test_capture_once_status_recorded(void **state)
{
	(void)state;
	json_t *st = ucf_mstate_new("549236");
	struct ucf_alert_list l = merge(st, T0, json_pack("[o, o]", capture("c1", T0 - 60, "100", "capturing"),
							  capture("c1", T0 - 60, "100", "capturing")));
	assert_int_equal(l.count, 1); /* the duplicate across pages is one */
	assert_string_equal(l.items[0]->kind, "packet-capture");
	assert_int_equal(l.items[0]->severity, UCF_SEV_CRITICAL);
	assert_string_equal(detail(l.items[0], "capture_id"), "c1");
	char id[UCF_ALERT_ID_LEN];
	strcpy(id, l.items[0]->id);
	ucf_alert_list_free(&l);
	l = merge(st, T0 + 60, json_pack("[o]", capture("c1", T0 - 60, "100", "completed")));
	assert_int_equal(l.count, 0);
	assert_non_null(strstr(notes, "capture c1: status capturing -> completed (recorded; already alerted)"));
	l = merge(st, T0 + 120, json_pack("[o]", capture("c1", T0 - 60, "100", "completed")));
	assert_int_equal(l.count, 0);
	assert_string_equal(notes, "");
	/* a fresh state gives the same id: the spool would drop it */
	json_t *st2 = ucf_mstate_new("549236");
	l = merge(st2, T0 + 500, json_pack("[o]", capture("c1", T0 - 60, "100", "completed")));
	assert_string_equal(l.items[0]->id, id);
	ucf_alert_list_free(&l);
	json_decref(st2);
	json_decref(st);
}

static void test_history_before_horizon(void **state)
{
	(void)state;
	json_t *st = ucf_mstate_new("549236");
	struct ucf_alert_list l = merge(st, T0, json_pack("[o, o, o]", capture("old", T0 - 2 * 86400, "100", "completed"),
							  secondary("apiRequests", "r-old", T0 - 3 * 86400, "100", "capture"),
							  schedule("s-old", T0 - 40 * 86400, true)));
	assert_int_equal(l.count, 0);
	assert_non_null(strstr(notes, "3 entries older than the horizon recorded as history"));
	l = merge(st, T0 + 60, json_pack("[o]", capture("old", T0 - 2 * 86400, "100", "completed")));
	assert_int_equal(l.count, 0);
	json_decref(st);
}

static void test_one_activity_many_sources(void **state)
{
	(void)state;
	json_t *st = ucf_mstate_new("549236");
	json_t *ev = secondary("events", "e1", T0 - 58, NULL, "capture");
	json_object_set_new(ev, "network_id", json_string("N_1"));
	json_object_set_new(ev, "serial", json_string("Q-1"));
	json_t *other_net = secondary("events", "e2", T0 - 58, NULL, "capture");
	json_object_set_new(other_net, "network_id", json_string("N_2"));
	struct ucf_alert_list l = merge(st, T0, json_pack("[o, o, o, o, o]",
		secondary("apiRequests", "r1", T0 - 59, "100", "capture"),
		capture("c1", T0 - 60, "100", "capturing"),
		secondary("configurationChanges", "cc1", T0 - 57, "100", "capture"), ev, other_net));
	/* c1 with r1, cc1 and e1; e2 is another network's: too old to hold? no:
	 * within the window it is held, not alerted */
	assert_int_equal(l.count, 1);
	json_t *srcs = json_object_get(l.items[0]->details, "sources");
	assert_int_equal(json_array_size(srcs), 4);
	assert_int_equal(json_array_size(json_object_get(l.items[0]->details, "api_requests")), 1);
	assert_int_equal(json_array_size(json_object_get(l.items[0]->details, "events")), 1);
	assert_int_equal(json_array_size(json_object_get(st, "pending")), 1); /* e2 */
	ucf_alert_list_free(&l);
	/* the same entries again: nothing (seen), and a late API log entry for
	 * the same activity is recorded against the alert */
	l = merge(st, T0 + 60, json_pack("[o, o, o]", secondary("apiRequests", "r1", T0 - 59, "100", "capture"),
					 capture("c1", T0 - 60, "100", "capturing"),
					 secondary("apiRequests", "r1-late", T0 - 30, "100", "capture")));
	assert_int_equal(l.count, 0);
	assert_non_null(strstr(notes, "apiRequests entry at 1699999970 matches alert"));
	json_decref(st);
}

static void test_closest_capture_wins(void **state)
{
	(void)state;
	json_t *st = ucf_mstate_new("549236");
	json_t *far = capture("far", T0 - 200, "100", "capturing");
	json_object_set_new(far, "network_id", json_string("N_9"));
	struct ucf_alert_list l = merge(st, T0, json_pack("[o, o, o]", far, capture("near", T0 - 20, "100", "capturing"),
							  secondary("apiRequests", "r", T0 - 19, "100", "capture")));
	assert_int_equal(l.count, 2);
	for (size_t i = 0; i < l.count; i++)
		assert_int_equal(json_object_get(l.items[i]->details, "api_requests") != NULL,
				 strcmp(detail(l.items[i], "capture_id"), "near") == 0);
	ucf_alert_list_free(&l);
	json_decref(st);
}

static void test_identities_must_agree(void **state)
{
	(void)state;
	json_t *st = ucf_mstate_new("549236");
	json_t *no_ids = secondary("configurationChanges", "cc", T0 - 900, NULL, "capture");
	struct ucf_alert_list l = merge(st, T0, json_pack("[o, o, o]", capture("c1", T0 - 900, "100", "capturing"),
							  secondary("apiRequests", "r2", T0 - 899, "200", "capture"),
							  no_ids));
	/* another admin's request is its own activity; an entry with no shared
	 * identity matches nothing: both alerted once the window has passed */
	assert_int_equal(l.count, 3);
	assert_string_equal(l.items[0]->kind, "packet-capture");
	int api = 0, cc = 0;
	for (size_t i = 0; i < l.count; i++) {
		api += strcmp(l.items[i]->kind, "capture-api-request") == 0;
		cc += strcmp(l.items[i]->kind, "capture-config-change") == 0;
	}
	assert_int_equal(api, 1);
	assert_int_equal(cc, 1);
	assert_null(json_object_get(l.items[0]->details, "api_requests"));
	ucf_alert_list_free(&l);
	json_decref(st);
}

static void test_held_then_merged_or_alerted(void **state)
{
	(void)state;
	json_t *st = ucf_mstate_new("549236");
	/* an API request before its capture is listed: held */
	struct ucf_alert_list l = merge(st, T0, json_pack("[o, o]", secondary("apiRequests", "r1", T0 - 10, "100", "capture"),
							  secondary("apiRequests", "r9", T0 - 10, "999", "capture")));
	assert_int_equal(l.count, 0);
	assert_int_equal(json_array_size(json_object_get(st, "pending")), 2);
	/* the capture shows up: one alert with the request; r9 still held */
	l = merge(st, T0 + 60, json_pack("[o]", capture("c1", T0 - 5, "100", "capturing")));
	assert_int_equal(l.count, 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(l.items[0]->details, "api_requests"), 0), "source_ip")),
			    "198.51.100.7");
	ucf_alert_list_free(&l);
	assert_int_equal(json_array_size(json_object_get(st, "pending")), 1);
	/* the window passes with no capture for r9: alerted on its own, once */
	l = merge(st, T0 + 400, json_array());
	assert_int_equal(l.count, 1);
	assert_string_equal(l.items[0]->kind, "capture-api-request");
	assert_int_equal(l.items[0]->severity, UCF_SEV_WARNING);
	assert_non_null(strstr(l.items[0]->summary, "no packet capture of this site matched it"));
	ucf_alert_list_free(&l);
	assert_int_equal(json_array_size(json_object_get(st, "pending")), 0);
	l = merge(st, T0 + 500, json_pack("[o]", secondary("apiRequests", "r9", T0 - 10, "999", "capture")));
	assert_int_equal(l.count, 0);
	json_decref(st);
}

static void test_nothing_alone_while_captures_unread(void **state)
{
	(void)state;
	json_t *st = ucf_mstate_new("549236");
	struct ucf_alert_list out = { 0 };
	struct ucf_mmerge m = ctx_at(T0);
	m.primaries_complete = false; /* the captures page failed this cycle */
	json_t *f = json_pack("[o]", secondary("apiRequests", "r", T0 - 1000, "100", "capture"));
	assert_int_equal(ucf_mmerge(st, &m, f, &out, NULL, NULL, err, sizeof(err)), 0);
	json_decref(f);
	assert_int_equal(out.count, 0);
	assert_int_equal(json_array_size(json_object_get(st, "pending")), 1);
	/* next cycle reads the captures: the request belongs to one */
	struct ucf_alert_list l = merge(st, T0 + 60, json_pack("[o]", capture("c", T0 - 1001, "100", "completed")));
	assert_int_equal(l.count, 1);
	assert_string_equal(l.items[0]->kind, "packet-capture");
	assert_non_null(json_object_get(l.items[0]->details, "api_requests"));
	ucf_alert_list_free(&l);
	json_decref(st);
}

static void test_unmatched_entries_grouped(void **state)
{
	(void)state;
	json_t *st = ucf_mstate_new("549236");
	struct ucf_alert_list l = merge(st, T0, json_pack("[o, o, o]",
		secondary("configurationChanges", "cc", T0 - 1000, "999", "capture"),
		secondary("apiRequests", "r", T0 - 1001, "999", "capture"),
		secondary("apiRequests", "r-sched", T0 - 1000, "999", "schedule")));
	assert_int_equal(l.count, 2); /* the capture activity (2 entries) and the schedule one */
	int grouped = 0;
	for (size_t i = 0; i < l.count; i++) {
		assert_string_equal(l.items[i]->kind, "capture-api-request"); /* led by the request */
		grouped += json_array_size(json_object_get(l.items[i]->details, "configuration_changes")) == 1;
	}
	assert_int_equal(grouped, 1);
	ucf_alert_list_free(&l);
	json_decref(st);
}

static void test_schedules(void **state)
{
	(void)state;
	json_t *st = ucf_mstate_new("549236");
	struct ucf_alert_list l = merge(st, T0, json_pack("[o, o]", schedule("s1", T0 - 100, true),
							  schedule("s2", T0 - 100, false)));
	assert_int_equal(l.count, 2);
	assert_int_equal(l.items[0]->severity, UCF_SEV_WARNING); /* s1, enabled */
	assert_int_equal(l.items[1]->severity, UCF_SEV_INFO);    /* s2, created disabled */
	assert_non_null(strstr(l.items[0]->summary, "created"));
	ucf_alert_list_free(&l);
	l = merge(st, T0 + 60, json_pack("[o, o]", schedule("s1", T0 - 100, true), schedule("s2", T0 + 50, true)));
	assert_int_equal(l.count, 1);
	assert_non_null(strstr(l.items[0]->summary, "enabled by"));
	char first[UCF_ALERT_ID_LEN];
	strcpy(first, l.items[0]->id);
	ucf_alert_list_free(&l);
	l = merge(st, T0 + 120, json_pack("[o]", schedule("s2", T0 + 100, false)));
	assert_int_equal(l.count, 0);
	assert_non_null(strstr(notes, "capture schedule s2 disabled (recorded)"));
	l = merge(st, T0 + 180, json_pack("[o]", schedule("s2", T0 + 170, true)));
	assert_int_equal(l.count, 1); /* enabled again, later: a new alert */
	assert_string_not_equal(l.items[0]->id, first);
	ucf_alert_list_free(&l);
	json_decref(st);
}

/* A follow-up (a download URL, a deletion) joins a capture alerted in the
 * same cycle, but one alerted in an earlier cycle does not swallow it: a
 * download of yesterday's capture is news of its own. */
static void test_follow_ups(void **state)
{
	(void)state;
	json_t *st = ucf_mstate_new("549236");
	json_t *create = secondary("apiRequests", "r1", T0 - 70, "100", "capture");
	json_t *dl = secondary("apiRequests", "r2", T0 - 50, "100", "capture");
	json_object_set_new(dl, "follow_up", json_true());
	json_object_set_new(json_object_get(dl, "details"), "action",
			    json_string("generated a download URL for a packet capture"));
	struct ucf_alert_list l = merge(st, T0, json_pack("[o, o, o]", capture("c1", T0 - 60, "100",
									       "capturing"),
							  create, dl));
	assert_int_equal(l.count, 1);
	assert_int_equal(json_array_size(json_object_get(l.items[0]->details, "api_requests")), 2);
	assert_non_null(strstr(l.items[0]->summary, ": generated a download URL for a packet capture"));
	ucf_alert_list_free(&l);
	/* later: a creation close to c1 is c1's, a follow-up is alerted (after the window) */
	create = secondary("apiRequests", "r3", T0 + 30, "100", "capture");
	dl = secondary("apiRequests", "r4", T0 + 40, "100", "capture");
	json_object_set_new(dl, "follow_up", json_true());
	json_object_set_new(json_object_get(dl, "details"), "operation_id",
			    json_string("deleteOrganizationDevicesPacketCaptureCapture"));
	json_object_set_new(json_object_get(dl, "details"), "action",
			    json_string("deleted a packet capture"));
	l = merge(st, T0 + 400, json_pack("[o, o]", create, dl));
	assert_int_equal(l.count, 1);
	assert_string_equal(l.items[0]->kind, "capture-api-request");
	assert_string_equal(detail(l.items[0], "operation_id"),
			    "deleteOrganizationDevicesPacketCaptureCapture");
	assert_non_null(strstr(l.items[0]->summary,
			       "deleteOrganizationDevicesPacketCaptureCapture (deleted a packet capture)"));
	assert_null(strstr(l.items[0]->summary, "no packet capture of this site matched"));
	assert_non_null(strstr(notes, "matches alert")); /* r3: recorded against c1 */
	ucf_alert_list_free(&l);
	json_decref(st);
}

static void test_order_severity_and_prune(void **state)
{
	(void)state;
	json_t *st = ucf_mstate_new("549236");
	json_t *auto_cap = capture("auto", T0 - 300, "100", "completed");
	json_object_set_new(json_object_get(auto_cap, "details"), "process", json_string("automatic"));
	struct ucf_alert_list l = merge(st, T0, json_pack("[o, o, o]", capture("late", T0 - 10, "100", "new"),
							  capture("early", T0 - 5000, "200", "new"), auto_cap));
	assert_int_equal(l.count, 3);
	assert_string_equal(detail(l.items[0], "capture_id"), "early");
	assert_string_equal(detail(l.items[1], "capture_id"), "auto");
	assert_string_equal(detail(l.items[2], "capture_id"), "late");
	assert_int_equal(l.items[1]->severity, UCF_SEV_WARNING); /* Meraki started it */
	ucf_alert_list_free(&l);
	/* three days on, nothing listed them again: forgotten */
	l = merge(st, T0 + 3 * 86400, json_array());
	assert_int_equal(json_object_size(json_object_get(st, "captures")), 0);
	assert_int_equal(json_array_size(json_object_get(st, "activities")), 0);
	json_decref(st);
}

/* A state with one entry of each kind before T0 - 3600 and one after. */
static json_t *aged_state(void)
{
	json_t *st = json_pack(
		"{s:i, s:s, s:{s:I}, s:{s:{s:I, s:s}, s:{s:I, s:s}}, s:{s:{s:I}, s:{s:I}},"
		" s:{s:I, s:I}, s:[{s:I, s:s}, {s:I, s:s}], s:[{s:I, s:s, s:s}, {s:I, s:s, s:s}],"
		" s:{}, s:{}}",
		"version", 1, "organization_id", "549236", "cursors", "captures", (json_int_t)T0,
		"captures", "c-old", "ts", (json_int_t)(T0 - 7200), "alert", "a1", "c-new", "ts",
		(json_int_t)T0, "alert", "a2", "schedules", "s-old", "ts", (json_int_t)(T0 - 7200),
		"s-new", "ts", (json_int_t)T0, "seen", "k-old", (json_int_t)(T0 - 7200), "k-new",
		(json_int_t)T0, "activities", "ts", (json_int_t)(T0 - 7200), "admin_id", "100", "ts",
		(json_int_t)T0, "admin_id", "101", "pending", "ts", (json_int_t)(T0 - 7200),
		"admin_id", "100", "key", "p-old", "ts", (json_int_t)T0, "admin_id", "101", "key",
		"p-new", "event_types", "health");
	assert_non_null(st);
	return st;
}

static void assert_only_new(const json_t *st)
{
	const json_t *c = json_object_get(st, "captures"), *sc = json_object_get(st, "schedules"),
		     *seen = json_object_get(st, "seen"), *act = json_object_get(st, "activities"),
		     *pend = json_object_get(st, "pending");
	assert_int_equal(json_object_size(c), 1);
	assert_non_null(json_object_get(c, "c-new"));
	assert_int_equal(json_object_size(sc), 1);
	assert_non_null(json_object_get(sc, "s-new"));
	assert_int_equal(json_object_size(seen), 1);
	assert_non_null(json_object_get(seen, "k-new"));
	assert_int_equal(json_array_size(act), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(act, 0), "admin_id")),
			    "101");
	assert_int_equal(json_array_size(pend), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(pend, 0), "key")),
			    "p-new");
	/* where the watcher stands is no one's data: it stays */
	assert_int_equal(json_integer_value(json_object_get(json_object_get(st, "cursors"),
							    "captures")), T0);
}

/* alerts.retention bounds the watcher's memory: every entry older than it
 * (captures, schedules, ids seen, activities with their admin ids, entries
 * held for correlation) goes, in memory and in STATE_DIR/meraki-state.json. */
static void test_state_retention(void **state)
{
	(void)state;
	json_t *st = aged_state();
	assert_int_equal(ucf_mstate_prune(st, T0 - 3600), 5);
	assert_only_new(st);
	assert_int_equal(ucf_mstate_prune(st, T0 - 3600), 0);
	json_decref(st);

	char dir[] = "/tmp/ucf-mstate-XXXXXX", path[64];
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/meraki-state.json", dir);
	size_t removed = 99;
	/* no state yet: nothing to do */
	assert_int_equal(ucf_meraki_state_prune(dir, T0 - 3600, &removed, err, sizeof(err)), 0);
	assert_int_equal(removed, 0);
	st = aged_state();
	assert_int_equal(ucf_json_save(path, st, 0600, err, sizeof(err)), 0);
	json_decref(st);
	assert_int_equal(ucf_meraki_state_prune(dir, T0 - 3600, &removed, err, sizeof(err)), 0);
	assert_int_equal(removed, 5);
	assert_int_equal(ucf_json_load(path, &st, err, sizeof(err)), 0);
	assert_only_new(st);
	json_decref(st);
	struct stat sb;
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_capture_once_status_recorded),
		cmocka_unit_test(test_history_before_horizon),
		cmocka_unit_test(test_one_activity_many_sources),
		cmocka_unit_test(test_closest_capture_wins),
		cmocka_unit_test(test_identities_must_agree),
		cmocka_unit_test(test_held_then_merged_or_alerted),
		cmocka_unit_test(test_nothing_alone_while_captures_unread),
		cmocka_unit_test(test_unmatched_entries_grouped),
		cmocka_unit_test(test_schedules),
		cmocka_unit_test(test_order_severity_and_prune),
		cmocka_unit_test(test_follow_ups),
		cmocka_unit_test(test_state_retention),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
