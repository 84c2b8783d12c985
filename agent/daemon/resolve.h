/* resolve.h — the host names of appliance.open, resolved off the event
 * loop (glibc's getaddrinfo_a: its own thread; the agent polls for the
 * answer each tick) every UCF_OPEN_REFRESH_S, into the addresses the agent
 * puts in appliance_open4/6. What a name resolves to is hostile input: only
 * global unicast addresses outside E, S and R, not A, at most
 * UCF_RESOLVE_PER_HOST per name. A name that fails keeps its last good
 * addresses (a DNS outage does not close what the site opened). */
#ifndef UCF_RESOLVE_H
#define UCF_RESOLVE_H

#include <netdb.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "values.h"

#define UCF_RESOLVE_PER_HOST 16

struct ucf_resolver;

/* For cfg->appliance.open.hosts (copied). -ENOMEM. */
int ucf_resolver_new(struct ucf_resolver **out, const struct ucf_string_list *hosts);
/* Cancels what is in flight (waits at most a second for it). */
void ucf_resolver_free(struct ucf_resolver *r);

/* Starts a round when one is due (every refresh_ms; at once the first
 * time) and collects a finished one. True when a round finished (the
 * addresses may have changed); note (may be NULL) then says what failed or
 * was refused, "" if nothing. */
bool ucf_resolver_tick(struct ucf_resolver *r, const struct ucf_config *cfg, uint64_t now_ms,
		       uint64_t refresh_ms, char *note, size_t notelen);
/* The last good addresses of every name that cfg still allows (a reload
 * can move E, S, R or A over them), at most max. */
size_t ucf_resolver_addrs(const struct ucf_resolver *r, const struct ucf_config *cfg,
			  struct ucf_prefix *out, size_t max);

/* What the rounds found, since r was made: lookups of a name that failed,
 * addresses refused (not global, the site's, or past the per-name cap). */
struct ucf_resolver_stats {
	uint64_t rounds, failures, refused;
};
void ucf_resolver_get_stats(const struct ucf_resolver *r, struct ucf_resolver_stats *out);

/* The addresses of one answer that may be opened (the pure part of a
 * round): up to max into out, each once; *refused counts the others. */
size_t ucf_resolve_pick(const struct addrinfo *ai, const struct ucf_config *cfg,
			struct ucf_prefix *out, size_t max, size_t *refused);

#endif
