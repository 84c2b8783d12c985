/* pinholes.c — elements in a node array addressed by 32-bit index, so the
 * array can grow by realloc without breaking links: a chained hash table
 * (SipHash-1-3 with a per-instance key: a flood of forged endpoints cannot
 * aim at one chain), and four intrusive doubly linked lists. A node is in
 * the refresh FIFO (held, in the kernel) or the grace FIFO (closed, in the
 * kernel until its grace ends) or neither, and independently in the pending
 * addition and/or deletion queue (both: a refresh). */
#include "pinholes.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>

#include "grow.h"

#define NIL UINT32_MAX
#define FIRST_NODES 64u
#define MAX_CAP (1u << 30)

enum { L_TIMER, L_ADD, L_DEL, L_COUNT };
enum { W_NONE, W_REFRESH, W_GRACE };

struct link {
	uint32_t prev, next;
};

struct node {
	struct ucf_pinhole ph;
	uint64_t stamp_us; /* capture time of the announcing packet until its addition is acked */
	uint64_t sched_us; /* refresh FIFO key: never later than the element's last addition */
	uint64_t until_us; /* the end of its grace */
	uint32_t refs;
	uint32_t hnext; /* hash chain, or the free list */
	struct link l[L_COUNT];
	uint8_t where; /* W_*: which list l[L_TIMER] links */
	bool used, in_kernel, in_add, in_del;
};

struct list {
	uint32_t head, tail, n;
};

struct ucf_pinholes {
	struct ucf_pinholes_opts o;
	uint64_t key[2];
	struct node *nodes;
	uint32_t ncap, nused, max_nodes; /* allocated; handed out at least once; bound */
	uint32_t free_head;
	uint32_t *buckets;
	uint32_t mask;
	uint32_t held;
	struct list refresh, grace, addq, delq;
	double credit; /* early refreshes allowed, in elements */
	uint64_t tick_us;
	bool clock_set;
	struct ucf_pinholes_stats st;
	struct ucf_latency lat;
	/* the commit's arrays, kept between commits */
	struct ucf_pinhole *add_ph, *del_ph;
	uint32_t *add_ix, *del_ix;
	size_t add_cap, del_cap, add_ix_cap, del_ix_cap;
};

/* ---- hashing -------------------------------------------------------------- */

static inline uint64_t rotl(uint64_t x, int b)
{
	return (x << b) | (x >> (64 - b));
}

static inline void sipround(uint64_t v[4])
{
	v[0] += v[1], v[1] = rotl(v[1], 13), v[1] ^= v[0], v[0] = rotl(v[0], 32);
	v[2] += v[3], v[3] = rotl(v[3], 16), v[3] ^= v[2];
	v[0] += v[3], v[3] = rotl(v[3], 21), v[3] ^= v[0];
	v[2] += v[1], v[1] = rotl(v[1], 17), v[1] ^= v[2], v[2] = rotl(v[2], 32);
}

static uint64_t siphash13(const uint64_t k[2], const uint8_t *in, size_t len)
{
	uint64_t v[4] = { k[0] ^ 0x736f6d6570736575ULL, k[1] ^ 0x646f72616e646f6dULL,
			  k[0] ^ 0x6c7967656e657261ULL, k[1] ^ 0x7465646279746573ULL };
	size_t end = len - len % 8;
	for (size_t i = 0; i < end; i += 8) {
		uint64_t m;
		memcpy(&m, in + i, 8);
		v[3] ^= m;
		sipround(v);
		v[0] ^= m;
	}
	uint64_t b = (uint64_t)len << 56;
	for (size_t i = 0; i < len % 8; i++)
		b |= (uint64_t)in[end + i] << (8 * i);
	v[3] ^= b;
	sipround(v);
	v[0] ^= b;
	v[2] ^= 0xff;
	sipround(v);
	sipround(v);
	sipround(v);
	return v[0] ^ v[1] ^ v[2] ^ v[3];
}

static uint32_t hash(const struct ucf_pinholes *p, const struct ucf_pinhole *ph)
{
	uint8_t b[35];
	b[0] = ph->family;
	memcpy(b + 1, ph->peer, 16);
	memcpy(b + 17, ph->addr, 16);
	memcpy(b + 33, &ph->port, 2);
	return (uint32_t)siphash13(p->key, b, sizeof(b));
}

