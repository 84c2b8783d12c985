/* alert.c — the alert object: ids, construction, JSON form. */
#include "alert.h"

#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "timefmt.h"

static const char *const severity_names[] = { "info", "warning", "critical" };

const char *ucf_severity_name(enum ucf_severity s)
{
	return (unsigned)s < 3 ? severity_names[s] : "info";
}

int ucf_severity_parse(const char *name, enum ucf_severity *out)
{
	for (int i = 0; i < 3; i++) {
		if (name && strcmp(name, severity_names[i]) == 0) {
			*out = (enum ucf_severity)i;
			return 0;
		}
	}
	return -EINVAL;
}

void ucf_alert_id(const char *kind, const char *site, const char *key,
		  char id[UCF_ALERT_ID_LEN])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	const char *parts[] = { kind, site, key };
	bool ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	for (size_t i = 0; ok && i < 3; i++)
		ok = EVP_DigestUpdate(ctx, parts[i] ? parts[i] : "", strlen(parts[i] ? parts[i] : "") + 1);
	ok = ok && EVP_DigestFinal_ex(ctx, md, &mdlen) && mdlen >= 16;
	EVP_MD_CTX_free(ctx);
	if (!ok) /* only on allocation failure inside libcrypto */
		memset(md, 0, 16);
	for (int i = 0; i < 16; i++)
		snprintf(id + 2 * i, 3, "%02x", md[i]);
}

void ucf_alert_free(struct ucf_alert *a)
{
	if (!a)
		return;
	free(a->site);
	free(a->kind);
	free(a->summary);
	json_decref(a->details);
	free(a);
}

/* Redacts every string in a JSON value in place. */
static int redact_json(json_t *v)
{
	if (json_is_string(v)) {
		char *clean = ucf_redact(json_string_value(v), UCF_REDACT_URIS);
		if (!clean)
			return -ENOMEM;
		int rc = strcmp(clean, json_string_value(v)) == 0 ? 0 : json_string_set(v, clean);
		free(clean);
		return rc < 0 ? -ENOMEM : 0;
	}
	if (json_is_object(v)) {
		const char *k;
		json_t *m;
		json_object_foreach (v, k, m)
			if (redact_json(m) < 0)
				return -ENOMEM;
	} else if (json_is_array(v)) {
		size_t i;
		json_t *m;
		json_array_foreach (v, i, m)
			if (redact_json(m) < 0)
				return -ENOMEM;
	}
	return 0;
}

static bool kind_valid(const char *kind)
{
	size_t len = kind ? strlen(kind) : 0;
	return len > 0 && len <= 64 && strspn(kind, "abcdefghijklmnopqrstuvwxyz0123456789-") == len;
}

int ucf_alert_new(struct ucf_alert **out, const char *site, const char *kind,
		  enum ucf_severity severity, int64_t time, const char *key, const char *summary,
		  json_t *details, char *err, size_t errlen)
{
	if (!details)
		details = json_object();
	if (!site || !*site || !kind_valid(kind) || !summary || !key || !json_is_object(details) ||
	    (unsigned)severity > UCF_SEV_CRITICAL) {
		json_decref(details);
		snprintf(err, errlen, "invalid alert (kind '%s')", kind ? kind : "");
		return -EINVAL;
	}
	struct ucf_alert *a = calloc(1, sizeof(*a));
	if (!a || !(a->site = strdup(site)) || !(a->kind = strdup(kind)) ||
	    !(a->summary = ucf_redact(summary, UCF_REDACT_URIS)) || redact_json(details) < 0) {
		if (a)
			a->details = details;
		else
			json_decref(details);
		ucf_alert_free(a);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	a->details = details;
	a->severity = severity;
	a->time = time;
	for (char *p = a->summary; *p; p++) /* one line, always */
		if (*p == '\n' || *p == '\r' || *p == '\t')
			*p = ' ';
	ucf_alert_id(kind, site, key, a->id);
	*out = a;
	return 0;
}

json_t *ucf_alert_to_json(const struct ucf_alert *a)
{
	char when[UCF_TIME_LEN];
	ucf_time_format(a->time, when);
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:O}", "id", a->id, "time", when, "site",
			 a->site, "severity", ucf_severity_name(a->severity), "kind", a->kind,
			 "summary", a->summary, "details", a->details);
}

int ucf_alert_from_json(const json_t *obj, struct ucf_alert **out, char *err, size_t errlen)
{
	const char *id, *when, *site, *sev, *kind, *summary;
	json_t *details;
	json_error_t je;
	if (json_unpack_ex((json_t *)obj, &je, JSON_STRICT, "{s:s, s:s, s:s, s:s, s:s, s:s, s:o}",
			   "id", &id, "time", &when, "site", &site, "severity", &sev, "kind",
			   &kind, "summary", &summary, "details", &details) < 0) {
		snprintf(err, errlen, "not an alert: %s", je.text);
		return -EINVAL;
	}
	enum ucf_severity severity;
	int64_t t;
	if (strlen(id) != 32 || strspn(id, "0123456789abcdef") != 32 ||
	    ucf_time_parse(when, &t) < 0 || ucf_severity_parse(sev, &severity) < 0 ||
	    !kind_valid(kind) || !json_is_object(details) || !*site) {
		snprintf(err, errlen, "not an alert: bad id, time, severity, kind or details");
		return -EINVAL;
	}
	struct ucf_alert *a = calloc(1, sizeof(*a));
	if (!a || !(a->site = strdup(site)) || !(a->kind = strdup(kind)) ||
	    !(a->summary = strdup(summary))) {
		ucf_alert_free(a);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	memcpy(a->id, id, UCF_ALERT_ID_LEN);
	a->time = t;
	a->severity = severity;
	a->details = json_incref(details);
	*out = a;
	return 0;
}

int ucf_alert_format_line(const struct ucf_alert *a, char *buf, size_t buflen)
{
	char when[UCF_TIME_LEN];
	ucf_time_format(a->time, when);
	return snprintf(buf, buflen, "%s %-8s %s: %s", when, ucf_severity_name(a->severity),
			a->kind, a->summary);
}
