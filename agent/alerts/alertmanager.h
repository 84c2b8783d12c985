/* alertmanager.h — alerts.alertmanager: every alert POSTed to each peer of
 * an Alertmanager cluster (v2 API, POST BASE/api/v2/alerts). Peers gossip
 * notifications, not alerts, so a client posts to every peer, as Prometheus
 * does; two ucfence processes raising the same finding post the same labels
 * and the cluster notifies it once.
 *
 * Each peer has a durable queue of its own (sendq.h): one peer that is down
 * never delays the others, and gets everything queued, in order, none twice
 * by ucfence, when it is back. Its files in STATE_DIR are
 * alertmanager-<16 hex>-queue.jsonl and alertmanager-<16 hex>-dead.jsonl,
 * the hex a hash of the peer's URL as written (ucf_alertmanager_files).
 *
 * The body (ucf_alertmanager_payload) is a postableAlerts array of one
 * alert: labels alertname (the kind), severity, site and alert_id (the
 * alert's stable id: the same finding has the same id wherever it is
 * raised); annotations summary and description; startsAt the alert's time;
 * endsAt the later of that and the moment of posting, plus
 * alerts.alertmanager.resolve_after. A finding is a one-shot event: it fires
 * for resolve_after and then resolves in Alertmanager, and one posted late
 * (its peer was down) still fires for that long. No generatorURL: nothing
 * of ucfence's has one. Logs name a peer by scheme and host only. */
#ifndef UCF_ALERTMANAGER_H
#define UCF_ALERTMANAGER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "alert.h"
#include "config.h"
#include "erase.h"
#include "http.h"
#include "log.h"
#include "reactor.h"
#include "sendq.h"

/* Its files in STATE_DIR, for listings (the inventory, erasure counts). */
#define UCF_AM_QUEUE_FILES "alertmanager-*-queue.jsonl"
#define UCF_AM_DEAD_FILES "alertmanager-*-dead.jsonl"
#define UCF_AM_FILE_LEN 64

struct ucf_alertmanager;

/* One queue per cfg->alerts.alertmanager.urls (none configured: *out is
 * NULL, 0). Sends nothing yet (ucf_alertmanager_kick). */
int ucf_alertmanager_open(struct ucf_alertmanager **out, const struct ucf_config *cfg,
			  struct ucf_reactor *r, struct ucf_http *h, const struct ucf_log *log,
			  char *err, size_t errlen);
void ucf_alertmanager_close(struct ucf_alertmanager *am);
/* A reload from old to cfg: peers that stay keep their queues and backoff
 * (retargeted, starting over, only when resolve_after, ca_file or
 * credentials changed); new peers get a queue (what an earlier run left on
 * disk is sent); a peer removed leaves its files on disk (pruned and erased
 * all the same). On error nothing changes. cfg must configure at least one
 * URL (close the set otherwise). */
int ucf_alertmanager_reconfigure(struct ucf_alertmanager *am, const struct ucf_config *old,
				 const struct ucf_config *cfg, char *err, size_t errlen);

/* Durably queues a for every peer that does not hold it queued yet. */
int ucf_alertmanager_enqueue(struct ucf_alertmanager *am, const struct ucf_alert *a, char *err,
			     size_t errlen);
void ucf_alertmanager_kick(struct ucf_alertmanager *am);
/* A POST to some peer is in flight. */
bool ucf_alertmanager_busy(const struct ucf_alertmanager *am);
size_t ucf_alertmanager_peer_count(const struct ucf_alertmanager *am);
/* Peer i's log name ("alertmanager http://127.0.0.1:9093") and counters. */
const char *ucf_alertmanager_peer(const struct ucf_alertmanager *am, size_t i,
				  struct ucf_sendq_stats *stats);

/* Retention: every peer's queue and dead letters (am may be NULL), and the
 * files of peers no longer configured, in state_dir. *expired: queued
 * alerts dropped undelivered. */
int ucf_alertmanager_prune(struct ucf_alertmanager *am, const char *state_dir, int64_t cutoff,
			   size_t *expired, char *err, size_t errlen);
/* Erasure on request (t NULL: everything), the same files: counts of queued
 * alerts and dead letters that went. */
int ucf_alertmanager_erase(struct ucf_alertmanager *am, const char *state_dir,
			   const struct ucf_erase_target *t, size_t *queued, size_t *dead,
			   char *err, size_t errlen);

/* ---- the pieces, for tests and `check` ----------------------------------- */

/* The body (see above) for a, posted at now. Caller frees; NULL on ENOMEM. */
char *ucf_alertmanager_payload(const struct ucf_alert *a, uint64_t resolve_after_s, int64_t now);
/* Where a base URL's alerts go: BASE/api/v2/alerts (a trailing '/' of BASE
 * dropped). -ENAMETOOLONG if it does not fit. */
int ucf_alertmanager_post_url(const char *base, char *out, size_t outlen);
/* "scheme://host[:port]" of a URL, for logs ("?" if it does not parse). */
void ucf_alertmanager_origin(const char *url, char *out, size_t outlen);
/* The peer's file names in STATE_DIR. */
void ucf_alertmanager_files(const char *url, char queue[UCF_AM_FILE_LEN],
			    char dead[UCF_AM_FILE_LEN]);

#endif
