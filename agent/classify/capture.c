/* capture.c — see capture.h. */
#include "capture.h"

#include <errno.h>
#include <fcntl.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LIVE_BUFFER (4 << 20)
#define LIVE_SNAPLEN 65535
#define OFFLINE_BUFFER (1 << 20)

const char ucf_capture_default_filter[] =
	"(ip and (udp or (ip[6:2] & 0x3fff != 0) or (tcp and "
	"((tcp[tcpflags] & (tcp-syn|tcp-fin|tcp-rst) != 0) or "
	"(ip[2:2] - ((ip[0] & 0xf) << 2) - ((tcp[12] & 0xf0) >> 2) != 0))))) or "
	"ip6 or (vlan and (ip or ip6))";

struct ucf_capture {
	pcap_t *p;
	char *name;
	bool offline;
	int dlt;
	ucf_capture_fn fn;
	void *arg;
};

/* err reads "NAME: WHAT: WHY"; c is released. */
static int fail(struct ucf_capture *c, int rc, char *err, size_t errlen, const char *name,
		const char *what, const char *why)
{
	snprintf(err, errlen, "%s: %s: %s", name, what, why);
	ucf_capture_close(c);
	return rc;
}

int ucf_capture_open_offline(const char *path, struct ucf_capture **out, char *err,
			     size_t errlen)
{
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	struct ucf_capture *c = calloc(1, sizeof(*c));
	if (!c || !(c->name = strdup(path))) {
		free(c);
		snprintf(err, errlen, "%s: out of memory", path);
		return -ENOMEM;
	}
	c->offline = true;
	FILE *fp = fopen(path, "rb");
	if (!fp)
		return fail(c, -EIO, err, errlen, path, "cannot read capture", strerror(errno));
	/* A large stdio buffer: libpcap reads header and data with fread, and
	 * the default 4 KiB would cost a system call every dozen packets. */
	setvbuf(fp, NULL, _IOFBF, OFFLINE_BUFFER);
	c->p = pcap_fopen_offline(fp, ebuf);
	if (!c->p) {
		fclose(fp); /* pcap_close owns it only on success */
		return fail(c, -EIO, err, errlen, path, "cannot read capture", ebuf);
	}
	c->dlt = pcap_datalink(c->p);
	*out = c;
	return 0;
}

int ucf_capture_open_live(const char *ifname, const char *filter, bool promisc,
			  struct ucf_capture **out, char *err, size_t errlen)
{
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	struct ucf_capture *c = calloc(1, sizeof(*c));
	if (!c || !(c->name = strdup(ifname))) {
		free(c);
		snprintf(err, errlen, "%s: out of memory", ifname);
		return -ENOMEM;
	}
	c->p = pcap_create(ifname, ebuf);
	if (!c->p)
		return fail(c, -EIO, err, errlen, ifname, "cannot capture", ebuf);
	pcap_set_snaplen(c->p, LIVE_SNAPLEN);
	pcap_set_promisc(c->p, promisc);
	pcap_set_immediate_mode(c->p, 1); /* pinholes must open before the first RTP */
	pcap_set_buffer_size(c->p, LIVE_BUFFER);
	int rc = pcap_activate(c->p);
	if (rc < 0)
		return fail(c, -EIO, err, errlen, ifname, "cannot capture",
			    rc == PCAP_ERROR ? pcap_geterr(c->p) : pcap_statustostr(rc));
	if (pcap_setnonblock(c->p, 1, ebuf) < 0)
		return fail(c, -EIO, err, errlen, ifname, "cannot set non-blocking", ebuf);
	/* libpcap (1.10) opens its packet socket without close-on-exec */
	int fd = pcap_get_selectable_fd(c->p);
	if (fd >= 0 && fcntl(fd, F_SETFD, fcntl(fd, F_GETFD) | FD_CLOEXEC) < 0) {
		snprintf(ebuf, sizeof(ebuf), "%s", strerror(errno));
		return fail(c, -EIO, err, errlen, ifname, "cannot set close-on-exec", ebuf);
	}
	struct bpf_program prog;
	if (pcap_compile(c->p, &prog, filter ? filter : ucf_capture_default_filter, 1,
			 PCAP_NETMASK_UNKNOWN) < 0)
		return fail(c, -EINVAL, err, errlen, ifname, "bad capture filter",
			    pcap_geterr(c->p));
	rc = pcap_setfilter(c->p, &prog);
	pcap_freecode(&prog);
	if (rc < 0)
		return fail(c, -EIO, err, errlen, ifname, "cannot set capture filter",
			    pcap_geterr(c->p));
	c->dlt = pcap_datalink(c->p);
	*out = c;
	return 0;
}

int ucf_capture_inbound_only(struct ucf_capture *c, char *err, size_t errlen)
{
	if (pcap_setdirection(c->p, PCAP_D_IN) < 0)
		return fail(c, -EIO, err, errlen, c->name, "cannot select inbound packets",
			    pcap_geterr(c->p));
	return 0;
}

void ucf_capture_close(struct ucf_capture *c)
{
	if (!c)
		return;
	if (c->p)
		pcap_close(c->p);
	free(c->name);
	free(c);
}

int ucf_capture_fd(const struct ucf_capture *c)
{
	return c->offline ? -1 : pcap_get_selectable_fd(c->p);
}

int ucf_capture_linktype(const struct ucf_capture *c) { return c->dlt; }

static void trampoline(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
	struct ucf_capture *c = (struct ucf_capture *)user;
	struct ucf_frame f = {
		.data = bytes,
		.caplen = h->caplen,
		.wirelen = h->len,
		.ts_us = (uint64_t)h->ts.tv_sec * 1000000ull + (uint64_t)h->ts.tv_usec,
		.dlt = c->dlt,
	};
	c->fn(c->arg, &f);
}

int ucf_capture_dispatch(struct ucf_capture *c, int max, ucf_capture_fn fn, void *arg,
			 char *err, size_t errlen)
{
	c->fn = fn;
	c->arg = arg;
	int n = pcap_dispatch(c->p, max > 0 ? max : -1, trampoline, (u_char *)c);
	if (n == PCAP_ERROR) {
		snprintf(err, errlen, "%s: %s", c->name, pcap_geterr(c->p));
		return -EIO;
	}
	if (n == 0 && c->offline)
		return -ENODATA;
	return n < 0 ? 0 : n;
}
