/* daemon.c — the agent's context and its event handlers. Everything it owns
 * hangs off struct daemon; handlers run to completion on the reactor. */
#include "daemon.h"
#include "grow.h"

#include <errno.h>
#include <limits.h>
#include <jansson.h>
#include <net/if.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <systemd/sd-daemon.h>
#include <time.h>
#include <unistd.h>

#include "alert.h"
#include "audit.h"
#include "capture.h"
#include "classify.h"
#include "control.h"
#include "enforcer.h"
#include "erase.h"
#include "feed.h"
#include "http.h"
#include "latency.h"
#include "log.h"
#include "meraki.h"
#include "metrics.h"
#include "nflog.h"
#include "pinholes.h"
#include "policy.h"
#include "reactor.h"
#include "resolve.h"
#include "route.h"
#include "status.h"
#include "tamper.h"
#include "timefmt.h"
#include "trust.h"
#include "upload.h"
#include "verdicts.h"
#include "violations.h"
#include "vpnpeers.h"

#define MAX_CAPTURES 32
#define FRAMES_PER_WAKEUP 256
/* Under load the agent reads its captures at most once per PACE_US: libpcap's
 * immediate mode (TPACKET_V2) wakes the reader for every packet, and a
 * wakeup costs far more than classifying the few frames it finds. A wakeup
 * that found several frames is followed by a pause, so a flood is read in
 * batches; a lone packet on a quiet link is read at once. A frame waits at
 * most this long before it is classified. */
#define PACE_US 250
#define TICK_MS 1000
#define METRICS_EVERY_S 15

struct capture_port {
	struct ucf_capture *cap;
	char ifname[UCF_IFNAME_MAX];
	enum ucf_ingress ingress; /* the port's role: where a sender can be */
	struct daemon *d;
};

/* Blocks carried across reloads and restores; older ones live on in the
 * kernel until their timeout. */
#define MAX_CARRIED_BLOCKS 4096

/* Media still in flight when a call ends (the far end's last packets, an
 * echo) keeps its pinhole this long, so no packet of the call is dropped. */
#define END_GRACE_US 2000000u
/* appliance.open's resolved addresses the sets take (32 names' worth) */
#define OPEN_ADDRS_MAX (UCF_RESOLVE_PER_HOST * 32)

struct queued_risk {
	struct ucf_risk risk;
	char ifname[UCF_IFNAME_MAX];
};

struct daemon {
	struct ucf_daemon_opts opts;
	struct ucf_reactor *r;
	int sigfd;
	bool stop;
	struct ucf_timer tick;

	struct ucf_config *cfg;
	struct ucf_catalog *cat;
	time_t started, loaded;
	unsigned reloads, reload_failures;
	char last_reload_error[512];

	struct ucf_enforcer *enf;
	struct ucf_classifier *cls;
	struct capture_port ports[MAX_CAPTURES];
	size_t nports;
	const char *current_if; /* the interface of the frame being classified */
	uint64_t pace_until_us; /* CLOCK_MONOTONIC: no capture read before (0: none) */

	struct ucf_pinholes *pinholes;
	uint64_t frame_ts_us; /* capture time of the frame being classified */
	struct ucf_verdicts *verdicts; /* non-target flows on UC services, blocked */
	uint64_t block_batches, block_errors;
	struct ucf_violations *refusals; /* refused signalling, folded for alerts */

	struct ucf_nflog *nflog;
	struct ucf_violations *violations;
	struct ucf_tamper *tamper;
	unsigned restores;
	bool restore_due;
	char restore_what[256];
	int restore_kind;

	struct queued_risk *later; /* seen while classifying: alerted after the pinholes */
	size_t nlater, later_cap;
	struct ucf_drop_window *later_refusals; /* first refusals seen while classifying */
	size_t nlater_refusals, later_refusals_cap;
	int stop_signo; /* what stopped the agent */

	struct ucf_http *http;
	struct ucf_feed *feed;
	struct ucf_meraki *meraki;
	unsigned alerts_raised, alerts_failed;

	/* the capture upload signal: the appliance-upload counter read every
	 * appliance.upload_signal.interval */
	struct ucf_upload *upload;
	uint64_t upload_next_ms; /* CLOCK_MONOTONIC: the next reading */
	bool upload_read;        /* the last reading worked */
	uint64_t upload_bytes;   /* its value */
	char upload_error[256];  /* the last failure, logged once */
	struct ucf_vpnpeers peers; /* learned AutoVPN peers (last known good) */
	struct ucf_resolver *resolver; /* appliance.open's host names */
	uint64_t peers_synced_ms;  /* CLOCK_MONOTONIC of the last re-arm */
	bool peers_failed;         /* the last fetch of the peers failed */
	uint64_t peers_fetch_failures;
	/* the figures of the resolvers a reload replaced (the status adds the
	 * running one's) */
	struct ucf_resolver_stats open_stats;

	struct ucf_control *control;
	time_t last_metrics;
	bool watchdog; /* systemd's WatchdogSec= is set: ping it every tick */
};

static uint64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static uint64_t mono_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static uint64_t mono_ms(void)
{
	return mono_us() / 1000u;
}

/* ---- alerts --------------------------------------------------------------- */

/* Takes a (possibly NULL) alert from a constructor and publishes it. */
static void publish(struct daemon *d, struct ucf_alert *a, const char *err)
{
	char why[512];
	if (!a) {
		ucf_log_warnx(d->opts.log, "could not build an alert: %s", err);
		d->alerts_failed++;
		return;
	}
	int rc = d->feed ? ucf_feed_publish(d->feed, a, why, sizeof(why)) : -ENODEV;
	if (rc > 0)
		d->alerts_raised++;
	else if (rc < 0) {
		ucf_log_warnx(d->opts.log, "alert %s not recorded: %s", a->kind,
			      rc == -ENODEV ? "no alert feed" : why);
		d->alerts_failed++;
	}
	ucf_alert_free(a);
}

static void format_addr(uint8_t family, const uint8_t *addr, char *buf, size_t len)
{
	struct ucf_prefix p = { .family = family, .len = family == AF_INET ? 32 : 128 };
	memcpy(p.addr, addr, 16);
	ucf_prefix_format(&p, buf, len);
}

/* A window's destinations as "addr:port" texts (dest holds them). */
struct dest_texts {
	char text[UCF_DROP_DESTS_MAX][64];
	const char *list[UCF_DROP_DESTS_MAX];
};

static size_t dest_texts(const struct ucf_drop_window *w, struct dest_texts *t)
{
	for (uint8_t i = 0; i < w->ndests; i++) {
		char a[INET6_ADDRSTRLEN + 8];
		const struct ucf_drop_dest *d = &w->dests[i];
		format_addr(d->family, d->addr, a, sizeof(a));
		if (!d->port)
			snprintf(t->text[i], sizeof(t->text[i]), "%s", a);
		else if (d->family == AF_INET6)
			snprintf(t->text[i], sizeof(t->text[i]), "[%s]:%u", a, d->port);
		else
			snprintf(t->text[i], sizeof(t->text[i]), "%s:%u", a, d->port);
		t->list[i] = t->text[i];
	}
	return w->ndests;
}

/* A closed window of drops or refusals as an alert's input; src holds the
 * source's text. */
static struct ucf_violation violation_of(const struct ucf_drop_window *w, char src[64])
{
	snprintf(src, 64, "many sources");
	if (!w->other_sources)
		format_addr(w->family, w->src, src, 64);
	return (struct ucf_violation){
		.source = src,
		.interface = w->ifname,
		.reason = w->reason,
		.protocol = w->l4proto == 6 ? "tcp" : w->l4proto == 17 ? "udp" : NULL,
		.port = w->dport,
		.packets = w->packets,
		.followup = w->followup,
		.window_start = (int64_t)(w->first_us / 1000000u),
		.window_end = (int64_t)(w->last_us / 1000000u),
	};
}

static void on_drop_window(void *arg, const struct ucf_drop_window *w)
{
	struct daemon *d = arg;
	char src[64], err[256];
	struct ucf_alert *a = NULL;
	struct ucf_violation v = violation_of(w, src);
	struct dest_texts dt;
	v.dropped = d->cfg->enforcement.action != UCF_ACTION_MONITOR;
	/* The appliance's own traffic is refused by where it goes: say where. */
	if (strcmp(w->reason, ucf_reason_name(UCF_REASON_NON_TARGET_APPLIANCE)) == 0) {
		v.ndestinations = dest_texts(w, &dt);
		v.destinations = dt.list;
		v.destinations_other = w->dests_other;
	}
	if (strcmp(w->reason, ucf_reason_name(UCF_REASON_CLEARTEXT_SIGNALLING)) == 0)
		ucf_alert_cleartext_signalling_refused(&a, d->cfg->site.name, time(NULL), &v, err,
						       sizeof(err));
	else
		ucf_alert_non_target(&a, d->cfg->site.name, time(NULL), &v, err, sizeof(err));
	publish(d, a, err);
}

/* "ucfence: non-target-uc " -> "non-target-uc" */
static void on_logged(void *arg, const struct ucf_logged_packet *p)
{
	struct daemon *d = arg;
	char reason[32], ifname[IF_NAMESIZE] = "?";
	if (sscanf(p->prefix, "ucfence: %31s", reason) != 1 || p->family == 0)
		return; /* not ours, or not IP: nothing to attribute */
	uint32_t ifindex = p->indev ? p->indev : p->outdev;
	if (!ifindex || !if_indextoname(ifindex, ifname))
		snprintf(ifname, sizeof(ifname), "?");
	struct ucf_drop_dest dst = { .family = p->family, .l4proto = p->l4proto, .port = p->dport };
	memcpy(dst.addr, p->dst, sizeof(dst.addr));
	ucf_violations_add_to(d->violations, reason, ifname, p->family, p->src, &dst, p->l4proto,
			      p->dport, now_us());
}

static void alert_refusal(struct daemon *d, const struct ucf_drop_window *w)
{
	char src[64], err[256];
	struct ucf_alert *a = NULL;
	struct ucf_violation v = violation_of(w, src);
	ucf_alert_forged_signalling(&a, d->cfg->site.name, time(NULL), &v, err, sizeof(err));
	publish(d, a, err);
}

