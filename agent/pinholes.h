/* pinholes.h — the learned media endpoints the agent has opened in the
 * kernel's media sets, so a ruleset rebuilt on reload or restored after
 * tampering carries them again. A hash set keyed by (family, address, port). */
#ifndef UCF_PINHOLES_H
#define UCF_PINHOLES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ucf_pinhole_key {
	uint8_t family; /* AF_INET or AF_INET6 */
	uint8_t addr[16];
	uint16_t port;
};

struct ucf_pinholes;

int ucf_pinholes_new(uint32_t cap, struct ucf_pinholes **out);
void ucf_pinholes_free(struct ucf_pinholes *p);
/* 1 added, 0 already there, -ENOSPC at the cap. */
int ucf_pinholes_add(struct ucf_pinholes *p, const struct ucf_pinhole_key *k);
/* 1 removed, 0 not there. */
int ucf_pinholes_del(struct ucf_pinholes *p, const struct ucf_pinhole_key *k);
uint32_t ucf_pinholes_count(const struct ucf_pinholes *p);
/* Calls fn for every key (no changes during the walk). */
void ucf_pinholes_each(const struct ucf_pinholes *p,
		       void (*fn)(void *arg, const struct ucf_pinhole_key *k), void *arg);

#endif
