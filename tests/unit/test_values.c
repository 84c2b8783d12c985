/* Unit tests for the shared value grammars, at their edges. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "values.h"

static char err[256];

static void duration_ok(const char *text, uint64_t want)
{
	uint64_t s = 0;
	assert_int_equal(ucf_parse_duration(text, &s, err, sizeof(err)), 0);
	assert_int_equal(s, want);
}

static void duration_bad(const char *text, const char *msg)
{
	uint64_t s = 12345;
	assert_int_equal(ucf_parse_duration(text, &s, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, msg);
	assert_int_equal(s, 12345);
}

static void test_durations(void **state)
{
	(void)state;
	duration_ok("1s", 1);
	duration_ok("90s", 90);
	duration_ok("5m", 300);
	duration_ok("2h", 7200);
	duration_ok("30d", 2592000);
	duration_ok("3650d", 3650ULL * 86400);
	duration_ok("315360000s", 315360000);
	duration_bad("3651d", "duration '3651d' is too long (at most 3650d)");
	duration_bad("315360001s", "duration '315360001s' is too long (at most 3650d)");
	duration_bad("99999999999999999999s", "duration '99999999999999999999s' is too long (at most 3650d)");
	duration_bad("0s", "duration '0s' must be greater than zero");
	duration_bad("120", "invalid duration '120' (expected a number and a unit: 90s, 5m, 2h, 30d)");
	duration_bad("", "invalid duration '' (expected a number and a unit: 90s, 5m, 2h, 30d)");
	duration_bad("s", "invalid duration 's' (expected a number and a unit: 90s, 5m, 2h, 30d)");
	duration_bad("-5s", "invalid duration '-5s' (expected a number and a unit: 90s, 5m, 2h, 30d)");
	duration_bad("5 s", "invalid duration '5 s' (expected a number and a unit: 90s, 5m, 2h, 30d)");
	duration_bad("5ms", "invalid duration '5ms' (expected a number and a unit: 90s, 5m, 2h, 30d)");
	duration_bad("2w", "invalid duration unit in '2w' (use s, m, h or d)");
	duration_bad("1.5h", "invalid duration '1.5h' (expected a number and a unit: 90s, 5m, 2h, 30d)");
}

static void range_ok(const char *text, unsigned first, unsigned last)
{
	struct ucf_port_range r = { 0, 0 };
	assert_int_equal(ucf_parse_port_range(text, &r, err, sizeof(err)), 0);
	assert_int_equal(r.first, first);
	assert_int_equal(r.last, last);
}

static void range_bad(const char *text, const char *msg)
{
	struct ucf_port_range r = { 7, 7 };
	assert_int_equal(ucf_parse_port_range(text, &r, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, msg);
	assert_int_equal(r.first, 7);
}

static void test_port_ranges(void **state)
{
	(void)state;
	range_ok("1", 1, 1);
	range_ok("65535", 65535, 65535);
	range_ok("1-65535", 1, 65535);
	range_ok("5060-5060", 5060, 5060);
	range_ok("16384-32767", 16384, 32767);
	range_bad("0", "port out of range in '0' (1-65535)");
	range_bad("65536", "port out of range in '65536' (1-65535)");
	range_bad("1-65536", "port out of range in '1-65536' (1-65535)");
	range_bad("0-10", "port out of range in '0-10' (1-65535)");
	range_bad("32767-16384", "port range '32767-16384' is reversed (first must not exceed last)");
	range_bad("1-", "invalid port range '1-' (expected PORT or FIRST-LAST)");
	range_bad("-1", "invalid port range '-1' (expected PORT or FIRST-LAST)");
	range_bad("10-20-30", "invalid port range '10-20-30' (expected PORT or FIRST-LAST)");
	range_bad("http", "invalid port range 'http' (expected PORT or FIRST-LAST)");
	range_bad("", "invalid port range '' (expected PORT or FIRST-LAST)");
	range_bad(" 80", "invalid port range ' 80' (expected PORT or FIRST-LAST)");
}

static void test_rates(void **state)
{
	(void)state;
	struct ucf_rate r;
	assert_int_equal(ucf_parse_rate("10/second", &r, err, sizeof(err)), 0);
	assert_int_equal(r.count, 10);
	assert_int_equal(r.unit, UCF_PER_SECOND);
	assert_int_equal(ucf_parse_rate("1/day", &r, err, sizeof(err)), 0);
	assert_int_equal(r.unit, UCF_PER_DAY);
	assert_int_equal(ucf_parse_rate("4294967295/minute", &r, err, sizeof(err)), 0);
	assert_int_equal(r.count, 4294967295u);
	assert_int_equal(ucf_parse_rate("4294967296/minute", &r, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "rate '4294967296/minute' is too large");
	assert_int_equal(ucf_parse_rate("0/second", &r, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "rate '0/second' must be at least 1");
	assert_int_equal(ucf_parse_rate("10/sec", &r, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "invalid rate unit in '10/sec' (use second, minute, hour or day)");
	assert_int_equal(ucf_parse_rate("10", &r, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "invalid rate '10' (expected COUNT/UNIT, e.g. 10/second)");
}

static void test_bitrates(void **state)
{
	(void)state;
	uint64_t b;
	assert_int_equal(ucf_parse_bitrate("256kbit/s", &b, err, sizeof(err)), 0);
	assert_int_equal(b, 256000);
	assert_int_equal(ucf_parse_bitrate("2Mbit/s", &b, err, sizeof(err)), 0);
	assert_int_equal(b, 2000000);
	assert_int_equal(ucf_parse_bitrate("800bit/s", &b, err, sizeof(err)), 0);
	assert_int_equal(b, 800);
	assert_int_equal(ucf_parse_bitrate("100Gbit/s", &b, err, sizeof(err)), 0);
	assert_int_equal(ucf_parse_bitrate("101Gbit/s", &b, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "bit rate '101Gbit/s' is too large (at most 100Gbit/s)");
	assert_int_equal(ucf_parse_bitrate("0kbit/s", &b, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "bit rate '0kbit/s' must be greater than zero");
	assert_int_equal(ucf_parse_bitrate("256kbps", &b, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "invalid bit rate unit in '256kbps' (use bit/s, kbit/s, Mbit/s or "
				 "Gbit/s)");
	assert_int_equal(ucf_parse_bitrate("fast", &b, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "invalid bit rate 'fast' (expected a number and a unit: 256kbit/s, "
				 "2Mbit/s)");
}

static void prefix_ok(const char *text, int family, unsigned len, const char *formatted)
{
	struct ucf_prefix p;
	char buf[64];
	assert_int_equal(ucf_parse_prefix(text, &p, err, sizeof(err)), 0);
	assert_int_equal(p.family, family);
	assert_int_equal(p.len, len);
	ucf_prefix_format(&p, buf, sizeof(buf));
	assert_string_equal(buf, formatted);
}

static void prefix_bad(const char *text, const char *msg)
{
	struct ucf_prefix p;
	assert_int_equal(ucf_parse_prefix(text, &p, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, msg);
}

static void test_prefixes(void **state)
{
	(void)state;
	prefix_ok("10.20.0.0/24", AF_INET, 24, "10.20.0.0/24");
	prefix_ok("0.0.0.0/0", AF_INET, 0, "0.0.0.0/0");
	prefix_ok("10.1.2.3", AF_INET, 32, "10.1.2.3");
	prefix_ok("10.1.2.3/32", AF_INET, 32, "10.1.2.3");
	prefix_ok("255.255.255.255/32", AF_INET, 32, "255.255.255.255");
	prefix_ok("::/0", AF_INET6, 0, "::/0");
	prefix_ok("2001:db8::/32", AF_INET6, 32, "2001:db8::/32");
	prefix_ok("2001:DB8:0:0::/64", AF_INET6, 64, "2001:db8::/64");
	prefix_ok("2001:db8::1", AF_INET6, 128, "2001:db8::1");
	prefix_ok("fe80::/10", AF_INET6, 10, "fe80::/10");
	prefix_ok("10.0.0.0/7", AF_INET, 7, "10.0.0.0/7");
	prefix_bad("10.0.0.0/6", "prefix '10.0.0.0/6' has host bits set (did you mean 8.0.0.0/6?)");
	prefix_bad("10.20.0.1/24", "prefix '10.20.0.1/24' has host bits set (did you mean 10.20.0.0/24?)");
	prefix_bad("2001:db8::1/64", "prefix '2001:db8::1/64' has host bits set (did you mean 2001:db8::/64?)");
	prefix_bad("fe80::1/11", "prefix 'fe80::1/11' has host bits set (did you mean fe80::/11?)");
	prefix_bad("10.0.0.0/33", "invalid prefix length in '10.0.0.0/33' (0-32)");
	prefix_bad("::/129", "invalid prefix length in '::/129' (0-128)");
	prefix_bad("10.0.0.0/", "invalid prefix length in '10.0.0.0/' (0-32)");
	prefix_bad("10.0.0.0/-1", "invalid prefix length in '10.0.0.0/-1' (0-32)");
	prefix_bad("10.0.0.0/24x", "invalid prefix length in '10.0.0.0/24x' (0-32)");
	prefix_bad("10.0.0.256", "invalid address or prefix '10.0.0.256'");
	prefix_bad("10.0.0", "invalid address or prefix '10.0.0'");
	prefix_bad("fe80::1%eth0", "invalid address or prefix 'fe80::1%eth0'");
	prefix_bad("", "invalid address or prefix ''");
	prefix_bad("eth0", "invalid address or prefix 'eth0'");
}

static void test_addresses(void **state)
{
	(void)state;
	struct ucf_prefix a;
	assert_int_equal(ucf_parse_address("10.40.0.2", &a, err, sizeof(err)), 0);
	assert_int_equal(a.len, 32);
	assert_int_equal(ucf_parse_address("2001:db8::2", &a, err, sizeof(err)), 0);
	assert_int_equal(a.len, 128);
	assert_int_equal(ucf_parse_address("10.40.0.0/24", &a, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "'10.40.0.0/24' is a prefix; an address is expected here");
	assert_int_equal(ucf_parse_address("10.40.0.999", &a, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "invalid IP address '10.40.0.999'");
}

static void test_ifnames(void **state)
{
	(void)state;
	assert_int_equal(ucf_check_ifname("eth0", err, sizeof(err)), 0);
	assert_int_equal(ucf_check_ifname("enp0s31f6.100", err, sizeof(err)), 0);
	assert_int_equal(ucf_check_ifname("abcdefghijklmno", err, sizeof(err)), 0); /* 15 */
	assert_int_equal(ucf_check_ifname("abcdefghijklmnop", err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "interface name 'abcdefghijklmnop' is longer than 15 characters");
	assert_int_equal(ucf_check_ifname("", err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "interface name is empty");
	assert_int_equal(ucf_check_ifname("..", err, sizeof(err)), -EINVAL);
	assert_int_equal(ucf_check_ifname("eth/1", err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "invalid character in interface name 'eth/1'");
	assert_int_equal(ucf_check_ifname("eth 1", err, sizeof(err)), -EINVAL);
	assert_int_equal(ucf_check_ifname("eth0:1", err, sizeof(err)), -EINVAL);
}

static struct ucf_prefix P(const char *text)
{
	struct ucf_prefix p;
	assert_int_equal(ucf_parse_prefix(text, &p, err, sizeof(err)), 0);
	return p;
}

static void test_overlap(void **state)
{
	(void)state;
	struct ucf_prefix a = P("10.0.0.0/8"), b = P("10.20.0.0/24"), c = P("11.0.0.0/8");
	struct ucf_prefix d = P("::/0"), e = P("10.20.0.255"), f = P("10.20.1.0");
	assert_true(ucf_prefix_overlaps(&a, &b));
	assert_true(ucf_prefix_overlaps(&b, &a));
	assert_true(ucf_prefix_contains(&a, &b));
	assert_false(ucf_prefix_contains(&b, &a));
	assert_false(ucf_prefix_overlaps(&a, &c));
	assert_false(ucf_prefix_overlaps(&a, &d)); /* families never overlap */
	assert_true(ucf_prefix_contains(&b, &e));
	assert_false(ucf_prefix_contains(&b, &f));
	struct ucf_prefix g = P("10.0.0.0/7"), h = P("11.1.0.0/16");
	assert_true(ucf_prefix_contains(&g, &h)); /* a partial-byte mask */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_durations), cmocka_unit_test(test_port_ranges),
		cmocka_unit_test(test_rates),     cmocka_unit_test(test_bitrates),
		cmocka_unit_test(test_prefixes),
		cmocka_unit_test(test_addresses), cmocka_unit_test(test_ifnames),
		cmocka_unit_test(test_overlap),
	};
	return cmocka_run_group_tests_name("values", tests, NULL, NULL);
}
