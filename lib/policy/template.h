/*
 * Policy text that may hold policy variables (Version 2012-10-17 only):
 * ${key}, ${key, 'default'}, and the escapes ${*} ${?} ${$}. Rendering
 * substitutes values from the request context; substituted text and escapes
 * are always literal, never wildcards.
 */
#ifndef STS_TEMPLATE_H
#define STS_TEMPLATE_H

#include <stdbool.h>
#include <stddef.h>

#include "policy/policy.h"

typedef enum {
	SEG_TEXT,
	SEG_LITERAL,
	SEG_VAR
} sts_seg_kind;

typedef struct {
	sts_seg_kind kind;
	char *text;	/* TEXT/LITERAL: the text; VAR: the key, lower-cased */
	char *fallback; /* VAR: the default value, or NULL */
} sts_segment;

typedef struct {
	sts_segment *segs;
	size_t nsegs;
	bool has_vars;
	char *glob;  /* rendered wildcard pattern when !has_vars */
	char *plain; /* rendered literal text when !has_vars */
} sts_template;

typedef enum {
	RENDER_GLOB,
	RENDER_PLAIN
} sts_render_mode;

/* |variables| false (Version 2008-10-17) keeps ${...} as literal text. */
int sts_template_compile(sts_template *t, const char *text, bool variables);
/* The same, recognising variables only from byte |vars_from| on (the
 * resource part of an ARN). */
int sts_template_compile_from(sts_template *t, const char *text, bool variables, size_t vars_from);
void sts_template_free(sts_template *t);

/*
 * Renders into |out|. Returns the length, or -1 when a variable has no value
 * and no default (the entry then matches nothing) or the result does not fit.
 */
long sts_template_render(const sts_template *t, sts_render_mode mode, const sts_context *ctx,
			 char *out, size_t cap);

#endif
