/* http.c — libcurl multi socket interface on the reactor: curl tells us
 * which sockets to watch and when to time out; the reactor tells curl when
 * either happens. */
#include "http.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <fcntl.h>
#include <sys/epoll.h>
#include <time.h>

#include "grow.h"

#define DEFAULT_MAX_BODY (16u << 20)

struct ucf_http_call {
	struct ucf_http *h;
	CURL *easy;
	struct curl_slist *headers;
	char *auth;        /* our copy of the Authorization line, wiped at the end */
	char *post;
	size_t post_len;
	char *body;
	size_t len, cap, max;
	bool too_big;
	char *link, *location, *request_id;
	long retry_after;
	char *url;
	char errbuf[CURL_ERROR_SIZE];
	ucf_http_done_fn done;
	void *ctx;
	struct ucf_http_call *next;
};

struct ucf_http {
	struct ucf_reactor *r;
	CURLM *multi;
	struct ucf_timer timer;
	struct ucf_http_call *calls;
};

static void call_free(struct ucf_http_call *c)
{
	if (c->auth) {
		explicit_bzero(c->auth, strlen(c->auth));
		free(c->auth);
	}
	/* curl_slist_append copied the line: wipe that copy too. */
	for (struct curl_slist *s = c->headers; s; s = s->next)
		if (strncasecmp(s->data, "Authorization:", 14) == 0)
			explicit_bzero(s->data, strlen(s->data));
	curl_slist_free_all(c->headers);
	if (c->easy)
		curl_easy_cleanup(c->easy);
	free(c->post);
	free(c->body);
	free(c->link);
	free(c->location);
	free(c->request_id);
	free(c->url);
	free(c);
}

static void unlink_call(struct ucf_http *h, struct ucf_http_call *c)
{
	for (struct ucf_http_call **p = &h->calls; *p; p = &(*p)->next) {
		if (*p == c) {
			*p = c->next;
			return;
		}
	}
}

static void finish(struct ucf_http *h, struct ucf_http_call *c, CURLcode result)
{
	struct ucf_http_response resp = { .retry_after_s = c->retry_after, .url = c->url };
	if (result == CURLE_OK && !c->too_big)
		curl_easy_getinfo(c->easy, CURLINFO_RESPONSE_CODE, &resp.status);
	resp.timed_out = result == CURLE_OPERATION_TIMEDOUT;
	if (c->too_big)
		resp.error = "response body too large";
	else if (result != CURLE_OK)
		resp.error = c->errbuf[0] ? c->errbuf : curl_easy_strerror(result);
	else
		resp.error = "";
	resp.body = c->body ? c->body : "";
	resp.body_len = c->len;
	resp.link = c->link;
	resp.location = c->location;
	resp.request_id = c->request_id;
	curl_multi_remove_handle(h->multi, c->easy);
	unlink_call(h, c);
	c->done(c->ctx, &resp);
	call_free(c);
}

static void check_done(struct ucf_http *h)
{
	CURLMsg *msg;
	int left;
	while ((msg = curl_multi_info_read(h->multi, &left))) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		struct ucf_http_call *c = NULL;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&c);
		if (c)
			finish(h, c, msg->data.result);
	}
}

static void on_socket(void *ctx, int fd, uint32_t events)
{
	struct ucf_http *h = ctx;
	int flags = 0, running;
	if (events & EPOLLIN)
		flags |= CURL_CSELECT_IN;
	if (events & EPOLLOUT)
		flags |= CURL_CSELECT_OUT;
	if (events & (EPOLLERR | EPOLLHUP))
		flags |= CURL_CSELECT_ERR;
	curl_multi_socket_action(h->multi, fd, flags, &running);
	check_done(h);
}

