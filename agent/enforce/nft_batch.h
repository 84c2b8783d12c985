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

struct nlmsghdr;

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
int ucf_batch_media(struct ucf_batch *b, bool add, const struct ucf_pinhole *m, size_t n);
/* Adds each blocked flow in both directions to block4/block6 (NEWSETELEM,
 * no NLM_F_EXCL; the set's timeout); entries of another family are
 * skipped (check them with ucf_block_check). bl must outlive b. */
int ucf_batch_block(struct ucf_batch *b, const struct ucf_block *bl, size_t n);
/* Replaces the elements of the timed address sets BASE4 and BASE6 (the
 * learned AutoVPN peers, the resolved open hosts): flushes both sets and
 * adds each address (host prefixes) with its own timeout. */
int ucf_batch_timed_addrs(struct ucf_batch *b, const char *base, const struct ucf_prefix *peers,
			  const uint64_t *timeout_ms, size_t n);

/* ---- in-place update ----------------------------------------------------
 * Linux builds some set backends' lookup data at commit time, after the new
 * generation is already in force: for a moment a set created in the same
 * transaction looks empty, and a replaced table would drop target packets.
 * So when the live table has our exact shape, apply updates it in place:
 * chains are flushed and refilled (rules switch atomically with the
 * generation) and sets only gain and lose the elements that differ. A
 * re-apply of the same config touches no element and keeps the counters. */

/* One element as the kernel holds it (an interval set stores start and
 * end markers, see nft_batch.c). */
struct ucf_live_elem {
	uint8_t key[20], key_end[20];
	uint8_t klen;
	bool has_end, open;
	uint32_t flags;
};

struct ucf_live_set {
	char name[UCF_NAME_MAX];
	uint32_t flags, key_type, key_len;
	uint64_t timeout_ms;
	struct ucf_live_elem *elems; /* not read for the media and block sets */
	size_t count;
};

struct ucf_live_chain {
	char name[UCF_NAME_MAX];
	bool base;
	uint32_t hooknum, policy;
	int32_t prio;
};

/* The live table as read back from the kernel. */
struct ucf_live {
	uint32_t table_flags;
	struct ucf_live_set *sets;
	size_t nsets;
	struct ucf_live_chain *chains;
	size_t nchains;
	char (*counters)[UCF_NAME_MAX];
	size_t ncounters;
};

void ucf_live_free(struct ucf_live *live);
/* Decodes one NEWSETELEM message of a dump into set (appends). */
int ucf_live_add_elems(struct ucf_live_set *set, const struct nlmsghdr *nlh);
/* Whether live has exactly rs's sets, chains and counters, and flags is a
 * change the kernel allows in place (same flags, or adopting an orphan). */
bool ucf_batch_can_update(const struct ucf_ruleset *rs, const struct ucf_live *live,
			  uint32_t flags);
/* NEWTABLE (flags) + flush every chain + element differences + all rules.
 * The media and block sets' elements are only ever added (those rs
 * carries), never removed: the agent owns them. rs and live must outlive b. */
int ucf_batch_update_ruleset(struct ucf_batch *b, const struct ucf_ruleset *rs,
			     const struct ucf_live *live, uint32_t flags);
/* The set/chain/object keys nft_batch.c writes, for reading them back. */
uint32_t ucf_batch_set_flags(enum ucf_set_key key);
uint32_t ucf_batch_key_type(enum ucf_set_key key);
uint32_t ucf_batch_key_len(enum ucf_set_key key);

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
