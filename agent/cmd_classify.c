/* cmd_classify.c — `ucfence classify [-c FILE] [--json] CAPTURE...`: runs
 * captures through one classifier (files are read in order as one stream, so
 * a capture split into several files keeps its calls) and prints every flow
 * with its verdict, a summary, and the privacy risks seen. */
#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>

#include "capture.h"
#include "classify.h"
#include "cli.h"
#include "commands.h"
#include "grow.h"

enum { OPT_STATS = UCF_OPT_FIRST_FREE };

struct rows {
	struct ucf_flow_info *flows;
	size_t nflows, capflows;
	struct ucf_risk *risks;
	size_t nrisks, caprisks;
	bool oom;
};

struct run {
	struct ucf_classifier *clf;
	struct rows rows;
};

static void on_flow_end(void *arg, const struct ucf_flow_info *fi)
{
	struct rows *r = arg;
	if (UCF_GROW(r->flows, r->capflows, r->nflows + 1, 1024) < 0) {
		r->oom = true;
		return;
	}
	r->flows[r->nflows++] = *fi;
}

static void on_risk(void *arg, const struct ucf_risk *rk)
{
	struct rows *r = arg;
	for (size_t i = 0; i < r->nrisks; i++)
		if (r->risks[i].kind == rk->kind && r->risks[i].family == rk->family &&
		    memcmp(r->risks[i].addr, rk->addr, 16) == 0)
			return;
	if (UCF_GROW(r->risks, r->caprisks, r->nrisks + 1, 64) < 0) {
		r->oom = true;
		return;
	}
	r->risks[r->nrisks++] = *rk;
}

static void on_frame(void *arg, const struct ucf_frame *f)
{
	struct run *run = arg;
	ucf_classifier_packet(run->clf, f->dlt, f->data, f->caplen, f->wirelen, f->ts_us, NULL);
}

static void fmt_addr(uint8_t family, const uint8_t *addr, char *buf, size_t len)
{
	if (!inet_ntop(family, addr, buf, (socklen_t)len))
		snprintf(buf, len, "?");
}

static void fmt_endpoint(uint8_t family, const uint8_t *addr, uint16_t port, char *buf,
			 size_t len)
{
	char a[INET6_ADDRSTRLEN];
	fmt_addr(family, addr, a, sizeof(a));
	if (family == AF_INET6)
		snprintf(buf, len, "[%s]:%u", a, port);
	else
		snprintf(buf, len, "%s:%u", a, port);
}

static int by_time(const void *a, const void *b)
{
	const struct ucf_flow_info *x = a, *y = b;
	if (x->first_us != y->first_us)
		return x->first_us < y->first_us ? -1 : 1;
	return memcmp(x->src, y->src, 16);
}

struct tally {
	uint64_t flows, packets, bytes;
};

static json_t *tally_json(const struct tally *t)
{
	return json_pack("{s:I, s:I, s:I}", "flows", (json_int_t)t->flows, "packets",
			 (json_int_t)t->packets, "bytes", (json_int_t)t->bytes);
}

static void add(struct tally *t, const struct ucf_flow_info *fi)
{
	t->flows++;
	t->packets += fi->packets;
	t->bytes += fi->bytes;
}

