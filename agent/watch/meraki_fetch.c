/* meraki_fetch.c — paging, retries and the call budget for one source. */
#include "meraki_fetch.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert.h"
#include "grow.h"
#include "linkhdr.h"
#include "timefmt.h"
#include "urlpolicy.h"

struct ucf_mfetch {
	const struct ucf_config *cfg;
	const char *key;
	struct ucf_reactor *r;
	struct ucf_http *h;
	struct ucf_http_call *call;
	struct ucf_timer wait;
	uint64_t next_call_ms, spacing_ms;
	bool active;
	struct ucf_mjob job;
	char *url;
	unsigned attempts, throttles, redirects;
	struct ucf_mjob_result res;
	ucf_mfetch_done_fn done;
	void *ctx;
	ucf_mfetch_note_fn note;
	void *note_ctx;
};

/* ---- URLs ----------------------------------------------------------------- */

struct buf {
	char *s;
	size_t len, cap;
	bool failed;
};

static void add(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	for (;;) {
		va_start(ap, fmt);
		int n = vsnprintf(b->s ? b->s + b->len : NULL, b->s ? b->cap - b->len : 0, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->failed = true;
			return;
		}
		if (b->s && b->len + (size_t)n < b->cap) {
			b->len += (size_t)n;
			return;
		}
		if (UCF_GROW(b->s, b->cap, b->len + (size_t)n + 1, 256) < 0) {
			b->failed = true;
			return;
		}
	}
}

/* "&name%5B%5D=value" (array parameters as name[]=v, URL-encoded). */
static void param(struct buf *b, const char *name, bool array, const char *value)
{
	char *v = curl_easy_escape(NULL, value, 0);
	if (!v) {
		b->failed = true;
		return;
	}
	add(b, "%c%s%s=%s", memchr(b->s, '?', b->len) ? '&' : '?', name, array ? "%5B%5D" : "", v);
	curl_free(v);
}

static void time_param(struct buf *b, int64_t t)
{
	char when[UCF_TIME_LEN];
	ucf_time_format(t, when);
	param(b, "t0", false, when);
}

static void per_page(struct buf *b, const struct ucf_config *cfg, unsigned max)
{
	char n[16];
	snprintf(n, sizeof(n), "%u", cfg->meraki.per_page < max ? cfg->meraki.per_page : max);
	param(b, "perPage", false, n);
}

char *ucf_mfetch_url(const struct ucf_config *cfg, const struct ucf_mjob *job)
{
	struct buf b = { 0 };
	const char *base = cfg->meraki.base_url;
	size_t blen = strlen(base);
	while (blen && base[blen - 1] == '/')
		blen--;
	char *org = curl_easy_escape(NULL, cfg->meraki.organization_id, 0);
	char *net = job->network ? curl_easy_escape(NULL, job->network, 0) : NULL;
	const struct ucf_string_list *nets = &cfg->meraki.network_ids, *serials = &cfg->meraki.serials;
	add(&b, "%.*s", (int)blen, base);
	switch (job->source) {
	case UCF_MS_CAPTURES:
		add(&b, "/organizations/%s/devices/packetCapture/captures", org);
		per_page(&b, cfg, 100);
		time_param(&b, job->t0);
		/* networkIds and serials together would AND on the server: ask for
		 * the networks when given, else the devices; both are checked here. */
		for (size_t i = 0; i < nets->count; i++)
			param(&b, "networkIds", true, nets->items[i]);
		for (size_t i = 0; !nets->count && i < serials->count; i++)
			param(&b, "serials", true, serials->items[i]);
		break;
	case UCF_MS_SCHEDULES:
		add(&b, "/organizations/%s/devices/packetCapture/schedules", org);
		for (size_t i = 0; i < nets->count; i++)
			param(&b, "networkIds", true, nets->items[i]);
		break;
	case UCF_MS_API_REQUESTS:
		add(&b, "/organizations/%s/apiRequests", org);
		per_page(&b, cfg, 1000);
		time_param(&b, job->t0);
		for (size_t i = 0; i < UCF_CAPTURE_OPERATION_COUNT; i++)
			param(&b, "operationIds", true, ucf_capture_operations[i].id);
		break;
	case UCF_MS_CONFIG_CHANGES:
		add(&b, "/organizations/%s/configurationChanges", org);
		per_page(&b, cfg, 5000);
		time_param(&b, job->t0);
		break;
	case UCF_MS_EVENTS: {
		add(&b, "/networks/%s/events", net ? net : "");
		param(&b, "productType", false, "appliance");
		per_page(&b, cfg, 1000);
		size_t i;
		const json_t *t;
		json_array_foreach (job->types, i, t)
			param(&b, "includedEventTypes", true, json_string_value(t));
		break;
	}
	case UCF_MS_EVENT_TYPES:
		add(&b, "/networks/%s/events/eventTypes", net ? net : "");
		break;
	case UCF_MS_UPLINK_STATUSES:
		/* every appliance of the organization: each is an AutoVPN peer */
		add(&b, "/organizations/%s/appliance/uplink/statuses", org);
		per_page(&b, cfg, 1000);
		break;
	case UCF_MS_VPN_PEERS:
		add(&b, "/organizations/%s/appliance/vpn/thirdPartyVPNPeers", org);
		break;
	case UCF_MS_NETWORKS:
		/* the directory: the most the API gives a page (devices' maximum) */
		add(&b, "/organizations/%s/networks", org);
		add(&b, "?perPage=1000");
		break;
	case UCF_MS_DEVICES:
		add(&b, "/organizations/%s/devices", org);
		add(&b, "?perPage=1000");
		break;
	default:
		b.failed = true;
	}
	curl_free(org);
	curl_free(net);
	if (b.failed || !org) {
		free(b.s);
		return NULL;
	}
	return b.s;
}

