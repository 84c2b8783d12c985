/* bfcp.h — BFCP (RFC 8855, and RFC 4582 version 1) over TCP or UDP: common
 * header (version 1/2, primitive 1..17, length in words) with attributes
 * tiling the message. */
#ifndef UCF_BFCP_H
#define UCF_BFCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A datagram holding one whole message (UDP), or a segment starting with
 * one (stream: the message may continue past n only when it is longer). */
bool ucf_bfcp_match(const uint8_t *p, size_t n, bool stream);

#endif
