/* dtls.h — DTLS records (RFC 6347/9147): content type, version (1.0, 1.2,
 * 1.3 legacy, and pre-standard 0x0100 OpenSSL), lengths tiling the datagram;
 * DTLS 1.3 unified headers after a first regular record. */
#ifndef UCF_DTLS_H
#define UCF_DTLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

bool ucf_dtls_datagram(const uint8_t *p, size_t n);

#endif
