/* meraki_merge.c — correlation and de-duplication of Dashboard findings. */
#include "meraki_merge.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grow.h"
#include "meraki_alerts.h"

void ucf_alert_list_free(struct ucf_alert_list *l)
{
	for (size_t i = 0; i < l->count; i++)
		ucf_alert_free(l->items[i]);
	free(l->items);
	l->items = NULL;
	l->count = 0;
}

json_t *ucf_mstate_new(const char *org)
{
	return json_pack("{s:i, s:s, s:{}, s:{}, s:{}, s:{}, s:[], s:[], s:{}, s:{}}", "version", 1,
			 "organization_id", org, "cursors", "captures", "schedules", "seen",
			 "activities", "pending", "event_types", "health");
}

/* state[key] as the given type, created when missing or mistyped. */
static json_t *member(json_t *state, const char *key, bool array)
{
	json_t *v = json_object_get(state, key);
	if (array ? !json_is_array(v) : !json_is_object(v)) {
		v = array ? json_array() : json_object();
		json_object_set_new(state, key, v);
	}
	return v;
}

/* A working record of one activity alerted in this cycle. */
struct fresh {
	const json_t *lead;
	json_t *attached;
	char key[512];
	int64_t ts;
};

struct run {
	const struct ucf_mmerge *m;
	json_t *state, *captures, *schedules, *seen, *activities;
	struct fresh *fresh;
	size_t nfresh;
	ucf_mnote_fn note;
	void *note_ctx;
	size_t history;
};

