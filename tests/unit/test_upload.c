/* Unit tests for the capture upload signal's detector: floor, multiple of
 * the baseline, sustain, one alert per episode, counter re-creation, no
 * learning from an episode, correlation with the watcher's findings. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>

#include "upload.h"

#define S 1000000ull /* one second in microseconds */

/* A counter and a clock driven at a given rate. */
struct feeder {
	struct ucf_upload *u;
	uint64_t t, counter;
	unsigned alerts;
	struct ucf_upload_episode last;
	uint64_t first_alert_t;
};

static void run(struct feeder *f, uint64_t seconds, uint64_t rate_Bps)
{
	for (uint64_t i = 0; i < seconds; i++) {
		f->t += S;
		f->counter += rate_Bps;
		ucf_upload_sample(f->u, f->t, f->counter);
		struct ucf_upload_episode ep;
		if (ucf_upload_due(f->u, f->t, &ep)) {
			if (!f->alerts)
				f->first_alert_t = f->t;
			f->alerts++;
			f->last = ep;
		}
	}
}

static struct ucf_upload_opts defaults(void)
{
	return (struct ucf_upload_opts){ .floor_Bps = 32000, /* 256 kbit/s */
					 .multiple = 10,
					 .sustain_us = 30 * S,
					 .settle_us = 60 * S,
					 .learning_us = 3600 * S };
}

static struct feeder start(const struct ucf_upload_opts *o)
{
	struct feeder f = { .t = 100000 * S };
	assert_int_equal(ucf_upload_new(o, &f.u), 0);
	ucf_upload_sample(f.u, f.t, 0); /* the first reading only starts */
	return f;
}

static void test_floor(void **state)
{
	(void)state;
	struct ucf_upload_opts o = defaults();
	struct feeder f = start(&o);
	/* telemetry: a few kbit/s for an hour, then just under the floor */
	run(&f, 3600, 500);
	struct ucf_upload_stats st;
	ucf_upload_get_stats(f.u, &st);
	assert_true(st.learned);
	assert_int_equal(st.baseline_Bps, 500);
	assert_int_equal(st.threshold_Bps, 32000); /* 10 x baseline is below the floor */
	run(&f, 120, 31000);
	assert_int_equal(f.alerts, 0);
	ucf_upload_get_stats(f.u, &st);
	assert_int_equal(st.rate_Bps, 31000);
	assert_int_equal(st.threshold_Bps, 32000);
	/* a capture stream: 2 Mbit/s */
	uint64_t began = f.t;
	run(&f, 120, 250000);
	assert_int_equal(f.alerts, 1);
	/* not before the sustain, and at it */
	assert_int_equal(f.first_alert_t - began, 30 * S);
	assert_int_equal(f.last.seq, 1);
	assert_int_equal(f.last.start_us, began);
	assert_int_equal(f.last.peak_Bps, 250000);
	assert_int_equal(f.last.threshold_Bps, 32000);
	assert_int_equal(f.last.bytes, 30 * 250000ull);
	assert_int_equal(f.last.end_us, 0);
	ucf_upload_free(f.u);
}

static void test_multiple_of_baseline(void **state)
{
	(void)state;
	struct ucf_upload_opts o = defaults();
	struct feeder f = start(&o);
	/* a site whose MX uploads 20 kB/s for hours (within the floor) */
	run(&f, 4 * 3600, 20000);
	struct ucf_upload_stats st;
	ucf_upload_get_stats(f.u, &st);
	assert_int_equal(st.baseline_Bps, 20000);
	assert_int_equal(st.threshold_Bps, 200000);
	/* five times the baseline, well above the floor, sustained: not enough
	 * (and, under the threshold, learned: the baseline rises) */
	run(&f, 600, 100000);
	assert_int_equal(f.alerts, 0);
	ucf_upload_get_stats(f.u, &st);
	assert_true(st.baseline_Bps > 20000 && st.baseline_Bps < 40000);
	assert_true(st.threshold_Bps >= st.baseline_Bps * 10 && st.threshold_Bps < st.baseline_Bps * 10 + 10);
	/* twenty times the old baseline, more than ten times the new one */
	run(&f, 60, 400000);
	assert_int_equal(f.alerts, 1);
	assert_int_equal(f.last.threshold_Bps, st.threshold_Bps);
	assert_int_equal(f.last.baseline_Bps, st.baseline_Bps);
	ucf_upload_free(f.u);
}

