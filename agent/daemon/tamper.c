/* tamper.c — nftables and route notifications, filtered to ours.
 *
 * nftables announces every committed batch as its messages followed by one
 * NFT_MSG_NEWGEN. Its attributes are NFTA_GEN_ID, NFTA_GEN_PROC_PID and
 * NFTA_GEN_PROC_NAME, but the PID is the committing task's in the initial
 * PID namespace: in a container it is not the agent's getpid(). Every
 * notification's header, NEWGEN's too, carries the netlink port id of the
 * socket that asked for the change (nlmsg_pid), which does not depend on the
 * PID namespace: changes to our table in a batch from any socket but the
 * enforcer's are tampering. Route notifications carry the requesting
 * socket's port id the same way: a deletion of one of our routes through
 * another socket than the agent's route sockets (route.c opens one per sync;
 * the last few are remembered) is tampering; the agent's own sweeps of
 * routes it no longer wants are not. */
#include "tamper.h"

#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/rtnetlink.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "nl.h"

/* A route sync's socket is closed before its notifications are read: a few
 * are remembered. A port id is only handed out again once freed, and the
 * kernel picks a free one at random, so an old one is unlikely to return. */
#define OWN_ROUTE_PORTS 8

struct ucf_tamper {
	struct ucf_reactor *r;
	struct ucf_nl *nft, *rt;
	char table[64];
	uint8_t route_protocol;
	ucf_tamper_fn fn;
	void *arg;
	/* the agent's own sockets: the enforcer's, and recent route syncs' (0: none) */
	uint32_t own_nft;
	uint32_t own_route[OWN_ROUTE_PORTS];
	unsigned own_route_next;
	/* the batch being announced: what touched our table first, and how much */
	char first[160];
	unsigned touched;
	char buf[1 << 16];
};

static const char *nft_verb(uint16_t type)
{
	switch (type) {
	case NFT_MSG_NEWTABLE: return "table changed";
	case NFT_MSG_DELTABLE: return "table deleted";
	case NFT_MSG_NEWCHAIN: return "chain added or changed";
	case NFT_MSG_DELCHAIN: return "chain deleted";
	case NFT_MSG_NEWRULE: return "rule added";
	case NFT_MSG_DELRULE: return "rule deleted";
	case NFT_MSG_NEWSET: return "set added or changed";
	case NFT_MSG_DELSET: return "set deleted";
	case NFT_MSG_NEWSETELEM: return "set elements added";
	case NFT_MSG_DELSETELEM: return "set elements deleted";
	case NFT_MSG_NEWOBJ: return "object added or changed";
	case NFT_MSG_DELOBJ: return "object deleted";
	default: return "changed";
	}
}

/* In every nftables message but NEWGEN, attribute 1 is the table's name
 * (NFTA_TABLE_NAME, NFTA_CHAIN_TABLE, NFTA_RULE_TABLE, NFTA_SET_TABLE, ...). */
static bool names_our_table(const struct ucf_tamper *t, const struct nlmsghdr *nlh)
{
	const struct nfgenmsg *g = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a;
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*g) || g->nfgen_family != NFPROTO_INET)
		return false;
	mnl_attr_for_each(a, nlh, sizeof(*g)) {
		if (mnl_attr_get_type(a) == 1 && mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
			return strcmp(mnl_attr_get_str(a), t->table) == 0;
	}
	return false;
}

