/* Unit tests for the alert feed's files: the spool (append, read --since,
 * retention pruning, torn-line repair, streaming reads of any size, the size
 * cap), de-duplication across restarts, the one-process lock and the durable
 * webhook queue; the feed's own troubles reach the log it was given. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "feed.h"
#include "spool.h"
#include "statefile.h"
#include "timefmt.h"

static char dir[64], spool[128], err[512];
static struct ucf_config cfg;
static FILE *logf; /* what the feed logged */
static struct ucf_log logv;

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/ucf-feed-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(spool, sizeof(spool), "%s/alerts.jsonl", dir);
	memset(&cfg, 0, sizeof(cfg));
	cfg.state_dir = dir;
	cfg.alerts.spool = spool;
	cfg.alerts.retention_s = 3600;
	if (!(logf = tmpfile()))
		return -1;
	ucf_log_init(&logv, "ucfence", logf);
	return 0;
}

/* Everything the feed logged so far. */
static const char *logged(void)
{
	static char buf[4096];
	fflush(logf);
	long n = ftell(logf);
	assert_true(n >= 0 && (size_t)n < sizeof(buf));
	rewind(logf);
	assert_int_equal(fread(buf, 1, (size_t)n, logf), (size_t)n);
	buf[n] = '\0';
	return buf;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[128];
	fclose(logf);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd);
}

static struct ucf_alert *alert_at(const char *key, int64_t t)
{
	struct ucf_alert *a;
	assert_int_equal(ucf_alert_new(&a, "b1", "packet-capture", UCF_SEV_WARNING, t, key,
				       "summary", NULL, err, sizeof(err)), 0);
	return a;
}

static int count_cb(const struct ucf_alert *a, void *ctx)
{
	(void)a;
	(*(int *)ctx)++;
	return 0;
}

static int count(int64_t since, size_t *bad)
{
	int n = 0;
	int rc = ucf_spool_read(spool, since, count_cb, &n, bad, err, sizeof(err));
	return rc < 0 ? rc : n;
}

