/* enforcer.h — programs ucfence's nftables table through one long-lived
 * netlink socket: atomic whole-table replacement, flush, live media and
 * block element updates, counter reads. This header is the module's whole
 * interface; it renders with nft_batch.h and never touches any other table.
 *
 * Table ownership: at open the enforcer probes NFT_TABLE_F_PERSIST (Linux
 * 6.9+). With it, the table is created with OWNER|PERSIST: only this socket
 * may change it while it lives, and it survives the process (a crash or a
 * one-shot `ucfence apply`) as an orphan the next enforcer adopts. Without it
 * (Debian 12: 6.1) no ownership flag is set, since OWNER alone would delete
 * the table, and so enforcement, when the process exits. */
#ifndef UCF_ENFORCER_H
#define UCF_ENFORCER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy.h"

struct ucf_enforcer;

/* Opens the netfilter netlink socket and probes the kernel's table flags.
 * Fails with -EPERM without CAP_NET_ADMIN. */
int ucf_enforcer_open(struct ucf_enforcer **out, char *err, size_t errlen);
void ucf_enforcer_close(struct ucf_enforcer *e);

/* The NFT_TABLE_F_* flags apply uses (0, or OWNER|PERSIST), and a word for
 * them: "owner,persist" or "none (kernel lacks NFT_TABLE_F_PERSIST)". */
uint32_t ucf_enforcer_table_flags(const struct ucf_enforcer *e);
/* The netlink port id of the enforcer's socket: the kernel names it in the
 * notifications of every change the enforcer makes. */
uint32_t ucf_enforcer_portid(const struct ucf_enforcer *e);
const char *ucf_enforcer_ownership(const struct ucf_enforcer *e);
/* Chooses whether apply sets ownership flags (default: whenever the kernel
 * has PERSIST). Turning it off gives the Debian 12 behaviour on any kernel;
 * -EOPNOTSUPP if it is asked for without kernel support. */
int ucf_enforcer_set_ownership(struct ucf_enforcer *e, bool owned);

struct ucf_apply_stats {
	size_t messages;  /* netlink messages in the batch */
	size_t bytes;
	size_t elements;  /* set elements in the model */
	bool replaced;    /* an existing table was there (else created) */
	bool in_place;    /* ... and was updated in place (else replaced whole) */
	unsigned retries; /* the ruleset generation moved during a read */
};

/* Installs rs as table inet ucfence in ONE transaction, so at every moment
 * either the old or the new ruleset is in force. If our table is there
 * with the same shape, it is updated in place (chains refilled, only the
 * differing elements changed; counters and learned media stay); otherwise
 * it is deleted and created anew in the same transaction. On a kernel
 * rejection nothing changed and err names the object ("set endpoints4,
 * element 10.0.0.0/8: File exists"). */
int ucf_enforcer_apply(struct ucf_enforcer *e, const struct ucf_ruleset *rs,
		       struct ucf_apply_stats *stats, char *err, size_t errlen);

/* Deletes table inet ucfence if it exists (*existed says whether). */
int ucf_enforcer_flush(struct ucf_enforcer *e, bool *existed, char *err, size_t errlen);

/* In one transaction on the live table: deletes del[] then adds add[] to
 * the media sets (element timeouts from each entry, else the set's). An
 * element in both has its expiry reset; re-adding alone does not do that.
 * -ENOENT (nothing changed) if an element to delete is not there, or the
 * table is not. */
int ucf_enforcer_media(struct ucf_enforcer *e, const struct ucf_pinhole *add, size_t nadd,
		       const struct ucf_pinhole *del, size_t ndel, char *err, size_t errlen);

/* In one transaction on the live table: adds each flow in both directions
 * (src,sport -> dst,dport and back) to block4/block6, with the sets'
 * timeout (UCF_BLOCK_TIMEOUT_S). Forward's first rules send those packets
 * to the non-uc-protocol reason, established or not. Re-adding is not an
 * error. -EINVAL (nothing sent) for a flow that is not IPv4/IPv6 TCP/UDP;
 * -ENOENT if the table is not there. */
int ucf_enforcer_block(struct ucf_enforcer *e, const struct ucf_block *add, size_t n, char *err,
		       size_t errlen);

/* In one transaction on the live table: replaces the elements of the timed
 * address sets BASE4/6 (UCF_SET_VPN_PEERS, UCF_SET_APPLIANCE_OPEN) by
 * peers[] (single addresses), each timing out after its timeout_ms[] (> 0).
 * -EINVAL for another element, -E2BIG beyond UCF_VPN_PEERS_MAX. */
int ucf_enforcer_timed_addrs(struct ucf_enforcer *e, const char *base,
			     const struct ucf_prefix *peers, const uint64_t *timeout_ms, size_t n,
			     char *err, size_t errlen);

struct ucf_counter {
	uint64_t packets, bytes;
};

/* Reads the named counters, indexed by enum ucf_reason. -ENOENT if the
 * table does not exist. */
int ucf_enforcer_counters(struct ucf_enforcer *e, struct ucf_counter out[UCF_REASON_COUNT],
			  char *err, size_t errlen);
/* Reads one named counter of the table (e.g. UCF_COUNTER_UPLOAD) with one
 * request. -ENOENT if the table or the counter does not exist. */
int ucf_enforcer_counter(struct ucf_enforcer *e, const char *name, struct ucf_counter *out,
			 char *err, size_t errlen);

#endif
