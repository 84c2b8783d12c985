/* urlpolicy.h — where the Dashboard API key may go. The API names other URLs
 * (pagination Links, redirects to shard hosts); ucfence follows them as given
 * but sends the key only to:
 *   - https URLs whose host is the base host, or shares its registrable
 *     domain (api.meraki.com -> n42.meraki.com, per the public suffix list),
 *     on the base URL's port;
 *   - when the base host is an IP address or a single label (localhost),
 *     exactly that host and port;
 *   - plain http only when base_url itself is http to a loopback host (tests),
 *     and then only that same host and port;
 *   - never to a host name longer than DNS allows (253 characters, labels of
 *     at most 63). */
#ifndef UCF_URLPOLICY_H
#define UCF_URLPOLICY_H

#include <stdbool.h>

bool ucf_key_allowed(const char *base_url, const char *url);
/* Resolves ref (absolute or relative) against the URL it came from; 0 and a
 * malloc'd absolute http(s) URL, or -EINVAL (also for http from https). */
int ucf_url_resolve(const char *from, const char *ref, char **out);

#endif
