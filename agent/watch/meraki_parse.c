/* meraki_parse.c — one parser per Dashboard source. Each reads only the
 * fields it needs, each with its type checked, and builds the finding. */
#include "meraki_parse.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "alert.h"
#include "timefmt.h"

#define MAX_TEXT 512 /* longer free text is cut: alerts are read, not archives */

static const char *const source_names[UCF_MS_COUNT] = {
	"captures", "schedules", "apiRequests", "configurationChanges", "events", "eventTypes",
	"uplinkStatuses", "thirdPartyVPNPeers",
	"networks", "devices",
};

const struct ucf_capture_operation ucf_capture_operations[UCF_CAPTURE_OPERATION_COUNT] = {
	{ "createOrganizationDevicesPacketCaptureCapture", "started a packet capture", true, false },
	{ "bulkOrganizationDevicesPacketCaptureCapturesCreate",
	  "started packet captures on several devices", true, false },
	{ "createOrganizationDevicesPacketCaptureSchedule", "created a packet capture schedule", true,
	  true },
	{ "stopOrganizationDevicesPacketCaptureCapture", "stopped a packet capture", false, false },
	{ "deleteOrganizationDevicesPacketCaptureCapture", "deleted a packet capture", false, false },
	{ "bulkOrganizationDevicesPacketCaptureCapturesDelete", "deleted packet captures", false,
	  false },
	{ "generateOrganizationDevicesPacketCaptureCaptureDownloadUrl",
	  "generated a download URL for a packet capture", false, false },
	{ "updateOrganizationDevicesPacketCaptureSchedule", "updated a packet capture schedule", false,
	  true },
	{ "deleteOrganizationDevicesPacketCaptureSchedule", "deleted a packet capture schedule", false,
	  true },
	{ "reorderOrganizationDevicesPacketCaptureSchedules", "reordered the packet capture schedules",
	  false, true },
	/* beta (early access) */
	{ "bulkOrganizationDevicesPacketCaptureSchedulesDelete", "deleted packet capture schedules",
	  false, true },
	{ "tasksOrganizationDevicesPacketCapture", "queued an analysis of a packet capture", false,
	  false },
};

const struct ucf_capture_operation *ucf_capture_operation_find(const char *id)
{
	for (size_t i = 0; id && i < UCF_CAPTURE_OPERATION_COUNT; i++)
		if (strcmp(id, ucf_capture_operations[i].id) == 0)
			return &ucf_capture_operations[i];
	return NULL;
}

const char *ucf_msource_operation(enum ucf_msource s)
{
	static const char *const ops[UCF_MS_COUNT] = {
		"getOrganizationDevicesPacketCaptureCaptures",
		"getOrganizationDevicesPacketCaptureSchedules",
		"getOrganizationApiRequests",
		"getOrganizationConfigurationChanges",
		"getNetworkEvents",
		"getNetworkEventsEventTypes",
		"getOrganizationApplianceUplinkStatuses",
		"getOrganizationApplianceVpnThirdPartyVPNPeers",
		"getOrganizationNetworks",
		"getOrganizationDevices",
	};
	return (unsigned)s < UCF_MS_COUNT ? ops[s] : "unknown";
}

const char *ucf_msource_name(enum ucf_msource s)
{
	return (unsigned)s < UCF_MS_COUNT ? source_names[s] : "unknown";
}

int ucf_msource_parse(const char *name)
{
	for (int i = 0; i < UCF_MS_COUNT; i++)
		if (name && strcmp(name, source_names[i]) == 0)
			return i;
	return -1;
}

bool ucf_mtext_concerns_capture(const char *text)
{
	return text && (strcasestr(text, "capture") || strcasestr(text, "pcap"));
}

/* ---- field access --------------------------------------------------------- */

/* A string field, or an integer one in text form (ids are sometimes numbers). */
static const char *text_of(const json_t *obj, const char *key, char *buf, size_t buflen)
{
	const json_t *v = json_object_get(obj, key);
	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_integer(v)) {
		snprintf(buf, buflen, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return buf;
	}
	return NULL;
}

