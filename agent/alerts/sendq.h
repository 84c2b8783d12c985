/* sendq.h — one destination's durable, ordered queue of alerts and its
 * sender: the webhook is one, each Alertmanager peer another (each with its
 * own files, so one destination that is down never delays the others).
 *
 * Enqueue appends to STATE_DIR/<queue_file> and fsyncs before anything is
 * sent; the head is sent first and removed only after a 2xx, so delivery is
 * in order, none twice by ucfence, and survives restarts. Each POST carries `Idempotency-Key: <alert id>`; the body is the
 * destination's formatter's. Failures (transport, 408, 425, 429, 5xx and
 * other statuses) are retried with exponential backoff and jitter (1 s
 * doubling to 5 min; 429 and 503 wait Retry-After). A payload the receiver
 * rejects as such (400, 413, 422) would block the queue forever: it goes to
 * STATE_DIR/<dead_file> instead and is logged.
 *
 * Failures are logged with their reason and the destination's name (never
 * its URL: a Slack-style hook's path is its secret) on the first one and
 * then at 2, 4, 8... consecutive ones, so a receiver that keeps failing
 * cannot flood the log; the delivery after failures is logged, each
 * delivery only at debug. Credentials are read from their files at each
 * POST (a rotated token needs no reload) and never logged.
 *
 * Removal is linear, not a rewrite per delivery (that made draining a
 * backlog of N alerts write O(N^2) bytes): a delivered (or dead-lettered)
 * head gets a mark line {"delivered":"<its id>"} appended to the queue file
 * and fsynced. Reading the file back (open, and the file functions below)
 * replays it: a mark removes the head it follows, in order. The file is
 * compacted (one atomic rewrite of what stays queued, marks and delivered
 * lines gone) when the delivered part is at least what stays queued (so
 * also whenever the queue empties), at open if a previous run left marks,
 * and by every erasure and retention pass, so erased and expired alerts
 * leave the file whether delivered or not. Each rewrite is paid for by as
 * many deliveries as it writes alerts: a drain writes the file a few times
 * its size in all. A crash between a 2xx and the fsync of its mark sends
 * that one alert again after the restart, with the same Idempotency-Key
 * (at least once across a crash; exactly once otherwise, restarts too). */
#ifndef UCF_SENDQ_H
#define UCF_SENDQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "alert.h"
#include "erase.h"
#include "http.h"
#include "log.h"
#include "reactor.h"

/* Queue files are owner-only. */
#define UCF_SENDQ_FILE_MODE 0600

/* The request body for a; NULL on ENOMEM. arg is the destination's
 * (format_arg), now the time of the POST. Caller frees. */
typedef char *(*ucf_sendq_format_fn)(const struct ucf_alert *a, uint64_t arg, int64_t now);

struct ucf_sendq_dest {
	const char *name;       /* for the log: "webhook", "alertmanager http://127.0.0.1:9093" */
	const char *url;
	const char *queue_file; /* file names in state_dir */
	const char *dead_file;
	ucf_sendq_format_fn format;
	uint64_t format_arg;
	const char *ca_file;     /* NULL: the system CAs */
	const char *bearer_file; /* Authorization: Bearer <the file's token>, or NULL */
	const char *basic_user;  /* with basic_password_file: Authorization: Basic, or NULL */
	const char *basic_password_file;
};

struct ucf_sendq;

struct ucf_sendq_stats {
	size_t delivered, queued, dead, failures;
	size_t expired; /* dropped undelivered: older than alerts.retention */
	size_t rewrites; /* atomic rewrites of the queue file (compactions, erasure, retention) */
	char last_error[256]; /* the last failure, "" if none */
};

/* d's strings are copied; log (NULL: stderr) must outlive the queue.
 * Loads what a previous run left in the queue file; sends nothing yet. */
int ucf_sendq_open(struct ucf_sendq **out, const struct ucf_sendq_dest *d, const char *state_dir,
		   struct ucf_reactor *r, struct ucf_http *h, const struct ucf_log *log, char *err,
		   size_t errlen);
void ucf_sendq_close(struct ucf_sendq *q);
/* A reload naming another URL, formatter, CA or credentials (the files stay
 * the queue's own: d's file names are ignored): the queue (in memory and on
 * disk) stays as it is and is sent with d from now on, starting at once. A
 * POST in flight finishes against the old URL: its alert is removed only
 * after that answer, so it is neither lost nor sent twice by ucfence. */
int ucf_sendq_retarget(struct ucf_sendq *q, const struct ucf_sendq_dest *d, char *err,
		       size_t errlen);

/* Whether an alert with this id is waiting in the queue. */
bool ucf_sendq_queued(const struct ucf_sendq *q, const char *id);
/* Durably queues a (then starts sending unless a backoff wait is running). */
int ucf_sendq_enqueue(struct ucf_sendq *q, const struct ucf_alert *a, char *err, size_t errlen);
/* Sends the head now, cutting short a backoff wait. */
void ucf_sendq_kick(struct ucf_sendq *q);
/* A POST is in flight. */
bool ucf_sendq_busy(const struct ucf_sendq *q);
void ucf_sendq_stats(const struct ucf_sendq *q, struct ucf_sendq_stats *out);
/* The log name it was opened with. */
const char *ucf_sendq_name(const struct ucf_sendq *q);

/* alerts.retention: drops queued alerts with time < cutoff undelivered, from
 * memory and from the queue file (not the one being POSTed: its answer
 * removes it), and dead letters with time < cutoff. Their counts in
 * *expired (also in the stats) and *dead (either may be NULL). */
int ucf_sendq_prune(struct ucf_sendq *q, int64_t cutoff, size_t *expired, size_t *dead,
		    char *err, size_t errlen);
/* The same for files a queue left when none is open (its destination
 * removed from the config: the queue waits on disk for the next one), read
 * as a queue reads them (its delivered lines go too). Either path may be
 * NULL. */
int ucf_sendq_prune_files(const char *queue_path, const char *dead_path, int64_t cutoff,
			  size_t *expired, size_t *dead, char *err, size_t errlen);
/* Erasure on request: drops the queued alerts naming t (every one when t is
 * NULL) from memory and from the queue file (atomic rewrite); a POST in
 * flight for one of them is cancelled. *removed: how many went. The dead
 * letters are the caller's (ucf_erase_jsonl on the dead file). Delivered
 * lines still in the file go too (the file is compacted). */
int ucf_sendq_erase(struct ucf_sendq *q, const struct ucf_erase_target *t, size_t *removed,
		    char *err, size_t errlen);
/* The same for the queue file a closed queue left (not ucf_erase_jsonl: the
 * file holds delivered lines and marks only a queue reads right). *removed:
 * queued alerts removed, and lines that were not JSON objects. No file is 0
 * removed. */
int ucf_sendq_erase_file(const char *queue_path, const struct ucf_erase_target *t,
			 size_t *removed, char *err, size_t errlen);

#endif
