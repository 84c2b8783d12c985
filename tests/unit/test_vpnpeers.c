/* Unit tests for the learned AutoVPN peers: the checks on what the API
 * hands over, the cap, ageing (last known good), the elements' timeouts and
 * the state file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "enforce_fixture.h"
#include "vpnpeers.h"

static char err[512];

static struct ucf_prefix addr(const char *t)
{
	return fx_prefix(t);
}

static void test_check(void **state)
{
	(void)state;
	struct fixture f;
	char why[160];
	fx_init(&f, UCF_MODE_CONCENTRATOR); /* E 10.20/24, S 10.50.0/24, R 10.50/16, A 10.40.0.2 */
	static const char *const good[] = { "203.0.113.20", "198.51.100.7", "8.8.4.4",
					    "2001:db8::7", "2a00:1450::1" };
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		struct ucf_prefix a = addr(good[i]);
		if (ucf_vpn_peer_check(&f.cfg, &a, why, sizeof(why)) != 0)
			fail_msg("%s refused: %s", good[i], why);
	}
	static const struct {
		const char *a, *why;
	} bad[] = {
		{ "10.1.2.3", "10.1.2.3: not a global unicast address" },
		{ "192.168.1.1", "192.168.1.1: not a global unicast address" },
		{ "172.20.0.1", "172.20.0.1: not a global unicast address" },
		{ "100.64.0.1", "100.64.0.1: not a global unicast address" },
		{ "127.0.0.1", "127.0.0.1: not a global unicast address" },
		{ "169.254.1.1", "169.254.1.1: not a global unicast address" },
		{ "224.0.0.5", "224.0.0.5: not a global unicast address" },
		{ "255.255.255.255", "255.255.255.255: not a global unicast address" },
		{ "0.0.0.0", "0.0.0.0: not a global unicast address" },
		{ "::1", "::1: not a global unicast address" },
		{ "fe80::1", "fe80::1: not a global unicast address" },
		{ "fd00:20::5", "fd00:20::5: not a global unicast address" },
		{ "ff02::1", "ff02::1: not a global unicast address" },
		{ "::ffff:8.8.8.8", "::ffff:8.8.8.8: not a global unicast address" },
		{ "203.0.113.0/24", "203.0.113.0/24: not a single address" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct ucf_prefix a = addr(bad[i].a);
		assert_int_equal(ucf_vpn_peer_check(&f.cfg, &a, why, sizeof(why)), -EINVAL);
		assert_string_equal(why, bad[i].why);
	}
	/* the appliance itself and the site's own ranges, made public for the test */
	f.cfg.appliance.address = addr("203.0.113.2");
	fx_list(&f.cfg.uc.endpoints, &f.E, (const char *const[]){ "198.51.100.0/28" }, 1);
	fx_list(&f.cfg.uc.servers, &f.S, (const char *const[]){ "198.51.100.64/28" }, 1);
	fx_list(&f.cfg.appliance.remote_subnets, &f.R, (const char *const[]){ "2001:db8:5::/48" }, 1);
	struct ucf_prefix a = addr("203.0.113.2");
	assert_int_equal(ucf_vpn_peer_check(&f.cfg, &a, why, sizeof(why)), -EINVAL);
	assert_string_equal(why, "203.0.113.2: the appliance itself");
	a = addr("198.51.100.5");
	assert_int_equal(ucf_vpn_peer_check(&f.cfg, &a, why, sizeof(why)), -EINVAL);
	assert_string_equal(why, "198.51.100.5: inside the endpoints (E)");
	a = addr("198.51.100.70");
	assert_int_equal(ucf_vpn_peer_check(&f.cfg, &a, why, sizeof(why)), -EINVAL);
	assert_string_equal(why, "198.51.100.70: inside the servers (S)");
	a = addr("2001:db8:5::9");
	assert_int_equal(ucf_vpn_peer_check(&f.cfg, &a, why, sizeof(why)), -EINVAL);
	assert_string_equal(why, "2001:db8:5::9: inside the remote subnets (R)");
	fx_free(&f);
}

static const struct ucf_vpn_peer *peer(const struct ucf_vpnpeers *p, const char *t)
{
	struct ucf_prefix a = addr(t);
	for (size_t i = 0; i < p->count; i++)
		if (memcmp(&p->items[i].addr, &a, sizeof(a)) == 0)
			return &p->items[i];
	return NULL;
}

/* A peer gone from a successful fetch ages out after the timeout; the ones
 * listed are re-armed in full; hostile entries are counted, not kept. */