static void test_sustain(void **state)
{
	(void)state;
	struct ucf_upload_opts o = defaults();
	struct feeder f = start(&o);
	run(&f, 600, 500);
	/* bursts shorter than the sustain, with a reading under in between */
	for (int i = 0; i < 20; i++) {
		run(&f, 29, 1000000);
		run(&f, 1, 500);
	}
	assert_int_equal(f.alerts, 0);
	struct ucf_upload_stats st;
	ucf_upload_get_stats(f.u, &st);
	assert_int_equal(st.episodes, 0);
	/* the bursts taught nothing: still a few hundred bytes/s */
	assert_true(st.baseline_Bps < 1000);
	run(&f, 30, 1000000);
	assert_int_equal(f.alerts, 1);
	ucf_upload_free(f.u);
}

static void test_one_alert_per_episode(void **state)
{
	(void)state;
	struct ucf_upload_opts o = defaults();
	struct feeder f = start(&o);
	run(&f, 600, 500);
	/* a 10-minute capture with dips shorter than settle */
	for (int i = 0; i < 10; i++) {
		run(&f, 50, 400000);
		run(&f, 10, 500);
	}
	run(&f, 5, 400000);
	assert_int_equal(f.alerts, 1);
	struct ucf_upload_stats st;
	ucf_upload_get_stats(f.u, &st);
	assert_true(st.in_episode);
	assert_int_equal(st.episodes, 1);
	/* quiet for settle ends it */
	run(&f, 59, 500);
	ucf_upload_get_stats(f.u, &st);
	assert_true(st.in_episode);
	run(&f, 2, 500);
	ucf_upload_get_stats(f.u, &st);
	assert_false(st.in_episode);
	/* a second capture is a second episode and a second alert */
	run(&f, 40, 400000);
	assert_int_equal(f.alerts, 2);
	assert_int_equal(f.last.seq, 2);
	ucf_upload_get_stats(f.u, &st);
	assert_int_equal(st.raised, 2);
	ucf_upload_free(f.u);
}

static void test_no_learning_from_episode(void **state)
{
	(void)state;
	struct ucf_upload_opts o = defaults();
	o.learning_us = 60 * S; /* learns fast: an episode would move it at once */
	struct feeder f = start(&o);
	run(&f, 600, 1000);
	struct ucf_upload_stats before, after;
	ucf_upload_get_stats(f.u, &before);
	assert_int_equal(before.baseline_Bps, 1000);
	/* an hour-long capture, with quieter stretches (still above the
	 * threshold) and dips under it shorter than settle */
	for (int i = 0; i < 60; i++) {
		run(&f, 40, 900000);
		run(&f, 10, 40000);
		run(&f, 10, 2000);
	}
	run(&f, 60, 1000); /* settle */
	ucf_upload_get_stats(f.u, &after);
	assert_false(after.in_episode);
	assert_int_equal(after.episodes, 1);
	assert_int_equal(after.baseline_Bps, before.baseline_Bps);
	assert_int_equal(f.alerts, 1);
	ucf_upload_free(f.u);
}

static void test_counter_reset(void **state)
{
	(void)state;
	struct ucf_upload_opts o = defaults();
	struct feeder f = start(&o);
	run(&f, 600, 1000);
	/* the table re-created: the counter starts again from zero */
	f.counter = 0;
	run(&f, 1, 1000);
	struct ucf_upload_stats st;
	ucf_upload_get_stats(f.u, &st);
	assert_int_equal(st.resets, 1);
	assert_int_equal(st.rate_Bps, 1000); /* the reading before: no negative or huge rate */
	run(&f, 600, 1000);
	ucf_upload_get_stats(f.u, &st);
	assert_int_equal(st.rate_Bps, 1000);
	assert_int_equal(st.baseline_Bps, 1000);
	assert_int_equal(f.alerts, 0);
	/* re-created to a smaller but non-zero value (traffic since) */
	f.counter = 50;
	run(&f, 5, 1000);
	ucf_upload_get_stats(f.u, &st);
	assert_int_equal(st.resets, 2);
	assert_int_equal(st.rate_Bps, 1000);
	/* a gap (the counter unreadable) and the clock not moving: no rate */
	ucf_upload_gap(f.u);
	f.t += 10 * S;
	f.counter += 10000000; /* what the gap saw is not one second's */
	ucf_upload_sample(f.u, f.t, f.counter);
	ucf_upload_sample(f.u, f.t, f.counter + 5);
	run(&f, 60, 1000);
	assert_int_equal(f.alerts, 0);
	ucf_upload_get_stats(f.u, &st);
	assert_int_equal(st.episodes, 0);
	ucf_upload_free(f.u);
}

