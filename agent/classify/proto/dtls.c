/* dtls.c — see dtls.h. */
#include "dtls.h"

#include "bytes.h"

static bool version_ok(uint16_t v)
{
	return v == 0xfeff || v == 0xfefd || v == 0xfefc || v == 0x0100;
}

bool ucf_dtls_datagram(const uint8_t *p, size_t n)
{
	size_t off = 0;
	unsigned records = 0;
	while (off < n) {
		const uint8_t *r = p + off;
		size_t left = n - off;
		if (records > 0 && (r[0] & 0xe0) == 0x20) {
			/* DTLS 1.3 unified header (001CSLEE): with L set a 2-byte
			 * length follows the (1 or 2 byte) sequence and CID is not
			 * used here; without L the record runs to the end. */
			if (r[0] & 0x10)
				return false;
			size_t h = 1 + ((r[0] & 0x08) ? 2 : 1);
			if (!(r[0] & 0x04))
				return h <= left;
			if (h + 2 > left)
				return false;
			size_t len = ucf_rd16(r + h);
			if (h + 2 + len > left)
				return false;
			off += h + 2 + len;
			records++;
			continue;
		}
		if (left < 13)
			return false;
		if (r[0] < 20 || r[0] > 25 || !version_ok(ucf_rd16(r + 1)))
			return false;
		size_t len = ucf_rd16(r + 11);
		if (len == 0 || 13 + len > left)
			return false;
		off += 13 + len;
		records++;
	}
	return records > 0;
}
