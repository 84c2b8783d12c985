/* http.h — asynchronous HTTP(S) on the reactor (libcurl's multi socket
 * interface): requests run concurrently without blocking the caller; each
 * ends in exactly one completion callback. TLS is always verified (system
 * CAs or a given CA file); proxies come from the usual environment variables
 * (libcurl's default); redirects are NOT followed here: the caller decides,
 * because whether a credential may go along depends on where they point.
 * Every request says User-Agent: ucfence/VERSION ucfence, the
 * "ApplicationName/Version VendorName" form Meraki asks API clients for. */
#ifndef UCF_HTTP_H
#define UCF_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include "reactor.h"

struct ucf_http;
struct ucf_http_call;

struct ucf_http_request {
	const char *method;          /* "GET" or "POST" */
	const char *url;
	const char *bearer;          /* NULL: no Authorization header. Copied, wiped after use */
	const char *const *headers;  /* extra "Name: value" lines, NULL-terminated, or NULL */
	const char *body;            /* POST body (copied) */
	size_t body_len;
	long connect_timeout_ms;     /* 0: 10 s */
	long timeout_ms;             /* whole request; 0: 30 s */
	const char *ca_file;         /* NULL: system CAs */
	size_t max_body;             /* response bodies beyond this fail; 0: 16 MiB */
};

struct ucf_http_response {
	long status;         /* 0 when no HTTP response came (transport error) */
	bool timed_out;
	const char *error;   /* transport error text, "" when status != 0 */
	const char *body;    /* NUL-terminated */
	size_t body_len;
	const char *link;    /* every Link header, joined with ", "; NULL if none */
	const char *location;
	long retry_after_s;  /* -1 when absent or unparsable */
	const char *request_id; /* the X-Request-Id header (at most 128 bytes), NULL if none */
	const char *url;     /* the URL requested */
};

/* Called once per call; the response is valid only during the call. */
typedef void (*ucf_http_done_fn)(void *ctx, const struct ucf_http_response *resp);

int ucf_http_new(struct ucf_http **out, struct ucf_reactor *r, char *err, size_t errlen);
/* Cancels (without callbacks) whatever is still running. */
void ucf_http_free(struct ucf_http *h);

/* Starts a request; done() runs later from ucf_reactor_dispatch, never from
 * inside this call. *call (may be NULL) identifies it for ucf_http_cancel. */
int ucf_http_start(struct ucf_http *h, const struct ucf_http_request *req, ucf_http_done_fn done,
		   void *ctx, struct ucf_http_call **call, char *err, size_t errlen);
/* Stops a running call; its callback is not called. */
void ucf_http_cancel(struct ucf_http *h, struct ucf_http_call *call);
/* Calls still running. */
size_t ucf_http_running(const struct ucf_http *h);

#endif
