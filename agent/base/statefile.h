/* statefile.h — files under state_dir that survive a crash: whole-file
 * replacement (write a temporary, fsync, rename, fsync the directory) and
 * append-only JSON-lines files (append, fsync; a torn last line is cut).
 * None follows a symbolic link at the path: -ELOOP. */
#ifndef UCF_STATEFILE_H
#define UCF_STATEFILE_H

#include <jansson.h>
#include <stddef.h>
#include <sys/types.h>

/* Creates dir and its missing parents with mode (existing ones untouched). */
int ucf_mkdir_p(const char *dir, mode_t mode, char *err, size_t errlen);
/* Replaces path atomically with buf: after a crash it holds the old or the
 * new content, never a mix. */
int ucf_atomic_write(const char *path, const void *buf, size_t len, mode_t mode, char *err,
		     size_t errlen);
/* Reads a whole file (at most max bytes, NUL-terminated). -ENOENT if absent,
 * -EFBIG if larger. */
int ucf_read_file(const char *path, size_t max, char **buf, size_t *len, char *err,
		  size_t errlen);
/* A JSON document saved with ucf_atomic_write / read back. */
int ucf_json_save(const char *path, const json_t *doc, mode_t mode, char *err, size_t errlen);
int ucf_json_load(const char *path, json_t **doc, char *err, size_t errlen);

/* Appends one compact JSON object and a newline to a JSON-lines file, then
 * fsyncs it (the line is committed when this returns 0). */
int ucf_jsonl_append(const char *path, const json_t *obj, mode_t mode, char *err, size_t errlen);
/* Calls fn for each line that parses as a JSON object, in order; returns the
 * first negative value fn returns. The file is read a line at a time (memory
 * stays one line, whatever its size). A torn last line (no newline) is
 * ignored; other unparsable lines, and lines over 1 MiB, are counted in *bad
 * (may be NULL). -ENOENT if absent. */
typedef int (*ucf_jsonl_fn)(json_t *obj, void *ctx);
int ucf_jsonl_each(const char *path, ucf_jsonl_fn fn, void *ctx, size_t *bad, char *err,
		   size_t errlen);
/* The same, and fn also gets the line's size in bytes (with its newline). */
typedef int (*ucf_jsonl_sized_fn)(json_t *obj, size_t bytes, void *ctx);
int ucf_jsonl_scan(const char *path, ucf_jsonl_sized_fn fn, void *ctx, size_t *bad, char *err,
		   size_t errlen);
/* Rewrites path atomically (mode) with the lines for which keep returns 1,
 * unchanged and in order, streamed as ucf_jsonl_scan reads; keep returns 0 to
 * drop a line, <0 to stop (the file is then untouched). Lines that are not
 * JSON objects are dropped and counted in *bad (may be NULL). */
int ucf_jsonl_filter(const char *path, ucf_jsonl_sized_fn keep, void *ctx, mode_t mode,
		     size_t *bad, char *err, size_t errlen);
/* Cuts a torn last line (written before a crash) so appends start clean. */
int ucf_jsonl_repair(const char *path, char *err, size_t errlen);
/* Rewrites a JSON-lines file atomically from an array of objects. */
int ucf_jsonl_rewrite(const char *path, const json_t *array, mode_t mode, char *err,
		      size_t errlen);

#endif
