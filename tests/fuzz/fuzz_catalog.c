/* libFuzzer target: the service catalog parser on arbitrary bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[1024];
	struct ucf_catalog *cat = ucf_catalog_new();
	if (!cat)
		abort();
	int rc = ucf_catalog_add_text(cat, "fuzz.yaml", (const char *)data, size, err, sizeof(err));
	if (rc < 0 && strncmp(err, "fuzz.yaml:", 10) != 0)
		abort();
	for (size_t i = 0; i < cat->count; i++)
		if (!cat->services[i].name || !cat->services[i].description)
			abort();
	ucf_catalog_free(cat);
	return 0;
}
