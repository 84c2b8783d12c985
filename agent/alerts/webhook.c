/* webhook.c — the durable, ordered webhook queue and its sender. */
#include "webhook.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spool.h"
#include "statefile.h"
#include "timefmt.h"

#define QUEUE_MODE UCF_WEBHOOK_FILE_MODE
#define MAX_BACKOFF_MS (300u * 1000u)

struct ucf_webhook {
	char *url;
	enum ucf_webhook_format format;
	char *queue_path, *dead_path;
	json_t *queue; /* array of alert objects, oldest first */
	struct ucf_reactor *r;
	struct ucf_http *h;
	const struct ucf_log *log;
	struct ucf_http_call *call;
	struct ucf_timer retry;
	unsigned consecutive_failures;
	struct ucf_webhook_stats stats;
};

static void send_head(struct ucf_webhook *w);

char *ucf_webhook_payload(const struct ucf_alert *a, enum ucf_webhook_format format)
{
	json_t *obj;
	if (format == UCF_WEBHOOK_SLACK) {
		char text[1400];
		snprintf(text, sizeof(text), "*[%s]* %s at %s: %s (alert %s)",
			 ucf_severity_name(a->severity), a->kind, a->site, a->summary, a->id);
		obj = json_pack("{s:s}", "text", text);
	} else {
		obj = ucf_alert_to_json(a);
	}
	char *body = obj ? json_dumps(obj, JSON_COMPACT) : NULL;
	json_decref(obj);
	return body;
}

static int load_one(json_t *obj, void *ctx)
{
	return json_array_append(ctx, obj) < 0 ? -ENOMEM : 0;
}

int ucf_webhook_open(struct ucf_webhook **out, const char *url, enum ucf_webhook_format format,
		     const char *state_dir, struct ucf_reactor *r, struct ucf_http *h,
		     const struct ucf_log *log, char *err, size_t errlen)
{
	struct ucf_webhook *w = calloc(1, sizeof(*w));
	if (!w || !(w->url = strdup(url)) || !(w->queue = json_array()) ||
	    asprintf(&w->queue_path, "%s/" UCF_WEBHOOK_QUEUE_FILE, state_dir) < 0 ||
	    asprintf(&w->dead_path, "%s/" UCF_WEBHOOK_DEAD_FILE, state_dir) < 0) {
		snprintf(err, errlen, "out of memory");
		ucf_webhook_close(w);
		return -ENOMEM;
	}
	w->format = format;
	w->r = r;
	w->h = h;
	w->log = log;
	int rc = ucf_jsonl_repair(w->queue_path, err, errlen);
	if (rc == 0)
		rc = ucf_jsonl_each(w->queue_path, load_one, w->queue, NULL, err, errlen);
	if (rc < 0 && rc != -ENOENT) {
		ucf_webhook_close(w);
		return rc;
	}
	w->stats.queued = json_array_size(w->queue);
	*out = w;
	return 0;
}

void ucf_webhook_close(struct ucf_webhook *w)
{
	if (!w)
		return;
	if (w->call)
		ucf_http_cancel(w->h, w->call);
	if (w->r)
		ucf_timer_cancel(w->r, &w->retry);
	json_decref(w->queue);
	free(w->url);
	free(w->queue_path);
	free(w->dead_path);
	free(w);
}

int ucf_webhook_retarget(struct ucf_webhook *w, const char *url, enum ucf_webhook_format format,
			 char *err, size_t errlen)
{
	char *copy = strdup(url);
	if (!copy) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	free(w->url);
	w->url = copy;
	w->format = format;
	w->consecutive_failures = 0; /* a new receiver: no backoff earned yet */
	if (!w->call)
		ucf_webhook_kick(w);
	return 0;
}

bool ucf_webhook_queued(const struct ucf_webhook *w, const char *id)
{
	size_t i;
	json_t *obj;
	json_array_foreach (w->queue, i, obj) {
		const char *qid = json_string_value(json_object_get(obj, "id"));
		if (qid && strcmp(qid, id) == 0)
			return true;
	}
	return false;
}

int ucf_webhook_enqueue(struct ucf_webhook *w, const struct ucf_alert *a, char *err,
			size_t errlen)
{
	json_t *obj = ucf_alert_to_json(a);
	if (!obj) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	int rc = ucf_jsonl_append(w->queue_path, obj, QUEUE_MODE, err, errlen);
	if (rc == 0 && json_array_append(w->queue, obj) < 0)
		rc = -ENOMEM;
	json_decref(obj);
	if (rc < 0)
		return rc;
	w->stats.queued = json_array_size(w->queue);
	if (!w->retry.armed)
		send_head(w);
	return 0;
}

