/* route.c — static routes over rtnetlink with libmnl (after libmnl's
 * examples/rtnl/rtnl-route-add.c), tagged with ucfence's route protocol. */
#include "route.h"

#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "grow.h"
#include "nl.h"

/* A route as the kernel reported it: what deleting it needs. */
struct seen_route {
	uint8_t family, dst_len, tos;
	uint32_t table, priority, oif;
	uint8_t dst[16], gw[16];
	bool has_gw, has_priority;
};

struct seen_list {
	struct seen_route *items;
	size_t count, cap;
};

void ucf_route_format(const struct ucf_route *r, char *buf, size_t buflen)
{
	char dst[64], via[64];
	ucf_prefix_format(&r->dst, dst, sizeof(dst));
	ucf_prefix_format(&r->via, via, sizeof(via));
	snprintf(buf, buflen, "%s via %s dev %s proto %d", dst, via, r->dev, UCF_RTPROT);
}

static struct nlmsghdr *route_msg(char *buf, uint16_t type, uint16_t flags, uint32_t seq,
				  struct rtmsg **rtm)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = seq;
	*rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(**rtm));
	return nlh;
}

static size_t alen(int family)
{
	return family == AF_INET ? 4 : 16;
}

static int install(struct ucf_nl *nl, const struct ucf_route *rt, char *err, size_t errlen)
{
	char buf[512], text[256], nlerr[384];
	struct rtmsg *rtm;
	unsigned ifindex = if_nametoindex(rt->dev);
	ucf_route_format(rt, text, sizeof(text));
	if (ifindex == 0) {
		snprintf(err, errlen, "route %s: interface %s does not exist", text, rt->dev);
		return -ENODEV;
	}
	struct nlmsghdr *nlh = route_msg(buf, RTM_NEWROUTE,
					 NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE, ucf_nl_seq(nl),
					 &rtm);
	rtm->rtm_family = rt->dst.family;
	rtm->rtm_dst_len = rt->dst.len;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_protocol = UCF_RTPROT;
	rtm->rtm_scope = RT_SCOPE_UNIVERSE;
	rtm->rtm_type = RTN_UNICAST;
	mnl_attr_put(nlh, RTA_DST, (uint16_t)alen(rt->dst.family), rt->dst.addr);
	mnl_attr_put(nlh, RTA_GATEWAY, (uint16_t)alen(rt->via.family), rt->via.addr);
	mnl_attr_put_u32(nlh, RTA_OIF, ifindex);
	int rc = ucf_nl_request(nl, nlh, NULL, NULL, nlerr, sizeof(nlerr));
	if (rc < 0)
		snprintf(err, errlen, "route %s: %s", text, nlerr);
	return rc;
}

static int route_attr_cb(const struct nlattr *a, void *data)
{
	struct seen_route *s = data;
	size_t n = alen(s->family);
	switch (mnl_attr_get_type(a)) {
	case RTA_DST:
		if (mnl_attr_get_payload_len(a) == n)
			memcpy(s->dst, mnl_attr_get_payload(a), n);
		break;
	case RTA_GATEWAY:
		if (mnl_attr_get_payload_len(a) == n) {
			memcpy(s->gw, mnl_attr_get_payload(a), n);
			s->has_gw = true;
		}
		break;
	case RTA_OIF:
		if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
			s->oif = mnl_attr_get_u32(a);
		break;
	case RTA_TABLE:
		if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
			s->table = mnl_attr_get_u32(a);
		break;
	case RTA_PRIORITY:
		if (mnl_attr_validate(a, MNL_TYPE_U32) == 0) {
			s->priority = mnl_attr_get_u32(a);
			s->has_priority = true;
		}
		break;
	}
	return MNL_CB_OK;
}

/* Collects the routes carrying our protocol. */
static int dump_cb(const struct nlmsghdr *nlh, void *data)
{
	struct seen_list *l = data;
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	if (nlh->nlmsg_type != RTM_NEWROUTE || rtm->rtm_protocol != UCF_RTPROT ||
	    (rtm->rtm_family != AF_INET && rtm->rtm_family != AF_INET6))
		return 0;
	if (UCF_GROW(l->items, l->cap, l->count + 1, 16) < 0)
		return -ENOMEM;
	struct seen_route *s = &l->items[l->count++];
	memset(s, 0, sizeof(*s));
	s->family = rtm->rtm_family;
	s->dst_len = rtm->rtm_dst_len;
	s->tos = rtm->rtm_tos;
	s->table = rtm->rtm_table;
	mnl_attr_parse(nlh, sizeof(*rtm), route_attr_cb, s);
	return 0;
}

