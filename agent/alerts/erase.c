/* erase.c — see erase.h. */
#include "erase.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "statefile.h"

#define MAX_TOKEN 80 /* longer runs are no address: an IPv6 with zone fits */

static const uint8_t v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

static int hexval(char c)
{
	return isdigit((unsigned char)c) ? c - '0'
	       : isxdigit((unsigned char)c) ? tolower((unsigned char)c) - 'a' + 10
					    : -1;
}

/* aa:bb:cc:dd:ee:ff, aa-bb-.. (any case), or aabb.ccdd.eeff. */
static bool parse_mac(const char *s, uint8_t mac[6])
{
	size_t len = strlen(s);
	if (len == 17) {
		char sep = s[2];
		if (sep != ':' && sep != '-')
			return false;
		for (int i = 0; i < 6; i++) {
			int hi = hexval(s[3 * i]), lo = hexval(s[3 * i + 1]);
			if (hi < 0 || lo < 0 || (i < 5 && s[3 * i + 2] != sep))
				return false;
			mac[i] = (uint8_t)(hi << 4 | lo);
		}
		return true;
	}
	if (len == 14 && s[4] == '.' && s[9] == '.') {
		for (int i = 0, k = 0; i < 14; i += 5)
			for (int j = 0; j < 4; j += 2, k++) {
				int hi = hexval(s[i + j]), lo = hexval(s[i + j + 1]);
				if (hi < 0 || lo < 0)
					return false;
				mac[k] = (uint8_t)(hi << 4 | lo);
			}
		return true;
	}
	return false;
}

/* An address, normalised: an IPv4-mapped IPv6 address is its IPv4 one. */
static bool parse_ip(const char *s, uint8_t *family, uint8_t addr[16])
{
	uint8_t buf[16];
	memset(addr, 0, 16);
	if (inet_pton(AF_INET, s, buf) == 1) {
		*family = AF_INET;
		memcpy(addr, buf, 4);
		return true;
	}
	if (inet_pton(AF_INET6, s, buf) != 1)
		return false;
	if (memcmp(buf, v4mapped, 12) == 0) {
		*family = AF_INET;
		memcpy(addr, buf + 12, 4);
		return true;
	}
	*family = AF_INET6;
	memcpy(addr, buf, 16);
	return true;
}

/* A token as an address or a MAC: its zone, port or prefix length cut. */
static bool parse_token(const char *tok, struct ucf_erase_target *t)
{
	char s[MAX_TOKEN + 1];
	size_t len = strlen(tok);
	if (len == 0 || len > MAX_TOKEN)
		return false;
	memcpy(s, tok, len + 1);
	if (s[0] == '[') { /* [2001:db8::1] or [2001:db8::1]:5060 */
		char *close = strchr(s, ']');
		if (!close)
			return false;
		*close = '\0';
		memmove(s, s + 1, strlen(s + 1) + 1);
	}
	s[strcspn(s, "%/")] = '\0';
	char *colon = strchr(s, ':');
	if (colon && strchr(s, '.') && !strchr(colon + 1, ':') && colon > strchr(s, '.'))
		*colon = '\0'; /* 10.0.0.1:5060 */
	memset(t, 0, sizeof(*t));
	if (parse_ip(s, &t->family, t->addr)) {
		t->kind = UCF_ERASE_IP;
		return true;
	}
	if (parse_mac(s, t->mac)) {
		t->kind = UCF_ERASE_MAC;
		return true;
	}
	return false;
}

/* Strict: the address or MAC alone, no port, zone or prefix length. */
int ucf_erase_parse(const char *text, struct ucf_erase_target *t, char *err, size_t errlen)
{
	memset(t, 0, sizeof(*t));
	if (text && parse_ip(text, &t->family, t->addr)) {
		t->kind = UCF_ERASE_IP;
		return 0;
	}
	if (text && parse_mac(text, t->mac)) {
		t->kind = UCF_ERASE_MAC;
		return 0;
	}
	snprintf(err, errlen, "'%.64s' is neither an IPv4 or IPv6 address nor a MAC "
		 "(aa:bb:cc:dd:ee:ff)", text ? text : "");
	return -EINVAL;
}

const char *ucf_erase_kind_text(const struct ucf_erase_target *t)
{
	if (t->kind == UCF_ERASE_MAC)
		return "a MAC";
	return t->family == AF_INET ? "an IPv4 address" : "an IPv6 address";
}

bool ucf_erase_addr_is(const struct ucf_erase_target *t, uint8_t family, const uint8_t *addr)
{
	if (t->kind != UCF_ERASE_IP)
		return false;
	uint8_t a[16] = { 0 };
	if (family == AF_INET6 && memcmp(addr, v4mapped, 12) == 0) {
		family = AF_INET;
		memcpy(a, addr + 12, 4);
	} else {
		memcpy(a, addr, family == AF_INET ? 4 : 16);
	}
	return family == t->family && memcmp(a, t->addr, 16) == 0;
}

