/* stream.c — see stream.h. */
#include "stream.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "grow.h"

static void unlink_stream(struct ucf_stream_pool *pool, struct ucf_stream *s)
{
	if (s->prev)
		s->prev->next = s->next;
	else if (pool->head == s)
		pool->head = s->next;
	if (s->next)
		s->next->prev = s->prev;
	else if (pool->tail == s)
		pool->tail = s->prev;
	s->prev = s->next = NULL;
}

static void link_tail(struct ucf_stream_pool *pool, struct ucf_stream *s)
{
	s->prev = pool->tail;
	s->next = NULL;
	if (pool->tail)
		pool->tail->next = s;
	else
		pool->head = s;
	pool->tail = s;
}

/* Frees the buffer; the stream keeps its sequence position. */
static void drop_buffer(struct ucf_stream_pool *pool, struct ucf_stream *s)
{
	if (!s->buf)
		return;
	unlink_stream(pool, s);
	pool->bytes -= s->cap;
	free(s->buf);
	s->buf = NULL;
	s->len = s->cap = 0;
}

void ucf_stream_release(struct ucf_stream_pool *pool, struct ucf_stream *s)
{
	drop_buffer(pool, s);
	s->synced = false;
}

/* Room for need bytes in s: grows its buffer, first freeing the least
 * recently fed other streams' while the pool is over budget. Returns 0,
 * -ENOBUFS (no room within the budget: s's buffer is dropped, counted) or
 * -ENOMEM. */
static int reserve(struct ucf_stream_pool *pool, struct ucf_stream *s, size_t need)
{
	if (need <= s->cap)
		return 0;
	size_t cap = s->cap ? s->cap : 2048;
	while (cap < need)
		cap *= 2;
	if (cap > UCF_STREAM_MAX)
		cap = UCF_STREAM_MAX;
	size_t budget = pool->budget ? pool->budget : UCF_STREAM_BUDGET;
	size_t grow = cap - s->cap;
	for (struct ucf_stream *old = pool->head; pool->bytes + grow > budget && old;) {
		struct ucf_stream *next = old->next;
		if (old != s) {
			drop_buffer(pool, old);
			pool->evicted++;
		}
		old = next;
	}
	if (pool->bytes + grow > budget) {
		drop_buffer(pool, s);
		pool->refused++;
		return -ENOBUFS;
	}
	uint8_t *b = ucf_grow_array(s->buf, NULL, cap, 1, 0);
	if (!b)
		return -ENOMEM;
	if (!s->buf)
		link_tail(pool, s);
	s->buf = b;
	s->cap = (uint32_t)cap;
	pool->bytes += grow;
	if (pool->bytes > pool->peak)
		pool->peak = pool->bytes;
	return 0;
}

/* Runs fn over p as long as it finds whole messages; returns bytes consumed. */
static size_t parse_run(const uint8_t *p, size_t n, ucf_stream_msg_fn fn, void *arg, bool *junk)
{
	size_t off = 0;
	*junk = false;
	while (off < n) {
		size_t used = 0;
		int rc = fn(arg, p + off, n - off, &used);
		if (rc == -EAGAIN)
			break;
		if (rc < 0 || used == 0 || used > n - off) {
			*junk = true;
			return n;
		}
		off += used;
	}
	return off;
}

int ucf_stream_feed(struct ucf_stream_pool *pool, struct ucf_stream *s, uint32_t seq,
		    const uint8_t *p, size_t n, ucf_stream_msg_fn fn, void *arg)
{
	if (n == 0)
		return 0;
	if (s->synced) {
		/* sequence space is modular: "behind" is within half of it */
		uint32_t behind = s->next_seq - seq;
		if (behind != 0 && behind < 0x80000000u) { /* retransmission or overlap */
			if (behind >= n)
				return 0;
			p += behind;
			n -= behind;
			seq = s->next_seq;
		} else if (behind != 0) { /* lost bytes: what was buffered is useless */
			s->len = 0;
		}
	}
	s->synced = true;
	s->next_seq = seq + (uint32_t)n;
	if (s->buf) { /* the most recently fed is evicted last */
		unlink_stream(pool, s);
		link_tail(pool, s);
	}

	bool junk;
	int rc = 0;
	if (s->len == 0) {
		size_t used = parse_run(p, n, fn, arg, &junk);
		if (used == n)
			goto out;
		p += used;
		n -= used;
		if (n > UCF_STREAM_MAX)
			goto out; /* a message this long is dropped, not buffered */
		rc = reserve(pool, s, n);
		if (rc < 0)
			goto out;
		memcpy(s->buf, p, n);
		s->len = (uint32_t)n;
		return 0;
	}
	if ((size_t)s->len + n > UCF_STREAM_MAX) {
		s->len = 0;
		goto out;
	}
	rc = reserve(pool, s, s->len + n);
	if (rc < 0)
		goto out;
	memcpy(s->buf + s->len, p, n);
	s->len += (uint32_t)n;
	size_t used = parse_run(s->buf, s->len, fn, arg, &junk);
	if (used >= s->len) {
		s->len = 0;
	} else if (used > 0) {
		memmove(s->buf, s->buf + used, s->len - used);
		s->len -= (uint32_t)used;
	}
out:
	/* an empty buffer is freed: the budget holds only messages in flight */
	if (s->len == 0)
		drop_buffer(pool, s);
	return rc == -ENOMEM ? rc : 0;
}
