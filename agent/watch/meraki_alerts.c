/* meraki_alerts.c — what a person reads about a packet capture. */
#include "meraki_alerts.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "meraki_parse.h"

static const char *get(const json_t *d, const char *a, const char *b)
{
	const json_t *v = json_object_get(d, a);
	if (b)
		v = json_object_get(v, b);
	const char *s = json_string_value(v);
	return s && *s ? s : NULL;
}

static const char *or(const char *s, const char *dflt)
{
	return s ? s : dflt;
}

static const char *attach_key(enum ucf_msource s)
{
	switch (s) {
	case UCF_MS_API_REQUESTS: return "api_requests";
	case UCF_MS_CONFIG_CHANGES: return "configuration_changes";
	case UCF_MS_EVENTS: return "events";
	default: return "captures";
	}
}

/* What the attached API requests did: ": stopped a packet capture, deleted
 * a packet capture" (each operation named once), "" when none says. */
static void actions(const json_t *details, char *buf, size_t buflen)
{
	const json_t *list = json_object_get(details, "api_requests");
	size_t used = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < json_array_size(list) && used < buflen; i++) {
		const char *verb = get(json_array_get(list, i), "action", NULL);
		if (!verb || strstr(buf, verb))
			continue;
		int n = snprintf(buf + used, buflen - used, "%s%s", used ? ", " : ": ", verb);
		if (n < 0)
			break;
		used += (size_t)n;
	}
}

/* "; via API from 1.2.3.4 (curl/8.0): started a packet capture" when an API
 * request is attached. */
static void api_suffix(const json_t *details, char *buf, size_t buflen)
{
	const json_t *first = json_array_get(json_object_get(details, "api_requests"), 0);
	char did[256];
	buf[0] = '\0';
	actions(details, did, sizeof(did));
	if (first)
		snprintf(buf, buflen, "; via API from %s (%s)%s", or(get(first, "source_ip", NULL), "?"),
			 or(get(first, "user_agent", NULL), "no user agent"), did);
}

static void capture_summary(const json_t *d, char *buf, size_t buflen)
{
	char where[160], api[400];
	if (get(d, "ports", NULL))
		snprintf(where, sizeof(where), " ports %s", get(d, "ports", NULL));
	else if (get(d, "interface", NULL))
		snprintf(where, sizeof(where), " interface %s", get(d, "interface", NULL));
	else
		where[0] = '\0';
	api_suffix(d, api, sizeof(api));
	snprintf(buf, buflen, "Packet capture on %s (%s)%s in %s by %s, started %s, status %s%s",
		 or(get(d, "device", "name"), "device"), or(get(d, "device", "serial"), "serial ?"),
		 where, or(get(d, "network", "name"), or(get(d, "network", "id"), "network ?")),
		 or(get(d, "admin", "name"), or(get(d, "admin", "id"), "an unknown admin")),
		 or(get(d, "started_at", NULL), "at an unknown time"), or(get(d, "status", NULL), "?"),
		 api);
}

static void schedule_summary(const json_t *d, bool created, char *buf, size_t buflen)
{
	const json_t *devs = json_object_get(d, "devices");
	char api[400];
	api_suffix(d, api, sizeof(api));
	snprintf(buf, buflen, "Packet capture schedule '%s' %s by %s (%s, %zu device%s, next "
		 "capture %s)%s",
		 or(get(d, "name", NULL), or(get(d, "schedule_id", NULL), "?")),
		 created ? "created" : "enabled",
		 or(get(d, "admin", "name"), or(get(d, "admin", "id"), "an unknown admin")),
		 json_is_true(json_object_get(d, "enabled")) ? "enabled" : "disabled",
		 json_array_size(devs), json_array_size(devs) == 1 ? "" : "s",
		 or(get(d, "next_capture_at", NULL), "not scheduled"), api);
}

