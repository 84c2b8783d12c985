/* yamlnode.h — reading a YAML document (libyaml's document API) with
 * positioned errors: every message reads "FILE:LINE:COL: message". The
 * config and the catalog describe their keys as tables and walk them here. */
#ifndef UCF_YAMLNODE_H
#define UCF_YAMLNODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <yaml.h>

struct ucf_yaml {
	yaml_document_t doc;
	const char *name; /* file name for messages */
	char *err;
	size_t errlen;
};

/* Parses exactly one document. Fails on a syntax error, an empty input or a
 * second document. On success ucf_yaml_done() must be called. */
int ucf_yaml_load(struct ucf_yaml *y, const char *name, const char *text, size_t len, char *err,
		  size_t errlen);
/* Reads path (at most 1 MiB) and loads it; name in messages is path. */
int ucf_yaml_load_file(struct ucf_yaml *y, const char *path, char *err, size_t errlen);
void ucf_yaml_done(struct ucf_yaml *y);
yaml_node_t *ucf_yaml_root(struct ucf_yaml *y);

/* Formats "FILE:LINE:COL: message" at node's start into y->err; returns -EINVAL. */
int ucf_yaml_fail(struct ucf_yaml *y, const yaml_node_t *node, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Line (1-based) of a node, for "see line N" hints. */
size_t ucf_yaml_line(const yaml_node_t *node);

/* Type checks: "KEY must be a mapping/list/single value". */
int ucf_yaml_want_map(struct ucf_yaml *y, const yaml_node_t *node, const char *key);
int ucf_yaml_want_seq(struct ucf_yaml *y, const yaml_node_t *node, const char *key);
/* The scalar's text (NUL-terminated by libyaml), or a type error. */
int ucf_yaml_scalar(struct ucf_yaml *y, const yaml_node_t *node, const char *key,
		    const char **text);
int ucf_yaml_bool(struct ucf_yaml *y, const yaml_node_t *node, const char *key, bool *out);
int ucf_yaml_uint(struct ucf_yaml *y, const yaml_node_t *node, const char *key, uint64_t min,
		  uint64_t max, uint64_t *out);
/* A non-empty string copied with strdup (replacing *out). */
int ucf_yaml_strdup(struct ucf_yaml *y, const yaml_node_t *node, const char *key, char **out);

/* A mapping's keys, each with its handler. Unknown keys are errors that
 * suggest the closest known key; a repeated key is an error. */
typedef int (*ucf_yaml_key_fn)(struct ucf_yaml *y, yaml_node_t *value, void *ctx);
struct ucf_yaml_key {
	const char *name;
	ucf_yaml_key_fn parse;
	/* NULL: the key is optional. Otherwise it is required, and this is what
	 * the caller's error names as missing ("a 'name'", "section 'site'"). */
	const char *required;
};
/* Walks map (at most 64 keys). missing (may be NULL) is set to the first
 * required key of the table that map lacks, or NULL; it is set only when the
 * walk succeeds. */
int ucf_yaml_walk_map(struct ucf_yaml *y, yaml_node_t *map, const char *section,
		      const struct ucf_yaml_key *keys, size_t nkeys, void *ctx,
		      const struct ucf_yaml_key **missing);
/* The one list parser: calls item() for each element of a sequence. */
typedef int (*ucf_yaml_item_fn)(struct ucf_yaml *y, yaml_node_t *item, void *ctx);
int ucf_yaml_each(struct ucf_yaml *y, yaml_node_t *seq, const char *key, ucf_yaml_item_fn item,
		  void *ctx);

#endif
