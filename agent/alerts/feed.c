/* feed.c — publishing alerts to the spool, the system log and the webhook. */
#include "feed.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alertlog.h"
#include "alertmanager.h"
#include "spool.h"
#include "statefile.h"
#include "timefmt.h"

#define PRUNE_EVERY_MS (3600u * 1000u)

struct ucf_feed {
	struct ucf_config *cfg; /* its own copy: the caller's may go on a reload */
	struct ucf_reactor *r;
	struct ucf_http *h;
	const struct ucf_log *log;
	int lock_fd;
	json_t *seen; /* id -> time, for every alert in the spool */
	size_t spool_dropped; /* oldest alerts dropped past UCF_SPOOL_MAX */
	struct ucf_sendq *webhook;
	struct ucf_alertmanager *am; /* NULL: no Alertmanager configured */
	struct ucf_timer prune_timer;
	ucf_feed_retain_fn retain;
	void *retain_ctx;
};

static int remember(const struct ucf_alert *a, void *ctx)
{
	return json_object_set_new(ctx, a->id, json_integer(a->time)) < 0 ? -ENOMEM : 0;
}

static int read_seen(const char *spool, json_t *seen, char *err, size_t errlen)
{
	json_object_clear(seen);
	int rc = ucf_spool_read(spool, INT64_MIN, remember, seen, NULL, err, errlen);
	return rc == -ENOENT ? 0 : rc;
}

static int load_seen(struct ucf_feed *f, char *err, size_t errlen)
{
	return read_seen(f->cfg->alerts.spool, f->seen, err, errlen);
}

/* Prunes spool to retention_s as of now; *changed: entries went. */
static int prune_spool(struct ucf_feed *f, const char *spool, uint64_t retention_s, int64_t now,
		       bool *changed, char *err, size_t errlen)
{
	int64_t cutoff = now - (int64_t)retention_s;
	size_t removed = 0, dropped = 0;
	int rc = ucf_spool_prune(spool, cutoff, UCF_SPOOL_MAX, &removed, &dropped, err, errlen);
	if (rc == 0 && dropped > 0) {
		f->spool_dropped += dropped;
		ucf_log_warnx(f->log, "alert spool past %zu MiB: %zu oldest alerts dropped",
			      UCF_SPOOL_MAX >> 20, dropped);
	}
	*changed = removed + dropped > 0;
	return rc;
}

static int prune_webhook(struct ucf_feed *f, int64_t cutoff, char *err, size_t errlen)
{
	size_t expired = 0, am_expired = 0;
	char queue[4200], dead[4200];
	snprintf(queue, sizeof(queue), "%s/" UCF_WEBHOOK_QUEUE_FILE, f->cfg->state_dir);
	snprintf(dead, sizeof(dead), "%s/" UCF_WEBHOOK_DEAD_FILE, f->cfg->state_dir);
	int rc = f->webhook ? ucf_sendq_prune(f->webhook, cutoff, &expired, NULL, err, errlen)
			    : ucf_sendq_prune_files(queue, dead, cutoff, &expired, NULL, err, errlen);
	if (expired > 0)
		ucf_log_warnx(f->log,
			      "webhook: %zu queued alert%s older than alerts.retention dropped "
			      "undelivered",
			      expired, expired == 1 ? "" : "s");
	/* every peer's queue, and the files of peers no longer configured */
	if (rc == 0)
		rc = ucf_alertmanager_prune(f->am, f->cfg->state_dir, cutoff, &am_expired, err,
					    errlen);
	if (am_expired > 0)
		ucf_log_warnx(f->log,
			      "alertmanager: %zu queued alert%s older than alerts.retention dropped "
			      "undelivered",
			      am_expired, am_expired == 1 ? "" : "s");
	return rc;
}

/* The spool alone, and the memory of what it holds. */
static int prune_own_spool(struct ucf_feed *f, int64_t now, char *err, size_t errlen)
{
	bool changed;
	int rc = prune_spool(f, f->cfg->alerts.spool, f->cfg->alerts.retention_s, now, &changed,
			     err, errlen);
	if (rc == 0 && changed)
		rc = load_seen(f, err, errlen);
	return rc;
}