/* A window's first refusal comes from the packet path: like a risk, it is
 * alerted once the burst's pinholes are in (at most one per frame). */
static void on_refusal_window(void *arg, const struct ucf_drop_window *w)
{
	struct daemon *d = arg;
	if (!d->current_if) {
		alert_refusal(d, w);
		return;
	}
	if (d->nlater_refusals == d->later_refusals_cap) {
		size_t cap = d->later_refusals_cap ? d->later_refusals_cap * 2 : 16;
		struct ucf_drop_window *grown = realloc(d->later_refusals, cap * sizeof(*grown));
		if (!grown) {
			alert_refusal(d, w); /* now rather than never */
			return;
		}
		d->later_refusals = grown;
		d->later_refusals_cap = cap;
	}
	d->later_refusals[d->nlater_refusals++] = *w;
}

/* Signalling the trust boundary refused: one alert per source, interface
 * and reason per window, however many messages. Dated by the frame's
 * capture time (the same clock): no clock read per refused message. */
static void on_refused(void *arg, const struct ucf_refusal_event *ev)
{
	struct daemon *d = arg;
	if (ev->reason == UCF_REFUSE_CLEARTEXT)
		return; /* the kernel drops it and alerts cleartext-signalling-refused */
	ucf_violations_add(d->refusals, ucf_refusal_name(ev->reason),
			   d->current_if ? d->current_if : "?", ev->family, ev->src, ev->l4proto,
			   ev->dport, d->frame_ts_us);
}

/* A non-target verdict on a flow the kernel admits as a UC service: its
 * 5-tuple is blocked in the burst's batch. */
static void on_verdict(void *arg, const struct ucf_flow_info *fi)
{
	struct daemon *d = arg;
	ucf_verdicts_note(d->verdicts, fi, now_us());
}

static void commit_blocks(struct daemon *d)
{
	const struct ucf_block *r1, *r2;
	size_t n1, n2;
	char err[512];
	if (!ucf_verdicts_queued(d->verdicts, &r1, &n1, &r2, &n2))
		return;
	int rc = ucf_enforcer_block(d->enf, r1, n1, err, sizeof(err));
	if (rc == 0 && n2)
		rc = ucf_enforcer_block(d->enf, r2, n2, err, sizeof(err));
	d->block_batches++;
	if (rc < 0) {
		/* carried anyway: the next rebuilt ruleset has them */
		d->block_errors++;
		ucf_log_warnx(d->opts.log, "verdict blocks not committed: %s", err);
	}
	ucf_verdicts_committed(d->verdicts);
}

static void alert_risk(struct daemon *d, const struct ucf_risk *risk, const char *iface)
{
	char endpoint[64], err[256];
	struct ucf_alert *a = NULL;
	format_addr(risk->family, risk->addr, endpoint, sizeof(endpoint));
	const char *transport = risk->l4proto == IPPROTO_TCP ? "tcp"
				: risk->l4proto == IPPROTO_UDP ? "udp" : NULL;
	switch (risk->kind) {
	case UCF_RISK_CLEARTEXT_SIP:
		ucf_alert_cleartext_sip(&a, d->cfg->site.name, time(NULL), endpoint, iface, transport,
					err, sizeof(err));
		break;
	case UCF_RISK_EXPOSED_SRTP_KEYS:
		ucf_alert_exposed_srtp_keys(&a, d->cfg->site.name, time(NULL), endpoint, iface,
					    transport, err, sizeof(err));
		break;
	default:
		ucf_alert_unencrypted_rtp(&a, d->cfg->site.name, time(NULL), endpoint, iface,
					  transport, risk->detail, err, sizeof(err));
	}
	publish(d, a, err);
}

/* Risks seen on the packet path are alerted once the burst's pinholes are in
 * the kernel: building and publishing an alert (hashing, redaction, an
 * fsync of the spool) takes milliseconds a call's first RTP packet must not
 * wait for. */
static void on_risk(void *arg, const struct ucf_risk *risk)
{
	struct daemon *d = arg;
	if (UCF_GROW(d->later, d->later_cap, d->nlater + 1, 16) < 0)
		return; /* reported again tomorrow: the risk memory repeats daily */
	struct queued_risk *q = &d->later[d->nlater++];
	q->risk = *risk;
	snprintf(q->ifname, sizeof(q->ifname), "%s", d->current_if ? d->current_if : "?");
}

static void alert_queued_risks(struct daemon *d)
{
	for (size_t i = 0; i < d->nlater; i++)
		alert_risk(d, &d->later[i].risk, d->later[i].ifname);
	d->nlater = 0;
	for (size_t i = 0; i < d->nlater_refusals; i++)
		alert_refusal(d, &d->later_refusals[i]);
	d->nlater_refusals = 0;
}

/* ---- the audit trail ------------------------------------------------------ */

/* One alert per weakening or restoration of enforcement, logged too (the
 * journal keeps it should the feed be down). */
static void audit(struct daemon *d, enum ucf_enforcement_change change, const char *what,
		  const char *by)
{
	char key[32], err[256];
	struct ucf_alert *a = NULL;
	if (change == UCF_ENF_RESTORED)
		ucf_log_info(d->opts.log, "enforcement restored: %s", what);
	else
		ucf_log_warnx(d->opts.log, "enforcement weakened: %s", what);
	ucf_audit_event_key(key, sizeof(key));
	ucf_alert_enforcement(&a, d->cfg->site.name, time(NULL), change, what, by, key, err,
			      sizeof(err));
	publish(d, a, err);
}

static void audit_mark(struct daemon *d, const char *what)
{
	char err[256];
	if (ucf_audit_mark(d->cfg->state_dir, what, err, sizeof(err)) < 0)
		ucf_log_warnx(d->opts.log, "audit mark: %s", err);
}

/* A start or reload that enforces (drop or reject): an outstanding
 * weakening is over. */
static void audit_restored(struct daemon *d, const char *by)
{
	char was[512], what[768], err[256];
	int rc = ucf_audit_take(d->cfg->state_dir, was, sizeof(was), err, sizeof(err));
	if (rc < 0)
		ucf_log_warnx(d->opts.log, "audit mark: %s", err);
	if (rc <= 0)
		return;
	snprintf(what, sizeof(what), "%s: table inet ucfence enforced again (after: %s)", by, was);
	audit(d, UCF_ENF_RESTORED, what, by);
}

/* What a reload takes away: enforcement.action to monitor (enforcement
 * stops), back from monitor (restored), and services, endpoints and
 * servers removed (each removal lets more through or stops learning). */
static void audit_reload(struct daemon *d, const struct ucf_config *old,
			 const struct ucf_config *cfg)
{
	static const char by[] = "reload (SIGHUP)";
	char what[1536];
	bool was_mon = old->enforcement.action == UCF_ACTION_MONITOR,
	     is_mon = cfg->enforcement.action == UCF_ACTION_MONITOR;
	if (!was_mon && is_mon) {
		snprintf(what, sizeof(what), "%s switched enforcement.action from %s to monitor: "
			 "drops are counted, not enforced", by,
			 ucf_action_name(old->enforcement.action));
		audit(d, UCF_ENF_STOPPED, what, by);
		audit_mark(d, "enforcement.action monitor");
	} else if (was_mon && !is_mon) {
		audit_restored(d, "reload (SIGHUP)");
	}
	size_t used = (size_t)snprintf(what, sizeof(what), "%s removed", by);
	size_t base = used;
	const char *sep = " ";
	for (size_t i = 0; i < old->uc.services.count; i++) {
		bool kept = false;
		for (size_t j = 0; !kept && j < cfg->uc.services.count; j++)
			kept = strcmp(old->uc.services.items[i], cfg->uc.services.items[j]) == 0;
		if (kept || used >= sizeof(what))
			continue;
		used += (size_t)snprintf(what + used, sizeof(what) - used, "%s%s%s", sep,
					 sep[0] == ' ' ? "services: " : "", old->uc.services.items[i]);
		sep = ", ";
	}
	const struct { const char *name; const struct ucf_prefix_list *a, *b; } lists[] = {
		{ "uc.endpoints", &old->uc.endpoints, &cfg->uc.endpoints },
		{ "uc.servers", &old->uc.servers, &cfg->uc.servers },
	};
	for (size_t l = 0; l < 2; l++) {
		bool first = true;
		for (size_t i = 0; i < lists[l].a->count; i++) {
			const struct ucf_prefix *p = &lists[l].a->items[i];
			bool kept = false;
			for (size_t j = 0; !kept && j < lists[l].b->count; j++) {
				const struct ucf_prefix *q = &lists[l].b->items[j];
				kept = p->family == q->family && p->len == q->len &&
				       memcmp(p->addr, q->addr, 16) == 0;
			}
			if (kept || used >= sizeof(what))
				continue;
			char text[64];
			ucf_prefix_format(p, text, sizeof(text));
			used += (size_t)snprintf(what + used, sizeof(what) - used, "%s%s%s",
						 used == base ? " " : first ? "; " : ", ",
						 first ? lists[l].name : "", "");
			used += (size_t)snprintf(what + used, sizeof(what) - used, "%s%s",
						 first ? ": " : "", text);
			first = false;
		}
	}
	if (used > base)
		audit(d, UCF_ENF_WEAKENED, what, by);
}

/* ---- pinholes ------------------------------------------------------------- */

/* The element a media event is about: UDP from the peer (the call's other
 * party) to the announced endpoint. */
static void pinhole_of_event(const struct ucf_media_event *ev, struct ucf_pinhole *ph)
{
	memset(ph, 0, sizeof(*ph));
	ph->family = ev->ep.family;
	memcpy(ph->peer, ev->peer, 16);
	memcpy(ph->addr, ev->ep.addr, 16);
	ph->port = ev->ep.port;
}

static void on_media(void *arg, const struct ucf_media_event *ev)
{
	struct daemon *d = arg;
	struct ucf_pinhole ph;
	if (ev->ep.l4proto != 17 || !d->cfg->uc.media.learn)
		return; /* the media sets hold UDP endpoints */
	pinhole_of_event(ev, &ph);
	if (ev->type == UCF_MEDIA_OPEN) {
		/* at the cap the endpoint gets no pinhole (counted as refused) */
		ucf_pinholes_open(d->pinholes, &ph, d->frame_ts_us);
		return;
	}
	/* Media may still be in flight when a call ends or moves (the far end
	 * sends to the old endpoint until it has the new offer): grace. An idle
	 * endpoint had no packet for the whole timeout; a flushed one goes
	 * because the agent does: at once. */
	bool grace = ev->reason == UCF_END_CALL || ev->reason == UCF_END_REPLACED;
	ucf_pinholes_close(d->pinholes, &ph, grace, mono_us());
}

