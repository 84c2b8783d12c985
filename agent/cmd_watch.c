/* cmd_watch.c — `ucfence watch [--once] [--json]`: the Meraki watcher on its
 * own, in the foreground. --once polls every source once, delivers, prints
 * what it found and exits; without it, it polls every meraki.poll_interval
 * until SIGINT/SIGTERM (the same reactor the agent's event loop joins).
 * Diagnostics, the feed's and webhook's too, go to stderr. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "feed.h"
#include "http.h"
#include "log.h"
#include "meraki.h"
#include "reactor.h"
#include "spool.h"

enum { OPT_ONCE = UCF_OPT_FIRST_FREE, OPT_VERBOSE };

struct watch {
	bool json, stop;
	struct ucf_log log;
};

static void on_event(void *ctx, enum ucf_meraki_event kind, const char *text,
		     const struct ucf_alert *a)
{
	struct watch *w = ctx;
	if (kind == UCF_MERAKI_ALERT && a) {
		if (w->json) {
			json_t *o = ucf_alert_to_json(a);
			json_dumpf(o, stdout, JSON_COMPACT);
			putchar('\n');
			json_decref(o);
		} else {
			printf("ALERT %s %s %s: %s\n", ucf_severity_name(a->severity), a->kind, a->id,
			       a->summary);
		}
	} else if (kind == UCF_MERAKI_RECORDED) {
		fprintf(w->json ? stderr : stdout, "recorded: %s\n", text);
	} else {
		ucf_log_warnx(&w->log, "warning: %s", text);
	}
	fflush(stdout);
}

static void on_signal(void *ctx, int fd, uint32_t events)
{
	(void)events;
	struct signalfd_siginfo si;
	if (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si))
		((struct watch *)ctx)->stop = true;
}

static void help(void)
{
	printf("usage: ucfence watch [--once] [--json] [-v] [-c FILE]\n\n"
	       "Watches the Meraki Dashboard for packet-capture activity at this site and\n"
	       "raises alerts (spool, syslog, webhook). Exit status: 0 done, 1 configuration\n"
	       "or authentication failure, 2 usage error.\n\n"
	       "      --once          poll every source once, deliver, print the findings, exit\n"
	       "      --json          print new alerts as JSON objects, one per line\n"
	       "  -v, --verbose       also print each webhook delivery (stderr)\n");
	ucf_cli_print_common_help();
}

static void summary(struct ucf_feed *feed, const struct ucf_meraki_cycle *c, bool json)
{
	struct ucf_sendq_stats ws;
	ucf_feed_webhook_stats(feed, &ws);
	FILE *out = json ? stderr : stdout;
	fprintf(out, "watch: %u API call%s, %u new alert%s, %u recorded, %u source%s failed; "
		"webhook: %zu delivered, %zu queued", c->calls, c->calls == 1 ? "" : "s", c->alerts,
		c->alerts == 1 ? "" : "s", c->recorded, c->failed_sources,
		c->failed_sources == 1 ? "" : "s", ws.delivered, ws.queued);
	if (ws.last_error[0]) {
		size_t n = strcspn(ws.last_error, "\r\n"); /* curl's messages may end in a newline */
		fprintf(out, " (last failure: %.*s)", (int)n, ws.last_error);
	}
	/* each peer by scheme and host: its own queue, its own bookkeeping */
	const struct ucf_alertmanager *am = ucf_feed_alertmanager(feed);
	for (size_t i = 0; i < ucf_alertmanager_peer_count(am); i++) {
		struct ucf_sendq_stats ps;
		const char *name = ucf_alertmanager_peer(am, i, &ps);
		fprintf(out, "; %s: %zu delivered, %zu queued", name, ps.delivered, ps.queued);
	}
	fputc('\n', out);
}

/* The feed's hourly retention pass reaches the watcher's state too. */
static int retain_watch(void *ctx, int64_t cutoff, char *err, size_t errlen)
{
	return ucf_meraki_prune(ctx, cutoff, NULL, err, errlen);
}

