/* alert_kinds.c — constructors for the agent's own alert kinds: each fixes
 * the kind, severity, id key, summary and details of one finding. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert.h"
#include "timefmt.h"

static int bad(char *err, size_t errlen, const char *what)
{
	snprintf(err, errlen, "%s: a required field is missing", what);
	return -EINVAL;
}

/* One window of a source's packets on an interface for one reason. */
static int window_alert(struct ucf_alert **out, const char *site, int64_t now, const char *kind,
			const char *what, const char *unit, const char *trailer,
			const struct ucf_violation *v, char *err, size_t errlen)
{
	if (!v || !v->source || !v->interface || !v->reason)
		return bad(err, errlen, kind);
	char key[512], summary[640], from[UCF_TIME_LEN], to[UCF_TIME_LEN], port[16] = "";
	char dest[96] = "";
	ucf_time_format(v->window_start, from);
	ucf_time_format(v->window_end, to);
	snprintf(key, sizeof(key), "%s|%s|%s|%lld%s", v->source, v->interface, v->reason,
		 (long long)v->window_start, v->followup ? "|followup" : "");
	if (v->port)
		snprintf(port, sizeof(port), "/%u", v->port);
	if (v->ndestinations && v->destinations[0])
		snprintf(dest, sizeof(dest), " to %.64s%s", v->destinations[0],
			 v->ndestinations > 1 || v->destinations_other ? " and others" : "");
	snprintf(summary, sizeof(summary), "%s: %llu %s%s%s from %s%s%s%s%s on %s (%s)%s", what,
		 (unsigned long long)v->packets, v->followup ? "more " : "", unit,
		 v->packets == 1 ? "" : "s", v->source, v->protocol ? " " : "",
		 v->protocol ? v->protocol : "", port, dest, v->interface, v->reason, trailer);
	json_t *d = json_pack("{s:s, s:s*, s:s, s:s, s:s*, s:i, s:I, s:s, s:s, s:b, s:b}",
			      "source", v->source, "source_mac", v->source_mac, "interface",
			      v->interface, "reason", v->reason, "protocol", v->protocol, "port",
			      (int)v->port, "packets", (json_int_t)v->packets, "window_start", from,
			      "window_end", to, "dropped", v->dropped, "followup", v->followup);
	if (d && v->ndestinations) {
		json_t *list = json_array();
		for (size_t i = 0; list && i < v->ndestinations; i++)
			if (v->destinations[i])
				json_array_append_new(list, json_string(v->destinations[i]));
		json_object_set_new(d, "destinations", list ? list : json_null());
		json_object_set_new(d, "destinations_other", json_integer((json_int_t)v->destinations_other));
	}
	return ucf_alert_new(out, site, kind, UCF_SEV_WARNING, now, key, summary, d, err, errlen);
}

int ucf_alert_non_target(struct ucf_alert **out, const char *site, int64_t now,
			 const struct ucf_violation *v, char *err, size_t errlen)
{
	const char *what = v && v->dropped ? "Dropped non-target traffic"
					   : "Non-target traffic (monitor mode)";
	return window_alert(out, site, now, UCF_KIND_NON_TARGET, what, "packet", "", v, err, errlen);
}

int ucf_alert_forged_signalling(struct ucf_alert **out, const char *site, int64_t now,
				const struct ucf_violation *v, char *err, size_t errlen)
{
	return window_alert(out, site, now, UCF_KIND_FORGED_SIGNALLING,
			    "Signalling refused by the trust boundary", "message",
			    ": nothing was opened", v, err, errlen);
}

int ucf_alert_cleartext_signalling_refused(struct ucf_alert **out, const char *site, int64_t now,
					   const struct ucf_violation *v, char *err, size_t errlen)
{
	const char *what = v && v->dropped
				   ? "Cleartext signalling refused (encryption is required)"
				   : "Cleartext signalling (monitor mode, encryption is required)";
	return window_alert(out, site, now, UCF_KIND_CLEARTEXT_SIGNALLING_REFUSED, what, "packet",
			    "", v, err, errlen);
}

