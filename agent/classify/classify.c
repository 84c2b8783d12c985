/* classify.c — see classify.h. The hot path for a flow already decided is:
 * decode, one hash lookup, counters, return. Recognisers run only while a
 * flow is undecided (at most a few dozen packets), and signalling flows
 * (SIP, SCCP, MGCP) keep being parsed because they announce media. */
#include "classify.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "bfcp.h"
#include "bytes.h"
#include "decode.h"
#include "dtls.h"
#include "flow.h"
#include "h323.h"
#include "iax.h"
#include "merakitraffic.h"
#include "mgcp.h"
#include "reasm.h"
#include "rtp.h"
#include "sccp.h"
#include "sdp.h"
#include "sip.h"
#include "stream.h"
#include "stun.h"
#include "tftp.h"
#include "zoom.h"

/* Timeout classes of the flow table. */
enum { T_UDP, T_TCP, T_TCP_CLOSING, T_MEDIA, T_SIGNAL, T_COUNT };

/* Payload packets looked at before an unrecognised flow is called
 * non-target. UDP needs more: SIP UAs may send a few keep-alives first. */
#define UDP_GIVE_UP 24
#define TCP_GIVE_UP 12
/* Endpoints one message may announce: audio and video with their RTCP, a
 * BFCP and a fax stream fit with room to spare. */
#define UCF_MAX_ENDPOINTS_PER_MESSAGE 16
/* In appliance mode the phones behind the MX all appear as A: its per-host
 * limits are this many phones' worth. */
#define UCF_APPLIANCE_HOST_SHARE 32
#define SIP_PORT 5060
#define SIP_TLS_PORT 5061
#define SCCP_TLS_PORT 2443

enum mode { M_NONE, M_SIP, M_SCCP, M_MGCP };

enum {
	CF_FINAL = 1,    /* verdict and class fixed */
	CF_LEARNED = 2,  /* mref names the learned endpoints this flow uses */
	CF_RTP_SEEN = 4, /* an RTP-looking packet was seen: RTCP cannot decide */
	CF_BFCP_SEEN = 8, /* a BFCP header with an inconsistent length was seen */
};

#define MGCP_TX_REMEMBERED 8

struct mgcp_tx {
	uint32_t txid[MGCP_TX_REMEMBERED];
	uint64_t call[MGCP_TX_REMEMBERED];
	unsigned next;
};

/* The classifier's part of every flow (the flow table's user area). */
struct cflow {
	const char *reason;
	struct ucf_stream *streams; /* [2]: TCP message framing, SIP/SCCP only */
	struct ucf_rtp_track rtp[2];
	struct ucf_media_ref mref[2]; /* per key side; index UINT32_MAX: not learned */
	uint32_t media_gen;
	/* MGCP: the calls of the last commands, by transaction id, so a
	 * response (which names no call) lands in its command's call */
	struct mgcp_tx *mgcp;
	uint32_t bfcp_conf; /* first BFCP header seen (CF_BFCP_SEEN) */
	uint16_t bfcp_user;
	uint8_t verdict, cls, mode, inspected, flags;
};

struct ucf_classifier {
	struct ucf_classifier_opts o;
	struct ucf_classifier_hooks h;
	struct ucf_flow_table *flows;
	struct ucf_media *media;
	struct ucf_risks *risks;
	struct ucf_reasm *reasm;
	struct ucf_stream_pool streams; /* every flow's TCP message buffers */
	struct ucf_classifier_stats st;
	struct ucf_prefix *servers, *remote, *trust_endpoints;
	struct ucf_trust trust;
	enum ucf_ingress ingress;
	bool cur_forged; /* the packet being handled cannot have come in where it did */
	uint64_t now_us, last_tick_us;
	/* the packet being handled, for the stream callbacks */
	struct ucf_flow *cur_flow;
	const struct ucf_pkt *cur_pkt;
	/* the signalling message being learned from */
	struct ucf_trust_path path;
	enum ucf_learn_proto msg_proto;
	unsigned msg_endpoints, msg_reported;
	enum ucf_refusal path_refusal; /* the last message's path verdict */
};

static const char *const class_names[UCF_CLASS_COUNT] = {
	"other", "sip",  "sip-tls", "sccp",         "rtp-learned", "rtp",  "rtcp", "stun",
	"dtls",  "tftp", "meraki-cloud", "autovpn", "h323",        "mgcp", "iax",  "bfcp",
};

const char *ucf_class_name(enum ucf_class cls)
{
	return (unsigned)cls < UCF_CLASS_COUNT ? class_names[cls] : "other";
}

const char *ucf_verdict_name(enum ucf_verdict v)
{
	return v == UCF_TARGET ? "target" : "non-target";
}

/* Reasons: fixed texts, so nothing from a payload ever reaches the output. */
static const char R_SIP[] = "SIP request/status line";
static const char R_SIP_TLS[] = "TLS on the SIP-TLS port 5061";
static const char R_SCCP_TLS[] = "TLS on the SCCP-TLS port 2443";
static const char R_SCCP[] = "Skinny (SCCP) message header";
static const char R_LEARNED_SIP[] = "media endpoint announced in SIP/SDP";
static const char R_LEARNED_SCCP[] = "media endpoint announced by SCCP";
static const char R_LEARNED_MGCP[] = "media endpoint announced in MGCP/SDP";
static const char R_TFTP_LEARNED[] = "TFTP transfer to the port of a request";
static const char R_TFTP_REQ[] = "TFTP read/write request";
static const char R_TFTP_OACK[] = "TFTP option acknowledgement";
static const char R_RTP[] = "RTP v2: one SSRC, advancing sequence numbers";
static const char R_RTP_TCP[] = "RTP over TCP (RFC 4571 framing)";
static const char R_RTCP[] = "RTCP compound packet";
static const char R_RTP_ZOOM[] = "RTP v2 behind Zoom's media header";
static const char R_RTCP_ZOOM[] = "RTCP compound packet behind Zoom's media header";
static const char R_STUN[] = "STUN message (magic cookie)";
static const char R_STUN_CLASSIC[] = "classic STUN (RFC 3489) message";
static const char R_STUN_TCP[] = "STUN over TCP";
static const char R_DTLS[] = "DTLS record";
static const char R_MERAKI[] = "Meraki tunnel header on UDP 7351";
static const char R_AUTOVPN[] = "Meraki tunnel header on the AutoVPN registry ports";
static const char R_H323[] = "H.225.0/H.245 in TPKT";
static const char R_H323_RAS[] = "H.225.0 RAS on UDP 1719";
static const char R_MGCP[] = "MGCP command/response line";
static const char R_IAX[] = "IAX2 full frame";
static const char R_BFCP[] = "BFCP message";
static const char R_NONE[] = "no UC protocol recognised";
static const char R_HTTP[] = "HTTP, not a UC protocol";
static const char R_RTSP[] = "RTSP streaming, not a UC protocol";
static const char R_TLS[] = "TLS on a port without UC signalling";
static const char R_SSH[] = "SSH, not a UC protocol";
static const char R_QUIC[] = "QUIC, not a UC protocol";

