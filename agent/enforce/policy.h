/* policy.h — the enforcement policy: site config + service catalog → a
 * ruleset model (one nftables table `inet ucfence`: sets, named counters,
 * chains, rules) and the routes concentrator mode needs.
 *
 * Building is a pure function: no I/O, no kernel. The two renderers
 * (nft_text.h: nft syntax; nft_batch.h: one netlink transaction) read the
 * model and nothing else, so what `plan` prints is what `apply` installs.
 * The rule list depends only on the mode, the address family of the
 * appliance, enforcement.require_encryption and the media options (TLS
 * calls, shape check): prefixes, services and media live in sets. */
#ifndef UCF_POLICY_H
#define UCF_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "catalog.h"
#include "config.h"
#include "values.h"

#define UCF_TABLE "ucfence"
#define UCF_NAME_MAX 32     /* NFT_{SET,CHAIN,OBJ}_MAXNAMELEN */
#define UCF_LOG_PREFIX_MAX 64
#define UCF_RULE_MATCH_MAX 5
#define UCF_RULE_STMT_MAX 3
/* The NFLOG group refusals are logged to, for the agent (nflog.h): 0x7563,
 * "uc". Only there: a kernel log statement would copy MAC and IP addresses
 * into the kernel log and the journal, outside alerts.retention. */
#define UCF_NFLOG_GROUP 30051

/* Why a packet was refused; each reason has its own named counter, its own
 * chain (counter, rate-limited log, action) and log prefix "ucfence: NAME ". */
enum ucf_reason {
	UCF_REASON_NON_TARGET_UC,          /* into/out of a uc port, not target */
	UCF_REASON_NON_TARGET_APPLIANCE,   /* to/from the appliance port, not target */
	UCF_REASON_UC_BYPASS_VPN,          /* E <-> S∪R by wan instead of the VPN */
	UCF_REASON_NON_TARGET_TO_GATEWAY,  /* from a uc port to the gateway itself */
	UCF_REASON_NON_UC_PROTOCOL,        /* a flow the classifier found not UC (block sets) */
	UCF_REASON_CLEARTEXT_SIGNALLING,   /* a cleartext service E <-> S∪R (require_encryption) */
	UCF_REASON_NON_MEDIA_SHAPE,        /* UDP admitted as media (TLS pair, static range)
					    * that is not RTP/RTCP/STUN/DTLS */
	UCF_REASON_COUNT
};

/* The counter name, e.g. "non-target-uc". */
const char *ucf_reason_name(enum ucf_reason reason);

/* The named counter that is not a refusal, after the reasons' in
 * ruleset.counters: the appliance's bytes to the Meraki cloud ranges (A ->
 * @meraki_cloud4/6 out of wan), read by the capture upload signal. */
#define UCF_COUNTER_UPLOAD "appliance-upload"
#define UCF_COUNTER_UPLOAD_INDEX UCF_REASON_COUNT
#define UCF_COUNTER_COUNT (UCF_REASON_COUNT + 1)
/* It counts packets longer than this (IP header included): pure TCP
 * acknowledgements (52 bytes with timestamps, at most 112 with SACK blocks
 * over IPv6) are not uploads, and the appliance sends many while it
 * downloads (a firmware image). */
#define UCF_UPLOAD_MIN_LEN 128

enum ucf_set_key {
	UCF_KEY_IFNAME,      /* ifname */
	UCF_KEY_IPV4,        /* ipv4_addr, interval */
	UCF_KEY_IPV6,        /* ipv6_addr, interval */
	UCF_KEY_PROTO_PORT,  /* inet_proto . inet_service, interval (port ranges) */
	UCF_KEY_IPV4_MEDIA,  /* ipv4_addr . ipv4_addr . inet_service, timeout (peer . addr . port) */
	UCF_KEY_IPV6_MEDIA,  /* ipv6_addr . ipv6_addr . inet_service, timeout */
	UCF_KEY_IPV4_BLOCK,  /* inet_proto . ipv4_addr . inet_service . ipv4_addr . inet_service,
			      * timeout (proto . src . sport . dst . dport) */
	UCF_KEY_IPV6_BLOCK,  /* the same with ipv6_addr */
	UCF_KEY_ICMPV6_TYPE, /* icmpv6_type */
	UCF_KEY_IPV4_PAIR,   /* ipv4_addr . ipv4_addr, timeout, filled by the datapath
			      * (local . remote: a host with live TLS signalling and its peer) */
	UCF_KEY_IPV6_PAIR,   /* ipv6_addr . ipv6_addr, the same */
	UCF_KEY_IPV4_TIMED,  /* ipv4_addr, timeout, filled by the agent (learned peers) */
	UCF_KEY_IPV6_TIMED,  /* ipv6_addr, timeout */
};

