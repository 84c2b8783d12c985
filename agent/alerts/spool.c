/* spool.c — append, read and prune the alert spool. */
#include "spool.h"

#include <errno.h>
#include <stdio.h>

#include "statefile.h"

int ucf_spool_append(const char *path, const struct ucf_alert *a, char *err, size_t errlen)
{
	json_t *obj = ucf_alert_to_json(a);
	if (!obj) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	int rc = ucf_jsonl_append(path, obj, UCF_SPOOL_MODE, err, errlen);
	json_decref(obj);
	return rc;
}

struct read_ctx {
	int64_t since;
	ucf_spool_fn fn;
	void *ctx;
	size_t bad;
};

static int read_one(json_t *obj, void *ctx)
{
	struct read_ctx *r = ctx;
	struct ucf_alert *a;
	char why[256];
	if (ucf_alert_from_json(obj, &a, why, sizeof(why)) < 0) {
		r->bad++;
		return 0;
	}
	int rc = a->time >= r->since ? r->fn(a, r->ctx) : 0;
	ucf_alert_free(a);
	return rc;
}

int ucf_spool_read(const char *path, int64_t since, ucf_spool_fn fn, void *ctx, size_t *bad,
		   char *err, size_t errlen)
{
	struct read_ctx r = { since, fn, ctx, 0 };
	size_t unparsable = 0;
	int rc = ucf_jsonl_each(path, read_one, &r, &unparsable, err, errlen);
	if (bad)
		*bad = r.bad + unparsable;
	return rc;
}

struct prune_ctx {
	int64_t cutoff;
	size_t removed;    /* past retention, or not alerts */
	size_t kept_bytes; /* the rest */
	size_t drop_bytes; /* second pass: the oldest of the rest to drop */
	size_t dropped;
};

/* 1 for an alert within retention, else 0 (and counted). */
static int within(struct prune_ctx *p, const json_t *obj)
{
	struct ucf_alert *a;
	char why[256];
	if (ucf_alert_from_json(obj, &a, why, sizeof(why)) < 0) {
		p->removed++;
		return 0;
	}
	int keep = a->time >= p->cutoff;
	ucf_alert_free(a);
	if (!keep)
		p->removed++;
	return keep;
}

static int measure_one(json_t *obj, size_t bytes, void *ctx)
{
	struct prune_ctx *p = ctx;
	if (within(p, obj))
		p->kept_bytes += bytes;
	return 0;
}

static int prune_one(json_t *obj, size_t bytes, void *ctx)
{
	struct prune_ctx *p = ctx;
	if (!within(p, obj))
		return 0;
	if (p->drop_bytes > 0) { /* the spool is in append order: oldest first */
		p->drop_bytes = bytes < p->drop_bytes ? p->drop_bytes - bytes : 0;
		p->dropped++;
		return 0;
	}
	return 1;
}

int ucf_spool_prune(const char *path, int64_t cutoff, size_t max_bytes, size_t *removed,
		    size_t *dropped, char *err, size_t errlen)
{
	return ucf_alertfile_prune(path, UCF_SPOOL_MODE, cutoff, max_bytes, removed, dropped, err,
				   errlen);
}

int ucf_alertfile_prune(const char *path, mode_t mode, int64_t cutoff, size_t max_bytes,
			size_t *removed, size_t *dropped, char *err, size_t errlen)
{
	struct prune_ctx p = { .cutoff = cutoff };
	size_t bad = 0;
	/* Two streaming passes: what stays, then the rewrite. */
	int rc = ucf_jsonl_repair(path, err, errlen);
	if (rc == 0)
		rc = ucf_jsonl_scan(path, measure_one, &p, &bad, err, errlen);
	if (rc == 0 && (p.removed > 0 || bad > 0 || p.kept_bytes > max_bytes)) {
		if (p.kept_bytes > max_bytes)
			p.drop_bytes = p.kept_bytes - max_bytes / 4 * 3;
		p.removed = 0;
		rc = ucf_jsonl_filter(path, prune_one, &p, mode, &bad, err, errlen);
	}
	if (rc == -ENOENT)
		rc = 0; /* nothing spooled yet */
	if (removed)
		*removed = rc == 0 ? p.removed + bad : 0;
	if (dropped)
		*dropped = rc == 0 ? p.dropped : 0;
	return rc;
}