int ucf_feed_prune_at(struct ucf_feed *f, int64_t now, char *err, size_t errlen)
{
	int64_t cutoff = now - (int64_t)f->cfg->alerts.retention_s;
	int rc = prune_own_spool(f, now, err, errlen);
	if (rc == 0)
		rc = prune_webhook(f, cutoff, err, errlen);
	if (rc == 0 && f->retain)
		rc = f->retain(f->retain_ctx, cutoff, err, errlen);
	return rc;
}

int ucf_feed_prune(struct ucf_feed *f, char *err, size_t errlen)
{
	return ucf_feed_prune_at(f, ucf_time_now(), err, errlen);
}

int ucf_feed_set_retainer(struct ucf_feed *f, ucf_feed_retain_fn fn, void *ctx, char *err,
			  size_t errlen)
{
	f->retain = fn;
	f->retain_ctx = ctx;
	return fn ? fn(ctx, ucf_time_now() - (int64_t)f->cfg->alerts.retention_s, err, errlen) : 0;
}

static void on_prune(void *ctx)
{
	struct ucf_feed *f = ctx;
	char err[512];
	if (ucf_feed_prune(f, err, sizeof(err)) < 0)
		ucf_log_warnx(f->log, "alerts.retention: %s", err);
	ucf_timer_arm(f->r, &f->prune_timer, PRUNE_EVERY_MS, on_prune, f);
}

static int take_lock(struct ucf_feed *f, char *err, size_t errlen)
{
	char path[4200];
	snprintf(path, sizeof(path), "%s/feed.lock", f->cfg->state_dir);
	f->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (f->lock_fd < 0) {
		int rc = -errno;
		snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
		return rc;
	}
	if (flock(f->lock_fd, LOCK_EX | LOCK_NB) < 0) {
		int rc = errno == EWOULDBLOCK ? -EBUSY : -errno;
		snprintf(err, errlen, "the alert feed in %s is in use by another ucfence process",
			 f->cfg->state_dir);
		return rc;
	}
	return 0;
}

/* The spool may live outside the state directory: readable by the admin group. */
static int spool_dir(const char *spool, char *err, size_t errlen)
{
	char dir[4096];
	snprintf(dir, sizeof(dir), "%s", spool);
	return ucf_mkdir_p(dirname(dir), 0750, err, errlen);
}

