/* enforce_fixture.h — hand-built site configs and catalogs for the
 * enforcement unit tests (no loader involved, so any shape can be built). */
#ifndef UCF_ENFORCE_FIXTURE_H
#define UCF_ENFORCE_FIXTURE_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "catalog.h"
#include "config.h"
#include "policy.h"

struct fixture {
	struct ucf_config cfg;
	struct ucf_catalog cat;
	struct ucf_service services[12];
	struct ucf_service_port ports[24];
	struct ucf_destination destinations[2];
	char *dest_names[8];
	struct ucf_ifname uc[2];
	char *service_names[8];
	struct ucf_prefix *E, *S, *R; /* heap: tests may grow them */
	struct ucf_prefix cloud[1], checks[1], resolvers[1];
};

static inline struct ucf_prefix fx_prefix(const char *text)
{
	struct ucf_prefix p;
	char buf[64], *slash;
	memset(&p, 0, sizeof(p));
	strncpy(buf, text, sizeof(buf) - 1);
	buf[sizeof(buf) - 1] = '\0';
	slash = strchr(buf, '/');
	if (slash)
		*slash = '\0';
	p.family = strchr(buf, ':') ? AF_INET6 : AF_INET;
	inet_pton(p.family, buf, p.addr);
	p.len = slash ? (uint8_t)atoi(slash + 1) : (p.family == AF_INET ? 32 : 128);
	return p;
}

static inline void fx_list(struct ucf_prefix_list *l, struct ucf_prefix **store,
			   const char *const *items, size_t n)
{
	free(*store);
	*store = calloc(n ? n : 1, sizeof(**store));
	for (size_t i = 0; i < n; i++)
		(*store)[i] = fx_prefix(items[i]);
	l->items = *store;
	l->count = n;
}

static inline struct ucf_service *fx_service(struct fixture *f, const char *name, unsigned roles,
					     bool media)
{
	struct ucf_service *s = &f->services[f->cat.count++];
	memset(s, 0, sizeof(*s));
	s->name = (char *)name;
	s->roles = roles;
	s->media = media;
	return s;
}

/* The example site (appliance services: dns to resolver 192.0.2.53,
 * meraki-cloud to 209.206.48.0/20, autovpn-peers to the peers, connectivity
 * checks to 8.8.8.8): E 10.20.0.0/24 + fd00:20::/64, S 10.50.0.0/24,
 * R 10.50.0.0/16 + fd00:50::/48, A 10.40.0.2, uc eth1, appliance eth3,
 * wan eth0; services sip (cleartext), sip-tls, rtp (static 16384-32767, shape-checked;
 * TLS calls' media by pair sets on 1024-65535). */
