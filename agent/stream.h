/* stream.h — one direction of a TCP byte stream cut into messages (SIP
 * framed by Content-Length, SCCP by its length word). Segments are handed
 * to the message parser in place; only a message split across segments is
 * copied, into a buffer allocated once per direction, grown as needed and
 * capped at UCF_STREAM_MAX bytes. A gap in sequence numbers drops what is buffered
 * and resynchronises on the next segment. */
#ifndef UCF_STREAM_H
#define UCF_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define UCF_STREAM_MAX 32768u

struct ucf_stream {
	uint8_t *buf;
	uint32_t len, cap;
	uint32_t next_seq;
	bool synced;
};

/* Parses one message at p. Returns 0 with *used > 0 when a whole message (or
 * filler to skip) was consumed, -EAGAIN when more bytes are needed, any other
 * negative value when p does not start a message (the rest is skipped). */
typedef int (*ucf_stream_msg_fn)(void *arg, const uint8_t *p, size_t n, size_t *used);

/* Feeds one segment. Returns 0, or -ENOMEM. */
int ucf_stream_feed(struct ucf_stream *s, uint32_t seq, const uint8_t *p, size_t n,
		    ucf_stream_msg_fn fn, void *arg);
void ucf_stream_release(struct ucf_stream *s);

#endif
