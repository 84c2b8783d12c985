/* urlpolicy.c — the API key's destinations (see urlpolicy.h). */
#include "urlpolicy.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <libpsl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct parts {
	char *scheme, *host, *port;
};

static void parts_free(struct parts *p)
{
	curl_free(p->scheme);
	curl_free(p->host);
	curl_free(p->port);
}

static int split(const char *url, struct parts *p)
{
	memset(p, 0, sizeof(*p));
	CURLU *u = curl_url();
	int rc = -EINVAL;
	if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_SCHEME, &p->scheme, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &p->host, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_PORT, &p->port, CURLU_DEFAULT_PORT) == CURLUE_OK)
		rc = 0;
	curl_url_cleanup(u);
	if (rc < 0)
		parts_free(p);
	return rc;
}

static bool is_ip_literal(const char *host)
{
	unsigned char buf[16];
	char tmp[64];
	size_t len = strlen(host);
	if (len >= 2 && host[0] == '[' && host[len - 1] == ']' && len - 2 < sizeof(tmp)) {
		memcpy(tmp, host + 1, len - 2);
		tmp[len - 2] = '\0';
		return inet_pton(AF_INET6, tmp, buf) == 1;
	}
	return inet_pton(AF_INET, host, buf) == 1;
}

static bool is_loopback(const char *host)
{
	return strcasecmp(host, "localhost") == 0 || strncmp(host, "127.", 4) == 0 ||
	       strcmp(host, "[::1]") == 0;
}

/* A DNS name: at most 253 characters in labels of 1 to 63. Anything longer
 * is no host the public suffix list can speak for: cut to fit a buffer, a
 * name under another domain could look like the API's. */
static bool fits_dns(const char *host)
{
	size_t len = strlen(host), label = 0;
	if (len == 0 || len > 253)
		return false;
	for (const char *p = host; *p; p++) {
		if (*p != '.') {
			if (++label > 63)
				return false;
		} else if (label == 0) {
			return false;
		} else {
			label = 0;
		}
	}
	return label > 0;
}

static void lower(char *dst, const char *src)
{
	while (*src)
		*dst++ = (char)tolower((unsigned char)*src++);
	*dst = '\0';
}

static bool same_domain(const char *base, const char *host)
{
	bool base_ip = is_ip_literal(base), host_ip = is_ip_literal(host);
	if ((!base_ip && !fits_dns(base)) || (!host_ip && !fits_dns(host)))
		return false;
	if (strcasecmp(base, host) == 0)
		return true;
	if (base_ip || host_ip || !strchr(base, '.'))
		return false;
	char lb[254], lh[254]; /* fits_dns: at most 253 characters */
	lower(lb, base);
	lower(lh, host);
	const psl_ctx_t *psl = psl_builtin(); /* read-only, compiled into libpsl */
	const char *db = psl ? psl_registrable_domain(psl, lb) : NULL;
	const char *dh = psl ? psl_registrable_domain(psl, lh) : NULL;
	return db && dh && strcmp(db, dh) == 0;
}

bool ucf_key_allowed(const char *base_url, const char *url)
{
	struct parts b, u;
	if (!base_url || !url || split(base_url, &b) < 0)
		return false;
	if (split(url, &u) < 0) {
		parts_free(&b);
		return false;
	}
	bool ok = false;
	if (strcmp(b.port, u.port) != 0) {
		ok = false;
	} else if (strcasecmp(u.scheme, "https") == 0 && strcasecmp(b.scheme, "https") == 0) {
		ok = same_domain(b.host, u.host);
	} else if (strcasecmp(u.scheme, "http") == 0 && strcasecmp(b.scheme, "http") == 0) {
		ok = is_loopback(b.host) && strcasecmp(b.host, u.host) == 0;
	}
	parts_free(&b);
	parts_free(&u);
	return ok;
}

int ucf_url_resolve(const char *from, const char *ref, char **out)
{
	CURLU *u = curl_url();
	char *full = NULL, *scheme = NULL;
	int rc = -EINVAL;
	/* https never leads to plain http: the next request, and what it is
	 * answered, would cross the network in clear. */
	bool from_https = strncasecmp(from, "https:", 6) == 0;
	if (u && curl_url_set(u, CURLUPART_URL, from, 0) == CURLUE_OK &&
	    curl_url_set(u, CURLUPART_URL, ref, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
	    (strcasecmp(scheme, "https") == 0 || (strcasecmp(scheme, "http") == 0 && !from_https)) &&
	    curl_url_get(u, CURLUPART_URL, &full, 0) == CURLUE_OK) {
		*out = strdup(full);
		rc = *out ? 0 : -ENOMEM;
	}
	curl_free(full);
	curl_free(scheme);
	curl_url_cleanup(u);
	return rc;
}
