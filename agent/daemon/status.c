/* status.c — the status record and its JSON. One table lists every field
 * with its JSON path and type, in the order the JSON shows them; writing
 * and (strict) reading both walk it, so the two cannot drift apart. */
#include "status.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum kind {
	K_U32,
	K_U64,
	K_I64,
	K_BOOL,
	K_TEXT,   /* char[size] */
	K_PATH,   /* char *, owned */
	K_MODE,   /* enum ucf_mode, by its name */
	K_TIME,   /* time_t, as UTC "YYYY-MM-DDTHH:MM:SSZ" */
	K_IFLIST, /* struct ucf_ifname *, its count at aux */
	K_DROPS,  /* drops[], by reason name: {packets, bytes} */
	K_REFUSED /* learning.refused_by_reason[], by refusal name */
};

struct field {
	const char *path;
	enum kind kind;
	size_t off, aux; /* aux: K_TEXT's size, K_IFLIST's count */
};

#define AT(m) offsetof(struct ucf_status, m)
#define F(path, kind, m) { path, kind, AT(m), 0 }
#define TEXT(path, m) { path, K_TEXT, AT(m), sizeof(((struct ucf_status *)0)->m) }
#define IFLIST(path, m) { path, K_IFLIST, AT(m), AT(m##_count) }

static const struct field fields[] = {
	TEXT("site", site),
	F("mode", K_MODE, mode),
	F("uptime_s", K_I64, uptime_s),
	F("pid", K_I64, pid),
	IFLIST("interfaces.uc", interfaces.uc),
	IFLIST("interfaces.data", interfaces.data),
	TEXT("interfaces.appliance", interfaces.appliance),
	TEXT("interfaces.wan", interfaces.wan),
	TEXT("table_ownership", table_ownership),
	F("drops", K_DROPS, drops),
	F("media.active", K_U32, media.active),
	F("media.learned_total", K_U64, media.learned_total),
	F("media.batches", K_U64, media.batches),
	F("media.errors", K_U64, media.errors),
	F("media.latency_us.total", K_U64, media.latency.total),
	F("media.latency_us.sum", K_U64, media.latency.sum_us),
	F("media.latency_us.window", K_U32, media.latency.window),
	F("media.latency_us.median", K_U32, media.latency.median_us),
	F("media.latency_us.p99", K_U32, media.latency.p99_us),
	F("media.latency_us.max_window", K_U32, media.latency.max_window_us),
	F("media.latency_us.max", K_U32, media.latency.max_us),
	F("flows.active", K_U32, flows.active),
	F("flows.created", K_U64, flows.created),
	F("flows.evicted", K_U64, flows.evicted),
	F("flows.frames", K_U64, flows.frames),
	F("flows.malformed", K_U64, flows.malformed),
	F("streams.bytes", K_U64, streams.bytes),
	F("streams.bytes_peak", K_U64, streams.bytes_peak),
	F("streams.budget", K_U64, streams.budget),
	F("streams.evicted", K_U64, streams.evicted),
	F("streams.refused", K_U64, streams.refused),
	F("fragments.received", K_U64, fragments.received),
	F("fragments.reassembled", K_U64, fragments.reassembled),
	F("fragments.dropped", K_U64, fragments.dropped),
	F("fragments.evicted", K_U64, fragments.evicted),
	F("fragments.bytes", K_U64, fragments.bytes),
	F("fragments.budget", K_U64, fragments.budget),
	F("alerts.raised", K_U32, alerts.raised),
	F("alerts.failed", K_U32, alerts.failed),
	F("open_violation_windows", K_U32, open_violation_windows),
	F("config.path", K_PATH, config.path),
	F("config.loaded_at", K_TIME, config.loaded_at),
	F("config.reloads", K_U32, config.reloads),
	F("config.reload_failures", K_U32, config.reload_failures),
	TEXT("config.last_reload_error", config.last_reload_error),
	F("tamper.restores", K_U32, tamper.restores),
	F("meraki_enabled", K_BOOL, meraki_enabled),
	F("learning.announcements", K_U64, learning.announcements),
	F("learning.calls", K_U32, learning.calls),
	F("learning.refused", K_U64, learning.refused),
	F("learning.refused_by_reason", K_REFUSED, learning.refused_by_reason),
	F("verdicts.non_target", K_U64, verdicts.non_target),
	F("verdicts.blocked", K_U64, verdicts.blocked),
	F("verdicts.rate_limited", K_U64, verdicts.rate_limited),
	F("verdicts.held", K_U32, verdicts.held),
	F("verdicts.batches", K_U64, verdicts.batches),
	F("verdicts.errors", K_U64, verdicts.errors),
	F("limits.flows", K_U32, limits.flows),
	F("limits.media", K_U32, limits.media),
	F("limits.pinholes", K_U32, limits.pinholes),
	F("limits.media_per_host", K_U32, limits.media_per_host),
	F("limits.calls_per_host", K_U32, limits.calls_per_host),
	F("enforcement.violation_window_s", K_U64, enforcement.violation_window_s),
	F("upload.enabled", K_BOOL, upload.enabled),
	F("upload.counter_read", K_BOOL, upload.counter_read),
	F("upload.counter_bytes", K_U64, upload.counter_bytes),
	F("upload.rate_bps", K_U64, upload.rate_bps),
	F("upload.baseline_bps", K_U64, upload.baseline_bps),
	F("upload.threshold_bps", K_U64, upload.threshold_bps),
	F("upload.in_episode", K_BOOL, upload.in_episode),
	F("upload.episodes", K_U64, upload.episodes),
	F("upload.alerts", K_U64, upload.alerts),
	F("upload.correlated", K_U64, upload.correlated),
	F("webhook.configured", K_BOOL, webhook.configured),
	F("webhook.queued", K_U64, webhook.queued),
	F("webhook.delivered", K_U64, webhook.delivered),
	F("webhook.failures", K_U64, webhook.failures),
	F("webhook.dead", K_U64, webhook.dead),
	TEXT("webhook.last_error", webhook.last_error),
	F("appliance.vpn_peers.learning", K_BOOL, vpn_peers.learning),
	F("appliance.vpn_peers.configured", K_U32, vpn_peers.configured),
	F("appliance.vpn_peers.learned", K_U32, vpn_peers.learned),
	F("appliance.vpn_peers.refused", K_U64, vpn_peers.refused),
	F("appliance.vpn_peers.over_cap", K_U64, vpn_peers.over_cap),
	F("appliance.vpn_peers.last_fetch", K_I64, vpn_peers.last_fetch),
	F("appliance.vpn_peers.last_fetch_failed", K_BOOL, vpn_peers.last_fetch_failed),
	F("appliance.vpn_peers.fetch_failures", K_U64, vpn_peers.fetch_failures),
	F("appliance.open.hosts", K_U32, open.hosts),
	F("appliance.open.resolved", K_U32, open.resolved),
	F("appliance.open.resolve_failures", K_U64, open.resolve_failures),
	F("appliance.open.refused", K_U64, open.refused),
	F("alertmanager.peers", K_U32, alertmanager.peers),
	F("alertmanager.queued", K_U64, alertmanager.queued),
	F("alertmanager.delivered", K_U64, alertmanager.delivered),
	F("alertmanager.failures", K_U64, alertmanager.failures),
	F("alertmanager.dead", K_U64, alertmanager.dead),
};