/* ---- the request cycle ---------------------------------------------------- */

int ucf_mfetch_new(struct ucf_mfetch **out, const struct ucf_config *cfg, const char *key,
		   struct ucf_reactor *r, struct ucf_http *h, ucf_mfetch_note_fn note,
		   void *note_ctx, char *err, size_t errlen)
{
	static const uint64_t unit_ms[] = { 1000, 60000, 3600000, 86400000 };
	struct ucf_mfetch *f = calloc(1, sizeof(*f));
	if (!f) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	f->cfg = cfg;
	f->key = key;
	f->r = r;
	f->h = h;
	f->note = note;
	f->note_ctx = note_ctx;
	/* Calls are spaced evenly: a budget of N per unit never bursts. */
	f->spacing_ms = unit_ms[cfg->meraki.call_budget.unit] /
			(cfg->meraki.call_budget.count ? cfg->meraki.call_budget.count : 1);
	*out = f;
	return 0;
}

static void reset_job(struct ucf_mfetch *f)
{
	json_decref(f->res.findings);
	json_decref(f->res.types);
	free(f->url);
	f->url = NULL;
	memset(&f->res, 0, sizeof(f->res));
}

void ucf_mfetch_free(struct ucf_mfetch *f)
{
	if (!f)
		return;
	if (f->call)
		ucf_http_cancel(f->h, f->call);
	ucf_timer_cancel(f->r, &f->wait);
	reset_job(f);
	free(f);
}

static void finish(struct ucf_mfetch *f, enum ucf_mjob_outcome outcome, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void finish(struct ucf_mfetch *f, enum ucf_mjob_outcome outcome, const char *fmt, ...)
{
	f->res.outcome = outcome;
	if (fmt) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(f->res.error, sizeof(f->res.error), fmt, ap);
		va_end(ap);
	}
	f->active = false;
	f->done(f->ctx, &f->res);
}

static void send_request(struct ucf_mfetch *f);

static void on_wait(void *ctx)
{
	send_request(ctx);
}

/* A request that may succeed if tried again later. */
static void transient(struct ucf_mfetch *f, const char *what)
{
	if (++f->attempts > UCF_MFETCH_RETRIES) {
		finish(f, UCF_MJOB_TRANSIENT, "%s: %s (gave up after %u attempts)",
		       ucf_msource_name(f->job.source), what, f->attempts);
		return;
	}
	/* Exponential backoff with jitter: [d/2, d], d = 1 s, 2 s, 4 s... */
	if (f->note) {
		char msg[512];
		snprintf(msg, sizeof(msg), "%s: %s (attempt %u, retrying)",
			 ucf_msource_name(f->job.source), what, f->attempts);
		f->note(f->note_ctx, msg);
	}
	uint64_t d = (uint64_t)UCF_MFETCH_BACKOFF_MS << (f->attempts - 1);
	ucf_timer_arm(f->r, &f->wait, d / 2 + ucf_random_below(d / 2 + 1), on_wait, f);
}

