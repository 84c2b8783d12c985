/* sendq.c — one destination's durable, ordered queue and its sender. */
#include "sendq.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "apikey.h"
#include "spool.h"
#include "statefile.h"
#include "timefmt.h"

#define QUEUE_MODE UCF_SENDQ_FILE_MODE
#define MAX_BACKOFF_MS (300u * 1000u)
#define MARK_KEY "delivered"

/* Where and how to send: owned copies of a struct ucf_sendq_dest's strings. */
struct dest {
	char *name, *url, *ca_file, *bearer_file, *basic_user, *basic_password_file;
	ucf_sendq_format_fn format;
	uint64_t format_arg;
};

struct ucf_sendq {
	struct dest d;
	char *queue_path, *dead_path;
	/* The alert lines of the queue file, oldest first: [0, head) delivered
	 * (each with its mark line after it in the file), [head, size) queued. */
	json_t *queue;
	size_t head;
	struct ucf_reactor *r;
	struct ucf_http *h;
	const struct ucf_log *log;
	struct ucf_http_call *call;
	struct ucf_timer retry;
	unsigned consecutive_failures;
	struct ucf_sendq_stats stats;
};

static void send_head(struct ucf_sendq *w);

static void dest_free(struct dest *d)
{
	free(d->name);
	free(d->url);
	free(d->ca_file);
	free(d->bearer_file);
	free(d->basic_user);
	free(d->basic_password_file);
	memset(d, 0, sizeof(*d));
}

static int copy_opt(char **dst, const char *src)
{
	*dst = src ? strdup(src) : NULL;
	return src && !*dst ? -ENOMEM : 0;
}

