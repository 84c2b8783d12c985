/* upload.h — the capture upload signal: a pure detector fed readings of the
 * kernel counter of the appliance's bytes to the Meraki cloud ranges
 * (policy.h: UCF_COUNTER_UPLOAD). No I/O, no clock: every call takes the
 * time (one monotonic clock, microseconds) and the caller does the rest.
 *
 * Rate: the counter's growth between two readings over their distance. A
 * counter that went down was re-created (the table replaced): that reading
 * only restarts the measurement, so no negative or huge rate comes of it; so
 * does one that grew faster than any link (over 8 Pbit/s).
 *
 * Baseline: an exponentially weighted mean of the rate with time constant
 * `learning`, fed only by readings at or under the threshold, never by an
 * episode's (nor by a run above the threshold that is not yet one), and
 * capped at floor x multiple: uploading steadily just under the threshold
 * raises it (the boiling frog), never past floor x multiple^2.
 *
 * Episode: the rate above threshold = max(floor, multiple x baseline) at
 * every reading for `sustain`; it ends after `settle` at or under it. One
 * alert per episode.
 *
 * Correlation with the Dashboard watcher's capture findings of the site
 * (hold > 0, i.e. the watcher runs): a new episode's alert is held for
 * `hold`; a finding within that time takes it over (the caller adds the
 * episode to the finding's alert, and no capture-suspected is raised). A
 * finding up to `hold` before the episode began means the operator was
 * told already: the episode is correlated and raises nothing. */
#ifndef UCF_UPLOAD_H
#define UCF_UPLOAD_H

#include <stdbool.h>
#include <stdint.h>

struct ucf_upload_opts {
	uint64_t floor_Bps;  /* bytes per second */
	uint32_t multiple;
	uint64_t sustain_us;
	uint64_t settle_us;
	uint64_t learning_us;
	uint64_t hold_us;    /* 0: raise at once (no watcher to correlate with) */
};

/* What one episode was (so far). Times are the caller's clock. */
struct ucf_upload_episode {
	uint64_t seq;           /* 1 for the first episode of this detector */
	uint64_t start_us;      /* the start of the first reading above the threshold */
	uint64_t end_us;        /* the start of the quiet that ended it; 0 while open */
	uint64_t bytes;         /* sent during it */
	uint64_t peak_Bps;      /* highest reading's rate */
	uint64_t threshold_Bps; /* the threshold it crossed */
	uint64_t baseline_Bps;  /* the baseline when it began */
};

struct ucf_upload_stats {
	uint64_t rate_Bps;      /* the last reading's rate */
	uint64_t baseline_Bps;
	uint64_t threshold_Bps; /* now */
	bool learned;           /* the baseline has had a reading */
	bool in_episode;
	uint64_t readings;      /* readings that gave a rate */
	uint64_t resets;        /* readings that found the counter re-created */
	uint64_t episodes;      /* begun */
	uint64_t raised;        /* capture-suspected alerts due */
	uint64_t correlated;    /* episodes carried by (or after) a watcher finding */
};

struct ucf_upload;

/* -ENOMEM or -EINVAL (multiple 0). */
int ucf_upload_new(const struct ucf_upload_opts *o, struct ucf_upload **out);
void ucf_upload_free(struct ucf_upload *u);
/* New options (a reload): the baseline and an open episode stay. */
int ucf_upload_set_opts(struct ucf_upload *u, const struct ucf_upload_opts *o);

/* One reading of the counter (bytes since it was created) at now. */
void ucf_upload_sample(struct ucf_upload *u, uint64_t now_us, uint64_t counter_bytes);
/* The counter could not be read: the next reading only restarts the
 * measurement. */
void ucf_upload_gap(struct ucf_upload *u);

/* true once per episode when its capture-suspected alert is due (at once
 * without hold, or when the hold ran out without a finding); ep is filled. */
bool ucf_upload_due(struct ucf_upload *u, uint64_t now_us, struct ucf_upload_episode *ep);

/* A watcher capture finding of the site about an activity at at_us (when
 * the capture started, the request was made...; the time it arrived when
 * the finding names none). true when it falls on the current or last
 * episode: from hold before its start to hold after its end (or while it
 * is open). ep is filled and *took_alert says whether the held alert went
 * with it (no capture-suspected will be raised for that episode) or had
 * been raised already. An older finding (the watcher's history, a capture
 * hours ago) leaves the episode alone. A finding also counts for an episode
 * that begins up to hold after at_us. */
bool ucf_upload_finding(struct ucf_upload *u, uint64_t at_us, struct ucf_upload_episode *ep,
			bool *took_alert);
/* Raises the held alert now, whatever is left of the hold (the agent
 * stops): true once, ep filled. */
bool ucf_upload_flush(struct ucf_upload *u, struct ucf_upload_episode *ep);

void ucf_upload_get_stats(const struct ucf_upload *u, struct ucf_upload_stats *s);

#endif