static const char D_CLEAR_SIP[] = "SIP signalling sent in cleartext (not over TLS)";
static const char D_SDES[] = "SRTP keys (SDP a=crypto) sent in cleartext SIP/SDP";
static const char D_RTP[] = "RTP media announced without encryption";

void ucf_classifier_opts_default(struct ucf_classifier_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->max_flows = 262144;
	o->max_media = 65536;
	o->media_timeout_s = 120;
	o->learn = true;
	o->risk_interval_s = 86400;
	o->trust.learn_range = (struct ucf_port_range){ 1, 65535 };
	o->trust.max_endpoints = UCF_MAX_ENDPOINTS_PER_MESSAGE;
	o->stream_budget = UCF_STREAM_BUDGET;
}

/* The catalog services whose signalling is parsed for media. */
static bool learn_proto_of(const char *service, enum ucf_learn_proto *proto)
{
	static const struct {
		const char *name;
		enum ucf_learn_proto proto;
	} map[] = { { "sip", UCF_LEARN_SIP },
		    { "sccp", UCF_LEARN_SCCP },
		    { "mgcp", UCF_LEARN_MGCP },
		    { "tftp", UCF_LEARN_TFTP } };
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		if (strcmp(service, map[i].name) == 0) {
			*proto = map[i].proto;
			return true;
		}
	}
	return false;
}

static uint32_t per_second_milli(struct ucf_rate r)
{
	static const uint32_t seconds[] = { 1, 60, 3600, 86400 };
	uint64_t milli = (uint64_t)r.count * 1000u / seconds[r.unit];
	return milli == 0 ? 1 : milli > UINT32_MAX ? UINT32_MAX : (uint32_t)milli;
}

void ucf_classifier_opts_from_config(struct ucf_classifier_opts *o, const struct ucf_config *cfg,
				     const struct ucf_catalog *cat)
{
	ucf_classifier_opts_default(o);
	if (cfg->limits.flows)
		o->max_flows = cfg->limits.flows;
	if (cfg->limits.media)
		o->max_media = cfg->limits.media;
	if (cfg->uc.media.timeout_s)
		o->media_timeout_s = cfg->uc.media.timeout_s > UINT32_MAX
					     ? UINT32_MAX
					     : (uint32_t)cfg->uc.media.timeout_s;
	o->learn = cfg->uc.media.learn;

	struct ucf_trust *t = &o->trust;
	t->enabled = true;
	t->endpoints = cfg->uc.endpoints.items;
	t->n_endpoints = cfg->uc.endpoints.count;
	t->servers = cfg->uc.servers.items;
	t->n_servers = cfg->uc.servers.count;
	t->remote = cfg->appliance.remote_subnets.items;
	t->n_remote = cfg->appliance.remote_subnets.count;
	t->appliance_mode = cfg->site.mode == UCF_MODE_APPLIANCE;
	t->appliance = cfg->appliance.address;
	t->learn_range = cfg->uc.media.learn_range;
	for (size_t i = 0; cat && i < cfg->uc.services.count; i++) {
		enum ucf_learn_proto proto;
		const struct ucf_service *svc = ucf_catalog_find(cat, cfg->uc.services.items[i]);
		if (!svc || !learn_proto_of(svc->name, &proto))
			continue;
		struct ucf_trust_ports *tp = cfg->enforcement.require_encryption && svc->cleartext
						     ? &t->refused[proto]
						     : &t->svc[proto];
		for (size_t k = 0; k < svc->port_count && tp->count < UCF_TRUST_MAX_PORTS; k++)
			tp->item[tp->count++] = svc->ports[k];
	}
	o->host_media = cfg->limits.media_per_host;
	o->host_calls = cfg->limits.calls_per_host;
	if (cfg->limits.learn_rate.count) {
		o->host_rate_milli = per_second_milli(cfg->limits.learn_rate);
		/* a phone answering while a transfer and a conference start */
		uint32_t per_s = o->host_rate_milli / 1000u;
		o->host_burst = per_s * 2 > 5 ? per_s * 2 : 5;
	}
}

static struct cflow *cf_of(struct ucf_flow *f) { return ucf_flow_user(f); }

static void media_opts(const struct ucf_classifier_opts *o, uint32_t timeout_s,
		       const struct ucf_classifier_hooks *h, struct ucf_media_opts *mo)
{
	*mo = (struct ucf_media_opts){
		.cap = o->max_media,
		.timeout_s = timeout_s,
		.host_media = o->host_media,
		.host_calls = o->host_calls,
		.host_rate_milli = o->host_rate_milli,
		.host_burst = o->host_burst,
		.fn = h->media,
		.arg = h->arg,
	};
	if (o->trust.appliance_mode && o->trust.appliance.family) {
		/* the phones behind the MX all appear as A */
		mo->shared_family = o->trust.appliance.family;
		memcpy(mo->shared, o->trust.appliance.addr, 16);
		mo->shared_factor = UCF_APPLIANCE_HOST_SHARE;
	}
}

static int copy_prefixes(struct ucf_prefix **out, const struct ucf_prefix *in, size_t n)
{
	*out = NULL;
	if (n == 0)
		return 0;
	*out = calloc(n, sizeof(**out));
	if (!*out)
		return -ENOMEM;
	memcpy(*out, in, n * sizeof(**out));
	return 0;
}

static void flow_info(const struct ucf_flow *f, const struct cflow *cf, struct ucf_flow_info *fi)
{
	unsigned s = f->init_side, d = s ^ 1;
	fi->family = f->key.family;
	fi->l4proto = f->key.proto;
	memcpy(fi->src, f->key.addr[s], 16);
	memcpy(fi->dst, f->key.addr[d], 16);
	fi->sport = f->key.port[s];
	fi->dport = f->key.port[d];
	fi->first_us = f->first_us;
	fi->last_us = f->last_us;
	fi->packets = f->packets;
	fi->bytes = f->bytes;
	fi->verdict = cf->verdict == UCF_TARGET ? UCF_TARGET : UCF_NON_TARGET;
	fi->cls = cf->verdict == UCF_TARGET ? (enum ucf_class)cf->cls : UCF_CLASS_OTHER;
	fi->reason = cf->reason ? cf->reason : R_NONE;
	fi->forged = false;
}

