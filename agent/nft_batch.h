/* nft_batch.h — renders a ruleset model as one nftables netlink batch
 * (NFNL_MSG_BATCH_BEGIN … BATCH_END: one kernel transaction), built with
 * libnftnl objects and libmnl attributes. Nothing here opens a socket: the
 * enforcer sends what this builds, and asks it which object a failing
 * message (and attribute offset) stood for. */
#ifndef UCF_NFT_BATCH_H
#define UCF_NFT_BATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy.h"

/* Element lists are split so each NEWSETELEM nest stays under the 64 KiB
 * attribute limit (u16 length) with room to spare. */
#define UCF_BATCH_ELEMS_MAX_BYTES (60 * 1024)

struct ucf_batch;

/* seq numbers the messages from first_seq on; NULL on out of memory. */
struct ucf_batch *ucf_batch_new(uint32_t first_seq);
void ucf_batch_free(struct ucf_batch *b);

/* genid != 0 makes the kernel refuse the batch (ERESTART) if the ruleset
 * generation moved since it was read. */
int ucf_batch_begin(struct ucf_batch *b, uint32_t genid);
int ucf_batch_end(struct ucf_batch *b);

int ucf_batch_add_table(struct ucf_batch *b, const char *name, uint32_t flags);
int ucf_batch_del_table(struct ucf_batch *b, const char *name);
/* Everything inside table inet ucfence: counters, sets and their elements,
 * chains, rules. rs must outlive b (descriptions point into it). */
int ucf_batch_add_ruleset(struct ucf_batch *b, const struct ucf_ruleset *rs);
/* Adds (NEWSETELEM, no NLM_F_EXCL: an existing key is not an error) or
 * deletes (DELSETELEM) media elements; m must outlive b. */
int ucf_batch_media(struct ucf_batch *b, bool add, const struct ucf_media *m, size_t n);

const void *ucf_batch_data(const struct ucf_batch *b, size_t *len);
size_t ucf_batch_messages(const struct ucf_batch *b);
uint32_t ucf_batch_first_seq(const struct ucf_batch *b);
uint32_t ucf_batch_last_seq(const struct ucf_batch *b);

/* "set endpoints4, element 10.20.0.0/24", "rule 3 of chain forward (…),
 * expression 2 (lookup)", … for the message with sequence number seq;
 * offset is NLMSGERR_ATTR_OFFS (from the message header) or 0. */
void ucf_batch_describe(const struct ucf_batch *b, uint32_t seq, uint32_t offset, char *buf,
			size_t buflen);

#endif
