/* bytes.h — bounds-friendly byte helpers shared by the packet decoder and the
 * recognisers. Every reader takes a pointer the caller has already checked has
 * enough bytes; the helpers exist so that check is written once, not per byte. */
#ifndef UCF_BYTES_H
#define UCF_BYTES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline uint16_t ucf_rd16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static inline uint32_t ucf_rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static inline uint16_t ucf_rd16le(const uint8_t *p) { return (uint16_t)(p[1] << 8 | p[0]); }
static inline uint32_t ucf_rd32le(const uint8_t *p)
{
	return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

static inline uint8_t ucf_lower(uint8_t c) { return (c >= 'A' && c <= 'Z') ? (uint8_t)(c + 32) : c; }
static inline bool ucf_is_digit(uint8_t c) { return c >= '0' && c <= '9'; }
static inline bool ucf_is_space(uint8_t c) { return c == ' ' || c == '\t'; }

/* Does [p, p+n) start with the NUL-terminated lit, ignoring ASCII case? */
static inline bool ucf_prefix_ci(const uint8_t *p, size_t n, const char *lit)
{
	size_t i = 0;
	for (; lit[i]; i++)
		if (i >= n || ucf_lower(p[i]) != ucf_lower((uint8_t)lit[i]))
			return false;
	return true;
}

static inline bool ucf_prefix(const uint8_t *p, size_t n, const char *lit)
{
	size_t l = strlen(lit);
	return n >= l && memcmp(p, lit, l) == 0;
}

/* Equal length and equal bytes ignoring ASCII case. */
static inline bool ucf_eq_ci(const uint8_t *p, size_t n, const char *lit)
{
	return strlen(lit) == n && ucf_prefix_ci(p, n, lit);
}

/* The end of the line starting at p: index of '\n' or of '\r' of "\r\n", or n.
 * *next gets the start of the following line. */
static inline size_t ucf_line_end(const uint8_t *p, size_t n, size_t *next)
{
	const uint8_t *nl = memchr(p, '\n', n);
	if (!nl) {
		*next = n;
		return n;
	}
	size_t e = (size_t)(nl - p);
	*next = e + 1;
	return (e > 0 && p[e - 1] == '\r') ? e - 1 : e;
}

/* Parses an unsigned decimal of at most maxdig digits; returns digits used
 * (0 when none or too long). */
static inline size_t ucf_parse_uint(const uint8_t *p, size_t n, unsigned maxdig, uint32_t *out)
{
	size_t i = 0;
	uint64_t v = 0;
	while (i < n && ucf_is_digit(p[i])) {
		if (i >= maxdig)
			return 0;
		v = v * 10 + (uint64_t)(p[i] - '0');
		i++;
	}
	if (i == 0 || v > UINT32_MAX)
		return 0;
	*out = (uint32_t)v;
	return i;
}

/* FNV-1a, 64 bit: call identifiers are kept only as this hash (privacy). */
static inline uint64_t ucf_fnv64(const uint8_t *p, size_t n, uint64_t h)
{
	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}
#define UCF_FNV64_INIT 0xcbf29ce484222325ULL

#endif
