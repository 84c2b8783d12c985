/* latency.h — how long learned media waited for its pinhole: from the
 * capture timestamp of the packet whose SDP (or SCCP message) announced the
 * endpoint to the kernel's acknowledgement of the batch that added it. Keeps
 * the last UCF_LATENCY_WINDOW delays in a fixed ring (nothing allocated on
 * the packet path); percentiles are computed when asked. */
#ifndef UCF_LATENCY_H
#define UCF_LATENCY_H

#include <stdint.h>

#define UCF_LATENCY_WINDOW 4096u

struct ucf_latency {
	uint32_t us[UCF_LATENCY_WINDOW];
	uint64_t total;  /* delays recorded since start */
	uint64_t sum_us; /* their sum */
	uint32_t max_us; /* the largest since start */
};

struct ucf_latency_summary {
	uint64_t total, sum_us;
	uint32_t window; /* samples the percentiles are over: the last min(total, WINDOW) */
	uint32_t median_us, p99_us, max_window_us, max_us;
};

/* Records one delay; larger than UINT32_MAX µs (71 minutes) is clamped. */
void ucf_latency_add(struct ucf_latency *l, uint64_t us);
/* Nearest-rank percentiles over the window; all zero when nothing was recorded.
 * 0, or -ENOMEM (the window is sorted in a copy). */
int ucf_latency_summarize(const struct ucf_latency *l, struct ucf_latency_summary *out);

#endif
