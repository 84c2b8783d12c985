/* statefile.c — crash-safe files: atomic replacement and fsynced appends.
 * No file is opened through a symbolic link (O_NOFOLLOW; a replacement
 * renames over the link itself): the agent runs as root, and a link planted
 * where its state lives must not make it read, append to or truncate
 * another file. */
#include "statefile.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "grow.h"

#define MAX_JSON_DOC (64u << 20) /* a state document is a few KiB */
/* JSON-lines files are read a line at a time: memory stays one line however
 * large the file grows. An alert or a queued delivery is a few KiB. */
#define MAX_LINE (1u << 20)

static int fail(char *err, size_t errlen, int rc, const char *what, const char *path)
{
	snprintf(err, errlen, "%s %s: %s", what, path, strerror(-rc));
	return rc;
}

int ucf_mkdir_p(const char *dir, mode_t mode, char *err, size_t errlen)
{
	char buf[4096];
	if (snprintf(buf, sizeof(buf), "%s", dir) >= (int)sizeof(buf))
		return fail(err, errlen, -ENAMETOOLONG, "cannot create", dir);
	for (char *p = buf + 1;; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char c = *p;
		*p = '\0';
		if (mkdir(buf, mode) < 0 && errno != EEXIST)
			return fail(err, errlen, -errno, "cannot create", buf);
		*p = c;
		if (c == '\0')
			break;
	}
	return 0;
}

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int fsync_dir_of(const char *path)
{
	char copy[4096];
	snprintf(copy, sizeof(copy), "%s", path);
	int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int rc = fsync(fd) < 0 ? -errno : 0;
	close(fd);
	return rc;
}

int ucf_atomic_write(const char *path, const void *buf, size_t len, mode_t mode, char *err,
		     size_t errlen)
{
	char tmp[4200];
	if (snprintf(tmp, sizeof(tmp), "%s.tmp.XXXXXX", path) >= (int)sizeof(tmp))
		return fail(err, errlen, -ENAMETOOLONG, "cannot write", path);
	int fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return fail(err, errlen, -errno, "cannot write", path);
	int rc = fchmod(fd, mode) < 0 ? -errno : 0;
	if (rc == 0)
		rc = write_all(fd, buf, len);
	if (rc == 0 && fsync(fd) < 0)
		rc = -errno;
	if (close(fd) < 0 && rc == 0)
		rc = -errno;
	if (rc == 0 && rename(tmp, path) < 0)
		rc = -errno;
	if (rc < 0) {
		unlink(tmp);
		return fail(err, errlen, rc, "cannot write", path);
	}
	rc = fsync_dir_of(path); /* the rename itself is durable only now */
	return rc < 0 ? fail(err, errlen, rc, "cannot sync the directory of", path) : 0;
}

int ucf_read_file(const char *path, size_t max, char **buf, size_t *len, char *err,
		  size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return fail(err, errlen, -errno, "cannot open", path);
	struct stat st;
	int rc = 0;
	char *data = NULL;
	if (fstat(fd, &st) < 0)
		rc = -errno;
	else if ((size_t)st.st_size > max)
		rc = -EFBIG;
	else if (!(data = malloc((size_t)st.st_size + 1)))
		rc = -ENOMEM;
	size_t got = 0;
	while (rc == 0 && got < (size_t)st.st_size) {
		ssize_t n = read(fd, data + got, (size_t)st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			rc = n < 0 ? -errno : 0;
			break;
		}
		got += (size_t)n;
	}
	close(fd);
	if (rc < 0) {
		free(data);
		return fail(err, errlen, rc, "cannot read", path);
	}
	data[got] = '\0';
	*buf = data;
	*len = got;
	return 0;
}

int ucf_json_save(const char *path, const json_t *doc, mode_t mode, char *err, size_t errlen)
{
	char *text = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);
	if (!text)
		return fail(err, errlen, -ENOMEM, "cannot write", path);
	int rc = ucf_atomic_write(path, text, strlen(text), mode, err, errlen);
	free(text);
	return rc;
}

int ucf_json_load(const char *path, json_t **doc, char *err, size_t errlen)
{
	char *buf;
	size_t len;
	int rc = ucf_read_file(path, MAX_JSON_DOC, &buf, &len, err, errlen);
	if (rc < 0)
		return rc;
	json_error_t je;
	*doc = json_loadb(buf, len, 0, &je);
	free(buf);
	if (!*doc) {
		snprintf(err, errlen, "%s:%d: %s", path, je.line, je.text);
		return -EINVAL;
	}
	return 0;
}

