/* media.h — learned media: the addresses and ports each party of a call
 * announced (SIP/SDP, SCCP, MGCP, a TFTP request), with an idle timeout, and
 * the pinholes they need. A call is its signalling id (Call-ID hash, or one
 * derived from the flow) together with its two parties: the endpoint side
 * (the phone, or A for phones behind the MX), which is charged for it, and
 * the server side. Each call keeps its own entries, so no call can take over,
 * end or evict another call's media; one host can exhaust only its share.
 *
 * A pinhole is (peer, endpoint): the endpoint a party announced may receive
 * UDP from the other party of the call, that is from the addresses the other
 * party announced, or from its signalling address until it has announced
 * any. Events report pinholes as they open and close:
 *   OPEN    a pinhole is needed (one event per call that needs it)
 *   CLOSE   no longer needed by that call: BYE/CANCEL/rejection, replaced by
 *           a new offer or answer, SCCP close/stop, MGCP DLCX, idle for the
 *           timeout, or the table flushed
 * Events are delivered synchronously from the call that caused them. An
 * endpoint whose call ended lingers a few seconds (no pinhole, still known)
 * so media in flight after a BYE is still recognised as that call's. */
#ifndef UCF_MEDIA_H
#define UCF_MEDIA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum ucf_media_kind {
	UCF_MEDIA_RTP,   /* RTP (or SRTP) stream port */
	UCF_MEDIA_RTCP,  /* its RTCP port */
	UCF_MEDIA_UDPTL, /* T.38 fax */
	UCF_MEDIA_UDP,   /* other UDP media (BFCP over UDP, ...) */
	UCF_MEDIA_TFTP,  /* a TFTP client's port awaiting the server's transfer */
};

enum ucf_media_origin { UCF_ORIGIN_SIP, UCF_ORIGIN_SCCP, UCF_ORIGIN_MGCP, UCF_ORIGIN_TFTP };

enum ucf_media_event_type { UCF_MEDIA_OPEN, UCF_MEDIA_CLOSE };

enum ucf_media_end_reason {
	UCF_END_NONE,
	UCF_END_CALL,     /* BYE, CANCEL, failed INVITE, SCCP close/stop, MGCP DLCX */
	UCF_END_REPLACED, /* a new offer/answer no longer has it, or the peer moved */
	UCF_END_IDLE,     /* no packet for the timeout */
	UCF_END_FLUSH,    /* the classifier shut down */
};

struct ucf_media_endpoint {
	uint8_t l4proto; /* IPPROTO_UDP */
	uint8_t family;  /* AF_INET or AF_INET6 */
	uint8_t addr[16]; /* network order, IPv4 in the first 4 bytes */
	uint16_t port;
	uint8_t kind;    /* enum ucf_media_kind */
	uint8_t origin;  /* enum ucf_media_origin */
	bool srtp;       /* announced as SRTP (SAVP/SAVPF, DTLS-SRTP) */
};

struct ucf_media_event {
	enum ucf_media_event_type type;
	enum ucf_media_end_reason reason; /* CLOSE only */
	struct ucf_media_endpoint ep;     /* the destination */
	uint8_t peer[16];                 /* the only source (same family as ep) */
	uint32_t timeout_s; /* the idle timeout the pinhole should have */
};

typedef void (*ucf_media_event_fn)(void *arg, const struct ucf_media_event *ev);

/* A call: its id and its parties (addresses of the signalling flow). */
enum { UCF_MEDIA_SIDE_ENDPOINT = 0, UCF_MEDIA_SIDE_SERVER = 1 };
struct ucf_media_call {
	uint64_t id;
	uint8_t family;
	uint8_t party[2][16]; /* [UCF_MEDIA_SIDE_*] */
};

