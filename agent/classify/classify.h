/* classify.h — the classifier: frames in, a verdict per flow out. It owns
 * the flow table, fragment reassembly, the learned media table and the
 * privacy risks, and reports through hooks:
 *   media    a pinhole opened or closed (see media.h)
 *   refused  signalling the trust boundary refused to learn from (trust.h)
 *   verdict  a flow got (or changed) its verdict
 *   flow_end a flow expired, was evicted, or the classifier was flushed
 *   risk     a privacy risk seen for an endpoint (once per interval)
 * No global state: everything lives in struct ucf_classifier. */
#ifndef UCF_CLASSIFY_H
#define UCF_CLASSIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "catalog.h"
#include "config.h"
#include "media.h"
#include "risk.h"
#include "trust.h"

enum ucf_verdict { UCF_UNDECIDED, UCF_TARGET, UCF_NON_TARGET };

enum ucf_class {
	UCF_CLASS_OTHER,
	UCF_CLASS_SIP,
	UCF_CLASS_SIP_TLS,
	UCF_CLASS_SCCP,
	UCF_CLASS_RTP_LEARNED,
	UCF_CLASS_RTP,
	UCF_CLASS_RTCP,
	UCF_CLASS_STUN,
	UCF_CLASS_DTLS,
	UCF_CLASS_TFTP,
	UCF_CLASS_MERAKI_CLOUD,
	UCF_CLASS_AUTOVPN,
	UCF_CLASS_H323,
	UCF_CLASS_MGCP,
	UCF_CLASS_IAX,
	UCF_CLASS_BFCP,
	UCF_CLASS_COUNT
};

struct ucf_flow_info {
	uint8_t family, l4proto;
	uint8_t src[16], dst[16]; /* src: the endpoint that sent the first packet */
	uint16_t sport, dport;
	uint64_t first_us, last_us, packets, bytes;
	enum ucf_verdict verdict; /* never UNDECIDED in flow_end: that reads NON_TARGET */
	enum ucf_class cls;
	const char *reason; /* static text */
	bool forged; /* verdict hook: the deciding packet's source cannot be behind
		      * the port it came in on (forged); false elsewhere */
};

/* One refused message (or endpoint) of a signalling flow. */
struct ucf_refusal_event {
	enum ucf_refusal reason;
	enum ucf_learn_proto proto;
	uint8_t family;
	uint8_t src[16]; /* the sender */
	uint16_t dport;  /* and where it sent it */
	uint8_t l4proto;
};

struct ucf_classifier_hooks {
	void *arg;
	ucf_media_event_fn media;
	void (*refused)(void *arg, const struct ucf_refusal_event *ev);
	void (*verdict)(void *arg, const struct ucf_flow_info *fi);
	void (*flow_end)(void *arg, const struct ucf_flow_info *fi);
	ucf_risk_fn risk;
};

struct ucf_classifier_opts {
	uint32_t max_flows;        /* limits.flows */
	uint32_t max_media;        /* limits.media */
	uint32_t media_timeout_s;  /* uc.media.timeout */
	bool learn;                /* uc.media.learn */
	uint32_t risk_interval_s;  /* a risk is repeated after this long */
	/* who may teach what (copied: the pointers need not outlive new());
	 * its endpoints (uc.endpoints) are also the only addresses risks are
	 * reported for */
	struct ucf_trust trust;
	/* per endpoint-side host: limits.media_per_host, calls_per_host,
	 * learn_rate (thousandths per second) and its burst; 0: none */
	uint32_t host_media, host_calls, host_rate_milli, host_burst;
	/* bytes of TCP SIP/SCCP messages split across segments buffered at once,
	 * over all flows (0: UCF_STREAM_BUDGET, 16 MiB; see stream.h) */
	size_t stream_budget;
};

