/* Wildcard matcher: greedy, backtracking only to the last '*' seen. No
 * recursion and no allocation; at worst pattern length x text length steps. */
#include "policy/wildcard.h"

#include <string.h>

/* Length of the UTF-8 sequence starting at |s| ('?' matches one character). */
static size_t utf8_len(const char *s, size_t left)
{
	unsigned char c = (unsigned char)s[0];
	size_t n = 1;

	if (c >= 0xC0)
		n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
	if (n > left)
		n = left;
	for (size_t i = 1; i < n; i++) {
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			return i;
	}
	return n;
}

bool sts_glob_match(const char *pat, size_t plen, const char *str, size_t slen)
{
	size_t p = 0, s = 0;
	size_t star_p = (size_t)-1, star_s = 0;

	while (s < slen) {
		if (p < plen && pat[p] == '*') {
			star_p = ++p;
			star_s = s;
			continue;
		}
		if (p < plen && pat[p] == '?') {
			p++;
			s += utf8_len(str + s, slen - s);
			continue;
		}
		if (p < plen) {
			size_t lit = p;
			if (pat[p] == '\\' && p + 1 < plen)
				lit = p + 1;
			if (pat[lit] == str[s]) {
				p = lit + 1;
				s++;
				continue;
			}
		}
		if (star_p == (size_t)-1)
			return false;
		/* Let the last '*' swallow one more character and retry. */
		p = star_p;
		s = ++star_s;
	}
	while (p < plen && pat[p] == '*')
		p++;
	return p == plen;
}

bool sts_glob_escape_append(char *out, size_t cap, size_t *len, const char *text, size_t tlen)
{
	for (size_t i = 0; i < tlen; i++) {
		char c = text[i];
		bool special = c == '*' || c == '?' || c == '\\';
		if (*len + (special ? 2 : 1) >= cap)
			return false;
		if (special)
			out[(*len)++] = '\\';
		out[(*len)++] = c;
	}
	out[*len] = '\0';
	return true;
}

bool sts_glob_text_append(char *out, size_t cap, size_t *len, const char *text, size_t tlen)
{
	for (size_t i = 0; i < tlen; i++) {
		char c = text[i];
		if (*len + (c == '\\' ? 2 : 1) >= cap)
			return false;
		if (c == '\\')
			out[(*len)++] = '\\';
		out[(*len)++] = c;
	}
	out[*len] = '\0';
	return true;
}

size_t sts_glob_literal_prefix(const char *pat, size_t plen, char *out, size_t cap)
{
	size_t n = 0;

	for (size_t p = 0; p < plen && n + 1 < cap; p++) {
		if (pat[p] == '*' || pat[p] == '?')
			break;
		if (pat[p] == '\\' && p + 1 < plen)
			p++;
		out[n++] = pat[p];
	}
	if (cap)
		out[n] = '\0';
	return n;
}
