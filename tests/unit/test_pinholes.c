/* Unit tests for the pinhole batching (agent/daemon/pinholes.h), without root: the
 * commit function is a fake kernel set that records every transaction,
 * refuses (ENOENT, nothing applied) a delete of an element it lacks, and can
 * be told to fail. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "pinholes.h"

#define MAXID 200000u
#define S 1000000u /* µs */

struct fake {
	uint64_t now;      /* the test's clock, recorded as each element's add time */
	uint64_t calls;    /* transactions tried */
	unsigned fail;     /* fail this many next transactions with fail_rc */
	int fail_rc;
	size_t last_nadd, last_ndel;
	uint64_t adds, dels, refreshes, enoents;
	bool present[MAXID];
	struct ucf_pinhole elem[MAXID];
	uint64_t added_at[MAXID];
	uint32_t nadd[MAXID], ndel[MAXID], nrefresh[MAXID];
	uint64_t delmark[MAXID];
	uint64_t clock; /* what clock_us returns */
};

/* Elements of the tests carry their id in peer; addr and port follow from it
 * unless a test changes them. */
static uint32_t idof(const struct ucf_pinhole *ph)
{
	uint32_t id;
	memcpy(&id, ph->peer, 4);
	return id;
}

static struct ucf_pinhole el(uint32_t id)
{
	struct ucf_pinhole ph = { .family = id % 3 ? AF_INET : AF_INET6,
				  .port = (uint16_t)(10000 + id % 50000) };
	memcpy(ph.peer, &id, 4);
	ph.peer[15] = 7;
	memcpy(ph.addr, &id, 4);
	ph.addr[15] = 1;
	return ph;
}

static bool same(const struct ucf_pinhole *a, const struct ucf_pinhole *b)
{
	return a->family == b->family && a->port == b->port && !memcmp(a->addr, b->addr, 16) &&
	       !memcmp(a->peer, b->peer, 16);
}

static int fake_commit(void *arg, const struct ucf_pinhole *add, size_t nadd,
		       const struct ucf_pinhole *del, size_t ndel, char *err, size_t errlen)
{
	struct fake *f = arg;
	f->calls++;
	if (f->fail) {
		f->fail--;
		snprintf(err, errlen, "injected failure");
		return f->fail_rc;
	}
	for (size_t i = 0; i < ndel; i++) { /* atomic: check everything first */
		uint32_t id = idof(&del[i]);
		assert_true(id < MAXID);
		if (!f->present[id] || !same(&f->elem[id], &del[i])) {
			f->enoents++;
			snprintf(err, errlen, "element %u: No such file or directory", id);
			return -ENOENT;
		}
	}
	for (size_t i = 0; i < ndel; i++) {
		uint32_t id = idof(&del[i]);
		assert_true(f->present[id]); /* no element twice in one transaction */
		f->present[id] = false;
		f->ndel[id]++;
		f->delmark[id] = f->calls;
		f->dels++;
	}
	for (size_t i = 0; i < nadd; i++) {
		uint32_t id = idof(&add[i]);
		assert_true(id < MAXID);
		assert_false(f->present[id] && f->delmark[id] == f->calls);
		if (f->delmark[id] == f->calls) {
			f->nrefresh[id]++;
			f->refreshes++;
		}
		f->present[id] = true;
		f->elem[id] = add[i];
		f->added_at[id] = f->now;
		f->nadd[id]++;
		f->adds++;
	}
	f->last_nadd = nadd;
	f->last_ndel = ndel;
	return 0;
}

static uint64_t fake_clock(void *arg)
{
	return ((struct fake *)arg)->clock;
}

static struct fake *fake_new(void)
{
	struct fake *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	f->fail_rc = -EIO;
	return f;
}

static struct ucf_pinholes *mk(struct fake *f, uint32_t cap, uint32_t refresh_s, uint64_t grace_us)
{
	struct ucf_pinholes_opts o = { .cap = cap, .refresh_s = refresh_s, .grace_us = grace_us,
				       .commit = fake_commit, .arg = f, .clock_us = fake_clock };
	struct ucf_pinholes *p = NULL;
	char err[256];
	assert_int_equal(ucf_pinholes_new(&o, &p, err, sizeof(err)), 0);
	return p;
}