static int nft_message(const struct nlmsghdr *nlh, void *data)
{
	struct ucf_tamper *t = data;
	uint16_t type = NFNL_MSG_TYPE(nlh->nlmsg_type);
	if (NFNL_SUBSYS_ID(nlh->nlmsg_type) != NFNL_SUBSYS_NFTABLES)
		return MNL_CB_OK;
	if (type != NFT_MSG_NEWGEN) {
		if (names_our_table(t, nlh) && t->touched++ == 0)
			snprintf(t->first, sizeof(t->first), "table inet %s: %s", t->table,
				 nft_verb(type));
		return MNL_CB_OK;
	}
	/* the batch is complete: whose was it? */
	const struct nlattr *a;
	uint32_t pid = 0;
	char proc[32] = "unknown";
	mnl_attr_for_each(a, nlh, sizeof(struct nfgenmsg)) {
		if (mnl_attr_get_type(a) == NFTA_GEN_PROC_PID && mnl_attr_validate(a, MNL_TYPE_U32) == 0)
			pid = ntohl(mnl_attr_get_u32(a));
		else if (mnl_attr_get_type(a) == NFTA_GEN_PROC_NAME &&
			 mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
			snprintf(proc, sizeof(proc), "%s", mnl_attr_get_str(a));
	}
	if (t->touched && (t->own_nft == 0 || nlh->nlmsg_pid != t->own_nft)) {
		char what[256];
		snprintf(what, sizeof(what), "%s%s by %s (pid %u)", t->first,
			 t->touched > 1 ? " and more" : "", proc, pid);
		t->fn(t->arg, UCF_TAMPER_RULESET, what);
	}
	t->touched = 0;
	return MNL_CB_OK;
}

static int route_message(const struct nlmsghdr *nlh, void *data)
{
	struct ucf_tamper *t = data;
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	if (nlh->nlmsg_type != RTM_DELROUTE || mnl_nlmsg_get_payload_len(nlh) < sizeof(*rtm) ||
	    rtm->rtm_protocol != t->route_protocol)
		return MNL_CB_OK;
	for (unsigned i = 0; nlh->nlmsg_pid != 0 && i < OWN_ROUTE_PORTS; i++)
		if (t->own_route[i] == nlh->nlmsg_pid)
			return MNL_CB_OK; /* the agent's own sweep */
	t->fn(t->arg, UCF_TAMPER_ROUTE, "a route with ucfence's protocol was deleted");
	return MNL_CB_OK;
}

static void drain(struct ucf_tamper *t, struct ucf_nl *nl, mnl_cb_t cb)
{
	for (int batch = 0; batch < 64; batch++) {
		ssize_t n = recv(ucf_nl_fd(nl), t->buf, sizeof(t->buf), MSG_DONTWAIT);
		if (n < 0) {
			if (errno == ENOBUFS) { /* the kernel dropped notifications for us */
				t->touched = 0;
				t->fn(t->arg, UCF_TAMPER_LOST, "kernel notifications were lost");
				continue;
			}
			return;
		}
		mnl_cb_run(t->buf, (size_t)n, 0, 0, cb, t);
	}
}

static void nft_ready(void *arg, int fd, uint32_t events)
{
	struct ucf_tamper *t = arg;
	(void)fd;
	(void)events;
	drain(t, t->nft, nft_message);
}

static void rt_ready(void *arg, int fd, uint32_t events)
{
	struct ucf_tamper *t = arg;
	(void)fd;
	(void)events;
	drain(t, t->rt, route_message);
}

static int subscribe(int bus, const unsigned *groups, int ngroups, struct ucf_nl **out)
{
	char nlerr[256];
	int rc = ucf_nl_open(bus, UCF_NL_NONBLOCK, out, nlerr, sizeof(nlerr));
	for (int i = 0; rc == 0 && i < ngroups; i++)
		rc = ucf_nl_join(*out, groups[i]);
	if (rc < 0) {
		ucf_nl_close(*out);
		*out = NULL;
		return rc;
	}
	/* a burst of our own media updates must not overrun the queue */
	ucf_nl_bufsize(*out, 4 << 20, 0);
	return 0;
}

int ucf_tamper_open(struct ucf_reactor *r, const char *table, uint8_t route_protocol,
		    ucf_tamper_fn fn, void *arg, struct ucf_tamper **out, char *err, size_t errlen)
{
	static const unsigned nft_groups[] = { NFNLGRP_NFTABLES };
	static const unsigned rt_groups[] = { RTNLGRP_IPV4_ROUTE, RTNLGRP_IPV6_ROUTE };
	struct ucf_tamper *t = calloc(1, sizeof(*t));
	int rc;
	if (!t)
		return -ENOMEM;
	t->r = r;
	snprintf(t->table, sizeof(t->table), "%s", table);
	t->route_protocol = route_protocol;
	t->fn = fn;
	t->arg = arg;
	rc = subscribe(NETLINK_NETFILTER, nft_groups, 1, &t->nft);
	if (rc == 0)
		rc = subscribe(NETLINK_ROUTE, rt_groups, 2, &t->rt);
	if (rc < 0) {
		snprintf(err, errlen, "cannot listen to kernel notifications: %s", strerror(-rc));
		goto fail;
	}
	rc = ucf_reactor_watch(r, ucf_nl_fd(t->nft), EPOLLIN, nft_ready, t);
	if (rc == 0)
		rc = ucf_reactor_watch(r, ucf_nl_fd(t->rt), EPOLLIN, rt_ready, t);
	if (rc < 0) {
		snprintf(err, errlen, "cannot watch kernel notifications: %s", strerror(-rc));
		goto fail;
	}
	*out = t;
	return 0;
fail:
	if (t->nft)
		ucf_reactor_watch(r, ucf_nl_fd(t->nft), 0, NULL, NULL);
	ucf_nl_close(t->nft);
	ucf_nl_close(t->rt);
	free(t);
	return rc;
}

void ucf_tamper_own_nft(struct ucf_tamper *t, uint32_t portid)
{
	t->own_nft = portid;
}

void ucf_tamper_own_route(struct ucf_tamper *t, uint32_t portid)
{
	for (unsigned i = 0; i < OWN_ROUTE_PORTS; i++)
		if (t->own_route[i] == portid)
			return;
	t->own_route[t->own_route_next] = portid;
	t->own_route_next = (t->own_route_next + 1) % OWN_ROUTE_PORTS;
}

void ucf_tamper_close(struct ucf_tamper *t)
{
	if (!t)
		return;
	ucf_reactor_watch(t->r, ucf_nl_fd(t->nft), 0, NULL, NULL);
	ucf_reactor_watch(t->r, ucf_nl_fd(t->rt), 0, NULL, NULL);
	ucf_nl_close(t->nft);
	ucf_nl_close(t->rt);
	free(t);
}
