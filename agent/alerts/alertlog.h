/* alertlog.h — alerts to the system log: the journal with structured fields
 * (UCFENCE_ALERT_ID, UCFENCE_KIND, UCFENCE_SEVERITY, UCFENCE_SITE and the
 * whole object as UCFENCE_ALERT) when journald runs, syslog(3) otherwise. */
#ifndef UCF_ALERTLOG_H
#define UCF_ALERTLOG_H

#include "alert.h"

/* Best effort: a system log that is down never blocks or fails an alert. */
void ucf_alertlog_send(const struct ucf_alert *a);

#endif
