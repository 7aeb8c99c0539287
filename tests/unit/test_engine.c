/* Decision logic, deciding-statement reports, trust policies, the index. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/policy_set.h"
#include "testutil.h"

#define V "\"Version\":\"2012-10-17\""

static const char *const seed_assume =
	"{" V ",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"sts:AssumeRole\","
	"\"Resource\":\"arn:aws:iam::123123123123:role/UpdateAPP\"}]}";
static const char *const seed_federate =
	"{" V ",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"sts:GetFederationToken\","
	"\"Resource\":[\"arn:aws:sts::123456789012:federated-user/Manager*\"]}]}";

static void test_seed_examples(void **state)
{
	(void)state;
	assert_int_equal(tu_decide(seed_assume, "sts:AssumeRole",
				   "arn:aws:iam::123123123123:role/UpdateAPP", NULL),
			 STS_ALLOWED);
	assert_int_equal(tu_decide(seed_assume, "sts:AssumeRole",
				   "arn:aws:iam::123123123123:role/Other", NULL),
			 STS_IMPLICIT_DENY);
	assert_int_equal(tu_decide(seed_federate, "sts:GetFederationToken",
				   "arn:aws:sts::123456789012:federated-user/Manager-Bob", NULL),
			 STS_ALLOWED);
	assert_int_equal(tu_decide(seed_federate, "sts:GetFederationToken",
				   "arn:aws:sts::123456789012:federated-user/Bob", NULL),
			 STS_IMPLICIT_DENY);
}

static char last_why[256];

static sts_decision decide_sets(const char *const *identity, const char *const *session,
				const char *const *boundary, const char *action,
				const char *resource, sts_verdict *v)
{
	sts_policy_set *id = tu_set(STS_DOC_INLINE, identity);
	sts_policy_set *se = session ? tu_set(STS_DOC_SESSION, session) : NULL;
	sts_policy_set *bo = boundary ? tu_set(STS_DOC_INLINE, boundary) : NULL;
	sts_context *ctx = tu_context(NULL);
	sts_policy_inputs in = { .identity = id, .session = se, .boundary = bo };
	sts_request req = { .action = action, .resource = resource, .context = ctx };
	sts_decision d = sts_evaluate(&in, &req, v);

	sts_verdict_describe(v, last_why, sizeof(last_why));
	v->policy_name = NULL; /* points into the sets freed below */
	v->sid = NULL;
	sts_context_free(ctx);
	sts_policy_set_free(id);
	sts_policy_set_free(se);
	sts_policy_set_free(bo);
	return d;
}

static const char *const allow_all =
	"{" V ",\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\"}}";
static const char *const deny_s3 =
	"{" V ",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"ec2:*\",\"Resource\":\"*\"},"
	"{\"Sid\":\"NoS3\",\"Effect\":\"Deny\",\"Action\":\"s3:*\",\"Resource\":\"*\"}]}";
static const char *const allow_s3_get =
	"{" V ",\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"s3:Get*\",\"Resource\":\"*\"}}";

static void test_explicit_deny_beats_allow(void **state)
{
	const char *identity[] = { allow_all, deny_s3, NULL };
	sts_verdict v;
	char why[256];

	(void)state;
	assert_int_equal(decide_sets(identity, NULL, NULL, "s3:GetObject", "arn:aws:s3:::b/k", &v),
			 STS_EXPLICIT_DENY);
	assert_string_equal(last_why, "identity policy policy1 Sid NoS3 (Deny)");
	assert_int_equal(decide_sets(identity, NULL, NULL, "ec2:RunInstances", "*", &v),
			 STS_ALLOWED);
	assert_string_equal(last_why, "identity policy policy0 Statement[0] (Allow)");
	(void)why;
}

