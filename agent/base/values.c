/* values.c — one parser per value grammar, shared by config and catalog. */
#include "values.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#define FAIL(...) (snprintf(err, errlen, __VA_ARGS__), -EINVAL)

/* Digits only, no sign, no leading '+', bounded; *end is left after them. */
static int parse_uint(const char *s, uint64_t max, uint64_t *out, const char **end)
{
	uint64_t v = 0;
	const char *p = s;
	if (*p < '0' || *p > '9')
		return -EINVAL;
	for (; *p >= '0' && *p <= '9'; p++) {
		v = v * 10 + (uint64_t)(*p - '0');
		if (v > max)
			return -ERANGE;
	}
	*out = v;
	*end = p;
	return 0;
}

int ucf_parse_duration(const char *text, uint64_t *seconds, char *err, size_t errlen)
{
	static const struct { char unit; uint64_t factor; } units[] = {
		{ 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 },
	};
	const uint64_t max = 10ULL * 365 * 86400; /* ten years: anything longer is a typo */
	const char *end;
	uint64_t n;
	int rc = parse_uint(text, max, &n, &end);
	if (rc == -ERANGE)
		return FAIL("duration '%s' is too long (at most 3650d)", text);
	if (rc < 0 || end[0] == '\0' || end[1] != '\0')
		return FAIL("invalid duration '%s' (expected a number and a unit: 90s, 5m, 2h, 30d)",
			    text);
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (units[i].unit != end[0])
			continue;
		if (n == 0)
			return FAIL("duration '%s' must be greater than zero", text);
		if (n > max / units[i].factor)
			return FAIL("duration '%s' is too long (at most 3650d)", text);
		*seconds = n * units[i].factor;
		return 0;
	}
	return FAIL("invalid duration unit in '%s' (use s, m, h or d)", text);
}

int ucf_parse_bitrate(const char *text, uint64_t *bits_per_s, char *err, size_t errlen)
{
	static const struct { const char *unit; uint64_t factor; } units[] = {
		{ "bit/s", 1 }, { "kbit/s", 1000 }, { "Mbit/s", 1000000 }, { "Gbit/s", 1000000000 },
	};
	const uint64_t max = 100000000000ULL;
	const char *end;
	uint64_t n;
	int rc = parse_uint(text, max, &n, &end);
	if (rc == -ERANGE)
		return FAIL("bit rate '%s' is too large (at most 100Gbit/s)", text);
	if (rc < 0)
		return FAIL("invalid bit rate '%s' (expected a number and a unit: 256kbit/s, 2Mbit/s)",
			    text);
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(end, units[i].unit) != 0)
			continue;
		if (n == 0)
			return FAIL("bit rate '%s' must be greater than zero", text);
		if (n > max / units[i].factor)
			return FAIL("bit rate '%s' is too large (at most 100Gbit/s)", text);
		*bits_per_s = n * units[i].factor;
		return 0;
	}
	return FAIL("invalid bit rate unit in '%s' (use bit/s, kbit/s, Mbit/s or Gbit/s)", text);
}

static int parse_port(const char *text, const char *s, uint16_t *port, const char **end,
		      char *err, size_t errlen)
{
	uint64_t v;
	int rc = parse_uint(s, 65535, &v, end);
	if (rc == -ERANGE || (rc == 0 && v == 0))
		return FAIL("port out of range in '%s' (1-65535)", text);
	if (rc < 0)
		return FAIL("invalid port range '%s' (expected PORT or FIRST-LAST)", text);
	*port = (uint16_t)v;
	return 0;
}

int ucf_parse_port_range(const char *text, struct ucf_port_range *range, char *err, size_t errlen)
{
	const char *end;
	struct ucf_port_range r;
	int rc = parse_port(text, text, &r.first, &end, err, errlen);
	if (rc < 0)
		return rc;
	r.last = r.first;
	if (*end == '-') {
		rc = parse_port(text, end + 1, &r.last, &end, err, errlen);
		if (rc < 0)
			return rc;
		if (r.last < r.first)
			return FAIL("port range '%s' is reversed (first must not exceed last)", text);
	}
	if (*end != '\0')
		return FAIL("invalid port range '%s' (expected PORT or FIRST-LAST)", text);
	*range = r;
	return 0;
}

static const char *const rate_units[] = { "second", "minute", "hour", "day" };

const char *ucf_rate_unit_name(enum ucf_rate_unit unit)
{
	return rate_units[unit];
}

int ucf_parse_rate(const char *text, struct ucf_rate *rate, char *err, size_t errlen)
{
	const char *end;
	uint64_t n;
	int rc = parse_uint(text, UINT32_MAX, &n, &end);
	if (rc == -ERANGE)
		return FAIL("rate '%s' is too large", text);
	if (rc < 0 || *end != '/')
		return FAIL("invalid rate '%s' (expected COUNT/UNIT, e.g. 10/second)", text);
	if (n == 0)
		return FAIL("rate '%s' must be at least 1", text);
	for (size_t i = 0; i < sizeof(rate_units) / sizeof(rate_units[0]); i++) {
		if (strcmp(end + 1, rate_units[i]) == 0) {
			rate->count = (uint32_t)n;
			rate->unit = (enum ucf_rate_unit)i;
			return 0;
		}
	}
	return FAIL("invalid rate unit in '%s' (use second, minute, hour or day)", text);
}

