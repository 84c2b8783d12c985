/* Tests of the netlink sockets against the real kernel, inside a private
 * network namespace this process creates (unshare), so nothing outside it is
 * touched: close-on-exec, port ids, a dump through the callback, kernel
 * errors as -errno with the kernel's reason, errors per message of an
 * nftables batch, a datagram larger than the receive buffer, and a dump cut
 * short by its callback that leaves the socket usable. Needs root
 * (CAP_NET_ADMIN); without it the tests fail, they do not skip. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <libnftnl/common.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "nl.h"

static char err[1024];

static int setup_netns(void **state)
{
	(void)state;
	if (unshare(CLONE_NEWNET) < 0) {
		fprintf(stderr, "unshare(CLONE_NEWNET): %s: these tests need root\n", strerror(errno));
		return -1;
	}
	return system("ip link set lo up") == 0 ? 0 : -1;
}

static struct ucf_nl *open_or_fail(int bus, unsigned flags)
{
	struct ucf_nl *nl = NULL;
	int rc = ucf_nl_open(bus, flags, &nl, err, sizeof(err));
	if (rc < 0)
		fprintf(stderr, "ucf_nl_open: %s\n", err);
	assert_int_equal(rc, 0);
	assert_non_null(nl);
	return nl;
}

static void test_open_close_on_exec(void **state)
{
	(void)state;
	int buses[] = { NETLINK_ROUTE, NETLINK_NETFILTER };
	for (size_t i = 0; i < 2; i++) {
		for (unsigned flags = 0; flags <= UCF_NL_NONBLOCK; flags += UCF_NL_NONBLOCK) {
			struct ucf_nl *nl = open_or_fail(buses[i], flags);
			int fd = ucf_nl_fd(nl);
			int fdflags = fcntl(fd, F_GETFD);
			assert_true(fdflags >= 0);
			assert_true(fdflags & FD_CLOEXEC);
			int fl = fcntl(fd, F_GETFL);
			assert_int_equal(!!(fl & O_NONBLOCK), !!(flags & UCF_NL_NONBLOCK));
			/* the port id is the one the kernel bound */
			struct sockaddr_nl sa;
			socklen_t len = sizeof(sa);
			assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
			assert_int_not_equal(ucf_nl_portid(nl), 0);
			assert_int_equal(ucf_nl_portid(nl), sa.nl_pid);
			ucf_nl_close(nl);
		}
	}
	ucf_nl_close(NULL);
}

static void test_open_bad_bus(void **state)
{
	(void)state;
	struct ucf_nl *nl = NULL;
	err[0] = '\0';
	int rc = ucf_nl_open(4242, 0, &nl, err, sizeof(err));
	assert_true(rc < 0);
	assert_null(nl);
	assert_true(strlen(err) > 0);
}

struct links {
	size_t count;
	bool lo, v0;
};

static int link_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct links *l = arg;
	const struct nlattr *a;
	assert_int_equal(nlh->nlmsg_type, RTM_NEWLINK);
	l->count++;
	mnl_attr_for_each(a, nlh, sizeof(struct ifinfomsg)) {
		if (mnl_attr_get_type(a) != IFLA_IFNAME || mnl_attr_validate(a, MNL_TYPE_NUL_STRING) < 0)
			continue;
		l->lo |= strcmp(mnl_attr_get_str(a), "lo") == 0;
		l->v0 |= strcmp(mnl_attr_get_str(a), "nltest0") == 0;
	}
	return 0;
}

static struct nlmsghdr *link_dump(struct ucf_nl *nl, char *buf)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_GETLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = ucf_nl_seq(nl);
	struct rtgenmsg *g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->rtgen_family = AF_UNSPEC;
	return nlh;
}

static void test_dump_links(void **state)
{
	(void)state;
	char buf[256];
	struct links l = { 0 };
	assert_int_equal(system("ip link add nltest0 type veth peer name nltest1"), 0);
	struct ucf_nl *nl = open_or_fail(NETLINK_ROUTE, 0);
	int rc = ucf_nl_request(nl, link_dump(nl, buf), link_cb, &l, err, sizeof(err));
	assert_int_equal(rc, 0);
	assert_int_equal(l.count, 3); /* lo and the veth pair: this namespace's */
	assert_true(l.lo);
	assert_true(l.v0);
	ucf_nl_close(nl);
	assert_int_equal(system("ip link del nltest0"), 0);
}