static void on_flow_end(void *arg, struct ucf_flow *f, enum ucf_flow_end why)
{
	struct ucf_classifier *c = arg;
	struct cflow *cf = cf_of(f);
	if (why == UCF_FLOW_EVICTED)
		c->st.flows_evicted++;
	if (c->h.flow_end) {
		struct ucf_flow_info fi;
		flow_info(f, cf, &fi);
		c->h.flow_end(c->h.arg, &fi);
	}
	if (cf->streams) {
		ucf_stream_release(&c->streams, &cf->streams[0]);
		ucf_stream_release(&c->streams, &cf->streams[1]);
		free(cf->streams);
		cf->streams = NULL;
	}
	free(cf->mgcp);
	cf->mgcp = NULL;
}

int ucf_classifier_new(const struct ucf_classifier_opts *o, const struct ucf_classifier_hooks *h,
		       struct ucf_classifier **out, char *err, size_t errlen)
{
	struct ucf_classifier *c = calloc(1, sizeof(*c));
	if (!c) {
		snprintf(err, errlen, "out of memory for the classifier");
		return -ENOMEM;
	}
	c->o = *o;
	if (h)
		c->h = *h;
	c->trust = o->trust;
	c->streams.budget = o->stream_budget ? o->stream_budget : UCF_STREAM_BUDGET;
	if (copy_prefixes(&c->servers, o->trust.servers, o->trust.n_servers) < 0 ||
	    copy_prefixes(&c->remote, o->trust.remote, o->trust.n_remote) < 0 ||
	    copy_prefixes(&c->trust_endpoints, o->trust.endpoints, o->trust.n_endpoints) < 0) {
		ucf_classifier_free(c);
		snprintf(err, errlen, "out of memory for the classifier");
		return -ENOMEM;
	}
	c->trust.endpoints = c->trust_endpoints;
	c->trust.servers = c->servers;
	c->trust.remote = c->remote;
	if (c->trust.max_endpoints == 0)
		c->trust.max_endpoints = UCF_MAX_ENDPOINTS_PER_MESSAGE;
	struct ucf_flow_table_opts fo = {
		.max_flows = o->max_flows,
		.user_size = sizeof(struct cflow),
		.tclasses = T_COUNT,
	};
	fo.timeout_s[T_UDP] = 120;
	fo.timeout_s[T_TCP] = 3600;
	fo.timeout_s[T_TCP_CLOSING] = 15;
	fo.timeout_s[T_MEDIA] = o->media_timeout_s ? o->media_timeout_s : 120;
	fo.timeout_s[T_SIGNAL] = 900;
	int rc = ucf_flow_table_new(&fo, on_flow_end, c, &c->flows, err, errlen);
	struct ucf_media_opts mo;
	media_opts(o, fo.timeout_s[T_MEDIA], &c->h, &mo);
	if (rc == 0)
		rc = ucf_media_new(&mo, &c->media, err, errlen);
	if (rc == 0)
		rc = ucf_risks_new(4096, o->risk_interval_s, c->h.risk, c->h.arg, &c->risks, err,
				   errlen);
	if (rc == 0)
		rc = ucf_reasm_new(&c->reasm, err, errlen);
	if (rc < 0) {
		ucf_classifier_free(c);
		return rc;
	}
	*out = c;
	return 0;
}

void ucf_classifier_free(struct ucf_classifier *c)
{
	if (!c)
		return;
	if (c->flows) {
		c->h.flow_end = NULL; /* releases stream buffers, reports nothing */
		ucf_flow_flush(c->flows);
		ucf_flow_table_free(c->flows);
	}
	ucf_media_free(c->media);
	ucf_risks_free(c->risks);
	ucf_reasm_free(c->reasm);
	free(c->servers);
	free(c->remote);
	free(c->trust_endpoints);
	free(c);
}

static void risk(struct ucf_classifier *c, enum ucf_risk_kind kind, uint8_t family,
		 uint8_t l4proto, const uint8_t *addr, const char *detail)
{
	/* the site's phones only (uc.endpoints, as the trust boundary has them) */
	if (c->trust.n_endpoints &&
	    !ucf_prefixes_contain(c->trust.endpoints, c->trust.n_endpoints, family, addr))
		return;
	ucf_risks_note(c->risks, kind, family, l4proto, addr, detail, c->now_us);
}

static void decide(struct ucf_classifier *c, struct ucf_flow *f, struct cflow *cf,
		   enum ucf_verdict v, enum ucf_class cls, const char *reason, bool final)
{
	cf->verdict = (uint8_t)v;
	cf->cls = (uint8_t)cls;
	cf->reason = reason;
	if (final)
		cf->flags |= CF_FINAL;
	if (f->key.proto == IPPROTO_UDP && v == UCF_TARGET) {
		bool signal = cls == UCF_CLASS_SIP || cls == UCF_CLASS_MGCP ||
			      cls == UCF_CLASS_H323 || cls == UCF_CLASS_IAX ||
			      cls == UCF_CLASS_MERAKI_CLOUD || cls == UCF_CLASS_AUTOVPN;
		ucf_flow_set_tclass(c->flows, f, signal ? T_SIGNAL : T_MEDIA, c->now_us);
	}
	if (c->h.verdict) {
		struct ucf_flow_info fi;
		flow_info(f, cf, &fi);
		fi.forged = c->cur_forged;
		c->h.verdict(c->h.arg, &fi);
	}
}

/* Does either endpoint of f belong to a learned media endpoint? */
static void check_learned(struct ucf_classifier *c, struct ucf_flow *f, struct cflow *cf)
{
	cf->media_gen = ucf_media_generation(c->media);
	struct ucf_media_endpoint ep = {0}, e2;
	struct ucf_media_ref refs[2] = {{UINT32_MAX, 0}, {UINT32_MAX, 0}};
	bool hit = false;
	for (unsigned s = 0; s < 2; s++) {
		if (!ucf_media_lookup(c->media, f->key.family, f->key.addr[s], f->key.port[s],
				      f->key.proto, &e2, &refs[s]))
			continue;
		if (e2.kind == UCF_MEDIA_RTP && !e2.srtp)
			risk(c, UCF_RISK_UNENCRYPTED_RTP, e2.family, f->key.proto, e2.addr, D_RTP);
		if (!hit)
			ep = e2, hit = true;
	}
	if (!hit)
		return;
	/* Both ends, when both were announced: each has a pinhole that this
	 * flow's media must keep alive. */
	cf->flags |= CF_LEARNED;
	for (unsigned s = 0; s < 2; s++) {
		cf->mref[s] = refs[s];
		ucf_media_refresh(c->media, refs[s], c->now_us);
	}
	/* A flow already recognised by its own packets keeps its class (ICE:
	 * the first recognisable packet decides); heuristic RTP/RTCP and
	 * undecided flows become learned media. */
	if (cf->verdict == UCF_TARGET && cf->cls != UCF_CLASS_RTP && cf->cls != UCF_CLASS_RTCP)
		return;
	if (ep.kind == UCF_MEDIA_TFTP) {
		decide(c, f, cf, UCF_TARGET, UCF_CLASS_TFTP, R_TFTP_LEARNED, true);
		return;
	}
	const char *r = ep.origin == UCF_ORIGIN_SCCP   ? R_LEARNED_SCCP
			: ep.origin == UCF_ORIGIN_MGCP ? R_LEARNED_MGCP
						       : R_LEARNED_SIP;
	decide(c, f, cf, UCF_TARGET, UCF_CLASS_RTP_LEARNED, r, true);
}

