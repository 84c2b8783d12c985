/* resolve.c — appliance.open's host names through getaddrinfo_a. */
#include "resolve.h"

#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "vpnpeers.h"

struct host {
	char *name;
	struct ucf_prefix addrs[UCF_RESOLVE_PER_HOST];
	size_t n;
};

struct ucf_resolver {
	struct host *hosts;
	size_t nhosts;
	struct gaicb *reqs;   /* one per host, for the round in flight */
	struct gaicb **list;
	struct addrinfo hints;
	bool busy, started_once;
	uint64_t last_ms;     /* the last round's start */
	struct ucf_resolver_stats stats;
};

int ucf_resolver_new(struct ucf_resolver **out, const struct ucf_string_list *hosts)
{
	struct ucf_resolver *r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->hosts = calloc(hosts->count + 1, sizeof(*r->hosts));
	r->reqs = calloc(hosts->count + 1, sizeof(*r->reqs));
	r->list = calloc(hosts->count + 1, sizeof(*r->list));
	if (!r->hosts || !r->reqs || !r->list) {
		ucf_resolver_free(r);
		return -ENOMEM;
	}
	for (; r->nhosts < hosts->count; r->nhosts++)
		if (!(r->hosts[r->nhosts].name = strdup(hosts->items[r->nhosts]))) {
			ucf_resolver_free(r);
			return -ENOMEM;
		}
	/* one entry per address, not per socket type */
	r->hints.ai_family = AF_UNSPEC;
	r->hints.ai_socktype = SOCK_STREAM;
	*out = r;
	return 0;
}

static void release_round(struct ucf_resolver *r)
{
	for (size_t i = 0; i < r->nhosts; i++) {
		if (r->reqs[i].ar_result)
			freeaddrinfo(r->reqs[i].ar_result);
		r->reqs[i].ar_result = NULL;
	}
	r->busy = false;
}

void ucf_resolver_free(struct ucf_resolver *r)
{
	if (!r)
		return;
	if (r->busy) {
		/* gai_cancel(NULL) matches no request: each is cancelled by name. A
		 * lookup already running cannot be: give it a moment. */
		for (size_t i = 0; i < r->nhosts; i++)
			gai_cancel(&r->reqs[i]);
		struct timespec ts = { 1, 0 };
		gai_suspend((const struct gaicb *const *)r->list, (int)r->nhosts, &ts);
		for (size_t i = 0; i < r->nhosts; i++)
			if (gai_error(&r->reqs[i]) == EAI_INPROGRESS)
				return; /* its thread still writes there: leave it (shutdown) */
		release_round(r);
	}
	for (size_t i = 0; i < r->nhosts; i++)
		free(r->hosts[i].name);
	free(r->hosts);
	free(r->reqs);
	free(r->list);
	free(r);
}

size_t ucf_resolve_pick(const struct addrinfo *ai, const struct ucf_config *cfg,
			struct ucf_prefix *out, size_t max, size_t *refused)
{
	size_t n = 0;
	for (; ai; ai = ai->ai_next) {
		struct ucf_prefix p = { 0 };
		char why[160];
		if (ai->ai_family == AF_INET && ai->ai_addrlen >= sizeof(struct sockaddr_in)) {
			p.family = AF_INET;
			p.len = 32;
			memcpy(p.addr, &((const struct sockaddr_in *)ai->ai_addr)->sin_addr, 4);
		} else if (ai->ai_family == AF_INET6 &&
			   ai->ai_addrlen >= sizeof(struct sockaddr_in6)) {
			p.family = AF_INET6;
			p.len = 128;
			memcpy(p.addr, &((const struct sockaddr_in6 *)ai->ai_addr)->sin6_addr, 16);
		} else {
			continue;
		}
		if (ucf_vpn_peer_check(cfg, &p, why, sizeof(why)) < 0) {
			(*refused)++;
			continue;
		}
		bool dup = false;
		for (size_t k = 0; k < n; k++)
			dup |= memcmp(&out[k], &p, sizeof(p)) == 0;
		if (dup)
			continue;
		if (n == max) {
			(*refused)++;
			continue;
		}
		out[n++] = p;
	}
	return n;
}

