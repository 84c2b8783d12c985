/* Tests of the enforcer against the real kernel, inside a private network
 * namespace this process creates (unshare), so nothing outside it is ever
 * touched: apply/re-apply, counters, live media updates, table ownership
 * between two sockets, and a rejected element named in the error. Needs
 * root (CAP_NET_ADMIN); without it the tests fail, they do not skip. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "enforce_fixture.h"
#include "enforcer.h"
#include "nft_text.h"
#include "policy.h"

#ifndef NFT_TABLE_F_PERSIST
#define NFT_TABLE_F_PERSIST 0x4
#endif
#define NFT_TABLE_F_OWNER_ 0x2

static char err[2048];

static int setup_netns(void **state)
{
	(void)state;
	if (unshare(CLONE_NEWNET) < 0) {
		fprintf(stderr, "unshare(CLONE_NEWNET): %s: these tests need root\n", strerror(errno));
		return -1;
	}
	return 0;
}

/* Output of a shell command run in this namespace. */
static char *sh(const char *cmd)
{
	static char out[1 << 16];
	FILE *p = popen(cmd, "r");
	size_t n = p ? fread(out, 1, sizeof(out) - 1, p) : 0;
	out[n] = '\0';
	if (p)
		pclose(p);
	return out;
}

static bool persist_kernel(void)
{
	struct utsname u;
	int ma = 0, mi = 0;
	uname(&u);
	sscanf(u.release, "%d.%d", &ma, &mi);
	return ma > 6 || (ma == 6 && mi >= 9);
}

static void test_open_probes_ownership(void **state)
{
	(void)state;
	struct ucf_enforcer *e = NULL;
	assert_int_equal(ucf_enforcer_open(&e, err, sizeof(err)), 0);
	if (persist_kernel()) {
		assert_int_equal(ucf_enforcer_table_flags(e), NFT_TABLE_F_OWNER_ | NFT_TABLE_F_PERSIST);
		assert_string_equal(ucf_enforcer_ownership(e), "owner,persist");
	} else {
		assert_int_equal(ucf_enforcer_table_flags(e), 0);
	}
	/* The probe left nothing behind. */
	assert_string_equal(sh("nft list tables"), "");
	ucf_enforcer_close(e);
}

static void test_apply_reapply_counters_flush(void **state)
{
	(void)state;
	struct ucf_enforcer *e = NULL;
	struct ucf_apply_stats st;
	struct ucf_counter c[UCF_REASON_COUNT];
	bool existed = true;
	struct ucf_ruleset *rs = fx_ruleset(UCF_MODE_CONCENTRATOR);
	assert_int_equal(ucf_enforcer_open(&e, err, sizeof(err)), 0);
	assert_int_equal(ucf_enforcer_counters(e, c, err, sizeof(err)), -ENOENT);
	struct ucf_counter up = { 1, 1 };
	assert_int_equal(ucf_enforcer_counter(e, UCF_COUNTER_UPLOAD, &up, err, sizeof(err)), -ENOENT);

	assert_int_equal(ucf_enforcer_apply(e, rs, &st, err, sizeof(err)), 0);
	assert_false(st.replaced);
	assert_true(st.messages > 40);
	assert_int_equal(st.retries, 0);
	assert_non_null(strstr(sh("nft list table inet ucfence"), "chain uc_forward"));
	assert_int_equal(ucf_enforcer_counters(e, c, err, sizeof(err)), 0);
	for (int i = 0; i < UCF_REASON_COUNT; i++)
		assert_int_equal(c[i].packets, 0);
	assert_int_equal(ucf_enforcer_counter(e, UCF_COUNTER_UPLOAD, &up, err, sizeof(err)), 0);
	assert_int_equal(up.packets, 0);
	assert_int_equal(up.bytes, 0);
	assert_int_equal(ucf_enforcer_counter(e, "no-such-counter", &up, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "reading counter no-such-counter of table inet ucfence"));

	assert_int_equal(ucf_enforcer_apply(e, rs, &st, err, sizeof(err)), 0);
	assert_true(st.replaced);
	assert_int_equal(ucf_enforcer_flush(e, &existed, err, sizeof(err)), 0);
	assert_true(existed);
	assert_string_equal(sh("nft list tables"), "");
	assert_int_equal(ucf_enforcer_flush(e, &existed, err, sizeof(err)), 0);
	assert_false(existed);
	ucf_enforcer_close(e);
	ucf_ruleset_free(rs);
}

