/* libFuzzer target: the classifier with a site's trust boundary and the
 * agent's pinhole bookkeeping attached, on arbitrary frames. Every element
 * that reaches the (simulated) kernel is checked: a port in the learn range,
 * an address and a peer inside the site, one family. Input: a selector byte
 * (link type, and where the frames entered: unknown, a uc port, the
 * appliance port), then frames, each preceded by a 2-byte big-endian length.
 * Classifier and pinholes persist across inputs (small tables), so state
 * built by one input meets the next. */
#include <pcap/dlt.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "classify.h"
#include "pinholes.h"

static const int dlts[] = {DLT_EN10MB, DLT_LINUX_SLL, DLT_RAW};
static const enum ucf_ingress ingresses[] = {UCF_INGRESS_UNKNOWN, UCF_INGRESS_UC,
					     UCF_INGRESS_APPLIANCE};

/* E 10.20.0.0/24, S 10.50.0.0/24, R 10.60.0.0/24, A 10.40.0.2 */
static struct ucf_prefix E = {AF_INET, 24, {10, 20, 0, 0}}, S = {AF_INET, 24, {10, 50, 0, 0}},
			 R = {AF_INET, 24, {10, 60, 0, 0}};

static struct ucf_pinholes *holes;

static int in_site(uint8_t family, const uint8_t *addr)
{
	return ucf_prefixes_contain(&E, 1, family, addr) ||
	       ucf_prefixes_contain(&S, 1, family, addr) ||
	       ucf_prefixes_contain(&R, 1, family, addr);
}

/* The kernel: whatever it is asked to add must be inside the boundary. */
static int commit(void *arg, const struct ucf_pinhole *add, size_t nadd,
		  const struct ucf_pinhole *del, size_t ndel, char *err, size_t errlen)
{
	(void)arg, (void)del, (void)ndel, (void)err, (void)errlen;
	for (size_t i = 0; i < nadd; i++) {
		const struct ucf_pinhole *p = &add[i];
		if (p->family != AF_INET || p->port < 1024 || !in_site(p->family, p->addr) ||
		    !in_site(p->family, p->peer))
			abort();
	}
	return 0;
}

static void on_media(void *arg, const struct ucf_media_event *ev)
{
	(void)arg;
	struct ucf_pinhole ph = {.family = ev->ep.family, .port = ev->ep.port};
	memcpy(ph.addr, ev->ep.addr, 16);
	memcpy(ph.peer, ev->peer, 16);
	if (ev->type == UCF_MEDIA_OPEN)
		ucf_pinholes_open(holes, &ph, 0);
	else if (ucf_pinholes_close(holes, &ph, ev->reason == UCF_END_CALL, 0) < 0)
		abort(); /* every close matches an open */
}

static void add_port(struct ucf_trust *t, enum ucf_learn_proto p, uint8_t l4, uint16_t port)
{
	struct ucf_trust_ports *tp = &t->svc[p];
	tp->item[tp->count].l4proto = l4;
	tp->item[tp->count].ports = (struct ucf_port_range){port, port};
	tp->count++;
}

static struct ucf_classifier *make(void)
{
	struct ucf_classifier_opts o;
	char err[256];
	ucf_classifier_opts_default(&o);
	o.max_flows = 256;
	o.max_media = 64;
	o.host_media = 16;
	o.host_calls = 4;
	o.host_rate_milli = 50000;
	o.host_burst = 10;
	struct ucf_trust *t = &o.trust;
	t->enabled = true;
	t->endpoints = &E, t->n_endpoints = 1;
	t->servers = &S, t->n_servers = 1;
	t->remote = &R, t->n_remote = 1;
	t->appliance = (struct ucf_prefix){AF_INET, 32, {10, 40, 0, 2}};
	t->learn_range = (struct ucf_port_range){1024, 65535};
	add_port(t, UCF_LEARN_SIP, 17, 5060);
	add_port(t, UCF_LEARN_SIP, 6, 5060);
	add_port(t, UCF_LEARN_SCCP, 6, 2000);
	add_port(t, UCF_LEARN_MGCP, 17, 2427);
	add_port(t, UCF_LEARN_MGCP, 17, 2727);
	add_port(t, UCF_LEARN_TFTP, 17, 69);
	struct ucf_pinholes_opts po = {.cap = 64, .refresh_s = 40, .grace_us = 2000000,
				       .commit = commit};
	if (ucf_pinholes_new(&po, &holes, err, sizeof(err)) < 0)
		abort();
	struct ucf_classifier_hooks h = {.media = on_media};
	struct ucf_classifier *c;
	if (ucf_classifier_new(&o, &h, &c, err, sizeof(err)) < 0)
		abort();
	return c;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ucf_classifier *c;
	static uint64_t now = 1;
	char err[256];
	if (!c)
		c = make();
	if (size < 1)
		return 0;
	int dlt = dlts[data[0] % 3];
	ucf_classifier_set_ingress(c, ingresses[(data[0] / 3) % 3]);
	size_t off = 1;
	while (off + 2 <= size) {
		size_t len = (size_t)data[off] << 8 | data[off + 1];
		off += 2;
		if (len > size - off)
			len = size - off;
		now += 1000 + (len & 0xff) * 100000; /* let timeouts fire now and then */
		ucf_classifier_packet(c, dlt, data + off, (uint32_t)len, (uint32_t)len, now, NULL);
		off += len;
	}
	ucf_pinholes_tick(holes, now);
	ucf_pinholes_commit(holes, now, err, sizeof(err));
	return 0;
}