static int commit(struct ucf_pinholes *p, struct fake *f)
{
	char err[256] = "";
	int rc = ucf_pinholes_commit(p, f->now, err, sizeof(err));
	if (rc < 0)
		assert_true(err[0] != '\0');
	return rc;
}

static int open1(struct ucf_pinholes *p, uint32_t id)
{
	struct ucf_pinhole ph = el(id);
	return ucf_pinholes_open(p, &ph, 0);
}

static int close1(struct ucf_pinholes *p, struct fake *f, uint32_t id, bool grace)
{
	struct ucf_pinhole ph = el(id);
	return ucf_pinholes_close(p, &ph, grace, f->now);
}

static struct ucf_pinholes_stats stats(const struct ucf_pinholes *p)
{
	struct ucf_pinholes_stats st;
	ucf_pinholes_get_stats(p, &st);
	return st;
}

static void test_bad_options(void **state)
{
	(void)state;
	struct ucf_pinholes *p = NULL;
	char err[256];
	struct ucf_pinholes_opts o = { .cap = 0, .commit = fake_commit };
	assert_int_equal(ucf_pinholes_new(&o, &p, err, sizeof(err)), -EINVAL);
	o.cap = 10;
	o.commit = NULL;
	assert_int_equal(ucf_pinholes_new(&o, &p, err, sizeof(err)), -EINVAL);
	assert_null(p);
}

static void test_adds_batched(void **state)
{
	(void)state;
	struct fake *f = fake_new();
	struct ucf_pinholes *p = mk(f, 100, 0, 0);
	for (uint32_t id = 0; id < 10; id++)
		assert_int_equal(open1(p, id), 1);
	assert_true(ucf_pinholes_pending(p));
	assert_int_equal(stats(p).pending_add, 10);
	assert_int_equal(ucf_pinholes_count(p), 10);
	assert_int_equal(commit(p, f), 0);
	assert_int_equal(f->calls, 1);
	assert_int_equal(f->last_nadd, 10);
	assert_int_equal(f->last_ndel, 0);
	for (uint32_t id = 0; id < 10; id++)
		assert_true(f->present[id]);
	assert_false(ucf_pinholes_pending(p));
	assert_int_equal(commit(p, f), 0); /* nothing pending: no transaction */
	assert_int_equal(f->calls, 1);
	assert_int_equal(stats(p).opened, 10);
	assert_int_equal(stats(p).batches, 1);
	struct ucf_pinhole bad = el(1);
	bad.family = 99;
	assert_int_equal(ucf_pinholes_open(p, &bad, 0), -EINVAL);
	ucf_pinholes_free(p);
	free(f);
}

/* Identity is (family, peer, addr, port): the same address and port from two
 * peers are two elements; another timeout is the same element. */
static void test_identity(void **state)
{
	(void)state;
	struct fake *f = fake_new();
	struct ucf_pinholes *p = mk(f, 100, 0, 0);
	struct ucf_pinhole a = el(1), b = el(2);
	memcpy(b.addr, a.addr, 16);
	b.port = a.port;
	b.family = a.family;
	assert_int_equal(ucf_pinholes_open(p, &a, 0), 1);
	assert_int_equal(ucf_pinholes_open(p, &b, 0), 1);
	struct ucf_pinhole a2 = a;
	a2.timeout_ms = 5000;
	assert_int_equal(ucf_pinholes_open(p, &a2, 0), 0);
	assert_int_equal(commit(p, f), 0);
	assert_int_equal(f->last_nadd, 2);
	assert_int_equal(ucf_pinholes_count(p), 2);
	ucf_pinholes_free(p);
	free(f);
}

static void test_refcount(void **state)
{
	(void)state;
	struct fake *f = fake_new();
	struct ucf_pinholes *p = mk(f, 100, 0, 0);
	assert_int_equal(open1(p, 5), 1);
	assert_int_equal(open1(p, 5), 0);
	assert_int_equal(commit(p, f), 0);
	assert_int_equal(f->last_nadd, 1);
	assert_int_equal(close1(p, f, 5, false), 0); /* one reference left */
	assert_false(ucf_pinholes_pending(p));
	assert_int_equal(commit(p, f), 0);
	assert_int_equal(f->calls, 1);
	assert_true(f->present[5]);
	assert_int_equal(ucf_pinholes_count(p), 1);
	assert_int_equal(close1(p, f, 5, false), 1); /* the last */
	assert_int_equal(ucf_pinholes_count(p), 0);
	assert_int_equal(commit(p, f), 0);
	assert_int_equal(f->calls, 2);
	assert_int_equal(f->last_ndel, 1);
	assert_false(f->present[5]);
	assert_int_equal(close1(p, f, 5, false), -ENOENT);
	assert_int_equal(close1(p, f, 6, false), -ENOENT);
	assert_int_equal(stats(p).closed, 1);
	ucf_pinholes_free(p);
	free(f);
}