/* A counter that grew by more than any link carries (a bogus reading, a
 * counter re-created at a huge value) only restarts the measurement: its
 * rate would not fit the rate's integer (undefined behaviour) nor, times
 * the multiple, the threshold's. */
static void test_impossible_growth(void **state)
{
	(void)state;
	struct ucf_upload_opts o = defaults();
	o.multiple = 1000;
	struct feeder f = start(&o);
	run(&f, 600, 1000);
	f.t += S / 10;
	f.counter = UINT64_MAX - 1;
	ucf_upload_sample(f.u, f.t, f.counter);
	struct ucf_upload_stats st;
	ucf_upload_get_stats(f.u, &st);
	assert_int_equal(st.resets, 1);
	assert_int_equal(st.rate_Bps, 1000);
	assert_int_equal(st.baseline_Bps, 1000);
	/* from there the rate is measured again */
	f.counter = 0;
	ucf_upload_sample(f.u, f.t + S, f.counter);
	f.t += S;
	run(&f, 60, 1000);
	ucf_upload_get_stats(f.u, &st);
	assert_int_equal(st.rate_Bps, 1000);
	assert_int_equal(f.alerts, 0);
	ucf_upload_free(f.u);
}

/* The boiling frog: uploading steadily just under the threshold teaches
 * the baseline, and the threshold follows it up. That is what a baseline
 * is; it is bounded: the baseline learns at most floor x multiple, so the
 * threshold never passes floor x multiple^2 (25.6 Mbit/s by default) and a
 * capture above that is seen after any amount of patient uploading. */
static void test_baseline_bounded(void **state)
{
	(void)state;
	struct ucf_upload_opts o = defaults();
	struct feeder f = start(&o);
	struct ucf_upload_stats st;
	for (int i = 0; i < 24 * 360; i++) { /* a day, the rate raised every 10 s */
		ucf_upload_get_stats(f.u, &st);
		run(&f, 10, st.threshold_Bps / 100 * 95);
	}
	assert_int_equal(f.alerts, 0);
	ucf_upload_get_stats(f.u, &st);
	assert_true(st.baseline_Bps <= o.floor_Bps * o.multiple);
	assert_true(st.threshold_Bps <= o.floor_Bps * o.multiple * o.multiple);
	run(&f, 120, o.floor_Bps * o.multiple * o.multiple + 100000);
	assert_int_equal(f.alerts, 1);
	ucf_upload_free(f.u);
}

static void test_correlation_finding_takes_held_alert(void **state)
{
	(void)state;
	struct ucf_upload_opts o = defaults();
	o.hold_us = 300 * S;
	struct feeder f = start(&o);
	run(&f, 600, 500);
	run(&f, 60, 400000); /* an episode: held */
	assert_int_equal(f.alerts, 0);
	struct ucf_upload_episode ep;
	bool took;
	assert_true(ucf_upload_finding(f.u, f.t, &ep, &took));
	assert_true(took);
	assert_int_equal(ep.seq, 1);
	assert_true(ep.peak_Bps >= 400000);
	run(&f, 600, 400000);
	assert_int_equal(f.alerts, 0); /* the finding's alert carries it */
	struct ucf_upload_stats st;
	ucf_upload_get_stats(f.u, &st);
	assert_int_equal(st.correlated, 1);
	assert_int_equal(st.raised, 0);
	/* a later finding of the same episode: carries it too, nothing held */
	assert_true(ucf_upload_finding(f.u, f.t, &ep, &took));
	assert_false(took);
	ucf_upload_free(f.u);
}

static void test_correlation_hold_runs_out(void **state)
{
	(void)state;
	struct ucf_upload_opts o = defaults();
	o.hold_us = 120 * S;
	struct feeder f = start(&o);
	run(&f, 600, 500);
	uint64_t began = f.t;
	run(&f, 200, 400000);
	assert_int_equal(f.alerts, 1);
	assert_int_equal(f.first_alert_t - began, 30 * S + 120 * S); /* sustain, then hold */
	/* a finding after the alert went: it names the episode, takes nothing */
	struct ucf_upload_episode ep;
	bool took;
	assert_true(ucf_upload_finding(f.u, f.t, &ep, &took));
	assert_false(took);
	/* after the episode ended and the hold passed, findings are unrelated */
	run(&f, 61, 500);
	run(&f, 121, 500);
	assert_false(ucf_upload_finding(f.u, f.t, &ep, &took));
	ucf_upload_free(f.u);
}

