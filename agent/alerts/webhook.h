/* webhook.h — alerts POSTed to alerts.webhook.url, from a durable queue:
 * enqueue appends to STATE_DIR/webhook-queue.jsonl and fsyncs before anything
 * is sent; the head is sent first and removed (atomic rewrite) only after a
 * 2xx, so delivery is in order and survives restarts. Each POST carries
 * `Idempotency-Key: <alert id>`. Failures (transport, 408, 425, 429, 5xx and
 * other statuses) are retried with exponential backoff and jitter (1 s
 * doubling to 5 min; 429 waits Retry-After). A payload the receiver rejects
 * as such (400, 413, 422) would block the queue forever: it goes to
 * STATE_DIR/webhook-dead.jsonl instead and is logged.
 *
 * Failures are logged with their reason (never the URL: a Slack-style hook's
 * path is its secret) on the first one and then at 2, 4, 8... consecutive
 * ones, so a receiver that keeps failing cannot flood the log; the delivery
 * after failures is logged, each delivery only at debug. */
#ifndef UCF_WEBHOOK_H
#define UCF_WEBHOOK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "alert.h"
#include "config.h"
#include "erase.h"
#include "http.h"
#include "log.h"
#include "reactor.h"

/* Its files in STATE_DIR, owner-only. */
#define UCF_WEBHOOK_QUEUE_FILE "webhook-queue.jsonl"
#define UCF_WEBHOOK_DEAD_FILE "webhook-dead.jsonl"
#define UCF_WEBHOOK_FILE_MODE 0600

struct ucf_webhook;

struct ucf_webhook_stats {
	size_t delivered, queued, dead, failures;
	size_t expired; /* dropped undelivered: older than alerts.retention */
	char last_error[256]; /* the last failure, "" if none */
};

/* log (NULL: stderr) must outlive the webhook. */
int ucf_webhook_open(struct ucf_webhook **out, const char *url, enum ucf_webhook_format format,
		     const char *state_dir, struct ucf_reactor *r, struct ucf_http *h,
		     const struct ucf_log *log, char *err, size_t errlen);
void ucf_webhook_close(struct ucf_webhook *w);
/* A reload naming another URL or format: the queue (in memory and on disk)
 * stays as it is and is sent to url from now on, starting at once. A POST
 * in flight finishes against the old URL: its alert is removed only after
 * that answer, so it is neither lost nor sent twice by ucfence. */
int ucf_webhook_retarget(struct ucf_webhook *w, const char *url, enum ucf_webhook_format format,
			 char *err, size_t errlen);

/* Whether an alert with this id is waiting in the queue. */
bool ucf_webhook_queued(const struct ucf_webhook *w, const char *id);
/* Durably queues a (then starts sending unless a backoff wait is running). */
int ucf_webhook_enqueue(struct ucf_webhook *w, const struct ucf_alert *a, char *err,
			size_t errlen);
/* Sends the head now, cutting short a backoff wait. */
void ucf_webhook_kick(struct ucf_webhook *w);
/* A POST is in flight. */
bool ucf_webhook_busy(const struct ucf_webhook *w);
void ucf_webhook_stats(const struct ucf_webhook *w, struct ucf_webhook_stats *out);

/* alerts.retention: drops queued alerts with time < cutoff undelivered, from
 * memory and from the queue file (not the one being POSTed: its answer
 * removes it), and dead letters with time < cutoff. Their counts in
 * *expired (also in the stats) and *dead (either may be NULL). */
int ucf_webhook_prune(struct ucf_webhook *w, int64_t cutoff, size_t *expired, size_t *dead,
		      char *err, size_t errlen);
/* The same for the files a webhook left in state_dir when none is open
 * (removed from the config: its queue waits on disk for the next one). */
int ucf_webhook_prune_files(const char *state_dir, int64_t cutoff, size_t *expired, size_t *dead,
			    char *err, size_t errlen);
/* Erasure on request: drops the queued alerts naming t (every one when t is
 * NULL) from memory and from the queue file (atomic rewrite); a POST in
 * flight for one of them is cancelled. *removed: how many went. The dead
 * letters are the caller's (ucf_erase_jsonl on UCF_WEBHOOK_DEAD_FILE). */
int ucf_webhook_erase(struct ucf_webhook *w, const struct ucf_erase_target *t, size_t *removed,
		      char *err, size_t errlen);

/* The request body for an alert: generic = the alert object; slack =
 * {"text": "..."} (a person reads it). Caller frees. */
char *ucf_webhook_payload(const struct ucf_alert *a, enum ucf_webhook_format format);

#endif
