/* Unit tests for the durable send queue, against a local HTTP receiver
 * forked by the test (127.0.0.1 only): draining a backlog writes the queue
 * file a bounded number of times its size (not once per alert), and a
 * restart, an erasure or a retention pass in the middle of a drain leaves
 * the rest delivered once each, in order, with nothing erased or expired
 * left in the file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sendq.h"
#include "statefile.h"
#include "timefmt.h"

static char dir[64], qpath[128], err[512];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/ucf-sendq-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(qpath, sizeof(qpath), "%s/q.jsonl", dir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd);
}

/* ---- the receiver: a child answering 200 to the first `limit` POSTs, then
 * gone (its port refuses); each answered Idempotency-Key logged a line. */

struct receiver {
	pid_t pid;
	char url[64];
	char log[128];
};

static void serve_conn(int c, FILE *log, long *left)
{
	char buf[65536];
	size_t have = 0;
	for (;;) {
		char *end;
		while (!(end = memmem(buf, have, "\r\n\r\n", 4))) {
			if (have == sizeof(buf))
				return;
			ssize_t n = read(c, buf + have, sizeof(buf) - have);
			if (n <= 0)
				return;
			have += (size_t)n;
		}
		size_t hdr = (size_t)(end - buf) + 4, body = 0;
		char id[128] = "?";
		const char *p = memmem(buf, hdr, "Content-Length: ", 16);
		if (p)
			body = strtoul(p + 16, NULL, 10);
		p = memmem(buf, hdr, "Idempotency-Key: ", 17);
		if (p)
			snprintf(id, sizeof(id), "%.*s", (int)strcspn(p + 17, "\r\n"), p + 17);
		while (have < hdr + body) {
			if (have == sizeof(buf))
				return;
			ssize_t n = read(c, buf + have, sizeof(buf) - have);
			if (n <= 0)
				return;
			have += (size_t)n;
		}
		if (*left == 0)
			_exit(0); /* gone before answering: this one is not delivered */
		fprintf(log, "%s\n", id);
		fflush(log);
		static const char ok[] = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
		if (write(c, ok, sizeof(ok) - 1) != (ssize_t)sizeof(ok) - 1)
			return;
		if (*left > 0)
			--*left;
		memmove(buf, buf + hdr + body, have - hdr - body);
		have -= hdr + body;
	}
}

