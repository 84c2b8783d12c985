/* Unit tests for the Alertmanager sink: the v2 body exactly as Alertmanager's
 * postableAlerts schema has it (labels, annotations, startsAt, endsAt and
 * nothing else), endsAt for one-shot findings posted on time and late, the
 * description's bound, the post URL, log origins and file names; and,
 * through the feed, one durable queue per peer (each holds every alert, in
 * order, across a restart), a reload that adds and removes peers, and
 * retention and erasure of every peer's files, configured or left behind. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alertmanager.h"
#include "feed.h"
#include "statefile.h"
#include "timefmt.h"

static char dir[64], spool[128], err[512];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/ucf-am-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(spool, sizeof(spool), "%s/alerts.jsonl", dir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd);
}

#define T0 1700000000 /* 2023-11-14T22:13:20Z */

static struct ucf_alert *capture_alert(const char *key, int64_t t, json_t *details)
{
	struct ucf_alert *a;
	assert_int_equal(ucf_alert_new(&a, "branch-017", "packet-capture", UCF_SEV_CRITICAL, t, key,
				       "Packet capture c1 started by Bob Builder", details, err,
				       sizeof(err)),
			 0);
	return a;
}

/* The keys of an object, sorted, joined with ','. */
static void keys_of(const json_t *obj, char *out, size_t outlen)
{
	const char *names[16];
	size_t n = 0;
	const char *k;
	json_t *v;
	json_object_foreach ((json_t *)obj, k, v)
		if (n < 16)
			names[n++] = k;
	for (size_t i = 1; i < n; i++) /* insertion sort: a handful of keys */
		for (size_t j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
			const char *t = names[j];
			names[j] = names[j - 1];
			names[j - 1] = t;
		}
	out[0] = '\0';
	for (size_t i = 0; i < n; i++)
		snprintf(out + strlen(out), outlen - strlen(out), "%s%s", i ? "," : "", names[i]);
}

static void test_payload_is_postable_alerts(void **state)
{
	(void)state;
	struct ucf_alert *a = capture_alert("c1", T0, json_pack("{s:s}", "capture_id", "c1"));
	char *body = ucf_alertmanager_payload(a, 3600, T0 + 5);
	assert_non_null(body);
	json_error_t je;
	json_t *doc = json_loads(body, 0, &je);
	assert_non_null(doc);
	/* postableAlerts: an array of postableAlert */
	assert_true(json_is_array(doc));
	assert_int_equal(json_array_size(doc), 1);
	json_t *pa = json_array_get(doc, 0);
	char keys[256];
	keys_of(pa, keys, sizeof(keys));
	assert_string_equal(keys, "annotations,endsAt,labels,startsAt");
	/* labels: a LabelSet of strings; alertname is the kind */
	json_t *labels = json_object_get(pa, "labels");
	keys_of(labels, keys, sizeof(keys));
	assert_string_equal(keys, "alert_id,alertname,severity,site");
	assert_string_equal(json_string_value(json_object_get(labels, "alertname")),
			    "packet-capture");
	assert_string_equal(json_string_value(json_object_get(labels, "severity")), "critical");
	assert_string_equal(json_string_value(json_object_get(labels, "site")), "branch-017");
	assert_string_equal(json_string_value(json_object_get(labels, "alert_id")), a->id);
	/* the id is the alert's, derived from kind, site and key: the same
	 * finding seen by another collector has the same label set */
	char id[UCF_ALERT_ID_LEN];
	ucf_alert_id("packet-capture", "branch-017", "c1", id);
	assert_string_equal(a->id, id);
	json_t *ann = json_object_get(pa, "annotations");
	keys_of(ann, keys, sizeof(keys));
	assert_string_equal(keys, "description,summary");
	assert_string_equal(json_string_value(json_object_get(ann, "summary")),
			    "Packet capture c1 started by Bob Builder");
	const char *desc = json_string_value(json_object_get(ann, "description"));
	assert_non_null(strstr(desc, "critical packet-capture at site branch-017, raised "
				     "2023-11-14T22:13:20Z by ucfence (alert "));
	assert_non_null(strstr(desc, "Details: {\"capture_id\":\"c1\"}"));
	/* date-time strings; endsAt: posted (T0+5) + resolve_after */
	assert_string_equal(json_string_value(json_object_get(pa, "startsAt")),
			    "2023-11-14T22:13:20Z");
	assert_string_equal(json_string_value(json_object_get(pa, "endsAt")),
			    "2023-11-14T23:13:25Z");
	json_decref(doc);
	free(body);
	ucf_alert_free(a);
}

