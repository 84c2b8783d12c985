/* labnet — the traffic tool of the test lab (tests/lab/lab.sh).
 *
 *   labnet serve NAME SPEC...          answer on each SPEC (tcp:PORT, udp:PORT),
 *                                      dual stack: UDP datagrams are answered
 *                                      with NAME, TCP connections get NAME
 *   labnet probe tcp|udp HOST PORT [TIMEOUT_MS [SRCPORT [SRCADDR]]]
 *                                      one exchange; prints the answer; exit
 *                                      0 answered, 1 silence, 3 refused (RST or
 *                                      port unreachable), 4 other ICMP error
 *                                      (e.g. administratively prohibited)
 *   labnet stream HOST PORT PPS SECONDS
 *                                      UDP datagrams, each from a new socket so
 *                                      each is a new conntrack flow; prints the
 *                                      number sent
 *   labnet sink PORT SECONDS           counts UDP datagrams until SECONDS pass
 *                                      or SIGTERM; prints the count
 *   labnet chatd PORT SECONDS          one long-lived TCP connection, the server
 *   labnet chat HOST PORT SRCPORT SECONDS   ... and the client (from SRCPORT):
 *                                      each side sends a line every 50 ms and
 *                                      prints one line per chunk it receives, so
 *                                      `wc -l` of its output tells whether data
 *                                      still flows towards it; "closed" at the end
 *                                      if the peer closed or reset
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_SOCKS 64

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int listen_on(int type, int port)
{
	struct sockaddr_in6 a = { .sin6_family = AF_INET6, .sin6_port = htons((uint16_t)port),
				  .sin6_addr = IN6ADDR_ANY_INIT };
	int fd = socket(AF_INET6, type, 0), off = 0, on = 1;
	if (fd < 0)
		return -1;
	setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	if (type == SOCK_DGRAM)
		setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on, sizeof(on));
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    (type == SOCK_STREAM && listen(fd, 64) < 0)) {
		fprintf(stderr, "labnet: bind port %d: %s\n", port, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* Answers from the address the datagram was sent to (a host with several
 * addresses would otherwise answer from its route's source address). */
static void answer_datagram(int fd, const char *name)
{
	char buf[2048], ctl[256];
	struct sockaddr_in6 from;
	struct iovec iov = { buf, sizeof(buf) };
	struct msghdr m = { .msg_name = &from, .msg_namelen = sizeof(from), .msg_iov = &iov,
			    .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof(ctl) };
	struct in6_pktinfo to = { 0 };
	bool have_to = false;
	if (recvmsg(fd, &m, 0) < 0)
		return;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c))
		if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
			memcpy(&to, CMSG_DATA(c), sizeof(to));
			have_to = true;
		}
	to.ipi6_ifindex = 0;
	union {
		char buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
		struct cmsghdr align;
	} out;
	struct iovec oiov = { (void *)name, strlen(name) };
	struct msghdr o = { .msg_name = &from, .msg_namelen = m.msg_namelen, .msg_iov = &oiov,
			    .msg_iovlen = 1 };
	if (have_to) {
		o.msg_control = out.buf;
		o.msg_controllen = sizeof(out.buf);
		struct cmsghdr *c = CMSG_FIRSTHDR(&o);
		c->cmsg_level = IPPROTO_IPV6;
		c->cmsg_type = IPV6_PKTINFO;
		c->cmsg_len = CMSG_LEN(sizeof(to));
		memcpy(CMSG_DATA(c), &to, sizeof(to));
	}
	sendmsg(fd, &o, 0);
}

static int serve(const char *name, int n, char **specs)
{
	struct pollfd pfd[MAX_SOCKS];
	int types[MAX_SOCKS], count = 0;
	for (int i = 0; i < n && count < MAX_SOCKS; i++) {
		int type = strncmp(specs[i], "tcp:", 4) == 0 ? SOCK_STREAM
			   : strncmp(specs[i], "udp:", 4) == 0 ? SOCK_DGRAM : -1;
		if (type < 0) {
			fprintf(stderr, "labnet: bad spec %s\n", specs[i]);
			return 2;
		}
		int fd = listen_on(type, atoi(specs[i] + 4));
		if (fd < 0)
			return 2;
		pfd[count] = (struct pollfd){ .fd = fd, .events = POLLIN };
		types[count++] = type;
	}
	while (!stop) {
		if (poll(pfd, (nfds_t)count, 500) <= 0)
			continue;
		for (int i = 0; i < count; i++) {
			if (!(pfd[i].revents & POLLIN))
				continue;
			if (types[i] == SOCK_DGRAM) {
				answer_datagram(pfd[i].fd, name);
			} else {
				int c = accept(pfd[i].fd, NULL, NULL);
				if (c >= 0) {
					ssize_t w = write(c, name, strlen(name));
					(void)w;
					close(c);
				}
			}
		}
	}
	return 0;
}

