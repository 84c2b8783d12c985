/* bench_capture_delay — the reference for the pinhole latency benchmark:
 * how long a packet takes from its capture timestamp to a process waiting
 * for it, on this machine, through the agent's own capture code (same
 * libpcap options, inbound only) and nothing else: no classification, no
 * netlink. The agent's latency is this floor plus its own work.
 *
 *   bench_capture_delay IFACE FILTER SECONDS
 *
 * Waits in poll() like the agent's event loop (no busy polling), stops after
 * SECONDS or on SIGTERM/SIGINT, prints "PACKETS MEDIAN_US P99_US MAX_US". */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "capture.h"
#include "latency.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static uint64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void on_frame(void *arg, const struct ucf_frame *f)
{
	uint64_t now = now_us();
	ucf_latency_add(arg, now > f->ts_us ? now - f->ts_us : 0);
}

int main(int argc, char **argv)
{
	char err[256];
	struct ucf_capture *cap;
	static struct ucf_latency lat;
	struct ucf_latency_summary s;
	if (argc != 4) {
		fprintf(stderr, "usage: bench_capture_delay IFACE FILTER SECONDS\n");
		return 2;
	}
	if (ucf_capture_open_live(argv[1], argv[2], false, &cap, err, sizeof(err)) < 0 ||
	    ucf_capture_inbound_only(cap, err, sizeof(err)) < 0) {
		fprintf(stderr, "bench_capture_delay: %s\n", err);
		return 1;
	}
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	uint64_t end = now_us() + (uint64_t)atoi(argv[3]) * 1000000u;
	struct pollfd pfd = { .fd = ucf_capture_fd(cap), .events = POLLIN };
	while (!stop && now_us() < end) {
		if (poll(&pfd, 1, 200) > 0 &&
		    ucf_capture_dispatch(cap, 256, on_frame, &lat, err, sizeof(err)) == -EIO) {
			fprintf(stderr, "bench_capture_delay: %s\n", err);
			break;
		}
	}
	ucf_capture_close(cap);
	if (ucf_latency_summarize(&lat, &s) < 0)
		return 1;
	printf("%u %u %u %u\n", s.window, s.median_us, s.p99_us, s.max_window_us);
	return 0;
}
