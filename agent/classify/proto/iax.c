/* iax.c — see iax.h. */
#include "iax.h"

#include "bytes.h"

bool ucf_iax_full_frame(uint16_t sport, uint16_t dport, const uint8_t *p, size_t n)
{
	if (sport != UCF_IAX_PORT && dport != UCF_IAX_PORT)
		return false;
	if (n < 12 || !(p[0] & 0x80))
		return false;
	/* source call number is never 0 */
	if ((ucf_rd16(p) & 0x7fff) == 0)
		return false;
	uint8_t type = p[10];
	/* 1 DTMF, 2 voice, 3 video, 4 control, 5 null, 6 IAX, 7 text, 8 image,
	 * 9 HTML, 10 comfort noise */
	if (type < 1 || type > 10)
		return false;
	uint8_t sub = p[11];
	if (type == 6) {
		/* IAX control subclasses 1..0x26; the body is IEs (type, len,
		 * data) tiling the frame. */
		if (sub < 1 || sub > 0x26)
			return false;
		size_t off = 12;
		while (off < n) {
			if (off + 2 > n || off + 2 + (size_t)p[off + 1] > n)
				return false;
			off += 2 + (size_t)p[off + 1];
		}
	}
	return true;
}
