/* stream.h — one direction of a TCP byte stream cut into messages (SIP
 * framed by Content-Length, SCCP by its length word). Segments are handed
 * to the message parser in place; only a message split across segments is
 * copied, into a buffer that grows as needed, is capped at UCF_STREAM_MAX
 * bytes and is freed once it holds nothing. A gap in sequence numbers drops
 * what is buffered and resynchronises on the next segment.
 *
 * All streams of a classifier share one pool whose budget bounds the bytes
 * of all their buffers together: the per-stream cap alone lets every TCP
 * flow of the flow table hold 32 KiB of a header that never ends. Past the
 * budget the buffers of the least recently fed streams are freed (their
 * partial messages are lost, as after a gap). */
#ifndef UCF_STREAM_H
#define UCF_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define UCF_STREAM_MAX 32768u
/* The default budget: 512 streams mid-way through a maximal message, or
 * about 8,000 through an ordinary INVITE (its buffer starts at 2 KiB) —
 * far more TCP signalling connections with a split message in flight at
 * one instant than a branch has phones, and a bound an attacker's spoofed
 * segments cannot push past. */
#define UCF_STREAM_BUDGET (16u << 20)

struct ucf_stream {
	uint8_t *buf;
	uint32_t len, cap;
	uint32_t next_seq;
	bool synced;
	struct ucf_stream *prev, *next; /* the pool's list, while buf is held */
};

/* Zero it and set budget (0: UCF_STREAM_BUDGET); the streams link into it. */
struct ucf_stream_pool {
	size_t budget;
	size_t bytes, peak; /* bytes of buffers allocated now, and at most */
	uint64_t evicted;   /* buffers freed to make room for another stream's */
	uint64_t refused;   /* partial messages not kept: the budget had no room */
	struct ucf_stream *head, *tail; /* buffered streams, least recently fed first */
};

/* Parses one message at p. Returns 0 with *used > 0 when a whole message (or
 * filler to skip) was consumed, -EAGAIN when more bytes are needed, any other
 * negative value when p does not start a message (the rest is skipped). */
typedef int (*ucf_stream_msg_fn)(void *arg, const uint8_t *p, size_t n, size_t *used);

/* Feeds one segment. Returns 0, or -ENOMEM. */
int ucf_stream_feed(struct ucf_stream_pool *pool, struct ucf_stream *s, uint32_t seq,
		    const uint8_t *p, size_t n, ucf_stream_msg_fn fn, void *arg);
/* Frees s's buffer (s stays usable). */
void ucf_stream_release(struct ucf_stream_pool *pool, struct ucf_stream *s);

#endif
