/* erase.h — erasure on request: which records name one IPv4/IPv6 address or
 * MAC, and removing them from JSON-lines files and JSON documents.
 *
 * Matching is semantic, never by substring: the argument is parsed
 * (inet_pton, or six hex octets), and every string in a record (values and
 * object keys, summaries too) is cut into tokens that are parsed the same
 * way and compared in binary. So 10.0.0.1 does not match 10.0.0.10,
 * 2001:db8::1 matches 2001:DB8:0:0::1, ::ffff:10.0.0.1 matches 10.0.0.1, and
 * a MAC matches whatever its case or separator (aa:bb.., AA-BB.., aabb.ccdd..).
 * A token may carry a port (10.0.0.1:5060), a zone (fe80::1%eth0) or a
 * prefix length (10.0.0.1/32). */
#ifndef UCF_ERASE_H
#define UCF_ERASE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum ucf_erase_kind { UCF_ERASE_IP, UCF_ERASE_MAC };

struct ucf_erase_target {
	enum ucf_erase_kind kind;
	uint8_t family;   /* AF_INET or AF_INET6 (UCF_ERASE_IP) */
	uint8_t addr[16]; /* IPv4 in the first 4 bytes, the rest zero */
	uint8_t mac[6];
};

/* An address or a MAC. -EINVAL (and why) for anything else. */
int ucf_erase_parse(const char *text, struct ucf_erase_target *t, char *err, size_t errlen);
/* "an IPv4 address", "an IPv6 address", "a MAC": what was erased, for an
 * audit record that must not carry the value. */
const char *ucf_erase_kind_text(const struct ucf_erase_target *t);

/* Whether an address (IPv4 in the first 4 bytes) is t's; a MAC target never
 * matches an address. */
bool ucf_erase_addr_is(const struct ucf_erase_target *t, uint8_t family, const uint8_t *addr);
/* Whether text holds a token that is t. */
bool ucf_erase_text_names(const char *text, const struct ucf_erase_target *t);
/* Whether any string or object key anywhere in v names t. */
bool ucf_erase_json_names(const json_t *v, const struct ucf_erase_target *t);

/* Rewrites a JSON-lines file atomically (mode; through ucf_jsonl_filter)
 * without the lines naming t, or without any line when t is NULL; lines that
 * are not JSON objects go too. The caller holds whatever lock its writers
 * take (the feed's). *removed: lines removed; a missing file is 0 removed.
 * Nothing is rewritten when nothing matches. */
int ucf_erase_jsonl(const char *path, const struct ucf_erase_target *t, mode_t mode,
		    size_t *removed, char *err, size_t errlen);
/* In a JSON document: removes, from each of its top-level arrays and
 * objects, the elements and members naming t (by key or value). Returns how
 * many went. Top-level scalars stay. */
size_t ucf_erase_json_doc(json_t *doc, const struct ucf_erase_target *t);

#endif
