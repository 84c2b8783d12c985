/* meraki.c — the watcher's poll cycle: plan the jobs, run them one after
 * another on the fetcher, merge, publish, account for API health, save. */
#include "meraki.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apikey.h"
#include "grow.h"
#include "meraki_fetch.h"
#include "meraki_merge.h"
#include "meraki_parse.h"
#include "meraki_sites.h"
#include "statefile.h"
#include "timefmt.h"

#define STATE_MODE 0600
_Static_assert(UCF_MPARSE_PEERS_MAX == UCF_MERAKI_PEERS_MAX,
	       "the parser caps a fetch's peers where the watcher does");
#define EVENT_TYPES_TTL (24 * 3600) /* rediscover a network's event types daily */
#define KEEP_S (2 * 86400)
#define STATUS_WINDOW 86400          /* forget entries not seen for this long */
#define MAX_T0_AGE_API (31 * 86400 - 3600) /* apiRequests look back 31 days at most */
#define MAX_T0_AGE (365 * 86400 - 3600)
/* A collector's directory (network names, devices' networks) is read again
 * this often, or sooner (not before DIRECTORY_RETRY) when a finding names a
 * network it does not know: a new branch. */
#define DIRECTORY_TTL (6 * 3600)
#define DIRECTORY_RETRY 600
/* A collector reads events only for the networks this cycle's news names,
 * at most this many per cycle (the rest are alerted from the other sources). */
#define MAX_EVENT_NETWORKS 10

struct ucf_meraki {
	struct ucf_config *cfg; /* its own copy: the caller's may go on a reload */
	struct ucf_reactor *r;
	struct ucf_feed *feed;
	struct ucf_meraki_hooks hooks;
	char *key;
	char *state_path;
	json_t *state;
	struct ucf_mfetch *fetch;
	struct ucf_timer poll_timer;
	bool periodic, busy;

	/* the cycle in progress */
	int64_t start;
	uint64_t start_ms; /* monotonic */
	struct ucf_mjob *jobs;
	char (*job_nets)[72];
	size_t njobs, cur, cap;
	int phase; /* 0: the sources; 1: (collector) event types; 2: events planned */
	json_t *findings;
	json_t *dir_networks, *dir_devices; /* collector: this cycle's read of the directory */
	json_t *event_nets;                 /* collector: networks whose events are read */
	json_t *cursor_updates; /* cursor name -> start, for the jobs that completed */
	json_t *answered;       /* cursor name -> true: read in full (maybe truncated) */
	json_t *denied;         /* cursor name -> {source, network, reason}: 403 this cycle */
	json_t *peers;          /* AutoVPN peer addresses (strings) fetched this cycle */
	size_t peers_dropped;
	unsigned peers_planned, peers_ok; /* counts of the two peer jobs */
	struct ucf_meraki_cycle rep, last;
};

