/* meraki.h — the Meraki watcher: polls the Dashboard API for packet-capture
 * activity at this site (captures, capture schedules, the API requests of
 * every capture operation, configuration changes and network events about
 * captures),
 * merges what several sources say about one activity into one alert and
 * publishes it to the alert feed. State (cursors, what was alerted, held
 * entries, event types, API health) is STATE_DIR/meraki-state.json, replaced
 * atomically after the cycle's alerts are spooled: a crash re-raises (the
 * feed drops the duplicate), never loses.
 *
 * It runs on the reactor and never blocks it: HTTP is asynchronous (libcurl
 * multi), waits are timers. The agent's epoll loop drives it through the
 * reactor's fd; `ucfence watch --once` calls ucf_meraki_poll_once() and
 * dispatches until !ucf_meraki_busy(). */
#ifndef UCF_MERAKI_H
#define UCF_MERAKI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "alert.h"
#include "config.h"
#include "feed.h"
#include "http.h"
#include "reactor.h"

/* After this many failed cycles in a row: one monitoring-degraded alert
 * (and one monitoring-recovered after the next good cycle). */
#define UCF_MERAKI_DEGRADED_AFTER 3

struct ucf_meraki;

enum ucf_meraki_event {
	UCF_MERAKI_ALERT,    /* a new alert was published (a is set) */
	UCF_MERAKI_RECORDED, /* something recorded without an alert */
	UCF_MERAKI_WARNING,  /* a source or the state file failed */
};

struct ucf_meraki_cycle {
	bool ok;              /* every source answered in full */
	bool auth_failed;     /* the API refused the key */
	unsigned calls;       /* HTTP requests made */
	unsigned alerts;      /* new alerts published */
	unsigned recorded;    /* notes */
	unsigned failed_sources;   /* denied ones included */
	unsigned denied_sources;   /* refused with 403: alerted once by watcher-access-denied,
				    * not an outage (they do not count towards degraded) */
	unsigned consecutive_failures;
	char error[512];      /* the first failure; "" when ok */
};

/* The most AutoVPN peer addresses one fetch hands over (the rest are
 * counted): an organization has far fewer appliances, and the API is
 * hostile input. */
#define UCF_MERAKI_PEERS_MAX 16384

struct ucf_meraki_hooks {
	void (*event)(void *ctx, enum ucf_meraki_event kind, const char *text,
		      const struct ucf_alert *a);
	void (*cycle)(void *ctx, const struct ucf_meraki_cycle *c);
	/* meraki.vpn_peers: both peer sources answered in full (every
	 * meraki.vpn_peers_interval): the public addresses they list (texts as
	 * the API gave them, unchecked; dropped: beyond UCF_MERAKI_PEERS_MAX).
	 * Not called when either failed: the caller keeps what it had. */
	void (*peers)(void *ctx, const char *const *addrs, size_t n, size_t dropped);
	/* The peers were due this cycle but a source did not answer in full
	 * (they are tried again the next cycle). May be NULL. */
	void (*peers_failed)(void *ctx);
	void *ctx;
	/* Each alert of a capture activity, just before it is published: the
	 * caller may add to it (the agent adds the capture upload signal's
	 * episode, so one alert says what both saw). May be NULL. */
	void (*annotate)(void *ctx, struct ucf_alert *a);
};

/* Loads the API key (refusing a key file more open than 0640) and the state.
 * The watcher keeps its own copy of cfg; the reactor, http and feed must
 * outlive it. hooks may be NULL. */
int ucf_meraki_new(struct ucf_meraki **out, const struct ucf_config *cfg, struct ucf_reactor *r,
		   struct ucf_http *h, struct ucf_feed *feed, const struct ucf_meraki_hooks *hooks,
		   char *err, size_t errlen);
void ucf_meraki_free(struct ucf_meraki *m);

/* Polls now and then every meraki.poll_interval (plus up to 10% jitter, so
 * sites of one organization spread out). */
void ucf_meraki_start(struct ucf_meraki *m);
/* One cycle now, nothing scheduled after it (no-op while a cycle runs). */
void ucf_meraki_poll_once(struct ucf_meraki *m);
bool ucf_meraki_busy(const struct ucf_meraki *m);
/* alerts.retention (the feed's retainer): forgets what the watcher's state
 * holds from before cutoff (ucf_mstate_prune) and saves the state if
 * anything went; *removed (may be NULL) counts it. */
int ucf_meraki_prune(struct ucf_meraki *m, int64_t cutoff, size_t *removed, char *err,
		     size_t errlen);
/* The same for STATE_DIR/meraki-state.json when no watcher runs (none: 0). */
int ucf_meraki_state_prune(const char *state_dir, int64_t cutoff, size_t *removed, char *err,
			   size_t errlen);

/* The last finished cycle (zeroed before the first). */
const struct ucf_meraki_cycle *ucf_meraki_last_cycle(const struct ucf_meraki *m);

/* The watcher's state file in STATE_DIR. */
#define UCF_MERAKI_STATE_FILE "meraki-state.json"
/* Erasure on request: removes the state's entries naming t (in its
 * sections: held findings, activities, what was seen, captures; by key or
 * value, ucf_erase_json_doc) and saves it. The rest of what was alerted is
 * kept, so the Dashboard's old findings are not alerted again. A cycle in
 * flight merges into the erased state. *removed: entries removed. */
int ucf_meraki_erase(struct ucf_meraki *m, const struct ucf_erase_target *t, size_t *removed,
		     char *err, size_t errlen);
/* The same on STATE_DIR's state file when no watcher runs (the caller holds
 * the feed's lock, which every watcher's process holds). A missing file: 0. */
int ucf_meraki_erase_file(const char *state_dir, const struct ucf_erase_target *t,
			  size_t *removed, char *err, size_t errlen);

#endif
