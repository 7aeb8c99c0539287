/* Raw-text checks and JSON decoding of policy documents. */
#ifndef STS_POLICY_TEXT_H
#define STS_POLICY_TEXT_H

#include <stdbool.h>
#include <stddef.h>

#include "policy/policy.h"

struct json_object;

/* IAM's quotas, counted without whitespace. */
#define STS_LIMIT_MANAGED_POLICY 6144
#define STS_LIMIT_INLINE_POLICY	 10240
#define STS_LIMIT_SESSION_POLICY 2048
#define STS_LIMIT_TRUST_POLICY	 4096

size_t sts_policy_size_limit(sts_doc_kind kind);

/* Character set (TAB, LF, CR, U+0020..U+00FF, valid UTF-8), no NUL, size. */
int sts_policy_text_check(const char *text, size_t len, const char *name, sts_doc_kind kind,
			  sts_error *err);

/* Strict JSON decoding; errors carry line and column. */
int sts_policy_json_parse(const char *text, size_t len, const char *name, struct json_object **out,
			  sts_error *err);

/* Policy text -> wildcard pattern ('\' escaped), optionally ASCII-lower-cased. */
char *sts_text_to_glob(const char *text, size_t len, bool lower);

#endif