/* RTM_NEWROUTE or RTM_DELROUTE of dst/len via dev lo in the main table. */
static struct nlmsghdr *route_msg(struct ucf_nl *nl, char *buf, uint16_t type, const char *dst,
				  uint8_t len)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | (type == RTM_NEWROUTE ? NLM_F_CREATE : 0);
	nlh->nlmsg_seq = ucf_nl_seq(nl);
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = AF_INET;
	rtm->rtm_dst_len = len;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_protocol = RTPROT_STATIC;
	rtm->rtm_scope = type == RTM_NEWROUTE ? RT_SCOPE_LINK : RT_SCOPE_NOWHERE;
	rtm->rtm_type = RTN_UNICAST;
	struct in_addr a;
	inet_pton(AF_INET, dst, &a);
	mnl_attr_put(nlh, RTA_DST, 4, &a);
	mnl_attr_put_u32(nlh, RTA_OIF, if_nametoindex("lo"));
	return nlh;
}

static void test_error_ack(void **state)
{
	(void)state;
	char buf[512];
	struct ucf_nl *nl = open_or_fail(NETLINK_ROUTE, 0);
	/* host bits set: the kernel says why in an extended ack */
	err[0] = '\0';
	int rc = ucf_nl_request(nl, route_msg(nl, buf, RTM_NEWROUTE, "10.9.0.1", 8), NULL, NULL,
				err, sizeof(err));
	assert_int_equal(rc, -EINVAL);
	assert_non_null(strstr(err, strerror(EINVAL)));
	assert_non_null(strstr(err, "Invalid prefix"));
	/* a route that is not there */
	rc = ucf_nl_request(nl, route_msg(nl, buf, RTM_DELROUTE, "10.9.0.0", 16), NULL, NULL, err,
			    sizeof(err));
	assert_int_equal(rc, -ESRCH);
	/* add and delete it: acks with no error are success */
	rc = ucf_nl_request(nl, route_msg(nl, buf, RTM_NEWROUTE, "10.9.0.0", 16), NULL, NULL, err,
			    sizeof(err));
	assert_int_equal(rc, 0);
	rc = ucf_nl_request(nl, route_msg(nl, buf, RTM_DELROUTE, "10.9.0.0", 16), NULL, NULL, err,
			    sizeof(err));
	assert_int_equal(rc, 0);
	ucf_nl_close(nl);
}

/* An error echoing the whole request (capped acks off): one datagram larger
 * than the receive buffer's 32 KiB, whose extended ack follows the echo. */
static void test_large_answer(void **state)
{
	(void)state;
	size_t size = 100000;
	char *buf = calloc(1, size);
	assert_non_null(buf);
	struct ucf_nl *nl = open_or_fail(NETLINK_ROUTE, 0);
	int off = 0;
	assert_int_equal(setsockopt(ucf_nl_fd(nl), SOL_NETLINK, NETLINK_CAP_ACK, &off, sizeof(off)), 0);
	struct nlmsghdr *nlh = route_msg(nl, buf, RTM_NEWROUTE, "10.9.0.1", 8);
	static char pad[30000];
	for (int i = 0; i < 2; i++) /* attribute types the kernel ignores */
		mnl_attr_put(nlh, 1000 + i, sizeof(pad), pad);
	assert_true(nlh->nlmsg_len > 60000);
	struct ucf_nl_result res;
	int rc = ucf_nl_talk(nl, nlh, nlh->nlmsg_len, NULL, NULL, &res, err, sizeof(err));
	assert_int_equal(rc, -EINVAL);
	assert_int_equal(res.nerrors, 1);
	assert_int_equal(res.first.seq, nlh->nlmsg_seq);
	assert_non_null(strstr(res.first.msg, "Invalid prefix"));
	ucf_nl_close(nl);
	free(buf);
}

static size_t put_deltable(char *at, uint32_t seq, const char *name)
{
	struct nlmsghdr *nlh = nftnl_nlmsg_build_hdr(at, NFT_MSG_DELTABLE, NFPROTO_INET, 0, seq);
	mnl_attr_put_strz(nlh, NFTA_TABLE_NAME, name);
	return NLMSG_ALIGN(nlh->nlmsg_len);
}

static size_t put_newtable(char *at, uint32_t seq, const char *name)
{
	struct nlmsghdr *nlh = nftnl_nlmsg_build_hdr(at, NFT_MSG_NEWTABLE, NFPROTO_INET,
						     NLM_F_CREATE, seq);
	mnl_attr_put_strz(nlh, NFTA_TABLE_NAME, name);
	return NLMSG_ALIGN(nlh->nlmsg_len);
}

/* One nftables transaction: each failing message gets its own error, the
 * first one is kept with its sequence number; nothing needs an ack. */
