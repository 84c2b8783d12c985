/* tamper.h — notices when anything other than the agent changes ucfence's
 * nftables table (its chains, rules, sets, elements, counters) or deletes a
 * route with ucfence's route protocol, from the kernel's own notifications
 * (NFNLGRP_NFTABLES, RTNLGRP_IPV4/6_ROUTE). The agent's own changes are
 * known by the netlink port id of the socket that made them (the kernel puts
 * it in each notification's header), never by PID, which a PID namespace
 * changes. The agent restores and alerts. Runs on the reactor; never
 * blocks. */
#ifndef UCF_TAMPER_H
#define UCF_TAMPER_H

#include <stddef.h>
#include <stdint.h>

#include "reactor.h"

enum ucf_tamper_kind {
	UCF_TAMPER_RULESET, /* our table or something in it changed */
	UCF_TAMPER_ROUTE,   /* one of our routes was deleted */
	UCF_TAMPER_LOST,    /* notifications were lost: state unknown, verify */
};

/* what: one line, e.g. "table inet ucfence deleted by nft (pid 4242)". */
typedef void (*ucf_tamper_fn)(void *arg, enum ucf_tamper_kind kind, const char *what);

struct ucf_tamper;

/* table: our table's name (family inet); route_protocol: our rtm_protocol. */
int ucf_tamper_open(struct ucf_reactor *r, const char *table, uint8_t route_protocol,
		    ucf_tamper_fn fn, void *arg, struct ucf_tamper **out, char *err, size_t errlen);
/* The agent's own sockets: the enforcer's (its nftables batches), and each
 * route sync's (its route deletions). Until the first is set, every change
 * to the table counts as tampering. */
void ucf_tamper_own_nft(struct ucf_tamper *t, uint32_t portid);
void ucf_tamper_own_route(struct ucf_tamper *t, uint32_t portid);
void ucf_tamper_close(struct ucf_tamper *t);

#endif
