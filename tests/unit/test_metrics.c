/* Unit tests for the Prometheus text file, rendered from a status record. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <regex.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "metrics.h"
#include "status.h"
#include "status_fixture.h"

/* The text holds line as a whole line. */
static void assert_line(const char *text, const char *line)
{
	size_t n = strlen(line);
	for (const char *p = text; (p = strstr(p, line)); p++)
		if ((p == text || p[-1] == '\n') && p[n] == '\n')
			return;
	fail_msg("no line '%s' in:\n%s", line, text);
}

/* The text holds the sample "name value". */
static void assert_sample(const char *text, const char *name, unsigned long long v)
{
	char line[256];
	snprintf(line, sizeof(line), "%s %llu", name, v);
	assert_line(text, line);
}

static unsigned count_lines(const char *text, const char *line)
{
	unsigned n = 0;
	size_t len = strlen(line);
	for (const char *p = text; (p = strstr(p, line)); p++)
		if ((p == text || p[-1] == '\n') && p[len] == '\n')
			n++;
	return n;
}

/* Every sample's family has one HELP and one TYPE line, before it. */
static void assert_well_formed(const char *text)
{
	const char *p = text;
	unsigned samples = 0;
	while (*p) {
		const char *eol = strchr(p, '\n');
		assert_non_null(eol); /* every line ends */
		if (*p != '#') {
			char name[128], want[160];
			size_t n = strcspn(p, "{ ");
			assert_true(n < sizeof(name));
			memcpy(name, p, n);
			name[n] = '\0';
			/* a summary's _sum and _count belong to its family */
			char *suffix = strstr(name, "_seconds_");
			if (suffix)
				suffix[strlen("_seconds")] = '\0';
			const char *type = NULL;
			snprintf(want, sizeof(want), "# TYPE %s ", name);
			for (const char *q = text; q < p && (q = strstr(q, want)); q++)
				if (q < p)
					type = q;
			if (!type)
				fail_msg("sample of %s without a TYPE line before it", name);
			snprintf(want, sizeof(want), "# HELP %s ", name);
			const char *help = strstr(text, want);
			assert_true(help && help < p);
			assert_null(strstr(help + 1, want)); /* only one */
			samples++;
		}
		p = eol + 1;
	}
	assert_true(samples > 30);
}

