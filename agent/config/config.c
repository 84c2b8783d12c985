/* config.c — the site config: YAML → struct ucf_config, with every error
 * positioned as FILE:LINE:COL. Parsing fills the struct section by section;
 * the cross-field rules run once everything is read. */
#include "config.h"

#include <curl/curl.h>
#include <errno.h>
#include <stddef.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grow.h"
#include "yamlnode.h"

#define MAX_PREFIXES 65536
#define MAX_INTERFACES 64
#define MAX_IDS 1024

/* Nodes remembered while parsing, so cross-field errors can point at them. */
struct loader {
	struct ucf_config *cfg;
	const struct ucf_catalog *cat;
	yaml_node_t *root, *mode, *address, *static_range, *services, *learn, *tls_calls;
	yaml_node_t *meraki_enabled, *appliance_if, *wan_if, *require_encryption;
	yaml_node_t *meraki_scope, *meraki_networks, *meraki_serials, *meraki_sites, *site;
	bool seen_interfaces, seen_uc, seen_appliance;
	yaml_node_t *upload_interval, *upload_sustain, *upload_settle;
	yaml_node_t **endpoints, **servers, **remotes, **uc_ifs, **data_ifs;
	yaml_node_t **appl_lists[6]; /* cloud, connectivity_checks, vpn_peers, resolvers,
				      * time_servers, open.addresses */
};

/* ---- lists ---------------------------------------------------------------- */

/* Grows an array by one element, keeping a parallel array of nodes. */
static int push(void **items, size_t *count, size_t size, yaml_node_t ***nodes)
{
	void *grown = ucf_grow_array(*items, NULL, *count + 1, size, 0);
	if (!grown)
		return -ENOMEM;
	*items = grown;
	yaml_node_t **ngrown = ucf_grow_array(*nodes, NULL, *count + 1, sizeof(**nodes), 0);
	if (!ngrown)
		return -ENOMEM;
	*nodes = ngrown;
	return 0;
}

struct prefix_list_ctx {
	struct ucf_prefix_list *list;
	yaml_node_t ***nodes;
	const char *key;
};

static int prefix_item(struct ucf_yaml *y, yaml_node_t *item, void *ctx)
{
	struct prefix_list_ctx *c = ctx;
	struct ucf_prefix p;
	const char *text;
	char why[160];
	int rc = ucf_yaml_scalar(y, item, c->key, &text);
	if (rc < 0)
		return rc;
	if (ucf_parse_prefix(text, &p, why, sizeof(why)) < 0)
		return ucf_yaml_fail(y, item, "%s", why);
	if (c->list->count >= MAX_PREFIXES)
		return ucf_yaml_fail(y, item, "too many prefixes in %s (at most %d)", c->key,
				     MAX_PREFIXES);
	rc = push((void **)&c->list->items, &c->list->count, sizeof(p), c->nodes);
	if (rc < 0)
		return rc;
	(*c->nodes)[c->list->count] = item;
	c->list->items[c->list->count++] = p;
	return 0;
}

static int prefix_list(struct ucf_yaml *y, yaml_node_t *v, const char *key,
		       struct ucf_prefix_list *list, yaml_node_t ***nodes)
{
	struct prefix_list_ctx c = { list, nodes, key };
	int rc = ucf_yaml_each(y, v, key, prefix_item, &c);
	if (rc == 0 && list->count == 0)
		return ucf_yaml_fail(y, v, "'%s' must list at least one address or prefix", key);
	return rc;
}

struct ifname_list_ctx {
	struct ucf_ifname **items;
	size_t *count;
	yaml_node_t ***nodes;
	const char *key;
};

static int ifname_value(struct ucf_yaml *y, yaml_node_t *v, const char *key,
			char out[UCF_IFNAME_MAX])
{
	const char *text;
	char why[160];
	int rc = ucf_yaml_scalar(y, v, key, &text);
	if (rc < 0)
		return rc;
	if (ucf_check_ifname(text, why, sizeof(why)) < 0)
		return ucf_yaml_fail(y, v, "%s", why);
	snprintf(out, UCF_IFNAME_MAX, "%s", text);
	return 0;
}

static int ifname_item(struct ucf_yaml *y, yaml_node_t *item, void *ctx)
{
	struct ifname_list_ctx *c = ctx;
	struct ucf_ifname name;
	int rc = ifname_value(y, item, c->key, name.name);
	if (rc < 0)
		return rc;
	if (*c->count >= MAX_INTERFACES)
		return ucf_yaml_fail(y, item, "too many interfaces in %s", c->key);
	rc = push((void **)c->items, c->count, sizeof(name), c->nodes);
	if (rc < 0)
		return rc;
	(*c->nodes)[*c->count] = item;
	(*c->items)[(*c->count)++] = name;
	return 0;
}

/* Identifiers (network IDs, serials): letters, digits, '-', '_'. */
static int id_item(struct ucf_yaml *y, yaml_node_t *item, void *ctx)
{
	struct ucf_string_list *list = ctx;
	const char *text;
	int rc = ucf_yaml_scalar(y, item, "identifier", &text);
	if (rc < 0)
		return rc;
	size_t len = strlen(text);
	if (len == 0 || len > 64 || strspn(text, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
					     "0123456789-_") != len)
		return ucf_yaml_fail(y, item, "invalid identifier '%s'", text);
	if (list->count >= MAX_IDS)
		return ucf_yaml_fail(y, item, "too many identifiers (at most %d)", MAX_IDS);
	char **grown = ucf_grow_array(list->items, NULL, list->count + 1, sizeof(*grown), 0);
	if (!grown)
		return -ENOMEM;
	list->items = grown;
	if (!(list->items[list->count] = strdup(text)))
		return -ENOMEM;
	list->count++;
	return 0;
}

static int service_item(struct ucf_yaml *y, yaml_node_t *item, void *ctx)
{
	struct loader *l = ctx;
	struct ucf_string_list *list = &l->cfg->uc.services;
	const char *name;
	char roles[64];
	int rc = ucf_yaml_scalar(y, item, "services", &name);
	if (rc < 0)
		return rc;
	const struct ucf_service *svc = ucf_catalog_find(l->cat, name);
	if (!svc)
		return ucf_yaml_fail(y, item, "unknown service '%s' (not in the catalog)", name);
	if (!(svc->roles & UCF_ROLE_UC)) {
		ucf_roles_format(svc->roles, roles, sizeof(roles));
		return ucf_yaml_fail(y, item, "service '%s' is not a UC service (roles: %s)", name,
				     roles);
	}
	for (size_t i = 0; i < list->count; i++)
		if (strcmp(list->items[i], name) == 0)
			return ucf_yaml_fail(y, item, "service '%s' is listed twice", name);
	/* positions first: id_item's growth of the names is the last step */
	struct ucf_pos *pos = ucf_grow_array(l->cfg->uc.services_pos, NULL, list->count + 1,
					     sizeof(*pos), 0);
	if (!pos)
		return -ENOMEM;
	l->cfg->uc.services_pos = pos;
	pos[list->count] = (struct ucf_pos){ (uint32_t)item->start_mark.line + 1,
					     (uint32_t)item->start_mark.column + 1 };
	return id_item(y, item, list);
}

/* ---- scalar helpers ------------------------------------------------------- */

static int duration(struct ucf_yaml *y, yaml_node_t *v, const char *key, uint64_t min,
		    uint64_t max, uint64_t *out)
{
	const char *text;
	char why[160];
	int rc = ucf_yaml_scalar(y, v, key, &text);
	if (rc < 0)
		return rc;
	if (ucf_parse_duration(text, out, why, sizeof(why)) < 0)
		return ucf_yaml_fail(y, v, "%s: %s", key, why);
	if (*out < min || *out > max)
		return ucf_yaml_fail(y, v, "%s '%s' is out of range (%llus to %llus)", key, text,
				     (unsigned long long)min, (unsigned long long)max);
	return 0;
}

static int absolute_path(struct ucf_yaml *y, yaml_node_t *v, const char *key, char **out)
{
	int rc = ucf_yaml_strdup(y, v, key, out);
	if (rc == 0 && (*out)[0] != '/')
		return ucf_yaml_fail(y, v, "'%s' must be an absolute path", key);
	return rc;
}

static int choice(struct ucf_yaml *y, yaml_node_t *v, const char *key, const char *const *names,
		  size_t n, int *out)
{
	const char *text;
	int rc = ucf_yaml_scalar(y, v, key, &text);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(text, names[i]) == 0) {
			*out = (int)i;
			return 0;
		}
	}
	char list[160] = "";
	for (size_t i = 0; i < n; i++)
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s",
			 i ? (i + 1 == n ? " or " : ", ") : "", names[i]);
	return ucf_yaml_fail(y, v, "invalid %s '%s' (use %s)", key, text, list);
}

static bool loopback_host(const char *host)
{
	return strcmp(host, "localhost") == 0 || strncmp(host, "127.", 4) == 0 ||
	       strcmp(host, "[::1]") == 0;
}