static void count_each(void *arg, const struct ucf_pinhole *ph)
{
	(void)ph;
	(*(uint32_t *)arg)++;
}

static void test_grace(void **state)
{
	(void)state;
	struct fake *f = fake_new();
	struct ucf_pinholes *p = mk(f, 100, 0, 2 * S);
	f->now = 1000 * S;
	assert_int_equal(open1(p, 1), 1);
	assert_int_equal(open1(p, 2), 1);
	assert_int_equal(commit(p, f), 0);
	assert_int_equal(close1(p, f, 1, true), 1);
	assert_int_equal(close1(p, f, 2, true), 1);
	assert_int_equal(stats(p).in_grace, 2);
	/* still in the kernel: a rebuild carries them */
	assert_int_equal(ucf_pinholes_count(p), 2);
	uint32_t walked = 0;
	ucf_pinholes_each(p, count_each, &walked);
	assert_int_equal(walked, 2);
	f->now += S;
	ucf_pinholes_tick(p, f->now);
	assert_false(ucf_pinholes_pending(p));
	assert_int_equal(commit(p, f), 0);
	assert_int_equal(f->calls, 1);
	/* re-learned during its grace: kept, with no kernel operation */
	assert_int_equal(open1(p, 2), 1);
	assert_false(ucf_pinholes_pending(p));
	f->now += S + S / 2;
	ucf_pinholes_tick(p, f->now);
	assert_int_equal(stats(p).pending_del, 1);
	assert_int_equal(commit(p, f), 0);
	assert_int_equal(f->calls, 2);
	assert_int_equal(f->last_ndel, 1);
	assert_int_equal(f->last_nadd, 0);
	assert_false(f->present[1]);
	assert_true(f->present[2]);
	assert_int_equal(f->nadd[2], 1);
	assert_int_equal(ucf_pinholes_count(p), 1);
	assert_int_equal(stats(p).in_grace, 0);
	/* without grace: queued at once; re-learning it before the commit
	 * cancels the deletion, again with no kernel operation */
	assert_int_equal(close1(p, f, 2, false), 1);
	assert_int_equal(stats(p).pending_del, 1);
	assert_int_equal(open1(p, 2), 1);
	assert_false(ucf_pinholes_pending(p));
	assert_int_equal(commit(p, f), 0);
	assert_int_equal(f->calls, 2);
	assert_true(f->present[2]);
	ucf_pinholes_free(p);
	free(f);
}

static void test_close_pending_add(void **state)
{
	(void)state;
	struct fake *f = fake_new();
	struct ucf_pinholes *p = mk(f, 100, 0, 2 * S);
	assert_int_equal(open1(p, 1), 1);
	assert_int_equal(open1(p, 2), 1);
	assert_int_equal(close1(p, f, 1, false), 1);
	assert_int_equal(close1(p, f, 2, true), 1); /* grace is moot: it never got in */
	assert_false(ucf_pinholes_pending(p));
	assert_int_equal(ucf_pinholes_count(p), 0);
	assert_int_equal(stats(p).in_grace, 0);
	f->now += 5 * S;
	ucf_pinholes_tick(p, f->now);
	assert_int_equal(commit(p, f), 0);
	assert_int_equal(f->calls, 0);
	ucf_pinholes_free(p);
	free(f);
}

/* A batch with additions and two deletions, one of whose elements the
 * kernel no longer has: the additions go in, the other deletion too. */
