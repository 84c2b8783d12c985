/* vpnpeers.c — learned AutoVPN peers: checks, ages, last known good. */
#include "vpnpeers.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "grow.h"
#include "policy.h"
#include "statefile.h"

/* Ranges no Internet peer has (RFC 6890 and its updates). */
static const char *const not_global4[] = {
	"0.0.0.0/8",     "10.0.0.0/8",     "100.64.0.0/10", "127.0.0.0/8",  "169.254.0.0/16",
	"172.16.0.0/12", "192.0.0.0/24",   "192.168.0.0/16", "198.18.0.0/15", "224.0.0.0/4",
	"240.0.0.0/4",
};

static bool in_text_prefix(const char *const *list, size_t n, const struct ucf_prefix *a)
{
	for (size_t i = 0; i < n; i++) {
		struct ucf_prefix p;
		char why[64];
		if (ucf_parse_prefix(list[i], &p, why, sizeof(why)) == 0 && ucf_prefix_contains(&p, a))
			return true;
	}
	return false;
}

static bool in_list(const struct ucf_prefix_list *l, const struct ucf_prefix *a)
{
	for (size_t i = 0; i < l->count; i++)
		if (l->items[i].family == a->family && ucf_prefix_contains(&l->items[i], a))
			return true;
	return false;
}

int ucf_vpn_peer_check(const struct ucf_config *cfg, const struct ucf_prefix *addr, char *why,
		       size_t whylen)
{
	char text[64];
	ucf_prefix_format(addr, text, sizeof(text));
	const char *reason = NULL;
	if ((addr->family != AF_INET && addr->family != AF_INET6) ||
	    addr->len != (addr->family == AF_INET ? 32 : 128))
		reason = "not a single address";
	else if (addr->family == AF_INET &&
		 in_text_prefix(not_global4, sizeof(not_global4) / sizeof(not_global4[0]), addr))
		reason = "not a global unicast address";
	else if (addr->family == AF_INET6 && (addr->addr[0] & 0xe0) != 0x20)
		reason = "not a global unicast address"; /* outside 2000::/3 */
	else if (addr->family == cfg->appliance.address.family &&
		 memcmp(addr->addr, cfg->appliance.address.addr, 16) == 0)
		reason = "the appliance itself";
	else if (in_list(&cfg->uc.endpoints, addr))
		reason = "inside the endpoints (E)";
	else if (in_list(&cfg->uc.servers, addr))
		reason = "inside the servers (S)";
	else if (in_list(&cfg->appliance.remote_subnets, addr))
		reason = "inside the remote subnets (R)";
	if (!reason)
		return 0;
	snprintf(why, whylen, "%s: %s", text, reason);
	return -EINVAL;
}

void ucf_vpnpeers_clear(struct ucf_vpnpeers *p)
{
	free(p->items);
	memset(p, 0, sizeof(*p));
}

static struct ucf_vpn_peer *find(struct ucf_vpnpeers *p, const struct ucf_prefix *a)
{
	for (size_t i = 0; i < p->count; i++)
		if (p->items[i].addr.family == a->family &&
		    memcmp(p->items[i].addr.addr, a->addr, 16) == 0)
			return &p->items[i];
	return NULL;
}

static bool expired(const struct ucf_vpn_peer *e, const struct ucf_config *cfg, int64_t now)
{
	return !e->current && now - e->last_seen >= (int64_t)cfg->appliance.vpn_peer_timeout_s;
}

void ucf_vpnpeers_prune(struct ucf_vpnpeers *p, const struct ucf_config *cfg, int64_t now)
{
	size_t out = 0;
	char why[128];
	for (size_t i = 0; i < p->count; i++)
		if (!expired(&p->items[i], cfg, now) &&
		    ucf_vpn_peer_check(cfg, &p->items[i].addr, why, sizeof(why)) == 0)
			p->items[out++] = p->items[i];
	p->count = out;
}

/* Past the cap a peer is counted, not kept. */
static int add(struct ucf_vpnpeers *p, const struct ucf_vpn_peer *e)
{
	if (p->count >= UCF_VPN_PEERS_MAX) {
		p->over_cap++;
		return 0;
	}
	if (UCF_GROW(p->items, p->cap, p->count + 1, 16) < 0)
		return -ENOMEM;
	p->items[p->count++] = *e;
	return 0;
}

int ucf_vpnpeers_learn(struct ucf_vpnpeers *p, const struct ucf_config *cfg,
		       const char *const *addrs, size_t n, int64_t now, char *why, size_t whylen)
{
	struct ucf_vpnpeers next = { 0 };
	char one[160];
	if (why && whylen)
		why[0] = '\0';
	next.refused = p->refused;
	next.over_cap = p->over_cap;
	/* the new list first: what this fetch names, each once */
	for (size_t i = 0; i < n; i++) {
		struct ucf_vpn_peer e = { .last_seen = now, .current = true };
		int rc = addrs[i] ? ucf_parse_address(addrs[i], &e.addr, one, sizeof(one)) : -EINVAL;
		if (rc == 0)
			rc = ucf_vpn_peer_check(cfg, &e.addr, one, sizeof(one));
		else if (!addrs[i])
			snprintf(one, sizeof(one), "an entry without an address");
		if (rc < 0) {
			next.refused++;
			if (why && whylen && !why[0])
				snprintf(why, whylen, "%s", one);
			continue;
		}
		if (find(&next, &e.addr))
			continue;
		if (add(&next, &e) < 0) {
			free(next.items);
			return -ENOMEM;
		}
	}
	/* then the earlier peers not listed now, ageing from their last fetch */
	for (size_t i = 0; i < p->count; i++) {
		struct ucf_vpn_peer e = p->items[i];
		e.current = false;
		if (find(&next, &e.addr) || expired(&e, cfg, now))
			continue;
		if (add(&next, &e) < 0) {
			free(next.items);
			return -ENOMEM;
		}
	}
	next.learned_at = now;
	free(p->items);
	*p = next;
	return 0;
}

