/* libFuzzer target: the Link header parser on arbitrary text. A relation it
 * finds is a non-empty substring of the input, with no '<' or '>' in it. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "linkhdr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	static const char *const rels[] = { "next", "prev", "first", "last" };
	for (size_t i = 0; i < 4; i++) {
		char *url = NULL;
		int rc = ucf_link_find(text, rels[i], &url);
		if (rc == 0) {
			if (!url || !*url || !strstr(text, url) || strchr(url, '>') || strchr(url, '<'))
				abort();
			free(url);
		} else if (url) {
			abort();
		}
	}
	free(text);
	return 0;
}