static void test_enoent_retry(void **state)
{
	(void)state;
	struct fake *f = fake_new();
	struct ucf_pinholes *p = mk(f, 100, 0, 0);
	for (uint32_t id = 1; id <= 3; id++)
		open1(p, id);
	assert_int_equal(commit(p, f), 0);
	f->present[2] = false; /* expired in the kernel */
	assert_int_equal(close1(p, f, 2, false), 1);
	assert_int_equal(close1(p, f, 3, false), 1);
	assert_int_equal(open1(p, 4), 1);
	assert_int_equal(open1(p, 5), 1);
	assert_int_equal(commit(p, f), 0);
	assert_true(f->present[1] && f->present[4] && f->present[5]);
	assert_false(f->present[3]); /* the other delete was not lost */
	assert_int_equal(f->ndel[3], 1);
	struct ucf_pinholes_stats st = stats(p);
	assert_int_equal(st.enoent_retries, 1);
	assert_int_equal(st.gone, 1);
	assert_int_equal(st.errors, 0);
	assert_int_equal(st.closed, 2);
	assert_int_equal(st.opened, 5);
	assert_false(ucf_pinholes_pending(p));
	assert_int_equal(ucf_pinholes_count(p), 3);
	/* the retries are few: the batch, the additions, one per half */
	assert_int_equal(f->calls, 1 + 1 + 1 + 2);
	ucf_pinholes_free(p);
	free(f);
}

/* Many deletions, a few already gone: each gone one is isolated in halves,
 * every other one is deleted, refreshes among them are not left deleted. */
static void test_enoent_many(void **state)
{
	(void)state;
	enum { N = 1000 };
	struct fake *f = fake_new();
	struct ucf_pinholes *p = mk(f, N, 10, 0);
	f->now = 100 * S;
	for (uint32_t id = 0; id < N; id++)
		open1(p, id);
	assert_int_equal(commit(p, f), 0);
	f->now += 10 * S; /* every element due for refresh */
	for (uint32_t id = 0; id < N; id += 2)
		assert_int_equal(close1(p, f, id, false), 1);
	ucf_pinholes_tick(p, f->now);
	uint32_t refreshes = stats(p).pending_add;
	assert_true(refreshes >= 100 && refreshes < N / 2); /* the oldest: ids 1, 3, 5, ... */
	f->present[10] = f->present[500] = f->present[3] = false;
	uint64_t calls = f->calls;
	assert_int_equal(commit(p, f), 0);
	assert_true(f->calls - calls < 80); /* 3 missing in ~700: about 2·3·log2(700) */
	for (uint32_t id = 0; id < N; id++)
		assert_int_equal(f->present[id], id % 2 == 1); /* 3 lost in the kernel, re-added */
	struct ucf_pinholes_stats st = stats(p);
	assert_int_equal(st.gone, 3);
	assert_int_equal(st.errors, 0);
	assert_int_equal(st.closed, N / 2);
	assert_int_equal(st.refreshed, refreshes - 1);
	assert_int_equal(st.opened, N + 1);
	assert_int_equal(ucf_pinholes_count(p), N / 2);
	ucf_pinholes_free(p);
	free(f);
}

/* N elements added at once, refresh period R: over each period of R ticks
 * every element is refreshed exactly once, spread evenly over the ticks. */
static void check_spread(uint32_t n, uint32_t r)
{
	struct fake *f = fake_new();
	struct ucf_pinholes *p = mk(f, n, r, 0);
	uint32_t *seen = calloc(n, sizeof(*seen));
	assert_non_null(seen);
	f->now = 50 * S;
	for (uint32_t id = 0; id < n; id++)
		open1(p, id);
	assert_int_equal(commit(p, f), 0);
	uint32_t even = (n + r - 1) / r;
	for (uint32_t t = 1; t <= 4 * r; t++) {
		f->now += S;
		uint64_t before = f->refreshes;
		ucf_pinholes_tick(p, f->now);
		assert_int_equal(commit(p, f), 0);
		uint64_t this_tick = f->refreshes - before;
		assert_true(this_tick <= even + 1);
		assert_true(this_tick + 1 >= n / r);
		for (uint32_t id = 0; id < n; id++)
			assert_true(f->now - f->added_at[id] < (uint64_t)r * S);
		if (t % r == 0) { /* a period is over */
			for (uint32_t id = 0; id < n; id++) {
				assert_int_equal(f->nrefresh[id] - seen[id], 1);
				seen[id] = f->nrefresh[id];
			}
		}
	}
	assert_int_equal(stats(p).refreshed, 4ull * n);
	assert_int_equal(f->adds, 5ull * n);
	free(seen);
	ucf_pinholes_free(p);
	free(f);
}

