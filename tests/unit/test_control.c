/* Unit tests for the control socket: a served request, owner-only mode, a
 * silent client that must not stall others, the client's errors, and
 * `ucfence status` on replies that lack fields. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "commands.h"
#include "control.h"

static int answer(void *arg, const char *request, char **reply)
{
	int *served = arg;
	(*served)++;
	if (strcmp(request, "fail") == 0)
		return -EINVAL;
	return asprintf(reply, "{\"request\": \"%s\", \"served\": %d}\n", request, *served) < 0 ? -ENOMEM : 0;
}

static void test_request_reply(void **state)
{
	(void)state;
	char path[64], err[256], *reply = NULL;
	snprintf(path, sizeof(path), "/tmp/ucf-ctl-%d.sock", getpid());
	struct ucf_reactor *r;
	struct ucf_control *ctl;
	int served = 0;
	assert_int_equal(ucf_reactor_new(&r, err, sizeof(err)), 0);
	assert_int_equal(ucf_control_listen(r, path, answer, &served, &ctl, err, sizeof(err)), 0);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);

	pid_t child = fork();
	assert_true(child >= 0);
	if (child == 0) { /* the server side runs the r until killed */
		for (;;)
			ucf_reactor_dispatch(r, -1);
	}
	/* a client that connects and says nothing must not block the next one */
	int silent = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path);
	assert_int_equal(connect(silent, (struct sockaddr *)&addr, sizeof(addr)), 0);

	assert_int_equal(ucf_control_request(path, "status", &reply, err, sizeof(err)), 0);
	assert_string_equal(reply, "{\"request\": \"status\", \"served\": 1}\n");
	free(reply);
	assert_int_equal(ucf_control_request(path, "fail", &reply, err, sizeof(err)), 0);
	assert_string_equal(reply, "{\"error\": \"request failed\"}\n");
	free(reply);
	close(silent);
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	ucf_control_close(ctl);
	assert_int_equal(access(path, F_OK), -1); /* removed on close */
	ucf_reactor_free(r);
	/* nobody listening: a clear error */
	assert_int_equal(ucf_control_request(path, "status", &reply, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "cannot reach the agent"));
}

/* Every error fills the caller's message: here the client cannot even make
 * a socket (no descriptor left). */
static void test_request_error_has_message(void **state)
{
	(void)state;
	char err[256], *reply = NULL;
	struct rlimit old, low;
	memset(err, 0, sizeof(err));
	int fd = dup(0); /* the lowest free descriptor: the limit leaves none */
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
	low = old;
	low.rlim_cur = (rlim_t)fd;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
	int rc = ucf_control_request("/tmp/ucf-no-such.sock", "status", &reply, err, sizeof(err));
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);
	assert_int_equal(rc, -EMFILE);
	assert_non_null(strstr(err, "/tmp/ucf-no-such.sock"));
	assert_non_null(strstr(err, strerror(EMFILE)));
}

static int canned(void *arg, const char *request, char **reply)
{
	(void)request;
	*reply = strdup(arg);
	return *reply ? 0 : -ENOMEM;
}

/* Runs `ucfence status [--json] --control PATH` against a fake agent that
 * answers text; returns its exit status and what it printed. */
static int status_against(const char *text, bool json, char *out, size_t outlen)
{
	char path[64], err[256];
	snprintf(path, sizeof(path), "/tmp/ucf-ctl-status-%d.sock", getpid());
	struct ucf_reactor *r;
	struct ucf_control *ctl;
	assert_int_equal(ucf_reactor_new(&r, err, sizeof(err)), 0);
	assert_int_equal(ucf_control_listen(r, path, canned, (void *)text, &ctl, err, sizeof(err)), 0);
	pid_t child = fork();
	assert_true(child >= 0);
	if (child == 0) { /* serves until killed, or until a crashed test dies */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		for (;;)
			ucf_reactor_dispatch(r, -1);
	}
	char *argv[] = { "status", "--control", path, json ? "--json" : NULL, NULL };
	int argc = json ? 4 : 3;
	FILE *cap = tmpfile();
	assert_non_null(cap);
	fflush(stdout);
	int saved = dup(STDOUT_FILENO);
	dup2(fileno(cap), STDOUT_FILENO);
	int rc = cmd_status(argc, argv);
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	size_t n = 0;
	rewind(cap);
	n = fread(out, 1, outlen - 1, cap);
	out[n] = '\0';
	fclose(cap);
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	ucf_control_close(ctl);
	ucf_reactor_free(r);
	return rc;
}

/* An agent of another version, or a broken one, may leave fields out or
 * give them another type: status prints what there is and never a NULL. */
static void test_status_reply_missing_fields(void **state)
{
	(void)state;
	char out[4096];
	assert_int_equal(status_against("{}\n", false, out, sizeof(out)), 0);
	assert_null(strstr(out, "(null)"));
	assert_non_null(strstr(out, "site         ?, ? mode"));
	assert_non_null(strstr(out, "config       ?, loaded ?"));

	assert_int_equal(status_against("{\"site\": \"b17\", \"mode\": 3, \"interfaces\": "
					"{\"uc\": [\"eth1\", 7]}, \"config\": {\"path\": \"/c.yaml\", "
					"\"last_reload_error\": null}}\n",
					false, out, sizeof(out)),
			 0);
	assert_null(strstr(out, "(null)"));
	assert_non_null(strstr(out, "site         b17, ? mode"));
	assert_non_null(strstr(out, "interfaces   uc: eth1 ?  appliance: ?  wan: ?"));
	assert_non_null(strstr(out, "config       /c.yaml, loaded ?, 0 reloads (0 refused)\n"));

	/* not an object, or an error: refused with exit 1, nothing printed */
	assert_int_equal(status_against("[]\n", false, out, sizeof(out)), 1);
	assert_string_equal(out, "");
	assert_int_equal(status_against("{\"error\": \"request failed\"}\n", false, out, sizeof(out)), 1);
	/* --json passes the reply through */
	assert_int_equal(status_against("{}\n", true, out, sizeof(out)), 0);
	assert_string_equal(out, "{}\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request_reply),
		cmocka_unit_test(test_request_error_has_message),
		cmocka_unit_test(test_status_reply_missing_fields),
	};
	return cmocka_run_group_tests_name("control", tests, NULL, NULL);
}
