/* log.c — diagnostics to a stream, the journal's stream, or syslog. */
#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>

/* A message past this is cut: a line stays a line, whatever the wire sent. */
#define MSG_MAX 1024

/* Whether fd is the stream systemd connected to the journal. */
static bool is_journal(FILE *out)
{
	const char *env = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	char extra;
	struct stat st;
	int fd = out ? fileno(out) : -1;
	return env && fd >= 0 && sscanf(env, "%llu:%llu%c", &dev, &ino, &extra) == 2 &&
	       fstat(fd, &st) == 0 && (unsigned long long)st.st_dev == dev &&
	       (unsigned long long)st.st_ino == ino;
}

void ucf_log_init(struct ucf_log *log, const char *ident, FILE *out)
{
	*log = (struct ucf_log){ .ident = ident, .out = out, .levels = is_journal(out) };
}

void ucf_log_init_syslog(struct ucf_log *log, const char *ident, int facility)
{
	*log = (struct ucf_log){ .ident = ident };
	openlog(ident, LOG_PID, facility);
}

void ucf_log_verbose(struct ucf_log *log, int verbose)
{
	log->verbose = verbose;
}

__attribute__((format(printf, 4, 0))) static void emit(const struct ucf_log *log, int priority,
						       int errnum, const char *fmt, va_list ap)
{
	char msg[MSG_MAX];
	int n = vsnprintf(msg, sizeof(msg), fmt, ap);
	size_t len = n < 0 ? 0 : (size_t)n < sizeof(msg) ? (size_t)n : sizeof(msg) - 1;
	msg[len] = '\0';
	if (errnum)
		snprintf(msg + len, sizeof(msg) - len, ": %s", strerror(errnum));
	for (char *p = msg; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	if (log && !log->out) {
		syslog(priority, "%s", msg);
		return;
	}
	FILE *out = log ? log->out : stderr;
	const char *ident = log && log->ident ? log->ident : "ucfence";
	char line[MSG_MAX + 128];
	char level[8] = "";
	if (log && log->levels)
		snprintf(level, sizeof(level), "<%d>", priority);
	n = snprintf(line, sizeof(line), "%s%s: %s\n", level, ident, msg);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line)) { /* a long ident: still one line */
		n = (int)sizeof(line) - 1;
		line[n - 1] = '\n';
	}
	/* one write per line, so lines from one process never interleave */
	fwrite(line, 1, (size_t)n, out);
	fflush(out);
}

void ucf_log_warn(const struct ucf_log *log, const char *fmt, ...)
{
	int saved = errno;
	va_list ap;
	va_start(ap, fmt);
	emit(log, LOG_ERR, saved, fmt, ap);
	va_end(ap);
	errno = saved;
}

void ucf_log_warnx(const struct ucf_log *log, const char *fmt, ...)
{
	int saved = errno;
	va_list ap;
	va_start(ap, fmt);
	emit(log, LOG_ERR, 0, fmt, ap);
	va_end(ap);
	errno = saved;
}

void ucf_log_info(const struct ucf_log *log, const char *fmt, ...)
{
	int saved = errno;
	va_list ap;
	va_start(ap, fmt);
	emit(log, LOG_INFO, 0, fmt, ap);
	va_end(ap);
	errno = saved;
}

void ucf_log_debug(const struct ucf_log *log, const char *fmt, ...)
{
	if (!log || log->verbose <= 0)
		return;
	int saved = errno;
	va_list ap;
	va_start(ap, fmt);
	emit(log, LOG_DEBUG, 0, fmt, ap);
	va_end(ap);
	errno = saved;
}