/* https://host[:port][/path]; plain http only to loopback; no credentials. */
static int url(struct ucf_yaml *y, yaml_node_t *v, const char *key, char **out)
{
	CURLU *u;
	char *scheme = NULL, *host = NULL, *user = NULL, *query = NULL;
	int rc = ucf_yaml_strdup(y, v, key, out);
	if (rc < 0)
		return rc;
	if (!(u = curl_url()))
		return -ENOMEM;
	if (curl_url_set(u, CURLUPART_URL, *out, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
		rc = ucf_yaml_fail(y, v, "'%s' is not a valid URL: '%s'", key, *out);
	} else if (strcmp(scheme, "https") != 0 &&
		   !(strcmp(scheme, "http") == 0 && loopback_host(host))) {
		rc = ucf_yaml_fail(y, v, "'%s' must use https (plain http only to a loopback host)",
				   key);
	} else if (curl_url_get(u, CURLUPART_USER, &user, 0) == CURLUE_OK) {
		rc = ucf_yaml_fail(y, v, "'%s' must not carry credentials", key);
	} else if (curl_url_get(u, CURLUPART_QUERY, &query, 0) == CURLUE_OK) {
		rc = ucf_yaml_fail(y, v, "'%s' must not have a query string", key);
	}
	curl_free(scheme);
	curl_free(host);
	curl_free(user);
	curl_free(query);
	curl_url_cleanup(u);
	return rc;
}

#define NKEYS(keys) (sizeof(keys) / sizeof((keys)[0]))

/* ---- site ----------------------------------------------------------------- */

static int site_name(struct ucf_yaml *y, yaml_node_t *v, void *ctx)
{
	struct loader *l = ctx;
	int rc = ucf_yaml_strdup(y, v, "name", &l->cfg->site.name);
	if (rc < 0)
		return rc;
	const char *n = l->cfg->site.name;
	size_t len = strlen(n);
	if (len > 63 || strspn(n, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
				  "0123456789._-") != len)
		return ucf_yaml_fail(y, v,
				     "invalid site name '%s' (letters, digits, '.', '_', '-'; at most 63)",
				     n);
	return 0;
}

static int site_mode(struct ucf_yaml *y, yaml_node_t *v, void *ctx)
{
	static const char *const modes[] = { "concentrator", "appliance" };
	struct loader *l = ctx;
	int mode;
	int rc = choice(y, v, "mode", modes, NKEYS(modes), &mode);
	if (rc < 0)
		return rc; /* mode is unset */
	l->cfg->site.mode = (enum ucf_mode)mode;
	l->mode = v;
	return 0;
}

static const struct ucf_yaml_key site_keys[] = {
	{ "name", site_name, "a 'name'" },
	/* required unless the config is a collector's (load_document) */
	{ "mode", site_mode, NULL },
};

static int section_site(struct ucf_yaml *y, yaml_node_t *v, void *ctx)
{
	const struct ucf_yaml_key *missing;
	((struct loader *)ctx)->site = v;
	int rc = ucf_yaml_walk_map(y, v, "site", site_keys, NKEYS(site_keys), ctx, &missing);
	if (rc == 0 && missing)
		return ucf_yaml_fail(y, v, "site needs %s", missing->required);
	return rc;
}

/* ---- interfaces ----------------------------------------------------------- */

static int if_uc(struct ucf_yaml *y, yaml_node_t *v, void *ctx)
{
	struct loader *l = ctx;
	struct ifname_list_ctx c = { &l->cfg->interfaces.uc, &l->cfg->interfaces.uc_count,
				     &l->uc_ifs, "uc" };
	int rc = ucf_yaml_each(y, v, "uc", ifname_item, &c);
	if (rc == 0 && *c.count == 0)
		return ucf_yaml_fail(y, v, "'uc' must list at least one interface");
	return rc;
}

static int if_data(struct ucf_yaml *y, yaml_node_t *v, void *ctx)
{
	struct loader *l = ctx;
	struct ifname_list_ctx c = { &l->cfg->interfaces.data, &l->cfg->interfaces.data_count,
				     &l->data_ifs, "data" };
	return ucf_yaml_each(y, v, "data", ifname_item, &c);
}

static int if_appliance(struct ucf_yaml *y, yaml_node_t *v, void *ctx)
{
	struct loader *l = ctx;
	l->appliance_if = v;
	return ifname_value(y, v, "appliance", l->cfg->interfaces.appliance);
}

static int if_wan(struct ucf_yaml *y, yaml_node_t *v, void *ctx)
{
	struct loader *l = ctx;
	l->wan_if = v;
	return ifname_value(y, v, "wan", l->cfg->interfaces.wan);
}

static const struct ucf_yaml_key interface_keys[] = {
	{ "uc", if_uc, NULL },
	{ "data", if_data, NULL },
	{ "appliance", if_appliance, NULL },
	{ "wan", if_wan, NULL },
};

/* Each interface has one role: a name seen twice makes the policy ambiguous. */
static int check_interface_roles(struct ucf_yaml *y, struct loader *l, yaml_node_t *section)
{
	struct role_entry { const char *name, *role; yaml_node_t *node; } all[2 * MAX_INTERFACES + 2];
	size_t n = 0;
	const struct ucf_config *c = l->cfg;
	for (size_t i = 0; i < c->interfaces.uc_count; i++)
		all[n++] = (struct role_entry){ c->interfaces.uc[i].name, "uc", l->uc_ifs[i] };
	for (size_t i = 0; i < c->interfaces.data_count; i++)
		all[n++] = (struct role_entry){ c->interfaces.data[i].name, "data", l->data_ifs[i] };
	if (l->appliance_if)
		all[n++] = (struct role_entry){ c->interfaces.appliance, "appliance", l->appliance_if };
	if (l->wan_if)
		all[n++] = (struct role_entry){ c->interfaces.wan, "wan", l->wan_if };
	for (size_t i = 1; i < n; i++)
		for (size_t j = 0; j < i; j++)
			if (strcmp(all[i].name, all[j].name) == 0)
				return ucf_yaml_fail(y, all[i].node,
						     "interface '%s' is already listed as %s (line %zu); "
						     "an interface has one role",
						     all[i].name, all[j].role, ucf_yaml_line(all[j].node));
	if (!l->wan_if)
		return ucf_yaml_fail(y, section, "interfaces needs 'wan'");
	if (!l->appliance_if)
		return ucf_yaml_fail(y, section, "interfaces needs 'appliance'");
	if (c->interfaces.uc_count == 0)
		return ucf_yaml_fail(y, section, "interfaces needs 'uc'");
	return 0;
}

static int section_interfaces(struct ucf_yaml *y, yaml_node_t *v, void *ctx)
{
	((struct loader *)ctx)->seen_interfaces = true;
	int rc = ucf_yaml_walk_map(y, v, "interfaces", interface_keys, NKEYS(interface_keys), ctx,
				   NULL);
	return rc < 0 ? rc : check_interface_roles(y, ctx, v);
}

/* ---- uc ------------------------------------------------------------------- */

static int media_learn(struct ucf_yaml *y, yaml_node_t *v, void *ctx)
{
	struct loader *l = ctx;
	l->learn = v;
	return ucf_yaml_bool(y, v, "learn", &l->cfg->uc.media.learn);
}

static int media_static_range(struct ucf_yaml *y, yaml_node_t *v, void *ctx)
{
	struct loader *l = ctx;
	const char *text;
	char why[160];
	int rc = ucf_yaml_scalar(y, v, "static_range", &text);
	if (rc < 0)
		return rc;
	l->static_range = v;
	if (strcmp(text, "none") == 0) {
		l->cfg->uc.media.static_enabled = false;
		return 0;
	}
	if (ucf_parse_port_range(text, &l->cfg->uc.media.static_range, why, sizeof(why)) < 0)
		return ucf_yaml_fail(y, v, "static_range: %s", why);
	l->cfg->uc.media.static_enabled = true;
	return 0;
}

static int media_timeout(struct ucf_yaml *y, yaml_node_t *v, void *ctx)
{
	struct loader *l = ctx;
	return duration(y, v, "timeout", 10, 86400, &l->cfg->uc.media.timeout_s);
}

static int media_learn_range(struct ucf_yaml *y, yaml_node_t *v, void *ctx)
{
	struct loader *l = ctx;
	const char *text;
	char why[160];
	int rc = ucf_yaml_scalar(y, v, "learn_range", &text);
	if (rc == 0 && ucf_parse_port_range(text, &l->cfg->uc.media.learn_range, why,
					    sizeof(why)) < 0)
		rc = ucf_yaml_fail(y, v, "learn_range: %s", why);
	return rc;
}

static int media_tls_calls(struct ucf_yaml *y, yaml_node_t *v, void *ctx)
{
	struct loader *l = ctx;
	l->tls_calls = v;
	return ucf_yaml_bool(y, v, "tls_calls", &l->cfg->uc.media.tls_calls);
}

static int media_tls_range(struct ucf_yaml *y, yaml_node_t *v, void *ctx)
{
	struct loader *l = ctx;
	const char *text;
	char why[160];
	int rc = ucf_yaml_scalar(y, v, "tls_range", &text);
	if (rc == 0 && ucf_parse_port_range(text, &l->cfg->uc.media.tls_range, why,
					    sizeof(why)) < 0)
		rc = ucf_yaml_fail(y, v, "tls_range: %s", why);
	return rc;
}

static int media_tls_timeout(struct ucf_yaml *y, yaml_node_t *v, void *ctx)
{
	struct loader *l = ctx;
	return duration(y, v, "tls_timeout", 5, 86400, &l->cfg->uc.media.tls_timeout_s);
}

static int media_shape_check(struct ucf_yaml *y, yaml_node_t *v, void *ctx)
{
	struct loader *l = ctx;
	return ucf_yaml_bool(y, v, "shape_check", &l->cfg->uc.media.shape_check);
}

static const struct ucf_yaml_key media_keys[] = {
	{ "learn", media_learn, NULL }, { "static_range", media_static_range, NULL },
	{ "timeout", media_timeout, NULL }, { "learn_range", media_learn_range, NULL },
	{ "tls_calls", media_tls_calls, NULL }, { "tls_range", media_tls_range, NULL },
	{ "tls_timeout", media_tls_timeout, NULL }, { "shape_check", media_shape_check, NULL },
};

static int uc_endpoints(struct ucf_yaml *y, yaml_node_t *v, void *ctx)
{
	struct loader *l = ctx;
	return prefix_list(y, v, "endpoints", &l->cfg->uc.endpoints, &l->endpoints);
}

static int uc_servers(struct ucf_yaml *y, yaml_node_t *v, void *ctx)
{
	struct loader *l = ctx;
	return prefix_list(y, v, "servers", &l->cfg->uc.servers, &l->servers);
}

static int uc_services(struct ucf_yaml *y, yaml_node_t *v, void *ctx)
{
	struct loader *l = ctx;
	l->services = v;
	int rc = ucf_yaml_each(y, v, "services", service_item, l);
	if (rc == 0 && l->cfg->uc.services.count == 0)
		return ucf_yaml_fail(y, v, "'services' must list at least one service");
	return rc;
}

static int uc_media(struct ucf_yaml *y, yaml_node_t *v, void *ctx)
{
	return ucf_yaml_walk_map(y, v, "media", media_keys, NKEYS(media_keys), ctx, NULL);
}

static const struct ucf_yaml_key uc_keys[] = {
	{ "endpoints", uc_endpoints, "'endpoints'" },
	{ "servers", uc_servers, "'servers'" },
	{ "services", uc_services, "'services'" },
	{ "media", uc_media, NULL },
};

static int section_uc(struct ucf_yaml *y, yaml_node_t *v, void *ctx)
{
	((struct loader *)ctx)->seen_uc = true;
	const struct ucf_yaml_key *missing;
	int rc = ucf_yaml_walk_map(y, v, "uc", uc_keys, NKEYS(uc_keys), ctx, &missing);
	if (rc == 0 && missing)
		rc = ucf_yaml_fail(y, v, "uc needs %s", missing->required);
	return rc;
}

/* ---- appliance ------------------------------------------------------------ */

static int appliance_address(struct ucf_yaml *y, yaml_node_t *v, void *ctx)
{
	struct loader *l = ctx;
	const char *text;
	char why[160];
	int rc = ucf_yaml_scalar(y, v, "address", &text);
	if (rc < 0)
		return rc;
	if (ucf_parse_address(text, &l->cfg->appliance.address, why, sizeof(why)) < 0)
		return ucf_yaml_fail(y, v, "%s", why);
	l->address = v;
	return 0;
}

static int appliance_remote(struct ucf_yaml *y, yaml_node_t *v, void *ctx)
{
	struct loader *l = ctx;
	return prefix_list(y, v, "remote_subnets", &l->cfg->appliance.remote_subnets, &l->remotes);
}

static int appliance_cloud(struct ucf_yaml *y, yaml_node_t *v, void *ctx)
{
	struct loader *l = ctx;
	return prefix_list(y, v, "cloud", &l->cfg->appliance.cloud, &l->appl_lists[0]);
}

static int appliance_checks(struct ucf_yaml *y, yaml_node_t *v, void *ctx)
{
	struct loader *l = ctx;
	return prefix_list(y, v, "connectivity_checks", &l->cfg->appliance.connectivity_checks,
			   &l->appl_lists[1]);
}

static int appliance_vpn_peers(struct ucf_yaml *y, yaml_node_t *v, void *ctx)
{
	struct loader *l = ctx;
	return prefix_list(y, v, "vpn_peers", &l->cfg->appliance.vpn_peers, &l->appl_lists[2]);
}

static int appliance_resolvers(struct ucf_yaml *y, yaml_node_t *v, void *ctx)
{
	struct loader *l = ctx;
	return prefix_list(y, v, "resolvers", &l->cfg->appliance.resolvers, &l->appl_lists[3]);
}

static int appliance_time_servers(struct ucf_yaml *y, yaml_node_t *v, void *ctx)
{
	struct loader *l = ctx;
	return prefix_list(y, v, "time_servers", &l->cfg->appliance.time_servers,
			   &l->appl_lists[4]);
}

static int appliance_vpn_peer_timeout(struct ucf_yaml *y, yaml_node_t *v, void *ctx)
{
	struct loader *l = ctx;
	return duration(y, v, "vpn_peer_timeout", 10, 7 * 86400,
			&l->cfg->appliance.vpn_peer_timeout_s);
}

#define UPLOAD(l) (&((struct loader *)(l))->cfg->appliance.upload_signal)

static int upload_enabled(struct ucf_yaml *y, yaml_node_t *v, void *ctx)
{
	return ucf_yaml_bool(y, v, "enabled", &UPLOAD(ctx)->enabled);
}

static int upload_interval(struct ucf_yaml *y, yaml_node_t *v, void *ctx)
{
	((struct loader *)ctx)->upload_interval = v;
	return duration(y, v, "interval", 1, 60, &UPLOAD(ctx)->interval_s);
}

static int upload_floor(struct ucf_yaml *y, yaml_node_t *v, void *ctx)
{
	const char *text;
	char why[160];
	uint64_t bps;
	int rc = ucf_yaml_scalar(y, v, "floor", &text);
	if (rc < 0)
		return rc;
	if (ucf_parse_bitrate(text, &bps, why, sizeof(why)) < 0)
		return ucf_yaml_fail(y, v, "floor: %s", why);
	if (bps < 8000 || bps > 10000000000ULL)
		return ucf_yaml_fail(y, v, "floor '%s' is out of range (8kbit/s to 10Gbit/s)", text);
	UPLOAD(ctx)->floor_bps = bps;
	return 0;
}

static int upload_multiple(struct ucf_yaml *y, yaml_node_t *v, void *ctx)
{
	uint64_t n;
	int rc = ucf_yaml_uint(y, v, "multiple", 2, 1000, &n);
	if (rc == 0)
		UPLOAD(ctx)->multiple = (uint32_t)n;
	return rc;
}

static int upload_sustain(struct ucf_yaml *y, yaml_node_t *v, void *ctx)
{
	((struct loader *)ctx)->upload_sustain = v;
	return duration(y, v, "sustain", 1, 3600, &UPLOAD(ctx)->sustain_s);
}

static int upload_settle(struct ucf_yaml *y, yaml_node_t *v, void *ctx)
{
	((struct loader *)ctx)->upload_settle = v;
	return duration(y, v, "settle", 1, 3600, &UPLOAD(ctx)->settle_s);
}

static int upload_learning(struct ucf_yaml *y, yaml_node_t *v, void *ctx)
{
	return duration(y, v, "learning", 60, 7 * 86400, &UPLOAD(ctx)->learning_s);
}

static const struct ucf_yaml_key upload_keys[] = {
	{ "enabled", upload_enabled, NULL },   { "interval", upload_interval, NULL },
	{ "floor", upload_floor, NULL },       { "multiple", upload_multiple, NULL },
	{ "sustain", upload_sustain, NULL },   { "settle", upload_settle, NULL },
	{ "learning", upload_learning, NULL },
};

/* A rate is measured over an interval: sustain and settle shorter than one
 * would be decided by a single reading. */
static int appliance_upload(struct ucf_yaml *y, yaml_node_t *v, void *ctx)
{
	struct loader *l = ctx;
	const struct ucf_upload_signal *u = UPLOAD(ctx);
	int rc = ucf_yaml_walk_map(y, v, "upload_signal", upload_keys, NKEYS(upload_keys), ctx,
				   NULL);
	if (rc == 0 && u->sustain_s < u->interval_s)
		return ucf_yaml_fail(y, l->upload_sustain ? l->upload_sustain : l->upload_interval,
				     "upload_signal: sustain (%llus) is shorter than interval (%llus)",
				     (unsigned long long)u->sustain_s,
				     (unsigned long long)u->interval_s);
	if (rc == 0 && u->settle_s < u->interval_s)
		return ucf_yaml_fail(y, l->upload_settle ? l->upload_settle : l->upload_interval,
				     "upload_signal: settle (%llus) is shorter than interval (%llus)",
				     (unsigned long long)u->settle_s,
				     (unsigned long long)u->interval_s);
	return rc;
}

#define MAX_OPEN_PORTS 16
#define MAX_OPEN_HOSTS 32

static int open_port(struct ucf_yaml *y, yaml_node_t *v, void *ctx)
{
	struct loader *l = ctx;
	struct ucf_service_port port;
	const char *text;
	char why[160];
	memset(&port, 0, sizeof(port)); /* the padding too: the reload diff compares bytes */
	int rc = ucf_yaml_scalar(y, v, "ports", &text);
	if (rc < 0)
		return rc;
	if (strncmp(text, "tcp/", 4) == 0)
		port.l4proto = IPPROTO_TCP;
	else if (strncmp(text, "udp/", 4) == 0)
		port.l4proto = IPPROTO_UDP;
	else
		return ucf_yaml_fail(y, v, "invalid port '%s' (expected tcp/PORTS or udp/PORTS)", text);
	if (ucf_parse_port_range(text + 4, &port.ports, why, sizeof(why)) < 0)
		return ucf_yaml_fail(y, v, "%s", why);
	if (l->cfg->appliance.open.port_count >= MAX_OPEN_PORTS)
		return ucf_yaml_fail(y, v, "too many ports (at most %d)", MAX_OPEN_PORTS);
	struct ucf_service_port *grown = ucf_grow_array(
		l->cfg->appliance.open.ports, NULL, l->cfg->appliance.open.port_count + 1,
		sizeof(port), 0);
	if (!grown)
		return -ENOMEM;
	l->cfg->appliance.open.ports = grown;
	grown[l->cfg->appliance.open.port_count++] = port;
	return 0;
}

static int open_ports(struct ucf_yaml *y, yaml_node_t *v, void *ctx)
{
	struct loader *l = ctx;
	l->cfg->appliance.open.port_count = 0; /* the default goes */
	int rc = ucf_yaml_each(y, v, "ports", open_port, ctx);
	if (rc == 0 && l->cfg->appliance.open.port_count == 0)
		return ucf_yaml_fail(y, v, "'ports' must list at least one port");
	return rc;
}

static int open_addresses(struct ucf_yaml *y, yaml_node_t *v, void *ctx)
{
	struct loader *l = ctx;
	return prefix_list(y, v, "addresses", &l->cfg->appliance.open.addresses, &l->appl_lists[5]);
}

/* A DNS name: letters, digits and '-' in dot-separated labels of 1-63,
 * at most 253 in all, not all digits and dots (an address goes in
 * addresses). */
static bool valid_host(const char *h)
{
	size_t len = strlen(h), label = 0;
	bool alpha = false;
	if (len == 0 || len > 253 || h[0] == '.' || h[0] == '-')
		return false;
	for (const char *c = h; *c; c++) {
		if (*c == '.') {
			if (label == 0 || c[-1] == '-')
				return false;
			label = 0;
			continue;
		}
		bool ok = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
			  (*c >= '0' && *c <= '9') || *c == '-';
		if (!ok || ++label > 63)
			return false;
		alpha |= !(*c >= '0' && *c <= '9');
	}
	return alpha && h[len - 1] != '-';
}

static int open_host(struct ucf_yaml *y, yaml_node_t *v, void *ctx)
{
	struct ucf_string_list *list = &((struct loader *)ctx)->cfg->appliance.open.hosts;
	const char *text;
	int rc = ucf_yaml_scalar(y, v, "hosts", &text);
	if (rc < 0)
		return rc;
	if (!valid_host(text))
		return ucf_yaml_fail(y, v, "invalid host name '%s' (an address goes in 'addresses')",
				     text);
	if (list->count >= MAX_OPEN_HOSTS)
		return ucf_yaml_fail(y, v, "too many host names (at most %d)", MAX_OPEN_HOSTS);
	char **grown = ucf_grow_array(list->items, NULL, list->count + 1, sizeof(*grown), 0);
	if (!grown)
		return -ENOMEM;
	list->items = grown;
	if (!(list->items[list->count] = strdup(text)))
		return -ENOMEM;
	list->count++;
	return 0;
}

static int open_hosts(struct ucf_yaml *y, yaml_node_t *v, void *ctx)
{
	return ucf_yaml_each(y, v, "hosts", open_host, ctx);
}

static const struct ucf_yaml_key open_keys[] = {
	{ "ports", open_ports, NULL },
	{ "addresses", open_addresses, NULL },
	{ "hosts", open_hosts, NULL },
};

static int appliance_open(struct ucf_yaml *y, yaml_node_t *v, void *ctx)
{
	struct loader *l = ctx;
	static const struct ucf_service_port web[] = { { IPPROTO_TCP, { 80, 80 } },
						       { IPPROTO_TCP, { 443, 443 } } };
	/* Meraki names tcp/80 and 443 for these features: the default ports */
	if (!(l->cfg->appliance.open.ports = malloc(sizeof(web))))
		return -ENOMEM;
	memcpy(l->cfg->appliance.open.ports, web, sizeof(web));
	l->cfg->appliance.open.port_count = 2;
	int rc = ucf_yaml_walk_map(y, v, "appliance.open", open_keys, NKEYS(open_keys), ctx, NULL);
	if (rc == 0 && !l->cfg->appliance.open.addresses.count && !l->cfg->appliance.open.hosts.count)
		return ucf_yaml_fail(y, v, "appliance.open needs 'addresses' or 'hosts'");
	return rc;
}

static const struct ucf_yaml_key appliance_keys[] = {
	{ "address", appliance_address, NULL },
	{ "open", appliance_open, NULL },
	{ "remote_subnets", appliance_remote, NULL },
	{ "cloud", appliance_cloud, NULL },
	{ "connectivity_checks", appliance_checks, NULL },
	{ "vpn_peers", appliance_vpn_peers, NULL },
	{ "resolvers", appliance_resolvers, NULL },
	{ "time_servers", appliance_time_servers, NULL },
	{ "vpn_peer_timeout", appliance_vpn_peer_timeout, NULL },
	{ "upload_signal", appliance_upload, NULL },
};

static int section_appliance(struct ucf_yaml *y, yaml_node_t *v, void *ctx)
{
	((struct loader *)ctx)->seen_appliance = true;
	return ucf_yaml_walk_map(y, v, "appliance", appliance_keys, NKEYS(appliance_keys), ctx,
				 NULL);
}

/* ---- enforcement ---------------------------------------------------------- */

static int enforcement_action(struct ucf_yaml *y, yaml_node_t *v, void *ctx)
{
	static const char *const actions[] = { "drop", "reject", "monitor" };
	struct loader *l = ctx;
	int action;
	int rc = choice(y, v, "action", actions, NKEYS(actions), &action);
	if (rc == 0)
		l->cfg->enforcement.action = (enum ucf_action)action;
	return rc;
}

static int enforcement_log_rate(struct ucf_yaml *y, yaml_node_t *v, void *ctx)
{
	struct loader *l = ctx;
	const char *text;
	char why[160];
	int rc = ucf_yaml_scalar(y, v, "log_rate", &text);
	if (rc == 0 && ucf_parse_rate(text, &l->cfg->enforcement.log_rate, why, sizeof(why)) < 0)
		rc = ucf_yaml_fail(y, v, "log_rate: %s", why);
	return rc;
}

static int enforcement_window(struct ucf_yaml *y, yaml_node_t *v, void *ctx)
{
	return duration(y, v, "violation_window", 10, 86400,
			&((struct loader *)ctx)->cfg->enforcement.violation_window_s);
}

static int enforcement_require_encryption(struct ucf_yaml *y, yaml_node_t *v, void *ctx)
{
	struct loader *l = ctx;
	l->require_encryption = v;
	return ucf_yaml_bool(y, v, "require_encryption", &l->cfg->enforcement.require_encryption);
}

static const struct ucf_yaml_key enforcement_keys[] = {
	{ "action", enforcement_action, NULL },
	{ "log_rate", enforcement_log_rate, NULL },
	{ "violation_window", enforcement_window, NULL },
	{ "require_encryption", enforcement_require_encryption, NULL },
};

static int section_enforcement(struct ucf_yaml *y, yaml_node_t *v, void *ctx)
{
	return ucf_yaml_walk_map(y, v, "enforcement", enforcement_keys, NKEYS(enforcement_keys),
				 ctx, NULL);
}

/* ---- meraki --------------------------------------------------------------- */

#define MERAKI(l) (&((struct loader *)(l))->cfg->meraki)

static int meraki_enabled(struct ucf_yaml *y, yaml_node_t *v, void *ctx)
{
	((struct loader *)ctx)->meraki_enabled = v;
	return ucf_yaml_bool(y, v, "enabled", &MERAKI(ctx)->enabled);
}

static int meraki_base_url(struct ucf_yaml *y, yaml_node_t *v, void *ctx)
{
	return url(y, v, "base_url", &MERAKI(ctx)->base_url);
}

static int meraki_key_file(struct ucf_yaml *y, yaml_node_t *v, void *ctx)
{
	return absolute_path(y, v, "api_key_file", &MERAKI(ctx)->api_key_file);
}

static int meraki_org(struct ucf_yaml *y, yaml_node_t *v, void *ctx)
{
	struct ucf_string_list one = { 0 };
	int rc = id_item(y, v, &one); /* same grammar as the other identifiers */
	if (rc == 0) {
		free(MERAKI(ctx)->organization_id);
		MERAKI(ctx)->organization_id = one.items[0];
	}
	free(one.items);
	return rc;
}

static int meraki_networks(struct ucf_yaml *y, yaml_node_t *v, void *ctx)
{
	((struct loader *)ctx)->meraki_networks = v;
	return ucf_yaml_each(y, v, "network_ids", id_item, &MERAKI(ctx)->network_ids);
}

static int meraki_serials(struct ucf_yaml *y, yaml_node_t *v, void *ctx)
{
	((struct loader *)ctx)->meraki_serials = v;
	return ucf_yaml_each(y, v, "serials", id_item, &MERAKI(ctx)->serials);
}

static int meraki_scope(struct ucf_yaml *y, yaml_node_t *v, void *ctx)
{
	static const char *const scopes[] = { "site", "organization", "served" };
	int scope;
	int rc = choice(y, v, "scope", scopes, NKEYS(scopes), &scope);
	if (rc == 0) {
		MERAKI(ctx)->scope = (enum ucf_meraki_scope)scope;
		((struct loader *)ctx)->meraki_scope = v;
	}
	return rc;
}

/* sites: {networkId: siteName}: the site each network's alerts name. */
static int meraki_sites(struct ucf_yaml *y, yaml_node_t *v, void *ctx)
{
	struct loader *l = ctx;
	struct ucf_string_list *nets = &MERAKI(ctx)->site_networks, *names = &MERAKI(ctx)->site_names;
	int rc = ucf_yaml_want_map(y, v, "sites");
	l->meraki_sites = v;
	for (yaml_node_pair_t *p = v->data.mapping.pairs.start; rc == 0 && p < v->data.mapping.pairs.top;
	     p++) {
		yaml_node_t *k = yaml_document_get_node(&y->doc, p->key);
		yaml_node_t *val = yaml_document_get_node(&y->doc, p->value);
		const char *name;
		if (nets->count >= UCF_MAX_SITES)
			return ucf_yaml_fail(y, k, "too many sites (at most %d)", UCF_MAX_SITES);
		struct ucf_string_list one = { 0 };
		if ((rc = id_item(y, k, &one)) < 0)
			return rc;
		const char *net = one.items[0];
		for (size_t i = 0; i < nets->count; i++) {
			if (strcmp(nets->items[i], net) == 0) {
				rc = ucf_yaml_fail(y, k, "network '%s' is mapped twice in sites", net);
				break;
			}
		}
		if (rc == 0 && (rc = ucf_yaml_scalar(y, val, "site name", &name)) == 0) {
			size_t len = strlen(name);
			if (len == 0 || len > 63 ||
			    strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
					 "0123456789._-") != len)
				rc = ucf_yaml_fail(y, val, "invalid site name '%s' for network %s (letters, "
						   "digits, '.', '_', '-'; at most 63)", name, net);
		}
		char **gn = rc == 0 ? ucf_grow_array(nets->items, NULL, nets->count + 1,
						       sizeof(*gn), 0) : NULL;
		if (gn)
			nets->items = gn;
		char **gs = gn ? ucf_grow_array(names->items, NULL, names->count + 1, sizeof(*gs), 0)
			       : NULL;
		if (gs)
			names->items = gs;
		char *copy = gs ? strdup(name) : NULL;
		if (rc == 0 && !copy)
			rc = -ENOMEM;
		if (rc < 0) {
			free(one.items[0]);
			free(one.items);
			free(copy);
			return rc;
		}
		nets->items[nets->count++] = one.items[0];
		names->items[names->count++] = copy;
		free(one.items);
	}
	return rc;
}