struct ucf_classifier_stats {
	uint64_t frames, bytes;
	uint64_t malformed; /* frames that failed to decode */
	uint64_t ignored;   /* not UDP/TCP over IP: ARP, ICMP, other link types */
	uint64_t fragments, reassembled, fragments_dropped;
	uint64_t flows_created, flows_evicted;
	uint32_t flows_active, flows_max;
	uint32_t media_active, media_max;
	uint32_t calls_active;
	uint64_t media_learned;
	uint64_t announcements;             /* messages that announced media */
	uint64_t refused[UCF_REFUSE_COUNT]; /* refused endpoints (or messages) by reason */
	/* TCP message buffers: bytes now and at most, buffers freed for others
	 * (least recently fed first) and partial messages not kept, to stay
	 * within stream_budget */
	uint64_t stream_bytes, stream_bytes_peak, stream_evicted, stream_refused;
	uint64_t stream_budget;
	/* IP fragment reassembly: buffer bytes held now and their bound, and
	 * datagrams given up to make room for others (also in fragments_dropped) */
	uint64_t reasm_bytes, reasm_budget, reasm_evicted;
};

struct ucf_packet_result {
	enum ucf_verdict verdict;
	enum ucf_class cls;
	bool has_flow; /* false for ignored/malformed frames and pending fragments */
};

struct ucf_classifier;

/* Defaults: 262144 flows, 65536 media, 120 s media timeout, learn on, risks
 * once a day, no endpoints, no trust boundary (everything is learned). */
void ucf_classifier_opts_default(struct ucf_classifier_opts *o);
/* The same from a site config (limits, uc.media, uc.endpoints) and its
 * catalog (the signalling services' ports): the trust boundary is on. The
 * opts point into cfg until ucf_classifier_new has copied them. */
void ucf_classifier_opts_from_config(struct ucf_classifier_opts *o, const struct ucf_config *cfg,
				     const struct ucf_catalog *cat);

int ucf_classifier_new(const struct ucf_classifier_opts *o, const struct ucf_classifier_hooks *h,
		       struct ucf_classifier **out, char *err, size_t errlen);
/* Releases everything without calling hooks (call flush first for them). */
void ucf_classifier_free(struct ucf_classifier *c);

/* One captured frame of link type dlt. Returns 0, or -EINVAL for a malformed
 * frame (counted; never fatal). res may be NULL. Timeouts run from here as
 * timestamps advance. */
int ucf_classifier_packet(struct ucf_classifier *c, int dlt, const uint8_t *frame,
			  uint32_t caplen, uint32_t wirelen, uint64_t ts_us,
			  struct ucf_packet_result *res);
/* A reload: takes the trust boundary, the per-host limits and the media
 * idle timeout of o (copied), so a server or service removed from the site
 * stops teaching at once. Learned media stays. -ENOMEM leaves the old
 * boundary in force. max_flows and max_media: ucf_classifier_set_caps. */
int ucf_classifier_set_trust(struct ucf_classifier *c, const struct ucf_classifier_opts *o,
			     char *err, size_t errlen);
/* A reload: new flow and media table caps (limits.flows, limits.media).
 * Each is taken or refused on its own: a cap below what its table holds now
 * is refused (-EBUSY) and err names the setting; the other still applies.
 * Returns 0 or the first error. */
int ucf_classifier_set_caps(struct ucf_classifier *c, uint32_t max_flows, uint32_t max_media,
			    char *err, size_t errlen);
/* Where the frames handed in next entered the gateway (live capture: the
 * role of the capture's interface); UCF_INGRESS_UNKNOWN for files. */
void ucf_classifier_set_ingress(struct ucf_classifier *c, enum ucf_ingress in);
/* Runs timeouts at now_us (the live agent calls it from a timer). */
void ucf_classifier_tick(struct ucf_classifier *c, uint64_t now_us);
/* Erasure on request: the risk memory forgets the addresses match picks
 * (ucf_risks_forget). Flows and learned media are not touched: they are
 * enforcement state that ends with the call or its idle timeout. */
int ucf_classifier_forget_risks(struct ucf_classifier *c,
				bool (*match)(void *arg, uint8_t family, const uint8_t *addr),
				void *arg);
/* Ends every flow (flow_end hook) and every learned endpoint (media hook). */
void ucf_classifier_flush(struct ucf_classifier *c);
void ucf_classifier_get_stats(const struct ucf_classifier *c, struct ucf_classifier_stats *st);

const char *ucf_class_name(enum ucf_class cls);
const char *ucf_verdict_name(enum ucf_verdict v);

#endif