static int dump_own(struct ucf_nl *nl, struct seen_list *l, char *err, size_t errlen)
{
	char buf[256], nlerr[384];
	struct rtmsg *rtm;
	struct nlmsghdr *nlh = route_msg(buf, RTM_GETROUTE, NLM_F_DUMP, ucf_nl_seq(nl), &rtm);
	rtm->rtm_family = AF_UNSPEC;
	int rc = ucf_nl_request(nl, nlh, dump_cb, l, nlerr, sizeof(nlerr));
	if (rc < 0)
		snprintf(err, errlen, "listing routes: %s", nlerr);
	return rc;
}

static int remove_route(struct ucf_nl *nl, const struct seen_route *s, char *err, size_t errlen)
{
	char buf[512], dst[INET6_ADDRSTRLEN], nlerr[384];
	struct rtmsg *rtm;
	struct nlmsghdr *nlh = route_msg(buf, RTM_DELROUTE, NLM_F_ACK, ucf_nl_seq(nl), &rtm);
	rtm->rtm_family = s->family;
	rtm->rtm_dst_len = s->dst_len;
	rtm->rtm_tos = s->tos;
	rtm->rtm_table = s->table < 256 ? (uint8_t)s->table : RT_TABLE_UNSPEC;
	rtm->rtm_protocol = UCF_RTPROT;
	rtm->rtm_scope = RT_SCOPE_NOWHERE;
	mnl_attr_put_u32(nlh, RTA_TABLE, s->table);
	if (s->dst_len)
		mnl_attr_put(nlh, RTA_DST, (uint16_t)alen(s->family), s->dst);
	if (s->has_gw)
		mnl_attr_put(nlh, RTA_GATEWAY, (uint16_t)alen(s->family), s->gw);
	if (s->oif)
		mnl_attr_put_u32(nlh, RTA_OIF, s->oif);
	if (s->has_priority)
		mnl_attr_put_u32(nlh, RTA_PRIORITY, s->priority);
	int rc = ucf_nl_request(nl, nlh, NULL, NULL, nlerr, sizeof(nlerr));
	if (rc == -ESRCH)
		rc = 0; /* gone meanwhile: what we wanted */
	if (rc < 0) {
		inet_ntop(s->family, s->dst, dst, sizeof(dst));
		snprintf(err, errlen, "deleting route %s/%u proto %d: %s", dst, s->dst_len, UCF_RTPROT,
			 nlerr);
	}
	return rc;
}

static bool wanted(const struct seen_route *s, const struct ucf_route *routes, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct ucf_route *w = &routes[i];
		size_t l = alen(w->dst.family);
		if (s->family == w->dst.family && s->dst_len == w->dst.len &&
		    s->table == RT_TABLE_MAIN && memcmp(s->dst, w->dst.addr, l) == 0 && s->has_gw &&
		    memcmp(s->gw, w->via.addr, l) == 0 && s->oif == if_nametoindex(w->dev))
			return true;
	}
	return false;
}

static int sweep(struct ucf_nl *nl, const struct ucf_route *routes, size_t n, size_t *removed,
		 char *err, size_t errlen)
{
	struct seen_list l = { 0 };
	int rc = dump_own(nl, &l, err, errlen);
	for (size_t i = 0; rc == 0 && i < l.count; i++) {
		if (wanted(&l.items[i], routes, n))
			continue;
		rc = remove_route(nl, &l.items[i], err, errlen);
		if (rc == 0 && removed)
			(*removed)++;
	}
	free(l.items);
	return rc;
}

static int rtnl_open(struct ucf_nl **nl, char *err, size_t errlen)
{
	char nlerr[256];
	int rc = ucf_nl_open(NETLINK_ROUTE, 0, nl, nlerr, sizeof(nlerr));
	if (rc < 0)
		snprintf(err, errlen, "rtnetlink socket: %s", strerror(-rc));
	return rc;
}

int ucf_routes_sync(const struct ucf_route *routes, size_t n, struct ucf_route_stats *stats,
		    char *err, size_t errlen)
{
	struct ucf_route_stats local = { 0 };
	struct ucf_nl *nl = NULL;
	int rc = rtnl_open(&nl, err, errlen);
	if (rc == 0)
		local.portid = ucf_nl_portid(nl);
	for (size_t i = 0; rc == 0 && i < n; i++) {
		rc = install(nl, &routes[i], err, errlen);
		if (rc == 0)
			local.installed++;
	}
	if (rc == 0)
		rc = sweep(nl, routes, n, &local.removed, err, errlen);
	ucf_nl_close(nl);
	if (stats)
		*stats = local;
	return rc;
}

int ucf_routes_flush(size_t *removed, char *err, size_t errlen)
{
	struct ucf_nl *nl = NULL;
	size_t count = 0;
	int rc = rtnl_open(&nl, err, errlen);
	if (rc == 0)
		rc = sweep(nl, NULL, 0, &count, err, errlen);
	ucf_nl_close(nl);
	if (removed)
		*removed = count;
	return rc;
}
