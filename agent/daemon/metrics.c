/* metrics.c — Prometheus text exposition format, version 0.0.4. */
#include "metrics.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "statefile.h"

static void metric(FILE *f, const char *name, const char *type, const char *help,
		   const json_t *value)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n%s %lld\n", name, help, name, type, name,
		(long long)json_integer_value(value));
}

char *ucf_metrics_render(const json_t *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return NULL;
	const char *site = json_string_value(json_object_get(s, "site"));
	const char *mode = json_string_value(json_object_get(s, "mode"));
	fprintf(f, "# HELP ucfence_info The site and appliance mode ucfence enforces.\n"
		   "# TYPE ucfence_info gauge\nucfence_info{site=\"%s\",mode=\"%s\"} 1\n",
		site ? site : "", mode ? mode : "");
	fprintf(f, "# HELP ucfence_dropped_packets_total Packets refused, by reason.\n"
		   "# TYPE ucfence_dropped_packets_total counter\n");
	const char *reason;
	json_t *v;
	json_object_foreach((json_t *)json_object_get(s, "drops"), reason, v)
		fprintf(f, "ucfence_dropped_packets_total{reason=\"%s\"} %lld\n", reason,
			(long long)json_integer_value(json_object_get(v, "packets")));
	fprintf(f, "# HELP ucfence_dropped_bytes_total Bytes refused, by reason.\n"
		   "# TYPE ucfence_dropped_bytes_total counter\n");
	json_object_foreach((json_t *)json_object_get(s, "drops"), reason, v)
		fprintf(f, "ucfence_dropped_bytes_total{reason=\"%s\"} %lld\n", reason,
			(long long)json_integer_value(json_object_get(v, "bytes")));
	const json_t *media = json_object_get(s, "media"), *flows = json_object_get(s, "flows");
	const json_t *alerts = json_object_get(s, "alerts");
	metric(f, "ucfence_media_pinholes", "gauge", "Learned media endpoints open now.",
	       json_object_get(media, "active"));
	metric(f, "ucfence_media_learned_total", "counter", "Media endpoints learned.",
	       json_object_get(media, "learned_total"));
	const json_t *lat = json_object_get(media, "latency_us");
	fprintf(f, "# HELP ucfence_pinhole_latency_seconds From the capture of the packet announcing "
		   "a media endpoint to the kernel's commit of its pinhole (quantiles over the last "
		   "%lld).\n# TYPE ucfence_pinhole_latency_seconds summary\n"
		   "ucfence_pinhole_latency_seconds{quantile=\"0.5\"} %.6f\n"
		   "ucfence_pinhole_latency_seconds{quantile=\"0.99\"} %.6f\n"
		   "ucfence_pinhole_latency_seconds_sum %.6f\n"
		   "ucfence_pinhole_latency_seconds_count %lld\n",
		(long long)json_integer_value(json_object_get(lat, "window")),
		(double)json_integer_value(json_object_get(lat, "median")) / 1e6,
		(double)json_integer_value(json_object_get(lat, "p99")) / 1e6,
		(double)json_integer_value(json_object_get(lat, "sum")) / 1e6,
		(long long)json_integer_value(json_object_get(lat, "total")));
	fprintf(f, "# HELP ucfence_learning_refused_total Signalling the trust boundary refused to "
		   "learn from, by reason.\n# TYPE ucfence_learning_refused_total counter\n");
	json_object_foreach((json_t *)json_object_get(json_object_get(s, "learning"),
						      "refused_by_reason"), reason, v)
		fprintf(f, "ucfence_learning_refused_total{reason=\"%s\"} %lld\n", reason,
			(long long)json_integer_value(v));
	metric(f, "ucfence_blocked_flows_total", "counter",
	       "Flows blocked by their 5-tuple: non-target on a UC service.",
	       json_object_get(json_object_get(s, "verdicts"), "blocked"));
	metric(f, "ucfence_flows", "gauge", "Flows in the classifier's table.",
	       json_object_get(flows, "active"));
	metric(f, "ucfence_frames_total", "counter", "Frames classified.",
	       json_object_get(flows, "frames"));
	metric(f, "ucfence_malformed_frames_total", "counter", "Frames that failed to decode.",
	       json_object_get(flows, "malformed"));
	metric(f, "ucfence_alerts_total", "counter", "Alerts raised.",
	       json_object_get(alerts, "raised"));
	metric(f, "ucfence_tamper_restores_total", "counter",
	       "Times the ruleset or routes were restored.",
	       json_object_get(json_object_get(s, "tamper"), "restores"));
	metric(f, "ucfence_config_reload_failures_total", "counter", "Reloads refused.",
	       json_object_get(json_object_get(s, "config"), "reload_failures"));
	metric(f, "ucfence_uptime_seconds", "gauge", "Seconds since the agent started.",
	       json_object_get(s, "uptime_s"));
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

int ucf_metrics_write(const char *path, const json_t *status, char *err, size_t errlen)
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
