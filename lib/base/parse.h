/*
 * Small parsers the configuration reader, the policy and identity loaders
 * and the command lines share, so that each rule is written once.
 */
#ifndef STS_PARSE_H
#define STS_PARSE_H

#include <stdbool.h>

/* Whether |word| is one of the NULL-terminated |list| (exact, case-sensitive). */
bool sts_in_list(const char *word, const char *const *list);

/* A decimal number within [min, max]: digits only (strtoul alone would take
 * a sign or leading blanks), nothing after them, no overflow. Returns 0 with
 * |*out| set, or -1 with |*out| unspecified. */
int sts_parse_uint(const char *text, unsigned long min, unsigned long max, unsigned long *out);

#endif
