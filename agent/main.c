/* main.c — `ucfence COMMAND [OPTIONS]`: dispatch to the subcommands. */
#include <stdio.h>
#include <string.h>

#include "commands.h"

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
	{ "check", cmd_check, "validate the site config and the service catalog" },
	{ "plan", cmd_plan, "print the nftables ruleset and routes apply would install" },
	{ "apply", cmd_apply, "install the ruleset (one transaction) and the routes" },
	{ "flush", cmd_flush, "remove ucfence's table and routes" },
	{ "classify", cmd_classify, "classify the flows of packet captures (target or not)" },
	{ "watch", cmd_watch, "watch the Meraki Dashboard for packet captures (--once: poll once)" },
	{ "run", cmd_run, "run the agent (the systemd service)" },
	{ "status", cmd_status, "ask the running agent for its state (--json)" },
	{ "alerts", cmd_alerts, "print the alert spool (--json, --since DURATION)" },
};

static void usage(FILE *out)
{
	fprintf(out, "usage: ucfence COMMAND [OPTIONS]\n\n"
		     "Keeps non-target traffic off UC ports and alerts on packet captures.\n\n"
		     "commands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(out, "\n`ucfence COMMAND --help` for a command's options; --version for the version.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
		printf("ucfence %s\n", UCF_VERSION);
		return 0;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "ucfence: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
