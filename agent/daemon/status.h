/* status.h — the agent's state as one typed record: what the daemon
 * reports over the control socket (`ucfence status`, `--json`) and writes
 * as Prometheus metrics. The daemon fills it from its modules; the JSON it
 * becomes is read back by `ucfence status` with ucf_status_from_json, which
 * refuses a reply lacking a field or holding one of another type, naming
 * the field (an agent of another version, or a broken one), instead of
 * printing guesses. Fields the reader does not know are ignored. */
#ifndef UCF_STATUS_H
#define UCF_STATUS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "config.h"
#include "latency.h"
#include "policy.h"
#include "trust.h"

#define UCF_STATUS_TEXT_MAX 512 /* site, table ownership, last reload error */

struct ucf_status_counter {
	uint64_t packets, bytes;
};

struct ucf_status {
	char site[UCF_STATUS_TEXT_MAX];
	enum ucf_mode mode;
	int64_t uptime_s;
	int64_t pid;
	struct {
		struct ucf_ifname *uc, *data; /* owned: freed by ucf_status_clear */
		size_t uc_count, data_count;
		char appliance[UCF_IFNAME_MAX], wan[UCF_IFNAME_MAX];
	} interfaces;
	char table_ownership[UCF_STATUS_TEXT_MAX];
	/* the kernel's drop counters by reason; false when they could not be
	 * read (JSON: an empty "drops" object) */
	bool drops_read;
	struct ucf_status_counter drops[UCF_REASON_COUNT];
	struct {
		uint32_t active; /* pinholes open */
		uint64_t learned_total, batches, errors;
		struct ucf_latency_summary latency; /* JSON: latency_us */
	} media;
	struct {
		uint32_t active;
		uint64_t created, evicted, frames, malformed;
	} flows;
	/* the classifier's TCP message buffers (stream.h): bytes held now and
	 * at most, their budget, buffers freed for other streams', partial
	 * messages not kept for want of room */
	struct {
		uint64_t bytes, bytes_peak, budget, evicted, refused;
	} streams;
	/* IP fragment reassembly (reasm.h): fragments seen, datagrams
	 * reassembled, fragments and datagrams dropped (of them, datagrams
	 * given up to make room), buffer bytes held now and their budget */
	struct {
		uint64_t received, reassembled, dropped, evicted, bytes, budget;
	} fragments;
	struct {
		uint32_t raised, failed;
	} alerts;
	uint32_t open_violation_windows;
	struct {
		char *path; /* owned */
		time_t loaded_at;
		uint32_t reloads, reload_failures;
		char last_reload_error[UCF_STATUS_TEXT_MAX]; /* "" after a good load */
	} config;
	struct {
		uint32_t restores;
	} tamper;
	bool meraki_enabled;
	struct {
		uint64_t announcements;
		uint32_t calls;
		uint64_t refused; /* the sum of refused_by_reason */
		uint64_t refused_by_reason[UCF_REFUSE_COUNT]; /* [UCF_REFUSE_NONE] unused */
	} learning;
	struct {
		uint64_t non_target, blocked, rate_limited;
		uint32_t held;
		uint64_t batches, errors;
	} verdicts;
	/* what the modules enforce now: a reload may have refused a change */
	struct {
		uint32_t flows, media, pinholes, media_per_host, calls_per_host;
	} limits;
	struct {
		uint64_t violation_window_s;
	} enforcement;
	/* the capture upload signal (upload.h): the appliance's upload to the
	 * Meraki cloud, bits/s, as last measured */
	struct {
		bool enabled;        /* appliance.upload_signal.enabled: it alerts */
		bool counter_read;   /* the kernel's counter was read at the last try */
		uint64_t counter_bytes; /* its value */
		uint64_t rate_bps, baseline_bps, threshold_bps;
		bool in_episode;
		uint64_t episodes, alerts, correlated;
	} upload;
	/* the webhook queue (all zero without a webhook) */
	struct {
		bool configured;
		uint64_t queued, delivered, failures, dead;
		char last_error[256]; /* the last failure, "" if none */
	} webhook;
	/* The AutoVPN peers (vpn_peers4/6; no addresses here, only figures):
	 * those the site names, those learned from the Dashboard in the sets
	 * now, the addresses fetches refused or found past the cap (totals since
	 * the agent started), the last successful fetch (unix time, 0: never;
	 * kept across restarts), whether the last try failed, and failed tries. */
	struct {
		bool learning; /* meraki.vpn_peers (with meraki.enabled) */
		uint32_t configured, learned;
		uint64_t refused, over_cap;
		int64_t last_fetch;
		bool last_fetch_failed;
		uint64_t fetch_failures;
	} vpn_peers;
	/* appliance.open's host names (appliance_open4/6): how many, the
	 * addresses they resolve to in force now, lookups that failed and
	 * addresses refused (totals since the agent started) */
	struct {
		uint32_t hosts, resolved;
		uint64_t resolve_failures, refused;
	} open;
	/* the Alertmanager peers' queues, summed (all zero without peers) */
	struct {
		uint32_t peers;
		uint64_t queued, delivered, failures, dead;
	} alertmanager;
};

/* Frees what s owns and zeroes it (s may be all zero). */
void ucf_status_clear(struct ucf_status *s);

/* Sets the fields a site config gives: site, mode, interfaces, config.path,
 * meraki_enabled. 0 or -ENOMEM (s is then unchanged). */
int ucf_status_set_config(struct ucf_status *s, const struct ucf_config *cfg, char *err,
			  size_t errlen);

/* The JSON object `ucfence status --json` prints, or NULL without memory. */
json_t *ucf_status_to_json(const struct ucf_status *s);

/* Reads what ucf_status_to_json made into *s (zeroed first; clear it after
 * use, also on error). Every field must be present with its type; 0, or
 * -EINVAL with err naming the first field that is not ("media.latency_us.p99
 * is missing"), or -ENOMEM. */
int ucf_status_from_json(const json_t *j, struct ucf_status *s, char *err, size_t errlen);

#endif
