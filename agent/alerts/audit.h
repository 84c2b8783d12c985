/* audit.h — the enforcement audit trail across processes. A weakening that
 * outlives the process that made it (the agent stopped, the table flushed,
 * monitor mode) is marked in STATE_DIR/enforcement-weakened.json, so whoever
 * brings enforcement back (the agent's start or a reload, `ucfence apply`)
 * raises one enforcement-restored; and a one-shot command publishes its
 * alert through a feed opened for the call. */
#ifndef UCF_AUDIT_H
#define UCF_AUDIT_H

#include <stddef.h>

#include "alert.h"
#include "config.h"
#include "log.h"

#define UCF_AUDIT_MARK "enforcement-weakened.json"

/* Records what weakened enforcement (replacing an earlier mark). */
int ucf_audit_mark(const char *state_dir, const char *what, char *err, size_t errlen);
/* Removes the mark: 1 with what filled when there was one, 0 when none,
 * <0 on error (err filled). */
int ucf_audit_take(const char *state_dir, char *what, size_t whatlen, char *err, size_t errlen);

/* Publishes a through a feed of its own (spool, syslog, webhook queue) and
 * waits up to wait_ms for the webhook to deliver it (undelivered, it stays
 * queued for the next feed opened). 1 raised, 0 already raised, -EBUSY
 * when another process (the running agent) holds the feed. */
int ucf_audit_publish(const struct ucf_config *cfg, const struct ucf_alert *a,
		      const struct ucf_log *log, int wait_ms, char *err, size_t errlen);

/* A unique key for an event raised now (its time in microseconds). */
void ucf_audit_event_key(char *buf, size_t len);

#endif