static void test_boundary_and_session_intersect(void **state)
{
	const char *identity[] = { allow_all, NULL };
	const char *limit[] = { allow_s3_get, NULL };
	const char *two_pieces[] = {
		allow_s3_get,
		"{" V
		",\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"ec2:Describe*\",\"Resource\":\"*\"}}",
		NULL
	};
	sts_verdict v;

	(void)state;
	assert_int_equal(decide_sets(identity, NULL, limit, "s3:GetObject", "*", &v), STS_ALLOWED);
	assert_int_equal(decide_sets(identity, NULL, limit, "s3:PutObject", "*", &v),
			 STS_IMPLICIT_DENY);
	assert_string_equal(v.policy_type, "boundary");
	assert_int_equal(decide_sets(identity, limit, NULL, "s3:PutObject", "*", &v),
			 STS_IMPLICIT_DENY);
	assert_string_equal(v.policy_type, "session");
	/* Several session pieces act as one session policy (their union). */
	assert_int_equal(decide_sets(identity, two_pieces, NULL, "ec2:DescribeVpcs", "*", &v),
			 STS_ALLOWED);
	/* A session policy never adds what the identity policies lack. */
	assert_int_equal(decide_sets(limit, identity, NULL, "s3:PutObject", "*", &v),
			 STS_IMPLICIT_DENY);
	const char *deny_boundary[] = { deny_s3, NULL };
	assert_int_equal(decide_sets(identity, NULL, deny_boundary, "s3:GetObject", "*", &v),
			 STS_EXPLICIT_DENY);
	assert_string_equal(v.policy_type, "boundary");
}

static sts_decision trust(const char *doc, const char *principal, const char *const *ctxp)
{
	const char *docs[] = { doc, NULL };
	sts_policy_set *set = tu_set(STS_DOC_TRUST, docs);
	sts_context *ctx = tu_context(ctxp);
	sts_request req = { .principal = principal,
			    .action = "sts:AssumeRole",
			    .resource = "arn:aws:iam::123456789012:role/UpdateAPP",
			    .context = ctx };
	sts_verdict v;
	sts_decision d;

	sts_context_add_principal_keys(ctx, principal);
	d = sts_evaluate_trust(set, &req, &v);
	sts_context_free(ctx);
	sts_policy_set_free(set);
	return d;
}

static void test_trust_principals(void **state)
{
	const char *account =
		"{" V
		",\"Statement\":{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"123456789012\"},\"Action\":\"sts:AssumeRole\"}}";
	const char *user =
		"{" V
		",\"Statement\":{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:iam::123456789012:user/alice\"},\"Action\":\"sts:AssumeRole\","
		"\"Condition\":{\"StringEquals\":{\"sts:RoleSessionName\":\"${aws:username}\"}}}}";
	const char *role =
		"{" V
		",\"Statement\":{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:iam::123456789012:role/path/Ops\"},\"Action\":\"sts:AssumeRole\"}}";

	(void)state;
	assert_int_equal(trust(account, "arn:aws:iam::123456789012:user/bob", NULL), STS_ALLOWED);
	assert_int_equal(trust(account, "arn:aws:iam::999999999999:user/bob", NULL),
			 STS_IMPLICIT_DENY);
	const char *ctx_alice[] = { "sts:RoleSessionName=alice", NULL };
	const char *ctx_other[] = { "sts:RoleSessionName=mallory", NULL };
	assert_int_equal(trust(user, "arn:aws:iam::123456789012:user/alice", ctx_alice),
			 STS_ALLOWED);
	assert_int_equal(trust(user, "arn:aws:iam::123456789012:user/alice", ctx_other),
			 STS_IMPLICIT_DENY);
	assert_int_equal(trust(user, "arn:aws:iam::123456789012:user/bob", ctx_alice),
			 STS_IMPLICIT_DENY);
	assert_int_equal(trust(role, "arn:aws:sts::123456789012:assumed-role/Ops/s1", NULL),
			 STS_ALLOWED);
	assert_int_equal(trust(role, "arn:aws:sts::123456789012:assumed-role/Ops2/s1", NULL),
			 STS_IMPLICIT_DENY);
}

