/* sdp.c — see sdp.h. Line-oriented; each line is parsed within its bounds. */
#include "sdp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "bytes.h"

/* "IN IP4 addr[/ttl[/n]]" or "IN IP6 addr[/n]" at v. */
static void parse_conn(const uint8_t *v, size_t vl, struct ucf_sdp_addr *a)
{
	a->family = 0;
	int fam;
	if (ucf_prefix(v, vl, "IN IP4 "))
		fam = AF_INET;
	else if (ucf_prefix(v, vl, "IN IP6 "))
		fam = AF_INET6;
	else
		return;
	v += 7, vl -= 7;
	while (vl > 0 && ucf_is_space(*v))
		v++, vl--;
	size_t i = 0;
	while (i < vl && v[i] != '/' && !ucf_is_space(v[i]))
		i++;
	char text[64];
	if (i == 0 || i >= sizeof(text))
		return;
	memcpy(text, v, i);
	text[i] = '\0';
	uint8_t buf[16] = {0};
	if (inet_pton(fam, text, buf) != 1)
		return; /* a host name: nothing to learn */
	static const uint8_t zero[16];
	if (memcmp(buf, zero, fam == AF_INET ? 4 : 16) == 0)
		return; /* 0.0.0.0 / :: put the stream on hold */
	a->family = (uint8_t)fam;
	memcpy(a->addr, buf, 16);
}

static uint8_t transport_of(const uint8_t *t, size_t tl)
{
	if (ucf_eq_ci(t, tl, "RTP/AVP") || ucf_eq_ci(t, tl, "RTP/AVPF"))
		return UCF_SDP_RTP;
	if (ucf_eq_ci(t, tl, "RTP/SAVP") || ucf_eq_ci(t, tl, "RTP/SAVPF") ||
	    ucf_eq_ci(t, tl, "UDP/TLS/RTP/SAVP") || ucf_eq_ci(t, tl, "UDP/TLS/RTP/SAVPF"))
		return UCF_SDP_SRTP;
	if (ucf_eq_ci(t, tl, "udptl") || ucf_eq_ci(t, tl, "UDP/UDPTL"))
		return UCF_SDP_UDPTL;
	if (ucf_prefix_ci(t, tl, "UDP") || ucf_prefix_ci(t, tl, "DCCP"))
		return UCF_SDP_UDP;
	if (ucf_prefix_ci(t, tl, "TCP"))
		return UCF_SDP_TCP;
	return UCF_SDP_UNKNOWN;
}

/* "audio 49170[/2] RTP/AVP 0 8" */
static bool parse_m(const uint8_t *v, size_t vl, struct ucf_sdp_media *m)
{
	size_t i = 0;
	while (i < vl && v[i] != ' ')
		i++;
	if (i == 0 || i >= vl)
		return false;
	i++;
	uint32_t port, cnt = 1;
	size_t d = ucf_parse_uint(v + i, vl - i, 5, &port);
	if (d == 0 || port > 65535)
		return false;
	i += d;
	if (i < vl && v[i] == '/') {
		i++;
		d = ucf_parse_uint(v + i, vl - i, 3, &cnt);
		if (d == 0 || cnt == 0)
			return false;
		i += d;
	}
	if (i >= vl || v[i] != ' ')
		return false;
	i++;
	size_t ts = i;
	while (i < vl && v[i] != ' ')
		i++;
	memset(m, 0, sizeof(*m));
	m->port = (uint16_t)port;
	m->nports = (uint16_t)(cnt > 8 ? 8 : cnt);
	m->transport = transport_of(v + ts, i - ts);
	return true;
}

/* "53020 [IN IP4 126.16.64.4]" */
static void parse_rtcp(const uint8_t *v, size_t vl, struct ucf_sdp_media *m)
{
	uint32_t port;
	size_t d = ucf_parse_uint(v, vl, 5, &port);
	if (d == 0 || port == 0 || port > 65535)
		return;
	m->rtcp_port = (uint16_t)port;
	if (d < vl && v[d] == ' ')
		parse_conn(v + d + 1, vl - d - 1, &m->rtcp_conn);
}

int ucf_sdp_parse(const uint8_t *p, size_t n, struct ucf_sdp *s)
{
	memset(s, 0, sizeof(*s));
	size_t off = 0, next;
	while (off < n && (p[off] == '\r' || p[off] == '\n'))
		off++;
	if (n - off < 2 || p[off] != 'v' || p[off + 1] != '=')
		return -EINVAL;
	struct ucf_sdp_addr session = {0};
	struct ucf_sdp_media *cur = NULL;
	bool cur_has_conn = false, skip = false, session_crypto = false;
	bool media_conn[UCF_SDP_MAX_MEDIA] = {false};
	while (off < n) {
		const uint8_t *l = p + off;
		size_t e = ucf_line_end(l, n - off, &next);
		off += next;
		if (e < 2 || l[1] != '=')
			continue;
		const uint8_t *v = l + 2;
		size_t vl = e - 2;
		switch (l[0]) {
		case 'm':
			if (cur)
				media_conn[cur - s->m] = cur_has_conn;
			cur = NULL;
			skip = true;
			if (s->count < UCF_SDP_MAX_MEDIA && parse_m(v, vl, &s->m[s->count])) {
				cur = &s->m[s->count++];
				skip = false;
				cur->crypto = session_crypto;
			}
			cur_has_conn = false;
			break;
		case 'c':
			if (cur) {
				parse_conn(v, vl, &cur->conn);
				cur_has_conn = true;
			} else if (!skip) {
				parse_conn(v, vl, &session);
			}
			break;
		case 'a':
			if (ucf_prefix(v, vl, "crypto:")) {
				s->crypto = true;
				if (cur)
					cur->crypto = true;
				else if (!skip)
					session_crypto = true;
			} else if (cur && ucf_prefix(v, vl, "rtcp:")) {
				parse_rtcp(v + 5, vl - 5, cur);
			} else if (cur && ucf_eq_ci(v, vl, "rtcp-mux")) {
				cur->rtcp_mux = true;
			}
			break;
		default:
			break;
		}
	}
	if (cur)
		media_conn[cur - s->m] = cur_has_conn;
	for (unsigned i = 0; i < s->count; i++)
		if (!media_conn[i])
			s->m[i].conn = session;
	return 0;
}
