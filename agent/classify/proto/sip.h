/* sip.h — a SIP message parser that keeps only what the classifier needs:
 * request method or status, CSeq method, a hash of Call-ID (never the text:
 * no URI, user or number leaves this module), Content-Length and the SDP
 * body (also found inside multipart bodies). Compact header forms accepted. */
#ifndef UCF_SIP_H
#define UCF_SIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum ucf_sip_method {
	UCF_SIP_OTHER = 0,
	UCF_SIP_INVITE,
	UCF_SIP_ACK,
	UCF_SIP_BYE,
	UCF_SIP_CANCEL,
	UCF_SIP_REGISTER,
	UCF_SIP_OPTIONS,
	UCF_SIP_PRACK,
	UCF_SIP_UPDATE,
	UCF_SIP_SUBSCRIBE,
	UCF_SIP_NOTIFY,
	UCF_SIP_PUBLISH,
	UCF_SIP_INFO,
	UCF_SIP_REFER,
	UCF_SIP_MESSAGE,
	UCF_SIP_METHOD_COUNT
};

struct ucf_sip_msg {
	bool request;
	uint8_t method;      /* enum ucf_sip_method, requests */
	uint16_t status;     /* responses, 100..699 */
	uint8_t cseq_method; /* enum ucf_sip_method */
	bool has_clen;
	uint32_t clen;
	uint64_t call_hash; /* FNV-1a of the Call-ID value; 0 when absent */
	const uint8_t *sdp; /* SDP body (or the SDP part of a multipart body), or NULL */
	uint32_t sdp_len;
	uint32_t len; /* bytes this message spans (headers and body) */
};

/* A cheap test of the first line: "SIP/2.0 NNN" or "METHOD URI SIP/2.0". */
bool ucf_sip_start_line(const uint8_t *p, size_t n);

/* Parses one message. stream: the transport is a byte stream, so the
 * message ends at Content-Length (absent means 0) and may be incomplete
 * (-EAGAIN); otherwise it is a datagram and the body is the rest (limited by
 * Content-Length). Returns 0, -EAGAIN, or -EINVAL when p is not SIP. */
int ucf_sip_parse(const uint8_t *p, size_t n, bool stream, struct ucf_sip_msg *m);

/* Bytes of CR/LF keep-alive filler at p (RFC 5626 double-CRLF pings). */
size_t ucf_sip_filler(const uint8_t *p, size_t n);

const char *ucf_sip_method_name(unsigned method);

#endif
