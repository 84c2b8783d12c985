/* cmd_run.c — `ucfence run` (the agent) and `ucfence status` (asks it). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "control.h"
#include "daemon.h"

enum { OPT_CONTROL = UCF_OPT_FIRST_FREE, OPT_FLUSH_ON_EXIT, OPT_NO_TABLE_OWNER };

static void run_help(void)
{
	printf("usage: ucfence run [-c FILE] [--control PATH] [--flush-on-exit]\n\n"
	       "Runs the agent in the foreground (systemd Type=notify): applies the ruleset and\n"
	       "routes, learns media pinholes from live signalling, raises alerts, polls the\n"
	       "Meraki Dashboard when enabled, reverts tampering. SIGHUP reloads the config (an\n"
	       "invalid one is refused and the running ruleset stays); SIGTERM exits and leaves\n"
	       "the ruleset in force.\n\n"
	       "      --control PATH     control socket (default %s)\n"
	       "      --flush-on-exit    remove the table and routes on exit\n"
	       "      --no-table-owner   do not take netlink ownership of the table (as on\n"
	       "                         kernels before 6.9: other tools may change it, and\n"
	       "                         ucfence reverts what they change)\n",
	       UCF_DEFAULT_CONTROL);
	ucf_cli_print_common_help();
}

int cmd_run(int argc, char **argv)
{
	static const struct option opts[] = {
		UCF_CLI_LONGOPTS,
		{ "control", required_argument, NULL, OPT_CONTROL },
		{ "flush-on-exit", no_argument, NULL, OPT_FLUSH_ON_EXIT },
		{ "no-table-owner", no_argument, NULL, OPT_NO_TABLE_OWNER },
		{ NULL, 0, NULL, 0 },
	};
	struct ucf_daemon_opts o = { .control_path = UCF_DEFAULT_CONTROL };
	char err[1024];
	int opt;
	ucf_cli_init(&o.cli);
	optind = 1;
	while ((opt = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		if (ucf_cli_option(&o.cli, opt, optarg))
			continue;
		switch (opt) {
		case OPT_CONTROL: o.control_path = optarg; break;
		case OPT_FLUSH_ON_EXIT: o.flush_on_exit = true; break;
		case OPT_NO_TABLE_OWNER: o.no_table_owner = true; break;
		case 'h': run_help(); return 0;
		default: fprintf(stderr, "ucfence run: see --help\n"); return 2;
		}
	}
	if (ucf_cli_operands("run", argc, argv) != 0)
		return 2;
	if (ucf_daemon_run(&o, err, sizeof(err)) < 0) {
		fprintf(stderr, "ucfence run: %s\n", err);
		return 1;
	}
	return 0;
}

/* A field the reply lacks, or has with another type (an agent of another
 * version), prints as "?". */
static const char *str(const json_t *v)
{
	const char *s = json_string_value(v);
	return s ? s : "?";
}

static void print_status(const json_t *s)
{
	const json_t *ifs = json_object_get(s, "interfaces"), *v;
	size_t i;
	printf("site         %s, %s mode, up %llds, table ownership %s\n",
	       str(json_object_get(s, "site")), str(json_object_get(s, "mode")),
	       (long long)json_integer_value(json_object_get(s, "uptime_s")),
	       str(json_object_get(s, "table_ownership")));
	printf("interfaces   uc:");
	json_array_foreach(json_object_get(ifs, "uc"), i, v)
		printf(" %s", str(v));
	printf("  appliance: %s  wan: %s\n", str(json_object_get(ifs, "appliance")),
	       str(json_object_get(ifs, "wan")));
	const char *reason;
	json_object_foreach((json_t *)json_object_get(s, "drops"), reason, v)
		printf("drops        %-24s %10lld packets %12lld bytes\n", reason,
		       (long long)json_integer_value(json_object_get(v, "packets")),
		       (long long)json_integer_value(json_object_get(v, "bytes")));
	const json_t *m = json_object_get(s, "media"), *f = json_object_get(s, "flows");
	const json_t *a = json_object_get(s, "alerts"), *c = json_object_get(s, "config");
	printf("media        %lld pinholes open, %lld learned\n",
	       (long long)json_integer_value(json_object_get(m, "active")),
	       (long long)json_integer_value(json_object_get(m, "learned_total")));
	printf("flows        %lld active, %lld frames classified, %lld malformed\n",
	       (long long)json_integer_value(json_object_get(f, "active")),
	       (long long)json_integer_value(json_object_get(f, "frames")),
	       (long long)json_integer_value(json_object_get(f, "malformed")));
	printf("alerts       %lld raised\n", (long long)json_integer_value(json_object_get(a, "raised")));
	const char *last = json_string_value(json_object_get(c, "last_reload_error"));
	printf("config       %s, loaded %s, %lld reloads (%lld refused)%s%s\n",
	       str(json_object_get(c, "path")), str(json_object_get(c, "loaded_at")),
	       (long long)json_integer_value(json_object_get(c, "reloads")),
	       (long long)json_integer_value(json_object_get(c, "reload_failures")),
	       last && *last ? ": " : "", last ? last : "");
}

int cmd_status(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "control", required_argument, NULL, OPT_CONTROL },
		{ "json", no_argument, NULL, UCF_OPT_JSON },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = UCF_DEFAULT_CONTROL;
	bool json = false;
	char err[512] = "", *reply = NULL;
	int opt;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case OPT_CONTROL: path = optarg; break;
		case UCF_OPT_JSON: json = true; break;
		case 'h':
			printf("usage: ucfence status [--json] [--control PATH]\n\n"
			       "Asks the running agent for its state: mode, interfaces, drop counters\n"
			       "by reason (from the kernel), learned media, flows, alerts, config.\n");
			return 0;
		default: fprintf(stderr, "ucfence status: see --help\n"); return 2;
		}
	}
	if (ucf_cli_operands("status", argc, argv) != 0)
		return 2;
	if (ucf_control_request(path, "status", &reply, err, sizeof(err)) < 0) {
		fprintf(stderr, "ucfence status: %s\n", err);
		return 1;
	}
	json_error_t jerr;
	json_t *s = json_loads(reply, 0, &jerr);
	int rc = 0;
	if (!s || !json_is_object(s) || json_object_get(s, "error")) {
		fprintf(stderr, "ucfence status: unexpected answer from the agent\n");
		rc = 1;
	} else if (json) {
		fputs(reply, stdout);
	} else {
		print_status(s);
	}
	json_decref(s);
	free(reply);
	return rc;
}
