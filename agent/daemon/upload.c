/* upload.c — the capture upload signal's detector (see upload.h). */
#include "upload.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Readings closer than this are folded into the next: a rate over a few
 * milliseconds says nothing and would only be noise. */
#define MIN_SPAN_US 100000u
/* Far above any link (8 Pbit/s): a faster growth is no reading but a bogus
 * or re-created counter. Under it a rate times the largest multiple (1000)
 * stays well inside uint64_t. */
#define MAX_RATE_BPS 1e15

struct ucf_upload {
	struct ucf_upload_opts o;

	bool have_last;
	uint64_t last_us, last_bytes;

	double baseline;
	bool learned;
	uint64_t rate;

	/* a run of readings above the threshold, not yet an episode */
	bool in_run;
	uint64_t run_start, run_bytes, run_peak;

	/* the current or last episode (ep.seq 0: none yet) */
	struct ucf_upload_episode ep;
	bool open;
	bool quiet; /* open, and under the threshold since quiet_start */
	uint64_t quiet_start;
	bool pending; /* its alert is held (or due) */
	uint64_t due_us;

	bool have_finding;
	uint64_t finding_us;

	struct ucf_upload_stats st;
};

static int check(const struct ucf_upload_opts *o)
{
	return o->multiple ? 0 : -EINVAL;
}

int ucf_upload_new(const struct ucf_upload_opts *o, struct ucf_upload **out)
{
	if (check(o) < 0)
		return -EINVAL;
	struct ucf_upload *u = calloc(1, sizeof(*u));
	if (!u)
		return -ENOMEM;
	u->o = *o;
	*out = u;
	return 0;
}

void ucf_upload_free(struct ucf_upload *u)
{
	free(u);
}

int ucf_upload_set_opts(struct ucf_upload *u, const struct ucf_upload_opts *o)
{
	if (check(o) < 0)
		return -EINVAL;
	u->o = *o;
	return 0;
}

static uint64_t threshold(const struct ucf_upload *u)
{
	/* the baseline's cap (learn) holds over a reload lowering the floor too */
	double cap = (double)u->o.floor_Bps * u->o.multiple;
	double m = u->learned ? (u->baseline < cap ? u->baseline : cap) * u->o.multiple : 0;
	return m > (double)u->o.floor_Bps ? (uint64_t)m : u->o.floor_Bps;
}

/* An exponentially weighted mean over irregular spans: the weight of a
 * reading grows with the time it covers. */
static void learn(struct ucf_upload *u, uint64_t rate, uint64_t span_us)
{
	/* Steady uploading under the threshold raises the baseline (the boiling
	 * frog): capped, so the threshold never passes floor x multiple^2. */
	double cap = (double)u->o.floor_Bps * u->o.multiple;
	if ((double)rate > cap)
		rate = (uint64_t)cap;
	if (!u->learned) {
		u->baseline = (double)rate;
		u->learned = true;
		return;
	}
	double w = (double)span_us / ((double)u->o.learning_us + (double)span_us);
	u->baseline += w * ((double)rate - u->baseline);
}

static void begin_episode(struct ucf_upload *u, uint64_t now_us, uint64_t thr)
{
	u->ep = (struct ucf_upload_episode){
		.seq = u->ep.seq + 1,
		.start_us = u->run_start,
		.bytes = u->run_bytes,
		.peak_Bps = u->run_peak,
		.threshold_Bps = thr,
		.baseline_Bps = u->learned ? (uint64_t)u->baseline : 0,
	};
	u->open = true;
	u->quiet = false;
	u->in_run = false;
	u->st.episodes++;
	/* A capture finding of this site just before (or during the run that
	 * became this episode) told the operator already: this is its upload. */
	if (u->o.hold_us && u->have_finding && u->finding_us + u->o.hold_us >= u->ep.start_us) {
		u->st.correlated++;
		u->pending = false;
		return;
	}
	u->pending = true;
	u->due_us = now_us + u->o.hold_us;
}

