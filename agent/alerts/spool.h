/* spool.h — the JSON-lines alert spool (alerts.spool): one alert object per
 * line, appended and fsynced; entries older than alerts.retention, and the
 * oldest beyond a size cap, pruned by an atomic rewrite. Read and pruned a
 * line at a time, whatever its size. Readers (`ucfence alerts`) never need a
 * lock. */
#ifndef UCF_SPOOL_H
#define UCF_SPOOL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "alert.h"

#define UCF_SPOOL_MODE 0640 /* alerts name admins and networks: not for everyone */
/* Past UCF_SPOOL_MAX the oldest alerts are dropped down to UCF_SPOOL_KEEP, so
 * the appends after a trim do not each cost a rewrite. */
#define UCF_SPOOL_MAX ((size_t)32 << 20)
#define UCF_SPOOL_KEEP (UCF_SPOOL_MAX / 4 * 3)

int ucf_spool_append(const char *path, const struct ucf_alert *a, char *err, size_t errlen);

/* Calls fn for each alert with time >= since, in spool order. *bad (may be
 * NULL) counts lines that are not alerts. -ENOENT if there is no spool. */
typedef int (*ucf_spool_fn)(const struct ucf_alert *a, void *ctx);
int ucf_spool_read(const char *path, int64_t since, ucf_spool_fn fn, void *ctx, size_t *bad,
		   char *err, size_t errlen);

/* Drops entries with time < cutoff (and lines that are not alerts): their
 * count in *removed. If what stays is larger than max_bytes, drops the oldest
 * of it down to 3/4 of max_bytes: their count in *dropped. A torn last line
 * from a crash is cut first. removed and dropped may be NULL. */
int ucf_spool_prune(const char *path, int64_t cutoff, size_t max_bytes, size_t *removed,
		    size_t *dropped, char *err, size_t errlen);
/* The same for any JSON-lines file of alerts (the webhook queue, its dead
 * letters), rewritten with mode: the one retention rewrite every file of
 * alerts shares. No file is 0, nothing removed. */
int ucf_alertfile_prune(const char *path, mode_t mode, int64_t cutoff, size_t max_bytes,
			size_t *removed, size_t *dropped, char *err, size_t errlen);

#endif
