/*
 * Table-driven cases: every JSON file in tests/cases, one cmocka test per case.
 *   "decisions":  identity/session/boundary (or trust) policies, a request,
 *                 the expected decision and optionally the deciding statement;
 *   "validation": a document, its kind, valid or not, and the JSON path the
 *                 error must name.
 */
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "context_json.h"
#include "testutil.h"

typedef struct {
	char name[192];
	json_object *spec;
	bool is_decision;
} table_case;

static const char *str(json_object *obj, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(obj, key, &v) ? json_object_get_string(v) : NULL;
}

static sts_policy *compile(json_object *doc, sts_doc_kind kind, const char *name, char *msg,
			   size_t cap)
{
	const char *text =
		json_object_is_type(doc, json_type_string) ?
			json_object_get_string(doc) :
			json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN |
								    JSON_C_TO_STRING_NOSLASHESCAPE);
	sts_policy *p = NULL;
	sts_error err;

	if (sts_policy_parse(text, strlen(text), name, kind, &p, &err) < 0)
		snprintf(msg, cap, "%s", err.msg);
	return p;
}

static sts_policy_set *set_of(json_object *spec, const char *key, sts_doc_kind kind, bool *given)
{
	json_object *list;
	sts_policy_set *set;
	bool single;

	*given = json_object_object_get_ex(spec, key, &list);
	if (!*given)
		return NULL;
	set = sts_policy_set_new();
	single = !json_object_is_type(list, json_type_array);
	for (size_t i = 0; i < (single ? 1 : json_object_array_length(list)); i++) {
		char name[64], msg[512];
		snprintf(name, sizeof(name), "%s%zu", key, i);
		sts_policy *p = compile(single ? list : json_object_array_get_idx(list, i), kind,
					name, msg, sizeof(msg));
		if (!p)
			fail_msg("policy does not compile: %s", msg);
		sts_policy_set_add(set, p);
	}
	assert_int_equal(sts_policy_set_finish(set), 0);
	return set;
}

static sts_context *context_of(json_object *request)
{
	sts_context *ctx = sts_context_new();
	json_object *obj = NULL;

	json_object_object_get_ex(request, "context", &obj);
	assert_int_equal(sts_context_add_json(ctx, obj), 0);
	sts_context_add_principal_keys(ctx, str(request, "principal"));
	return ctx;
}

static void run_decision(json_object *spec)
{
	bool has_id, has_se, has_bo, has_trust;
	sts_policy_set *trust = set_of(spec, "trust", STS_DOC_TRUST, &has_trust);
	sts_policy_set *id = has_trust ? NULL : set_of(spec, "identity", STS_DOC_INLINE, &has_id);
	sts_policy_set *se = has_trust ? NULL : set_of(spec, "session", STS_DOC_SESSION, &has_se);
	sts_policy_set *bo = has_trust ? NULL : set_of(spec, "boundary", STS_DOC_INLINE, &has_bo);
	json_object *request;
	sts_verdict v;
	sts_decision d;
	const char *want = str(spec, "expected"), *decided_by = str(spec, "decided_by");
	char where[64] = "";

	assert_true(json_object_object_get_ex(spec, "request", &request));
	sts_context *ctx = context_of(request);
	sts_request req = { .principal = str(request, "principal"),
			    .action = str(request, "action"),
			    .resource = str(request, "resource"),
			    .context = ctx };
	if (!id && !has_trust) {
		id = sts_policy_set_new(); /* no identity policies: an empty set */
		assert_int_equal(sts_policy_set_finish(id), 0);
	}
	if (has_trust) {
		d = sts_evaluate_trust(trust, &req, &v);
	} else {
		sts_policy_inputs in = { .identity = id, .session = se, .boundary = bo };
		d = sts_evaluate(&in, &req, &v);
	}
	if (v.policy_name && v.sid && *v.sid)
		snprintf(where, sizeof(where), "Sid %s", v.sid);
	else if (v.policy_name)
		snprintf(where, sizeof(where), "Statement[%d]", v.statement_index);
	if (strcmp(sts_decision_word(d), want) != 0)
		fail_msg("expected %s, got %s (%s)", want, sts_decision_word(d), where);
	if (decided_by && strcmp(decided_by, where) != 0)
		fail_msg("expected decided by %s, got %s", decided_by, where);
	sts_context_free(ctx);
	sts_policy_set_free(trust);
	sts_policy_set_free(id);
	sts_policy_set_free(se);
	sts_policy_set_free(bo);
}

