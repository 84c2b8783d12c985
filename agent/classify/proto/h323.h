/* h323.h — H.323: H.225.0 call signalling and H.245 control in TPKT over TCP,
 * H.225.0 RAS over UDP 1719. */
#ifndef UCF_H323_H
#define UCF_H323_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define UCF_H323_RAS_PORT 1719

/* A TPKT carrying Q.931 (H.225.0) or H.245 (protocol identifier). */
bool ucf_h323_tcp(const uint8_t *p, size_t n);
/* A RAS message between these ports (one must be 1719): it carries the
 * H.225.0 protocol identifier OID early in the message. */
bool ucf_h323_ras(uint16_t sport, uint16_t dport, const uint8_t *p, size_t n);

#endif
