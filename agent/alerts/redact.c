/* redact.c — keeps SIP URIs and phone numbers out of alerts. Free text from
 * the Dashboard (capture names, notes, filters) is written by people and may
 * name a number being investigated; alerts travel to chat rooms. */
#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "alert.h"

#define MARK "[redacted]"

static bool word_char(int c)
{
	return isalnum(c) || c == '_';
}

/* Length of a sip:/sips:/tel: URI starting at p, or 0. */
static size_t uri_at(const char *s, const char *p)
{
	static const char *const schemes[] = { "sips:", "sip:", "tel:" };
	if (p > s && word_char((unsigned char)p[-1]))
		return 0;
	for (size_t i = 0; i < 3; i++) {
		size_t n = strlen(schemes[i]);
		if (strncasecmp(p, schemes[i], n) == 0 && p[n] && !isspace((unsigned char)p[n])) {
			size_t len = n;
			while (p[len] && !isspace((unsigned char)p[len]) && !strchr("<>\"',", p[len]))
				len++;
			return len;
		}
	}
	return 0;
}

/* Length of a phone-number-like run starting at p ("+1 (555) 123-4567",
 * "0049301234567"): digits with spaces, '-', '(' and ')', at least 7 digits,
 * not glued to a word or an address/path ('.', ':', '/'). A date
 * (YYYY-MM-DD) is not a number. */
static size_t number_at(const char *s, const char *p)
{
	if (p > s && (word_char((unsigned char)p[-1]) || strchr(".:/", p[-1])))
		return 0;
	size_t len = 0, digits = 0, last_digit = 0;
	if (*p == '+' || *p == '(')
		len++;
	if (!isdigit((unsigned char)p[len]))
		return 0;
	for (; p[len] && (isdigit((unsigned char)p[len]) || strchr(" -()", p[len])); len++) {
		if (isdigit((unsigned char)p[len])) {
			digits++;
			last_digit = len + 1;
		}
	}
	len = last_digit; /* the run ends at its last digit */
	if (digits < 7 || word_char((unsigned char)p[len]) || (p[len] && strchr(".:/", p[len])))
		return 0;
	if (len == 10 && isdigit((unsigned char)p[0]) && p[4] == '-' && p[7] == '-' &&
	    strspn(p, "0123456789") == 4)
		return 0;
	return len;
}

char *ucf_redact(const char *text, int flags)
{
	size_t n = strlen(text);
	/* Each redaction replaces at least 4 chars ("tel:x") or 7 digits with 10. */
	char *out = malloc(2 * n + sizeof(MARK));
	if (!out)
		return NULL;
	size_t o = 0;
	for (const char *p = text; *p;) {
		size_t len = 0;
		if (flags & UCF_REDACT_URIS)
			len = uri_at(text, p);
		if (!len && (flags & UCF_REDACT_NUMBERS))
			len = number_at(text, p);
		if (len) {
			memcpy(out + o, MARK, sizeof(MARK) - 1);
			o += sizeof(MARK) - 1;
			p += len;
		} else {
			out[o++] = *p++;
		}
	}
	out[o] = '\0';
	return out;
}
