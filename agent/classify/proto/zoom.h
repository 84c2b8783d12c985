/* zoom.h — where RTP/RTCP sits behind Zoom's media transport headers (UDP
 * 8801 and P2P): a media type byte — 0x0f audio (RTP 19 bytes on), 0x10
 * video (RTP 24 on), 0x21-0x23 RTCP (16 on) — either first in the datagram
 * (P2P), or after a 0x05 SFU header of 8 bytes (or 1, older clients). Only
 * candidates are returned: the RTP/RTCP checks decide. */
#ifndef UCF_ZOOM_H
#define UCF_ZOOM_H

#include <stddef.h>
#include <stdint.h>

enum ucf_zoom_kind { UCF_ZOOM_RTP, UCF_ZOOM_RTCP };

struct ucf_zoom_inner {
	uint8_t kind;  /* enum ucf_zoom_kind */
	uint32_t off;  /* where the RTP/RTCP packet starts */
};

#define UCF_ZOOM_MAX_CANDIDATES 3

/* Fills out[] with up to UCF_ZOOM_MAX_CANDIDATES candidates; returns how many. */
unsigned ucf_zoom_media(const uint8_t *p, size_t n, struct ucf_zoom_inner *out);

#endif