static uint64_t flow_call_key(const struct ucf_flow *f, uint64_t extra)
{
	uint64_t h = ucf_fnv64((const uint8_t *)&f->key, sizeof(f->key), UCF_FNV64_INIT);
	return (h ^ (extra * 0x9e3779b97f4a7c15ULL)) | 1;
}

/* Counts a refusal; the hook hears of each reason once per message. */
static void refuse(struct ucf_classifier *c, enum ucf_refusal r)
{
	c->st.refused[r]++;
	if (!c->h.refused || (c->msg_reported & (1u << r)))
		return;
	c->msg_reported |= 1u << r;
	const struct ucf_pkt *pkt = c->cur_pkt;
	struct ucf_refusal_event ev = { .reason = r, .proto = c->msg_proto, .family = pkt->family,
					.dport = pkt->dport, .l4proto = pkt->l4proto };
	memcpy(ev.src, pkt->src, 16);
	c->h.refused(c->h.arg, &ev);
}

/* The call a message with the signalling id belongs to, if its path may
 * teach (or end) anything: fills call and side. report: a refused path is
 * forged signalling (the message announces media), else it is only ignored
 * (a BYE between two phones is not an attack). */
static bool signalling_call(struct ucf_classifier *c, enum ucf_learn_proto proto, uint64_t id,
			    bool report, struct ucf_media_call *call, unsigned *side)
{
	const struct ucf_pkt *pkt = c->cur_pkt;
	struct ucf_trust_packet tp = {
		.proto = proto, .ingress = c->ingress, .family = pkt->family,
		.l4proto = pkt->l4proto, .src = pkt->src, .dst = pkt->dst, .sport = pkt->sport,
		.dport = pkt->dport,
	};
	c->msg_proto = proto;
	c->msg_endpoints = 0;
	c->msg_reported = 0;
	enum ucf_refusal r = ucf_trust_path(&c->trust, &tp, &c->path);
	c->path_refusal = r;
	if (r != UCF_REFUSE_NONE) {
		if (report)
			refuse(c, r);
		return false;
	}
	call->id = id;
	call->family = c->path.family;
	memcpy(call->party, c->path.party, sizeof(call->party));
	*side = c->path.sender;
	return true;
}

/* An announcement costs its endpoint-side host one token. */
static bool admit(struct ucf_classifier *c, const struct ucf_media_call *call)
{
	if (ucf_media_admit(c->media, call, c->now_us) < 0) {
		refuse(c, UCF_REFUSE_HOST_RATE);
		return false;
	}
	c->st.announcements++;
	return true;
}

static void learn_one(struct ucf_classifier *c, const struct ucf_media_call *call, unsigned side,
		      uint8_t family, const uint8_t *addr, uint16_t port, uint8_t kind,
		      uint8_t origin, bool srtp)
{
	enum ucf_refusal r = ucf_trust_endpoint(&c->trust, &c->path, family, addr, port);
	if (r == UCF_REFUSE_NONE && c->msg_endpoints >= c->trust.max_endpoints)
		r = UCF_REFUSE_TOO_MANY;
	if (r != UCF_REFUSE_NONE) {
		refuse(c, r);
		return;
	}
	c->msg_endpoints++;
	struct ucf_media_endpoint ep = {.l4proto = IPPROTO_UDP, .family = family, .port = port,
					.kind = kind, .origin = origin, .srtp = srtp};
	memcpy(ep.addr, addr, 16);
	int rc = ucf_media_learn(c->media, call, side, &ep, c->now_us);
	if (rc == -EDQUOT)
		refuse(c, UCF_REFUSE_HOST_MEDIA);
	else if (rc == -EUSERS)
		refuse(c, UCF_REFUSE_HOST_CALLS);
	else if (rc < 0)
		refuse(c, UCF_REFUSE_TABLE_FULL);
}

/* One SDP offer or answer from one side of a call (call NULL: only the
 * risks are looked at, nothing is learned). */
static void learn_sdp(struct ucf_classifier *c, const struct ucf_media_call *call, unsigned side,
		      const uint8_t *p, size_t n, uint8_t origin)
{
	struct ucf_sdp s;
	if (ucf_sdp_parse(p, n, &s) < 0)
		return;
	const struct ucf_pkt *pkt = c->cur_pkt;
	if (s.crypto)
		risk(c, UCF_RISK_EXPOSED_SRTP_KEYS, pkt->family, pkt->l4proto, pkt->src, D_SDES);
	if (!call)
		return;
	ucf_media_offer_begin(c->media, call, side);
	for (unsigned i = 0; i < s.count; i++) {
		const struct ucf_sdp_media *m = &s.m[i];
		if (m->port == 0 || m->conn.family == 0 || m->transport == UCF_SDP_TCP ||
		    m->transport == UCF_SDP_UNKNOWN)
			continue;
		uint8_t kind = m->transport == UCF_SDP_UDPTL ? UCF_MEDIA_UDPTL
			       : m->transport == UCF_SDP_UDP ? UCF_MEDIA_UDP
							     : UCF_MEDIA_RTP;
		bool srtp = m->transport == UCF_SDP_SRTP || m->crypto;
		for (unsigned k = 0; k < m->nports; k++) {
			uint32_t port = (uint32_t)m->port + 2 * k;
			if (port > 65535)
				break;
			learn_one(c, call, side, m->conn.family, m->conn.addr, (uint16_t)port, kind,
				  origin, srtp);
			if (kind != UCF_MEDIA_RTP || m->rtcp_mux)
				continue;
			uint32_t rport = (k == 0 && m->rtcp_port) ? m->rtcp_port : port + 1;
			const struct ucf_sdp_addr *ra =
				(k == 0 && m->rtcp_conn.family) ? &m->rtcp_conn : &m->conn;
			if (rport <= 65535)
				learn_one(c, call, side, ra->family, ra->addr, (uint16_t)rport,
					  UCF_MEDIA_RTCP, origin, srtp);
		}
	}
	ucf_media_offer_end(c->media, call, side);
}

