/* risk.h — privacy risks per endpoint address: cleartext SIP signalling,
 * SRTP keys (SDES a=crypto) carried in cleartext SDP, unencrypted RTP. Only
 * the kind, the address and a fixed detail text are kept — never a URI, a
 * user name, a number or call content. Each (kind, address) is reported
 * once per interval (a day for the live agent). */
#ifndef UCF_RISK_H
#define UCF_RISK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum ucf_risk_kind {
	UCF_RISK_CLEARTEXT_SIP,
	UCF_RISK_EXPOSED_SRTP_KEYS,
	UCF_RISK_UNENCRYPTED_RTP,
	UCF_RISK_KIND_COUNT
};

struct ucf_risk {
	enum ucf_risk_kind kind;
	uint8_t family;
	uint8_t l4proto; /* IPPROTO_UDP or IPPROTO_TCP: the packet that showed the risk */
	uint8_t addr[16];
	const char *detail; /* a static string */
};

typedef void (*ucf_risk_fn)(void *arg, const struct ucf_risk *r);

struct ucf_risks;

/* cap: addresses remembered; when full, the memory is cleared (so some
 * risks are reported again early rather than memory growing). A (kind,
 * address) is remembered whatever its transport: the report names the
 * transport of the packet that showed it first in the interval. */
int ucf_risks_new(uint32_t cap, uint32_t interval_s, ucf_risk_fn fn, void *arg,
		  struct ucf_risks **out, char *err, size_t errlen);
void ucf_risks_free(struct ucf_risks *r);
void ucf_risks_note(struct ucf_risks *r, enum ucf_risk_kind kind, uint8_t family,
		    uint8_t l4proto, const uint8_t *addr, const char *detail, uint64_t now_us);
/* Erasure on request: forgets the addresses for which match(arg, family,
 * addr) is true (they may be reported again). Returns how many entries
 * went; -ENOMEM leaves the memory as it was. */
int ucf_risks_forget(struct ucf_risks *r,
		     bool (*match)(void *arg, uint8_t family, const uint8_t *addr), void *arg);
const char *ucf_risk_kind_name(enum ucf_risk_kind kind);

#endif