static int meraki_poll(struct ucf_yaml *y, yaml_node_t *v, void *ctx)
{
	return duration(y, v, "poll_interval", 10, 86400, &MERAKI(ctx)->poll_interval_s);
}

static int meraki_lookback(struct ucf_yaml *y, yaml_node_t *v, void *ctx)
{
	return duration(y, v, "lookback", 60, 31 * 86400, &MERAKI(ctx)->lookback_s);
}

static int meraki_ca_file(struct ucf_yaml *y, yaml_node_t *v, void *ctx)
{
	return absolute_path(y, v, "ca_file", &MERAKI(ctx)->ca_file);
}

/* At most half the organization's 10 requests/s: the budget is shared with
 * every other application of the organization. */
static int meraki_budget(struct ucf_yaml *y, yaml_node_t *v, void *ctx)
{
	static const uint32_t per_unit[] = { 1, 60, 3600, 86400 };
	struct ucf_rate *rate = &MERAKI(ctx)->call_budget;
	const char *text;
	char why[160];
	int rc = ucf_yaml_scalar(y, v, "call_budget", &text);
	if (rc == 0 && ucf_parse_rate(text, rate, why, sizeof(why)) < 0)
		return ucf_yaml_fail(y, v, "call_budget: %s", why);
	if (rc == 0 && (double)rate->count / per_unit[rate->unit] > 5.0)
		return ucf_yaml_fail(y, v, "call_budget '%s' is more than 5/second, half of the "
				     "organization's 10 requests/s", text);
	return rc;
}