static int dest_copy(struct dest *out, const struct ucf_sendq_dest *in, char *err, size_t errlen)
{
	struct dest d = { .format = in->format, .format_arg = in->format_arg };
	if (copy_opt(&d.name, in->name ? in->name : "sink") < 0 || copy_opt(&d.url, in->url) < 0 ||
	    copy_opt(&d.ca_file, in->ca_file) < 0 || copy_opt(&d.bearer_file, in->bearer_file) < 0 ||
	    copy_opt(&d.basic_user, in->basic_user) < 0 ||
	    copy_opt(&d.basic_password_file, in->basic_password_file) < 0 || !d.url) {
		dest_free(&d);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	*out = d;
	return 0;
}

/* The id a mark line {"delivered":"<id>"} names, or NULL for any other
 * line (an alert has many members, a mark this one alone). */
static const char *mark_id(const json_t *obj)
{
	return json_object_size(obj) == 1 ? json_string_value(json_object_get(obj, MARK_KEY))
					   : NULL;
}

struct load_ctx {
	json_t *all;  /* every alert line, in order */
	size_t start; /* [0, start) delivered */
	size_t marks;
};

/* A mark only ever names the head it was appended for (pop_head): one that
 * does not (its alert erased from the file) is ignored. Matching only the
 * head keeps a load linear, and a mismatch can only send an alert again,
 * never skip one. */
static int load_one(json_t *obj, void *ctx)
{
	struct load_ctx *l = ctx;
	const char *id = mark_id(obj);
	if (!id)
		return json_array_append(l->all, obj) < 0 ? -ENOMEM : 0;
	l->marks++;
	const char *qid = json_string_value(json_object_get(json_array_get(l->all, l->start), "id"));
	if (qid && strcmp(qid, id) == 0)
		l->start++;
	return 0;
}

/* The elements [from, size) of a, as a new array (NULL on ENOMEM). */
static json_t *slice(const json_t *a, size_t from)
{
	json_t *out = json_array();
	for (size_t i = from; out && i < json_array_size(a); i++)
		if (json_array_append(out, json_array_get(a, i)) < 0) {
			json_decref(out);
			out = NULL;
		}
	return out;
}

/* Reads a queue file as its queue would: *out the alerts not delivered, in
 * order; *marks the mark lines, *bad the lines that are not JSON objects
 * (both say a rewrite would change the file). -ENOENT if absent. */
static int load_file(const char *path, json_t **out, size_t *marks, size_t *bad, char *err,
		     size_t errlen)
{
	struct load_ctx l = { .all = json_array() };
	*out = NULL;
	*marks = *bad = 0;
	if (!l.all) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	int rc = ucf_jsonl_repair(path, err, errlen);
	if (rc == 0)
		rc = ucf_jsonl_each(path, load_one, &l, bad, err, errlen);
	if (rc == 0 && !(*out = slice(l.all, l.start))) {
		snprintf(err, errlen, "out of memory");
		rc = -ENOMEM;
	}
	json_decref(l.all);
	*marks = l.marks;
	return rc;
}

static size_t live(const struct ucf_sendq *w)
{
	return json_array_size(w->queue) - w->head;
}

/* The i-th queued alert (0: the head, the one sent). */
static json_t *entry(const struct ucf_sendq *w, size_t i)
{
	return json_array_get(w->queue, w->head + i);
}

/* Rewrites the file (atomic) with the queued alerts alone: the delivered
 * lines and their marks go. */
static int compact(struct ucf_sendq *w, char *err, size_t errlen)
{
	json_t *kept = slice(w->queue, w->head);
	if (!kept) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	int rc = ucf_jsonl_rewrite(w->queue_path, kept, QUEUE_MODE, err, errlen);
	if (rc < 0) {
		json_decref(kept);
		return rc;
	}
	json_decref(w->queue);
	w->queue = kept;
	w->head = 0;
	w->stats.rewrites++;
	return 0;
}

int ucf_sendq_open(struct ucf_sendq **out, const struct ucf_sendq_dest *d, const char *state_dir,
		   struct ucf_reactor *r, struct ucf_http *h, const struct ucf_log *log, char *err,
		   size_t errlen)
{
	struct ucf_sendq *w = calloc(1, sizeof(*w));
	if (!w || asprintf(&w->queue_path, "%s/%s", state_dir, d->queue_file) < 0 ||
	    asprintf(&w->dead_path, "%s/%s", state_dir, d->dead_file) < 0) {
		snprintf(err, errlen, "out of memory");
		ucf_sendq_close(w);
		return -ENOMEM;
	}
	int rc = dest_copy(&w->d, d, err, errlen);
	if (rc < 0) {
		ucf_sendq_close(w);
		return rc;
	}
	w->r = r;
	w->h = h;
	w->log = log;
	size_t marks, bad;
	rc = load_file(w->queue_path, &w->queue, &marks, &bad, err, errlen);
	if (rc == -ENOENT && !(w->queue = json_array())) {
		snprintf(err, errlen, "out of memory");
		rc = -ENOMEM;
	} else if (rc == -ENOENT) {
		rc = 0;
	}
	if (rc < 0) {
		ucf_sendq_close(w);
		return rc;
	}
	/* what a previous run delivered leaves the file now, once */
	char why[512];
	if (marks > 0 && compact(w, why, sizeof(why)) < 0)
		ucf_log_warnx(w->log, "%s queue: %s", w->d.name, why);
	w->stats.queued = live(w);
	*out = w;
	return 0;
}

void ucf_sendq_close(struct ucf_sendq *w)
{
	if (!w)
		return;
	if (w->call)
		ucf_http_cancel(w->h, w->call);
	if (w->r)
		ucf_timer_cancel(w->r, &w->retry);
	json_decref(w->queue);
	dest_free(&w->d);
	free(w->queue_path);
	free(w->dead_path);
	free(w);
}

int ucf_sendq_retarget(struct ucf_sendq *w, const struct ucf_sendq_dest *d, char *err,
		       size_t errlen)
{
	struct dest copy;
	int rc = dest_copy(&copy, d, err, errlen);
	if (rc < 0)
		return rc;
	dest_free(&w->d);
	w->d = copy;
	w->consecutive_failures = 0; /* a new receiver: no backoff earned yet */
	if (!w->call)
		ucf_sendq_kick(w);
	return 0;
}

const char *ucf_sendq_name(const struct ucf_sendq *w)
{
	return w->d.name;
}

bool ucf_sendq_queued(const struct ucf_sendq *w, const char *id)
{
	for (size_t i = w->head; i < json_array_size(w->queue); i++) {
		const char *qid = json_string_value(json_object_get(json_array_get(w->queue, i), "id"));
		if (qid && strcmp(qid, id) == 0)
			return true;
	}
	return false;
}

int ucf_sendq_enqueue(struct ucf_sendq *w, const struct ucf_alert *a, char *err,
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
	w->stats.queued = live(w);
	if (!w->retry.armed)
		send_head(w);
	return 0;
}

void ucf_sendq_kick(struct ucf_sendq *w)
{
	ucf_timer_cancel(w->r, &w->retry);
	send_head(w);
}

bool ucf_sendq_busy(const struct ucf_sendq *w)
{
	return w->call != NULL;
}

void ucf_sendq_stats(const struct ucf_sendq *w, struct ucf_sendq_stats *out)
{
	*out = w->stats;
}

/* Marks the head delivered: a mark line appended (fsynced), and the file
 * compacted once the delivered part is at least what stays queued (so each
 * rewrite is paid for by as many deliveries as it writes alerts: linear). */
static void pop_head(struct ucf_sendq *w)
{
	char err[512] = "";
	const char *id = json_string_value(json_object_get(entry(w, 0), "id"));
	json_t *mark = id ? json_pack("{s:s}", MARK_KEY, id) : NULL;
	int rc = mark ? ucf_jsonl_append(w->queue_path, mark, QUEUE_MODE, err, sizeof(err)) : -1;
	json_decref(mark);
	if (rc == 0) {
		w->head++;
	} else { /* no mark (no id, or the append failed): rewritten without it */
		if (err[0])
			ucf_log_warnx(w->log, "%s queue: %s", w->d.name, err);
		json_array_remove(w->queue, w->head);
	}
	w->stats.queued = live(w);
	if ((rc < 0 || w->head >= live(w)) && compact(w, err, sizeof(err)) < 0)
		ucf_log_warnx(w->log, "%s queue: %s", w->d.name, err);
}

static int prune_file(const char *path, int64_t cutoff, size_t *removed, char *err,
		      size_t errlen)
{
	/* no size cap: the queue is capped by what the spool took, and a cap
	 * here would drop alerts without the spool's accounting */
	return ucf_alertfile_prune(path, QUEUE_MODE, cutoff, SIZE_MAX, removed, NULL, err, errlen);
}

static bool expired_entry(const json_t *obj, int64_t cutoff);

/* Drops from a closed queue's file (read as its queue would, marks applied)
 * the alerts for which drop is true (t NULL: every one) and what was
 * delivered; the rest, in order, rewritten atomically. */
static int filter_queue_file(const char *path, bool (*drop)(const json_t *, const void *),
			     const void *arg, size_t *removed, char *err, size_t errlen)
{
	json_t *q;
	size_t marks, bad, n = 0;
	*removed = 0;
	int rc = load_file(path, &q, &marks, &bad, err, errlen);
	if (rc == -ENOENT)
		return 0;
	if (rc < 0)
		return rc;
	for (size_t i = json_array_size(q); i-- > 0;)
		if (drop(json_array_get(q, i), arg)) {
			json_array_remove(q, i);
			n++;
		}
	if (n > 0 || marks > 0 || bad > 0)
		rc = ucf_jsonl_rewrite(path, q, QUEUE_MODE, err, errlen);
	json_decref(q);
	if (rc == 0)
		*removed = n + bad;
	return rc;
}

static bool drop_expired(const json_t *obj, const void *arg)
{
	return expired_entry(obj, *(const int64_t *)arg);
}

static bool drop_named(const json_t *obj, const void *arg)
{
	return !arg || ucf_erase_json_names(obj, arg);
}

int ucf_sendq_erase_file(const char *queue_path, const struct ucf_erase_target *t,
			 size_t *removed, char *err, size_t errlen)
{
	return filter_queue_file(queue_path, drop_named, t, removed, err, errlen);
}

int ucf_sendq_prune_files(const char *queue_path, const char *dead_path, int64_t cutoff,
			  size_t *expired, size_t *dead, char *err, size_t errlen)
{
	size_t nq = 0, nd = 0;
	int rc = queue_path ? filter_queue_file(queue_path, drop_expired, &cutoff, &nq, err, errlen)
			    : 0;
	if (rc == 0 && dead_path)
		rc = prune_file(dead_path, cutoff, &nd, err, errlen);
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

int ucf_sendq_prune(struct ucf_sendq *w, int64_t cutoff, size_t *expired, size_t *dead,
		      char *err, size_t errlen)
{
	size_t gone = 0, nd = 0;
	/* the head in flight stays: on_done pops the head */
	for (size_t i = json_array_size(w->queue); i-- > w->head + (w->call ? 1u : 0u);) {
		if (expired_entry(json_array_get(w->queue, i), cutoff)) {
			json_array_remove(w->queue, i);
			gone++;
		}
	}
	w->stats.queued = live(w);
	w->stats.expired += gone;
	int rc = 0;
	/* delivered lines still in the file may be past retention too */
	if (gone > 0 || w->head > 0)
		rc = compact(w, err, errlen);
	if (rc == 0)
		rc = prune_file(w->dead_path, cutoff, &nd, err, errlen);
	if (expired)
		*expired = gone;
	if (dead)
		*dead = nd;
	return rc;
}

int ucf_sendq_erase(struct ucf_sendq *w, const struct ucf_erase_target *t, size_t *removed,
		      char *err, size_t errlen)
{
	json_t *kept = json_array(), *obj;
	size_t i;
	*removed = 0;
	if (!kept) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	for (i = w->head; i < json_array_size(w->queue); i++) {
		obj = json_array_get(w->queue, i);
		if (t && !ucf_erase_json_names(obj, t) && json_array_append(kept, obj) < 0) {
			json_decref(kept);
			snprintf(err, errlen, "out of memory");
			return -ENOMEM;
		}
	}
	size_t n = live(w) - json_array_size(kept);
	/* delivered lines still in the file may name t too: rewritten as well */
	if (n == 0 && w->head == 0) {
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
				     json_array_get(kept, 0) != entry(w, 0));
	if (head_gone) {
		ucf_http_cancel(w->h, w->call);
		w->call = NULL;
	}
	json_decref(w->queue);
	w->queue = kept;
	w->head = 0;
	w->stats.queued = json_array_size(kept);
	w->stats.rewrites++;
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
static uint64_t schedule_retry(struct ucf_sendq *w, long retry_after_s)
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

static const char *head_id(const struct ucf_sendq *w)
{
	const char *id = json_string_value(json_object_get(entry(w, 0), "id"));
	return id ? id : "?";
}

/* One more failure in a row, retried later: logged on the first and at 2,
 * 4, 8... (sendq.h), with why (curl's messages may end in a newline). */
static void failed(struct ucf_sendq *w, const char *why, long retry_after_s)
{
	w->consecutive_failures++;
	uint64_t delay = schedule_retry(w, retry_after_s);
	unsigned n = w->consecutive_failures;
	if ((n & (n - 1)) != 0)
		return;
	ucf_log_warnx(w->log,
		      "%s: alert %s not delivered: %.*s; retrying in %llu s "
		      "(%u failure%s in a row)",
		      w->d.name, head_id(w), (int)strcspn(why, "\r\n"), why,
		      (unsigned long long)(delay + 999) / 1000u, n, n == 1 ? "" : "s");
}

static void on_done(void *ctx, const struct ucf_http_response *resp)
{
	struct ucf_sendq *w = ctx;
	w->call = NULL;
	long s = resp->status;
	if (s >= 200 && s < 300) {
		if (w->consecutive_failures)
			ucf_log_info(w->log, "%s: delivering again after %u failure%s",
				     w->d.name, w->consecutive_failures, w->consecutive_failures == 1 ? "" : "s");
		ucf_log_debug(w->log, "%s: alert %s delivered (HTTP %ld)", w->d.name, head_id(w),
			      s);
		w->consecutive_failures = 0;
		w->stats.delivered++;
		w->stats.last_error[0] = '\0';
		pop_head(w);
		send_head(w);
		return;
	}
	if (s == 400 || s == 413 || s == 422) {
		char err[512];
		json_t *head = entry(w, 0);
		if (ucf_jsonl_append(w->dead_path, head, QUEUE_MODE, err, sizeof(err)) < 0)
			ucf_log_warnx(w->log, "%s dead-letter file: %s", w->d.name, err);
		ucf_log_warnx(w->log, "%s refused alert %s with HTTP %ld; kept in %s", w->d.name,
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

/* The Authorization header line for d's credentials into *line (NULL when
 * there are none): read now, so a rotated secret needs no reload. */
static int auth_line(const struct dest *d, char **line, char *err, size_t errlen)
{
	char *secret = NULL;
	*line = NULL;
	if (d->bearer_file) {
		int rc = ucf_secret_file_load("bearer_token_file", d->bearer_file, &secret, err,
					      errlen);
		if (rc < 0)
			return rc;
		rc = asprintf(line, "Authorization: Bearer %s", secret);
		ucf_apikey_free(secret);
		if (rc < 0) {
			*line = NULL;
			snprintf(err, errlen, "out of memory");
			return -ENOMEM;
		}
		return 0;
	}
	if (!d->basic_user)
		return 0;
	int rc = ucf_secret_file_load("basic_auth.password_file", d->basic_password_file, &secret,
				      err, errlen);
	if (rc < 0)
		return rc;
	char *plain = NULL;
	unsigned char *b64 = NULL;
	int n = asprintf(&plain, "%s:%s", d->basic_user, secret);
	ucf_apikey_free(secret);
	if (n >= 0 && (b64 = malloc(((size_t)n + 2) / 3 * 4 + 1)) != NULL) {
		EVP_EncodeBlock(b64, (const unsigned char *)plain, n);
		if (asprintf(line, "Authorization: Basic %s", b64) < 0)
			*line = NULL;
		explicit_bzero(b64, strlen((char *)b64));
	}
	if (n >= 0) {
		explicit_bzero(plain, (size_t)n);
		free(plain);
	}
	free(b64);
	if (!*line) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	return 0;
}

static void send_head(struct ucf_sendq *w)
{
	if (w->call || live(w) == 0)
		return;
	char why[256];
	struct ucf_alert *a;
	json_t *head = entry(w, 0);
	if (ucf_alert_from_json(head, &a, why, sizeof(why)) < 0) {
		ucf_log_warnx(w->log, "%s queue: dropping an entry that is not an alert: %s",
			      w->d.name, why);
		pop_head(w);
		send_head(w);
		return;
	}
	char idem[64], err[256] = "out of memory", *auth = NULL;
	snprintf(idem, sizeof(idem), "Idempotency-Key: %s", a->id);
	char *body = w->d.format(a, w->d.format_arg, ucf_time_now());
	ucf_alert_free(a);
	if (auth_line(&w->d, &auth, err, sizeof(err)) < 0) {
		free(body);
		snprintf(w->stats.last_error, sizeof(w->stats.last_error), "%s", err);
		failed(w, err, -1);
		return;
	}
	const char *headers[] = { "Content-Type: application/json", idem, auth, NULL };
	struct ucf_http_request req = {
		.method = "POST", .url = w->d.url, .headers = headers, .body = body,
		.body_len = body ? strlen(body) : 0, .connect_timeout_ms = 5000,
		.timeout_ms = 15000, .ca_file = w->d.ca_file, .max_body = 65536,
	};
	if (!body || ucf_http_start(w->h, &req, on_done, w, &w->call, err, sizeof(err)) < 0) {
		w->call = NULL;
		failed(w, err, -1);
	}
	if (auth) {
		explicit_bzero(auth, strlen(auth));
		free(auth);
	}
	free(body);
}
