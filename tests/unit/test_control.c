/* Unit tests for the control socket: a served request, owner-only mode, a
 * silent client that must not stall others, and the client's errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

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

int main(void)
{
	const struct CMUnitTest tests[] = { cmocka_unit_test(test_request_reply) };
	return cmocka_run_group_tests_name("control", tests, NULL, NULL);
}
