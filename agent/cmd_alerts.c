/* cmd_alerts.c — `ucfence alerts [--json] [--since DURATION]`: the spool;
 * `--forget ADDRESS|MAC` and `--purge`: erasure on request, by the running
 * agent (control socket) or, when none runs, here under the feed's lock. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "control.h"
#include "erase.h"
#include "feed.h"
#include "meraki.h"
#include "spool.h"
#include "timefmt.h"
#include "values.h"

enum { OPT_SINCE = UCF_OPT_FIRST_FREE, OPT_FORGET, OPT_PURGE, OPT_CONTROL };

static int print_alert(const struct ucf_alert *a, void *ctx)
{
	if (*(bool *)ctx) {
		json_t *o = ucf_alert_to_json(a);
		json_dumpf(o, stdout, JSON_COMPACT);
		putchar('\n');
		json_decref(o);
	} else {
		char line[2048];
		ucf_alert_format_line(a, line, sizeof(line));
		printf("%s [%s]\n", line, a->id);
	}
	return 0;
}

static void help(void)
{
	printf("usage: ucfence alerts [--json] [--since DURATION] [-c FILE]\n"
	       "       ucfence alerts --forget ADDRESS|MAC [--control PATH] [-c FILE]\n"
	       "       ucfence alerts --purge [--control PATH] [-c FILE]\n\n"
	       "Prints the alerts in the spool (alerts.spool), oldest first.\n"
	       "Exit status: 0 done, 1 configuration, spool or erasure failure, 2 usage error.\n\n"
	       "      --json          one alert object per line\n"
	       "      --since DUR     only alerts raised in the last DUR (90s, 5m, 2h, 30d)\n"
	       "      --forget ADDR   erase every record naming this IPv4/IPv6 address or MAC\n"
	       "                      (spool, webhook and Alertmanager queues and dead\n"
	       "                      letters, the watcher's state, the agent's memory);\n"
	       "                      prints the counts\n"
	       "      --purge         erase all alert data (spool, webhook and Alertmanager\n"
	       "                      queues, dead letters)\n"
	       "      --control PATH  the agent's control socket (default %s)\n",
	       UCF_DEFAULT_CONTROL);
	ucf_cli_print_common_help();
}

static void print_removed(const json_t *counts)
{
	const char *k;
	json_t *v;
	json_int_t total = 0;
	json_object_foreach ((json_t *)counts, k, v) {
		printf("  %-22s %lld\n", k, (long long)json_integer_value(v));
		total += json_integer_value(v);
	}
	printf("removed %lld record%s\n", (long long)total, total == 1 ? "" : "s");
}

/* No agent runs: the files, here, under the feed's lock; the audit alert
 * goes through the feed (spooled, queued for the webhook, logged). */
static int erase_here(const struct ucf_config *cfg, const struct ucf_erase_target *t,
		      json_t **counts, char *err, size_t errlen)
{
	struct ucf_reactor *r = NULL;
	struct ucf_http *h = NULL;
	struct ucf_feed *f = NULL;
	struct ucf_feed_erased fe = { 0 };
	size_t meraki = 0;
	int rc = ucf_reactor_new(&r, err, errlen);
	if (rc == 0)
		rc = ucf_http_new(&h, r, err, errlen);
	if (rc == 0)
		rc = ucf_feed_open(&f, cfg, r, h, NULL, err, errlen);
	if (rc == -EBUSY)
		snprintf(err, errlen, "the alert feed in %s is held by another ucfence process that "
			 "has no control socket here (`ucfence watch`?): stop it, or pass the "
			 "agent's --control PATH", cfg->state_dir);
	if (rc == 0)
		rc = ucf_feed_erase(f, t, &fe, err, errlen);
	if (rc == 0 && t) /* a purge keeps the watcher's memory of old findings */
		rc = ucf_meraki_erase_file(cfg->state_dir, t, &meraki, err, errlen);
	if (f) {
		*counts = ucf_feed_erased_json(&fe);
		if (*counts && t)
			json_object_set_new(*counts, UCF_MERAKI_STATE_FILE,
					    json_integer((json_int_t)meraki));
		struct ucf_alert *a = NULL;
		char aerr[256];
		if (*counts &&
		    ucf_alert_data_erased(&a, cfg->site.name, ucf_time_now(), t ? "forget" : "purge",
					  t ? ucf_erase_kind_text(t) : NULL, json_incref(*counts),
					  aerr, sizeof(aerr)) == 0 &&
		    ucf_feed_publish(f, a, aerr, sizeof(aerr)) < 0)
			fprintf(stderr, "ucfence alerts: the audit alert was not recorded: %s\n", aerr);
		ucf_alert_free(a);
	}
	ucf_feed_close(f);
	ucf_http_free(h);
	ucf_reactor_free(r);
	return rc;
}

