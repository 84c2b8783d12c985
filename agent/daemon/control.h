/* control.h — the agent's control socket (unix stream, owner-only): one
 * request line in, one reply out, then the connection closes. The server
 * side runs in the event loop and never blocks on a client. */
#ifndef UCF_CONTROL_H
#define UCF_CONTROL_H

#include <stddef.h>

#include "reactor.h"

#define UCF_DEFAULT_CONTROL "/run/ucfence/control.sock"

struct ucf_control;

/* Answers one request (e.g. "status"): returns 0 with *reply a malloc'd
 * string, or -errno. */
typedef int (*ucf_control_fn)(void *arg, const char *request, char **reply);

/* Binds path (replacing a stale socket), mode 0600, and serves requests. */
int ucf_control_listen(struct ucf_reactor *r, const char *path, ucf_control_fn fn, void *arg,
		       struct ucf_control **out, char *err, size_t errlen);
/* Stops serving, closes clients and removes the socket file. */
void ucf_control_close(struct ucf_control *ctl);

/* Client: sends request, returns the whole reply (malloc'd) in *reply. */
int ucf_control_request(const char *path, const char *request, char **reply, char *err,
			size_t errlen);

#endif