static int meraki_vpn_peers(struct ucf_yaml *y, yaml_node_t *v, void *ctx)
{
	return ucf_yaml_bool(y, v, "vpn_peers", &MERAKI(ctx)->vpn_peers);
}

static int meraki_vpn_peers_interval(struct ucf_yaml *y, yaml_node_t *v, void *ctx)
{
	return duration(y, v, "vpn_peers_interval", 10, 86400, &MERAKI(ctx)->vpn_peers_interval_s);
}

static int meraki_connect_timeout(struct ucf_yaml *y, yaml_node_t *v, void *ctx)
{
	return duration(y, v, "connect_timeout", 1, 120, &MERAKI(ctx)->connect_timeout_s);
}

static int meraki_request_timeout(struct ucf_yaml *y, yaml_node_t *v, void *ctx)
{
	return duration(y, v, "request_timeout", 1, 600, &MERAKI(ctx)->request_timeout_s);
}

static int meraki_per_page(struct ucf_yaml *y, yaml_node_t *v, void *ctx)
{
	uint64_t n;
	int rc = ucf_yaml_uint(y, v, "per_page", 3, 1000, &n);
	if (rc == 0) /* n is unset on failure */
		MERAKI(ctx)->per_page = (uint32_t)n;
	return rc;
}

static int meraki_window(struct ucf_yaml *y, yaml_node_t *v, void *ctx)
{
	return duration(y, v, "correlation_window", 10, 3600, &MERAKI(ctx)->correlation_window_s);
}

static const struct ucf_yaml_key meraki_keys[] = {
	{ "enabled", meraki_enabled, NULL },
	{ "scope", meraki_scope, NULL },
	{ "sites", meraki_sites, NULL },
	{ "base_url", meraki_base_url, NULL },
	/* organization_id and an API key source are required only when enabled */
	{ "api_key_file", meraki_key_file, NULL },
	{ "organization_id", meraki_org, NULL },
	{ "network_ids", meraki_networks, NULL },
	{ "serials", meraki_serials, NULL },
	{ "poll_interval", meraki_poll, NULL },
	{ "lookback", meraki_lookback, NULL },
	{ "ca_file", meraki_ca_file, NULL },
	{ "call_budget", meraki_budget, NULL },
	{ "connect_timeout", meraki_connect_timeout, NULL },
	{ "request_timeout", meraki_request_timeout, NULL },
	{ "per_page", meraki_per_page, NULL },
	{ "correlation_window", meraki_window, NULL },
	{ "vpn_peers", meraki_vpn_peers, NULL },
	{ "vpn_peers_interval", meraki_vpn_peers_interval, NULL },
};

static int section_meraki(struct ucf_yaml *y, yaml_node_t *v, void *ctx)
{
	struct loader *l = ctx;
	int rc = ucf_yaml_walk_map(y, v, "meraki", meraki_keys, NKEYS(meraki_keys), l, NULL);
	if (rc < 0)
		return rc;
	const struct ucf_config *c = l->cfg;
	if (l->meraki_sites && c->meraki.scope != UCF_SCOPE_ORGANIZATION)
		return ucf_yaml_fail(y, l->meraki_sites, "sites applies to scope 'organization' only "
				     "(a collector's map of networks to sites)");
	if (c->meraki.scope == UCF_SCOPE_ORGANIZATION && (l->meraki_networks || l->meraki_serials))
		return ucf_yaml_fail(y, l->meraki_networks ? l->meraki_networks : l->meraki_serials,
				     "%s does not apply to scope 'organization': the collector watches "
				     "every network of the organization (map them to sites with 'sites')",
				     l->meraki_networks ? "network_ids" : "serials");
	if (c->meraki.scope == UCF_SCOPE_SERVED && c->meraki.enabled)
		return ucf_yaml_fail(y, l->meraki_enabled ? l->meraki_enabled : l->meraki_scope,
				     "scope 'served' means the organization's collector watches this "
				     "site: its own watcher stays off (set enabled: false)");
	if (!c->meraki.enabled)
		return 0;
	/* required only when enabled: their parsers set these (the config starts empty) */
	if (!l->cfg->meraki.organization_id)
		return ucf_yaml_fail(y, l->meraki_enabled,
				     "meraki is enabled but has no organization_id");
	const char *env = getenv("MERAKI_DASHBOARD_API_KEY");
	if (!l->cfg->meraki.api_key_file && !(env && *env))
		return ucf_yaml_fail(y, l->meraki_enabled,
				     "meraki is enabled but has no API key source (set api_key_file, "
				     "or MERAKI_DASHBOARD_API_KEY in the environment)");
	return 0;
}

/* ---- alerts --------------------------------------------------------------- */

static int alerts_spool(struct ucf_yaml *y, yaml_node_t *v, void *ctx)
{
	return absolute_path(y, v, "spool", &((struct loader *)ctx)->cfg->alerts.spool);
}

static int alerts_retention(struct ucf_yaml *y, yaml_node_t *v, void *ctx)
{
	return duration(y, v, "retention", 3600, 3650ULL * 86400,
			&((struct loader *)ctx)->cfg->alerts.retention_s);
}

static int alerts_syslog(struct ucf_yaml *y, yaml_node_t *v, void *ctx)
{
	return ucf_yaml_bool(y, v, "syslog", &((struct loader *)ctx)->cfg->alerts.syslog);
}

static int webhook_url(struct ucf_yaml *y, yaml_node_t *v, void *ctx)
{
	return url(y, v, "url", &((struct loader *)ctx)->cfg->alerts.webhook_url);
}

