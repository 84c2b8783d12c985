/* zoom.c — see zoom.h. */
#include "zoom.h"

static unsigned at(const uint8_t *p, size_t n, size_t base, struct ucf_zoom_inner *out)
{
	if (base >= n)
		return 0;
	uint8_t t = p[base];
	size_t off;
	uint8_t kind;
	if (t == 0x0f) {
		off = base + 19, kind = UCF_ZOOM_RTP;
	} else if (t == 0x10) {
		off = base + 24, kind = UCF_ZOOM_RTP;
	} else if (t >= 0x21 && t <= 0x23) {
		off = base + 16, kind = UCF_ZOOM_RTCP;
	} else {
		return 0;
	}
	if (off + (kind == UCF_ZOOM_RTP ? 12 : 8) > n)
		return 0;
	out->kind = kind;
	out->off = (uint32_t)off;
	return 1;
}

unsigned ucf_zoom_media(const uint8_t *p, size_t n, struct ucf_zoom_inner *out)
{
	unsigned k = 0;
	if (n == 0)
		return 0;
	if (p[0] == 0x05) {
		k += at(p, n, 8, out + k);
		k += at(p, n, 1, out + k);
	} else {
		k += at(p, n, 0, out + k);
	}
	return k;
}