static inline void fx_init(struct fixture *f, enum ucf_mode mode)
{
	memset(f, 0, sizeof(*f));
	f->cat.services = f->services;
	struct ucf_service *s = fx_service(f, "sip", UCF_ROLE_UC, false);
	s->ports = &f->ports[0];
	s->ports[s->port_count++] = (struct ucf_service_port){ IPPROTO_UDP, { 5060, 5060 } };
	s->ports[s->port_count++] = (struct ucf_service_port){ IPPROTO_TCP, { 5060, 5060 } };
	s->cleartext = true;
	s->signalling = UCF_SIGNALLING_CLEARTEXT;
	s = fx_service(f, "sip-tls", UCF_ROLE_UC, false);
	s->signalling = UCF_SIGNALLING_TLS;
	s->ports = &f->ports[2];
	s->ports[s->port_count++] = (struct ucf_service_port){ IPPROTO_TCP, { 5061, 5061 } };
	fx_service(f, "rtp", UCF_ROLE_UC, true);
	s = fx_service(f, "dns", UCF_ROLE_GATEWAY | UCF_ROLE_APPLIANCE, false);
	s->ports = &f->ports[3];
	s->ports[s->port_count++] = (struct ucf_service_port){ IPPROTO_UDP, { 53, 53 } };
	s->ports[s->port_count++] = (struct ucf_service_port){ IPPROTO_TCP, { 53, 53 } };
	s = fx_service(f, "dhcp", UCF_ROLE_GATEWAY, false);
	s->ports = &f->ports[5];
	s->ports[s->port_count++] = (struct ucf_service_port){ IPPROTO_UDP, { 67, 68 } };
	s = fx_service(f, "meraki-cloud", UCF_ROLE_APPLIANCE, false);
	s->ports = &f->ports[6];
	s->ports[s->port_count++] = (struct ucf_service_port){ IPPROTO_UDP, { 7351, 7351 } };
	s->ports[s->port_count++] = (struct ucf_service_port){ IPPROTO_TCP, { 443, 443 } };
	/* Where the appliance's services go: the cloud, its peers, its
	 * resolvers, its connectivity checks (ports from 16 on). */
	f->dest_names[0] = (char *)UCF_DEST_RESOLVERS;
	f->dest_names[1] = (char *)UCF_DEST_MERAKI_CLOUD;
	f->dest_names[2] = (char *)UCF_DEST_VPN_PEERS;
	f->dest_names[3] = (char *)UCF_DEST_CHECKS;
	f->services[3].destinations = &f->dest_names[0];
	f->services[3].dest_count = 1;
	s->destinations = &f->dest_names[1];
	s->dest_count = 1;
	s = fx_service(f, "autovpn-peers", UCF_ROLE_APPLIANCE, false);
	s->ports = &f->ports[16];
	s->ports[s->port_count++] = (struct ucf_service_port){ IPPROTO_UDP, { 32768, 61000 } };
	s->destinations = &f->dest_names[2];
	s->dest_count = 1;
	s = fx_service(f, "connectivity-checks", UCF_ROLE_APPLIANCE, false);
	s->ports = &f->ports[17];
	s->ports[s->port_count++] = (struct ucf_service_port){ IPPROTO_ICMP, { 0, 0 } };
	s->ports[s->port_count++] = (struct ucf_service_port){ IPPROTO_TCP, { 80, 80 } };
	s->destinations = &f->dest_names[3];
	s->dest_count = 1;
	f->cloud[0] = fx_prefix("209.206.48.0/20");
	f->checks[0] = fx_prefix("8.8.8.8");
	f->destinations[0] = (struct ucf_destination){ .name = (char *)UCF_DEST_MERAKI_CLOUD,
						       .prefixes = f->cloud, .count = 1 };
	f->destinations[1] = (struct ucf_destination){ .name = (char *)UCF_DEST_CHECKS,
						       .prefixes = f->checks, .count = 1 };
	f->cat.destinations = f->destinations;
	f->cat.dest_count = 2;

	struct ucf_config *c = &f->cfg;
	c->source = (char *)"fixture.yaml";
	c->site.name = (char *)"fixture";
	c->site.mode = mode;
	strcpy(f->uc[0].name, "eth1");
	c->interfaces.uc = f->uc;
	c->interfaces.uc_count = 1;
	strcpy(c->interfaces.appliance, "eth3");
	strcpy(c->interfaces.wan, "eth0");
	fx_list(&c->uc.endpoints, &f->E, (const char *const[]){ "10.20.0.0/24", "fd00:20::/64" }, 2);
	fx_list(&c->uc.servers, &f->S, (const char *const[]){ "10.50.0.0/24" }, 1);
	if (mode == UCF_MODE_CONCENTRATOR)
		fx_list(&c->appliance.remote_subnets, &f->R,
			(const char *const[]){ "10.50.0.0/16", "fd00:50::/48" }, 2);
	else
		fx_list(&c->appliance.remote_subnets, &f->R, NULL, 0);
	f->service_names[0] = (char *)"sip";
	f->service_names[1] = (char *)"sip-tls";
	f->service_names[2] = (char *)"rtp";
	c->uc.services.items = f->service_names;
	c->uc.services.count = 3;
	c->uc.media.learn = true;
	c->uc.media.static_enabled = true;
	c->uc.media.static_range = (struct ucf_port_range){ 16384, 32767 };
	c->uc.media.timeout_s = 120;
	c->uc.media.tls_calls = true;
	c->uc.media.tls_range = (struct ucf_port_range){ 1024, 65535 };
	c->uc.media.tls_timeout_s = 120;
	c->uc.media.shape_check = true;
	c->limits.media = 65536;
	c->appliance.address = fx_prefix("10.40.0.2");
	f->resolvers[0] = fx_prefix("192.0.2.53");
	c->appliance.resolvers = (struct ucf_prefix_list){ f->resolvers, 1 };
	c->appliance.vpn_peer_timeout_s = 4 * 3600;
	c->enforcement.action = UCF_ACTION_DROP;
	c->enforcement.log_rate = (struct ucf_rate){ 10, UCF_PER_SECOND };
}

static inline void fx_free(struct fixture *f)
{
	free(f->E);
	free(f->S);
	free(f->R);
	f->E = f->S = f->R = NULL;
}

/* The policy of the unchanged fixture for mode; fails the test (cmocka,
 * included before this header) if it does not build. */
/* The fixture's ruleset; fx_ruleset_encrypted with
 * enforcement.require_encryption on. */
static inline struct ucf_ruleset *fx_ruleset_opt(enum ucf_mode mode, bool require_encryption)
{
	struct fixture f;
	struct ucf_ruleset *rs = NULL;
	char err[1024];
	fx_init(&f, mode);
	f.cfg.enforcement.require_encryption = require_encryption;
	int rc = ucf_policy_build(&f.cfg, &f.cat, &rs, err, sizeof(err));
	fx_free(&f);
	if (rc != 0)
		fail_msg("policy: %s", err);
	return rs;
}

static inline struct ucf_ruleset *fx_ruleset(enum ucf_mode mode)
{
	return fx_ruleset_opt(mode, false);
}

static inline struct ucf_ruleset *fx_ruleset_encrypted(enum ucf_mode mode)
{
	return fx_ruleset_opt(mode, true);
}

#endif
