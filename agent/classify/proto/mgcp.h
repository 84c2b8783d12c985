/* mgcp.h — MGCP (RFC 3435) commands and responses on UDP 2427/2727; SDP in
 * CRCX/MDCX and their responses gives media endpoints, DLCX ends them. */
#ifndef UCF_MGCP_H
#define UCF_MGCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define UCF_MGCP_GW_PORT 2427
#define UCF_MGCP_CA_PORT 2727

struct ucf_mgcp_msg {
	bool command;         /* else a response */
	bool delete;          /* DLCX */
	uint64_t call_hash;   /* FNV-1a of the C: value, 0 when absent */
	uint32_t txid;        /* the transaction id a response answers */
	const uint8_t *sdp;   /* body after the blank line, or NULL */
	uint32_t sdp_len;
};

/* A command: "VERB txid endpoint MGCP x.y"; a response: "NNN txid [text]"
 * (accepted only when one port is an MGCP port). Returns 0 or -EINVAL. */
int ucf_mgcp_parse(uint16_t sport, uint16_t dport, const uint8_t *p, size_t n,
		   struct ucf_mgcp_msg *m);

#endif