static int privacy_alert(struct ucf_alert **out, const char *site, int64_t now, const char *kind,
			 enum ucf_severity sev, const char *what, const char *endpoint,
			 const char *interface, const char *transport, const char *detail,
			 char *err, size_t errlen)
{
	if (!endpoint || !interface)
		return bad(err, errlen, kind);
	char key[256], summary[384], day[UCF_TIME_LEN];
	ucf_time_format(now, day);
	day[10] = '\0'; /* YYYY-MM-DD: one alert per endpoint per UTC day */
	snprintf(key, sizeof(key), "%s|%s", endpoint, day);
	snprintf(summary, sizeof(summary), "%s: endpoint %s on %s%s%s", what, endpoint, interface,
		 transport ? " over " : "", transport ? transport : "");
	json_t *d = json_pack("{s:s, s:s, s:s*, s:s}", "endpoint", endpoint, "interface",
			      interface, "transport", transport, "day", day);
	if (d && detail)
		json_object_set_new(d, "detail", json_string(detail));
	return ucf_alert_new(out, site, kind, sev, now, key, summary, d, err, errlen);
}

int ucf_alert_cleartext_sip(struct ucf_alert **out, const char *site, int64_t now,
			    const char *endpoint, const char *interface, const char *transport,
			    char *err, size_t errlen)
{
	return privacy_alert(out, site, now, UCF_KIND_CLEARTEXT_SIP, UCF_SEV_WARNING,
			     "SIP signalling in clear text", endpoint, interface, transport, NULL,
			     err, errlen);
}

int ucf_alert_exposed_srtp_keys(struct ucf_alert **out, const char *site, int64_t now,
				const char *endpoint, const char *interface,
				const char *transport, char *err, size_t errlen)
{
	return privacy_alert(out, site, now, UCF_KIND_EXPOSED_SRTP_KEYS, UCF_SEV_WARNING,
			     "SRTP keys exposed in clear-text signalling", endpoint, interface,
			     transport, NULL, err, errlen);
}

int ucf_alert_unencrypted_rtp(struct ucf_alert **out, const char *site, int64_t now,
			      const char *endpoint, const char *interface, const char *transport,
			      const char *detail, char *err, size_t errlen)
{
	return privacy_alert(out, site, now, UCF_KIND_UNENCRYPTED_RTP, UCF_SEV_INFO,
			     "Unencrypted RTP media", endpoint, interface, transport, detail, err,
			     errlen);
}

int ucf_alert_ruleset_tampered(struct ucf_alert **out, const char *site, int64_t now,
			       const char *what, int64_t restore_ms, char *err, size_t errlen)
{
	if (!what)
		return bad(err, errlen, UCF_KIND_RULESET_TAMPERED);
	char key[512], summary[512];
	snprintf(key, sizeof(key), "%s|%lld", what, (long long)now);
	if (restore_ms >= 0)
		snprintf(summary, sizeof(summary), "ucfence ruleset changed by another process (%s); "
			 "restored in %lld ms", what, (long long)restore_ms);
	else
		snprintf(summary, sizeof(summary), "ucfence ruleset changed by another process (%s); "
			 "restore FAILED", what);
	json_t *d = json_pack("{s:s, s:b, s:I}", "change", what, "restored", restore_ms >= 0,
			      "restore_ms", (json_int_t)(restore_ms >= 0 ? restore_ms : -1));
	return ucf_alert_new(out, site, UCF_KIND_RULESET_TAMPERED, UCF_SEV_CRITICAL, now, key,
			     summary, d, err, errlen);
}

/* "4.2 Mbit/s", "256 kbit/s", "800 bit/s". */
static void rate_text(uint64_t bps, char *buf, size_t len)
{
	if (bps >= 10000000)
		snprintf(buf, len, "%.0f Mbit/s", (double)bps / 1e6);
	else if (bps >= 1000000)
		snprintf(buf, len, "%.1f Mbit/s", (double)bps / 1e6);
	else if (bps >= 1000)
		snprintf(buf, len, "%.0f kbit/s", (double)bps / 1e3);
	else
		snprintf(buf, len, "%llu bit/s", (unsigned long long)bps);
}

