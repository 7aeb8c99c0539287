/* Test helpers: compile policies and contexts from short strings. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

sts_policy_set *tu_set(sts_doc_kind kind, const char *const *docs)
{
	sts_policy_set *set = sts_policy_set_new();

	assert_non_null(set);
	for (size_t i = 0; docs && docs[i]; i++) {
		sts_policy *p = NULL;
		sts_error err;
		char name[32];
		snprintf(name, sizeof(name), "policy%zu", i);
		if (sts_policy_parse(docs[i], strlen(docs[i]), name, kind, &p, &err) < 0)
			fail_msg("parse failed: %s", err.msg);
		assert_int_equal(sts_policy_set_add(set, p), 0);
	}
	assert_int_equal(sts_policy_set_finish(set), 0);
	return set;
}

sts_context *tu_context(const char *const *pairs)
{
	sts_context *ctx = sts_context_new();

	assert_non_null(ctx);
	for (size_t i = 0; pairs && pairs[i]; i++) {
		char key[256];
		const char *eq = strchr(pairs[i], '=');
		size_t klen = eq ? (size_t)(eq - pairs[i]) : strlen(pairs[i]);
		assert_true(klen < sizeof(key));
		memcpy(key, pairs[i], klen);
		key[klen] = '\0';
		if (klen > 2 && strcmp(key + klen - 2, "[]") == 0) {
			key[klen - 2] = '\0';
			assert_int_equal(sts_context_add_multi(ctx, key, eq ? eq + 1 : NULL), 0);
		} else {
			assert_non_null(eq);
			assert_int_equal(sts_context_add(ctx, key, eq + 1), 0);
		}
	}
	return ctx;
}

sts_decision tu_decide(const char *doc, const char *action, const char *resource,
		       const char *const *pairs)
{
	const char *docs[] = { doc, NULL };
	sts_policy_set *set = tu_set(STS_DOC_INLINE, docs);
	sts_context *ctx = tu_context(pairs);
	sts_policy_inputs in = { .identity = set };
	sts_request req = { .action = action, .resource = resource, .context = ctx };
	sts_verdict v;
	sts_decision d = sts_evaluate(&in, &req, &v);

	sts_context_free(ctx);
	sts_policy_set_free(set);
	return d;
}

int tu_parse(const char *doc, sts_doc_kind kind, char *msg, size_t cap)
{
	sts_policy *p = NULL;
	sts_error err;
	int rc = sts_policy_parse(doc, strlen(doc), "doc.json", kind, &p, &err);

	if (msg && cap)
		snprintf(msg, cap, "%s", rc < 0 ? err.msg : "");
	sts_policy_free(p);
	return rc;
}

int tu_mkdtemp(char *buf, size_t cap)
{
	snprintf(buf, cap, "/tmp/pam_sts-test-XXXXXX");
	return mkdtemp(buf) ? 0 : -1;
}

int tu_rmtree(const char *dir)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}