int ucf_jsonl_append(const char *path, const json_t *obj, mode_t mode, char *err, size_t errlen)
{
	char *text = json_dumps(obj, JSON_COMPACT);
	if (!text)
		return fail(err, errlen, -ENOMEM, "cannot append to", path);
	size_t len = strlen(text);
	char *line = ucf_grow_array(text, NULL, len + 2, 1, 0);
	if (!line) {
		free(text);
		return fail(err, errlen, -ENOMEM, "cannot append to", path);
	}
	line[len] = '\n';
	line[len + 1] = '\0';
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, mode);
	int rc = fd < 0 ? -errno : 0;
	/* One write(2) of the whole line: concurrent readers never see half of it
	 * in the common case, and a crash leaves at most a torn tail (repaired). */
	if (rc == 0)
		rc = write_all(fd, line, len + 1);
	if (rc == 0 && fsync(fd) < 0)
		rc = -errno;
	if (fd >= 0)
		close(fd);
	free(line);
	return rc < 0 ? fail(err, errlen, rc, "cannot append to", path) : 0;
}

/* Calls fn for each complete line of fd (without its newline), in order. A
 * line longer than MAX_LINE is skipped and counted in *toolong; a last line
 * without a newline (torn by a crash) is not a line. */
typedef int (*line_fn)(const char *line, size_t len, void *ctx);

static int each_line(int fd, line_fn fn, void *ctx, size_t *toolong)
{
	size_t cap = MAX_LINE + 1, used = 0;
	char *buf = malloc(cap);
	bool skipping = false; /* inside a line too long to keep */
	int rc = 0;
	if (!buf)
		return -ENOMEM;
	while (rc >= 0) {
		ssize_t n = read(fd, buf + used, cap - used);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = -errno;
			break;
		}
		if (n == 0)
			break;
		size_t end = used + (size_t)n, start = 0;
		for (char *nl; rc >= 0 && (nl = memchr(buf + start, '\n', end - start));) {
			size_t len = (size_t)(nl - (buf + start));
			if (!skipping)
				rc = fn(buf + start, len, ctx);
			skipping = false;
			start += len + 1;
		}
		used = end - start;
		memmove(buf, buf + start, used);
		if (used == cap) { /* no newline in MAX_LINE bytes */
			if (!skipping)
				(*toolong)++;
			skipping = true;
			used = 0;
		}
	}
	free(buf);
	return rc;
}

struct scan {
	ucf_jsonl_sized_fn fn;
	void *ctx;
	size_t bad;
};

static int scan_line(const char *line, size_t len, void *ctx)
{
	struct scan *s = ctx;
	if (len == 0)
		return 0;
	json_t *obj = json_loadb(line, len, 0, NULL);
	if (!json_is_object(obj)) {
		s->bad++;
		json_decref(obj);
		return 0;
	}
	int rc = s->fn(obj, len + 1, s->ctx);
	json_decref(obj);
	return rc;
}

int ucf_jsonl_scan(const char *path, ucf_jsonl_sized_fn fn, void *ctx, size_t *bad, char *err,
		   size_t errlen)
{
	struct scan s = { fn, ctx, 0 };
	if (bad)
		*bad = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return fail(err, errlen, -errno, "cannot open", path);
	int rc = each_line(fd, scan_line, &s, &s.bad);
	close(fd);
	if (bad)
		*bad = s.bad;
	return rc < 0 ? fail(err, errlen, rc, "cannot read", path) : 0;
}

struct each {
	ucf_jsonl_fn fn;
	void *ctx;
};

static int each_sized(json_t *obj, size_t bytes, void *ctx)
{
	struct each *e = ctx;
	(void)bytes;
	return e->fn(obj, e->ctx);
}

int ucf_jsonl_each(const char *path, ucf_jsonl_fn fn, void *ctx, size_t *bad, char *err,
		   size_t errlen)
{
	struct each e = { fn, ctx };
	return ucf_jsonl_scan(path, each_sized, &e, bad, err, errlen);
}

struct filter {
	ucf_jsonl_sized_fn keep;
	void *ctx;
	size_t bad;
	FILE *out;
};

