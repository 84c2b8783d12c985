/* libFuzzer target: the classifier with a site's trust boundary, the
 * agent's pinhole bookkeeping and its verdict blocks attached, on arbitrary
 * frames, for a concentrator site and an appliance-mode one (IPv4 and IPv6
 * prefixes). Checked: every element that reaches the (simulated) kernel has
 * a port in the learn range and an address and a peer inside the site, one
 * family; every pinhole opened while handling a frame from a uc port names
 * that frame's sender as its address or its peer (a phone opens only its
 * own ports, or lets only itself send); every block is of a flow the kernel
 * admits as a UC service. Input: a selector byte (link type; where the
 * frames entered: unknown, a uc port, the appliance port; which site), then
 * frames, each preceded by a 2-byte big-endian length. Classifiers and
 * pinholes persist across inputs (small tables), so state built by one
 * input meets the next. */
#include <pcap/dlt.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "classify.h"
#include "decode.h"
#include "pinholes.h"
#include "verdicts.h"

static const int dlts[] = {DLT_EN10MB, DLT_LINUX_SLL, DLT_RAW};
static const enum ucf_ingress ingresses[] = {UCF_INGRESS_UNKNOWN, UCF_INGRESS_UC,
					     UCF_INGRESS_APPLIANCE};

/* E 10.20.0.0/24 fd00:20::/64, S 10.50.0.0/24 fd00:50::/64, R 10.60.0.0/24,
 * A 10.40.0.2 (a party of its own in appliance mode) */
static struct ucf_prefix E[2] = {{AF_INET, 24, {10, 20, 0, 0}},
				 {AF_INET6, 64, {0xfd, 0, 0, 0x20}}},
			 S[2] = {{AF_INET, 24, {10, 50, 0, 0}}, {AF_INET6, 64, {0xfd, 0, 0, 0x50}}},
			 R[1] = {{AF_INET, 24, {10, 60, 0, 0}}},
			 A[1] = {{AF_INET, 32, {10, 40, 0, 2}}};

struct site {
	struct ucf_classifier *c;
	struct ucf_pinholes *holes;
	struct ucf_verdicts *verdicts;
	bool appliance;
};
static struct site sites[2];
static struct site *cur;
/* the sender of the frame being handled, when it came from a uc port */
static struct ucf_pkt uc_frame;
static bool uc_frame_valid;

static int in_site(uint8_t family, const uint8_t *addr)
{
	return ucf_prefixes_contain(E, 2, family, addr) || ucf_prefixes_contain(S, 2, family, addr) ||
	       ucf_prefixes_contain(R, 1, family, addr) ||
	       (cur->appliance && ucf_prefixes_contain(A, 1, family, addr));
}

/* The kernel: whatever it is asked to add must be inside the boundary. */
static int commit(void *arg, const struct ucf_pinhole *add, size_t nadd,
		  const struct ucf_pinhole *del, size_t ndel, char *err, size_t errlen)
{
	(void)arg, (void)del, (void)ndel, (void)err, (void)errlen;
	for (size_t i = 0; i < nadd; i++) {
		const struct ucf_pinhole *p = &add[i];
		if ((p->family != AF_INET && p->family != AF_INET6) || p->port < 1024 ||
		    !in_site(p->family, p->addr) || !in_site(p->family, p->peer))
			abort();
	}
	return 0;
}

static void on_verdict(void *arg, const struct ucf_flow_info *fi)
{
	(void)arg;
	if (ucf_verdicts_note(cur->verdicts, fi, 1) && !ucf_verdicts_on_uc_service(cur->verdicts, fi))
		abort();
}

