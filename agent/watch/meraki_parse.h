/* meraki_parse.h — the Dashboard API's JSON, one page at a time, turned into
 * findings: small JSON objects the watcher merges and alerts on.
 *   {"source": "captures", "topic": "capture"|"schedule", "key": "...",
 *    "ts": UNIX (absent when unknown), "admin_id", "network_id", "serial",
 *    "status" (captures), "enabled"/"updated"/"created" and "serials" (every
 *    device's, schedules), "follow_up" (apiRequests: an operation on an
 *    existing capture or schedule, not one that starts it),
 *    "details": {...privacy-filtered fields for the alert...}}
 * Parsers are tolerant of what the API may send: missing or mistyped
 * fields, extra fields, items that are not objects (skipped and counted),
 * wrapped ({"items": [...]}) or bare arrays. Free text written by people
 * (capture names, notes, filters, descriptions) is redacted here. */
#ifndef UCF_MERAKI_PARSE_H
#define UCF_MERAKI_PARSE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

enum ucf_msource {
	UCF_MS_CAPTURES,
	UCF_MS_SCHEDULES,
	UCF_MS_API_REQUESTS,
	UCF_MS_CONFIG_CHANGES,
	UCF_MS_EVENTS,
	UCF_MS_EVENT_TYPES,
	/* AutoVPN peers, not captures: their addresses go to the agent */
	UCF_MS_UPLINK_STATUSES, /* the organization's appliances' uplinks (publicIp) */
	UCF_MS_VPN_PEERS,       /* the organization's third-party VPN peers (publicIp) */
	/* a collector's directory: network names, and each device's network */
	UCF_MS_NETWORKS,
	UCF_MS_DEVICES,
	UCF_MS_COUNT
};

/* "captures", "schedules", "apiRequests", "configurationChanges", "events",
 * "eventTypes", "uplinkStatuses", "thirdPartyVPNPeers", "networks", "devices"; -1
 * from ucf_msource_parse for anything else. */
const char *ucf_msource_name(enum ucf_msource s);
int ucf_msource_parse(const char *name);

/* The Dashboard API's operations on packet captures other than reading
 * them, asked for as apiRequests' operationIds[] (names from the official
 * Python SDK; the beta ones from Meraki's v1-beta changelog). */
struct ucf_capture_operation {
	const char *id;   /* operationId */
	const char *verb; /* what it did, for a person: "deleted a packet capture" */
	bool starts;      /* starts captures or creates a schedule (else a follow-up
			   * on one: stop, delete, download, update...) */
	bool schedule;    /* about schedules rather than captures */
};
extern const struct ucf_capture_operation ucf_capture_operations[];
#define UCF_CAPTURE_OPERATION_COUNT 12
/* The entry for an operationId, NULL if it is not one of them. */
const struct ucf_capture_operation *ucf_capture_operation_find(const char *id);
/* The read operation behind a source (for messages): "getOrganizationApiRequests". */
const char *ucf_msource_operation(enum ucf_msource s);

/* Whether a label, page, event type or description is about packet capture. */
bool ucf_mtext_concerns_capture(const char *text);

/* Parses one page of src (not UCF_MS_EVENT_TYPES) and appends its findings
 * to out (an array). The directory's pages give {"source": "networks",
 * "key": id, "name": NAME (redacted, at most 63 bytes, no control
 * characters)} and {"source": "devices", "key": serial, "network_id": id}. *skipped (may be NULL) counts items ignored. *oldest
 * (may be NULL) gets the oldest timestamp on the page (events' occurredAt,
 * the others' ts; INT64_MAX if none): backward paging stops there. -EINVAL with a reason when the body
 * is not JSON or not the documented shape; out is then unchanged. */
int ucf_mparse_page(enum ucf_msource src, const char *body, size_t len, json_t *out,
		    size_t *skipped, int64_t *oldest, char *err, size_t errlen);

/* The most addresses ucf_mparse_peers lets out hold (the watcher's
 * UCF_MERAKI_PEERS_MAX): the pages of one fetch append to the same out. */
#define UCF_MPARSE_PEERS_MAX 16384

/* One page of uplinkStatuses ([{uplinks: [{publicIp}]}], bare or wrapped in
 * "items") or thirdPartyVPNPeers ({peers: [{publicIp}]}): appends each
 * publicIp string (at most 64 characters; checked as addresses by the
 * agent) to out while it holds fewer than UCF_MPARSE_PEERS_MAX. Entries
 * without one, and those beyond the cap, are counted in *skipped. -EINVAL
 * for another shape. */
int ucf_mparse_peers(enum ucf_msource src, const char *body, size_t len, json_t *out,
		     size_t *skipped, char *err, size_t errlen);

/* /networks/{id}/events/eventTypes: *types gets an array of the type names
 * that concern packet capture (maybe empty). */
int ucf_mparse_event_types(const char *body, size_t len, json_t **types, char *err,
			   size_t errlen);

/* A finding's fields, NULL/false/INT64_MIN when absent. */
const char *ucf_mfinding_str(const json_t *f, const char *field);
int64_t ucf_mfinding_ts(const json_t *f);

#endif