static json_t *upload_json(const struct ucf_upload_figures *f)
{
	char from[UCF_TIME_LEN], to[UCF_TIME_LEN];
	ucf_time_format(f->started, from);
	if (f->ended)
		ucf_time_format(f->ended, to);
	return json_pack("{s:s, s:s, s:s, s:s?, s:I, s:I, s:I, s:I, s:I, s:I, s:i, s:I}",
			 "appliance", f->appliance, "interface", f->interface, "started", from,
			 "ended", f->ended ? to : NULL, "bytes", (json_int_t)f->bytes, "mean_bps",
			 (json_int_t)f->mean_bps, "peak_bps", (json_int_t)f->peak_bps,
			 "threshold_bps", (json_int_t)f->threshold_bps, "baseline_bps",
			 (json_int_t)f->baseline_bps, "floor_bps", (json_int_t)f->floor_bps,
			 "multiple", (int)f->multiple, "sustain_s", (json_int_t)f->sustain_s);
}

int ucf_alert_capture_suspected(struct ucf_alert **out, const char *site, int64_t now,
				const struct ucf_upload_figures *f, char *err, size_t errlen)
{
	if (!f || !f->appliance || !f->interface)
		return bad(err, errlen, UCF_KIND_CAPTURE_SUSPECTED);
	char key[160], summary[640], since[UCF_TIME_LEN], mean[32], peak[32], thr[32], base[32];
	ucf_time_format(f->started, since);
	rate_text(f->mean_bps, mean, sizeof(mean));
	rate_text(f->peak_bps, peak, sizeof(peak));
	rate_text(f->threshold_bps, thr, sizeof(thr));
	rate_text(f->baseline_bps, base, sizeof(base));
	snprintf(key, sizeof(key), "%s|%lld", f->appliance, (long long)f->started);
	snprintf(summary, sizeof(summary),
		 "Packet capture suspected: the appliance %s has sent %s (peak %s) to the Meraki "
		 "cloud since %s, above %s (its usual: %s); a Dashboard capture on the MX streams "
		 "like this, and the API does not show one (a heuristic)",
		 f->appliance, mean, peak, since, thr, base);
	json_t *d = json_pack("{s:b, s:o}", "heuristic", 1, "upload", upload_json(f));
	return ucf_alert_new(out, site, UCF_KIND_CAPTURE_SUSPECTED, UCF_SEV_WARNING, now, key,
			     summary, d, err, errlen);
}

int ucf_alert_add_upload(struct ucf_alert *a, const struct ucf_upload_figures *f, char *err,
			 size_t errlen)
{
	if (!a || !f || !f->appliance || !f->interface)
		return bad(err, errlen, "upload figures");
	char peak[32], since[UCF_TIME_LEN];
	rate_text(f->peak_bps, peak, sizeof(peak));
	ucf_time_format(f->started, since);
	json_t *up = upload_json(f);
	char *summary = NULL;
	if (!up || asprintf(&summary, "%s; the appliance %s uploaded up to %s to the Meraki cloud "
			    "from %s", a->summary, f->appliance, peak, since) < 0 ||
	    json_object_set_new(a->details, "upload", up) < 0 ||
	    json_object_set_new(a->details, "upload_observed", json_true()) < 0) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM; /* a set_new failure has freed up */
	}
	free(a->summary);
	a->summary = summary;
	return 0;
}

int ucf_alert_monitoring(struct ucf_alert **out, const char *site, int64_t now, bool degraded,
			 int64_t since, unsigned failed_cycles, const char *reason, char *err,
			 size_t errlen)
{
	char key[64], summary[512], from[UCF_TIME_LEN];
	ucf_time_format(since, from);
	snprintf(key, sizeof(key), "%lld", (long long)since);
	if (degraded)
		snprintf(summary, sizeof(summary), "Meraki packet-capture monitoring degraded since "
			 "%s: %s", from, reason ? reason : "the Dashboard API keeps failing");
	else
		snprintf(summary, sizeof(summary), "Meraki packet-capture monitoring recovered "
			 "(degraded since %s)", from);
	json_t *d = json_pack("{s:s, s:s, s:i, s:s*}", "state", degraded ? "degraded" : "recovered",
			      "since", from, "failed_cycles", (int)failed_cycles, "reason", reason);
	return ucf_alert_new(out, site,
			     degraded ? UCF_KIND_MONITORING_DEGRADED : UCF_KIND_MONITORING_RECOVERED,
			     degraded ? UCF_SEV_WARNING : UCF_SEV_INFO, now, key, summary, d, err,
			     errlen);
}

