/* libFuzzer target: the SDP parser. */
#include <stdint.h>
#include <stdlib.h>

#include "sdp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ucf_sdp s;
	if (ucf_sdp_parse(data, size, &s) == 0) {
		if (s.count > UCF_SDP_MAX_MEDIA)
			abort();
		for (unsigned i = 0; i < s.count; i++)
			if (s.m[i].nports == 0 || s.m[i].nports > 8)
				abort();
	}
	return 0;
}