static bool same(const struct ucf_pinhole *a, const struct ucf_pinhole *b)
{
	return a->family == b->family && a->port == b->port &&
	       memcmp(a->addr, b->addr, 16) == 0 && memcmp(a->peer, b->peer, 16) == 0;
}

static uint32_t find(struct ucf_pinholes *p, const struct ucf_pinhole *ph)
{
	p->st.lookups++;
	if (!p->buckets)
		return NIL;
	uint32_t i = p->buckets[hash(p, ph) & p->mask];
	while (i != NIL && !same(&p->nodes[i].ph, ph)) {
		p->st.probes++;
		i = p->nodes[i].hnext;
	}
	return i;
}

/* ---- lists ---------------------------------------------------------------- */

static void push(struct ucf_pinholes *p, struct list *ls, int k, uint32_t i, bool at_head)
{
	struct link *l = &p->nodes[i].l[k];
	if (at_head) {
		l->prev = NIL;
		l->next = ls->head;
		if (ls->head != NIL)
			p->nodes[ls->head].l[k].prev = i;
		else
			ls->tail = i;
		ls->head = i;
	} else {
		l->next = NIL;
		l->prev = ls->tail;
		if (ls->tail != NIL)
			p->nodes[ls->tail].l[k].next = i;
		else
			ls->head = i;
		ls->tail = i;
	}
	ls->n++;
}

static void unlink_node(struct ucf_pinholes *p, struct list *ls, int k, uint32_t i)
{
	struct link *l = &p->nodes[i].l[k];
	if (l->prev != NIL)
		p->nodes[l->prev].l[k].next = l->next;
	else
		ls->head = l->next;
	if (l->next != NIL)
		p->nodes[l->next].l[k].prev = l->prev;
	else
		ls->tail = l->prev;
	l->prev = l->next = NIL;
	ls->n--;
}

static void list_clear(struct list *ls)
{
	*ls = (struct list){ NIL, NIL, 0 };
}

static void timer_unlink(struct ucf_pinholes *p, uint32_t i)
{
	struct node *n = &p->nodes[i];
	if (n->where == W_REFRESH)
		unlink_node(p, &p->refresh, L_TIMER, i);
	else if (n->where == W_GRACE)
		unlink_node(p, &p->grace, L_TIMER, i);
	n->where = W_NONE;
}

/* Back into the refresh FIFO, at its head so that no search is needed: its
 * key becomes at most the head's, so the FIFO stays ordered and the element
 * is refreshed no later than its last addition asks (perhaps earlier). */
static void refresh_push_head(struct ucf_pinholes *p, uint32_t i)
{
	struct node *n = &p->nodes[i];
	if (p->refresh.head != NIL && p->nodes[p->refresh.head].sched_us < n->sched_us)
		n->sched_us = p->nodes[p->refresh.head].sched_us;
	push(p, &p->refresh, L_TIMER, i, true);
	n->where = W_REFRESH;
}

/* ---- nodes ---------------------------------------------------------------- */

static int grow(struct ucf_pinholes *p)
{
	if (p->ncap >= p->max_nodes)
		return -ENOSPC;
	uint32_t ncap = p->ncap ? p->ncap * 2 : FIRST_NODES;
	if (ncap > p->max_nodes)
		ncap = p->max_nodes;
	uint32_t nb = p->buckets ? p->mask + 1 : 0;
	if (nb < ncap) { /* load factor at most one */
		uint32_t size = nb ? nb : 16;
		while (size < ncap)
			size *= 2;
		uint32_t *b = malloc((size_t)size * sizeof(*b));
		if (!b)
			return -ENOMEM;
		memset(b, 0xff, (size_t)size * sizeof(*b));
		for (uint32_t i = 0; i < p->nused; i++) {
			if (!p->nodes[i].used)
				continue;
			uint32_t h = hash(p, &p->nodes[i].ph) & (size - 1);
			p->nodes[i].hnext = b[h];
			b[h] = i;
		}
		free(p->buckets);
		p->buckets = b;
		p->mask = size - 1;
	}
	struct node *nodes = ucf_grow_array(p->nodes, NULL, ncap, sizeof(*nodes), 0);
	if (!nodes)
		return -ENOMEM;
	p->nodes = nodes;
	p->ncap = ncap;
	return 0;
}

