/* pcapmix — builds the benchmark captures.
 *   pcapmix same OUT MIN CALLS.pcap [EXTRA.pcap...]
 *   pcapmix new  OUT MIN CALLS.pcap [EXTRA.pcap...]
 *     Repeats CALLS (shifted in time) until OUT holds at least MIN packets,
 *     mixing in one EXTRA (non-target) packet every 20. "new" gives every
 *     repetition its own addresses: 10.201.100.100 and 10.201.100.200 become
 *     10.201.X.Y and 10.202.X.Y in the IPv4 headers and in the SIP/SDP text
 *     (same length, so Content-Length stays right).
 *   pcapmix flows OUT N
 *     N concurrent UDP flows of two RTP-like packets each (for memory).
 * Ethernet/IPv4 only: what the namespace capture produces. */
#define _GNU_SOURCE
#include <pcap/pcap.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct pkt {
	struct pcap_pkthdr h;
	uint8_t *data;
};

struct set {
	struct pkt *p;
	size_t n, cap;
};

static void load(const char *path, struct set *s)
{
	char err[PCAP_ERRBUF_SIZE];
	pcap_t *pc = pcap_open_offline(path, err);
	if (!pc) {
		fprintf(stderr, "pcapmix: %s\n", err);
		exit(1);
	}
	if (pcap_datalink(pc) != DLT_EN10MB) {
		fprintf(stderr, "pcapmix: %s: not Ethernet, skipped\n", path);
		pcap_close(pc);
		return;
	}
	struct pcap_pkthdr *h;
	const u_char *d;
	while (pcap_next_ex(pc, &h, &d) == 1) {
		if (s->n == s->cap) {
			s->cap = s->cap ? 2 * s->cap : 4096;
			s->p = realloc(s->p, s->cap * sizeof(*s->p));
		}
		s->p[s->n].h = *h;
		s->p[s->n].data = malloc(h->caplen);
		memcpy(s->p[s->n].data, d, h->caplen);
		s->n++;
	}
	pcap_close(pc);
}

static uint16_t csum(const uint8_t *p, size_t n)
{
	uint32_t sum = 0;
	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static void replace_all(uint8_t *p, size_t n, const char *from, const char *to)
{
	size_t l = strlen(from);
	for (uint8_t *q = p; (q = memmem(q, n - (size_t)(q - p), from, l)); q += l)
		memcpy(q, to, l);
}

static void rewrite(uint8_t *f, uint32_t len, unsigned rep)
{
	if (len < 34 || f[12] != 0x08 || f[13] != 0x00 || (f[14] >> 4) != 4)
		return;
	uint8_t *ip = f + 14;
	unsigned x = 100 + rep % 150, y = 100 + (rep / 150) % 150;
	const uint8_t A[4] = {10, 201, 100, 100}, B[4] = {10, 201, 100, 200};
	const uint8_t A2[4] = {10, 201, (uint8_t)x, (uint8_t)y}, B2[4] = {10, 202, (uint8_t)x, (uint8_t)y};
	for (int k = 12; k <= 16; k += 4) {
		if (memcmp(ip + k, A, 4) == 0)
			memcpy(ip + k, A2, 4);
		else if (memcmp(ip + k, B, 4) == 0)
			memcpy(ip + k, B2, 4);
	}
	size_t ihl = (size_t)(ip[0] & 15) * 4;
	ip[10] = ip[11] = 0;
	uint16_t c = csum(ip, ihl);
	ip[10] = (uint8_t)(c >> 8), ip[11] = (uint8_t)c;
	if (ip[9] == 17 && len >= 14 + ihl + 8) {
		uint8_t *udp = ip + ihl;
		udp[6] = udp[7] = 0; /* checksum optional in IPv4 */
		char a[16], b[16];
		snprintf(a, sizeof(a), "10.201.%u.%u", x, y);
		snprintf(b, sizeof(b), "10.202.%u.%u", x, y);
		uint8_t *pl = udp + 8;
		size_t n = len - 14 - ihl - 8;
		replace_all(pl, n, "10.201.100.100", a);
		replace_all(pl, n, "10.201.100.200", b);
	}
}

static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8), p[1] = (uint8_t)v; }

