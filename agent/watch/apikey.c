/* apikey.c — loading the API key safely. */
#include "apikey.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_KEY 256

/* A key goes into an HTTP header: printable ASCII without spaces only, so a
 * stray newline can never inject a header. */
static int check_key(const char *key, const char *source, const char *what, char *err,
		     size_t errlen)
{
	size_t len = strlen(key);
	if (len == 0) {
		snprintf(err, errlen, "%s: %s is empty", source, what);
		return -EINVAL;
	}
	for (size_t i = 0; i < len; i++) {
		if (key[i] <= ' ' || key[i] > '~') {
			snprintf(err, errlen, "%s: %s contains a character that is not "
				 "printable ASCII (at offset %zu)", source, what, i);
			return -EINVAL;
		}
	}
	return 0;
}

static int from_file(const char *label, const char *what, const char *path, char **key, char *err,
		     size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		int rc = -errno;
		snprintf(err, errlen, "%s %s: cannot open: %s", label, path, strerror(errno));
		return rc;
	}
	struct stat st;
	char buf[MAX_KEY + 2];
	int rc = 0;
	if (fstat(fd, &st) < 0) {
		rc = -errno;
		snprintf(err, errlen, "%s %s: %s", label, path, strerror(errno));
	} else if (!S_ISREG(st.st_mode)) {
		rc = -EINVAL;
		snprintf(err, errlen, "%s %s: not a regular file", label, path);
	} else if (st.st_uid != 0 && st.st_uid != geteuid()) {
		/* whoever owns it chooses the key and can widen its mode at will */
		rc = -EACCES;
		snprintf(err, errlen, "%s %s: owned by uid %u, neither root nor "
			 "the user ucfence runs as (uid %u); refusing it. Fix with: chown root %s",
			 label, path, (unsigned)st.st_uid, (unsigned)geteuid(), path);
	} else if (st.st_mode & 0137) {
		rc = -EACCES;
		snprintf(err, errlen, "%s %s: mode %04o is too open (group- or "
			 "world-accessible beyond 0640); refusing it. Fix with: chmod 0600 %s",
			 label, path, (unsigned)(st.st_mode & 07777), path);
	}
	size_t n = 0;
	if (rc == 0) {
		ssize_t got = read(fd, buf, sizeof(buf) - 1);
		if (got < 0) {
			rc = -errno;
			snprintf(err, errlen, "%s %s: %s", label, path, strerror(errno));
		} else {
			n = (size_t)got < sizeof(buf) ? (size_t)got : sizeof(buf) - 1;
			buf[n] = '\0';
			if (n > MAX_KEY && !(n == MAX_KEY + 1 && buf[MAX_KEY] == '\n')) {
				rc = -EINVAL;
				snprintf(err, errlen, "%s %s: longer than %d bytes",
					 label, path, MAX_KEY);
			}
		}
	}
	close(fd);
	if (rc == 0) {
		while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' '))
			buf[--n] = '\0';
		char source[4200];
		snprintf(source, sizeof(source), "%s %s", label, path);
		rc = check_key(buf, source, what, err, errlen);
		if (rc == 0 && !(*key = strdup(buf))) {
			rc = -ENOMEM;
			snprintf(err, errlen, "out of memory");
		}
	}
	explicit_bzero(buf, sizeof(buf));
	return rc;
}

int ucf_apikey_load(const struct ucf_config *cfg, char **key, char *err, size_t errlen)
{
	if (cfg->meraki.api_key_file)
		return from_file("meraki.api_key_file", "the API key", cfg->meraki.api_key_file, key,
				 err, errlen);
	const char *env = getenv("MERAKI_DASHBOARD_API_KEY");
	if (!env || !*env) {
		snprintf(err, errlen, "no Meraki API key: set meraki.api_key_file or "
			 "MERAKI_DASHBOARD_API_KEY");
		return -ENOENT;
	}
	int rc = check_key(env, "MERAKI_DASHBOARD_API_KEY", "the API key", err, errlen);
	if (rc == 0 && !(*key = strdup(env))) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	return rc;
}

int ucf_secret_file_load(const char *label, const char *path, char **secret, char *err,
			 size_t errlen)
{
	return from_file(label, "the secret", path, secret, err, errlen);
}

void ucf_apikey_free(char *key)
{
	if (key) {
		explicit_bzero(key, strlen(key));
		free(key);
	}
}