/* One element; which fields count depends on the set's key. Addresses are
 * in network order (IPv4 in the first 4 bytes), ports in host order. */
struct ucf_elem {
	uint8_t key[16];     /* ifname (NUL padded); first address; media: the peer;
			      * block: the source; pair: the local host */
	uint8_t key_end[16]; /* last address of an address range (inclusive); media: the
			      * announced address; block: the destination; pair: the peer */
	uint16_t port;       /* first port (PROTO_PORT); media: the announced port;
			      * block: the source port */
	uint16_t port_end;   /* last port (PROTO_PORT); block: the destination port */
	uint8_t proto;       /* IPPROTO_TCP/UDP (PROTO_PORT, block); the type (ICMPV6_TYPE) */
	uint64_t timeout_ms; /* media, block: 0 means the set's timeout */
};

/* The agent's and the datapath's dynamic elements (media, block and pair
 * sets): apply adds the ones the model carries and never removes any. */
bool ucf_set_key_dynamic(enum ucf_set_key key);

struct ucf_set {
	char name[UCF_NAME_MAX];
	enum ucf_set_key key;
	uint64_t timeout_ms; /* media and block sets: default element timeout; else 0 */
	uint32_t size;       /* most elements (sets the datapath fills); 0: no limit given */
	struct ucf_elem *elems;
	size_t count, cap;
};

enum ucf_hook { UCF_HOOK_NONE, UCF_HOOK_INPUT, UCF_HOOK_FORWARD };

struct ucf_chain {
	char name[UCF_NAME_MAX];
	enum ucf_hook hook; /* NONE: a regular chain reached by jump/goto */
	int priority;       /* base chains: policy is always accept */
};

enum ucf_match_kind {
	UCF_MATCH_CT_ESTABLISHED, /* ct state established,related */
	UCF_MATCH_IIF,            /* iifname "name" */
	UCF_MATCH_OIF,            /* oifname "name" */
	UCF_MATCH_IIF_SET,        /* iifname @name */
	UCF_MATCH_OIF_SET,        /* oifname @name */
	UCF_MATCH_SADDR_SET,      /* ip/ip6 saddr @name */
	UCF_MATCH_DADDR_SET,      /* ip/ip6 daddr @name */
	UCF_MATCH_SADDR,          /* ip/ip6 saddr ADDR */
	UCF_MATCH_DADDR,          /* ip/ip6 daddr ADDR */
	UCF_MATCH_SVC_SET,        /* meta l4proto . th dport @name */
	UCF_MATCH_MEDIA_SET,      /* ip/ip6 saddr . ip/ip6 daddr . udp dport @name */
	UCF_MATCH_BLOCK_SET,      /* meta l4proto . ip/ip6 saddr . th sport . ip/ip6 daddr .
				   * th dport @name */
	UCF_MATCH_ICMPV6_SET,     /* icmpv6 type @name */
	UCF_MATCH_L4PROTO,        /* meta l4proto PROTO */
	UCF_MATCH_PAIR_SET,       /* ip/ip6 saddr . ip/ip6 daddr @name (reverse: daddr . saddr) */
	UCF_MATCH_CT_MARK,        /* ct mark & mark == mark: all of mark's bits set */
	UCF_MATCH_TH_RAW,         /* @th,OFF,LEN [& mask ==] value, or value-value_end:
				   * bytes of the transport header and its payload */
	UCF_MATCH_LENGTH_GT,      /* ip length > value (the whole packet), or ip6 length >
				   * value (the payload after the fixed header) */
};

struct ucf_match {
	enum ucf_match_kind kind;
	uint8_t family;            /* AF_INET/AF_INET6 for address matches */
	uint8_t proto;             /* L4PROTO */
	uint8_t addr[16];          /* SADDR/DADDR */
	char name[UCF_NAME_MAX];   /* set or interface name */
	bool reverse;              /* PAIR_SET */
	uint16_t offset;           /* TH_RAW: bytes from the transport header */
	uint8_t len;               /* TH_RAW: 1 or 4 bytes */
	uint8_t mask;              /* TH_RAW, 1 byte: compared under this mask; 0: none */
	uint32_t value, value_end; /* TH_RAW: equal to value, or (value_end > value) within */
	uint32_t mark;             /* CT_MARK: the bits */
};

