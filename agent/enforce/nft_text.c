/* nft_text.c — ruleset model → nft syntax. */
#include "nft_text.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>

/* A bounded appender: output is cut, never overrun. */
struct sbuf {
	char *p;
	size_t len, cap;
};

static void put(struct sbuf *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct sbuf *s, const char *fmt, ...)
{
	va_list ap;
	if (s->len >= s->cap)
		return;
	va_start(ap, fmt);
	int n = vsnprintf(s->p + s->len, s->cap - s->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		s->len = s->len + (size_t)n < s->cap ? s->len + (size_t)n : s->cap - 1;
}

static const char *key_type(enum ucf_set_key key)
{
	switch (key) {
	case UCF_KEY_IFNAME: return "ifname";
	case UCF_KEY_IPV4: return "ipv4_addr";
	case UCF_KEY_IPV6: return "ipv6_addr";
	case UCF_KEY_PROTO_PORT: return "inet_proto . inet_service";
	case UCF_KEY_IPV4_MEDIA: return "ipv4_addr . ipv4_addr . inet_service";
	case UCF_KEY_IPV6_MEDIA: return "ipv6_addr . ipv6_addr . inet_service";
	case UCF_KEY_IPV4_BLOCK:
		return "inet_proto . ipv4_addr . inet_service . ipv4_addr . inet_service";
	case UCF_KEY_IPV6_BLOCK:
		return "inet_proto . ipv6_addr . inet_service . ipv6_addr . inet_service";
	case UCF_KEY_ICMPV6_TYPE: return "icmpv6_type";
	case UCF_KEY_IPV4_PAIR: return "ipv4_addr . ipv4_addr";
	case UCF_KEY_IPV6_PAIR: return "ipv6_addr . ipv6_addr";
	case UCF_KEY_IPV4_TIMED: return "ipv4_addr";
	case UCF_KEY_IPV6_TIMED: return "ipv6_addr";
	}
	return "?";
}

static const char *proto_name(uint8_t proto, char *buf, size_t len)
{
	if (proto == IPPROTO_TCP)
		return "tcp";
	if (proto == IPPROTO_UDP)
		return "udp";
	snprintf(buf, len, "%u", proto);
	return buf;
}

static const char *icmpv6_name(uint8_t type, char *buf, size_t len)
{
	switch (type) {
	case 131: return "mld-listener-report";
	case 133: return "nd-router-solicit";
	case 134: return "nd-router-advert";
	case 135: return "nd-neighbor-solicit";
	case 136: return "nd-neighbor-advert";
	case 143: return "mld2-listener-report";
	}
	snprintf(buf, len, "%u", type);
	return buf;
}

/* The prefix length of [first, last] if it is exactly one prefix, else -1. */
static int range_prefix_len(const uint8_t *first, const uint8_t *last, size_t n)
{
	size_t bit = 0;
	while (bit < n * 8) {
		uint8_t m = (uint8_t)(0x80 >> (bit % 8));
		if ((first[bit / 8] & m) != (last[bit / 8] & m))
			break;
		bit++;
	}
	for (size_t b = bit; b < n * 8; b++) {
		uint8_t m = (uint8_t)(0x80 >> (b % 8));
		if ((first[b / 8] & m) || !(last[b / 8] & m))
			return -1;
	}
	return (int)bit;
}

static void put_addr(struct sbuf *s, int family, const uint8_t *addr)
{
	char a[INET6_ADDRSTRLEN];
	inet_ntop(family, addr, a, sizeof(a));
	put(s, "%s", a);
}

static void put_duration_ms(struct sbuf *s, uint64_t ms)
{
	if (ms % 1000)
		put(s, "%llums", (unsigned long long)ms);
	else
		put(s, "%llus", (unsigned long long)(ms / 1000));
}

static void put_timeout(struct sbuf *s, uint64_t ms)
{
	if (ms) {
		put(s, " timeout ");
		put_duration_ms(s, ms);
	}
}

static void elem_format(struct sbuf *s, const struct ucf_set *set, const struct ucf_elem *e)
{
	char tmp[16];
	int family = AF_INET;
	switch (set->key) {
	case UCF_KEY_IFNAME:
		put(s, "\"%.16s\"", (const char *)e->key);
		break;
	case UCF_KEY_IPV6:
		family = AF_INET6;
		/* fall through */
	case UCF_KEY_IPV4: {
		size_t n = family == AF_INET ? 4 : 16;
		int plen = range_prefix_len(e->key, e->key_end, n);
		put_addr(s, family, e->key);
		if (plen < 0) {
			put(s, "-");
			put_addr(s, family, e->key_end);
		} else if ((size_t)plen < n * 8) {
			put(s, "/%d", plen);
		}
		break;
	}
	case UCF_KEY_PROTO_PORT:
		put(s, "%s . %u", proto_name(e->proto, tmp, sizeof(tmp)), e->port);
		if (e->port_end != e->port)
			put(s, "-%u", e->port_end);
		break;
	case UCF_KEY_IPV6_MEDIA:
		family = AF_INET6;
		/* fall through */
	case UCF_KEY_IPV4_MEDIA:
		put_addr(s, family, e->key);
		put(s, " . ");
		put_addr(s, family, e->key_end);
		put(s, " . %u", e->port);
		put_timeout(s, e->timeout_ms);
		break;
	case UCF_KEY_IPV6_TIMED:
		family = AF_INET6;
		/* fall through */
	case UCF_KEY_IPV4_TIMED:
		put_addr(s, family, e->key);
		put_timeout(s, e->timeout_ms);
		break;
	case UCF_KEY_IPV6_PAIR:
		family = AF_INET6;
		/* fall through */
	case UCF_KEY_IPV4_PAIR:
		put_addr(s, family, e->key);
		put(s, " . ");
		put_addr(s, family, e->key_end);
		put_timeout(s, e->timeout_ms);
		break;
	case UCF_KEY_IPV6_BLOCK:
		family = AF_INET6;
		/* fall through */
	case UCF_KEY_IPV4_BLOCK:
		put(s, "%s . ", proto_name(e->proto, tmp, sizeof(tmp)));
		put_addr(s, family, e->key);
		put(s, " . %u . ", e->port);
		put_addr(s, family, e->key_end);
		put(s, " . %u", e->port_end);
		put_timeout(s, e->timeout_ms);
		break;
	case UCF_KEY_ICMPV6_TYPE:
		put(s, "%s", icmpv6_name(e->proto, tmp, sizeof(tmp)));
		break;
	}
}

void ucf_nft_elem_format(const struct ucf_set *set, const struct ucf_elem *e, char *buf,
			 size_t buflen)
{
	struct sbuf s = { buf, 0, buflen };
	if (buflen)
		buf[0] = '\0';
	elem_format(&s, set, e);
}

static const char *ip_kw(int family)
{
	return family == AF_INET ? "ip" : "ip6";
}

static void match_format(struct sbuf *s, const struct ucf_match *m)
{
	char tmp[16];
	switch (m->kind) {
	case UCF_MATCH_CT_ESTABLISHED: put(s, "ct state established,related"); break;
	case UCF_MATCH_IIF: put(s, "iifname \"%s\"", m->name); break;
	case UCF_MATCH_OIF: put(s, "oifname \"%s\"", m->name); break;
	case UCF_MATCH_IIF_SET: put(s, "iifname @%s", m->name); break;
	case UCF_MATCH_OIF_SET: put(s, "oifname @%s", m->name); break;
	case UCF_MATCH_SADDR_SET: put(s, "%s saddr @%s", ip_kw(m->family), m->name); break;
	case UCF_MATCH_DADDR_SET: put(s, "%s daddr @%s", ip_kw(m->family), m->name); break;
	case UCF_MATCH_SADDR:
	case UCF_MATCH_DADDR:
		put(s, "%s %s ", ip_kw(m->family), m->kind == UCF_MATCH_SADDR ? "saddr" : "daddr");
		put_addr(s, m->family, m->addr);
		break;
	case UCF_MATCH_SVC_SET: put(s, "meta l4proto . th dport @%s", m->name); break;
	case UCF_MATCH_MEDIA_SET:
		put(s, "%s saddr . %s daddr . udp dport @%s", ip_kw(m->family), ip_kw(m->family),
		    m->name);
		break;
	case UCF_MATCH_BLOCK_SET:
		put(s, "meta l4proto . %s saddr . th sport . %s daddr . th dport @%s",
		    ip_kw(m->family), ip_kw(m->family), m->name);
		break;
	case UCF_MATCH_PAIR_SET:
		put(s, "%s %s . %s %s @%s", ip_kw(m->family), m->reverse ? "daddr" : "saddr",
		    ip_kw(m->family), m->reverse ? "saddr" : "daddr", m->name);
		break;
	case UCF_MATCH_TH_RAW:
		/* As nft 1.0 lists it, so plan and the listing compare. */
		put(s, "@th,%u,%u ", m->offset * 8u, m->len * 8u);
		if (m->mask)
			put(s, "& 0x%x == 0x%x", m->mask, m->value);
		else if (m->value_end > m->value)
			put(s, "0x%x-0x%x", m->value, m->value_end);
		else
			put(s, "0x%x", m->value);
		break;
	case UCF_MATCH_CT_MARK:
		/* As nft 1.0 lists it. */
		put(s, "ct mark & 0x%08x == 0x%08x", m->mark, m->mark);
		break;
	case UCF_MATCH_LENGTH_GT: put(s, "%s length > %u", ip_kw(m->family), m->value); break;
	case UCF_MATCH_ICMPV6_SET: put(s, "icmpv6 type @%s", m->name); break;
	case UCF_MATCH_L4PROTO: put(s, "meta l4proto %s", proto_name(m->proto, tmp, sizeof(tmp))); break;
	}
}

static const char *rate_unit(enum ucf_rate_unit u)
{
	return ucf_rate_unit_name(u);
}

static void stmt_format(struct sbuf *s, const struct ucf_stmt *st)
{
	switch (st->kind) {
	case UCF_STMT_COUNTER: put(s, "counter name \"%s\"", st->name); break;
	case UCF_STMT_LOG:
		put(s, "limit rate %u/%s burst 5 packets log prefix \"%s\"", st->rate.count,
		    rate_unit(st->rate.unit), st->name);
		if (st->group)
			put(s, " group %u", st->group);
		break;
	case UCF_STMT_ACCEPT: put(s, "accept"); break;
	case UCF_STMT_DROP: put(s, "drop"); break;
	case UCF_STMT_REJECT_TCP: put(s, "reject with tcp reset"); break;
	case UCF_STMT_REJECT: put(s, "reject with icmpx admin-prohibited"); break;
	case UCF_STMT_JUMP: put(s, "jump %s", st->name); break;
	case UCF_STMT_GOTO: put(s, "goto %s", st->name); break;
	case UCF_STMT_RETURN: put(s, "return"); break;
	case UCF_STMT_SET_ADD:
	case UCF_STMT_SET_UPDATE: {
		const char *ip = ip_kw(st->family), *src = st->reverse ? "daddr" : "saddr",
			   *dst = st->reverse ? "saddr" : "daddr";
		put(s, "%s @%s { %s %s . %s %s }", st->kind == UCF_STMT_SET_ADD ? "add" : "update",
		    st->name, ip, src, ip, dst);
		break;
	}
	case UCF_STMT_CT_MARK_OR: put(s, "ct mark set ct mark | 0x%08x", st->mark); break;
	}
}

static void rule_format(struct sbuf *s, const struct ucf_rule *r)
{
	const char *sep = "";
	for (size_t i = 0; i < r->nmatch; i++, sep = " ") {
		put(s, "%s", sep);
		match_format(s, &r->match[i]);
	}
	for (size_t i = 0; i < r->nstmt; i++, sep = " ") {
		put(s, "%s", sep);
		stmt_format(s, &r->stmt[i]);
	}
	if (r->comment)
		put(s, " comment \"%s\"", r->comment);
}

void ucf_nft_rule_format(const struct ucf_rule *rule, char *buf, size_t buflen)
{
	struct sbuf s = { buf, 0, buflen };
	if (buflen)
		buf[0] = '\0';
	rule_format(&s, rule);
}

static const char *hook_name(enum ucf_hook hook)
{
	return hook == UCF_HOOK_INPUT ? "input" : "forward";
}

int ucf_nft_text(const struct ucf_ruleset *rs, FILE *out)
{
	char line[1024];

	fprintf(out, "table inet %s {\n", UCF_TABLE);
	for (size_t i = 0; i < UCF_COUNTER_COUNT; i++)
		fprintf(out, "\tcounter %s {\n\t}\n\n", rs->counters[i]);
	for (size_t i = 0; i < rs->nsets; i++) {
		const struct ucf_set *set = &rs->sets[i];
		bool interval = set->key == UCF_KEY_IPV4 || set->key == UCF_KEY_IPV6 ||
				set->key == UCF_KEY_PROTO_PORT;
		bool datapath = set->key == UCF_KEY_IPV4_PAIR || set->key == UCF_KEY_IPV6_PAIR;
		fprintf(out, "\tset %s {\n\t\ttype %s\n", set->name, key_type(set->key));
		if (set->size)
			fprintf(out, "\t\tsize %u\n", set->size);
		if (interval)
			fprintf(out, "\t\tflags interval\n");
		if (ucf_set_key_dynamic(set->key)) {
			struct sbuf s = { line, 0, sizeof(line) };
			put_duration_ms(&s, set->timeout_ms);
			fprintf(out, "\t\tflags %stimeout\n\t\ttimeout %s\n", datapath ? "dynamic," : "",
				line);
		}
		for (size_t e = 0; e < set->count; e++) {
			ucf_nft_elem_format(set, &set->elems[e], line, sizeof(line));
			fprintf(out, "%s%s", e == 0 ? "\t\telements = { " : ",\n\t\t\t     ", line);
		}
		fprintf(out, "%s\t}\n\n", set->count ? " }\n" : "");
	}
	for (size_t c = 0; c < rs->nchains; c++) {
		const struct ucf_chain *ch = &rs->chains[c];
		fprintf(out, "\tchain %s {\n", ch->name);
		if (ch->hook != UCF_HOOK_NONE && ch->priority == 0)
			fprintf(out, "\t\ttype filter hook %s priority filter; policy accept;\n",
				hook_name(ch->hook));
		else if (ch->hook != UCF_HOOK_NONE)
			fprintf(out, "\t\ttype filter hook %s priority filter %c %d; policy accept;\n",
				hook_name(ch->hook), ch->priority < 0 ? '-' : '+',
				ch->priority < 0 ? -ch->priority : ch->priority);
		for (size_t r = 0; r < rs->nrules; r++) {
			if (rs->rules[r].chain != c)
				continue;
			ucf_nft_rule_format(&rs->rules[r], line, sizeof(line));
			fprintf(out, "\t\t%s\n", line);
		}
		fprintf(out, "\t}\n%s", c + 1 < rs->nchains ? "\n" : "");
	}
	fprintf(out, "}\n");
	return ferror(out) ? -EIO : 0;
}
