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
	json_t *keep;
	size_t removed;
};

static int prune_one(json_t *obj, void *ctx)
{
	struct prune_ctx *p = ctx;
	struct ucf_alert *a;
	char why[256];
	if (ucf_alert_from_json(obj, &a, why, sizeof(why)) < 0) {
		p->removed++;
		return 0;
	}
	if (a->time >= p->cutoff)
		json_array_append(p->keep, obj);
	else
		p->removed++;
	ucf_alert_free(a);
	return 0;
}

int ucf_spool_prune(const char *path, int64_t cutoff, size_t *removed, char *err,
		    size_t errlen)
{
	struct prune_ctx p = { cutoff, json_array(), 0 };
	size_t bad = 0;
	int rc = ucf_jsonl_repair(path, err, errlen);
	if (rc == 0)
		rc = ucf_jsonl_each(path, prune_one, &p, &bad, err, errlen);
	p.removed += bad;
	if (rc == -ENOENT)
		rc = 0; /* nothing spooled yet */
	else if (rc == 0 && p.removed > 0)
		rc = ucf_jsonl_rewrite(path, p.keep, UCF_SPOOL_MODE, err, errlen);
	json_decref(p.keep);
	if (removed)
		*removed = rc == 0 ? p.removed : 0;
	return rc;
}
