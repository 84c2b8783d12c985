/* Unit tests for offline capture reading and the live capture filter. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "capture.h"
#include "classify_frames.h"
#include "decode.h"

static char path[64];

static int setup(void **state)
{
	(void)state;
	snprintf(path, sizeof(path), "/tmp/ucf-capture-test-%d.pcap", (int)getpid());
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(path);
	return 0;
}

/* Writes n UDP frames to path; returns the file size. */
static long write_capture(int n)
{
	pcap_t *dead = pcap_open_dead(DLT_EN10MB, 65535);
	pcap_dumper_t *d = pcap_dump_open(dead, path);
	assert_non_null(d);
	uint8_t f[256];
	for (int i = 0; i < n; i++) {
		size_t len = udp_frame(f, "10.0.0.1", 1000, "10.0.0.2", 2000, "payload", 7);
		struct pcap_pkthdr h = {.caplen = (uint32_t)len, .len = (uint32_t)len};
		h.ts.tv_sec = 1700000000 + i;
		pcap_dump((u_char *)d, &h, f);
	}
	pcap_dump_close(d);
	pcap_close(dead);
	FILE *fp = fopen(path, "rb");
	fseek(fp, 0, SEEK_END);
	long size = ftell(fp);
	fclose(fp);
	return size;
}

static void count(void *arg, const struct ucf_frame *f)
{
	int *n = arg;
	assert_int_equal(f->dlt, DLT_EN10MB);
	assert_int_equal(f->ts_us % 1000000, 0);
	(*n)++;
}

static void test_offline(void **state)
{
	(void)state;
	write_capture(5);
	struct ucf_capture *cap;
	char err[512];
	assert_int_equal(ucf_capture_open_offline(path, &cap, err, sizeof(err)), 0);
	assert_int_equal(ucf_capture_fd(cap), -1);
	int n = 0;
	assert_int_equal(ucf_capture_dispatch(cap, -1, count, &n, err, sizeof(err)), 5);
	assert_int_equal(ucf_capture_dispatch(cap, -1, count, &n, err, sizeof(err)), -ENODATA);
	assert_int_equal(n, 5);
	ucf_capture_close(cap);
}

static void test_errors_name_the_file(void **state)
{
	(void)state;
	struct ucf_capture *cap;
	char err[512];
	assert_int_equal(ucf_capture_open_offline("/nonexistent/x.pcap", &cap, err, sizeof(err)), -EIO);
	assert_non_null(strstr(err, "/nonexistent/x.pcap"));
	/* not a capture at all */
	FILE *fp = fopen(path, "wb");
	fputs("this is not a pcap file, just text", fp);
	fclose(fp);
	assert_int_equal(ucf_capture_open_offline(path, &cap, err, sizeof(err)), -EIO);
	assert_non_null(strstr(err, path));
	/* truncated in the middle of a packet */
	long size = write_capture(3);
	assert_int_equal(truncate(path, size - 10), 0);
	assert_int_equal(ucf_capture_open_offline(path, &cap, err, sizeof(err)), 0);
	int n = 0, rc;
	while ((rc = ucf_capture_dispatch(cap, -1, count, &n, err, sizeof(err))) > 0)
		;
	assert_int_equal(rc, -EIO);
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, "truncated"));
	ucf_capture_close(cap);
}

static void test_default_filter_compiles(void **state)
{
	(void)state;
	pcap_t *dead = pcap_open_dead(DLT_EN10MB, 65535);
	struct bpf_program prog;
	assert_int_equal(pcap_compile(dead, &prog, ucf_capture_default_filter, 1,
				      PCAP_NETMASK_UNKNOWN), 0);
	/* UDP passes; a pure TCP ACK does not; TCP with data does */
	uint8_t f[256];
	size_t len = udp_frame(f, "10.0.0.1", 1, "10.0.0.2", 2, "x", 1);
	struct pcap_pkthdr h = {.caplen = (uint32_t)len, .len = (uint32_t)len};
	assert_int_not_equal(pcap_offline_filter(&prog, &h, f), 0);
	len = build_frame(f, 0, "10.0.0.1", 1, "10.0.0.2", 2, 0x10, 5, "", 0);
	h.caplen = h.len = (uint32_t)len;
	assert_int_equal(pcap_offline_filter(&prog, &h, f), 0);
	len = build_frame(f, 0, "10.0.0.1", 1, "10.0.0.2", 2, 0x10, 5, "data", 4);
	h.caplen = h.len = (uint32_t)len;
	assert_int_not_equal(pcap_offline_filter(&prog, &h, f), 0);
	len = build_frame(f, 1, "10.0.0.1", 1, "10.0.0.2", 2, -1, 0, "v", 1);
	h.caplen = h.len = (uint32_t)len;
	assert_int_not_equal(pcap_offline_filter(&prog, &h, f), 0);
	pcap_freecode(&prog);
	pcap_close(dead);
}

struct seen {
	int dlt;
	unsigned hits;
};

static void look(void *arg, const struct ucf_frame *f)
{
	struct seen *s = arg;
	struct ucf_pkt p;
	if (ucf_decode(f->dlt, f->data, f->caplen, &p) == 0 && p.l4proto == IPPROTO_UDP &&
	    p.dport == 47999 && p.payload_len == 5 && memcmp(p.payload, "probe", 5) == 0)
		s->hits++;
}

/* Live capture on the loopback interface (needs CAP_NET_RAW: skipped, not
 * passed, without it). */
static void test_live_loopback(void **state)
{
	(void)state;
	if (geteuid() != 0)
		skip();
	struct ucf_capture *cap;
	char err[512];
	assert_int_equal(ucf_capture_open_live("lo", NULL, false, &cap, err, sizeof(err)), 0);
	int fd = ucf_capture_fd(cap);
	assert_true(fd >= 0);
	struct seen s = {0};
	/* non-blocking: nothing pending is 0, not an error */
	assert_true(ucf_capture_dispatch(cap, 16, look, &s, err, sizeof(err)) >= 0);
	int sock = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(47999)};
	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	for (int i = 0; i < 50 && s.hits == 0; i++) {
		sendto(sock, "probe", 5, 0, (struct sockaddr *)&to, sizeof(to));
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		poll(&pfd, 1, 100);
		assert_true(ucf_capture_dispatch(cap, 64, look, &s, err, sizeof(err)) >= 0);
	}
	close(sock);
	assert_true(s.hits > 0);
	ucf_capture_close(cap);
	/* a bad interface and a bad filter are errors naming the interface */
	assert_true(ucf_capture_open_live("nonexistent0", NULL, false, &cap, err, sizeof(err)) < 0);
	assert_non_null(strstr(err, "nonexistent0"));
	assert_int_equal(ucf_capture_open_live("lo", "this is not bpf", false, &cap, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "lo"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_offline, setup, teardown),
		cmocka_unit_test_setup_teardown(test_errors_name_the_file, setup, teardown),
		cmocka_unit_test(test_default_filter_compiles),
		cmocka_unit_test(test_live_loopback),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