static int resolve(const char *host, int port, int type, struct addrinfo **ai)
{
	struct addrinfo hints = { .ai_socktype = type, .ai_flags = AI_NUMERICHOST };
	char p[16];
	snprintf(p, sizeof(p), "%d", port);
	int rc = getaddrinfo(host, p, &hints, ai);
	if (rc != 0)
		fprintf(stderr, "labnet: %s: %s\n", host, gai_strerror(rc));
	return rc == 0 ? 0 : -1;
}

static int error_code(int err)
{
	if (err == ECONNREFUSED)
		return 3;
	if (err == ETIMEDOUT || err == EAGAIN || err == EINPROGRESS)
		return 1;
	fprintf(stderr, "labnet: %s\n", strerror(err));
	return 4;
}

static int probe(const char *proto, const char *host, int port, int timeout_ms, int srcport,
		 const char *srcaddr)
{
	int type = strcmp(proto, "tcp") == 0 ? SOCK_STREAM : SOCK_DGRAM, on = 1;
	struct addrinfo *ai;
	char buf[256];
	if (resolve(host, port, type, &ai) < 0)
		return 2;
	int fd = socket(ai->ai_family, type | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return 2;
	if (srcport || srcaddr) {
		struct sockaddr_storage src;
		memset(&src, 0, sizeof(src));
		src.ss_family = (sa_family_t)ai->ai_family;
		if (ai->ai_family == AF_INET) {
			struct sockaddr_in *s4 = (struct sockaddr_in *)&src;
			s4->sin_port = htons((uint16_t)srcport);
			if (srcaddr && inet_pton(AF_INET, srcaddr, &s4->sin_addr) != 1)
				return 2;
		} else {
			struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&src;
			s6->sin6_port = htons((uint16_t)srcport);
			if (srcaddr && inet_pton(AF_INET6, srcaddr, &s6->sin6_addr) != 1)
				return 2;
		}
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
		if (bind(fd, (struct sockaddr *)&src, ai->ai_addrlen) < 0)
			return 2;
	}
	if (type == SOCK_DGRAM) {
		/* Ask for ICMP errors on this socket (connected UDP reports them). */
		setsockopt(fd, IPPROTO_IP, IP_RECVERR, &on, sizeof(on));
		setsockopt(fd, IPPROTO_IPV6, IPV6_RECVERR, &on, sizeof(on));
	}
	int rc = connect(fd, ai->ai_addr, ai->ai_addrlen);
	freeaddrinfo(ai);
	if (rc < 0 && errno != EINPROGRESS)
		return error_code(errno);
	if (type == SOCK_DGRAM && send(fd, "probe", 5, 0) < 0)
		return error_code(errno);
	struct pollfd p = { .fd = fd, .events = POLLIN };
	double deadline = now() + timeout_ms / 1000.0;
	for (;;) {
		int left = (int)((deadline - now()) * 1000);
		if (left <= 0)
			return 1;
		if (poll(&p, 1, left) <= 0)
			continue;
		ssize_t r = recv(fd, buf, sizeof(buf) - 1, 0);
		if (r > 0) {
			buf[r] = '\0';
			printf("%s\n", buf);
			return 0;
		}
		if (r == 0)
			return 4; /* TCP closed without the answer */
		if (errno == EAGAIN)
			continue;
		return error_code(errno);
	}
}

static int stream(const char *host, int port, int pps, double seconds)
{
	struct addrinfo *ai;
	long sent = 0;
	if (resolve(host, port, SOCK_DGRAM, &ai) < 0)
		return 2;
	double start = now(), gap = 1.0 / pps;
	while (!stop && now() - start < seconds) {
		int fd = socket(ai->ai_family, SOCK_DGRAM, 0);
		if (fd < 0)
			return 2;
		char msg[32];
		int len = snprintf(msg, sizeof(msg), "%ld", sent);
		if (sendto(fd, msg, (size_t)len, 0, ai->ai_addr, ai->ai_addrlen) == len)
			sent++;
		close(fd);
		double next = start + (double)sent * gap;
		double wait = next - now();
		if (wait > 0) {
			struct timespec ts = { (time_t)wait, (long)((wait - (double)(time_t)wait) * 1e9) };
			nanosleep(&ts, NULL);
		}
	}
	freeaddrinfo(ai);
	printf("%ld\n", sent);
	return 0;
}

static int sink(int port, double seconds)
{
	int fd = listen_on(SOCK_DGRAM, port), rcv = 4 << 20;
	long count = 0;
	char buf[2048];
	if (fd < 0)
		return 2;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcv, sizeof(rcv));
	double start = now();
	struct pollfd p = { .fd = fd, .events = POLLIN };
	while (!stop && now() - start < seconds) {
		if (poll(&p, 1, 200) <= 0)
			continue;
		while (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) >= 0)
			count++;
	}
	printf("%ld\n", count);
	return 0;
}

