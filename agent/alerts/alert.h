/* alert.h — the one alert format every part of ucfence raises, and its
 * constructors. An alert is a JSON object:
 *   id        32 hex digits, stable: the same activity always gets the same id
 *             (SHA-256 of kind, site and a per-kind key), so sinks de-duplicate;
 *   time      RFC 3339 UTC, when ucfence raised it;
 *   site      site.name;
 *   severity  info | warning | critical;
 *   kind      packet-capture, capture-schedule, capture-api-request, ...;
 *   summary   one line a person reads;
 *   details   an object, per kind (docs/meraki-watch.md).
 * Privacy: alerts never carry SIP URIs, phone numbers or call content. The
 * constructors take no free text from calls, and every string that goes into
 * an alert passes ucf_redact(). */
#ifndef UCF_ALERT_H
#define UCF_ALERT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define UCF_ALERT_ID_LEN 33 /* 32 hex digits and the NUL */

enum ucf_severity { UCF_SEV_INFO, UCF_SEV_WARNING, UCF_SEV_CRITICAL };

#define UCF_KIND_PACKET_CAPTURE "packet-capture"
#define UCF_KIND_CAPTURE_SCHEDULE "capture-schedule"
#define UCF_KIND_CAPTURE_API_REQUEST "capture-api-request"
#define UCF_KIND_CAPTURE_CONFIG_CHANGE "capture-config-change"
#define UCF_KIND_CAPTURE_EVENT "capture-event"
#define UCF_KIND_NON_TARGET "non-target-on-uc-port"
#define UCF_KIND_FORGED_SIGNALLING "forged-signalling"
#define UCF_KIND_CLEARTEXT_SIGNALLING_REFUSED "cleartext-signalling-refused"
#define UCF_KIND_CLEARTEXT_SIP "cleartext-sip"
#define UCF_KIND_EXPOSED_SRTP_KEYS "exposed-srtp-keys"
#define UCF_KIND_UNENCRYPTED_RTP "unencrypted-rtp"
#define UCF_KIND_RULESET_TAMPERED "ruleset-tampered"
#define UCF_KIND_MONITORING_DEGRADED "monitoring-degraded"
#define UCF_KIND_MONITORING_RECOVERED "monitoring-recovered"
#define UCF_KIND_WATCHER_ACCESS_DENIED "watcher-access-denied"
#define UCF_KIND_DATA_ERASED "data-erased"
#define UCF_KIND_ENFORCEMENT_WEAKENED "enforcement-weakened"
#define UCF_KIND_ENFORCEMENT_RESTORED "enforcement-restored"
#define UCF_KIND_CAPTURE_SUSPECTED "capture-suspected"

struct ucf_alert {
	char id[UCF_ALERT_ID_LEN];
	int64_t time; /* Unix seconds */
	char *site;
	enum ucf_severity severity;
	char *kind;
	char *summary;
	json_t *details; /* always an object */
};

/* The id for (kind, site, key): hex of the first 128 bits of SHA-256 over the
 * three strings, each followed by a NUL. */
void ucf_alert_id(const char *kind, const char *site, const char *key,
		  char id[UCF_ALERT_ID_LEN]);

/* The general constructor: id from (kind, site, key); details is stolen (NULL
 * means {}); summary and details are passed through ucf_redact(URIs). */
int ucf_alert_new(struct ucf_alert **out, const char *site, const char *kind,
		  enum ucf_severity severity, int64_t time, const char *key, const char *summary,
		  json_t *details, char *err, size_t errlen);
void ucf_alert_free(struct ucf_alert *a);

json_t *ucf_alert_to_json(const struct ucf_alert *a);
/* Checks every field (the spool and the queue are read back with this). */
int ucf_alert_from_json(const json_t *obj, struct ucf_alert **out, char *err, size_t errlen);
/* "2018-02-11T00:00:00Z critical packet-capture: SUMMARY" */
int ucf_alert_format_line(const struct ucf_alert *a, char *buf, size_t buflen);

const char *ucf_severity_name(enum ucf_severity s);
int ucf_severity_parse(const char *name, enum ucf_severity *out);

/* ---- constructors for the agent's own findings ---------------------------- */

/* Non-target traffic on a UC port, per source, interface and reason per
 * window: the window's first packet is alerted at once (packets 1), the
 * packets after it in one follow-up alert at its close (followup, packets
 * the further ones); the two have distinct ids. */
struct ucf_violation {
	const char *source;     /* source address, e.g. "10.20.0.99" (required) */
	const char *source_mac; /* "aa:bb:cc:dd:ee:ff" or NULL */
	const char *interface;  /* where it was seen (required) */
	const char *reason;     /* the drop reason, e.g. "not-uc-service" (required) */
	const char *protocol;   /* "udp", "tcp", ... or NULL */
	uint16_t port;          /* destination port, 0 for none */
	uint64_t packets;       /* 1 for the first; the further packets in a follow-up */
	bool followup;          /* the window's follow-up, not its first packet */
	int64_t window_start, window_end;
	bool dropped;           /* false in monitor mode: counted, not dropped */
	/* Where the packets were going ("203.0.113.9:443", "[2001:db8::9]:443"):
	 * the first few distinct destinations of the window, and the packets
	 * to others. Alerted as "destinations" (and "destinations_other")
	 * when ndestinations > 0. */
	const char *const *destinations;
	size_t ndestinations;
	uint64_t destinations_other;
};
int ucf_alert_non_target(struct ucf_alert **out, const char *site, int64_t now,
			 const struct ucf_violation *v, char *err, size_t errlen);
/* Signalling the trust boundary refused to learn from (a forged or
 * misdirected announcement), folded like drops: packets counts the refused
 * messages of the window, reason is the refusal, dropped is false (the
 * message itself may have passed; what it announced was not opened). */
