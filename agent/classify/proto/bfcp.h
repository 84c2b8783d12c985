/* bfcp.h — BFCP (RFC 8855, and RFC 4582 version 1) over TCP or UDP: the
 * common header (version 1/2, reserved bits clear, primitive 1..17) and
 * whether the length field and the attributes agree with the bytes seen.
 * A header whose length disagrees is only evidence together with a second
 * header of the same conference and user (the classifier keeps that). */
#ifndef UCF_BFCP_H
#define UCF_BFCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ucf_bfcp_hdr {
	uint32_t conference;
	uint16_t user;
	bool length_ok; /* length and attributes tile the datagram (or segment) */
};

/* stream: the message may continue past n (TCP). */
bool ucf_bfcp_header(const uint8_t *p, size_t n, bool stream, struct ucf_bfcp_hdr *h);

#endif
