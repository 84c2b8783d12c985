/* cmd_run.c — `ucfence run` (the agent) and `ucfence status` (asks it). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "cli.h"
#include "commands.h"
#include "control.h"
#include "daemon.h"
#include "log.h"
#include "status.h"

enum {
	OPT_CONTROL = UCF_OPT_FIRST_FREE,
	OPT_FLUSH_ON_EXIT,
	OPT_NO_TABLE_OWNER,
	OPT_VERBOSE,
	OPT_SYSLOG,
};

static void run_help(void)
{
	printf("usage: ucfence run [-c FILE] [--control PATH] [--flush-on-exit] [-v] [--syslog]\n\n"
	       "Runs the agent in the foreground (systemd Type=notify): applies the ruleset and\n"
	       "routes, learns media pinholes from live signalling, raises alerts, polls the\n"
	       "Meraki Dashboard when enabled, reverts tampering. SIGHUP reloads the config (an\n"
	       "invalid one is refused and the running ruleset stays); SIGTERM exits and leaves\n"
	       "the ruleset in force. Diagnostics go to stderr (the journal under systemd).\n\n"
	       "      --control PATH     control socket (default %s)\n"
	       "      --flush-on-exit    remove the table and routes on exit\n"
	       "      --no-table-owner   do not take netlink ownership of the table (as on\n"
	       "                         kernels before 6.9: other tools may change it, and\n"
	       "                         ucfence reverts what they change)\n"
	       "  -v, --verbose          also debug diagnostics (each webhook delivery)\n"
	       "      --syslog           diagnostics to syslog (daemon facility), not stderr,\n"
	       "                         for a service manager that discards stderr\n",
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
		{ "verbose", no_argument, NULL, OPT_VERBOSE },
		{ "syslog", no_argument, NULL, OPT_SYSLOG },
		{ NULL, 0, NULL, 0 },
	};
	/* The agent's log lives here, for the whole run: the daemon and what it
	 * opens get a const pointer (log.h). */
	struct ucf_log diag;
	struct ucf_daemon_opts o = { .control_path = UCF_DEFAULT_CONTROL, .log = &diag };
	char err[1024];
	int opt, verbose = 0;
	bool to_syslog = false;
	ucf_cli_init(&o.cli);
	optind = 1;
	while ((opt = getopt_long(argc, argv, "c:hv", opts, NULL)) != -1) {
		if (ucf_cli_option(&o.cli, opt, optarg))
			continue;
		switch (opt) {
		case OPT_CONTROL: o.control_path = optarg; break;
		case OPT_FLUSH_ON_EXIT: o.flush_on_exit = true; break;
		case OPT_NO_TABLE_OWNER: o.no_table_owner = true; break;
		case 'v':
		case OPT_VERBOSE: verbose = 1; break;
		case OPT_SYSLOG: to_syslog = true; break;
		case 'h': run_help(); return 0;
		default: fprintf(stderr, "ucfence run: see --help\n"); return 2;
		}
	}
	if (ucf_cli_operands("run", argc, argv) != 0)
		return 2;
	if (to_syslog)
		ucf_log_init_syslog(&diag, "ucfence", LOG_DAEMON);
	else
		ucf_log_init(&diag, "ucfence", stderr);
	ucf_log_verbose(&diag, verbose);
	if (ucf_daemon_run(&o, err, sizeof(err)) < 0) {
		if (to_syslog)
			ucf_log_warnx(&diag, "not started: %s", err);
		/* also on stderr, for whoever started it (systemd: the journal) */
		fprintf(stderr, "ucfence run: %s\n", err);
		return 1;
	}
	return 0;
}

