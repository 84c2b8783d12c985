/* tftp.h — TFTP (RFC 1350/2347): read/write requests to UDP 69 and option
 * acknowledgements. The transfer itself runs between the client's port and
 * a new server port; the classifier learns it from the request. */
#ifndef UCF_TFTP_H
#define UCF_TFTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define UCF_TFTP_PORT 69

/* RRQ/WRQ: opcode, file name (may be empty), NUL, mode (netascii|octet|mail), NUL,
 * then option/value pairs, each NUL-terminated, ending the datagram. */
bool ucf_tftp_request(const uint8_t *p, size_t n);
/* OACK: opcode 6, then option/value pairs as above. */
bool ucf_tftp_oack(const uint8_t *p, size_t n);

#endif
