/* pinholes.h — the media elements the agent holds open in the kernel's media
 * sets, and their batching into netlink transactions. Callers open and close
 * elements as call signalling announces and ends media; this module decides
 * what the kernel must be told, sends it in one transaction per commit, keeps
 * every open element's kernel timeout refreshed, and can list what a rebuilt
 * ruleset must carry.
 *
 * Identity of an element: (family, peer, addr, port); timeout_ms is carried
 * from the first open. Every operation is O(1) (expected) per element: a
 * keyed hash table (per-instance random key) and intrusive lists for the
 * pending additions, pending deletions, the grace FIFO and the refresh FIFO.
 *
 * Memory grows lazily with use and is bounded by cap: at most cap elements
 * are held (open or in grace), plus at most cap more whose deletion awaits
 * the next commit, so at most 2·cap entries (~110 bytes each) plus the hash
 * buckets and the commit's scratch arrays.
 *
 * Times (now_us) are the caller's monotonic clock; the same clock for close,
 * tick and commit. Only the latency figures use clock_us. */
#ifndef UCF_PINHOLES_H
#define UCF_PINHOLES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "latency.h"
#include "policy.h"

/* Sends one transaction: deletes del[] then adds add[]. -ENOENT if an
 * element to delete is not in the kernel (nothing of the transaction then
 * happened); any other negative errno is a failure; err says why. */
typedef int (*ucf_pinhole_commit_fn)(void *arg, const struct ucf_pinhole *add, size_t nadd,
				     const struct ucf_pinhole *del, size_t ndel, char *err,
				     size_t errlen);

struct ucf_pinholes_opts {
	uint32_t cap;       /* elements held at most (limits.media), 1 .. 2^30 */
	uint32_t refresh_s; /* each element is re-added (delete+add in one transaction) every
			       refresh_s, to the tick; 0: never */
	uint64_t grace_us;  /* a closed element with grace stays this long (media in flight) */
	ucf_pinhole_commit_fn commit;
	void *arg;                       /* for commit and clock_us */
	uint64_t (*clock_us)(void *arg); /* acknowledgement time for the latency figures, in the
					    clock of the open's stamp_us; NULL: CLOCK_REALTIME */
};

struct ucf_pinholes;

/* -EINVAL on a bad cap or no commit function, -ENOMEM, or getrandom's error. */
int ucf_pinholes_new(const struct ucf_pinholes_opts *o, struct ucf_pinholes **out, char *err,
		     size_t errlen);
void ucf_pinholes_free(struct ucf_pinholes *p);
/* Takes effect from the next tick (a reload may change uc.media.timeout). */
void ucf_pinholes_set_refresh(struct ucf_pinholes *p, uint32_t refresh_s);
/* A reload: a new cap. Raising it takes effect at once; a cap below the
 * elements held now is refused (-EBUSY, nothing changes) rather than
 * closing pinholes of calls in progress. -EINVAL for a cap new() refuses. */
int ucf_pinholes_set_cap(struct ucf_pinholes *p, uint32_t cap, char *err, size_t errlen);
uint32_t ucf_pinholes_cap(const struct ucf_pinholes *p);

/* Takes a reference to the element (two calls may need the same one). At
 * the first reference it is queued for addition; stamp_us is the capture
 * time of the packet that announced it (0: none), for the latency figures.
 * An element in grace or whose deletion is pending is revived with no
 * kernel operation. At the cap, the element longest in grace has its grace
 * cut short (it is queued for deletion) to make room.
 * 1: queued or kept open; 0: one more reference; -ENOSPC at the cap with
 * nothing in grace; -EINVAL for a family other than AF_INET/AF_INET6;
 * -ENOMEM; -EOVERFLOW at 2^32-1 references. */
int ucf_pinholes_open(struct ucf_pinholes *p, const struct ucf_pinhole *ph, uint64_t stamp_us);

/* Drops a reference. At the last: an element still only queued for
 * addition is dropped (no kernel operation); else with grace (and a
 * grace_us) it is deleted once grace_us has passed since now_us, without
 * grace it is queued for deletion now. 1: that was the last reference; 0:
 * references remain; -ENOENT: not held. */
int ucf_pinholes_close(struct ucf_pinholes *p, const struct ucf_pinhole *ph, bool grace,
		       uint64_t now_us);

/* Due graces become deletions; elements due for refresh are queued
 * (delete+add, or add alone for one whose addition failed). Refresh is
 * spread: besides the due elements, about n/refresh_s per second of the
 * oldest are refreshed early, so an element's refreshes keep a steady phase
 * and a burst of additions is not refreshed in one transaction; at most
 * 2·⌈n/refresh_s⌉+64 per call (n: elements open in the kernel). Call about
 * once a second, then commit. */
void ucf_pinholes_tick(struct ucf_pinholes *p, uint64_t now_us);

/* Commits the pending additions and deletions in one call of the commit
 * function. On -ENOENT (an element to delete was already gone, e.g. expired
 * in the kernel): the new additions are committed alone at once (they must
 * not wait), then the deletions, each with the re-add of its refresh, in
 * halves until the missing ones are isolated; a lone deletion failing with
 * ENOENT was already done. No deletion is lost and no refreshed element is
 * left deleted.
 * On any other failure (counted in errors, err filled, its errno returned)
 * the failed work is dropped from the queues and the table stays
 * consistent: an element whose addition failed stays held and is added
 * again by the next tick (its refresh is due at once); a refresh that failed
 * is retried by the next tick; an element whose deletion failed is
 * forgotten and expires in the kernel by its timeout.
 * 0 when everything was committed (nothing pending also gives 0). */
int ucf_pinholes_commit(struct ucf_pinholes *p, uint64_t now_us, char *err, size_t errlen);

/* Elements held: open (in the kernel or queued for it) or in grace. */
uint32_t ucf_pinholes_count(const struct ucf_pinholes *p);
/* Anything to commit. */
bool ucf_pinholes_pending(const struct ucf_pinholes *p);
/* Calls fn for every element held: what a rebuilt ruleset must carry. No
 * changes during the walk. */
void ucf_pinholes_each(const struct ucf_pinholes *p,
		       void (*fn)(void *arg, const struct ucf_pinhole *ph), void *arg);

struct ucf_pinholes_stats {
	uint64_t batches;        /* calls of the commit function */
	uint64_t errors;         /* of them, failed other than by a handled ENOENT */
	uint64_t enoent_retries; /* commits that met ENOENT and retried */
	uint64_t gone;           /* deletions found already done (ENOENT alone) */
	uint64_t opened;         /* elements added to the kernel (not refreshes) */
	uint64_t closed;         /* elements deleted from the kernel (or found gone) */
	uint64_t refreshed;      /* delete+add pairs committed */
	uint64_t refused;        /* opens refused at the cap */
	uint64_t graces_cut;     /* graces cut short at the cap */
	uint64_t lookups, probes; /* hash lookups, and other elements they met on the way */
	uint32_t pending_add, pending_del, in_grace;
};
void ucf_pinholes_get_stats(const struct ucf_pinholes *p, struct ucf_pinholes_stats *st);

/* Fed at each successful commit: acknowledgement time minus stamp_us, for
 * every first addition opened with a stamp. */
const struct ucf_latency *ucf_pinholes_latency(const struct ucf_pinholes *p);

#endif
