/* stun.h — STUN/TURN (RFC 5389/8489 with the magic cookie, and RFC 3489
 * "classic" STUN without it) over UDP, and over TCP raw or with RFC 4571
 * 2-byte framing. */
#ifndef UCF_STUN_H
#define UCF_STUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One whole STUN message in a datagram. *classic tells which kind. */
bool ucf_stun_datagram(const uint8_t *p, size_t n, bool *classic);
/* A TCP segment starting with a STUN message (with the cookie), raw or
 * framed; several messages may follow, the last may be cut. */
bool ucf_stun_stream(const uint8_t *p, size_t n);

#endif