static sts_doc_kind kind_of(const char *kind)
{
	if (!kind || strcmp(kind, "identity") == 0)
		return STS_DOC_IDENTITY;
	if (strcmp(kind, "session") == 0)
		return STS_DOC_SESSION;
	if (strcmp(kind, "trust") == 0)
		return STS_DOC_TRUST;
	return STS_DOC_INLINE;
}

static void run_validation(json_object *spec)
{
	json_object *doc, *valid;
	char msg[1024] = "";
	const char *contains = str(spec, "error_contains");
	sts_policy *p;

	assert_true(json_object_object_get_ex(spec, "document", &doc));
	assert_true(json_object_object_get_ex(spec, "valid", &valid));
	p = compile(doc, kind_of(str(spec, "kind")), "case.json", msg, sizeof(msg));
	if (json_object_get_boolean(valid) && !p)
		fail_msg("expected valid, got: %s", msg);
	if (!json_object_get_boolean(valid) && p)
		fail_msg("expected invalid, but it was accepted");
	if (!p && strncmp(msg, "case.json: ", 11) != 0)
		fail_msg("error does not name the file: %s", msg);
	if (!p && contains && !strstr(msg, contains))
		fail_msg("error \"%s\" does not contain \"%s\"", msg, contains);
	sts_policy_free(p);
}

static void run_case(void **state)
{
	table_case *c = *state;

	if (c->is_decision)
		run_decision(c->spec);
	else
		run_validation(c->spec);
}

static size_t collect(json_object *root, const char *file, table_case **cases, size_t n)
{
	static const char *const sections[] = { "decisions", "validation" };

	for (int s = 0; s < 2; s++) {
		json_object *list;
		if (!json_object_object_get_ex(root, sections[s], &list))
			continue;
		for (size_t i = 0; i < json_object_array_length(list); i++) {
			json_object *spec = json_object_array_get_idx(list, i);
			*cases = realloc(*cases, (n + 1) * sizeof(**cases));
			table_case *c = &(*cases)[n++];
			snprintf(c->name, sizeof(c->name), "%s:%s", file,
				 str(spec, "name") ? str(spec, "name") : "(unnamed)");
			c->spec = spec;
			c->is_decision = s == 0;
		}
	}
	return n;
}

int main(void)
{
	glob_t files;
	table_case *cases = NULL;
	struct CMUnitTest *tests;
	json_object **roots;
	size_t n = 0;
	int rc;

	if (glob("tests/cases/*.json", 0, NULL, &files) != 0) {
		fprintf(stderr,
			"test_cases: no tests/cases/*.json (run from the repository root)\n");
		return 1;
	}
	roots = calloc(files.gl_pathc, sizeof(*roots));
	for (size_t f = 0; f < files.gl_pathc; f++) {
		roots[f] = json_object_from_file(files.gl_pathv[f]);
		if (!roots[f]) {
			fprintf(stderr, "test_cases: %s is not valid JSON\n", files.gl_pathv[f]);
			return 1;
		}
		n = collect(roots[f], strrchr(files.gl_pathv[f], '/') + 1, &cases, n);
	}
	tests = calloc(n ? n : 1, sizeof(*tests));
	for (size_t i = 0; i < n; i++) {
		tests[i] = (struct CMUnitTest){ .name = cases[i].name,
						.test_func = run_case,
						.initial_state = &cases[i] };
	}
	rc = _cmocka_run_group_tests("table cases", tests, n, NULL, NULL);
	for (size_t f = 0; f < files.gl_pathc; f++)
		json_object_put(roots[f]);
	free(roots);
	free(tests);
	free(cases);
	globfree(&files);
	return rc;
}