static void test_refresh_spread(void **state)
{
	(void)state;
	check_spread(1000, 10);
	check_spread(1005, 10);
	check_spread(7, 3);
}

/* Few elements and a long period: refreshed one at a time, still within it. */
static void test_refresh_sparse(void **state)
{
	(void)state;
	struct fake *f = fake_new();
	struct ucf_pinholes *p = mk(f, 10, 40, 0);
	for (uint32_t id = 0; id < 4; id++)
		open1(p, id);
	assert_int_equal(commit(p, f), 0);
	for (int t = 0; t < 200; t++) {
		f->now += S;
		uint64_t before = f->refreshes;
		ucf_pinholes_tick(p, f->now);
		commit(p, f);
		assert_true(f->refreshes - before <= 1);
		for (uint32_t id = 0; id < 4; id++)
			assert_true(f->now - f->added_at[id] < 40ull * S);
	}
	assert_true(f->refreshes >= 4 * 200 / 40 && f->refreshes <= 4 * 200 / 40 + 4);
	ucf_pinholes_free(p);
	free(f);
}

static void test_cap(void **state)
{
	(void)state;
	struct fake *f = fake_new();
	struct ucf_pinholes *p = mk(f, 2, 0, 2 * S);
	assert_int_equal(open1(p, 1), 1);
	assert_int_equal(open1(p, 2), 1);
	assert_int_equal(open1(p, 3), -ENOSPC);
	assert_int_equal(open1(p, 1), 0); /* a reference to a held one is not an element more */
	assert_int_equal(stats(p).refused, 1);
	assert_int_equal(commit(p, f), 0);
	assert_int_equal(close1(p, f, 2, false), 1);
	assert_int_equal(open1(p, 3), 1);
	/* 2's deletion is pending; reviving it would make three */
	assert_int_equal(open1(p, 2), -ENOSPC);
	assert_int_equal(commit(p, f), 0);
	assert_true(f->present[1] && f->present[3] && !f->present[2]);
	/* an element in grace makes room: its grace is cut short */
	assert_int_equal(close1(p, f, 3, true), 1);
	assert_int_equal(open1(p, 4), 1);
	assert_int_equal(stats(p).graces_cut, 1);
	assert_int_equal(ucf_pinholes_count(p), 2);
	assert_int_equal(commit(p, f), 0);
	assert_true(f->present[1] && f->present[4] && !f->present[3]);
	ucf_pinholes_free(p);
	free(f);
}

/* A reload's new cap: raised at once, never below what is held. */
static void test_set_cap(void **state)
{
	(void)state;
	char err[256];
	struct fake *f = fake_new();
	struct ucf_pinholes *p = mk(f, 2, 0, 2 * S);
	assert_int_equal(open1(p, 1), 1);
	assert_int_equal(open1(p, 2), 1);
	assert_int_equal(open1(p, 3), -ENOSPC);
	assert_int_equal(ucf_pinholes_set_cap(p, 4, err, sizeof(err)), 0);
	assert_int_equal(ucf_pinholes_cap(p), 4);
	assert_int_equal(open1(p, 3), 1);
	assert_int_equal(open1(p, 4), 1);
	assert_int_equal(open1(p, 5), -ENOSPC);
	assert_int_equal(commit(p, f), 0);
	/* below the four held: refused, nothing changes */
	assert_int_equal(ucf_pinholes_set_cap(p, 3, err, sizeof(err)), -EBUSY);
	assert_string_equal(err, "3 is below the 4 pinholes held now");
	assert_int_equal(ucf_pinholes_cap(p), 4);
	assert_int_equal(ucf_pinholes_set_cap(p, 0, err, sizeof(err)), -EINVAL);
	/* lowered to what is held: the next open is refused, the held stay */
	assert_int_equal(close1(p, f, 4, false), 1);
	assert_int_equal(ucf_pinholes_set_cap(p, 3, err, sizeof(err)), 0);
	assert_int_equal(open1(p, 5), -ENOSPC);
	assert_int_equal(commit(p, f), 0);
	assert_true(f->present[1] && f->present[2] && f->present[3] && !f->present[4]);
	ucf_pinholes_free(p);
	free(f);
}

