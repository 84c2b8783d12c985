/* bench_enforce — the enforcer's side of `make bench` (bench/enforce.sh),
 * linked with ucfence's own objects so it measures the same code paths.
 *
 *   bench_enforce apply CONFIG RULES_DIR MEDIA TEXT_OUT
 *       builds the site's ruleset plus MEDIA learned media elements, writes
 *       it as nft text to TEXT_OUT (for `nft -f`), then applies it as one
 *       transaction; prints "apply_s S build_s S messages M bytes B elements E"
 *       (build_s: building the batch alone, the userspace share)
 *   bench_enforce media-latency CONFIG RULES_DIR N
 *       applies the site, then adds N media elements one transaction each;
 *       prints "median_us X p99_us Y"
 *   bench_enforce refresh CONFIG RULES_DIR N PERIOD
 *       applies the site with N media elements, then refreshes them as the
 *       agent does: every element deleted and re-added once per PERIOD
 *       seconds, spread over PERIOD ticks of N/PERIOD elements, one
 *       transaction a tick (timed back to back, not a second apart); prints
 *       "tick_ms_median X tick_ms_max Y cpu_share Z" (Z: the ticks' time
 *       over PERIOD seconds, the share of one core refresh takes)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "cli.h"
#include "enforcer.h"
#include "nft_batch.h"
#include "nft_text.h"
#include "policy.h"

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int load(const char *config, const char *rules, struct ucf_ruleset **rs)
{
	struct ucf_cli cli;
	struct ucf_catalog *cat = NULL;
	struct ucf_config *cfg = NULL;
	char err[1024];
	ucf_cli_init(&cli);
	cli.config_path = config;
	cli.rules_dir = rules;
	cli.local_rules_dir = NULL;
	int rc = ucf_cli_load(&cli, &cat, &cfg, err, sizeof(err));
	if (rc == 0)
		rc = ucf_policy_build(cfg, cat, rs, err, sizeof(err));
	if (rc < 0)
		fprintf(stderr, "bench_enforce: %s\n", err);
	ucf_config_free(cfg);
	ucf_catalog_free(cat);
	return rc;
}

/* Distinct media endpoints in 100.64.0.0/10, ports in the RTP range, each
 * for a peer of its own in 198.18.0.0/15 (pinholes name both ends). */
static void media_at(size_t i, struct ucf_pinhole *m)
{
	memset(m, 0, sizeof(*m));
	m->family = AF_INET;
	m->peer[0] = 198;
	m->peer[1] = (uint8_t)(18 + (i >> 16 & 1));
	m->peer[2] = (uint8_t)(i >> 8);
	m->peer[3] = (uint8_t)i;
	m->addr[0] = 100;
	m->addr[1] = (uint8_t)(64 + (i >> 24 & 63));
	m->addr[2] = (uint8_t)(i >> 16);
	m->addr[3] = (uint8_t)(i >> 8);
	m->port = (uint16_t)(16384 + (i & 255) * 2);
}

