/* webhook.h — alerts POSTed to alerts.webhook.url, through a durable queue
 * of its own (sendq.h: ordered, retried with backoff, dead letters): its
 * files and its body. The body for generic is the alert object; for slack
 * {"text": "..."} (a person reads it). */
#ifndef UCF_WEBHOOK_H
#define UCF_WEBHOOK_H

#include <stdint.h>

#include "alert.h"
#include "config.h"
#include "sendq.h"

/* Its files in STATE_DIR, owner-only (UCF_SENDQ_FILE_MODE). */
#define UCF_WEBHOOK_QUEUE_FILE "webhook-queue.jsonl"
#define UCF_WEBHOOK_DEAD_FILE "webhook-dead.jsonl"

/* The webhook's destination as cfg names it (cfg->alerts.webhook_url set);
 * the strings stay cfg's. */
struct ucf_sendq_dest ucf_webhook_dest(const struct ucf_config *cfg);

/* The request body for an alert (format: an enum ucf_webhook_format; now is
 * unused: the body is the same whenever it is sent). Caller frees. */
char *ucf_webhook_payload(const struct ucf_alert *a, uint64_t format, int64_t now);

#endif
