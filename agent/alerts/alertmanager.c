/* alertmanager.c — the Alertmanager peers: one durable queue each, and the
 * v2 API body. */
#include "alertmanager.h"

#include <curl/curl.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "erase.h"
#include "timefmt.h"

#define MAX_DESCRIPTION 4096

struct peer {
	char *url; /* as written in the config: the key of its files */
	char name[300];
	char post_url[4200];
	struct ucf_sendq *q;
};

struct ucf_alertmanager {
	struct peer *peers;
	size_t count;
	char *state_dir;
	struct ucf_reactor *r;
	struct ucf_http *h;
	const struct ucf_log *log;
};

/* ---- the body ------------------------------------------------------------ */

/* One paragraph a person reads, at most MAX_DESCRIPTION bytes: a longer
 * one is cut at a UTF-8 character boundary and marked. */
static char *description(const struct ucf_alert *a)
{
	char when[UCF_TIME_LEN], *details = json_dumps(a->details, JSON_COMPACT | JSON_SORT_KEYS);
	char *out = NULL;
	ucf_time_format(a->time, when);
	if (asprintf(&out, "%s %s at site %s, raised %s by ucfence (alert %s). Details: %s",
		     ucf_severity_name(a->severity), a->kind, a->site, when, a->id,
		     details ? details : "{}") < 0)
		out = NULL;
	free(details);
	if (out && strlen(out) >= MAX_DESCRIPTION) {
		size_t cut = MAX_DESCRIPTION - sizeof(" [...]");
		while (cut > 0 && ((unsigned char)out[cut] & 0xc0) == 0x80)
			cut--; /* out[cut] starts a character: cut before it */
		memcpy(out + cut, " [...]", sizeof(" [...]"));
	}
	return out;
}

char *ucf_alertmanager_payload(const struct ucf_alert *a, uint64_t resolve_after_s, int64_t now)
{
	char starts[UCF_TIME_LEN], ends[UCF_TIME_LEN];
	ucf_time_format(a->time, starts);
	ucf_time_format((now > a->time ? now : a->time) + (int64_t)resolve_after_s, ends);
	char *desc = description(a);
	json_t *body = desc ? json_pack("[{s:{s:s, s:s, s:s, s:s}, s:{s:s, s:s}, s:s, s:s}]",
				       "labels", "alertname", a->kind, "severity",
				       ucf_severity_name(a->severity), "site", a->site, "alert_id",
				       a->id, "annotations", "summary", a->summary, "description",
				       desc, "startsAt", starts, "endsAt", ends)
			    : NULL;
	free(desc);
	char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
	json_decref(body);
	return text;
}

int ucf_alertmanager_post_url(const char *base, char *out, size_t outlen)
{
	size_t len = strlen(base);
	while (len > 0 && base[len - 1] == '/')
		len--;
	int n = snprintf(out, outlen, "%.*s/api/v2/alerts", (int)len, base);
	return n < 0 || (size_t)n >= outlen ? -ENAMETOOLONG : 0;
}

void ucf_alertmanager_origin(const char *url, char *out, size_t outlen)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL, *port = NULL;
	snprintf(out, outlen, "?");
	if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK) {
		if (curl_url_get(u, CURLUPART_PORT, &port, 0) == CURLUE_OK)
			snprintf(out, outlen, "%s://%s:%s", scheme, host, port);
		else
			snprintf(out, outlen, "%s://%s", scheme, host);
	}
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
}

void ucf_alertmanager_files(const char *url, char queue[UCF_AM_FILE_LEN],
			    char dead[UCF_AM_FILE_LEN])
{
	char id[UCF_ALERT_ID_LEN];
	ucf_alert_id("alertmanager-peer", url, "", id); /* any stable hash of the URL */
	snprintf(queue, UCF_AM_FILE_LEN, "alertmanager-%.16s-queue.jsonl", id);
	snprintf(dead, UCF_AM_FILE_LEN, "alertmanager-%.16s-dead.jsonl", id);
}

/* ---- the peers ----------------------------------------------------------- */

