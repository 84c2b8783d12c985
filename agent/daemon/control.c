/* control.c — unix-socket request/reply for `ucfence status`. */
#include "control.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "grow.h"

#define MAX_REQUEST 256
#define MAX_CLIENTS 16
#define MAX_REPLY (1 << 20)

struct client {
	int fd;
	size_t len;
	char buf[MAX_REQUEST];
};

struct ucf_control {
	struct ucf_reactor *r;
	int fd;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	ucf_control_fn fn;
	void *arg;
	struct client clients[MAX_CLIENTS];
};

static void drop_client(struct ucf_control *ctl, struct client *c)
{
	ucf_reactor_watch(ctl->r, c->fd, 0, NULL, NULL);
	close(c->fd);
	c->fd = -1;
}

/* The reply is small and the socket buffer takes it whole; a client that
 * does not read gets a short reply rather than stalling the agent. */
static void answer(struct ucf_control *ctl, struct client *c)
{
	char *reply = NULL;
	c->buf[c->len] = '\0';
	c->buf[strcspn(c->buf, "\r\n")] = '\0';
	if (ctl->fn(ctl->arg, c->buf, &reply) < 0 || !reply) {
		free(reply);
		reply = strdup("{\"error\": \"request failed\"}\n");
	}
	if (reply) {
		size_t len = strlen(reply), off = 0;
		while (off < len) {
			ssize_t n = send(c->fd, reply + off, len - off, MSG_NOSIGNAL | MSG_DONTWAIT);
			if (n <= 0)
				break;
			off += (size_t)n;
		}
	}
	free(reply);
	drop_client(ctl, c);
}

static void client_ready(void *arg, int fd, uint32_t events)
{
	struct ucf_control *ctl = arg;
	struct client *c = NULL;
	for (int i = 0; i < MAX_CLIENTS; i++)
		if (ctl->clients[i].fd == fd)
			c = &ctl->clients[i];
	if (!c)
		return;
	ssize_t n = recv(fd, c->buf + c->len, sizeof(c->buf) - 1 - c->len, MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0 || (events & (EPOLLERR | EPOLLHUP) && n == 0)) {
		if (c->len > 0)
			answer(ctl, c); /* a request without newline, then EOF */
		else
			drop_client(ctl, c);
		return;
	}
	c->len += (size_t)n;
	if (memchr(c->buf, '\n', c->len) || c->len == sizeof(c->buf) - 1)
		answer(ctl, c);
}

static void listener_ready(void *arg, int fd, uint32_t events)
{
	struct ucf_control *ctl = arg;
	(void)events;
	for (;;) {
		int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (cfd < 0)
			return;
		struct client *slot = NULL;
		for (int i = 0; i < MAX_CLIENTS && !slot; i++)
			if (ctl->clients[i].fd < 0)
				slot = &ctl->clients[i];
		if (!slot || ucf_reactor_watch(ctl->r, cfd, EPOLLIN, client_ready, ctl) < 0) {
			close(cfd); /* too many at once: the client retries */
			continue;
		}
		slot->fd = cfd;
		slot->len = 0;
	}
}

int ucf_control_listen(struct ucf_reactor *r, const char *path, ucf_control_fn fn, void *arg,
		       struct ucf_control **out, char *err, size_t errlen)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct ucf_control *ctl;
	int rc;

	if (strlen(path) >= sizeof(addr.sun_path)) {
		snprintf(err, errlen, "%s: control socket path too long", path);
		return -ENAMETOOLONG;
	}
	ctl = calloc(1, sizeof(*ctl));
	if (!ctl) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -ENOMEM;
	}
	for (int i = 0; i < MAX_CLIENTS; i++)
		ctl->clients[i].fd = -1;
	ctl->r = r;
	ctl->fn = fn;
	ctl->arg = arg;
	snprintf(ctl->path, sizeof(ctl->path), "%s", path);
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path);
	ctl->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (ctl->fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "control socket: %s", strerror(errno));
		free(ctl);
		return rc;
	}
	unlink(path); /* a socket left by a killed agent */
	mode_t old = umask(0177); /* owner-only from the moment it exists */
	rc = bind(ctl->fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 ? -errno : 0;
	umask(old);
	if (rc == 0)
		rc = listen(ctl->fd, 8) < 0 ? -errno : 0;
	if (rc == 0)
		rc = ucf_reactor_watch(r, ctl->fd, EPOLLIN, listener_ready, ctl);
	if (rc < 0) {
		snprintf(err, errlen, "%s: cannot listen: %s", path, strerror(-rc));
		close(ctl->fd);
		free(ctl);
		return rc;
	}
	*out = ctl;
	return 0;
}

void ucf_control_close(struct ucf_control *ctl)
{
	if (!ctl)
		return;
	for (int i = 0; i < MAX_CLIENTS; i++)
		if (ctl->clients[i].fd >= 0)
			drop_client(ctl, &ctl->clients[i]);
	ucf_reactor_watch(ctl->r, ctl->fd, 0, NULL, NULL);
	close(ctl->fd);
	unlink(ctl->path);
	free(ctl);
}

int ucf_control_request(const char *path, const char *request, char **reply, char *err,
			size_t errlen)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	char *buf = NULL;
	size_t len = 0;
	int rc = 0;
	int fd;

	if (strlen(path) >= sizeof(addr.sun_path)) {
		snprintf(err, errlen, "%s: control socket path too long", path);
		return -ENAMETOOLONG;
	}
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "%s: cannot create a socket: %s", path, strerror(errno));
		return rc;
	}
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		rc = -errno;
		snprintf(err, errlen, "%s: cannot reach the agent: %s (is `ucfence run` running?)", path,
			 strerror(errno));
		close(fd);
		return rc;
	}
	/* One line, as the server reads it; the agent may close at any time, so
	 * a send must not raise SIGPIPE. */
	char line[MAX_REQUEST];
	int qlen = snprintf(line, sizeof(line), "%s\n", request);
	if (qlen < 0 || (size_t)qlen >= sizeof(line)) {
		rc = -EINVAL;
		snprintf(err, errlen, "%s: request too long", path);
	}
	for (size_t off = 0; rc == 0 && off < (size_t)qlen;) {
		ssize_t n = send(fd, line + off, (size_t)qlen - off, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = -errno;
			snprintf(err, errlen, "%s: cannot send the request: %s", path, strerror(errno));
		} else {
			off += (size_t)n;
		}
	}
	while (rc == 0) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		if (poll(&p, 1, 5000) <= 0) {
			rc = -ETIMEDOUT;
			snprintf(err, errlen, "%s: the agent did not answer within 5s", path);
			break;
		}
		char *grown = ucf_grow_array(buf, NULL, len + 65536 + 1, 1, 0);
		if (!grown) {
			rc = -ENOMEM;
			snprintf(err, errlen, "%s: out of memory for the reply", path);
			break;
		}
		buf = grown;
		ssize_t n = read(fd, buf + len, 65536);
		if (n < 0) {
			rc = -errno;
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			break;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > MAX_REPLY) {
			rc = -EFBIG;
			snprintf(err, errlen, "%s: reply too large", path);
			break;
		}
	}
	close(fd);
	if (rc == 0 && len == 0) {
		rc = -EPROTO;
		snprintf(err, errlen, "%s: the agent closed the connection without answering", path);
	}
	if (rc < 0) {
		free(buf);
		return rc;
	}
	buf[len] = '\0';
	*reply = buf;
	return 0;
}
