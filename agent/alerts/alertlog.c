/* alertlog.c — journal or syslog. */
#include "alertlog.h"

#include <stdlib.h>
#include <syslog.h>
#include <systemd/sd-journal.h>
#include <unistd.h>

static int priority(enum ucf_severity s)
{
	return s == UCF_SEV_CRITICAL ? LOG_CRIT : s == UCF_SEV_WARNING ? LOG_WARNING : LOG_INFO;
}

void ucf_alertlog_send(const struct ucf_alert *a)
{
	json_t *obj = ucf_alert_to_json(a);
	char *text = obj ? json_dumps(obj, JSON_COMPACT) : NULL;
	json_decref(obj);
	if (access("/run/systemd/journal/socket", W_OK) == 0) {
		sd_journal_send("MESSAGE=ucfence alert [%s] %s: %s", ucf_severity_name(a->severity),
				a->kind, a->summary, "PRIORITY=%d", priority(a->severity),
				"SYSLOG_IDENTIFIER=ucfence", "UCFENCE_ALERT_ID=%s", a->id,
				"UCFENCE_KIND=%s", a->kind, "UCFENCE_SEVERITY=%s",
				ucf_severity_name(a->severity), "UCFENCE_SITE=%s", a->site,
				"UCFENCE_ALERT=%s", text ? text : "{}", NULL);
	} else {
		/* LOG_NDELAY off: no socket stays open when there is no syslogd. */
		openlog("ucfence", LOG_PID, LOG_DAEMON);
		syslog(priority(a->severity), "alert [%s] %s: %s (id %s)",
		       ucf_severity_name(a->severity), a->kind, a->summary, a->id);
	}
	free(text);
}