static const char *str(const json_t *obj, const char *key)
{
	const json_t *v = json_object_get(obj, key);
	return json_is_string(v) && *json_string_value(v) ? json_string_value(v) : NULL;
}

static int64_t time_of(const json_t *obj, const char *key)
{
	int64_t t;
	const char *s = str(obj, key);
	return s && ucf_time_parse(s, &t) == 0 ? t : INT64_MIN;
}

/* Sets details[key] to a (redacted, length-capped) copy of value when given. */
static void put(json_t *obj, const char *key, const char *value, int redact)
{
	if (!value)
		return;
	char *clean = redact ? ucf_redact(value, redact) : strdup(value);
	if (!clean)
		return;
	size_t len = strlen(clean);
	if (len > MAX_TEXT) {
		len = MAX_TEXT - 3;
		while (len > 0 && ((unsigned char)clean[len] & 0xC0) == 0x80)
			len--; /* never cut a UTF-8 sequence */
		memcpy(clean + len, "...", 4);
		len += 3;
	}
	json_t *v = json_stringn(clean, len);
	if (v)
		json_object_set_new(obj, key, v);
	free(clean);
}

static void put_int(json_t *obj, const char *key, const json_t *from, const char *field)
{
	const json_t *v = json_object_get(from, field);
	if (json_is_integer(v))
		json_object_set_new(obj, key, json_integer(json_integer_value(v)));
}

/* {out_id, "name"} from a nested object (network, admin, device). */
static json_t *pair(const json_t *from, const char *idk, const char *namek, const char *out_id)
{
	json_t *o = json_object();
	char buf[32];
	put(o, out_id, text_of(from, idk, buf, sizeof(buf)), UCF_REDACT_URIS);
	put(o, "name", str(from, namek), UCF_REDACT_URIS);
	return o;
}

static json_t *finding(enum ucf_msource src, bool schedule_topic, const char *key, int64_t ts)
{
	json_t *f = json_pack("{s:s, s:s, s:s, s:{}}", "source", source_names[src], "topic",
			      schedule_topic ? "schedule" : "capture", "key", key, "details");
	if (f && ts != INT64_MIN)
		json_object_set_new(f, "ts", json_integer(ts));
	return f;
}

/* A stable key for entries that have no id of their own: a digest of the
 * fields that identify them. */
static void digest_key(const char *const *parts, size_t n, char out[UCF_ALERT_ID_LEN])
{
	char canon[4096];
	size_t used = 0;
	for (size_t i = 0; i < n && used < sizeof(canon); i++)
		used += (size_t)snprintf(canon + used, sizeof(canon) - used, "%s\x1f",
					 parts[i] ? parts[i] : "");
	ucf_alert_id("meraki-entry", "", canon, out);
}

static void iso(json_t *details, const char *key, int64_t t)
{
	char buf[UCF_TIME_LEN];
	if (t == INT64_MIN)
		return;
	ucf_time_format(t, buf);
	json_object_set_new(details, key, json_string(buf));
}

/* ---- captures ------------------------------------------------------------- */

