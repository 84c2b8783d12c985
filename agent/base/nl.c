/* nl.c — netlink sockets and the one request/answer loop every user shares.
 *
 * Each datagram is peeked at first for its size (MSG_PEEK|MSG_TRUNC, as
 * iproute2 does) so a message larger than the buffer grows it instead of
 * being cut; the buffer starts at libmnl's MNL_SOCKET_DUMP_SIZE, which is
 * also what the kernel then fills each dump datagram up to. */
#include "nl.h"

#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "grow.h"

#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK 11
#endif
#ifndef NETLINK_CAP_ACK
#define NETLINK_CAP_ACK 10
#endif
#define RECV_FIRST 32768u   /* MNL_SOCKET_DUMP_SIZE (libmnl 1.0.5; Debian 12 has 1.0.4) */
#define RECV_MAX (1u << 20) /* a bound on what one datagram may make us allocate */

struct ucf_nl {
	struct mnl_socket *sock;
	uint32_t portid, seq;
	void *buf; /* malloc'd: aligned for nlmsghdr */
	size_t cap;
};

int ucf_nl_open(int bus, unsigned flags, struct ucf_nl **out, char *err, size_t errlen)
{
	struct ucf_nl *nl = calloc(1, sizeof(*nl));
	int one = 1, rc;
	if (!nl || !(nl->buf = malloc(RECV_FIRST))) {
		free(nl);
		snprintf(err, errlen, "netlink socket: out of memory");
		return -ENOMEM;
	}
	nl->cap = RECV_FIRST;
	/* close-on-exec always: nothing the agent runs inherits its sockets */
	nl->sock = mnl_socket_open2(bus, SOCK_CLOEXEC | (flags & UCF_NL_NONBLOCK ? SOCK_NONBLOCK : 0));
	if (!nl->sock || mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		rc = -errno;
		snprintf(err, errlen, "netlink socket (bus %d): %s", bus, strerror(errno));
		ucf_nl_close(nl);
		return rc;
	}
	nl->portid = mnl_socket_get_portid(nl->sock);
	nl->seq = (uint32_t)time(NULL);
	/* The kernel's reason and the failing attribute's offset; capped acks
	 * keep error reports small (the sender has its own copy). Older
	 * kernels lack them: errors then come without a reason. */
	mnl_socket_setsockopt(nl->sock, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl->sock, NETLINK_CAP_ACK, &one, sizeof(one));
	*out = nl;
	return 0;
}

void ucf_nl_close(struct ucf_nl *nl)
{
	if (!nl)
		return;
	if (nl->sock)
		mnl_socket_close(nl->sock);
	free(nl->buf);
	free(nl);
}

int ucf_nl_fd(const struct ucf_nl *nl)
{
	return mnl_socket_get_fd(nl->sock);
}

uint32_t ucf_nl_portid(const struct ucf_nl *nl)
{
	return nl->portid;
}

uint32_t ucf_nl_seq(struct ucf_nl *nl)
{
	return ++nl->seq;
}

int ucf_nl_join(struct ucf_nl *nl, unsigned group)
{
	int g = (int)group;
	if (setsockopt(ucf_nl_fd(nl), SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &g, sizeof(g)) < 0)
		return -errno;
	return 0;
}

static void grow_sockbuf(int fd, int opt, int force_opt, size_t want)
{
	int cur = 0;
	socklen_t len = sizeof(cur);
	if (want == 0 ||
	    (getsockopt(fd, SOL_SOCKET, opt, &cur, &len) == 0 && cur >= 0 && (size_t)cur >= want))
		return;
	int v = want > (size_t)(1 << 30) ? 1 << 30 : (int)want;
	/* FORCE needs CAP_NET_ADMIN; without it the capped one does what it can */
	if (setsockopt(fd, SOL_SOCKET, force_opt, &v, sizeof(v)) < 0)
		setsockopt(fd, SOL_SOCKET, opt, &v, sizeof(v));
}

void ucf_nl_bufsize(struct ucf_nl *nl, size_t rcv, size_t snd)
{
	grow_sockbuf(ucf_nl_fd(nl), SO_RCVBUF, SO_RCVBUFFORCE, rcv);
	grow_sockbuf(ucf_nl_fd(nl), SO_SNDBUF, SO_SNDBUFFORCE, snd);
}

/* ---- talking ------------------------------------------------------------------- */

