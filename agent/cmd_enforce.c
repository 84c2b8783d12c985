/* cmd_enforce.c — `ucfence plan`, `ucfence apply`, `ucfence flush`. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "cli.h"
#include "commands.h"
#include "enforcer.h"
#include "nft_text.h"
#include "policy.h"
#include "route.h"

struct cmd {
	const char *name;
	const char *usage;
	const char *about;
};

static const struct cmd PLAN = { "plan", "ucfence plan [-c FILE]",
	"Prints the nftables ruleset (nft syntax; `nft -c -f -` accepts it) and the routes\n"
	"that `ucfence apply` would install. Changes nothing.\n" };
static const struct cmd APPLY = { "apply", "ucfence apply [-c FILE]",
	"Installs table inet ucfence in one netlink transaction (created, or updated in\n"
	"place when it exists: counters and learned media are kept), then the routes\n"
	"(protocol 117). If the kernel rejects the ruleset, the table stays as it was.\n" };
static const struct cmd FLUSH = { "flush", "ucfence flush",
	"Removes table inet ucfence and every route with protocol 117; nothing else.\n"
	"The config is read only to raise the enforcement-weakened alert (spool,\n"
	"webhook): flush works even when the config is broken (then no alert).\n" };

/* Parses the shared options; returns -1 to go on, else the exit status. */
static int parse(const struct cmd *c, int argc, char **argv, struct ucf_cli *cli)
{
	static const struct option opts[] = { UCF_CLI_LONGOPTS, { NULL, 0, NULL, 0 } };
	int opt;
	ucf_cli_init(cli);
	optind = 1;
	while ((opt = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		if (ucf_cli_option(cli, opt, optarg))
			continue;
		if (opt == 'h') {
			printf("usage: %s\n\n%s\n", c->usage, c->about);
			ucf_cli_print_common_help();
			return 0;
		}
		fprintf(stderr, "ucfence %s: see --help\n", c->name);
		return 2;
	}
	if (optind != argc) {
		fprintf(stderr, "ucfence %s: unexpected argument '%s'\n", c->name, argv[optind]);
		return 2;
	}
	return -1;
}

static int load_policy(const struct cmd *c, const struct ucf_cli *cli, struct ucf_config **cfg,
		       struct ucf_ruleset **rs)
{
	struct ucf_catalog *cat = NULL;
	char err[1024];
	int rc = ucf_cli_load_site(cli, &cat, cfg, err, sizeof(err));
	if (rc == 0) {
		rc = ucf_policy_build(*cfg, cat, rs, err, sizeof(err));
		if (rc < 0) {
			ucf_config_free(*cfg);
			*cfg = NULL;
		}
	}
	ucf_catalog_free(cat);
	if (rc < 0) {
		fprintf(stderr, "ucfence %s: %s\n", c->name, err);
		return 1;
	}
	for (size_t i = 0; i < (*rs)->nwarnings; i++)
		fprintf(stderr, "ucfence %s: warning: %s\n", c->name, (*rs)->warnings[i]);
	return 0;
}

int cmd_plan(int argc, char **argv)
{
	struct ucf_cli cli;
	struct ucf_config *cfg = NULL;
	struct ucf_ruleset *rs = NULL;
	char line[256];
	int rc = parse(&PLAN, argc, argv, &cli);
	if (rc >= 0)
		return rc;
	if (load_policy(&PLAN, &cli, &cfg, &rs))
		return 1;
	printf("# ucfence plan for site %s (%s mode) from %s\n", cfg->site.name,
	       ucf_mode_name(cfg->site.mode), cfg->source);
	printf("# `ucfence apply` installs this table in one transaction.\n");
	rc = ucf_nft_text(rs, stdout);
	printf("# routes (protocol %d, table main): %zu\n", UCF_RTPROT, rs->nroutes);
	for (size_t i = 0; i < rs->nroutes; i++) {
		ucf_route_format(&rs->routes[i], line, sizeof(line));
		printf("# route %s\n", line);
	}
	for (size_t i = 0; i < rs->nwarnings; i++)
		printf("# warning: %s\n", rs->warnings[i]);
	ucf_ruleset_free(rs);
	ucf_config_free(cfg);
	if (rc < 0 || fflush(stdout) != 0) {
		fprintf(stderr, "ucfence plan: writing: %s\n", strerror(errno));
		return 1;
	}
	return 0;
}

/* The audit trail of a one-shot command: the alert through a feed of its
 * own; while the agent holds the feed it cannot (-EBUSY), and says so. */
static int audit(const char *cmd, const struct ucf_config *cfg,
		 enum ucf_enforcement_change change, const char *what, const char *by)
{
	struct ucf_alert *a = NULL;
	struct ucf_log diag;
	char key[32], err[1024];
	ucf_log_init(&diag, "ucfence", stderr);
	ucf_audit_event_key(key, sizeof(key));
	int rc = ucf_alert_enforcement(&a, cfg->site.name, time(NULL), change, what, by, key, err,
				       sizeof(err));
	if (rc == 0)
		rc = ucf_audit_publish(cfg, a, &diag, 3000, err, sizeof(err));
	if (rc < 0)
		fprintf(stderr, "ucfence %s: %s alert not raised: %s\n", cmd,
			change == UCF_ENF_RESTORED ? "enforcement-restored" : "enforcement-weakened",
			rc == -EBUSY ? "the running agent holds the alert feed" : err);
	ucf_alert_free(a);
	return rc;
}

/* After a flush, `apply` brings enforcement back: enforcement-restored. */
static void audit_apply(const struct ucf_config *cfg)
{
	char was[512], what[1024], err[512];
	if (cfg->enforcement.action == UCF_ACTION_MONITOR)
		return; /* monitor mode enforces nothing: not restored */
	int rc = ucf_audit_take(cfg->state_dir, was, sizeof(was), err, sizeof(err));
	if (rc < 0)
		fprintf(stderr, "ucfence apply: %s\n", err);
	if (rc <= 0)
		return;
	snprintf(what, sizeof(what), "ucfence apply by uid %u: table inet ucfence enforced again "
		 "(after: %s)", (unsigned)getuid(), was);
	if (audit("apply", cfg, UCF_ENF_RESTORED, what, "ucfence apply") < 0 &&
	    ucf_audit_mark(cfg->state_dir, was, err, sizeof(err)) < 0) /* for the next one */
		fprintf(stderr, "ucfence apply: %s\n", err);
}

static double since(const struct timespec *t0)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

int cmd_apply(int argc, char **argv)
{
	struct ucf_cli cli;
	struct ucf_config *cfg = NULL;
	struct ucf_ruleset *rs = NULL;
	struct ucf_enforcer *enf = NULL;
	struct ucf_apply_stats st;
	struct ucf_route_stats rst;
	struct timespec t0;
	char err[2048];
	int rc = parse(&APPLY, argc, argv, &cli);
	if (rc >= 0)
		return rc;
	if (load_policy(&APPLY, &cli, &cfg, &rs))
		return 1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = ucf_enforcer_open(&enf, err, sizeof(err));
	if (rc == 0)
		rc = ucf_enforcer_apply(enf, rs, &st, err, sizeof(err));
	if (rc == 0) {
		printf("table inet %s %s: %zu rules in %zu chains, %zu sets (%zu elements), %d counters;"
		       " one transaction of %zu messages (%zu bytes) in %.3f s; ownership %s\n",
		       UCF_TABLE,
		       st.in_place ? "updated in place" : st.replaced ? "replaced" : "created",
		       rs->nrules, rs->nchains,
		       rs->nsets, st.elements, UCF_COUNTER_COUNT, st.messages, st.bytes, since(&t0),
		       ucf_enforcer_ownership(enf));
		/* Routes after the table: a rejected ruleset leaves routes as they were. */
		rc = ucf_routes_sync(rs->routes, rs->nroutes, &rst, err, sizeof(err));
		if (rc == 0)
			printf("routes (protocol %d): %zu installed, %zu stale removed\n", UCF_RTPROT,
			       rst.installed, rst.removed);
	}
	if (rc < 0)
		fprintf(stderr, "ucfence apply: %s\n", err);
	else
		audit_apply(cfg);
	ucf_enforcer_close(enf);
	ucf_ruleset_free(rs);
	ucf_config_free(cfg);
	return rc < 0 ? 1 : 0;
}

int cmd_flush(int argc, char **argv)
{
	struct ucf_cli cli;
	struct ucf_enforcer *enf = NULL;
	bool existed = false;
	size_t removed = 0;
	char err[2048], rerr[1024];
	int rc = parse(&FLUSH, argc, argv, &cli);
	if (rc >= 0)
		return rc;
	/* the config only for the alert: a broken one does not stop the flush */
	struct ucf_catalog *cat = NULL;
	struct ucf_config *cfg = NULL;
	if (ucf_cli_load_site(&cli, &cat, &cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "ucfence flush: no enforcement-weakened alert: %s\n", err);
		cfg = NULL;
	}
	rc = ucf_enforcer_open(&enf, err, sizeof(err));
	if (rc == 0)
		rc = ucf_enforcer_flush(enf, &existed, err, sizeof(err));
	if (rc == 0)
		printf("table inet %s: %s\n", UCF_TABLE, existed ? "removed" : "was not there");
	/* Routes even if the table could not go: flush removes all it can. */
	int rrc = ucf_routes_flush(&removed, rerr, sizeof(rerr));
	if (rc < 0)
		fprintf(stderr, "ucfence flush: %s\n", err);
	if (rrc < 0)
		fprintf(stderr, "ucfence flush: %s\n", rerr);
	else
		printf("routes (protocol %d): %zu removed\n", UCF_RTPROT, removed);
	if (cfg && (existed || removed)) {
		char what[256], merr[512];
		snprintf(what, sizeof(what), "ucfence flush by uid %u removed %s%zu route%s",
			 (unsigned)getuid(), existed ? "table inet ucfence and " : "",
			 removed, removed == 1 ? "" : "s");
		audit("flush", cfg, UCF_ENF_STOPPED, what, "ucfence flush");
		if (ucf_audit_mark(cfg->state_dir, "ucfence flush", merr, sizeof(merr)) < 0)
			fprintf(stderr, "ucfence flush: %s\n", merr);
	}
	ucf_config_free(cfg);
	ucf_catalog_free(cat);
	ucf_enforcer_close(enf);
	return rc < 0 || rrc < 0 ? 1 : 0;
}