void ucf_webhook_kick(struct ucf_webhook *w)
{
	ucf_timer_cancel(w->r, &w->retry);
	send_head(w);
}

bool ucf_webhook_busy(const struct ucf_webhook *w)
{
	return w->call != NULL;
}

void ucf_webhook_stats(const struct ucf_webhook *w, struct ucf_webhook_stats *out)
{
	*out = w->stats;
}

/* Drops the head from memory and from disk (atomic rewrite). */
static void pop_head(struct ucf_webhook *w)
{
	char err[512];
	json_array_remove(w->queue, 0);
	w->stats.queued = json_array_size(w->queue);
	if (ucf_jsonl_rewrite(w->queue_path, w->queue, QUEUE_MODE, err, sizeof(err)) < 0)
		ucf_log_warnx(w->log, "webhook queue: %s", err);
}

static int prune_file(const char *path, int64_t cutoff, size_t *removed, char *err,
		      size_t errlen)
{
	/* no size cap: the queue is capped by what the spool took, and a cap
	 * here would drop alerts without the spool's accounting */
	return ucf_alertfile_prune(path, QUEUE_MODE, cutoff, SIZE_MAX, removed, NULL, err, errlen);
}

int ucf_webhook_prune_files(const char *state_dir, int64_t cutoff, size_t *expired, size_t *dead,
			    char *err, size_t errlen)
{
	char q[4200], d[4200];
	size_t nq = 0, nd = 0;
	snprintf(q, sizeof(q), "%s/" UCF_WEBHOOK_QUEUE_FILE, state_dir);
	snprintf(d, sizeof(d), "%s/" UCF_WEBHOOK_DEAD_FILE, state_dir);
	int rc = prune_file(q, cutoff, &nq, err, errlen);
	if (rc == 0)
		rc = prune_file(d, cutoff, &nd, err, errlen);
	if (expired)
		*expired = nq;
	if (dead)
		*dead = nd;
	return rc;
}

/* An entry that is not an alert, or has no time, counts as expired: it
 * would be dropped unsent anyway. */
static bool expired_entry(const json_t *obj, int64_t cutoff)
{
	struct ucf_alert *a;
	char why[256];
	if (ucf_alert_from_json(obj, &a, why, sizeof(why)) < 0)
		return true;
	bool old = a->time < cutoff;
	ucf_alert_free(a);
	return old;
}

int ucf_webhook_prune(struct ucf_webhook *w, int64_t cutoff, size_t *expired, size_t *dead,
		      char *err, size_t errlen)
{
	size_t gone = 0, nd = 0;
	/* the head in flight stays: on_done removes index 0 */
	for (size_t i = json_array_size(w->queue); i-- > (w->call ? 1u : 0u);) {
		if (expired_entry(json_array_get(w->queue, i), cutoff)) {
			json_array_remove(w->queue, i);
			gone++;
		}
	}
	int rc = 0;
	if (gone > 0) {
		w->stats.queued = json_array_size(w->queue);
		w->stats.expired += gone;
		rc = ucf_jsonl_rewrite(w->queue_path, w->queue, QUEUE_MODE, err, errlen);
	}
	if (rc == 0)
		rc = prune_file(w->dead_path, cutoff, &nd, err, errlen);
	if (expired)
		*expired = gone;
	if (dead)
		*dead = nd;
	return rc;
}

int ucf_webhook_erase(struct ucf_webhook *w, const struct ucf_erase_target *t, size_t *removed,
		      char *err, size_t errlen)
{
	json_t *kept = json_array(), *obj;
	size_t i;
	*removed = 0;
	if (!kept) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	json_array_foreach (w->queue, i, obj)
		if (t && !ucf_erase_json_names(obj, t) && json_array_append(kept, obj) < 0) {
			json_decref(kept);
			snprintf(err, errlen, "out of memory");
			return -ENOMEM;
		}
	size_t n = json_array_size(w->queue) - json_array_size(kept);
	if (n == 0) {
		json_decref(kept);
		return 0;
	}
	int rc = ucf_jsonl_rewrite(w->queue_path, kept, QUEUE_MODE, err, errlen);
	if (rc < 0) {
		json_decref(kept);
		return rc;
	}
	/* The answer to a POST in flight pops the head: if the head went, that
	 * answer would pop another alert. */
	bool head_gone = w->call && (json_array_size(kept) == 0 ||
				     json_array_get(kept, 0) != json_array_get(w->queue, 0));
	if (head_gone) {
		ucf_http_cancel(w->h, w->call);
		w->call = NULL;
	}
	json_decref(w->queue);
	w->queue = kept;
	w->stats.queued = json_array_size(kept);
	*removed = n;
	if (head_gone && !w->retry.armed)
		send_head(w);
	return 0;
}

static void on_retry(void *ctx)
{
	send_head(ctx);
}