static void test_latency(void **state)
{
	(void)state;
	struct fake *f = fake_new();
	struct ucf_pinholes *p = mk(f, 10, 5, 0);
	struct ucf_pinhole a = el(1), b = el(2), c = el(3);
	assert_int_equal(ucf_pinholes_open(p, &a, 1000), 1);
	assert_int_equal(ucf_pinholes_open(p, &b, 0), 1); /* no stamp: not measured */
	assert_int_equal(ucf_pinholes_open(p, &c, 9000), 1);
	f->clock = 5000;
	assert_int_equal(commit(p, f), 0);
	const struct ucf_latency *l = ucf_pinholes_latency(p);
	assert_int_equal(l->total, 2);
	assert_int_equal(l->sum_us, 4000 + 0); /* an ack before the stamp counts as 0 */
	assert_int_equal(l->max_us, 4000);
	for (int t = 0; t < 12; t++) { /* refreshes are not measured */
		f->now += S;
		ucf_pinholes_tick(p, f->now);
		commit(p, f);
	}
	assert_true(stats(p).refreshed >= 3);
	assert_int_equal(l->total, 2);
	ucf_pinholes_free(p);
	free(f);
}

/* A transaction failing otherwise than ENOENT: the pending work is dropped,
 * a failed addition stays held and the next tick adds it; a failed refresh
 * is retried; a failed deletion is forgotten. */
static void test_failure(void **state)
{
	(void)state;
	struct fake *f = fake_new();
	struct ucf_pinholes *p = mk(f, 10, 10, 0);
	char err[256] = "";
	struct ucf_pinhole a = el(1);
	ucf_pinholes_open(p, &a, 0);
	f->fail = 1;
	assert_int_equal(ucf_pinholes_commit(p, f->now, err, sizeof(err)), -EIO);
	assert_string_equal(err, "injected failure");
	assert_false(ucf_pinholes_pending(p));
	assert_int_equal(ucf_pinholes_count(p), 1);
	assert_int_equal(stats(p).errors, 1);
	assert_false(f->present[1]);
	f->now += S;
	ucf_pinholes_tick(p, f->now);
	assert_int_equal(stats(p).pending_add, 1);
	assert_int_equal(stats(p).pending_del, 0); /* not in the kernel: add alone */
	assert_int_equal(commit(p, f), 0);
	assert_true(f->present[1]);
	assert_int_equal(stats(p).opened, 1);
	/* a refresh that fails is retried at the next tick */
	f->now += 10 * S;
	ucf_pinholes_tick(p, f->now);
	assert_int_equal(stats(p).pending_del, 1);
	f->fail = 1;
	assert_int_equal(commit(p, f), -EIO);
	assert_true(f->present[1]);
	f->now += S;
	ucf_pinholes_tick(p, f->now);
	assert_int_equal(stats(p).pending_del, 1);
	assert_int_equal(commit(p, f), 0);
	assert_int_equal(f->nrefresh[1], 1);
	/* a failed deletion is forgotten: the element times out in the kernel */
	assert_int_equal(close1(p, f, 1, false), 1);
	f->fail = 1;
	assert_int_equal(commit(p, f), -EIO);
	assert_int_equal(ucf_pinholes_count(p), 0);
	assert_false(ucf_pinholes_pending(p));
	assert_int_equal(close1(p, f, 1, false), -ENOENT);
	assert_int_equal(stats(p).errors, 3);
	ucf_pinholes_free(p);
	free(f);
}

/* ---- against a model ------------------------------------------------------ */

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

enum mstate { M_NONE, M_GRACE, M_DELPEND };

struct model {
	uint32_t refs;
	enum mstate st; /* with refs == 0 */
	bool committed; /* its addition was committed (the module thinks it in the kernel) */
	uint64_t until, seq; /* grace: its end, and the order graces began */
};

static uint32_t model_held(const struct model *m, uint32_t n)
{
	uint32_t held = 0;
	for (uint32_t j = 0; j < n; j++)
		held += m[j].refs || m[j].st == M_GRACE;
	return held;
}

/* Random opens, closes (with and without grace), ticks over random time
 * steps, commits, and deletions whose element the kernel lost; after every
 * commit the fake kernel holds exactly what the model says is open. With
 * failures, one commit in 16 has a transaction fail: the table must stay
 * consistent (what is held is what the model holds) and, once transactions
 * succeed again, everything held must be back in the kernel. */