static int node_new(struct ucf_pinholes *p, const struct ucf_pinhole *ph, uint32_t *out)
{
	uint32_t i;
	if (p->free_head != NIL) {
		i = p->free_head;
		p->free_head = p->nodes[i].hnext;
	} else {
		if (p->nused == p->ncap) {
			int rc = grow(p);
			if (rc < 0)
				return rc;
		}
		i = p->nused++;
	}
	struct node *n = &p->nodes[i];
	memset(n, 0, sizeof(*n));
	n->ph = *ph;
	n->used = true;
	for (int k = 0; k < L_COUNT; k++)
		n->l[k] = (struct link){ NIL, NIL };
	uint32_t h = hash(p, ph) & p->mask;
	n->hnext = p->buckets[h];
	p->buckets[h] = i;
	*out = i;
	return 0;
}

static void node_free(struct ucf_pinholes *p, uint32_t i)
{
	uint32_t *pp = &p->buckets[hash(p, &p->nodes[i].ph) & p->mask];
	while (*pp != i)
		pp = &p->nodes[*pp].hnext;
	*pp = p->nodes[i].hnext;
	p->nodes[i].used = false;
	p->nodes[i].hnext = p->free_head;
	p->free_head = i;
}

/* ---- life ----------------------------------------------------------------- */

int ucf_pinholes_new(const struct ucf_pinholes_opts *o, struct ucf_pinholes **out, char *err,
		     size_t errlen)
{
	if (o->cap == 0 || o->cap > MAX_CAP || !o->commit) {
		snprintf(err, errlen, "pinholes: bad capacity %u or no commit function", o->cap);
		return -EINVAL;
	}
	struct ucf_pinholes *p = calloc(1, sizeof(*p));
	if (!p) {
		snprintf(err, errlen, "pinholes: out of memory");
		return -ENOMEM;
	}
	if (getrandom(p->key, sizeof(p->key), 0) != (ssize_t)sizeof(p->key)) {
		int e = errno ? errno : EIO;
		snprintf(err, errlen, "pinholes: getrandom: %s", strerror(e));
		free(p);
		return -e;
	}
	p->o = *o;
	p->max_nodes = 2 * o->cap; /* held + deletions awaiting a commit, see pinholes.h */
	p->free_head = NIL;
	list_clear(&p->refresh);
	list_clear(&p->grace);
	list_clear(&p->addq);
	list_clear(&p->delq);
	*out = p;
	return 0;
}

void ucf_pinholes_free(struct ucf_pinholes *p)
{
	if (!p)
		return;
	free(p->nodes);
	free(p->buckets);
	free(p->add_ph);
	free(p->del_ph);
	free(p->add_ix);
	free(p->del_ix);
	free(p);
}

void ucf_pinholes_set_refresh(struct ucf_pinholes *p, uint32_t refresh_s)
{
	p->o.refresh_s = refresh_s;
}

int ucf_pinholes_set_cap(struct ucf_pinholes *p, uint32_t cap, char *err, size_t errlen)
{
	if (cap == 0 || cap > MAX_CAP) {
		snprintf(err, errlen, "pinholes: bad capacity %u", cap);
		return -EINVAL;
	}
	if (cap < p->held) {
		snprintf(err, errlen, "%u is below the %u pinholes held now", cap, p->held);
		return -EBUSY;
	}
	/* nodes already allocated stay; only growth is bounded anew */
	p->o.cap = cap;
	p->max_nodes = 2 * cap;
	return 0;
}

uint32_t ucf_pinholes_cap(const struct ucf_pinholes *p)
{
	return p->o.cap;
}

static void set_clock(struct ucf_pinholes *p, uint64_t now_us)
{
	if (!p->clock_set) {
		p->tick_us = now_us;
		p->clock_set = true;
	}
}

/* Cuts the longest grace short to make room at the cap: the kernel's
 * element goes with the next commit. */
static bool cut_grace(struct ucf_pinholes *p)
{
	uint32_t i = p->grace.head;
	if (i == NIL)
		return false;
	timer_unlink(p, i);
	push(p, &p->delq, L_DEL, i, false);
	p->nodes[i].in_del = true;
	p->held--;
	p->st.graces_cut++;
	return true;
}

