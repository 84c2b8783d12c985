/* yamlnode.c — libyaml documents with positioned, helpful errors. */
#include "yamlnode.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

__attribute__((format(printf, 3, 0)))
static int fail_at(struct ucf_yaml *y, yaml_mark_t mark, const char *fmt, va_list ap)
{
	int n = snprintf(y->err, y->errlen, "%s:%zu:%zu: ", y->name, mark.line + 1,
			 mark.column + 1);
	if (n >= 0 && (size_t)n < y->errlen)
		vsnprintf(y->err + n, y->errlen - (size_t)n, fmt, ap);
	return -EINVAL;
}

int ucf_yaml_fail(struct ucf_yaml *y, const yaml_node_t *node, const char *fmt, ...)
{
	yaml_mark_t start = { 0, 0, 0 };
	va_list ap;
	if (node)
		start = node->start_mark;
	va_start(ap, fmt);
	int rc = fail_at(y, start, fmt, ap);
	va_end(ap);
	return rc;
}

__attribute__((format(printf, 3, 4)))
static int fail_mark(struct ucf_yaml *y, yaml_mark_t mark, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = fail_at(y, mark, fmt, ap);
	va_end(ap);
	return rc;
}

size_t ucf_yaml_line(const yaml_node_t *node)
{
	return node->start_mark.line + 1;
}

/* Site files and catalog entries nest a few levels. libyaml's scanner does
 * work proportional to the nesting depth for every token, so deep nesting
 * (a file of '[') costs minutes: the depth is checked on the parser's events,
 * which stop at the first level too deep, before any document is built. */
#define MAX_DEPTH 32

static int check_depth(struct ucf_yaml *y, const char *text, size_t len)
{
	yaml_parser_t parser;
	yaml_event_t ev;
	int depth = 0, rc = 0;

	if (!yaml_parser_initialize(&parser)) {
		snprintf(y->err, y->errlen, "%s: out of memory", y->name);
		return -ENOMEM;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	/* a syntax error ends the scan: the full load reports it */
	while (rc == 0 && yaml_parser_parse(&parser, &ev)) {
		yaml_event_type_t type = ev.type;
		yaml_mark_t mark = ev.start_mark;
		yaml_event_delete(&ev);
		if (type == YAML_STREAM_END_EVENT)
			break;
		if (type == YAML_SEQUENCE_START_EVENT || type == YAML_MAPPING_START_EVENT) {
			if (++depth > MAX_DEPTH)
				rc = fail_mark(y, mark, "YAML nesting deeper than %d levels", MAX_DEPTH);
		} else if (type == YAML_SEQUENCE_END_EVENT || type == YAML_MAPPING_END_EVENT) {
			depth--;
		}
	}
	yaml_parser_delete(&parser);
	return rc;
}

int ucf_yaml_load(struct ucf_yaml *y, const char *name, const char *text, size_t len, char *err,
		  size_t errlen)
{
	yaml_parser_t parser;
	yaml_document_t extra;
	int rc = 0;

	memset(y, 0, sizeof(*y));
	y->name = name;
	y->err = err;
	y->errlen = errlen;
	if (memchr(text, '\0', len))
		return fail_mark(y, (yaml_mark_t){ 0, 0, 0 }, "file contains a NUL byte");
	rc = check_depth(y, text, len);
	if (rc < 0)
		return rc;
	if (!yaml_parser_initialize(&parser)) {
		snprintf(err, errlen, "%s: out of memory", name);
		return -ENOMEM;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, &y->doc)) {
		yaml_mark_t mark = parser.problem_mark;
		rc = fail_mark(y, mark, "YAML syntax error: %s%s%s",
			       parser.problem ? parser.problem : "unknown problem",
			       parser.context ? " " : "", parser.context ? parser.context : "");
		yaml_parser_delete(&parser);
		return rc;
	}
	if (!yaml_document_get_root_node(&y->doc)) {
		rc = fail_mark(y, (yaml_mark_t){ 0, 0, 0 }, "the file is empty");
		goto fail;
	}
	if (!yaml_parser_load(&parser, &extra)) {
		rc = fail_mark(y, parser.problem_mark, "YAML syntax error: %s",
			       parser.problem ? parser.problem : "unknown problem");
		goto fail;
	}
	if (yaml_document_get_root_node(&extra)) {
		yaml_mark_t mark = yaml_document_get_root_node(&extra)->start_mark;
		yaml_document_delete(&extra);
		rc = fail_mark(y, mark, "only one YAML document is allowed per file");
		goto fail;
	}
	yaml_document_delete(&extra);
	yaml_parser_delete(&parser);
	return 0;
fail:
	yaml_document_delete(&y->doc);
	yaml_parser_delete(&parser);
	return rc;
}

