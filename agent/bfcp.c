/* bfcp.c — see bfcp.h. */
#include "bfcp.h"

#include "bytes.h"

bool ucf_bfcp_match(const uint8_t *p, size_t n, bool stream)
{
	if (n < 12)
		return false;
	unsigned ver = p[0] >> 5;
	if (ver != 1 && ver != 2)
		return false;
	/* v1: 5 reserved bits; v2: R and F flags then 3 reserved bits */
	if (ver == 1 ? (p[0] & 0x1f) != 0 : (p[0] & 0x07) != 0)
		return false;
	if (p[1] < 1 || p[1] > 17)
		return false;
	size_t len = 12 + 4 * (size_t)ucf_rd16(p + 2);
	if (stream ? len > n && n < 12 : len != n)
		return false;
	if (ucf_rd32(p + 4) == 0 && ucf_rd16(p + 8) == 0)
		return false; /* conference and transaction ids both zero */
	size_t end = len < n ? len : n;
	size_t off = 12;
	while (off < end) {
		if (off + 2 > end)
			return false;
		size_t alen = p[off + 1];
		if (alen < 2)
			return false;
		size_t padded = (alen + 3) & ~(size_t)3;
		if (off + padded > len)
			return false;
		off += padded;
	}
	return true;
}