/* One transaction for what the burst or the tick changed. */
static void commit_pinholes(struct daemon *d)
{
	char err[512];
	if (ucf_pinholes_pending(d->pinholes) &&
	    ucf_pinholes_commit(d->pinholes, mono_us(), err, sizeof(err)) < 0)
		ucf_log_warnx(d->opts.log, "media pinholes not committed: %s", err);
}

static int media_commit(void *arg, const struct ucf_pinhole *add, size_t nadd,
			const struct ucf_pinhole *del, size_t ndel, char *err, size_t errlen)
{
	struct daemon *d = arg;
	return ucf_enforcer_media(d->enf, add, nadd, del, ndel, err, errlen);
}

/* Every element is re-added (delete+add: a plain re-add leaves the expiry)
 * three times per timeout; the classifier ends idle endpoints. */
static uint32_t refresh_period(const struct ucf_config *cfg)
{
	uint32_t r = cfg->uc.media.timeout_s / 3;
	return r ? r : 1;
}

/* ---- captures ------------------------------------------------------------- */

static void on_frame(void *arg, const struct ucf_frame *f)
{
	struct daemon *d = arg;
	d->frame_ts_us = f->ts_us;
	ucf_classifier_packet(d->cls, f->dlt, f->data, f->caplen, f->wirelen, f->ts_us, NULL);
}

static void capture_ready(void *arg, int fd, uint32_t events)
{
	struct capture_port *port = arg;
	struct daemon *d = port->d;
	char err[256];
	(void)fd;
	(void)events;
	uint64_t woke = mono_us();
	d->current_if = port->ifname;
	ucf_classifier_set_ingress(d->cls, port->ingress);
	int rc = ucf_capture_dispatch(port->cap, FRAMES_PER_WAKEUP, on_frame, d, err, sizeof(err));
	d->current_if = NULL;
	if (rc > 1)
		d->pace_until_us = woke + PACE_US;
	/* one netlink batch for the burst: the pinhole is in before the media */
	commit_pinholes(d);
	commit_blocks(d);
	alert_queued_risks(d);
	if (rc == -EIO)
		ucf_log_warnx(d->opts.log, "%s", err);
}

static void close_captures(struct daemon *d)
{
	for (size_t i = 0; i < d->nports; i++) {
		ucf_reactor_watch(d->r, ucf_capture_fd(d->ports[i].cap), 0, NULL, NULL);
		ucf_capture_close(d->ports[i].cap);
	}
	d->nports = 0;
}

static int open_capture(struct daemon *d, const char *ifname, enum ucf_ingress ingress,
			char *err, size_t errlen)
{
	struct capture_port *port = &d->ports[d->nports];
	port->ingress = ingress;
	int rc = ucf_capture_open_live(ifname, NULL, false, &port->cap, err, errlen);
	if (rc == 0)
		rc = ucf_capture_inbound_only(port->cap, err, errlen);
	if (rc < 0)
		return rc;
	snprintf(port->ifname, sizeof(port->ifname), "%s", ifname);
	port->d = d;
	rc = ucf_reactor_watch(d->r, ucf_capture_fd(port->cap), EPOLLIN, capture_ready, port);
	if (rc < 0) {
		ucf_capture_close(port->cap);
		snprintf(err, errlen, "%s: cannot watch the capture: %s", ifname, strerror(-rc));
		return rc;
	}
	d->nports++;
	return 0;
}

/* Signalling crosses the uc ports (phones) and the appliance port (servers
 * and, in appliance mode, the phones behind the MX). */
static int open_captures(struct daemon *d, char *err, size_t errlen)
{
	const struct ucf_config *c = d->cfg;
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < c->interfaces.uc_count && d->nports < MAX_CAPTURES; i++)
		rc = open_capture(d, c->interfaces.uc[i].name, UCF_INGRESS_UC, err, errlen);
	if (rc == 0 && d->nports < MAX_CAPTURES)
		rc = open_capture(d, c->interfaces.appliance, UCF_INGRESS_APPLIANCE, err, errlen);
	if (rc < 0)
		close_captures(d);
	return rc;
}

/* ---- ruleset -------------------------------------------------------------- */

struct collect {
	struct ucf_pinhole *items;
	size_t n;
};

static void collect_one(void *arg, const struct ucf_pinhole *ph)
{
	struct collect *c = arg;
	c->items[c->n++] = *ph;
}

struct collect_blocks {
	struct ucf_block *items;
	size_t n;
};

static void collect_block(void *arg, const struct ucf_block *b)
{
	struct collect_blocks *c = arg;
	c->items[c->n++] = *b;
}

/* The learned AutoVPN peers into vpn_peers4/6 (replacing what is there):
 * the current ones re-armed to the full timeout, the others with what is
 * left of theirs. A failure is logged; the elements already in the kernel
 * keep running out on their own. */
static void peers_sync(struct daemon *d, const struct ucf_config *cfg)
{
	char err[512];
	int64_t now = time(NULL);
	ucf_vpnpeers_prune(&d->peers, cfg, now);
	size_t n = d->peers.count;
	struct ucf_prefix *addrs = calloc(n + 1, sizeof(*addrs));
	uint64_t *tmo = calloc(n + 1, sizeof(*tmo));
	d->peers_synced_ms = mono_ms();
	if (!addrs || !tmo) {
		ucf_log_warnx(d->opts.log, "vpn peers: out of memory");
	} else {
		n = ucf_vpnpeers_elements(&d->peers, cfg, now, addrs, tmo);
		if (ucf_enforcer_timed_addrs(d->enf, UCF_SET_VPN_PEERS, addrs, tmo, n, err,
					     sizeof(err)) < 0)
			ucf_log_warnx(d->opts.log, "vpn peers: %s", err);
	}
	free(addrs);
	free(tmo);
}

/* appliance.open's resolved addresses into appliance_open4/6, each re-armed
 * to UCF_OPEN_TIMEOUT_S (a round every UCF_OPEN_REFRESH_S re-arms them). */
static void open_sync(struct daemon *d, const struct ucf_config *cfg)
{
	struct ucf_prefix addrs[OPEN_ADDRS_MAX];
	uint64_t tmo[OPEN_ADDRS_MAX];
	char err[512];
	if (!d->resolver)
		return;
	size_t n = ucf_resolver_addrs(d->resolver, cfg, addrs, sizeof(addrs) / sizeof(addrs[0]));
	for (size_t i = 0; i < n; i++)
		tmo[i] = UCF_OPEN_TIMEOUT_S * 1000ull;
	if (ucf_enforcer_timed_addrs(d->enf, UCF_SET_APPLIANCE_OPEN, addrs, tmo, n, err,
				     sizeof(err)) < 0)
		ucf_log_warnx(d->opts.log, "appliance.open: %s", err);
}

static void open_tick(struct daemon *d)
{
	char note[512];
	if (ucf_resolver_tick(d->resolver, d->cfg, mono_ms(), UCF_OPEN_REFRESH_S * 1000ull, note,
			      sizeof(note))) {
		if (note[0])
			ucf_log_warnx(d->opts.log, "appliance.open: %s", note);
		open_sync(d, d->cfg);
	}
}

/* A new resolver when the names changed (start, reload). */
static int open_hosts_set(struct daemon *d, const struct ucf_config *cfg)
{
	const struct ucf_string_list *h = &cfg->appliance.open.hosts;
	struct ucf_resolver *r = NULL;
	if (h->count && ucf_resolver_new(&r, h) < 0)
		return -ENOMEM;
	struct ucf_resolver_stats old;
	ucf_resolver_get_stats(d->resolver, &old);
	d->open_stats.rounds += old.rounds;
	d->open_stats.failures += old.failures;
	d->open_stats.refused += old.refused;
	ucf_resolver_free(d->resolver);
	d->resolver = r;
	return 0;
}

static bool same_strings(const struct ucf_string_list *a, const struct ucf_string_list *b)
{
	if (a->count != b->count)
		return false;
	for (size_t i = 0; i < a->count; i++)
		if (strcmp(a->items[i], b->items[i]) != 0)
			return false;
	return true;
}

/* Re-arms the learned peers every quarter of their timeout (within 5 s to
 * 10 min): a watcher that fails or is down never lets them run out. */
static void peers_tick(struct daemon *d)
{
	uint64_t every = d->cfg->appliance.vpn_peer_timeout_s * 1000u / 4;
	if (every < 5000)
		every = 5000;
	if (every > 600000)
		every = 600000;
	if (d->peers.count && mono_ms() - d->peers_synced_ms >= every)
		peers_sync(d, d->cfg);
}

/* Builds the policy for cfg with the learned media and installs it and the
 * routes. Nothing changes unless the kernel accepts the whole ruleset. */
static int enforce(struct daemon *d, const struct ucf_config *cfg,
		   const struct ucf_catalog *cat, char *err, size_t errlen)
{
	struct ucf_ruleset *rs = NULL;
	struct collect media = { calloc(ucf_pinholes_count(d->pinholes) + 1, sizeof(*media.items)), 0 };
	struct collect_blocks blocks = { calloc(MAX_CARRIED_BLOCKS, sizeof(*blocks.items)), 0 };
	int rc = media.items && blocks.items ? ucf_policy_build(cfg, cat, &rs, err, errlen) : -ENOMEM;
	if (rc == 0) {
		ucf_pinholes_each(d->pinholes, collect_one, &media);
		rc = ucf_ruleset_add_media(rs, media.items, media.n, err, errlen);
	}
	if (rc == 0 && d->verdicts) {
		ucf_verdicts_each(d->verdicts, collect_block, &blocks);
		rc = ucf_ruleset_add_blocks(rs, blocks.items, blocks.n, err, errlen);
	}
	if (rc == 0)
		rc = ucf_enforcer_apply(d->enf, rs, NULL, err, errlen);
	/* a replaced table lost the learned peers: put them back at once */
	if (rc == 0) {
		peers_sync(d, cfg);
		open_sync(d, cfg);
	}
	struct ucf_route_stats routes = { 0 };
	if (rc == 0)
		rc = ucf_routes_sync(rs->routes, rs->nroutes, &routes, err, errlen);
	if (d->tamper && routes.portid) /* its sweeps are ours, not tampering */
		ucf_tamper_own_route(d->tamper, routes.portid);
	free(media.items);
	free(blocks.items);
	ucf_ruleset_free(rs);
	return rc;
}