static void print_json(const struct rows *r, const struct ucf_classifier_stats *st,
		       size_t captures)
{
	json_t *flows = json_array(), *risks = json_array();
	struct tally verdict[2] = {{0}}, cls[UCF_CLASS_COUNT] = {{0}};
	char src[64], dst[64], ep[INET6_ADDRSTRLEN];
	for (size_t i = 0; i < r->nflows; i++) {
		const struct ucf_flow_info *fi = &r->flows[i];
		fmt_endpoint(fi->family, fi->src, fi->sport, src, sizeof(src));
		fmt_endpoint(fi->family, fi->dst, fi->dport, dst, sizeof(dst));
		json_array_append_new(
			flows, json_pack("{s:s, s:s, s:s, s:I, s:I, s:s, s:s, s:s}", "proto",
					 fi->l4proto == 6 ? "tcp" : "udp", "src", src, "dst", dst,
					 "packets", (json_int_t)fi->packets, "bytes",
					 (json_int_t)fi->bytes, "verdict", ucf_verdict_name(fi->verdict),
					 "class", ucf_class_name(fi->cls), "reason", fi->reason));
		add(&verdict[fi->verdict == UCF_TARGET], fi);
		add(&cls[fi->cls], fi);
	}
	for (size_t i = 0; i < r->nrisks; i++) {
		fmt_addr(r->risks[i].family, r->risks[i].addr, ep, sizeof(ep));
		json_array_append_new(risks, json_pack("{s:s, s:s, s:s, s:s}", "kind",
						       ucf_risk_kind_name(r->risks[i].kind),
						       "endpoint", ep, "transport",
						       r->risks[i].l4proto == 6 ? "tcp" : "udp",
						       "detail", r->risks[i].detail));
	}
	json_t *classes = json_object();
	for (unsigned c = 0; c < UCF_CLASS_COUNT; c++)
		if (cls[c].flows)
			json_object_set_new(classes, ucf_class_name(c), tally_json(&cls[c]));
	json_t *summary = json_pack(
		"{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:{s:o, s:o}, s:o, s:I, s:I}", "captures",
		(json_int_t)captures, "frames", (json_int_t)st->frames, "bytes",
		(json_int_t)st->bytes, "malformed", (json_int_t)st->malformed, "ignored",
		(json_int_t)st->ignored, "fragments", (json_int_t)st->fragments, "reassembled",
		(json_int_t)st->reassembled, "flows", (json_int_t)r->nflows, "verdicts", "target",
		tally_json(&verdict[1]), "non-target", tally_json(&verdict[0]), "classes", classes,
		"media_learned", (json_int_t)st->media_learned, "risks", (json_int_t)r->nrisks);
	/* what the trust boundary refused to learn (only with a site) */
	json_t *refused = json_object();
	for (int i = 1; i < UCF_REFUSE_COUNT; i++)
		if (st->refused[i])
			json_object_set_new(refused, ucf_refusal_name((enum ucf_refusal)i),
					    json_integer((json_int_t)st->refused[i]));
	json_object_set_new(summary, "refused", refused);
	json_t *o = json_pack("{s:o, s:o, s:o}", "flows", flows, "summary", summary, "risks", risks);
	json_dumpf(o, stdout, JSON_INDENT(1));
	putchar('\n');
	json_decref(o);
}

static void print_table(const struct rows *r, const struct ucf_classifier_stats *st,
			size_t captures)
{
	struct tally verdict[2] = {{0}}, cls[UCF_CLASS_COUNT] = {{0}};
	char src[64], dst[64], ep[INET6_ADDRSTRLEN];
	printf("%-5s %-24s %-24s %8s %10s %-10s %-12s %s\n", "PROTO", "SRC", "DST", "PACKETS",
	       "BYTES", "VERDICT", "CLASS", "REASON");
	for (size_t i = 0; i < r->nflows; i++) {
		const struct ucf_flow_info *fi = &r->flows[i];
		fmt_endpoint(fi->family, fi->src, fi->sport, src, sizeof(src));
		fmt_endpoint(fi->family, fi->dst, fi->dport, dst, sizeof(dst));
		printf("%-5s %-24s %-24s %8llu %10llu %-10s %-12s %s\n",
		       fi->l4proto == 6 ? "tcp" : "udp", src, dst, (unsigned long long)fi->packets,
		       (unsigned long long)fi->bytes, ucf_verdict_name(fi->verdict),
		       ucf_class_name(fi->cls), fi->reason);
		add(&verdict[fi->verdict == UCF_TARGET], fi);
		add(&cls[fi->cls], fi);
	}
	printf("\n%zu capture(s): %llu frames, %llu bytes; %llu malformed, %llu not UDP/TCP; "
	       "%llu fragments (%llu datagrams reassembled); %llu media endpoints learned\n",
	       captures, (unsigned long long)st->frames, (unsigned long long)st->bytes,
	       (unsigned long long)st->malformed, (unsigned long long)st->ignored,
	       (unsigned long long)st->fragments, (unsigned long long)st->reassembled,
	       (unsigned long long)st->media_learned);
	for (int v = 1; v >= 0; v--)
		printf("%-12s %6llu flows %10llu packets %12llu bytes\n", v ? "target" : "non-target",
		       (unsigned long long)verdict[v].flows, (unsigned long long)verdict[v].packets,
		       (unsigned long long)verdict[v].bytes);
	for (unsigned c = 0; c < UCF_CLASS_COUNT; c++)
		if (cls[c].flows)
			printf("  %-12s %6llu flows %10llu packets %12llu bytes\n", ucf_class_name(c),
			       (unsigned long long)cls[c].flows, (unsigned long long)cls[c].packets,
			       (unsigned long long)cls[c].bytes);
	for (int i = 1; i < UCF_REFUSE_COUNT; i++)
		if (st->refused[i])
			printf("refused to learn: %llu (%s)\n", (unsigned long long)st->refused[i],
			       ucf_refusal_name((enum ucf_refusal)i));
	printf("\nrisks: %zu\n", r->nrisks);
	for (size_t i = 0; i < r->nrisks; i++) {
		fmt_addr(r->risks[i].family, r->risks[i].addr, ep, sizeof(ep));
		printf("  %-18s %-24s %s\n", ucf_risk_kind_name(r->risks[i].kind), ep,
		       r->risks[i].detail);
	}
}