static void test_principal_rules_by_kind(void **state)
{
	char msg[512];

	(void)state;
	assert_int_equal(
		tu_parse(
			"{" V
			",\"Statement\":{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"s3:*\",\"Resource\":\"*\"}}",
			STS_DOC_INLINE, msg, sizeof(msg)),
		-1);
	assert_non_null(strstr(msg, "doc.json: Statement.Principal:"));
	assert_int_equal(
		tu_parse("{" V
			 ",\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"sts:AssumeRole\"}}",
			 STS_DOC_TRUST, msg, sizeof(msg)),
		-1);
	assert_non_null(strstr(msg, "Principal"));
	assert_int_equal(
		tu_parse(
			"{" V
			",\"Statement\":{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:iam::1:user/*\"},\"Action\":\"sts:AssumeRole\"}}",
			STS_DOC_TRUST, msg, sizeof(msg)),
		-1);
	assert_non_null(strstr(msg, "wildcards"));
}

static void test_error_messages_name_file_and_path(void **state)
{
	char msg[512];

	(void)state;
	assert_int_equal(
		tu_parse(
			"{" V
			",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:*\",\"Resource\":\"*\"},"
			"{\"Effect\":\"Allow\",\"Action\":\"s3:*\",\"Resource\":\"*\",\"Condition\":{\"DateGreaterThan\":{\"aws:CurrentTime\":\"soon\"}}}]}",
			STS_DOC_IDENTITY, msg, sizeof(msg)),
		-1);
	assert_non_null(strstr(
		msg,
		"doc.json: Statement[1].Condition.DateGreaterThan.aws:CurrentTime: not a date"));
	assert_int_equal(tu_parse("{\"Version\":\"2012-10-17\",\n \"Statement\": [,]}",
				  STS_DOC_IDENTITY, msg, sizeof(msg)),
			 -1);
	assert_non_null(strstr(msg, "doc.json: line 2"));
}

