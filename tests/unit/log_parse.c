/* See log_parse.h. */
#include "log_parse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool bare(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       (c != '\0' && strchr("._:/@+,-", c));
}

static int hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* One quoted field from |*p| (at the opening quote) into |out|. */
static bool quoted(const char **p, char *out, size_t len)
{
	const char *s = *p + 1;
	size_t n = 0;

	while (*s != '"') {
		int c = (unsigned char)*s;

		if (c < 0x20 || c > 0x7e || n + 1 >= len)
			return false;
		if (c == '\\') {
			if (s[1] == '"' || s[1] == '\\') {
				c = s[1];
				s += 2;
			} else if (s[1] == 'x' && hex(s[2]) >= 0 && hex(s[3]) >= 0) {
				c = hex(s[2]) * 16 + hex(s[3]);
				s += 4;
			} else {
				return false;
			}
		} else {
			s++;
		}
		out[n++] = (char)c;
	}
	out[n] = '\0';
	*p = s + 1;
	return true;
}

static bool field(const char **p, lp_record *r)
{
	const char *s = *p;
	size_t n = 0;
	int i = r->n;

	if (i >= LP_FIELDS)
		return false;
	while ((*s >= 'a' && *s <= 'z') || *s == '_')
		s++;
	if (s == *p || *s != '=' || (size_t)(s - *p) >= sizeof(r->key[0]))
		return false;
	snprintf(r->key[i], sizeof(r->key[0]), "%.*s", (int)(s - *p), *p);
	s++;
	r->absent[i] = false;
	if (*s == '"') {
		if (!quoted(&s, r->value[i], sizeof(r->value[0])))
			return false;
	} else if (*s == '-' && (s[1] == ' ' || !s[1])) {
		r->absent[i] = true;
		r->value[i][0] = '\0';
		s++;
	} else {
		while (bare(*s) && n + 1 < sizeof(r->value[0]))
			r->value[i][n++] = *s++;
		r->value[i][n] = '\0';
		if (n == 0)
			return false;
	}
	if (*s && *s != ' ')
		return false;
	r->n++;
	*p = s;
	return true;
}

bool lp_parse(const char *line, lp_record *r)
{
	const char *colon = strchr(line, ':');

	memset(r, 0, sizeof(*r));
	if (!colon || colon == line || (size_t)(colon - line) >= sizeof(r->what))
		return false;
	snprintf(r->what, sizeof(r->what), "%.*s", (int)(colon - line), line);
	for (const char *p = colon + 1; *p;) {
		if (*p != ' ')
			return false;
		p++;
		if (!field(&p, r))
			return false;
	}
	return r->n > 0;
}

const char *lp_get(const lp_record *r, const char *key, int *count)
{
	const char *value = NULL;

	*count = 0;
	for (int i = 0; i < r->n; i++) {
		if (strcmp(r->key[i], key) == 0) {
			(*count)++;
			value = r->absent[i] ? NULL : r->value[i];
		}
	}
	return value;
}
