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
#include <sys/utsname.h>

#include "enforce_fixture.h"
#include "enforcer.h"
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

	assert_int_equal(ucf_enforcer_apply(e, rs, &st, err, sizeof(err)), 0);
	assert_false(st.replaced);
	assert_true(st.messages > 40);
	assert_int_equal(st.retries, 0);
	assert_non_null(strstr(sh("nft list table inet ucfence"), "chain uc_forward"));
	assert_int_equal(ucf_enforcer_counters(e, c, err, sizeof(err)), 0);
	for (int i = 0; i < UCF_REASON_COUNT; i++)
		assert_int_equal(c[i].packets, 0);

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

static void test_media_updates(void **state)
{
	(void)state;
	struct ucf_enforcer *e = NULL;
	struct ucf_ruleset *rs = fx_ruleset(UCF_MODE_APPLIANCE);
	struct ucf_pinhole m[3] = { { .family = AF_INET, .port = 20000, .timeout_ms = 30000 },
				  { .family = AF_INET6, .port = 20002 },
				  { .family = AF_INET, .port = 20004 } };
	inet_pton(AF_INET, "10.50.0.10", m[0].addr);
	inet_pton(AF_INET6, "fd00:50::10", m[1].addr);
	inet_pton(AF_INET, "10.50.0.11", m[2].addr);
	assert_int_equal(ucf_enforcer_open(&e, err, sizeof(err)), 0);
	assert_int_equal(ucf_enforcer_apply(e, rs, NULL, err, sizeof(err)), 0);
	assert_int_equal(ucf_enforcer_media(e, m, 3, NULL, 0, err, sizeof(err)), 0);
	char *l4 = sh("nft list set inet ucfence media4");
	assert_non_null(strstr(l4, "10.50.0.10 . 20000 timeout 30s expires"));
	assert_non_null(strstr(l4, "10.50.0.11 . 20004 expires 1m")); /* the set's 120s */
	assert_non_null(strstr(sh("nft list set inet ucfence media6"), "fd00:50::10 . 20002"));
	/* Re-adding is not an error; delete+add in one call refreshes on any kernel. */
	assert_int_equal(ucf_enforcer_media(e, m, 1, NULL, 0, err, sizeof(err)), 0);
	m[0].timeout_ms = 90000;
	assert_int_equal(ucf_enforcer_media(e, m, 1, m, 1, err, sizeof(err)), 0);
	assert_non_null(strstr(sh("nft list set inet ucfence media4"), "10.50.0.10 . 20000 timeout 1m30s"));
	/* Delete. */
	assert_int_equal(ucf_enforcer_media(e, NULL, 0, m + 1, 2, err, sizeof(err)), 0);
	assert_null(strstr(sh("nft list set inet ucfence media4"), "10.50.0.11"));
	assert_null(strstr(sh("nft list set inet ucfence media6"), "fd00:50::10"));
	/* Deleting what is not there fails, names the element, changes nothing. */
	assert_int_equal(ucf_enforcer_media(e, m + 2, 1, m + 1, 1, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "kernel rejected set media6, element fd00:50::10 . 20002: "));
	assert_null(strstr(sh("nft list set inet ucfence media4"), "10.50.0.11"));
	/* 20,000 elements in one call: split over several messages. */
	struct ucf_pinhole *many = calloc(20000, sizeof(*many));
	for (size_t i = 0; i < 20000; i++) {
		many[i].family = AF_INET;
		many[i].addr[0] = 10;
		many[i].addr[1] = 60;
		many[i].addr[2] = (uint8_t)(i >> 8);
		many[i].addr[3] = (uint8_t)i;
		many[i].port = 30000;
	}
	assert_int_equal(ucf_enforcer_media(e, many, 20000, NULL, 0, err, sizeof(err)), 0);
	assert_string_equal(sh("nft list set inet ucfence media4 | grep -o '10\\.60\\.' | wc -l"),
			    "20000\n");
	free(many);
	bool existed;
	assert_int_equal(ucf_enforcer_flush(e, &existed, err, sizeof(err)), 0);
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
	assert_non_null(strstr(clean, "tcp . 5060-5061, udp . 16384-32767, udp . 5060"));
	assert_int_equal(system("nft add element inet ucfence endpoints4 '{ 192.0.2.0/24 }' && "
				"nft delete element inet ucfence uc_svc '{ udp . 5060 }' && "
				"nft add element inet ucfence uc_ifs '{ \"eth9\" }' && "
				"nft add element inet ucfence media4 '{ 10.9.9.9 . 4000 }'"),
			 0);
	assert_string_not_equal(sh(LISTING), clean);
	assert_int_equal(ucf_enforcer_apply(e, rs, &st, err, sizeof(err)), 0);
	assert_true(st.in_place);
	/* Static sets are back exactly; the learned media element stays. */
	char *now = sh("nft list table inet ucfence");
	assert_non_null(strstr(now, "10.9.9.9 . 4000"));
	assert_null(strstr(now, "192.0.2.0/24"));
	assert_null(strstr(now, "eth9"));
	assert_non_null(strstr(now, "udp . 5060"));
	assert_int_equal(system("nft delete element inet ucfence media4 '{ 10.9.9.9 . 4000 }'"), 0);
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
		cmocka_unit_test(test_media_updates),
		cmocka_unit_test(test_ownership),
		cmocka_unit_test(test_without_ownership),
		cmocka_unit_test(test_in_place_and_replace),
		cmocka_unit_test(test_rejected_element_named),
	};
	return cmocka_run_group_tests(tests, setup_netns, NULL);
}
