/* meraki_sites.c — network -> site for a collector's alerts. */
#include "meraki_sites.h"

#include <string.h>

#include "meraki_parse.h"

/* A network id as the directory keeps them (meraki_parse.c): what a page
 * or the state file names otherwise (a line break, 500 bytes) is no
 * network, neither a site nor a call's target. */
static const char *id_or_null(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	return n > 0 && n <= 64 &&
			       strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
					 "0123456789-_") == n
		       ? s
		       : NULL;
}

#define CONTROLS                                                                          \
	"\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10\x11\x12\x13\x14\x15" \
	"\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f\x7f"

const char *ucf_msite_network(const json_t *directory, const json_t *finding)
{
	const char *net = ucf_mfinding_str(finding, "network_id");
	if (id_or_null(net))
		return net;
	const json_t *devices = json_object_get(directory, "devices");
	const json_t *serials = json_object_get(finding, "serials");
	const char *one = ucf_mfinding_str(finding, "serial");
	if (one && (net = id_or_null(json_string_value(json_object_get(devices, one)))))
		return net;
	size_t i;
	const json_t *s;
	json_array_foreach (serials, i, s) {
		const char *serial = json_string_value(s);
		if (serial && (net = id_or_null(json_string_value(json_object_get(devices, serial)))))
			return net;
	}
	return NULL;
}

const char *ucf_msite_of(const struct ucf_config *cfg, const json_t *directory,
			 const json_t *finding, bool *unknown)
{
	const char *net = ucf_msite_network(directory, finding);
	if (unknown)
		*unknown = false;
	if (!net) {
		/* A schedule whose devices the directory does not know yet. */
		if (unknown && (ucf_mfinding_str(finding, "serial") ||
				json_array_size(json_object_get(finding, "serials"))))
			*unknown = true;
		return NULL;
	}
	const struct ucf_string_list *nets = &cfg->meraki.site_networks;
	for (size_t i = 0; i < nets->count; i++)
		if (strcmp(nets->items[i], net) == 0)
			return cfg->meraki.site_names.items[i];
	const json_t *networks = json_object_get(directory, "networks");
	const json_t *entry = json_object_get(networks, net);
	const char *name = json_string_value(entry);
	/* Whoever administers a network names it on the Dashboard: a name
	 * that spells a site meraki.sites gives another network, or the
	 * collector's own site.name, would alert as that site. */
	/* The directory comes back from the state file: a name the parser
	 * would not have kept (a control character, over 63 bytes) is none. */
	if (name && (strlen(name) > 63 || strpbrk(name, CONTROLS)))
		name = NULL;
	bool taken = name && cfg->site.name && strcmp(name, cfg->site.name) == 0;
	for (size_t i = 0; name && !taken && i < cfg->meraki.site_names.count; i++)
		taken = strcmp(cfg->meraki.site_names.items[i], name) == 0;
	if (name && *name && !taken)
		return name;
	if (!entry && unknown)
		*unknown = true;
	return net; /* listed without a name, or not listed yet */
}

json_t *ucf_msite_directory(const json_t *networks, const json_t *devices, int64_t at)
{
	json_t *d = json_pack("{s:I, s:{}, s:{}}", "at", (json_int_t)at, "networks", "devices");
	if (!d)
		return NULL;
	json_t *nmap = json_object_get(d, "networks"), *dmap = json_object_get(d, "devices");
	size_t i;
	const json_t *f;
	json_array_foreach (networks, i, f) {
		const char *id = ucf_mfinding_str(f, "key"), *name = ucf_mfinding_str(f, "name");
		if (!id || json_object_size(nmap) >= UCF_MAX_SITES)
			continue;
		json_object_set_new(nmap, id, json_string(name ? name : ""));
	}
	json_array_foreach (devices, i, f) {
		const char *serial = ucf_mfinding_str(f, "key"), *net = ucf_mfinding_str(f, "network_id");
		if (!serial || !net || json_object_size(dmap) >= 4 * (size_t)UCF_MAX_SITES)
			continue;
		json_object_set_new(dmap, serial, json_string(net));
	}
	return d;
}
