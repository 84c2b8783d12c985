/* nl.h — the agent's netlink sockets (libmnl underneath), for every bus it
 * speaks: nftables (the enforcer), rtnetlink (routes), NFLOG, and the
 * notifications the tamper watch listens to. This header is the module's
 * whole interface.
 *
 * A socket is opened close-on-exec, bound to a port id the kernel picks, and
 * asks for extended, capped acks: an error names the kernel's reason and
 * echoes only the failing message's header. ucf_nl_talk sends one message or
 * a whole batch and reads the answers: data messages go to a callback, every
 * NLMSG_ERROR with a non-zero code is an error of the message whose sequence
 * number it carries. */
#ifndef UCF_NL_H
#define UCF_NL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct nlmsghdr;
struct ucf_nl;

enum {
	/* for sockets read from the reactor (notifications); ucf_nl_talk needs
	 * a blocking socket */
	UCF_NL_NONBLOCK = 1u << 0,
};

/* Opens a socket on netlink bus (NETLINK_ROUTE, NETLINK_NETFILTER, ...) and
 * binds it; -EPERM and the like with a message in err. */
int ucf_nl_open(int bus, unsigned flags, struct ucf_nl **out, char *err, size_t errlen);
void ucf_nl_close(struct ucf_nl *nl);

int ucf_nl_fd(const struct ucf_nl *nl);
/* The port id the kernel bound: it names this socket as the sender in the
 * notifications of every change made through it (nlmsg_pid). */
uint32_t ucf_nl_portid(const struct ucf_nl *nl);
/* A fresh sequence number, after every one sent so far on this socket
 * (a batch's own numbers included). */
uint32_t ucf_nl_seq(struct ucf_nl *nl);

/* Joins multicast group (RTNLGRP_*, NFNLGRP_*). */
int ucf_nl_join(struct ucf_nl *nl, unsigned group);
/* Grows the socket's receive and send buffers to at least rcv and snd bytes
 * (0: leave as is), past the system's limits where CAP_NET_ADMIN allows;
 * never shrinks them. A failure leaves the buffer as it was. */
void ucf_nl_bufsize(struct ucf_nl *nl, size_t rcv, size_t snd);

/* Called once per data message of an answer (not for acks, errors or
 * NLMSG_DONE): 0 to go on, or a negative errno, which ends the calls and is
 * what ucf_nl_talk returns (the rest of the answer is still read). */
typedef int (*ucf_nl_cb)(const struct nlmsghdr *nlh, void *arg);

/* An error the kernel reported for one message. */
struct ucf_nl_error {
	int error;       /* errno, positive */
	uint32_t seq;    /* the failing message's sequence number */
	uint32_t offset; /* of the offending attribute in that message (extended ack), or 0 */
	char msg[256];   /* the kernel's reason (extended ack), or "" */
};

struct ucf_nl_result {
	struct ucf_nl_error first; /* the first error reported, in the order the kernel sent them */
	size_t nerrors;            /* messages the kernel reported an error for */
	bool lost;                 /* the receive buffer overflowed (ENOBUFS): reports were lost */
};

/* Sends len bytes of messages (one request, or a batch such as nftables'
 * BATCH_BEGIN ... BATCH_END) in one datagram, then reads the answers until
 * every message sent with NLM_F_ACK has its ack or error and every dump
 * (NLM_F_DUMP) its NLMSG_DONE, then whatever else is queued. Messages without NLM_F_ACK are
 * answered only when they fail; the kernel handles a batch inside the send,
 * so those errors are queued by the time it returns. Answers to earlier
 * sequence numbers and datagrams not from the kernel are ignored; the
 * receive buffer grows for a datagram larger than 32 KiB (up to 1 MiB).
 *
 * Returns 0; or the first kernel error as -errno, with err "File exists
 * (REASON)"; or a callback's error; -EINTR for a dump the kernel marked
 * interrupted (the data changed meanwhile); -ENOBUFS if answers were lost;
 * any other -errno from the socket, with err saying so. res (may be NULL)
 * tells a kernel error (nerrors, lost) from a socket failure. */
int ucf_nl_talk(struct ucf_nl *nl, const void *buf, size_t len, ucf_nl_cb cb, void *arg,
		struct ucf_nl_result *res, char *err, size_t errlen);

/* ucf_nl_talk for one message: an ack-ed request, or a dump (NLM_F_DUMP)
 * whose every message goes to cb. */
int ucf_nl_request(struct ucf_nl *nl, const struct nlmsghdr *nlh, ucf_nl_cb cb, void *arg,
		   char *err, size_t errlen);

#endif
