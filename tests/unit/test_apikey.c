/* Unit tests for loading the API key: file modes (0600 and 0640 accepted,
 * anything with a bit of 0137 refused), the file's owner (root or the user
 * reading it), the environment, malformed keys, and messages that never
 * contain the key. */
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

#include "apikey.h"

#define KEY "0123456789abcdef0123456789abcdef01234567"

static char path[64], err[1024];
static struct ucf_config cfg;

static int setup(void **state)
{
	(void)state;
	snprintf(path, sizeof(path), "/tmp/ucf-key-XXXXXX");
	int fd = mkstemp(path);
	if (fd < 0)
		return -1;
	close(fd);
	memset(&cfg, 0, sizeof(cfg));
	cfg.meraki.api_key_file = path;
	unsetenv("MERAKI_DASHBOARD_API_KEY");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(path);
	return 0;
}

static void write_key(const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	assert_int_equal(chmod(path, mode), 0);
}

static void test_modes(void **state)
{
	(void)state;
	static const struct {
		mode_t mode;
		int rc;
	} cases[] = {
		{ 0600, 0 }, { 0640, 0 }, { 0400, 0 }, { 0440, 0 },
		{ 0644, -EACCES }, { 0660, -EACCES }, { 0604, -EACCES }, { 0700, -EACCES },
		{ 0650, -EACCES }, { 0641, -EACCES }, { 0666, -EACCES },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *key = NULL;
		write_key(KEY "\n", cases[i].mode);
		int rc = ucf_apikey_load(&cfg, &key, err, sizeof(err));
		if (rc != cases[i].rc)
			fail_msg("mode %04o: got %d, wanted %d (%s)", (unsigned)cases[i].mode, rc,
				 cases[i].rc, err);
		if (rc == 0) {
			assert_string_equal(key, KEY);
		} else {
			assert_non_null(strstr(err, "is too open"));
			assert_null(strstr(err, KEY));
			assert_null(key);
		}
		ucf_apikey_free(key);
	}
}

static void test_malformed(void **state)
{
	(void)state;
	char *key = NULL;
	write_key("", 0600);
	assert_int_equal(ucf_apikey_load(&cfg, &key, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "empty"));
	write_key("abc\r\nX-Injected: 1\n", 0600);
	assert_int_equal(ucf_apikey_load(&cfg, &key, err, sizeof(err)), -EINVAL);
	assert_null(strstr(err, "abc"));
	assert_null(strstr(err, "Injected"));
	char big[400];
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	write_key(big, 0600);
	assert_int_equal(ucf_apikey_load(&cfg, &key, err, sizeof(err)), -EINVAL);
	assert_null(strstr(err, "aaaa"));
	write_key("  " KEY "  \n", 0600); /* leading spaces are not trimmed: refused */
	assert_int_equal(ucf_apikey_load(&cfg, &key, err, sizeof(err)), -EINVAL);
	unlink(path);
	assert_int_equal(ucf_apikey_load(&cfg, &key, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "cannot open"));
	assert_null(key);
}

static void test_environment(void **state)
{
	(void)state;
	char *key = NULL;
	cfg.meraki.api_key_file = NULL;
	assert_int_equal(ucf_apikey_load(&cfg, &key, err, sizeof(err)), -ENOENT);
	setenv("MERAKI_DASHBOARD_API_KEY", KEY, 1);
	assert_int_equal(ucf_apikey_load(&cfg, &key, err, sizeof(err)), 0);
	assert_string_equal(key, KEY);
	ucf_apikey_free(key);
	key = NULL;
	setenv("MERAKI_DASHBOARD_API_KEY", "a b", 1);
	assert_int_equal(ucf_apikey_load(&cfg, &key, err, sizeof(err)), -EINVAL);
	assert_null(strstr(err, "a b"));
	/* the file wins when both are set */
	cfg.meraki.api_key_file = path;
	write_key("fromfile\n", 0600);
	setenv("MERAKI_DASHBOARD_API_KEY", KEY, 1);
	assert_int_equal(ucf_apikey_load(&cfg, &key, err, sizeof(err)), 0);
	assert_string_equal(key, "fromfile");
	ucf_apikey_free(key);
	unsetenv("MERAKI_DASHBOARD_API_KEY");
}

/* Another user owning the key file could have written it (a key of their
 * choosing, or a mode they widen at will): only root or the user ucfence
 * runs as may own it. */
static void test_owner(void **state)
{
	(void)state;
	char *key = NULL;
	write_key(KEY "\n", 0600);
	assert_int_equal(chown(path, 0, 0), 0);
	assert_int_equal(ucf_apikey_load(&cfg, &key, err, sizeof(err)), 0);
	ucf_apikey_free(key);
	key = NULL;
	assert_int_equal(chown(path, geteuid(), 0), 0);
	assert_int_equal(ucf_apikey_load(&cfg, &key, err, sizeof(err)), 0);
	ucf_apikey_free(key);
	key = NULL;
	/* the tests run as root: 65534 (nobody) is neither */
	assert_int_equal(chown(path, 65534, 0), 0);
	assert_int_equal(ucf_apikey_load(&cfg, &key, err, sizeof(err)), -EACCES);
	assert_null(key);
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, "owned by uid 65534"));
	assert_null(strstr(err, KEY));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_modes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_owner, setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_environment, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