enum ucf_stmt_kind {
	UCF_STMT_COUNTER,     /* counter name "name" */
	UCF_STMT_LOG,         /* limit rate N/unit log prefix "name" [group G] */
	UCF_STMT_ACCEPT,
	UCF_STMT_DROP,
	UCF_STMT_REJECT_TCP,  /* reject with tcp reset (with a tcp l4proto match) */
	UCF_STMT_REJECT,      /* reject with icmpx admin-prohibited */
	UCF_STMT_JUMP,        /* jump name */
	UCF_STMT_GOTO,        /* goto name */
	UCF_STMT_RETURN,
	UCF_STMT_SET_ADD,     /* add @name { key }: the packet's pair (see below) */
	UCF_STMT_SET_UPDATE,  /* update @name { key }: added or its timeout restarted */
	UCF_STMT_CT_MARK_OR,  /* ct mark set ct mark | mark: sets bits, keeps the others */
};

struct ucf_stmt {
	enum ucf_stmt_kind kind;
	char name[UCF_LOG_PREFIX_MAX]; /* counter, chain, log prefix, or set */
	struct ucf_rate rate;          /* LOG */
	uint16_t group;                /* LOG: to this NFLOG group only; 0: the kernel log */
	/* SET_ADD/UPDATE: the key is ip/ip6 (family) saddr . daddr (a pair set);
	 * reverse swaps the two ends. */
	uint8_t family;
	bool reverse;
	uint32_t mark; /* CT_MARK_OR: the bits */
};

struct ucf_rule {
	size_t chain; /* index into ruleset.chains */
	struct ucf_match match[UCF_RULE_MATCH_MAX];
	size_t nmatch;
	struct ucf_stmt stmt[UCF_RULE_STMT_MAX];
	size_t nstmt;
	const char *comment; /* static text or NULL */
};

/* A static route R via A dev appliance (concentrator mode). */
struct ucf_route {
	struct ucf_prefix dst;
	struct ucf_prefix via;
	char dev[UCF_IFNAME_MAX];
};

struct ucf_ruleset {
	enum ucf_mode mode;
	struct ucf_set *sets;
	size_t nsets;
	struct ucf_chain *chains;
	size_t nchains;
	struct ucf_rule *rules;
	size_t nrules, rules_cap;
	const char *counters[UCF_COUNTER_COUNT]; /* by reason, then UCF_COUNTER_UPLOAD */
	struct ucf_route *routes;
	size_t nroutes;
	char **warnings; /* things the policy could not express, for the operator */
	size_t nwarnings;
};

/* Names of the sets every ruleset has (the agent fills the media and
 * block sets). */
#define UCF_SET_MEDIA4 "media4"
#define UCF_SET_MEDIA6 "media6"
#define UCF_SET_BLOCK4 "block4"
#define UCF_SET_BLOCK6 "block6"
/* The catalog's cleartext services, refused E <-> S∪R when
 * enforcement.require_encryption is on (empty when off). */
#define UCF_SET_CLEARTEXT "cleartext_svc"
/* TLS-signalled calls (uc.media.tls_calls): the datapath keeps a pair
 * local . peer while TLS signalling between them flows. */
#define UCF_SET_TLS_PAIRS4 "tls_pairs4"
#define UCF_SET_TLS_PAIRS6 "tls_pairs6"
/* The Meraki cloud (interval sets: the catalog's meraki-cloud list, or
 * appliance.cloud): where the appliance's cloud services may go. */
#define UCF_SET_MERAKI_CLOUD "meraki_cloud"
#define UCF_SET_MERAKI_CLOUD4 "meraki_cloud4"
#define UCF_SET_MERAKI_CLOUD6 "meraki_cloud6"
/* AutoVPN peers: the site's (appliance.vpn_peers, interval) and the ones
 * learned from the Dashboard (timeout sets the agent fills and refreshes). */
#define UCF_SET_VPN_STATIC "vpn_static"
#define UCF_SET_VPN_PEERS "vpn_peers"
#define UCF_SET_VPN_PEERS4 "vpn_peers4"
#define UCF_SET_VPN_PEERS6 "vpn_peers6"
/* appliance.open: the ports (open_svc) to the site's addresses
 * (open_static4/6, interval) and to what its host names resolve to
 * (appliance_open4/6, timeout sets the agent fills). */