int ucf_feed_open(struct ucf_feed **out, const struct ucf_config *cfg, struct ucf_reactor *r,
		  struct ucf_http *h, const struct ucf_log *log, char *err, size_t errlen)
{
	struct ucf_feed *f = calloc(1, sizeof(*f));
	if (!f || !(f->seen = json_object())) {
		free(f);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	f->r = r;
	f->h = h;
	f->log = log;
	f->lock_fd = -1;
	if (ucf_config_dup(cfg, &f->cfg) < 0) {
		json_decref(f->seen);
		free(f);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	cfg = f->cfg;
	int rc = ucf_mkdir_p(cfg->state_dir, 0700, err, errlen);
	if (rc == 0)
		rc = spool_dir(cfg->alerts.spool, err, errlen);
	if (rc == 0)
		rc = take_lock(f, err, errlen);
	if (rc == 0)
		rc = ucf_feed_prune(f, err, errlen); /* also repairs a torn last line */
	if (rc == 0)
		rc = load_seen(f, err, errlen);
	if (rc == 0 && cfg->alerts.webhook_url) {
		struct ucf_sendq_dest d = ucf_webhook_dest(cfg);
		rc = ucf_sendq_open(&f->webhook, &d, cfg->state_dir, r, h, log, err, errlen);
	}
	if (rc == 0)
		rc = ucf_alertmanager_open(&f->am, cfg, r, h, log, err, errlen);
	if (rc < 0) {
		ucf_feed_close(f);
		return rc;
	}
	ucf_timer_arm(r, &f->prune_timer, PRUNE_EVERY_MS, on_prune, f);
	ucf_feed_kick(f); /* what a previous run left queued */
	*out = f;
	return 0;
}

void ucf_feed_close(struct ucf_feed *f)
{
	if (!f)
		return;
	ucf_sendq_close(f->webhook);
	ucf_alertmanager_close(f->am);
	if (f->r)
		ucf_timer_cancel(f->r, &f->prune_timer);
	if (f->lock_fd >= 0)
		close(f->lock_fd);
	json_decref(f->seen);
	ucf_config_free(f->cfg);
	free(f);
}

static bool same(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

int ucf_feed_reconfigure(struct ucf_feed *f, const struct ucf_config *cfg, char *err,
			 size_t errlen)
{
	if (!same(cfg->state_dir, f->cfg->state_dir)) {
		snprintf(err, errlen,
			 "state_dir cannot change while the feed is open (its lock and the webhook "
			 "queue live in %s)",
			 f->cfg->state_dir);
		return -EINVAL;
	}
	struct ucf_config *copy = NULL;
	json_t *seen = NULL;
	struct ucf_sendq *opened = NULL;
	struct ucf_alertmanager *am_opened = NULL;
	const struct ucf_config *old = f->cfg;
	bool new_spool = !same(cfg->alerts.spool, old->alerts.spool), changed = false;
	int rc = ucf_config_dup(cfg, &copy);
	if (rc < 0)
		snprintf(err, errlen, "out of memory");
	if (rc == 0 && new_spool) { /* the memory of what was raised is the new spool's */
		if (!(seen = json_object())) {
			snprintf(err, errlen, "out of memory");
			rc = -ENOMEM;
		}
		if (rc == 0)
			rc = spool_dir(copy->alerts.spool, err, errlen);
		if (rc == 0)
			rc = prune_spool(f, copy->alerts.spool, copy->alerts.retention_s,
					 ucf_time_now(), &changed, err, errlen);
		if (rc == 0)
			rc = read_seen(copy->alerts.spool, seen, err, errlen);
	}
	struct ucf_sendq_dest wd = ucf_webhook_dest(copy);
	if (rc == 0 && copy->alerts.webhook_url && !f->webhook)
		rc = ucf_sendq_open(&opened, &wd, copy->state_dir, f->r, f->h, f->log, err, errlen);
	bool want_am = copy->alerts.alertmanager.urls.count > 0;
	if (rc == 0 && want_am && !f->am)
		rc = ucf_alertmanager_open(&am_opened, copy, f->r, f->h, f->log, err, errlen);
	/* last: the steps that change the running feed before they can fail
	 * (the peers' changes are all-or-nothing; the webhook's retarget fails
	 * only for memory, and then nothing else has changed but the peers) */
	if (rc == 0 && want_am && f->am)
		rc = ucf_alertmanager_reconfigure(f->am, old, copy, err, errlen);
	if (rc == 0 && copy->alerts.webhook_url && f->webhook &&
	    (!same(copy->alerts.webhook_url, old->alerts.webhook_url) ||
	     copy->alerts.webhook_format != old->alerts.webhook_format))
		rc = ucf_sendq_retarget(f->webhook, &wd, err, errlen);
	if (rc < 0) {
		ucf_sendq_close(opened);
		ucf_alertmanager_close(am_opened);
		json_decref(seen);
		ucf_config_free(copy);
		return rc;
	}
	bool shorter = copy->alerts.retention_s < old->alerts.retention_s;
	if (seen) {
		json_decref(f->seen);
		f->seen = seen;
	}
	if (opened) {
		f->webhook = opened;
		ucf_sendq_kick(opened); /* what an earlier webhook left queued */
	} else if (!copy->alerts.webhook_url && f->webhook) {
		/* its queue stays on disk, for when a webhook is configured again */
		ucf_sendq_close(f->webhook);
		f->webhook = NULL;
	}
	if (am_opened) {
		f->am = am_opened;
		ucf_alertmanager_kick(am_opened); /* what earlier peers left queued */
	} else if (!want_am && f->am) {
		/* the peers' queues stay on disk, pruned and erased all the same */
		ucf_alertmanager_close(f->am);
		f->am = NULL;
	}
	ucf_config_free(f->cfg);
	f->cfg = copy;
	char why[512];
	if ((new_spool || shorter) && ucf_feed_prune(f, why, sizeof(why)) < 0)
		ucf_log_warnx(f->log, "alerts.retention: %s", why);
	return 0;
}

int ucf_feed_erase(struct ucf_feed *f, const struct ucf_erase_target *t,
		   struct ucf_feed_erased *out, char *err, size_t errlen)
{
	char queue[4200], dead[4200];
	memset(out, 0, sizeof(*out));
	snprintf(queue, sizeof(queue), "%s/" UCF_WEBHOOK_QUEUE_FILE, f->cfg->state_dir);
	snprintf(dead, sizeof(dead), "%s/" UCF_WEBHOOK_DEAD_FILE, f->cfg->state_dir);
	int rc = ucf_erase_jsonl(f->cfg->alerts.spool, t, UCF_SPOOL_MODE, &out->spool, err, errlen);
	if (rc == 0 && out->spool > 0)
		rc = load_seen(f, err, errlen);
	if (rc == 0 && f->webhook)
		rc = ucf_sendq_erase(f->webhook, t, &out->webhook_queue, err, errlen);
	else if (rc == 0) /* a webhook removed by a reload left its queue */
		rc = ucf_sendq_erase_file(queue, t, &out->webhook_queue, err, errlen);
	if (rc == 0)
		rc = ucf_erase_jsonl(dead, t, UCF_SENDQ_FILE_MODE, &out->webhook_dead, err, errlen);
	if (rc == 0)
		rc = ucf_alertmanager_erase(f->am, f->cfg->state_dir, t, &out->alertmanager_queue,
					    &out->alertmanager_dead, err, errlen);
	return rc;
}

json_t *ucf_feed_erased_json(const struct ucf_feed_erased *e)
{
	return json_pack("{s:I, s:I, s:I, s:I, s:I}", "spool", (json_int_t)e->spool,
			 UCF_WEBHOOK_QUEUE_FILE, (json_int_t)e->webhook_queue,
			 UCF_WEBHOOK_DEAD_FILE, (json_int_t)e->webhook_dead, UCF_AM_QUEUE_FILES,
			 (json_int_t)e->alertmanager_queue, UCF_AM_DEAD_FILES,
			 (json_int_t)e->alertmanager_dead);
}

bool ucf_feed_seen(const struct ucf_feed *f, const char *id)
{
	return json_object_get(f->seen, id) != NULL;
}

int ucf_feed_publish(struct ucf_feed *f, const struct ucf_alert *a, char *err, size_t errlen)
{
	if (ucf_feed_seen(f, a->id))
		return 0;
	int rc = 0;
	/* Queue before spooling: the spool line is the commit. A crash between
	 * the two leaves the alert queued but not spooled; raised again after the
	 * restart, it is then spooled and not queued twice. */
	if (f->webhook && !ucf_sendq_queued(f->webhook, a->id))
		rc = ucf_sendq_enqueue(f->webhook, a, err, errlen);
	if (rc == 0 && f->am) /* each peer that does not hold it yet */
		rc = ucf_alertmanager_enqueue(f->am, a, err, errlen);
	if (rc == 0)
		rc = ucf_spool_append(f->cfg->alerts.spool, a, err, errlen);
	if (rc < 0)
		return rc;
	remember(a, f->seen);
	if (f->cfg->alerts.syslog)
		ucf_alertlog_send(a);
	/* A flood of alerts between hourly prunes: trim as soon as it is past. */
	struct stat st;
	char why[512];
	if (stat(f->cfg->alerts.spool, &st) == 0 && (size_t)st.st_size > UCF_SPOOL_MAX &&
	    prune_own_spool(f, ucf_time_now(), why, sizeof(why)) < 0)
		ucf_log_warnx(f->log, "alert spool: %s", why);
	return 1;
}

size_t ucf_feed_spool_dropped(const struct ucf_feed *f)
{
	return f->spool_dropped;
}

bool ucf_feed_busy(const struct ucf_feed *f)
{
	return (f->webhook && ucf_sendq_busy(f->webhook)) || ucf_alertmanager_busy(f->am);
}

void ucf_feed_kick(struct ucf_feed *f)
{
	if (f->webhook)
		ucf_sendq_kick(f->webhook);
	if (f->am)
		ucf_alertmanager_kick(f->am);
}

void ucf_feed_webhook_stats(const struct ucf_feed *f, struct ucf_sendq_stats *out)
{
	if (f->webhook)
		ucf_sendq_stats(f->webhook, out);
	else
		memset(out, 0, sizeof(*out));
}

const struct ucf_alertmanager *ucf_feed_alertmanager(const struct ucf_feed *f)
{
	return f->am;
}