static json_t *capture_item(const json_t *it)
{
	char idbuf[32], sbuf[32];
	const char *id = text_of(it, "captureId", idbuf, sizeof(idbuf));
	if (!id || !*id)
		return NULL;
	int64_t ts = time_of(it, "startTs");
	json_t *f = finding(UCF_MS_CAPTURES, false, id, ts);
	json_t *d = json_object_get(f, "details");
	const json_t *net = json_object_get(it, "network"), *dev = json_object_get(it, "device"),
		     *adm = json_object_get(it, "admin");
	if (!json_is_object(dev)) { /* fall back on the first of devices[] */
		const json_t *first = json_array_get(json_object_get(it, "devices"), 0);
		dev = json_is_object(first) ? first : NULL;
	}
	put(d, "capture_id", id, 0);
	put(d, "name", str(it, "name"), UCF_REDACT_URIS | UCF_REDACT_NUMBERS);
	json_object_set_new(d, "network", pair(net, "id", "name", "id"));
	json_object_set_new(d, "device", pair(dev, "serial", "name", "serial"));
	json_object_set_new(d, "admin", pair(adm, "id", "name", "id"));
	put(d, "ports", str(it, "ports"), UCF_REDACT_URIS);
	put(d, "interface", str(it, "interface"), UCF_REDACT_URIS);
	put(d, "status", str(it, "status"), UCF_REDACT_URIS);
	put(d, "process", str(it, "process"), UCF_REDACT_URIS);
	put(d, "destination", str(it, "destination"), UCF_REDACT_URIS);
	put(d, "filter", str(it, "filterExpression"), UCF_REDACT_URIS | UCF_REDACT_NUMBERS);
	put_int(d, "duration_s", it, "duration");
	put(d, "started_at", str(it, "startTs"), UCF_REDACT_URIS);
	put(f, "admin_id", text_of(adm, "id", sbuf, sizeof(sbuf)), 0);
	put(f, "network_id", str(net, "id"), 0);
	put(f, "serial", str(dev, "serial"), 0);
	put(f, "status", str(it, "status"), 0);
	return f;
}

/* ---- schedules ------------------------------------------------------------ */

static json_t *schedule_item(const json_t *it)
{
	char idbuf[32], abuf[32];
	const char *id = text_of(it, "scheduleId", idbuf, sizeof(idbuf));
	if (!id || !*id)
		return NULL;
	int64_t created = time_of(it, "createdAt"), updated = time_of(it, "updatedAt");
	json_t *f = finding(UCF_MS_SCHEDULES, true, id, updated != INT64_MIN ? updated : created);
	json_t *d = json_object_get(f, "details");
	const json_t *adm = json_object_get(it, "admin"), *sched = json_object_get(it, "schedule");
	const json_t *en = json_object_get(it, "enabled");
	bool enabled = json_is_boolean(en) ? json_is_true(en) : true; /* unknown: assume on */
	put(d, "schedule_id", id, 0);
	put(d, "name", str(it, "name"), UCF_REDACT_URIS | UCF_REDACT_NUMBERS);
	put(d, "notes", str(it, "notes"), UCF_REDACT_URIS | UCF_REDACT_NUMBERS);
	json_object_set_new(d, "admin", pair(adm, "id", "name", "id"));
	put(d, "filter", str(it, "filterExpression"), UCF_REDACT_URIS | UCF_REDACT_NUMBERS);
	put_int(d, "duration_s", it, "duration");
	json_object_set_new(d, "enabled", json_boolean(enabled));
	put(d, "created_at", str(it, "createdAt"), UCF_REDACT_URIS);
	put(d, "updated_at", str(it, "updatedAt"), UCF_REDACT_URIS);
	put(d, "frequency", str(sched, "frequency"), UCF_REDACT_URIS);
	put(d, "next_capture_at", str(sched, "nextCaptureTs"), UCF_REDACT_URIS);
	json_t *devs = json_array(), *serials = json_array();
	size_t i;
	const json_t *entry;
	const char *first_serial = NULL;
	json_array_foreach (json_object_get(it, "devices"), i, entry) {
		const json_t *dev = json_object_get(entry, "device");
		if (!json_is_object(dev) || i >= 64)
			continue;
		json_t *o = json_object();
		put(o, "serial", str(dev, "serial"), UCF_REDACT_URIS);
		put(o, "switchports", str(dev, "switchports"), UCF_REDACT_URIS);
		put(o, "interface", str(dev, "interface"), UCF_REDACT_URIS);
		json_array_append_new(devs, o);
		if (!first_serial)
			first_serial = str(dev, "serial");
		if (str(dev, "serial"))
			json_array_append_new(serials, json_string(str(dev, "serial")));
	}
	json_object_set_new(d, "devices", devs);
	put(f, "admin_id", text_of(adm, "id", abuf, sizeof(abuf)), 0);
	/* Every device: the site is any of them (the watcher picks its own). */
	put(f, "serial", first_serial, 0);
	json_object_set_new(f, "serials", serials);
	json_object_set_new(f, "enabled", json_boolean(enabled));
	if (created != INT64_MIN)
		json_object_set_new(f, "created", json_integer(created));
	if (updated != INT64_MIN)
		json_object_set_new(f, "updated", json_integer(updated));
	return f;
}