static void sip_message(struct ucf_classifier *c, const struct ucf_sip_msg *m)
{
	const struct ucf_pkt *pkt = c->cur_pkt;
	risk(c, UCF_RISK_CLEARTEXT_SIP, pkt->family, pkt->l4proto, pkt->src, D_CLEAR_SIP);
	if (!m->call_hash)
		return;
	if (!c->o.learn) {
		if (m->sdp)
			learn_sdp(c, NULL, 0, m->sdp, m->sdp_len, UCF_ORIGIN_SIP);
		return;
	}
	struct ucf_media_call call;
	unsigned side;
	if (!signalling_call(c, UCF_LEARN_SIP, m->call_hash, m->sdp != NULL, &call, &side)) {
		/* dropped for want of encryption, its keys still crossed the wire */
		if (m->sdp && c->path_refusal == UCF_REFUSE_CLEARTEXT)
			learn_sdp(c, NULL, 0, m->sdp, m->sdp_len, UCF_ORIGIN_SIP);
		return;
	}
	if (m->request) {
		if (m->method == UCF_SIP_BYE || m->method == UCF_SIP_CANCEL) {
			ucf_media_end_call(c->media, &call, UCF_END_CALL);
			return;
		}
	} else if (m->cseq_method == UCF_SIP_INVITE && m->status >= 200) {
		if (m->status < 300) {
			ucf_media_set_established(c->media, &call);
		} else if (!ucf_media_established(c->media, &call)) {
			ucf_media_end_call(c->media, &call, UCF_END_CALL);
			return;
		}
	}
	if (m->sdp && admit(c, &call))
		learn_sdp(c, &call, side, m->sdp, m->sdp_len, UCF_ORIGIN_SIP);
}

static int sip_stream_msg(void *arg, const uint8_t *p, size_t n, size_t *used)
{
	struct ucf_classifier *c = arg;
	size_t f = ucf_sip_filler(p, n);
	if (f > 0) {
		*used = f;
		return 0;
	}
	struct ucf_sip_msg m;
	int rc = ucf_sip_parse(p, n, true, &m);
	if (rc == 0) {
		*used = m.len;
		sip_message(c, &m);
	}
	return rc;
}

static void sccp_message(struct ucf_classifier *c, const struct ucf_sccp_msg *m)
{
	uint64_t id = flow_call_key(c->cur_flow, (uint64_t)m->party + 1);
	struct ucf_media_call call;
	unsigned side;
	if (!c->o.learn)
		return;
	switch (m->id) {
	case UCF_SCCP_OPEN_RECEIVE_CHANNEL_ACK:
	case UCF_SCCP_START_MEDIA: {
		/* the phone acknowledges where it receives; the call manager
		 * tells it where to send: each side names its own media */
		if (!m->media || !signalling_call(c, UCF_LEARN_SCCP, id, true, &call, &side) ||
		    !admit(c, &call))
			return;
		bool srtp = m->id == UCF_SCCP_START_MEDIA && !m->unencrypted;
		ucf_media_offer_begin(c->media, &call, side);
		learn_one(c, &call, side, m->family, m->addr, m->port, UCF_MEDIA_RTP,
			  UCF_ORIGIN_SCCP, srtp);
		if (m->port < 65535)
			learn_one(c, &call, side, m->family, m->addr, (uint16_t)(m->port + 1),
				  UCF_MEDIA_RTCP, UCF_ORIGIN_SCCP, srtp);
		ucf_media_offer_end(c->media, &call, side);
		return;
	}
	case UCF_SCCP_CLOSE_RECEIVE_CHANNEL:
		if (signalling_call(c, UCF_LEARN_SCCP, id, false, &call, &side))
			ucf_media_end_side(c->media, &call, UCF_MEDIA_SIDE_ENDPOINT, UCF_END_CALL);
		return;
	case UCF_SCCP_STOP_MEDIA:
		if (signalling_call(c, UCF_LEARN_SCCP, id, false, &call, &side))
			ucf_media_end_side(c->media, &call, UCF_MEDIA_SIDE_SERVER, UCF_END_CALL);
		return;
	default:
		return;
	}
}

static int sccp_stream_msg(void *arg, const uint8_t *p, size_t n, size_t *used)
{
	struct ucf_sccp_msg m;
	int rc = ucf_sccp_parse(p, n, &m);
	if (rc == 0) {
		*used = m.len;
		sccp_message(arg, &m);
	}
	return rc;
}

/* The call an MGCP message belongs to: a command's C:, a response's
 * command's (remembered per flow), else the flow's own. */
static uint64_t mgcp_call(struct ucf_classifier *c, const struct ucf_mgcp_msg *m)
{
	struct cflow *cf = cf_of(c->cur_flow);
	if (m->command && m->call_hash) {
		if (!cf->mgcp && !(cf->mgcp = calloc(1, sizeof(*cf->mgcp))))
			return m->call_hash;
		struct mgcp_tx *t = cf->mgcp;
		t->txid[t->next] = m->txid;
		t->call[t->next] = m->call_hash;
		t->next = (t->next + 1) % MGCP_TX_REMEMBERED;
		return m->call_hash;
	}
	if (m->command || !cf->mgcp)
		return m->call_hash;
	for (unsigned i = 0; i < MGCP_TX_REMEMBERED; i++)
		if (cf->mgcp->call[i] && cf->mgcp->txid[i] == m->txid)
			return cf->mgcp->call[i];
	return 0;
}

static void mgcp_message(struct ucf_classifier *c, const struct ucf_mgcp_msg *m)
{
	uint64_t id = flow_call_key(c->cur_flow, mgcp_call(c, m));
	struct ucf_media_call call;
	unsigned side;
	if (!c->o.learn) {
		if (m->sdp)
			learn_sdp(c, NULL, 0, m->sdp, m->sdp_len, UCF_ORIGIN_MGCP);
		return;
	}
	if (!signalling_call(c, UCF_LEARN_MGCP, id, m->sdp != NULL && !m->delete, &call, &side))
		return;
	if (m->delete) {
		ucf_media_end_call(c->media, &call, UCF_END_CALL);
		return;
	}
	if (m->sdp && admit(c, &call))
		learn_sdp(c, &call, side, m->sdp, m->sdp_len, UCF_ORIGIN_MGCP);
}

static void stream_feed(struct ucf_classifier *c, struct cflow *cf, unsigned dir,
			const struct ucf_pkt *pkt, ucf_stream_msg_fn fn)
{
	if (!cf->streams && !(cf->streams = calloc(2, sizeof(*cf->streams))))
		return;
	ucf_stream_feed(&c->streams, &cf->streams[dir], pkt->tcp_seq, pkt->payload,
			pkt->payload_len, fn, c);
}

/* Payload of a flow in a signalling mode: keep parsing for media. */
static void signalling(struct ucf_classifier *c, struct cflow *cf, unsigned dir,
		       const struct ucf_pkt *pkt)
{
	if (cf->mode == M_SIP) {
		if (pkt->l4proto == IPPROTO_TCP) {
			stream_feed(c, cf, dir, pkt, sip_stream_msg);
			return;
		}
		struct ucf_sip_msg m;
		if (ucf_sip_parse(pkt->payload, pkt->payload_len, false, &m) == 0)
			sip_message(c, &m);
	} else if (cf->mode == M_SCCP) {
		stream_feed(c, cf, dir, pkt, sccp_stream_msg);
	} else if (cf->mode == M_MGCP) {
		struct ucf_mgcp_msg m;
		if (ucf_mgcp_parse(pkt->sport, pkt->dport, pkt->payload, pkt->payload_len, &m) == 0)
			mgcp_message(c, &m);
	}
}