static bool same(const struct ucf_erase_target *a, const struct ucf_erase_target *b)
{
	if (a->kind != b->kind)
		return false;
	if (a->kind == UCF_ERASE_MAC)
		return memcmp(a->mac, b->mac, 6) == 0;
	return ucf_erase_addr_is(a, b->family, b->addr);
}

static bool token_char(char c)
{
	return isalnum((unsigned char)c) || c == '.' || c == ':' || c == '-' || c == '%' ||
	       c == '[' || c == ']' || c == '/';
}

/* The token whole, without trailing punctuation, then each of its
 * '-'-separated parts ("10.0.0.1-10.0.0.9"). */
static bool token_names(const char *tok, size_t len, const struct ucf_erase_target *t)
{
	char s[MAX_TOKEN + 1];
	struct ucf_erase_target got;
	while (len > 0 && strchr(".:-/", tok[len - 1]))
		len--;
	if (len == 0 || len > MAX_TOKEN)
		return false;
	memcpy(s, tok, len);
	s[len] = '\0';
	if (parse_token(s, &got) && same(&got, t))
		return true;
	if (!strchr(s, '-'))
		return false;
	for (char *save = NULL, *part = strtok_r(s, "-", &save); part;
	     part = strtok_r(NULL, "-", &save))
		if (parse_token(part, &got) && same(&got, t))
			return true;
	return false;
}

bool ucf_erase_text_names(const char *text, const struct ucf_erase_target *t)
{
	const char *p = text;
	while (*p) {
		while (*p && !token_char(*p))
			p++;
		const char *start = p;
		while (*p && token_char(*p))
			p++;
		if (p > start && token_names(start, (size_t)(p - start), t))
			return true;
	}
	return false;
}

bool ucf_erase_json_names(const json_t *v, const struct ucf_erase_target *t)
{
	const char *key;
	const json_t *item;
	size_t i;
	switch (json_typeof(v)) {
	case JSON_STRING:
		return ucf_erase_text_names(json_string_value(v), t);
	case JSON_OBJECT:
		json_object_foreach ((json_t *)v, key, item)
			if (ucf_erase_text_names(key, t) || ucf_erase_json_names(item, t))
				return true;
		return false;
	case JSON_ARRAY:
		json_array_foreach (v, i, item)
			if (ucf_erase_json_names(item, t))
				return true;
		return false;
	default:
		return false;
	}
}

struct erase_ctx {
	const struct ucf_erase_target *t;
	size_t matched;
};

static int count_one(json_t *obj, size_t bytes, void *ctx)
{
	struct erase_ctx *e = ctx;
	(void)bytes;
	if (!e->t || ucf_erase_json_names(obj, e->t))
		e->matched++;
	return 0;
}

static int keep_one(json_t *obj, size_t bytes, void *ctx)
{
	struct erase_ctx *e = ctx;
	(void)bytes;
	if (e->t && !ucf_erase_json_names(obj, e->t))
		return 1;
	e->matched++;
	return 0;
}

int ucf_erase_jsonl(const char *path, const struct ucf_erase_target *t, mode_t mode,
		    size_t *removed, char *err, size_t errlen)
{
	struct erase_ctx e = { t, 0 };
	size_t bad = 0;
	*removed = 0;
	/* a first pass: a file with nothing to erase is not rewritten */
	int rc = ucf_jsonl_scan(path, count_one, &e, &bad, err, errlen);
	if (rc == -ENOENT)
		return 0;
	if (rc < 0 || (e.matched == 0 && bad == 0))
		return rc;
	e.matched = 0;
	rc = ucf_jsonl_filter(path, keep_one, &e, mode, &bad, err, errlen);
	if (rc == 0)
		*removed = e.matched + bad;
	return rc;
}

size_t ucf_erase_json_doc(json_t *doc, const struct ucf_erase_target *t)
{
	size_t n = 0;
	const char *key, *k;
	json_t *v, *item;
	void *tmp;
	json_object_foreach (doc, key, v) {
		if (json_is_object(v)) {
			json_object_foreach_safe (v, tmp, k, item)
				if (ucf_erase_text_names(k, t) || ucf_erase_json_names(item, t)) {
					json_object_del(v, k);
					n++;
				}
		} else if (json_is_array(v)) {
			for (size_t i = json_array_size(v); i-- > 0;)
				if (ucf_erase_json_names(json_array_get(v, i), t)) {
					json_array_remove(v, i);
					n++;
				}
		}
	}
	return n;
}
