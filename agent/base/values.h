/* values.h — the scalar grammars shared by every config and catalog key:
 * durations, port ranges, rates, addresses/prefixes, interface names.
 * Each parser has one definition here, so every key accepts the same forms. */
#ifndef UCF_VALUES_H
#define UCF_VALUES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define UCF_IFNAME_MAX 16 /* IFNAMSIZ, including the NUL */

/* An IPv4 or IPv6 prefix. addr is in network byte order; IPv4 uses the
 * first 4 bytes. A plain address is a prefix of full length. */
struct ucf_prefix {
	uint8_t family; /* AF_INET or AF_INET6 */
	uint8_t len;
	uint8_t addr[16];
};

struct ucf_port_range {
	uint16_t first;
	uint16_t last;
};

enum ucf_rate_unit { UCF_PER_SECOND, UCF_PER_MINUTE, UCF_PER_HOUR, UCF_PER_DAY };

struct ucf_rate {
	uint32_t count;
	enum ucf_rate_unit unit;
};

/* All parsers return 0, or -EINVAL with a one-line reason in err. */

/* "90s", "5m", "2h", "30d": a positive integer and one unit. */
int ucf_parse_duration(const char *text, uint64_t *seconds, char *err, size_t errlen);
/* "5060" or "16384-32767", 1..65535, first <= last. */
int ucf_parse_port_range(const char *text, struct ucf_port_range *range, char *err, size_t errlen);
/* "10/second" (second|minute|hour|day), count >= 1. */
int ucf_parse_rate(const char *text, struct ucf_rate *rate, char *err, size_t errlen);
/* "256kbit/s", "2Mbit/s": a positive integer and bit/s, kbit/s, Mbit/s or
 * Gbit/s (SI: k is 1000), in bits per second, at most 100Gbit/s. */
int ucf_parse_bitrate(const char *text, uint64_t *bits_per_s, char *err, size_t errlen);
/* "10.20.0.0/24", "2001:db8::/48", or a plain address. Host bits must be zero. */
int ucf_parse_prefix(const char *text, struct ucf_prefix *prefix, char *err, size_t errlen);
/* A plain IPv4 or IPv6 address (no "/len"). */
int ucf_parse_address(const char *text, struct ucf_prefix *addr, char *err, size_t errlen);
/* A Linux network interface name (dev_valid_name() rules). */
int ucf_check_ifname(const char *text, char *err, size_t errlen);

bool ucf_prefix_overlaps(const struct ucf_prefix *a, const struct ucf_prefix *b);
bool ucf_prefix_contains(const struct ucf_prefix *outer, const struct ucf_prefix *inner);
/* "10.20.0.0/24", or just the address when the prefix is a single host. */
void ucf_prefix_format(const struct ucf_prefix *prefix, char *buf, size_t buflen);
const char *ucf_rate_unit_name(enum ucf_rate_unit unit);

#endif