static int filter_line(const char *line, size_t len, void *ctx)
{
	struct filter *f = ctx;
	if (len == 0)
		return 0;
	json_t *obj = json_loadb(line, len, 0, NULL);
	int rc = 0;
	if (!json_is_object(obj))
		f->bad++;
	else if ((rc = f->keep(obj, len + 1, f->ctx)) > 0)
		rc = fwrite(line, 1, len, f->out) == len && putc('\n', f->out) != EOF ? 0 : -EIO;
	json_decref(obj);
	return rc < 0 ? rc : 0;
}

int ucf_jsonl_filter(const char *path, ucf_jsonl_sized_fn keep, void *ctx, mode_t mode,
		     size_t *bad, char *err, size_t errlen)
{
	struct filter f = { keep, ctx, 0, NULL };
	char tmp[4200];
	if (bad)
		*bad = 0;
	if (snprintf(tmp, sizeof(tmp), "%s.tmp.XXXXXX", path) >= (int)sizeof(tmp))
		return fail(err, errlen, -ENAMETOOLONG, "cannot write", path);
	int in = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (in < 0)
		return fail(err, errlen, -errno, "cannot open", path);
	int fd = mkostemp(tmp, O_CLOEXEC);
	int rc = fd < 0 ? -errno : 0;
	if (rc == 0 && fchmod(fd, mode) < 0)
		rc = -errno;
	if (rc == 0 && !(f.out = fdopen(fd, "w")))
		rc = -errno;
	if (rc == 0)
		rc = each_line(in, filter_line, &f, &f.bad);
	if (rc == 0 && fflush(f.out) != 0)
		rc = -errno;
	if (rc == 0 && fsync(fd) < 0)
		rc = -errno;
	if (f.out) {
		if (fclose(f.out) != 0 && rc == 0)
			rc = -errno;
	} else if (fd >= 0) {
		close(fd);
	}
	close(in);
	if (rc == 0 && rename(tmp, path) < 0)
		rc = -errno;
	if (rc < 0) {
		if (fd >= 0)
			unlink(tmp);
		return fail(err, errlen, rc, "cannot rewrite", path);
	}
	if (bad)
		*bad = f.bad;
	rc = fsync_dir_of(path); /* the rename itself is durable only now */
	return rc < 0 ? fail(err, errlen, rc, "cannot sync the directory of", path) : 0;
}

int ucf_jsonl_repair(const char *path, char *err, size_t errlen)
{
	int fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return errno == ENOENT ? 0 : fail(err, errlen, -errno, "cannot open", path);
	struct stat st;
	int rc = fstat(fd, &st) < 0 ? -errno : 0;
	off_t end = rc == 0 ? st.st_size : 0;
	char c;
	/* Walk back to the last newline; everything after it is a torn line. */
	while (rc == 0 && end > 0) {
		ssize_t n = pread(fd, &c, 1, end - 1);
		if (n != 1) {
			rc = n < 0 ? -errno : -EIO;
			break;
		}
		if (c == '\n')
			break;
		end--;
	}
	if (rc == 0 && end != st.st_size && (ftruncate(fd, end) < 0 || fsync(fd) < 0))
		rc = -errno;
	close(fd);
	return rc < 0 ? fail(err, errlen, rc, "cannot repair", path) : 0;
}

int ucf_jsonl_rewrite(const char *path, const json_t *array, mode_t mode, char *err,
		      size_t errlen)
{
	size_t cap = 4096, used = 0, i;
	char *buf = malloc(cap);
	const json_t *obj;
	if (!buf)
		return fail(err, errlen, -ENOMEM, "cannot write", path);
	json_array_foreach (array, i, obj) {
		char *text = json_dumps(obj, JSON_COMPACT);
		size_t len = text ? strlen(text) : 0;
		if (text && UCF_GROW(buf, cap, used + len + 2, 4096) < 0) {
			free(text);
			text = NULL;
		}
		if (!text) {
			free(buf);
			return fail(err, errlen, -ENOMEM, "cannot write", path);
		}
		memcpy(buf + used, text, len);
		used += len;
		buf[used++] = '\n';
		free(text);
	}
	int rc = ucf_atomic_write(path, buf, used, mode, err, errlen);
	free(buf);
	return rc;
}
