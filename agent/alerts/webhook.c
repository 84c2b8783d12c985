/* webhook.c — the webhook's destination and body. */
#include "webhook.h"

#include <stdio.h>

char *ucf_webhook_payload(const struct ucf_alert *a, uint64_t format, int64_t now)
{
	(void)now;
	json_t *obj;
	if (format == UCF_WEBHOOK_SLACK) {
		char text[1400];
		snprintf(text, sizeof(text), "*[%s]* %s at %s: %s (alert %s)",
			 ucf_severity_name(a->severity), a->kind, a->site, a->summary, a->id);
		obj = json_pack("{s:s}", "text", text);
	} else {
		obj = ucf_alert_to_json(a);
	}
	char *body = obj ? json_dumps(obj, JSON_COMPACT) : NULL;
	json_decref(obj);
	return body;
}

struct ucf_sendq_dest ucf_webhook_dest(const struct ucf_config *cfg)
{
	return (struct ucf_sendq_dest){
		.name = "webhook",
		.url = cfg->alerts.webhook_url,
		.queue_file = UCF_WEBHOOK_QUEUE_FILE,
		.dead_file = UCF_WEBHOOK_DEAD_FILE,
		.format = ucf_webhook_payload,
		.format_arg = (uint64_t)cfg->alerts.webhook_format,
	};
}
