/* metrics.c — Prometheus text exposition format, version 0.0.4. */
#include "metrics.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "statefile.h"

static void family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void metric(FILE *f, const char *name, const char *type, const char *help, uint64_t value)
{
	family(f, name, type, help);
	fprintf(f, "%s %llu\n", name, (unsigned long long)value);
}

/* A label value: the format escapes backslash, double quote and newline. */
static void label(FILE *f, const char *v)
{
	for (; *v; v++) {
		if (*v == '\\' || *v == '"')
			fputc('\\', f);
		if (*v == '\n')
			fputs("\\n", f);
		else
			fputc(*v, f);
	}
}

static void render(FILE *f, const struct ucf_status *s)
{
	family(f, "ucfence_info", "gauge", "The site and appliance mode ucfence enforces.");
	fputs("ucfence_info{site=\"", f);
	label(f, s->site);
	fprintf(f, "\",mode=\"%s\"} 1\n", ucf_mode_name(s->mode));
	/* counters the kernel could not give are left out, not shown as 0 */
	family(f, "ucfence_dropped_packets_total", "counter", "Packets refused, by reason.");
	for (int i = 0; s->drops_read && i < UCF_REASON_COUNT; i++)
		fprintf(f, "ucfence_dropped_packets_total{reason=\"%s\"} %llu\n",
			ucf_reason_name((enum ucf_reason)i), (unsigned long long)s->drops[i].packets);
	family(f, "ucfence_dropped_bytes_total", "counter", "Bytes refused, by reason.");
	for (int i = 0; s->drops_read && i < UCF_REASON_COUNT; i++)
		fprintf(f, "ucfence_dropped_bytes_total{reason=\"%s\"} %llu\n",
			ucf_reason_name((enum ucf_reason)i), (unsigned long long)s->drops[i].bytes);
	metric(f, "ucfence_media_pinholes", "gauge", "Learned media endpoints open now.",
	       s->media.active);
	metric(f, "ucfence_media_learned_total", "counter", "Media endpoints learned.",
	       s->media.learned_total);
	const struct ucf_latency_summary *lat = &s->media.latency;
	fprintf(f, "# HELP ucfence_pinhole_latency_seconds From the capture of the packet announcing "
		   "a media endpoint to the kernel's commit of its pinhole (quantiles over the last "
		   "%u).\n# TYPE ucfence_pinhole_latency_seconds summary\n"
		   "ucfence_pinhole_latency_seconds{quantile=\"0.5\"} %.6f\n"
		   "ucfence_pinhole_latency_seconds{quantile=\"0.99\"} %.6f\n"
		   "ucfence_pinhole_latency_seconds_sum %.6f\n"
		   "ucfence_pinhole_latency_seconds_count %llu\n",
		lat->window, lat->median_us / 1e6, lat->p99_us / 1e6, (double)lat->sum_us / 1e6,
		(unsigned long long)lat->total);
	family(f, "ucfence_learning_refused_total", "counter",
	       "Signalling the trust boundary refused to learn from, by reason.");
	for (int i = 1; i < UCF_REFUSE_COUNT; i++)
		fprintf(f, "ucfence_learning_refused_total{reason=\"%s\"} %llu\n",
			ucf_refusal_name((enum ucf_refusal)i),
			(unsigned long long)s->learning.refused_by_reason[i]);
	metric(f, "ucfence_blocked_flows_total", "counter",
	       "Flows blocked by their 5-tuple: non-target on a UC service.", s->verdicts.blocked);
	metric(f, "ucfence_flows", "gauge", "Flows in the classifier's table.", s->flows.active);
	metric(f, "ucfence_frames_total", "counter", "Frames classified.", s->flows.frames);
	metric(f, "ucfence_malformed_frames_total", "counter", "Frames that failed to decode.",
	       s->flows.malformed);
	metric(f, "ucfence_stream_buffer_bytes", "gauge",
	       "Bytes of TCP signalling messages split across segments, buffered now.",
	       s->streams.bytes);
	metric(f, "ucfence_stream_buffer_peak_bytes", "gauge",
	       "The most bytes of TCP messages buffered at once.", s->streams.bytes_peak);
	metric(f, "ucfence_stream_buffer_budget_bytes", "gauge",
	       "The bound on bytes of TCP messages buffered at once.", s->streams.budget);
	metric(f, "ucfence_stream_buffers_evicted_total", "counter",
	       "TCP message buffers freed to make room for another stream's.", s->streams.evicted);
	metric(f, "ucfence_stream_messages_refused_total", "counter",
	       "Partial TCP messages not kept: the budget had no room.", s->streams.refused);
	metric(f, "ucfence_fragments_total", "counter", "IP fragments seen.", s->fragments.received);
	metric(f, "ucfence_fragments_reassembled_total", "counter",
	       "Datagrams reassembled from fragments.", s->fragments.reassembled);
	metric(f, "ucfence_fragments_dropped_total", "counter",
	       "Fragments refused and datagrams given up (too big, inconsistent, timed out, "
	       "evicted).",
	       s->fragments.dropped);
	metric(f, "ucfence_fragment_datagrams_evicted_total", "counter",
	       "Datagrams in reassembly given up to make room for others.", s->fragments.evicted);
	metric(f, "ucfence_fragment_buffer_bytes", "gauge", "Bytes of reassembly buffers held now.",
	       s->fragments.bytes);
	metric(f, "ucfence_fragment_buffer_budget_bytes", "gauge",
	       "The bound on bytes of reassembly buffers.", s->fragments.budget);
	metric(f, "ucfence_appliance_upload_bytes_total", "counter",
	       "Bytes the appliance sent to the Meraki cloud ranges (the kernel's counter; it "
	       "restarts when the table is replaced).", s->upload.counter_bytes);
	metric(f, "ucfence_appliance_upload_bits_per_second", "gauge",
	       "The appliance's upload to the Meraki cloud at the last reading, bits/s.",
	       s->upload.rate_bps);
	metric(f, "ucfence_appliance_upload_baseline_bits_per_second", "gauge",
	       "Its learned baseline (outside capture-suspected episodes), bits/s.",
	       s->upload.baseline_bps);
	metric(f, "ucfence_appliance_upload_threshold_bits_per_second", "gauge",
	       "Above this for the sustain time is a capture-suspected episode, bits/s.",
	       s->upload.threshold_bps);
	metric(f, "ucfence_appliance_upload_episode", "gauge",
	       "1 while the upload is in a capture-suspected episode.", s->upload.in_episode);
	metric(f, "ucfence_appliance_upload_episodes_total", "counter",
	       "Episodes of upload far above the baseline.", s->upload.episodes);
	/* figures only: a peer's or a name's address never goes in the file */
	metric(f, "ucfence_vpn_peers_configured", "gauge",
	       "AutoVPN peers the site names (appliance.vpn_peers).", s->vpn_peers.configured);
	metric(f, "ucfence_vpn_peers_learned", "gauge",
	       "AutoVPN peers learned from the Dashboard, in the sets now.", s->vpn_peers.learned);
	metric(f, "ucfence_vpn_peers_refused_total", "counter",
	       "Peer addresses the Dashboard listed that were refused (not global, the site's).",
	       s->vpn_peers.refused);
	metric(f, "ucfence_vpn_peers_over_cap_total", "counter",
	       "Peer addresses the Dashboard listed beyond the cap, ignored.",
	       s->vpn_peers.over_cap);
	metric(f, "ucfence_vpn_peers_last_fetch_timestamp_seconds", "gauge",
	       "Unix time of the last successful fetch of the peers (0: none).",
	       s->vpn_peers.last_fetch < 0 ? 0 : (uint64_t)s->vpn_peers.last_fetch);
	metric(f, "ucfence_vpn_peers_last_fetch_failed", "gauge",
	       "1 when the last fetch of the peers failed (the last known good stay).",
	       s->vpn_peers.last_fetch_failed);
	metric(f, "ucfence_vpn_peers_fetch_failures_total", "counter",
	       "Fetches of the peers that failed.", s->vpn_peers.fetch_failures);
	metric(f, "ucfence_open_hosts", "gauge", "Host names appliance.open lists.",
	       s->open.hosts);
	metric(f, "ucfence_open_resolved_addresses", "gauge",
	       "Addresses appliance.open's host names resolve to, in the sets now.",
	       s->open.resolved);
	metric(f, "ucfence_open_resolve_failures_total", "counter",
	       "Lookups of appliance.open's host names that failed.", s->open.resolve_failures);
	metric(f, "ucfence_open_refused_addresses_total", "counter",
	       "Addresses appliance.open's host names resolved to that were refused.",
	       s->open.refused);
	metric(f, "ucfence_alerts_total", "counter", "Alerts raised.", s->alerts.raised);
	metric(f, "ucfence_tamper_restores_total", "counter",
	       "Times the ruleset or routes were restored.", s->tamper.restores);
	metric(f, "ucfence_config_reload_failures_total", "counter", "Reloads refused.",
	       s->config.reload_failures);
	metric(f, "ucfence_uptime_seconds", "gauge", "Seconds since the agent started.",
	       s->uptime_s < 0 ? 0 : (uint64_t)s->uptime_s);
}

char *ucf_metrics_render(const struct ucf_status *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return NULL;
	render(f, s);
	if (ferror(f) | fclose(f)) {
		free(buf);
		return NULL;
	}
	return buf;
}

int ucf_metrics_write(const char *path, const struct ucf_status *status, char *err, size_t errlen)
{
	char *text = ucf_metrics_render(status);
	if (!text) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -ENOMEM;
	}
	int rc = ucf_atomic_write(path, text, strlen(text), 0644, err, errlen);
	free(text);
	return rc;
}
