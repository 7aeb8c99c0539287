/* Request context internals shared by the evaluator. */
#ifndef STS_CONTEXT_H
#define STS_CONTEXT_H

#include <stdbool.h>
#include <stddef.h>

#include "policy/policy.h"

typedef struct {
	char *key; /* lower-cased: condition key names are case-insensitive */
	size_t klen;
	char **values;
	size_t nvalues;
	bool multi; /* declared multi-valued (KEY[] or given more than once) */
} sts_context_entry;

const sts_context_entry *sts_context_find(const sts_context *ctx, const char *key_lower);
const sts_context_entry *sts_context_find_n(const sts_context *ctx, const char *key_lower,
					    size_t len);

/* The single value of a single-valued key, or NULL (absent or multi-valued):
 * what a policy variable may be substituted with. */
const char *sts_context_single(const sts_context *ctx, const char *key_lower);

/* ASCII lower-casing into a new string (NULL on allocation failure). */
char *sts_strdup_lower(const char *s, size_t len);

#endif
