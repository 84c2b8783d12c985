/* confwarn.h — warnings about a valid site config: what it allows that
 * weakens privacy, for `ucfence check` to show. A config with warnings is
 * still valid. Each kind of warning is one check function in the table in
 * confwarn.c; a new one goes there. */
#ifndef UCF_CONFWARN_H
#define UCF_CONFWARN_H

#include <stddef.h>
#include <stdint.h>

#include "catalog.h"
#include "config.h"

struct ucf_config_warning {
	char *file;      /* the config's source */
	uint32_t line;   /* 1-based position of the value; 0: unknown */
	uint32_t column;
	char *path;      /* the field, "uc.services" */
	char *message;   /* one line, without position or path */
};

struct ucf_config_warnings {
	struct ucf_config_warning *items;
	size_t count;
};

/* Fills *out (which must be zeroed or freed) with every warning, in config
 * order within each check. -ENOMEM with err set; *out is then empty. */
int ucf_config_warnings(const struct ucf_config *cfg, const struct ucf_catalog *cat,
			struct ucf_config_warnings *out, char *err, size_t errlen);
void ucf_config_warnings_free(struct ucf_config_warnings *w);
/* "FILE:LINE:COL: warning: PATH: MESSAGE" ("FILE: warning: ..." when the
 * position is unknown), truncated to buflen. */
void ucf_config_warning_format(const struct ucf_config_warning *w, char *buf, size_t buflen);

#endif
