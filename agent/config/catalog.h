/* catalog.h — the UC service catalog: named services with their protocols
 * and ports, loaded from the shipped rules directory and the site rules.d. */
#ifndef UCF_CATALOG_H
#define UCF_CATALOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "values.h"

/* Who uses a service; a service may have several roles. */
enum ucf_service_role {
	UCF_ROLE_UC = 1 << 0,        /* may be listed in uc.services (target traffic) */
	UCF_ROLE_GATEWAY = 1 << 1,   /* phones may ask the gateway itself for it */
	UCF_ROLE_APPLIANCE = 1 << 2, /* the appliance's own cloud/VPN traffic to wan */
};

/* What a signalling service carries its calls in; the media of TLS
 * signalling cannot be learned (the SDP is encrypted). */
enum ucf_signalling {
	UCF_SIGNALLING_NONE,      /* not call signalling */
	UCF_SIGNALLING_CLEARTEXT, /* SIP, SCCP, MGCP in the clear: media is learned */
	UCF_SIGNALLING_TLS,       /* SIP or SCCP over TLS */
};

struct ucf_service_port {
	uint8_t l4proto; /* IPPROTO_TCP or IPPROTO_UDP; IPPROTO_ICMP for `icmp/echo`
			  * (echo request, either family; appliance-only services) */
	struct ucf_port_range ports;
};

struct ucf_service {
	char *name;
	char *description;
	char *reference;  /* where the port comes from: RFC or vendor guide */
	char *origin;     /* "FILE:LINE" of its definition, for messages */
	unsigned roles;   /* enum ucf_service_role bits */
	bool media;       /* ports come from uc.media (static range and learned) */
	/* The classifier recognises this service's protocol, so a flow on its
	 * ports that the classifier finds to be something else is blocked (the
	 * agent's verdicts). false for services it cannot see into (HTTP, TLS,
	 * LDAP, CTI): the port rules admit them, and no verdict cuts them. */
	bool inspected;
	bool cleartext;   /* signalling or provisioning that is never encrypted on these
			   * ports: refused by enforcement.require_encryption */
	enum ucf_signalling signalling; /* `signalling: cleartext|tls` */
	struct ucf_service_port *ports;
	size_t port_count;
	/* Where the appliance may send this service (role appliance): names of
	 * the catalog's destination lists (`destinations:` at the top of a
	 * catalog file) or the keywords of UCF_DEST_* below. Required with the
	 * role appliance; the other roles ignore it. */
	char **destinations;
	size_t dest_count;
};

/* The destination keywords a service may name besides the catalog's lists. */
#define UCF_DEST_VPN_PEERS "vpn-peers"       /* appliance.vpn_peers and learned peers */
#define UCF_DEST_RESOLVERS "resolvers"       /* appliance.resolvers (any when unset) */
#define UCF_DEST_TIME_SERVERS "time-servers" /* appliance.time_servers (any when unset) */
#define UCF_DEST_ANY "any"                   /* no destination limit */
/* The catalog's destination lists the policy knows (a site replaces them by
 * appliance.cloud and appliance.connectivity_checks). */
#define UCF_DEST_MERAKI_CLOUD "meraki-cloud"
#define UCF_DEST_CHECKS "connectivity-checks"

/* A named list of destination prefixes: `destinations: NAME: {reference,
 * prefixes}`. */
struct ucf_destination {
	char *name;
	char *reference; /* where the addresses come from, and when it was read */
	char *origin;    /* "FILE:LINE" */
	struct ucf_prefix *prefixes;
	size_t count;
};

struct ucf_catalog {
	struct ucf_service *services;
	size_t count;
	struct ucf_destination *destinations;
	size_t dest_count;
};

/* Loads every *.yaml in shipped_dir (must exist), then in local_dir (may be
 * NULL or absent), in name order. A duplicate service name is an error.
 * Errors read "FILE:LINE:COL: message". */
int ucf_catalog_load(const char *shipped_dir, const char *local_dir, struct ucf_catalog **out,
		     char *err, size_t errlen);
/* Adds the services of one YAML document (name is used in messages). */
int ucf_catalog_add_text(struct ucf_catalog *cat, const char *name, const char *text, size_t len,
			 char *err, size_t errlen);
struct ucf_catalog *ucf_catalog_new(void);
/* 0, or -EINVAL with err naming the service and the destination it names
 * that is neither a keyword nor a list of the catalog (ucf_catalog_load runs
 * it; ucf_catalog_add_text does not, files may come in any order). */
int ucf_catalog_check(const struct ucf_catalog *cat, char *err, size_t errlen);
const struct ucf_destination *ucf_catalog_destination(const struct ucf_catalog *cat,
						      const char *name);
/* Does the service name this destination (list or keyword)? */
bool ucf_service_has_destination(const struct ucf_service *s, const char *name);
const struct ucf_service *ucf_catalog_find(const struct ucf_catalog *cat, const char *name);
void ucf_catalog_free(struct ucf_catalog *cat);
/* Is (l4proto, port) among the n service ports p? */
bool ucf_service_ports_match(const struct ucf_service_port *p, size_t n, uint8_t l4proto,
			     uint16_t port);
/* "udp/5060", "tcp/9350-9381" or "icmp/echo", as the catalog writes a port. */
void ucf_service_port_format(const struct ucf_service_port *p, char *buf, size_t buflen);
/* "udp/5060, tcp/5060": all of a service's ports; "" for a media service.
 * Truncated to buflen. */
void ucf_service_ports_format(const struct ucf_service *s, char *buf, size_t buflen);
/* "uc", "gateway, appliance", ... */
void ucf_roles_format(unsigned roles, char *buf, size_t buflen);

#endif
