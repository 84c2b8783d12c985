/* violations.h — folds dropped (or, in monitor mode, counted) non-target
 * packets per source, interface and reason per window: the first packet of
 * a window is reported at once (the admin hears of it within the second),
 * the packets after it in one follow-up report with their count when the
 * window closes (none if there were none), so a flood gives at most two
 * reports per window. Memory is bounded: past the cap,
 * packets of new sources are folded into one "other sources" report per
 * reason and interface. Pure logic: time comes from the caller. */
#ifndef UCF_VIOLATIONS_H
#define UCF_VIOLATIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The destinations a window keeps (the first few distinct ones, in order):
 * what a dropped flow was heading for, bounded per window. */
#define UCF_DROP_DESTS_MAX 4

struct ucf_drop_dest {
	uint8_t family; /* AF_INET/AF_INET6 */
	uint8_t l4proto;
	uint8_t addr[16];
	uint16_t port;  /* TCP/UDP destination port, 0 for none */
};

struct ucf_drop_window {
	char reason[32];  /* e.g. "non-target-uc" */
	char ifname[16];  /* where it came in (or would have gone out) */
	uint8_t family;   /* AF_INET/AF_INET6; 0 for the overflow report */
	uint8_t src[16];
	bool other_sources; /* the cap was reached: many sources folded together */
	bool followup;    /* false: the window's first packet, reported at once;
			   * true: the packets after it, reported at its close */
	uint64_t packets; /* 1 in a first report; the further packets in a follow-up */
	uint64_t first_us, last_us;
	uint8_t l4proto;  /* of the first packet, as an example */
	uint16_t dport;
	/* With ucf_violations_add_to: the distinct destinations of the
	 * report's packets (the first one's in a first report), at most
	 * UCF_DROP_DESTS_MAX; dests_other counts the packets to others. */
	struct ucf_drop_dest dests[UCF_DROP_DESTS_MAX];
	uint8_t ndests;
	uint64_t dests_other;
};

typedef void (*ucf_drop_window_fn)(void *arg, const struct ucf_drop_window *v);

struct ucf_violations;

int ucf_violations_new(uint64_t window_us, uint32_t cap, ucf_drop_window_fn fn, void *arg,
		       struct ucf_violations **out);
void ucf_violations_free(struct ucf_violations *v); /* no reports */

/* One packet. The window of a (source, interface, reason) opens with its
 * first packet, which is reported from within this call; the rest are
 * reported when it closes. */
void ucf_violations_add(struct ucf_violations *v, const char *reason, const char *ifname,
			uint8_t family, const uint8_t *src, uint8_t l4proto, uint16_t dport,
			uint64_t now_us);
/* The same, keeping the packet's destination (dst NULL: none) in the
 * window's report. */
void ucf_violations_add_to(struct ucf_violations *v, const char *reason, const char *ifname,
			   uint8_t family, const uint8_t *src, const struct ucf_drop_dest *dst,
			   uint8_t l4proto, uint16_t dport, uint64_t now_us);
/* Reports the follow-up of every window that has closed by now_us. */
void ucf_violations_tick(struct ucf_violations *v, uint64_t now_us);
/* Closes every open window now, reporting their follow-ups (shutdown). */
void ucf_violations_flush(struct ucf_violations *v);
/* Erasure on request: drops the open windows whose source is match's
 * (match(arg, family, src) true), unreported. Returns how many went. */
uint32_t ucf_violations_forget(struct ucf_violations *v,
			       bool (*match)(void *arg, uint8_t family, const uint8_t *src),
			       void *arg);
uint32_t ucf_violations_open(const struct ucf_violations *v);
/* A reload: the window length from now on. Windows already open keep their
 * start and close at start + the new length (at the next tick if that has
 * passed): no packet counted so far is lost or reported twice. */
void ucf_violations_set_window(struct ucf_violations *v, uint64_t window_us);
uint64_t ucf_violations_window(const struct ucf_violations *v);

#endif