static int webhook_format(struct ucf_yaml *y, yaml_node_t *v, void *ctx)
{
	static const char *const formats[] = { "generic", "slack" };
	int format;
	int rc = choice(y, v, "format", formats, NKEYS(formats), &format);
	if (rc == 0)
		((struct loader *)ctx)->cfg->alerts.webhook_format = (enum ucf_webhook_format)format;
	return rc;
}

static const struct ucf_yaml_key webhook_keys[] = {
	{ "url", webhook_url, "a 'url'" }, { "format", webhook_format, NULL },
};

static int alerts_webhook(struct ucf_yaml *y, yaml_node_t *v, void *ctx)
{
	const struct ucf_yaml_key *missing;
	int rc = ucf_yaml_walk_map(y, v, "webhook", webhook_keys, NKEYS(webhook_keys), ctx,
				   &missing);
	if (rc == 0 && missing)
		return ucf_yaml_fail(y, v, "webhook needs %s", missing->required);
	return rc;
}

#define AM(ctx) (&((struct loader *)(ctx))->cfg->alerts.alertmanager)
#define MAX_AM_PEERS 16

static int am_url_item(struct ucf_yaml *y, yaml_node_t *item, void *ctx)
{
	struct ucf_string_list *list = &AM(ctx)->urls;
	char *u = NULL;
	int rc = url(y, item, "urls", &u);
	if (rc == 0 && list->count >= MAX_AM_PEERS)
		rc = ucf_yaml_fail(y, item, "too many Alertmanager urls (at most %d)", MAX_AM_PEERS);
	for (size_t i = 0; rc == 0 && i < list->count; i++)
		if (strcmp(list->items[i], u) == 0)
			rc = ucf_yaml_fail(y, item, "Alertmanager url '%s' is listed twice", u);
	char **grown = NULL;
	if (rc == 0 && !(grown = ucf_grow_array(list->items, NULL, list->count + 1,
						sizeof(*grown), 0)))
		rc = -ENOMEM;
	if (rc < 0) {
		free(u);
		return rc;
	}
	list->items = grown;
	list->items[list->count++] = u;
	return 0;
}

static int am_urls(struct ucf_yaml *y, yaml_node_t *v, void *ctx)
{
	int rc = ucf_yaml_each(y, v, "urls", am_url_item, ctx);
	if (rc == 0 && AM(ctx)->urls.count == 0)
		return ucf_yaml_fail(y, v, "'urls' must list at least one Alertmanager");
	return rc;
}

static int am_resolve_after(struct ucf_yaml *y, yaml_node_t *v, void *ctx)
{
	return duration(y, v, "resolve_after", 60, 30 * 86400, &AM(ctx)->resolve_after_s);
}

static int am_ca_file(struct ucf_yaml *y, yaml_node_t *v, void *ctx)
{
	return absolute_path(y, v, "ca_file", &AM(ctx)->ca_file);
}

static int am_bearer(struct ucf_yaml *y, yaml_node_t *v, void *ctx)
{
	return absolute_path(y, v, "bearer_token_file", &AM(ctx)->bearer_token_file);
}

static int am_basic_user(struct ucf_yaml *y, yaml_node_t *v, void *ctx)
{
	int rc = ucf_yaml_strdup(y, v, "username", &AM(ctx)->basic_user);
	if (rc == 0 && strchr(AM(ctx)->basic_user, ':'))
		return ucf_yaml_fail(y, v, "'username' must not contain ':' (basic auth)");
	return rc;
}

static int am_basic_password(struct ucf_yaml *y, yaml_node_t *v, void *ctx)
{
	return absolute_path(y, v, "password_file", &AM(ctx)->basic_password_file);
}

static const struct ucf_yaml_key basic_auth_keys[] = {
	{ "username", am_basic_user, "a 'username'" },
	{ "password_file", am_basic_password, "a 'password_file'" },
};

static int am_basic_auth(struct ucf_yaml *y, yaml_node_t *v, void *ctx)
{
	const struct ucf_yaml_key *missing;
	int rc = ucf_yaml_walk_map(y, v, "basic_auth", basic_auth_keys, NKEYS(basic_auth_keys),
				   ctx, &missing);
	if (rc == 0 && missing)
		return ucf_yaml_fail(y, v, "basic_auth needs %s", missing->required);
	return rc;
}

static const struct ucf_yaml_key alertmanager_keys[] = {
	{ "urls", am_urls, "'urls'" },
	{ "resolve_after", am_resolve_after, NULL },
	{ "ca_file", am_ca_file, NULL },
	{ "bearer_token_file", am_bearer, NULL },
	{ "basic_auth", am_basic_auth, NULL },
};

static int alerts_alertmanager(struct ucf_yaml *y, yaml_node_t *v, void *ctx)
{
	const struct ucf_yaml_key *missing;
	int rc = ucf_yaml_walk_map(y, v, "alertmanager", alertmanager_keys,
				   NKEYS(alertmanager_keys), ctx, &missing);
	if (rc == 0 && missing)
		return ucf_yaml_fail(y, v, "alertmanager needs %s", missing->required);
	if (rc == 0 && AM(ctx)->bearer_token_file && AM(ctx)->basic_user)
		return ucf_yaml_fail(y, v, "alertmanager: use bearer_token_file or basic_auth, "
				     "not both");
	return rc;
}

static const struct ucf_yaml_key alerts_keys[] = {
	{ "spool", alerts_spool, NULL },   { "retention", alerts_retention, NULL },
	{ "syslog", alerts_syslog, NULL }, { "webhook", alerts_webhook, NULL },
	{ "alertmanager", alerts_alertmanager, NULL },
};

static int section_alerts(struct ucf_yaml *y, yaml_node_t *v, void *ctx)
{
	return ucf_yaml_walk_map(y, v, "alerts", alerts_keys, NKEYS(alerts_keys), ctx, NULL);
}

/* ---- limits, state_dir ---------------------------------------------------- */

static int limits_flows(struct ucf_yaml *y, yaml_node_t *v, void *ctx)
{
	uint64_t n;
	int rc = ucf_yaml_uint(y, v, "flows", 1024, 16777216, &n);
	if (rc == 0)
		((struct loader *)ctx)->cfg->limits.flows = (uint32_t)n;
	return rc;
}

static int limits_media(struct ucf_yaml *y, yaml_node_t *v, void *ctx)
{
	uint64_t n;
	int rc = ucf_yaml_uint(y, v, "media", 16, 4194304, &n);
	if (rc == 0)
		((struct loader *)ctx)->cfg->limits.media = (uint32_t)n;
	return rc;
}

static int limits_media_per_host(struct ucf_yaml *y, yaml_node_t *v, void *ctx)
{
	uint64_t n;
	int rc = ucf_yaml_uint(y, v, "media_per_host", 4, 4194304, &n);
	if (rc == 0)
		((struct loader *)ctx)->cfg->limits.media_per_host = (uint32_t)n;
	return rc;
}

static int limits_calls_per_host(struct ucf_yaml *y, yaml_node_t *v, void *ctx)
{
	uint64_t n;
	int rc = ucf_yaml_uint(y, v, "calls_per_host", 1, 4194304, &n);
	if (rc == 0)
		((struct loader *)ctx)->cfg->limits.calls_per_host = (uint32_t)n;
	return rc;
}

static int limits_learn_rate(struct ucf_yaml *y, yaml_node_t *v, void *ctx)
{
	struct loader *l = ctx;
	const char *text;
	char why[160];
	int rc = ucf_yaml_scalar(y, v, "learn_rate", &text);
	if (rc == 0 && ucf_parse_rate(text, &l->cfg->limits.learn_rate, why, sizeof(why)) < 0)
		rc = ucf_yaml_fail(y, v, "learn_rate: %s", why);
	return rc;
}

static const struct ucf_yaml_key limits_keys[] = {
	{ "flows", limits_flows, NULL }, { "media", limits_media, NULL },
	{ "media_per_host", limits_media_per_host, NULL },
	{ "calls_per_host", limits_calls_per_host, NULL },
	{ "learn_rate", limits_learn_rate, NULL },
};

static int section_limits(struct ucf_yaml *y, yaml_node_t *v, void *ctx)
{
	return ucf_yaml_walk_map(y, v, "limits", limits_keys, NKEYS(limits_keys), ctx, NULL);
}

static int metrics_textfile(struct ucf_yaml *y, yaml_node_t *v, void *ctx)
{
	return absolute_path(y, v, "textfile", &((struct loader *)ctx)->cfg->metrics.textfile);
}

static const struct ucf_yaml_key metrics_keys[] = { { "textfile", metrics_textfile, NULL } };

static int section_metrics(struct ucf_yaml *y, yaml_node_t *v, void *ctx)
{
	return ucf_yaml_walk_map(y, v, "metrics", metrics_keys, NKEYS(metrics_keys), ctx, NULL);
}

static int section_state_dir(struct ucf_yaml *y, yaml_node_t *v, void *ctx)
{
	return absolute_path(y, v, "state_dir", &((struct loader *)ctx)->cfg->state_dir);
}

static const struct ucf_yaml_key top_keys[] = {
	{ "site", section_site, "section 'site'" },
	/* interfaces and uc: required unless the config is a collector's (load_document) */
	{ "interfaces", section_interfaces, NULL },
	{ "uc", section_uc, NULL },
	{ "appliance", section_appliance, NULL },
	{ "enforcement", section_enforcement, NULL },
	{ "meraki", section_meraki, NULL },
	{ "alerts", section_alerts, NULL },
	{ "limits", section_limits, NULL },
	{ "metrics", section_metrics, NULL },
	{ "state_dir", section_state_dir, NULL },
};

/* ---- cross-field rules ---------------------------------------------------- */

struct tagged_prefix {
	const struct ucf_prefix *prefix;
	yaml_node_t *node;
	const char *list;
};

static int by_address(const void *a, const void *b)
{
	const struct ucf_prefix *pa = ((const struct tagged_prefix *)a)->prefix;
	const struct ucf_prefix *pb = ((const struct tagged_prefix *)b)->prefix;
	if (pa->family != pb->family)
		return pa->family - pb->family;
	int c = memcmp(pa->addr, pb->addr, 16);
	return c ? c : pa->len - pb->len;
}

/* Sorted by address, a prefix that overlaps an earlier one overlaps the widest
 * one seen so far in its family: one pass finds any overlap in O(n log n). */
static int check_overlaps(struct ucf_yaml *y, struct tagged_prefix *all, size_t n)
{
	qsort(all, n, sizeof(*all), by_address);
	const struct tagged_prefix *widest = NULL;
	for (size_t i = 0; i < n; i++) {
		if (widest && ucf_prefix_overlaps(widest->prefix, all[i].prefix)) {
			const struct tagged_prefix *a = widest, *b = &all[i];
			char pa[64], pb[64];
			if (ucf_yaml_line(a->node) > ucf_yaml_line(b->node) ||
			    (ucf_yaml_line(a->node) == ucf_yaml_line(b->node) &&
			     a->node->start_mark.column > b->node->start_mark.column)) {
				const struct tagged_prefix *t = a;
				a = b;
				b = t;
			}
			ucf_prefix_format(a->prefix, pa, sizeof(pa));
			ucf_prefix_format(b->prefix, pb, sizeof(pb));
			return ucf_yaml_fail(y, b->node, "%s %s overlaps %s %s (line %zu)", b->list, pb,
					     a->list, pa, ucf_yaml_line(a->node));
		}
		if (!widest || widest->prefix->family != all[i].prefix->family ||
		    !ucf_prefix_contains(widest->prefix, all[i].prefix))
			widest = &all[i];
	}
	return 0;
}