/* The index only prunes: decisions equal a linear scan over many shapes. */
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
static void test_index_agrees_with_linear_scan(void **state)
{
	static const char *const actions[] = { "sts:AssumeRole", "sts:GetFederationToken",
					       "s3:GetObject", "s3:PutObject", "ec2:RunInstances" };
	static const char *const shapes[] = {
		"{\"Effect\":\"%s\",\"Action\":\"sts:AssumeRole\",\"Resource\":\"arn:aws:iam::1:role/App%d\"}",
		"{\"Effect\":\"%s\",\"Action\":\"sts:GetFederationToken\",\"Resource\":\"arn:aws:sts::1:federated-user/T%d*\"}",
		"{\"Effect\":\"%s\",\"Action\":\"s3:*\",\"Resource\":\"arn:aws:s3:::b%d/${aws:username}/*\"}",
		"{\"Effect\":\"%s\",\"NotAction\":\"s3:Put*\",\"Resource\":\"arn:aws:s3:::b%d*\"}",
		"{\"Effect\":\"%s\",\"Action\":\"ec2:*\",\"NotResource\":\"arn:aws:ec2:*:1:instance/i%d\"}",
		"{\"Effect\":\"%s\",\"Action\":[\"s3:GetObject\",\"sts:AssumeRole\"],\"Resource\":\"*\",\"Condition\":{\"NumericLessThan\":{\"x:n\":\"%d\"}}}",
	};
	enum {
		NPOL = 30,
		PER = 20
	};
	sts_policy *policies[NPOL];
	sts_policy_set *set = sts_policy_set_new();
	unsigned seed = 7;

	(void)state;
	for (int p = 0; p < NPOL; p++) {
		char doc[8192], name[16];
		size_t len = (size_t)snprintf(doc, sizeof(doc), "{" V ",\"Statement\":[");
		sts_error err;
		for (int i = 0; i < PER; i++) {
			seed = seed * 1103515245u + 12345u;
			len += (size_t)snprintf(doc + len, sizeof(doc) - len, "%s", i ? "," : "");
			len += (size_t)snprintf(doc + len, sizeof(doc) - len,
						shapes[(seed >> 16) % 6],
						((seed >> 8) % 7) ? "Allow" : "Deny",
						(int)((seed >> 4) % 50));
		}
		snprintf(doc + len, sizeof(doc) - len, "]}");
		snprintf(name, sizeof(name), "p%d", p);
		if (sts_policy_parse(doc, strlen(doc), name, STS_DOC_INLINE, &policies[p], &err) <
		    0)
			fail_msg("%s", err.msg);
		assert_int_equal(sts_policy_set_add(set, policies[p]), 0);
	}
	assert_int_equal(sts_policy_set_finish(set), 0);
	const char *ctxp[] = { "aws:username=alice", "x:n=25", NULL };
	sts_context *ctx = tu_context(ctxp);
	for (int i = 0; i < 2000; i++) {
		char resource[128];
		seed = seed * 1103515245u + 12345u;
		int n = (int)((seed >> 8) % 55);
		switch ((seed >> 20) % 5) {
		case 0:
			snprintf(resource, sizeof(resource), "arn:aws:iam::1:role/App%d", n);
			break;
		case 1:
			snprintf(resource, sizeof(resource), "arn:aws:sts::1:federated-user/T%dx",
				 n);
			break;
		case 2:
			snprintf(resource, sizeof(resource), "arn:aws:s3:::b%d/alice/k", n);
			break;
		case 3:
			snprintf(resource, sizeof(resource), "arn:aws:ec2:us-east-1:1:instance/i%d",
				 n);
			break;
		default:
			snprintf(resource, sizeof(resource), "arn:aws:s3:::b%d", n);
			break;
		}
		sts_request req = { .action = actions[(seed >> 12) % 5],
				    .resource = resource,
				    .context = ctx };
		sts_policy_inputs in = { .identity = set };
		sts_verdict v;
		sts_decision indexed = sts_evaluate(&in, &req, &v);
		/* Linear reference over the compiled statements. */
		char action[64];
		sts_prepared pr;
		assert_true(sts_prepare_request(&req, action, sizeof(action), &pr));
		int first_allow = -1, first_deny = -1;
		for (int p = 0; p < NPOL; p++) {
			for (size_t st = 0; st < policies[p]->nstatements; st++) {
				int ordinal = p * PER + (int)st;
				if (!sts_statement_applies(&policies[p]->statements[st], &pr))
					continue;
				int *slot = policies[p]->statements[st].allow ? &first_allow :
										&first_deny;
				if (*slot < 0)
					*slot = ordinal;
			}
		}
		sts_decision expect = first_deny >= 0  ? STS_EXPLICIT_DENY :
				      first_allow >= 0 ? STS_ALLOWED :
							 STS_IMPLICIT_DENY;
		assert_int_equal(indexed, expect);
		if (expect != STS_IMPLICIT_DENY) {
			int want = expect == STS_ALLOWED ? first_allow : first_deny;
			char name[16];
			snprintf(name, sizeof(name), "p%d", want / PER);
			assert_string_equal(v.policy_name, name);
			assert_int_equal(v.statement_index, want % PER);
		}
	}
	sts_context_free(ctx);
	sts_policy_set_free(set);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seed_examples),
		cmocka_unit_test(test_explicit_deny_beats_allow),
		cmocka_unit_test(test_boundary_and_session_intersect),
		cmocka_unit_test(test_trust_principals),
		cmocka_unit_test(test_principal_rules_by_kind),
		cmocka_unit_test(test_error_messages_name_file_and_path),
		cmocka_unit_test(test_index_agrees_with_linear_scan),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
