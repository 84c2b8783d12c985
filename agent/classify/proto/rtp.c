/* rtp.c — see rtp.h. */
#include "rtp.h"

#include "bytes.h"

bool ucf_rtp_header(const uint8_t *p, size_t n, uint8_t *pt, uint16_t *seq, uint32_t *ssrc)
{
	if (n < 12 || (p[0] >> 6) != 2)
		return false;
	uint8_t t = p[1] & 0x7f;
	/* 72-76 collide with RTCP SR..APP when the marker bit is set (RFC 5761);
	 * 35-95 are unassigned and never seen in practice. */
	if ((t >= 72 && t <= 76) || (t >= 35 && t <= 95))
		return false;
	size_t hdr = 12 + 4u * (p[0] & 0x0f);
	if (hdr > n)
		return false;
	if (p[0] & 0x10) { /* header extension: 2-byte profile, 2-byte length in words */
		if (hdr + 4 > n)
			return false;
		hdr += 4 + 4u * ucf_rd16(p + hdr + 2);
		if (hdr > n)
			return false;
	}
	if (p[0] & 0x20) { /* padding: the count is the last byte */
		uint8_t pad = p[n - 1];
		if (pad == 0 || pad > n - hdr)
			return false;
	}
	*pt = t;
	*seq = ucf_rd16(p + 2);
	*ssrc = ucf_rd32(p + 8);
	return true;
}

bool ucf_rtp_track(struct ucf_rtp_track *t, const uint8_t *p, size_t n)
{
	uint8_t pt;
	uint16_t seq;
	uint32_t ssrc;
	if (!ucf_rtp_header(p, n, &pt, &seq, &ssrc)) {
		t->run = 0;
		return false;
	}
	uint16_t step = (uint16_t)(seq - t->seq);
	if (t->run > 0 && ssrc == t->ssrc && step >= 1 && step <= 16 &&
	    (pt == t->pt || pt >= 96 || t->pt >= 96)) {
		if (t->run < 255)
			t->run++;
	} else if (!(t->run > 0 && ssrc == t->ssrc && step == 0)) {
		t->run = 1; /* a new stream, or a jump: start again */
	}
	t->ssrc = ssrc;
	t->seq = seq;
	t->pt = pt;
	return t->run >= UCF_RTP_RUN;
}

bool ucf_rtcp_compound(const uint8_t *p, size_t n)
{
	if (n < 8)
		return false;
	uint8_t first = p[1];
	/* A compound starts with SR or RR (RFC 3550); reduced-size RTCP (RFC
	 * 5506) may start with feedback (205/206). */
	if (first != 200 && first != 201 && first != 205 && first != 206)
		return false;
	size_t off = 0;
	unsigned packets = 0;
	while (off + 4 <= n) {
		const uint8_t *h = p + off;
		if ((h[0] >> 6) != 2 || h[1] < 192 || h[1] > 223)
			break;
		size_t len = ((size_t)ucf_rd16(h + 2) + 1) * 4;
		if (off + len > n)
			return false;
		unsigned rc = h[0] & 0x1f;
		if (h[1] == 200 && len < 28 + 24 * rc)
			return false;
		if (h[1] == 201 && len < 8 + 24 * rc)
			return false;
		off += len;
		packets++;
	}
	if (packets == 0)
		return false;
	size_t rest = n - off;
	/* SRTCP: E-flag+index (4) and an auth tag (usually 10 bytes, up to 16). */
	return rest == 0 || (rest >= 4 && rest <= 20);
}