#define UCF_SET_OPEN_STATIC "open_static"
#define UCF_SET_APPLIANCE_OPEN "appliance_open"
/* A resolved address stays this long after the last resolution that gave
 * it (the agent resolves every UCF_OPEN_REFRESH_S and keeps the last good
 * answer while resolution fails). */
#define UCF_OPEN_TIMEOUT_S 3600
#define UCF_OPEN_REFRESH_S 300
/* The most learned peers a set holds (the agent caps what it adds). */
#define UCF_VPN_PEERS_MAX 4096
/* The conntrack mark bit of a UDP flow admitted as media (TLS pair or
 * shape-checked static range): set (OR, the other bits kept) on the flow's
 * first packet, it makes every later packet of the flow, both ways, go
 * through the shape check before conntrack's established accept. It lives
 * exactly as long as the conntrack entry that carries the flow, so no
 * established media flow escapes the check, and costs no set per packet.
 * Dedicated to ucfence: the gateway's other users of ct mark must leave it
 * alone (a `ct mark set VALUE` that clears it lets the flow pass unchecked). */
#define UCF_CT_MARK_MEDIA 0x10000000u
/* The block sets' element timeout. A blocked flow gets nothing through, so
 * its conntrack entry dies long before (TCP's retries give up within
 * minutes, an unreplied UDP entry in 30 s): the element only has to outlive
 * the retries of the flow it cut. 1 h leaves a wide margin and still keeps
 * the sets from growing without end. */
#define UCF_BLOCK_TIMEOUT_S 3600

/* Builds the model. Returns 0, -ENOMEM, or -EINVAL with err filled. */
int ucf_policy_build(const struct ucf_config *cfg, const struct ucf_catalog *cat,
		     struct ucf_ruleset **out, char *err, size_t errlen);
void ucf_ruleset_free(struct ucf_ruleset *rs);

const struct ucf_set *ucf_ruleset_set(const struct ucf_ruleset *rs, const char *name);

/* A learned media pinhole: UDP from peer to addr:port is media. The
 * announced endpoint is the destination; the peer is the other party of
 * that call (its announced media address once known, its signalling
 * address until then). Nothing else may use the pinhole. */
struct ucf_pinhole {
	uint8_t family;   /* AF_INET or AF_INET6 */
	uint8_t peer[16]; /* the only source allowed */
	uint8_t addr[16]; /* the announced address */
	uint16_t port;    /* the announced port */
	uint64_t timeout_ms; /* 0: the set's timeout (uc.media.timeout) */
};

/* A flow the classifier found to be non-target on a UC service: blocked by
 * its 5-tuple, both directions, before established traffic is accepted. */
struct ucf_block {
	uint8_t family;  /* AF_INET or AF_INET6 */
	uint8_t l4proto; /* IPPROTO_TCP or IPPROTO_UDP */
	uint8_t src[16], dst[16];
	uint16_t sport, dport;
};

/* Adds learned media to the model (media4/media6), e.g. to carry the
 * agent's elements across a re-apply. -EEXIST for a duplicate is not
 * checked here: the kernel merges equal keys. -EINVAL for a bad family or
 * port 0. */
int ucf_ruleset_add_media(struct ucf_ruleset *rs, const struct ucf_pinhole *m, size_t n,
			  char *err, size_t errlen);
/* Encodes one pinhole as the media set's element (peer . addr . port). */
void ucf_pinhole_elem(const struct ucf_pinhole *m, struct ucf_elem *e);

/* Adds blocked flows to the model (block4/block6), each in both directions,
 * like ucf_ruleset_add_media. -EINVAL for a bad family or protocol. */
int ucf_ruleset_add_blocks(struct ucf_ruleset *rs, const struct ucf_block *b, size_t n,
			   char *err, size_t errlen);
/* Encodes one direction of a blocked flow as the block set's element:
 * reverse false gives src,sport -> dst,dport, true dst,dport -> src,sport. */
void ucf_block_elem(const struct ucf_block *b, bool reverse, struct ucf_elem *e);
/* 0, or -EINVAL with err filled if b is not a flow the block sets hold. */
int ucf_block_check(const struct ucf_block *b, char *err, size_t errlen);

#endif