/* What the kernel admits as UC services, for the verdicts: E (and A) with
 * S∪R∪E, on the ports of the inspected uc.services and the static media
 * range. A service the classifier cannot see into (HTTP, TLS, LDAP) would
 * be found non-target and cut, so its ports are left to the port rules. */
static int verdict_policy(struct daemon *d, const struct ucf_config *cfg,
			  const struct ucf_catalog *cat)
{
	size_t ne = cfg->uc.endpoints.count, ns = cfg->uc.servers.count,
	       nr = cfg->appliance.remote_subnets.count, nports = 1;
	for (size_t i = 0; i < cfg->uc.services.count; i++) {
		const struct ucf_service *svc = ucf_catalog_find(cat, cfg->uc.services.items[i]);
		nports += svc && svc->inspected ? svc->port_count : 0;
	}
	struct ucf_prefix *e = calloc(ne + 1, sizeof(*e)), *peers = calloc(ne + ns + nr + 1, sizeof(*peers));
	struct ucf_service_port *ports = calloc(nports, sizeof(*ports));
	int rc = e && peers && ports ? 0 : -ENOMEM;
	if (rc == 0) {
		/* an empty list may have no array at all (R in appliance mode) */
		if (ne) {
			memcpy(e, cfg->uc.endpoints.items, ne * sizeof(*e));
			memcpy(peers, cfg->uc.endpoints.items, ne * sizeof(*e));
		}
		if (ns)
			memcpy(peers + ne, cfg->uc.servers.items, ns * sizeof(*e));
		if (nr)
			memcpy(peers + ne + ns, cfg->appliance.remote_subnets.items, nr * sizeof(*e));
		size_t np = ne + ns + nr;
		if (cfg->site.mode == UCF_MODE_APPLIANCE) /* the phones behind the MX */
			e[ne++] = cfg->appliance.address;
		size_t k = 0;
		for (size_t i = 0; i < cfg->uc.services.count; i++) {
			const struct ucf_service *svc = ucf_catalog_find(cat, cfg->uc.services.items[i]);
			for (size_t j = 0; svc && svc->inspected && j < svc->port_count; j++)
				ports[k++] = svc->ports[j];
		}
		if (cfg->uc.media.static_enabled)
			ports[k++] = (struct ucf_service_port){ IPPROTO_UDP, cfg->uc.media.static_range };
		struct ucf_verdict_policy p = { e, ne, peers, np, ports, k };
		rc = ucf_verdicts_set_policy(d->verdicts, &p);
	}
	free(e);
	free(peers);
	free(ports);
	return rc;
}

/* ---- the watcher and the feed --------------------------------------------- */

static void on_meraki_event(void *ctx, enum ucf_meraki_event kind, const char *text,
			    const struct ucf_alert *a)
{
	struct daemon *d = ctx;
	if (kind == UCF_MERAKI_ALERT)
		d->alerts_raised++;
	else if (kind == UCF_MERAKI_WARNING)
		ucf_log_warnx(d->opts.log, "meraki: %s", text);
	(void)a;
}

/* ---- the capture upload signal -------------------------------------------- */

static void upload_opts(const struct daemon *d, const struct ucf_config *cfg,
			struct ucf_upload_opts *o)
{
	const struct ucf_upload_signal *u = &cfg->appliance.upload_signal;
	*o = (struct ucf_upload_opts){
		.floor_Bps = u->floor_bps / 8,
		.multiple = u->multiple,
		.sustain_us = u->sustain_s * 1000000u,
		.settle_us = u->settle_s * 1000000u,
		.learning_us = u->learning_s * 1000000u,
		/* with a watcher, an episode waits for its finding (one alert) */
		.hold_us = d->meraki ? cfg->meraki.correlation_window_s * 1000000u : 0,
	};
}

/* An episode as alerts carry it: the detector's monotonic times made wall
 * clock, rates in bits/s. */
static void upload_figures(const struct daemon *d, const struct ucf_upload_episode *ep,
			   char appliance[64], struct ucf_upload_figures *f)
{
	const struct ucf_upload_signal *u = &d->cfg->appliance.upload_signal;
	uint64_t mono = mono_us();
	int64_t wall = (int64_t)(now_us() / 1000000u);
	uint64_t end = ep->end_us ? ep->end_us : mono;
	double span_s = end > ep->start_us ? (double)(end - ep->start_us) / 1e6 : 1;
	ucf_prefix_format(&d->cfg->appliance.address, appliance, 64);
	*f = (struct ucf_upload_figures){
		.appliance = appliance,
		.interface = d->cfg->interfaces.wan,
		.started = wall - (int64_t)((mono - ep->start_us) / 1000000u),
		.ended = ep->end_us ? wall - (int64_t)((mono - ep->end_us) / 1000000u) : 0,
		.bytes = ep->bytes,
		.mean_bps = (uint64_t)((double)ep->bytes * 8 / span_s),
		.peak_bps = ep->peak_Bps * 8,
		.threshold_bps = ep->threshold_Bps * 8,
		.baseline_bps = ep->baseline_Bps * 8,
		.floor_bps = u->floor_bps,
		.multiple = u->multiple,
		.sustain_s = u->sustain_s,
	};
}

static void raise_upload(struct daemon *d, const struct ucf_upload_episode *ep);

/* Reads the counter when due and raises what the detector says. */
static void upload_tick(struct daemon *d)
{
	const struct ucf_upload_signal *u = &d->cfg->appliance.upload_signal;
	uint64_t now = mono_ms();
	if (!d->upload || now < d->upload_next_ms)
		return;
	d->upload_next_ms = now + u->interval_s * 1000u;
	struct ucf_counter c;
	char err[256];
	if (ucf_enforcer_counter(d->enf, UCF_COUNTER_UPLOAD, &c, err, sizeof(err)) < 0) {
		if (strcmp(err, d->upload_error) != 0)
			ucf_log_warnx(d->opts.log, "upload signal: %s", err);
		snprintf(d->upload_error, sizeof(d->upload_error), "%s", err);
		d->upload_read = false;
		ucf_upload_gap(d->upload);
		return;
	}
	d->upload_error[0] = '\0';
	d->upload_read = true;
	d->upload_bytes = c.bytes;
	ucf_upload_sample(d->upload, mono_us(), c.bytes);
	struct ucf_upload_episode ep;
	if (ucf_upload_due(d->upload, mono_us(), &ep))
		raise_upload(d, &ep);
}

/* A held capture-suspected is raised as the agent stops, not lost. */
static void upload_flush(struct daemon *d)
{
	struct ucf_upload_episode ep;
	if (d->upload && d->cfg && ucf_upload_flush(d->upload, &ep))
		raise_upload(d, &ep);
}

static void raise_upload(struct daemon *d, const struct ucf_upload_episode *epp)
{
	const struct ucf_upload_signal *u = &d->cfg->appliance.upload_signal;
	struct ucf_upload_episode ep = *epp;
	char a[64], aerr[256];
	struct ucf_upload_figures f;
	upload_figures(d, &ep, a, &f);
	if (!u->enabled) {
		ucf_log_info(d->opts.log, "upload signal: episode %llu (peak %llu bit/s) not alerted: "
			     "appliance.upload_signal.enabled is false",
			     (unsigned long long)ep.seq, (unsigned long long)f.peak_bps);
		return;
	}
	struct ucf_alert *al = NULL;
	ucf_alert_capture_suspected(&al, d->cfg->site.name, (int64_t)(now_us() / 1000000u), &f,
				    aerr, sizeof(aerr));
	publish(d, al, aerr);
}

static bool capture_kind(const char *kind)
{
	static const char *const kinds[] = { UCF_KIND_PACKET_CAPTURE, UCF_KIND_CAPTURE_SCHEDULE,
					     UCF_KIND_CAPTURE_API_REQUEST,
					     UCF_KIND_CAPTURE_CONFIG_CHANGE, UCF_KIND_CAPTURE_EVENT };
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strcmp(kind, kinds[i]) == 0)
			return true;
	return false;
}

/* When the activity of a watcher alert happened, on the monotonic clock:
 * the capture's start, the request's or change's time; now when it names
 * none (or a time to come). */
static uint64_t activity_mono_us(const struct ucf_alert *a)
{
	static const char *const keys[] = { "started_at", "at", "updated_at", "created_at" };
	uint64_t mono = mono_us();
	int64_t wall = (int64_t)(now_us() / 1000000u), t;
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const char *text = json_string_value(json_object_get(a->details, keys[i]));
		if (!text || ucf_time_parse(text, &t) < 0)
			continue;
		if (t >= wall)
			return mono;
		uint64_t ago = (uint64_t)(wall - t) * 1000000u;
		return ago < mono ? mono - ago : 0;
	}
	return mono;
}

/* A watcher alert about a capture at this site: if the upload signal has
 * an episode at the time of its activity, the alert carries it (and the
 * held capture-suspected goes with it: one alert for what both saw). */
static void on_meraki_alert(void *ctx, struct ucf_alert *a)
{
	struct daemon *d = ctx;
	struct ucf_upload_episode ep;
	bool took;
	if (!d->upload || !capture_kind(a->kind) ||
	    !ucf_upload_finding(d->upload, activity_mono_us(a), &ep, &took))
		return;
	char addr[64], err[256];
	struct ucf_upload_figures f;
	upload_figures(d, &ep, addr, &f);
	if (ucf_alert_add_upload(a, &f, err, sizeof(err)) < 0)
		ucf_log_warnx(d->opts.log, "upload signal: %s", err);
	else
		ucf_log_info(d->opts.log, "upload signal: episode %llu carried by %s alert %s%s",
			     (unsigned long long)ep.seq, a->kind, a->id,
			     took ? " (no separate capture-suspected)" : "");
}

