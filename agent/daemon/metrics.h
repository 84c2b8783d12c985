/* metrics.h — the agent's status figures as a Prometheus text file for
 * node_exporter's textfile collector, written atomically. */
#ifndef UCF_METRICS_H
#define UCF_METRICS_H

#include <jansson.h>
#include <stddef.h>

/* Renders the status object (see `ucfence status --json`) as text. The
 * result is malloc'd. */
char *ucf_metrics_render(const json_t *status);
/* Renders and writes path atomically (write, fsync, rename), mode 0644. */
int ucf_metrics_write(const char *path, const json_t *status, char *err, size_t errlen);

#endif
