/* h323.c — see h323.h. */
#include "h323.h"

#include <string.h>

#include "bytes.h"

/* OID 0.0.8.2250.0 (H.225.0) and 0.0.8.245.0 (H.245) as PER encodes them,
 * after the length byte 06. */
static const uint8_t oid_h225[] = {0x06, 0x00, 0x08, 0x91, 0x4a};
static const uint8_t oid_h245[] = {0x06, 0x00, 0x08, 0x81, 0x75};

bool ucf_h323_tcp(const uint8_t *p, size_t n)
{
	/* TPKT: version 3, reserved 0, length covering the header */
	if (n < 12 || p[0] != 3 || p[1] != 0)
		return false;
	size_t len = ucf_rd16(p + 2);
	if (len < 7) /* a bare TPKT header is not H.323 evidence */
		return false;
	/* Q.931: protocol discriminator 8, call reference length <= 3, a
	 * message type from Q.931's table (all below 0x80, nonzero). */
	if (p[4] == 0x08) {
		size_t crl = p[5] & 0x0f;
		if ((p[5] & 0xf0) || crl > 3 || 6 + crl >= n)
			return false;
		uint8_t mt = p[6 + crl];
		return mt != 0 && mt < 0x80;
	}
	/* H.245 messages that carry the protocol identifier (terminal
	 * capability set, ...) put it at offset 7. */
	return n >= 12 && memcmp(p + 7, oid_h245, sizeof(oid_h245)) == 0;
}

bool ucf_h323_ras(uint16_t sport, uint16_t dport, const uint8_t *p, size_t n)
{
	if (sport != UCF_H323_RAS_PORT && dport != UCF_H323_RAS_PORT)
		return false;
	if (n < 12)
		return false;
	/* requestSeqNum (2 bytes) follows the choice byte(s); the OID comes
	 * right after it in GRQ/GCF/RRQ/RCF/... */
	for (size_t off = 2; off <= 6 && off + sizeof(oid_h225) <= n; off++)
		if (memcmp(p + off, oid_h225, sizeof(oid_h225)) == 0)
			return true;
	return false;
}