static int parse_addr_part(const char *addr, struct ucf_prefix *p)
{
	memset(p, 0, sizeof(*p));
	if (inet_pton(AF_INET, addr, p->addr) == 1) {
		p->family = AF_INET;
		p->len = 32;
		return 0;
	}
	if (inet_pton(AF_INET6, addr, p->addr) == 1) {
		p->family = AF_INET6;
		p->len = 128;
		return 0;
	}
	return -EINVAL;
}

int ucf_parse_address(const char *text, struct ucf_prefix *addr, char *err, size_t errlen)
{
	if (strchr(text, '/'))
		return FAIL("'%s' is a prefix; an address is expected here", text);
	if (parse_addr_part(text, addr) < 0)
		return FAIL("invalid IP address '%s'", text);
	return 0;
}

static bool host_bits_zero(const struct ucf_prefix *p)
{
	unsigned bytes = p->family == AF_INET ? 4 : 16;
	for (unsigned bit = p->len; bit < bytes * 8; bit++)
		if (p->addr[bit / 8] & (0x80 >> (bit % 8)))
			return false;
	return true;
}

int ucf_parse_prefix(const char *text, struct ucf_prefix *prefix, char *err, size_t errlen)
{
	char addr[64];
	const char *slash = strchr(text, '/');
	size_t alen = slash ? (size_t)(slash - text) : strlen(text);
	struct ucf_prefix p;

	if (alen >= sizeof(addr))
		return FAIL("invalid address or prefix '%s'", text);
	memcpy(addr, text, alen);
	addr[alen] = '\0';
	if (parse_addr_part(addr, &p) < 0)
		return FAIL("invalid address or prefix '%s'", text);
	if (slash) {
		const char *end;
		uint64_t len;
		if (parse_uint(slash + 1, 128, &len, &end) < 0 || *end != '\0' || len > p.len)
			return FAIL("invalid prefix length in '%s' (0-%u)", text, p.len);
		p.len = (uint8_t)len;
	}
	if (!host_bits_zero(&p)) {
		struct ucf_prefix net = p;
		char buf[64];
		for (unsigned bit = net.len; bit < 128; bit++)
			net.addr[bit / 8] &= (uint8_t)~(0x80 >> (bit % 8));
		ucf_prefix_format(&net, buf, sizeof(buf));
		return FAIL("prefix '%s' has host bits set (did you mean %s?)", text, buf);
	}
	*prefix = p;
	return 0;
}

int ucf_check_ifname(const char *text, char *err, size_t errlen)
{
	size_t len = strlen(text);
	if (len == 0)
		return FAIL("interface name is empty");
	if (len >= UCF_IFNAME_MAX)
		return FAIL("interface name '%s' is longer than %d characters", text,
			    UCF_IFNAME_MAX - 1);
	if (strcmp(text, ".") == 0 || strcmp(text, "..") == 0)
		return FAIL("invalid interface name '%s'", text);
	for (const char *c = text; *c; c++)
		if (*c == '/' || *c == ':' || *c == ' ' || *c == '\t' || *c == '\n' ||
		    (unsigned char)*c < 0x21 || (unsigned char)*c > 0x7e)
			return FAIL("invalid character in interface name '%s'", text);
	return 0;
}

static bool first_bits_equal(const uint8_t *a, const uint8_t *b, unsigned bits)
{
	unsigned bytes = bits / 8, rest = bits % 8;
	if (memcmp(a, b, bytes) != 0)
		return false;
	if (rest == 0)
		return true;
	uint8_t mask = (uint8_t)(0xff << (8 - rest));
	return (a[bytes] & mask) == (b[bytes] & mask);
}

bool ucf_prefix_overlaps(const struct ucf_prefix *a, const struct ucf_prefix *b)
{
	if (a->family != b->family)
		return false;
	return first_bits_equal(a->addr, b->addr, a->len < b->len ? a->len : b->len);
}

bool ucf_prefix_contains(const struct ucf_prefix *outer, const struct ucf_prefix *inner)
{
	return outer->family == inner->family && outer->len <= inner->len &&
	       first_bits_equal(outer->addr, inner->addr, outer->len);
}

void ucf_prefix_format(const struct ucf_prefix *prefix, char *buf, size_t buflen)
{
	char addr[INET6_ADDRSTRLEN];
	inet_ntop(prefix->family, prefix->addr, addr, sizeof(addr));
	if (prefix->len == (prefix->family == AF_INET ? 32 : 128))
		snprintf(buf, buflen, "%s", addr);
	else
		snprintf(buf, buflen, "%s/%u", addr, prefix->len);
}