static int cmd_apply(const char *config, const char *rules, size_t n, const char *text_out)
{
	struct ucf_ruleset *rs = NULL;
	struct ucf_enforcer *e = NULL;
	struct ucf_apply_stats st;
	char err[2048];
	if (load(config, rules, &rs) < 0)
		return 1;
	struct ucf_pinhole *m = calloc(n ? n : 1, sizeof(*m));
	for (size_t i = 0; i < n; i++)
		media_at(i, &m[i]);
	if (ucf_ruleset_add_media(rs, m, n, err, sizeof(err)) < 0) {
		fprintf(stderr, "bench_enforce: %s\n", err);
		return 1;
	}
	free(m);
	FILE *out = fopen(text_out, "w");
	if (!out || ucf_nft_text(rs, out) < 0 || fclose(out) != 0) {
		fprintf(stderr, "bench_enforce: writing %s: %s\n", text_out, strerror(errno));
		return 1;
	}
	/* Userspace share: building the batch alone (not sent). */
	double t0 = now();
	struct ucf_batch *b = ucf_batch_new(1);
	if (!b || ucf_batch_add_ruleset(b, rs) < 0)
		return 1;
	double build = now() - t0;
	ucf_batch_free(b);
	t0 = now();
	int rc = ucf_enforcer_open(&e, err, sizeof(err));
	if (rc == 0)
		rc = ucf_enforcer_apply(e, rs, &st, err, sizeof(err));
	double t = now() - t0;
	if (rc < 0) {
		fprintf(stderr, "bench_enforce: %s\n", err);
		return 1;
	}
	printf("apply_s %.4f build_s %.4f messages %zu bytes %zu elements %zu\n", t, build,
	       st.messages, st.bytes, st.elements);
	ucf_enforcer_close(e);
	ucf_ruleset_free(rs);
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static int cmd_latency(const char *config, const char *rules, size_t n)
{
	struct ucf_ruleset *rs = NULL;
	struct ucf_enforcer *e = NULL;
	char err[2048];
	if (load(config, rules, &rs) < 0)
		return 1;
	int rc = ucf_enforcer_open(&e, err, sizeof(err));
	if (rc == 0)
		rc = ucf_enforcer_apply(e, rs, NULL, err, sizeof(err));
	double *lat = calloc(n ? n : 1, sizeof(*lat));
	for (size_t i = 0; rc == 0 && i < n; i++) {
		struct ucf_pinhole m;
		media_at(i, &m);
		double t0 = now();
		rc = ucf_enforcer_media(e, &m, 1, NULL, 0, err, sizeof(err));
		lat[i] = (now() - t0) * 1e6;
	}
	if (rc < 0) {
		fprintf(stderr, "bench_enforce: %s\n", err);
		return 1;
	}
	qsort(lat, n, sizeof(*lat), cmp_double);
	printf("median_us %.0f p99_us %.0f\n", lat[n / 2], lat[n * 99 / 100]);
	free(lat);
	ucf_enforcer_close(e);
	ucf_ruleset_free(rs);
	return 0;
}

static int cmd_refresh(const char *config, const char *rules, size_t n, size_t period)
{
	struct ucf_ruleset *rs = NULL;
	struct ucf_enforcer *e = NULL;
	char err[2048];
	if (n == 0 || period == 0 || load(config, rules, &rs) < 0)
		return 1;
	size_t per_tick = (n + period - 1) / period;
	struct ucf_pinhole *m = calloc(n, sizeof(*m));
	double *tick = calloc(period, sizeof(*tick)), total = 0;
	int rc = m && tick ? 0 : -ENOMEM;
	for (size_t i = 0; rc == 0 && i < n; i++)
		media_at(i, &m[i]);
	if (rc == 0)
		rc = ucf_ruleset_add_media(rs, m, n, err, sizeof(err));
	if (rc == 0)
		rc = ucf_enforcer_open(&e, err, sizeof(err));
	if (rc == 0)
		rc = ucf_enforcer_apply(e, rs, NULL, err, sizeof(err));
	for (size_t t = 0; rc == 0 && t < period; t++) {
		size_t first = t * per_tick, k = first + per_tick > n ? n - first : per_tick;
		double t0 = now();
		rc = ucf_enforcer_media(e, m + first, k, m + first, k, err, sizeof(err));
		tick[t] = now() - t0;
		total += tick[t];
	}
	if (rc < 0) {
		fprintf(stderr, "bench_enforce: %s\n", err);
		return 1;
	}
	qsort(tick, period, sizeof(*tick), cmp_double);
	printf("tick_ms_median %.2f tick_ms_max %.2f cpu_share %.4f\n", tick[period / 2] * 1e3,
	       tick[period - 1] * 1e3, total / (double)period);
	free(m);
	free(tick);
	ucf_enforcer_close(e);
	ucf_ruleset_free(rs);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 6 && strcmp(argv[1], "apply") == 0)
		return cmd_apply(argv[2], argv[3], strtoul(argv[4], NULL, 10), argv[5]);
	if (argc == 5 && strcmp(argv[1], "media-latency") == 0)
		return cmd_latency(argv[2], argv[3], strtoul(argv[4], NULL, 10));
	if (argc == 6 && strcmp(argv[1], "refresh") == 0)
		return cmd_refresh(argv[2], argv[3], strtoul(argv[4], NULL, 10),
				   strtoul(argv[5], NULL, 10));
	fprintf(stderr, "usage: bench_enforce apply CONFIG RULES MEDIA TEXT_OUT | "
			"media-latency CONFIG RULES N | refresh CONFIG RULES N PERIOD\n");
	return 2;
}
