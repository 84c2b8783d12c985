/* nflog.c — NFLOG over libmnl, with libnetfilter_log's message helpers. */
#include "nflog.h"

#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <libnetfilter_log/libnetfilter_log.h>
#include <linux/netfilter/nfnetlink_log.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "nl.h"

#define COPY_RANGE 128 /* IPv6 + a few extension headers + TCP/UDP ports */

struct ucf_nflog {
	struct ucf_reactor *r;
	struct ucf_nl *nl;
	uint16_t group;
	ucf_nflog_fn fn;
	void *arg;
	uint64_t lost;
	char buf[1 << 16];
};

/* Packets logged meanwhile (sequence number 0) are not the ack: skipped. */
static int config(struct ucf_nflog *log, uint8_t cmd, bool set_mode, char *err, size_t errlen)
{
	_Alignas(8) char buf[256];
	struct nlmsghdr *nlh = nflog_nlmsg_put_header(buf, NFULNL_MSG_CONFIG, AF_UNSPEC, log->group);
	if (set_mode)
		nflog_attr_put_cfg_mode(nlh, NFULNL_COPY_PACKET, COPY_RANGE);
	else
		nflog_attr_put_cfg_cmd(nlh, cmd);
	nlh->nlmsg_flags |= NLM_F_ACK;
	nlh->nlmsg_seq = ucf_nl_seq(log->nl);
	return ucf_nl_request(log->nl, nlh, NULL, NULL, err, errlen);
}

/* Walks IPv6 extension headers to the transport header. */
static void parse_l4(struct ucf_logged_packet *p, const uint8_t *pkt, size_t len)
{
	size_t off;
	uint8_t next;
	if (len >= 20 && (pkt[0] >> 4) == 4) {
		size_t ihl = (size_t)(pkt[0] & 0x0f) * 4;
		p->family = AF_INET;
		memcpy(p->src, pkt + 12, 4);
		memcpy(p->dst, pkt + 16, 4);
		next = pkt[9];
		off = ihl;
		if (ihl < 20 || (ntohs(*(const uint16_t *)(pkt + 6)) & 0x1fff) != 0)
			return; /* a non-first fragment has no transport header */
	} else if (len >= 40 && (pkt[0] >> 4) == 6) {
		p->family = AF_INET6;
		memcpy(p->src, pkt + 8, 16);
		memcpy(p->dst, pkt + 24, 16);
		next = pkt[6];
		off = 40;
		for (int hops = 0; hops < 8; hops++) {
			if (next != IPPROTO_HOPOPTS && next != IPPROTO_ROUTING &&
			    next != IPPROTO_DSTOPTS)
				break;
			if (off + 2 > len)
				return;
			next = pkt[off];
			off += ((size_t)pkt[off + 1] + 1) * 8;
		}
		if (next == IPPROTO_FRAGMENT)
			return;
	} else {
		return;
	}
	p->l4proto = next;
	if ((next == IPPROTO_TCP || next == IPPROTO_UDP) && off + 4 <= len) {
		p->sport = (uint16_t)(pkt[off] << 8 | pkt[off + 1]);
		p->dport = (uint16_t)(pkt[off + 2] << 8 | pkt[off + 3]);
	}
}

static int on_message(const struct nlmsghdr *nlh, void *data)
{
	struct ucf_nflog *log = data;
	struct nlattr *attr[NFULA_MAX + 1] = { NULL };
	struct ucf_logged_packet p;
	memset(&p, 0, sizeof(p));
	if (nflog_nlmsg_parse(nlh, attr) < 0)
		return MNL_CB_OK; /* malformed: skip, never stop listening */
	if (attr[NFULA_PREFIX])
		snprintf(p.prefix, sizeof(p.prefix), "%.*s",
			 (int)mnl_attr_get_payload_len(attr[NFULA_PREFIX]),
			 (const char *)mnl_attr_get_payload(attr[NFULA_PREFIX]));
	if (attr[NFULA_IFINDEX_INDEV])
		p.indev = ntohl(mnl_attr_get_u32(attr[NFULA_IFINDEX_INDEV]));
	if (attr[NFULA_IFINDEX_OUTDEV])
		p.outdev = ntohl(mnl_attr_get_u32(attr[NFULA_IFINDEX_OUTDEV]));
	if (attr[NFULA_PAYLOAD])
		parse_l4(&p, mnl_attr_get_payload(attr[NFULA_PAYLOAD]),
			 mnl_attr_get_payload_len(attr[NFULA_PAYLOAD]));
	log->fn(log->arg, &p);
	return MNL_CB_OK;
}

static void readable(void *arg, int fd, uint32_t events)
{
	struct ucf_nflog *log = arg;
	(void)fd;
	(void)events;
	for (int batch = 0; batch < 64; batch++) { /* bounded: other fds get their turn */
		ssize_t n = recv(ucf_nl_fd(log->nl), log->buf, sizeof(log->buf), MSG_DONTWAIT);
		if (n < 0) {
			if (errno == ENOBUFS)
				log->lost++; /* the kernel dropped messages for us: counted */
			else
				return;
			continue;
		}
		mnl_cb_run(log->buf, (size_t)n, 0, 0, on_message, log);
	}
}

int ucf_nflog_open(struct ucf_reactor *r, uint16_t group, ucf_nflog_fn fn, void *arg,
		   struct ucf_nflog **out, char *err, size_t errlen)
{
	struct ucf_nflog *log = calloc(1, sizeof(*log));
	int rc;
	if (!log)
		return -ENOMEM;
	log->r = r;
	log->group = group;
	log->fn = fn;
	log->arg = arg;
	/* a blocking socket, so the config acks below are read in turn; the
	 * loop reads it with MSG_DONTWAIT */
	char nlerr[384];
	rc = ucf_nl_open(NETLINK_NETFILTER, 0, &log->nl, nlerr, sizeof(nlerr));
	if (rc < 0) {
		snprintf(err, errlen, "nflog: cannot open netlink socket: %s", strerror(-rc));
		goto fail;
	}
	int fd = ucf_nl_fd(log->nl);
	/* an ack that never comes must not hang the agent */
	struct timeval tv = { .tv_sec = 2 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	rc = config(log, NFULNL_CFG_CMD_BIND, false, nlerr, sizeof(nlerr));
	if (rc == 0)
		rc = config(log, 0, true, nlerr, sizeof(nlerr));
	if (rc < 0) {
		snprintf(err, errlen, "nflog: cannot bind group %u: %s", group, nlerr);
		goto fail;
	}
	rc = ucf_reactor_watch(r, fd, EPOLLIN, readable, log);
	if (rc < 0) {
		snprintf(err, errlen, "nflog: %s", strerror(-rc));
		goto fail;
	}
	*out = log;
	return 0;
fail:
	ucf_nl_close(log->nl);
	free(log);
	return rc;
}

void ucf_nflog_close(struct ucf_nflog *log)
{
	if (!log)
		return;
	char nlerr[256];
	ucf_reactor_watch(log->r, ucf_nl_fd(log->nl), 0, NULL, NULL);
	config(log, NFULNL_CFG_CMD_UNBIND, false, nlerr, sizeof(nlerr)); /* closing: nothing to tell */
	ucf_nl_close(log->nl);
	free(log);
}

uint64_t ucf_nflog_lost(const struct ucf_nflog *log)
{
	return log->lost;
}
