/* libFuzzer target: the packet decoder and everything behind it (fragment
 * reassembly, flows, TCP framing, every recogniser, learned media) on
 * arbitrary frames. Input: one link-type selector byte, then frames, each
 * preceded by a 2-byte big-endian length. The classifier persists across
 * inputs (small tables) so state built by one frame meets the next. */
#include <pcap/dlt.h>
#include <stdint.h>
#include <stdlib.h>

#include "classify.h"

static const int dlts[] = {DLT_EN10MB, DLT_LINUX_SLL, DLT_LINUX_SLL2, DLT_RAW, DLT_NULL};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ucf_classifier *c;
	static uint64_t now = 1;
	if (!c) {
		struct ucf_classifier_opts o;
		char err[256];
		ucf_classifier_opts_default(&o);
		o.max_flows = 256;
		o.max_media = 64;
		if (ucf_classifier_new(&o, NULL, &c, err, sizeof(err)) < 0)
			abort();
	}
	if (size < 1)
		return 0;
	int dlt = dlts[data[0] % (sizeof(dlts) / sizeof(dlts[0]))];
	size_t off = 1;
	while (off + 2 <= size) {
		size_t len = (size_t)data[off] << 8 | data[off + 1];
		off += 2;
		if (len > size - off)
			len = size - off;
		now += 1000 + (len & 0xff) * 100000; /* let timeouts fire now and then */
		ucf_classifier_packet(c, dlt, data + off, (uint32_t)len, (uint32_t)len, now, NULL);
		off += len;
	}
	return 0;
}