static bool is_upper(uint8_t b) { return b >= 'A' && b <= 'Z'; }

/* A consistent BFCP message, or a second header of the same conference and
 * user as an earlier one. */
static bool bfcp(struct cflow *cf, const uint8_t *p, size_t n, bool stream)
{
	struct ucf_bfcp_hdr h;
	if (!ucf_bfcp_header(p, n, stream, &h))
		return false;
	if (h.length_ok)
		return true;
	if ((cf->flags & CF_BFCP_SEEN) && cf->bfcp_conf == h.conference && cf->bfcp_user == h.user)
		return true;
	cf->flags |= CF_BFCP_SEEN;
	cf->bfcp_conf = h.conference;
	cf->bfcp_user = h.user;
	return false;
}

/* QUIC long header with a known version (v1, v2, drafts). */
static bool quic_long(const uint8_t *p, size_t n)
{
	if (n < 7 || (p[0] & 0xc0) != 0xc0)
		return false;
	uint32_t v = ucf_rd32(p + 1);
	return v == 1 || v == 0x6b3343cf || (v & 0xffffff00) == 0xff000000;
}

/* Unannounced RTP or RTCP at p (zoom: found behind Zoom's header). RTCP
 * decides on one packet, unless RTP was seen first on this flow; RTP needs a
 * run of packets. */
static bool media_heuristic(struct ucf_classifier *c, struct ucf_flow *f, struct cflow *cf,
			    unsigned dir, const uint8_t *p, size_t n, bool zoom)
{
	if (!(cf->flags & CF_RTP_SEEN) && ucf_rtcp_compound(p, n)) {
		decide(c, f, cf, UCF_TARGET, UCF_CLASS_RTCP, zoom ? R_RTCP_ZOOM : R_RTCP, false);
		return true;
	}
	uint8_t pt;
	uint16_t seq;
	uint32_t ssrc;
	if (!ucf_rtp_header(p, n, &pt, &seq, &ssrc))
		return false;
	cf->flags |= CF_RTP_SEEN;
	if (ucf_rtp_track(&cf->rtp[dir], p, n)) {
		decide(c, f, cf, UCF_TARGET, UCF_CLASS_RTP, zoom ? R_RTP_ZOOM : R_RTP, false);
		return true;
	}
	return false;
}

static void recognise_udp(struct ucf_classifier *c, struct ucf_flow *f, struct cflow *cf,
			  unsigned dir, const struct ucf_pkt *pkt)
{
	const uint8_t *p = pkt->payload;
	size_t n = pkt->payload_len;
	uint8_t b0 = p[0];
	if (is_upper(b0) && ucf_sip_start_line(p, n)) {
		cf->mode = M_SIP;
		decide(c, f, cf, UCF_TARGET, UCF_CLASS_SIP, R_SIP, true);
		signalling(c, cf, dir, pkt);
		return;
	}
	bool classic;
	if (b0 <= 1 && ucf_stun_datagram(p, n, &classic)) {
		decide(c, f, cf, UCF_TARGET, UCF_CLASS_STUN, classic ? R_STUN_CLASSIC : R_STUN,
		       true);
		return;
	}
	if (b0 >= 20 && b0 <= 25 && ucf_dtls_datagram(p, n)) {
		decide(c, f, cf, UCF_TARGET, UCF_CLASS_DTLS, R_DTLS, true);
		return;
	}
	if (b0 == 0xfe) {
		enum ucf_meraki_kind k = ucf_meraki_match(pkt->sport, pkt->dport, p, n);
		if (k != UCF_MERAKI_NONE) {
			bool cloud = k == UCF_MERAKI_CLOUD;
			decide(c, f, cf, UCF_TARGET, cloud ? UCF_CLASS_MERAKI_CLOUD : UCF_CLASS_AUTOVPN,
			       cloud ? R_MERAKI : R_AUTOVPN, true);
			return;
		}
	}
	if (b0 == 0) {
		if (pkt->dport == UCF_TFTP_PORT && ucf_tftp_request(p, n)) {
			decide(c, f, cf, UCF_TARGET, UCF_CLASS_TFTP, R_TFTP_REQ, true);
			/* the server answers from a new port to the client's port:
			 * only that direction, only from the server asked */
			struct ucf_media_call call;
			unsigned side;
			if (c->o.learn &&
			    signalling_call(c, UCF_LEARN_TFTP, flow_call_key(f, 0), true, &call, &side) &&
			    admit(c, &call))
				learn_one(c, &call, side, pkt->family, pkt->src, pkt->sport,
					  UCF_MEDIA_TFTP, UCF_ORIGIN_TFTP, false);
			return;
		}
		if (ucf_tftp_oack(p, n)) {
			decide(c, f, cf, UCF_TARGET, UCF_CLASS_TFTP, R_TFTP_OACK, true);
			return;
		}
	}
	if (is_upper(b0) || ucf_is_digit(b0)) {
		struct ucf_mgcp_msg m;
		if (ucf_mgcp_parse(pkt->sport, pkt->dport, p, n, &m) == 0) {
			cf->mode = M_MGCP;
			decide(c, f, cf, UCF_TARGET, UCF_CLASS_MGCP, R_MGCP, true);
			mgcp_message(c, &m);
			return;
		}
	}
	if (ucf_h323_ras(pkt->sport, pkt->dport, p, n)) {
		decide(c, f, cf, UCF_TARGET, UCF_CLASS_H323, R_H323_RAS, true);
		return;
	}
	if ((b0 & 0x80) && ucf_iax_full_frame(pkt->sport, pkt->dport, p, n)) {
		decide(c, f, cf, UCF_TARGET, UCF_CLASS_IAX, R_IAX, true);
		return;
	}
	if ((b0 >> 5) == 1 || (b0 >> 5) == 2) {
		if (bfcp(cf, p, n, false)) {
			decide(c, f, cf, UCF_TARGET, UCF_CLASS_BFCP, R_BFCP, true);
			return;
		}
	}
	if ((b0 >> 6) == 2 && media_heuristic(c, f, cf, dir, p, n, false))
		return;
	struct ucf_zoom_inner z[UCF_ZOOM_MAX_CANDIDATES];
	unsigned nz = ucf_zoom_media(p, n, z);
	for (unsigned i = 0; i < nz; i++)
		if (media_heuristic(c, f, cf, dir, p + z[i].off, n - z[i].off, true))
			return;
	if (quic_long(p, n))
		decide(c, f, cf, UCF_NON_TARGET, UCF_CLASS_OTHER, R_QUIC, true);
}