void ucf_yaml_done(struct ucf_yaml *y)
{
	yaml_document_delete(&y->doc);
}

yaml_node_t *ucf_yaml_root(struct ucf_yaml *y)
{
	return yaml_document_get_root_node(&y->doc);
}

static const char *kind_name(yaml_node_type_t type)
{
	switch (type) {
	case YAML_MAPPING_NODE: return "a mapping";
	case YAML_SEQUENCE_NODE: return "a list";
	default: return "a single value";
	}
}

static int want(struct ucf_yaml *y, const yaml_node_t *node, const char *key,
		yaml_node_type_t type)
{
	if (node->type == type)
		return 0;
	return ucf_yaml_fail(y, node, "'%s' must be %s, not %s", key, kind_name(type),
			     kind_name(node->type));
}

int ucf_yaml_want_map(struct ucf_yaml *y, const yaml_node_t *node, const char *key)
{
	return want(y, node, key, YAML_MAPPING_NODE);
}

int ucf_yaml_want_seq(struct ucf_yaml *y, const yaml_node_t *node, const char *key)
{
	return want(y, node, key, YAML_SEQUENCE_NODE);
}

int ucf_yaml_scalar(struct ucf_yaml *y, const yaml_node_t *node, const char *key,
		    const char **text)
{
	int rc = want(y, node, key, YAML_SCALAR_NODE);
	if (rc < 0)
		return rc;
	*text = (const char *)node->data.scalar.value;
	return 0;
}

int ucf_yaml_bool(struct ucf_yaml *y, const yaml_node_t *node, const char *key, bool *out)
{
	const char *s;
	int rc = ucf_yaml_scalar(y, node, key, &s);
	if (rc < 0)
		return rc;
	if (strcmp(s, "true") == 0 || strcmp(s, "false") == 0) {
		*out = s[0] == 't';
		return 0;
	}
	return ucf_yaml_fail(y, node, "'%s' must be true or false, not '%s'", key, s);
}

int ucf_yaml_uint(struct ucf_yaml *y, const yaml_node_t *node, const char *key, uint64_t min,
		  uint64_t max, uint64_t *out)
{
	const char *s;
	uint64_t v = 0;
	int rc = ucf_yaml_scalar(y, node, key, &s);
	if (rc < 0)
		return rc;
	if (*s == '\0')
		return ucf_yaml_fail(y, node, "'%s' must be a whole number", key);
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return ucf_yaml_fail(y, node, "'%s' must be a whole number, not '%s'", key, s);
		if (v > (UINT64_MAX - 9) / 10)
			return ucf_yaml_fail(y, node, "'%s' is out of range (%llu-%llu)", key,
					     (unsigned long long)min, (unsigned long long)max);
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (v < min || v > max)
		return ucf_yaml_fail(y, node, "'%s' is out of range (%llu-%llu)", key,
				     (unsigned long long)min, (unsigned long long)max);
	*out = v;
	return 0;
}

int ucf_yaml_strdup(struct ucf_yaml *y, const yaml_node_t *node, const char *key, char **out)
{
	const char *s;
	int rc = ucf_yaml_scalar(y, node, key, &s);
	if (rc < 0)
		return rc;
	if (*s == '\0')
		return ucf_yaml_fail(y, node, "'%s' must not be empty", key);
	char *copy = strdup(s);
	if (!copy)
		return -ENOMEM;
	free(*out);
	*out = copy;
	return 0;
}

