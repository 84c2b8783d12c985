/* tftp.c — see tftp.h. */
#include "tftp.h"

#include <string.h>

#include "bytes.h"

/* A printable NUL-terminated string at p of min..max bytes; returns its
 * size with the NUL, or 0. */
static size_t cstr(const uint8_t *p, size_t n, size_t min, size_t max)
{
	size_t i = 0;
	while (i < n && i <= max && p[i] != 0) {
		if (p[i] < 0x20 || p[i] > 0x7e)
			return 0;
		i++;
	}
	if (i < min || i >= n || i > max)
		return 0;
	return i + 1;
}

static bool options_ok(const uint8_t *p, size_t n)
{
	size_t off = 0;
	while (off < n) {
		size_t a = cstr(p + off, n - off, 1, 64);
		if (a == 0)
			return false;
		off += a;
		size_t b = cstr(p + off, n - off, 1, 64);
		if (b == 0)
			return false;
		off += b;
	}
	return true;
}

bool ucf_tftp_request(const uint8_t *p, size_t n)
{
	if (n < 4 || p[0] != 0 || (p[1] != 1 && p[1] != 2))
		return false;
	size_t off = 2;
	/* an empty file name is odd but well formed (the mode is what tells) */
	size_t f = cstr(p + off, n - off, 0, 255);
	if (f == 0)
		return false;
	off += f;
	size_t m = cstr(p + off, n - off, 1, 8);
	if (m == 0)
		return false;
	const uint8_t *mode = p + off;
	if (!ucf_eq_ci(mode, m - 1, "netascii") && !ucf_eq_ci(mode, m - 1, "octet") &&
	    !ucf_eq_ci(mode, m - 1, "mail"))
		return false;
	off += m;
	return options_ok(p + off, n - off);
}

bool ucf_tftp_oack(const uint8_t *p, size_t n)
{
	return n > 2 && p[0] == 0 && p[1] == 6 && options_ok(p + 2, n - 2);
}