static const char *ends_at(const struct ucf_alert *a, uint64_t resolve_after, int64_t now,
			   char out[UCF_TIME_LEN])
{
	char *body = ucf_alertmanager_payload(a, resolve_after, now);
	json_t *doc = json_loads(body, 0, NULL);
	assert_non_null(doc);
	snprintf(out, UCF_TIME_LEN, "%s",
		 json_string_value(json_object_get(json_array_get(doc, 0), "endsAt")));
	json_decref(doc);
	free(body);
	return out;
}

/* A one-shot finding fires for resolve_after from when it is posted: one
 * posted late (its peer was down for two hours) still fires; a clock that
 * runs behind the alert's time does not shorten it. */
static void test_ends_at(void **state)
{
	(void)state;
	struct ucf_alert *a = capture_alert("c1", T0, NULL);
	char buf[UCF_TIME_LEN], want[UCF_TIME_LEN];
	ucf_time_format(T0 + 3600, want);
	assert_string_equal(ends_at(a, 3600, T0, buf), want);
	ucf_time_format(T0 + 60, want);
	assert_string_equal(ends_at(a, 60, T0 - 30, buf), want);
	ucf_time_format(T0 + 7200 + 1800, want);
	assert_string_equal(ends_at(a, 1800, T0 + 7200, buf), want);
	/* startsAt stays the finding's time */
	char *body = ucf_alertmanager_payload(a, 1800, T0 + 7200);
	assert_non_null(strstr(body, "\"startsAt\":\"2023-11-14T22:13:20Z\""));
	free(body);
	ucf_alert_free(a);
}

/* Huge details: the description stays within 4 KiB, cut on a character
 * boundary (the body is valid UTF-8 JSON) and marked as cut. */
static void test_description_bounded(void **state)
{
	(void)state;
	char big[9000];
	size_t n = 0;
	while (n + 2 < sizeof(big) - 1) { /* "é" is two bytes: any cut may split one */
		memcpy(big + n, "\xc3\xa9", 2);
		n += 2;
	}
	big[n] = '\0';
	for (int shift = 0; shift < 2; shift++) {
		struct ucf_alert *a = capture_alert("big", T0,
						    json_pack("{s:s}", shift ? "x" : "xy", big));
		char *body = ucf_alertmanager_payload(a, 3600, T0);
		assert_non_null(body); /* jansson refuses invalid UTF-8 */
		json_t *doc = json_loads(body, 0, NULL);
		assert_non_null(doc);
		const char *desc = json_string_value(json_object_get(
			json_object_get(json_array_get(doc, 0), "annotations"), "description"));
		assert_true(strlen(desc) < 4096);
		assert_true(strlen(desc) > 4000);
		assert_string_equal(desc + strlen(desc) - 6, " [...]");
		json_decref(doc);
		free(body);
		ucf_alert_free(a);
	}
}

static void test_urls_and_files(void **state)
{
	(void)state;
	char out[128];
	assert_int_equal(ucf_alertmanager_post_url("http://127.0.0.1:9093", out, sizeof(out)), 0);
	assert_string_equal(out, "http://127.0.0.1:9093/api/v2/alerts");
	assert_int_equal(ucf_alertmanager_post_url("https://am.example/prefix//", out, sizeof(out)),
			 0);
	assert_string_equal(out, "https://am.example/prefix/api/v2/alerts");
	assert_int_equal(ucf_alertmanager_post_url("https://am.example", out, 20), -ENAMETOOLONG);
	/* logs: scheme and host only, never the path */
	ucf_alertmanager_origin("https://am.example:9443/secret-prefix/", out, sizeof(out));
	assert_string_equal(out, "https://am.example:9443");
	ucf_alertmanager_origin("https://am.example/x", out, sizeof(out));
	assert_string_equal(out, "https://am.example");
	ucf_alertmanager_origin("::", out, sizeof(out));
	assert_string_equal(out, "?");
	char q1[UCF_AM_FILE_LEN], d1[UCF_AM_FILE_LEN], q2[UCF_AM_FILE_LEN], d2[UCF_AM_FILE_LEN];
	ucf_alertmanager_files("http://127.0.0.1:9093", q1, d1);
	ucf_alertmanager_files("http://127.0.0.1:9094", q2, d2);
	assert_string_not_equal(q1, q2);
	assert_int_equal(fnmatch(UCF_AM_QUEUE_FILES, q1, 0), 0);
	assert_int_equal(fnmatch(UCF_AM_DEAD_FILES, d1, 0), 0);
	assert_int_not_equal(fnmatch(UCF_AM_QUEUE_FILES, d1, 0), 0);
	ucf_alertmanager_files("http://127.0.0.1:9093", q2, d2); /* stable */
	assert_string_equal(q1, q2);
	assert_string_equal(d1, d2);
}

/* ---- through the feed ----------------------------------------------------- */

/* Two peers where nothing listens (discard, and port 1). */
#define PEER1 "http://127.0.0.1:9"
#define PEER2 "http://127.0.0.1:1/"

