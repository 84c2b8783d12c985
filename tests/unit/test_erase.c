/* Unit tests for erasure on request: parsing the argument, semantic matching
 * of addresses and MACs in records (never by substring), and the atomic
 * rewrite of JSON-lines files and JSON documents. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "erase.h"
#include "statefile.h"

static char dir[64], path[128], err[512];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/ucf-erase-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof(path), "%s/alerts.jsonl", dir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd);
}

static struct ucf_erase_target target(const char *text)
{
	struct ucf_erase_target t;
	assert_int_equal(ucf_erase_parse(text, &t, err, sizeof(err)), 0);
	return t;
}

static bool names(const char *text, const char *what)
{
	struct ucf_erase_target t = target(what);
	return ucf_erase_text_names(text, &t);
}

static void test_parse(void **state)
{
	(void)state;
	struct ucf_erase_target t;
	assert_int_equal(ucf_erase_parse("10.0.0.1", &t, err, sizeof(err)), 0);
	assert_int_equal(t.kind, UCF_ERASE_IP);
	assert_int_equal(t.family, AF_INET);
	assert_string_equal(ucf_erase_kind_text(&t), "an IPv4 address");
	assert_int_equal(ucf_erase_parse("2001:DB8::1", &t, err, sizeof(err)), 0);
	assert_int_equal(t.family, AF_INET6);
	assert_string_equal(ucf_erase_kind_text(&t), "an IPv6 address");
	/* an IPv4-mapped address is the IPv4 one */
	assert_int_equal(ucf_erase_parse("::ffff:10.0.0.1", &t, err, sizeof(err)), 0);
	assert_int_equal(t.family, AF_INET);
	assert_int_equal(ucf_erase_parse("AA-bb-CC-dd-EE-ff", &t, err, sizeof(err)), 0);
	assert_int_equal(t.kind, UCF_ERASE_MAC);
	assert_string_equal(ucf_erase_kind_text(&t), "a MAC");
	assert_memory_equal(t.mac, "\xaa\xbb\xcc\xdd\xee\xff", 6);
	const char *bad[] = { "", "10.0.0", "10.0.0.256", "10.0.0.1/32", "10.0.0.1:5060",
			      "phone-1", "aa:bb:cc:dd:ee", "aa:bb:cc:dd:ee:fg", "*", "10.0.0.1 " };
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		assert_int_equal(ucf_erase_parse(bad[i], &t, err, sizeof(err)), -EINVAL);
		assert_non_null(strstr(err, "neither"));
	}
}

static void test_ipv4_is_not_a_substring(void **state)
{
	(void)state;
	assert_true(names("10.0.0.1", "10.0.0.1"));
	assert_false(names("10.0.0.10", "10.0.0.1"));
	assert_false(names("110.0.0.1", "10.0.0.1"));
	assert_false(names("10.0.0.1.5", "10.0.0.1"));
	assert_true(names("Dropped non-target traffic: 3 packets from 10.0.0.1 udp/5060 on uc0",
			  "10.0.0.1"));
	assert_false(names("Dropped non-target traffic: 3 packets from 10.0.0.10 udp/5060 on uc0",
			   "10.0.0.1"));
	/* with a port, a prefix length, brackets, punctuation, a range */
	assert_true(names("peer 10.0.0.1:5060 answered", "10.0.0.1"));
	assert_true(names("host 10.0.0.1/32", "10.0.0.1"));
	assert_true(names("endpoint (10.0.0.1).", "10.0.0.1"));
	assert_true(names("\"10.0.0.1\",", "10.0.0.1"));
	assert_true(names("range 10.0.0.5-10.0.0.1", "10.0.0.1"));
	assert_false(names("range 10.0.0.5-10.0.0.10", "10.0.0.1"));
	assert_false(names("no address here, 5060 and 10 and 0.1", "10.0.0.1"));
	/* the IPv4-mapped form of the same host */
	assert_true(names("from ::ffff:10.0.0.1 on uc0", "10.0.0.1"));
	assert_true(names("from 10.0.0.1 on uc0", "::ffff:10.0.0.1"));
}

