/* audit.c — the weakening mark and one-shot publishing (audit.h). */
#include "audit.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "feed.h"
#include "http.h"
#include "reactor.h"
#include "statefile.h"

static int mark_path(const char *state_dir, char *path, size_t len, char *err, size_t errlen)
{
	if ((size_t)snprintf(path, len, "%s/%s", state_dir, UCF_AUDIT_MARK) >= len) {
		snprintf(err, errlen, "state_dir too long");
		return -ENAMETOOLONG;
	}
	return 0;
}

int ucf_audit_mark(const char *state_dir, const char *what, char *err, size_t errlen)
{
	char path[4200];
	int rc = mark_path(state_dir, path, sizeof(path), err, errlen);
	if (rc < 0)
		return rc;
	if ((rc = ucf_mkdir_p(state_dir, 0750, err, errlen)) < 0)
		return rc;
	json_t *doc = json_pack("{s:s, s:I}", "what", what, "time", (json_int_t)time(NULL));
	if (!doc)
		return -ENOMEM;
	rc = ucf_json_save(path, doc, 0640, err, errlen);
	json_decref(doc);
	return rc;
}

int ucf_audit_take(const char *state_dir, char *what, size_t whatlen, char *err, size_t errlen)
{
	char path[4200];
	json_t *doc = NULL;
	int rc = mark_path(state_dir, path, sizeof(path), err, errlen);
	if (rc < 0)
		return rc;
	rc = ucf_json_load(path, &doc, err, errlen);
	if (rc == -ENOENT)
		return 0;
	/* an unreadable mark still says something was weakened */
	const char *w = rc == 0 ? json_string_value(json_object_get(doc, "what")) : NULL;
	snprintf(what, whatlen, "%s", w ? w : "an earlier weakening");
	json_decref(doc);
	if (unlink(path) < 0 && errno != ENOENT) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -errno;
	}
	return 1;
}

static uint64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

int ucf_audit_publish(const struct ucf_config *cfg, const struct ucf_alert *a,
		      const struct ucf_log *log, int wait_ms, char *err, size_t errlen)
{
	struct ucf_reactor *r = NULL;
	struct ucf_http *h = NULL;
	struct ucf_feed *f = NULL;
	int rc = ucf_reactor_new(&r, err, errlen);
	if (rc == 0)
		rc = ucf_http_new(&h, r, err, errlen);
	if (rc == 0)
		rc = ucf_feed_open(&f, cfg, r, h, log, err, errlen);
	int published = rc == 0 ? ucf_feed_publish(f, a, err, errlen) : rc;
	/* the webhook is sent on the reactor: give it a moment, bounded */
	uint64_t until = mono_ms() + (uint64_t)(wait_ms > 0 ? wait_ms : 0);
	while (published >= 0 && ucf_feed_busy(f) && mono_ms() < until)
		ucf_reactor_dispatch(r, 100);
	ucf_feed_close(f);
	ucf_http_free(h);
	ucf_reactor_free(r);
	return published;
}

void ucf_audit_event_key(char *buf, size_t len)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	snprintf(buf, len, "%lld%06ld", (long long)ts.tv_sec, ts.tv_nsec / 1000);
}
