/* spool.h — the JSON-lines alert spool (alerts.spool): one alert object per
 * line, appended and fsynced; entries older than alerts.retention pruned by
 * an atomic rewrite. Readers (`ucfence alerts`) never need a lock. */
#ifndef UCF_SPOOL_H
#define UCF_SPOOL_H

#include <stddef.h>
#include <stdint.h>

#include "alert.h"

#define UCF_SPOOL_MODE 0640 /* alerts name admins and networks: not for everyone */

int ucf_spool_append(const char *path, const struct ucf_alert *a, char *err, size_t errlen);

/* Calls fn for each alert with time >= since, in spool order. *bad (may be
 * NULL) counts lines that are not alerts. -ENOENT if there is no spool. */
typedef int (*ucf_spool_fn)(const struct ucf_alert *a, void *ctx);
int ucf_spool_read(const char *path, int64_t since, ucf_spool_fn fn, void *ctx, size_t *bad,
		   char *err, size_t errlen);

/* Drops entries with time < cutoff (and lines that are not alerts); a torn
 * last line from a crash is cut first. *removed (may be NULL) gets the count. */
int ucf_spool_prune(const char *path, int64_t cutoff, size_t *removed, char *err,
		    size_t errlen);

#endif