static void receiver_start(struct receiver *rv, const char *name, long limit)
{
	int s = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(s >= 0);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t sl = sizeof(sa);
	assert_int_equal(bind(s, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(s, 8), 0);
	assert_int_equal(getsockname(s, (struct sockaddr *)&sa, &sl), 0);
	snprintf(rv->url, sizeof(rv->url), "http://127.0.0.1:%u/hook", ntohs(sa.sin_port));
	snprintf(rv->log, sizeof(rv->log), "%s/%s.log", dir, name);
	FILE *log = fopen(rv->log, "w");
	assert_non_null(log);
	rv->pid = fork();
	assert_true(rv->pid >= 0);
	if (rv->pid == 0) {
		long left = limit;
		for (;;) {
			int c = accept(s, NULL, NULL);
			if (c < 0)
				_exit(1);
			serve_conn(c, log, &left);
			close(c);
		}
	}
	fclose(log);
	close(s);
}

static void receiver_stop(struct receiver *rv)
{
	kill(rv->pid, SIGTERM);
	waitpid(rv->pid, NULL, 0);
}

/* The ids the receiver answered, appended to ids[*n]. */
static void receiver_ids(const struct receiver *rv, char (*ids)[UCF_ALERT_ID_LEN], size_t max,
			 size_t *n)
{
	FILE *f = fopen(rv->log, "r");
	assert_non_null(f);
	char line[128];
	while (fgets(line, sizeof(line), f)) {
		assert_true(*n < max);
		snprintf(ids[(*n)++], UCF_ALERT_ID_LEN, "%.32s", line);
	}
	fclose(f);
}

/* ---- the queue ----------------------------------------------------------- */

static char *format_id(const struct ucf_alert *a, uint64_t arg, int64_t now)
{
	(void)arg;
	(void)now;
	char *s;
	return asprintf(&s, "{\"id\":\"%s\"}", a->id) < 0 ? NULL : s;
}

static struct ucf_sendq_dest dest(const char *url)
{
	return (struct ucf_sendq_dest){ .name = "test", .url = url, .queue_file = "q.jsonl",
					.dead_file = "dead.jsonl", .format = format_id };
}

static const char *const sources[3] = { "10.0.0.1", "10.0.0.2", "10.0.0.3" };

static struct ucf_alert *alert_n(size_t i, int64_t t)
{
	struct ucf_alert *a;
	char key[32];
	snprintf(key, sizeof(key), "k%zu", i);
	json_t *details = json_pack("{s:s,s:s}", "source", sources[i % 3], "note",
				    "some bytes so that a line is the size of a real alert, "
				    "which carries a summary and a few details");
	assert_int_equal(ucf_alert_new(&a, "branch-017", "packet-capture", UCF_SEV_CRITICAL, t,
				       key, "Packet capture started by Bob Builder", details, err,
				       sizeof(err)),
			 0);
	return a;
}

struct rig {
	struct ucf_reactor *r;
	struct ucf_http *h;
	struct ucf_log quiet;
	FILE *logf;
	struct ucf_sendq *q;
	size_t n;
	struct ucf_alert **a;
};

static void rig_open(struct rig *g, const char *url)
{
	struct ucf_sendq_dest d = dest(url);
	assert_int_equal(ucf_sendq_open(&g->q, &d, dir, g->r, g->h, &g->quiet, err, sizeof(err)),
			 0);
}

/* n alerts queued while the destination refuses (times t0, t0+1, ...). */
static void rig_new(struct rig *g, size_t n, int64_t t0)
{
	memset(g, 0, sizeof(*g));
	assert_int_equal(ucf_reactor_new(&g->r, err, sizeof(err)), 0);
	assert_int_equal(ucf_http_new(&g->h, g->r, err, sizeof(err)), 0);
	g->logf = tmpfile();
	assert_non_null(g->logf);
	ucf_log_init(&g->quiet, "ucfence", g->logf);
	unlink(qpath);
	rig_open(g, "http://127.0.0.1:9/hook"); /* nothing listens on discard */
	g->n = n;
	g->a = calloc(n, sizeof(*g->a));
	assert_non_null(g->a);
	for (size_t i = 0; i < n; i++) {
		g->a[i] = alert_n(i, t0 + (int64_t)i);
		assert_int_equal(ucf_sendq_enqueue(g->q, g->a[i], err, sizeof(err)), 0);
	}
	while (ucf_sendq_busy(g->q)) /* the first POST fails: a backoff runs */
		assert_true(ucf_reactor_dispatch(g->r, 5000) >= 0);
	struct ucf_sendq_stats st;
	ucf_sendq_stats(g->q, &st);
	assert_int_equal(st.queued, n);
	assert_int_equal(st.delivered, 0);
}

static void rig_free(struct rig *g)
{
	ucf_sendq_close(g->q);
	for (size_t i = 0; i < g->n; i++)
		ucf_alert_free(g->a[i]);
	free(g->a);
	ucf_http_free(g->h);
	ucf_reactor_free(g->r);
	fclose(g->logf);
}

/* Bytes written to the queue file as seen from outside: growth of the same
 * file, or the whole size of a new one (an atomic rewrite renames one in). */
struct watch {
	ino_t ino;
	off_t size;
	uint64_t written;
};

static void watch_start(struct watch *w)
{
	struct stat st;
	assert_int_equal(stat(qpath, &st), 0);
	*w = (struct watch){ .ino = st.st_ino, .size = st.st_size };
}

static void watch_step(struct watch *w)
{
	struct stat st;
	if (stat(qpath, &st) < 0)
		return;
	if (st.st_ino != w->ino)
		w->written += (uint64_t)st.st_size;
	else if (st.st_size > w->size)
		w->written += (uint64_t)(st.st_size - w->size);
	w->ino = st.st_ino;
	w->size = st.st_size;
}

/* Sends until the queue is empty or the destination fails. */
static void drain(struct rig *g, struct watch *w)
{
	ucf_sendq_kick(g->q);
	while (ucf_sendq_busy(g->q)) {
		assert_true(ucf_reactor_dispatch(g->r, 5000) >= 0);
		if (w)
			watch_step(w);
	}
}

static void retarget(struct rig *g, const char *url)
{
	struct ucf_sendq_dest d = dest(url);
	assert_int_equal(ucf_sendq_retarget(g->q, &d, err, sizeof(err)), 0);
	drain(g, NULL);
}

static bool file_names(const char *needle)
{
	char *buf;
	size_t len;
	assert_int_equal(ucf_read_file(qpath, 64u << 20, &buf, &len, err, sizeof(err)), 0);
	bool found = strstr(buf, needle) != NULL;
	free(buf);
	return found;
}

static off_t file_size(void)
{
	struct stat st;
	assert_int_equal(stat(qpath, &st), 0);
	return st.st_size;
}

/* What the receivers got, in order, is exactly the alerts for which want
 * is true, in queue order, each once. */
static void assert_delivered(const struct rig *g, const struct receiver *rv, size_t nrv,
			     const bool *want)
{
	char(*ids)[UCF_ALERT_ID_LEN] = calloc(g->n + 1, UCF_ALERT_ID_LEN);
	assert_non_null(ids);
	size_t got = 0, j = 0;
	for (size_t i = 0; i < nrv; i++)
		receiver_ids(&rv[i], ids, g->n + 1, &got);
	for (size_t i = 0; i < g->n; i++) {
		if (!want[i])
			continue;
		assert_true(j < got);
		assert_string_equal(ids[j], g->a[i]->id);
		j++;
	}
	assert_int_equal(j, got);
	free(ids);
}

/* A backlog drained after an outage: the queue file is written a bounded
 * number of times its size in all (it used to be rewritten whole after each
 * delivery: quadratic), and ends empty. */
static void test_drain_is_linear(void **state)
{
	(void)state;
	struct rig g;
	rig_new(&g, 2000, ucf_time_now());
	off_t size = file_size();
	struct receiver ok;
	receiver_start(&ok, "ok", -1);
	struct watch w;
	watch_start(&w);
	struct ucf_sendq_dest d = dest(ok.url);
	assert_int_equal(ucf_sendq_retarget(g.q, &d, err, sizeof(err)), 0);
	drain(&g, &w);
	receiver_stop(&ok);
	struct ucf_sendq_stats st;
	ucf_sendq_stats(g.q, &st);
	assert_int_equal(st.delivered, 2000);
	assert_int_equal(st.queued, 0);
	/* compactions halve what is left: about log2(2000) of them */
	assert_true(st.rewrites <= 16);
	printf("drained %lld bytes of queue with %llu bytes written\n", (long long)size,
	       (unsigned long long)w.written);
	assert_true(w.written < 4 * (uint64_t)size);
	assert_int_equal(file_size(), 0);
	bool all[2000];
	for (size_t i = 0; i < 2000; i++)
		all[i] = true;
	assert_delivered(&g, &ok, 1, all);
	rig_free(&g);
}

/* A restart in the middle of a drain: the rest is delivered once each, in
 * order, and nothing delivered before is sent again. */
static void test_restart_mid_drain(void **state)
{
	(void)state;
	struct rig g;
	rig_new(&g, 200, ucf_time_now());
	struct receiver a, b;
	receiver_start(&a, "a", 70);
	retarget(&g, a.url); /* 70 delivered, then the receiver is gone */
	receiver_stop(&a);
	struct ucf_sendq_stats st;
	ucf_sendq_stats(g.q, &st);
	assert_int_equal(st.delivered, 70);
	assert_int_equal(st.queued, 130);
	ucf_sendq_close(g.q);
	receiver_start(&b, "b", -1);
	rig_open(&g, b.url);
	ucf_sendq_stats(g.q, &st);
	assert_int_equal(st.queued, 130);
	/* and once more, before anything is sent */
	ucf_sendq_close(g.q);
	rig_open(&g, b.url);
	ucf_sendq_stats(g.q, &st);
	assert_int_equal(st.queued, 130);
	drain(&g, NULL);
	receiver_stop(&b);
	ucf_sendq_stats(g.q, &st);
	assert_int_equal(st.delivered, 130);
	assert_int_equal(st.queued, 0);
	struct receiver both[2] = { a, b };
	bool all[200];
	for (size_t i = 0; i < 200; i++)
		all[i] = true;
	assert_delivered(&g, both, 2, all);
	/* a restart after the drain: nothing left to send */
	ucf_sendq_close(g.q);
	rig_open(&g, b.url);
	ucf_sendq_stats(g.q, &st);
	assert_int_equal(st.queued, 0);
	rig_free(&g);
}

/* Erasure in the middle of a drain, of the open queue and of the file a
 * closed one left: no line naming the address stays in the file, delivered
 * or not, and the rest is delivered once each, in order. */
static void test_erase_mid_drain(void **state)
{
	(void)state;
	struct rig g;
	rig_new(&g, 120, ucf_time_now());
	struct receiver a, b;
	receiver_start(&a, "a", 40);
	retarget(&g, a.url);
	receiver_stop(&a);
	assert_true(file_names(sources[0]));
	struct ucf_erase_target t;
	assert_int_equal(ucf_erase_parse(sources[0], &t, err, sizeof(err)), 0);
	size_t removed = 0;
	assert_int_equal(ucf_sendq_erase(g.q, &t, &removed, err, sizeof(err)), 0);
	assert_int_equal(removed, 26); /* the undelivered ones naming it */
	assert_false(file_names(sources[0]));
	struct stat st;
	assert_int_equal(stat(qpath, &st), 0);
	assert_int_equal(st.st_mode & 0777, UCF_SENDQ_FILE_MODE);
	ucf_sendq_close(g.q);
	/* the file a closed queue left */
	assert_true(file_names(sources[2]));
	assert_int_equal(ucf_erase_parse(sources[2], &t, err, sizeof(err)), 0);
	assert_int_equal(ucf_sendq_erase_file(qpath, &t, &removed, err, sizeof(err)), 0);
	assert_int_equal(removed, 27);
	assert_false(file_names(sources[2]));
	assert_int_equal(stat(qpath, &st), 0);
	assert_int_equal(st.st_mode & 0777, UCF_SENDQ_FILE_MODE);
	receiver_start(&b, "b", -1);
	rig_open(&g, b.url);
	drain(&g, NULL);
	receiver_stop(&b);
	struct receiver both[2] = { a, b };
	bool want[120];
	for (size_t i = 0; i < 120; i++)
		want[i] = i < 40 || i % 3 == 1;
	assert_delivered(&g, both, 2, want);
	rig_free(&g);
}

/* Retention in the middle of a drain, of the open queue and of the file a
 * closed one left: what expired is gone from the file, delivered or not,
 * and the rest is delivered once each, in order. */
static void test_prune_mid_drain(void **state)
{
	(void)state;
	struct rig g;
	int64_t t0 = ucf_time_now() - 1000;
	rig_new(&g, 100, t0); /* alert i at t0 + i */
	struct receiver a, b;
	receiver_start(&a, "a", 30);
	retarget(&g, a.url);
	receiver_stop(&a);
	size_t expired = 0;
	assert_int_equal(ucf_sendq_prune(g.q, t0 + 50, &expired, NULL, err, sizeof(err)), 0);
	assert_int_equal(expired, 20);
	for (size_t i = 0; i < 50; i++)
		assert_false(file_names(g.a[i]->id));
	assert_true(file_names(g.a[50]->id));
	ucf_sendq_close(g.q);
	assert_int_equal(ucf_sendq_prune_files(qpath, NULL, t0 + 60, &expired, NULL, err,
					       sizeof(err)),
			 0);
	assert_int_equal(expired, 10);
	for (size_t i = 0; i < 60; i++)
		assert_false(file_names(g.a[i]->id));
	struct stat st;
	assert_int_equal(stat(qpath, &st), 0);
	assert_int_equal(st.st_mode & 0777, UCF_SENDQ_FILE_MODE);
	receiver_start(&b, "b", -1);
	rig_open(&g, b.url);
	drain(&g, NULL);
	receiver_stop(&b);
	struct receiver both[2] = { a, b };
	bool want[100];
	for (size_t i = 0; i < 100; i++)
		want[i] = i < 30 || i >= 60;
	assert_delivered(&g, both, 2, want);
	rig_free(&g);
}

/* A queue file left by a crash or edited by hand: a mark for an alert that
 * is not the head (ignored: that alert is sent, never skipped), a mark
 * whose id is no string (not a mark: a line that is not an alert, dropped
 * unsent), a torn last line (cut). The rest goes once each, in order. */
static void test_hostile_file(void **state)
{
	(void)state;
	struct rig g;
	rig_new(&g, 5, ucf_time_now());
	ucf_sendq_close(g.q);
	json_t *lines[5];
	for (size_t i = 0; i < 5; i++)
		lines[i] = ucf_alert_to_json(g.a[i]);
	FILE *f = fopen(qpath, "w");
	assert_non_null(f);
	char *t;
	for (size_t i = 0; i < 5; i++) {
		t = json_dumps(lines[i], JSON_COMPACT);
		fprintf(f, "%s\n", t);
		free(t);
		if (i == 0) /* the head, delivered */
			fprintf(f, "{\"delivered\":\"%s\"}\n", g.a[0]->id);
		if (i == 1) /* not the head (a[1] is): ignored */
			fprintf(f, "{\"delivered\":\"%s\"}\n", g.a[3]->id);
		if (i == 2)
			fprintf(f, "{\"delivered\":5}\n");
		json_decref(lines[i]);
	}
	fprintf(f, "{\"delivered\":\"%.10s", g.a[4]->id); /* torn */
	fclose(f);
	struct receiver rv;
	receiver_start(&rv, "a", -1);
	rig_open(&g, rv.url);
	struct ucf_sendq_stats st;
	ucf_sendq_stats(g.q, &st);
	assert_int_equal(st.queued, 5); /* a[1..4] and the line that is no alert */
	drain(&g, NULL);
	receiver_stop(&rv);
	ucf_sendq_stats(g.q, &st);
	assert_int_equal(st.queued, 0);
	assert_int_equal(st.delivered, 4);
	bool want[5] = { false, true, true, true, true };
	assert_delivered(&g, &rv, 1, want);
	rig_free(&g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_drain_is_linear, setup, teardown),
		cmocka_unit_test_setup_teardown(test_restart_mid_drain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_erase_mid_drain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prune_mid_drain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile_file, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
