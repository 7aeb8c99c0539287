/* Policy variables: compile once into segments, substitute per request. */
#include "policy/template.h"

#include <stdlib.h>
#include <string.h>

#include "policy/context.h"
#include "policy/wildcard.h"

static int push(sts_template *t, sts_seg_kind kind, const char *text, size_t len, char *fallback)
{
	sts_segment *grown = realloc(t->segs, (t->nsegs + 1) * sizeof(*grown));
	sts_segment *seg;

	if (!grown) {
		free(fallback);
		return -1;
	}
	t->segs = grown;
	seg = &t->segs[t->nsegs];
	seg->kind = kind;
	seg->fallback = fallback;
	seg->text = kind == SEG_VAR ? sts_strdup_lower(text, len) : strndup(text, len);
	if (!seg->text) {
		free(fallback);
		return -1;
	}
	t->nsegs++;
	if (kind == SEG_VAR)
		t->has_vars = true;
	return 0;
}

/*
 * Parses the inside of ${...}: "key" or "key, 'default'". Returns 1 for a
 * variable, 0 when the text is not a well-formed variable (kept literally).
 */
static int parse_var(const char *in, size_t len, size_t *key_len, char **fallback)
{
	const char *comma = memchr(in, ',', len);
	size_t klen = comma ? (size_t)(comma - in) : len;

	*fallback = NULL;
	while (klen > 0 && in[klen - 1] == ' ')
		klen--;
	if (klen == 0 || memchr(in, ' ', klen))
		return 0;
	*key_len = klen;
	if (comma) {
		const char *d = comma + 1, *end = in + len;
		while (d < end && *d == ' ')
			d++;
		if (end - d < 2 || *d != '\'' || end[-1] != '\'')
			return 0;
		*fallback = strndup(d + 1, (size_t)(end - d - 2));
		if (!*fallback)
			return -1;
	}
	return 1;
}

static int compile_segments(sts_template *t, const char *text, bool variables, size_t vars_from)
{
	const char *p = text + vars_from, *run = text;

	while (variables && (p = strstr(p, "${")) != NULL) {
		const char *close = strchr(p + 2, '}');
		size_t inner, key_len = 0;
		char *fallback = NULL;
		int kind;

		if (!close)
			break;
		inner = (size_t)(close - (p + 2));
		if (inner == 1 && strchr("*?$", p[2])) {
			kind = 2;
		} else {
			kind = parse_var(p + 2, inner, &key_len, &fallback);
			if (kind < 0)
				return -1;
		}
		if (kind == 0) {
			p += 2;
			continue;
		}
		if (p > run && push(t, SEG_TEXT, run, (size_t)(p - run), NULL) < 0) {
			free(fallback);
			return -1;
		}
		if (kind == 2 ? push(t, SEG_LITERAL, p + 2, 1, NULL) < 0 :
				push(t, SEG_VAR, p + 2, key_len, fallback) < 0)
			return -1;
		p = run = close + 1;
	}
	if (*run && push(t, SEG_TEXT, run, strlen(run), NULL) < 0)
		return -1;
	return 0;
}

int sts_template_compile(sts_template *t, const char *text, bool variables)
{
	return sts_template_compile_from(t, text, variables, 0);
}

int sts_template_compile_from(sts_template *t, const char *text, bool variables, size_t vars_from)
{
	memset(t, 0, sizeof(*t));
	if (vars_from > strlen(text))
		vars_from = strlen(text);
	if (compile_segments(t, text, variables, vars_from) < 0)
		goto fail;
	if (!t->has_vars) {
		size_t cap = strlen(text) * 2 + 2;
		t->glob = malloc(cap);
		t->plain = malloc(cap);
		if (!t->glob || !t->plain)
			goto fail;
		if (sts_template_render(t, RENDER_GLOB, NULL, t->glob, cap) < 0 ||
		    sts_template_render(t, RENDER_PLAIN, NULL, t->plain, cap) < 0)
			goto fail;
	}
	return 0;
fail:
	sts_template_free(t);
	return -1;
}

void sts_template_free(sts_template *t)
{
	for (size_t i = 0; i < t->nsegs; i++) {
		free(t->segs[i].text);
		free(t->segs[i].fallback);
	}
	free(t->segs);
	free(t->glob);
	free(t->plain);
	memset(t, 0, sizeof(*t));
}

static bool append(sts_render_mode mode, bool wild, char *out, size_t cap, size_t *len,
		   const char *text)
{
	size_t tlen = strlen(text);

	if (mode == RENDER_PLAIN) {
		if (*len + tlen >= cap)
			return false;
		memcpy(out + *len, text, tlen + 1);
		*len += tlen;
		return true;
	}
	return wild ? sts_glob_text_append(out, cap, len, text, tlen) :
		      sts_glob_escape_append(out, cap, len, text, tlen);
}

long sts_template_render(const sts_template *t, sts_render_mode mode, const sts_context *ctx,
			 char *out, size_t cap)
{
	size_t len = 0;

	if (cap == 0)
		return -1;
	out[0] = '\0';
	for (size_t i = 0; i < t->nsegs; i++) {
		const sts_segment *seg = &t->segs[i];
		const char *value = seg->text;
		bool wild = seg->kind == SEG_TEXT;

		if (seg->kind == SEG_VAR) {
			value = sts_context_single(ctx, seg->text);
			if (!value)
				value = seg->fallback;
			if (!value)
				return -1;
		}
		if (!append(mode, wild, out, cap, &len, value))
			return -1;
	}
	return (long)len;
}