static void test_render_from_status(void **state)
{
	(void)state;
	struct ucf_status s;
	assert_int_equal(status_fixture(&s), 0);
	char *text = ucf_metrics_render(&s);
	assert_non_null(text);
	assert_well_formed(text);
	assert_line(text, "ucfence_info{site=\"b17\",mode=\"appliance\"} 1");
	for (int i = 0; i < UCF_REASON_COUNT; i++) {
		char line[160];
		snprintf(line, sizeof(line), "ucfence_dropped_packets_total{reason=\"%s\"} %llu",
			 ucf_reason_name((enum ucf_reason)i), (unsigned long long)s.drops[i].packets);
		assert_line(text, line);
		snprintf(line, sizeof(line), "ucfence_dropped_bytes_total{reason=\"%s\"} %llu",
			 ucf_reason_name((enum ucf_reason)i), (unsigned long long)s.drops[i].bytes);
		assert_line(text, line);
	}
	assert_sample(text, "ucfence_media_pinholes", s.media.active);
	assert_sample(text, "ucfence_media_learned_total", s.media.learned_total);
	char line[160];
	snprintf(line, sizeof(line), "ucfence_pinhole_latency_seconds{quantile=\"0.5\"} %.6f",
		 s.media.latency.median_us / 1e6);
	assert_line(text, line);
	snprintf(line, sizeof(line), "ucfence_pinhole_latency_seconds{quantile=\"0.99\"} %.6f",
		 s.media.latency.p99_us / 1e6);
	assert_line(text, line);
	snprintf(line, sizeof(line), "ucfence_pinhole_latency_seconds_sum %.6f",
		 s.media.latency.sum_us / 1e6);
	assert_line(text, line);
	assert_sample(text, "ucfence_pinhole_latency_seconds_count", s.media.latency.total);
	for (int i = 1; i < UCF_REFUSE_COUNT; i++) {
		snprintf(line, sizeof(line), "ucfence_learning_refused_total{reason=\"%s\"} %llu",
			 ucf_refusal_name((enum ucf_refusal)i),
			 (unsigned long long)s.learning.refused_by_reason[i]);
		assert_line(text, line);
	}
	assert_int_equal(count_lines(text, "ucfence_learning_refused_total{reason=\"none\"} 0"), 0);
	assert_sample(text, "ucfence_blocked_flows_total", s.verdicts.blocked);
	assert_sample(text, "ucfence_flows", s.flows.active);
	assert_sample(text, "ucfence_frames_total", s.flows.frames);
	assert_sample(text, "ucfence_malformed_frames_total", s.flows.malformed);
	assert_sample(text, "ucfence_alerts_total", s.alerts.raised);
	assert_sample(text, "ucfence_appliance_upload_bytes_total", s.upload.counter_bytes);
	assert_sample(text, "ucfence_appliance_upload_bits_per_second", s.upload.rate_bps);
	assert_sample(text, "ucfence_appliance_upload_baseline_bits_per_second", s.upload.baseline_bps);
	assert_sample(text, "ucfence_appliance_upload_threshold_bits_per_second", s.upload.threshold_bps);
	assert_sample(text, "ucfence_appliance_upload_episode", 1);
	assert_sample(text, "ucfence_appliance_upload_episodes_total", s.upload.episodes);
	assert_sample(text, "ucfence_tamper_restores_total", s.tamper.restores);
	assert_sample(text, "ucfence_config_reload_failures_total", s.config.reload_failures);
	assert_sample(text, "ucfence_uptime_seconds", (unsigned long long)s.uptime_s);
	/* the AutoVPN peers and appliance.open: figures only */
	assert_sample(text, "ucfence_vpn_peers_configured", s.vpn_peers.configured);
	assert_sample(text, "ucfence_vpn_peers_learned", s.vpn_peers.learned);
	assert_sample(text, "ucfence_vpn_peers_refused_total", s.vpn_peers.refused);
	assert_sample(text, "ucfence_vpn_peers_over_cap_total", s.vpn_peers.over_cap);
	assert_sample(text, "ucfence_vpn_peers_last_fetch_timestamp_seconds", 1700000100);
	assert_sample(text, "ucfence_vpn_peers_last_fetch_failed", 1);
	assert_sample(text, "ucfence_vpn_peers_fetch_failures_total", s.vpn_peers.fetch_failures);
	assert_sample(text, "ucfence_open_hosts", s.open.hosts);
	assert_sample(text, "ucfence_open_resolved_addresses", s.open.resolved);
	assert_sample(text, "ucfence_open_resolve_failures_total", s.open.resolve_failures);
	assert_sample(text, "ucfence_open_refused_addresses_total", s.open.refused);
	/* the classifier's reassembly buffers */
	assert_sample(text, "ucfence_stream_buffer_bytes", s.streams.bytes);
	assert_sample(text, "ucfence_stream_buffer_peak_bytes", s.streams.bytes_peak);
	assert_sample(text, "ucfence_stream_buffer_budget_bytes", s.streams.budget);
	assert_sample(text, "ucfence_stream_buffers_evicted_total", s.streams.evicted);
	assert_sample(text, "ucfence_stream_messages_refused_total", s.streams.refused);
	assert_sample(text, "ucfence_fragments_total", s.fragments.received);
	assert_sample(text, "ucfence_fragments_reassembled_total", s.fragments.reassembled);
	assert_sample(text, "ucfence_fragments_dropped_total", s.fragments.dropped);
	assert_sample(text, "ucfence_fragment_datagrams_evicted_total", s.fragments.evicted);
	assert_sample(text, "ucfence_fragment_buffer_bytes", s.fragments.bytes);
	assert_sample(text, "ucfence_fragment_buffer_budget_bytes", s.fragments.budget);
	free(text);
	ucf_status_clear(&s);
}

