/* flow.h — the bidirectional 5-tuple flow table: O(1) lookup by a canonical
 * key (lower endpoint first), idle timeouts per timeout class, a hard cap
 * with eviction of the oldest idle flow. Flows live in chunks allocated as
 * the table grows and are recycled through a free list, so the steady state
 * allocates nothing. Each flow carries a caller-sized user area. Buckets are
 * chosen by a hash keyed at random per table, so spoofed keys cannot be made
 * to collide. */
#ifndef UCF_FLOW_H
#define UCF_FLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "decode.h"

struct ucf_flow_key {
	uint8_t addr[2][16];
	uint16_t port[2];
	uint8_t family, proto;
	uint8_t pad[2]; /* zero, so keys compare with memcmp */
};

struct ucf_flow {
	struct ucf_flow_key key;
	uint32_t hnext, prev, next; /* hash chain; timeout-class list */
	uint32_t self;              /* own index */
	uint8_t tclass;
	uint8_t init_side; /* key side (0/1) that sent the first packet */
	uint8_t used;      /* the slot holds a flow */
	uint8_t pad2[5];
	uint64_t first_us, last_us;
	uint64_t moved_us; /* when last put at its list's tail */
	uint64_t packets, bytes;
	/* the user area follows */
};

#define UCF_TCLASS_MAX 8

struct ucf_flow_table_opts {
	uint32_t max_flows;
	size_t user_size;
	unsigned tclasses;                  /* number of timeout classes used */
	uint32_t timeout_s[UCF_TCLASS_MAX]; /* idle timeout of each class */
};

enum ucf_flow_end { UCF_FLOW_EXPIRED, UCF_FLOW_EVICTED, UCF_FLOW_FLUSHED };

/* Called just before a flow's slot is released. */
typedef void (*ucf_flow_end_fn)(void *arg, struct ucf_flow *f, enum ucf_flow_end why);

struct ucf_flow_table;

int ucf_flow_table_new(const struct ucf_flow_table_opts *o, ucf_flow_end_fn end, void *arg,
		       struct ucf_flow_table **out, char *err, size_t errlen);
void ucf_flow_table_free(struct ucf_flow_table *t); /* no callbacks */
/* A reload: a new max_flows. Growing takes effect at once (memory still
 * grows with use); a cap below the flows now held is refused (-EBUSY,
 * nothing changes) rather than evicting live flows. -EINVAL for a cap
 * new() would refuse, -ENOMEM. */
int ucf_flow_table_set_max(struct ucf_flow_table *t, uint32_t max_flows, char *err,
			   size_t errlen);
uint32_t ucf_flow_table_max(const struct ucf_flow_table *t);
/* A reload: a class's idle timeout, for the flows now in it too. */
void ucf_flow_table_set_timeout(struct ucf_flow_table *t, unsigned tclass, uint32_t timeout_s);

/* Builds the canonical key of pkt; *side is the key side of pkt's source. */
void ucf_flow_key_make(struct ucf_flow_key *k, const struct ucf_pkt *pkt, unsigned *side);

/* Finds the flow of k, or creates it (class 0, user area zeroed), evicting
 * the oldest idle flow when the table is full. Returns NULL only when memory
 * runs out. */
struct ucf_flow *ucf_flow_get(struct ucf_flow_table *t, const struct ucf_flow_key *k,
			      uint64_t now_us, bool *created);
struct ucf_flow *ucf_flow_find(const struct ucf_flow_table *t, const struct ucf_flow_key *k);

/* Marks activity (cheap: the list position moves at most once a second).
 * True when it moved: a once-a-second tick per active flow. */
bool ucf_flow_touch(struct ucf_flow_table *t, struct ucf_flow *f, uint64_t now_us);

void ucf_flow_set_tclass(struct ucf_flow_table *t, struct ucf_flow *f, unsigned tclass,
			 uint64_t now_us);
/* Ends flows idle longer than their class timeout. */
void ucf_flow_expire(struct ucf_flow_table *t, uint64_t now_us);
/* Ends every flow (UCF_FLOW_FLUSHED). */
void ucf_flow_flush(struct ucf_flow_table *t);
uint32_t ucf_flow_count(const struct ucf_flow_table *t);
uint64_t ucf_flow_evictions(const struct ucf_flow_table *t);

static inline void *ucf_flow_user(struct ucf_flow *f) { return f + 1; }

#endif