/* Both ends of a chat: talk and count until SECONDS pass, SIGTERM, or the
 * connection ends. */
static int chat_loop(int fd, double seconds)
{
	char buf[4096];
	long chunks = 0;
	double start = now(), next = start;
	struct pollfd p = { .fd = fd, .events = POLLIN };
	while (!stop && now() - start < seconds) {
		if (now() >= next) {
			/* Non-blocking: with the path cut, lines pile up in the send
			 * buffer and TCP retransmits; nothing here may wait on it. */
			ssize_t w = send(fd, "tick\n", 5, MSG_DONTWAIT | MSG_NOSIGNAL);
			(void)w;
			next += 0.05;
		}
		int left = (int)((next - now()) * 1000);
		if (poll(&p, 1, left > 0 ? left : 0) <= 0)
			continue;
		ssize_t r = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (r > 0) {
			printf("%ld\n", ++chunks);
		} else if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
			printf("closed\n");
			break;
		}
	}
	close(fd);
	return 0;
}

static int chatd(int port, double seconds)
{
	int l = listen_on(SOCK_STREAM, port);
	if (l < 0)
		return 2;
	struct pollfd p = { .fd = l, .events = POLLIN };
	double start = now();
	while (!stop && now() - start < seconds) {
		if (poll(&p, 1, 200) <= 0)
			continue;
		int fd = accept(l, NULL, NULL);
		close(l);
		return fd < 0 ? 2 : chat_loop(fd, seconds - (now() - start));
	}
	close(l);
	return 1;
}

static int chat(const char *host, int port, int srcport, double seconds)
{
	struct addrinfo *ai;
	int on = 1;
	if (resolve(host, port, SOCK_STREAM, &ai) < 0)
		return 2;
	int fd = socket(ai->ai_family, SOCK_STREAM, 0);
	struct sockaddr_storage src;
	memset(&src, 0, sizeof(src));
	src.ss_family = (sa_family_t)ai->ai_family;
	if (ai->ai_family == AF_INET)
		((struct sockaddr_in *)&src)->sin_port = htons((uint16_t)srcport);
	else
		((struct sockaddr_in6 *)&src)->sin6_port = htons((uint16_t)srcport);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	if (fd < 0 || bind(fd, (struct sockaddr *)&src, ai->ai_addrlen) < 0 ||
	    connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
		fprintf(stderr, "labnet: chat: %s\n", strerror(errno));
		freeaddrinfo(ai);
		return 1;
	}
	freeaddrinfo(ai);
	return chat_loop(fd, seconds);
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 4 && strcmp(argv[1], "serve") == 0)
		return serve(argv[2], argc - 3, argv + 3);
	if (argc >= 5 && strcmp(argv[1], "probe") == 0)
		return probe(argv[2], argv[3], atoi(argv[4]), argc > 5 ? atoi(argv[5]) : 1000,
			     argc > 6 ? atoi(argv[6]) : 0, argc > 7 ? argv[7] : NULL);
	if (argc == 6 && strcmp(argv[1], "stream") == 0)
		return stream(argv[2], atoi(argv[3]), atoi(argv[4]), atof(argv[5]));
	if (argc == 4 && strcmp(argv[1], "sink") == 0)
		return sink(atoi(argv[2]), atof(argv[3]));
	if (argc == 4 && strcmp(argv[1], "chatd") == 0)
		return chatd(atoi(argv[2]), atof(argv[3]));
	if (argc == 6 && strcmp(argv[1], "chat") == 0)
		return chat(argv[2], atoi(argv[3]), atoi(argv[4]), atof(argv[5]));
	fprintf(stderr, "usage: labnet serve NAME SPEC... | probe tcp|udp HOST PORT [MS [SRCPORT [SRCADDR]]]"
			" | stream HOST PORT PPS SECONDS | sink PORT SECONDS | chatd PORT SECONDS"
			" | chat HOST PORT SRCPORT SECONDS\n");
	return 2;
}