#define TIME_FMT "%Y-%m-%dT%H:%M:%SZ"
#define PATH_MAX_LEN 256 /* the longest JSON path the table (and names) make */

static void *member(struct ucf_status *s, const struct field *f) { return (char *)s + f->off; }

static const void *cmember(const struct ucf_status *s, size_t off) { return (const char *)s + off; }

void ucf_status_clear(struct ucf_status *s)
{
	free(s->interfaces.uc);
	free(s->interfaces.data);
	free(s->config.path);
	memset(s, 0, sizeof(*s));
}

static struct ucf_ifname *copy_ifnames(const struct ucf_ifname *v, size_t n)
{
	if (n == 0)
		return NULL;
	struct ucf_ifname *c = calloc(n, sizeof(*c));
	if (c)
		memcpy(c, v, n * sizeof(*c));
	return c;
}

int ucf_status_set_config(struct ucf_status *s, const struct ucf_config *cfg, char *err,
			  size_t errlen)
{
	struct ucf_ifname *uc = copy_ifnames(cfg->interfaces.uc, cfg->interfaces.uc_count);
	struct ucf_ifname *data = copy_ifnames(cfg->interfaces.data, cfg->interfaces.data_count);
	char *path = strdup(cfg->source ? cfg->source : "");
	if ((!uc && cfg->interfaces.uc_count) || (!data && cfg->interfaces.data_count) || !path) {
		free(uc);
		free(data);
		free(path);
		snprintf(err, errlen, "out of memory for the status");
		return -ENOMEM;
	}
	snprintf(s->site, sizeof(s->site), "%s", cfg->site.name ? cfg->site.name : "");
	s->mode = cfg->site.mode;
	free(s->interfaces.uc);
	free(s->interfaces.data);
	free(s->config.path);
	s->interfaces.uc = uc;
	s->interfaces.uc_count = cfg->interfaces.uc_count;
	s->interfaces.data = data;
	s->interfaces.data_count = cfg->interfaces.data_count;
	snprintf(s->interfaces.appliance, sizeof(s->interfaces.appliance), "%s",
		 cfg->interfaces.appliance);
	snprintf(s->interfaces.wan, sizeof(s->interfaces.wan), "%s", cfg->interfaces.wan);
	s->config.path = path;
	s->meraki_enabled = cfg->meraki.enabled;
	return 0;
}

