/* statefile.c — crash-safe files: atomic replacement and fsynced appends. */
#include "statefile.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_JSONL (64u << 20) /* spool and queue files are pruned far below this */

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
	int fd = open(path, O_RDONLY | O_CLOEXEC);
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
	int rc = ucf_read_file(path, MAX_JSONL, &buf, &len, err, errlen);
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
	char *line = realloc(text, len + 2);
	if (!line) {
		free(text);
		return fail(err, errlen, -ENOMEM, "cannot append to", path);
	}
	line[len] = '\n';
	line[len + 1] = '\0';
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, mode);
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

int ucf_jsonl_each(const char *path, ucf_jsonl_fn fn, void *ctx, size_t *bad, char *err,
		   size_t errlen)
{
	char *buf;
	size_t len;
	int rc = ucf_read_file(path, MAX_JSONL, &buf, &len, err, errlen);
	if (rc < 0)
		return rc;
	if (bad)
		*bad = 0;
	char *line = buf;
	for (char *nl; rc >= 0 && (nl = memchr(line, '\n', len - (size_t)(line - buf)));
	     line = nl + 1) {
		if (nl == line)
			continue;
		json_t *obj = json_loadb(line, (size_t)(nl - line), 0, NULL);
		if (!json_is_object(obj)) {
			if (bad)
				(*bad)++;
			json_decref(obj);
			continue;
		}
		rc = fn(obj, ctx);
		json_decref(obj);
	}
	free(buf);
	return rc < 0 ? rc : 0;
}

int ucf_jsonl_repair(const char *path, char *err, size_t errlen)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);
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
		if (text && used + len + 2 > cap) {
			while (used + len + 2 > cap)
				cap *= 2;
			char *grown = realloc(buf, cap);
			if (!grown) {
				free(text);
				text = NULL;
			} else {
				buf = grown;
			}
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