/* One counter read by name gives what the kernel holds (a table without
 * an owner, so nft may set a counter's values). */
static void test_counter_by_name(void **state)
{
	(void)state;
	struct ucf_enforcer *e;
	struct ucf_apply_stats st;
	struct ucf_counter up;
	struct ucf_ruleset *rs = fx_ruleset(UCF_MODE_APPLIANCE);
	assert_int_equal(ucf_enforcer_open(&e, err, sizeof(err)), 0);
	assert_int_equal(ucf_enforcer_set_ownership(e, false), 0);
	assert_int_equal(ucf_enforcer_apply(e, rs, &st, err, sizeof(err)), 0);
	sh("nft add counter inet ucfence probe-counter packets 7 bytes 4242");
	assert_int_equal(ucf_enforcer_counter(e, "probe-counter", &up, err, sizeof(err)), 0);
	assert_int_equal(up.packets, 7);
	assert_int_equal(up.bytes, 4242);
	sh("nft delete counter inet ucfence probe-counter");
	assert_int_equal(ucf_enforcer_counter(e, "probe-counter", &up, err, sizeof(err)), -ENOENT);
	bool existed;
	assert_int_equal(ucf_enforcer_flush(e, &existed, err, sizeof(err)), 0);
	ucf_enforcer_close(e);
	ucf_ruleset_free(rs);
}

/* Seconds left before the element named elem expires in listing (parsed
 * from nft's "expires 59m59s996ms"), or -1. The listing may come in the same
 * jiffy as the add ("expires 1h") or later, so tests check a range. */
static double expires_s(const char *listing, const char *elem)
{
	const char *p = strstr(listing, elem);
	if (!p || !(p = strstr(p + strlen(elem), "expires ")) || strcspn(p, ",}\n") < 8)
		return -1;
	p += 8;
	double total = 0;
	while (*p >= '0' && *p <= '9') {
		char *end;
		double v = strtod(p, &end);
		if (strncmp(end, "ms", 2) == 0)
			total += v / 1000, end += 2;
		else if (*end == 'h')
			total += v * 3600, end++;
		else if (*end == 'm')
			total += v * 60, end++;
		else if (*end == 's')
			total += v, end++;
		else
			return -1;
		p = end;
	}
	return total;
}