int ucf_alert_access_denied(struct ucf_alert **out, const char *site, int64_t now,
			    const char *source, const char *network, const char *operation,
			    int64_t since, const char *reason, char *err, size_t errlen)
{
	if (!source || !operation)
		return bad(err, errlen, UCF_KIND_WATCHER_ACCESS_DENIED);
	char key[256], summary[768], from[UCF_TIME_LEN], where[96] = "";
	ucf_time_format(since, from);
	snprintf(key, sizeof(key), "%s|%s|%lld", source, network ? network : "", (long long)since);
	if (network)
		snprintf(where, sizeof(where), " of network %s", network);
	snprintf(summary, sizeof(summary), "Meraki watcher: the API key is not allowed to read %s%s "
		 "(%s, HTTP 403%s%s) since %s: that source is not watched until its admin is given "
		 "access; the other sources are", source, where, operation, reason ? ": " : "",
		 reason ? reason : "", from);
	json_t *d = json_pack("{s:s, s:s*, s:s, s:i, s:s, s:s*}", "source", source, "network",
			      network, "operation_id", operation, "status", 403, "since", from,
			      "reason", reason);
	return ucf_alert_new(out, site, UCF_KIND_WATCHER_ACCESS_DENIED, UCF_SEV_WARNING, now, key,
			     summary, d, err, errlen);
}

int ucf_alert_data_erased(struct ucf_alert **out, const char *site, int64_t now,
			  const char *action, const char *what, json_t *counts, char *err,
			  size_t errlen)
{
	if (!action || !json_is_object(counts)) {
		json_decref(counts);
		return bad(err, errlen, UCF_KIND_DATA_ERASED);
	}
	json_int_t records = 0;
	const char *k;
	json_t *v;
	json_object_foreach (counts, k, v)
		records += json_integer_value(v);
	char key[96], summary[256];
	snprintf(key, sizeof(key), "%s|%lld|%llx", action, (long long)now,
		 (unsigned long long)ucf_random_below(UINT64_MAX));
	if (what)
		snprintf(summary, sizeof(summary), "Erased on request: %lld record%s naming %s",
			 (long long)records, records == 1 ? "" : "s", what);
	else
		snprintf(summary, sizeof(summary), "All alert data purged on request: %lld record%s",
			 (long long)records, records == 1 ? "" : "s");
	json_t *d = json_pack("{s:s, s:s*, s:I, s:o}", "action", action, "target", what, "records",
			      records, "removed", counts);
	return ucf_alert_new(out, site, UCF_KIND_DATA_ERASED, UCF_SEV_INFO, now, key, summary, d,
			     err, errlen);
}

int ucf_alert_enforcement(struct ucf_alert **out, const char *site, int64_t now,
			  enum ucf_enforcement_change change, const char *what, const char *by,
			  const char *key, char *err, size_t errlen)
{
	bool restored = change == UCF_ENF_RESTORED;
	const char *kind = restored ? UCF_KIND_ENFORCEMENT_RESTORED : UCF_KIND_ENFORCEMENT_WEAKENED;
	if (!what || !by || !key)
		return bad(err, errlen, kind);
	static const char *const scope[] = { "stopped", "partial", "restored" };
	char summary[768];
	snprintf(summary, sizeof(summary), "Enforcement %s: %s", restored ? "restored" : "weakened",
		 what);
	json_t *d = json_pack("{s:s, s:s, s:s}", "change", what, "by", by, "scope", scope[change]);
	return ucf_alert_new(out, site, kind,
			     restored ? UCF_SEV_INFO
				      : change == UCF_ENF_STOPPED ? UCF_SEV_CRITICAL : UCF_SEV_WARNING,
			     now, key, summary, d, err, errlen);
}