int ucf_pinholes_open(struct ucf_pinholes *p, const struct ucf_pinhole *ph, uint64_t stamp_us)
{
	if (ph->family != AF_INET && ph->family != AF_INET6)
		return -EINVAL;
	uint32_t i = find(p, ph);
	if (i != NIL) {
		struct node *n = &p->nodes[i];
		if (n->refs) {
			if (n->refs == UINT32_MAX)
				return -EOVERFLOW;
			n->refs++;
			return 0;
		}
		/* closed but still in the kernel: it stays, nothing to send */
		if (n->where == W_GRACE) {
			timer_unlink(p, i);
		} else {
			if (p->held >= p->o.cap && !cut_grace(p)) {
				p->st.refused++;
				return -ENOSPC;
			}
			unlink_node(p, &p->delq, L_DEL, i);
			n->in_del = false;
			p->held++;
		}
		n->refs = 1;
		refresh_push_head(p, i);
		return 1;
	}
	if (p->held >= p->o.cap && !cut_grace(p)) {
		p->st.refused++;
		return -ENOSPC;
	}
	int rc = node_new(p, ph, &i);
	if (rc < 0)
		return rc;
	struct node *n = &p->nodes[i];
	n->refs = 1;
	n->stamp_us = stamp_us;
	n->in_add = true;
	push(p, &p->addq, L_ADD, i, false);
	p->held++;
	return 1;
}

int ucf_pinholes_close(struct ucf_pinholes *p, const struct ucf_pinhole *ph, bool grace,
		       uint64_t now_us)
{
	uint32_t i = find(p, ph);
	if (i == NIL || p->nodes[i].refs == 0)
		return -ENOENT;
	struct node *n = &p->nodes[i];
	set_clock(p, now_us);
	if (--n->refs)
		return 0;
	if (n->in_add) { /* a first addition, or the add half of a refresh */
		unlink_node(p, &p->addq, L_ADD, i);
		n->in_add = false;
	}
	timer_unlink(p, i);
	if (!n->in_kernel) { /* never made it there: forget it */
		node_free(p, i);
		p->held--;
		return 1;
	}
	if (grace && p->o.grace_us) {
		if (n->in_del) { /* a refresh's delete: the element simply stays */
			unlink_node(p, &p->delq, L_DEL, i);
			n->in_del = false;
		}
		n->until_us = now_us + p->o.grace_us;
		push(p, &p->grace, L_TIMER, i, false);
		n->where = W_GRACE;
		return 1;
	}
	if (!n->in_del) {
		push(p, &p->delq, L_DEL, i, false);
		n->in_del = true;
	}
	p->held--;
	return 1;
}

static void queue_refresh(struct ucf_pinholes *p, uint32_t i)
{
	struct node *n = &p->nodes[i];
	timer_unlink(p, i);
	if (n->in_kernel) { /* only delete+add resets the kernel's expiry */
		push(p, &p->delq, L_DEL, i, false);
		n->in_del = true;
	}
	push(p, &p->addq, L_ADD, i, false);
	n->in_add = true;
}

void ucf_pinholes_tick(struct ucf_pinholes *p, uint64_t now_us)
{
	uint64_t dt = p->clock_set && now_us > p->tick_us ? now_us - p->tick_us : 0;
	if (!p->clock_set || now_us > p->tick_us)
		p->tick_us = now_us;
	p->clock_set = true;
	while (p->grace.head != NIL && p->nodes[p->grace.head].until_us <= now_us) {
		uint32_t i = p->grace.head;
		timer_unlink(p, i);
		push(p, &p->delq, L_DEL, i, false);
		p->nodes[i].in_del = true;
		p->held--;
	}
	if (!p->o.refresh_s)
		return;
	/* Due elements are refreshed; so, besides, are about n/refresh_s per
	 * second of the oldest (credit), which spreads a burst of additions over
	 * one period. Once spread, the due ones use up the credit and each
	 * element keeps a period of refresh_s. */
	uint64_t period = (uint64_t)p->o.refresh_s * 1000000u;
	if (dt > period)
		dt = period;
	uint32_t n = p->refresh.n;
	double share = (double)n * (double)dt / (double)period;
	p->credit += share;
	if (p->credit > share + 1)
		p->credit = share + 1;
	if (p->credit < -(double)n)
		p->credit = -(double)n;
	uint64_t most = 2 * (((uint64_t)n + p->o.refresh_s - 1) / p->o.refresh_s) + 64;
	for (uint64_t done = 0; done < most && p->refresh.head != NIL; done++) {
		uint32_t i = p->refresh.head;
		uint64_t sched = p->nodes[i].sched_us;
		bool due = !p->nodes[i].in_kernel || (sched <= now_us && now_us - sched >= period);
		if (!due && p->credit < 1)
			break;
		p->credit -= 1;
		queue_refresh(p, i);
	}
}

