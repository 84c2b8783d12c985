/* metrics.h — the agent's status figures as a Prometheus text file for
 * node_exporter's textfile collector, written atomically. */
#ifndef UCF_METRICS_H
#define UCF_METRICS_H

#include <stddef.h>

#include "status.h"

/* Renders the status as text (exposition format 0.0.4). The result is
 * malloc'd; NULL without memory. */
char *ucf_metrics_render(const struct ucf_status *status);
/* Renders and writes path atomically (write, fsync, rename), mode 0644. */
int ucf_metrics_write(const char *path, const struct ucf_status *status, char *err, size_t errlen);

#endif