/* ---- apiRequests ---------------------------------------------------------- */

static bool ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), t = strlen(tail);
	return n >= t && strcmp(s + n - t, tail) == 0;
}

/* An entry without an operationId: any change to a packetCapture resource
 * is one; what it did comes from the method and the path. */
static bool capture_path(const char *method, const char *path, const char **verb, bool *starts,
			 bool *schedule)
{
	if (!method || !path || strcasecmp(method, "GET") == 0 || !strcasestr(path, "packetCapture"))
		return false;
	char p[512];
	snprintf(p, sizeof(p), "%s", path);
	p[strcspn(p, "?")] = '\0';
	*schedule = strstr(p, "/schedules") != NULL;
	*starts = strcasecmp(method, "POST") == 0 &&
		  (ends_with(p, "/captures") || ends_with(p, "/bulkCreate") || ends_with(p, "/schedules"));
	*verb = *starts ? (*schedule ? "created a packet capture schedule" : "started a packet capture")
		: strcasecmp(method, "DELETE") == 0 || ends_with(p, "/bulkDelete")
			? (*schedule ? "deleted packet capture schedules" : "deleted packet captures")
		: ends_with(p, "/generate") ? "generated a download URL for a packet capture"
		: ends_with(p, "/stop")	    ? "stopped a packet capture"
		: *schedule		    ? "changed packet capture schedules"
					    : "changed packet captures";
	return true;
}

static json_t *api_request_item(const json_t *it)
{
	char abuf[32], cbuf[32];
	const char *op = str(it, "operationId"), *method = str(it, "method"),
		   *path = str(it, "path"), *verb;
	const struct ucf_capture_operation *known = ucf_capture_operation_find(op);
	bool starts, sched;
	if (known) {
		verb = known->verb;
		starts = known->starts;
		sched = known->schedule;
	} else if (op || !capture_path(method, path, &verb, &starts, &sched)) {
		return NULL;
	}
	const char *admin = text_of(it, "adminId", abuf, sizeof(abuf));
	const char *code = text_of(it, "responseCode", cbuf, sizeof(cbuf));
	const char *parts[] = { str(it, "ts"), admin, method, path, str(it, "sourceIp"), op, code,
				str(it, "userAgent") };
	char key[UCF_ALERT_ID_LEN];
	digest_key(parts, sizeof(parts) / sizeof(parts[0]), key);
	int64_t ts = time_of(it, "ts");
	json_t *f = finding(UCF_MS_API_REQUESTS, sched, key, ts);
	json_t *d = json_object_get(f, "details");
	put(d, "operation_id", op, UCF_REDACT_URIS);
	put(d, "action", verb, 0);
	put(d, "method", method, UCF_REDACT_URIS);
	put(d, "path", path, UCF_REDACT_URIS);
	put(d, "host", str(it, "host"), UCF_REDACT_URIS);
	put(d, "source_ip", str(it, "sourceIp"), UCF_REDACT_URIS);
	put(d, "user_agent", str(it, "userAgent"), UCF_REDACT_URIS);
	put_int(d, "response_code", it, "responseCode");
	put(d, "admin_id", admin, UCF_REDACT_URIS);
	iso(d, "at", ts);
	put(f, "admin_id", admin, 0);
	if (!starts)
		json_object_set_new(f, "follow_up", json_true());
	return f;
}

/* ---- configurationChanges ------------------------------------------------- */

