/* nflog.h — packets the ruleset logged to an NFLOG group (nft `log group N`):
 * how the agent learns what the kernel actually dropped, with the reason
 * (the log prefix) and the interfaces, to raise violation alerts. Driven by
 * the event loop; never blocks. */
#ifndef UCF_NFLOG_H
#define UCF_NFLOG_H

#include <stddef.h>
#include <stdint.h>

#include "reactor.h"

struct ucf_logged_packet {
	char prefix[64];   /* the rule's log prefix, e.g. "ucfence: non-target-uc " */
	uint32_t indev;    /* ifindex it came in on, 0 if none */
	uint32_t outdev;   /* ifindex it would have left by, 0 if none */
	uint8_t family;    /* AF_INET or AF_INET6 */
	uint8_t l4proto;   /* IPPROTO_*, 0 if the header was not reached */
	uint8_t src[16], dst[16];
	uint16_t sport, dport; /* TCP/UDP only */
};

typedef void (*ucf_nflog_fn)(void *arg, const struct ucf_logged_packet *p);

struct ucf_nflog;

/* Binds group (EBUSY if another process has it) and copies the first bytes
 * of each logged packet, enough for the IP and transport headers. */
int ucf_nflog_open(struct ucf_reactor *r, uint16_t group, ucf_nflog_fn fn, void *arg,
		   struct ucf_nflog **out, char *err, size_t errlen);
void ucf_nflog_close(struct ucf_nflog *log);
/* Messages the kernel could not queue to us (socket overrun), for status. */
uint64_t ucf_nflog_lost(const struct ucf_nflog *log);

#endif
