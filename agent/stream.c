/* stream.c — see stream.h. */
#include "stream.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void ucf_stream_release(struct ucf_stream *s)
{
	free(s->buf);
	s->buf = NULL;
	s->len = s->cap = 0;
	s->synced = false;
}

static int reserve(struct ucf_stream *s, size_t need)
{
	if (need <= s->cap)
		return 0;
	size_t cap = s->cap ? s->cap : 2048;
	while (cap < need)
		cap *= 2;
	if (cap > UCF_STREAM_MAX)
		cap = UCF_STREAM_MAX;
	uint8_t *b = realloc(s->buf, cap);
	if (!b)
		return -ENOMEM;
	s->buf = b;
	s->cap = (uint32_t)cap;
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

int ucf_stream_feed(struct ucf_stream *s, uint32_t seq, const uint8_t *p, size_t n,
		    ucf_stream_msg_fn fn, void *arg)
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

	bool junk;
	if (s->len == 0) {
		size_t used = parse_run(p, n, fn, arg, &junk);
		if (used == n)
			return 0;
		p += used;
		n -= used;
		if (n > UCF_STREAM_MAX)
			return 0; /* a message this long is dropped, not buffered */
		if (reserve(s, n) < 0)
			return -ENOMEM;
		memcpy(s->buf, p, n);
		s->len = (uint32_t)n;
		return 0;
	}
	if ((size_t)s->len + n > UCF_STREAM_MAX) {
		s->len = 0;
		return 0;
	}
	if (reserve(s, s->len + n) < 0)
		return -ENOMEM;
	memcpy(s->buf + s->len, p, n);
	s->len += (uint32_t)n;
	size_t used = parse_run(s->buf, s->len, fn, arg, &junk);
	if (used >= s->len) {
		s->len = 0;
	} else if (used > 0) {
		memmove(s->buf, s->buf + used, s->len - used);
		s->len -= (uint32_t)used;
	}
	return 0;
}
