/* meraki_fetch.h — fetching one source completely: the first URL, then every
 * page its Link header names, each request spaced by the call budget.
 * Captures and apiRequests page forwards (rel=next) from t0; events and
 * configurationChanges list the newest first and page backwards (rel=prev)
 * until a page reaches the horizon (stop_before), as the official Python SDK
 * reads them (direction "prev"). 429 waits Retry-After (and holds every later
 * call of the organization); 5xx, transport errors, timeouts and malformed
 * JSON are retried with exponential backoff and jitter, at most
 * UCF_MFETCH_RETRIES times per request; a 5xx is reported with its
 * X-Request-Id (what Meraki's support asks for). 401 is a refused key; 403
 * (Meraki: "you lack permission to perform the action") fails that source
 * only. The key goes only where urlpolicy.h allows. One job at a time. */
#ifndef UCF_MERAKI_FETCH_H
#define UCF_MERAKI_FETCH_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "http.h"
#include "meraki_parse.h"
#include "reactor.h"

#define UCF_MFETCH_RETRIES 3     /* after the first attempt */
#define UCF_MFETCH_THROTTLES 6   /* 429s in a row before giving up */
#define UCF_MFETCH_MAX_PAGES 50
#define UCF_MFETCH_BACKOFF_MS 1000

struct ucf_mjob {
	enum ucf_msource source;
	const char *network;     /* events, eventTypes */
	int64_t t0;              /* captures, apiRequests, configurationChanges */
	int64_t stop_before;     /* events, configurationChanges: stop paging back
				  * once a page reaches this */
	const json_t *types;     /* events: includedEventTypes[] */
};

enum ucf_mjob_outcome {
	UCF_MJOB_OK,
	UCF_MJOB_FAILED,    /* this source only (4xx, a foreign host refusing) */
	UCF_MJOB_TRANSIENT, /* retries exhausted: the API is not answering */
	UCF_MJOB_AUTH,      /* 401 to a request that carried the key */
	UCF_MJOB_DENIED,    /* 403 to a request that carried the key: this call is
			     * not allowed to the key (its admin's access) */
};

struct ucf_mjob_result {
	enum ucf_mjob_outcome outcome;
	json_t *findings;    /* what the pages held (also on failure: pages before it);
			      * uplinkStatuses, thirdPartyVPNPeers: address strings */
	json_t *types;       /* eventTypes: the capture-related types */
	unsigned calls, pages;
	size_t skipped;
	bool truncated;      /* stopped at UCF_MFETCH_MAX_PAGES */
	char error[512];
	char api_error[256]; /* DENIED: the API's own message, redacted ("" if none) */
};

struct ucf_mfetch;
typedef void (*ucf_mfetch_done_fn)(void *ctx, struct ucf_mjob_result *res);

typedef void (*ucf_mfetch_note_fn)(void *ctx, const char *text);

/* key is borrowed and must outlive the fetcher. note (may be NULL) hears what
 * is worth logging on the way: a failed attempt that is retried. */
int ucf_mfetch_new(struct ucf_mfetch **out, const struct ucf_config *cfg, const char *key,
		   struct ucf_reactor *r, struct ucf_http *h, ucf_mfetch_note_fn note,
		   void *note_ctx, char *err, size_t errlen);
void ucf_mfetch_free(struct ucf_mfetch *f);
/* Starts job; done() gets the result (owned by the fetcher, valid during the
 * call). Returns -EBUSY while another job runs. */
int ucf_mfetch_start(struct ucf_mfetch *f, const struct ucf_mjob *job, ucf_mfetch_done_fn done,
		     void *ctx);
/* The first URL of a job (for tests and messages); malloc'd. */
char *ucf_mfetch_url(const struct ucf_config *cfg, const struct ucf_mjob *job);

#endif
