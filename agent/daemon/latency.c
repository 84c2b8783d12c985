/* latency.c — a ring of pinhole delays and its percentiles. */
#include "latency.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void ucf_latency_add(struct ucf_latency *l, uint64_t us)
{
	uint32_t v = us > UINT32_MAX ? UINT32_MAX : (uint32_t)us;
	l->us[l->total % UCF_LATENCY_WINDOW] = v;
	l->total++;
	l->sum_us += v;
	if (v > l->max_us)
		l->max_us = v;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return (x > y) - (x < y);
}

/* nearest rank: the smallest sample with at least q of the samples <= it */
static uint32_t rank(const uint32_t *sorted, uint32_t n, unsigned percent)
{
	uint64_t r = ((uint64_t)n * percent + 99) / 100;
	return sorted[r ? r - 1 : 0];
}

int ucf_latency_summarize(const struct ucf_latency *l, struct ucf_latency_summary *out)
{
	memset(out, 0, sizeof(*out));
	out->total = l->total;
	out->sum_us = l->sum_us;
	out->max_us = l->max_us;
	out->window = l->total < UCF_LATENCY_WINDOW ? (uint32_t)l->total : UCF_LATENCY_WINDOW;
	if (!out->window)
		return 0;
	uint32_t *sorted = malloc(out->window * sizeof(*sorted));
	if (!sorted)
		return -ENOMEM;
	memcpy(sorted, l->us, out->window * sizeof(*sorted));
	qsort(sorted, out->window, sizeof(*sorted), cmp_u32);
	out->median_us = rank(sorted, out->window, 50);
	out->p99_us = rank(sorted, out->window, 99);
	out->max_window_us = sorted[out->window - 1];
	free(sorted);
	return 0;
}
