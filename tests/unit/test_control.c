/* Unit tests for the control socket: a served request, owner-only mode, a
 * silent client that must not stall others, the client's errors, and
 * `ucfence status` on a full reply and on replies that lack fields. */
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
#include "status.h"
#include "status_fixture.h"

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

/* Reads what was written to the temporary file f. */
static void slurp(FILE *f, char *out, size_t outlen)
{
	rewind(f);
	size_t n = fread(out, 1, outlen - 1, f);
	out[n] = '\0';
	fclose(f);
}

/* Runs `ucfence status [--json] --control PATH` against a fake agent that
 * answers text; returns its exit status and what it printed on stdout and
 * stderr. */
static int status_against(const char *text, bool json, char *out, size_t outlen, char *errout,
			  size_t errlen)
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
	FILE *cap = tmpfile(), *ecap = tmpfile();
	assert_non_null(cap);
	assert_non_null(ecap);
	fflush(stdout);
	fflush(stderr);
	int saved = dup(STDOUT_FILENO), esaved = dup(STDERR_FILENO);
	dup2(fileno(cap), STDOUT_FILENO);
	dup2(fileno(ecap), STDERR_FILENO);
	int rc = cmd_status(argc, argv);
	fflush(stdout);
	fflush(stderr);
	dup2(saved, STDOUT_FILENO);
	dup2(esaved, STDERR_FILENO);
	close(saved);
	close(esaved);
	slurp(cap, out, outlen);
	slurp(ecap, errout, errlen);
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	ucf_control_close(ctl);
	ucf_reactor_free(r);
	return rc;
}

/* The fixture's status as the agent sends it; free() it. */
static char *full_reply(void)
{
	struct ucf_status s;
	assert_int_equal(status_fixture(&s), 0);
	json_t *j = ucf_status_to_json(&s);
	assert_non_null(j);
	char *text = json_dumps(j, JSON_INDENT(2));
	assert_non_null(text);
	json_decref(j);
	ucf_status_clear(&s);
	char *reply = NULL;
	assert_true(asprintf(&reply, "%s\n", text) > 0);
	free(text);
	return reply;
}

/* The reply without the member at a dotted path, or with it set to v. */
static char *edited_reply(const char *path, json_t *v)
{
	char *full = full_reply(), key[64];
	json_error_t jerr;
	json_t *j = json_loads(full, 0, &jerr), *o = j;
	assert_non_null(j);
	free(full);
	const char *p = path, *dot;
	while ((dot = strchr(p, '.'))) {
		snprintf(key, sizeof(key), "%.*s", (int)(dot - p), p);
		o = json_object_get(o, key);
		p = dot + 1;
	}
	if (v)
		json_object_set_new(o, p, v);
	else
		json_object_del(o, p);
	char *text = json_dumps(j, 0);
	assert_non_null(text);
	json_decref(j);
	return text;
}

static void test_status_prints_every_section(void **state)
{
	(void)state;
	static char out[8192], eout[1024];
	char *reply = full_reply();
	assert_int_equal(status_against(reply, false, out, sizeof(out), eout, sizeof(eout)), 0);
	assert_string_equal(eout, "");
	assert_non_null(strstr(out, "site         b17, appliance mode, up 1000s, table ownership "
				    "owner,persist\n"));
	assert_non_null(strstr(out, "interfaces   uc: eth1 eth2  appliance: eth0  wan: wan0\n"));
	assert_non_null(strstr(out, "drops        non-target-uc                  1002 packets "
				    "        1003 bytes\n"));
	assert_non_null(strstr(out, "\nmedia        "));
	assert_non_null(strstr(out, "\nlearning     "));
	assert_non_null(strstr(out, "\nverdicts     "));
	assert_non_null(strstr(out, "\nflows        "));
	assert_non_null(strstr(out, "\nstreams      1028 of 1030 bytes buffered (peak 1029), 1031 "
				    "evicted, 1032 refused\n"));
	assert_non_null(strstr(out, "\nfragments    1033 seen, 1034 reassembled, 1035 dropped (1036 "
				    "evicted), 1037 of 1038 bytes buffered\n"));
	assert_non_null(strstr(out, "\nconfig       /etc/ucfence/b17.yaml, loaded 2023-11-14T22:13:20Z, "
				    "1042 reloads (1043 refused): b17.yaml:3: unknown key \"x\"\n"));
	/* --json passes a valid reply through as it came */
	assert_int_equal(status_against(reply, true, out, sizeof(out), eout, sizeof(eout)), 0);
	assert_string_equal(out, reply);
	free(reply);
}

/* An agent of another version, or a broken one, may leave fields out or
 * give them another type: status refuses the reply, naming the field, and
 * prints nothing else (it used to print NULL strings, or crash). */
static void test_status_reply_missing_fields(void **state)
{
	(void)state;
	char out[4096], eout[1024];
	assert_int_equal(status_against("{}\n", false, out, sizeof(out), eout, sizeof(eout)), 1);
	assert_string_equal(out, "");
	assert_string_equal(eout, "ucfence status: unexpected answer from the agent: site is "
				  "missing\n");
	assert_int_equal(status_against("{}\n", true, out, sizeof(out), eout, sizeof(eout)), 1);
	assert_string_equal(out, "");

	assert_int_equal(status_against("{\"site\": \"b17\", \"mode\": 3, \"interfaces\": "
					"{\"uc\": [\"eth1\", 7]}, \"config\": {\"path\": \"/c.yaml\", "
					"\"last_reload_error\": null}}\n",
					false, out, sizeof(out), eout, sizeof(eout)),
			 1);
	assert_string_equal(out, "");
	assert_non_null(strstr(eout, "mode: expected a string, not an integer"));

	static const char *const gone[] = { "media.latency_us.p99", "config.last_reload_error",
					    "streams.budget", "fragments.evicted", "site" };
	for (size_t i = 0; i < sizeof(gone) / sizeof(gone[0]); i++) {
		char *reply = edited_reply(gone[i], NULL);
		for (int json = 0; json < 2; json++) {
			assert_int_equal(status_against(reply, json, out, sizeof(out), eout,
							 sizeof(eout)),
					 1);
			assert_string_equal(out, "");
			assert_non_null(strstr(eout, gone[i]));
			assert_non_null(strstr(eout, "is missing"));
		}
		free(reply);
	}
	char *reply = edited_reply("config.path", json_null());
	assert_int_equal(status_against(reply, false, out, sizeof(out), eout, sizeof(eout)), 1);
	assert_non_null(strstr(eout, "config.path: expected a string, not null"));
	free(reply);

	/* not an object, or an error: refused with exit 1, nothing printed */
	assert_int_equal(status_against("[]\n", false, out, sizeof(out), eout, sizeof(eout)), 1);
	assert_string_equal(out, "");
	assert_int_equal(status_against("{\"error\": \"request failed\"}\n", false, out, sizeof(out),
					eout, sizeof(eout)),
			 1);
	assert_string_equal(out, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request_reply),
		cmocka_unit_test(test_request_error_has_message),
		cmocka_unit_test(test_status_prints_every_section),
		cmocka_unit_test(test_status_reply_missing_fields),
	};
	return cmocka_run_group_tests_name("control", tests, NULL, NULL);
}
