/* Checks on a policy's raw text before and while it is decoded as JSON. */
#include "policy/policy_text.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "policy/json_unique.h"
#include "policy/wildcard.h"

size_t sts_policy_size_limit(sts_doc_kind kind)
{
	switch (kind) {
	case STS_DOC_IDENTITY:
		return STS_LIMIT_MANAGED_POLICY;
	case STS_DOC_SESSION:
		return STS_LIMIT_SESSION_POLICY;
	case STS_DOC_TRUST:
		return STS_LIMIT_TRUST_POLICY;
	case STS_DOC_INLINE:
	default:
		return STS_LIMIT_INLINE_POLICY;
	}
}

/* Decodes one UTF-8 code point; returns its length or 0 when malformed. */
static size_t utf8_decode(const unsigned char *s, size_t left, unsigned long *cp)
{
	size_t n;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if ((s[0] & 0xE0) == 0xC0) {
		n = 2;
		*cp = s[0] & 0x1F;
	} else if ((s[0] & 0xF0) == 0xE0) {
		n = 3;
		*cp = s[0] & 0x0F;
	} else if ((s[0] & 0xF8) == 0xF0) {
		n = 4;
		*cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (n > left)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		*cp = (*cp << 6) | (s[i] & 0x3F);
	}
	if ((n == 2 && *cp < 0x80) || (n == 3 && *cp < 0x800) || (n == 4 && *cp < 0x10000))
		return 0; /* overlong */
	return n;
}

/* Line and column (1-based) of byte |off|, for messages. */
static void line_col(const char *text, size_t off, unsigned *line, unsigned *col)
{
	*line = 1;
	*col = 1;
	for (size_t i = 0; i < off; i++) {
		if (text[i] == '\n') {
			(*line)++;
			*col = 1;
		} else {
			(*col)++;
		}
	}
}

int sts_policy_text_check(const char *text, size_t len, const char *name, sts_doc_kind kind,
			  sts_error *err)
{
	size_t counted = 0, limit = sts_policy_size_limit(kind);
	const unsigned char *s = (const unsigned char *)text;
	unsigned line, col;

	for (size_t i = 0; i < len;) {
		unsigned long cp = 0; /* utf8_decode leaves it unset on a bad sequence */
		size_t n = utf8_decode(s + i, len - i, &cp);
		bool allowed = cp == '\t' || cp == '\n' || cp == '\r' || (cp >= 0x20 && cp <= 0xFF);

		if (n == 0 || !allowed) {
			line_col(text, i, &line, &col);
			return sts_error_set(
				err,
				"%s: line %u, column %u: character not allowed in a policy "
				"(only TAB, LF, CR and U+0020..U+00FF)",
				name, line, col);
		}
		if (!isspace((int)cp) || cp > 0x7F)
			counted++;
		i += n;
	}
	if (counted > limit)
		return sts_error_set(err,
				     "%s: (document): policy size %zu exceeds the limit of %zu "
				     "characters (whitespace not counted)",
				     name, counted, limit);
	return 0;
}

int sts_policy_json_parse(const char *text, size_t len, const char *name, json_object **out,
			  sts_error *err)
{
	json_tokener *tok = json_tokener_new_ex(64);
	json_object *root;
	enum json_tokener_error jerr;
	unsigned line, col;
	size_t off;
	char repeated[256];

	*out = NULL;
	if (len > (size_t)1 << 24) {
		json_tokener_free(tok);
		return sts_error_set(err, "%s: document larger than 16 MiB", name);
	}
	if (!tok)
		return sts_error_set(err, "%s: out of memory", name);
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	root = sts_json_parse_unique(tok, text, len, &off, repeated, sizeof(repeated));
	jerr = json_tokener_get_error(tok);
	json_tokener_free(tok);
	if (repeated[0]) {
		line_col(text, off < len ? off : len, &line, &col);
		return sts_error_set(err,
				     "%s: line %u, column %u: %s: the key appears twice in one "
				     "object (IAM refuses a repeated key)",
				     name, line, col, repeated);
	}
	if (!root || jerr != json_tokener_success) {
		json_object_put(root);
		line_col(text, off < len ? off : len, &line, &col);
		return sts_error_set(err, "%s: line %u, column %u: not valid JSON (%s)", name, line,
				     col,
				     jerr == json_tokener_continue ? "unexpected end of document" :
								     json_tokener_error_desc(jerr));
	}
	for (size_t i = off; i < len; i++) {
		if (!isspace((unsigned char)text[i])) {
			json_object_put(root);
			line_col(text, i, &line, &col);
			return sts_error_set(err,
					     "%s: line %u, column %u: text after the JSON document",
					     name, line, col);
		}
	}
	*out = root;
	return 0;
}

char *sts_text_to_glob(const char *text, size_t len, bool lower)
{
	size_t cap = len * 2 + 1, n = 0;
	char *out = malloc(cap);

	if (!out)
		return NULL;
	out[0] = '\0';
	if (!sts_glob_text_append(out, cap, &n, text, len)) {
		free(out);
		return NULL;
	}
	if (lower) {
		for (size_t i = 0; i < n; i++)
			out[i] = (char)tolower((unsigned char)out[i]);
	}
	return out;
}