static void test_learn_and_age(void **state)
{
	(void)state;
	struct fixture f;
	struct ucf_vpnpeers p = { 0 };
	char why[160];
	fx_init(&f, UCF_MODE_APPLIANCE);
	f.cfg.appliance.vpn_peer_timeout_s = 100;
	const char *first[] = { "203.0.113.20", "203.0.113.21", "10.0.0.1", "not an address",
				NULL, "203.0.113.20", "10.40.0.2" };
	assert_int_equal(ucf_vpnpeers_learn(&p, &f.cfg, first, 7, 1000, why, sizeof(why)), 0);
	assert_int_equal(p.count, 2);
	assert_int_equal(p.refused, 4); /* private, garbage, missing, A (a duplicate is no refusal) */
	assert_string_equal(why, "10.0.0.1: not a global unicast address");
	assert_true(peer(&p, "203.0.113.21")->current);
	assert_int_equal(p.learned_at, 1000);

	/* .21 is gone from the next fetch: it ages from 1000 */
	const char *second[] = { "203.0.113.20" };
	assert_int_equal(ucf_vpnpeers_learn(&p, &f.cfg, second, 1, 1040, why, sizeof(why)), 0);
	assert_int_equal(p.count, 2);
	assert_false(peer(&p, "203.0.113.21")->current);
	assert_int_equal(peer(&p, "203.0.113.21")->last_seen, 1000);
	struct ucf_prefix addrs[4];
	uint64_t tmo[4];
	assert_int_equal(ucf_vpnpeers_elements(&p, &f.cfg, 1060, addrs, tmo), 2);
	for (size_t i = 0; i < 2; i++) {
		char t[64];
		ucf_prefix_format(&addrs[i], t, sizeof(t));
		if (strcmp(t, "203.0.113.20") == 0)
			assert_int_equal(tmo[i], 100000); /* current: the full timeout */
		else
			assert_int_equal(tmo[i], 40000); /* 1000 + 100 - 1060 */
	}
	/* what the status counts as in the sets: both until .21's timeout
	 * (1000 + 100), then only the current one */
	assert_int_equal(ucf_vpnpeers_live(&p, &f.cfg, 1099), 2);
	assert_int_equal(ucf_vpnpeers_live(&p, &f.cfg, 1100), 1);
	assert_int_equal(ucf_vpnpeers_live(&p, &f.cfg, 5000), 1);
	/* the watcher failing (no fetch): the current peer stays armed, the
	 * other runs out */
	assert_int_equal(ucf_vpnpeers_elements(&p, &f.cfg, 5000, addrs, tmo), 1);
	assert_int_equal(tmo[0], 100000);
	ucf_vpnpeers_prune(&p, &f.cfg, 1100);
	assert_int_equal(p.count, 1);
	assert_null(peer(&p, "203.0.113.21"));
	/* an empty successful fetch: nothing is current any more */
	assert_int_equal(ucf_vpnpeers_learn(&p, &f.cfg, NULL, 0, 1100, why, sizeof(why)), 0);
	assert_int_equal(p.count, 1);
	assert_false(p.items[0].current);
	assert_int_equal(ucf_vpnpeers_elements(&p, &f.cfg, 1110, addrs, tmo), 1);
	assert_int_equal(tmo[0], 30000); /* last listed at 1040 */
	assert_int_equal(ucf_vpnpeers_live(&p, &f.cfg, 1139), 1);
	assert_int_equal(ucf_vpnpeers_live(&p, &f.cfg, 1140), 0);
	/* ... and it goes with the next fetch after its timeout */
	assert_int_equal(ucf_vpnpeers_learn(&p, &f.cfg, NULL, 0, 1140, why, sizeof(why)), 0);
	assert_int_equal(p.count, 0);
	ucf_vpnpeers_clear(&p);
	fx_free(&f);
}

static void test_cap(void **state)
{
	(void)state;
	struct fixture f;
	struct ucf_vpnpeers p = { 0 };
	fx_init(&f, UCF_MODE_APPLIANCE);
	size_t n = UCF_VPN_PEERS_MAX + 10;
	char(*text)[32] = calloc(n, sizeof(*text));
	const char **list = calloc(n, sizeof(*list));
	assert_non_null(text);
	assert_non_null(list);
	for (size_t i = 0; i < n; i++) {
		snprintf(text[i], sizeof(text[i]), "198.51.%zu.%zu", 100 + i / 250, 1 + i % 250);
		list[i] = text[i];
	}
	assert_int_equal(ucf_vpnpeers_learn(&p, &f.cfg, list, n, 10, NULL, 0), 0);
	assert_int_equal(p.count, UCF_VPN_PEERS_MAX);
	assert_int_equal(p.over_cap, 10);
	free(text);
	free(list);
	ucf_vpnpeers_clear(&p);
	fx_free(&f);
}

