/* confwarn.c — warnings about a valid site config. */
#include "confwarn.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grow.h"

__attribute__((format(printf, 5, 6)))
static int add(struct ucf_config_warnings *w, const struct ucf_config *cfg,
	       const struct ucf_pos *pos, const char *path, const char *fmt, ...)
{
	struct ucf_config_warning *grown =
		ucf_grow_array(w->items, NULL, w->count + 1, sizeof(*w->items), 0);
	if (!grown)
		return -ENOMEM;
	w->items = grown;
	struct ucf_config_warning *it = &w->items[w->count];
	*it = (struct ucf_config_warning){ .line = pos ? pos->line : 0,
					   .column = pos ? pos->column : 0 };
	va_list ap;
	va_start(ap, fmt);
	int n = vasprintf(&it->message, fmt, ap);
	va_end(ap);
	if (n < 0)
		it->message = NULL;
	it->file = strdup(cfg->source ? cfg->source : "");
	it->path = strdup(path);
	w->count++; /* even half-made, so that free releases what was made */
	return it->message && it->file && it->path ? 0 : -ENOMEM;
}

static size_t service_index(const struct ucf_config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->uc.services.count; i++)
		if (strcmp(cfg->uc.services.items[i], name) == 0)
			return i;
	return SIZE_MAX;
}

/* A cleartext service next to its encrypted counterpart: the phones can use
 * the encrypted one, and whatever still uses the cleartext one is exposed
 * to every packet capture (the risk ucfence exists to limit). */
static const struct {
	const char *clear, *secure, *what;
} clear_pairs[] = {
	{ "sip", "sip-tls", "SIP signalling (who calls whom, and SRTP keys sent in SDP)" },
	{ "sccp", "sccp-tls", "SCCP signalling (who calls whom, digits dialled)" },
	{ "tftp", "cucm-https", "phone configuration" },
	{ "cucm-http", "cucm-https", "phone configuration" },
	{ "cti", "cti-tls", "CTI call control and call events" },
	{ "phone-services", "phone-services-tls", "phone services and directory lookups" },
	{ "ldap", "ldaps", "directory lookups" },
	{ "ldap-gc", "ldaps-gc", "global catalog lookups" },
};

static int cleartext_beside_secure(const struct ucf_config *cfg, const struct ucf_catalog *cat,
				   struct ucf_config_warnings *w)
{
	(void)cat;
	for (size_t i = 0; i < cfg->uc.services.count; i++) {
		for (size_t k = 0; k < sizeof(clear_pairs) / sizeof(clear_pairs[0]); k++) {
			if (strcmp(cfg->uc.services.items[i], clear_pairs[k].clear) != 0 ||
			    service_index(cfg, clear_pairs[k].secure) == SIZE_MAX)
				continue;
			int rc = add(w, cfg, cfg->uc.services_pos ? &cfg->uc.services_pos[i] : NULL,
				     "uc.services",
				     "'%s' is enabled alongside '%s': %s over '%s' is readable by "
				     "anyone who captures packets; remove '%s' once every device uses '%s'",
				     clear_pairs[k].clear, clear_pairs[k].secure, clear_pairs[k].what,
				     clear_pairs[k].clear, clear_pairs[k].clear, clear_pairs[k].secure);
			if (rc < 0)
				return rc;
		}
	}
	return 0;
}

typedef int (*check_fn)(const struct ucf_config *cfg, const struct ucf_catalog *cat,
			struct ucf_config_warnings *w);

/* Every check, in the order their warnings are listed. */
/* Calls signalled only over TLS: the classifier reads no SDP, so say what
 * carries their media (a config where nothing would does not load). At the
 * first TLS signalling service listed. */
static int tls_only_media(const struct ucf_config *cfg, const struct ucf_catalog *cat,
			  struct ucf_config_warnings *w)
{
	char note[512];
	if (!ucf_config_tls_media_note(cfg, cat, note, sizeof(note)))
		return 0;
	size_t at = SIZE_MAX;
	for (size_t i = 0; i < cfg->uc.services.count && at == SIZE_MAX; i++) {
		const struct ucf_service *s = ucf_catalog_find(cat, cfg->uc.services.items[i]);
		if (s && s->signalling == UCF_SIGNALLING_TLS)
			at = i;
	}
	const struct ucf_pos *pos =
		cfg->uc.services_pos && at != SIZE_MAX ? &cfg->uc.services_pos[at] : NULL;
	return add(w, cfg, pos, "uc.media", "%s", note);
}

/* A destination list of the appliance with a prefix wider than /8 (IPv4)
 * or /16 (IPv6): the appliance's own traffic, which ucfence limits by
 * destination, could go to a large part of the internet (0.0.0.0/0 typed
 * for "the cloud" would undo the limit without any error). */
static int broad_appliance_destinations(const struct ucf_config *cfg,
					const struct ucf_catalog *cat, struct ucf_config_warnings *w)
{
	(void)cat;
	const struct {
		const char *path;
		const struct ucf_prefix_list *list;
	} lists[] = {
		{ "appliance.cloud", &cfg->appliance.cloud },
		{ "appliance.connectivity_checks", &cfg->appliance.connectivity_checks },
		{ "appliance.vpn_peers", &cfg->appliance.vpn_peers },
		{ "appliance.resolvers", &cfg->appliance.resolvers },
		{ "appliance.time_servers", &cfg->appliance.time_servers },
		{ "appliance.open.addresses", &cfg->appliance.open.addresses },
	};
	for (size_t l = 0; l < sizeof(lists) / sizeof(lists[0]); l++)
		for (size_t i = 0; i < lists[l].list->count; i++) {
			const struct ucf_prefix *p = &lists[l].list->items[i];
			unsigned widest = p->family == AF_INET ? 8 : 16;
			if (p->len >= widest)
				continue;
			char text[64];
			ucf_prefix_format(p, text, sizeof(text));
			int rc = add(w, cfg, NULL, lists[l].path,
				     "%s is wider than /%u: the appliance's traffic may go to a large "
				     "part of the internet",
				     text, widest);
			if (rc < 0)
				return rc;
		}
	return 0;
}

static const check_fn checks[] = {
	cleartext_beside_secure,
	tls_only_media,
	broad_appliance_destinations,
};

int ucf_config_warnings(const struct ucf_config *cfg, const struct ucf_catalog *cat,
			struct ucf_config_warnings *out, char *err, size_t errlen)
{
	*out = (struct ucf_config_warnings){ 0 };
	for (size_t i = 0; i < sizeof(checks) / sizeof(checks[0]); i++) {
		int rc = checks[i](cfg, cat, out);
		if (rc < 0) {
			ucf_config_warnings_free(out);
			snprintf(err, errlen, "%s: config warnings: %s", cfg->source ? cfg->source : "",
				 strerror(-rc));
			return rc;
		}
	}
	return 0;
}

void ucf_config_warnings_free(struct ucf_config_warnings *w)
{
	for (size_t i = 0; i < w->count; i++) {
		free(w->items[i].file);
		free(w->items[i].path);
		free(w->items[i].message);
	}
	free(w->items);
	*w = (struct ucf_config_warnings){ 0 };
}

void ucf_config_warning_format(const struct ucf_config_warning *w, char *buf, size_t buflen)
{
	if (w->line)
		snprintf(buf, buflen, "%s:%u:%u: warning: %s: %s", w->file, w->line, w->column,
			 w->path, w->message);
	else
		snprintf(buf, buflen, "%s: warning: %s: %s", w->file, w->path, w->message);
}