static void test_ipv6_forms(void **state)
{
	(void)state;
	assert_true(names("from 2001:db8::1 on uc0", "2001:db8::1"));
	assert_true(names("from 2001:DB8:0:0:0:0:0:1 on uc0", "2001:db8::1"));
	assert_true(names("from 2001:0db8::0001", "2001:DB8::1"));
	assert_true(names("[2001:db8::1]:5061", "2001:db8::1"));
	assert_true(names("fe80::1%uc0 said", "fe80::1"));
	assert_false(names("from 2001:db8::10 on uc0", "2001:db8::1"));
	assert_false(names("from 2001:db8::1:0 on uc0", "2001:db8::1"));
	/* an IPv4 address is not an IPv6 one */
	assert_false(names("from 10.0.0.1", "::a00:1"));
}

static void test_mac_case_and_form(void **state)
{
	(void)state;
	assert_true(names("client aa:bb:cc:dd:ee:ff joined", "AA:BB:CC:DD:EE:FF"));
	assert_true(names("client AA:BB:CC:DD:EE:FF joined", "aa:bb:cc:dd:ee:ff"));
	assert_true(names("client aa-bb-cc-dd-ee-ff joined", "aa:bb:cc:dd:ee:ff"));
	assert_true(names("client aabb.ccdd.eeff joined", "aa:bb:cc:dd:ee:ff"));
	assert_false(names("client aa:bb:cc:dd:ee:f0 joined", "aa:bb:cc:dd:ee:ff"));
	assert_false(names("client aa:bb:cc:dd:ee:ff:00 joined", "aa:bb:cc:dd:ee:ff"));
	/* a MAC is never an address and the other way round */
	struct ucf_erase_target t = target("aa:bb:cc:dd:ee:ff");
	uint8_t a[16] = { 10, 0, 0, 1 };
	assert_false(ucf_erase_addr_is(&t, AF_INET, a));
}

static void test_addr_is(void **state)
{
	(void)state;
	struct ucf_erase_target t = target("10.0.0.1");
	uint8_t a[16] = { 10, 0, 0, 1 }, b[16] = { 10, 0, 0, 10 }, m[16] = { 0 };
	m[10] = m[11] = 0xff;
	m[12] = 10;
	m[15] = 1;
	assert_true(ucf_erase_addr_is(&t, AF_INET, a));
	assert_false(ucf_erase_addr_is(&t, AF_INET, b));
	assert_true(ucf_erase_addr_is(&t, AF_INET6, m));
	struct ucf_erase_target six = target("2001:db8::1");
	uint8_t s[16];
	assert_int_equal(inet_pton(AF_INET6, "2001:0db8:0::0:1", s), 1);
	assert_true(ucf_erase_addr_is(&six, AF_INET6, s));
	assert_false(ucf_erase_addr_is(&six, AF_INET, s));
}

static void test_json_keys_and_values(void **state)
{
	(void)state;
	struct ucf_erase_target t = target("10.0.0.1");
	json_t *v = json_pack("{s:s, s:{s:[s, i]}}", "kind", "non-target", "details", "list",
			      "10.0.0.10", 5);
	assert_false(ucf_erase_json_names(v, &t));
	json_object_set_new(json_object_get(v, "details"), "10.0.0.1", json_true());
	assert_true(ucf_erase_json_names(v, &t)); /* as an object key */
	json_decref(v);
	v = json_pack("{s:[s]}", "x", "seen at 10.0.0.1:5060");
	assert_true(ucf_erase_json_names(v, &t));
	json_decref(v);
}

static void write_file(const char *p, const char *text)
{
	assert_int_equal(ucf_atomic_write(p, text, strlen(text), 0640, err, sizeof(err)), 0);
}

static char *read_all(const char *p)
{
	char *buf;
	size_t len;
	assert_int_equal(ucf_read_file(p, 1 << 20, &buf, &len, err, sizeof(err)), 0);
	return buf;
}

#define MIXED                                                                              \
	"{\"id\":\"1\",\"summary\":\"3 packets from 10.0.0.1 on uc0\",\"details\":{\"source\":" \
	"\"10.0.0.1\"}}\n"                                                                     \
	"{\"id\":\"2\",\"summary\":\"3 packets from 10.0.0.10 on uc0\",\"details\":{\"source\":" \
	"\"10.0.0.10\"}}\n"                                                                    \
	"{\"id\":\"3\",\"summary\":\"endpoint 2001:db8::1\",\"details\":{\"endpoint\":"          \
	"\"2001:DB8:0::1\"}}\n"                                                                \
	"{\"id\":\"4\",\"summary\":\"client AA:BB:CC:DD:EE:FF\",\"details\":{}}\n"                \
	"{\"id\":\"5\",\"summary\":\"capture by admin\",\"details\":{}}\n"