/* A successful fetch of the AutoVPN peers: the new last known good. */
static void on_meraki_peers(void *ctx, const char *const *addrs, size_t n, size_t dropped)
{
	struct daemon *d = ctx;
	char why[160], err[512];
	uint64_t refused = d->peers.refused, over = d->peers.over_cap;
	if (ucf_vpnpeers_learn(&d->peers, d->cfg, addrs, n, time(NULL), why, sizeof(why)) < 0) {
		ucf_log_warnx(d->opts.log, "vpn peers: out of memory; the previous ones stay");
		return;
	}
	d->peers_failed = false;
	d->peers.over_cap += dropped; /* the watcher's cap: also past ours */
	refused = d->peers.refused - refused;
	over = d->peers.over_cap - over;
	ucf_log_info(d->opts.log, "vpn peers: %zu listed by the Dashboard, %zu in force%s%s",
		     n, d->peers.count, refused ? "; refused: " : "", refused ? why : "");
	if (refused > 1)
		ucf_log_info(d->opts.log, "vpn peers: %llu addresses refused in all",
			     (unsigned long long)refused);
	if (over)
		ucf_log_warnx(d->opts.log, "vpn peers: %llu addresses beyond the cap of %d ignored",
			      (unsigned long long)over, UCF_VPN_PEERS_MAX);
	if (ucf_vpnpeers_save(&d->peers, d->cfg->state_dir, err, sizeof(err)) < 0)
		ucf_log_warnx(d->opts.log, "vpn peers: %s", err);
	peers_sync(d, d->cfg);
}

/* A fetch of the peers that failed: the last known good stay. */
static void on_meraki_peers_failed(void *ctx)
{
	struct daemon *d = ctx;
	d->peers_failed = true;
	d->peers_fetch_failures++;
}

static void stop_watch(struct daemon *d)
{
	ucf_meraki_free(d->meraki);
	ucf_feed_close(d->feed);
	ucf_http_free(d->http);
	d->meraki = NULL;
	d->feed = NULL;
	d->http = NULL;
}

/* The feed's retention pass reaches the watcher's state: the running
 * watcher's, or the file one left (meraki disabled since). */
static int retain_watch(void *ctx, int64_t cutoff, char *err, size_t errlen)
{
	struct daemon *d = ctx;
	return d->meraki ? ucf_meraki_prune(d->meraki, cutoff, NULL, err, errlen)
			 : ucf_meraki_state_prune(d->cfg->state_dir, cutoff, NULL, err, errlen);
}

/* The alert feed (kept open across reloads: they reconfigure it). It keeps
 * its own copy of cfg. */
static int start_feed(struct daemon *d, const struct ucf_config *cfg, char *err, size_t errlen)
{
	int rc = d->http ? 0 : ucf_http_new(&d->http, d->r, err, errlen);
	if (rc == 0 && !d->feed) {
		rc = ucf_feed_open(&d->feed, cfg, d->r, d->http, d->opts.log, err, errlen);
		char why[512];
		if (rc == 0 && ucf_feed_set_retainer(d->feed, retain_watch, d, why, sizeof(why)) < 0)
			ucf_log_warnx(d->opts.log, "alerts.retention: %s", why);
	}
	return rc;
}

/* The watcher for cfg (its own copy), replacing the running one only once
 * the new one is ready: a failure leaves the running watcher as it was. */
static int start_watcher(struct daemon *d, const struct ucf_config *cfg, char *err, size_t errlen)
{
	struct ucf_meraki_hooks hooks = { .event = on_meraki_event,
					  .peers = on_meraki_peers,
					  .peers_failed = on_meraki_peers_failed,
					  .annotate = on_meraki_alert };
	struct ucf_meraki *m = NULL;
	hooks.ctx = d;
	if (!cfg->meraki.enabled) {
		ucf_meraki_free(d->meraki);
		d->meraki = NULL;
		return 0;
	}
	if (!d->feed) {
		snprintf(err, errlen, "no alert feed to publish to");
		return -ENODEV;
	}
	int rc = ucf_meraki_new(&m, cfg, d->r, d->http, d->feed, &hooks, err, errlen);
	if (rc < 0)
		return rc;
	/* on the reactor thread: the old one's cycle in flight is cancelled
	 * before it could write its state; the new one polls again */
	ucf_meraki_free(d->meraki);
	d->meraki = m;
	ucf_meraki_start(m);
	return 0;
}

/* ---- tampering ------------------------------------------------------------ */

static void restore(struct daemon *d)
{
	char err[512], aerr[256];
	uint64_t t0 = mono_ms();
	int rc = enforce(d, d->cfg, d->cat, err, sizeof(err));
	int64_t took = rc == 0 ? (int64_t)(mono_ms() - t0) : -1;
	d->restore_due = false;
	if (rc < 0)
		ucf_log_warnx(d->opts.log, "could not restore the ruleset: %s", err);
	else
		d->restores++;
	if (d->restore_kind == UCF_TAMPER_LOST)
		return; /* a check, not a finding */
	ucf_log_info(d->opts.log, "tampering reverted in %lld ms: %s", (long long)took,
		     d->restore_what);
	struct ucf_alert *a = NULL;
	ucf_alert_ruleset_tampered(&a, d->cfg->site.name, time(NULL), d->restore_what, took, aerr,
				   sizeof(aerr));
	publish(d, a, aerr);
}

static void on_tamper(void *arg, enum ucf_tamper_kind kind, const char *what)
{
	struct daemon *d = arg;
	if (d->restore_due && d->restore_kind != UCF_TAMPER_LOST)
		return; /* already restoring for an earlier change of the same batch */
	d->restore_due = true;
	d->restore_kind = kind;
	snprintf(d->restore_what, sizeof(d->restore_what), "%s", what);
	restore(d); /* at once: enforcement is back within milliseconds */
}

/* ---- status --------------------------------------------------------------- */

/* The agent's state from its modules: s is cleared first (clear it after
 * use). 0 or -ENOMEM. */
static int status_fill(struct daemon *d, struct ucf_status *s)
{
	struct ucf_counter counters[UCF_REASON_COUNT];
	struct ucf_classifier_stats cs;
	struct ucf_pinholes_stats ps;
	struct ucf_verdicts_stats vs;
	char err[256];
	memset(s, 0, sizeof(*s));
	int rc = ucf_status_set_config(s, d->cfg, err, sizeof(err));
	if (rc < 0)
		return rc;
	s->uptime_s = (int64_t)(time(NULL) - d->started);
	s->pid = getpid();
	snprintf(s->table_ownership, sizeof(s->table_ownership), "%s",
		 ucf_enforcer_ownership(d->enf));
	s->drops_read = ucf_enforcer_counters(d->enf, counters, err, sizeof(err)) == 0;
	for (int i = 0; s->drops_read && i < UCF_REASON_COUNT; i++) {
		s->drops[i].packets = counters[i].packets;
		s->drops[i].bytes = counters[i].bytes;
	}
	ucf_classifier_get_stats(d->cls, &cs);
	ucf_pinholes_get_stats(d->pinholes, &ps);
	s->media.active = (uint32_t)ucf_pinholes_count(d->pinholes);
	s->media.learned_total = cs.media_learned;
	s->media.batches = ps.batches;
	s->media.errors = ps.errors;
	/* all zero without memory to sort */
	ucf_latency_summarize(ucf_pinholes_latency(d->pinholes), &s->media.latency);
	s->flows.active = cs.flows_active;
	s->flows.created = cs.flows_created;
	s->flows.evicted = cs.flows_evicted;
	s->flows.frames = cs.frames;
	s->flows.malformed = cs.malformed;
	s->streams.bytes = cs.stream_bytes;
	s->streams.bytes_peak = cs.stream_bytes_peak;
	s->streams.budget = cs.stream_budget;
	s->streams.evicted = cs.stream_evicted;
	s->streams.refused = cs.stream_refused;
	s->fragments.received = cs.fragments;
	s->fragments.reassembled = cs.reassembled;
	s->fragments.dropped = cs.fragments_dropped;
	s->fragments.evicted = cs.reasm_evicted;
	s->fragments.bytes = cs.reasm_bytes;
	s->fragments.budget = cs.reasm_budget;
	s->alerts.raised = d->alerts_raised;
	s->alerts.failed = d->alerts_failed;
	s->open_violation_windows = (uint32_t)ucf_violations_open(d->violations);
	s->config.loaded_at = d->loaded;
	s->config.reloads = d->reloads;
	s->config.reload_failures = d->reload_failures;
	snprintf(s->config.last_reload_error, sizeof(s->config.last_reload_error), "%s",
		 d->last_reload_error);
	s->tamper.restores = d->restores;
	/* what the trust boundary refused, and the verdicts made blocks */
	s->learning.announcements = cs.announcements;
	s->learning.calls = cs.calls_active;
	for (int i = 1; i < UCF_REFUSE_COUNT; i++) {
		s->learning.refused_by_reason[i] = cs.refused[i];
		s->learning.refused += cs.refused[i];
	}
	ucf_verdicts_get_stats(d->verdicts, &vs);
	s->verdicts.non_target = vs.verdicts;
	s->verdicts.blocked = vs.blocked;
	s->verdicts.rate_limited = vs.rate_limited;
	s->verdicts.held = vs.held;
	s->verdicts.batches = d->block_batches;
	s->verdicts.errors = d->block_errors;
	/* what the modules enforce now (a reload may have refused a change) */
	s->limits.flows = cs.flows_max;
	s->limits.media = cs.media_max;
	s->limits.pinholes = ucf_pinholes_cap(d->pinholes);
	s->limits.media_per_host = d->cfg->limits.media_per_host;
	s->limits.calls_per_host = d->cfg->limits.calls_per_host;
	s->enforcement.violation_window_s = ucf_violations_window(d->violations) / 1000000u;
	struct ucf_upload_stats us = { 0 };
	if (d->upload)
		ucf_upload_get_stats(d->upload, &us);
	s->upload.enabled = d->cfg->appliance.upload_signal.enabled;
	s->upload.counter_read = d->upload_read;
	s->upload.counter_bytes = d->upload_bytes;
	s->upload.rate_bps = us.rate_Bps * 8;
	s->upload.baseline_bps = us.baseline_Bps * 8;
	s->upload.threshold_bps = us.threshold_Bps * 8;
	s->upload.in_episode = us.in_episode;
	s->upload.episodes = us.episodes;
	s->upload.alerts = us.raised;
	s->upload.correlated = us.correlated;
	/* figures only: the addresses stay out of the status and metrics */
	s->vpn_peers.learning = d->cfg->meraki.enabled && d->cfg->meraki.vpn_peers;
	s->vpn_peers.configured = (uint32_t)d->cfg->appliance.vpn_peers.count;
	s->vpn_peers.learned = (uint32_t)ucf_vpnpeers_live(&d->peers, d->cfg, time(NULL));
	s->vpn_peers.refused = d->peers.refused;
	s->vpn_peers.over_cap = d->peers.over_cap;
	s->vpn_peers.last_fetch = d->peers.learned_at;
	s->vpn_peers.last_fetch_failed = d->peers_failed;
	s->vpn_peers.fetch_failures = d->peers_fetch_failures;
	struct ucf_resolver_stats rs;
	struct ucf_prefix open_addrs[OPEN_ADDRS_MAX];
	ucf_resolver_get_stats(d->resolver, &rs);
	s->open.hosts = (uint32_t)d->cfg->appliance.open.hosts.count;
	s->open.resolved = (uint32_t)ucf_resolver_addrs(d->resolver, d->cfg, open_addrs,
							 sizeof(open_addrs) / sizeof(open_addrs[0]));
	s->open.resolve_failures = d->open_stats.failures + rs.failures;
	s->open.refused = d->open_stats.refused + rs.refused;
	struct ucf_sendq_stats ws = { 0 };
	if (d->feed)
		ucf_feed_webhook_stats(d->feed, &ws);
	s->webhook.configured = d->feed && d->cfg->alerts.webhook_url;
	s->webhook.queued = ws.queued;
	s->webhook.delivered = ws.delivered;
	s->webhook.failures = ws.failures;
	s->webhook.dead = ws.dead;
	snprintf(s->webhook.last_error, sizeof(s->webhook.last_error), "%s", ws.last_error);
	const struct ucf_alertmanager *am = d->feed ? ucf_feed_alertmanager(d->feed) : NULL;
	s->alertmanager.peers = (uint32_t)ucf_alertmanager_peer_count(am);
	for (size_t i = 0; i < s->alertmanager.peers; i++) {
		struct ucf_sendq_stats peer;
		ucf_alertmanager_peer(am, i, &peer);
		s->alertmanager.queued += peer.queued;
		s->alertmanager.delivered += peer.delivered;
		s->alertmanager.failures += peer.failures;
		s->alertmanager.dead += peer.dead;
	}
	return 0;
}

