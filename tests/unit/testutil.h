/* Helpers shared by the cmocka suites: build sets and contexts from text. */
#ifndef STS_TESTUTIL_H
#define STS_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "policy/policy.h"

/* A finished set from NULL-terminated policy texts (fails the test on error). */
sts_policy_set *tu_set(sts_doc_kind kind, const char *const *docs);
/* A context from NULL-terminated "key=value" / "key[]=value" / "key[]" strings. */
sts_context *tu_context(const char *const *pairs);
/* Evaluates one identity policy text against action/resource/context. */
sts_decision tu_decide(const char *doc, const char *action, const char *resource,
		       const char *const *pairs);
/* Parses |doc| as |kind|; returns 0 or -1 and the error text in |msg|. */
int tu_parse(const char *doc, sts_doc_kind kind, char *msg, size_t cap);

/* A fresh private directory /tmp/pam_sts-test-XXXXXX into |buf|, and its
 * removal with everything below it: 0, or -1 (for cmocka set-ups). */
int tu_mkdtemp(char *buf, size_t cap);
int tu_rmtree(const char *dir);

#endif
