/* sccp.c — see sccp.h. Header: data length (LE32, counts from the version
 * word), header version (LE32), message id (LE32), then data. */
#include "sccp.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "bytes.h"

/* Header versions seen from CUCM and phones: basic 0, and 0x0a..0x16. */
static bool version_ok(uint32_t v)
{
	return v == 0 || (v >= 0x0a && v <= 0x16);
}

/* Message ids are grouped: station->CM 0x0000-0x00ff, CM->station
 * 0x0081-0x01ff, and a few 0x8000+ (newer) ones. */
static bool id_ok(uint32_t id)
{
	return id <= 0x0200 || (id >= 0x8000 && id <= 0x8200);
}

bool ucf_sccp_header_ok(const uint8_t *p, size_t n)
{
	if (n < 12)
		return false;
	uint32_t len = ucf_rd32le(p);
	return len >= 4 && len <= UCF_SCCP_MAX_MSG && version_ok(ucf_rd32le(p + 4)) &&
	       id_ok(ucf_rd32le(p + 8));
}

/* An address block at d: V17+ has ipv4or6 (LE32) then 16 address bytes; the
 * basic layout has 4 address bytes. Returns bytes used or 0. */
static size_t read_addr(const uint8_t *d, size_t dl, bool v17, struct ucf_sccp_msg *m)
{
	if (!v17) {
		if (dl < 4)
			return 0;
		m->family = AF_INET;
		memset(m->addr, 0, 16);
		memcpy(m->addr, d, 4);
		return 4;
	}
	if (dl < 20)
		return 0;
	uint32_t kind = ucf_rd32le(d);
	memset(m->addr, 0, 16);
	if (kind == 0) {
		m->family = AF_INET;
		memcpy(m->addr, d + 4, 4);
	} else if (kind == 1) {
		m->family = AF_INET6;
		memcpy(m->addr, d + 4, 16);
	} else {
		return 0;
	}
	return 20;
}

static bool addr_usable(const struct ucf_sccp_msg *m)
{
	static const uint8_t zero[16];
	return m->port != 0 && memcmp(m->addr, zero, m->family == AF_INET ? 4 : 16) != 0;
}

int ucf_sccp_parse(const uint8_t *p, size_t n, struct ucf_sccp_msg *m)
{
	memset(m, 0, sizeof(*m));
	if (n < 12) {
		if (n >= 8 && (ucf_rd32le(p) < 4 || ucf_rd32le(p) > UCF_SCCP_MAX_MSG ||
			       !version_ok(ucf_rd32le(p + 4))))
			return -EINVAL;
		return -EAGAIN;
	}
	if (!ucf_sccp_header_ok(p, n))
		return -EINVAL;
	uint32_t dlen = ucf_rd32le(p);
	if ((size_t)dlen + 8 > n)
		return -EAGAIN;
	m->len = dlen + 8;
	m->version = ucf_rd32le(p + 4);
	m->id = ucf_rd32le(p + 8);
	const uint8_t *d = p + 12;
	size_t dl = dlen - 4;
	/* V17 (0x11) and later carry IPv4-or-IPv6 address blocks. */
	bool v17 = m->version >= 0x11;
	size_t a;
	switch (m->id) {
	case UCF_SCCP_OPEN_RECEIVE_CHANNEL_ACK:
		/* status, address, port, passThroughPartyId */
		if (dl < 4 || ucf_rd32le(d) != 0)
			break; /* a failed open carries no usable address */
		a = read_addr(d + 4, dl - 4, v17, m);
		if (a == 0 || dl < 4 + a + 8)
			break;
		m->port = (uint16_t)ucf_rd32le(d + 4 + a);
		m->party = ucf_rd32le(d + 4 + a + 4);
		m->media = addr_usable(m);
		break;
	case UCF_SCCP_START_MEDIA:
		/* conferenceId, passThroughPartyId, address, port, packet size,
		 * compression, qualifier (4 words), [V17: codec params...] */
		if (dl < 8)
			break;
		m->conference = ucf_rd32le(d);
		m->party = ucf_rd32le(d + 4);
		a = read_addr(d + 8, dl - 8, v17, m);
		if (a == 0 || dl < 8 + a + 4)
			break;
		m->port = (uint16_t)ucf_rd32le(d + 8 + a);
		m->media = addr_usable(m);
		/* V17+: packet size, compression, qualifier (3 words), codec
		 * params (1 word), callReference, then the key info whose first
		 * word is the algorithm (0 = none). */
		if (v17) {
			size_t alg = 8 + a + 4 + 4 + 4 + 12 + 4 + 4;
			if (dl >= alg + 4)
				m->unencrypted = ucf_rd32le(d + alg) == 0;
		} else {
			m->unencrypted = true; /* the basic layout has no key info */
		}
		break;
	case UCF_SCCP_STOP_MEDIA:
	case UCF_SCCP_CLOSE_RECEIVE_CHANNEL:
		if (dl >= 8) {
			m->conference = ucf_rd32le(d);
			m->party = ucf_rd32le(d + 4);
		}
		break;
	default:
		break;
	}
	return 0;
}