static void test_correlation_finding_first(void **state)
{
	(void)state;
	struct ucf_upload_opts o = defaults();
	o.hold_us = 300 * S;
	struct feeder f = start(&o);
	run(&f, 600, 500);
	struct ucf_upload_episode ep;
	bool took;
	/* the watcher saw the capture first (an API-created capture) */
	assert_false(ucf_upload_finding(f.u, f.t, &ep, &took));
	run(&f, 100, 400000);
	assert_int_equal(f.alerts, 0);
	struct ucf_upload_stats st;
	ucf_upload_get_stats(f.u, &st);
	assert_int_equal(st.episodes, 1);
	assert_int_equal(st.correlated, 1);
	run(&f, 600, 400000);
	assert_int_equal(f.alerts, 0);
	/* a finding long before an episode does not silence it */
	run(&f, 61, 500);
	run(&f, 3600, 500);
	run(&f, 400, 400000);
	assert_int_equal(f.alerts, 1);
	ucf_upload_free(f.u);
}

/* A finding about an old activity (the watcher's history: a capture hours
 * ago, reported now) neither takes the held alert nor silences a new
 * episode; one that began up to hold before the episode does. */
static void test_correlation_by_activity_time(void **state)
{
	(void)state;
	struct ucf_upload_opts o = defaults();
	o.hold_us = 300 * S;
	struct feeder f = start(&o);
	run(&f, 3600, 500);
	struct ucf_upload_episode ep;
	bool took;
	/* reported now, about a capture two hours ago: before any episode */
	assert_false(ucf_upload_finding(f.u, f.t - 7200 * S, &ep, &took));
	uint64_t began = f.t;
	run(&f, 60, 400000);
	struct ucf_upload_stats st;
	ucf_upload_get_stats(f.u, &st);
	assert_int_equal(st.episodes, 1);
	assert_int_equal(st.correlated, 0); /* the old finding did not silence it */
	/* reported now again, about the same old capture: the held alert stays */
	assert_false(ucf_upload_finding(f.u, f.t - 7200 * S, &ep, &took));
	assert_false(took);
	/* about a capture that started 4 minutes before the upload rose */
	assert_true(ucf_upload_finding(f.u, began - 240 * S, &ep, &took));
	assert_true(took);
	run(&f, 600, 400000);
	assert_int_equal(f.alerts, 0);
	ucf_upload_free(f.u);
}

/* The agent stops with an alert held: it is raised then, once. */
static void test_flush_held_alert(void **state)
{
	(void)state;
	struct ucf_upload_opts o = defaults();
	o.hold_us = 300 * S;
	struct feeder f = start(&o);
	run(&f, 600, 500);
	struct ucf_upload_episode ep;
	assert_false(ucf_upload_flush(f.u, &ep)); /* nothing held */
	run(&f, 60, 400000);
	assert_int_equal(f.alerts, 0);
	assert_true(ucf_upload_flush(f.u, &ep));
	assert_int_equal(ep.seq, 1);
	assert_false(ucf_upload_flush(f.u, &ep));
	run(&f, 600, 400000);
	assert_int_equal(f.alerts, 0); /* not again when the hold would have run out */
	ucf_upload_free(f.u);
}

static void test_bad_options(void **state)
{
	(void)state;
	struct ucf_upload_opts o = defaults();
	struct ucf_upload *u;
	o.multiple = 0;
	assert_int_equal(ucf_upload_new(&o, &u), -EINVAL);
	o = defaults();
	assert_int_equal(ucf_upload_new(&o, &u), 0);
	o.multiple = 0;
	assert_int_equal(ucf_upload_set_opts(u, &o), -EINVAL);
	ucf_upload_free(u);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_floor),
		cmocka_unit_test(test_multiple_of_baseline),
		cmocka_unit_test(test_sustain),
		cmocka_unit_test(test_one_alert_per_episode),
		cmocka_unit_test(test_no_learning_from_episode),
		cmocka_unit_test(test_counter_reset),
		cmocka_unit_test(test_impossible_growth),
		cmocka_unit_test(test_baseline_bounded),
		cmocka_unit_test(test_correlation_finding_takes_held_alert),
		cmocka_unit_test(test_correlation_hold_runs_out),
		cmocka_unit_test(test_correlation_finding_first),
		cmocka_unit_test(test_correlation_by_activity_time),
		cmocka_unit_test(test_flush_held_alert),
		cmocka_unit_test(test_bad_options),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
