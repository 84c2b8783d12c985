/* policy.c — config + catalog → ruleset model. Pure: no I/O.
 *
 * Shape of the table (both modes; "4/6" rules exist once per family):
 *   forward (hook forward)  flow in @block4/6 → non-uc-protocol (first: it
 *                           cuts established flows too); [TLS calls: TCP →
 *                           tls_signal; TLS calls or shape check: UDP with
 *                           the media ct mark bit → media_flow (shape,
 *                           accept)]; A → @meraki_cloud out of wan, not a
 *                           bare ACK → counter appliance-upload (no verdict);
 *                           ct established,related → accept; [concentrator:
 *                           E<->S∪R by wan → uc-bypass-vpn]; iif/oif appliance
 *                           → from_/to_appliance; iif/oif uc → uc_forward
 *   input (hook input)      iif uc → uc_input
 *   uc_forward              E<->S∪R∪E → uc_service; else non-target-uc
 *   uc_service              SVC, or saddr . daddr . udp dport in MEDIA → accept;
 *                           static range (shape check), tls_media between a
 *                           TLS pair → media_admit (shape, ct mark, accept);
 *                           else return
 *   from_/to_appliance      mode-specific target checks; else non-target-appliance
 *   uc_input                established, gateway services, ND/MLD → accept;
 *                           else non-target-to-gateway
 *   one chain per reason    counter, rate-limited log, enforcement.action
 * With enforcement.require_encryption, every rule that sends E<->S∪R (or, in
 * appliance mode, A<->S) to uc_service is preceded by one sending the
 * cleartext services there to cleartext-signalling. */
#include "policy.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "grow.h"

static const char *const reason_names[UCF_REASON_COUNT] = {
	[UCF_REASON_NON_TARGET_UC] = "non-target-uc",
	[UCF_REASON_NON_TARGET_APPLIANCE] = "non-target-appliance",
	[UCF_REASON_UC_BYPASS_VPN] = "uc-bypass-vpn",
	[UCF_REASON_NON_TARGET_TO_GATEWAY] = "non-target-to-gateway",
	[UCF_REASON_NON_UC_PROTOCOL] = "non-uc-protocol",
	[UCF_REASON_CLEARTEXT_SIGNALLING] = "cleartext-signalling",
	[UCF_REASON_NON_MEDIA_SHAPE] = "non-media-shape",
};

/* Chain names: the reason chains use '_' so they never clash with counters
 * in messages ("chain non_target_uc" vs "counter non-target-uc"). */
enum chain_id {
	CH_FORWARD, CH_INPUT, CH_UC_FORWARD, CH_UC_SERVICE, CH_FROM_APPLIANCE,
	CH_TO_APPLIANCE, CH_UC_INPUT, CH_TLS_SIGNAL, CH_MEDIA_FLOW, CH_MEDIA_ADMIT,
	CH_MEDIA_SHAPE, CH_REASON, /* + reason */
	CH_COUNT = CH_REASON + UCF_REASON_COUNT
};

static const char *const chain_names[CH_COUNT] = {
	[CH_FORWARD] = "forward",
	[CH_INPUT] = "input",
	[CH_UC_FORWARD] = "uc_forward",
	[CH_UC_SERVICE] = "uc_service",
	[CH_FROM_APPLIANCE] = "from_appliance",
	[CH_TO_APPLIANCE] = "to_appliance",
	[CH_UC_INPUT] = "uc_input",
	[CH_TLS_SIGNAL] = "tls_signal",
	[CH_MEDIA_FLOW] = "media_flow",
	[CH_MEDIA_ADMIT] = "media_admit",
	[CH_MEDIA_SHAPE] = "media_shape",
	[CH_REASON + UCF_REASON_NON_TARGET_UC] = "non_target_uc",
	[CH_REASON + UCF_REASON_NON_TARGET_APPLIANCE] = "non_target_appliance",
	[CH_REASON + UCF_REASON_UC_BYPASS_VPN] = "uc_bypass_vpn",
	[CH_REASON + UCF_REASON_NON_TARGET_TO_GATEWAY] = "non_target_to_gateway",
	[CH_REASON + UCF_REASON_NON_UC_PROTOCOL] = "non_uc_protocol",
	[CH_REASON + UCF_REASON_CLEARTEXT_SIGNALLING] = "cleartext_signalling",
	[CH_REASON + UCF_REASON_NON_MEDIA_SHAPE] = "non_media_shape",
};

/* Before the site's own filter (priority 0): our counters see every packet
 * first, and conntrack (-200) has already run. */
#define UCF_PRIORITY (-10)

const char *ucf_reason_name(enum ucf_reason reason)
{
	return reason < UCF_REASON_COUNT ? reason_names[reason] : "?";
}

/* ---- model building blocks ------------------------------------------------ */

struct build {
	struct ucf_ruleset *rs;
	int rc; /* first error; later calls become no-ops */
	char *err;
	size_t errlen;
};