/* --forget (arg) or --purge (arg NULL). */
static int erase(struct ucf_cli *cli, const char *control, const char *arg)
{
	struct ucf_erase_target t;
	char err[1024], request[128], *reply = NULL;
	if (arg && ucf_erase_parse(arg, &t, err, sizeof(err)) < 0) {
		fprintf(stderr, "ucfence alerts: --forget: %s\n", err);
		return 2;
	}
	snprintf(request, sizeof(request), arg ? "forget %s" : "purge", arg);
	int rc = ucf_control_request(control, request, &reply, err, sizeof(err));
	json_t *counts = NULL;
	if (rc == 0) {
		json_t *j = json_loads(reply, 0, NULL);
		const char *why = json_string_value(json_object_get(j, "error"));
		counts = json_incref(json_object_get(j, "removed"));
		if (why || !json_is_object(counts)) {
			snprintf(err, sizeof(err), "the agent: %s",
				 why ? why : "unexpected answer (an older agent?)");
			rc = -EIO;
		}
		json_decref(j);
		free(reply);
	} else if (rc == -ENOENT || rc == -ECONNREFUSED) {
		struct ucf_catalog *cat = NULL;
		struct ucf_config *cfg = NULL;
		rc = ucf_cli_load(cli, &cat, &cfg, err, sizeof(err));
		if (rc == 0)
			rc = erase_here(cfg, arg ? &t : NULL, &counts, err, sizeof(err));
		ucf_config_free(cfg);
		ucf_catalog_free(cat);
	}
	if (counts)
		print_removed(counts);
	json_decref(counts);
	if (rc < 0) {
		fprintf(stderr, "ucfence alerts: %s\n", err);
		return 1;
	}
	return 0;
}

int cmd_alerts(int argc, char **argv)
{
	static const struct option opts[] = { UCF_CLI_LONGOPTS,
					       { "json", no_argument, NULL, UCF_OPT_JSON },
					       { "since", required_argument, NULL, OPT_SINCE },
					       { "forget", required_argument, NULL, OPT_FORGET },
					       { "purge", no_argument, NULL, OPT_PURGE },
					       { "control", required_argument, NULL, OPT_CONTROL },
					       { NULL, 0, NULL, 0 } };
	struct ucf_cli cli;
	struct ucf_catalog *cat = NULL;
	struct ucf_config *cfg = NULL;
	bool json = false, purge = false;
	const char *forget = NULL, *control = UCF_DEFAULT_CONTROL;
	int64_t since = INT64_MIN;
	uint64_t secs;
	char err[1024];
	int opt;

	ucf_cli_init(&cli);
	optind = 1;
	while ((opt = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		if (ucf_cli_option(&cli, opt, optarg))
			continue;
		if (opt == UCF_OPT_JSON) {
			json = true;
		} else if (opt == OPT_SINCE) {
			if (ucf_parse_duration(optarg, &secs, err, sizeof(err)) < 0) {
				fprintf(stderr, "ucfence alerts: --since: %s\n", err);
				return 2;
			}
			since = ucf_time_now() - (int64_t)secs;
		} else if (opt == OPT_FORGET) {
			forget = optarg;
		} else if (opt == OPT_PURGE) {
			purge = true;
		} else if (opt == OPT_CONTROL) {
			control = optarg;
		} else if (opt == 'h') {
			help();
			return 0;
		} else {
			fprintf(stderr, "ucfence alerts: see --help\n");
			return 2;
		}
	}
	if (ucf_cli_operands("alerts", argc, argv) != 0)
		return 2;
	if ((forget || purge) && (json || since != INT64_MIN || (forget && purge))) {
		fprintf(stderr, "ucfence alerts: --forget and --purge go alone (see --help)\n");
		return 2;
	}
	if (forget || purge)
		return erase(&cli, control, forget);
	if (ucf_cli_load(&cli, &cat, &cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	/* nothing past alerts.retention is shown, pruned yet or not (this
	 * reader takes no lock and may not be allowed to rewrite the spool) */
	int64_t kept = ucf_time_now() - (int64_t)cfg->alerts.retention_s;
	if (since < kept)
		since = kept;
	size_t bad = 0;
	int rc = ucf_spool_read(cfg->alerts.spool, since, print_alert, &json, &bad, err,
				sizeof(err));
	int status = 0;
	if (rc < 0 && rc != -ENOENT) { /* no spool yet: no alerts */
		fprintf(stderr, "ucfence alerts: %s\n", err);
		status = 1;
	}
	if (bad)
		fprintf(stderr, "ucfence alerts: %zu spool line%s skipped (not an alert)\n", bad,
			bad == 1 ? "" : "s");
	ucf_config_free(cfg);
	ucf_catalog_free(cat);
	return status;
}