/* ---- erasure on request ---------------------------------------------------- */

static bool forget_match(void *arg, uint8_t family, const uint8_t *addr)
{
	return ucf_erase_addr_is(arg, family, addr);
}

static int reply_json(json_t *o, char **reply)
{
	char *text = o ? json_dumps(o, JSON_INDENT(2)) : NULL;
	json_decref(o);
	*reply = NULL;
	if (text && asprintf(reply, "%s\n", text) < 0)
		*reply = NULL;
	free(text);
	return *reply ? 0 : -ENOMEM;
}

/* Risks waiting for the burst's end name their address too. */
static size_t forget_queued_risks(struct daemon *d, const struct ucf_erase_target *t)
{
	size_t kept = 0, n = d->nlater;
	for (size_t i = 0; i < n; i++)
		if (!ucf_erase_addr_is(t, d->later[i].risk.family, d->later[i].risk.addr))
			d->later[kept++] = d->later[i];
	d->nlater = kept;
	return n - kept;
}

/* "forget ADDRESS|MAC" (arg) or "purge" (arg NULL), for `ucfence alerts
 * --forget/--purge`: the files through the feed (whose lock this process
 * holds) and the watcher, and what the agent remembers about the address
 * in memory: open violation windows, the risk memory and queued risks.
 * Learned media, flows and verdict blocks are enforcement state that
 * expires on its own (a call's end, media and flow timeouts, the blocks'
 * hour) and stay. One data-erased alert says what went, never the value. */
static int erase_request(struct daemon *d, const char *arg, char **reply)
{
	struct ucf_erase_target t, *tp = NULL;
	struct ucf_feed_erased fe = { 0 };
	size_t meraki = 0;
	char err[512] = "";
	int rc = 0;
	if (arg && (rc = ucf_erase_parse(arg, &t, err, sizeof(err))) == 0)
		tp = &t;
	if (rc == 0 && !d->feed) {
		snprintf(err, sizeof(err), "the agent has no alert feed open (see its log): nothing "
			 "erased");
		rc = -ENODEV;
	}
	if (rc < 0)
		return reply_json(json_pack("{s:s}", "error", err), reply);
	rc = ucf_feed_erase(d->feed, tp, &fe, err, sizeof(err));
	/* a purge keeps the watcher's memory: it stops old findings being alerted again */
	if (rc == 0 && tp)
		rc = d->meraki ? ucf_meraki_erase(d->meraki, tp, &meraki, err, sizeof(err))
			       : ucf_meraki_erase_file(d->cfg->state_dir, tp, &meraki, err,
						       sizeof(err));
	json_t *counts = ucf_feed_erased_json(&fe);
	if (counts && tp) {
		uint32_t windows = ucf_violations_forget(d->violations, forget_match, tp) +
				   ucf_violations_forget(d->refusals, forget_match, tp);
		int risks = ucf_classifier_forget_risks(d->cls, forget_match, tp);
		if (risks < 0 && rc == 0) {
			snprintf(err, sizeof(err), "out of memory erasing the risk memory");
			rc = risks;
		}
		json_object_set_new(counts, UCF_MERAKI_STATE_FILE, json_integer((json_int_t)meraki));
		json_object_set_new(counts, "violation-windows", json_integer(windows));
		json_object_set_new(counts, "risk-memory",
				    json_integer((json_int_t)(risks > 0 ? risks : 0) +
						 (json_int_t)forget_queued_risks(d, tp)));
	}
	if (!counts)
		return -ENOMEM;
	json_t *out = json_pack("{s:s, s:O}", "action", tp ? "forget" : "purge", "removed", counts);
	if (out && rc < 0)
		json_object_set_new(out, "error", json_string(err));
	char aerr[256];
	struct ucf_alert *a = NULL;
	ucf_alert_data_erased(&a, d->cfg->site.name, time(NULL), tp ? "forget" : "purge",
			      tp ? ucf_erase_kind_text(tp) : NULL, counts, aerr, sizeof(aerr));
	publish(d, a, aerr);
	ucf_log_info(d->opts.log, "%s on request (%s)", tp ? "records erased" : "alert data purged",
		     tp ? ucf_erase_kind_text(tp) : "all alert files");
	return reply_json(out, reply);
}

static int on_request(void *arg, const char *request, char **reply)
{
	struct daemon *d = arg;
	if (strncmp(request, "forget ", 7) == 0)
		return erase_request(d, request + 7, reply);
	if (strcmp(request, "purge") == 0)
		return erase_request(d, NULL, reply);
	if (strcmp(request, "status") != 0) {
		*reply = strdup("{\"error\": \"unknown request\"}\n");
		return *reply ? 0 : -ENOMEM;
	}
	struct ucf_status st;
	json_t *s = status_fill(d, &st) == 0 ? ucf_status_to_json(&st) : NULL;
	ucf_status_clear(&st);
	char *text = s ? json_dumps(s, JSON_INDENT(2)) : NULL;
	json_decref(s);
	if (!text)
		return -ENOMEM;
	*reply = NULL;
	if (asprintf(reply, "%s\n", text) < 0)
		*reply = NULL;
	free(text);
	return *reply ? 0 : -ENOMEM;
}

/* ---- reload, tick, signals ------------------------------------------------ */

static bool same_interfaces(const struct ucf_config *a, const struct ucf_config *b)
{
	if (a->interfaces.uc_count != b->interfaces.uc_count ||
	    strcmp(a->interfaces.appliance, b->interfaces.appliance) != 0)
		return false;
	for (size_t i = 0; i < a->interfaces.uc_count; i++)
		if (strcmp(a->interfaces.uc[i].name, b->interfaces.uc[i].name) != 0)
			return false;
	return true;
}

/* Appends "; text" (or text) to a reload's refusals. */
__attribute__((format(printf, 3, 4))) static void refuse(char *buf, size_t len,
							 const char *fmt, ...)
{
	size_t used = strlen(buf);
	if (used && used + 2 < len) {
		memcpy(buf + used, "; ", 3);
		used += 2;
	}
	va_list ap;
	va_start(ap, fmt);
	if (used < len)
		vsnprintf(buf + used, len - used, fmt, ap);
	va_end(ap);
}

static void swap_bytes(void *a, void *b, size_t n)
{
	unsigned char tmp[512];
	for (size_t done = 0; done < n; done += sizeof(tmp)) {
		size_t k = n - done < sizeof(tmp) ? n - done : sizeof(tmp);
		memcpy(tmp, (char *)a + done, k);
		memcpy((char *)a + done, (char *)b + done, k);
		memcpy((char *)b + done, tmp, k);
	}
}
/* A refused section or setting keeps its running value: swapped back into
 * the new config (whose old one is freed with the other), so the config in
 * force says what runs. */
#define KEEP(run, cfg, field) swap_bytes(&(run)->field, &(cfg)->field, sizeof((cfg)->field))

/* Replaces *field with a copy of keep. 0 or -ENOMEM (nothing changed). */
static int keep_str(char **field, const char *keep)
{
	char *copy = strdup(keep);
	if (!copy)
		return -ENOMEM;
	free(*field);
	*field = copy;
	return 0;
}

/* Settings that cannot change without a restart, taken back (copied from
 * the running config, which stays whole should the reload fail) before
 * anything is applied (see ucfence(8), RELOADING). 0 or -ENOMEM. */
