/* verdicts.h — the classifier's non-target verdicts on UC services, turned
 * into kernel blocks of the flow's 5-tuple. The kernel admits traffic
 * between the phones and the call servers by port; the classifier knows
 * what a flow carries. A flow the kernel admits as a UC service (one end in
 * E, or A in appliance mode; the other in S∪R∪E; the responder's port a UC
 * service port or the static media range) that the classifier calls
 * non-target (HTTP or SSH on the SIP port, junk in the media range) is
 * blocked both ways. Flows the kernel drops anyway make no block, nor does a
 * verdict made by a packet whose source cannot be behind the port it came in
 * on (a server's address on a phone port: forged to cut the real flow).
 *
 * The module keeps the blocks it made, newest last, so a ruleset rebuilt on
 * reload or after tampering carries them; at most cap (the oldest are
 * forgotten here, and expire in the kernel by their own timeout). Pure:
 * time comes from the caller, the kernel is the caller's. */
#ifndef UCF_VERDICTS_H
#define UCF_VERDICTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "classify.h"
#include "policy.h"

/* What the kernel admits as UC services; the arrays are copied. */
struct ucf_verdict_policy {
	const struct ucf_prefix *endpoints; size_t n_endpoints; /* E (and A in appliance mode) */
	const struct ucf_prefix *peers; size_t n_peers;         /* S∪R∪E (and A) */
	const struct ucf_service_port *ports; size_t n_ports;   /* services and the static range */
};

/* Blocks one host (the flow's endpoint side) may cause, and all hosts
 * together: the kernel's block sets hold each for an hour, so their size is
 * bounded by these rates. A host past its rate gets no more blocks for a
 * while: its further non-target flows on UC ports are left to the port
 * rules, as before the classifier's verdicts reached the kernel. */
#define UCF_BLOCKS_PER_HOST_PER_S 5
#define UCF_BLOCKS_HOST_BURST 20
#define UCF_BLOCKS_PER_S 20
#define UCF_BLOCKS_BURST 200

struct ucf_verdicts_stats {
	uint64_t verdicts;  /* non-target verdicts seen */
	uint64_t blocked;   /* of them, blocks made */
	uint64_t rate_limited; /* of them, not blocked: the host's or the global rate */
	uint64_t forgotten; /* blocks dropped from the carried list at the cap */
	uint32_t held;      /* blocks carried now */
};

struct ucf_verdicts;

int ucf_verdicts_new(uint32_t cap, uint32_t timeout_s, struct ucf_verdicts **out, char *err,
		     size_t errlen);
void ucf_verdicts_free(struct ucf_verdicts *v);
/* -ENOMEM keeps the old policy. */
int ucf_verdicts_set_policy(struct ucf_verdicts *v, const struct ucf_verdict_policy *p);

/* Would the kernel admit this flow as a UC service? */
bool ucf_verdicts_on_uc_service(const struct ucf_verdicts *v, const struct ucf_flow_info *fi);
/* A verdict from the classifier. true: a new block, queued for the kernel. */
bool ucf_verdicts_note(struct ucf_verdicts *v, const struct ucf_flow_info *fi, uint64_t now_us);

/* The blocks queued since the last call of ucf_verdicts_committed, oldest
 * first, in at most two runs (the carried list is a ring). */
size_t ucf_verdicts_queued(const struct ucf_verdicts *v, const struct ucf_block **run1,
			   size_t *n1, const struct ucf_block **run2, size_t *n2);
void ucf_verdicts_committed(struct ucf_verdicts *v);

/* Forgets blocks older than the timeout (the kernel has let them go). */
void ucf_verdicts_expire(struct ucf_verdicts *v, uint64_t now_us);
/* Every block carried, for a rebuilt ruleset. */
void ucf_verdicts_each(const struct ucf_verdicts *v,
		       void (*fn)(void *arg, const struct ucf_block *b), void *arg);
void ucf_verdicts_get_stats(const struct ucf_verdicts *v, struct ucf_verdicts_stats *st);

#endif
