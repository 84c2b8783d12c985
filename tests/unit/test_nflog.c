/* NFLOG against the real kernel: the test moves itself into a fresh network
 * namespace (unshare), loads a logging rule with nft, sends packets over
 * loopback and checks what the listener reports. Needs root. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "nflog.h"

#define GROUP 4242

struct seen {
	int count;
	struct ucf_logged_packet last;
};

static void on_packet(void *arg, const struct ucf_logged_packet *p)
{
	struct seen *s = arg;
	s->count++;
	s->last = *p;
}

static int setup(void **state)
{
	(void)state;
	if (unshare(CLONE_NEWNET) < 0)
		return -1; /* not root: the group setup fails, and so the test */
	return system("ip link set lo up && nft -f - <<'EOF'\n"
		      "table inet ucf_nflog_test {\n"
		      "  chain out { type filter hook output priority 0;\n"
		      "    udp dport 9999 log prefix \"ucfence: test-reason \" group 4242\n"
		      "    tcp dport 9998 log prefix \"ucfence: tcp \" group 4242\n  }\n}\n"
		      "EOF");
}

static void send_udp(int family, const char *addr, uint16_t port)
{
	int fd = socket(family, SOCK_DGRAM, 0);
	assert_true(fd >= 0);
	struct sockaddr_storage ss = { 0 };
	socklen_t len;
	if (family == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)&ss;
		in->sin_family = AF_INET;
		in->sin_port = htons(port);
		inet_pton(AF_INET, addr, &in->sin_addr);
		len = sizeof(*in);
	} else {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(port);
		inet_pton(AF_INET6, addr, &in6->sin6_addr);
		len = sizeof(*in6);
	}
	assert_int_equal(sendto(fd, "x", 1, 0, (struct sockaddr *)&ss, len), 1);
	close(fd);
}

static void wait_for(struct ucf_reactor *r, struct seen *s, int count)
{
	for (int i = 0; i < 50 && s->count < count; i++)
		ucf_reactor_dispatch(r, 100);
	assert_int_equal(s->count, count);
}

static void test_logged_packets(void **state)
{
	(void)state;
	struct ucf_reactor *r;
	struct ucf_nflog *log;
	struct seen s = { 0 };
	char err[256];
	assert_int_equal(ucf_reactor_new(&r, err, sizeof(err)), 0);
	assert_int_equal(ucf_nflog_open(r, GROUP, on_packet, &s, &log, err, sizeof(err)), 0);

	send_udp(AF_INET, "127.0.0.1", 9999);
	wait_for(r, &s, 1);
	assert_string_equal(s.last.prefix, "ucfence: test-reason ");
	assert_int_equal(s.last.family, AF_INET);
	assert_int_equal(s.last.l4proto, IPPROTO_UDP);
	assert_int_equal(s.last.dport, 9999);
	assert_int_equal(s.last.outdev, if_nametoindex("lo"));
	assert_memory_equal(s.last.dst, "\x7f\x00\x00\x01", 4);

	send_udp(AF_INET6, "::1", 9999);
	wait_for(r, &s, 2);
	assert_int_equal(s.last.family, AF_INET6);
	assert_int_equal(s.last.dst[15], 1);
	assert_int_equal(s.last.dport, 9999);

	send_udp(AF_INET, "127.0.0.1", 9997); /* not logged */
	ucf_reactor_dispatch(r, 200);
	assert_int_equal(s.count, 2);

	/* a second listener on the same group is refused, with the group named */
	struct ucf_nflog *other;
	assert_true(ucf_nflog_open(r, GROUP, on_packet, &s, &other, err, sizeof(err)) < 0);
	assert_non_null(strstr(err, "cannot bind group 4242"));
	assert_int_equal(ucf_nflog_lost(log), 0);
	ucf_nflog_close(log);
	ucf_reactor_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = { cmocka_unit_test(test_logged_packets) };
	return cmocka_run_group_tests_name("nflog", tests, setup, NULL);
}