static void eventf(struct ucf_meraki *m, enum ucf_meraki_event kind, const struct ucf_alert *a,
		   const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void eventf(struct ucf_meraki *m, enum ucf_meraki_event kind, const struct ucf_alert *a,
		   const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (kind == UCF_MERAKI_RECORDED)
		m->rep.recorded++;
	if (m->hooks.event)
		m->hooks.event(m->hooks.ctx, kind, buf, a);
}

static void fail_note(struct ucf_meraki *m, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void fail_note(struct ucf_meraki *m, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (!m->rep.error[0])
		vsnprintf(m->rep.error, sizeof(m->rep.error), fmt, ap);
	va_end(ap);
}

/* ---- state ---------------------------------------------------------------- */

static int load_state(struct ucf_meraki *m, char *err, size_t errlen)
{
	json_t *doc = NULL;
	char why[512];
	json_decref(m->state);
	m->state = NULL;
	int rc = ucf_json_load(m->state_path, &doc, why, sizeof(why));
	const char *org = json_string_value(json_object_get(doc, "organization_id"));
	if (rc == 0 && json_is_object(doc) && org &&
	    strcmp(org, m->cfg->meraki.organization_id) == 0) {
		m->state = doc;
		return 0;
	}
	if (rc < 0 && rc != -ENOENT) {
		/* A state file that cannot be read is a first start, not an outage:
		 * the lookback bounds what is alerted again; duplicates are dropped by
		 * the spool's memory. */
		eventf(m, UCF_MERAKI_WARNING, NULL, "%s; starting from a fresh state", why);
	}
	json_decref(doc);
	m->state = ucf_mstate_new(m->cfg->meraki.organization_id);
	if (!m->state) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	return 0;
}

static json_t *section(struct ucf_meraki *m, const char *name)
{
	json_t *v = json_object_get(m->state, name);
	if (!json_is_object(v)) {
		v = json_object();
		json_object_set_new(m->state, name, v);
	}
	return v;
}

static int64_t cursor(struct ucf_meraki *m, const char *name)
{
	json_t *v = json_object_get(section(m, "cursors"), name);
	return json_is_integer(v) ? (int64_t)json_integer_value(v) : INT64_MIN;
}

static int64_t overlap(const struct ucf_meraki *m)
{
	/* Re-read this much before the last successful poll: entries the API
	 * lists late, and clock skew. Duplicates are merged away. */
	int64_t o = 2 * (int64_t)m->cfg->meraki.poll_interval_s;
	return o > 600 ? o : 600;
}

/* Entries before the horizon that were never seen are history. First start
 * (no cursor): now - lookback. */
static int64_t horizon(struct ucf_meraki *m, const char *cursor_name, int64_t max_age)
{
	int64_t c = cursor(m, cursor_name), h;
	h = c == INT64_MIN ? m->start - (int64_t)m->cfg->meraki.lookback_s : c - overlap(m);
	return h < m->start - max_age ? m->start - max_age : h;
}

static void cursor_name(enum ucf_msource s, const char *net, char *buf, size_t buflen)
{
	if (net)
		snprintf(buf, buflen, "%s/%s", ucf_msource_name(s), net);
	else
		snprintf(buf, buflen, "%s", ucf_msource_name(s));
}

/* ---- planning ------------------------------------------------------------- */

static int add_job(struct ucf_meraki *m, enum ucf_msource s, const char *net)
{
	if (m->njobs == m->cap) { /* two arrays, one capacity: each grows the same way */
		size_t cap = m->cap, cap2 = m->cap;
		struct ucf_mjob *jobs = ucf_grow_array(m->jobs, &cap, m->njobs + 1, sizeof(*jobs), 16);
		if (!jobs)
			return -ENOMEM;
		m->jobs = jobs;
		char(*nets)[72] = ucf_grow_array(m->job_nets, &cap2, m->njobs + 1, sizeof(*nets), 16);
		if (!nets)
			return -ENOMEM;
		m->job_nets = nets;
		m->cap = cap;
	}
	struct ucf_mjob *j = &m->jobs[m->njobs];
	memset(j, 0, sizeof(*j));
	j->source = s;
	snprintf(m->job_nets[m->njobs], sizeof(m->job_nets[0]), "%s", net ? net : "");
	char name[128];
	cursor_name(s, net, name, sizeof(name));
	j->t0 = horizon(m, name, s == UCF_MS_API_REQUESTS ? MAX_T0_AGE_API : MAX_T0_AGE);
	j->stop_before = j->t0;
	/* Captures are few (the cloud keeps about ten for the organization) and change
	 * status after they start: keep a day of them in view, not just what is
	 * new, so a status change is seen. The horizon still decides news. */
	if (s == UCF_MS_CAPTURES && j->t0 > m->start - STATUS_WINDOW)
		j->t0 = m->start - STATUS_WINDOW;
	/* A collector reads a network's events only when news names it: what
	 * is older than the organization-wide horizon was read by the other
	 * sources already (and alerted, or history), however long ago this
	 * network's events were last read. */
	if (s == UCF_MS_EVENTS && m->cfg->meraki.scope == UCF_SCOPE_ORGANIZATION) {
		int64_t org = horizon(m, "configurationChanges", MAX_T0_AGE);
		if (org > j->t0)
			j->t0 = j->stop_before = org;
	}
	m->njobs++;
	return 0;
}

static int plan(struct ucf_meraki *m)
{
	const struct ucf_string_list *nets = &m->cfg->meraki.network_ids;
	json_t *types = section(m, "event_types");
	int rc = 0;
	m->njobs = m->cur = 0;
	m->phase = 0;
	for (size_t i = 0; rc == 0 && i < nets->count; i++) {
		json_t *e = json_object_get(types, nets->items[i]);
		int64_t at = json_integer_value(json_object_get(e, "at"));
		if (!e || m->start - at >= EVENT_TYPES_TTL || m->start < at)
			rc = add_job(m, UCF_MS_EVENT_TYPES, nets->items[i]);
	}
	static const enum ucf_msource org_sources[] = { UCF_MS_CAPTURES, UCF_MS_SCHEDULES,
							UCF_MS_API_REQUESTS, UCF_MS_CONFIG_CHANGES };
	for (size_t i = 0; rc == 0 && i < 4; i++)
		rc = add_job(m, org_sources[i], NULL);
	/* AutoVPN peers at their own, slower pace (meraki.vpn_peers_interval):
	 * "vpn_peers_at" moves only when both sources answered in full, so a
	 * failed fetch is retried the next cycle. */
	int64_t at = json_integer_value(json_object_get(m->state, "vpn_peers_at"));
	m->peers_planned = m->peers_ok = 0;
	if (rc == 0 && m->cfg->meraki.vpn_peers &&
	    (m->start - at >= (int64_t)m->cfg->meraki.vpn_peers_interval_s || m->start < at)) {
		rc = add_job(m, UCF_MS_UPLINK_STATUSES, NULL);
		if (rc == 0)
			rc = add_job(m, UCF_MS_VPN_PEERS, NULL);
		m->peers_planned = rc == 0 ? 2 : 0;
	}
	if (rc == 0 && m->cfg->meraki.scope == UCF_SCOPE_ORGANIZATION) {
		/* After the news: the directory only names it. */
		json_t *dir = json_object_get(m->state, "directory");
		int64_t dir_at = json_integer_value(json_object_get(dir, "at"));
		bool missing = json_is_true(json_object_get(dir, "missing"));
		int64_t age = m->start - dir_at;
		if (!dir || age >= DIRECTORY_TTL || age < 0 || (missing && age >= DIRECTORY_RETRY)) {
			rc = add_job(m, UCF_MS_NETWORKS, NULL);
			if (rc == 0)
				rc = add_job(m, UCF_MS_DEVICES, NULL);
		}
	}
	return rc;
}

/* Events jobs come after discovery: only networks with capture event types
 * cost a call. */
static int plan_events(struct ucf_meraki *m)
{
	const struct ucf_string_list *nets = &m->cfg->meraki.network_ids;
	json_t *types = section(m, "event_types");
	int rc = 0;
	m->phase = 2;
	if (m->cfg->meraki.scope == UCF_SCOPE_ORGANIZATION) {
		size_t i;
		json_t *n;
		json_array_foreach (m->event_nets, i, n) {
			const char *net = json_string_value(n);
			json_t *t = json_object_get(json_object_get(types, net), "types");
			if (rc == 0 && json_array_size(t) > 0)
				rc = add_job(m, UCF_MS_EVENTS, net);
		}
		return rc;
	}
	for (size_t i = 0; rc == 0 && i < nets->count; i++) {
		json_t *t = json_object_get(json_object_get(types, nets->items[i]), "types");
		if (json_array_size(t) > 0)
			rc = add_job(m, UCF_MS_EVENTS, nets->items[i]);
	}
	return rc;
}

/* Whether the merge will take f as news (what it remembers aside). */
static bool unseen(struct ucf_meraki *m, const json_t *f)
{
	const char *src = ucf_mfinding_str(f, "source"), *key = ucf_mfinding_str(f, "key");
	char k[256];
	if (!src || !key)
		return false;
	if (strcmp(src, "captures") == 0)
		return !json_object_get(section(m, "captures"), key);
	if (strcmp(src, "schedules") == 0)
		return !json_object_get(section(m, "schedules"), key);
	snprintf(k, sizeof(k), "%s/%s", src, key);
	return !json_object_get(section(m, "seen"), k);
}

/* A collector's events on demand: the networks this cycle's news names
 * (new captures, configuration changes...), at most MAX_EVENT_NETWORKS;
 * their event types first, where not known for a day. */
static int plan_event_types(struct ucf_meraki *m)
{
	json_t *types = section(m, "event_types");
	json_t *dir = json_object_get(m->state, "directory");
	int rc = 0;
	size_t i, skipped = 0;
	json_t *f;
	m->phase = 1;
	json_array_clear(m->event_nets);
	/* What the collector keeps per network (event types, events cursors)
	 * goes when unused for two days: bounded by the networks with news. */
	const char *k;
	void *tmp;
	json_t *v, *cursors = section(m, "cursors");
	json_object_foreach_safe (types, tmp, k, v)
		if (m->start - json_integer_value(json_object_get(v, "at")) > 2 * EVENT_TYPES_TTL)
			json_object_del(types, k);
	json_object_foreach_safe (cursors, tmp, k, v)
		if (strncmp(k, "events/", 7) == 0 &&
		    m->start - json_integer_value(v) > 2 * EVENT_TYPES_TTL)
			json_object_del(cursors, k);
	json_array_foreach (m->findings, i, f) {
		const char *net = ucf_msite_network(dir, f);
		if (!net || !unseen(m, f))
			continue;
		bool listed = false;
		size_t j;
		json_t *n;
		json_array_foreach (m->event_nets, j, n)
			listed |= strcmp(json_string_value(n), net) == 0;
		if (listed)
			continue;
		if (json_array_size(m->event_nets) >= MAX_EVENT_NETWORKS) {
			skipped++;
			continue;
		}
		json_array_append_new(m->event_nets, json_string(net));
		json_t *e = json_object_get(types, net);
		int64_t at = json_integer_value(json_object_get(e, "at"));
		if (rc == 0 && (!e || m->start - at >= EVENT_TYPES_TTL || m->start < at))
			rc = add_job(m, UCF_MS_EVENT_TYPES, net);
	}
	if (skipped)
		eventf(m, UCF_MERAKI_RECORDED, NULL, "events of %zu more network%s not read this "
		       "cycle (at most %d per cycle)", skipped, skipped == 1 ? "" : "s",
		       MAX_EVENT_NETWORKS);
	return rc;
}

/* ---- the site ------------------------------------------------------------- */

static bool listed(const struct ucf_string_list *l, const char *s)
{
	for (size_t i = 0; s && i < l->count; i++)
		if (strcmp(l->items[i], s) == 0)
			return true;
	return false;
}

/* Whether a finding concerns this site: its network or one of its devices is
 * ours. Organization-wide entries (an API request carries neither) stay:
 * the merge ties them to our captures or alerts them as unattributed. The
 * API filters too; this holds even when a server ignores the filters. A
 * schedule names devices only (any of them may be ours, not only the first);
 * the API filtered it by network. */
static bool ours(const struct ucf_config *cfg, json_t *f)
{
	const struct ucf_string_list *nets = &cfg->meraki.network_ids, *serials = &cfg->meraki.serials;
	const char *net = ucf_mfinding_str(f, "network_id"), *ser = ucf_mfinding_str(f, "serial");
	const json_t *all = json_object_get(f, "serials");
	if ((!net && !ser) || (nets->count == 0 && serials->count == 0))
		return true;
	if (listed(nets, net) || listed(serials, ser))
		return true;
	size_t i;
	const json_t *s;
	json_array_foreach (all, i, s) {
		if (listed(serials, json_string_value(s))) {
			/* Correlate on the site's device, not on the first listed. */
			json_object_set_new(f, "serial", json_string(json_string_value(s)));
			return true;
		}
	}
	return !net && nets->count > 0 && serials->count == 0;
}

static void keep_ours(struct ucf_meraki *m, json_t *findings)
{
	size_t dropped = 0;
	for (size_t i = json_array_size(findings); i-- > 0;) {
		if (!ours(m->cfg, json_array_get(findings, i))) {
			json_array_remove(findings, i);
			dropped++;
		}
	}
	if (dropped)
		eventf(m, UCF_MERAKI_RECORDED, NULL, "%zu entr%s of other sites ignored", dropped,
		       dropped == 1 ? "y" : "ies");
}

/* ---- a collector's sites --------------------------------------------------- */

/* Takes this cycle's read of the directory when both parts were answered
 * (in full, or up to the page limit), then names each finding's site
 * (meraki_sites.h). A network the directory does not know asks for an
 * early re-read. */
static void name_sites(struct ucf_meraki *m)
{
	if (json_object_get(m->answered, "networks") && json_object_get(m->answered, "devices")) {
		json_t *d = ucf_msite_directory(m->dir_networks, m->dir_devices, m->start);
		if (d) {
			json_object_set_new(m->state, "directory", d);
			eventf(m, UCF_MERAKI_RECORDED, NULL, "directory: %zu networks, %zu devices",
			       json_object_size(json_object_get(d, "networks")),
			       json_object_size(json_object_get(d, "devices")));
		}
	}
	json_t *dir = json_object_get(m->state, "directory");
	size_t i, unknown_n = 0;
	json_t *f;
	json_array_foreach (m->findings, i, f) {
		bool unknown;
		const char *site = ucf_msite_of(m->cfg, dir, f, &unknown);
		if (site)
			json_object_set_new(f, "site", json_string(site));
		unknown_n += unknown;
	}
	if (unknown_n && json_is_object(dir))
		json_object_set_new(dir, "missing", json_true());
}

/* ---- the cycle ------------------------------------------------------------ */

static void run_next(struct ucf_meraki *m);
static void finish_cycle(struct ucf_meraki *m);

static void on_note(void *ctx, const char *text)
{
	eventf(ctx, UCF_MERAKI_RECORDED, NULL, "%s", text);
}

static void on_job(void *ctx, struct ucf_mjob_result *res)
{
	struct ucf_meraki *m = ctx;
	struct ucf_mjob *j = &m->jobs[m->cur];
	const char *net = m->job_nets[m->cur][0] ? m->job_nets[m->cur] : NULL;
	m->rep.calls += res->calls;
	bool peers = j->source == UCF_MS_UPLINK_STATUSES || j->source == UCF_MS_VPN_PEERS;
	if (peers) {
		/* addresses, not findings: they never reach the merge */
		size_t i;
		json_t *a;
		json_array_foreach (res->findings, i, a) {
			if (json_array_size(m->peers) >= UCF_MERAKI_PEERS_MAX)
				m->peers_dropped++;
			else
				json_array_append(m->peers, a);
		}
		if (res->outcome == UCF_MJOB_OK && !res->truncated)
			m->peers_ok++;
	} else if (j->source == UCF_MS_NETWORKS || j->source == UCF_MS_DEVICES) {
		/* the directory names sites; it is not news. A read cut at the
		 * page limit is kept too: an organization that large would
		 * otherwise read it again every cycle and never have one. */
		if (res->outcome == UCF_MJOB_OK)
			json_array_extend(j->source == UCF_MS_NETWORKS ? m->dir_networks
								     : m->dir_devices,
					  res->findings);
	} else {
		json_array_extend(m->findings, res->findings);
	}
	if (res->truncated)
		eventf(m, UCF_MERAKI_WARNING, NULL, "%s: stopped after %d pages; the rest waits for "
		       "the next cycle", ucf_msource_name(j->source), UCF_MFETCH_MAX_PAGES);
	char name[128];
	cursor_name(j->source, net, name, sizeof(name));
	if (res->outcome == UCF_MJOB_OK && peers) {
		/* no cursor: "vpn_peers_at" says when they were read */
	} else if (res->outcome == UCF_MJOB_OK) {
		json_object_set_new(m->answered, name, json_true());
		if (!res->truncated)
			json_object_set_new(m->cursor_updates, name, json_integer(m->start));
		if (j->source == UCF_MS_EVENT_TYPES)
			json_object_set_new(section(m, "event_types"), net,
					    json_pack("{s:I, s:O}", "at", (json_int_t)m->start,
						      "types", res->types ? res->types : json_array()));
	} else {
		m->rep.failed_sources++;
		fail_note(m, "%s", res->error);
		eventf(m, UCF_MERAKI_WARNING, NULL, "%s", res->error);
		if (res->outcome == UCF_MJOB_DENIED) {
			m->rep.denied_sources++;
			json_object_set_new(m->denied, name,
					    json_pack("{s:s, s:s?, s:s?}", "source",
						      ucf_msource_name(j->source), "network", net,
						      "reason", res->api_error[0] ? res->api_error : NULL));
		}
	}
	m->cur++;
	if (res->outcome == UCF_MJOB_AUTH || res->outcome == UCF_MJOB_TRANSIENT) {
		/* The API refuses us or is down: the other sources would only burn
		 * the organization's budget. */
		m->rep.auth_failed = res->outcome == UCF_MJOB_AUTH;
		m->rep.failed_sources += (unsigned)(m->njobs - m->cur);
		m->cur = m->njobs;
		m->phase = 2;
	}
	run_next(m);
}

static void run_next(struct ucf_meraki *m)
{
	if (m->cur == m->njobs && m->phase == 0 &&
	    m->cfg->meraki.scope == UCF_SCOPE_ORGANIZATION && plan_event_types(m) < 0) {
		fail_note(m, "out of memory");
		m->rep.failed_sources++;
	}
	if (m->cur == m->njobs && m->phase < 2 && plan_events(m) < 0) {
		fail_note(m, "out of memory");
		m->rep.failed_sources++;
	}
	if (m->cur >= m->njobs) {
		finish_cycle(m);
		return;
	}
	struct ucf_mjob *j = &m->jobs[m->cur];
	const char *net = m->job_nets[m->cur][0] ? m->job_nets[m->cur] : NULL;
	j->network = net;
	j->types = j->source == UCF_MS_EVENTS
			   ? json_object_get(json_object_get(section(m, "event_types"), net), "types")
			   : NULL;
	if (ucf_mfetch_start(m->fetch, j, on_job, m) < 0) {
		m->rep.failed_sources++;
		fail_note(m, "%s: cannot start the request", ucf_msource_name(j->source));
		m->cur++;
		run_next(m);
	}
}

static void on_poll_timer(void *ctx);

static void begin_cycle(struct ucf_meraki *m)
{
	if (m->busy)
		return;
	m->busy = true;
	memset(&m->rep, 0, sizeof(m->rep));
	m->start = ucf_time_now();
	m->start_ms = ucf_mono_ms();
	json_decref(m->findings);
	json_decref(m->cursor_updates);
	json_decref(m->answered);
	json_decref(m->denied);
	json_decref(m->dir_networks);
	json_decref(m->dir_devices);
	json_decref(m->event_nets);
	m->dir_networks = json_array();
	m->dir_devices = json_array();
	m->event_nets = json_array();
	json_decref(m->peers);
	m->peers = json_array();
	m->peers_dropped = 0;
	m->findings = json_array();
	m->cursor_updates = json_object();
	m->answered = json_object();
	m->denied = json_object();
	if (!m->findings || !m->cursor_updates || !m->answered || !m->denied || !m->peers ||
	    !m->dir_networks || !m->dir_devices || !m->event_nets || plan(m) < 0) {
		fail_note(m, "out of memory");
		m->rep.failed_sources++;
		m->njobs = m->cur = 0;
		m->phase = 2;
	}
	run_next(m);
}

/* Publishes; on a feed failure the in-memory state is dropped so the next
 * cycle derives the same alerts again (and the spool drops duplicates). */
static bool publish(struct ucf_meraki *m, const struct ucf_alert *a)
{
	char err[512];
	int rc = ucf_feed_publish(m->feed, a, err, sizeof(err));
	if (rc > 0) {
		m->rep.alerts++;
		eventf(m, UCF_MERAKI_ALERT, a, "%s", a->summary);
	} else if (rc == 0) {
		eventf(m, UCF_MERAKI_RECORDED, NULL, "alert %s was raised before (not repeated)",
		       a->id);
	} else {
		eventf(m, UCF_MERAKI_WARNING, NULL, "cannot record alert %s: %s", a->id, err);
	}
	return rc >= 0;
}

/* One monitoring-degraded alert when the API keeps failing, one
 * monitoring-recovered when it works again. */
static bool account_health(struct ucf_meraki *m, bool ok)
{
	json_t *h = section(m, "health");
	unsigned failures = (unsigned)json_integer_value(json_object_get(h, "failures"));
	bool degraded = json_is_true(json_object_get(h, "degraded"));
	int64_t since = json_integer_value(json_object_get(h, "since"));
	struct ucf_alert *a = NULL;
	char err[256];
	bool published = true;
	if (ok) {
		if (degraded && ucf_alert_monitoring(&a, m->cfg->site.name, m->start, false, since,
						     failures, NULL, err, sizeof(err)) == 0)
			published = publish(m, a);
		if (published)
			json_object_set_new(m->state, "health", json_object());
	} else {
		if (failures == 0) {
			since = m->start;
			json_object_set_new(h, "since", json_integer(since));
		}
		failures++;
		json_object_set_new(h, "failures", json_integer(failures));
		json_object_set_new(h, "reason", json_string(m->rep.error));
		if (!degraded && failures >= UCF_MERAKI_DEGRADED_AFTER &&
		    ucf_alert_monitoring(&a, m->cfg->site.name, m->start, true, since, failures,
					 m->rep.error, err, sizeof(err)) == 0 &&
		    (published = publish(m, a)))
			json_object_set_new(h, "degraded", json_true());
	}
	m->rep.consecutive_failures = ok ? 0 : failures;
	ucf_alert_free(a);
	return published;
}

/* One watcher-access-denied alert when a source starts being refused with
 * 403 (kept in the state while it lasts), a note when it is answered again.
 * false when an alert could not be recorded. */
static bool account_access(struct ucf_meraki *m)
{
	json_t *state = section(m, "denied");
	const char *k;
	void *tmp;
	json_t *v;
	bool published = true;
	json_object_foreach (m->denied, k, v) {
		if (json_object_get(state, k))
			continue; /* alerted when it began */
		struct ucf_alert *a = NULL;
		char err[256];
		const char *src = json_string_value(json_object_get(v, "source"));
		if (ucf_alert_access_denied(&a, m->cfg->site.name, m->start, src,
					    json_string_value(json_object_get(v, "network")),
					    ucf_msource_operation(ucf_msource_parse(src)), m->start,
					    json_string_value(json_object_get(v, "reason")), err,
					    sizeof(err)) < 0) {
			eventf(m, UCF_MERAKI_WARNING, NULL, "%s", err);
			continue;
		}
		if (publish(m, a))
			json_object_set_new(state, k, json_integer(m->start));
		else
			published = false;
		ucf_alert_free(a);
	}
	json_object_foreach_safe (state, tmp, k, v) {
		if (json_object_get(m->answered, k)) {
			eventf(m, UCF_MERAKI_RECORDED, NULL, "%s: access restored (refused with HTTP 403 "
			       "since %lld)", k, (long long)json_integer_value(v));
			json_object_del(state, k);
		}
	}
	return published;
}

static void finish_cycle(struct ucf_meraki *m)
{
	char err[512];
	struct ucf_mmerge mm = {
		.site = m->cfg->site.name, .org = m->cfg->meraki.organization_id, .now = m->start,
		.window = (int64_t)m->cfg->meraki.correlation_window_s,
		/* never beyond alerts.retention */
		.keep = KEEP_S < m->cfg->alerts.retention_s ? KEEP_S
							     : (int64_t)m->cfg->alerts.retention_s,
		/* A denied source will not answer by waiting: what is held for it
		 * is alerted on its own after the window, as if it had answered. */
		.primaries_complete =
			(json_object_get(m->cursor_updates, "captures") ||
			 json_object_get(m->denied, "captures")) &&
			(json_object_get(m->cursor_updates, "schedules") ||
			 json_object_get(m->denied, "schedules")),
	};
	/* Horizons as the jobs were planned (before this cycle's cursors). */
	static const int64_t ages[UCF_MS_COUNT] = { MAX_T0_AGE, MAX_T0_AGE, MAX_T0_AGE_API,
						    MAX_T0_AGE, MAX_T0_AGE, MAX_T0_AGE,
						    MAX_T0_AGE, MAX_T0_AGE };
	for (int s = 0; s < UCF_MS_COUNT; s++)
		mm.horizon[s] = horizon(m, ucf_msource_name((enum ucf_msource)s), ages[s]);
	/* Events have one cursor per network: the earliest of this cycle's is
	 * the horizon (an older event on a page is history). */
	bool events = false;
	for (size_t i = 0; i < m->njobs; i++) {
		if (m->jobs[i].source != UCF_MS_EVENTS)
			continue;
		if (!events || m->jobs[i].t0 < mm.horizon[UCF_MS_EVENTS])
			mm.horizon[UCF_MS_EVENTS] = m->jobs[i].t0;
		events = true;
	}

	struct ucf_alert_list alerts = { 0 };
	bool saved_ok = true;
	if (m->cfg->meraki.scope == UCF_SCOPE_ORGANIZATION)
		name_sites(m);
	else
		keep_ours(m, m->findings);
	int rc = ucf_mmerge(m->state, &mm, m->findings, &alerts, on_note, m, err, sizeof(err));
	for (size_t i = 0; rc == 0 && i < alerts.count; i++) {
		if (m->hooks.annotate)
			m->hooks.annotate(m->hooks.ctx, alerts.items[i]);
		if (!publish(m, alerts.items[i]))
			rc = -EIO;
	}
	ucf_alert_list_free(&alerts);
	bool ok = m->rep.failed_sources == 0;
	if (rc == 0 && !account_access(m))
		rc = -EIO;
	/* A refused source is alerted on its own; the API is not failing. */
	if (rc == 0 && !account_health(m, m->rep.failed_sources == m->rep.denied_sources))
		rc = -EIO;
	if (m->peers_planned && m->peers_ok == m->peers_planned) {
		size_t n = json_array_size(m->peers);
		const char **addrs = calloc(n + 1, sizeof(*addrs));
		for (size_t i = 0; addrs && i < n; i++)
			addrs[i] = json_string_value(json_array_get(m->peers, i));
		if (addrs && m->hooks.peers)
			m->hooks.peers(m->hooks.ctx, addrs, n, m->peers_dropped);
		if (addrs)
			json_object_set_new(m->state, "vpn_peers_at", json_integer(m->start));
		else
			eventf(m, UCF_MERAKI_WARNING, NULL, "out of memory for the AutoVPN peers");
		free(addrs);
	} else if (m->peers_planned && m->hooks.peers_failed) {
		m->hooks.peers_failed(m->hooks.ctx);
	}
	if (rc == 0) {
		const char *k;
		json_t *v;
		json_object_foreach (m->cursor_updates, k, v)
			json_object_set(section(m, "cursors"), k, v);
		if (ucf_json_save(m->state_path, m->state, STATE_MODE, err, sizeof(err)) < 0) {
			eventf(m, UCF_MERAKI_WARNING, NULL, "%s", err);
			saved_ok = false;
		}
	} else {
		if (rc != -EIO)
			eventf(m, UCF_MERAKI_WARNING, NULL, "merging findings: %s", err);
		saved_ok = false;
	}
	if (!saved_ok && load_state(m, err, sizeof(err)) < 0)
		eventf(m, UCF_MERAKI_WARNING, NULL, "%s", err);
	m->rep.ok = ok && saved_ok;
	m->last = m->rep;
	m->busy = false;
	if (m->periodic) {
		/* Interval plus up to 10% jitter: an organization's sites drift
		 * apart instead of polling in lockstep. */
		uint64_t every = m->cfg->meraki.poll_interval_s * 1000u;
		/* The interval runs from the cycle's start, so the time the cycle
		 * took (many pages, events on demand) does not add to detection
		 * latency; never less than half an interval after the end, so a
		 * cycle stretched by retries or Retry-After is not followed at once. */
		uint64_t took = ucf_mono_ms() - m->start_ms;
		uint64_t wait = every - (took < every / 2 ? took : every / 2);
		ucf_timer_arm(m->r, &m->poll_timer, wait + ucf_random_below(every / 10 + 1),
			      on_poll_timer, m);
	}
	if (m->hooks.cycle)
		m->hooks.cycle(m->hooks.ctx, &m->last);
}

static void on_poll_timer(void *ctx)
{
	begin_cycle(ctx);
}

/* ---- retention ------------------------------------------------------------ */

int ucf_meraki_prune(struct ucf_meraki *m, int64_t cutoff, size_t *removed, char *err,
		     size_t errlen)
{
	size_t n = ucf_mstate_prune(m->state, cutoff);
	if (removed)
		*removed = n;
	return n ? ucf_json_save(m->state_path, m->state, STATE_MODE, err, errlen) : 0;
}

int ucf_meraki_state_prune(const char *state_dir, int64_t cutoff, size_t *removed, char *err,
			   size_t errlen)
{
	char path[4200];
	json_t *doc = NULL;
	size_t n = 0;
	snprintf(path, sizeof(path), "%s/meraki-state.json", state_dir);
	int rc = ucf_json_load(path, &doc, err, errlen);
	if (rc == 0 && json_is_object(doc) && (n = ucf_mstate_prune(doc, cutoff)) > 0)
		rc = ucf_json_save(path, doc, STATE_MODE, err, errlen);
	json_decref(doc);
	if (rc == -ENOENT)
		rc = 0;
	if (removed)
		*removed = rc == 0 ? n : 0;
	return rc;
}

/* ---- lifecycle ------------------------------------------------------------ */

static void on_fetch_note(void *ctx, const char *text)
{
	eventf(ctx, UCF_MERAKI_WARNING, NULL, "%s", text);
}

int ucf_meraki_new(struct ucf_meraki **out, const struct ucf_config *cfg, struct ucf_reactor *r,
		   struct ucf_http *h, struct ucf_feed *feed, const struct ucf_meraki_hooks *hooks,
		   char *err, size_t errlen)
{
	if (!cfg->meraki.enabled && cfg->meraki.scope == UCF_SCOPE_SERVED) {
		snprintf(err, errlen, "%s: the organization's collector watches this site "
			 "(meraki.scope served): no Dashboard watch here", cfg->source);
		return -EINVAL;
	}
	if (!cfg->meraki.enabled) {
		snprintf(err, errlen, "meraki is not enabled in %s (meraki.enabled)", cfg->source);
		return -EINVAL;
	}
	struct ucf_meraki *m = calloc(1, sizeof(*m));
	if (!m || asprintf(&m->state_path, "%s/" UCF_MERAKI_STATE_FILE, cfg->state_dir) < 0 ||
	    ucf_config_dup(cfg, &m->cfg) < 0) {
		if (m)
			free(m->state_path);
		free(m);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	cfg = m->cfg;
	m->r = r;
	m->feed = feed;
	if (hooks)
		m->hooks = *hooks;
	int rc = ucf_apikey_load(cfg, &m->key, err, errlen);
	if (rc == 0)
		rc = ucf_mkdir_p(cfg->state_dir, 0700, err, errlen);
	if (rc == 0)
		rc = load_state(m, err, errlen);
	if (rc == 0) /* what a stopped watcher left is bounded from the start */
		rc = ucf_meraki_prune(m, ucf_time_now() - (int64_t)cfg->alerts.retention_s, NULL,
				      err, errlen);
	if (rc == 0)
		rc = ucf_mfetch_new(&m->fetch, cfg, m->key, r, h, on_fetch_note, m, err, errlen);
	if (rc < 0) {
		ucf_meraki_free(m);
		return rc;
	}
	*out = m;
	return 0;
}

void ucf_meraki_free(struct ucf_meraki *m)
{
	if (!m)
		return;
	ucf_mfetch_free(m->fetch);
	if (m->r)
		ucf_timer_cancel(m->r, &m->poll_timer);
	ucf_apikey_free(m->key);
	json_decref(m->state);
	json_decref(m->findings);
	json_decref(m->cursor_updates);
	json_decref(m->answered);
	json_decref(m->denied);
	json_decref(m->dir_networks);
	json_decref(m->dir_devices);
	json_decref(m->event_nets);
	json_decref(m->peers);
	free(m->jobs);
	free(m->job_nets);
	free(m->state_path);
	ucf_config_free(m->cfg);
	free(m);
}

void ucf_meraki_start(struct ucf_meraki *m)
{
	m->periodic = true;
	begin_cycle(m);
}

void ucf_meraki_poll_once(struct ucf_meraki *m)
{
	begin_cycle(m);
}

bool ucf_meraki_busy(const struct ucf_meraki *m)
{
	return m->busy;
}

const struct ucf_meraki_cycle *ucf_meraki_last_cycle(const struct ucf_meraki *m)
{
	return &m->last;
}

int ucf_meraki_erase(struct ucf_meraki *m, const struct ucf_erase_target *t, size_t *removed,
		     char *err, size_t errlen)
{
	*removed = ucf_erase_json_doc(m->state, t);
	return *removed ? ucf_json_save(m->state_path, m->state, STATE_MODE, err, errlen) : 0;
}

int ucf_meraki_erase_file(const char *state_dir, const struct ucf_erase_target *t,
			  size_t *removed, char *err, size_t errlen)
{
	char path[4200];
	json_t *doc = NULL;
	*removed = 0;
	snprintf(path, sizeof(path), "%s/" UCF_MERAKI_STATE_FILE, state_dir);
	int rc = ucf_json_load(path, &doc, err, errlen);
	if (rc == -ENOENT)
		return 0;
	if (rc == 0 && json_is_object(doc) && (*removed = ucf_erase_json_doc(doc, t)) > 0)
		rc = ucf_json_save(path, doc, STATE_MODE, err, errlen);
	json_decref(doc);
	return rc;
}
