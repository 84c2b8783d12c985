/* libFuzzer target: the Skinny (SCCP) parser, message after message as a
 * TCP stream would hand them over. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "sccp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t off = 0;
	(void)ucf_sccp_header_ok(data, size);
	while (off < size) {
		struct ucf_sccp_msg m;
		int rc = ucf_sccp_parse(data + off, size - off, &m);
		if (rc == -EAGAIN || rc == -EINVAL)
			break;
		if (rc != 0 || m.len < 12 || m.len > size - off)
			abort();
		if (m.media && m.family != 2 && m.family != 10)
			abort();
		off += m.len;
	}
	return 0;
}