/* ---- writing -------------------------------------------------------------- */

/* The object a path's last component goes into, created as needed; *leaf
 * is that component. NULL without memory. */
static json_t *parent_of(json_t *root, const char *path, const char **leaf)
{
	json_t *o = root;
	const char *p = path, *dot;
	while ((dot = strchr(p, '.'))) {
		char key[PATH_MAX_LEN];
		snprintf(key, sizeof(key), "%.*s", (int)(dot - p), p);
		json_t *next = json_object_get(o, key);
		if (!next) {
			next = json_object();
			if (json_object_set_new(o, key, next) < 0)
				return NULL;
		}
		o = next;
		p = dot + 1;
	}
	*leaf = p;
	return o;
}

/* Counters past INT64_MAX (never reached) stay positive in JSON. */
static json_t *uint_json(uint64_t v) { return json_integer(v > INT64_MAX ? INT64_MAX : (json_int_t)v); }

static json_t *counter_pair(const struct ucf_status_counter *c)
{
	json_t *o = json_object();
	if (o && (json_object_set_new(o, "packets", uint_json(c->packets)) < 0 ||
		  json_object_set_new(o, "bytes", uint_json(c->bytes)) < 0)) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *field_json(const struct ucf_status *s, const struct field *f)
{
	const void *m = cmember(s, f->off);
	switch (f->kind) {
	case K_U32: return uint_json(*(const uint32_t *)m);
	case K_U64: return uint_json(*(const uint64_t *)m);
	case K_I64: return json_integer((json_int_t)*(const int64_t *)m);
	case K_BOOL: return json_boolean(*(const bool *)m);
	case K_TEXT: return json_string(m);
	case K_PATH: return json_string(*(char *const *)m ? *(char *const *)m : "");
	case K_MODE: return json_string(ucf_mode_name(*(const enum ucf_mode *)m));
	case K_TIME: {
		char text[32];
		struct tm tm;
		time_t t = *(const time_t *)m;
		if (!gmtime_r(&t, &tm) || strftime(text, sizeof(text), TIME_FMT, &tm) == 0)
			text[0] = '\0';
		return json_string(text);
	}
	case K_IFLIST: {
		const struct ucf_ifname *v = *(struct ucf_ifname *const *)m;
		size_t n = *(const size_t *)cmember(s, f->aux);
		json_t *a = json_array();
		for (size_t i = 0; a && i < n; i++)
			if (json_array_append_new(a, json_string(v[i].name)) < 0) {
				json_decref(a);
				a = NULL;
			}
		return a;
	}
	case K_DROPS: {
		json_t *o = json_object();
		for (int i = 0; o && s->drops_read && i < UCF_REASON_COUNT; i++)
			if (json_object_set_new(o, ucf_reason_name((enum ucf_reason)i),
						counter_pair(&s->drops[i])) < 0) {
				json_decref(o);
				o = NULL;
			}
		return o;
	}
	case K_REFUSED: {
		json_t *o = json_object();
		for (int i = 1; o && i < UCF_REFUSE_COUNT; i++)
			if (json_object_set_new(o, ucf_refusal_name((enum ucf_refusal)i),
						uint_json(s->learning.refused_by_reason[i])) < 0) {
				json_decref(o);
				o = NULL;
			}
		return o;
	}
	}
	return NULL;
}

json_t *ucf_status_to_json(const struct ucf_status *s)
{
	json_t *root = json_object();
	for (size_t i = 0; root && i < sizeof(fields) / sizeof(fields[0]); i++) {
		const char *leaf;
		json_t *parent = parent_of(root, fields[i].path, &leaf);
		/* set_new takes the value even when it fails: nothing leaks */
		if (!parent || json_object_set_new(parent, leaf, field_json(s, &fields[i])) < 0) {
			json_decref(root);
			root = NULL;
		}
	}
	return root;
}

/* ---- reading -------------------------------------------------------------- */

__attribute__((format(printf, 3, 4))) static int fail(char *err, size_t errlen, const char *fmt,
						      ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static const char *type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_INTEGER: return "an integer";
	case JSON_REAL: return "a real number";
	case JSON_TRUE:
	case JSON_FALSE: return "a boolean";
	case JSON_NULL: break;
	}
	return "null";
}