static void notef(struct run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void notef(struct run *r, const char *fmt, ...)
{
	char buf[768];
	va_list ap;
	if (!r->note)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	r->note(r->note_ctx, buf);
}

static int64_t ts_or_now(const json_t *f, int64_t now)
{
	int64_t t = ucf_mfinding_ts(f);
	return t == INT64_MIN ? now : t;
}

/* Same topic, within the window, and agreeing on every identity both carry
 * (at least one). Works on findings and on activity records alike. */
static bool correlates(const json_t *a, const json_t *b, int64_t window, int64_t now)
{
	const char *ta = ucf_mfinding_str(a, "topic"), *tb = ucf_mfinding_str(b, "topic");
	if (!ta || !tb || strcmp(ta, tb) != 0)
		return false;
	int64_t d = ts_or_now(a, now) - ts_or_now(b, now);
	if (d > window || d < -window)
		return false;
	static const char *const ids[] = { "admin_id", "network_id", "serial" };
	int shared = 0;
	for (size_t i = 0; i < 3; i++) {
		const char *va = ucf_mfinding_str(a, ids[i]), *vb = ucf_mfinding_str(b, ids[i]);
		if (va && vb) {
			if (strcmp(va, vb) != 0)
				return false;
			shared++;
		}
	}
	return shared > 0;
}

static int add_fresh(struct run *r, const json_t *lead, const char *key)
{
	struct fresh *grown = ucf_grow_array(r->fresh, NULL, r->nfresh + 1, sizeof(*grown), 0);
	if (!grown)
		return -ENOMEM;
	r->fresh = grown;
	struct fresh *f = &r->fresh[r->nfresh++];
	f->lead = lead;
	f->attached = json_array();
	f->ts = ts_or_now(lead, r->m->now);
	snprintf(f->key, sizeof(f->key), "%s", key);
	return f->attached ? 0 : -ENOMEM;
}

static bool is_history(struct run *r, const json_t *f, enum ucf_msource src)
{
	int64_t t = ucf_mfinding_ts(f);
	return t != INT64_MIN && t < r->m->horizon[src];
}

/* ---- primaries ------------------------------------------------------------ */

static int on_capture(struct run *r, const json_t *f)
{
	const char *id = ucf_mfinding_str(f, "key"), *status = ucf_mfinding_str(f, "status");
	json_t *entry = json_object_get(r->captures, id);
	if (entry) {
		/* ts is when it was last listed: what drops out of the lists is
		 * forgotten after keep, what stays listed is remembered. */
		json_object_set_new(entry, "ts", json_integer(r->m->now));
		const char *was = json_string_value(json_object_get(entry, "status"));
		if (status && (!was || strcmp(was, status) != 0)) {
			const char *alert = json_string_value(json_object_get(entry, "alert"));
			notef(r, "capture %s: status %s -> %s (recorded; %s)", id, was ? was : "?", status,
			      alert ? "already alerted" : "history");
			json_object_set_new(entry, "status", json_string(status));
		}
		return 0;
	}
	entry = json_pack("{s:s?, s:I}", "status", status, "ts", (json_int_t)r->m->now);
	if (is_history(r, f, UCF_MS_CAPTURES)) {
		r->history++;
		return json_object_set_new(r->captures, id, entry) < 0 ? -ENOMEM : 0;
	}
	char key[512];
	snprintf(key, sizeof(key), "capture|%s|%s", r->m->org, id);
	json_object_set_new(r->captures, id, entry);
	return add_fresh(r, f, key);
}

static int on_schedule(struct run *r, const json_t *f)
{
	const char *id = ucf_mfinding_str(f, "key");
	bool enabled = json_is_true(json_object_get(f, "enabled"));
	json_t *entry = json_object_get(r->schedules, id);
	char key[512];
	if (entry) {
		bool was = json_is_true(json_object_get(entry, "enabled"));
		json_object_set_new(entry, "enabled", json_boolean(enabled));
		json_object_set_new(entry, "ts", json_integer(r->m->now));
		if (was == enabled)
			return 0;
		if (!enabled) {
			notef(r, "capture schedule %s disabled (recorded)", id);
			return 0;
		}
		/* Newly enabled: keyed by when, so a later re-enable alerts again. */
		snprintf(key, sizeof(key), "schedule|%s|%s|enabled@%lld", r->m->org, id,
			 (long long)ts_or_now(f, r->m->now));
		return add_fresh(r, f, key);
	}
	entry = json_pack("{s:b, s:I}", "enabled", enabled, "ts", (json_int_t)r->m->now);
	json_object_set_new(r->schedules, id, entry);
	/* A schedule is news if created (or changed) within the horizon. */
	if (is_history(r, f, UCF_MS_SCHEDULES)) {
		r->history++;
		return 0;
	}
	snprintf(key, sizeof(key), "schedule|%s|%s|new", r->m->org, id);
	return add_fresh(r, f, key);
}

/* ---- secondaries ---------------------------------------------------------- */

static void seen_key(const json_t *f, char *buf, size_t buflen)
{
	snprintf(buf, buflen, "%s/%s", ucf_mfinding_str(f, "source"), ucf_mfinding_str(f, "key"));
}

static void mark_seen(struct run *r, const json_t *f)
{
	char k[256];
	seen_key(f, k, sizeof(k));
	json_object_set_new(r->seen, k, json_integer(r->m->now));
}

static const json_t *matching_activity(struct run *r, const json_t *f)
{
	size_t i;
	const json_t *a;
	json_array_foreach (r->activities, i, a)
		if (correlates(f, a, r->m->window, r->m->now))
			return a;
	return NULL;
}

static int source_rank(const json_t *f)
{
	switch (ucf_msource_parse(ucf_mfinding_str(f, "source"))) {
	case UCF_MS_API_REQUESTS: return 0; /* the most telling: source IP, user agent */
	case UCF_MS_CONFIG_CHANGES: return 1;
	default: return 2;
	}
}

/* Unmatched entries about one activity become one alert, led by the most
 * telling source. */
static int group_unmatched(struct run *r, json_t *unmatched)
{
	size_t n = json_array_size(unmatched);
	bool *done = calloc(n ? n : 1, sizeof(*done));
	if (!done)
		return -ENOMEM;
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < n; i++) {
		if (done[i])
			continue;
		json_t *group = json_array();
		json_array_append(group, json_array_get(unmatched, i));
		for (size_t j = i + 1; j < n; j++) {
			if (!done[j] && correlates(json_array_get(unmatched, i),
						   json_array_get(unmatched, j), r->m->window,
						   r->m->now)) {
				done[j] = true;
				json_array_append(group, json_array_get(unmatched, j));
			}
		}
		size_t lead = 0;
		for (size_t j = 1; j < json_array_size(group); j++)
			if (source_rank(json_array_get(group, j)) <
			    source_rank(json_array_get(group, lead)))
				lead = j;
		const json_t *l = json_array_get(group, lead);
		char key[512];
		snprintf(key, sizeof(key), "%s|%s|%s", ucf_mfinding_str(l, "source"), r->m->org,
			 ucf_mfinding_str(l, "key"));
		rc = add_fresh(r, l, key);
		if (rc == 0) {
			for (size_t j = 0; j < json_array_size(group); j++)
				if (j != lead)
					json_array_append(r->fresh[r->nfresh - 1].attached,
							  json_array_get(group, j));
		}
		json_decref(group);
	}
	free(done);
	return rc;
}