static void append_raw(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

static void test_spool_append_read_since(void **state)
{
	(void)state;
	assert_int_equal(count(0, NULL), -ENOENT);
	int64_t now = ucf_time_now();
	for (int i = 0; i < 5; i++) {
		char key[8];
		snprintf(key, sizeof(key), "k%d", i);
		struct ucf_alert *a = alert_at(key, now - 1000 * (4 - i));
		assert_int_equal(ucf_spool_append(spool, a, err, sizeof(err)), 0);
		ucf_alert_free(a);
	}
	assert_int_equal(count(INT64_MIN, NULL), 5);
	assert_int_equal(count(now - 1500, NULL), 2);
	struct stat st;
	assert_int_equal(stat(spool, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0640);
}

static void test_spool_retention_and_repair(void **state)
{
	(void)state;
	int64_t now = ucf_time_now();
	for (int i = 0; i < 4; i++) {
		char key[8];
		snprintf(key, sizeof(key), "r%d", i);
		struct ucf_alert *a = alert_at(key, now - 3000 + 1000 * i); /* -3000 .. 0 */
		assert_int_equal(ucf_spool_append(spool, a, err, sizeof(err)), 0);
		ucf_alert_free(a);
	}
	append_raw(spool, "not json\n");
	append_raw(spool, "{\"id\": \"torn"); /* a crash mid-append */
	size_t bad = 0;
	assert_int_equal(count(INT64_MIN, &bad), 4);
	assert_int_equal(bad, 1); /* the torn tail is not even a line */
	size_t removed = 0;
	size_t dropped = 0;
	assert_int_equal(ucf_spool_prune(spool, now - 1500, UCF_SPOOL_MAX, &removed, &dropped, err,
					 sizeof(err)),
			 0);
	assert_int_equal(removed, 3); /* two too old, one not an alert */
	assert_int_equal(dropped, 0);
	assert_int_equal(count(INT64_MIN, &bad), 2);
	assert_int_equal(bad, 0);
	/* an append after a repair starts on a line of its own */
	struct ucf_alert *a = alert_at("after", now);
	assert_int_equal(ucf_spool_append(spool, a, err, sizeof(err)), 0);
	ucf_alert_free(a);
	assert_int_equal(count(INT64_MIN, &bad), 3);
	assert_int_equal(ucf_spool_prune(spool, now - 1500, UCF_SPOOL_MAX, &removed, NULL, err,
					 sizeof(err)),
			 0);
	assert_int_equal(removed, 0);
}

static struct ucf_feed *open_feed(struct ucf_reactor *r, struct ucf_http *h);

/* Appends n alerts as raw lines, the i-th with id i (32 hex digits), time
 * t0 + i and a summary of summary_len characters; returns one line's size. */
static size_t write_spool(int n, size_t summary_len, int64_t t0)
{
	char when[UCF_TIME_LEN];
	char *summary = malloc(summary_len + 1), *line = malloc(summary_len + 512);
	assert_non_null(summary);
	assert_non_null(line);
	memset(summary, 's', summary_len);
	summary[summary_len] = '\0';
	FILE *f = fopen(spool, "a");
	assert_non_null(f);
	size_t len = 0;
	for (int i = 0; i < n; i++) {
		ucf_time_format(t0 + i, when);
		len = (size_t)snprintf(line, summary_len + 512,
				       "{\"id\":\"%032x\",\"time\":\"%s\",\"site\":\"b1\","
				       "\"severity\":\"warning\",\"kind\":\"packet-capture\","
				       "\"summary\":\"%s\",\"details\":{}}\n",
				       (unsigned)i, when, summary);
		assert_int_equal(fwrite(line, 1, len, f), len);
	}
	assert_int_equal(fclose(f), 0);
	free(summary);
	free(line);
	return len;
}

static void id_of(int i, char id[UCF_ALERT_ID_LEN])
{
	snprintf(id, UCF_ALERT_ID_LEN, "%032x", (unsigned)i);
}

/* A spool past 64 MiB (the old whole-file read limit) is still read, line by
 * line, and the feed opens on it, trimming it to its cap, oldest first. */
static void test_spool_larger_than_64_mib(void **state)
{
	(void)state;
	enum { N = 1100 };
	int64_t now = ucf_time_now();
	size_t line = write_spool(N, 62000, now - N);
	struct stat st;
	assert_int_equal(stat(spool, &st), 0);
	assert_true(st.st_size > (64 << 20));
	size_t bad = 1;
	assert_int_equal(count(INT64_MIN, &bad), N);
	assert_int_equal(bad, 0);

	struct ucf_reactor *r;
	struct ucf_http *h;
	assert_int_equal(ucf_reactor_new(&r, err, sizeof(err)), 0);
	assert_int_equal(ucf_http_new(&h, r, err, sizeof(err)), 0);
	struct ucf_feed *f = open_feed(r, h);
	assert_int_equal(stat(spool, &st), 0);
	assert_true((size_t)st.st_size <= UCF_SPOOL_KEEP);
	size_t kept = (size_t)st.st_size / line;
	assert_int_equal((size_t)st.st_size, kept * line);
	assert_int_equal(ucf_feed_spool_dropped(f), N - kept);
	char want[128];
	snprintf(want, sizeof(want), "ucfence: alert spool past %zu MiB: %zu oldest alerts dropped\n",
		 (size_t)UCF_SPOOL_MAX >> 20, N - kept);
	assert_string_equal(logged(), want);
	assert_int_equal(count(INT64_MIN, &bad), (int)kept);
	char id[UCF_ALERT_ID_LEN];
	id_of(N - 1, id);
	assert_true(ucf_feed_seen(f, id)); /* the newest stay */
	id_of((int)(N - kept), id);
	assert_true(ucf_feed_seen(f, id));
	id_of((int)(N - kept - 1), id);
	assert_false(ucf_feed_seen(f, id)); /* the oldest went */
	ucf_feed_close(f);
	ucf_http_free(h);
	ucf_reactor_free(r);
}

/* Past max_bytes the oldest alerts are dropped down to 3/4 of it (so the next
 * appends do not each cost a rewrite), counted apart from retention. */
static void test_spool_size_cap(void **state)
{
	(void)state;
	int64_t now = ucf_time_now();
	size_t line = write_spool(100, 900, now - 7200); /* 0..99 past retention */
	write_spool(100, 900, now - 100);                /* ids 0..99 again, recent */
	size_t removed = 0, dropped = 0;
	/* under the cap: only retention */
	assert_int_equal(ucf_spool_prune(spool, now - 3600, 100 * line, &removed, &dropped, err,
					 sizeof(err)),
			 0);
	assert_int_equal(removed, 100);
	assert_int_equal(dropped, 0);
	/* over it: down to 3/4 */
	assert_int_equal(ucf_spool_prune(spool, now - 3600, 99 * line, &removed, &dropped, err,
					 sizeof(err)),
			 0);
	assert_int_equal(removed, 0);
	size_t keep = 99 * line * 3 / 4 / line;
	assert_int_equal(dropped, 100 - keep);
	struct stat st;
	assert_int_equal(stat(spool, &st), 0);
	assert_int_equal((size_t)st.st_size, keep * line);
	assert_int_equal(st.st_mode & 0777, UCF_SPOOL_MODE);
	assert_int_equal(count(INT64_MIN, NULL), (int)keep);
	assert_int_equal(count(now - (int64_t)keep, NULL), (int)keep); /* the newest */
}

/* Lines are read one at a time with a bound: a line longer than that is
 * skipped and counted, and the lines after it are still read. */
static void test_spool_overlong_line(void **state)
{
	(void)state;
	int64_t now = ucf_time_now();
	write_spool(1, 100, now - 10);
	size_t big = (2u << 20) + 7;
	char *junk = malloc(big + 2);
	assert_non_null(junk);
	memset(junk, 'x', big);
	junk[big] = '\n';
	junk[big + 1] = '\0';
	append_raw(spool, junk);
	free(junk);
	struct ucf_alert *a = alert_at("after-junk", now);
	assert_int_equal(ucf_spool_append(spool, a, err, sizeof(err)), 0);
	ucf_alert_free(a);
	size_t bad = 0;
	assert_int_equal(count(INT64_MIN, &bad), 2);
	assert_int_equal(bad, 1);
}

static struct ucf_feed *open_feed(struct ucf_reactor *r, struct ucf_http *h)
{
	struct ucf_feed *f = NULL;
	assert_int_equal(ucf_feed_open(&f, &cfg, r, h, &logv, err, sizeof(err)), 0);
	return f;
}

static void test_feed_dedupe_across_restarts_and_lock(void **state)
{
	(void)state;
	struct ucf_reactor *r;
	struct ucf_http *h;
	assert_int_equal(ucf_reactor_new(&r, err, sizeof(err)), 0);
	assert_int_equal(ucf_http_new(&h, r, err, sizeof(err)), 0);
	struct ucf_feed *f = open_feed(r, h), *g = NULL;
	struct ucf_alert *a = alert_at("same", ucf_time_now());
	assert_int_equal(ucf_feed_publish(f, a, err, sizeof(err)), 1);
	assert_int_equal(ucf_feed_publish(f, a, err, sizeof(err)), 0);
	assert_int_equal(ucf_feed_open(&g, &cfg, r, h, &logv, err, sizeof(err)), -EBUSY);
	assert_non_null(strstr(err, "in use by another ucfence process"));
	ucf_feed_close(f);
	f = open_feed(r, h); /* a restart remembers what the spool holds */
	assert_true(ucf_feed_seen(f, a->id));
	assert_int_equal(ucf_feed_publish(f, a, err, sizeof(err)), 0);
	ucf_feed_close(f);
	/* retention forgets: an alert older than it is pruned at open */
	cfg.alerts.retention_s = 3600;
	struct ucf_alert *old = alert_at("old", ucf_time_now() - 7200);
	assert_int_equal(ucf_spool_append(spool, old, err, sizeof(err)), 0);
	f = open_feed(r, h);
	assert_false(ucf_feed_seen(f, old->id));
	assert_true(ucf_feed_seen(f, a->id));
	ucf_feed_close(f);
	ucf_alert_free(a);
	ucf_alert_free(old);
	ucf_http_free(h);
	ucf_reactor_free(r);
}

static int queued_ids(char ids[][UCF_ALERT_ID_LEN], int max)
{
	char path[160], *buf;
	size_t len;
	snprintf(path, sizeof(path), "%s/webhook-queue.jsonl", dir);
	if (ucf_read_file(path, 1 << 20, &buf, &len, err, sizeof(err)) < 0)
		return -1;
	int n = 0;
	for (char *p = buf; n < max && (p = strstr(p, "\"id\":\"")); p += 6)
		snprintf(ids[n++], UCF_ALERT_ID_LEN, "%.32s", p + 6);
	free(buf);
	return n;
}

static void test_webhook_queue_is_durable_and_ordered(void **state)
{
	(void)state;
	cfg.alerts.webhook_url = "http://127.0.0.1:9/hook"; /* nothing listens on discard */
	struct ucf_reactor *r;
	struct ucf_http *h;
	assert_int_equal(ucf_reactor_new(&r, err, sizeof(err)), 0);
	assert_int_equal(ucf_http_new(&h, r, err, sizeof(err)), 0);
	struct ucf_feed *f = open_feed(r, h);
	struct ucf_alert *a[3];
	for (int i = 0; i < 3; i++) {
		char key[8];
		snprintf(key, sizeof(key), "q%d", i);
		a[i] = alert_at(key, ucf_time_now());
		assert_int_equal(ucf_feed_publish(f, a[i], err, sizeof(err)), 1);
	}
	/* the first POST fails (connection refused); nothing leaves the queue */
	while (ucf_feed_busy(f))
		assert_true(ucf_reactor_dispatch(r, 5000) >= 0);
	struct ucf_sendq_stats ws;
	ucf_feed_webhook_stats(f, &ws);
	assert_int_equal(ws.queued, 3);
	assert_int_equal(ws.delivered, 0);
	assert_true(ws.failures >= 1);
	assert_non_null(strstr(ws.last_error, "onnect"));
	/* logged once, with the head's id and the reason, never the URL */
	char want[128];
	snprintf(want, sizeof(want), "ucfence: webhook: alert %s not delivered: ", a[0]->id);
	const char *line = logged();
	assert_ptr_equal(strstr(line, want), line);
	assert_non_null(strstr(line, "onnect"));
	assert_non_null(strstr(line, "; retrying in "));
	assert_non_null(strstr(line, " s (1 failure in a row)\n"));
	assert_ptr_equal(strchr(line, '\n'), line + strlen(line) - 1);
	assert_null(strstr(line, "/hook"));
	ucf_feed_close(f);
	char ids[4][UCF_ALERT_ID_LEN];
	assert_int_equal(queued_ids(ids, 4), 3);
	for (int i = 0; i < 3; i++)
		assert_string_equal(ids[i], a[i]->id);
	f = open_feed(r, h); /* the queue survives a restart */
	ucf_feed_webhook_stats(f, &ws);
	assert_int_equal(ws.queued, 3);
	ucf_feed_close(f);
	for (int i = 0; i < 3; i++)
		ucf_alert_free(a[i]);
	cfg.alerts.webhook_url = NULL;
	ucf_http_free(h);
	ucf_reactor_free(r);
}

static void wait_idle(struct ucf_reactor *r, struct ucf_feed *f);

static struct ucf_alert *alert_about(const char *key, const char *summary)
{
	struct ucf_alert *a;
	assert_int_equal(ucf_alert_new(&a, "b1", "non-target-on-uc-port", UCF_SEV_WARNING,
				       ucf_time_now(), key, summary, NULL, err, sizeof(err)), 0);
	return a;
}

/* Erasure: the spool, the webhook queue (memory and file) and the dead
 * letters lose the records naming the address, and only those; their ids
 * are forgotten; a purge leaves all three empty. */
static void test_feed_erase(void **state)
{
	(void)state;
	cfg.alerts.webhook_url = "http://127.0.0.1:9/hook"; /* nothing listens: all stay queued */
	struct ucf_reactor *r;
	struct ucf_http *h;
	assert_int_equal(ucf_reactor_new(&r, err, sizeof(err)), 0);
	assert_int_equal(ucf_http_new(&h, r, err, sizeof(err)), 0);
	struct ucf_feed *f = open_feed(r, h);
	struct ucf_alert *a[3] = { alert_about("a", "3 packets from 10.0.0.1 on uc0"),
				   alert_about("b", "3 packets from 10.0.0.10 on uc0"),
				   alert_about("c", "3 packets from 10.0.0.1:5060 on uc0") };
	for (int i = 0; i < 3; i++)
		assert_int_equal(ucf_feed_publish(f, a[i], err, sizeof(err)), 1);
	char dead[160];
	snprintf(dead, sizeof(dead), "%s/webhook-dead.jsonl", dir);
	append_raw(dead, "{\"id\":\"x\",\"summary\":\"from 10.0.0.1\"}\n"
			 "{\"id\":\"y\",\"summary\":\"from 10.0.0.2\"}\n");
	struct ucf_erase_target t;
	struct ucf_feed_erased e;
	assert_int_equal(ucf_erase_parse("10.0.0.1", &t, err, sizeof(err)), 0);
	assert_int_equal(ucf_feed_erase(f, &t, &e, err, sizeof(err)), 0);
	assert_int_equal(e.spool, 2);
	assert_int_equal(e.webhook_queue, 2);
	assert_int_equal(e.webhook_dead, 1);
	assert_false(ucf_feed_seen(f, a[0]->id));
	assert_true(ucf_feed_seen(f, a[1]->id));
	assert_false(ucf_feed_seen(f, a[2]->id));
	assert_int_equal(count(0, NULL), 1);
	struct ucf_sendq_stats ws;
	ucf_feed_webhook_stats(f, &ws);
	assert_int_equal(ws.queued, 1);
	char ids[4][UCF_ALERT_ID_LEN];
	assert_int_equal(queued_ids(ids, 4), 1);
	assert_string_equal(ids[0], a[1]->id);
	/* the next delivery attempt sends what is left, nothing erased */
	wait_idle(r, f);
	ucf_feed_webhook_stats(f, &ws);
	assert_int_equal(ws.queued, 1);
	/* erased, the same activity may be alerted again */
	assert_int_equal(ucf_feed_publish(f, a[0], err, sizeof(err)), 1);
	assert_int_equal(ucf_feed_erase(f, NULL, &e, err, sizeof(err)), 0);
	assert_int_equal(e.spool, 2);
	assert_int_equal(e.webhook_queue, 2);
	assert_int_equal(e.webhook_dead, 1);
	assert_int_equal(count(0, NULL), 0);
	assert_int_equal(queued_ids(ids, 4), 0);
	ucf_feed_webhook_stats(f, &ws);
	assert_int_equal(ws.queued, 0);
	ucf_feed_close(f);
	for (int i = 0; i < 3; i++)
		ucf_alert_free(a[i]);
	cfg.alerts.webhook_url = NULL;
	ucf_http_free(h);
	ucf_reactor_free(r);
}

static void wait_idle(struct ucf_reactor *r, struct ucf_feed *f)
{
	while (ucf_feed_busy(f))
		assert_true(ucf_reactor_dispatch(r, 5000) >= 0);
}

/* Alert ids in a JSON-lines file of alerts, in order. */
static int file_ids(const char *name, char ids[][UCF_ALERT_ID_LEN], int max)
{
	char path[160], *buf;
	size_t len;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (ucf_read_file(path, 1 << 20, &buf, &len, err, sizeof(err)) < 0)
		return -1;
	int n = 0;
	for (char *p = buf; n < max && (p = strstr(p, "\"id\":\"")); p += 6)
		snprintf(ids[n++], UCF_ALERT_ID_LEN, "%.32s", p + 6);
	free(buf);
	return n;
}

static void append_alert(const char *name, const struct ucf_alert *a)
{
	char path[160];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	json_t *o = ucf_alert_to_json(a);
	assert_int_equal(ucf_jsonl_append(path, o, 0600, err, sizeof(err)), 0);
	json_decref(o);
}

/* alerts.retention bounds every file of alerts the feed keeps: the spool,
 * the webhook queue (a queued alert past it is dropped undelivered, counted
 * and logged once) and the dead letters; at open, and at each pass, with
 * the time given (no waiting for hours). */
static void test_retention_bounds_every_alert_file(void **state)
{
	(void)state;
	int64_t now = ucf_time_now();
	struct ucf_alert *old[3], *fresh[3];
	const char *files[3] = { "alerts.jsonl", "webhook-queue.jsonl", "webhook-dead.jsonl" };
	for (int i = 0; i < 3; i++) {
		char key[8];
		snprintf(key, sizeof(key), "o%d", i);
		old[i] = alert_at(key, now - 7200);
		snprintf(key, sizeof(key), "f%d", i);
		fresh[i] = alert_at(key, now - 60);
		append_alert(files[i], old[i]);
		append_alert(files[i], fresh[i]);
	}
	/* no webhook configured: its files left on disk are pruned all the same */
	struct ucf_reactor *r;
	struct ucf_http *h;
	assert_int_equal(ucf_reactor_new(&r, err, sizeof(err)), 0);
	assert_int_equal(ucf_http_new(&h, r, err, sizeof(err)), 0);
	struct ucf_feed *f = open_feed(r, h);
	char ids[4][UCF_ALERT_ID_LEN];
	for (int i = 0; i < 3; i++) {
		assert_int_equal(file_ids(files[i], ids, 4), 1);
		assert_string_equal(ids[0], fresh[i]->id);
	}
	assert_false(ucf_feed_seen(f, old[0]->id));
	assert_true(ucf_feed_seen(f, fresh[0]->id));
	/* an hour later, what was fresh is past the retention */
	assert_int_equal(ucf_feed_prune_at(f, now + 3600, err, sizeof(err)), 0);
	for (int i = 0; i < 3; i++)
		assert_int_equal(file_ids(files[i], ids, 4), 0);
	assert_false(ucf_feed_seen(f, fresh[0]->id));
	ucf_feed_close(f);

	/* a webhook that is down: its queue in memory is pruned too */
	cfg.alerts.webhook_url = "http://127.0.0.1:9/hook";
	f = open_feed(r, h);
	struct ucf_alert *q[3];
	for (int i = 0; i < 3; i++) {
		char key[8];
		snprintf(key, sizeof(key), "q%d", i);
		q[i] = alert_at(key, now - 600 + i * 300); /* now-600, now-300, now */
		assert_int_equal(ucf_feed_publish(f, q[i], err, sizeof(err)), 1);
	}
	wait_idle(r, f); /* the first POST failed: none in flight */
	rewind(logf);
	assert_int_equal(ftruncate(fileno(logf), 0), 0);
	/* at now+3400 the first two are past the retention (cutoff now-200) */
	assert_int_equal(ucf_feed_prune_at(f, now + 3400, err, sizeof(err)), 0);
	struct ucf_sendq_stats ws;
	ucf_feed_webhook_stats(f, &ws);
	assert_int_equal(ws.queued, 1);
	assert_int_equal(ws.expired, 2);
	assert_int_equal(file_ids("webhook-queue.jsonl", ids, 4), 1);
	assert_string_equal(ids[0], q[2]->id);
	const char *line = logged();
	assert_non_null(strstr(line, "webhook: 2 queued alerts older than alerts.retention dropped "
				     "undelivered"));
	assert_ptr_equal(strchr(line, '\n'), line + strlen(line) - 1); /* logged once */
	/* the one being sent stays: its answer removes it */
	ucf_feed_kick(f);
	assert_true(ucf_feed_busy(f));
	assert_int_equal(ucf_feed_prune_at(f, now + 7200, err, sizeof(err)), 0);
	ucf_feed_webhook_stats(f, &ws);
	assert_int_equal(ws.queued, 1);
	wait_idle(r, f);
	assert_int_equal(ucf_feed_prune_at(f, now + 7200, err, sizeof(err)), 0);
	ucf_feed_webhook_stats(f, &ws);
	assert_int_equal(ws.queued, 0);
	assert_int_equal(ws.expired, 3);
	assert_int_equal(file_ids("webhook-queue.jsonl", ids, 4), 0);
	ucf_feed_close(f);
	cfg.alerts.webhook_url = NULL;
	for (int i = 0; i < 3; i++) {
		ucf_alert_free(old[i]);
		ucf_alert_free(fresh[i]);
		ucf_alert_free(q[i]);
	}
	ucf_http_free(h);
	ucf_reactor_free(r);
}

/* A reload's new alerts section: the feed is not reopened (its lock stays
 * held), the webhook queue stays whole, and nothing is queued twice; the
 * caller's config may go at once. */
static void test_reconfigure_keeps_lock_and_queue(void **state)
{
	(void)state;
	cfg.alerts.webhook_url = "http://127.0.0.1:9/hook";
	struct ucf_reactor *r;
	struct ucf_http *h;
	struct ucf_sendq_stats ws;
	assert_int_equal(ucf_reactor_new(&r, err, sizeof(err)), 0);
	assert_int_equal(ucf_http_new(&h, r, err, sizeof(err)), 0);
	struct ucf_feed *f = open_feed(r, h), *g = NULL;
	struct ucf_alert *a = alert_at("r0", ucf_time_now()), *b = alert_at("r1", ucf_time_now());
	assert_int_equal(ucf_feed_publish(f, a, err, sizeof(err)), 1);
	assert_int_equal(ucf_feed_publish(f, b, err, sizeof(err)), 1);
	wait_idle(r, f);
	ucf_feed_webhook_stats(f, &ws);
	size_t failures = ws.failures;
	assert_int_equal(ws.queued, 2);
	assert_true(failures >= 1);

	/* syslog on: the same webhook, its failures not started over */
	struct ucf_config *next;
	assert_int_equal(ucf_config_dup(&cfg, &next), 0);
	next->alerts.syslog = true;
	assert_int_equal(ucf_feed_reconfigure(f, next, err, sizeof(err)), 0);
	ucf_config_free(next); /* the feed keeps its own copy (ASan) */
	ucf_feed_webhook_stats(f, &ws);
	assert_int_equal(ws.queued, 2);
	assert_int_equal(ws.failures, failures);
	assert_int_equal(ucf_feed_open(&g, &cfg, r, h, &logv, err, sizeof(err)), -EBUSY);

	/* another URL: the queue is sent there at once, in order, still whole */
	assert_int_equal(ucf_config_dup(&cfg, &next), 0);
	free(next->alerts.webhook_url);
	next->alerts.webhook_url = strdup("http://127.0.0.1:7/other");
	assert_int_equal(ucf_feed_reconfigure(f, next, err, sizeof(err)), 0);
	ucf_config_free(next);
	assert_true(ucf_feed_busy(f));
	wait_idle(r, f);
	ucf_feed_webhook_stats(f, &ws);
	assert_int_equal(ws.queued, 2);
	assert_true(ws.failures > failures);
	char ids[4][UCF_ALERT_ID_LEN];
	assert_int_equal(queued_ids(ids, 4), 2);
	assert_string_equal(ids[0], a->id);
	assert_string_equal(ids[1], b->id);

	/* state_dir is refused, naming it; nothing changes */
	assert_int_equal(ucf_config_dup(&cfg, &next), 0);
	free(next->state_dir);
	next->state_dir = strdup("/tmp/elsewhere");
	assert_int_equal(ucf_feed_reconfigure(f, next, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "state_dir"));
	ucf_config_free(next);

	/* a new spool is the memory of what was raised: an alert raised again
	 * is spooled there but not queued twice */
	char spool2[160];
	snprintf(spool2, sizeof(spool2), "%s/sub/alerts2.jsonl", dir);
	assert_int_equal(ucf_config_dup(&cfg, &next), 0);
	free(next->alerts.spool);
	next->alerts.spool = strdup(spool2);
	free(next->alerts.webhook_url);
	next->alerts.webhook_url = strdup("http://127.0.0.1:7/other");
	assert_int_equal(ucf_feed_reconfigure(f, next, err, sizeof(err)), 0);
	ucf_config_free(next);
	assert_false(ucf_feed_seen(f, a->id));
	assert_int_equal(ucf_feed_publish(f, a, err, sizeof(err)), 1);
	assert_true(ucf_feed_seen(f, a->id));
	wait_idle(r, f);
	assert_int_equal(queued_ids(ids, 4), 2);

	/* no webhook: the queue stays on disk; configured again, it is back */
	assert_int_equal(ucf_config_dup(&cfg, &next), 0);
	free(next->alerts.spool);
	next->alerts.spool = strdup(spool2);
	free(next->alerts.webhook_url);
	next->alerts.webhook_url = NULL;
	assert_int_equal(ucf_feed_reconfigure(f, next, err, sizeof(err)), 0);
	ucf_feed_webhook_stats(f, &ws);
	assert_int_equal(ws.queued, 0);
	assert_int_equal(queued_ids(ids, 4), 2);
	next->alerts.webhook_url = strdup("http://127.0.0.1:9/hook");
	assert_int_equal(ucf_feed_reconfigure(f, next, err, sizeof(err)), 0);
	ucf_config_free(next);
	ucf_feed_webhook_stats(f, &ws);
	assert_int_equal(ws.queued, 2);
	wait_idle(r, f);
	assert_int_equal(ucf_feed_open(&g, &cfg, r, h, &logv, err, sizeof(err)), -EBUSY);
	ucf_feed_close(f);
	ucf_alert_free(a);
	ucf_alert_free(b);
	cfg.alerts.webhook_url = NULL;
	ucf_http_free(h);
	ucf_reactor_free(r);
}

static void test_payloads(void **state)
{
	(void)state;
	struct ucf_alert *a = alert_at("p", 1518307200);
	char *generic = ucf_webhook_payload(a, UCF_WEBHOOK_GENERIC, 0);
	char *slack = ucf_webhook_payload(a, UCF_WEBHOOK_SLACK, 0);
	json_t *g = json_loads(generic, 0, NULL), *s = json_loads(slack, 0, NULL);
	assert_string_equal(json_string_value(json_object_get(g, "id")), a->id);
	assert_int_equal(json_object_size(s), 1);
	const char *text = json_string_value(json_object_get(s, "text"));
	assert_non_null(strstr(text, "packet-capture at b1: summary"));
	assert_non_null(strstr(text, a->id));
	json_decref(g);
	json_decref(s);
	free(generic);
	free(slack);
	ucf_alert_free(a);
}

static void test_atomic_write(void **state)
{
	(void)state;
	char path[160], *buf;
	size_t len;
	snprintf(path, sizeof(path), "%s/sub/dir/state.json", dir);
	snprintf(path + strlen(path) - 11, 12, "%s", "");
	assert_int_equal(ucf_mkdir_p(path, 0700, err, sizeof(err)), 0);
	snprintf(path, sizeof(path), "%s/sub/dir/state.json", dir);
	assert_int_equal(ucf_atomic_write(path, "one", 3, 0600, err, sizeof(err)), 0);
	assert_int_equal(ucf_atomic_write(path, "two!", 4, 0600, err, sizeof(err)), 0);
	assert_int_equal(ucf_read_file(path, 100, &buf, &len, err, sizeof(err)), 0);
	assert_string_equal(buf, "two!");
	free(buf);
	assert_int_equal(ucf_read_file(path, 2, &buf, &len, err, sizeof(err)), -EFBIG);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
}

/* Nothing under state_dir is opened through a symbolic link: a link planted
 * there (state_dir's parent may be writable by others, or a mistake) would
 * have the agent append to, truncate or read another file as root. */
static void test_no_symlinks_followed(void **state)
{
	(void)state;
	char target[160], path[160], *buf = NULL;
	size_t len;
	snprintf(target, sizeof(target), "%s/elsewhere", dir);
	append_raw(target, "precious, no newline at the end");
	assert_int_equal(symlink(target, spool), 0);
	struct ucf_alert *a = alert_at("link", ucf_time_now());
	assert_int_equal(ucf_spool_append(spool, a, err, sizeof(err)), -ELOOP);
	assert_non_null(strstr(err, spool));
	assert_int_equal(ucf_jsonl_repair(spool, err, sizeof(err)), -ELOOP);
	assert_int_equal(count(INT64_MIN, NULL), -ELOOP);
	assert_int_equal(ucf_spool_prune(spool, 0, UCF_SPOOL_MAX, NULL, NULL, err, sizeof(err)),
			 -ELOOP);
	struct ucf_feed *f = NULL;
	assert_true(ucf_feed_open(&f, &cfg, NULL, NULL, &logv, err, sizeof(err)) < 0);
	assert_null(f);
	assert_int_equal(ucf_read_file(target, 1024, &buf, &len, err, sizeof(err)), 0);
	assert_string_equal(buf, "precious, no newline at the end"); /* untouched */
	free(buf);
	/* a dangling link is not created through either */
	assert_int_equal(unlink(spool), 0);
	snprintf(path, sizeof(path), "%s/nowhere", dir);
	assert_int_equal(symlink(path, spool), 0);
	assert_int_equal(ucf_spool_append(spool, a, err, sizeof(err)), -ELOOP);
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(unlink(spool), 0);
	/* state documents and the feed's lock */
	snprintf(path, sizeof(path), "%s/state.json", dir);
	assert_int_equal(symlink(target, path), 0);
	json_t *doc = NULL;
	assert_int_equal(ucf_json_load(path, &doc, err, sizeof(err)), -ELOOP);
	snprintf(path, sizeof(path), "%s/feed.lock", dir);
	assert_int_equal(unlink(path), 0); /* made by the first open above */
	assert_int_equal(symlink(target, path), 0);
	assert_int_equal(ucf_feed_open(&f, &cfg, NULL, NULL, &logv, err, sizeof(err)), -ELOOP);
	assert_non_null(strstr(err, "feed.lock"));
	ucf_alert_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_spool_append_read_since, setup, teardown),
		cmocka_unit_test_setup_teardown(test_spool_retention_and_repair, setup, teardown),
		cmocka_unit_test_setup_teardown(test_spool_larger_than_64_mib, setup, teardown),
		cmocka_unit_test_setup_teardown(test_spool_size_cap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_spool_overlong_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_feed_dedupe_across_restarts_and_lock, setup, teardown),
		cmocka_unit_test_setup_teardown(test_webhook_queue_is_durable_and_ordered, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reconfigure_keeps_lock_and_queue, setup, teardown),
		cmocka_unit_test_setup_teardown(test_retention_bounds_every_alert_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_feed_erase, setup, teardown),
		cmocka_unit_test_setup_teardown(test_payloads, setup, teardown),
		cmocka_unit_test_setup_teardown(test_atomic_write, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_symlinks_followed, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