static int run(const struct ucf_config *cfg, bool once, struct watch *w)
{
	struct ucf_reactor *r = NULL;
	struct ucf_http *h = NULL;
	struct ucf_feed *feed = NULL;
	struct ucf_meraki *m = NULL;
	struct ucf_meraki_hooks hooks = { .event = on_event, .ctx = w };
	char err[1024];
	int status = 1, sfd = -1;
	int rc = ucf_reactor_new(&r, err, sizeof(err));
	if (rc == 0)
		rc = ucf_http_new(&h, r, err, sizeof(err));
	if (rc == 0 && !cfg->meraki.enabled) {
		snprintf(err, sizeof(err), "meraki is not enabled in %s (meraki.enabled)", cfg->source);
		rc = -EINVAL;
	}
	if (rc == 0)
		rc = ucf_feed_open(&feed, cfg, r, h, &w->log, err, sizeof(err));
	if (rc == 0)
		rc = ucf_meraki_new(&m, cfg, r, h, feed, &hooks, err, sizeof(err));
	if (rc == 0)
		rc = ucf_feed_set_retainer(feed, retain_watch, m, err, sizeof(err));
	if (rc < 0) {
		ucf_log_warnx(&w->log, "%s", err);
		goto out;
	}
	if (once) {
		ucf_meraki_poll_once(m);
		while (ucf_meraki_busy(m) || ucf_feed_busy(feed))
			if (ucf_reactor_dispatch(r, -1) < 0)
				break;
		const struct ucf_meraki_cycle *c = ucf_meraki_last_cycle(m);
		summary(feed, c, w->json);
		if (c->auth_failed) {
			ucf_log_warnx(&w->log, "authentication failed: %s", c->error);
			goto out;
		}
		status = 0;
		goto out;
	}
	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (sfd < 0 || ucf_reactor_watch(r, sfd, EPOLLIN, on_signal, w) < 0) {
		ucf_log_warn(&w->log, "cannot watch signals");
		goto out;
	}
	ucf_meraki_start(m);
	while (!w->stop)
		if (ucf_reactor_dispatch(r, -1) < 0)
			break;
	ucf_reactor_watch(r, sfd, 0, NULL, NULL);
	status = 0;
out:
	if (sfd >= 0)
		close(sfd);
	ucf_meraki_free(m);
	ucf_feed_close(feed);
	ucf_http_free(h);
	ucf_reactor_free(r);
	return status;
}

int cmd_watch(int argc, char **argv)
{
	static const struct option opts[] = { UCF_CLI_LONGOPTS,
					       { "json", no_argument, NULL, UCF_OPT_JSON },
					       { "once", no_argument, NULL, OPT_ONCE },
					       { "verbose", no_argument, NULL, OPT_VERBOSE },
					       { NULL, 0, NULL, 0 } };
	struct ucf_cli cli;
	struct ucf_catalog *cat = NULL;
	struct ucf_config *cfg = NULL;
	struct watch w = { 0 };
	bool once = false;
	ucf_log_init(&w.log, "ucfence watch", stderr);
	char err[1024];
	int opt;

	ucf_cli_init(&cli);
	optind = 1;
	while ((opt = getopt_long(argc, argv, "c:hv", opts, NULL)) != -1) {
		if (ucf_cli_option(&cli, opt, optarg))
			continue;
		if (opt == UCF_OPT_JSON) {
			w.json = true;
		} else if (opt == 'v' || opt == OPT_VERBOSE) {
			ucf_log_verbose(&w.log, 1);
		} else if (opt == OPT_ONCE) {
			once = true;
		} else if (opt == 'h') {
			help();
			return 0;
		} else {
			fprintf(stderr, "ucfence watch: see --help\n");
			return 2;
		}
	}
	if (ucf_cli_operands("watch", argc, argv) != 0)
		return 2;
	if (ucf_cli_load(&cli, &cat, &cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	int status = run(cfg, once, &w);
	ucf_config_free(cfg);
	ucf_catalog_free(cat);
	return status;
}