static void random_run(uint64_t seed, bool failures)
{
	enum { M = 300, CAP = 200, OPS = 60000, R = 4 };
	const uint64_t grace = 2 * S;
	struct fake *f = fake_new();
	struct ucf_pinholes *p = mk(f, CAP, R, grace);
	struct model *m = calloc(M, sizeof(*m));
	assert_non_null(m);
	uint64_t seq = 0, max_gap = 0, commits = 0, lost = 0, failed = 0;
	f->now = 10 * S;
	for (int op = 0; op < OPS; op++) {
		uint32_t id = (uint32_t)(rnd(&seed) % M);
		unsigned what = (unsigned)(rnd(&seed) % 100);
		struct model *e = &m[id];
		if (what < 40) {
			int rc = open1(p, id);
			if (e->refs) {
				assert_int_equal(rc, 0);
				e->refs++;
				continue;
			}
			if (e->st != M_GRACE && model_held(m, M) >= CAP) {
				uint32_t old = M; /* room from the oldest grace, or none */
				for (uint32_t j = 0; j < M; j++)
					if (m[j].st == M_GRACE &&
					    (old == M || m[j].seq < m[old].seq))
						old = j;
				if (old == M) {
					assert_int_equal(rc, -ENOSPC);
					continue;
				}
				m[old].st = M_DELPEND;
			}
			assert_int_equal(rc, 1);
			if (e->st == M_NONE)
				e->committed = false;
			e->st = M_NONE;
			e->refs = 1;
		} else if (what < 75) {
			bool g = rnd(&seed) % 2;
			int rc = close1(p, f, id, g);
			if (!e->refs) {
				assert_int_equal(rc, -ENOENT);
				continue;
			}
			assert_int_equal(rc, e->refs > 1 ? 0 : 1);
			if (--e->refs)
				continue;
			if (!e->committed)
				e->st = M_NONE;
			else if (g)
				*e = (struct model){ 0, M_GRACE, true, f->now + grace, seq++ };
			else
				e->st = M_DELPEND;
		} else {
			if (what < 90) {
				f->now += rnd(&seed) % (3 * S / 2);
				ucf_pinholes_tick(p, f->now);
				for (uint32_t j = 0; j < M; j++)
					if (m[j].st == M_GRACE && m[j].until <= f->now)
						m[j].st = M_DELPEND;
			}
			/* the kernel lost (expired) some of what is to be deleted */
			for (uint32_t j = 0; j < M; j++) {
				if (m[j].st == M_DELPEND && f->present[j] && rnd(&seed) % 4 == 0) {
					f->present[j] = false;
					lost++;
				}
			}
			if (failures && rnd(&seed) % 16 == 0)
				f->fail = 1;
			int rc = commit(p, f);
			if (rc < 0) {
				assert_int_equal(rc, -EIO);
				failed++;
			}
			f->fail = 0;
			commits++;
			for (uint32_t j = 0; j < M; j++) {
				if (m[j].st == M_DELPEND) {
					/* deleted, or forgotten and left to its timeout:
					 * let it time out at once */
					f->present[j] = false;
					m[j] = (struct model){ 0 };
				}
				if (m[j].refs) /* an addition that failed is not in */
					m[j].committed = f->present[j];
				bool open = m[j].refs > 0 || m[j].st == M_GRACE;
				if (!failures)
					assert_int_equal(f->present[j], open);
				if (m[j].refs && f->now - f->added_at[j] > max_gap)
					max_gap = f->now - f->added_at[j];
			}
			uint32_t walked = 0;
			assert_int_equal(ucf_pinholes_count(p), model_held(m, M));
			ucf_pinholes_each(p, count_each, &walked);
			assert_int_equal(walked, model_held(m, M));
			assert_false(ucf_pinholes_pending(p));
		}
	}
	assert_true(commits > 10000);
	struct ucf_pinholes_stats st = stats(p);
	assert_true(st.enoent_retries > 0);
	assert_true(st.refreshed > 1000);
	assert_true(st.graces_cut > 0);
	assert_true(st.refused > 0);
	if (!failures) {
		/* every held element was re-added at least every R s (to the tick) */
		assert_true(max_gap < (uint64_t)R * S + 3 * S / 2);
		assert_true(lost > 100);
		assert_int_equal(st.errors, 0);
		assert_int_equal(st.gone, lost);
	} else {
		assert_true(failed > 100);
		assert_int_equal(st.errors, failed);
		f->now += S; /* the next tick adds what failed */
		ucf_pinholes_tick(p, f->now);
		assert_int_equal(commit(p, f), 0);
		for (uint32_t j = 0; j < M; j++)
			if (m[j].refs || m[j].st == M_GRACE)
				assert_true(f->present[j]);
	}
	free(m);
	ucf_pinholes_free(p);
	free(f);
}