static void on_media(void *arg, const struct ucf_media_event *ev)
{
	(void)arg;
	struct ucf_pinhole ph = {.family = ev->ep.family, .port = ev->ep.port};
	memcpy(ph.addr, ev->ep.addr, 16);
	memcpy(ph.peer, ev->peer, 16);
	if (ev->type == UCF_MEDIA_OPEN) {
		if (uc_frame_valid && memcmp(ph.addr, uc_frame.src, 16) != 0 &&
		    memcmp(ph.peer, uc_frame.src, 16) != 0)
			abort(); /* a phone opened a pinhole that is not its own */
		ucf_pinholes_open(cur->holes, &ph, 0);
	} else if (ucf_pinholes_close(cur->holes, &ph, ev->reason == UCF_END_CALL, 0) < 0) {
		abort(); /* every close matches an open */
	}
}

static void add_port(struct ucf_trust *t, enum ucf_learn_proto p, uint8_t l4, uint16_t port)
{
	struct ucf_trust_ports *tp = &t->svc[p];
	tp->item[tp->count].l4proto = l4;
	tp->item[tp->count].ports = (struct ucf_port_range){port, port};
	tp->count++;
}

static void make(struct site *st, bool appliance)
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
	t->endpoints = E, t->n_endpoints = 2;
	t->servers = S, t->n_servers = 2;
	t->remote = R, t->n_remote = appliance ? 0 : 1;
	t->appliance_mode = appliance;
	t->appliance = A[0];
	t->learn_range = (struct ucf_port_range){1024, 65535};
	add_port(t, UCF_LEARN_SIP, 17, 5060);
	add_port(t, UCF_LEARN_SIP, 6, 5060);
	add_port(t, UCF_LEARN_SCCP, 6, 2000);
	add_port(t, UCF_LEARN_MGCP, 17, 2427);
	add_port(t, UCF_LEARN_MGCP, 17, 2727);
	add_port(t, UCF_LEARN_TFTP, 17, 69);
	struct ucf_pinholes_opts po = {.cap = 64, .refresh_s = 40, .grace_us = 2000000,
				       .commit = commit};
	struct ucf_service_port ports[] = {{6, {5060, 5060}}, {17, {5060, 5060}},
					   {17, {16384, 32767}}};
	struct ucf_prefix e_side[3] = {E[0], E[1], A[0]};
	struct ucf_prefix peers[5] = {E[0], E[1], S[0], S[1], R[0]};
	struct ucf_verdict_policy vp = {e_side, appliance ? 3 : 2, peers, 5, ports, 3};
	st->appliance = appliance;
	if (ucf_pinholes_new(&po, &st->holes, err, sizeof(err)) < 0 ||
	    ucf_verdicts_new(64, 3600, &st->verdicts, err, sizeof(err)) < 0 ||
	    ucf_verdicts_set_policy(st->verdicts, &vp) < 0)
		abort();
	struct ucf_classifier_hooks h = {.media = on_media, .verdict = on_verdict};
	if (ucf_classifier_new(&o, &h, &st->c, err, sizeof(err)) < 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint64_t now = 1;
	char err[256];
	if (!sites[0].c) {
		make(&sites[0], false);
		make(&sites[1], true);
	}
	if (size < 1)
		return 0;
	int dlt = dlts[data[0] % 3];
	enum ucf_ingress in = ingresses[(data[0] / 3) % 3];
	cur = &sites[(data[0] / 9) & 1];
	ucf_classifier_set_ingress(cur->c, in);
	size_t off = 1;
	while (off + 2 <= size) {
		size_t len = (size_t)data[off] << 8 | data[off + 1];
		off += 2;
		if (len > size - off)
			len = size - off;
		now += 1000 + (len & 0xff) * 100000; /* let timeouts fire now and then */
		/* fragments are judged when whole: their sender is the same */
		uc_frame_valid = in == UCF_INGRESS_UC &&
				 ucf_decode(dlt, data + off, (uint32_t)len, &uc_frame) == 0;
		ucf_classifier_packet(cur->c, dlt, data + off, (uint32_t)len, (uint32_t)len, now, NULL);
		uc_frame_valid = false;
		off += len;
	}
	ucf_pinholes_tick(cur->holes, now);
	ucf_pinholes_commit(cur->holes, now, err, sizeof(err));
	ucf_verdicts_committed(cur->verdicts);
	return 0;
}