static void test_batch_errors(void **state)
{
	(void)state;
	_Alignas(8) char buf[4096];
	struct ucf_nl *nl = open_or_fail(NETLINK_NETFILTER, 0);
	uint32_t seq = ucf_nl_seq(nl);
	size_t len = 0;
	struct nlmsghdr *b = nftnl_batch_begin(buf, seq++);
	len += NLMSG_ALIGN(b->nlmsg_len);
	len += put_newtable(buf + len, seq++, "nltest_ok");
	uint32_t first_bad = seq;
	len += put_deltable(buf + len, seq++, "nltest_missing1");
	len += put_deltable(buf + len, seq++, "nltest_missing2");
	b = nftnl_batch_end(buf + len, seq);
	len += NLMSG_ALIGN(b->nlmsg_len);
	struct ucf_nl_result res;
	int rc = ucf_nl_talk(nl, buf, len, NULL, NULL, &res, err, sizeof(err));
	assert_int_equal(rc, -ENOENT);
	assert_int_equal(res.nerrors, 2);
	assert_int_equal(res.first.error, ENOENT);
	assert_int_equal(res.first.seq, first_bad);
	assert_false(res.lost);
	assert_non_null(strstr(err, strerror(ENOENT)));
	/* the sequence numbers go on after the batch's */
	assert_true((int32_t)(ucf_nl_seq(nl) - seq) > 0);

	/* the whole batch was rolled back; a good one goes through */
	seq = ucf_nl_seq(nl);
	len = 0;
	b = nftnl_batch_begin(buf, seq++);
	len += NLMSG_ALIGN(b->nlmsg_len);
	len += put_newtable(buf + len, seq++, "nltest_ok");
	len += put_deltable(buf + len, seq++, "nltest_ok");
	b = nftnl_batch_end(buf + len, seq);
	len += NLMSG_ALIGN(b->nlmsg_len);
	rc = ucf_nl_talk(nl, buf, len, NULL, NULL, &res, err, sizeof(err));
	assert_int_equal(rc, 0);
	assert_int_equal(res.nerrors, 0);
	ucf_nl_close(nl);
}

static int stop_cb(const struct nlmsghdr *nlh, void *arg)
{
	(void)nlh;
	(*(size_t *)arg)++;
	return -ECANCELED;
}

/* A callback's error ends the calls, the rest of the dump is read, and the
 * socket answers the next request with its own answer. */
static void test_dump_cut_short(void **state)
{
	(void)state;
	char buf[256];
	FILE *p = popen("ip -batch -", "w");
	assert_non_null(p);
	for (int i = 0; i < 2000; i++)
		fprintf(p, "route add 10.%d.%d.0/24 dev lo\n", 100 + i / 256, i % 256);
	assert_int_equal(pclose(p), 0);
	struct ucf_nl *nl = open_or_fail(NETLINK_ROUTE, 0);
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_GETROUTE;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = ucf_nl_seq(nl);
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = AF_INET;
	size_t calls = 0;
	int rc = ucf_nl_request(nl, nlh, stop_cb, &calls, err, sizeof(err));
	assert_int_equal(rc, -ECANCELED);
	assert_int_equal(calls, 1);
	struct links l = { 0 };
	rc = ucf_nl_request(nl, link_dump(nl, buf), link_cb, &l, err, sizeof(err));
	assert_int_equal(rc, 0);
	assert_true(l.lo);
	ucf_nl_close(nl);
}

static void test_join(void **state)
{
	(void)state;
	struct ucf_nl *nl = open_or_fail(NETLINK_ROUTE, UCF_NL_NONBLOCK);
	assert_int_equal(ucf_nl_join(nl, RTNLGRP_IPV4_ROUTE), 0);
	assert_int_equal(ucf_nl_join(nl, 100000), -EINVAL);
	ucf_nl_bufsize(nl, 1 << 20, 0);
	int v = 0;
	socklen_t len = sizeof(v);
	assert_int_equal(getsockopt(ucf_nl_fd(nl), SOL_SOCKET, SO_RCVBUF, &v, &len), 0);
	assert_true(v >= 1 << 20);
	/* a route added in the namespace is announced to the group */
	assert_int_equal(system("ip route add 10.77.0.0/16 dev lo"), 0);
	char rbuf[8192];
	ssize_t n = recv(ucf_nl_fd(nl), rbuf, sizeof(rbuf), MSG_DONTWAIT);
	assert_true(n > 0);
	assert_int_equal(((struct nlmsghdr *)rbuf)->nlmsg_type, RTM_NEWROUTE);
	ucf_nl_close(nl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_close_on_exec),
		cmocka_unit_test(test_open_bad_bus),
		cmocka_unit_test(test_dump_links),
		cmocka_unit_test(test_error_ack),
		cmocka_unit_test(test_large_answer),
		cmocka_unit_test(test_batch_errors),
		cmocka_unit_test(test_dump_cut_short),
		cmocka_unit_test(test_join),
	};
	return cmocka_run_group_tests(tests, setup_netns, NULL);
}