/* Edit distance, for "did you mean". Keys are short: a small table is enough. */
static size_t distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	size_t row[64];
	if (la >= 63 || lb >= 63)
		return SIZE_MAX;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t best = diag + (a[i - 1] != b[j - 1]);
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

static int unknown_key(struct ucf_yaml *y, const yaml_node_t *node, const char *key,
		       const char *section, const struct ucf_yaml_key *keys, size_t nkeys)
{
	const char *best = NULL;
	size_t best_d = SIZE_MAX;
	for (size_t i = 0; i < nkeys; i++) {
		size_t d = distance(key, keys[i].name);
		if (d < best_d) {
			best_d = d;
			best = keys[i].name;
		}
	}
	size_t limit = strlen(key) / 3 + 1;
	if (best && best_d <= (limit > 2 ? limit : 2))
		return ucf_yaml_fail(y, node, "unknown key '%s' in %s (did you mean '%s'?)", key,
				     section, best);
	return ucf_yaml_fail(y, node, "unknown key '%s' in %s", key, section);
}

int ucf_yaml_walk_map(struct ucf_yaml *y, yaml_node_t *map, const char *section,
		      const struct ucf_yaml_key *keys, size_t nkeys, void *ctx,
		      const struct ucf_yaml_key **missing)
{
	if (missing)
		*missing = NULL;
	if (nkeys > 64)
		return ucf_yaml_fail(y, map, "%s: too many keys in its table", section);
	int rc = ucf_yaml_want_map(y, map, section);
	if (rc < 0)
		return rc;
	uint64_t seen = 0;
	for (yaml_node_pair_t *pair = map->data.mapping.pairs.start;
	     pair < map->data.mapping.pairs.top; pair++) {
		yaml_node_t *knode = yaml_document_get_node(&y->doc, pair->key);
		yaml_node_t *vnode = yaml_document_get_node(&y->doc, pair->value);
		if (knode->type != YAML_SCALAR_NODE)
			return ucf_yaml_fail(y, knode, "keys in %s must be plain names", section);
		const char *key = (const char *)knode->data.scalar.value;
		size_t i;
		for (i = 0; i < nkeys && strcmp(keys[i].name, key) != 0; i++)
			;
		if (i == nkeys)
			return unknown_key(y, knode, key, section, keys, nkeys);
		if (seen & (1ull << i))
			return ucf_yaml_fail(y, knode, "key '%s' appears twice in %s", key, section);
		seen |= 1ull << i;
		rc = keys[i].parse(y, vnode, ctx);
		if (rc < 0)
			return rc;
	}
	for (size_t i = 0; missing && i < nkeys; i++)
		if (keys[i].required && !(seen & (1ull << i))) {
			*missing = &keys[i];
			break;
		}
	return 0;
}

int ucf_yaml_each(struct ucf_yaml *y, yaml_node_t *seq, const char *key, ucf_yaml_item_fn item,
		  void *ctx)
{
	int rc = ucf_yaml_want_seq(y, seq, key);
	if (rc < 0)
		return rc;
	for (yaml_node_item_t *it = seq->data.sequence.items.start;
	     it < seq->data.sequence.items.top; it++) {
		rc = item(y, yaml_document_get_node(&y->doc, *it), ctx);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int ucf_yaml_load_file(struct ucf_yaml *y, const char *path, char *err, size_t errlen)
{
	enum { MAX_SIZE = 1 << 20 }; /* a site file is a few KiB; refuse anything absurd */
	FILE *f = fopen(path, "re");
	char *buf;
	size_t len;
	int rc;

	if (!f) {
		rc = -errno;
		snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
		return rc;
	}
	buf = malloc(MAX_SIZE + 1);
	if (!buf) {
		fclose(f);
		return -ENOMEM;
	}
	len = fread(buf, 1, MAX_SIZE + 1, f);
	if (ferror(f)) {
		rc = -EIO;
		snprintf(err, errlen, "%s: read error", path);
	} else if (len > MAX_SIZE) {
		rc = -EFBIG;
		snprintf(err, errlen, "%s: larger than 1 MiB", path);
	} else {
		rc = ucf_yaml_load(y, path, buf, len, err, errlen);
	}
	free(buf);
	fclose(f);
	return rc;
}