void ucf_upload_sample(struct ucf_upload *u, uint64_t now_us, uint64_t counter_bytes)
{
	double fast = u->have_last && now_us >= u->last_us + MIN_SPAN_US && counter_bytes >= u->last_bytes
			      ? (double)(counter_bytes - u->last_bytes) * 1e6 /
					(double)(now_us - u->last_us)
			      : 0;
	bool bogus = fast > MAX_RATE_BPS;
	if (u->have_last && (counter_bytes < u->last_bytes || bogus))
		u->st.resets++; /* re-created: this reading starts afresh */
	if (!u->have_last || counter_bytes < u->last_bytes || now_us < u->last_us || bogus) {
		u->have_last = true;
		u->last_us = now_us;
		u->last_bytes = counter_bytes;
		return;
	}
	uint64_t span = now_us - u->last_us;
	if (span < MIN_SPAN_US)
		return;
	uint64_t delta = counter_bytes - u->last_bytes, start = u->last_us;
	uint64_t rate = (uint64_t)((double)delta * 1e6 / (double)span);
	u->last_us = now_us;
	u->last_bytes = counter_bytes;
	u->rate = rate;
	u->st.readings++;

	if (u->open) {
		/* the episode's readings never teach the baseline */
		u->ep.bytes += delta;
		if (rate > u->ep.peak_Bps)
			u->ep.peak_Bps = rate;
		if (rate > threshold(u)) {
			u->quiet = false;
			return;
		}
		if (!u->quiet) {
			u->quiet = true;
			u->quiet_start = start;
		}
		if (now_us - u->quiet_start >= u->o.settle_us) {
			u->open = false;
			u->ep.end_us = u->quiet_start;
		}
		return;
	}
	uint64_t thr = threshold(u);
	if (rate > thr) {
		if (!u->in_run) {
			u->in_run = true;
			u->run_start = start;
			u->run_bytes = u->run_peak = 0;
		}
		u->run_bytes += delta;
		if (rate > u->run_peak)
			u->run_peak = rate;
		if (now_us - u->run_start >= u->o.sustain_us)
			begin_episode(u, now_us, thr);
		return;
	}
	/* a short burst is neither an episode nor the usual */
	u->in_run = false;
	learn(u, rate, span);
}

void ucf_upload_gap(struct ucf_upload *u)
{
	u->have_last = false;
}

bool ucf_upload_due(struct ucf_upload *u, uint64_t now_us, struct ucf_upload_episode *ep)
{
	if (!u->pending || now_us < u->due_us)
		return false;
	u->pending = false;
	u->st.raised++;
	*ep = u->ep;
	return true;
}

bool ucf_upload_finding(struct ucf_upload *u, uint64_t at_us, struct ucf_upload_episode *ep,
			bool *took_alert)
{
	*took_alert = false;
	if (!u->have_finding || at_us > u->finding_us) {
		u->have_finding = true;
		u->finding_us = at_us;
	}
	if (!u->ep.seq || at_us + u->o.hold_us < u->ep.start_us ||
	    (!u->open && at_us > u->ep.end_us + u->o.hold_us))
		return false;
	*ep = u->ep;
	if (u->pending) {
		u->pending = false;
		u->st.correlated++;
		*took_alert = true;
	}
	return true;
}

bool ucf_upload_flush(struct ucf_upload *u, struct ucf_upload_episode *ep)
{
	return ucf_upload_due(u, UINT64_MAX, ep);
}

void ucf_upload_get_stats(const struct ucf_upload *u, struct ucf_upload_stats *s)
{
	*s = u->st;
	s->rate_Bps = u->rate;
	s->baseline_Bps = u->learned ? (uint64_t)u->baseline : 0;
	s->threshold_Bps = threshold(u);
	s->learned = u->learned;
	s->in_episode = u->open;
}
