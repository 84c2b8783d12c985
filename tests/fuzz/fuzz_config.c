/* libFuzzer target: the site config loader on arbitrary bytes. It must return
 * either a config or a positioned error, never crash or leak. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "config.h"

static const char catalog_text[] =
	"services:\n"
	"  sip: {description: d, reference: r, roles: [uc], ports: [udp/5060, tcp/5060]}\n"
	"  rtp: {description: d, reference: r, roles: [uc], media: true}\n"
	"  dns: {description: d, reference: r, roles: [gateway, appliance], ports: [udp/53],\n"
	"        destinations: [resolvers]}\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ucf_catalog *cat;
	char err[1024];
	if (!cat) {
		cat = ucf_catalog_new();
		if (!cat || ucf_catalog_add_text(cat, "catalog", catalog_text, strlen(catalog_text),
						 err, sizeof(err)) < 0)
			abort();
	}
	struct ucf_config *cfg = NULL;
	int rc = ucf_config_load_text("fuzz.yaml", (const char *)data, size, cat, &cfg, err,
				      sizeof(err));
	if (rc == 0) {
		if (!cfg || !cfg->site.name || cfg->uc.endpoints.count == 0)
			abort(); /* a loaded config always has its required parts */
		ucf_config_free(cfg);
	} else if (cfg || strncmp(err, "fuzz.yaml:", 10) != 0) {
		abort(); /* every failure is positioned */
	}
	return 0;
}
