/* sip.c — see sip.h. Lines are found with memchr; every field is compared
 * within the line's bounds. */
#include "sip.h"

#include <errno.h>
#include <string.h>

#include "bytes.h"

#define MAX_BOUNDARY 72

static const char *const method_names[UCF_SIP_METHOD_COUNT] = {
	"OTHER", "INVITE", "ACK", "BYE", "CANCEL", "REGISTER", "OPTIONS", "PRACK",
	"UPDATE", "SUBSCRIBE", "NOTIFY", "PUBLISH", "INFO", "REFER", "MESSAGE",
};

const char *ucf_sip_method_name(unsigned method)
{
	return method < UCF_SIP_METHOD_COUNT ? method_names[method] : "OTHER";
}

static uint8_t method_of(const uint8_t *p, size_t n)
{
	for (unsigned i = 1; i < UCF_SIP_METHOD_COUNT; i++)
		if (strlen(method_names[i]) == n && memcmp(p, method_names[i], n) == 0)
			return (uint8_t)i;
	return UCF_SIP_OTHER;
}

static bool is_token_char(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || ucf_is_digit(c) || c == '-' ||
	       c == '.' || c == '!' || c == '%' || c == '*' || c == '_' || c == '+' || c == '`' ||
	       c == '\'' || c == '~';
}

/* Checks the start line [p, p+e) and fills request/method/status. */
static bool start_line(const uint8_t *p, size_t e, struct ucf_sip_msg *m)
{
	if (e >= 12 && memcmp(p, "SIP/2.0 ", 8) == 0) {
		if (!ucf_is_digit(p[8]) || !ucf_is_digit(p[9]) || !ucf_is_digit(p[10]))
			return false;
		if (e > 11 && p[11] != ' ')
			return false;
		uint16_t st = (uint16_t)((p[8] - '0') * 100 + (p[9] - '0') * 10 + (p[10] - '0'));
		if (st < 100 || st > 699)
			return false;
		m->request = false;
		m->status = st;
		return true;
	}
	/* METHOD SP Request-URI SP SIP/2.0 */
	size_t i = 0;
	while (i < e && i < 32 && is_token_char(p[i]))
		i++;
	if (i == 0 || i >= e || p[i] != ' ')
		return false;
	size_t mlen = i;
	if (e < mlen + 1 + 1 + 8 || memcmp(p + e - 8, " SIP/2.0", 8) != 0)
		return false;
	size_t ustart = mlen + 1, uend = e - 8;
	if (uend <= ustart)
		return false;
	for (size_t j = ustart; j < uend; j++)
		if (p[j] == ' ' || p[j] < 0x21 || p[j] == 0x7f)
			return false;
	m->request = true;
	m->method = method_of(p, mlen);
	return true;
}

bool ucf_sip_start_line(const uint8_t *p, size_t n)
{
	struct ucf_sip_msg m;
	size_t next;
	size_t e = ucf_line_end(p, n, &next);
	if (next == n && e == n)
		return false; /* no line end: not a whole start line */
	return start_line(p, e, &m);
}

size_t ucf_sip_filler(const uint8_t *p, size_t n)
{
	size_t i = 0;
	while (i < n && (p[i] == '\r' || p[i] == '\n'))
		i++;
	return i;
}

static bool name_is(const uint8_t *name, size_t nlen, const char *full, const char *compact)
{
	return ucf_eq_ci(name, nlen, full) || (compact && ucf_eq_ci(name, nlen, compact));
}

/* boundary parameter of a multipart Content-Type value, unquoted. */
static bool find_boundary(const uint8_t *v, size_t vlen, const uint8_t **b, size_t *blen)
{
	for (size_t i = 0; i + 9 <= vlen; i++) {
		if (!ucf_prefix_ci(v + i, vlen - i, "boundary"))
			continue;
		size_t j = i + 8;
		while (j < vlen && ucf_is_space(v[j]))
			j++;
		if (j >= vlen || v[j] != '=')
			continue;
		j++;
		while (j < vlen && ucf_is_space(v[j]))
			j++;
		bool quoted = j < vlen && v[j] == '"';
		if (quoted)
			j++;
		size_t s = j;
		while (j < vlen && (quoted ? v[j] != '"' : (v[j] != ';' && !ucf_is_space(v[j]))))
			j++;
		if (j == s || j - s > MAX_BOUNDARY - 2)
			return false;
		*b = v + s;
		*blen = j - s;
		return true;
	}
	return false;
}

static bool ctype_is_sdp(const uint8_t *v, size_t vlen)
{
	return ucf_prefix_ci(v, vlen, "application/sdp");
}

