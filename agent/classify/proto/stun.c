/* stun.c — see stun.h. */
#include "stun.h"

#include <stdint.h>

#include "bytes.h"

#define COOKIE 0x2112a442u

/* Attributes: 2-byte type, 2-byte length, value padded to 4 bytes. They must
 * tile the body exactly. classic (RFC 3489): lengths are multiples of 4;
 * types are not checked (Zoom sends its own, e.g. 0x0101). */
static bool attrs_ok(const uint8_t *p, size_t n, bool classic)
{
	size_t off = 0;
	while (off < n) {
		if (off + 4 > n)
			return false;
		uint16_t type = ucf_rd16(p + off);
		size_t len = ucf_rd16(p + off + 2);
		if (classic && (len % 4 != 0 || type == 0))
			return false;
		size_t padded = classic ? len : (len + 3) & ~(size_t)3;
		if (off + 4 + padded > n)
			return false;
		off += 4 + padded;
	}
	return true;
}

static bool header_ok(const uint8_t *p, size_t n, size_t *msglen)
{
	if (n < 20 || (p[0] & 0xc0) != 0)
		return false;
	size_t len = ucf_rd16(p + 2);
	if (len % 4 != 0 || ucf_rd32(p + 4) != COOKIE)
		return false;
	*msglen = 20 + len;
	return true;
}

bool ucf_stun_datagram(const uint8_t *p, size_t n, bool *classic)
{
	size_t ml;
	if (header_ok(p, n, &ml)) {
		*classic = false;
		return ml == n && attrs_ok(p + 20, n - 20, false);
	}
	if (n < 20)
		return false;
	uint16_t type = ucf_rd16(p);
	/* Binding and Shared-Secret request/response/error (RFC 3489 §11.1) */
	if (type != 0x0001 && type != 0x0101 && type != 0x0111 && type != 0x0002 &&
	    type != 0x0102 && type != 0x0112)
		return false;
	if ((size_t)ucf_rd16(p + 2) + 20 != n)
		return false;
	*classic = true;
	return attrs_ok(p + 20, n - 20, true);
}

bool ucf_stun_stream(const uint8_t *p, size_t n)
{
	size_t ml;
	if (header_ok(p, n, &ml))
		return ml <= n ? attrs_ok(p + 20, ml - 20, false) : true;
	/* RFC 4571: 2-byte length, then the message */
	if (n >= 22 && header_ok(p + 2, n - 2, &ml) && ucf_rd16(p) == ml)
		return ml + 2 <= n ? attrs_ok(p + 22, ml - 20, false) : true;
	return false;
}