/* The peer's destination; its strings are p's and cfg's. */
static struct ucf_sendq_dest peer_dest(const struct peer *p, const struct ucf_config *cfg,
				       char queue[UCF_AM_FILE_LEN], char dead[UCF_AM_FILE_LEN])
{
	ucf_alertmanager_files(p->url, queue, dead);
	return (struct ucf_sendq_dest){
		.name = p->name,
		.url = p->post_url,
		.queue_file = queue,
		.dead_file = dead,
		.format = ucf_alertmanager_payload,
		.format_arg = cfg->alerts.alertmanager.resolve_after_s,
		.ca_file = cfg->alerts.alertmanager.ca_file,
		.bearer_file = cfg->alerts.alertmanager.bearer_token_file,
		.basic_user = cfg->alerts.alertmanager.basic_user,
		.basic_password_file = cfg->alerts.alertmanager.basic_password_file,
	};
}

static void peer_free(struct peer *p)
{
	ucf_sendq_close(p->q);
	free(p->url);
	memset(p, 0, sizeof(*p));
}

static int peer_open(struct ucf_alertmanager *am, struct peer *p, const char *url,
		     const struct ucf_config *cfg, char *err, size_t errlen)
{
	char origin[256], queue[UCF_AM_FILE_LEN], dead[UCF_AM_FILE_LEN];
	memset(p, 0, sizeof(*p));
	if (!(p->url = strdup(url))) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	ucf_alertmanager_origin(url, origin, sizeof(origin));
	snprintf(p->name, sizeof(p->name), "alertmanager %s", origin);
	int rc = ucf_alertmanager_post_url(url, p->post_url, sizeof(p->post_url));
	if (rc < 0)
		snprintf(err, errlen, "%s: URL too long", p->name);
	struct ucf_sendq_dest d = peer_dest(p, cfg, queue, dead);
	if (rc == 0)
		rc = ucf_sendq_open(&p->q, &d, am->state_dir, am->r, am->h, am->log, err, errlen);
	if (rc < 0)
		peer_free(p);
	return rc;
}

static struct peer *find(struct peer *peers, size_t n, const char *url)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(peers[i].url, url) == 0)
			return &peers[i];
	return NULL;
}

void ucf_alertmanager_close(struct ucf_alertmanager *am)
{
	if (!am)
		return;
	for (size_t i = 0; i < am->count; i++)
		peer_free(&am->peers[i]);
	free(am->peers);
	free(am->state_dir);
	free(am);
}