static void fail(struct build *b, int rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void fail(struct build *b, int rc, const char *fmt, ...)
{
	va_list ap;
	if (b->rc)
		return;
	b->rc = rc;
	va_start(ap, fmt);
	vsnprintf(b->err, b->errlen, fmt, ap);
	va_end(ap);
}

static int set_push(struct ucf_set *s, const struct ucf_elem *e)
{
	if (UCF_GROW(s->elems, s->cap, s->count + 1, 16) < 0)
		return -ENOMEM;
	s->elems[s->count++] = *e;
	return 0;
}

static struct ucf_set *add_set(struct build *b, const char *name, enum ucf_set_key key)
{
	struct ucf_ruleset *rs = b->rs;
	struct ucf_set *s;
	if (b->rc)
		return NULL;
	s = ucf_grow_array(rs->sets, NULL, rs->nsets + 1, sizeof(*s), 0);
	if (!s) {
		fail(b, -ENOMEM, "out of memory");
		return NULL;
	}
	rs->sets = s;
	s = &rs->sets[rs->nsets++];
	memset(s, 0, sizeof(*s));
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->key = key;
	return s;
}

static struct ucf_rule *add_rule(struct build *b, enum chain_id chain, const char *comment)
{
	struct ucf_ruleset *rs = b->rs;
	if (b->rc)
		return NULL;
	if (UCF_GROW(rs->rules, rs->rules_cap, rs->nrules + 1, 16) < 0) {
		fail(b, -ENOMEM, "out of memory");
		return NULL;
	}
	struct ucf_rule *r = &rs->rules[rs->nrules++];
	memset(r, 0, sizeof(*r));
	r->chain = chain;
	r->comment = comment;
	return r;
}

static struct ucf_match *add_match(struct ucf_rule *r, enum ucf_match_kind kind)
{
	if (!r || r->nmatch == UCF_RULE_MATCH_MAX)
		return NULL; /* the builder below never exceeds the limit */
	struct ucf_match *m = &r->match[r->nmatch++];
	memset(m, 0, sizeof(*m));
	m->kind = kind;
	return m;
}

static void match_name(struct ucf_rule *r, enum ucf_match_kind kind, int family, const char *name)
{
	struct ucf_match *m = add_match(r, kind);
	if (m) {
		m->family = (uint8_t)family;
		snprintf(m->name, sizeof(m->name), "%s", name);
	}
}

/* A set name with its family digit: ("endpoints", AF_INET6) → "endpoints6". */
static void match_fset(struct ucf_rule *r, enum ucf_match_kind kind, int family, const char *base)
{
	char name[UCF_NAME_MAX];
	snprintf(name, sizeof(name), "%s%c", base, family == AF_INET ? '4' : '6');
	match_name(r, kind, family, name);
}

static void match_addr(struct ucf_rule *r, enum ucf_match_kind kind, const struct ucf_prefix *a)
{
	struct ucf_match *m = add_match(r, kind);
	if (m) {
		m->family = a->family;
		memcpy(m->addr, a->addr, sizeof(m->addr));
	}
}

static void match_ct(struct ucf_rule *r)
{
	add_match(r, UCF_MATCH_CT_ESTABLISHED);
}

static void match_proto(struct ucf_rule *r, uint8_t proto)
{
	struct ucf_match *m = add_match(r, UCF_MATCH_L4PROTO);
	if (m)
		m->proto = proto;
}

static void stmt(struct ucf_rule *r, enum ucf_stmt_kind kind, const char *name)
{
	if (!r || r->nstmt == UCF_RULE_STMT_MAX)
		return;
	struct ucf_stmt *s = &r->stmt[r->nstmt++];
	memset(s, 0, sizeof(*s));
	s->kind = kind;
	if (name)
		snprintf(s->name, sizeof(s->name), "%s", name);
}

static void to_chain(struct ucf_rule *r, enum ucf_stmt_kind kind, enum chain_id chain)
{
	stmt(r, kind, chain_names[chain]);
}

/* add/update @set { the packet's pair }. */
static void stmt_set(struct ucf_rule *r, enum ucf_stmt_kind kind, const char *set, int family,
		     bool reverse)
{
	stmt(r, kind, set);
	if (r && r->nstmt && r->stmt[r->nstmt - 1].kind == kind) {
		struct ucf_stmt *st = &r->stmt[r->nstmt - 1];
		st->family = (uint8_t)family;
		st->reverse = reverse;
	}
}

/* ct mark set ct mark | bits. */
static void stmt_ct_mark_or(struct ucf_rule *r, uint32_t bits)
{
	stmt(r, UCF_STMT_CT_MARK_OR, NULL);
	if (r && r->nstmt && r->stmt[r->nstmt - 1].kind == UCF_STMT_CT_MARK_OR)
		r->stmt[r->nstmt - 1].mark = bits;
}

/* ct mark & bits == bits. */
static void match_ct_mark(struct ucf_rule *r, uint32_t bits)
{
	struct ucf_match *m = add_match(r, UCF_MATCH_CT_MARK);
	if (m)
		m->mark = bits;
}

/* @th,offset*8,len*8 compared with value (under mask if set), or within
 * value-value_end. */
static void match_raw(struct ucf_rule *r, uint16_t offset, uint8_t len, uint8_t mask,
		      uint32_t value, uint32_t value_end)
{
	struct ucf_match *m = add_match(r, UCF_MATCH_TH_RAW);
	if (m) {
		m->offset = offset;
		m->len = len;
		m->mask = mask;
		m->value = value;
		m->value_end = value_end;
	}
}

static void warn(struct build *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void warn(struct build *b, const char *fmt, ...)
{
	struct ucf_ruleset *rs = b->rs;
	char **w;
	va_list ap;
	if (b->rc)
		return;
	w = ucf_grow_array(rs->warnings, NULL, rs->nwarnings + 1, sizeof(*w), 0);
	if (!w) {
		fail(b, -ENOMEM, "out of memory");
		return;
	}
	rs->warnings = w;
	va_start(ap, fmt);
	if (vasprintf(&w[rs->nwarnings], fmt, ap) < 0)
		fail(b, -ENOMEM, "out of memory");
	else
		rs->nwarnings++;
	va_end(ap);
}

/* ---- set contents ------------------------------------------------------------ */

static size_t addr_len(int family)
{
	return family == AF_INET ? 4 : 16;
}

/* The first and last address of a prefix. */
static void prefix_range(const struct ucf_prefix *p, struct ucf_elem *e)
{
	size_t n = addr_len(p->family);
	memset(e, 0, sizeof(*e));
	for (size_t i = 0; i < n; i++) {
		unsigned bits = p->len > i * 8 ? p->len - i * 8 : 0;
		uint8_t mask = bits >= 8 ? 0xff : (uint8_t)(0xff << (8 - bits));
		e->key[i] = p->addr[i] & mask;
		e->key_end[i] = p->addr[i] | (uint8_t)~mask;
	}
}

static int cmp_range(const void *a, const void *b)
{
	return memcmp(((const struct ucf_elem *)a)->key, ((const struct ucf_elem *)b)->key, 16);
}

/* a + 1 == b over n big-endian bytes (false when a is all ones). */
static bool addr_next(const uint8_t *a, const uint8_t *b, size_t n)
{
	uint8_t t[16];
	memcpy(t, a, n);
	for (size_t i = n; i-- > 0;)
		if (++t[i] != 0)
			return memcmp(t, b, n) == 0;
	return false;
}

/* Interval sets must not hold overlapping elements (the kernel refuses
 * them): sort, then merge overlapping and adjacent ranges. */
static void merge_addr_ranges(struct ucf_set *s, size_t n)
{
	size_t out = 0;
	if (!s->count)
		return;
	qsort(s->elems, s->count, sizeof(*s->elems), cmp_range);
	for (size_t i = 1; i < s->count; i++) {
		struct ucf_elem *last = &s->elems[out], *e = &s->elems[i];
		if (memcmp(e->key, last->key_end, n) <= 0 || addr_next(last->key_end, e->key, n)) {
			if (memcmp(e->key_end, last->key_end, n) > 0)
				memcpy(last->key_end, e->key_end, n);
		} else {
			s->elems[++out] = *e;
		}
	}
	s->count = out + 1;
}

static void fill_prefixes(struct build *b, struct ucf_set *s, int family,
			  const struct ucf_prefix_list *const *lists, size_t nlists)
{
	if (!s)
		return;
	for (size_t l = 0; l < nlists; l++) {
		for (size_t i = 0; i < lists[l]->count; i++) {
			const struct ucf_prefix *p = &lists[l]->items[i];
			struct ucf_elem e;
			if (p->family != family)
				continue;
			prefix_range(p, &e);
			if (set_push(s, &e) < 0) {
				fail(b, -ENOMEM, "out of memory");
				return;
			}
		}
	}
	merge_addr_ranges(s, addr_len(family));
}

static void add_prefix_sets(struct build *b, const char *base,
			    const struct ucf_prefix_list *const *lists, size_t nlists)
{
	char name[UCF_NAME_MAX];
	snprintf(name, sizeof(name), "%s4", base);
	fill_prefixes(b, add_set(b, name, UCF_KEY_IPV4), AF_INET, lists, nlists);
	snprintf(name, sizeof(name), "%s6", base);
	fill_prefixes(b, add_set(b, name, UCF_KEY_IPV6), AF_INET6, lists, nlists);
}

static int cmp_svc(const void *a, const void *b)
{
	const struct ucf_elem *x = a, *y = b;
	if (x->proto != y->proto)
		return x->proto - y->proto;
	return (int)x->port - (int)y->port;
}

static void merge_port_ranges(struct ucf_set *s)
{
	size_t out = 0;
	if (!s->count)
		return;
	qsort(s->elems, s->count, sizeof(*s->elems), cmp_svc);
	for (size_t i = 1; i < s->count; i++) {
		struct ucf_elem *last = &s->elems[out], *e = &s->elems[i];
		if (e->proto == last->proto && (uint32_t)e->port <= (uint32_t)last->port_end + 1) {
			if (e->port_end > last->port_end)
				last->port_end = e->port_end;
		} else {
			s->elems[++out] = *e;
		}
	}
	s->count = out + 1;
}

static void svc_push(struct build *b, struct ucf_set *s, uint8_t proto, struct ucf_port_range r)
{
	struct ucf_elem e = { .proto = proto, .port = r.first, .port_end = r.last };
	if (s && !b->rc && set_push(s, &e) < 0)
		fail(b, -ENOMEM, "out of memory");
}

/* The static range is shape-checked: it leaves uc_svc for static_media. */
static bool static_shaped(const struct ucf_config *cfg)
{
	return cfg->uc.media.static_enabled && cfg->uc.media.shape_check;
}

static void svc_add_service(struct build *b, struct ucf_set *s, const struct ucf_service *svc,
			    const struct ucf_config *cfg)
{
	for (size_t i = 0; i < svc->port_count; i++)
		svc_push(b, s, svc->ports[i].l4proto, svc->ports[i].ports);
	/* RTP has no port of its own: the static range is UDP media. */
	if (svc->media && cfg && cfg->uc.media.static_enabled && !static_shaped(cfg))
		svc_push(b, s, IPPROTO_UDP, cfg->uc.media.static_range);
}

/* TLS-signalled calls get pair sets when tls_calls is on and uc.services
 * lists TLS signalling and media. */
static bool tls_calls(const struct ucf_config *cfg, const struct ucf_catalog *cat)
{
	bool tls = false, media = false;
	for (size_t i = 0; i < cfg->uc.services.count; i++) {
		const struct ucf_service *svc = ucf_catalog_find(cat, cfg->uc.services.items[i]);
		tls |= svc && svc->signalling == UCF_SIGNALLING_TLS;
		media |= svc && svc->media;
	}
	return cfg->uc.media.tls_calls && tls && media;
}

/* The sets of TLS-signalled calls and media shapes; they exist whatever the
 * config (empty when unused), so a config change never changes the table's
 * shape. */
static void add_tls_sets(struct build *b, const struct ucf_config *cfg,
			 const struct ucf_catalog *cat)
{
	bool on = tls_calls(cfg, cat);
	struct ucf_set *s = add_set(b, "tls_sig", UCF_KEY_PROTO_PORT);
	for (size_t i = 0; on && s && i < cfg->uc.services.count; i++) {
		const struct ucf_service *svc = ucf_catalog_find(cat, cfg->uc.services.items[i]);
		if (svc && svc->signalling == UCF_SIGNALLING_TLS)
			svc_add_service(b, s, svc, NULL);
	}
	if (s)
		merge_port_ranges(s);
	s = add_set(b, "tls_media", UCF_KEY_PROTO_PORT);
	if (on)
		svc_push(b, s, IPPROTO_UDP, cfg->uc.media.tls_range);
	s = add_set(b, "static_media", UCF_KEY_PROTO_PORT);
	if (static_shaped(cfg))
		svc_push(b, s, IPPROTO_UDP, cfg->uc.media.static_range);
	static const struct {
		const char *name;
		enum ucf_set_key key;
	} dyn[] = { { UCF_SET_TLS_PAIRS4, UCF_KEY_IPV4_PAIR }, { UCF_SET_TLS_PAIRS6, UCF_KEY_IPV6_PAIR } };
	for (size_t i = 0; i < sizeof(dyn) / sizeof(dyn[0]); i++) {
		s = add_set(b, dyn[i].name, dyn[i].key);
		if (!s)
			return;
		s->timeout_ms = cfg->uc.media.tls_timeout_s * 1000ull;
		/* The datapath fills these: a full set refuses the add and the
		 * packet falls through to a refusal. */
		s->size = cfg->limits.media;
	}
}

/* The appliance's own traffic, by where it may go: each class has a
 * service set (the catalog's appliance services naming that destination)
 * and the destination sets its rules match. */
enum appl_class { AC_CLOUD, AC_CHECKS, AC_VPN, AC_RESOLVERS, AC_TIME, AC_ANY, AC_COUNT };

static const struct {
	const char *dest; /* the catalog's destination name or keyword */
	const char *svc;  /* proto . port set */
	const char *set;  /* address set base name (4/6), NULL: any destination */
} appl_classes[AC_COUNT] = {
	[AC_CLOUD] = { UCF_DEST_MERAKI_CLOUD, "cloud_svc", UCF_SET_MERAKI_CLOUD },
	[AC_CHECKS] = { UCF_DEST_CHECKS, "check_svc", "conncheck" },
	[AC_VPN] = { UCF_DEST_VPN_PEERS, "vpn_svc", UCF_SET_VPN_STATIC },
	[AC_RESOLVERS] = { UCF_DEST_RESOLVERS, "resolver_svc", "resolvers" },
	[AC_TIME] = { UCF_DEST_TIME_SERVERS, "time_svc", "time_servers" },
	[AC_ANY] = { UCF_DEST_ANY, "any_svc", NULL },
};

/* The appliance services of class c, and whether one of them pings
 * (icmp/echo: not a port, a rule of its own). */
static bool appl_class_echo(const struct ucf_catalog *cat, enum appl_class c)
{
	for (size_t i = 0; i < cat->count; i++) {
		const struct ucf_service *svc = &cat->services[i];
		if (!(svc->roles & UCF_ROLE_APPLIANCE) ||
		    !ucf_service_has_destination(svc, appl_classes[c].dest))
			continue;
		for (size_t j = 0; j < svc->port_count; j++)
			if (svc->ports[j].l4proto == IPPROTO_ICMP)
				return true;
	}
	return false;
}

/* The site's list for a class; NULL for the classes without one. */
static const struct ucf_prefix_list *appl_site_list(const struct ucf_config *cfg, enum appl_class c)
{
	switch (c) {
	case AC_CLOUD: return &cfg->appliance.cloud;
	case AC_CHECKS: return &cfg->appliance.connectivity_checks;
	case AC_VPN: return &cfg->appliance.vpn_peers;
	case AC_RESOLVERS: return &cfg->appliance.resolvers;
	case AC_TIME: return &cfg->appliance.time_servers;
	case AC_ANY: return NULL;
	case AC_COUNT: break;
	}
	return NULL;
}

static void add_appliance_sets(struct build *b, const struct ucf_config *cfg,
			       const struct ucf_catalog *cat)
{
	/* Every appliance service names destinations the policy knows. */
	for (size_t i = 0; i < cat->count && !b->rc; i++) {
		const struct ucf_service *svc = &cat->services[i];
		if (!(svc->roles & UCF_ROLE_APPLIANCE))
			continue;
		for (size_t j = 0; j < svc->dest_count; j++) {
			bool known = false;
			for (size_t c = 0; c < AC_COUNT; c++)
				known |= strcmp(svc->destinations[j], appl_classes[c].dest) == 0;
			if (!known)
				fail(b, -EINVAL,
				     "%s: service '%s' names destination '%s'; the appliance's may be "
				     UCF_DEST_MERAKI_CLOUD ", " UCF_DEST_CHECKS ", " UCF_DEST_VPN_PEERS
				     ", " UCF_DEST_RESOLVERS ", " UCF_DEST_TIME_SERVERS " or " UCF_DEST_ANY,
				     svc->origin, svc->name, svc->destinations[j]);
		}
	}
	for (size_t c = 0; c < AC_COUNT; c++) {
		struct ucf_set *s = add_set(b, appl_classes[c].svc, UCF_KEY_PROTO_PORT);
		for (size_t i = 0; s && i < cat->count; i++) {
			const struct ucf_service *svc = &cat->services[i];
			if (!(svc->roles & UCF_ROLE_APPLIANCE) ||
			    !ucf_service_has_destination(svc, appl_classes[c].dest))
				continue;
			for (size_t j = 0; j < svc->port_count; j++)
				if (svc->ports[j].l4proto != IPPROTO_ICMP)
					svc_push(b, s, svc->ports[j].l4proto, svc->ports[j].ports);
		}
		if (s)
			merge_port_ranges(s);
		if (!appl_classes[c].set)
			continue;
		/* The site's list replaces the catalog's. */
		const struct ucf_prefix_list *site = appl_site_list(cfg, (enum appl_class)c);
		const struct ucf_destination *d = ucf_catalog_destination(cat, appl_classes[c].dest);
		struct ucf_prefix_list catalog = { d ? d->prefixes : NULL, d ? d->count : 0 };
		const struct ucf_prefix_list *use = site && site->count ? site : &catalog;
		add_prefix_sets(b, appl_classes[c].set, (const struct ucf_prefix_list *const[]){ use },
				1);
	}
	/* appliance.open: the ports, the site's addresses, and the resolved
	 * host names (the agent fills those). */
	struct ucf_set *os = add_set(b, "open_svc", UCF_KEY_PROTO_PORT);
	for (size_t i = 0; os && i < cfg->appliance.open.port_count; i++)
		svc_push(b, os, cfg->appliance.open.ports[i].l4proto, cfg->appliance.open.ports[i].ports);
	if (os)
		merge_port_ranges(os);
	add_prefix_sets(b, UCF_SET_OPEN_STATIC,
			(const struct ucf_prefix_list *const[]){ &cfg->appliance.open.addresses }, 1);
	/* AutoVPN peers learned from the Dashboard (the agent fills them; each
	 * element times out unless a fetch refreshes it). */
	static const struct {
		const char *name;
		enum ucf_set_key key;
		uint64_t timeout_s;
	} learned[] = { { UCF_SET_VPN_PEERS4, UCF_KEY_IPV4_TIMED, 0 },
			{ UCF_SET_VPN_PEERS6, UCF_KEY_IPV6_TIMED, 0 },
			{ UCF_SET_APPLIANCE_OPEN "4", UCF_KEY_IPV4_TIMED, UCF_OPEN_TIMEOUT_S },
			{ UCF_SET_APPLIANCE_OPEN "6", UCF_KEY_IPV6_TIMED, UCF_OPEN_TIMEOUT_S } };
	for (size_t i = 0; i < sizeof(learned) / sizeof(learned[0]); i++) {
		struct ucf_set *s = add_set(b, learned[i].name, learned[i].key);
		if (s) {
			s->timeout_ms = (learned[i].timeout_s ? learned[i].timeout_s
							      : cfg->appliance.vpn_peer_timeout_s) *
					1000ull;
			s->size = UCF_VPN_PEERS_MAX;
		}
	}
}

static void add_sets(struct build *b, const struct ucf_config *cfg, const struct ucf_catalog *cat)
{
	const struct ucf_prefix_list *E = &cfg->uc.endpoints, *S = &cfg->uc.servers,
				     *R = &cfg->appliance.remote_subnets;
	struct ucf_set *s;

	s = add_set(b, "uc_ifs", UCF_KEY_IFNAME);
	for (size_t i = 0; s && i < cfg->interfaces.uc_count && !b->rc; i++) {
		struct ucf_elem e;
		memset(&e, 0, sizeof(e));
		memcpy(e.key, cfg->interfaces.uc[i].name, strnlen(cfg->interfaces.uc[i].name, 15));
		if (set_push(s, &e) < 0)
			fail(b, -ENOMEM, "out of memory");
	}
	add_prefix_sets(b, "endpoints", (const struct ucf_prefix_list *const[]){ E }, 1);
	add_prefix_sets(b, "servers", (const struct ucf_prefix_list *const[]){ S }, 1);
	add_prefix_sets(b, "remote", (const struct ucf_prefix_list *const[]){ S, R }, 2);
	add_prefix_sets(b, "peers", (const struct ucf_prefix_list *const[]){ S, R, E }, 3);

	s = add_set(b, "uc_svc", UCF_KEY_PROTO_PORT);
	for (size_t i = 0; s && i < cfg->uc.services.count; i++) {
		const struct ucf_service *svc = ucf_catalog_find(cat, cfg->uc.services.items[i]);
		if (!svc) {
			fail(b, -EINVAL, "uc.services: '%s' is not in the catalog",
			     cfg->uc.services.items[i]);
			return;
		}
		svc_add_service(b, s, svc, cfg);
	}
	if (s)
		merge_port_ranges(s);

	s = add_set(b, "gateway_svc", UCF_KEY_PROTO_PORT);
	for (size_t i = 0; s && i < cat->count; i++)
		if (cat->services[i].roles & UCF_ROLE_GATEWAY)
			svc_add_service(b, s, &cat->services[i], NULL);
	if (s)
		merge_port_ranges(s);
	add_appliance_sets(b, cfg, cat);

	/* Every cleartext service of the catalog, listed in uc.services or not:
	 * the refusal then names its reason even for a service the site does
	 * not list. Empty when off, so the table has the same objects. */
	s = add_set(b, UCF_SET_CLEARTEXT, UCF_KEY_PROTO_PORT);
	for (size_t i = 0; s && cfg->enforcement.require_encryption && i < cat->count; i++)
		if (cat->services[i].cleartext && (cat->services[i].roles & UCF_ROLE_UC))
			svc_add_service(b, s, &cat->services[i], NULL);
	if (s)
		merge_port_ranges(s);

	s = add_set(b, UCF_SET_MEDIA4, UCF_KEY_IPV4_MEDIA);
	if (s)
		s->timeout_ms = cfg->uc.media.timeout_s * 1000;
	s = add_set(b, UCF_SET_MEDIA6, UCF_KEY_IPV6_MEDIA);
	if (s)
		s->timeout_ms = cfg->uc.media.timeout_s * 1000;
	s = add_set(b, UCF_SET_BLOCK4, UCF_KEY_IPV4_BLOCK);
	if (s)
		s->timeout_ms = UCF_BLOCK_TIMEOUT_S * 1000ull;
	s = add_set(b, UCF_SET_BLOCK6, UCF_KEY_IPV6_BLOCK);
	if (s)
		s->timeout_ms = UCF_BLOCK_TIMEOUT_S * 1000ull;
	add_tls_sets(b, cfg, cat);

	/* What IPv6 needs from the gateway on any link: router and neighbour
	 * discovery (RFC 4861) and multicast listener reports (RFC 2710, 3810).
	 * ARP is not IP: inet tables never see it. */
	static const uint8_t nd_types[] = { 133, 135, 136, 131, 143 };
	s = add_set(b, "nd_types", UCF_KEY_ICMPV6_TYPE);
	for (size_t i = 0; s && i < sizeof(nd_types) && !b->rc; i++) {
		struct ucf_elem e = { .proto = nd_types[i] };
		if (set_push(s, &e) < 0)
			fail(b, -ENOMEM, "out of memory");
	}
}

/* ---- rules ------------------------------------------------------------------- */

static const int families[2] = { AF_INET, AF_INET6 };

static void reason_chain(struct build *b, enum ucf_reason reason, const struct ucf_config *cfg)
{
	enum chain_id ch = CH_REASON + reason;
	struct ucf_rule *r;
	char prefix[UCF_LOG_PREFIX_MAX];

	r = add_rule(b, ch, NULL);
	stmt(r, UCF_STMT_COUNTER, reason_names[reason]);
	r = add_rule(b, ch, NULL);
	snprintf(prefix, sizeof(prefix), "ucfence: %s ", reason_names[reason]);
	stmt(r, UCF_STMT_LOG, prefix);
	if (r) {
		r->stmt[0].rate = cfg->enforcement.log_rate;
		r->stmt[0].group = UCF_NFLOG_GROUP;
	}
	switch (cfg->enforcement.action) {
	case UCF_ACTION_DROP:
		stmt(add_rule(b, ch, NULL), UCF_STMT_DROP, NULL);
		break;
	case UCF_ACTION_REJECT:
		r = add_rule(b, ch, NULL);
		match_proto(r, IPPROTO_TCP);
		stmt(r, UCF_STMT_REJECT_TCP, NULL);
		stmt(add_rule(b, ch, NULL), UCF_STMT_REJECT, NULL);
		break;
	case UCF_ACTION_MONITOR:
		stmt(add_rule(b, ch, NULL), UCF_STMT_ACCEPT, NULL);
		break;
	}
}

/* saddr in @src, daddr in @dst (per family) → jump uc_service. */
static void pair_to_service(struct build *b, enum chain_id ch, const char *src, const char *dst)
{
	for (size_t f = 0; f < 2; f++) {
		struct ucf_rule *r = add_rule(b, ch, NULL);
		match_fset(r, UCF_MATCH_SADDR_SET, families[f], src);
		match_fset(r, UCF_MATCH_DADDR_SET, families[f], dst);
		to_chain(r, UCF_STMT_JUMP, CH_UC_SERVICE);
	}
}

/* require_encryption: saddr in @src, daddr in @dst, a cleartext service →
 * goto cleartext_signalling; to go before pair_to_service(src, dst). */
#define CLEARTEXT_COMMENT "require_encryption"
static void pair_cleartext(struct build *b, const struct ucf_config *cfg, enum chain_id ch,
			   const char *src, const char *dst)
{
	if (!cfg->enforcement.require_encryption)
		return;
	for (size_t f = 0; f < 2; f++) {
		struct ucf_rule *r = add_rule(b, ch, CLEARTEXT_COMMENT);
		match_fset(r, UCF_MATCH_SADDR_SET, families[f], src);
		match_fset(r, UCF_MATCH_DADDR_SET, families[f], dst);
		match_name(r, UCF_MATCH_SVC_SET, 0, UCF_SET_CLEARTEXT);
		to_chain(r, UCF_STMT_GOTO, CH_REASON + UCF_REASON_CLEARTEXT_SIGNALLING);
	}
}

/* The first bytes of a UDP payload that make it media (RFC 7983's
 * demultiplexing, RFC 5761 for RTP and RTCP on one port): RTP version 2 with
 * a static (0-34) or dynamic (96-127) payload type, marker bit clear or set,
 * or RTCP (200-204); STUN (00 bits, magic cookie); DTLS (first byte 20-63).
 * Returns to the caller when it is; else the packet is refused. */
static void media_shape_rules(struct build *b)
{
	static const struct { uint8_t lo, hi; } rtp_second[] = {
		{ 0, 34 },    /* PT 0-34, marker clear */
		{ 96, 162 },  /* PT 96-127 clear, PT 0-34 with the marker (128-162) */
		{ 200, 204 }, /* RTCP SR, RR, SDES, BYE, APP */
		{ 224, 255 }, /* PT 96-127 with the marker */
	};
	struct ucf_rule *r;
	for (size_t i = 0; i < sizeof(rtp_second) / sizeof(rtp_second[0]); i++) {
		r = add_rule(b, CH_MEDIA_SHAPE, NULL);
		match_raw(r, 8, 1, 0xc0, 0x80, 0);
		match_raw(r, 9, 1, 0, rtp_second[i].lo, rtp_second[i].hi);
		stmt(r, UCF_STMT_RETURN, NULL);
	}
	r = add_rule(b, CH_MEDIA_SHAPE, NULL);
	match_raw(r, 8, 1, 0xc0, 0x00, 0);
	match_raw(r, 12, 4, 0, 0x2112a442, 0);
	stmt(r, UCF_STMT_RETURN, NULL);
	r = add_rule(b, CH_MEDIA_SHAPE, NULL);
	match_raw(r, 8, 1, 0, 20, 63);
	stmt(r, UCF_STMT_RETURN, NULL);
	to_chain(add_rule(b, CH_MEDIA_SHAPE, NULL), UCF_STMT_GOTO,
		 CH_REASON + UCF_REASON_NON_MEDIA_SHAPE);
}

/* TLS signalling (ct established: the peer answered) between local and
 * peer keeps their pair alive, local first whichever way the packet goes.
 * local/peer are set names (per family) or, with addr, A itself. */
static void tls_pair_update(struct build *b, int family, const char *local,
			    const struct ucf_prefix *addr, const char *peer, bool local_is_src)
{
	const char *pairs = family == AF_INET ? UCF_SET_TLS_PAIRS4 : UCF_SET_TLS_PAIRS6;
	struct ucf_rule *r = add_rule(b, CH_TLS_SIGNAL, NULL);
	match_ct(r);
	match_name(r, UCF_MATCH_SVC_SET, 0, "tls_sig");
	if (local_is_src) {
		if (addr)
			match_addr(r, UCF_MATCH_SADDR, addr);
		else
			match_fset(r, UCF_MATCH_SADDR_SET, family, local);
		match_fset(r, UCF_MATCH_DADDR_SET, family, peer);
	} else {
		match_fset(r, UCF_MATCH_SADDR_SET, family, peer);
		if (addr)
			match_addr(r, UCF_MATCH_DADDR, addr);
		else
			match_fset(r, UCF_MATCH_DADDR_SET, family, local);
	}
	stmt_set(r, UCF_STMT_SET_UPDATE, pairs, family, !local_is_src);
}

/* Media of TLS-signalled calls and the shape-checked static range. Chains
 * that are not needed stay empty. */
static void media_rules(struct build *b, const struct ucf_config *cfg,
			const struct ucf_catalog *cat)
{
	bool tls = tls_calls(cfg, cat), shaped = static_shaped(cfg);
	const struct ucf_prefix *A = &cfg->appliance.address;
	struct ucf_rule *r;

	if (tls) {
		for (size_t f = 0; f < 2; f++) {
			tls_pair_update(b, families[f], "endpoints", NULL, "remote", true);
			tls_pair_update(b, families[f], "endpoints", NULL, "remote", false);
		}
		if (cfg->site.mode == UCF_MODE_APPLIANCE) {
			/* Phones behind the appliance speak as A. */
			tls_pair_update(b, A->family, NULL, A, "servers", true);
			tls_pair_update(b, A->family, NULL, A, "servers", false);
		}
	}
	if (!tls && !shaped)
		return;
	/* The flow's conntrack entry carries the mark from its first packet on;
	 * forward sends every later packet, both ways, to media_flow. If the
	 * packet has no conntrack entry (notrack) nothing is set: each of its
	 * packets then comes here again, through uc_service. */
	to_chain(add_rule(b, CH_MEDIA_ADMIT, NULL), UCF_STMT_JUMP, CH_MEDIA_SHAPE);
	r = add_rule(b, CH_MEDIA_ADMIT, "a media flow, shape-checked from now on");
	stmt_ct_mark_or(r, UCF_CT_MARK_MEDIA);
	stmt(r, UCF_STMT_ACCEPT, NULL);
	/* A later packet of an admitted flow: its shape, and nothing else. The
	 * flow passed admission, so a packet its peer has not answered yet
	 * (conntrack: still new) need not go through it again; replies pass
	 * here too, before conntrack's established accept would. */
	to_chain(add_rule(b, CH_MEDIA_FLOW, NULL), UCF_STMT_JUMP, CH_MEDIA_SHAPE);
	r = add_rule(b, CH_MEDIA_FLOW, NULL);
	stmt(r, UCF_STMT_ACCEPT, NULL);
	media_shape_rules(b);
}

/* uc_service's media admissions (after services and learned media). */
static void media_service_rules(struct build *b, const struct ucf_config *cfg,
				const struct ucf_catalog *cat)
{
	struct ucf_rule *r;
	if (static_shaped(cfg)) {
		r = add_rule(b, CH_UC_SERVICE, "static media range, media-shaped only");
		match_name(r, UCF_MATCH_SVC_SET, 0, "static_media");
		to_chain(r, UCF_STMT_GOTO, CH_MEDIA_ADMIT);
	}
	if (!tls_calls(cfg, cat))
		return;
	for (size_t f = 0; f < 2; f++) {
		const char *pairs = families[f] == AF_INET ? UCF_SET_TLS_PAIRS4 : UCF_SET_TLS_PAIRS6;
		for (int rev = 0; rev < 2; rev++) {
			r = add_rule(b, CH_UC_SERVICE, "media of a TLS-signalled call");
			match_name(r, UCF_MATCH_PAIR_SET, families[f], pairs);
			if (r && r->nmatch)
				r->match[r->nmatch - 1].reverse = rev;
			match_name(r, UCF_MATCH_SVC_SET, 0, "tls_media");
			to_chain(r, UCF_STMT_GOTO, CH_MEDIA_ADMIT);
		}
	}
}

/* The capture upload signal's measurement: every packet A sends to the
 * Meraki cloud, so before conntrack's accept (a capture streams over an
 * established connection), but for pure acknowledgements (at most
 * UCF_UPLOAD_MIN_LEN bytes). It only counts; the verdict comes after. */
static void upload_rule(struct build *b, const struct ucf_config *cfg)
{
	const struct ucf_prefix *A = &cfg->appliance.address;
	struct ucf_rule *r = add_rule(b, CH_FORWARD, "the appliance's upload to the Meraki cloud");
	match_name(r, UCF_MATCH_OIF, 0, cfg->interfaces.wan);
	match_addr(r, UCF_MATCH_SADDR, A);
	match_fset(r, UCF_MATCH_DADDR_SET, A->family, UCF_SET_MERAKI_CLOUD);
	struct ucf_match *m = add_match(r, UCF_MATCH_LENGTH_GT);
	if (m) {
		m->family = A->family;
		m->value = A->family == AF_INET ? UCF_UPLOAD_MIN_LEN : UCF_UPLOAD_MIN_LEN - 40;
	}
	stmt(r, UCF_STMT_COUNTER, UCF_COUNTER_UPLOAD);
}

static void forward_rules(struct build *b, const struct ucf_config *cfg,
			  const struct ucf_catalog *cat)
{
	const char *appl = cfg->interfaces.appliance, *wan = cfg->interfaces.wan;
	struct ucf_rule *r;

	/* The classifier's verdicts come first: a flow it found not to be UC
	 * is usually established already, and the ct rule would carry it. */
	for (size_t f = 0; f < 2; f++) {
		r = add_rule(b, CH_FORWARD, NULL);
		match_name(r, UCF_MATCH_BLOCK_SET, families[f],
			   families[f] == AF_INET ? UCF_SET_BLOCK4 : UCF_SET_BLOCK6);
		to_chain(r, UCF_STMT_GOTO, CH_REASON + UCF_REASON_NON_UC_PROTOCOL);
	}
	/* Also before conntrack: TLS signalling refreshes its pair while the
	 * connection lives, and media flows are shape-checked packet by packet.
	 * The mark comes first, so unmarked traffic pays one compare; the
	 * protocol keeps ICMP errors related to a media flow (same conntrack
	 * entry, same mark) out of a check of UDP payloads. */
	if (tls_calls(cfg, cat)) {
		r = add_rule(b, CH_FORWARD, NULL);
		match_proto(r, IPPROTO_TCP);
		to_chain(r, UCF_STMT_JUMP, CH_TLS_SIGNAL);
	}
	if (tls_calls(cfg, cat) || static_shaped(cfg)) {
		r = add_rule(b, CH_FORWARD, "admitted media flows: every packet media-shaped");
		match_ct_mark(r, UCF_CT_MARK_MEDIA);
		match_proto(r, IPPROTO_UDP);
		to_chain(r, UCF_STMT_GOTO, CH_MEDIA_FLOW);
	}
	upload_rule(b, cfg);
	r = add_rule(b, CH_FORWARD, "replies and related ICMP errors of allowed flows");
	match_ct(r);
	stmt(r, UCF_STMT_ACCEPT, NULL);
	if (cfg->site.mode == UCF_MODE_CONCENTRATOR) {
		/* UC between E and S∪R must cross the VPN, never the bare uplink. */
		for (size_t f = 0; f < 2; f++) {
			r = add_rule(b, CH_FORWARD, "E to S+R must use the VPN");
			match_name(r, UCF_MATCH_OIF, 0, wan);
			match_fset(r, UCF_MATCH_SADDR_SET, families[f], "endpoints");
			match_fset(r, UCF_MATCH_DADDR_SET, families[f], "remote");
			to_chain(r, UCF_STMT_GOTO, CH_REASON + UCF_REASON_UC_BYPASS_VPN);
		}
		for (size_t f = 0; f < 2; f++) {
			r = add_rule(b, CH_FORWARD, "S+R to E must use the VPN");
			match_name(r, UCF_MATCH_IIF, 0, wan);
			match_fset(r, UCF_MATCH_SADDR_SET, families[f], "remote");
			match_fset(r, UCF_MATCH_DADDR_SET, families[f], "endpoints");
			to_chain(r, UCF_STMT_GOTO, CH_REASON + UCF_REASON_UC_BYPASS_VPN);
		}
	}
	r = add_rule(b, CH_FORWARD, NULL);
	match_name(r, UCF_MATCH_IIF, 0, appl);
	to_chain(r, UCF_STMT_GOTO, CH_FROM_APPLIANCE);
	r = add_rule(b, CH_FORWARD, NULL);
	match_name(r, UCF_MATCH_OIF, 0, appl);
	to_chain(r, UCF_STMT_GOTO, CH_TO_APPLIANCE);
	r = add_rule(b, CH_FORWARD, NULL);
	match_name(r, UCF_MATCH_IIF_SET, 0, "uc_ifs");
	to_chain(r, UCF_STMT_GOTO, CH_UC_FORWARD);
	r = add_rule(b, CH_FORWARD, NULL);
	match_name(r, UCF_MATCH_OIF_SET, 0, "uc_ifs");
	to_chain(r, UCF_STMT_GOTO, CH_UC_FORWARD);

	/* E <-> E is not refused: it never leaves the branch. */
	pair_cleartext(b, cfg, CH_UC_FORWARD, "endpoints", "remote");
	pair_cleartext(b, cfg, CH_UC_FORWARD, "remote", "endpoints");
	pair_to_service(b, CH_UC_FORWARD, "endpoints", "peers");
	pair_to_service(b, CH_UC_FORWARD, "peers", "endpoints");
	to_chain(add_rule(b, CH_UC_FORWARD, NULL), UCF_STMT_GOTO,
		 CH_REASON + UCF_REASON_NON_TARGET_UC);

	r = add_rule(b, CH_UC_SERVICE, NULL);
	match_name(r, UCF_MATCH_SVC_SET, 0, "uc_svc");
	stmt(r, UCF_STMT_ACCEPT, NULL);
	/* A pinhole opens one direction, peer -> addr:port; the other party
	 * announces its own endpoint, which is a pinhole of its own. */
	for (size_t f = 0; f < 2; f++) {
		const char *media = families[f] == AF_INET ? UCF_SET_MEDIA4 : UCF_SET_MEDIA6;
		r = add_rule(b, CH_UC_SERVICE, "learned media");
		match_name(r, UCF_MATCH_MEDIA_SET, families[f], media);
		stmt(r, UCF_STMT_ACCEPT, NULL);
	}
	media_service_rules(b, cfg, cat);
	media_rules(b, cfg, cat);
}

/* oif wan, saddr A [, daddr @set] → (the rest is the caller's). */
static struct ucf_rule *from_a(struct build *b, const struct ucf_config *cfg, const char *set,
			       const char *comment)
{
	const struct ucf_prefix *A = &cfg->appliance.address;
	struct ucf_rule *r = add_rule(b, CH_FROM_APPLIANCE, comment);
	match_name(r, UCF_MATCH_OIF, 0, cfg->interfaces.wan);
	match_addr(r, UCF_MATCH_SADDR, A);
	if (set)
		match_fset(r, UCF_MATCH_DADDR_SET, A->family, set);
	return r;
}

/* The appliance's own traffic to the internet: each class's services to
 * its destinations only; and, in appliance mode, what may reach A. */
static void appliance_own_rules(struct build *b, const struct ucf_config *cfg,
				const struct ucf_catalog *cat)
{
	static const char *const comments[AC_COUNT] = {
		[AC_CLOUD] = "the appliance to the Meraki cloud",
		[AC_CHECKS] = "the appliance's connectivity checks",
		[AC_VPN] = "the appliance to its AutoVPN peers",
		[AC_RESOLVERS] = "the appliance's DNS",
		[AC_TIME] = "the appliance's NTP",
		[AC_ANY] = "appliance services with no destination limit",
	};
	const struct ucf_prefix *A = &cfg->appliance.address;
	struct ucf_rule *r;
	for (size_t c = 0; c < AC_COUNT && !b->rc; c++) {
		const struct ucf_set *svc = ucf_ruleset_set(b->rs, appl_classes[c].svc);
		bool echo = appl_class_echo(cat, (enum appl_class)c);
		const char *set = appl_classes[c].set;
		if ((!svc || !svc->count) && !echo)
			continue;
		/* DNS and NTP without the site's servers go anywhere (warned). */
		const struct ucf_prefix_list *site = appl_site_list(cfg, (enum appl_class)c);
		if ((c == AC_RESOLVERS || c == AC_TIME) && site && !site->count) {
			warn(b, "appliance.%s is not set: %s from the appliance goes to any address "
				"(a channel for every host behind it); list the servers to close it",
			     c == AC_RESOLVERS ? "resolvers" : "time_servers",
			     c == AC_RESOLVERS ? "DNS" : "NTP");
			set = NULL;
		}
		const char *sets[2] = { set, c == AC_VPN ? UCF_SET_VPN_PEERS : NULL };
		for (size_t k = 0; k < 2; k++) {
			if (k == 1 && !sets[1])
				break;
			if (svc && svc->count) {
				r = from_a(b, cfg, sets[k], comments[c]);
				match_name(r, UCF_MATCH_SVC_SET, 0, appl_classes[c].svc);
				stmt(r, UCF_STMT_ACCEPT, NULL);
			}
			if (echo) {
				bool v4 = A->family == AF_INET;
				r = from_a(b, cfg, sets[k], comments[c]);
				match_proto(r, v4 ? IPPROTO_ICMP : IPPROTO_ICMPV6);
				match_raw(r, 0, 1, 0, v4 ? 8 : 128, 0); /* echo request */
				stmt(r, UCF_STMT_ACCEPT, NULL);
			}
		}
	}
	/* appliance.open: the features Meraki lists with destination "Any",
	 * only to what the site names. */
	if (cfg->appliance.open.port_count) {
		static const char *const open_sets[] = { UCF_SET_OPEN_STATIC, UCF_SET_APPLIANCE_OPEN };
		for (size_t k = 0; k < 2; k++) {
			r = from_a(b, cfg, open_sets[k], "appliance.open: what the site opens");
			match_name(r, UCF_MATCH_SVC_SET, 0, "open_svc");
			stmt(r, UCF_STMT_ACCEPT, NULL);
		}
	}
	if (cfg->site.mode != UCF_MODE_APPLIANCE)
		return;
	/* What the cloud and AutoVPN peers open towards A (the tunnels are
	 * outbound first; this admits a peer's or the cloud's own start). */
	static const struct {
		enum appl_class c;
		const char *set;
	} inbound[] = { { AC_CLOUD, UCF_SET_MERAKI_CLOUD }, { AC_VPN, UCF_SET_VPN_STATIC },
			{ AC_VPN, UCF_SET_VPN_PEERS }, { AC_ANY, NULL } };
	for (size_t i = 0; i < sizeof(inbound) / sizeof(inbound[0]); i++) {
		const struct ucf_set *svc = ucf_ruleset_set(b->rs, appl_classes[inbound[i].c].svc);
		if (!svc || !svc->count)
			continue;
		r = add_rule(b, CH_TO_APPLIANCE, "the Meraki cloud and AutoVPN peers reaching the appliance");
		match_name(r, UCF_MATCH_IIF, 0, cfg->interfaces.wan);
		if (inbound[i].set)
			match_fset(r, UCF_MATCH_SADDR_SET, A->family, inbound[i].set);
		match_addr(r, UCF_MATCH_DADDR, A);
		match_name(r, UCF_MATCH_SVC_SET, 0, appl_classes[inbound[i].c].svc);
		stmt(r, UCF_STMT_ACCEPT, NULL);
	}
}

/* The appliance's own cloud/VPN traffic and target traffic through it. */
static void appliance_rules(struct build *b, const struct ucf_config *cfg,
			    const struct ucf_catalog *cat)
{
	const struct ucf_prefix *A = &cfg->appliance.address;
	const char *wan = cfg->interfaces.wan;
	struct ucf_rule *r;

	if (cfg->site.mode == UCF_MODE_CONCENTRATOR) {
		pair_cleartext(b, cfg, CH_FROM_APPLIANCE, "remote", "endpoints");
		pair_to_service(b, CH_FROM_APPLIANCE, "remote", "endpoints");
		appliance_own_rules(b, cfg, cat);
		pair_cleartext(b, cfg, CH_TO_APPLIANCE, "endpoints", "remote");
		pair_to_service(b, CH_TO_APPLIANCE, "endpoints", "remote");
	} else {
		/* Phones sit behind the appliance: the only source there is A. */
		appliance_own_rules(b, cfg, cat);
		if (cfg->enforcement.require_encryption) {
			r = add_rule(b, CH_FROM_APPLIANCE, CLEARTEXT_COMMENT);
			match_name(r, UCF_MATCH_OIF, 0, wan);
			match_addr(r, UCF_MATCH_SADDR, A);
			match_fset(r, UCF_MATCH_DADDR_SET, A->family, "servers");
			match_name(r, UCF_MATCH_SVC_SET, 0, UCF_SET_CLEARTEXT);
			to_chain(r, UCF_STMT_GOTO, CH_REASON + UCF_REASON_CLEARTEXT_SIGNALLING);
		}
		r = add_rule(b, CH_FROM_APPLIANCE, "UC from the appliance to S");
		match_name(r, UCF_MATCH_OIF, 0, wan);
		match_addr(r, UCF_MATCH_SADDR, A);
		match_fset(r, UCF_MATCH_DADDR_SET, A->family, "servers");
		to_chain(r, UCF_STMT_JUMP, CH_UC_SERVICE);
		if (cfg->enforcement.require_encryption) {
			r = add_rule(b, CH_TO_APPLIANCE, CLEARTEXT_COMMENT);
			match_name(r, UCF_MATCH_IIF, 0, wan);
			match_fset(r, UCF_MATCH_SADDR_SET, A->family, "servers");
			match_addr(r, UCF_MATCH_DADDR, A);
			match_name(r, UCF_MATCH_SVC_SET, 0, UCF_SET_CLEARTEXT);
			to_chain(r, UCF_STMT_GOTO, CH_REASON + UCF_REASON_CLEARTEXT_SIGNALLING);
		}
		r = add_rule(b, CH_TO_APPLIANCE, "UC from S to the appliance");
		match_name(r, UCF_MATCH_IIF, 0, wan);
		match_fset(r, UCF_MATCH_SADDR_SET, A->family, "servers");
		match_addr(r, UCF_MATCH_DADDR, A);
		to_chain(r, UCF_STMT_JUMP, CH_UC_SERVICE);
	}
	to_chain(add_rule(b, CH_FROM_APPLIANCE, NULL), UCF_STMT_GOTO,
		 CH_REASON + UCF_REASON_NON_TARGET_APPLIANCE);
	to_chain(add_rule(b, CH_TO_APPLIANCE, NULL), UCF_STMT_GOTO,
		 CH_REASON + UCF_REASON_NON_TARGET_APPLIANCE);
}

static void input_rules(struct build *b)
{
	struct ucf_rule *r = add_rule(b, CH_INPUT, NULL);
	match_name(r, UCF_MATCH_IIF_SET, 0, "uc_ifs");
	to_chain(r, UCF_STMT_GOTO, CH_UC_INPUT);

	r = add_rule(b, CH_UC_INPUT, NULL);
	match_ct(r);
	stmt(r, UCF_STMT_ACCEPT, NULL);
	r = add_rule(b, CH_UC_INPUT, "infrastructure phones need from the gateway");
	match_name(r, UCF_MATCH_SVC_SET, 0, "gateway_svc");
	stmt(r, UCF_STMT_ACCEPT, NULL);
	r = add_rule(b, CH_UC_INPUT, "IPv6 neighbour discovery and MLD");
	match_name(r, UCF_MATCH_ICMPV6_SET, AF_INET6, "nd_types");
	stmt(r, UCF_STMT_ACCEPT, NULL);
	to_chain(add_rule(b, CH_UC_INPUT, NULL), UCF_STMT_GOTO,
		 CH_REASON + UCF_REASON_NON_TARGET_TO_GATEWAY);
}

static void add_routes(struct build *b, const struct ucf_config *cfg)
{
	const struct ucf_prefix *A = &cfg->appliance.address;
	const struct ucf_prefix_list *R = &cfg->appliance.remote_subnets;
	struct ucf_ruleset *rs = b->rs;

	if (cfg->site.mode != UCF_MODE_CONCENTRATOR || b->rc)
		return;
	rs->routes = calloc(R->count ? R->count : 1, sizeof(*rs->routes));
	if (!rs->routes) {
		fail(b, -ENOMEM, "out of memory");
		return;
	}
	for (size_t i = 0; i < R->count; i++) {
		char p[64], a[64];
		if (R->items[i].family != A->family) {
			/* Linux cannot route IPv6 via an IPv4 next hop. */
			ucf_prefix_format(&R->items[i], p, sizeof(p));
			ucf_prefix_format(A, a, sizeof(a));
			warn(b, "no route for remote subnet %s: appliance.address %s is another family;"
				" route it yourself", p, a);
			continue;
		}
		struct ucf_route *rt = &rs->routes[rs->nroutes++];
		rt->dst = R->items[i];
		rt->via = *A;
		snprintf(rt->dev, sizeof(rt->dev), "%s", cfg->interfaces.appliance);
	}
}

int ucf_policy_build(const struct ucf_config *cfg, const struct ucf_catalog *cat,
		     struct ucf_ruleset **out, char *err, size_t errlen)
{
	struct build b = { .err = err, .errlen = errlen };
	b.rs = calloc(1, sizeof(*b.rs));
	if (!b.rs) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	b.rs->mode = cfg->site.mode;
	b.rs->chains = calloc(CH_COUNT, sizeof(*b.rs->chains));
	if (!b.rs->chains)
		fail(&b, -ENOMEM, "out of memory");
	for (size_t i = 0; !b.rc && i < CH_COUNT; i++) {
		struct ucf_chain *c = &b.rs->chains[b.rs->nchains++];
		snprintf(c->name, sizeof(c->name), "%s", chain_names[i]);
		c->hook = i == CH_FORWARD ? UCF_HOOK_FORWARD : i == CH_INPUT ? UCF_HOOK_INPUT
									     : UCF_HOOK_NONE;
		c->priority = UCF_PRIORITY;
	}
	for (size_t i = 0; i < UCF_REASON_COUNT; i++)
		b.rs->counters[i] = reason_names[i];
	b.rs->counters[UCF_COUNTER_UPLOAD_INDEX] = UCF_COUNTER_UPLOAD;
	if (cfg->appliance.address.family != AF_INET && cfg->appliance.address.family != AF_INET6)
		fail(&b, -EINVAL, "appliance.address is not set");

	add_sets(&b, cfg, cat);
	forward_rules(&b, cfg, cat);
	appliance_rules(&b, cfg, cat);
	input_rules(&b);
	for (size_t i = 0; i < UCF_REASON_COUNT; i++)
		reason_chain(&b, (enum ucf_reason)i, cfg);
#ifdef UCF_FAULT_INJECT
	/* Test builds only (mk/enforce.mk): a last rule naming a set that does
	 * not exist, so the kernel rejects the batch at its very end. */
	struct ucf_rule *fault = add_rule(&b, CH_REASON + UCF_REASON_COUNT - 1, NULL);
	match_name(fault, UCF_MATCH_SADDR_SET, AF_INET, "fault_injected_missing");
	stmt(fault, UCF_STMT_ACCEPT, NULL);
#endif
	add_routes(&b, cfg);
	if (b.rc) {
		ucf_ruleset_free(b.rs);
		return b.rc;
	}
	*out = b.rs;
	return 0;
}

void ucf_ruleset_free(struct ucf_ruleset *rs)
{
	if (!rs)
		return;
	for (size_t i = 0; i < rs->nsets; i++)
		free(rs->sets[i].elems);
	for (size_t i = 0; i < rs->nwarnings; i++)
		free(rs->warnings[i]);
	free(rs->warnings);
	free(rs->sets);
	free(rs->chains);
	free(rs->rules);
	free(rs->routes);
	free(rs);
}

const struct ucf_set *ucf_ruleset_set(const struct ucf_ruleset *rs, const char *name)
{
	for (size_t i = 0; i < rs->nsets; i++)
		if (strcmp(rs->sets[i].name, name) == 0)
			return &rs->sets[i];
	return NULL;
}

bool ucf_set_key_dynamic(enum ucf_set_key key)
{
	return key == UCF_KEY_IPV4_MEDIA || key == UCF_KEY_IPV6_MEDIA ||
	       key == UCF_KEY_IPV4_BLOCK || key == UCF_KEY_IPV6_BLOCK ||
	       key == UCF_KEY_IPV4_PAIR || key == UCF_KEY_IPV6_PAIR ||
	       key == UCF_KEY_IPV4_TIMED || key == UCF_KEY_IPV6_TIMED;
}

void ucf_pinhole_elem(const struct ucf_pinhole *m, struct ucf_elem *e)
{
	size_t n = addr_len(m->family);
	memset(e, 0, sizeof(*e));
	memcpy(e->key, m->peer, n);
	memcpy(e->key_end, m->addr, n);
	e->port = m->port;
	e->timeout_ms = m->timeout_ms;
}

void ucf_block_elem(const struct ucf_block *b, bool reverse, struct ucf_elem *e)
{
	size_t n = addr_len(b->family);
	memset(e, 0, sizeof(*e));
	memcpy(e->key, reverse ? b->dst : b->src, n);
	memcpy(e->key_end, reverse ? b->src : b->dst, n);
	e->port = reverse ? b->dport : b->sport;
	e->port_end = reverse ? b->sport : b->dport;
	e->proto = b->l4proto;
}

int ucf_block_check(const struct ucf_block *b, char *err, size_t errlen)
{
	if (b->family != AF_INET && b->family != AF_INET6) {
		snprintf(err, errlen, "blocked flow: family %u is neither IPv4 nor IPv6", b->family);
		return -EINVAL;
	}
	if (b->l4proto != IPPROTO_TCP && b->l4proto != IPPROTO_UDP) {
		snprintf(err, errlen, "blocked flow: protocol %u is neither TCP nor UDP", b->l4proto);
		return -EINVAL;
	}
	return 0;
}

int ucf_ruleset_add_media(struct ucf_ruleset *rs, const struct ucf_pinhole *m, size_t n,
			  char *err, size_t errlen)
{
	struct ucf_set *s4 = (struct ucf_set *)ucf_ruleset_set(rs, UCF_SET_MEDIA4);
	struct ucf_set *s6 = (struct ucf_set *)ucf_ruleset_set(rs, UCF_SET_MEDIA6);
	if (!s4 || !s6) {
		snprintf(err, errlen, "the ruleset has no media sets");
		return -EINVAL;
	}
	for (size_t i = 0; i < n; i++) {
		struct ucf_set *s = m[i].family == AF_INET ? s4 : m[i].family == AF_INET6 ? s6 : NULL;
		struct ucf_elem e;
		if (!s || m[i].port == 0) {
			snprintf(err, errlen, "media element %zu: bad family or port 0", i);
			return -EINVAL;
		}
		ucf_pinhole_elem(&m[i], &e);
		if (set_push(s, &e) < 0) {
			snprintf(err, errlen, "out of memory");
			return -ENOMEM;
		}
	}
	return 0;
}

int ucf_ruleset_add_blocks(struct ucf_ruleset *rs, const struct ucf_block *b, size_t n,
			   char *err, size_t errlen)
{
	struct ucf_set *s4 = (struct ucf_set *)ucf_ruleset_set(rs, UCF_SET_BLOCK4);
	struct ucf_set *s6 = (struct ucf_set *)ucf_ruleset_set(rs, UCF_SET_BLOCK6);
	if (!s4 || !s6) {
		snprintf(err, errlen, "the ruleset has no block sets");
		return -EINVAL;
	}
	for (size_t i = 0; i < n; i++) {
		char why[128];
		if (ucf_block_check(&b[i], why, sizeof(why)) < 0) {
			snprintf(err, errlen, "block element %zu: %s", i, why);
			return -EINVAL;
		}
	}
	for (size_t i = 0; i < n; i++) {
		struct ucf_set *s = b[i].family == AF_INET ? s4 : s6;
		for (int reverse = 0; reverse < 2; reverse++) {
			struct ucf_elem e;
			ucf_block_elem(&b[i], reverse, &e);
			if (set_push(s, &e) < 0) {
				snprintf(err, errlen, "out of memory");
				return -ENOMEM;
			}
		}
	}
	return 0;
}
