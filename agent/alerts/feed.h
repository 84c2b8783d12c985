/* feed.h — the alert feed: every alert, from any part of ucfence, goes
 * through ucf_feed_publish() to every sink: the JSON-lines spool (the record
 * and the de-duplication memory: an id already spooled is never raised
 * again), the system log, the webhook queue when one is configured, and
 * one queue per Alertmanager peer (alertmanager.h) when they are.
 *
 * One process owns a feed at a time (an flock on STATE_DIR/feed.lock). It
 * runs on the reactor: the webhook is sent asynchronously. alerts.retention
 * bounds every file the feed keeps (the spool, the webhook's and each
 * Alertmanager peer's queue and dead letters) and, through a retainer, the other files kept with them
 * (the watcher's state): one pass at open and every hour; the spool is
 * also pruned to its size cap at once when an append takes it past it. Its own troubles (a spool
 * it cannot prune, a webhook failing) are diagnostics, for the caller's
 * log; alerts.syslog is an alert sink, not that log. */
#ifndef UCF_FEED_H
#define UCF_FEED_H

#include <stdbool.h>
#include <stddef.h>

#include "alert.h"
#include "alertmanager.h"
#include "config.h"
#include "erase.h"
#include "http.h"
#include "log.h"
#include "reactor.h"
#include "sendq.h"
#include "webhook.h"

struct ucf_feed;

/* The feed keeps its own copy of cfg; r, h and log (NULL: stderr) must
 * outlive it. -EBUSY when another process holds the feed. */
int ucf_feed_open(struct ucf_feed **out, const struct ucf_config *cfg, struct ucf_reactor *r,
		  struct ucf_http *h, const struct ucf_log *log, char *err, size_t errlen);
void ucf_feed_close(struct ucf_feed *f);
/* A reload: takes cfg's alerts section (copied) without closing anything:
 * the lock stays held throughout, the webhook queue and its backoff stay.
 * A new alerts.spool is created if need be, pruned, and becomes the memory
 * of what was raised; a shorter alerts.retention prunes at once; a new
 * webhook URL or format retargets the queue (ucf_sendq_retarget); a
 * webhook removed leaves its queue on disk for when one is configured
 * again; Alertmanager peers are added, kept or removed the same way
 * (ucf_alertmanager_reconfigure). -EINVAL when state_dir differs (the lock and the queue live there:
 * that needs a restart). On error nothing changes. */
int ucf_feed_reconfigure(struct ucf_feed *f, const struct ucf_config *cfg, char *err,
			 size_t errlen);

/* 1: new, now spooled, logged and queued; 0: an alert with this id was
 * already raised (nothing done); <0: not recorded (call again later). */
int ucf_feed_publish(struct ucf_feed *f, const struct ucf_alert *a, char *err, size_t errlen);
/* Whether this id was already raised. */
bool ucf_feed_seen(const struct ucf_feed *f, const char *id);
/* The retention pass as of now: drops spool entries older than
 * alerts.retention, and the oldest past the spool's size cap
 * (UCF_SPOOL_MAX, logged), and forgets their ids; drops webhook queue
 * entries and dead letters older than it (ucf_sendq_prune; expired queue
 * entries logged once a pass, with their count), or prunes the files a
 * webhook left when none is configured; the same for every Alertmanager
 * peer's files, configured or not (ucf_alertmanager_prune); then runs the
 * retainer. */
int ucf_feed_prune(struct ucf_feed *f, char *err, size_t errlen);
/* The same pass as of now (seconds since the epoch; tests give it). */
int ucf_feed_prune_at(struct ucf_feed *f, int64_t now, char *err, size_t errlen);
/* Other files under alerts.retention (the watcher's state, which this
 * module does not know): fn drops what is older than cutoff. Runs now
 * (returning its result) and at every pass after; NULL removes it. */
typedef int (*ucf_feed_retain_fn)(void *ctx, int64_t cutoff, char *err, size_t errlen);
int ucf_feed_set_retainer(struct ucf_feed *f, ucf_feed_retain_fn fn, void *ctx, char *err,
			  size_t errlen);
/* Alerts dropped so far because the spool was past its size cap. */
size_t ucf_feed_spool_dropped(const struct ucf_feed *f);

/* Erasure on request: what went from each file. */
struct ucf_feed_erased {
	size_t spool, webhook_queue, webhook_dead;
	size_t alertmanager_queue, alertmanager_dead; /* every peer's files together */
};
/* Removes every record naming t (every record when t is NULL: a purge) from
 * the spool, the webhook queue (its memory too, when a webhook is
 * configured; its file otherwise), the dead letters, and every
 * Alertmanager peer's queue and dead letters likewise, each by an atomic
 * rewrite (ucf_erase_jsonl). The feed's lock is held throughout and its
 * owner runs on one thread, so no append can slip between the read and the
 * rename. The ids that went are forgotten: the same activity may be
 * alerted again. On error the files done so far stay done. */
int ucf_feed_erase(struct ucf_feed *f, const struct ucf_erase_target *t,
		   struct ucf_feed_erased *out, char *err, size_t errlen);
/* The counts by file name ("spool", "webhook-queue.jsonl", ...,
 * UCF_AM_QUEUE_FILES), for the erasure's report and audit alert. */
json_t *ucf_feed_erased_json(const struct ucf_feed_erased *e);

/* Whether a POST (webhook or Alertmanager) is in flight; the webhook's
 * counters (all zero when no webhook is configured). ucf_feed_kick retries
 * every queue now. */
bool ucf_feed_busy(const struct ucf_feed *f);
void ucf_feed_kick(struct ucf_feed *f);
void ucf_feed_webhook_stats(const struct ucf_feed *f, struct ucf_sendq_stats *out);
/* The Alertmanager peers (NULL when none is configured): their count and
 * counters through alertmanager.h. */
const struct ucf_alertmanager *ucf_feed_alertmanager(const struct ucf_feed *f);

#endif
