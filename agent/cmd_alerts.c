/* cmd_alerts.c — `ucfence alerts [--json] [--since DURATION]`: the spool. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "spool.h"
#include "timefmt.h"
#include "values.h"

enum { OPT_SINCE = UCF_OPT_FIRST_FREE };

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
	printf("usage: ucfence alerts [--json] [--since DURATION] [-c FILE]\n\n"
	       "Prints the alerts in the spool (alerts.spool), oldest first.\n"
	       "Exit status: 0 done, 1 configuration or spool failure, 2 usage error.\n\n"
	       "      --json          one alert object per line\n"
	       "      --since DUR     only alerts raised in the last DUR (90s, 5m, 2h, 30d)\n");
	ucf_cli_print_common_help();
}

int cmd_alerts(int argc, char **argv)
{
	static const struct option opts[] = { UCF_CLI_LONGOPTS,
					       { "json", no_argument, NULL, UCF_OPT_JSON },
					       { "since", required_argument, NULL, OPT_SINCE },
					       { NULL, 0, NULL, 0 } };
	struct ucf_cli cli;
	struct ucf_catalog *cat = NULL;
	struct ucf_config *cfg = NULL;
	bool json = false;
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