static void start_round(struct ucf_resolver *r, uint64_t now_ms)
{
	for (size_t i = 0; i < r->nhosts; i++) {
		memset(&r->reqs[i], 0, sizeof(r->reqs[i]));
		r->reqs[i].ar_name = r->hosts[i].name;
		r->reqs[i].ar_request = &r->hints;
		r->list[i] = &r->reqs[i];
	}
	r->last_ms = now_ms;
	r->started_once = true;
	struct sigevent sev = { .sigev_notify = SIGEV_NONE };
	if (!r->nhosts)
		return;
	if (getaddrinfo_a(GAI_NOWAIT, r->list, (int)r->nhosts, &sev) == 0) {
		r->busy = true;
		return;
	}
	/* Out of resources part way: the requests queued before it are in a
	 * glibc thread's hands, so the round is busy until they end. */
	for (size_t i = 0; i < r->nhosts; i++)
		if (gai_error(&r->reqs[i]) == EAI_INPROGRESS)
			r->busy = true;
}

bool ucf_resolver_tick(struct ucf_resolver *r, const struct ucf_config *cfg, uint64_t now_ms,
		       uint64_t refresh_ms, char *note, size_t notelen)
{
	if (note && notelen)
		note[0] = '\0';
	if (!r || !r->nhosts)
		return false;
	if (!r->busy) {
		if (!r->started_once || now_ms - r->last_ms >= refresh_ms)
			start_round(r, now_ms);
		return false;
	}
	for (size_t i = 0; i < r->nhosts; i++)
		if (gai_error(&r->reqs[i]) == EAI_INPROGRESS)
			return false; /* the next tick looks again */
	size_t used = 0;
	for (size_t i = 0; i < r->nhosts; i++) {
		struct host *h = &r->hosts[i];
		int rc = gai_error(&r->reqs[i]);
		size_t refused = 0;
		if (rc != 0) {
			r->stats.failures++;
			if (note && used < notelen)
				used += (size_t)snprintf(note + used, notelen - used,
							 "%s%s: %s (its last addresses stay)",
							 used ? "; " : "", h->name, gai_strerror(rc));
			continue;
		}
		struct ucf_prefix got[UCF_RESOLVE_PER_HOST];
		size_t n = ucf_resolve_pick(r->reqs[i].ar_result, cfg, got, UCF_RESOLVE_PER_HOST,
					    &refused);
		r->stats.refused += refused;
		if (refused && note && used < notelen)
			used += (size_t)snprintf(note + used, notelen - used,
						 "%s%s: %zu address%s refused (not global, or the site's)",
						 used ? "; " : "", h->name, refused,
						 refused == 1 ? "" : "es");
		if (n == 0)
			continue; /* nothing usable: the last good ones stay */
		memcpy(h->addrs, got, n * sizeof(*got));
		h->n = n;
	}
	if (note && used >= notelen && notelen)
		note[notelen - 1] = '\0';
	release_round(r);
	r->stats.rounds++;
	return true;
}

void ucf_resolver_get_stats(const struct ucf_resolver *r, struct ucf_resolver_stats *out)
{
	static const struct ucf_resolver_stats none;
	*out = r ? r->stats : none;
}

size_t ucf_resolver_addrs(const struct ucf_resolver *r, const struct ucf_config *cfg,
			  struct ucf_prefix *out, size_t max)
{
	size_t n = 0;
	char why[160];
	for (size_t i = 0; r && i < r->nhosts; i++)
		for (size_t k = 0; k < r->hosts[i].n; k++) {
			bool dup = false;
			if (ucf_vpn_peer_check(cfg, &r->hosts[i].addrs[k], why, sizeof(why)) < 0)
				continue;
			for (size_t j = 0; j < n; j++)
				dup |= memcmp(&out[j], &r->hosts[i].addrs[k], sizeof(out[j])) == 0;
			if (!dup && n < max)
				out[n++] = r->hosts[i].addrs[k];
		}
	return n;
}