static void help(void)
{
	printf("usage: ucfence classify [-c FILE] [--json] [--stats] CAPTURE...\n\n"
	       "Classifies every flow of the captures (pcap or pcapng, read in order as one\n"
	       "stream) as target (UC) or non-target traffic, learning media from call\n"
	       "signalling, and lists privacy risks. Without -c, verdicts come from protocol\n"
	       "recognition alone; with it, limits and uc.media apply and risks are listed\n"
	       "for uc.endpoints only. Exit status: 0 done, 1 unreadable capture or config,\n"
	       "2 usage error.\n\n"
	       "      --json          print one JSON object: flows, summary, risks\n"
	       "      --stats         print throughput and peak memory to stderr\n");
	ucf_cli_print_common_help();
}

/* Peak resident memory so far (VmHWM), in kB; 0 if unknown. */
static long vm_hwm_kb(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kb = 0;
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmHWM: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int cmd_classify(int argc, char **argv)
{
	static const struct option opts[] = {UCF_CLI_LONGOPTS,
					     {"json", no_argument, NULL, UCF_OPT_JSON},
					     {"stats", no_argument, NULL, OPT_STATS},
					     {NULL, 0, NULL, 0}};
	struct ucf_cli cli;
	bool json = false, stats = false, have_config = false;
	char err[1024];
	int opt, status = 0;

	ucf_cli_init(&cli);
	optind = 1;
	while ((opt = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		if (ucf_cli_option(&cli, opt, optarg)) {
			have_config |= opt == 'c';
			continue;
		}
		if (opt == UCF_OPT_JSON) {
			json = true;
		} else if (opt == OPT_STATS) {
			stats = true;
		} else if (opt == 'h') {
			help();
			return 0;
		} else {
			fprintf(stderr, "ucfence classify: see --help\n");
			return 2;
		}
	}
	if (optind == argc) {
		fprintf(stderr, "ucfence classify: no capture given (see --help)\n");
		return 2;
	}

	struct ucf_catalog *cat = NULL;
	struct ucf_config *cfg = NULL;
	struct ucf_classifier_opts co;
	if (have_config) {
		if (ucf_cli_load_site(&cli, &cat, &cfg, err, sizeof(err)) < 0) {
			fprintf(stderr, "ucfence classify: %s\n", err);
			return 1;
		}
		ucf_classifier_opts_from_config(&co, cfg, cat);
	} else {
		ucf_classifier_opts_default(&co);
	}

	struct run run = {0};
	struct ucf_classifier_hooks hooks = {.arg = &run.rows, .flow_end = on_flow_end,
					     .risk = on_risk};
	if (ucf_classifier_new(&co, &hooks, &run.clf, err, sizeof(err)) < 0) {
		fprintf(stderr, "ucfence classify: %s\n", err);
		status = 1;
		goto out;
	}
	double t0 = now_s();
	for (int i = optind; i < argc && status == 0; i++) {
		struct ucf_capture *cap;
		if (ucf_capture_open_offline(argv[i], &cap, err, sizeof(err)) < 0) {
			fprintf(stderr, "ucfence classify: %s\n", err);
			status = 1;
			break;
		}
		int rc;
		while ((rc = ucf_capture_dispatch(cap, -1, on_frame, &run, err, sizeof(err))) > 0)
			;
		if (rc != -ENODATA) {
			fprintf(stderr, "ucfence classify: %s\n", err);
			status = 1;
		}
		ucf_capture_close(cap);
	}
	double t1 = now_s();
	long hwm_kb = stats ? vm_hwm_kb() : 0; /* the classifier's own peak, before output */
	ucf_classifier_flush(run.clf);
	if (run.rows.oom) {
		fprintf(stderr, "ucfence classify: out of memory\n");
		status = 1;
	}
	if (status == 0) {
		struct ucf_classifier_stats st;
		ucf_classifier_get_stats(run.clf, &st);
		qsort(run.rows.flows, run.rows.nflows, sizeof(*run.rows.flows), by_time);
		size_t captures = (size_t)(argc - optind);
		if (json)
			print_json(&run.rows, &st, captures);
		else
			print_table(&run.rows, &st, captures);
		if (stats) {
			struct rusage ru;
			getrusage(RUSAGE_SELF, &ru);
			double dt = t1 - t0 > 1e-9 ? t1 - t0 : 1e-9;
			fprintf(stderr,
				"classify: %llu frames in %.3f s: %.0f frames/s; %zu flows; peak RSS "
				"%ld kB before output, %ld kB in all\n",
				(unsigned long long)st.frames, dt, (double)st.frames / dt,
				run.rows.nflows, hwm_kb, ru.ru_maxrss);
		}
	}
out:
	ucf_classifier_free(run.clf);
	free(run.rows.flows);
	free(run.rows.risks);
	ucf_config_free(cfg);
	ucf_catalog_free(cat);
	return status;
}