static void test_state_file(void **state)
{
	(void)state;
	struct fixture f;
	struct ucf_vpnpeers p = { 0 }, q = { 0 };
	char dir[] = "/tmp/ucf-vpnpeers-XXXXXX", path[128];
	size_t dropped = 0;
	assert_non_null(mkdtemp(dir));
	fx_init(&f, UCF_MODE_APPLIANCE);
	f.cfg.appliance.vpn_peer_timeout_s = 100;
	/* absent: nothing, no error */
	assert_int_equal(ucf_vpnpeers_load(&q, &f.cfg, dir, 0, &dropped, err, sizeof(err)), 0);
	assert_int_equal(q.count, 0);
	const char *a[] = { "203.0.113.20", "203.0.113.21" }, *b[] = { "203.0.113.20" };
	assert_int_equal(ucf_vpnpeers_learn(&p, &f.cfg, a, 2, 1000, NULL, 0), 0);
	assert_int_equal(ucf_vpnpeers_learn(&p, &f.cfg, b, 1, 1050, NULL, 0), 0);
	assert_int_equal(ucf_vpnpeers_save(&p, dir, err, sizeof(err)), 0);
	snprintf(path, sizeof(path), "%s/%s", dir, UCF_VPNPEERS_FILE);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(ucf_vpnpeers_load(&q, &f.cfg, dir, 1060, &dropped, err, sizeof(err)), 0);
	assert_int_equal(q.count, 2);
	assert_int_equal(dropped, 0);
	assert_true(peer(&q, "203.0.113.20")->current);
	assert_false(peer(&q, "203.0.113.21")->current);
	assert_int_equal(q.learned_at, 1050);
	/* later the non-current one has expired; a hostile file is checked too */
	FILE *fp = fopen(path, "w");
	assert_non_null(fp);
	fputs("{\"version\":1,\"learned_at\":1050,\"peers\":["
	      "{\"address\":\"203.0.113.20\",\"last_seen\":1050,\"current\":true},"
	      "{\"address\":\"203.0.113.21\",\"last_seen\":1000,\"current\":false},"
	      "{\"address\":\"192.168.0.1\",\"last_seen\":1050,\"current\":true},"
	      "{\"address\":17,\"last_seen\":1050,\"current\":true},"
	      "{\"address\":\"203.0.113.20\",\"last_seen\":1050,\"current\":true}]}", fp);
	fclose(fp);
	assert_int_equal(ucf_vpnpeers_load(&q, &f.cfg, dir, 1200, &dropped, err, sizeof(err)), 0);
	assert_int_equal(q.count, 1);
	assert_int_equal(dropped, 4);
	assert_true(peer(&q, "203.0.113.20")->current);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs("[1,2]", fp);
	fclose(fp);
	assert_int_equal(ucf_vpnpeers_load(&q, &f.cfg, dir, 1200, &dropped, err, sizeof(err)), -EINVAL);
	assert_int_equal(q.count, 1); /* untouched */
	unlink(path);
	rmdir(dir);
	ucf_vpnpeers_clear(&p);
	ucf_vpnpeers_clear(&q);
	fx_free(&f);
}

/* A state file is hostile too: times at the ends of the integer range must
 * not overflow the age arithmetic (which would keep an expired peer armed). */
static void test_state_file_extreme_times(void **state)
{
	(void)state;
	struct fixture f;
	struct ucf_vpnpeers q = { 0 };
	char dir[] = "/tmp/ucf-vpnpeers-XXXXXX", path[128];
	size_t dropped = 0;
	assert_non_null(mkdtemp(dir));
	fx_init(&f, UCF_MODE_APPLIANCE);
	f.cfg.appliance.vpn_peer_timeout_s = 100;
	snprintf(path, sizeof(path), "%s/%s", dir, UCF_VPNPEERS_FILE);
	FILE *fp = fopen(path, "w");
	assert_non_null(fp);
	fputs("{\"version\":1,\"learned_at\":-9223372036854775808,\"peers\":["
	      "{\"address\":\"203.0.113.20\",\"last_seen\":-9223372036854775808,\"current\":false},"
	      "{\"address\":\"203.0.113.21\",\"last_seen\":9223372036854775807,\"current\":false},"
	      "{\"address\":\"203.0.113.22\",\"last_seen\":-9223372036854775808,\"current\":true}]}",
	      fp);
	fclose(fp);
	assert_int_equal(ucf_vpnpeers_load(&q, &f.cfg, dir, 1200, &dropped, err, sizeof(err)), 0);
	/* the ancient non-current one has expired; the future one is now */
	assert_null(peer(&q, "203.0.113.20"));
	assert_non_null(peer(&q, "203.0.113.21"));
	assert_int_equal(peer(&q, "203.0.113.21")->last_seen, 1200);
	assert_int_equal(dropped, 1);
	struct ucf_prefix addrs[3];
	uint64_t tmo[3];
	size_t n = ucf_vpnpeers_elements(&q, &f.cfg, 1200, addrs, tmo);
	assert_int_equal(n, 2);
	for (size_t i = 0; i < n; i++)
		assert_true(tmo[i] <= 100000);
	/* a later learn ages the current one from its (clamped) time */
	const char *none[] = { "203.0.113.30" };
	assert_int_equal(ucf_vpnpeers_learn(&q, &f.cfg, none, 1, 1250, NULL, 0), 0);
	assert_null(peer(&q, "203.0.113.22"));
	unlink(path);
	rmdir(dir);
	ucf_vpnpeers_clear(&q);
	fx_free(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_learn_and_age),
		cmocka_unit_test(test_cap),
		cmocka_unit_test(test_state_file),
		cmocka_unit_test(test_state_file_extreme_times),
	};
	return cmocka_run_group_tests_name("vpnpeers", tests, NULL, NULL);
}