/* Text protocols that are positively not UC. */
static const char *other_tcp(const uint8_t *p, size_t n)
{
	static const char *const http[] = {"GET ", "POST ", "HEAD ", "PUT ", "DELETE ", "PATCH ",
					   "CONNECT ", "OPTIONS ", "HTTP/1."};
	size_t next;
	size_t e = ucf_line_end(p, n, &next);
	if (e >= 8 && (memcmp(p + e - 8, "RTSP/1.0", 8) == 0 || ucf_prefix(p, n, "RTSP/1.0 ")))
		return R_RTSP;
	for (size_t i = 0; i < sizeof(http) / sizeof(http[0]); i++)
		if (ucf_prefix(p, n, http[i]))
			return R_HTTP;
	if (ucf_prefix(p, n, "SSH-"))
		return R_SSH;
	return NULL;
}

static void recognise_tcp(struct ucf_classifier *c, struct ucf_flow *f, struct cflow *cf,
			  unsigned dir, const struct ucf_pkt *pkt)
{
	const uint8_t *p = pkt->payload;
	size_t n = pkt->payload_len;
	if (is_upper(p[0]) && ucf_sip_start_line(p, n)) {
		cf->mode = M_SIP;
		decide(c, f, cf, UCF_TARGET, UCF_CLASS_SIP, R_SIP, true);
		signalling(c, cf, dir, pkt);
		return;
	}
	/* a TLS record (any content type: the capture may start mid-session) */
	if (n >= 5 && p[0] >= 20 && p[0] <= 23 && p[1] == 3 && p[2] <= 4 && ucf_rd16(p + 3) > 0) {
		if (pkt->sport == SIP_TLS_PORT || pkt->dport == SIP_TLS_PORT)
			decide(c, f, cf, UCF_TARGET, UCF_CLASS_SIP_TLS, R_SIP_TLS, true);
		else if (pkt->sport == SCCP_TLS_PORT || pkt->dport == SCCP_TLS_PORT)
			decide(c, f, cf, UCF_TARGET, UCF_CLASS_SCCP, R_SCCP_TLS, true);
		else
			decide(c, f, cf, UCF_NON_TARGET, UCF_CLASS_OTHER, R_TLS, true);
		return;
	}
	if (ucf_sccp_header_ok(p, n)) {
		cf->mode = M_SCCP;
		decide(c, f, cf, UCF_TARGET, UCF_CLASS_SCCP, R_SCCP, true);
		signalling(c, cf, dir, pkt);
		return;
	}
	if (ucf_h323_tcp(p, n)) {
		decide(c, f, cf, UCF_TARGET, UCF_CLASS_H323, R_H323, true);
		return;
	}
	if (ucf_stun_stream(p, n)) {
		decide(c, f, cf, UCF_TARGET, UCF_CLASS_STUN, R_STUN_TCP, true);
		return;
	}
	if (bfcp(cf, p, n, true)) {
		decide(c, f, cf, UCF_TARGET, UCF_CLASS_BFCP, R_BFCP, true);
		return;
	}
	/* RFC 4571: a 2-byte length, then an RTP packet */
	if (n > 14 && (p[2] >> 6) == 2 && ucf_rd16(p) <= n - 2 && ucf_rd16(p) >= 12 &&
	    ucf_rtp_track(&cf->rtp[dir], p + 2, ucf_rd16(p))) {
		decide(c, f, cf, UCF_TARGET, UCF_CLASS_RTP, R_RTP_TCP, true);
		return;
	}
	const char *other = other_tcp(p, n);
	if (other)
		decide(c, f, cf, UCF_NON_TARGET, UCF_CLASS_OTHER, other, true);
}

static void handle(struct ucf_classifier *c, const struct ucf_pkt *pkt, uint64_t wire,
		   struct ucf_packet_result *res)
{
	struct ucf_flow_key k;
	unsigned side;
	bool created;
	ucf_flow_key_make(&k, pkt, &side);
	struct ucf_flow *f = ucf_flow_get(c->flows, &k, c->now_us, &created);
	if (!f) {
		c->st.ignored++;
		return;
	}
	struct cflow *cf = cf_of(f);
	if (created) {
		c->st.flows_created++;
		f->init_side = (uint8_t)side;
		ucf_flow_set_tclass(c->flows, f, pkt->l4proto == IPPROTO_TCP ? T_TCP : T_UDP,
				    c->now_us);
		cf->media_gen = ucf_media_generation(c->media) - 1; /* check below */
	}
	unsigned dir = side; /* key side of the sender */
	/* a verdict this packet makes must not cut a real flow of that 5-tuple */
	c->cur_forged = !ucf_trust_source_ok(&c->trust, c->ingress, pkt->family, pkt->src);
	f->packets++;
	f->bytes += wire;
	/* media flowing keeps its learned endpoint alive; once a second is enough */
	if (ucf_flow_touch(c->flows, f, c->now_us) && (cf->flags & CF_LEARNED)) {
		ucf_media_refresh(c->media, cf->mref[0], c->now_us);
		ucf_media_refresh(c->media, cf->mref[1], c->now_us);
	}
	if (pkt->l4proto == IPPROTO_TCP && (pkt->tcp_flags & (UCF_TCP_FIN | UCF_TCP_RST)))
		ucf_flow_set_tclass(c->flows, f, T_TCP_CLOSING, c->now_us);
	if (cf->media_gen != ucf_media_generation(c->media) && cf->mode == M_NONE &&
	    !(cf->flags & (CF_LEARNED | CF_FINAL)))
		check_learned(c, f, cf);
	else if (cf->media_gen != ucf_media_generation(c->media) && cf->mode == M_NONE &&
		 (cf->flags & CF_FINAL) && cf->verdict == UCF_TARGET && !(cf->flags & CF_LEARNED))
		check_learned(c, f, cf); /* STUN/DTLS on an announced port: keep it fresh */

	if (pkt->payload_len > 0) {
		c->cur_flow = f;
		c->cur_pkt = pkt;
		if (cf->mode != M_NONE) {
			signalling(c, cf, dir, pkt);
		} else if (!(cf->flags & CF_FINAL) &&
			   ucf_sip_filler(pkt->payload, pkt->payload_len) == pkt->payload_len) {
			/* CRLF keep-alives (RFC 5626) say nothing yet: a SIP flow
			 * quiet for a while is not given up on for them */
		} else if (!(cf->flags & CF_FINAL)) {
			bool tcp = pkt->l4proto == IPPROTO_TCP;
			unsigned limit = tcp ? TCP_GIVE_UP : UDP_GIVE_UP;
			if (cf->inspected < limit) {
				cf->inspected++;
				if (tcp)
					recognise_tcp(c, f, cf, dir, pkt);
				else
					recognise_udp(c, f, cf, dir, pkt);
				if (cf->verdict == UCF_UNDECIDED && cf->inspected >= limit)
					decide(c, f, cf, UCF_NON_TARGET, UCF_CLASS_OTHER, R_NONE,
					       false);
			} else if (!tcp && (pkt->sport == SIP_PORT || pkt->dport == SIP_PORT) &&
				   is_upper(pkt->payload[0]) &&
				   ucf_sip_start_line(pkt->payload, pkt->payload_len)) {
				/* late SIP after many keep-alives on the SIP port */
				cf->mode = M_SIP;
				decide(c, f, cf, UCF_TARGET, UCF_CLASS_SIP, R_SIP, true);
				signalling(c, cf, dir, pkt);
			}
		}
		c->cur_flow = NULL;
		c->cur_pkt = NULL;
	}
	if (res) {
		res->has_flow = true;
		res->verdict = (enum ucf_verdict)cf->verdict;
		res->cls = (enum ucf_class)cf->cls;
	}
}

