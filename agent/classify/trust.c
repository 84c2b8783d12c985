/* trust.c — see trust.h. */
#include "trust.h"

#include <string.h>
#include <sys/socket.h>

static const char *const refusal_names[UCF_REFUSE_COUNT] = {
	[UCF_REFUSE_NONE] = "none",
	[UCF_REFUSE_PATH] = "off-signalling-path",
	[UCF_REFUSE_SERVICE] = "not-a-signalling-port",
	[UCF_REFUSE_INGRESS] = "wrong-ingress",
	[UCF_REFUSE_NOT_SENDER] = "address-not-sender",
	[UCF_REFUSE_OUTSIDE_SITE] = "address-outside-site",
	[UCF_REFUSE_PORT] = "port-outside-learn-range",
	[UCF_REFUSE_TOO_MANY] = "too-many-endpoints",
	[UCF_REFUSE_HOST_RATE] = "host-rate-limit",
	[UCF_REFUSE_HOST_MEDIA] = "host-media-limit",
	[UCF_REFUSE_HOST_CALLS] = "host-call-limit",
	[UCF_REFUSE_TABLE_FULL] = "media-table-full",
	[UCF_REFUSE_CLEARTEXT] = "cleartext-refused",
};

const char *ucf_refusal_name(enum ucf_refusal r)
{
	return (unsigned)r < UCF_REFUSE_COUNT ? refusal_names[r] : "unknown";
}

static unsigned addr_len(uint8_t family) { return family == AF_INET ? 4 : 16; }

bool ucf_prefixes_contain(const struct ucf_prefix *p, size_t n, uint8_t family,
			  const uint8_t *addr)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i].family != family)
			continue;
		unsigned bits = p[i].len, full = bits / 8, rest = bits % 8;
		if (memcmp(p[i].addr, addr, full) != 0)
			continue;
		if (rest && ((p[i].addr[full] ^ addr[full]) & (uint8_t)(0xff << (8 - rest))))
			continue;
		return true;
	}
	return false;
}

static bool is_appliance(const struct ucf_trust *t, uint8_t family, const uint8_t *addr)
{
	return t->appliance_mode && t->appliance.family == family &&
	       memcmp(t->appliance.addr, addr, addr_len(family)) == 0;
}

/* E, or A standing for the phones behind the MX. */
static bool endpoint_side(const struct ucf_trust *t, uint8_t family, const uint8_t *addr)
{
	return ucf_prefixes_contain(t->endpoints, t->n_endpoints, family, addr) ||
	       is_appliance(t, family, addr);
}

static bool server_side(const struct ucf_trust *t, enum ucf_learn_proto proto, uint8_t family,
			const uint8_t *addr)
{
	if (ucf_prefixes_contain(t->servers, t->n_servers, family, addr))
		return true;
	/* phones fetch their files from the site's own TFTP servers */
	return proto != UCF_LEARN_TFTP &&
	       ucf_prefixes_contain(t->remote, t->n_remote, family, addr);
}

/* Where each side's packets can enter: E on a uc port, A (and S∪R, behind
 * the VPN or the internet) through the appliance port. */
static bool ingress_ok(const struct ucf_trust *t, enum ucf_ingress in, enum ucf_trust_side sender,
		       uint8_t family, const uint8_t *src)
{
	if (in == UCF_INGRESS_UNKNOWN)
		return true;
	if (sender == UCF_SIDE_SERVER)
		return in == UCF_INGRESS_APPLIANCE;
	if (is_appliance(t, family, src))
		return in == UCF_INGRESS_APPLIANCE;
	return in == UCF_INGRESS_UC;
}

bool ucf_trust_source_ok(const struct ucf_trust *t, enum ucf_ingress in, uint8_t family,
			 const uint8_t *src)
{
	if (!t->enabled || in == UCF_INGRESS_UNKNOWN)
		return true;
	if (endpoint_side(t, family, src))
		return ingress_ok(t, in, UCF_SIDE_ENDPOINT, family, src);
	if (server_side(t, UCF_LEARN_SIP, family, src))
		return ingress_ok(t, in, UCF_SIDE_SERVER, family, src);
	return true;
}

enum ucf_refusal ucf_trust_path(const struct ucf_trust *t, const struct ucf_trust_packet *p,
				struct ucf_trust_path *path)
{
	memset(path, 0, sizeof(*path));
	path->family = p->family;
	unsigned n = addr_len(p->family);
	bool from_e;
	if (!t->enabled) {
		int order = memcmp(p->src, p->dst, n);
		from_e = order < 0 || (order == 0 && p->sport <= p->dport);
	} else {
		if (endpoint_side(t, p->family, p->src) &&
		    server_side(t, p->proto, p->family, p->dst))
			from_e = true;
		else if (server_side(t, p->proto, p->family, p->src) &&
			 endpoint_side(t, p->family, p->dst))
			from_e = false;
		else
			return UCF_REFUSE_PATH;
		if (p->proto == UCF_LEARN_TFTP && !from_e)
			return UCF_REFUSE_PATH; /* requests come from phones */
		const struct ucf_trust_ports *svc = &t->svc[p->proto];
		if (!ucf_service_ports_match(svc->item, svc->count, p->l4proto, p->sport) &&
		    !ucf_service_ports_match(svc->item, svc->count, p->l4proto, p->dport)) {
			const struct ucf_trust_ports *off = &t->refused[p->proto];
			if (ucf_service_ports_match(off->item, off->count, p->l4proto, p->sport) ||
			    ucf_service_ports_match(off->item, off->count, p->l4proto, p->dport))
				return UCF_REFUSE_CLEARTEXT;
			return UCF_REFUSE_SERVICE;
		}
		if (!ingress_ok(t, p->ingress, from_e ? UCF_SIDE_ENDPOINT : UCF_SIDE_SERVER,
				p->family, p->src))
			return UCF_REFUSE_INGRESS;
	}
	path->sender = from_e ? UCF_SIDE_ENDPOINT : UCF_SIDE_SERVER;
	memcpy(path->party[UCF_SIDE_ENDPOINT], from_e ? p->src : p->dst, 16);
	memcpy(path->party[UCF_SIDE_SERVER], from_e ? p->dst : p->src, 16);
	return UCF_REFUSE_NONE;
}

enum ucf_refusal ucf_trust_endpoint(const struct ucf_trust *t, const struct ucf_trust_path *path,
				    uint8_t family, const uint8_t *addr, uint16_t port)
{
	if (!t->enabled)
		return port ? UCF_REFUSE_NONE : UCF_REFUSE_PORT;
	if (port < t->learn_range.first || port > t->learn_range.last)
		return UCF_REFUSE_PORT;
	if (path->sender == UCF_SIDE_ENDPOINT) {
		const uint8_t *self = path->party[UCF_SIDE_ENDPOINT];
		if (family != path->family || memcmp(addr, self, addr_len(family)) != 0)
			return UCF_REFUSE_NOT_SENDER;
		return UCF_REFUSE_NONE;
	}
	if (endpoint_side(t, family, addr) ||
	    ucf_prefixes_contain(t->servers, t->n_servers, family, addr) ||
	    ucf_prefixes_contain(t->remote, t->n_remote, family, addr))
		return UCF_REFUSE_NONE;
	return UCF_REFUSE_OUTSIDE_SITE;
}