/* Label values are escaped (the exposition format's \\, \" and \n);
 * drop counters that could not be read give no samples, not zeros. */
static void test_escaping_and_unread_drops(void **state)
{
	(void)state;
	struct ucf_status s;
	assert_int_equal(status_fixture(&s), 0);
	snprintf(s.site, sizeof(s.site), "a\"b\\c\nd");
	s.drops_read = false;
	char *text = ucf_metrics_render(&s);
	assert_non_null(text);
	assert_line(text, "ucfence_info{site=\"a\\\"b\\\\c\\nd\",mode=\"appliance\"} 1");
	assert_null(strstr(text, "ucfence_dropped_packets_total{"));
	assert_null(strstr(text, "ucfence_dropped_bytes_total{"));
	free(text);
	ucf_status_clear(&s);
}

/* The text file is world-readable and scraped into a metrics store with
 * its own retention: it carries no address, whatever the status's free
 * texts hold (they go to `status`, for root). */
static void test_no_addresses(void **state)
{
	(void)state;
	struct ucf_status s;
	assert_int_equal(status_fixture(&s), 0);
	snprintf(s.config.last_reload_error, sizeof(s.config.last_reload_error),
		 "10.20.0.5 [2001:db8::5] 00:11:22:33:44:55");
	snprintf(s.webhook.last_error, sizeof(s.webhook.last_error),
		 "connect to 192.0.2.7 port 443 failed: fe80::1%%eth1 aa:bb:cc:dd:ee:ff");
	snprintf(s.table_ownership, sizeof(s.table_ownership), "owner 198.51.100.9");
	char *text = ucf_metrics_render(&s);
	assert_non_null(text);
	/* an IPv4 address, a MAC, or IPv6 (two colons among hex digits) */
	static const char *const patterns[] = {
		"[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}",
		"[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}",
		"[0-9A-Fa-f]{0,4}:[0-9A-Fa-f]{0,4}:[0-9A-Fa-f]{0,4}",
	};
	for (size_t i = 0; i < sizeof(patterns) / sizeof(patterns[0]); i++) {
		regex_t re;
		regmatch_t m;
		assert_int_equal(regcomp(&re, patterns[i], REG_EXTENDED), 0);
		if (regexec(&re, text, 1, &m, 0) == 0)
			fail_msg("an address in the metrics: '%.*s'", (int)(m.rm_eo - m.rm_so),
				 text + m.rm_so);
		/* the pattern does find one where there is one */
		assert_int_equal(regexec(&re, "x 10.20.0.5 fe80::1 00:11:22:33:44:55", 0, NULL, 0), 0);
		regfree(&re);
	}
	free(text);
	ucf_status_clear(&s);
}

static void test_write(void **state)
{
	(void)state;
	struct ucf_status s;
	char path[64], err[256];
	assert_int_equal(status_fixture(&s), 0);
	snprintf(path, sizeof(path), "/tmp/ucf-metrics-%d.prom", getpid());
	assert_int_equal(ucf_metrics_write(path, &s, err, sizeof(err)), 0);
	char *want = ucf_metrics_render(&s);
	assert_non_null(want);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	static char got[65536];
	size_t n = fread(got, 1, sizeof(got) - 1, f);
	got[n] = '\0';
	fclose(f);
	assert_string_equal(got, want);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644);
	unlink(path);
	/* a directory that does not exist: an error naming the path */
	assert_true(ucf_metrics_write("/nonexistent-ucf/x.prom", &s, err, sizeof(err)) < 0);
	assert_non_null(strstr(err, "/nonexistent-ucf"));
	free(want);
	ucf_status_clear(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_render_from_status),
		cmocka_unit_test(test_escaping_and_unread_drops),
		cmocka_unit_test(test_no_addresses),
		cmocka_unit_test(test_write),
	};
	return cmocka_run_group_tests_name("metrics", tests, NULL, NULL);
}
