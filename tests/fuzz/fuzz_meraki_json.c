/* libFuzzer target: the Dashboard API's JSON as the watcher handles it. The
 * first byte picks the source (captures, schedules, apiRequests,
 * configurationChanges, events, eventTypes); the rest is the response body.
 * Whatever parses is merged against a fresh state and turned into alerts,
 * twice (the second pass must raise nothing new), and every alert must
 * survive its own JSON form. Seeds: the OpenAPI examples. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "alert.h"
#include "meraki_merge.h"
#include "meraki_parse.h"

/* Every string is already free of what the privacy filter removes. */
static void check_clean(const json_t *v)
{
	if (json_is_string(v)) {
		char *clean = ucf_redact(json_string_value(v), UCF_REDACT_URIS);
		if (!clean || strcmp(clean, json_string_value(v)) != 0)
			abort();
		free(clean);
	}
	const char *k;
	size_t i;
	const json_t *m;
	if (json_is_object(v))
		json_object_foreach ((json_t *)v, k, m)
			check_clean(m);
	if (json_is_array(v))
		json_array_foreach (v, i, m)
			check_clean(m);
}

static void check_alert(const struct ucf_alert *a)
{
	char err[256];
	struct ucf_alert *back = NULL;
	json_t *obj = ucf_alert_to_json(a);
	if (!obj || ucf_alert_from_json(obj, &back, err, sizeof(err)) < 0 ||
	    strcmp(back->id, a->id) != 0 || strcmp(back->summary, a->summary) != 0)
		abort();
	check_clean(obj); /* no SIP URI leaves in an alert */
	ucf_alert_free(back);
	json_decref(obj);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	enum ucf_msource src = (enum ucf_msource)(data[0] % UCF_MS_COUNT);
	const char *body = (const char *)data + 1;
	size_t len = size - 1;
	char err[512];
	if (src == UCF_MS_EVENT_TYPES) {
		json_t *types = NULL;
		if (ucf_mparse_event_types(body, len, &types, err, sizeof(err)) == 0) {
			if (!json_is_array(types))
				abort();
			json_decref(types);
		} else if (!err[0]) {
			abort(); /* every failure says why */
		}
		return 0;
	}
	json_t *findings = json_array();
	size_t skipped = 0;
	int64_t oldest = 0;
	err[0] = '\0';
	if (ucf_mparse_page(src, body, len, findings, &skipped, &oldest, err, sizeof(err)) < 0) {
		if (!err[0] || json_array_size(findings) != 0)
			abort();
		json_decref(findings);
		return 0;
	}
	json_t *state = ucf_mstate_new("549236");
	struct ucf_mmerge m = { .site = "fuzz-site", .org = "549236", .now = 1700000000,
				.window = 300, .keep = 172800,
				.primaries_complete = true };
	for (int i = 0; i < UCF_MS_COUNT; i++)
		m.horizon[i] = 1600000000;
	for (int pass = 0; pass < 2; pass++) {
		struct ucf_alert_list out = { 0 };
		if (ucf_mmerge(state, &m, findings, &out, NULL, NULL, err, sizeof(err)) < 0)
			abort();
		if (pass == 1 && out.count != 0) {
			/* Held entries may come out once the window passes, never twice. */
			for (size_t i = 0; i < out.count; i++)
				if (strcmp(out.items[i]->kind, UCF_KIND_PACKET_CAPTURE) == 0 ||
				    strcmp(out.items[i]->kind, UCF_KIND_CAPTURE_SCHEDULE) == 0)
					abort();
		}
		for (size_t i = 0; i < out.count; i++)
			check_alert(out.items[i]);
		ucf_alert_list_free(&out);
		m.now += 3600; /* the second pass: past every correlation window */
	}
	json_decref(state);
	json_decref(findings);
	return 0;
}
