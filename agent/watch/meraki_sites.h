/* meraki_sites.h — a collector's map from the organization's networks to
 * sites: the site an alert names is meraki.sites' entry for the finding's
 * network, else the network's name in the directory the collector reads
 * from the Dashboard (GET /organizations/{org}/networks, and
 * /organizations/{org}/devices for schedules, which name devices only),
 * else the network id (also when the Dashboard name spells a meraki.sites
 * name or the collector's site.name: another site's). The directory is a JSON object kept in the
 * watcher's state:
 *   {"at": UNIX, "networks": {id: name}, "devices": {serial: networkId}} */
#ifndef UCF_MERAKI_SITES_H
#define UCF_MERAKI_SITES_H

#include <jansson.h>
#include <stdbool.h>

#include "config.h"

/* The finding's network: its network_id, else (a schedule) the network of
 * the first of its devices the directory knows. NULL if none; a string
 * that is no network id (letters, digits, '-', '_', at most 64) is none. */
const char *ucf_msite_network(const json_t *directory, const json_t *finding);

/* The site name for a finding (valid while cfg, directory and finding
 * live), or NULL when it names no network (an organization-wide entry: the
 * collector alerts it under its own site.name). *unknown (may be NULL) is
 * set when the network is in neither meraki.sites nor the directory (the
 * network id is returned: the directory may be older than the network). */
const char *ucf_msite_of(const struct ucf_config *cfg, const json_t *directory,
			 const json_t *finding, bool *unknown);

/* Builds a directory from one read of the networks' and devices' pages
 * (findings of ucf_mparse_page); at most UCF_MAX_SITES networks and
 * 4 * UCF_MAX_SITES devices are kept. NULL on allocation failure. */
json_t *ucf_msite_directory(const json_t *networks, const json_t *devices, int64_t at);

#endif
