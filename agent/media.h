/* media.h — learned media endpoints: the addresses and ports that call
 * signalling (SIP/SDP, SCCP, MGCP) or a TFTP request announced, owned by a
 * call, with an idle timeout. Every change is reported as an event, the
 * interface the live agent uses to open and close nftables pinholes:
 *   LEARNED  an endpoint is new (or moved to another call: not repeated)
 *   ENDED    BYE/CANCEL/rejection, replaced by a re-INVITE/UPDATE, port 0,
 *            SCCP close/stop, idle for the timeout, or evicted at the cap.
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

enum ucf_media_event_type { UCF_MEDIA_LEARNED, UCF_MEDIA_ENDED };

enum ucf_media_end_reason {
	UCF_END_NONE,
	UCF_END_CALL,     /* BYE, CANCEL, failed INVITE, SCCP close/stop, MGCP DLCX */
	UCF_END_REPLACED, /* a new offer/answer from the same party no longer has it */
	UCF_END_IDLE,     /* no packet for the timeout */
	UCF_END_EVICTED,  /* the table was full */
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
	enum ucf_media_end_reason reason; /* ENDED only */
	struct ucf_media_endpoint ep;
	uint32_t timeout_s; /* the idle timeout the pinhole should have */
};

typedef void (*ucf_media_event_fn)(void *arg, const struct ucf_media_event *ev);

struct ucf_media;

/* cap: most endpoints kept (the oldest idle one is evicted beyond it). */
int ucf_media_new(uint32_t cap, uint32_t timeout_s, ucf_media_event_fn fn, void *arg,
		  struct ucf_media **out, char *err, size_t errlen);
void ucf_media_free(struct ucf_media *m); /* no events */

/* An offer/answer from one party (side) of a call replaces what that party
 * announced before: begin, learn each endpoint, end. Endpoints of the side
 * not learned again are ENDED (UCF_END_REPLACED). */
void ucf_media_offer_begin(struct ucf_media *m, uint64_t call, uint32_t side);
int ucf_media_learn(struct ucf_media *m, uint64_t call, uint32_t side,
		    const struct ucf_media_endpoint *ep, uint64_t now_us);
void ucf_media_offer_end(struct ucf_media *m, uint64_t call, uint32_t side);

/* Ends every endpoint of a call; side_only: only those of that side. */
void ucf_media_end_call(struct ucf_media *m, uint64_t call, enum ucf_media_end_reason why);
void ucf_media_end_side(struct ucf_media *m, uint64_t call, uint32_t side,
			enum ucf_media_end_reason why);
/* Call state (the INVITE got a 2xx): a later failure of a re-INVITE must
 * not end the call's media. False for unknown calls. */
void ucf_media_set_established(struct ucf_media *m, uint64_t call);
bool ucf_media_established(const struct ucf_media *m, uint64_t call);

/* The endpoint at (family, addr, port, l4proto), live or lingering, or
 * false. On a hit, *ref names the entry for ucf_media_refresh and *ep is
 * filled. */
struct ucf_media_ref {
	uint32_t index, serial;
};
bool ucf_media_lookup(struct ucf_media *m, uint8_t family, const uint8_t *addr, uint16_t port,
		      uint8_t l4proto, struct ucf_media_endpoint *ep, struct ucf_media_ref *ref);
/* Marks the entry active (media flowing); stale refs are ignored. */
void ucf_media_refresh(struct ucf_media *m, struct ucf_media_ref ref, uint64_t now_us);

void ucf_media_expire(struct ucf_media *m, uint64_t now_us);
void ucf_media_flush(struct ucf_media *m);
/* Changes whenever an endpoint is added: lets flows skip re-checking. */
uint32_t ucf_media_generation(const struct ucf_media *m);
uint32_t ucf_media_count(const struct ucf_media *m);
uint64_t ucf_media_learned_total(const struct ucf_media *m);

#endif