static void print_status(const struct ucf_status *s)
{
	char loaded[32];
	struct tm tm;
	if (!gmtime_r(&s->config.loaded_at, &tm) ||
	    strftime(loaded, sizeof(loaded), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(loaded, sizeof(loaded), "?");
	printf("site         %s, %s mode, up %llds, table ownership %s\n", s->site,
	       ucf_mode_name(s->mode), (long long)s->uptime_s, s->table_ownership);
	printf("interfaces   uc:");
	for (size_t i = 0; i < s->interfaces.uc_count; i++)
		printf(" %s", s->interfaces.uc[i].name);
	printf("  appliance: %s  wan: %s\n", s->interfaces.appliance, s->interfaces.wan);
	if (!s->drops_read)
		printf("drops        (the kernel's counters could not be read)\n");
	for (int i = 0; s->drops_read && i < UCF_REASON_COUNT; i++)
		printf("drops        %-24s %10llu packets %12llu bytes\n",
		       ucf_reason_name((enum ucf_reason)i), (unsigned long long)s->drops[i].packets,
		       (unsigned long long)s->drops[i].bytes);
	printf("media        %u pinholes open, %llu learned\n", s->media.active,
	       (unsigned long long)s->media.learned_total);
	printf("learning     %llu announcements, %u calls, %llu refused\n",
	       (unsigned long long)s->learning.announcements, s->learning.calls,
	       (unsigned long long)s->learning.refused);
	printf("verdicts     %llu non-target, %llu blocked, %u blocks held\n",
	       (unsigned long long)s->verdicts.non_target, (unsigned long long)s->verdicts.blocked,
	       s->verdicts.held);
	printf("flows        %u active, %llu frames classified, %llu malformed\n", s->flows.active,
	       (unsigned long long)s->flows.frames, (unsigned long long)s->flows.malformed);
	printf("streams      %llu of %llu bytes buffered (peak %llu), %llu evicted, %llu refused\n",
	       (unsigned long long)s->streams.bytes, (unsigned long long)s->streams.budget,
	       (unsigned long long)s->streams.bytes_peak, (unsigned long long)s->streams.evicted,
	       (unsigned long long)s->streams.refused);
	printf("fragments    %llu seen, %llu reassembled, %llu dropped (%llu evicted), "
	       "%llu of %llu bytes buffered\n",
	       (unsigned long long)s->fragments.received,
	       (unsigned long long)s->fragments.reassembled,
	       (unsigned long long)s->fragments.dropped, (unsigned long long)s->fragments.evicted,
	       (unsigned long long)s->fragments.bytes, (unsigned long long)s->fragments.budget);
	printf("upload       %s: %llu bit/s to the Meraki cloud, baseline %llu, threshold %llu%s; "
	       "%llu episodes, %llu alerted, %llu with a watcher finding\n",
	       !s->upload.counter_read ? "counter unread" : s->upload.enabled ? "on" : "off",
	       (unsigned long long)s->upload.rate_bps, (unsigned long long)s->upload.baseline_bps,
	       (unsigned long long)s->upload.threshold_bps,
	       s->upload.in_episode ? " (in an episode)" : "",
	       (unsigned long long)s->upload.episodes, (unsigned long long)s->upload.alerts,
	       (unsigned long long)s->upload.correlated);
	char fetched[32];
	time_t at = (time_t)s->vpn_peers.last_fetch;
	if (s->vpn_peers.last_fetch <= 0)
		snprintf(fetched, sizeof(fetched), "never");
	else if (!gmtime_r(&at, &tm) ||
		 strftime(fetched, sizeof(fetched), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(fetched, sizeof(fetched), "?");
	printf("vpn peers    %u configured, %u learned (%s), %llu refused, %llu over the cap; "
	       "last fetch %s%s (%llu failed)\n",
	       s->vpn_peers.configured, s->vpn_peers.learned,
	       s->vpn_peers.learning ? "learning" : "not learning",
	       (unsigned long long)s->vpn_peers.refused, (unsigned long long)s->vpn_peers.over_cap,
	       fetched, s->vpn_peers.last_fetch_failed ? ", the last try failed" : "",
	       (unsigned long long)s->vpn_peers.fetch_failures);
	printf("open         %u host names, %u addresses resolved, %llu lookups failed, "
	       "%llu addresses refused\n",
	       s->open.hosts, s->open.resolved, (unsigned long long)s->open.resolve_failures,
	       (unsigned long long)s->open.refused);
	printf("alerts       %u raised\n", s->alerts.raised);
	printf("config       %s, loaded %s, %u reloads (%u refused)%s%s\n", s->config.path, loaded,
	       s->config.reloads, s->config.reload_failures,
	       s->config.last_reload_error[0] ? ": " : "", s->config.last_reload_error);
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
			       "by reason (from the kernel), learned media, refused learning, verdicts,\n"
			       "flows, TCP stream and IP fragment reassembly buffers, alerts, config.\n"
			       "A reply lacking a field (an agent of another version) is refused.\n");
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
	/* an agent of another version, or a broken one, may leave a field out
	 * or give it another type: refused, naming the field, not guessed at */
	json_error_t jerr;
	json_t *j = json_loads(reply, 0, &jerr);
	struct ucf_status s;
	memset(&s, 0, sizeof(s));
	int rc = 1;
	if (!j || !json_is_object(j) || json_object_get(j, "error"))
		fprintf(stderr, "ucfence status: unexpected answer from the agent\n");
	else if (ucf_status_from_json(j, &s, err, sizeof(err)) < 0)
		fprintf(stderr, "ucfence status: unexpected answer from the agent: %s\n", err);
	else
		rc = 0;
	if (rc == 0 && json)
		fputs(reply, stdout);
	else if (rc == 0)
		print_status(&s);
	ucf_status_clear(&s);
	json_decref(j);
	free(reply);
	return rc;
}