static int overlaps_of(struct ucf_yaml *y, const struct ucf_prefix_list *a, yaml_node_t **an,
		       const char *aname, const struct ucf_prefix_list *b, yaml_node_t **bn,
		       const char *bname)
{
	size_t n = a->count + (b ? b->count : 0);
	struct tagged_prefix *all = calloc(n ? n : 1, sizeof(*all));
	if (!all)
		return -ENOMEM;
	for (size_t i = 0; i < a->count; i++)
		all[i] = (struct tagged_prefix){ &a->items[i], an[i], aname };
	for (size_t i = 0; b && i < b->count; i++)
		all[a->count + i] = (struct tagged_prefix){ &b->items[i], bn[i], bname };
	int rc = check_overlaps(y, all, n);
	free(all);
	return rc;
}

/* With encryption required the policy refuses every cleartext service: a
 * site whose signalling services are all cleartext could not set up a call. */
static int check_encryption(struct ucf_yaml *y, struct loader *l)
{
	const struct ucf_config *c = l->cfg;
	char names[512] = "";
	size_t used = 0;
	bool encrypted = false, clear = false;
	if (!c->enforcement.require_encryption)
		return 0;
	for (size_t i = 0; i < c->uc.services.count; i++) {
		const struct ucf_service *s = ucf_catalog_find(l->cat, c->uc.services.items[i]);
		if (s->media)
			continue;
		if (!s->cleartext) {
			encrypted = true;
			continue;
		}
		clear = true;
		int n = snprintf(names + used, sizeof(names) - used, "%s%s", used ? ", " : "",
				 s->name);
		if (n > 0 && (size_t)n < sizeof(names) - used)
			used += (size_t)n;
	}
	if (!clear || encrypted)
		return 0;
	return ucf_yaml_fail(y, l->require_encryption,
			     "require_encryption is on but every signalling service in uc.services "
			     "is cleartext (%s): nothing could register or call; add an encrypted "
			     "one such as sip-tls", names);
}

/* Which kinds of call signalling uc.services lists. */
struct signalling_mix {
	bool media, cleartext, tls;
	char tls_names[128]; /* "sip-tls, sccp-tls" */
};

static struct signalling_mix signalling_mix(const struct ucf_config *c,
					    const struct ucf_catalog *cat)
{
	struct signalling_mix m = { 0 };
	size_t used = 0;
	for (size_t i = 0; i < c->uc.services.count; i++) {
		const struct ucf_service *svc = ucf_catalog_find(cat, c->uc.services.items[i]);
		if (!svc)
			continue;
		m.media |= svc->media;
		/* cleartext signalling the kernel refuses carries no call */
		m.cleartext |= svc->signalling == UCF_SIGNALLING_CLEARTEXT &&
			       !c->enforcement.require_encryption;
		if (svc->signalling == UCF_SIGNALLING_TLS) {
			m.tls = true;
			if (used < sizeof(m.tls_names)) {
				int n = snprintf(m.tls_names + used, sizeof(m.tls_names) - used, "%s%s",
						 used ? ", " : "", svc->name);
				if (n > 0)
					used += (size_t)n;
			}
		}
	}
	return m;
}

/* Media is wanted and every call is signalled over TLS: no cleartext
 * signalling whose SDP the classifier could read. */
static bool tls_only(const struct ucf_config *c, const struct signalling_mix *m)
{
	return m->media && m->tls && !(m->cleartext && c->uc.media.learn);
}

bool ucf_config_tls_media_note(const struct ucf_config *c, const struct ucf_catalog *cat,
			       char *buf, size_t buflen)
{
	struct signalling_mix m = signalling_mix(c, cat);
	const struct ucf_port_range *t = &c->uc.media.tls_range, *st = &c->uc.media.static_range;
	char range[32] = "";
	if (buflen)
		buf[0] = '\0';
	if (!tls_only(c, &m) || !buflen)
		return false;
	if (c->uc.media.static_enabled)
		snprintf(range, sizeof(range), "%u-%u", st->first, st->last);
	if (c->uc.media.tls_calls)
		snprintf(buf, buflen,
			 "signalling is TLS-only (%s): its SDP cannot be read; media is carried by "
			 "uc.media.tls_calls (RTP/RTCP/STUN/DTLS-shaped UDP on ports %u-%u between "
			 "hosts with live TLS signalling)%s%s",
			 m.tls_names, t->first, t->last, *range ? " and the static range " : "", range);
	else
		snprintf(buf, buflen,
			 "signalling is TLS-only (%s): its SDP cannot be read; media is carried only by "
			 "the static range %s (uc.media.tls_calls is false)",
			 m.tls_names, range);
	return true;
}

static int check_cross_fields(struct ucf_yaml *y, struct loader *l)
{
	struct ucf_config *c = l->cfg;
	int rc;
	const char *mode = ucf_mode_name(c->site.mode);

	if (!l->address)
		return ucf_yaml_fail(y, l->mode, "mode '%s' needs appliance.address", mode);
	if (c->site.mode == UCF_MODE_CONCENTRATOR && c->appliance.remote_subnets.count == 0)
		return ucf_yaml_fail(y, l->mode, "mode 'concentrator' needs appliance.remote_subnets");
	/* Endpoints and servers overlapping would make a flow both sides of itself. */
	rc = overlaps_of(y, &c->uc.endpoints, l->endpoints, "endpoint", &c->uc.servers, l->servers,
			 "server");
	if (rc == 0 && c->appliance.remote_subnets.count) {
		rc = overlaps_of(y, &c->appliance.remote_subnets, l->remotes, "remote subnet", NULL,
				 NULL, NULL);
		if (rc == 0)
			rc = overlaps_of(y, &c->uc.endpoints, l->endpoints, "endpoint",
					 &c->appliance.remote_subnets, l->remotes, "remote subnet");
	}
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < c->uc.endpoints.count; i++) {
		if (ucf_prefix_contains(&c->uc.endpoints.items[i], &c->appliance.address)) {
			char p[64];
			ucf_prefix_format(&c->uc.endpoints.items[i], p, sizeof(p));
			return ucf_yaml_fail(y, l->address,
					     "appliance.address lies inside endpoint %s (line %zu)", p,
					     ucf_yaml_line(l->endpoints[i]));
		}
	}
	struct signalling_mix mix = signalling_mix(c, l->cat);
	if (c->uc.media.static_enabled && !mix.media)
		return ucf_yaml_fail(y, l->static_range,
				     "static_range is set but no media service (rtp) is in uc.services");
	if (mix.media && !c->uc.media.static_enabled && !c->uc.media.learn &&
	    !(c->uc.media.tls_calls && mix.tls))
		return ucf_yaml_fail(y, l->learn ? l->learn : l->services,
				     "media learning is off and static_range is none: no media could flow");
	if (tls_only(c, &mix) && !c->uc.media.tls_calls && !c->uc.media.static_enabled)
		return ucf_yaml_fail(y, l->tls_calls ? l->tls_calls : l->services,
				     "signalling is TLS-only (%s): its media cannot be learned, and with "
				     "tls_calls false and static_range none no media could flow",
				     mix.tls_names);
	return check_encryption(y, l);
}

/* ---- load ----------------------------------------------------------------- */

static int set_defaults(struct ucf_config *c)
{
	c->uc.media.learn = true;
	c->uc.media.timeout_s = 120;
	/* A few hours: an appliance whose uplink address changes (DHCP) is
	 * relearned within the hour; a peer gone from the Dashboard closes
	 * after a morning, and the watcher down for as long keeps them. */
	c->appliance.vpn_peer_timeout_s = 4 * 3600;
	c->enforcement.action = UCF_ACTION_DROP;
	c->enforcement.log_rate = (struct ucf_rate){ 10, UCF_PER_SECOND };
	c->enforcement.violation_window_s = 60;
	c->meraki.poll_interval_s = 60;
	c->meraki.lookback_s = 86400;
	c->meraki.call_budget = (struct ucf_rate){ 2, UCF_PER_SECOND };
	c->meraki.connect_timeout_s = 10;
	c->meraki.request_timeout_s = 30;
	c->meraki.per_page = 100;
	c->meraki.correlation_window_s = 300;
	/* The organization's appliances' uplink addresses change rarely (a
	 * DHCP lease, an ISP change): hourly costs a call or two of the
	 * organization's budget per site and hour, and a peer missed by a few
	 * failed fetches is still in the sets (appliance.vpn_peer_timeout). */
	c->meraki.vpn_peers = true;
	c->meraki.vpn_peers_interval_s = 3600;
	/* The MX's own cloud traffic is a few kbit/s; a capture streamed to the
	 * cloud is hundreds of kbit/s or more (docs/meraki-watch.md). */
	c->appliance.upload_signal.enabled = true;
	c->appliance.upload_signal.interval_s = 5;
	c->appliance.upload_signal.floor_bps = 256000;
	c->appliance.upload_signal.multiple = 10;
	c->appliance.upload_signal.sustain_s = 30;
	c->appliance.upload_signal.settle_s = 60;
	c->appliance.upload_signal.learning_s = 3600;
	c->alerts.retention_s = 30 * 86400;
	c->alerts.syslog = true;
	c->alerts.alertmanager.resolve_after_s = 3600;
	c->limits.flows = 262144;
	c->limits.media = 65536;
	/* A voice gateway in E (an E1's 30 channels, a conference unit) with
	 * audio, video and their RTCP on both sides of each call stays below
	 * these; a flood from one host stops at them, at 1/128 of the table. */
	c->limits.media_per_host = 512;
	c->limits.calls_per_host = 64;
	c->limits.learn_rate = (struct ucf_rate){ 20, UCF_PER_SECOND };
	c->uc.media.learn_range = (struct ucf_port_range){ 1024, 65535 };
	c->uc.media.tls_calls = true;
	c->uc.media.tls_range = (struct ucf_port_range){ 1024, 65535 };
	c->uc.media.tls_timeout_s = 120;
	c->uc.media.shape_check = true;
	c->meraki.base_url = strdup("https://api.meraki.com/api/v1");
	c->state_dir = strdup("/var/lib/ucfence");
	return c->meraki.base_url && c->state_dir ? 0 : -ENOMEM;
}

static int finish_defaults(struct ucf_config *c)
{
	if (c->alerts.spool)
		return 0;
	if (asprintf(&c->alerts.spool, "%s/alerts.jsonl", c->state_dir) < 0) {
		c->alerts.spool = NULL;
		return -ENOMEM;
	}
	return 0;
}

static int load_document(struct ucf_yaml *y, struct loader *l)
{
	yaml_node_t *root = ucf_yaml_root(y);
	const struct ucf_yaml_key *missing;
	int rc = ucf_yaml_walk_map(y, root, "the top level", top_keys, NKEYS(top_keys), l,
				   &missing);
	if (rc == 0 && missing)
		rc = ucf_yaml_fail(y, root, "missing %s", missing->required);
	/* A collector's config may be the site name, meraki and alerts alone:
	 * it enforces nothing. Any enforcement part makes it a site's config,
	 * which needs all of it. */
	struct ucf_config *c = l->cfg;
	c->collector_only = c->meraki.enabled && c->meraki.scope == UCF_SCOPE_ORGANIZATION &&
			    !l->seen_interfaces && !l->seen_uc && !l->seen_appliance;
	if (rc < 0 || c->collector_only)
		return rc < 0 ? rc : finish_defaults(c);
	if (!l->mode)
		rc = ucf_yaml_fail(y, l->site, "site needs a 'mode' (concentrator or appliance)%s",
				   c->meraki.scope == UCF_SCOPE_ORGANIZATION
					   ? " (a collector's config without interfaces, uc and "
					     "appliance needs none)"
					   : "");
	else if (!l->seen_interfaces)
		rc = ucf_yaml_fail(y, root, "missing section 'interfaces'");
	else if (!l->seen_uc)
		rc = ucf_yaml_fail(y, root, "missing section 'uc'");
	if (rc == 0)
		rc = check_cross_fields(y, l);
	if (rc == 0)
		rc = finish_defaults(l->cfg);
	return rc;
}