int ucf_classifier_set_trust(struct ucf_classifier *c, const struct ucf_classifier_opts *o,
			     char *err, size_t errlen)
{
	struct ucf_prefix *e = NULL, *s = NULL, *r = NULL;
	if (copy_prefixes(&e, o->trust.endpoints, o->trust.n_endpoints) < 0 ||
	    copy_prefixes(&s, o->trust.servers, o->trust.n_servers) < 0 ||
	    copy_prefixes(&r, o->trust.remote, o->trust.n_remote) < 0) {
		free(e), free(s), free(r);
		snprintf(err, errlen, "out of memory for the trust boundary");
		return -ENOMEM;
	}
	free(c->trust_endpoints), free(c->servers), free(c->remote);
	c->trust = o->trust;
	c->trust.endpoints = c->trust_endpoints = e;
	c->trust.servers = c->servers = s;
	c->trust.remote = c->remote = r;
	if (c->trust.max_endpoints == 0)
		c->trust.max_endpoints = UCF_MAX_ENDPOINTS_PER_MESSAGE;
	c->o.host_media = o->host_media;
	c->o.host_calls = o->host_calls;
	c->o.host_rate_milli = o->host_rate_milli;
	c->o.host_burst = o->host_burst;
	uint32_t timeout_s = o->media_timeout_s ? o->media_timeout_s : 120;
	c->o.media_timeout_s = timeout_s;
	ucf_flow_table_set_timeout(c->flows, T_MEDIA, timeout_s);
	struct ucf_media_opts mo;
	media_opts(o, timeout_s, &c->h, &mo);
	ucf_media_set_limits(c->media, &mo);
	return 0;
}

int ucf_classifier_set_caps(struct ucf_classifier *c, uint32_t max_flows, uint32_t max_media,
			    char *err, size_t errlen)
{
	char why[160];
	int rc = 0, r;
	size_t used = 0;
	err[0] = '\0';
	if (max_flows != ucf_flow_table_max(c->flows) &&
	    (r = ucf_flow_table_set_max(c->flows, max_flows, why, sizeof(why))) < 0) {
		rc = r;
		used = (size_t)snprintf(err, errlen, "limits.flows: %s", why);
	} else {
		c->o.max_flows = max_flows;
	}
	if (max_media != ucf_media_cap(c->media) &&
	    (r = ucf_media_set_cap(c->media, max_media, why, sizeof(why))) < 0) {
		rc = rc ? rc : r;
		if (used < errlen)
			snprintf(err + used, errlen - used, "%slimits.media: %s", used ? "; " : "", why);
	} else {
		c->o.max_media = max_media;
	}
	return rc;
}

void ucf_classifier_set_ingress(struct ucf_classifier *c, enum ucf_ingress in)
{
	c->ingress = in;
}

int ucf_classifier_forget_risks(struct ucf_classifier *c,
				bool (*match)(void *arg, uint8_t family, const uint8_t *addr),
				void *arg)
{
	return c->risks ? ucf_risks_forget(c->risks, match, arg) : 0;
}

void ucf_classifier_tick(struct ucf_classifier *c, uint64_t now_us)
{
	if (now_us > c->now_us)
		c->now_us = now_us;
	c->last_tick_us = c->now_us;
	ucf_flow_expire(c->flows, c->now_us);
	ucf_media_expire(c->media, c->now_us);
}

int ucf_classifier_packet(struct ucf_classifier *c, int dlt, const uint8_t *frame,
			  uint32_t caplen, uint32_t wirelen, uint64_t ts_us,
			  struct ucf_packet_result *res)
{
	if (res)
		memset(res, 0, sizeof(*res));
	c->st.frames++;
	c->st.bytes += wirelen;
	if (ts_us > c->now_us)
		c->now_us = ts_us;
	if (c->now_us - c->last_tick_us >= 1000000ull)
		ucf_classifier_tick(c, c->now_us);
	struct ucf_pkt pkt;
	int rc = ucf_decode(dlt, frame, caplen, &pkt);
	if (rc == -EPROTONOSUPPORT) {
		c->st.ignored++;
		return 0;
	}
	if (rc < 0) {
		c->st.malformed++;
		return -EINVAL;
	}
	uint64_t wire = wirelen;
	if (pkt.fragment) {
		c->st.fragments++;
		const uint8_t *data;
		uint32_t len;
		if (ucf_reasm_add(c->reasm, &pkt, wirelen, c->now_us, &data, &len, &wire) < 0) {
			c->st.fragments_dropped++;
			return 0;
		}
		if (len == 0)
			return 0; /* more fragments to come */
		c->st.reassembled++;
		rc = ucf_decode_l4(pkt.l4proto, data, len, &pkt);
		if (rc < 0) {
			c->st.malformed++;
			return -EINVAL;
		}
	}
	handle(c, &pkt, wire, res);
	return 0;
}

void ucf_classifier_flush(struct ucf_classifier *c)
{
	ucf_flow_flush(c->flows);
	ucf_media_flush(c->media);
}

void ucf_classifier_get_stats(const struct ucf_classifier *c, struct ucf_classifier_stats *st)
{
	*st = c->st;
	struct ucf_reasm_stats rs;
	ucf_reasm_get_stats(c->reasm, &rs);
	st->fragments_dropped += rs.dropped;
	st->flows_active = ucf_flow_count(c->flows);
	st->flows_max = ucf_flow_table_max(c->flows);
	st->media_active = ucf_media_count(c->media);
	st->media_max = ucf_media_cap(c->media);
	st->calls_active = ucf_media_calls(c->media);
	st->media_learned = ucf_media_learned_total(c->media);
	st->stream_bytes = c->streams.bytes;
	st->stream_bytes_peak = c->streams.peak;
	st->stream_evicted = c->streams.evicted;
	st->stream_refused = c->streams.refused;
	st->stream_budget = c->streams.budget;
	st->reasm_bytes = rs.bytes;
	st->reasm_budget = UCF_REASM_BYTES;
	st->reasm_evicted = rs.evicted;
}