/* Moves on to url (absolute, resolved from the current one). */
static bool go_to(struct ucf_mfetch *f, const char *ref)
{
	char *next;
	if (ucf_url_resolve(f->url, ref, &next) < 0)
		return false;
	free(f->url);
	f->url = next;
	return true;
}

static void on_page(struct ucf_mfetch *f, const struct ucf_http_response *resp)
{
	char err[384];
	int64_t oldest = INT64_MAX;
	size_t skipped = 0;
	int rc;
	if (f->job.source == UCF_MS_EVENT_TYPES) {
		json_t *types;
		rc = ucf_mparse_event_types(resp->body, resp->body_len, &types, err, sizeof(err));
		if (rc == 0) {
			json_decref(f->res.types);
			f->res.types = types;
		}
	} else if (f->job.source == UCF_MS_UPLINK_STATUSES || f->job.source == UCF_MS_VPN_PEERS) {
		rc = ucf_mparse_peers(f->job.source, resp->body, resp->body_len, f->res.findings,
				      &skipped, err, sizeof(err));
	} else {
		rc = ucf_mparse_page(f->job.source, resp->body, resp->body_len, f->res.findings,
				     &skipped, &oldest, err, sizeof(err));
	}
	if (rc < 0) { /* truncated or malformed: maybe a broken transfer, try again */
		transient(f, err);
		return;
	}
	f->res.pages++;
	f->res.skipped += skipped;
	f->attempts = 0;
	char *link = NULL;
	/* Newest first: older entries are behind rel=prev (rel=next leads to
	 * newer ones, of which there are none yet). */
	bool backwards = f->job.source == UCF_MS_EVENTS || f->job.source == UCF_MS_CONFIG_CHANGES;
	if (backwards && oldest != INT64_MAX && oldest < f->job.stop_before) {
		finish(f, UCF_MJOB_OK, NULL); /* reached what an earlier cycle read */
		return;
	}
	if (f->job.source == UCF_MS_EVENT_TYPES || !resp->link ||
	    ucf_link_find(resp->link, backwards ? "prev" : "next", &link) < 0) {
		finish(f, UCF_MJOB_OK, NULL);
		return;
	}
	if (f->res.pages >= UCF_MFETCH_MAX_PAGES) {
		free(link);
		f->res.truncated = true;
		finish(f, UCF_MJOB_OK, NULL);
		return;
	}
	bool ok = go_to(f, link);
	free(link);
	if (!ok) {
		finish(f, UCF_MJOB_FAILED, "%s: the Link header names an unusable URL (not "
		       "http(s), or plain http from https)", ucf_msource_name(f->job.source));
		return;
	}
	send_request(f);
}

/* The first of the API's "errors" in a refusal's body, redacted and cut. */
static void api_message(const struct ucf_http_response *resp, char *buf, size_t buflen)
{
	buf[0] = '\0';
	json_t *doc = json_loadb(resp->body, resp->body_len < 65536 ? resp->body_len : 0, 0, NULL);
	const char *first = json_string_value(json_array_get(json_object_get(doc, "errors"), 0));
	char *clean = first ? ucf_redact(first, UCF_REDACT_URIS) : NULL;
	if (clean) {
		size_t n = strcspn(clean, "\r\n");
		snprintf(buf, buflen, "%.*s", (int)(n < 200 ? n : 200), clean);
	}
	free(clean);
	json_decref(doc);
}