/* Returns the wait in ms. */
static uint64_t schedule_retry(struct ucf_webhook *w, long retry_after_s)
{
	uint64_t delay;
	if (retry_after_s >= 0) { /* at least 1 s: "0" must not turn into a busy loop */
		delay = (uint64_t)(retry_after_s > 3600 ? 3600 : retry_after_s < 1 ? 1 : retry_after_s) *
			1000u;
	} else {
		unsigned shift = w->consecutive_failures > 9 ? 9 : w->consecutive_failures;
		uint64_t cap = 1000u << shift;
		if (cap > MAX_BACKOFF_MS)
			cap = MAX_BACKOFF_MS;
		delay = cap / 2 + ucf_random_below(cap / 2 + 1); /* jitter: [cap/2, cap] */
	}
	ucf_timer_arm(w->r, &w->retry, delay, on_retry, w);
	return delay;
}

static const char *head_id(const struct ucf_webhook *w)
{
	const char *id = json_string_value(json_object_get(json_array_get(w->queue, 0), "id"));
	return id ? id : "?";
}

/* One more failure in a row, retried later: logged on the first and at 2,
 * 4, 8... (webhook.h), with why (curl's messages may end in a newline). */
static void failed(struct ucf_webhook *w, const char *why, long retry_after_s)
{
	w->consecutive_failures++;
	uint64_t delay = schedule_retry(w, retry_after_s);
	unsigned n = w->consecutive_failures;
	if ((n & (n - 1)) != 0)
		return;
	ucf_log_warnx(w->log,
		      "webhook: alert %s not delivered: %.*s; retrying in %llu s "
		      "(%u failure%s in a row)",
		      head_id(w), (int)strcspn(why, "\r\n"), why,
		      (unsigned long long)(delay + 999) / 1000u, n, n == 1 ? "" : "s");
}

static void on_done(void *ctx, const struct ucf_http_response *resp)
{
	struct ucf_webhook *w = ctx;
	w->call = NULL;
	long s = resp->status;
	if (s >= 200 && s < 300) {
		if (w->consecutive_failures)
			ucf_log_info(w->log, "webhook: delivering again after %u failure%s",
				     w->consecutive_failures, w->consecutive_failures == 1 ? "" : "s");
		ucf_log_debug(w->log, "webhook: alert %s delivered (HTTP %ld)", head_id(w), s);
		w->consecutive_failures = 0;
		w->stats.delivered++;
		w->stats.last_error[0] = '\0';
		pop_head(w);
		send_head(w);
		return;
	}
	if (s == 400 || s == 413 || s == 422) {
		char err[512];
		json_t *head = json_array_get(w->queue, 0);
		if (ucf_jsonl_append(w->dead_path, head, QUEUE_MODE, err, sizeof(err)) < 0)
			ucf_log_warnx(w->log, "webhook dead-letter file: %s", err);
		ucf_log_warnx(w->log, "webhook refused alert %s with HTTP %ld; kept in %s",
			      json_string_value(json_object_get(head, "id")), s, w->dead_path);
		w->stats.dead++;
		pop_head(w);
		send_head(w);
		return;
	}
	w->stats.failures++;
	if (s)
		snprintf(w->stats.last_error, sizeof(w->stats.last_error), "HTTP %ld", s);
	else
		snprintf(w->stats.last_error, sizeof(w->stats.last_error), "%s", resp->error);
	failed(w, w->stats.last_error, s == 429 || s == 503 ? resp->retry_after_s : -1);
}

static void send_head(struct ucf_webhook *w)
{
	if (w->call || json_array_size(w->queue) == 0)
		return;
	char why[256];
	struct ucf_alert *a;
	json_t *head = json_array_get(w->queue, 0);
	if (ucf_alert_from_json(head, &a, why, sizeof(why)) < 0) {
		ucf_log_warnx(w->log, "webhook queue: dropping an entry that is not an alert: %s",
			      why);
		pop_head(w);
		send_head(w);
		return;
	}
	char idem[64];
	snprintf(idem, sizeof(idem), "Idempotency-Key: %s", a->id);
	const char *headers[] = { "Content-Type: application/json", idem, NULL };
	char *body = ucf_webhook_payload(a, w->format);
	ucf_alert_free(a);
	struct ucf_http_request req = {
		.method = "POST", .url = w->url, .headers = headers, .body = body,
		.body_len = body ? strlen(body) : 0, .connect_timeout_ms = 5000,
		.timeout_ms = 15000, .max_body = 65536,
	};
	char err[256] = "out of memory";
	if (!body || ucf_http_start(w->h, &req, on_done, w, &w->call, err, sizeof(err)) < 0) {
		w->call = NULL;
		failed(w, err, -1);
	}
	free(body);
}
