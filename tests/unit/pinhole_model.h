/* pinhole_model.h — for tests of the media table and the classifier: a
 * model of the open pinholes (a multiset of peer -> addr:port) kept from the
 * media events, as the agent's reference-counted pinholes would be; a CLOSE
 * that matches no OPEN fails the test. Include after cmocka.h. */
#ifndef UCF_TEST_PINHOLE_MODEL_H
#define UCF_TEST_PINHOLE_MODEL_H

#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>

#include "media.h"

#define MODEL_MAX 4096

struct model_hole {
	uint8_t peer[16], addr[16];
	uint16_t port;
};

static struct {
	struct model_hole open[MODEL_MAX];
	unsigned n, opens, closes;
	enum ucf_media_end_reason last_reason;
} M;

/* An IPv4 address as 16 bytes; eight live at once. */
static const uint8_t *ip(const char *text)
{
	static uint8_t buf[8][16];
	static unsigned next;
	uint8_t *b = buf[next++ % 8];
	memset(b, 0, 16);
	inet_pton(AF_INET, text, b);
	return b;
}

static void model_event(const struct ucf_media_event *ev)
{
	if (ev->type == UCF_MEDIA_OPEN) {
		assert_true(M.n < MODEL_MAX);
		struct model_hole *h = &M.open[M.n++];
		memcpy(h->peer, ev->peer, 16);
		memcpy(h->addr, ev->ep.addr, 16);
		h->port = ev->ep.port;
		M.opens++;
		return;
	}
	M.closes++;
	M.last_reason = ev->reason;
	for (unsigned i = 0; i < M.n; i++) {
		if (M.open[i].port == ev->ep.port && !memcmp(M.open[i].peer, ev->peer, 16) &&
		    !memcmp(M.open[i].addr, ev->ep.addr, 16)) {
			M.open[i] = M.open[--M.n];
			return;
		}
	}
	fail_msg("closed a pinhole that was never opened (port %u)", ev->ep.port);
}

/* How many open pinholes let peer send to addr:port (peer NULL: anyone). */
static unsigned holes(const char *peer, const char *addr, uint16_t port)
{
	unsigned n = 0;
	const uint8_t *p = peer ? ip(peer) : NULL, *a = ip(addr);
	for (unsigned i = 0; i < M.n; i++)
		n += M.open[i].port == port && (!p || !memcmp(M.open[i].peer, p, 16)) &&
		     !memcmp(M.open[i].addr, a, 16);
	return n;
}

#endif