static int load(struct ucf_yaml *y, const char *name, const struct ucf_catalog *cat,
		struct ucf_config **out)
{
	struct loader l = { .cat = cat };
	int rc = -ENOMEM;
	l.cfg = calloc(1, sizeof(*l.cfg));
	if (l.cfg && (l.cfg->source = strdup(name)) && set_defaults(l.cfg) == 0)
		rc = load_document(y, &l);
	free(l.endpoints);
	free(l.servers);
	free(l.remotes);
	for (size_t i = 0; i < sizeof(l.appl_lists) / sizeof(l.appl_lists[0]); i++)
		free(l.appl_lists[i]);
	free(l.uc_ifs);
	free(l.data_ifs);
	if (rc < 0) {
		ucf_config_free(l.cfg);
		return rc;
	}
	*out = l.cfg;
	return 0;
}

int ucf_config_load_text(const char *name, const char *text, size_t len,
			 const struct ucf_catalog *cat, struct ucf_config **out, char *err,
			 size_t errlen)
{
	struct ucf_yaml y;
	int rc = ucf_yaml_load(&y, name, text, len, err, errlen);
	if (rc < 0)
		return rc;
	rc = load(&y, name, cat, out);
	ucf_yaml_done(&y);
	return rc;
}

int ucf_config_load(const char *path, const struct ucf_catalog *cat, struct ucf_config **out,
		    char *err, size_t errlen)
{
	struct ucf_yaml y;
	int rc = ucf_yaml_load_file(&y, path, err, errlen);
	if (rc < 0)
		return rc;
	rc = load(&y, path, cat, out);
	ucf_yaml_done(&y);
	return rc;
}

static void free_strings(struct ucf_string_list *l)
{
	for (size_t i = 0; i < l->count; i++)
		free(l->items[i]);
	free(l->items);
}

void ucf_config_free(struct ucf_config *c)
{
	if (!c)
		return;
	free(c->source);
	free(c->site.name);
	free(c->interfaces.uc);
	free(c->interfaces.data);
	free(c->uc.endpoints.items);
	free(c->uc.servers.items);
	free_strings(&c->uc.services);
	free(c->uc.services_pos);
	free(c->appliance.remote_subnets.items);
	free(c->appliance.cloud.items);
	free(c->appliance.connectivity_checks.items);
	free(c->appliance.vpn_peers.items);
	free(c->appliance.resolvers.items);
	free(c->appliance.time_servers.items);
	free(c->appliance.open.ports);
	free(c->appliance.open.addresses.items);
	free_strings(&c->appliance.open.hosts);
	free(c->meraki.base_url);
	free(c->meraki.api_key_file);
	free(c->meraki.organization_id);
	free_strings(&c->meraki.network_ids);
	free_strings(&c->meraki.serials);
	free_strings(&c->meraki.site_networks);
	free_strings(&c->meraki.site_names);
	free(c->meraki.ca_file);
	free(c->alerts.spool);
	free(c->alerts.webhook_url);
	free_strings(&c->alerts.alertmanager.urls);
	free(c->alerts.alertmanager.ca_file);
	free(c->alerts.alertmanager.bearer_token_file);
	free(c->alerts.alertmanager.basic_user);
	free(c->alerts.alertmanager.basic_password_file);
	free(c->metrics.textfile);
	free(c->state_dir);
	free(c);
}

/* ---- copies and differences ---------------------------------------------- */

static int copy_str(char **dst, const char *src)
{
	*dst = src ? strdup(src) : NULL;
	return src && !*dst ? -ENOMEM : 0;
}

static int copy_mem(void *dst, const void *src, size_t n, size_t size)
{
	void *copy = NULL;
	if (src && n && !(copy = malloc(n * size)))
		return -ENOMEM;
	if (copy)
		memcpy(copy, src, n * size);
	memcpy(dst, &copy, sizeof(copy));
	return 0;
}

static int copy_strings(struct ucf_string_list *dst, const struct ucf_string_list *src)
{
	*dst = (struct ucf_string_list){ 0 };
	if (src->count == 0)
		return 0;
	if (!(dst->items = calloc(src->count, sizeof(*dst->items))))
		return -ENOMEM;
	for (; dst->count < src->count; dst->count++)
		if (copy_str(&dst->items[dst->count], src->items[dst->count]) < 0)
			return -ENOMEM;
	return 0;
}

int ucf_config_dup(const struct ucf_config *in, struct ucf_config **out)
{
	struct ucf_config *c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	/* the scalars at once; then each pointer, so that what a failure leaves
	 * for ucf_config_free is a copy or NULL */
	struct ucf_config s = *in;
	s.source = s.site.name = s.meraki.base_url = s.meraki.api_key_file = NULL;
	s.meraki.organization_id = s.meraki.ca_file = s.alerts.spool = NULL;
	s.alerts.webhook_url = s.metrics.textfile = s.state_dir = NULL;
	s.interfaces.uc = s.interfaces.data = NULL;
	s.uc.endpoints.items = s.uc.servers.items = s.appliance.remote_subnets.items = NULL;
	s.appliance.cloud.items = s.appliance.connectivity_checks.items = NULL;
	s.appliance.vpn_peers.items = s.appliance.resolvers.items = NULL;
	s.appliance.time_servers.items = NULL;
	s.appliance.open.ports = NULL;
	s.appliance.open.addresses.items = NULL;
	s.appliance.open.hosts = (struct ucf_string_list){ 0 };
	s.uc.services = s.meraki.network_ids = s.meraki.serials = (struct ucf_string_list){ 0 };
	s.meraki.site_networks = s.meraki.site_names = (struct ucf_string_list){ 0 };
	s.uc.services_pos = NULL;
	s.alerts.alertmanager.urls = (struct ucf_string_list){ 0 };
	s.alerts.alertmanager.ca_file = s.alerts.alertmanager.bearer_token_file = NULL;
	s.alerts.alertmanager.basic_user = s.alerts.alertmanager.basic_password_file = NULL;
	*c = s;
	if (copy_str(&c->source, in->source) < 0 || copy_str(&c->site.name, in->site.name) < 0 ||
	    copy_str(&c->meraki.base_url, in->meraki.base_url) < 0 ||
	    copy_str(&c->meraki.api_key_file, in->meraki.api_key_file) < 0 ||
	    copy_str(&c->meraki.organization_id, in->meraki.organization_id) < 0 ||
	    copy_str(&c->meraki.ca_file, in->meraki.ca_file) < 0 ||
	    copy_str(&c->alerts.spool, in->alerts.spool) < 0 ||
	    copy_str(&c->alerts.webhook_url, in->alerts.webhook_url) < 0 ||
	    copy_strings(&c->alerts.alertmanager.urls, &in->alerts.alertmanager.urls) < 0 ||
	    copy_str(&c->alerts.alertmanager.ca_file, in->alerts.alertmanager.ca_file) < 0 ||
	    copy_str(&c->alerts.alertmanager.bearer_token_file,
		     in->alerts.alertmanager.bearer_token_file) < 0 ||
	    copy_str(&c->alerts.alertmanager.basic_user, in->alerts.alertmanager.basic_user) < 0 ||
	    copy_str(&c->alerts.alertmanager.basic_password_file,
		     in->alerts.alertmanager.basic_password_file) < 0 ||
	    copy_str(&c->metrics.textfile, in->metrics.textfile) < 0 ||
	    copy_str(&c->state_dir, in->state_dir) < 0 ||
	    copy_mem(&c->interfaces.uc, in->interfaces.uc, in->interfaces.uc_count,
		     sizeof(*in->interfaces.uc)) < 0 ||
	    copy_mem(&c->interfaces.data, in->interfaces.data, in->interfaces.data_count,
		     sizeof(*in->interfaces.data)) < 0 ||
	    copy_mem(&c->uc.endpoints.items, in->uc.endpoints.items, in->uc.endpoints.count,
		     sizeof(struct ucf_prefix)) < 0 ||
	    copy_mem(&c->uc.servers.items, in->uc.servers.items, in->uc.servers.count,
		     sizeof(struct ucf_prefix)) < 0 ||
	    copy_mem(&c->appliance.remote_subnets.items, in->appliance.remote_subnets.items,
		     in->appliance.remote_subnets.count, sizeof(struct ucf_prefix)) < 0 ||
	    copy_mem(&c->appliance.cloud.items, in->appliance.cloud.items,
		     in->appliance.cloud.count, sizeof(struct ucf_prefix)) < 0 ||
	    copy_mem(&c->appliance.connectivity_checks.items, in->appliance.connectivity_checks.items,
		     in->appliance.connectivity_checks.count, sizeof(struct ucf_prefix)) < 0 ||
	    copy_mem(&c->appliance.vpn_peers.items, in->appliance.vpn_peers.items,
		     in->appliance.vpn_peers.count, sizeof(struct ucf_prefix)) < 0 ||
	    copy_mem(&c->appliance.resolvers.items, in->appliance.resolvers.items,
		     in->appliance.resolvers.count, sizeof(struct ucf_prefix)) < 0 ||
	    copy_mem(&c->appliance.time_servers.items, in->appliance.time_servers.items,
		     in->appliance.time_servers.count, sizeof(struct ucf_prefix)) < 0 ||
	    copy_mem(&c->appliance.open.ports, in->appliance.open.ports,
		     in->appliance.open.port_count, sizeof(struct ucf_service_port)) < 0 ||
	    copy_mem(&c->appliance.open.addresses.items, in->appliance.open.addresses.items,
		     in->appliance.open.addresses.count, sizeof(struct ucf_prefix)) < 0 ||
	    copy_strings(&c->appliance.open.hosts, &in->appliance.open.hosts) < 0 ||
	    copy_strings(&c->uc.services, &in->uc.services) < 0 ||
	    (in->uc.services_pos &&
	     copy_mem(&c->uc.services_pos, in->uc.services_pos, in->uc.services.count,
		      sizeof(*in->uc.services_pos)) < 0) ||
	    copy_strings(&c->meraki.network_ids, &in->meraki.network_ids) < 0 ||
	    copy_strings(&c->meraki.serials, &in->meraki.serials) < 0 ||
	    copy_strings(&c->meraki.site_networks, &in->meraki.site_networks) < 0 ||
	    copy_strings(&c->meraki.site_names, &in->meraki.site_names) < 0) {
		ucf_config_free(c);
		return -ENOMEM;
	}
	*out = c;
	return 0;
}

enum key_kind { K_SCALAR, K_STR, K_NAME, K_PREFIXES, K_STRINGS, K_IFNAMES, K_PORTS };

struct key {
	const char *name;
	unsigned section;
	enum key_kind kind;
	size_t off, size; /* K_SCALAR: the field; K_IFNAMES: the array (size: the count's offset) */
};

