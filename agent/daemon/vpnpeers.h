/* vpnpeers.h — the AutoVPN peers learned from the Dashboard (the
 * organization's appliances' public uplink addresses, third-party VPN
 * peers): checked as hostile input, capped, kept as "last known good" in
 * STATE_DIR, and turned into the elements of the timed sets vpn_peers4/6.
 *
 * A peer listed by the last successful fetch is "current": its element is
 * re-armed to the full timeout at every sync, so a watcher that fails or is
 * down never empties the sets. A peer absent from a successful fetch stops
 * being re-armed: its element times out vpn_peer_timeout after the last
 * fetch that listed it. Restarting reloads the list (and the ages). */
#ifndef UCF_VPNPEERS_H
#define UCF_VPNPEERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "values.h"

/* The state file in STATE_DIR. */
#define UCF_VPNPEERS_FILE "vpn-peers.json"

struct ucf_vpn_peer {
	struct ucf_prefix addr; /* one address (/32, /128) */
	int64_t last_seen;      /* unix time of the last successful fetch listing it */
	bool current;           /* listed by the last successful fetch */
};

struct ucf_vpnpeers {
	struct ucf_vpn_peer *items;
	size_t count, cap;
	uint64_t refused;  /* addresses refused by ucf_vpn_peer_check, all fetches */
	uint64_t over_cap; /* addresses beyond UCF_VPN_PEERS_MAX, all fetches */
	int64_t learned_at; /* the last successful fetch (0: none) */
};

/* 0 when addr may be an AutoVPN peer of this site; else -EINVAL and why:
 * not a single global unicast address (private, shared, loopback,
 * link-local, multicast, reserved, unspecified, IPv4-mapped), the
 * appliance itself, or inside E, S or R. Documentation ranges pass (they
 * are what labs and examples use). */
int ucf_vpn_peer_check(const struct ucf_config *cfg, const struct ucf_prefix *addr, char *why,
		       size_t whylen);

void ucf_vpnpeers_clear(struct ucf_vpnpeers *p);

/* A successful fetch listed addrs (the texts the API gave, any number):
 * the valid ones become current with last_seen now, the others are counted
 * (refused, over_cap) and the first reason kept in why (may be NULL); the
 * peers not listed stop being current, and those older than the timeout
 * go. -ENOMEM leaves p as it was. */
int ucf_vpnpeers_learn(struct ucf_vpnpeers *p, const struct ucf_config *cfg,
		       const char *const *addrs, size_t n, int64_t now, char *why, size_t whylen);

/* Forgets peers older than the timeout and those cfg no longer allows (a
 * reload can move E, S, R or A). */
void ucf_vpnpeers_prune(struct ucf_vpnpeers *p, const struct ucf_config *cfg, int64_t now);

/* How many peers are in the sets at now (not yet timed out). */
size_t ucf_vpnpeers_live(const struct ucf_vpnpeers *p, const struct ucf_config *cfg, int64_t now);

/* The sets' elements at now: addrs[i] with timeout_ms[i] (the full
 * timeout for current peers, what is left of it for the others). Both
 * arrays hold p->count; returns how many were filled. */
size_t ucf_vpnpeers_elements(const struct ucf_vpnpeers *p, const struct ucf_config *cfg,
			     int64_t now, struct ucf_prefix *addrs, uint64_t *timeout_ms);

/* STATE_DIR/vpn-peers.json, replaced atomically. */
int ucf_vpnpeers_save(const struct ucf_vpnpeers *p, const char *state_dir, char *err,
		      size_t errlen);
/* Reads it back (absent: 0 and nothing), checking every entry again as
 * hostile input and dropping the expired: *dropped counts what went. */
int ucf_vpnpeers_load(struct ucf_vpnpeers *p, const struct ucf_config *cfg, const char *state_dir,
		      int64_t now, size_t *dropped, char *err, size_t errlen);

#endif
