/* sccp.h — Cisco Skinny (SCCP) over TCP 2000: message framing and the
 * messages that matter here — registration, and the ones carrying media
 * addresses (OpenReceiveChannelAck, StartMediaTransmission) or ending media
 * (StopMediaTransmission, CloseReceiveChannel). Layout per header version:
 * basic (IPv4 only) and V17+ (IPv4-or-IPv6 address blocks). */
#ifndef UCF_SCCP_H
#define UCF_SCCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define UCF_SCCP_REGISTER 0x0001
#define UCF_SCCP_OPEN_RECEIVE_CHANNEL_ACK 0x0022
#define UCF_SCCP_REGISTER_ACK 0x0081
#define UCF_SCCP_START_MEDIA 0x008a
#define UCF_SCCP_STOP_MEDIA 0x008b
#define UCF_SCCP_OPEN_RECEIVE_CHANNEL 0x0105
#define UCF_SCCP_CLOSE_RECEIVE_CHANNEL 0x0106
#define UCF_SCCP_MAX_MSG 4096u

struct ucf_sccp_msg {
	uint32_t id;
	uint32_t version;   /* header version word */
	uint32_t len;       /* bytes of the whole message (8 + data length) */
	bool media;         /* a media address was found */
	uint8_t family;
	uint8_t addr[16];
	uint16_t port;
	bool unencrypted;   /* StartMediaTransmission with algorithm NO_ENCRYPTION */
	uint32_t party;     /* passThroughPartyId (media messages) */
	uint32_t conference;
};

/* Does p start with a plausible SCCP header (length, version, known id)? */
bool ucf_sccp_header_ok(const uint8_t *p, size_t n);

/* Parses one message. Returns 0, -EAGAIN when more bytes are needed, -EINVAL
 * when p is not SCCP. */
int ucf_sccp_parse(const uint8_t *p, size_t n, struct ucf_sccp_msg *m);

#endif