#define F(f) offsetof(struct ucf_config, f)
#define SCALAR(n, sec, f) { n, sec, K_SCALAR, F(f), sizeof(((struct ucf_config *)0)->f) }
#define OF(n, sec, kind, f) { n, sec, kind, F(f), 0 }
static const struct key keys[] = {
	OF("site.name", UCF_SECTION_SITE, K_STR, site.name),
	SCALAR("site.mode", UCF_SECTION_SITE, site.mode),
	{ "interfaces.uc", UCF_SECTION_INTERFACES, K_IFNAMES, F(interfaces.uc), F(interfaces.uc_count) },
	{ "interfaces.data", UCF_SECTION_INTERFACES, K_IFNAMES, F(interfaces.data),
	  F(interfaces.data_count) },
	OF("interfaces.appliance", UCF_SECTION_INTERFACES, K_NAME, interfaces.appliance),
	OF("interfaces.wan", UCF_SECTION_INTERFACES, K_NAME, interfaces.wan),
	OF("uc.endpoints", UCF_SECTION_UC, K_PREFIXES, uc.endpoints),
	OF("uc.servers", UCF_SECTION_UC, K_PREFIXES, uc.servers),
	OF("uc.services", UCF_SECTION_UC, K_STRINGS, uc.services),
	SCALAR("uc.media.learn", UCF_SECTION_UC, uc.media.learn),
	SCALAR("uc.media.static_range", UCF_SECTION_UC, uc.media.static_enabled),
	SCALAR("uc.media.static_range", UCF_SECTION_UC, uc.media.static_range),
	SCALAR("uc.media.timeout", UCF_SECTION_UC, uc.media.timeout_s),
	SCALAR("uc.media.learn_range", UCF_SECTION_UC, uc.media.learn_range),
	SCALAR("uc.media.tls_calls", UCF_SECTION_UC, uc.media.tls_calls),
	SCALAR("uc.media.tls_range", UCF_SECTION_UC, uc.media.tls_range),
	SCALAR("uc.media.tls_timeout", UCF_SECTION_UC, uc.media.tls_timeout_s),
	SCALAR("uc.media.shape_check", UCF_SECTION_UC, uc.media.shape_check),
	SCALAR("appliance.address", UCF_SECTION_APPLIANCE, appliance.address),
	OF("appliance.remote_subnets", UCF_SECTION_APPLIANCE, K_PREFIXES, appliance.remote_subnets),
	OF("appliance.cloud", UCF_SECTION_APPLIANCE, K_PREFIXES, appliance.cloud),
	OF("appliance.connectivity_checks", UCF_SECTION_APPLIANCE, K_PREFIXES,
	   appliance.connectivity_checks),
	OF("appliance.vpn_peers", UCF_SECTION_APPLIANCE, K_PREFIXES, appliance.vpn_peers),
	OF("appliance.resolvers", UCF_SECTION_APPLIANCE, K_PREFIXES, appliance.resolvers),
	OF("appliance.time_servers", UCF_SECTION_APPLIANCE, K_PREFIXES, appliance.time_servers),
	SCALAR("appliance.vpn_peer_timeout", UCF_SECTION_APPLIANCE, appliance.vpn_peer_timeout_s),
	{ "appliance.open.ports", UCF_SECTION_APPLIANCE, K_PORTS, F(appliance.open.ports),
	  F(appliance.open.port_count) },
	OF("appliance.open.addresses", UCF_SECTION_APPLIANCE, K_PREFIXES, appliance.open.addresses),
	OF("appliance.open.hosts", UCF_SECTION_APPLIANCE, K_STRINGS, appliance.open.hosts),
	SCALAR("appliance.upload_signal.enabled", UCF_SECTION_APPLIANCE,
	       appliance.upload_signal.enabled),
	SCALAR("appliance.upload_signal.interval", UCF_SECTION_APPLIANCE,
	       appliance.upload_signal.interval_s),
	SCALAR("appliance.upload_signal.floor", UCF_SECTION_APPLIANCE,
	       appliance.upload_signal.floor_bps),
	SCALAR("appliance.upload_signal.multiple", UCF_SECTION_APPLIANCE,
	       appliance.upload_signal.multiple),
	SCALAR("appliance.upload_signal.sustain", UCF_SECTION_APPLIANCE,
	       appliance.upload_signal.sustain_s),
	SCALAR("appliance.upload_signal.settle", UCF_SECTION_APPLIANCE,
	       appliance.upload_signal.settle_s),
	SCALAR("appliance.upload_signal.learning", UCF_SECTION_APPLIANCE,
	       appliance.upload_signal.learning_s),
	SCALAR("enforcement.action", UCF_SECTION_ENFORCEMENT, enforcement.action),
	SCALAR("enforcement.log_rate", UCF_SECTION_ENFORCEMENT, enforcement.log_rate),
	SCALAR("enforcement.violation_window", UCF_SECTION_ENFORCEMENT,
	       enforcement.violation_window_s),
	SCALAR("enforcement.require_encryption", UCF_SECTION_ENFORCEMENT,
	       enforcement.require_encryption),
	SCALAR("meraki.enabled", UCF_SECTION_MERAKI, meraki.enabled),
	SCALAR("meraki.scope", UCF_SECTION_MERAKI, meraki.scope),
	OF("meraki.sites", UCF_SECTION_MERAKI, K_STRINGS, meraki.site_networks),
	OF("meraki.sites", UCF_SECTION_MERAKI, K_STRINGS, meraki.site_names),
	OF("meraki.base_url", UCF_SECTION_MERAKI, K_STR, meraki.base_url),
	OF("meraki.api_key_file", UCF_SECTION_MERAKI, K_STR, meraki.api_key_file),
	OF("meraki.organization_id", UCF_SECTION_MERAKI, K_STR, meraki.organization_id),
	OF("meraki.network_ids", UCF_SECTION_MERAKI, K_STRINGS, meraki.network_ids),
	OF("meraki.serials", UCF_SECTION_MERAKI, K_STRINGS, meraki.serials),
	SCALAR("meraki.poll_interval", UCF_SECTION_MERAKI, meraki.poll_interval_s),
	SCALAR("meraki.lookback", UCF_SECTION_MERAKI, meraki.lookback_s),
	OF("meraki.ca_file", UCF_SECTION_MERAKI, K_STR, meraki.ca_file),
	SCALAR("meraki.call_budget", UCF_SECTION_MERAKI, meraki.call_budget),
	SCALAR("meraki.connect_timeout", UCF_SECTION_MERAKI, meraki.connect_timeout_s),
	SCALAR("meraki.request_timeout", UCF_SECTION_MERAKI, meraki.request_timeout_s),
	SCALAR("meraki.per_page", UCF_SECTION_MERAKI, meraki.per_page),
	SCALAR("meraki.correlation_window", UCF_SECTION_MERAKI, meraki.correlation_window_s),
	SCALAR("meraki.vpn_peers", UCF_SECTION_MERAKI, meraki.vpn_peers),
	SCALAR("meraki.vpn_peers_interval", UCF_SECTION_MERAKI, meraki.vpn_peers_interval_s),
	OF("alerts.spool", UCF_SECTION_ALERTS, K_STR, alerts.spool),
	SCALAR("alerts.retention", UCF_SECTION_ALERTS, alerts.retention_s),
	SCALAR("alerts.syslog", UCF_SECTION_ALERTS, alerts.syslog),
	OF("alerts.webhook.url", UCF_SECTION_ALERTS, K_STR, alerts.webhook_url),
	SCALAR("alerts.webhook.format", UCF_SECTION_ALERTS, alerts.webhook_format),
	OF("alerts.alertmanager.urls", UCF_SECTION_ALERTS, K_STRINGS, alerts.alertmanager.urls),
	SCALAR("alerts.alertmanager.resolve_after", UCF_SECTION_ALERTS,
	       alerts.alertmanager.resolve_after_s),
	OF("alerts.alertmanager.ca_file", UCF_SECTION_ALERTS, K_STR, alerts.alertmanager.ca_file),
	OF("alerts.alertmanager.bearer_token_file", UCF_SECTION_ALERTS, K_STR,
	   alerts.alertmanager.bearer_token_file),
	OF("alerts.alertmanager.basic_auth.username", UCF_SECTION_ALERTS, K_STR,
	   alerts.alertmanager.basic_user),
	OF("alerts.alertmanager.basic_auth.password_file", UCF_SECTION_ALERTS, K_STR,
	   alerts.alertmanager.basic_password_file),
	SCALAR("limits.flows", UCF_SECTION_LIMITS, limits.flows),
	SCALAR("limits.media", UCF_SECTION_LIMITS, limits.media),
	SCALAR("limits.media_per_host", UCF_SECTION_LIMITS, limits.media_per_host),
	SCALAR("limits.calls_per_host", UCF_SECTION_LIMITS, limits.calls_per_host),
	SCALAR("limits.learn_rate", UCF_SECTION_LIMITS, limits.learn_rate),
	OF("metrics.textfile", UCF_SECTION_METRICS, K_STR, metrics.textfile),
	OF("state_dir", UCF_SECTION_STATE_DIR, K_STR, state_dir),
};
#undef OF
#undef SCALAR
#undef F

static bool same_str(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

static bool same_key(const struct key *k, const struct ucf_config *a, const struct ucf_config *b)
{
	const char *pa = (const char *)a + k->off, *pb = (const char *)b + k->off;
	switch (k->kind) {
	case K_SCALAR: /* integers, enums, and structs of them without padding */
		return memcmp(pa, pb, k->size) == 0;
	case K_STR:
		return same_str(*(char *const *)pa, *(char *const *)pb);
	case K_NAME:
		return strncmp(pa, pb, UCF_IFNAME_MAX) == 0;
	case K_PREFIXES: {
		const struct ucf_prefix_list *x = (const void *)pa, *y = (const void *)pb;
		return x->count == y->count &&
		       (x->count == 0 || memcmp(x->items, y->items, x->count * sizeof(*x->items)) == 0);
	}
	case K_STRINGS: {
		const struct ucf_string_list *x = (const void *)pa, *y = (const void *)pb;
		if (x->count != y->count)
			return false;
		for (size_t i = 0; i < x->count; i++)
			if (!same_str(x->items[i], y->items[i]))
				return false;
		return true;
	}
	case K_PORTS: {
		const struct ucf_service_port *x = *(struct ucf_service_port *const *)pa,
					      *y = *(struct ucf_service_port *const *)pb;
		size_t nx = *(const size_t *)((const char *)a + k->size),
		       ny = *(const size_t *)((const char *)b + k->size);
		return nx == ny && (nx == 0 || memcmp(x, y, nx * sizeof(*x)) == 0);
	}
	case K_IFNAMES: {
		const struct ucf_ifname *x = *(struct ucf_ifname *const *)pa,
					*y = *(struct ucf_ifname *const *)pb;
		size_t nx = *(const size_t *)((const char *)a + k->size),
		       ny = *(const size_t *)((const char *)b + k->size);
		if (nx != ny)
			return false;
		for (size_t i = 0; i < nx; i++)
			if (strncmp(x[i].name, y[i].name, UCF_IFNAME_MAX) != 0)
				return false;
		return true;
	}
	}
	return false;
}

size_t ucf_config_diff(const struct ucf_config *a, const struct ucf_config *b, const char **out,
		       size_t max)
{
	size_t n = 0;
	const char *last = NULL;
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		/* one name may stand for several fields (static_range): named once */
		if ((last && strcmp(last, keys[i].name) == 0) || same_key(&keys[i], a, b))
			continue;
		last = keys[i].name;
		if (n < max)
			out[n] = keys[i].name;
		n++;
	}
	return n;
}

unsigned ucf_config_sections_changed(const struct ucf_config *a, const struct ucf_config *b)
{
	unsigned mask = 0;
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (!(mask & keys[i].section) && !same_key(&keys[i], a, b))
			mask |= keys[i].section;
	return mask;
}

const char *ucf_mode_name(enum ucf_mode mode)
{
	return mode == UCF_MODE_APPLIANCE ? "appliance" : "concentrator";
}

const char *ucf_scope_name(enum ucf_meraki_scope scope)
{
	static const char *const names[] = { "site", "organization", "served" };
	return names[scope];
}

const char *ucf_action_name(enum ucf_action action)
{
	static const char *const names[] = { "drop", "reject", "monitor" };
	return names[action];
}