static void on_response(void *ctx, const struct ucf_http_response *resp)
{
	struct ucf_mfetch *f = ctx;
	bool keyed = ucf_key_allowed(f->cfg->meraki.base_url, f->url);
	char what[384];
	f->call = NULL;
	long s = resp->status;
	if (s == 0) {
		snprintf(what, sizeof(what), "%s%s", resp->timed_out ? "timed out: " : "",
			 resp->error);
		transient(f, what);
	} else if (s >= 300 && s < 400 && resp->location) {
		if (++f->redirects > 5 || !go_to(f, resp->location))
			finish(f, UCF_MJOB_FAILED, "%s: too many or unusable redirects",
			       ucf_msource_name(f->job.source));
		else
			send_request(f);
	} else if (s == 429) {
		if (++f->throttles > UCF_MFETCH_THROTTLES) {
			finish(f, UCF_MJOB_TRANSIENT, "%s: still rate-limited (HTTP 429) after %u "
			       "waits", ucf_msource_name(f->job.source), UCF_MFETCH_THROTTLES);
			return;
		}
		/* The organization's budget is spent: nothing goes out before then. */
		long wait_s = resp->retry_after_s >= 1 ? resp->retry_after_s : 1;
		if (wait_s > 300)
			wait_s = 300;
		uint64_t until = ucf_mono_ms() + (uint64_t)wait_s * 1000u;
		if (until > f->next_call_ms)
			f->next_call_ms = until;
		send_request(f);
	} else if ((s == 401 || s == 403) && !keyed) {
		finish(f, UCF_MJOB_FAILED, "%s: HTTP %ld from a host the key is never sent to",
		       ucf_msource_name(f->job.source), s);
	} else if (s == 401) {
		finish(f, UCF_MJOB_AUTH, "%s: HTTP 401: the Dashboard API refused the API key",
		       ucf_msource_name(f->job.source));
	} else if (s == 403) {
		/* The key is good; this one call is not allowed to its admin. */
		api_message(resp, f->res.api_error, sizeof(f->res.api_error));
		finish(f, UCF_MJOB_DENIED, "%s: HTTP 403: the API key may not call %s%s%s",
		       ucf_msource_name(f->job.source), ucf_msource_operation(f->job.source),
		       f->res.api_error[0] ? ": " : "", f->res.api_error);
	} else if (s >= 500) {
		snprintf(what, sizeof(what), "HTTP %ld (X-Request-Id %s)", s,
			 resp->request_id ? resp->request_id : "none");
		transient(f, what);
	} else if (s < 200 || s >= 300) {
		finish(f, UCF_MJOB_FAILED, "%s: HTTP %ld", ucf_msource_name(f->job.source), s);
	} else {
		f->throttles = 0;
		on_page(f, resp);
	}
}

static void send_request(struct ucf_mfetch *f)
{
	uint64_t now = ucf_mono_ms();
	if (now < f->next_call_ms) {
		ucf_timer_arm(f->r, &f->wait, f->next_call_ms - now, on_wait, f);
		return;
	}
	f->next_call_ms = now + f->spacing_ms;
	struct ucf_http_request req = {
		.method = "GET",
		.url = f->url,
		/* Only where the policy allows: never to a host a Link or a
		 * redirect names outside the API's domain. */
		.bearer = ucf_key_allowed(f->cfg->meraki.base_url, f->url) ? f->key : NULL,
		.headers = (const char *const[]){ "Accept: application/json", NULL },
		.connect_timeout_ms = (long)f->cfg->meraki.connect_timeout_s * 1000L,
		.timeout_ms = (long)f->cfg->meraki.request_timeout_s * 1000L,
		.ca_file = f->cfg->meraki.ca_file,
	};
	char err[256];
	f->res.calls++;
	if (ucf_http_start(f->h, &req, on_response, f, &f->call, err, sizeof(err)) < 0) {
		f->call = NULL;
		transient(f, err);
	}
}

int ucf_mfetch_start(struct ucf_mfetch *f, const struct ucf_mjob *job, ucf_mfetch_done_fn done,
		     void *ctx)
{
	if (f->active)
		return -EBUSY;
	reset_job(f);
	f->job = *job;
	f->done = done;
	f->ctx = ctx;
	f->attempts = f->throttles = f->redirects = 0;
	if (!(f->res.findings = json_array()) || !(f->url = ucf_mfetch_url(f->cfg, job)))
		return -ENOMEM;
	f->active = true;
	send_request(f);
	return 0;
}
