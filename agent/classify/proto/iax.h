/* iax.h — IAX2 (RFC 5456) on UDP 4569: a full frame (F bit, call numbers,
 * frame type and subclass in range) identifies the flow; mini frames that
 * follow carry the media on the same 5-tuple. */
#ifndef UCF_IAX_H
#define UCF_IAX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define UCF_IAX_PORT 4569

bool ucf_iax_full_frame(uint16_t sport, uint16_t dport, const uint8_t *p, size_t n);

#endif