static void test_media_updates(void **state)
{
	(void)state;
	struct ucf_enforcer *e = NULL;
	struct ucf_ruleset *rs = fx_ruleset(UCF_MODE_APPLIANCE);
	struct ucf_pinhole m[3] = { { .family = AF_INET, .port = 20000, .timeout_ms = 30000 },
				  { .family = AF_INET6, .port = 20002 },
				  { .family = AF_INET, .port = 20004 } };
	inet_pton(AF_INET, "10.20.0.10", m[0].peer);
	inet_pton(AF_INET, "10.50.0.10", m[0].addr);
	inet_pton(AF_INET6, "fd00:20::10", m[1].peer);
	inet_pton(AF_INET6, "fd00:50::10", m[1].addr);
	inet_pton(AF_INET, "10.20.0.11", m[2].peer);
	inet_pton(AF_INET, "10.50.0.11", m[2].addr);
	assert_int_equal(ucf_enforcer_open(&e, err, sizeof(err)), 0);
	assert_int_equal(ucf_enforcer_apply(e, rs, NULL, err, sizeof(err)), 0);
	assert_int_equal(ucf_enforcer_media(e, m, 3, NULL, 0, err, sizeof(err)), 0);
	char *l4 = sh("nft list set inet ucfence media4");
	assert_non_null(strstr(l4, "10.20.0.10 . 10.50.0.10 . 20000 timeout 30s expires"));
	double left = expires_s(l4, "10.20.0.11 . 10.50.0.11 . 20004"); /* the set's 120s */
	assert_true(left > 100 && left <= 120);
	assert_non_null(strstr(sh("nft list set inet ucfence media6"),
			       "fd00:20::10 . fd00:50::10 . 20002"));
	/* Re-adding is not an error; delete+add in one call refreshes on any kernel. */
	assert_int_equal(ucf_enforcer_media(e, m, 1, NULL, 0, err, sizeof(err)), 0);
	m[0].timeout_ms = 90000;
	assert_int_equal(ucf_enforcer_media(e, m, 1, m, 1, err, sizeof(err)), 0);
	assert_non_null(strstr(sh("nft list set inet ucfence media4"),
			       "10.20.0.10 . 10.50.0.10 . 20000 timeout 1m30s"));
	/* The peer is part of the key: the same endpoint for another peer is
	 * another element, and deleting it leaves the first. */
	struct ucf_pinhole other = m[0];
	inet_pton(AF_INET, "10.20.0.99", other.peer);
	assert_int_equal(ucf_enforcer_media(e, &other, 1, NULL, 0, err, sizeof(err)), 0);
	assert_int_equal(ucf_enforcer_media(e, NULL, 0, &other, 1, err, sizeof(err)), 0);
	l4 = sh("nft list set inet ucfence media4");
	assert_null(strstr(l4, "10.20.0.99"));
	assert_non_null(strstr(l4, "10.20.0.10 . 10.50.0.10 . 20000"));
	/* Delete. */
	assert_int_equal(ucf_enforcer_media(e, NULL, 0, m + 1, 2, err, sizeof(err)), 0);
	assert_null(strstr(sh("nft list set inet ucfence media4"), "10.50.0.11"));
	assert_null(strstr(sh("nft list set inet ucfence media6"), "fd00:50::10"));
	/* Deleting what is not there fails with ENOENT (the agent retries on
	 * it), names the element, changes nothing. */
	assert_int_equal(ucf_enforcer_media(e, m + 2, 1, m + 1, 1, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "kernel rejected set media6, element fd00:20::10 . fd00:50::10 . 20002: "));
	assert_null(strstr(sh("nft list set inet ucfence media4"), "10.50.0.11"));
	/* Another peer for a pinhole that is there is not there. */
	assert_int_equal(ucf_enforcer_media(e, NULL, 0, &other, 1, err, sizeof(err)), -ENOENT);
	/* 20,000 elements in one call: split over several messages. */
	struct ucf_pinhole *many = calloc(20000, sizeof(*many));
	for (size_t i = 0; i < 20000; i++) {
		many[i].family = AF_INET;
		many[i].addr[0] = 10;
		many[i].addr[1] = 60;
		many[i].addr[2] = (uint8_t)(i >> 8);
		many[i].addr[3] = (uint8_t)i;
		many[i].peer[0] = 10;
		many[i].peer[3] = 1;
		many[i].port = 30000;
	}
	assert_int_equal(ucf_enforcer_media(e, many, 20000, NULL, 0, err, sizeof(err)), 0);
	assert_string_equal(sh("nft list set inet ucfence media4 | grep -o '10\\.60\\.' | wc -l"),
			    "20000\n");
	free(many);
	bool existed;
	assert_int_equal(ucf_enforcer_flush(e, &existed, err, sizeof(err)), 0);
	/* No table: the update fails, ENOENT. */
	assert_int_equal(ucf_enforcer_media(e, m, 1, NULL, 0, err, sizeof(err)), -ENOENT);
	ucf_enforcer_close(e);
	ucf_ruleset_free(rs);
}

static struct ucf_block block(int family, int proto, const char *src, uint16_t sport,
			      const char *dst, uint16_t dport)
{
	struct ucf_block b = { .family = (uint8_t)family, .l4proto = (uint8_t)proto,
			       .sport = sport, .dport = dport };
	inet_pton(family, src, b.src);
	inet_pton(family, dst, b.dst);
	return b;
}