static char *peer_urls[2] = { PEER1, PEER2 };

static void base_cfg(struct ucf_config *cfg, size_t peers)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->site.name = "branch-017";
	cfg->state_dir = dir;
	cfg->alerts.spool = spool;
	cfg->alerts.retention_s = 3600;
	cfg->alerts.alertmanager.urls = (struct ucf_string_list){ peer_urls, peers };
	cfg->alerts.alertmanager.resolve_after_s = 3600;
}

/* The alert ids in a peer's queue file, in order; -1 without the file. */
static int peer_ids(const char *url, bool dead_file, char ids[][UCF_ALERT_ID_LEN], int max)
{
	char q[UCF_AM_FILE_LEN], d[UCF_AM_FILE_LEN], path[256], *buf;
	size_t len;
	ucf_alertmanager_files(url, q, d);
	snprintf(path, sizeof(path), "%s/%s", dir, dead_file ? d : q);
	if (ucf_read_file(path, 1 << 20, &buf, &len, err, sizeof(err)) < 0)
		return -1;
	int n = 0;
	for (char *p = buf; n < max && (p = strstr(p, "\"id\":\"")); p += 6)
		snprintf(ids[n++], UCF_ALERT_ID_LEN, "%.32s", p + 6);
	free(buf);
	return n;
}

static void settle(struct ucf_reactor *r, struct ucf_feed *f)
{
	while (ucf_feed_busy(f))
		assert_true(ucf_reactor_dispatch(r, 5000) >= 0);
}

