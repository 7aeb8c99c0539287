/*
 * Wildcard matching as IAM does it: '*' matches any run of characters
 * (also '/' and ':'), '?' exactly one character. A compiled pattern uses
 * '\' to mark the next byte as literal, so text substituted from a policy
 * variable or a ${*} escape never acts as a wildcard.
 */
#ifndef STS_WILDCARD_H
#define STS_WILDCARD_H

#include <stdbool.h>
#include <stddef.h>

bool sts_glob_match(const char *pat, size_t plen, const char *str, size_t slen);

/* Appends |text| to |out| (capacity |cap|, current length *len) escaped so
 * that every byte is literal. Returns false when it does not fit. */
bool sts_glob_escape_append(char *out, size_t cap, size_t *len, const char *text, size_t tlen);

/* Appends policy text whose '*' and '?' stay wildcards (a '\' is escaped). */
bool sts_glob_text_append(char *out, size_t cap, size_t *len, const char *text, size_t tlen);

/* Length of the literal prefix of a compiled pattern (up to the first wildcard). */
size_t sts_glob_literal_prefix(const char *pat, size_t plen, char *out, size_t cap);

#endif