static void test_block_updates(void **state)
{
	(void)state;
	struct ucf_enforcer *e = NULL;
	struct ucf_ruleset *rs = fx_ruleset(UCF_MODE_CONCENTRATOR);
	struct ucf_block b[2] = {
		block(AF_INET, IPPROTO_TCP, "10.20.0.10", 40000, "10.50.0.10", 5060),
		block(AF_INET6, IPPROTO_UDP, "fd00:20::10", 5004, "fd00:50::10", 5060),
	};
	bool existed;
	assert_int_equal(ucf_enforcer_open(&e, err, sizeof(err)), 0);
	assert_int_equal(ucf_enforcer_apply(e, rs, NULL, err, sizeof(err)), 0);
	assert_int_equal(ucf_enforcer_block(e, b, 2, err, sizeof(err)), 0);
	/* Both directions, with the sets' timeout of an hour. */
	char *l = sh("nft list set inet ucfence block4");
	assert_non_null(strstr(l, "timeout 1h\n"));
	double left = expires_s(l, "tcp . 10.20.0.10 . 40000 . 10.50.0.10 . 5060");
	assert_true(left > 3500 && left <= 3600);
	left = expires_s(l, "tcp . 10.50.0.10 . 5060 . 10.20.0.10 . 40000");
	assert_true(left > 3500 && left <= 3600);
	l = sh("nft list set inet ucfence block6");
	assert_non_null(strstr(l, "udp . fd00:20::10 . 5004 . fd00:50::10 . 5060 expires"));
	assert_non_null(strstr(l, "udp . fd00:50::10 . 5060 . fd00:20::10 . 5004 expires"));
	/* Re-adding is not an error. */
	assert_int_equal(ucf_enforcer_block(e, b, 2, err, sizeof(err)), 0);
	assert_int_equal(ucf_enforcer_block(e, NULL, 0, err, sizeof(err)), 0);
	/* What the block sets cannot hold is refused before anything is sent. */
	struct ucf_block bad[2] = { block(AF_INET, IPPROTO_TCP, "10.20.0.11", 1, "10.50.0.11", 2),
				    block(AF_INET, IPPROTO_ICMP, "10.20.0.11", 0, "10.50.0.11", 0) };
	assert_int_equal(ucf_enforcer_block(e, bad, 2, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "block update: element 1: blocked flow: protocol 1 is neither TCP nor UDP");
	bad[1] = bad[0];
	bad[1].family = AF_UNIX;
	assert_int_equal(ucf_enforcer_block(e, bad, 2, err, sizeof(err)), -EINVAL);
	assert_null(strstr(sh("nft list set inet ucfence block4"), "10.20.0.11"));
	assert_int_equal(ucf_enforcer_flush(e, &existed, err, sizeof(err)), 0);
	assert_int_equal(ucf_enforcer_block(e, b, 1, err, sizeof(err)), -ENOENT);
	assert_string_equal(err, "block update: kernel rejected elements of set block4: No such file "
				 "or directory; nothing was changed");
	ucf_enforcer_close(e);
	ucf_ruleset_free(rs);
}

static void test_ownership(void **state)
{
	(void)state;
	struct ucf_enforcer *a = NULL, *b = NULL;
	struct ucf_ruleset *rs = fx_ruleset(UCF_MODE_CONCENTRATOR);
	bool existed;
	assert_int_equal(ucf_enforcer_open(&a, err, sizeof(err)), 0);
	assert_int_equal(ucf_enforcer_open(&b, err, sizeof(err)), 0);
	assert_int_equal(ucf_enforcer_apply(a, rs, NULL, err, sizeof(err)), 0);
	if (!persist_kernel()) {
		/* No ownership: another socket may replace it. */
		assert_int_equal(ucf_enforcer_apply(b, rs, NULL, err, sizeof(err)), 0);
		goto out;
	}
	/* While a lives, the table is its own: b cannot replace or delete it,
	 * and neither can nft. */
	assert_int_equal(ucf_enforcer_apply(b, rs, NULL, err, sizeof(err)), -EBUSY);
	assert_non_null(strstr(err, "owned by another running process"));
	assert_int_equal(ucf_enforcer_flush(b, &existed, err, sizeof(err)), -EBUSY);
	assert_int_not_equal(system("nft delete table inet ucfence 2>/dev/null"), 0);
	/* a goes (as a crash would): the table stays, orphaned, and b adopts it. */
	ucf_enforcer_close(a);
	a = NULL;
	assert_non_null(strstr(sh("nft list table inet ucfence"), "chain uc_forward"));
	assert_int_equal(ucf_enforcer_apply(b, rs, NULL, err, sizeof(err)), 0);
	assert_int_not_equal(system("nft delete table inet ucfence 2>/dev/null"), 0);
out:
	assert_int_equal(ucf_enforcer_flush(b, &existed, err, sizeof(err)), 0);
	ucf_enforcer_close(a);
	ucf_enforcer_close(b);
	ucf_ruleset_free(rs);
}

/* The Debian 12 (Linux 6.1) behaviour, forced on this kernel: no ownership
 * flags, so anyone may replace or delete the table, and an owned table left
 * by an earlier run is replaced all the same. */
static void test_without_ownership(void **state)
{
	(void)state;
	struct ucf_enforcer *a = NULL, *b = NULL;
	struct ucf_ruleset *rs = fx_ruleset(UCF_MODE_APPLIANCE);
	bool existed;
	assert_int_equal(ucf_enforcer_open(&a, err, sizeof(err)), 0);
	assert_int_equal(ucf_enforcer_open(&b, err, sizeof(err)), 0);
	if (persist_kernel()) {
		assert_int_equal(ucf_enforcer_apply(a, rs, NULL, err, sizeof(err)), 0); /* owned */
		ucf_enforcer_close(a);                                               /* orphaned */
		assert_int_equal(ucf_enforcer_open(&a, err, sizeof(err)), 0);
	} else {
		assert_int_equal(ucf_enforcer_set_ownership(a, true), -EOPNOTSUPP);
	}
	assert_int_equal(ucf_enforcer_set_ownership(a, false), 0);
	assert_int_equal(ucf_enforcer_set_ownership(b, false), 0);
	assert_string_equal(ucf_enforcer_ownership(a), persist_kernel() ? "none"
		: "none (kernel lacks NFT_TABLE_F_PERSIST)");
	assert_int_equal(ucf_enforcer_apply(a, rs, NULL, err, sizeof(err)), 0);
	assert_int_equal(ucf_enforcer_apply(b, rs, NULL, err, sizeof(err)), 0);
	assert_int_equal(ucf_enforcer_apply(a, rs, NULL, err, sizeof(err)), 0);
	ucf_enforcer_close(a);
	assert_non_null(strstr(sh("nft list table inet ucfence"), "chain uc_forward"));
	assert_int_equal(system("nft delete table inet ucfence"), 0);
	assert_int_equal(ucf_enforcer_flush(b, &existed, err, sizeof(err)), 0);
	assert_false(existed);
	ucf_enforcer_close(b);
	ucf_ruleset_free(rs);
}

/* The table's listing with element lists sorted (a concatenated interval
 * set lists in insertion order). */
#define LISTING                                                                          \
	"nft list table inet ucfence | perl -0pe 's#elements = \\{([^}]*)\\}#join(\", \", " \
	"sort map { s/^\\s+|\\s+\\z//gr } split(/,/, $1))#ge'"

/* Re-apply repairs tampering with elements in place; a table of another
 * shape (an extra chain) is replaced whole. */
static void test_in_place_and_replace(void **state)
{
	(void)state;
	struct ucf_enforcer *e = NULL;
	struct ucf_apply_stats st;
	struct ucf_ruleset *rs = fx_ruleset(UCF_MODE_CONCENTRATOR);
	bool existed;
	assert_int_equal(ucf_enforcer_open(&e, err, sizeof(err)), 0);
	assert_int_equal(ucf_enforcer_set_ownership(e, false), 0); /* let nft tamper */
	assert_int_equal(ucf_enforcer_apply(e, rs, &st, err, sizeof(err)), 0);
	assert_false(st.in_place);
	char *clean = strdup(sh(LISTING));
	assert_non_null(strstr(clean, "chain uc_forward"));
	assert_non_null(strstr(clean, "tcp . 5060-5061, udp . 5060"));
	assert_non_null(strstr(strstr(clean, "set static_media"), "udp . 16384-32767"));
	assert_int_equal(system("nft add element inet ucfence endpoints4 '{ 192.0.2.0/24 }' && "
				"nft delete element inet ucfence uc_svc '{ udp . 5060 }' && "
				"nft add element inet ucfence uc_ifs '{ \"eth9\" }' && "
				"nft add element inet ucfence media4 '{ 10.8.8.8 . 10.9.9.9 . 4000 }' && "
				"nft add element inet ucfence block4 '{ tcp . 10.7.7.7 . 1 . 10.9.9.9 . 2 }'"),
			 0);
	assert_string_not_equal(sh(LISTING), clean);
	assert_int_equal(ucf_enforcer_apply(e, rs, &st, err, sizeof(err)), 0);
	assert_true(st.in_place);
	/* Static sets are back exactly; the learned media and block elements stay. */
	char *now = sh("nft list table inet ucfence");
	assert_non_null(strstr(now, "10.8.8.8 . 10.9.9.9 . 4000"));
	assert_non_null(strstr(now, "tcp . 10.7.7.7 . 1 . 10.9.9.9 . 2"));
	assert_null(strstr(now, "192.0.2.0/24"));
	assert_null(strstr(now, "eth9"));
	assert_non_null(strstr(now, "udp . 5060"));
	assert_int_equal(system("nft delete element inet ucfence media4 '{ 10.8.8.8 . 10.9.9.9 . 4000 }' && "
				"nft delete element inet ucfence block4 '{ tcp . 10.7.7.7 . 1 . 10.9.9.9 . 2 }'"),
			 0);
	assert_string_equal(sh(LISTING), clean);

	assert_int_equal(system("nft add chain inet ucfence extra"), 0);
	assert_int_equal(ucf_enforcer_apply(e, rs, &st, err, sizeof(err)), 0);
	assert_false(st.in_place);
	assert_true(st.replaced);
	assert_string_equal(sh(LISTING), clean);
	free(clean);
	assert_int_equal(ucf_enforcer_flush(e, &existed, err, sizeof(err)), 0);
	ucf_enforcer_close(e);
	ucf_ruleset_free(rs);
}

/* The agent carries its blocks (and media) in the model: an in-place
 * re-apply keeps every block element, and a whole replacement brings the
 * carried ones back (and only those). */
static void test_blocks_carried_across_apply(void **state)
{
	(void)state;
	struct ucf_enforcer *e = NULL;
	struct ucf_apply_stats st;
	struct ucf_ruleset *rs = fx_ruleset(UCF_MODE_APPLIANCE);
	struct ucf_block carried = block(AF_INET, IPPROTO_TCP, "10.21.0.10", 40000, "198.51.100.10",
					 5061);
	struct ucf_block live_only = block(AF_INET6, IPPROTO_UDP, "fd00:21::10", 5004,
					   "2001:db8:80::10", 5060);
	struct ucf_pinhole m = { .family = AF_INET, .port = 20000 };
	inet_pton(AF_INET, "198.51.100.10", m.peer);
	inet_pton(AF_INET, "10.21.0.10", m.addr);
	bool existed;
	assert_int_equal(ucf_ruleset_add_blocks(rs, &carried, 1, err, sizeof(err)), 0);
	assert_int_equal(ucf_ruleset_add_media(rs, &m, 1, err, sizeof(err)), 0);
	assert_int_equal(ucf_enforcer_open(&e, err, sizeof(err)), 0);
	assert_int_equal(ucf_enforcer_set_ownership(e, false), 0); /* let nft change the shape */
	assert_int_equal(ucf_enforcer_apply(e, rs, &st, err, sizeof(err)), 0);
	assert_false(st.replaced);
	assert_int_equal(ucf_enforcer_block(e, &live_only, 1, err, sizeof(err)), 0);
	const char *c1 = "tcp . 10.21.0.10 . 40000 . 198.51.100.10 . 5061";
	const char *c2 = "tcp . 198.51.100.10 . 5061 . 10.21.0.10 . 40000";
	const char *l1 = "udp . fd00:21::10 . 5004 . 2001:db8:80::10 . 5060";

	assert_int_equal(ucf_enforcer_apply(e, rs, &st, err, sizeof(err)), 0);
	assert_true(st.in_place);
	char *now = sh("nft list table inet ucfence");
	assert_non_null(strstr(now, c1));
	assert_non_null(strstr(now, c2));
	assert_non_null(strstr(now, l1)); /* never pruned in place */
	assert_non_null(strstr(now, "198.51.100.10 . 10.21.0.10 . 20000"));

	assert_int_equal(system("nft add chain inet ucfence extra"), 0);
	assert_int_equal(ucf_enforcer_apply(e, rs, &st, err, sizeof(err)), 0);
	assert_false(st.in_place);
	assert_true(st.replaced);
	now = sh("nft list table inet ucfence");
	assert_non_null(strstr(now, c1));
	assert_non_null(strstr(now, c2));
	assert_null(strstr(now, l1));
	assert_non_null(strstr(now, "198.51.100.10 . 10.21.0.10 . 20000"));
	assert_int_equal(ucf_enforcer_flush(e, &existed, err, sizeof(err)), 0);
	ucf_enforcer_close(e);
	ucf_ruleset_free(rs);
}

/* The kernel's view: a table installed by the batch lists exactly as the
 * text installed by nft -f, media and block elements included. */
static void test_batch_lists_as_text(void **state)
{
	(void)state;
	struct ucf_enforcer *e = NULL;
	struct ucf_ruleset *rs = fx_ruleset(UCF_MODE_CONCENTRATOR);
	struct ucf_block b[2] = {
		block(AF_INET, IPPROTO_TCP, "10.20.0.10", 40000, "10.50.0.10", 5060),
		block(AF_INET6, IPPROTO_UDP, "fd00:20::10", 5004, "fd00:50::10", 5060),
	};
	struct ucf_pinhole m[2] = { { .family = AF_INET, .port = 20000, .timeout_ms = 30000 },
				    { .family = AF_INET6, .port = 20002 } };
	inet_pton(AF_INET, "10.50.0.10", m[0].peer);
	inet_pton(AF_INET, "10.20.0.10", m[0].addr);
	inet_pton(AF_INET6, "fd00:50::10", m[1].peer);
	inet_pton(AF_INET6, "fd00:20::10", m[1].addr);
	assert_int_equal(ucf_ruleset_add_blocks(rs, b, 2, err, sizeof(err)), 0);
	assert_int_equal(ucf_ruleset_add_media(rs, m, 2, err, sizeof(err)), 0);
	bool existed;
	assert_int_equal(ucf_enforcer_open(&e, err, sizeof(err)), 0);
	assert_int_equal(ucf_enforcer_set_ownership(e, false), 0);
	assert_int_equal(ucf_enforcer_apply(e, rs, NULL, err, sizeof(err)), 0);
	char *batch = strdup(sh(LISTING " | perl -pe 's/ expires [0-9hms]+//g'"));
	assert_int_equal(ucf_enforcer_flush(e, &existed, err, sizeof(err)), 0);
	FILE *f = popen("nft -f -", "w");
	assert_non_null(f);
	assert_int_equal(ucf_nft_text(rs, f), 0);
	assert_int_equal(pclose(f), 0);
	char *text = sh(LISTING " | perl -pe 's/ expires [0-9hms]+//g'");
	assert_non_null(strstr(batch, "tcp . 10.50.0.10 . 5060 . 10.20.0.10 . 40000"));
	assert_non_null(strstr(batch, "fd00:50::10 . fd00:20::10 . 20002"));
	assert_string_equal(batch, text);
	free(batch);
	assert_int_equal(system("nft delete table inet ucfence"), 0);
	ucf_enforcer_close(e);
	ucf_ruleset_free(rs);
}

static void test_rejected_element_named(void **state)
{
	(void)state;
	struct ucf_enforcer *e = NULL;
	struct ucf_ruleset *good = fx_ruleset(UCF_MODE_CONCENTRATOR);
	struct ucf_ruleset *bad = fx_ruleset(UCF_MODE_CONCENTRATOR);
	assert_int_equal(ucf_enforcer_open(&e, err, sizeof(err)), 0);
	assert_int_equal(ucf_enforcer_apply(e, good, NULL, err, sizeof(err)), 0);
	char *before = strdup(sh("nft -a list ruleset"));
	/* A port range running backwards: the kernel refuses that element. */
	struct ucf_set *svc = (struct ucf_set *)ucf_ruleset_set(bad, "uc_svc");
	svc->elems[1].port = 6000;
	svc->elems[1].port_end = 5000;
	assert_true(ucf_enforcer_apply(e, bad, NULL, err, sizeof(err)) < 0);
	assert_non_null(strstr(err, "kernel rejected set uc_svc, element udp . 6000-5000: "));
	assert_non_null(strstr(err, "nothing was changed"));
	assert_string_equal(sh("nft -a list ruleset"), before);
	free(before);
	bool existed;
	assert_int_equal(ucf_enforcer_flush(e, &existed, err, sizeof(err)), 0);
	ucf_enforcer_close(e);
	ucf_ruleset_free(good);
	ucf_ruleset_free(bad);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_probes_ownership),
		cmocka_unit_test(test_apply_reapply_counters_flush),
		cmocka_unit_test(test_counter_by_name),
		cmocka_unit_test(test_media_updates),
		cmocka_unit_test(test_block_updates),
		cmocka_unit_test(test_ownership),
		cmocka_unit_test(test_without_ownership),
		cmocka_unit_test(test_in_place_and_replace),
		cmocka_unit_test(test_blocks_carried_across_apply),
		cmocka_unit_test(test_batch_lists_as_text),
		cmocka_unit_test(test_rejected_element_named),
	};
	return cmocka_run_group_tests(tests, setup_netns, NULL);
}