/* Finds the application/sdp part of a multipart body. */
static bool multipart_sdp(const uint8_t *body, size_t blen, const uint8_t *bnd, size_t bndlen,
			  const uint8_t **sdp, uint32_t *sdp_len)
{
	uint8_t delim[MAX_BOUNDARY + 2];
	delim[0] = delim[1] = '-';
	memcpy(delim + 2, bnd, bndlen);
	size_t dlen = bndlen + 2;
	size_t off = 0;
	const uint8_t *d = memmem(body, blen, delim, dlen);
	while (d) {
		off = (size_t)(d - body) + dlen;
		if (off + 2 <= blen && body[off] == '-' && body[off + 1] == '-')
			return false; /* closing delimiter */
		size_t next;
		ucf_line_end(body + off, blen - off, &next);
		off += next;
		/* part headers */
		bool is_sdp = false;
		while (off < blen) {
			size_t e = ucf_line_end(body + off, blen - off, &next);
			const uint8_t *l = body + off;
			off += next;
			if (e == 0)
				break;
			const uint8_t *colon = memchr(l, ':', e);
			if (!colon)
				continue;
			size_t nl = (size_t)(colon - l);
			while (nl > 0 && ucf_is_space(l[nl - 1]))
				nl--;
			if (name_is(l, nl, "content-type", "c")) {
				const uint8_t *v = colon + 1;
				size_t vl = e - (size_t)(v - l);
				while (vl > 0 && ucf_is_space(*v))
					v++, vl--;
				is_sdp = ctype_is_sdp(v, vl);
			}
		}
		const uint8_t *end = off <= blen ? memmem(body + off, blen - off, delim, dlen) : NULL;
		if (is_sdp) {
			size_t plen = (end ? (size_t)(end - body) : blen) - off;
			/* the CRLF before a delimiter belongs to the delimiter */
			if (plen >= 1 && body[off + plen - 1] == '\n')
				plen--;
			if (plen >= 1 && body[off + plen - 1] == '\r')
				plen--;
			*sdp = body + off;
			*sdp_len = (uint32_t)plen;
			return true;
		}
		d = end;
	}
	return false;
}

int ucf_sip_parse(const uint8_t *p, size_t n, bool stream, struct ucf_sip_msg *m)
{
	memset(m, 0, sizeof(*m));
	size_t next;
	size_t e = ucf_line_end(p, n, &next);
	if (next == n && e == n)
		return (stream && n < 1024) ? -EAGAIN : -EINVAL;
	if (!start_line(p, e, m))
		return -EINVAL;
	size_t off = next;
	const uint8_t *ctype = NULL;
	size_t ctype_len = 0;
	bool headers_end = false;
	while (off < n) {
		const uint8_t *l = p + off;
		e = ucf_line_end(l, n - off, &next);
		if (next == n - off && e == n - off && stream)
			return -EAGAIN; /* header line not finished yet */
		off += next;
		if (e == 0) {
			headers_end = true;
			break;
		}
		if (ucf_is_space(l[0]))
			continue; /* folded continuation of a header we do not need */
		const uint8_t *colon = memchr(l, ':', e);
		if (!colon)
			continue;
		size_t nl = (size_t)(colon - l);
		while (nl > 0 && ucf_is_space(l[nl - 1]))
			nl--;
		const uint8_t *v = colon + 1;
		size_t vl = e - (size_t)(v - l);
		while (vl > 0 && ucf_is_space(*v))
			v++, vl--;
		while (vl > 0 && ucf_is_space(v[vl - 1]))
			vl--;
		if (nl == 0 || nl > 20)
			continue;
		if (name_is(l, nl, "call-id", "i")) {
			m->call_hash = ucf_fnv64(v, vl, UCF_FNV64_INIT);
			if (m->call_hash == 0)
				m->call_hash = 1;
		} else if (name_is(l, nl, "cseq", NULL)) {
			size_t i = 0;
			while (i < vl && ucf_is_digit(v[i]))
				i++;
			while (i < vl && ucf_is_space(v[i]))
				i++;
			size_t s = i;
			while (i < vl && !ucf_is_space(v[i]))
				i++;
			m->cseq_method = method_of(v + s, i - s);
		} else if (name_is(l, nl, "content-length", "l")) {
			uint32_t cl;
			if (ucf_parse_uint(v, vl, 9, &cl) > 0) {
				m->has_clen = true;
				m->clen = cl;
			}
		} else if (name_is(l, nl, "content-type", "c")) {
			ctype = v;
			ctype_len = vl;
		}
	}
	if (!headers_end && stream)
		return -EAGAIN;
	size_t body_off = off <= n ? off : n;
	size_t avail = n - body_off;
	size_t blen;
	if (stream) {
		blen = m->has_clen ? m->clen : 0;
		if (blen > avail)
			return -EAGAIN;
	} else {
		blen = (m->has_clen && m->clen < avail) ? m->clen : avail;
	}
	m->len = (uint32_t)(body_off + blen);
	if (blen == 0 || !ctype)
		return 0;
	const uint8_t *body = p + body_off;
	if (ctype_is_sdp(ctype, ctype_len)) {
		m->sdp = body;
		m->sdp_len = (uint32_t)blen;
	} else if (ucf_prefix_ci(ctype, ctype_len, "multipart/")) {
		const uint8_t *b;
		size_t bl;
		if (find_boundary(ctype, ctype_len, &b, &bl))
			multipart_sdp(body, blen, b, bl, &m->sdp, &m->sdp_len);
	}
	return 0;
}