struct ucf_media_opts {
	uint32_t cap;        /* endpoints kept at most (all calls) */
	uint32_t timeout_s;  /* idle timeout */
	/* per endpoint-side host; 0: no limit */
	uint32_t host_media;      /* endpoints held by its calls */
	uint32_t host_calls;      /* calls */
	uint32_t host_rate_milli; /* announcements per 1000 seconds (token bucket) */
	uint32_t host_burst;      /* bucket size */
	/* A host that stands for many (A, shared by the phones behind the MX)
	 * gets shared_factor times each limit; family 0: none */
	uint8_t shared_family;
	uint8_t shared[16];
	uint32_t shared_factor;
	ucf_media_event_fn fn;
	void *arg;
};

struct ucf_media;

int ucf_media_new(const struct ucf_media_opts *o, struct ucf_media **out, char *err,
		  size_t errlen);
void ucf_media_free(struct ucf_media *m); /* no events */
/* New per-host limits (a reload); what is held stays, the next learn obeys
 * them; so does a timeout_s other than 0 (the idle timeout). cap, fn and
 * arg of o are ignored. */
void ucf_media_set_limits(struct ucf_media *m, const struct ucf_media_opts *o);
/* A reload: a new cap. Growing takes effect at once; a cap below the
 * endpoints now held is refused (-EBUSY, nothing changes) rather than
 * ending live calls' media. -EINVAL for a cap new() would refuse, -ENOMEM. */
int ucf_media_set_cap(struct ucf_media *m, uint32_t cap, char *err, size_t errlen);
uint32_t ucf_media_cap(const struct ucf_media *m);

/* Takes one token of the call's endpoint-side host for an announcement:
 * 0, or -EBUSY when the host announces faster than its rate. */
int ucf_media_admit(struct ucf_media *m, const struct ucf_media_call *call, uint64_t now_us);

/* An offer/answer from one side of a call replaces what that side announced
 * before: begin, learn each endpoint, end. Endpoints of the side not learned
 * again are closed (UCF_END_REPLACED). learn returns 0, or -EDQUOT (the
 * host's media share), -EUSERS (the host's call share), -ENOSPC (the table
 * is full), -ENOMEM: nothing learned. */
void ucf_media_offer_begin(struct ucf_media *m, const struct ucf_media_call *call, unsigned side);
int ucf_media_learn(struct ucf_media *m, const struct ucf_media_call *call, unsigned side,
		    const struct ucf_media_endpoint *ep, uint64_t now_us);
void ucf_media_offer_end(struct ucf_media *m, const struct ucf_media_call *call, unsigned side);

/* Ends every endpoint of a call, or of one side of it. */
void ucf_media_end_call(struct ucf_media *m, const struct ucf_media_call *call,
			enum ucf_media_end_reason why);
void ucf_media_end_side(struct ucf_media *m, const struct ucf_media_call *call, unsigned side,
			enum ucf_media_end_reason why);
/* Call state (the INVITE got a 2xx): a later failure of a re-INVITE must
 * not end the call's media. False for unknown calls. */
void ucf_media_set_established(struct ucf_media *m, const struct ucf_media_call *call);
bool ucf_media_established(const struct ucf_media *m, const struct ucf_media_call *call);

/* An endpoint at (family, addr, port, l4proto), live or lingering, or
 * false. On a hit, *ref names it for ucf_media_refresh and *ep is filled. */
struct ucf_media_ref {
	uint32_t index, serial;
};
bool ucf_media_lookup(struct ucf_media *m, uint8_t family, const uint8_t *addr, uint16_t port,
		      uint8_t l4proto, struct ucf_media_endpoint *ep, struct ucf_media_ref *ref);
/* Media flowing: every live entry of that endpoint (all calls that announced
 * it) stays alive; stale refs are ignored. */
void ucf_media_refresh(struct ucf_media *m, struct ucf_media_ref ref, uint64_t now_us);

void ucf_media_expire(struct ucf_media *m, uint64_t now_us);
void ucf_media_flush(struct ucf_media *m);
/* Changes whenever an endpoint is added: lets flows skip re-checking. */
uint32_t ucf_media_generation(const struct ucf_media *m);
uint32_t ucf_media_count(const struct ucf_media *m);
uint32_t ucf_media_calls(const struct ucf_media *m);
uint64_t ucf_media_learned_total(const struct ucf_media *m);

#endif
