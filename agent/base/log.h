/* log.h — the one path for ucfence's diagnostics, after OpenBSD ntpd's
 * log.c: warn (with strerror(errno)), warnx, info, and debug when verbose.
 * Alerts are not diagnostics: they go through the alert feed (feed.h).
 *
 * The caller owns its struct ucf_log (a command's main function, on its
 * stack) and hands a const pointer to what reports through it (the daemon,
 * the feed, the webhook): nothing here is global, so a test gives a module
 * its own stream, and two logs never mix. A NULL log writes to stderr as
 * "ucfence: ", so a line is never lost.
 *
 * Every line is "IDENT: message\n", written whole. A stream that is the
 * journal (systemd's JOURNAL_STREAM names its device and inode, as under the
 * service) gets each line prefixed with its level, "<3>" and so on, which
 * journald takes as the entry's priority. Control characters in a message
 * (text from the wire) print as '?': it cannot start a line of its own. */
#ifndef UCF_LOG_H
#define UCF_LOG_H

#include <stdbool.h>
#include <stdio.h>

struct ucf_log {
	const char *ident; /* each line's prefix: "ucfence", "ucfence watch" */
	FILE *out;         /* where lines go; NULL: syslog(3) */
	int verbose;       /* > 0: debug lines too */
	bool levels;       /* out is the journal: lines start with "<N>" */
};

/* Lines to out (a command's stderr). ident must outlive the log. */
void ucf_log_init(struct ucf_log *log, const char *ident, FILE *out);
/* Lines to syslog(3) under ident with facility (LOG_DAEMON), for an agent
 * whose stderr goes nowhere (`ucfence run --syslog`). */
void ucf_log_init_syslog(struct ucf_log *log, const char *ident, int facility);
void ucf_log_verbose(struct ucf_log *log, int verbose);

/* An error, then ": " and strerror(errno); errno is kept. */
__attribute__((format(printf, 2, 3))) void ucf_log_warn(const struct ucf_log *log,
							const char *fmt, ...);
/* An error without errno. */
__attribute__((format(printf, 2, 3))) void ucf_log_warnx(const struct ucf_log *log,
							 const char *fmt, ...);
__attribute__((format(printf, 2, 3))) void ucf_log_info(const struct ucf_log *log,
							const char *fmt, ...);
/* Only when the log is verbose. */
__attribute__((format(printf, 2, 3))) void ucf_log_debug(const struct ucf_log *log,
							 const char *fmt, ...);

#endif
