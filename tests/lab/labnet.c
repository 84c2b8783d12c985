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
 *   labnet rtp HOST PORT PPS SECONDS   RTP-shaped datagrams (172 bytes: a 20 ms
 *                                      G.711 frame) on one flow, in sendmmsg
 *                                      batches of 32, PPS 0: as fast as it goes;
 *                                      prints "sent N cpu_s S" (S: this process's
 *                                      CPU, forwarding in softirq included)
 *   labnet sink PORT SECONDS [answer]  counts UDP datagrams until SECONDS pass;
 *                                      answer: sends the first one back, so
 *                                      conntrack sees the flow answered
 *                                      or SIGTERM; prints the count
 *   labnet chatd PORT SECONDS          one long-lived TCP connection, the server
 *   labnet chat HOST PORT SRCPORT SECONDS   ... and the client (from SRCPORT):
 *                                      each side sends a line every 50 ms and
 *                                      prints one line per chunk it receives, so
 *                                      `wc -l` of its output tells whether data
 *                                      still flows towards it; "closed" at the end
 *                                      if the peer closed or reset
 *   labnet invites SRCADDR DST SECONDS [TTL [IFNAME DSTMAC]]
 *                                      SIP INVITEs from SRCADDR to DST:5060 as
 *                                      fast as one core sends them (sendmmsg,
 *                                      64 a call), each with a fresh Call-ID
 *                                      and a random even SDP port on SRCADDR
 *                                      (tests/lab/forge.py's flood, for when
 *                                      Python is too slow); with IFNAME, as
 *                                      Ethernet frames to DSTMAC written on
 *                                      IFNAME (no UDP/IP stack on the sending
 *                                      side); prints the rate
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/uio.h>
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

static int rtp(const char *host, int port, int pps, double seconds)
{
	enum { BATCH = 32, SIZE = 172 };
	static uint8_t pkt[BATCH][SIZE];
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	struct addrinfo *ai;
	long sent = 0;
	if (resolve(host, port, SOCK_DGRAM, &ai) < 0)
		return 2;
	int fd = socket(ai->ai_family, SOCK_DGRAM, 0);
	if (fd < 0 || connect(fd, ai->ai_addr, ai->ai_addrlen) < 0)
		return 2;
	freeaddrinfo(ai);
	memset(msgs, 0, sizeof(msgs));
	for (int i = 0; i < BATCH; i++) {
		pkt[i][0] = 0x80; /* RTP version 2, payload type 0 (PCMU) */
		pkt[i][1] = 0;
		iov[i] = (struct iovec){ pkt[i], SIZE };
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	double start = now(), gap = pps > 0 ? 1.0 / pps : 0;
	while (!stop && now() - start < seconds) {
		for (int i = 0; i < BATCH; i++) {
			pkt[i][2] = (uint8_t)((sent + i) >> 8);
			pkt[i][3] = (uint8_t)(sent + i);
		}
		int n = sendmmsg(fd, msgs, BATCH, 0);
		if (n > 0)
			sent += n;
		double wait = start + (double)sent * gap - now();
		if (wait > 0) {
			struct timespec ts = { (time_t)wait, (long)((wait - (double)(time_t)wait) * 1e9) };
			nanosleep(&ts, NULL);
		}
	}
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	printf("sent %ld cpu_s %.3f\n", sent,
	       (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
		       ru.ru_stime.tv_usec / 1e6);
	close(fd);
	return 0;
}

static int sink(int port, double seconds, bool answer)
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
		struct sockaddr_storage from;
		socklen_t flen = sizeof(from);
		ssize_t n;
		while ((n = recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)&from,
				     &flen)) >= 0) {
			if (answer && count == 0)
				sendto(fd, buf, (size_t)n, 0, (struct sockaddr *)&from, flen);
			count++;
			flen = sizeof(from);
		}
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

#define INVITE_BATCH 64
#define INVITE_MAX 1024

