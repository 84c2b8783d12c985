/* pcapfloor — the floor of the benchmark: reads every packet of a capture
 * with libpcap and touches its first and last byte, nothing else. It opens
 * the file as ucfence does (pcap_fopen_offline on a stream with a 1 MiB
 * buffer), so the ratio measures the classifier, not the I/O method. */
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

int main(int argc, char **argv)
{
	char err[PCAP_ERRBUF_SIZE];
	if (argc != 2)
		return fprintf(stderr, "usage: pcapfloor FILE\n"), 2;
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	FILE *fp = fopen(argv[1], "rb");
	if (!fp)
		return perror(argv[1]), 1;
	setvbuf(fp, NULL, _IOFBF, 1 << 20);
	pcap_t *p = pcap_fopen_offline(fp, err);
	if (!p)
		return fprintf(stderr, "pcapfloor: %s\n", err), 1;
	struct pcap_pkthdr *h;
	const u_char *d;
	unsigned long n = 0, sum = 0;
	while (pcap_next_ex(p, &h, &d) == 1) {
		n++;
		sum += d[0] + d[h->caplen - 1];
	}
	pcap_close(p);
	clock_gettime(CLOCK_MONOTONIC, &b);
	double dt = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
	printf("floor: %lu packets in %.3f s: %.0f packets/s (checksum %lu)\n", n, dt, n / dt, sum);
	return 0;
}