/* The value at a dotted path of objects; each missing or non-object step is
 * named as far as it goes ("media.latency_us is missing"). */
static int lookup(const json_t *root, const char *path, const json_t **out, char *err,
		  size_t errlen)
{
	const json_t *o = root;
	const char *p = path;
	for (;;) {
		const char *dot = strchr(p, '.');
		size_t klen = dot ? (size_t)(dot - p) : strlen(p);
		int upto = (int)(p - path + (ptrdiff_t)klen);
		char key[PATH_MAX_LEN];
		snprintf(key, sizeof(key), "%.*s", (int)klen, p);
		const json_t *v = json_object_get(o, key);
		if (!v)
			return fail(err, errlen, "%.*s is missing", upto, path);
		if (!dot) {
			*out = v;
			return 0;
		}
		if (!json_is_object(v))
			return fail(err, errlen, "%.*s: expected an object, not %s", upto, path,
				    type_name(v));
		o = v;
		p = dot + 1;
	}
}

static int expect(const json_t *v, json_type type, const char *want, const char *path, char *err,
		  size_t errlen)
{
	if (json_typeof(v) == type)
		return 0;
	return fail(err, errlen, "%s: expected %s, not %s", path, want, type_name(v));
}

static int read_int(const json_t *v, const char *path, json_int_t min, json_int_t max,
		    json_int_t *out, char *err, size_t errlen)
{
	int rc = expect(v, JSON_INTEGER, "an integer", path, err, errlen);
	if (rc < 0)
		return rc;
	json_int_t x = json_integer_value(v);
	if (x < min || x > max)
		return fail(err, errlen, "%s: %" JSON_INTEGER_FORMAT " is out of range", path, x);
	*out = x;
	return 0;
}

static int read_u64(const json_t *root, const char *path, uint64_t *out, char *err, size_t errlen)
{
	const json_t *v;
	json_int_t x;
	int rc = lookup(root, path, &v, err, errlen);
	if (rc == 0)
		rc = read_int(v, path, 0, INT64_MAX, &x, err, errlen);
	if (rc == 0)
		*out = (uint64_t)x;
	return rc;
}

static int read_text(const json_t *v, const char *path, char *dst, size_t size, char *err,
		     size_t errlen)
{
	int rc = expect(v, JSON_STRING, "a string", path, err, errlen);
	if (rc < 0)
		return rc;
	if (json_string_length(v) >= size)
		return fail(err, errlen, "%s: too long (at most %zu bytes)", path, size - 1);
	memcpy(dst, json_string_value(v), json_string_length(v) + 1);
	return 0;
}

