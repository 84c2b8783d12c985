/* sdp.h — the parts of an SDP offer/answer that locate media: session- and
 * media-level c= (IPv4/IPv6), every m= line (port 0 = stream off, port
 * counts), RTCP (port+1, a=rtcp:, a=rtcp-mux), the transport profile
 * (RTP/AVP vs RTP/SAVP(F), DTLS-SRTP, UDPTL) and a=crypto (SDES keys, whose
 * value is never kept). */
#ifndef UCF_SDP_H
#define UCF_SDP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define UCF_SDP_MAX_MEDIA 16

enum ucf_sdp_transport {
	UCF_SDP_RTP,      /* RTP/AVP, RTP/AVPF: cleartext media */
	UCF_SDP_SRTP,     /* RTP/SAVP, RTP/SAVPF, UDP/TLS/RTP/SAVP(F) */
	UCF_SDP_UDPTL,    /* T.38 fax */
	UCF_SDP_UDP,      /* other UDP transports (UDP/BFCP, udp) */
	UCF_SDP_TCP,      /* TCP/... : not learned */
	UCF_SDP_UNKNOWN,
};

struct ucf_sdp_addr {
	uint8_t family; /* 0: none (absent, unspecified 0.0.0.0 or a host name) */
	uint8_t addr[16];
};

struct ucf_sdp_media {
	uint8_t transport; /* enum ucf_sdp_transport */
	bool crypto;       /* a=crypto: on this m= (or the session) */
	bool rtcp_mux;
	uint16_t port;     /* 0: stream disabled */
	uint16_t nports;   /* m=audio 49170/2 ...: 2 (default 1) */
	uint16_t rtcp_port; /* 0: port + 1 unless rtcp_mux */
	struct ucf_sdp_addr conn; /* effective c= (media level, else session) */
	struct ucf_sdp_addr rtcp_conn; /* a=rtcp: address, if given */
};

struct ucf_sdp {
	unsigned count; /* m= lines kept (at most UCF_SDP_MAX_MEDIA) */
	bool crypto;    /* any a=crypto */
	struct ucf_sdp_media m[UCF_SDP_MAX_MEDIA];
};

/* Returns 0, or -EINVAL when the text is not SDP (does not start with v=). */
int ucf_sdp_parse(const uint8_t *p, size_t n, struct ucf_sdp *s);

#endif