static uint64_t xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static int invite(char *buf, const char *src, int sport, const char *dst, uint64_t n, uint64_t r)
{
	char sdp[512];
	int sl = snprintf(sdp, sizeof(sdp),
			  "v=0\r\no=- %llu 1 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\n"
			  "m=audio %u RTP/AVP 0 8 101\r\na=rtpmap:0 PCMU/8000\r\n"
			  "a=rtpmap:101 telephone-event/8000\r\n",
			  (unsigned long long)n, src, src, 1024u + 2u * (unsigned)(r % 32256));
	int hl = snprintf(buf, INVITE_MAX - (size_t)sl,
			  "INVITE sip:%llu@%s SIP/2.0\r\nVia: SIP/2.0/UDP %s:%d;branch=z9hG4bK%llx\r\n"
			  "Max-Forwards: 70\r\nFrom: <sip:forge@%s>;tag=%llx\r\nTo: <sip:%llu@%s>\r\n"
			  "Call-ID: %llx%08llx@forge\r\nCSeq: 1 INVITE\r\nContact: <sip:forge@%s:%d>\r\n"
			  "Content-Type: application/sdp\r\nContent-Length: %d\r\n\r\n",
			  (unsigned long long)n, dst, src, sport, (unsigned long long)(r >> 16), src,
			  (unsigned long long)(r & 0xfffffff), (unsigned long long)n, dst,
			  (unsigned long long)r, (unsigned long long)n, src, sport, sl);
	memcpy(buf + hl, sdp, (size_t)sl);
	return hl + sl;
}

/* Frame headers for the raw mode: Ethernet, IPv4 (checksummed), UDP
 * (checksum 0: none, allowed over IPv4). */
#define FRAME_HDR (14 + 20 + 8)