static bool in_list(const json_t *list, const json_t *f)
{
	size_t i;
	const json_t *x;
	const char *src = ucf_mfinding_str(f, "source"), *key = ucf_mfinding_str(f, "key");
	json_array_foreach (list, i, x)
		if (strcmp(ucf_mfinding_str(x, "source"), src) == 0 &&
		    strcmp(ucf_mfinding_str(x, "key"), key) == 0)
			return true;
	return false;
}

static int on_secondaries(struct run *r, const json_t *findings, json_t *pending,
			  json_t *unmatched, json_t *keep)
{
	json_t *candidates = json_copy(member(r->state, "pending", true));
	size_t i;
	const json_t *f;
	json_array_foreach (findings, i, f) {
		int src = ucf_msource_parse(ucf_mfinding_str(f, "source"));
		/* the directory (networks, devices) names sites; it is not news */
		if (src == UCF_MS_CAPTURES || src == UCF_MS_SCHEDULES || src < 0 ||
		    src >= UCF_MS_EVENT_TYPES)
			continue;
		if (!in_list(candidates, f))
			json_array_append(candidates, (json_t *)f);
	}
	json_t *c;
	json_array_foreach (candidates, i, c) {
		char k[256];
		seen_key(c, k, sizeof(k));
		if (json_object_get(r->seen, k)) {
			mark_seen(r, c); /* still listed: remember it longer */
			continue;
		}
		enum ucf_msource src = (enum ucf_msource)ucf_msource_parse(ucf_mfinding_str(c, "source"));
		if (is_history(r, c, src)) {
			r->history++;
			mark_seen(r, c);
			continue;
		}
		/* The closest in time of the new captures it correlates with: one
		 * admin may start captures at two sites minutes apart. */
		struct fresh *best = NULL;
		int64_t best_d = INT64_MAX, t = ts_or_now(c, r->m->now);
		for (size_t j = 0; j < r->nfresh; j++) {
			int lsrc = ucf_msource_parse(ucf_mfinding_str(r->fresh[j].lead, "source"));
			int64_t d = ts_or_now(r->fresh[j].lead, r->m->now) - t;
			d = d < 0 ? -d : d;
			if ((lsrc == UCF_MS_CAPTURES || lsrc == UCF_MS_SCHEDULES) && d < best_d &&
			    correlates(c, r->fresh[j].lead, r->m->window, r->m->now)) {
				best = &r->fresh[j];
				best_d = d;
			}
		}
		if (best) {
			json_array_append(best->attached, c);
			mark_seen(r, c);
			continue;
		}
		/* A follow-up (a download, a stop, a deletion...) of a capture
		 * alerted in an earlier cycle is news of its own: it is not the
		 * same activity, however close in time. */
		const json_t *act = json_is_true(json_object_get(c, "follow_up"))
					    ? NULL
					    : matching_activity(r, c);
		if (act) {
			notef(r, "%s entry at %lld matches alert %s (recorded, not repeated)",
			      ucf_mfinding_str(c, "source"), (long long)ts_or_now(c, r->m->now),
			      json_string_value(json_object_get(act, "alert")));
			mark_seen(r, c);
			continue;
		}
		if (r->m->now - ts_or_now(c, r->m->now) < r->m->window || !r->m->primaries_complete) {
			json_array_append(pending, c); /* the capture may show up next cycle */
			continue;
		}
		json_array_append(unmatched, c);
		mark_seen(r, c);
	}
	/* Findings referenced by fresh records must survive `candidates`. */
	json_array_extend(keep, candidates);
	json_decref(candidates);
	return 0;
}

/* ---- output --------------------------------------------------------------- */

static int by_ts(const void *a, const void *b)
{
	const struct fresh *x = a, *y = b;
	return x->ts < y->ts ? -1 : x->ts > y->ts;
}