static json_t *config_change_item(const json_t *it)
{
	char abuf[32];
	const char *label = str(it, "label"), *page = str(it, "page");
	if (!ucf_mtext_concerns_capture(label) && !ucf_mtext_concerns_capture(page))
		return NULL;
	const char *admin = text_of(it, "adminId", abuf, sizeof(abuf));
	const char *parts[] = { str(it, "ts"),		 admin, str(it, "networkId"), label, page,
				str(it, "oldValue"), str(it, "newValue") };
	char key[UCF_ALERT_ID_LEN];
	digest_key(parts, sizeof(parts) / sizeof(parts[0]), key);
	bool schedule = (label && strcasestr(label, "schedule")) ||
			(page && strcasestr(page, "schedule"));
	int64_t ts = time_of(it, "ts");
	json_t *f = finding(UCF_MS_CONFIG_CHANGES, schedule, key, ts);
	json_t *d = json_object_get(f, "details");
	/* oldValue/newValue stay out: free-form configuration, possibly personal. */
	put(d, "label", label, UCF_REDACT_URIS | UCF_REDACT_NUMBERS);
	put(d, "page", page, UCF_REDACT_URIS | UCF_REDACT_NUMBERS);
	json_t *adm = json_object();
	put(adm, "id", admin, UCF_REDACT_URIS);
	put(adm, "name", str(it, "adminName"), UCF_REDACT_URIS);
	json_object_set_new(d, "admin", adm);
	json_object_set_new(d, "network", pair(it, "networkId", "networkName", "id"));
	iso(d, "at", ts);
	put(f, "admin_id", admin, 0);
	put(f, "network_id", str(it, "networkId"), 0);
	return f;
}

/* ---- events --------------------------------------------------------------- */

static json_t *event_item(const json_t *it)
{
	const char *type = str(it, "type"), *desc = str(it, "description");
	if (!ucf_mtext_concerns_capture(type) && !ucf_mtext_concerns_capture(desc))
		return NULL;
	const char *parts[] = { str(it, "networkId"), str(it, "occurredAt"), type,
				str(it, "deviceSerial"), desc };
	char key[UCF_ALERT_ID_LEN];
	digest_key(parts, sizeof(parts) / sizeof(parts[0]), key);
	bool schedule = (type && strcasestr(type, "schedule")) ||
			(desc && strcasestr(desc, "schedule"));
	int64_t ts = time_of(it, "occurredAt");
	json_t *f = finding(UCF_MS_EVENTS, schedule, key, ts);
	json_t *d = json_object_get(f, "details");
	/* Client fields (MAC, description, IP) stay out: they describe people. */
	put(d, "type", type, UCF_REDACT_URIS);
	put(d, "description", desc, UCF_REDACT_URIS | UCF_REDACT_NUMBERS);
	put(d, "category", str(it, "category"), UCF_REDACT_URIS);
	put(d, "network_id", str(it, "networkId"), UCF_REDACT_URIS);
	json_object_set_new(d, "device", pair(it, "deviceSerial", "deviceName", "serial"));
	iso(d, "at", ts);
	put(f, "network_id", str(it, "networkId"), 0);
	put(f, "serial", str(it, "deviceSerial"), 0);
	return f;
}

/* ---- the directory -------------------------------------------------------- */

static bool id_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	return n > 0 && n <= 64 && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
					     "0123456789-_") == n;
}

/* The length of the UTF-8 control at p to blank in a name, else 0: C1
 * (U+0080-009F, NEL a newline), the line and paragraph separators
 * (U+2028-2029), the bidirectional marks, embeddings, overrides and
 * isolates (U+200E-200F, U+202A-202E, U+2066-2069) that make one name read
 * as another. */
static size_t unicode_control(const unsigned char *p)
{
	if (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)
		return 2;
	if (p[0] == 0xe2 && p[1] == 0x80 &&
	    (p[2] == 0x8e || p[2] == 0x8f || (p[2] >= 0xa8 && p[2] <= 0xae)))
		return 3;
	if (p[0] == 0xe2 && p[1] == 0x81 && p[2] >= 0xa6 && p[2] <= 0xa9)
		return 3;
	return 0;
}

/* A network's name is the site name a collector alerts with when no
 * meraki.sites entry names it: a person typed it, so it is redacted, cut
 * and stripped of control characters. */
