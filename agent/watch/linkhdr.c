/* linkhdr.c — a forgiving Link header reader. */
#include "linkhdr.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
		p++;
	return p;
}

/* Skips to the comma that ends this element (outside quotes and <>). */
static const char *skip_element(const char *p)
{
	bool quoted = false, angle = false;
	for (; *p; p++) {
		if (quoted) {
			if (*p == '\\' && p[1])
				p++;
			else if (*p == '"')
				quoted = false;
		} else if (*p == '"') {
			quoted = true;
		} else if (*p == '<') {
			angle = true;
		} else if (*p == '>') {
			angle = false;
		} else if (*p == ',' && !angle) {
			break;
		}
	}
	return p;
}

/* Whether the space-separated relation list value[0..len) contains rel. */
static bool has_rel(const char *value, size_t len, const char *rel)
{
	size_t rlen = strlen(rel), i = 0;
	while (i < len) {
		while (i < len && (value[i] == ' ' || value[i] == '\t'))
			i++;
		size_t start = i;
		while (i < len && value[i] != ' ' && value[i] != '\t')
			i++;
		if (i - start == rlen && strncasecmp(value + start, rel, rlen) == 0)
			return true;
	}
	return false;
}

/* Reads the parameters after "<url>" up to the element's end; true if one is
 * rel=... naming rel. *end gets where the element stops. */
static bool params_match(const char *p, const char *rel, const char **end)
{
	bool match = false;
	for (;;) {
		p = skip_ws(p);
		if (*p == '\0' || *p == ',')
			break;
		if (*p != ';') { /* junk between parameters: step over it */
			p++;
			continue;
		}
		p = skip_ws(p + 1);
		const char *name = p;
		while (*p && !strchr("=;, \t", *p))
			p++;
		size_t nlen = (size_t)(p - name);
		p = skip_ws(p);
		const char *value = "";
		size_t vlen = 0;
		char buf[256];
		if (*p == '=') {
			p = skip_ws(p + 1);
			if (*p == '"' || *p == '\'') { /* quoted-string; single quotes seen in the wild */
				char q = *p++;
				while (*p && *p != q) {
					if (*p == '\\' && p[1])
						p++;
					if (vlen < sizeof(buf) - 1)
						buf[vlen++] = *p;
					p++;
				}
				if (*p == q)
					p++;
				value = buf;
			} else {
				value = p;
				while (*p && !strchr(";,", *p))
					p++;
				vlen = (size_t)(p - value);
				while (vlen && (value[vlen - 1] == ' ' || value[vlen - 1] == '\t'))
					vlen--;
			}
		}
		if (nlen == 3 && strncasecmp(name, "rel", 3) == 0 && has_rel(value, vlen, rel))
			match = true;
	}
	*end = p;
	return match;
}

int ucf_link_find(const char *header, const char *rel, char **url)
{
	const char *p = header ? header : "";
	while (*p) {
		p = skip_ws(p);
		if (*p == ',') {
			p++;
			continue;
		}
		if (*p != '<') {
			p = skip_element(p);
			continue;
		}
		const char *start = ++p, *gt = strpbrk(p, "<>");
		if (!gt)
			break; /* an unterminated <...>: nothing after it can be read */
		if (*gt == '<') { /* a URL holds no '<': this one is broken, the next starts here */
			p = gt;
			continue;
		}
		const char *end;
		bool match = params_match(gt + 1, rel, &end);
		if (match) {
			while (start < gt && (*start == ' ' || *start == '\t'))
				start++;
			size_t len = (size_t)(gt - start);
			while (len && (start[len - 1] == ' ' || start[len - 1] == '\t'))
				len--;
			if (len) {
				if (!(*url = strndup(start, len)))
					return -ENOMEM;
				return 0;
			}
		}
		p = end;
	}
	return -ENOENT;
}