size_t ucf_vpnpeers_live(const struct ucf_vpnpeers *p, const struct ucf_config *cfg, int64_t now)
{
	size_t n = 0;
	for (size_t i = 0; i < p->count; i++)
		n += !expired(&p->items[i], cfg, now);
	return n;
}

size_t ucf_vpnpeers_elements(const struct ucf_vpnpeers *p, const struct ucf_config *cfg,
			     int64_t now, struct ucf_prefix *addrs, uint64_t *timeout_ms)
{
	size_t n = 0;
	int64_t full = (int64_t)cfg->appliance.vpn_peer_timeout_s;
	for (size_t i = 0; i < p->count; i++) {
		const struct ucf_vpn_peer *e = &p->items[i];
		int64_t left = e->current ? full : e->last_seen + full - now;
		if (left <= 0)
			continue;
		if (left > full) /* a clock that went back: never beyond the timeout */
			left = full;
		addrs[n] = e->addr;
		timeout_ms[n++] = (uint64_t)left * 1000u;
	}
	return n;
}

int ucf_vpnpeers_save(const struct ucf_vpnpeers *p, const char *state_dir, char *err,
		      size_t errlen)
{
	char path[4096];
	if (snprintf(path, sizeof(path), "%s/%s", state_dir, UCF_VPNPEERS_FILE) >= (int)sizeof(path)) {
		snprintf(err, errlen, "%s: path too long", state_dir);
		return -ENAMETOOLONG;
	}
	json_t *doc = json_pack("{s:i, s:I, s:[]}", "version", 1, "learned_at",
				(json_int_t)p->learned_at, "peers");
	json_t *list = json_object_get(doc, "peers");
	for (size_t i = 0; doc && i < p->count; i++) {
		char a[64];
		ucf_prefix_format(&p->items[i].addr, a, sizeof(a));
		if (json_array_append_new(list, json_pack("{s:s, s:I, s:b}", "address", a, "last_seen",
							  (json_int_t)p->items[i].last_seen,
							  "current", p->items[i].current)) < 0) {
			json_decref(doc);
			doc = NULL;
		}
	}
	if (!doc) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	int rc = ucf_json_save(path, doc, 0600, err, errlen);
	json_decref(doc);
	return rc;
}

int ucf_vpnpeers_load(struct ucf_vpnpeers *p, const struct ucf_config *cfg, const char *state_dir,
		      int64_t now, size_t *dropped, char *err, size_t errlen)
{
	char path[4096];
	json_t *doc = NULL;
	*dropped = 0;
	if (snprintf(path, sizeof(path), "%s/%s", state_dir, UCF_VPNPEERS_FILE) >= (int)sizeof(path)) {
		snprintf(err, errlen, "%s: path too long", state_dir);
		return -ENAMETOOLONG;
	}
	int rc = ucf_json_load(path, &doc, err, errlen);
	if (rc == -ENOENT)
		return 0;
	if (rc < 0)
		return rc;
	struct ucf_vpnpeers next = { .refused = p->refused, .over_cap = p->over_cap };
	const json_t *list = json_object_get(doc, "peers");
	json_t *it;
	size_t i;
	if (!json_is_array(list)) {
		snprintf(err, errlen, "%s: no 'peers' list", path);
		json_decref(doc);
		return -EINVAL;
	}
	next.learned_at = json_integer_value(json_object_get(doc, "learned_at"));
	if (next.learned_at < 0 || next.learned_at > now)
		next.learned_at = next.learned_at < 0 ? 0 : now;
	json_array_foreach (list, i, it) {
		struct ucf_vpn_peer e = { 0 };
		const char *a = json_string_value(json_object_get(it, "address"));
		char why[160];
		e.last_seen = json_integer_value(json_object_get(it, "last_seen"));
		e.current = json_is_true(json_object_get(it, "current"));
		if (e.last_seen > now) /* a clock that went back: not younger than now */
			e.last_seen = now;
		if (e.last_seen < 0) /* before the epoch: the ageing must not overflow */
			e.last_seen = 0;
		/* the cap first: a huge file costs no duplicate search once full */
		if (next.count >= UCF_VPN_PEERS_MAX || !a ||
		    ucf_parse_address(a, &e.addr, why, sizeof(why)) < 0 ||
		    ucf_vpn_peer_check(cfg, &e.addr, why, sizeof(why)) < 0 ||
		    expired(&e, cfg, now) || find(&next, &e.addr)) {
			(*dropped)++;
			continue;
		}
		if (add(&next, &e) < 0) {
			free(next.items);
			json_decref(doc);
			snprintf(err, errlen, "out of memory");
			return -ENOMEM;
		}
	}
	json_decref(doc);
	free(p->items);
	*p = next;
	return 0;
}
