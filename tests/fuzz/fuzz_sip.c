/* libFuzzer target: the SIP parser (datagram and stream framing), and the
 * SDP parser on the body it finds. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "sdp.h"
#include "sip.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ucf_sip_msg m;
	(void)ucf_sip_start_line(data, size);
	(void)ucf_sip_filler(data, size);
	for (int stream = 0; stream < 2; stream++) {
		int rc = ucf_sip_parse(data, size, stream, &m);
		if (rc != 0 && rc != -EAGAIN && rc != -EINVAL)
			abort();
		if (rc != 0)
			continue;
		if (m.len > size)
			abort();
		if (m.sdp) {
			if (m.sdp < data || m.sdp + m.sdp_len > data + size)
				abort();
			struct ucf_sdp s;
			(void)ucf_sdp_parse(m.sdp, m.sdp_len, &s);
		}
	}
	return 0;
}