int ucf_alertmanager_open(struct ucf_alertmanager **out, const struct ucf_config *cfg,
			  struct ucf_reactor *r, struct ucf_http *h, const struct ucf_log *log,
			  char *err, size_t errlen)
{
	*out = NULL;
	const struct ucf_string_list *urls = &cfg->alerts.alertmanager.urls;
	if (urls->count == 0)
		return 0;
	struct ucf_alertmanager *am = calloc(1, sizeof(*am));
	if (!am || !(am->state_dir = strdup(cfg->state_dir)) ||
	    !(am->peers = calloc(urls->count, sizeof(*am->peers)))) {
		ucf_alertmanager_close(am);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	am->r = r;
	am->h = h;
	am->log = log;
	for (; am->count < urls->count; am->count++) {
		int rc = peer_open(am, &am->peers[am->count], urls->items[am->count], cfg, err,
				   errlen);
		if (rc < 0) {
			ucf_alertmanager_close(am);
			return rc;
		}
	}
	*out = am;
	return 0;
}

static bool same_str(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

/* Whether a peer's destination differs between the two configs (its URL
 * aside): then it is retargeted, else its backoff stays as it is. */
static bool options_changed(const struct ucf_config *old, const struct ucf_config *cfg)
{
	return old->alerts.alertmanager.resolve_after_s != cfg->alerts.alertmanager.resolve_after_s ||
	       !same_str(old->alerts.alertmanager.ca_file, cfg->alerts.alertmanager.ca_file) ||
	       !same_str(old->alerts.alertmanager.bearer_token_file,
			 cfg->alerts.alertmanager.bearer_token_file) ||
	       !same_str(old->alerts.alertmanager.basic_user, cfg->alerts.alertmanager.basic_user) ||
	       !same_str(old->alerts.alertmanager.basic_password_file,
			 cfg->alerts.alertmanager.basic_password_file);
}

int ucf_alertmanager_reconfigure(struct ucf_alertmanager *am, const struct ucf_config *old,
				 const struct ucf_config *cfg, char *err, size_t errlen)
{
	const struct ucf_string_list *urls = &cfg->alerts.alertmanager.urls;
	struct peer *next = calloc(urls->count ? urls->count : 1, sizeof(*next));
	bool *fresh = calloc(urls->count ? urls->count : 1, sizeof(*fresh));
	int rc = next && fresh ? 0 : -ENOMEM;
	if (rc < 0)
		snprintf(err, errlen, "out of memory");
	size_t n = 0;
	/* first everything that can fail: the new peers' queues */
	for (; rc == 0 && n < urls->count; n++) {
		struct peer *kept = find(am->peers, am->count, urls->items[n]);
		if (kept) {
			next[n] = *kept;
		} else {
			fresh[n] = true;
			rc = peer_open(am, &next[n], urls->items[n], cfg, err, errlen);
		}
	}
	if (rc < 0) {
		for (size_t i = 0; i < n; i++)
			if (fresh[i])
				peer_free(&next[i]);
		free(next);
		free(fresh);
		return rc;
	}
	/* then the kept ones take the new options if they changed (a copy of
	 * strings: only ENOMEM, and then that peer keeps its old ones, logged) */
	bool retarget = options_changed(old, cfg);
	for (size_t i = 0; i < n; i++) {
		char queue[UCF_AM_FILE_LEN], dead[UCF_AM_FILE_LEN], why[256];
		struct ucf_sendq_dest d = peer_dest(&next[i], cfg, queue, dead);
		if (fresh[i])
			ucf_sendq_kick(next[i].q); /* what an earlier run left queued */
		else if (retarget && ucf_sendq_retarget(next[i].q, &d, why, sizeof(why)) < 0)
			ucf_log_warnx(am->log, "%s: %s", next[i].name, why);
	}
	for (size_t i = 0; i < am->count; i++) /* removed: files stay on disk */
		if (!find(next, n, am->peers[i].url))
			peer_free(&am->peers[i]);
	free(am->peers);
	free(fresh);
	am->peers = next;
	am->count = n;
	return 0;
}

int ucf_alertmanager_enqueue(struct ucf_alertmanager *am, const struct ucf_alert *a, char *err,
			     size_t errlen)
{
	for (size_t i = 0; i < am->count; i++) {
		if (ucf_sendq_queued(am->peers[i].q, a->id))
			continue;
		int rc = ucf_sendq_enqueue(am->peers[i].q, a, err, errlen);
		if (rc < 0)
			return rc;
	}
	return 0;
}

void ucf_alertmanager_kick(struct ucf_alertmanager *am)
{
	for (size_t i = 0; i < am->count; i++)
		ucf_sendq_kick(am->peers[i].q);
}

bool ucf_alertmanager_busy(const struct ucf_alertmanager *am)
{
	for (size_t i = 0; am && i < am->count; i++)
		if (ucf_sendq_busy(am->peers[i].q))
			return true;
	return false;
}

size_t ucf_alertmanager_peer_count(const struct ucf_alertmanager *am)
{
	return am ? am->count : 0;
}

const char *ucf_alertmanager_peer(const struct ucf_alertmanager *am, size_t i,
				  struct ucf_sendq_stats *stats)
{
	ucf_sendq_stats(am->peers[i].q, stats);
	return am->peers[i].name;
}

/* ---- files: retention and erasure ---------------------------------------- */

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* Whether name is one of an open peer's files. */
static bool open_peer_file(const struct ucf_alertmanager *am, const char *name)
{
	for (size_t i = 0; am && i < am->count; i++) {
		char queue[UCF_AM_FILE_LEN], dead[UCF_AM_FILE_LEN];
		ucf_alertmanager_files(am->peers[i].url, queue, dead);
		if (strcmp(name, queue) == 0 || strcmp(name, dead) == 0)
			return true;
	}
	return false;
}

/* Calls fn(path, is_queue) for each Alertmanager file in state_dir that no
 * open peer owns. */
typedef int (*file_fn)(const char *path, bool is_queue, void *ctx, char *err, size_t errlen);
static int each_orphan(const struct ucf_alertmanager *am, const char *state_dir, file_fn fn,
		       void *ctx, char *err, size_t errlen)
{
	DIR *d = opendir(state_dir);
	if (!d) {
		if (errno == ENOENT)
			return 0;
		int rc = -errno;
		snprintf(err, errlen, "%s: %s", state_dir, strerror(errno));
		return rc;
	}
	int rc = 0;
	struct dirent *e;
	while (rc == 0 && (e = readdir(d)) != NULL) {
		bool queue = ends_with(e->d_name, "-queue.jsonl"),
		     dead = ends_with(e->d_name, "-dead.jsonl");
		if (strncmp(e->d_name, "alertmanager-", 13) != 0 || !(queue || dead) ||
		    open_peer_file(am, e->d_name))
			continue;
		char path[4400];
		snprintf(path, sizeof(path), "%s/%s", state_dir, e->d_name);
		rc = fn(path, queue, ctx, err, errlen);
	}
	closedir(d);
	return rc;
}

struct prune_ctx {
	int64_t cutoff;
	size_t expired;
};

static int prune_orphan(const char *path, bool is_queue, void *ctx, char *err, size_t errlen)
{
	struct prune_ctx *c = ctx;
	size_t n = 0;
	int rc = ucf_sendq_prune_files(is_queue ? path : NULL, is_queue ? NULL : path, c->cutoff,
				       &n, NULL, err, errlen);
	if (is_queue)
		c->expired += n;
	return rc;
}

int ucf_alertmanager_prune(struct ucf_alertmanager *am, const char *state_dir, int64_t cutoff,
			   size_t *expired, char *err, size_t errlen)
{
	struct prune_ctx c = { .cutoff = cutoff };
	int rc = 0;
	for (size_t i = 0; rc == 0 && am && i < am->count; i++) {
		size_t n = 0;
		rc = ucf_sendq_prune(am->peers[i].q, cutoff, &n, NULL, err, errlen);
		c.expired += n;
	}
	if (rc == 0)
		rc = each_orphan(am, state_dir, prune_orphan, &c, err, errlen);
	*expired = c.expired;
	return rc;
}

struct erase_ctx {
	const struct ucf_erase_target *t;
	size_t queued, dead;
};

static int erase_file(const char *path, bool is_queue, void *ctx, char *err, size_t errlen)
{
	struct erase_ctx *c = ctx;
	size_t n = 0;
	int rc = is_queue ? ucf_sendq_erase_file(path, c->t, &n, err, errlen)
			  : ucf_erase_jsonl(path, c->t, UCF_SENDQ_FILE_MODE, &n, err, errlen);
	*(is_queue ? &c->queued : &c->dead) += n;
	return rc;
}

int ucf_alertmanager_erase(struct ucf_alertmanager *am, const char *state_dir,
			   const struct ucf_erase_target *t, size_t *queued, size_t *dead,
			   char *err, size_t errlen)
{
	struct erase_ctx c = { .t = t };
	int rc = 0;
	for (size_t i = 0; rc == 0 && am && i < am->count; i++) {
		char queue[UCF_AM_FILE_LEN], dead_file[UCF_AM_FILE_LEN], path[4400];
		size_t nq = 0, nd = 0;
		ucf_alertmanager_files(am->peers[i].url, queue, dead_file);
		snprintf(path, sizeof(path), "%s/%s", state_dir, dead_file);
		rc = ucf_sendq_erase(am->peers[i].q, t, &nq, err, errlen);
		if (rc == 0)
			rc = ucf_erase_jsonl(path, t, UCF_SENDQ_FILE_MODE, &nd, err, errlen);
		c.queued += nq;
		c.dead += nd;
	}
	if (rc == 0)
		rc = each_orphan(am, state_dir, erase_file, &c, err, errlen);
	*queued = c.queued;
	*dead = c.dead;
	return rc;
}