/* What one ucf_nl_talk sent and what came back. */
struct talk {
	uint32_t lo, hi;  /* the sequence numbers sent: answers to others are stale */
	uint32_t *wait;   /* sequence numbers still owed an ack or NLMSG_DONE */
	size_t nwait;
	ucf_nl_cb cb;
	void *arg;
	int cb_rc;
	bool intr;
	struct ucf_nl_result *res;
};

static bool seq_before(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}

static bool ours(const struct talk *t, uint32_t seq)
{
	return (uint32_t)(seq - t->lo) <= (uint32_t)(t->hi - t->lo);
}

static void answered(struct talk *t, uint32_t seq)
{
	for (size_t i = 0; i < t->nwait; i++) {
		if (t->wait[i] == seq) {
			t->wait[i] = t->wait[--t->nwait];
			return;
		}
	}
}

static int ack_attr_cb(const struct nlattr *a, void *data)
{
	struct ucf_nl_error *e = data;
	switch (mnl_attr_get_type(a)) {
	case NLMSGERR_ATTR_MSG:
		if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
			snprintf(e->msg, sizeof(e->msg), "%s", mnl_attr_get_str(a));
		break;
	case NLMSGERR_ATTR_OFFS:
		if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
			e->offset = mnl_attr_get_u32(a);
		break;
	}
	return MNL_CB_OK;
}

/* An NLMSG_ERROR (or NLMSG_DONE carrying an error code): counted, and the
 * first one kept with its extended ack. */
static void take_error(struct talk *t, const struct nlmsghdr *nlh, int code, size_t tlv_at)
{
	struct ucf_nl_result *r = t->res;
	if (code >= 0)
		return;
	if (r->nerrors++ > 0)
		return;
	memset(&r->first, 0, sizeof(r->first));
	r->first.error = -code;
	r->first.seq = nlh->nlmsg_seq;
	if ((nlh->nlmsg_flags & NLM_F_ACK_TLVS) && mnl_nlmsg_size(tlv_at) <= nlh->nlmsg_len)
		mnl_attr_parse(nlh, (unsigned)tlv_at, ack_attr_cb, &r->first);
}

static void on_message(struct talk *t, const struct nlmsghdr *nlh)
{
	size_t plen = mnl_nlmsg_get_payload_len(nlh);
	if (!ours(t, nlh->nlmsg_seq))
		return;
	if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
		t->intr = true;
	switch (nlh->nlmsg_type) {
	case NLMSG_NOOP:
	case NLMSG_OVERRUN:
		return;
	case NLMSG_ERROR: {
		const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
		if (plen < sizeof(*e))
			return;
		/* the TLVs follow the echoed request, cut to its header when capped */
		size_t at = sizeof(*e);
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED) && e->msg.nlmsg_len >= sizeof(e->msg))
			at += NLMSG_ALIGN(e->msg.nlmsg_len - sizeof(e->msg));
		/* the failing message's number is the echoed header's, which is
		 * also the answer's */
		take_error(t, nlh, e->error, at);
		answered(t, nlh->nlmsg_seq);
		return;
	}
	case NLMSG_DONE: {
		/* a dump may end with an error code (and TLVs after it) */
		if (plen >= sizeof(int)) {
			int code;
			memcpy(&code, mnl_nlmsg_get_payload(nlh), sizeof(code));
			take_error(t, nlh, code, sizeof(int));
		}
		answered(t, nlh->nlmsg_seq);
		return;
	}
	default:
		if (t->cb && t->cb_rc == 0)
			t->cb_rc = t->cb(nlh, t->arg);
	}
}

/* Reads the next datagram into nl->buf; its length, 0 when nothing is queued
 * and we need not wait, or -errno. */
static ssize_t next_datagram(struct ucf_nl *nl, bool wait)
{
	int fd = ucf_nl_fd(nl);
	for (;;) {
		ssize_t n = recv(fd, NULL, 0, MSG_PEEK | MSG_TRUNC | (wait ? 0 : MSG_DONTWAIT));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return wait ? -ETIMEDOUT : 0;
		if (n < 0)
			return -errno;
		if ((size_t)n > nl->cap) {
			size_t want = (size_t)n > RECV_MAX ? 0 : (size_t)n;
			void *p = want ? ucf_grow_array(nl->buf, NULL, want, 1, 0) : NULL;
			if (!p) {
				recv(fd, NULL, 0, MSG_DONTWAIT | MSG_TRUNC); /* drop it */
				return want ? -ENOMEM : -EMSGSIZE;
			}
			nl->buf = p;
			nl->cap = want;
		}
		struct sockaddr_nl from;
		socklen_t flen = sizeof(from);
		n = recvfrom(fd, nl->buf, nl->cap, MSG_DONTWAIT, (struct sockaddr *)&from, &flen);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (flen != sizeof(from) || from.nl_pid != 0)
			continue; /* another process's: not an answer */
		if (n == 0)
			continue;
		return n;
	}
}

