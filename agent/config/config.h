/* config.h — the site configuration (one YAML file per site): its model,
 * loader and validation. Nothing here touches the network or the kernel. */
#ifndef UCF_CONFIG_H
#define UCF_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "catalog.h"
#include "values.h"

#define UCF_DEFAULT_CONFIG "/etc/ucfence/ucfence.yaml"

enum ucf_mode { UCF_MODE_CONCENTRATOR, UCF_MODE_APPLIANCE };
enum ucf_action { UCF_ACTION_DROP, UCF_ACTION_REJECT, UCF_ACTION_MONITOR };
enum ucf_webhook_format { UCF_WEBHOOK_GENERIC, UCF_WEBHOOK_SLACK };
/* Who watches the Dashboard for a site: its own watcher (site), this
 * instance for every network of the organization (organization: a
 * collector), or the organization's collector elsewhere (served: this
 * agent makes no Dashboard call). */
enum ucf_meraki_scope { UCF_SCOPE_SITE, UCF_SCOPE_ORGANIZATION, UCF_SCOPE_SERVED };

/* A collector's network -> site map (meraki.sites) holds at most this many. */
#define UCF_MAX_SITES 20000

struct ucf_ifname {
	char name[UCF_IFNAME_MAX];
};

struct ucf_prefix_list {
	struct ucf_prefix *items;
	size_t count;
};

struct ucf_string_list {
	char **items;
	size_t count;
};

/* Where a value was written (1-based), for messages about a loaded config. */
struct ucf_pos {
	uint32_t line, column;
};

/* The capture upload signal (agent/daemon/upload.h): A's bytes to the Meraki
 * cloud ranges, read from the kernel every interval_s; an episode is a rate
 * above max(floor, multiple x the learned baseline) for sustain_s, ended by
 * settle_s below it. */
struct ucf_upload_signal {
	bool enabled;
	uint64_t interval_s;
	uint64_t floor_bps; /* bits per second */
	uint32_t multiple;
	uint64_t sustain_s;
	uint64_t settle_s;
	uint64_t learning_s; /* the baseline's time constant */
};

struct ucf_config {
	char *source; /* the file it was read from */
	struct {
		char *name;
		enum ucf_mode mode;
	} site;
	struct {
		struct ucf_ifname *uc;
		size_t uc_count;
		struct ucf_ifname *data;
		size_t data_count;
		char appliance[UCF_IFNAME_MAX];
		char wan[UCF_IFNAME_MAX];
	} interfaces;
	struct {
		struct ucf_prefix_list endpoints; /* E */
		struct ucf_prefix_list servers;   /* S */
		struct ucf_string_list services;  /* names, all in the catalog with role uc */
		struct ucf_pos *services_pos;     /* each name's position; NULL if not read from YAML */
		struct {
			bool learn;
			bool static_enabled; /* false when static_range is "none" */
			struct ucf_port_range static_range;
			uint64_t timeout_s;
			struct ucf_port_range learn_range; /* ports an announcement may name */
			/* TLS-signalled calls: UDP of media shape between a host and its
			 * live TLS signalling peer, on tls_range, for tls_timeout_s after
			 * the last signalling packet (policy.h: tls_pairs). */
			bool tls_calls;
			struct ucf_port_range tls_range;
			uint64_t tls_timeout_s;
			bool shape_check; /* the static range admits media-shaped UDP only */
		} media;
	} uc;
	struct {
		struct ucf_prefix address;             /* A; always set (required in both modes) */
		struct ucf_prefix_list remote_subnets; /* R; required in concentrator mode */
		/* Where the appliance's own traffic may go (policy.h); an empty list
		 * keeps the catalog's (cloud, connectivity_checks) or, for resolvers
		 * and time_servers, lets DNS and NTP go anywhere. */
		struct ucf_prefix_list cloud;               /* replaces the catalog's meraki-cloud */
		struct ucf_prefix_list connectivity_checks; /* replaces connectivity-checks */
		struct ucf_prefix_list vpn_peers;           /* AutoVPN peers the site names */
		struct ucf_prefix_list resolvers;           /* the uplink's DNS servers */
		struct ucf_prefix_list time_servers;        /* NTP servers */
		/* A learned AutoVPN peer (Dashboard) stays this long after the last
		 * successful fetch that listed it. */
		uint64_t vpn_peer_timeout_s;
		/* appliance.open: destinations the site opens for the MX features
		 * Meraki lists with destination "Any" (AMP lookups, content
		 * filtering, splash pages): on these ports, to these addresses and
		 * to what these host names resolve to (the agent resolves them). */
		struct {
			struct ucf_service_port *ports; /* default tcp/80, tcp/443 */
			size_t port_count;
			struct ucf_prefix_list addresses;
			struct ucf_string_list hosts;
		} open;
		struct ucf_upload_signal upload_signal;
	} appliance;
	struct {
		enum ucf_action action;
		struct ucf_rate log_rate;
		uint64_t violation_window_s; /* one alert per source/interface/reason per window */
		bool require_encryption; /* refuse the catalog's cleartext services E <-> S∪R */
	} enforcement;
	struct {
		bool enabled;
		enum ucf_meraki_scope scope;
		/* scope organization: meraki.sites, network id i -> site name i */
		struct ucf_string_list site_networks, site_names;
		char *base_url;
		char *api_key_file; /* NULL: the key comes from MERAKI_DASHBOARD_API_KEY */
		char *organization_id;
		struct ucf_string_list network_ids;
		struct ucf_string_list serials;
		uint64_t poll_interval_s;
		uint64_t lookback_s;
		char *ca_file; /* NULL: the system CAs */
		struct ucf_rate call_budget;  /* this watcher's share of the org's 10 requests/s */
		uint64_t connect_timeout_s;
		uint64_t request_timeout_s;   /* the whole request, body included */
		uint32_t per_page;            /* perPage asked for (capped per operation) */
		uint64_t correlation_window_s; /* two sources within this are one activity */
		/* Learn the AutoVPN peers (the organization's appliances' public
		 * uplink addresses, third-party VPN peers) every vpn_peers_interval_s. */
		bool vpn_peers;
		uint64_t vpn_peers_interval_s;
	} meraki;
	struct {
		char *spool;
		uint64_t retention_s;
		bool syslog;
		char *webhook_url; /* NULL: no webhook */
		enum ucf_webhook_format webhook_format;
		/* Alertmanager's v2 API: every peer of one cluster (peers share
		 * notifications, not alerts), each base URL as written */
		struct {
			struct ucf_string_list urls; /* empty: no Alertmanager */
			uint64_t resolve_after_s;    /* endsAt = posted + this */
			char *ca_file;               /* NULL: the system CAs */
			char *bearer_token_file;     /* NULL: no bearer token */
			char *basic_user;            /* NULL: no basic auth */
			char *basic_password_file;   /* set when basic_user is */
		} alertmanager;
	} alerts;
	struct {
		uint32_t flows;       /* classifier flow table cap */
		uint32_t media;       /* learned media elements cap */
		uint32_t media_per_host; /* endpoints one phone's calls may hold */
		uint32_t calls_per_host; /* calls one phone may have */
		struct ucf_rate learn_rate; /* announcements one phone may make */
	} limits;
	struct {
		char *textfile; /* Prometheus textfile written by `run`, or NULL */
	} metrics;
	char *state_dir;
	/* A collector's config: meraki.scope organization and no enforcement
	 * part (interfaces, uc, appliance absent); `watch` runs it, `run` refuses. */
	bool collector_only;
};

