/* meraki_merge.h — from one poll cycle's findings to alerts, against the
 * watcher's persisted memory (a JSON document, STATE_DIR/meraki-state.json):
 *   - a capture or schedule is alerted once; a later status change of an
 *     alerted capture is recorded (a note), not alerted again;
 *   - entries older than the source's horizon that were never seen are
 *     history (first start: older than meraki.lookback): recorded only;
 *   - the same activity seen by two sources is ONE alert: an API request,
 *     configuration change or network event about a capture (or schedule)
 *     correlates with it when they are within the correlation window and
 *     agree on every identity they both carry (admin id, network id, device
 *     serial; at least one shared). It is attached to the capture's alert if
 *     that is new in this cycle, recorded against it if it was alerted
 *     earlier, held (pending) while younger than the window in case the
 *     capture shows up later, and alerted on its own after that, grouped
 *     with the other unmatched entries about the same activity. An API
 *     request that acts on an existing capture or schedule (a follow-up:
 *     stop, delete, download...) joins a capture alerted in this cycle but
 *     never one alerted before: then it is alerted on its own. */
#ifndef UCF_MERAKI_MERGE_H
#define UCF_MERAKI_MERGE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "alert.h"
#include "meraki_parse.h"

struct ucf_mmerge {
	const char *site, *org;
	int64_t now;
	int64_t horizon[UCF_MS_COUNT]; /* per source; INT64_MIN: everything is news */
	int64_t window;                /* correlation window, seconds */
	int64_t keep;                  /* how long seen entries are remembered, seconds */
	bool primaries_complete;       /* captures and schedules were read in full this cycle:
					* otherwise nothing held is alerted on its own (its
					* capture may be on the page that failed) */
};

struct ucf_alert_list {
	struct ucf_alert **items;
	size_t count;
};
void ucf_alert_list_free(struct ucf_alert_list *l);

typedef void (*ucf_mnote_fn)(void *ctx, const char *text);

/* A fresh memory for an organization. */
json_t *ucf_mstate_new(const char *org);

/* Retention: drops what state remembers from before cutoff (captures,
 * schedules, ids seen, activities, entries held for correlation); cursors,
 * event types, API health and refusals name no one and stay. Returns how
 * many entries went. */
size_t ucf_mstate_prune(json_t *state, int64_t cutoff);

/* Merges findings (an array from ucf_mparse_page) into state and appends the
 * new alerts to out, oldest activity first. note (may be NULL) hears what was
 * recorded without an alert. On error state may be half-updated: reload it. */
int ucf_mmerge(json_t *state, const struct ucf_mmerge *m, const json_t *findings,
	       struct ucf_alert_list *out, ucf_mnote_fn note, void *note_ctx, char *err,
	       size_t errlen);

#endif