static uint16_t ip_checksum(const uint8_t *h)
{
	uint32_t sum = 0;
	for (int i = 0; i < 20; i += 2)
		sum += (uint32_t)(h[i] << 8 | h[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static void frame_headers(uint8_t *f, const uint8_t *dmac, const uint8_t *smac,
			  const struct sockaddr_in *s, const struct sockaddr_in *d, int ttl,
			  size_t payload, uint16_t id)
{
	size_t ilen = 20 + 8 + payload, ulen = 8 + payload;
	memcpy(f, dmac, 6);
	memcpy(f + 6, smac, 6);
	f[12] = 0x08, f[13] = 0x00;
	uint8_t *ip = f + 14;
	memset(ip, 0, 20);
	ip[0] = 0x45;
	ip[2] = (uint8_t)(ilen >> 8), ip[3] = (uint8_t)ilen;
	ip[4] = (uint8_t)(id >> 8), ip[5] = (uint8_t)id;
	ip[6] = 0x40; /* DF */
	ip[8] = (uint8_t)(ttl > 0 ? ttl : 64);
	ip[9] = IPPROTO_UDP;
	memcpy(ip + 12, &s->sin_addr, 4);
	memcpy(ip + 16, &d->sin_addr, 4);
	uint16_t c = ip_checksum(ip);
	ip[10] = (uint8_t)(c >> 8), ip[11] = (uint8_t)c;
	uint8_t *u = ip + 20;
	memcpy(u, &s->sin_port, 2);
	memcpy(u + 2, &d->sin_port, 2);
	u[4] = (uint8_t)(ulen >> 8), u[5] = (uint8_t)ulen;
	u[6] = u[7] = 0;
}

/* A packet socket on ifname; fills its address for sendmmsg and the
 * interface's MAC. */
static int raw_socket(const char *ifname, struct sockaddr_ll *ll, uint8_t *smac)
{
	int fd = socket(AF_PACKET, SOCK_RAW, 0);
	struct ifreq ifr;
	if (fd < 0 || strlen(ifname) >= sizeof(ifr.ifr_name))
		return -1;
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, ifname, strlen(ifname));
	if (ioctl(fd, SIOCGIFINDEX, &ifr) < 0) {
		close(fd);
		return -1;
	}
	memset(ll, 0, sizeof(*ll));
	ll->sll_family = AF_PACKET;
	ll->sll_ifindex = ifr.ifr_ifindex;
	ll->sll_halen = 6;
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0) {
		close(fd);
		return -1;
	}
	memcpy(smac, ifr.ifr_hwaddr.sa_data, 6);
	return fd;
}

static int invites(const char *src, const char *dst, double seconds, int ttl, const char *ifname,
		   const char *dmac_text)
{
	struct sockaddr_in s = { .sin_family = AF_INET }, d = { .sin_family = AF_INET,
								 .sin_port = htons(5060) };
	static uint8_t bufs[INVITE_BATCH][FRAME_HDR + INVITE_MAX];
	struct mmsghdr m[INVITE_BATCH];
	struct iovec iov[INVITE_BATCH];
	struct sockaddr_ll ll;
	uint8_t smac[6], dmac[6];
	socklen_t sl = sizeof(s);
	int fd, snd = 4 << 20, sport;
	if (inet_pton(AF_INET, src, &s.sin_addr) != 1 || inet_pton(AF_INET, dst, &d.sin_addr) != 1) {
		fprintf(stderr, "labnet: invites: bad address\n");
		return 2;
	}
	if (ifname) {
		if (sscanf(dmac_text, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &dmac[0], &dmac[1], &dmac[2],
			   &dmac[3], &dmac[4], &dmac[5]) != 6) {
			fprintf(stderr, "labnet: invites: bad MAC %s\n", dmac_text);
			return 2;
		}
		fd = raw_socket(ifname, &ll, smac);
		memcpy(ll.sll_addr, dmac, 6);
		sport = 5062;
		s.sin_port = htons((uint16_t)sport);
	} else {
		fd = socket(AF_INET, SOCK_DGRAM, 0);
		if (fd >= 0 && (bind(fd, (struct sockaddr *)&s, sl) < 0 ||
				getsockname(fd, (struct sockaddr *)&s, &sl) < 0)) {
			close(fd);
			fd = -1;
		}
		if (fd >= 0 && ttl > 0)
			setsockopt(fd, IPPROTO_IP, IP_TTL, &ttl, sizeof(ttl));
		sport = ntohs(s.sin_port);
	}
	if (fd < 0) {
		fprintf(stderr, "labnet: invites: %s\n", strerror(errno));
		return 2;
	}
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &snd, sizeof(snd));
	uint64_t seed = (uint64_t)time(NULL) * 0x9e3779b97f4a7c15ull | 1, n = 0;
	long sent = 0, errors = 0;
	size_t hdr = ifname ? FRAME_HDR : 0;
	double start = now(), t = start;
	while (!stop && (t = now()) - start < seconds) {
		memset(m, 0, sizeof(m));
		for (int i = 0; i < INVITE_BATCH; i++) {
			n++;
			size_t len = (size_t)invite((char *)bufs[i] + hdr, src, sport, dst, n,
						    xorshift(&seed));
			if (ifname)
				frame_headers(bufs[i], dmac, smac, &s, &d, ttl, len, (uint16_t)n);
			iov[i].iov_base = bufs[i];
			iov[i].iov_len = hdr + len;
			m[i].msg_hdr.msg_iov = &iov[i];
			m[i].msg_hdr.msg_iovlen = 1;
			if (ifname) {
				m[i].msg_hdr.msg_name = &ll;
				m[i].msg_hdr.msg_namelen = sizeof(ll);
			} else {
				m[i].msg_hdr.msg_name = &d;
				m[i].msg_hdr.msg_namelen = sizeof(d);
			}
		}
		int r = sendmmsg(fd, m, INVITE_BATCH, 0);
		if (r < 0)
			errors++;
		else
			sent += r;
	}
	printf("invites: sent %ld (%ld failed batches) in %.2f s: %.0f/s\n", sent, errors, t - start,
	       (double)sent / (t - start));
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
	if (argc == 6 && strcmp(argv[1], "rtp") == 0)
		return rtp(argv[2], atoi(argv[3]), atoi(argv[4]), atof(argv[5]));
	if ((argc == 4 || (argc == 5 && strcmp(argv[4], "answer") == 0)) &&
	    strcmp(argv[1], "sink") == 0)
		return sink(atoi(argv[2]), atof(argv[3]), argc == 5);
	if (argc == 4 && strcmp(argv[1], "chatd") == 0)
		return chatd(atoi(argv[2]), atof(argv[3]));
	if (argc == 6 && strcmp(argv[1], "chat") == 0)
		return chat(argv[2], atoi(argv[3]), atoi(argv[4]), atof(argv[5]));
	if ((argc == 5 || argc == 6 || argc == 8) && strcmp(argv[1], "invites") == 0)
		return invites(argv[2], argv[3], atof(argv[4]), argc >= 6 ? atoi(argv[5]) : 0,
			       argc == 8 ? argv[6] : NULL, argc == 8 ? argv[7] : NULL);
	fprintf(stderr, "usage: labnet serve NAME SPEC... | probe tcp|udp HOST PORT [MS [SRCPORT [SRCADDR]]]"
			" | stream HOST PORT PPS SECONDS | rtp HOST PORT PPS SECONDS"
			" | sink PORT SECONDS [answer] | chatd PORT SECONDS"
			" | chat HOST PORT SRCPORT SECONDS"
			" | invites SRCADDR DST SECONDS [TTL [IFNAME DSTMAC]]\n");
	return 2;
}