static void test_queue_per_peer(void **state)
{
	(void)state;
	struct ucf_config cfg;
	base_cfg(&cfg, 2);
	struct ucf_reactor *r;
	struct ucf_http *h;
	struct ucf_feed *f;
	struct ucf_log quiet;
	FILE *logf = tmpfile();
	assert_non_null(logf);
	ucf_log_init(&quiet, "ucfence", logf);
	assert_int_equal(ucf_reactor_new(&r, err, sizeof(err)), 0);
	assert_int_equal(ucf_http_new(&h, r, err, sizeof(err)), 0);
	assert_int_equal(ucf_feed_open(&f, &cfg, r, h, &quiet, err, sizeof(err)), 0);
	struct ucf_alert *a[3];
	json_t *details[3] = { json_pack("{s:s}", "source", "10.0.0.1"),
			       json_pack("{s:s}", "source", "10.0.0.2"),
			       json_pack("{s:s}", "source", "10.0.0.1") };
	for (int i = 0; i < 3; i++) {
		char key[8];
		snprintf(key, sizeof(key), "k%d", i);
		a[i] = capture_alert(key, ucf_time_now() - 10 + i, details[i]);
		assert_int_equal(ucf_feed_publish(f, a[i], err, sizeof(err)), 1);
	}
	assert_int_equal(ucf_feed_publish(f, a[0], err, sizeof(err)), 0); /* raised once */
	settle(r, f);
	/* each peer: every alert, in order, once; none delivered (both down) */
	const struct ucf_alertmanager *am = ucf_feed_alertmanager(f);
	assert_int_equal(ucf_alertmanager_peer_count(am), 2);
	for (size_t p = 0; p < 2; p++) {
		struct ucf_sendq_stats st;
		const char *name = ucf_alertmanager_peer(am, p, &st);
		assert_string_equal(name, p ? "alertmanager http://127.0.0.1:1"
					    : "alertmanager http://127.0.0.1:9");
		assert_int_equal(st.queued, 3);
		assert_int_equal(st.delivered, 0);
		char ids[4][UCF_ALERT_ID_LEN];
		assert_int_equal(peer_ids(peer_urls[p], false, ids, 4), 3);
		for (int i = 0; i < 3; i++)
			assert_string_equal(ids[i], a[i]->id);
	}
	/* logs name the peer by scheme and host, and never the path */
	fflush(logf);
	char logged[4096] = "";
	rewind(logf);
	size_t got = fread(logged, 1, sizeof(logged) - 1, logf);
	logged[got] = '\0';
	assert_non_null(strstr(logged, "alertmanager http://127.0.0.1:1: alert "));
	assert_null(strstr(logged, "/api/v2"));
	ucf_feed_close(f);

	/* a restart: each queue is read back whole */
	assert_int_equal(ucf_feed_open(&f, &cfg, r, h, &quiet, err, sizeof(err)), 0);
	for (size_t p = 0; p < 2; p++) {
		struct ucf_sendq_stats st;
		ucf_alertmanager_peer(ucf_feed_alertmanager(f), p, &st);
		assert_int_equal(st.queued, 3);
	}
	/* a reload without PEER2: its file stays on disk, and a new alert goes
	 * to PEER1 alone */
	struct ucf_config one;
	base_cfg(&one, 1);
	settle(r, f);
	assert_int_equal(ucf_feed_reconfigure(f, &one, err, sizeof(err)), 0);
	assert_int_equal(ucf_alertmanager_peer_count(ucf_feed_alertmanager(f)), 1);
	/* PEER1 stays as it was: its backoff runs on, nothing is sent now */
	assert_false(ucf_feed_busy(f));
	/* a new resolve_after is PEER1's new destination: sent with it at once */
	one.alerts.alertmanager.resolve_after_s = 7200;
	assert_int_equal(ucf_feed_reconfigure(f, &one, err, sizeof(err)), 0);
	assert_true(ucf_feed_busy(f));
	struct ucf_alert *b = capture_alert("k3", ucf_time_now(), NULL);
	assert_int_equal(ucf_feed_publish(f, b, err, sizeof(err)), 1);
	settle(r, f);
	char ids[5][UCF_ALERT_ID_LEN];
	assert_int_equal(peer_ids(PEER1, false, ids, 5), 4);
	assert_string_equal(ids[3], b->id);
	assert_int_equal(peer_ids(PEER2, false, ids, 5), 3);

	/* erasure reaches both: the configured peer (memory and file) and the
	 * file the removed one left */
	struct ucf_erase_target t;
	assert_int_equal(ucf_erase_parse("10.0.0.1", &t, err, sizeof(err)), 0);
	struct ucf_feed_erased fe;
	assert_int_equal(ucf_feed_erase(f, &t, &fe, err, sizeof(err)), 0);
	assert_int_equal(fe.alertmanager_queue, 4); /* two in each */
	assert_int_equal(peer_ids(PEER1, false, ids, 5), 2);
	assert_string_equal(ids[0], a[1]->id);
	assert_string_equal(ids[1], b->id);
	assert_int_equal(peer_ids(PEER2, false, ids, 5), 1);
	assert_string_equal(ids[0], a[1]->id);
	struct ucf_sendq_stats st;
	ucf_alertmanager_peer(ucf_feed_alertmanager(f), 0, &st);
	assert_int_equal(st.queued, 2);
	json_t *counts = ucf_feed_erased_json(&fe);
	assert_int_equal(json_integer_value(json_object_get(counts, UCF_AM_QUEUE_FILES)), 4);
	assert_int_equal(json_integer_value(json_object_get(counts, UCF_AM_DEAD_FILES)), 0);
	json_decref(counts);

	/* retention: queued alerts past it are dropped from both */
	assert_int_equal(ucf_feed_prune_at(f, ucf_time_now() + 3600 + 60, err, sizeof(err)), 0);
	assert_int_equal(peer_ids(PEER1, false, ids, 5), 0);
	assert_int_equal(peer_ids(PEER2, false, ids, 5), 0);
	ucf_alertmanager_peer(ucf_feed_alertmanager(f), 0, &st);
	assert_int_equal(st.queued, 0);
	assert_int_equal(st.expired, 2);

	/* PEER2 back: what it kept on disk is its queue again; a purge empties
	 * every file */
	struct ucf_alert *c = capture_alert("k4", ucf_time_now(), NULL);
	assert_int_equal(ucf_feed_publish(f, c, err, sizeof(err)), 1);
	assert_int_equal(ucf_feed_reconfigure(f, &cfg, err, sizeof(err)), 0);
	assert_int_equal(ucf_alertmanager_peer_count(ucf_feed_alertmanager(f)), 2);
	struct ucf_alert *d = capture_alert("k5", ucf_time_now(), NULL);
	assert_int_equal(ucf_feed_publish(f, d, err, sizeof(err)), 1);
	settle(r, f);
	assert_int_equal(peer_ids(PEER1, false, ids, 5), 2);
	assert_int_equal(peer_ids(PEER2, false, ids, 5), 1); /* it was away for k4 */
	assert_string_equal(ids[0], d->id);
	assert_int_equal(ucf_feed_erase(f, NULL, &fe, err, sizeof(err)), 0);
	assert_int_equal(fe.alertmanager_queue, 3);
	assert_int_equal(peer_ids(PEER1, false, ids, 5), 0);
	assert_int_equal(peer_ids(PEER2, false, ids, 5), 0);

	ucf_feed_close(f);
	for (int i = 0; i < 3; i++)
		ucf_alert_free(a[i]);
	ucf_alert_free(b);
	ucf_alert_free(c);
	ucf_alert_free(d);
	ucf_http_free(h);
	ucf_reactor_free(r);
	fclose(logf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_payload_is_postable_alerts),
		cmocka_unit_test(test_ends_at),
		cmocka_unit_test(test_description_bounded),
		cmocka_unit_test(test_urls_and_files),
		cmocka_unit_test(test_queue_per_peer),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
