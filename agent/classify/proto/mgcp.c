/* mgcp.c — see mgcp.h. */
#include "mgcp.h"

#include <errno.h>
#include <string.h>

#include "bytes.h"

static const char *const verbs[] = {"EPCF", "CRCX", "MDCX", "DLCX", "RQNT", "NTFY",
				    "AUEP", "AUCX", "RSIP", "MESG"};

static bool command_line(const uint8_t *l, size_t e, struct ucf_mgcp_msg *m)
{
	if (e < 4 + 1 + 1 + 1 + 1 + 1 + 8)
		return false;
	bool verb = false;
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (memcmp(l, verbs[i], 4) == 0)
			verb = true;
	if (!verb || l[4] != ' ')
		return false;
	m->delete = memcmp(l, "DLCX", 4) == 0;
	uint32_t tx = 0;
	size_t d = ucf_parse_uint(l + 5, e - 5, 9, &tx);
	m->txid = tx;
	if (d == 0 || 5 + d >= e || l[5 + d] != ' ')
		return false;
	/* endpoint name, then "MGCP" SP version (d.d), optional profile */
	const uint8_t *v = memmem(l + 5 + d + 1, e - 5 - d - 1, " MGCP ", 6);
	if (!v)
		return false;
	size_t r = e - (size_t)(v + 6 - l);
	const uint8_t *ver = v + 6;
	return r >= 3 && ucf_is_digit(ver[0]) && ver[1] == '.' && ucf_is_digit(ver[2]);
}

static bool response_line(const uint8_t *l, size_t e, struct ucf_mgcp_msg *m)
{
	if (e < 5 || !ucf_is_digit(l[0]) || !ucf_is_digit(l[1]) || !ucf_is_digit(l[2]) ||
	    l[3] != ' ')
		return false;
	uint32_t tx = 0;
	size_t d = ucf_parse_uint(l + 4, e - 4, 9, &tx);
	m->txid = tx;
	return d > 0 && (4 + d == e || l[4 + d] == ' ');
}

int ucf_mgcp_parse(uint16_t sport, uint16_t dport, const uint8_t *p, size_t n,
		   struct ucf_mgcp_msg *m)
{
	memset(m, 0, sizeof(*m));
	size_t next;
	size_t e = ucf_line_end(p, n, &next);
	if (command_line(p, e, m)) {
		m->command = true;
	} else {
		bool port = sport == UCF_MGCP_GW_PORT || dport == UCF_MGCP_GW_PORT ||
			    sport == UCF_MGCP_CA_PORT || dport == UCF_MGCP_CA_PORT;
		if (!port || !response_line(p, e, m))
			return -EINVAL;
	}
	size_t off = next;
	while (off < n) {
		const uint8_t *l = p + off;
		e = ucf_line_end(l, n - off, &next);
		off += next;
		if (e == 0) {
			if (off < n) {
				m->sdp = p + off;
				m->sdp_len = (uint32_t)(n - off);
			}
			break;
		}
		if (e >= 2 && (l[0] == 'C' || l[0] == 'c') && l[1] == ':') {
			size_t s = 2;
			while (s < e && ucf_is_space(l[s]))
				s++;
			m->call_hash = ucf_fnv64(l + s, e - s, UCF_FNV64_INIT) | 1;
		}
	}
	return 0;
}