static void on_timer(void *ctx)
{
	struct ucf_http *h = ctx;
	int running;
	curl_multi_socket_action(h->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	check_done(h);
}

static int socket_cb(CURL *easy, curl_socket_t s, int what, void *userp, void *socketp)
{
	(void)easy;
	(void)socketp;
	struct ucf_http *h = userp;
	uint32_t events = 0;
	if (what == CURL_POLL_IN || what == CURL_POLL_INOUT)
		events |= EPOLLIN;
	if (what == CURL_POLL_OUT || what == CURL_POLL_INOUT)
		events |= EPOLLOUT;
	return ucf_reactor_watch(h->r, s, what == CURL_POLL_REMOVE ? 0 : events, on_socket, h) < 0
		       ? -1
		       : 0;
}

static int timer_cb(CURLM *multi, long timeout_ms, void *userp)
{
	(void)multi;
	struct ucf_http *h = userp;
	if (timeout_ms < 0)
		ucf_timer_cancel(h->r, &h->timer);
	else
		ucf_timer_arm(h->r, &h->timer, (uint64_t)timeout_ms, on_timer, h);
	return 0;
}

#define FD_SCAN 1024 /* libcurl opens its first descriptors low: a bound on the scan */

/* The descriptors below FD_SCAN without close-on-exec, as a bitmap. */
static void without_cloexec(uint64_t map[FD_SCAN / 64])
{
	memset(map, 0, FD_SCAN / 8);
	for (int fd = 0; fd < FD_SCAN; fd++) {
		int fl = fcntl(fd, F_GETFD);
		if (fl >= 0 && !(fl & FD_CLOEXEC))
			map[fd / 64] |= 1ull << (fd % 64);
	}
}

int ucf_http_new(struct ucf_http **out, struct ucf_reactor *r, char *err, size_t errlen)
{
	struct ucf_http *h = calloc(1, sizeof(*h));
	if (!h || curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		free(h);
		snprintf(err, errlen, "cannot initialise libcurl");
		return -ENOMEM;
	}
	h->r = r;
	uint64_t before[FD_SCAN / 64];
	without_cloexec(before);
	if (!(h->multi = curl_multi_init())) {
		free(h);
		curl_global_cleanup();
		snprintf(err, errlen, "cannot initialise libcurl");
		return -ENOMEM;
	}
	/* libcurl (7.88) opens the multi handle's wakeup socketpair without
	 * close-on-exec and offers no hook for it: mark what it opened. */
	uint64_t after[FD_SCAN / 64];
	without_cloexec(after);
	for (int fd = 0; fd < FD_SCAN; fd++)
		if ((after[fd / 64] & ~before[fd / 64]) & (1ull << (fd % 64)))
			fcntl(fd, F_SETFD, fcntl(fd, F_GETFD) | FD_CLOEXEC);
	curl_multi_setopt(h->multi, CURLMOPT_SOCKETFUNCTION, socket_cb);
	curl_multi_setopt(h->multi, CURLMOPT_SOCKETDATA, h);
	curl_multi_setopt(h->multi, CURLMOPT_TIMERFUNCTION, timer_cb);
	curl_multi_setopt(h->multi, CURLMOPT_TIMERDATA, h);
	*out = h;
	return 0;
}

void ucf_http_free(struct ucf_http *h)
{
	if (!h)
		return;
	while (h->calls)
		ucf_http_cancel(h, h->calls);
	ucf_timer_cancel(h->r, &h->timer);
	curl_multi_cleanup(h->multi);
	curl_global_cleanup();
	free(h);
}

size_t ucf_http_running(const struct ucf_http *h)
{
	size_t n = 0;
	for (const struct ucf_http_call *c = h->calls; c; c = c->next)
		n++;
	return n;
}

void ucf_http_cancel(struct ucf_http *h, struct ucf_http_call *c)
{
	curl_multi_remove_handle(h->multi, c->easy);
	unlink_call(h, c);
	call_free(c);
}

static size_t on_body(char *data, size_t size, size_t n, void *userp)
{
	struct ucf_http_call *c = userp;
	size_t len = size * n;
	if (c->len + len > c->max) {
		c->too_big = true;
		return 0; /* aborts the transfer */
	}
	if (UCF_GROW(c->body, c->cap, c->len + len + 1, 16384) < 0)
		return 0;
	memcpy(c->body + c->len, data, len);
	c->len += len;
	c->body[c->len] = '\0';
	return len;
}

/* Appends a header value to *dst (", "-joined, for repeated Link headers). */
static void keep_value(char **dst, const char *v, size_t len, bool join)
{
	size_t old = *dst && join ? strlen(*dst) : 0;
	char *s = malloc(old + len + 3);
	if (!s)
		return;
	if (old) {
		memcpy(s, *dst, old);
		memcpy(s + old, ", ", 2);
		old += 2;
	}
	memcpy(s + old, v, len);
	s[old + len] = '\0';
	free(*dst);
	*dst = s;
}

static size_t on_header(char *data, size_t size, size_t n, void *userp)
{
	struct ucf_http_call *c = userp;
	size_t len = size * n;
	if (len >= 5 && strncmp(data, "HTTP/", 5) == 0) {
		/* A new response (after 1xx or a proxy's CONNECT): forget the last. */
		free(c->link);
		free(c->location);
		free(c->request_id);
		c->link = c->location = c->request_id = NULL;
		c->retry_after = -1;
		return len;
	}
	const char *colon = memchr(data, ':', len);
	if (!colon)
		return len;
	size_t nlen = (size_t)(colon - data);
	const char *v = colon + 1, *end = data + len;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
		end--;
	size_t vlen = (size_t)(end - v);
	if (nlen == 4 && strncasecmp(data, "Link", 4) == 0) {
		keep_value(&c->link, v, vlen, true);
	} else if (nlen == 8 && strncasecmp(data, "Location", 8) == 0) {
		keep_value(&c->location, v, vlen, false);
	} else if (nlen == 12 && strncasecmp(data, "X-Request-Id", 12) == 0) {
		/* Quoted in logs for Meraki's support: bounded, printable only. */
		bool printable = vlen <= 128;
		for (size_t i = 0; printable && i < vlen; i++)
			printable = v[i] > ' ' && v[i] < 0x7f;
		if (printable)
			keep_value(&c->request_id, v, vlen, false);
	} else if (nlen == 11 && strncasecmp(data, "Retry-After", 11) == 0) {
		char tmp[64];
		snprintf(tmp, sizeof(tmp), "%.*s", (int)(vlen < 63 ? vlen : 63), v);
		char *e;
		long s = strtol(tmp, &e, 10);
		if (e != tmp && *e == '\0' && s >= 0) {
			c->retry_after = s;
		} else {
			time_t at = curl_getdate(tmp, NULL); /* the HTTP-date form */
			time_t now = time(NULL);
			c->retry_after = at > 0 ? (at > now ? (long)(at - now) : 0) : -1;
		}
	}
	return len;
}

/* libcurl (7.88) opens its transfer sockets without close-on-exec. */
static int cloexec_cb(void *ctx, curl_socket_t fd, curlsocktype purpose)
{
	(void)ctx;
	(void)purpose;
	int fl = fcntl(fd, F_GETFD);
	return fl >= 0 && fcntl(fd, F_SETFD, fl | FD_CLOEXEC) == 0 ? CURL_SOCKOPT_OK
								  : CURL_SOCKOPT_ERROR;
}

int ucf_http_start(struct ucf_http *h, const struct ucf_http_request *req, ucf_http_done_fn done,
		   void *ctx, struct ucf_http_call **out, char *err, size_t errlen)
{
	struct ucf_http_call *c = calloc(1, sizeof(*c));
	if (!c || !(c->easy = curl_easy_init()) || !(c->url = strdup(req->url))) {
		if (c)
			call_free(c);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	c->h = h;
	c->done = done;
	c->ctx = ctx;
	c->retry_after = -1;
	c->max = req->max_body ? req->max_body : DEFAULT_MAX_BODY;
	bool ok = true;
	if (req->bearer) {
		size_t n = strlen(req->bearer) + sizeof("Authorization: Bearer ");
		ok = (c->auth = malloc(n)) != NULL;
		if (ok) {
			snprintf(c->auth, n, "Authorization: Bearer %s", req->bearer);
			struct curl_slist *s = curl_slist_append(c->headers, c->auth);
			ok = s != NULL;
			c->headers = s ? s : c->headers;
		}
	}
	for (const char *const *hd = req->headers; ok && hd && *hd; hd++) {
		struct curl_slist *s = curl_slist_append(c->headers, *hd);
		ok = s != NULL;
		c->headers = s ? s : c->headers;
	}
	if (ok && req->body) {
		ok = (c->post = malloc(req->body_len + 1)) != NULL;
		if (ok) {
			memcpy(c->post, req->body, req->body_len);
			c->post[req->body_len] = '\0';
			c->post_len = req->body_len;
		}
	}
	if (!ok) {
		call_free(c);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	CURL *e = c->easy;
	curl_easy_setopt(e, CURLOPT_URL, c->url);
	curl_easy_setopt(e, CURLOPT_PRIVATE, c);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_SOCKOPTFUNCTION, cloexec_cb);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
	if (req->ca_file)
		curl_easy_setopt(e, CURLOPT_CAINFO, req->ca_file);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
			 req->connect_timeout_ms > 0 ? req->connect_timeout_ms : 10000L);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, req->timeout_ms > 0 ? req->timeout_ms : 30000L);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "ucfence/" UCF_VERSION " ucfence");
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, c->headers);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, c);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, c);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, c->errbuf);
	if (strcmp(req->method, "POST") == 0) {
		curl_easy_setopt(e, CURLOPT_POST, 1L);
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, c->post ? c->post : "");
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)c->post_len);
	}
	if (curl_multi_add_handle(h->multi, e) != CURLM_OK) {
		call_free(c);
		snprintf(err, errlen, "cannot start the request");
		return -EIO;
	}
	c->next = h->calls;
	h->calls = c;
	if (out)
		*out = c;
	return 0;
}
