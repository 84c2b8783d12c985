/* status_fixture.h — a status record with every field set, each number
 * distinct, for the status and metrics tests. */
#ifndef UCF_STATUS_FIXTURE_H
#define UCF_STATUS_FIXTURE_H

#include <stdio.h>
#include <string.h>

#include "status.h"

/* Fills s (clear it after use); returns 0. */
static int status_fixture(struct ucf_status *s)
{
	static struct ucf_ifname uc[] = { { "eth1" }, { "eth2" } }, data[] = { { "eth3" } };
	struct ucf_config cfg;
	char err[128];
	memset(&cfg, 0, sizeof(cfg));
	cfg.source = "/etc/ucfence/b17.yaml";
	cfg.site.name = "b17";
	cfg.site.mode = UCF_MODE_APPLIANCE;
	cfg.interfaces.uc = uc;
	cfg.interfaces.uc_count = 2;
	cfg.interfaces.data = data;
	cfg.interfaces.data_count = 1;
	snprintf(cfg.interfaces.appliance, sizeof(cfg.interfaces.appliance), "eth0");
	snprintf(cfg.interfaces.wan, sizeof(cfg.interfaces.wan), "wan0");
	cfg.meraki.enabled = true;
	memset(s, 0, sizeof(*s));
	int rc = ucf_status_set_config(s, &cfg, err, sizeof(err));
	if (rc < 0)
		return rc;
	uint64_t n = 1000; /* every figure distinct: a swapped field shows */
	s->uptime_s = (int64_t)n++;
	s->pid = (int64_t)n++;
	snprintf(s->table_ownership, sizeof(s->table_ownership), "owner,persist");
	s->drops_read = true;
	for (int i = 0; i < UCF_REASON_COUNT; i++) {
		s->drops[i].packets = n++;
		s->drops[i].bytes = n++;
	}
	s->media.active = (uint32_t)n++;
	s->media.learned_total = n++;
	s->media.batches = n++;
	s->media.errors = n++;
	s->media.latency.total = n++;
	s->media.latency.sum_us = n++;
	s->media.latency.window = (uint32_t)n++;
	s->media.latency.median_us = (uint32_t)n++;
	s->media.latency.p99_us = (uint32_t)n++;
	s->media.latency.max_window_us = (uint32_t)n++;
	s->media.latency.max_us = (uint32_t)n++;
	s->flows.active = (uint32_t)n++;
	s->flows.created = n++;
	s->flows.evicted = n++;
	s->flows.frames = n++;
	s->flows.malformed = n++;
	s->streams.bytes = n++;
	s->streams.bytes_peak = n++;
	s->streams.budget = n++;
	s->streams.evicted = n++;
	s->streams.refused = n++;
	s->fragments.received = n++;
	s->fragments.reassembled = n++;
	s->fragments.dropped = n++;
	s->fragments.evicted = n++;
	s->fragments.bytes = n++;
	s->fragments.budget = n++;
	s->alerts.raised = (uint32_t)n++;
	s->alerts.failed = (uint32_t)n++;
	s->open_violation_windows = (uint32_t)n++;
	s->config.loaded_at = 1700000000; /* 2023-11-14T22:13:20Z */
	s->config.reloads = (uint32_t)n++;
	s->config.reload_failures = (uint32_t)n++;
	snprintf(s->config.last_reload_error, sizeof(s->config.last_reload_error),
		 "b17.yaml:3: unknown key \"x\"");
	s->tamper.restores = (uint32_t)n++;
	s->learning.announcements = n++;
	s->learning.calls = (uint32_t)n++;
	for (int i = 1; i < UCF_REFUSE_COUNT; i++) {
		s->learning.refused_by_reason[i] = n++;
		s->learning.refused += s->learning.refused_by_reason[i];
	}
	s->verdicts.non_target = n++;
	s->verdicts.blocked = n++;
	s->verdicts.rate_limited = n++;
	s->verdicts.held = (uint32_t)n++;
	s->verdicts.batches = n++;
	s->verdicts.errors = n++;
	s->limits.flows = (uint32_t)n++;
	s->limits.media = (uint32_t)n++;
	s->limits.pinholes = (uint32_t)n++;
	s->limits.media_per_host = (uint32_t)n++;
	s->limits.calls_per_host = (uint32_t)n++;
	s->enforcement.violation_window_s = n++;
	s->upload.enabled = true;
	s->upload.counter_read = true;
	s->upload.counter_bytes = n++;
	s->upload.rate_bps = n++;
	s->upload.baseline_bps = n++;
	s->upload.threshold_bps = n++;
	s->upload.in_episode = true;
	s->upload.episodes = n++;
	s->upload.alerts = n++;
	s->upload.correlated = n++;
	s->webhook.configured = true;
	s->webhook.queued = n++;
	s->webhook.delivered = n++;
	s->webhook.failures = n++;
	s->webhook.dead = n++;
	snprintf(s->webhook.last_error, sizeof(s->webhook.last_error), "HTTP 503");
	s->vpn_peers.learning = true;
	s->vpn_peers.configured = (uint32_t)n++;
	s->vpn_peers.learned = (uint32_t)n++;
	s->vpn_peers.refused = n++;
	s->vpn_peers.over_cap = n++;
	s->vpn_peers.last_fetch = 1700000100;
	s->vpn_peers.last_fetch_failed = true;
	s->vpn_peers.fetch_failures = n++;
	s->open.hosts = (uint32_t)n++;
	s->open.resolved = (uint32_t)n++;
	s->open.resolve_failures = n++;
	s->open.refused = n++;
	s->alertmanager.peers = (uint32_t)n++;
	s->alertmanager.queued = n++;
	s->alertmanager.delivered = n++;
	s->alertmanager.failures = n++;
	s->alertmanager.dead = n++;
	return 0;
}

#endif