static json_t *network_item(const json_t *it)
{
	const char *id = str(it, "id"), *name = str(it, "name");
	if (!id_ok(id))
		return NULL;
	char clean[64] = "";
	char *r = name ? ucf_redact(name, UCF_REDACT_URIS | UCF_REDACT_NUMBERS) : NULL;
	size_t n = 0;
	for (const unsigned char *p = (const unsigned char *)(r ? r : ""); *p && n < 63; p++) {
		size_t ctl = unicode_control(p);
		clean[n++] = *p < 0x20 || *p == 0x7f || ctl ? ' ' : (char)*p;
		p += ctl ? ctl - 1 : 0;
	}
	clean[n] = '\0';
	free(r);
	json_t *v = json_string(clean);
	for (int cut = 0; !v && cut < 3 && n > 0; cut++) { /* a UTF-8 sequence cut in two */
		clean[--n] = '\0';
		v = json_string(clean);
	}
	json_t *f = json_pack("{s:s, s:s}", "source", source_names[UCF_MS_NETWORKS], "key", id);
	if (f && v && clean[strspn(clean, " ")])
		json_object_set_new(f, "name", v);
	else
		json_decref(v);
	return f;
}

static json_t *device_item(const json_t *it)
{
	const char *serial = str(it, "serial"), *net = str(it, "networkId");
	if (!id_ok(serial) || !id_ok(net))
		return NULL;
	return json_pack("{s:s, s:s, s:s}", "source", source_names[UCF_MS_DEVICES], "key", serial,
			 "network_id", net);
}

/* ---- pages ---------------------------------------------------------------- */

static int api_error(const json_t *doc, char *err, size_t errlen)
{
	const json_t *errors = json_object_get(doc, "errors");
	const char *first = json_string_value(json_array_get(errors, 0));
	if (!json_is_array(errors))
		return 0;
	char *clean = ucf_redact(first ? first : "(no message)", UCF_REDACT_URIS);
	snprintf(err, errlen, "the API returned errors: %.200s", clean ? clean : "");
	free(clean);
	return -EINVAL;
}

static json_t *load(const char *body, size_t len, char *err, size_t errlen)
{
	json_error_t je;
	json_t *doc = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
	if (!doc)
		snprintf(err, errlen, "malformed JSON at line %d column %d: %s", je.line, je.column,
			 je.text);
	return doc;
}

int ucf_mparse_page(enum ucf_msource src, const char *body, size_t len, json_t *out,
		    size_t *skipped, int64_t *oldest, char *err, size_t errlen)
{
	/* event types and the peers' sources have parsers of their own */
	static const char *const wrapper[UCF_MS_COUNT] = { "items", "items", "items", "items",
							   "events", NULL, NULL, NULL, "items",
							   "items" };
	json_t *(*const item_fn[UCF_MS_COUNT])(const json_t *) = {
		capture_item, schedule_item, api_request_item, config_change_item, event_item, NULL,
		NULL, NULL, network_item, device_item,
	};
	if ((unsigned)src >= UCF_MS_COUNT || !item_fn[src]) {
		snprintf(err, errlen, "not a page source");
		return -EINVAL;
	}
	json_t *doc = load(body, len, err, errlen);
	if (!doc)
		return -EINVAL;
	json_t *items = json_is_array(doc) ? doc : json_object_get(doc, wrapper[src]);
	int rc = 0;
	if (!json_is_array(items)) {
		rc = api_error(doc, err, errlen);
		if (rc == 0) {
			snprintf(err, errlen, "%s: expected %s, got a JSON %s", source_names[src],
				 json_is_object(doc) ? "an 'items'/'events' array"
						     : "an object or an array",
				 json_is_object(doc) ? "object without it" : "scalar");
			rc = -EINVAL;
		}
		json_decref(doc);
		return rc;
	}
	size_t i, skip = 0;
	int64_t old = INT64_MAX;
	json_t *it, *found = json_array();
	json_array_foreach (items, i, it) {
		if (!json_is_object(it)) {
			skip++;
			continue;
		}
		int64_t t = time_of(it, src == UCF_MS_EVENTS ? "occurredAt" : "ts");
		if (t != INT64_MIN && t < old)
			old = t;
		json_t *f = item_fn[src](it);
		if (f)
			json_array_append_new(found, f);
		else
			skip++;
	}
	json_array_extend(out, found);
	json_decref(found);
	json_decref(doc);
	if (skipped)
		*skipped = skip;
	if (oldest)
		*oldest = old;
	return 0;
}