/* ---- commit --------------------------------------------------------------- */

struct commit_ctx {
	struct ucf_pinholes *p;
	uint64_t now_us;
	char *err;
	size_t errlen;
	int first; /* the first failure */
};

static uint64_t ack_time(const struct ucf_pinholes *p)
{
	if (p->o.clock_us)
		return p->o.clock_us(p->o.arg);
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* One transaction; a failure other than ENOENT is counted and the first one's
 * message is kept for the caller. */
static int call(struct commit_ctx *c, const struct ucf_pinhole *add, size_t nadd,
		const struct ucf_pinhole *del, size_t ndel)
{
	struct ucf_pinholes *p = c->p;
	char err[512] = "";
	int rc = p->o.commit(p->o.arg, add, nadd, del, ndel, err, sizeof(err));
	p->st.batches++;
	if (rc >= 0)
		return 0;
	if (rc != -ENOENT || ndel == 0) {
		p->st.errors++;
		if (!c->first) {
			c->first = rc;
			snprintf(c->err, c->errlen, "%s", err);
		}
	}
	return rc;
}

/* The outcome of node i's addition (a first one, a retry, or a refresh's). */
static void added(struct commit_ctx *c, uint32_t i, int rc, uint64_t *ack)
{
	struct ucf_pinholes *p = c->p;
	struct node *n = &p->nodes[i];
	n->in_add = false;
	if (rc < 0) {
		if (n->in_del) { /* the refresh's transaction failed: the element is as it was */
			n->in_del = false;
		} else { /* not in the kernel: due at once, the next tick adds it */
			n->in_kernel = false;
			n->sched_us = 0;
		}
		refresh_push_head(p, i);
		return;
	}
	if (n->in_del) {
		n->in_del = false;
		p->st.refreshed++;
	} else {
		p->st.opened++;
	}
	n->in_kernel = true;
	n->sched_us = c->now_us;
	push(p, &p->refresh, L_TIMER, i, false);
	n->where = W_REFRESH;
	if (n->stamp_us) {
		if (!*ack)
			*ack = ack_time(p);
		ucf_latency_add(&p->lat, *ack > n->stamp_us ? *ack - n->stamp_us : 0);
		n->stamp_us = 0;
	}
}

/* The outcome of a deletion of a closed element: done, or forgotten (it
 * expires in the kernel by its timeout). */
static void deleted(struct commit_ctx *c, uint32_t i, int rc)
{
	if (rc == 0)
		c->p->st.closed++;
	node_free(c->p, i);
}

static void outcome(struct commit_ctx *c, uint32_t i, int rc, uint64_t *ack)
{
	if (c->p->nodes[i].in_add)
		added(c, i, rc, ack);
	else
		deleted(c, i, rc);
}

static void retry_deletes(struct commit_ctx *c, size_t lo, size_t hi);

/* del[lo, hi) met ENOENT together: in halves, down to the ones already gone. */
static void split_deletes(struct commit_ctx *c, size_t lo, size_t hi)
{
	struct ucf_pinholes *p = c->p;
	if (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		retry_deletes(c, lo, mid);
		retry_deletes(c, mid, hi);
		return;
	}
	uint32_t i = p->del_ix[lo];
	struct node *n = &p->nodes[i];
	uint64_t ack = 0;
	p->st.gone++;
	if (!n->in_add) {
		deleted(c, i, 0);
		return;
	}
	n->in_del = false; /* a refresh: add it anew */
	n->in_kernel = false;
	added(c, i, call(c, &n->ph, 1, NULL, 0), &ack);
}

/* Deletions del[lo, hi) with the re-adds of those that are refreshes, in
 * one transaction. */
static void retry_deletes(struct commit_ctx *c, size_t lo, size_t hi)
{
	struct ucf_pinholes *p = c->p;
	size_t k = 0;
	for (size_t j = lo; j < hi; j++) {
		const struct node *n = &p->nodes[p->del_ix[j]];
		if (n->in_add)
			p->add_ph[k++] = n->ph;
	}
	int rc = call(c, p->add_ph, k, p->del_ph + lo, hi - lo);
	uint64_t ack = 0;
	if (rc == -ENOENT) {
		split_deletes(c, lo, hi);
		return;
	}
	for (size_t j = lo; j < hi; j++)
		outcome(c, p->del_ix[j], rc, &ack);
}

static int scratch(struct ucf_pinholes *p, size_t nadd, size_t ndel)
{
	if (UCF_GROW(p->add_ph, p->add_cap, nadd, 64) < 0 ||
	    UCF_GROW(p->add_ix, p->add_ix_cap, nadd, 64) < 0 ||
	    UCF_GROW(p->del_ph, p->del_cap, ndel, 64) < 0 ||
	    UCF_GROW(p->del_ix, p->del_ix_cap, ndel, 64) < 0)
		return -ENOMEM;
	return 0;
}

int ucf_pinholes_commit(struct ucf_pinholes *p, uint64_t now_us, char *err, size_t errlen)
{
	struct commit_ctx c = { p, now_us, err, errlen, 0 };
	set_clock(p, now_us);
	if (!p->addq.n && !p->delq.n)
		return 0;
	size_t nadd = p->addq.n, ndel = p->delq.n;
	if (scratch(p, nadd, ndel) < 0) { /* the queues stay for the next commit */
		p->st.errors++;
		snprintf(err, errlen, "media pinholes: out of memory");
		return -ENOMEM;
	}
	size_t k = 0;
	for (uint32_t i = p->addq.head; i != NIL; i = p->nodes[i].l[L_ADD].next) {
		p->add_ph[k] = p->nodes[i].ph;
		p->add_ix[k++] = i;
	}
	k = 0;
	for (uint32_t i = p->delq.head; i != NIL; i = p->nodes[i].l[L_DEL].next) {
		p->del_ph[k] = p->nodes[i].ph;
		p->del_ix[k++] = i;
	}
	/* From here each node's in_add/in_del says what of it is in flight;
	 * the queues start again empty. */
	for (size_t j = 0; j < nadd; j++)
		p->nodes[p->add_ix[j]].l[L_ADD] = (struct link){ NIL, NIL };
	for (size_t j = 0; j < ndel; j++)
		p->nodes[p->del_ix[j]].l[L_DEL] = (struct link){ NIL, NIL };
	list_clear(&p->addq);
	list_clear(&p->delq);

	uint64_t ack = 0;
	int rc = call(&c, p->add_ph, nadd, p->del_ph, ndel);
	if (rc != -ENOENT || ndel == 0) {
		for (size_t j = 0; j < ndel; j++)
			if (!p->nodes[p->del_ix[j]].in_add) /* a refresh's goes with its add */
				deleted(&c, p->del_ix[j], rc);
		for (size_t j = 0; j < nadd; j++)
			added(&c, p->add_ix[j], rc, &ack);
		return c.first;
	}
	/* An element to delete was gone. The new additions must not wait. */
	p->st.enoent_retries++;
	k = 0;
	for (size_t j = 0; j < nadd; j++) {
		if (p->nodes[p->add_ix[j]].in_del)
			continue; /* a refresh: goes with its delete */
		p->add_ph[k] = p->add_ph[j];
		p->add_ix[k++] = p->add_ix[j];
	}
	if (k) {
		rc = call(&c, p->add_ph, k, NULL, 0);
		for (size_t j = 0; j < k; j++)
			added(&c, p->add_ix[j], rc, &ack);
	}
	split_deletes(&c, 0, ndel);
	return c.first;
}

/* ---- reading -------------------------------------------------------------- */

uint32_t ucf_pinholes_count(const struct ucf_pinholes *p)
{
	return p->held;
}

bool ucf_pinholes_pending(const struct ucf_pinholes *p)
{
	return p->addq.n || p->delq.n;
}

void ucf_pinholes_each(const struct ucf_pinholes *p,
		       void (*fn)(void *arg, const struct ucf_pinhole *ph), void *arg)
{
	for (uint32_t i = 0; i < p->nused; i++) {
		const struct node *n = &p->nodes[i];
		if (n->used && (n->refs || n->where == W_GRACE))
			fn(arg, &n->ph);
	}
}

void ucf_pinholes_get_stats(const struct ucf_pinholes *p, struct ucf_pinholes_stats *st)
{
	*st = p->st;
	st->pending_add = p->addq.n;
	st->pending_del = p->delq.n;
	st->in_grace = p->grace.n;
}

const struct ucf_latency *ucf_pinholes_latency(const struct ucf_pinholes *p)
{
	return &p->lat;
}