static int keep_fixed(const struct ucf_config *run, struct ucf_config *cfg, char *refused,
		      size_t len)
{
	if (strcmp(run->state_dir, cfg->state_dir) == 0)
		return 0;
	/* a spool left to its default follows state_dir: it stays too */
	char def[4200];
	snprintf(def, sizeof(def), "%s/alerts.jsonl", cfg->state_dir);
	if (strcmp(cfg->alerts.spool, def) == 0 && keep_str(&cfg->alerts.spool, run->alerts.spool) < 0)
		return -ENOMEM;
	refuse(refused, len,
	       "state_dir cannot change without a restart (the feed lock, the webhook queue and "
	       "the watcher's state live there): %s stays in use, restart to move to %s",
	       run->state_dir, cfg->state_dir);
	return keep_str(&cfg->state_dir, run->state_dir);
}

/* limits.flows and limits.media, in the classifier's tables and the
 * pinholes; a cap below current use is refused and the old one stays. */
static void apply_limits(struct daemon *d, struct ucf_config *cfg, char *refused, size_t len)
{
	const struct ucf_config *run = d->cfg;
	char why[256];
	uint32_t media = cfg->limits.media, flows = cfg->limits.flows;
	if (media != run->limits.media &&
	    ucf_pinholes_set_cap(d->pinholes, media, why, sizeof(why)) < 0) {
		refuse(refused, len, "limits.media: %s: %u stays", why, run->limits.media);
		media = cfg->limits.media = run->limits.media;
	}
	if (ucf_classifier_set_caps(d->cls, flows, media, why, sizeof(why)) < 0) {
		refuse(refused, len, "%s: the running cap stays", why);
		struct ucf_classifier_stats cs;
		ucf_classifier_get_stats(d->cls, &cs);
		cfg->limits.flows = cs.flows_max;
		if (cs.media_max != media) /* the pinholes follow the classifier back */
			ucf_pinholes_set_cap(d->pinholes, cs.media_max, why, sizeof(why));
		cfg->limits.media = cs.media_max;
	}
}

/* How much of a URL to log: scheme and host, never the path or query (a
 * Slack-style hook's path is its secret). */
static int url_origin_len(const char *url)
{
	const char *host = strstr(url, "://");
	size_t n = host ? (size_t)(host + 3 - url) + strcspn(host + 3, "/?#") : strlen(url);
	return n > INT_MAX ? INT_MAX : (int)n;
}

/* The alert feed and the watcher: left alone unless their settings changed;
 * the feed is reconfigured in place, never reopened. */
static void apply_alerts(struct daemon *d, struct ucf_config *cfg, unsigned changed,
			 char *refused, size_t len)
{
	char err[512];
	bool opened = false;
	if (!d->feed) { /* it could not start: a reload tries again */
		if (start_feed(d, cfg, err, sizeof(err)) < 0) {
			ucf_log_warnx(d->opts.log,
				      "alert feed: %s (enforcing without alerts until a reload)", err);
			return;
		}
		opened = true;
	} else if (changed & UCF_SECTION_ALERTS) {
		if (ucf_feed_reconfigure(d->feed, cfg, err, sizeof(err)) < 0) {
			refuse(refused, len, "alerts: %s: the running alert settings stay", err);
			KEEP(d->cfg, cfg, alerts);
		} else {
			const char *url = cfg->alerts.webhook_url ? cfg->alerts.webhook_url : "none";
			size_t peers = cfg->alerts.alertmanager.urls.count;
			ucf_log_info(d->opts.log,
				     "alert feed reconfigured (spool %s, webhook %.*s, %zu Alertmanager "
				     "peer%s)",
				     cfg->alerts.spool, url_origin_len(url), url, peers,
				     peers == 1 ? "" : "s");
		}
	} else {
		ucf_log_info(d->opts.log, "alert feed unchanged");
	}
	/* the watcher names the site in its alerts */
	if (!opened && !(changed & (UCF_SECTION_MERAKI | UCF_SECTION_SITE)) &&
	    (d->meraki != NULL) == cfg->meraki.enabled)
		return;
	if (start_watcher(d, cfg, err, sizeof(err)) < 0) {
		refuse(refused, len, "meraki: %s: %s", err,
		       d->meraki ? "the watcher keeps its previous settings" : "no watcher runs");
		KEEP(d->cfg, cfg, meraki);
	}
}

static void reload(struct daemon *d)
{
	struct ucf_catalog *cat = NULL;
	struct ucf_config *cfg = NULL;
	char err[512], refused[1024] = "";
	d->reloads++;
	int rc = ucf_cli_load_site(&d->opts.cli, &cat, &cfg, err, sizeof(err));
	if (rc == 0 && (rc = keep_fixed(d->cfg, cfg, refused, sizeof(refused))) < 0)
		snprintf(err, sizeof(err), "out of memory");
	if (rc == 0)
		rc = enforce(d, cfg, cat, err, sizeof(err));
	if (rc < 0) {
		d->reload_failures++;
		snprintf(d->last_reload_error, sizeof(d->last_reload_error), "%s", err);
		ucf_log_warnx(d->opts.log, "reload refused, the running ruleset stays in force: %s",
			      err);
		sd_notifyf(0, "STATUS=reload refused: %s", err);
		ucf_config_free(cfg);
		ucf_catalog_free(cat);
		return;
	}
	const char *keys[64];
	size_t nkeys = ucf_config_diff(d->cfg, cfg, keys, 64);
	char list[1024] = "";
	for (size_t i = 0, used = 0; i < nkeys && i < 64 && used < sizeof(list); i++)
		used += (size_t)snprintf(list + used, sizeof(list) - used, "%s%s", i ? ", " : "",
					 keys[i]);
	ucf_log_info(d->opts.log, "reload: %s", nkeys ? list : "no setting changed");
	unsigned changed = ucf_config_sections_changed(d->cfg, cfg);
	bool reopen = !same_interfaces(d->cfg, cfg);
	if (reopen)
		close_captures(d);
	apply_limits(d, cfg, refused, sizeof(refused));
	if (!same_strings(&d->cfg->appliance.open.hosts, &cfg->appliance.open.hosts) &&
	    open_hosts_set(d, cfg) < 0)
		refuse(refused, sizeof(refused), "out of memory for appliance.open's host names");
	ucf_pinholes_set_refresh(d->pinholes, refresh_period(cfg));
	/* a server or service taken out of the site stops teaching at once */
	struct ucf_classifier_opts copts;
	ucf_classifier_opts_from_config(&copts, cfg, cat);
	if (ucf_classifier_set_trust(d->cls, &copts, err, sizeof(err)) < 0) {
		refuse(refused, sizeof(refused), "%s: the previous trust boundary stays", err);
		KEEP(d->cfg, cfg, uc.media.timeout_s);
	}
	if (verdict_policy(d, cfg, cat) < 0)
		refuse(refused, sizeof(refused), "out of memory for the verdict policy: the previous one stays");
	uint64_t window_us = cfg->enforcement.violation_window_s * 1000000u;
	ucf_violations_set_window(d->violations, window_us);
	ucf_violations_set_window(d->refusals, window_us);
	apply_alerts(d, cfg, changed, refused, sizeof(refused));
	struct ucf_upload_opts uo;
	upload_opts(d, cfg, &uo);
	ucf_upload_set_opts(d->upload, &uo); /* the config loader checked them */
	if (cfg->appliance.upload_signal.interval_s != d->cfg->appliance.upload_signal.interval_s)
		d->upload_next_ms = 0;
	struct ucf_config *old = d->cfg;
	d->cfg = cfg; /* the audit alerts name the new site */
	audit_reload(d, old, cfg);
	ucf_config_free(old);
	ucf_catalog_free(d->cat);
	d->cat = cat;
	d->loaded = time(NULL);
	if (reopen && open_captures(d, err, sizeof(err)) < 0)
		refuse(refused, sizeof(refused), "captures: %s (enforcement continues without learning)", err);
	snprintf(d->last_reload_error, sizeof(d->last_reload_error), "%s", refused);
	if (refused[0]) {
		d->reload_failures++;
		ucf_log_warnx(d->opts.log, "reload: refused in part, the rest applied: %s", refused);
		sd_notifyf(0, "STATUS=enforcing %s (%s mode), reloaded; refused: %s", cfg->site.name,
			   ucf_mode_name(cfg->site.mode), refused);
		return;
	}
	ucf_log_info(d->opts.log, "configuration reloaded from %s", cfg->source);
	sd_notifyf(0, "STATUS=enforcing %s (%s mode), reloaded", cfg->site.name,
		   ucf_mode_name(cfg->site.mode));
}

static void write_metrics(struct daemon *d)
{
	char err[256];
	if (!d->cfg->metrics.textfile || time(NULL) - d->last_metrics < METRICS_EVERY_S)
		return;
	d->last_metrics = time(NULL);
	struct ucf_status s;
	if (status_fill(d, &s) < 0)
		ucf_log_warnx(d->opts.log, "metrics: out of memory for the status");
	else if (ucf_metrics_write(d->cfg->metrics.textfile, &s, err, sizeof(err)) < 0)
		ucf_log_warnx(d->opts.log, "metrics: %s", err);
	ucf_status_clear(&s);
}

static void on_tick(void *arg)
{
	struct daemon *d = arg;
	uint64_t now = now_us();
	ucf_classifier_tick(d->cls, now);
	ucf_violations_tick(d->violations, now);
	ucf_violations_tick(d->refusals, now);
	ucf_verdicts_expire(d->verdicts, now);
	ucf_pinholes_tick(d->pinholes, mono_us());
	commit_pinholes(d);
	commit_blocks(d);
	upload_tick(d);
	peers_tick(d);
	open_tick(d);
	write_metrics(d);
	if (d->watchdog)
		sd_notify(0, "WATCHDOG=1");
	ucf_timer_arm(d->r, &d->tick, TICK_MS, on_tick, d);
}

static void on_signal(void *arg, int fd, uint32_t events)
{
	struct daemon *d = arg;
	struct signalfd_siginfo si;
	(void)events;
	while (read(fd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			sd_notifyf(0, "RELOADING=1\nMONOTONIC_USEC=%llu",
				   (unsigned long long)mono_ms() * 1000u);
			reload(d);
			sd_notify(0, "READY=1");
		} else {
			d->stop = true;
			d->stop_signo = (int)si.ssi_signo;
		}
	}
}

/* ---- start and stop ------------------------------------------------------- */