static int flows(const char *out, unsigned n)
{
	pcap_t *dead = pcap_open_dead(DLT_EN10MB, 65535);
	pcap_dumper_t *d = pcap_dump_open(dead, out);
	if (!d)
		return fprintf(stderr, "pcapmix: %s\n", pcap_geterr(dead)), 1;
	uint8_t f[14 + 20 + 8 + 172] = {0};
	f[12] = 0x08;
	uint8_t *ip = f + 14, *udp = ip + 20, *rtp = udp + 8;
	ip[0] = 0x45, ip[8] = 64, ip[9] = 17;
	put16(ip + 2, 20 + 8 + 172);
	put16(udp + 4, 8 + 172);
	for (unsigned pass = 0; pass < 2; pass++) {
		for (unsigned i = 0; i < n; i++) {
			uint8_t a[4] = {10, (uint8_t)(i >> 16), (uint8_t)(i >> 8), (uint8_t)i};
			uint8_t b[4] = {172, 16, 0, 1};
			memcpy(ip + 12, a, 4);
			memcpy(ip + 16, b, 4);
			put16(udp, (uint16_t)(20000 + (i & 0x3fff)));
			put16(udp + 2, (uint16_t)(30000 + (i & 0x7ff)));
			rtp[0] = 0x80, rtp[1] = 0;
			put16(rtp + 2, (uint16_t)pass);
			memcpy(rtp + 8, &i, 4);
			struct pcap_pkthdr h = {.caplen = sizeof(f), .len = sizeof(f)};
			h.ts.tv_sec = 1700000000 + pass;
			h.ts.tv_usec = (suseconds_t)(i % 1000000);
			pcap_dump((u_char *)d, &h, f);
		}
	}
	pcap_dump_close(d);
	pcap_close(dead);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "flows") == 0)
		return flows(argv[2], (unsigned)strtoul(argv[3], NULL, 10));
	if (argc < 5 || (strcmp(argv[1], "same") && strcmp(argv[1], "new"))) {
		fprintf(stderr, "usage: pcapmix same|new OUT MIN CALLS.pcap [EXTRA.pcap...]\n"
				"       pcapmix flows OUT N\n");
		return 2;
	}
	bool fresh = strcmp(argv[1], "new") == 0;
	unsigned long min = strtoul(argv[3], NULL, 10);
	struct set calls = {0}, extra = {0};
	load(argv[4], &calls);
	for (int i = 5; i < argc; i++)
		load(argv[i], &extra);
	if (calls.n == 0)
		return fprintf(stderr, "pcapmix: no packets in %s\n", argv[4]), 1;
	double t0 = calls.p[0].h.ts.tv_sec + calls.p[0].h.ts.tv_usec / 1e6;
	double t1 = calls.p[calls.n - 1].h.ts.tv_sec + calls.p[calls.n - 1].h.ts.tv_usec / 1e6;
	long span = (long)(t1 - t0) + 2;
	pcap_t *dead = pcap_open_dead(DLT_EN10MB, 65535);
	pcap_dumper_t *d = pcap_dump_open(dead, argv[2]);
	if (!d)
		return fprintf(stderr, "pcapmix: %s\n", pcap_geterr(dead)), 1;
	unsigned long written = 0, e = 0;
	uint8_t buf[65536];
	for (unsigned rep = 0; written < min; rep++) {
		for (size_t i = 0; i < calls.n; i++) {
			struct pcap_pkthdr h = calls.p[i].h;
			h.ts.tv_sec += (time_t)rep * span;
			memcpy(buf, calls.p[i].data, h.caplen);
			if (fresh)
				rewrite(buf, h.caplen, rep);
			pcap_dump((u_char *)d, &h, buf);
			written++;
			if (extra.n && i % 20 == 19) {
				struct pcap_pkthdr x = extra.p[e % extra.n].h;
				x.ts = h.ts;
				pcap_dump((u_char *)d, &x, extra.p[e % extra.n].data);
				e++, written++;
			}
		}
	}
	pcap_dump_close(d);
	pcap_close(dead);
	printf("%lu packets (%lu non-target)\n", written, e);
	return 0;
}
