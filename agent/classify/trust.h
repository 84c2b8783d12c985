/* trust.h — the trust boundary for learning media from signalling: which
 * signalling may teach the classifier anything, and what an announcement may
 * name. Pure functions over a site's addresses and services; no state.
 *
 * A packet from the phone VLAN can be forged, and capture sees it before
 * netfilter, so nothing learned may be wider than what its sender could
 * already reach:
 *   - signalling counts only between the endpoint side (E, or the appliance
 *     address A that phones behind the MX's NAT share) and the server side
 *     (S∪R), with one end on a port of an enabled service that carries that
 *     protocol (either end: the capture of one interface can run ahead of
 *     another's, so which packet came first is not known),
 *     and (when the capture port is known) arriving where such a sender can
 *     be: E on a uc port (A on the appliance port), S∪R on the appliance port;
 *   - the endpoint side may name only its own address; the server side (a
 *     call manager relays the far phone's SDP) any address in E∪S∪R (∪A);
 *   - ports inside the learn range (default 1024-65535);
 *   - TFTP only for requests to S. */
#ifndef UCF_TRUST_H
#define UCF_TRUST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "catalog.h"
#include "values.h"

/* Why an announcement (or a message that would end a call) was refused. */
enum ucf_refusal {
	UCF_REFUSE_NONE,
	UCF_REFUSE_PATH,          /* not between E (or A) and S∪R */
	UCF_REFUSE_SERVICE,       /* not on a port of an enabled service for it */
	UCF_REFUSE_INGRESS,       /* arrived on a port such a sender cannot be behind */
	UCF_REFUSE_NOT_SENDER,    /* the endpoint side named an address not its own */
	UCF_REFUSE_OUTSIDE_SITE,  /* the server side named an address outside E∪S∪R */
	UCF_REFUSE_PORT,          /* a port outside the learn range */
	UCF_REFUSE_TOO_MANY,      /* more endpoints in one message than allowed */
	UCF_REFUSE_HOST_RATE,     /* the host announced faster than its rate */
	UCF_REFUSE_HOST_MEDIA,    /* the host holds its share of media endpoints */
	UCF_REFUSE_HOST_CALLS,    /* the host holds its share of calls */
	UCF_REFUSE_TABLE_FULL,    /* the media table is full */
	UCF_REFUSE_CLEARTEXT,     /* cleartext signalling enforcement.require_encryption refuses */
	UCF_REFUSE_COUNT
};

/* "forged path", ... : stable names for counters, status and alerts. */
const char *ucf_refusal_name(enum ucf_refusal r);

/* The signalling protocols media is learned from. */
enum ucf_learn_proto { UCF_LEARN_SIP, UCF_LEARN_SCCP, UCF_LEARN_MGCP, UCF_LEARN_TFTP,
		       UCF_LEARN_PROTO_COUNT };

/* Where a captured packet entered the gateway. */
enum ucf_ingress { UCF_INGRESS_UNKNOWN, UCF_INGRESS_UC, UCF_INGRESS_APPLIANCE };

enum ucf_trust_side { UCF_SIDE_ENDPOINT = 0, UCF_SIDE_SERVER = 1 };

#define UCF_TRUST_MAX_PORTS 16

struct ucf_trust_ports {
	struct ucf_service_port item[UCF_TRUST_MAX_PORTS];
	size_t count;
};

struct ucf_trust {
	bool enabled; /* false: no site (offline analysis): everything is learned */
	const struct ucf_prefix *endpoints; size_t n_endpoints; /* E */
	const struct ucf_prefix *servers; size_t n_servers;     /* S */
	const struct ucf_prefix *remote; size_t n_remote;       /* R */
	bool appliance_mode;       /* phones behind the MX appear as A */
	struct ucf_prefix appliance; /* A (family 0: none) */
	struct ucf_trust_ports svc[UCF_LEARN_PROTO_COUNT];
	/* the ports of cleartext services the kernel drops (require_encryption):
	 * what arrives on them teaches nothing, and is no forgery either */
	struct ucf_trust_ports refused[UCF_LEARN_PROTO_COUNT];
	struct ucf_port_range learn_range;
	unsigned max_endpoints; /* per message */
};

/* The two parties of a signalling flow, endpoint side first. */
struct ucf_trust_path {
	uint8_t family;
	uint8_t party[2][16]; /* [UCF_SIDE_ENDPOINT], [UCF_SIDE_SERVER] */
	enum ucf_trust_side sender;
};

/* A signalling packet as the trust boundary sees it. */
struct ucf_trust_packet {
	enum ucf_learn_proto proto;
	enum ucf_ingress ingress;
	uint8_t family, l4proto;
	const uint8_t *src, *dst; /* 16 bytes each */
	uint16_t sport, dport;
};

/* Fills path on UCF_REFUSE_NONE. Without a site, the lower address (then
 * port) is taken as the endpoint side. */
enum ucf_refusal ucf_trust_path(const struct ucf_trust *t, const struct ucf_trust_packet *p,
				struct ucf_trust_path *path);

/* May the sender of path announce (family, addr, port)? */
enum ucf_refusal ucf_trust_endpoint(const struct ucf_trust *t, const struct ucf_trust_path *path,
				    uint8_t family, const uint8_t *addr, uint16_t port);

bool ucf_prefixes_contain(const struct ucf_prefix *p, size_t n, uint8_t family,
			  const uint8_t *addr);

/* Could a packet from src have entered where it did? False for an address
 * of S∪R on a uc port, or of E (not A) on the appliance port: forged. True
 * without a site, for an unknown ingress, and for addresses outside the site. */
bool ucf_trust_source_ok(const struct ucf_trust *t, enum ucf_ingress in, uint8_t family,
			 const uint8_t *src);

#endif
