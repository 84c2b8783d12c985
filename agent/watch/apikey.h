/* apikey.h — the Dashboard API key: from meraki.api_key_file (a regular file
 * owned by root or the user ucfence runs as, no more open than 0640: no bit
 * of 0137 set) or MERAKI_DASHBOARD_API_KEY.
 * Error messages name the file and the problem, never the key. */
#ifndef UCF_APIKEY_H
#define UCF_APIKEY_H

#include <stddef.h>

#include "config.h"

/* On 0, *key is a malloc'd key (free with ucf_apikey_free). -EACCES for a
 * file too open or owned by another user, -EINVAL for a malformed key, -ENOENT for no source. */
int ucf_apikey_load(const struct ucf_config *cfg, char **key, char *err, size_t errlen);
/* Any other secret kept in a file under the same rules (an alert sink's
 * token or password): label names the setting in messages
 * ("bearer_token_file"). Printable ASCII without spaces, at most 256 bytes;
 * a trailing newline is dropped. Free with ucf_apikey_free. */
int ucf_secret_file_load(const char *label, const char *path, char **secret, char *err,
			 size_t errlen);
/* Wipes and frees. */
void ucf_apikey_free(char *key);

#endif