static void test_random_model(void **state)
{
	(void)state;
	random_run(0x9e3779b97f4a7c15ULL, false);
	random_run(0x2545f4914f6cdd1dULL, false);
}

static void test_random_failures(void **state)
{
	(void)state;
	random_run(0x9e3779b97f4a7c15ULL, true);
}

/* Large N: 100,000 opens then 100,000 closes, each phase in one transaction;
 * a quadratic implementation would not finish. */
static void test_large(void **state)
{
	(void)state;
	enum { N = 100000 };
	struct fake *f = fake_new();
	struct ucf_pinholes *p = mk(f, N, 100, 2 * S);
	f->now = 100 * S;
	for (uint32_t id = 0; id < N; id++) {
		assert_int_equal(open1(p, id), 1);
		if (id == 10000) /* a bad hash is found out here, before it takes minutes */
			assert_true(stats(p).probes < 2 * stats(p).lookups);
	}
	assert_int_equal(open1(p, N), -ENOSPC);
	assert_int_equal(commit(p, f), 0);
	assert_int_equal(f->calls, 1);
	assert_int_equal(f->last_nadd, N);
	assert_int_equal(ucf_pinholes_count(p), N);
	/* one tick refreshes a bounded share */
	f->now += S;
	ucf_pinholes_tick(p, f->now);
	uint32_t pend = stats(p).pending_add;
	assert_true(pend >= N / 100 && pend <= 2 * (N / 100) + 64);
	assert_int_equal(commit(p, f), 0);
	for (uint32_t id = 0; id < N; id++)
		assert_int_equal(close1(p, f, id, id % 2 == 0), 1);
	assert_int_equal(stats(p).in_grace, N / 2);
	assert_int_equal(stats(p).pending_del, N / 2);
	assert_int_equal(commit(p, f), 0);
	assert_int_equal(f->last_ndel, N / 2);
	f->now += 3 * S;
	ucf_pinholes_tick(p, f->now);
	assert_int_equal(commit(p, f), 0);
	assert_int_equal(f->last_ndel, N / 2);
	assert_int_equal(ucf_pinholes_count(p), 0);
	assert_int_equal(f->dels, N + pend);
	/* lookups meet about one other element each (load factor at most one) */
	struct ucf_pinholes_stats st = stats(p);
	assert_true(st.lookups >= 2u * N);
	assert_true(st.probes < 2 * st.lookups);
	/* opened and closed before any commit: nothing at all */
	uint64_t calls = f->calls;
	for (uint32_t id = 0; id < N; id++)
		assert_int_equal(open1(p, id), 1);
	for (uint32_t id = 0; id < N; id++)
		assert_int_equal(close1(p, f, id, true), 1);
	assert_int_equal(commit(p, f), 0);
	assert_int_equal(f->calls, calls);
	ucf_pinholes_free(p);
	free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_options),
		cmocka_unit_test(test_adds_batched),
		cmocka_unit_test(test_identity),
		cmocka_unit_test(test_refcount),
		cmocka_unit_test(test_grace),
		cmocka_unit_test(test_close_pending_add),
		cmocka_unit_test(test_enoent_retry),
		cmocka_unit_test(test_enoent_many),
		cmocka_unit_test(test_refresh_spread),
		cmocka_unit_test(test_refresh_sparse),
		cmocka_unit_test(test_cap),
		cmocka_unit_test(test_set_cap),
		cmocka_unit_test(test_latency),
		cmocka_unit_test(test_failure),
		cmocka_unit_test(test_random_model),
		cmocka_unit_test(test_random_failures),
		cmocka_unit_test(test_large),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
