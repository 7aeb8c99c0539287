/* The request context: case-insensitive keys, each with one or more values. */
#include "policy/context.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

struct sts_context {
	sts_context_entry *entries;
	size_t count, cap;
};

char *sts_strdup_lower(const char *s, size_t len)
{
	char *out = malloc(len + 1);

	if (!out)
		return NULL;
	for (size_t i = 0; i < len; i++)
		out[i] = (char)tolower((unsigned char)s[i]);
	out[len] = '\0';
	return out;
}

sts_context *sts_context_new(void)
{
	return calloc(1, sizeof(sts_context));
}

void sts_context_free(sts_context *ctx)
{
	if (!ctx)
		return;
	for (size_t i = 0; i < ctx->count; i++) {
		for (size_t v = 0; v < ctx->entries[i].nvalues; v++)
			free(ctx->entries[i].values[v]);
		free(ctx->entries[i].values);
		free(ctx->entries[i].key);
	}
	free(ctx->entries);
	free(ctx);
}

const sts_context_entry *sts_context_find_n(const sts_context *ctx, const char *key_lower,
					    size_t len)
{
	if (!ctx)
		return NULL;
	for (size_t i = 0; i < ctx->count; i++) {
		const sts_context_entry *e = &ctx->entries[i];
		if (e->klen == len && memcmp(e->key, key_lower, len) == 0)
			return e;
	}
	return NULL;
}

const sts_context_entry *sts_context_find(const sts_context *ctx, const char *key_lower)
{
	return sts_context_find_n(ctx, key_lower, strlen(key_lower));
}

const char *sts_context_single(const sts_context *ctx, const char *key_lower)
{
	const sts_context_entry *e = sts_context_find(ctx, key_lower);

	if (!e || e->multi || e->nvalues != 1)
		return NULL;
	return e->values[0];
}

static sts_context_entry *find_or_add(sts_context *ctx, const char *key)
{
	char *lower = sts_strdup_lower(key, strlen(key));
	sts_context_entry *e;

	if (!lower)
		return NULL;
	for (size_t i = 0; i < ctx->count; i++) {
		if (strcmp(ctx->entries[i].key, lower) == 0) {
			free(lower);
			return &ctx->entries[i];
		}
	}
	if (ctx->count == ctx->cap) {
		size_t cap = ctx->cap ? ctx->cap * 2 : 8;
		sts_context_entry *grown = realloc(ctx->entries, cap * sizeof(*grown));
		if (!grown) {
			free(lower);
			return NULL;
		}
		ctx->entries = grown;
		ctx->cap = cap;
	}
	e = &ctx->entries[ctx->count++];
	memset(e, 0, sizeof(*e));
	e->key = lower;
	e->klen = strlen(lower);
	return e;
}

static int append_value(sts_context_entry *e, const char *value)
{
	char **grown = realloc(e->values, (e->nvalues + 1) * sizeof(*grown));
	char *copy;

	if (!grown)
		return -1;
	e->values = grown;
	copy = strdup(value);
	if (!copy)
		return -1;
	e->values[e->nvalues++] = copy;
	return 0;
}

int sts_context_add(sts_context *ctx, const char *key, const char *value)
{
	sts_context_entry *e = find_or_add(ctx, key);

	if (!e || !value)
		return -1;
	if (e->nvalues > 0)
		e->multi = true; /* the same key twice is one multi-valued key */
	return append_value(e, value);
}

int sts_context_add_multi(sts_context *ctx, const char *key, const char *value)
{
	sts_context_entry *e = find_or_add(ctx, key);

	if (!e)
		return -1;
	e->multi = true;
	return value ? append_value(e, value) : 0;
}

/* Compares without a lowercase copy: an allocation that failed here would
 * read as "absent", and the caller would add the key a second time. */
bool sts_context_has(const sts_context *ctx, const char *key)
{
	size_t len = strlen(key);

	for (size_t i = 0; ctx && i < ctx->count; i++) {
		const sts_context_entry *e = &ctx->entries[i];
		size_t k = 0;

		if (e->klen != len)
			continue;
		while (k < len && e->key[k] == (char)tolower((unsigned char)key[k]))
			k++;
		if (k == len)
			return true;
	}
	return false;
}