static int emit(struct run *r, struct ucf_alert_list *out, char *err, size_t errlen)
{
	/* Oldest activity first; the index breaks ties, as qsort is not stable. */
	for (size_t i = 0; i < r->nfresh; i++)
		r->fresh[i].ts = r->fresh[i].ts * 4096 + (int64_t)(i % 4096);
	if (r->nfresh > 1)
		qsort(r->fresh, r->nfresh, sizeof(*r->fresh), by_ts);
	for (size_t i = 0; i < r->nfresh; i++) {
		struct fresh *f = &r->fresh[i];
		struct ucf_alert *a;
		int rc = ucf_malert_build(r->m, f->lead, f->attached, f->key, &a, err, errlen);
		if (rc < 0)
			return rc;
		struct ucf_alert **grown =
			ucf_grow_array(out->items, NULL, out->count + 1, sizeof(*grown), 0);
		if (!grown) {
			ucf_alert_free(a);
			return -ENOMEM;
		}
		out->items = grown;
		out->items[out->count++] = a;
		json_t *act = json_pack("{s:s, s:s, s:I}", "alert", a->id, "topic",
					ucf_mfinding_str(f->lead, "topic"), "ts",
					(json_int_t)ts_or_now(f->lead, r->m->now));
		static const char *const ids[] = { "admin_id", "network_id", "serial" };
		for (size_t k = 0; k < 3; k++) {
			const char *v = ucf_mfinding_str(f->lead, ids[k]);
			size_t j;
			const json_t *att;
			json_array_foreach (f->attached, j, att)
				if (!v)
					v = ucf_mfinding_str(att, ids[k]);
			if (v)
				json_object_set_new(act, ids[k], json_string(v));
		}
		json_array_append_new(r->activities, act);
		if (ucf_msource_parse(ucf_mfinding_str(f->lead, "source")) == UCF_MS_CAPTURES)
			json_object_set_new(json_object_get(r->captures, ucf_mfinding_str(f->lead, "key")),
					    "alert", json_string(a->id));
	}
	return 0;
}

static size_t prune_array(json_t *a, int64_t cutoff)
{
	size_t n = 0;
	for (size_t i = json_array_size(a); i-- > 0;)
		if (json_integer_value(json_object_get(json_array_get(a, i), "ts")) < cutoff) {
			json_array_remove(a, i);
			n++;
		}
	return n;
}

size_t ucf_mstate_prune(json_t *state, int64_t cutoff)
{
	size_t n = 0;
	const char *k;
	void *tmp;
	json_t *v, *seen = json_object_get(state, "seen");
	if (json_is_object(seen))
		json_object_foreach_safe (seen, tmp, k, v)
			if (json_integer_value(v) < cutoff) {
				json_object_del(seen, k);
				n++;
			}
	static const char *const maps[] = { "captures", "schedules" };
	for (size_t i = 0; i < 2; i++) {
		json_t *map = json_object_get(state, maps[i]);
		if (json_is_object(map))
			json_object_foreach_safe (map, tmp, k, v)
				if (json_integer_value(json_object_get(v, "ts")) < cutoff) {
					json_object_del(map, k);
					n++;
				}
	}
	n += prune_array(json_object_get(state, "activities"), cutoff);
	n += prune_array(json_object_get(state, "pending"), cutoff);
	return n;
}

/* Forgets what is older than keep: it can no longer come back as news. */
static void prune(struct run *r)
{
	ucf_mstate_prune(r->state, r->m->now - r->m->keep);
}

int ucf_mmerge(json_t *state, const struct ucf_mmerge *m, const json_t *findings,
	       struct ucf_alert_list *out, ucf_mnote_fn note, void *note_ctx, char *err,
	       size_t errlen)
{
	struct run r = {
		.m = m, .state = state, .note = note, .note_ctx = note_ctx,
		.captures = member(state, "captures", false),
		.schedules = member(state, "schedules", false),
		.seen = member(state, "seen", false),
		.activities = member(state, "activities", true),
	};
	json_t *pending = json_array(), *unmatched = json_array(), *keep = json_array();
	int rc = 0;
	size_t i;
	const json_t *f;
	json_array_foreach (findings, i, f) {
		int src = ucf_msource_parse(ucf_mfinding_str(f, "source"));
		if (!ucf_mfinding_str(f, "key") || !ucf_mfinding_str(f, "topic"))
			continue;
		if (src == UCF_MS_CAPTURES)
			rc = on_capture(&r, f);
		else if (src == UCF_MS_SCHEDULES)
			rc = on_schedule(&r, f);
		if (rc < 0)
			break;
	}
	if (rc == 0)
		rc = on_secondaries(&r, findings, pending, unmatched, keep);
	if (rc == 0)
		rc = group_unmatched(&r, unmatched);
	if (rc == 0)
		rc = emit(&r, out, err, errlen);
	else
		snprintf(err, errlen, "out of memory");
	if (rc == 0) {
		json_object_set(state, "pending", pending);
		prune(&r);
		if (r.history)
			notef(&r, "%zu entr%s older than the horizon recorded as history (not alerted)",
			      r.history, r.history == 1 ? "y" : "ies");
	}
	for (size_t j = 0; j < r.nfresh; j++)
		json_decref(r.fresh[j].attached);
	free(r.fresh);
	json_decref(pending);
	json_decref(unmatched);
	json_decref(keep);
	return rc;
}