/* room: how many more out may take (the cap counts what earlier pages
 * appended too). */
static void peer_ip(const json_t *o, json_t *out, size_t *room, size_t *skip)
{
	const char *ip = str(o, "publicIp");
	if (ip && *ip && strlen(ip) <= 64 && *room > 0 &&
	    json_array_append_new(out, json_string(ip)) == 0)
		(*room)--;
	else
		(*skip)++;
}

int ucf_mparse_peers(enum ucf_msource src, const char *body, size_t len, json_t *out,
		     size_t *skipped, char *err, size_t errlen)
{
	if (src != UCF_MS_UPLINK_STATUSES && src != UCF_MS_VPN_PEERS) {
		snprintf(err, errlen, "not a peer source");
		return -EINVAL;
	}
	json_t *doc = load(body, len, err, errlen);
	if (!doc)
		return -EINVAL;
	const json_t *items = json_is_array(doc) ? doc
			      : json_object_get(doc, src == UCF_MS_VPN_PEERS ? "peers" : "items");
	if (!json_is_array(items)) {
		int rc = api_error(doc, err, errlen);
		if (rc == 0) {
			snprintf(err, errlen, "%s: expected %s", source_names[src],
				 src == UCF_MS_VPN_PEERS ? "a 'peers' array" : "an array");
			rc = -EINVAL;
		}
		json_decref(doc);
		return rc;
	}
	size_t i, skip = 0;
	size_t room = json_array_size(out) < UCF_MPARSE_PEERS_MAX
			      ? UCF_MPARSE_PEERS_MAX - json_array_size(out)
			      : 0;
	const json_t *it;
	json_t *found = json_array();
	json_array_foreach (items, i, it) {
		if (!json_is_object(it)) {
			skip++;
			continue;
		}
		if (src == UCF_MS_VPN_PEERS) {
			peer_ip(it, found, &room, &skip);
			continue;
		}
		const json_t *uplinks = json_object_get(it, "uplinks"), *u;
		size_t k;
		if (!json_is_array(uplinks)) {
			skip++;
			continue;
		}
		json_array_foreach (uplinks, k, u) {
			/* an uplink that is not connected has no public address */
			if (json_is_object(u) && json_is_string(json_object_get(u, "publicIp")))
				peer_ip(u, found, &room, &skip);
		}
	}
	json_array_extend(out, found);
	json_decref(found);
	json_decref(doc);
	if (skipped)
		*skipped = skip;
	return 0;
}

int ucf_mparse_event_types(const char *body, size_t len, json_t **types, char *err,
			   size_t errlen)
{
	json_t *doc = load(body, len, err, errlen);
	if (!doc)
		return -EINVAL;
	if (!json_is_array(doc)) {
		int rc = api_error(doc, err, errlen);
		if (rc == 0)
			snprintf(err, errlen, "eventTypes: expected an array");
		json_decref(doc);
		return -EINVAL;
	}
	json_t *out = json_array(), *it;
	size_t i;
	json_array_foreach (doc, i, it) {
		const char *type = str(it, "type");
		if (type && strlen(type) <= 128 &&
		    (ucf_mtext_concerns_capture(type) ||
		     ucf_mtext_concerns_capture(str(it, "description")) ||
		     ucf_mtext_concerns_capture(str(it, "category"))))
			json_array_append_new(out, json_string(type));
	}
	json_decref(doc);
	*types = out;
	return 0;
}

const char *ucf_mfinding_str(const json_t *f, const char *field)
{
	return json_string_value(json_object_get(f, field));
}

int64_t ucf_mfinding_ts(const json_t *f)
{
	const json_t *v = json_object_get(f, "ts");
	return json_is_integer(v) ? (int64_t)json_integer_value(v) : INT64_MIN;
}