static int read_ifnames(const json_t *v, const char *path, struct ucf_ifname **out, size_t *count,
			char *err, size_t errlen)
{
	int rc = expect(v, JSON_ARRAY, "an array", path, err, errlen);
	if (rc < 0)
		return rc;
	size_t n = json_array_size(v);
	if (n == 0)
		return 0;
	*out = calloc(n, sizeof(**out));
	if (!*out) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -ENOMEM;
	}
	*count = n; /* the array is freed by clear also when an element is refused */
	for (size_t i = 0; i < n; i++) {
		char p[PATH_MAX_LEN];
		snprintf(p, sizeof(p), "%s[%zu]", path, i);
		rc = read_text(json_array_get(v, i), p, (*out)[i].name, sizeof((*out)[i].name), err,
			       errlen);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int read_drops(const json_t *root, const json_t *v, const char *path,
		      struct ucf_status *s, char *err, size_t errlen)
{
	int rc = expect(v, JSON_OBJECT, "an object", path, err, errlen);
	if (rc < 0 || json_object_size(v) == 0)
		return rc; /* empty: the agent could not read the kernel's counters */
	for (int i = 0; rc == 0 && i < UCF_REASON_COUNT; i++) {
		char p[PATH_MAX_LEN];
		const char *name = ucf_reason_name((enum ucf_reason)i);
		snprintf(p, sizeof(p), "%s.%s.packets", path, name);
		rc = read_u64(root, p, &s->drops[i].packets, err, errlen);
		snprintf(p, sizeof(p), "%s.%s.bytes", path, name);
		if (rc == 0)
			rc = read_u64(root, p, &s->drops[i].bytes, err, errlen);
	}
	s->drops_read = rc == 0;
	return rc;
}

static int read_field(const json_t *root, const struct field *f, struct ucf_status *s, char *err,
		      size_t errlen)
{
	const json_t *v;
	json_int_t x;
	int rc = lookup(root, f->path, &v, err, errlen);
	if (rc < 0)
		return rc;
	void *m = member(s, f);
	switch (f->kind) {
	case K_U32:
		rc = read_int(v, f->path, 0, UINT32_MAX, &x, err, errlen);
		if (rc == 0)
			*(uint32_t *)m = (uint32_t)x;
		return rc;
	case K_U64: return read_u64(root, f->path, m, err, errlen);
	case K_I64:
		rc = read_int(v, f->path, INT64_MIN, INT64_MAX, &x, err, errlen);
		if (rc == 0)
			*(int64_t *)m = x;
		return rc;
	case K_BOOL:
		if (!json_is_boolean(v))
			return fail(err, errlen, "%s: expected a boolean, not %s", f->path,
				    type_name(v));
		*(bool *)m = json_is_true(v);
		return 0;
	case K_TEXT: return read_text(v, f->path, m, f->aux, err, errlen);
	case K_PATH:
		rc = expect(v, JSON_STRING, "a string", f->path, err, errlen);
		if (rc == 0 && !(*(char **)m = strdup(json_string_value(v)))) {
			snprintf(err, errlen, "%s: out of memory", f->path);
			rc = -ENOMEM;
		}
		return rc;
	case K_MODE: {
		static const enum ucf_mode modes[] = { UCF_MODE_CONCENTRATOR, UCF_MODE_APPLIANCE };
		rc = expect(v, JSON_STRING, "a string", f->path, err, errlen);
		for (size_t i = 0; rc == 0 && i < sizeof(modes) / sizeof(modes[0]); i++)
			if (strcmp(json_string_value(v), ucf_mode_name(modes[i])) == 0) {
				*(enum ucf_mode *)m = modes[i];
				return 0;
			}
		return rc < 0 ? rc
			      : fail(err, errlen, "%s: '%.32s' is not a mode", f->path,
				     json_string_value(v));
	}
	case K_TIME: {
		rc = expect(v, JSON_STRING, "a string", f->path, err, errlen);
		if (rc < 0)
			return rc;
		struct tm tm;
		memset(&tm, 0, sizeof(tm));
		const char *end = strptime(json_string_value(v), TIME_FMT, &tm);
		if (!end || *end)
			return fail(err, errlen, "%s: '%.32s' is not a time (%s)", f->path,
				    json_string_value(v), "YYYY-MM-DDTHH:MM:SSZ");
		*(time_t *)m = timegm(&tm);
		return 0;
	}
	case K_IFLIST:
		return read_ifnames(v, f->path, m, (size_t *)((char *)s + f->aux), err, errlen);
	case K_DROPS: return read_drops(root, v, f->path, s, err, errlen);
	case K_REFUSED:
		rc = expect(v, JSON_OBJECT, "an object", f->path, err, errlen);
		for (int i = 1; rc == 0 && i < UCF_REFUSE_COUNT; i++) {
			char p[PATH_MAX_LEN];
			snprintf(p, sizeof(p), "%s.%s", f->path,
				 ucf_refusal_name((enum ucf_refusal)i));
			rc = read_u64(root, p, &s->learning.refused_by_reason[i], err, errlen);
		}
		return rc;
	}
	return fail(err, errlen, "%s: unknown field", f->path);
}

int ucf_status_from_json(const json_t *j, struct ucf_status *s, char *err, size_t errlen)
{
	memset(s, 0, sizeof(*s));
	if (!j)
		return fail(err, errlen, "the status: nothing to read");
	if (!json_is_object(j))
		return fail(err, errlen, "the status: expected an object, not %s", type_name(j));
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		int rc = read_field(j, &fields[i], s, err, errlen);
		if (rc < 0)
			return rc;
	}
	return 0;
}