int ucf_alert_forged_signalling(struct ucf_alert **out, const char *site, int64_t now,
				const struct ucf_violation *v, char *err, size_t errlen);
/* Cleartext signalling or provisioning that enforcement.require_encryption
 * refused (reason cleartext-signalling), folded like drops. */
int ucf_alert_cleartext_signalling_refused(struct ucf_alert **out, const char *site, int64_t now,
					   const struct ucf_violation *v, char *err,
					   size_t errlen);

/* Privacy risks from the classifier; the id includes the UTC day, so one
 * alert per endpoint per day. endpoint is an address, never a SIP URI. */
int ucf_alert_cleartext_sip(struct ucf_alert **out, const char *site, int64_t now,
			    const char *endpoint, const char *interface, const char *transport,
			    char *err, size_t errlen);
int ucf_alert_exposed_srtp_keys(struct ucf_alert **out, const char *site, int64_t now,
				const char *endpoint, const char *interface,
				const char *transport, char *err, size_t errlen);
/* Informational: RTP announced without encryption. detail (may be NULL) is a
 * fixed text from the classifier, never call content. */
int ucf_alert_unencrypted_rtp(struct ucf_alert **out, const char *site, int64_t now,
			      const char *endpoint, const char *interface, const char *transport,
			      const char *detail, char *err, size_t errlen);

/* Something other than ucfence changed its nftables objects or routes. what
 * says what changed ("table inet ucfence deleted"); restore_ms is how long
 * the restore took (negative if it failed). */
int ucf_alert_ruleset_tampered(struct ucf_alert **out, const char *site, int64_t now,
			       const char *what, int64_t restore_ms, char *err, size_t errlen);

/* The Dashboard API keeps failing (degraded) or works again (recovered). The
 * id is keyed on `since`, the start of the failing episode, so each episode
 * gives one alert of each. */
int ucf_alert_monitoring(struct ucf_alert **out, const char *site, int64_t now, bool degraded,
			 int64_t since, unsigned failed_cycles, const char *reason, char *err,
			 size_t errlen);

/* The Dashboard API answered 403 to one of the watcher's sources: the key's
 * admin may not make that call, so that source is not watched (the others
 * are). source is the watcher's name for it ("schedules"), network the
 * network for per-network sources (or NULL), operation the refused
 * operationId, reason the API's message (or NULL). The id is keyed on
 * source, network and `since`, the start of the refusal: one alert each time
 * a source becomes denied. */
int ucf_alert_access_denied(struct ucf_alert **out, const char *site, int64_t now,
			    const char *source, const char *network, const char *operation,
			    int64_t since, const char *reason, char *err, size_t errlen);

/* Audit (info): records erased on request. action is "forget" (what: "an
 * IPv4 address", ucf_erase_kind_text) or "purge" (what NULL); counts (stolen)
 * maps each place (a file's name, "violation-windows", ...) to how many
 * records went there. Never the erased value. Each erasure is its own
 * alert: the id is keyed on a random nonce as well as the time. */
int ucf_alert_data_erased(struct ucf_alert **out, const char *site, int64_t now,
			  const char *action, const char *what, json_t *counts, char *err,
			  size_t errlen);

/* Enforcement weakened or restored, for the audit trail: what says what
 * changed and by which command or signal ("reload (SIGHUP) removed
 * services: sccp"), by names the actor alone ("reload (SIGHUP)"), key makes
 * the event's id (e.g. its time in microseconds: one alert per event). */
enum ucf_enforcement_change {
	UCF_ENF_STOPPED,  /* enforcement stops entirely: weakened, critical */
	UCF_ENF_WEAKENED, /* in part (learning stops, a service removed): warning */
	UCF_ENF_RESTORED, /* back in force: restored, info */
};
int ucf_alert_enforcement(struct ucf_alert **out, const char *site, int64_t now,
			  enum ucf_enforcement_change change, const char *what, const char *by,
			  const char *key, char *err, size_t errlen);

/* One episode of the capture upload signal: the appliance's upload to the
 * Meraki cloud far above its usual. Rates in bits per second. */
struct ucf_upload_figures {
	const char *appliance; /* A, e.g. "198.51.100.2" (required) */
	const char *interface; /* where it leaves, interfaces.wan (required) */
	int64_t started;       /* Unix seconds */
	int64_t ended;         /* 0 while it lasts */
	uint64_t bytes;        /* sent during it so far */
	uint64_t mean_bps, peak_bps;
	uint64_t threshold_bps; /* max(floor, multiple x baseline) when it began */
	uint64_t baseline_bps;
	uint64_t floor_bps;
	uint32_t multiple;
	uint64_t sustain_s;
};
/* capture-suspected (warning), a heuristic: the id is keyed on the
 * episode's start, so one alert per episode. */
int ucf_alert_capture_suspected(struct ucf_alert **out, const char *site, int64_t now,
				const struct ucf_upload_figures *f, char *err, size_t errlen);
/* The same episode carried by another alert (a watcher's capture finding
 * of the site): details gain upload_observed true and upload (the
 * figures), the summary a clause. The id stays. 0, -EINVAL or -ENOMEM. */
int ucf_alert_add_upload(struct ucf_alert *a, const struct ucf_upload_figures *f, char *err,
			 size_t errlen);

/* ---- privacy -------------------------------------------------------------- */

enum {
	UCF_REDACT_URIS = 1,    /* sip:, sips:, tel: URIs */
	UCF_REDACT_NUMBERS = 2, /* digit runs that could be phone numbers (7+ digits) */
};
/* A new string with what flags names replaced by "[redacted]"; NULL on ENOMEM. */
char *ucf_redact(const char *text, int flags);

#endif
