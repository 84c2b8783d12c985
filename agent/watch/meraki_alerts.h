/* meraki_alerts.h — the alert for one Dashboard activity: its kind,
 * severity, summary and details, from the finding that leads it and the
 * findings of other sources attached to it. */
#ifndef UCF_MERAKI_ALERTS_H
#define UCF_MERAKI_ALERTS_H

#include <jansson.h>
#include <stddef.h>

#include "alert.h"
#include "meraki_merge.h"

/* lead: a finding; attached: an array of findings (other sources, may be
 * empty); key: the id key (stable for the activity). */
int ucf_malert_build(const struct ucf_mmerge *m, const json_t *lead, const json_t *attached,
		     const char *key, struct ucf_alert **out, char *err, size_t errlen);

#endif