static void test_jsonl_rewrite(void **state)
{
	(void)state;
	size_t removed = 99;
	struct ucf_erase_target t = target("10.0.0.1");
	/* no file: nothing to remove */
	assert_int_equal(ucf_erase_jsonl(path, &t, 0640, &removed, err, sizeof(err)), 0);
	assert_int_equal(removed, 0);
	write_file(path, MIXED);
	struct stat before, after;
	assert_int_equal(stat(path, &before), 0);
	/* nothing matches: the file is not rewritten */
	struct ucf_erase_target none = target("192.0.2.1");
	assert_int_equal(ucf_erase_jsonl(path, &none, 0640, &removed, err, sizeof(err)), 0);
	assert_int_equal(removed, 0);
	assert_int_equal(stat(path, &after), 0);
	assert_int_equal(before.st_ino, after.st_ino);

	assert_int_equal(ucf_erase_jsonl(path, &t, 0640, &removed, err, sizeof(err)), 0);
	assert_int_equal(removed, 1);
	char *text = read_all(path);
	assert_null(strstr(text, "\"id\":\"1\""));
	assert_non_null(strstr(text, "\"id\":\"2\"")); /* 10.0.0.10 stays */
	assert_non_null(strstr(text, "\"id\":\"5\""));
	free(text);
	assert_int_equal(stat(path, &after), 0);
	assert_int_equal(after.st_mode & 0777, 0640);

	struct ucf_erase_target six = target("2001:db8:0:0::1");
	assert_int_equal(ucf_erase_jsonl(path, &six, 0640, &removed, err, sizeof(err)), 0);
	assert_int_equal(removed, 1);
	struct ucf_erase_target mac = target("aa-bb-cc-dd-ee-ff");
	assert_int_equal(ucf_erase_jsonl(path, &mac, 0640, &removed, err, sizeof(err)), 0);
	assert_int_equal(removed, 1);
	text = read_all(path);
	assert_string_equal(text, "{\"id\":\"2\",\"summary\":\"3 packets from 10.0.0.10 on uc0\","
				  "\"details\":{\"source\":\"10.0.0.10\"}}\n"
				  "{\"id\":\"5\",\"summary\":\"capture by admin\",\"details\":{}}\n");
	free(text);
	/* no temporary is left behind */
	char cmd[160];
	snprintf(cmd, sizeof(cmd), "test $(ls %s | wc -l) = 1", dir);
	assert_int_equal(system(cmd), 0);

	/* everything (a purge), and a line that is not JSON goes too */
	write_file(path, MIXED "not json\n");
	assert_int_equal(ucf_erase_jsonl(path, NULL, 0600, &removed, err, sizeof(err)), 0);
	assert_int_equal(removed, 6);
	text = read_all(path);
	assert_string_equal(text, "");
	free(text);
}

static void test_json_doc(void **state)
{
	(void)state;
	json_error_t je;
	json_t *doc = json_loads("{\"version\":1,\"organization_id\":\"10.0.0.1\","
				 "\"seen\":{\"a|10.0.0.1\":5,\"b|10.0.0.10\":6},"
				 "\"pending\":[{\"ip\":\"10.0.0.1\"},{\"ip\":\"10.0.0.2\"}],"
				 "\"captures\":{\"c1\":{\"filter\":\"host 10.0.0.1\"},\"c2\":{}}}",
				 0, &je);
	assert_non_null(doc);
	struct ucf_erase_target t = target("10.0.0.1");
	assert_int_equal(ucf_erase_json_doc(doc, &t), 3);
	char *text = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);
	assert_string_equal(text, "{\"captures\":{\"c2\":{}},\"organization_id\":\"10.0.0.1\","
				  "\"pending\":[{\"ip\":\"10.0.0.2\"}],\"seen\":{\"b|10.0.0.10\":6},"
				  "\"version\":1}");
	free(text);
	json_decref(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_ipv4_is_not_a_substring),
		cmocka_unit_test(test_ipv6_forms),
		cmocka_unit_test(test_mac_case_and_form),
		cmocka_unit_test(test_addr_is),
		cmocka_unit_test(test_json_keys_and_values),
		cmocka_unit_test_setup_teardown(test_jsonl_rewrite, setup, teardown),
		cmocka_unit_test(test_json_doc),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
