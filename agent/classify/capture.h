/* capture.h — packets from libpcap: live on an interface (non-blocking,
 * immediate mode, a cheap BPF filter, a selectable fd for the event loop)
 * or offline from a pcap/pcapng file. Errors name the interface or file. */
#ifndef UCF_CAPTURE_H
#define UCF_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ucf_frame {
	const uint8_t *data;
	uint32_t caplen, wirelen;
	uint64_t ts_us;
	int dlt; /* pcap link type */
};

typedef void (*ucf_capture_fn)(void *arg, const struct ucf_frame *f);

struct ucf_capture;

/* The default live filter: IPv4 UDP, fragments, and TCP segments that carry
 * data or open/close a connection (pure ACKs are a large share of TCP and
 * tell the classifier nothing); all IPv6 (extension headers hide the L4
 * header from BPF) and VLAN-tagged IP. */
extern const char ucf_capture_default_filter[];

int ucf_capture_open_offline(const char *path, struct ucf_capture **out, char *err,
			     size_t errlen);
/* filter NULL: ucf_capture_default_filter. */
int ucf_capture_open_live(const char *ifname, const char *filter, bool promisc,
			  struct ucf_capture **out, char *err, size_t errlen);
/* Live only: see packets as they enter the interface, not as they leave. A
 * forwarded packet enters the gateway by exactly one interface, so the agent
 * capturing on several sees each packet once. On failure the capture is
 * closed. */
int ucf_capture_inbound_only(struct ucf_capture *cap, char *err, size_t errlen);
void ucf_capture_close(struct ucf_capture *cap);

/* The fd to poll (live), or -1. */
int ucf_capture_fd(const struct ucf_capture *cap);
int ucf_capture_linktype(const struct ucf_capture *cap);

/* Hands up to max frames (max <= 0: all available; for a file, the whole
 * file) to fn. Returns the number handed over (0: nothing pending, live),
 * -ENODATA at the end of a file, or -EIO with err naming the source (a
 * truncated or corrupt file, a dead interface). */
int ucf_capture_dispatch(struct ucf_capture *cap, int max, ucf_capture_fn fn, void *arg,
			 char *err, size_t errlen);

#endif