/* Reads and validates a config. On error returns -EINVAL (or -errno for I/O)
 * and err reads "FILE:LINE:COL: message"; *out is untouched. */
int ucf_config_load(const char *path, const struct ucf_catalog *cat, struct ucf_config **out,
		    char *err, size_t errlen);
/* The same from memory; name stands for the file in messages. */
int ucf_config_load_text(const char *name, const char *text, size_t len,
			 const struct ucf_catalog *cat, struct ucf_config **out, char *err,
			 size_t errlen);
void ucf_config_free(struct ucf_config *cfg);

/* For `ucfence check`: when the listed signalling is TLS-only (a TLS
 * signalling service, and no cleartext one whose SDP is learned), names
 * what carries its media (the tls_calls pair sets and/or the static
 * range) in buf and returns true; else buf is "" and it returns false.
 * (A TLS-only config where nothing would carry the media fails to load.) */
bool ucf_config_tls_media_note(const struct ucf_config *c, const struct ucf_catalog *cat,
			       char *buf, size_t buflen);

/* A deep copy: what a module keeps so it need not share the caller's config
 * (a reload frees that). -ENOMEM. */
int ucf_config_dup(const struct ucf_config *in, struct ucf_config **out);

/* The parts of a config a module takes as a whole (bits of a mask). */
enum {
	UCF_SECTION_SITE = 1u << 0,
	UCF_SECTION_INTERFACES = 1u << 1,
	UCF_SECTION_UC = 1u << 2,
	UCF_SECTION_APPLIANCE = 1u << 3,
	UCF_SECTION_ENFORCEMENT = 1u << 4,
	UCF_SECTION_MERAKI = 1u << 5,
	UCF_SECTION_ALERTS = 1u << 6,
	UCF_SECTION_LIMITS = 1u << 7,
	UCF_SECTION_METRICS = 1u << 8,
	UCF_SECTION_STATE_DIR = 1u << 9,
};

/* The settings that differ between a and b by their names in the file
 * ("limits.flows", "alerts.webhook.url"), in file order: the first max of
 * them in keys (may be NULL when max is 0); returns how many differ. The
 * file a config was read from is not a setting. */
size_t ucf_config_diff(const struct ucf_config *a, const struct ucf_config *b, const char **keys,
		       size_t max);
/* The sections (UCF_SECTION_*) with at least one setting that differs. */
unsigned ucf_config_sections_changed(const struct ucf_config *a, const struct ucf_config *b);

const char *ucf_mode_name(enum ucf_mode mode);
const char *ucf_action_name(enum ucf_action action);
const char *ucf_scope_name(enum ucf_meraki_scope scope);

#endif
