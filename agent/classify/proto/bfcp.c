/* bfcp.c — see bfcp.h. */
#include "bfcp.h"

#include "bytes.h"

/* Attributes: type (7 bits) + M, length in bytes including this 2-byte
 * header, padded to 4 bytes. */
static bool attrs_ok(const uint8_t *p, size_t end, size_t msglen)
{
	size_t off = 12;
	while (off < end) {
		if (off + 2 > end)
			return false;
		size_t alen = p[off + 1];
		if (alen < 2)
			return false;
		size_t padded = (alen + 3) & ~(size_t)3;
		if (off + padded > msglen)
			return false;
		off += padded;
	}
	return true;
}

bool ucf_bfcp_header(const uint8_t *p, size_t n, bool stream, struct ucf_bfcp_hdr *h)
{
	if (n < 12)
		return false;
	unsigned ver = p[0] >> 5;
	if (ver != 1 && ver != 2)
		return false;
	/* v1: 5 reserved bits; v2: R and F flags, then 3 reserved bits */
	if (ver == 1 ? (p[0] & 0x1f) != 0 : (p[0] & 0x07) != 0)
		return false;
	if (p[1] < 1 || p[1] > 17)
		return false;
	h->conference = ucf_rd32(p + 4);
	h->user = ucf_rd16(p + 10);
	size_t len = 12 + 4 * (size_t)ucf_rd16(p + 2);
	if (stream)
		h->length_ok = attrs_ok(p, len < n ? len : n, len);
	else
		h->length_ok = len == n && attrs_ok(p, n, n);
	return true;
}
