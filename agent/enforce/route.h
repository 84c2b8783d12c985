/* route.h — ucfence's static routes (concentrator mode: R via A dev
 * appliance) over rtnetlink. Every route carries route protocol UCF_RTPROT,
 * so ucfence recognises its own routes (FRR's self-route pattern) and never
 * touches anyone else's. Routes outlive the process, like the table. */
#ifndef UCF_ROUTE_H
#define UCF_ROUTE_H

#include <stddef.h>
#include <stdint.h>

#include "policy.h"

/* 117 = 'u'; unassigned in Linux's rtnetlink.h (RTPROT_*) and in iproute2's
 * rt_protos. `ip route` shows "proto 117", or "proto ucfence" once
 * /etc/iproute2/rt_protos.d/ucfence.conf names it. */
#define UCF_RTPROT 117
#define UCF_RTPROT_NAME "ucfence"

struct ucf_route_stats {
	size_t installed; /* created or replaced (replacing an equal route is a no-op) */
	size_t removed;   /* stale routes of ours swept */
	uint32_t portid;  /* the rtnetlink socket's port id: its changes' notifications carry it */
};

/* Installs every route (RTM_NEWROUTE, NLM_F_CREATE|NLM_F_REPLACE: idempotent,
 * replaced atomically when the gateway changes), then deletes routes with
 * protocol UCF_RTPROT that are not in the list. Errors name the route.
 * *stats is filled also on failure. */
int ucf_routes_sync(const struct ucf_route *routes, size_t n, struct ucf_route_stats *stats,
		    char *err, size_t errlen);

/* Deletes every route with protocol UCF_RTPROT, in every table. */
int ucf_routes_flush(size_t *removed, char *err, size_t errlen);

/* "10.50.0.0/16 via 10.40.0.2 dev eth3 proto 117" */
void ucf_route_format(const struct ucf_route *r, char *buf, size_t buflen);

#endif
