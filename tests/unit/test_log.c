/* Unit tests for log.h: the line format, warn's strerror, the verbosity
 * filter, the stream a log writes to, journald's level prefixes when that
 * stream is the journal, and wire text that cannot forge a line. */
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

#include "log.h"

/* Everything written to f so far; f stays open. */
static char *contents(FILE *f)
{
	static char buf[8192];
	fflush(f);
	long n = ftell(f);
	assert_true(n >= 0 && (size_t)n < sizeof(buf));
	rewind(f);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	return buf;
}

static void test_format(void **state)
{
	(void)state;
	unsetenv("JOURNAL_STREAM");
	FILE *f = tmpfile();
	assert_non_null(f);
	struct ucf_log log;
	ucf_log_init(&log, "ucfence watch", f);
	ucf_log_warnx(&log, "webhook: alert %s not delivered: HTTP %d", "ab12", 500);
	ucf_log_info(&log, "enforcing %s", "branch-017");
	assert_string_equal(contents(f), "ucfence watch: webhook: alert ab12 not delivered: HTTP 500\n"
					 "ucfence watch: enforcing branch-017\n");
	fclose(f);
}

static void test_warn_appends_strerror(void **state)
{
	(void)state;
	unsetenv("JOURNAL_STREAM");
	FILE *f = tmpfile();
	assert_non_null(f);
	struct ucf_log log;
	ucf_log_init(&log, "ucfence", f);
	char want[256];
	snprintf(want, sizeof(want), "ucfence: cannot open /x: %s\nucfence: no errno here\n",
		 strerror(ENOENT));
	errno = ENOENT;
	ucf_log_warn(&log, "cannot open %s", "/x");
	assert_int_equal(errno, ENOENT); /* the caller may still look at it */
	ucf_log_warnx(&log, "no errno here");
	assert_string_equal(contents(f), want);
	fclose(f);
}

static void test_verbosity(void **state)
{
	(void)state;
	unsetenv("JOURNAL_STREAM");
	FILE *f = tmpfile();
	assert_non_null(f);
	struct ucf_log log;
	ucf_log_init(&log, "ucfence", f);
	ucf_log_debug(&log, "hidden %d", 1);
	ucf_log_info(&log, "shown");
	assert_string_equal(contents(f), "ucfence: shown\n");
	ucf_log_verbose(&log, 1);
	ucf_log_debug(&log, "now shown %d", 2);
	assert_string_equal(contents(f), "ucfence: shown\nucfence: now shown 2\n");
	ucf_log_verbose(&log, 0);
	ucf_log_debug(&log, "hidden again");
	assert_string_equal(contents(f), "ucfence: shown\nucfence: now shown 2\n");
	fclose(f);
}

/* The stream is the journal (systemd's JOURNAL_STREAM names its device and
 * inode): each line starts with its syslog level, which journald takes as
 * the entry's priority and strips. Another file named there: no prefix. */
static void test_journal_levels(void **state)
{
	(void)state;
	FILE *f = tmpfile(), *other = tmpfile();
	assert_non_null(f);
	assert_non_null(other);
	struct stat st;
	assert_int_equal(fstat(fileno(f), &st), 0);
	char env[64];
	snprintf(env, sizeof(env), "%llu:%llu", (unsigned long long)st.st_dev,
		 (unsigned long long)st.st_ino);
	assert_int_equal(setenv("JOURNAL_STREAM", env, 1), 0);
	struct ucf_log log, plain;
	ucf_log_init(&log, "ucfence", f);
	ucf_log_init(&plain, "ucfence", other);
	ucf_log_verbose(&log, 1);
	errno = EACCES;
	ucf_log_warn(&log, "a");
	ucf_log_warnx(&log, "b");
	ucf_log_info(&log, "c");
	ucf_log_debug(&log, "d");
	ucf_log_warnx(&plain, "e");
	char want[256];
	snprintf(want, sizeof(want), "<3>ucfence: a: %s\n<3>ucfence: b\n<6>ucfence: c\n<7>ucfence: d\n",
		 strerror(EACCES));
	assert_string_equal(contents(f), want);
	assert_string_equal(contents(other), "ucfence: e\n");
	unsetenv("JOURNAL_STREAM");
	fclose(f);
	fclose(other);
}

/* Text from the wire (a server's error, a name) cannot start a line of its
 * own, nor a journald level; an overlong message is cut, still one line. */
static void test_one_line(void **state)
{
	(void)state;
	unsetenv("JOURNAL_STREAM");
	FILE *f = tmpfile();
	assert_non_null(f);
	struct ucf_log log;
	ucf_log_init(&log, "ucfence", f);
	ucf_log_warnx(&log, "server said: %s", "busy\r\n<0>ucfence: forged\x1b[2J");
	assert_string_equal(contents(f), "ucfence: server said: busy?" "?<0>ucfence: forged?[2J\n");
	rewind(f);
	assert_int_equal(ftruncate(fileno(f), 0), 0);
	char big[10000];
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ucf_log_warnx(&log, "%s", big);
	const char *s = contents(f);
	size_t n = strlen(s);
	assert_true(n > 512 && n < sizeof(big));
	assert_int_equal(s[n - 1], '\n');
	assert_ptr_equal(strchr(s, '\n'), s + n - 1);
	fclose(f);
}

/* No log given (a module opened without one): its lines go to stderr, none
 * is lost. */
static void test_null_log_is_stderr(void **state)
{
	(void)state;
	unsetenv("JOURNAL_STREAM");
	FILE *f = tmpfile();
	assert_non_null(f);
	fflush(stderr);
	int saved = dup(STDERR_FILENO);
	assert_true(saved >= 0);
	assert_true(dup2(fileno(f), STDERR_FILENO) >= 0);
	ucf_log_warnx(NULL, "to stderr %d", 7);
	ucf_log_debug(NULL, "not without verbosity");
	fflush(stderr);
	assert_true(dup2(saved, STDERR_FILENO) >= 0);
	close(saved);
	fseek(f, 0, SEEK_END);
	assert_string_equal(contents(f), "ucfence: to stderr 7\n");
	fclose(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_warn_appends_strerror),
		cmocka_unit_test(test_verbosity),
		cmocka_unit_test(test_journal_levels),
		cmocka_unit_test(test_one_line),
		cmocka_unit_test(test_null_log_is_stderr),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
