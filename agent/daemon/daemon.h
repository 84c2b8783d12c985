/* daemon.h — `ucfence run`: the agent a branch gateway runs all year. One
 * thread of control on the reactor: captures feed the classifier, learned
 * media becomes pinholes in the kernel's media sets, kernel drops become
 * aggregated alerts, the Meraki watcher polls, tampering is reverted, the
 * control socket answers `ucfence status`. */
#ifndef UCF_DAEMON_H
#define UCF_DAEMON_H

#include <stdbool.h>
#include <stddef.h>

#include "cli.h"
#include "log.h"

struct ucf_daemon_opts {
	struct ucf_cli cli;
	const struct ucf_log *log; /* its diagnostics (NULL: stderr); outlives the run */
	const char *control_path;
	bool flush_on_exit;  /* remove table and routes on SIGTERM (default: fail closed) */
	bool no_table_owner; /* do not own the table (the Debian 12 behaviour, for tests) */
};

/* Runs until SIGTERM/SIGINT. Returns 0 after a clean exit, or -errno with
 * err filled when it could not start (an invalid config, no privileges). */
int ucf_daemon_run(const struct ucf_daemon_opts *opts, char *err, size_t errlen);

#endif