int ucf_malert_build(const struct ucf_mmerge *m, const json_t *lead, const json_t *attached,
		     const char *key, struct ucf_alert **out, char *err, size_t errlen)
{
	enum ucf_msource src = (enum ucf_msource)ucf_msource_parse(ucf_mfinding_str(lead, "source"));
	json_t *d = json_deep_copy(json_object_get(lead, "details"));
	json_t *sources = json_pack("[s]", ucf_msource_name(src));
	size_t i;
	const json_t *a;
	json_object_set_new(d, "organization_id", json_string(m->org));
	json_array_foreach (attached, i, a) {
		int as = ucf_msource_parse(ucf_mfinding_str(a, "source"));
		const char *k = attach_key((enum ucf_msource)as);
		json_t *list = json_object_get(d, k);
		if (!list) {
			list = json_array();
			json_object_set_new(d, k, list);
		}
		json_array_append_new(list, json_deep_copy(json_object_get(a, "details")));
		bool listed = false;
		size_t j;
		const json_t *s;
		json_array_foreach (sources, j, s)
			listed |= strcmp(json_string_value(s), ucf_msource_name((enum ucf_msource)as)) == 0;
		if (!listed)
			json_array_append_new(sources, json_string(ucf_msource_name((enum ucf_msource)as)));
	}
	json_object_set_new(d, "sources", sources);

	char summary[1024];
	const char *kind;
	enum ucf_severity sev = UCF_SEV_WARNING;
	const char *op, *who;
	switch (src) {
	case UCF_MS_CAPTURES: {
		kind = UCF_KIND_PACKET_CAPTURE;
		const char *process = get(d, "process", NULL);
		/* Captures Meraki starts by itself are worth knowing, not paging. */
		bool automatic = process && (strcmp(process, "automatic") == 0 ||
					     strcmp(process, "proactive") == 0 ||
					     strcmp(process, "dcb") == 0 ||
					     strcmp(process, "feedback") == 0);
		sev = automatic ? UCF_SEV_WARNING : UCF_SEV_CRITICAL;
		capture_summary(d, summary, sizeof(summary));
		break;
	}
	case UCF_MS_SCHEDULES: {
		kind = UCF_KIND_CAPTURE_SCHEDULE;
		bool enabled = json_is_true(json_object_get(d, "enabled"));
		bool created = strstr(key, "|new") != NULL;
		sev = enabled ? UCF_SEV_WARNING : UCF_SEV_INFO;
		schedule_summary(d, created, summary, sizeof(summary));
		break;
	}
	case UCF_MS_API_REQUESTS: {
		kind = UCF_KIND_CAPTURE_API_REQUEST;
		const json_t *code = json_object_get(d, "response_code");
		bool failed = json_is_integer(code) && json_integer_value(code) >= 400;
		bool follow_up = json_is_true(json_object_get(lead, "follow_up"));
		char also[256];
		actions(d, also, sizeof(also)); /* the other requests of the group */
		sev = failed ? UCF_SEV_INFO : UCF_SEV_WARNING;
		op = or(get(d, "operation_id", NULL), or(get(d, "path", NULL), "?"));
		snprintf(summary, sizeof(summary), "API request %s (%s) from %s (%s) by admin %s at %s, "
			 "HTTP %lld%s%s%s%s",
			 op, or(get(d, "action", NULL), "a packet capture operation"),
			 or(get(d, "source_ip", NULL), "?"),
			 or(get(d, "user_agent", NULL), "no user agent"), or(get(d, "admin_id", NULL), "?"),
			 or(get(d, "at", NULL), "an unknown time"),
			 json_is_integer(code) ? (long long)json_integer_value(code) : 0LL,
			 failed ? " (refused)" : "", also[0] ? "; the same admin also" : "", also,
			 follow_up ? "" : "; no packet capture of this site matched it");
		break;
	}
	case UCF_MS_CONFIG_CHANGES:
		kind = UCF_KIND_CAPTURE_CONFIG_CHANGE;
		who = or(get(d, "admin", "name"), or(get(d, "admin", "id"), "an unknown admin"));
		snprintf(summary, sizeof(summary), "Configuration change '%s' (%s) by %s in %s at %s",
			 or(get(d, "label", NULL), "?"), or(get(d, "page", NULL), "?"), who,
			 or(get(d, "network", "name"), or(get(d, "network", "id"), "the organization")),
			 or(get(d, "at", NULL), "an unknown time"));
		break;
	case UCF_MS_EVENTS:
		kind = UCF_KIND_CAPTURE_EVENT;
		snprintf(summary, sizeof(summary), "Network event %s (%s) in %s on %s at %s",
			 or(get(d, "type", NULL), "?"), or(get(d, "description", NULL), "?"),
			 or(get(d, "network_id", NULL), "?"),
			 or(get(d, "device", "name"), or(get(d, "device", "serial"), "no device")),
			 or(get(d, "at", NULL), "an unknown time"));
		break;
	default:
		json_decref(d);
		snprintf(err, errlen, "cannot alert on a finding from %s", ucf_msource_name(src));
		return -EINVAL;
	}
	/* A collector names the site of the finding's network (meraki_sites.h);
	 * the same finding gets the same id from every collector of the org. */
	const char *site = ucf_mfinding_str(lead, "site");
	return ucf_alert_new(out, site && *site ? site : m->site, kind, sev, m->now, key, summary, d,
			     err, errlen);
}