/* Owed an answer: an ack asked for, or a dump (both NLM_F_ROOT and
 * NLM_F_MATCH; on a NEW message those bits are REPLACE and EXCL, which
 * contradict each other). */
static bool owed(const struct nlmsghdr *nlh)
{
	return (nlh->nlmsg_flags & NLM_F_ACK) || (nlh->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP;
}

static int expect(struct talk *t, const void *buf, size_t len)
{
	const struct nlmsghdr *nlh = buf;
	int left = len > (size_t)INT32_MAX ? -1 : (int)len;
	size_t n = 0, nwait = 0;
	if (left <= 0)
		return -EINVAL;
	for (; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left), n++) {
		if (n == 0 || seq_before(nlh->nlmsg_seq, t->lo))
			t->lo = nlh->nlmsg_seq;
		if (n == 0 || seq_before(t->hi, nlh->nlmsg_seq))
			t->hi = nlh->nlmsg_seq;
		if (owed(nlh))
			nwait++;
	}
	if (left != 0)
		return -EINVAL; /* not whole messages */
	if (nwait && !(t->wait = calloc(nwait, sizeof(*t->wait))))
		return -ENOMEM;
	nlh = buf;
	left = (int)len;
	for (; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left))
		if (owed(nlh))
			t->wait[t->nwait++] = nlh->nlmsg_seq;
	return 0;
}

int ucf_nl_talk(struct ucf_nl *nl, const void *buf, size_t len, ucf_nl_cb cb, void *arg,
		struct ucf_nl_result *res, char *err, size_t errlen)
{
	struct ucf_nl_result local;
	struct talk t = { .cb = cb, .arg = arg, .res = res ? res : &local };
	memset(t.res, 0, sizeof(*t.res));
	int rc = expect(&t, buf, len);
	if (rc < 0) {
		snprintf(err, errlen, "netlink: %s", rc == -EINVAL ? "malformed request" : strerror(-rc));
		return rc;
	}
	if (seq_before(nl->seq, t.hi))
		nl->seq = t.hi;
	while (mnl_socket_sendto(nl->sock, buf, len) < 0) {
		if (errno != EINTR) {
			rc = -errno;
			snprintf(err, errlen, "netlink send: %s", strerror(errno));
			goto out;
		}
	}
	for (;;) {
		ssize_t n = next_datagram(nl, t.nwait > 0);
		if (n == 0)
			break;
		if (n == -ENOBUFS) {
			t.res->lost = true;
			if (t.nwait == 0)
				continue; /* only errors were owed: go on draining */
		}
		if (n < 0) {
			rc = (int)n;
			if (n != -ENOBUFS) {
				snprintf(err, errlen, "netlink receive: %s", strerror((int)-n));
				goto out;
			}
			break; /* an owed ack may have been dropped: do not wait for it */
		}
		const struct nlmsghdr *nlh = nl->buf;
		int left = (int)n;
		for (; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left))
			on_message(&t, nlh);
	}
	const struct ucf_nl_error *e = &t.res->first;
	if (t.res->nerrors) {
		rc = -e->error;
		snprintf(err, errlen, "%s%s%s%s", strerror(e->error), e->msg[0] ? " (" : "", e->msg,
			 e->msg[0] ? ")" : "");
	} else if (t.cb_rc < 0) {
		rc = t.cb_rc;
		snprintf(err, errlen, "%s", strerror(-rc));
	} else if (t.intr) {
		rc = -EINTR;
		snprintf(err, errlen, "dump interrupted: the kernel's data changed meanwhile");
	} else if (t.res->lost) {
		rc = -ENOBUFS;
		snprintf(err, errlen, "answers lost (receive buffer overflow)");
	}
out:
	free(t.wait);
	return rc;
}

int ucf_nl_request(struct ucf_nl *nl, const struct nlmsghdr *nlh, ucf_nl_cb cb, void *arg,
		   char *err, size_t errlen)
{
	return ucf_nl_talk(nl, nlh, nlh->nlmsg_len, cb, arg, NULL, err, errlen);
}