static int start(struct daemon *d, char *err, size_t errlen)
{
	struct ucf_classifier_opts copts;
	int rc = ucf_cli_load_site(&d->opts.cli, &d->cat, &d->cfg, err, errlen);
	if (rc < 0)
		return rc;
	d->started = d->loaded = time(NULL);
	if ((rc = ucf_reactor_new(&d->r, err, errlen)) < 0)
		return rc;
	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	d->sigfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (d->sigfd < 0)
		rc = -errno;
	else
		rc = ucf_reactor_watch(d->r, d->sigfd, EPOLLIN, on_signal, d);
	if (rc < 0) {
		snprintf(err, errlen, "signals: %s", strerror(-rc));
		return rc;
	}
	struct ucf_pinholes_opts popts = { .cap = d->cfg->limits.media,
					   .refresh_s = refresh_period(d->cfg),
					   .grace_us = END_GRACE_US,
					   .commit = media_commit,
					   .arg = d };
	if ((rc = ucf_pinholes_new(&popts, &d->pinholes, err, errlen)) < 0 ||
	    (rc = ucf_verdicts_new(MAX_CARRIED_BLOCKS, UCF_BLOCK_TIMEOUT_S, &d->verdicts, err,
				   errlen)) < 0 ||
	    (rc = ucf_enforcer_open(&d->enf, err, errlen)) < 0)
		return rc;
	if ((rc = verdict_policy(d, d->cfg, d->cat)) < 0) {
		snprintf(err, errlen, "out of memory for the verdict policy");
		return rc;
	}
	if (d->opts.no_table_owner && (rc = ucf_enforcer_set_ownership(d->enf, false)) < 0) {
		snprintf(err, errlen, "cannot give up table ownership: %s", strerror(-rc));
		return rc;
	}
	if (open_hosts_set(d, d->cfg) < 0) {
		snprintf(err, errlen, "out of memory for appliance.open's host names");
		return -ENOMEM;
	}
	/* The last known good AutoVPN peers, until the watcher's next fetch. */
	size_t dropped = 0;
	char perr[512];
	if (ucf_vpnpeers_load(&d->peers, d->cfg, d->cfg->state_dir, time(NULL), &dropped, perr,
			      sizeof(perr)) < 0)
		ucf_log_warnx(d->opts.log, "vpn peers: %s (starting without learned peers)", perr);
	else if (d->peers.count || dropped)
		ucf_log_info(d->opts.log, "vpn peers: %zu reloaded from the state, %zu dropped",
			     d->peers.count, dropped);
	if ((rc = enforce(d, d->cfg, d->cat, err, errlen)) < 0)
		return rc;
	ucf_classifier_opts_from_config(&copts, d->cfg, d->cat);
	struct ucf_classifier_hooks hooks = { .arg = d, .media = on_media, .verdict = on_verdict,
					      .refused = on_refused, .risk = on_risk };
	if ((rc = ucf_classifier_new(&copts, &hooks, &d->cls, err, errlen)) < 0)
		return rc;
	if ((rc = ucf_violations_new(d->cfg->enforcement.violation_window_s * 1000000u, 4096,
				     on_drop_window, d, &d->violations)) < 0 ||
	    (rc = ucf_violations_new(d->cfg->enforcement.violation_window_s * 1000000u, 4096,
				     on_refusal_window, d, &d->refusals)) < 0 ||
	    (rc = ucf_nflog_open(d->r, UCF_NFLOG_GROUP, on_logged, d, &d->nflog, err, errlen)) < 0 ||
	    (rc = ucf_tamper_open(d->r, UCF_TABLE, UCF_RTPROT, on_tamper, d, &d->tamper, err,
				  errlen)) < 0 ||
	    (rc = open_captures(d, err, errlen)) < 0 ||
	    (rc = ucf_control_listen(d->r, d->opts.control_path, on_request, d, &d->control, err,
				     errlen)) < 0)
		return rc;
	/* the agent's own batches, known by port id (its PID may be a container's) */
	ucf_tamper_own_nft(d->tamper, ucf_enforcer_portid(d->enf));
	/* Enforcement does not wait for the alert feed (a spool it cannot read,
	 * another process holding it): it runs without, a reload tries again. */
	char ferr[512];
	if (start_feed(d, d->cfg, ferr, sizeof(ferr)) < 0)
		ucf_log_warnx(d->opts.log, "alert feed: %s (enforcing without alerts until a reload)",
			      ferr);
	else if (start_watcher(d, d->cfg, ferr, sizeof(ferr)) < 0)
		ucf_log_warnx(d->opts.log,
			      "meraki: %s (enforcing and alerting without the watcher until a reload)",
			      ferr);
	struct ucf_upload_opts uo;
	upload_opts(d, d->cfg, &uo);
	if ((rc = ucf_upload_new(&uo, &d->upload)) < 0) {
		snprintf(err, errlen, "upload signal: %s", strerror(-rc));
		return rc;
	}
	if (d->cfg->enforcement.action == UCF_ACTION_MONITOR) {
		audit(d, UCF_ENF_STOPPED, "ucfence run started with enforcement.action monitor: drops "
		      "are counted, not enforced", "ucfence run");
		audit_mark(d, "enforcement.action monitor");
	} else {
		audit_restored(d, "ucfence run started");
	}
	uint64_t watchdog_us = 0;
	d->watchdog = sd_watchdog_enabled(0, &watchdog_us) > 0;
	if (d->watchdog && watchdog_us < 2u * TICK_MS * 1000u)
		ucf_log_warnx(d->opts.log,
			      "WatchdogSec= below %u s: the agent pings the watchdog every %u ms",
			      2u * TICK_MS / 1000u, TICK_MS);
	ucf_timer_arm(d->r, &d->tick, TICK_MS, on_tick, d);
	return 0;
}

/* The stop in the audit trail: with --flush-on-exit enforcement ends
 * (critical), else the ruleset stays but learning and alerting stop. */
static void audit_stop(struct daemon *d)
{
	char what[256], by[64];
	const char *sig = d->stop_signo == SIGINT ? "SIGINT" : "SIGTERM";
	snprintf(by, sizeof(by), "ucfence run (%s)", sig);
	if (d->opts.flush_on_exit) {
		snprintf(what, sizeof(what), "ucfence run --flush-on-exit removed table inet ucfence "
			 "and its routes on %s", sig);
		audit(d, UCF_ENF_STOPPED, what, by);
		audit_mark(d, "ucfence run --flush-on-exit");
	} else {
		snprintf(what, sizeof(what), "agent stopped by %s: the ruleset stays in force, media "
			 "learning and alerting stop", sig);
		audit(d, UCF_ENF_WEAKENED, what, by);
		audit_mark(d, "the agent stopped");
	}
}

/* The webhook is sent on the reactor: a moment for the last alerts. */
#define STOP_WEBHOOK_WAIT_MS 3000

static void finish(struct daemon *d, bool started)
{
	char err[256];
	alert_queued_risks(d);
	upload_flush(d);
	if (d->violations)
		ucf_violations_flush(d->violations); /* report the windows still open */
	if (d->refusals)
		ucf_violations_flush(d->refusals);
	if (started && d->stop)
		audit_stop(d);
	if (d->opts.flush_on_exit && d->enf) {
		size_t removed;
		bool existed;
		if (ucf_enforcer_flush(d->enf, &existed, err, sizeof(err)) < 0 ||
		    ucf_routes_flush(&removed, err, sizeof(err)) < 0)
			ucf_log_warnx(d->opts.log, "flush on exit: %s", err);
	}
	if (d->r)
		ucf_timer_cancel(d->r, &d->tick);
	ucf_control_close(d->control);
	d->control = NULL;
	close_captures(d);
	ucf_tamper_close(d->tamper); /* before the wait: a flushed table is not restored */
	d->tamper = NULL;
	ucf_nflog_close(d->nflog);
	d->nflog = NULL;
	uint64_t until = mono_ms() + STOP_WEBHOOK_WAIT_MS;
	while (d->feed && ucf_feed_busy(d->feed) && mono_ms() < until)
		ucf_reactor_dispatch(d->r, 100);
	stop_watch(d);
	ucf_violations_free(d->violations);
	ucf_violations_free(d->refusals);
	ucf_classifier_free(d->cls);
	ucf_verdicts_free(d->verdicts);
	ucf_enforcer_close(d->enf); /* the table stays (fail closed) unless flushed */
	ucf_pinholes_free(d->pinholes);
	ucf_upload_free(d->upload);
	ucf_vpnpeers_clear(&d->peers);
	ucf_resolver_free(d->resolver);
	free(d->later);
	free(d->later_refusals);
	if (d->sigfd >= 0) {
		if (d->r)
			ucf_reactor_watch(d->r, d->sigfd, 0, NULL, NULL);
		close(d->sigfd);
	}
	ucf_reactor_free(d->r);
	ucf_config_free(d->cfg);
	ucf_catalog_free(d->cat);
}

/* The pause after a busy capture read (see PACE_US). */
static void pace(struct daemon *d)
{
	uint64_t until = d->pace_until_us;
	d->pace_until_us = 0;
	if (!until || mono_us() >= until)
		return;
	struct timespec ts = { .tv_sec = (time_t)(until / 1000000u),
			       .tv_nsec = (long)(until % 1000000u) * 1000L };
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

int ucf_daemon_run(const struct ucf_daemon_opts *opts, char *err, size_t errlen)
{
	struct daemon *d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->opts = *opts;
	d->sigfd = -1;
	int rc = start(d, err, errlen);
	bool started = rc == 0;
	if (started) {
		ucf_log_info(d->opts.log, "enforcing %s (%s mode), table ownership %s",
			     d->cfg->site.name, ucf_mode_name(d->cfg->site.mode),
			     ucf_enforcer_ownership(d->enf));
		sd_notifyf(0, "READY=1\nSTATUS=enforcing %s (%s mode)", d->cfg->site.name,
			   ucf_mode_name(d->cfg->site.mode));
		while (!d->stop) {
			pace(d);
			rc = ucf_reactor_dispatch(d->r, -1);
			if (rc < 0 && rc != -EINTR) {
				snprintf(err, errlen, "event loop: %s", strerror(-rc));
				break;
			}
			rc = 0;
		}
		sd_notify(0, "STOPPING=1");
	}
	finish(d, started);
	free(d);
	return rc;
}
