/*
 * The STS decision: the seed examples, identity AND trust, explicit deny,
 * the request context, role targets, the scope the credentials will hold, role=prompt listing, and the conf/sandbox tree.
 * The fixture is described in authz_fixture.c.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "authz_fixture.h"

#define ACCT AF_ACCOUNT

static sts_authz_request assume(const char *role)
{
	sts_authz_request r = { .op = STS_OP_ASSUME_ROLE, .target = role };
	return r;
}

static sts_authz_request federate(const char *name)
{
	sts_authz_request r = { .op = STS_OP_FEDERATE, .target = name };
	return r;
}

static void test_seed_deployers_assume_updateapp(void **state)
{
	af_fixture *f = *state;
	sts_caller alice = af_caller("alice", 60);
	sts_authz_request r = assume("UpdateAPP");
	sts_authz_result res;

	assert_int_equal(af_decide(f, &alice, &r, &res), STS_ALLOWED);
	af_contains(res.reason, "identity: identity policy group/deployers/assume-updateapp.json "
				"Sid AssumeUpdateAPP (Allow)");
	af_contains(res.reason, "trust: trust policy role/UpdateAPP/trust-policy Sid "
				"AccountUsersWithMFA (Allow)");
	assert_string_equal(res.principal_arn,
			    "arn:aws:sts::" ACCT ":assumed-role/UpdateAPP/alice");
	assert_string_equal(res.role_arn, "arn:aws:iam::" ACCT ":role/UpdateAPP");
	assert_string_equal(res.subject, "UpdateAPP");
	assert_string_equal(res.session_name, "alice");
	assert_int_equal(res.duration, 3600);
	/* The scope is the role's permission policies, not the user's. */
	assert_int_equal(res.n_identity, 1);
	assert_string_equal(res.identity[0].name, "role/UpdateAPP/update-app.json");
	assert_non_null(strstr(res.identity[0].text, "lambda:UpdateFunctionCode"));
	assert_int_equal(res.n_session, 0);
	assert_false(res.no_permissions);
	sts_authz_result_free(&res);

	/* The same role by ARN. */
	r.target = "arn:aws:iam::" ACCT ":role/UpdateAPP";
	assert_int_equal(af_decide(f, &alice, &r, &res), STS_ALLOWED);
	sts_authz_result_free(&res);
	/* bob (managers) holds no sts:AssumeRole: identity denies. */
	sts_caller bob = af_caller("bob", 60);
	assert_int_equal(af_decide(f, &bob, &r, &res), STS_IMPLICIT_DENY);
	af_contains(res.reason, "identity: no identity policy of user bob allows "
				"sts:AssumeRole on arn:aws:iam::" ACCT ":role/UpdateAPP");
	sts_authz_result_free(&res);
}

static void test_seed_managers_federation(void **state)
{
	af_fixture *f = *state;
	sts_caller bob = af_caller("bob", 60), alice = af_caller("alice", 60);
	sts_authz_request r = federate("Manager-Bob");
	sts_authz_result res;

	assert_int_equal(af_decide(f, &bob, &r, &res), STS_ALLOWED);
	assert_string_equal(res.reason, "identity policy group/managers/federate-managers.json Sid "
					"FederateManagers (Allow)");
	assert_string_equal(res.principal_arn, "arn:aws:sts::" ACCT ":federated-user/Manager-Bob");
	assert_string_equal(res.subject, "Manager-Bob");
	assert_null(res.role_arn);
	assert_null(res.session_name);
	assert_int_equal(res.duration, 43200);
	/* The scope is the caller's own policies; no session policy: no permissions. */
	assert_int_equal(res.n_identity, 1);
	assert_string_equal(res.identity[0].name, "group/managers/federate-managers.json");
	assert_true(res.no_permissions);
	sts_authz_result_free(&res);

	r.target = "Bob";
	assert_int_equal(af_decide(f, &bob, &r, &res), STS_IMPLICIT_DENY);
	assert_string_equal(res.reason,
			    "no identity policy of user bob allows "
			    "sts:GetFederationToken on arn:aws:sts::" ACCT ":federated-user/Bob");
	sts_authz_result_free(&res);
	r.target = "Manager-Alice";
	assert_int_equal(af_decide(f, &alice, &r, &res), STS_IMPLICIT_DENY);
	sts_authz_result_free(&res);
}

static void test_session_token_needs_no_permission(void **state)
{
	af_fixture *f = *state;
	sts_caller dave = af_caller("dave", 10), carol = af_caller("carol", -1);
	sts_caller alice = af_caller("alice", 10);
	sts_authz_request r = { .op = STS_OP_SESSION };
	sts_authz_result res;

	assert_int_equal(af_decide(f, &dave, &r, &res), STS_ALLOWED);
	assert_string_equal(res.reason, "GetSessionToken needs no permission");
	assert_string_equal(res.principal_arn, "arn:aws:iam::" ACCT ":user/dave");
	assert_int_equal(res.duration, 43200);
	assert_int_equal(res.n_identity, 0);
	assert_null(res.subject);
	assert_false(res.no_permissions);
	sts_authz_result_free(&res);
	/* An explicit deny does not prevent it either (carol is in "denied"). */
	assert_int_equal(af_decide(f, &carol, &r, &res), STS_ALLOWED);
	sts_authz_result_free(&res);
	/* The scope is every identity policy of the user: user's first, then groups'. */
	assert_int_equal(af_decide(f, &alice, &r, &res), STS_ALLOWED);
	assert_int_equal(res.n_identity, 4);
	assert_string_equal(res.identity[0].name, "user/alice/own.json");
	assert_string_equal(res.identity[1].name, "group/deployers/assume-more.json");
	assert_string_equal(res.identity[2].name, "group/deployers/assume-updateapp.json");
	assert_string_equal(res.identity[3].name, "group/deployers/s3.json");
	/* Canonical text: no whitespace, '/' not escaped. */
	assert_null(strchr(res.identity[1].text, '\n'));
	assert_non_null(strstr(res.identity[1].text, "role/Fresh"));
	sts_authz_result_free(&res);

	r.session_policy = "readonly-s3";
	af_contains(af_fault(f, &alice, &r), "GetSessionToken takes no session policy");
	r.session_policy = NULL;
	r.target = "UpdateAPP";
	af_contains(af_fault(f, &alice, &r), "GetSessionToken takes no role");
}

static void test_trust_policy_must_allow(void **state)
{
	af_fixture *f = *state;
	sts_caller alice = af_caller("alice", 60), erin = af_caller("erin", 60);
	sts_caller no_mfa = af_caller("alice", -1), stale = af_caller("alice", 600);
	sts_authz_request r = assume("Other");
	sts_authz_result res;

	/* Identity allows role/Other; its trust names only user/erin. */
	assert_int_equal(af_decide(f, &alice, &r, &res), STS_IMPLICIT_DENY);
	assert_string_equal(res.reason, "trust: the trust policy of role Other does not allow "
					"arn:aws:iam::" ACCT ":user/alice");
	sts_authz_result_free(&res);
	/* erin is named by the trust policy but holds no identity allow: AWS would
	 * allow that in one account; pam_sts requires both (fail closed). */
	assert_int_equal(af_decide(f, &erin, &r, &res), STS_IMPLICIT_DENY);
	af_contains(res.reason, "identity: no identity policy of user erin");
	assert_null(strstr(res.reason, "trust:"));
	sts_authz_result_free(&res);
	/* UpdateAPP's trust (account root) needs MFA: absent MFA denies. */
	r.target = "UpdateAPP";
	assert_int_equal(af_decide(f, &no_mfa, &r, &res), STS_IMPLICIT_DENY);
	af_contains(res.reason, "trust: the trust policy of role UpdateAPP does not allow");
	sts_authz_result_free(&res);
	/* Fresh: trust by bare account id, MultiFactorAuthAge < 300. */
	r.target = "Fresh";
	assert_int_equal(af_decide(f, &alice, &r, &res), STS_ALLOWED);
	af_contains(res.reason, "trust: trust policy role/Fresh/trust-policy Statement[0]");
	sts_authz_result_free(&res);
	assert_int_equal(af_decide(f, &stale, &r, &res), STS_IMPLICIT_DENY);
	sts_authz_result_free(&res);
	assert_int_equal(af_decide(f, &no_mfa, &r, &res), STS_IMPLICIT_DENY);
	sts_authz_result_free(&res);
}

static void test_explicit_deny_wins(void **state)
{
	af_fixture *f = *state;
	sts_caller carol = af_caller("carol", 60);
	sts_authz_request r = assume("UpdateAPP");
	sts_authz_result res;

	assert_int_equal(af_decide(f, &carol, &r, &res), STS_EXPLICIT_DENY);
	assert_string_equal(res.reason, "identity: identity policy group/denied/deny-assume.json "
					"Sid NoUpdateAPP (Deny)");
	sts_authz_result_free(&res);
	r.target = "Fresh"; /* the deny is on UpdateAPP only */
	assert_int_equal(af_decide(f, &carol, &r, &res), STS_ALLOWED);
	sts_authz_result_free(&res);
}

static void test_request_context(void **state)
{
	af_fixture *f = *state;
	sts_caller tess = af_caller("tess", 30);
	sts_authz_request r = assume("Ctx");
	sts_authz_result res;

	/* PrincipalType, PrincipalAccount, userid (the uid), PrincipalArn,
	 * SourceIp, CurrentTime, EpochTime, RoleSessionName == ${aws:username}. */
	assert_int_equal(af_decide(f, &tess, &r, &res), STS_ALLOWED);
	sts_authz_result_free(&res);
	r.session_name = "someone-else";
	assert_int_equal(af_decide(f, &tess, &r, &res), STS_IMPLICIT_DENY);
	sts_authz_result_free(&res);
	r.session_name = "tess";
	assert_int_equal(af_decide(f, &tess, &r, &res), STS_ALLOWED);
	assert_string_equal(res.principal_arn, "arn:aws:sts::" ACCT ":assumed-role/Ctx/tess");
	sts_authz_result_free(&res);
	tess.source_ip = "198.51.100.7";
	assert_int_equal(af_decide(f, &tess, &r, &res), STS_IMPLICIT_DENY);
	sts_authz_result_free(&res);
	tess.source_ip = NULL; /* no aws:SourceIp: IpAddress does not match */
	assert_int_equal(af_decide(f, &tess, &r, &res), STS_IMPLICIT_DENY);
	sts_authz_result_free(&res);
	tess.source_ip = "203.0.113.5";
	tess.uid = getuid() + 1;
	assert_int_equal(af_decide(f, &tess, &r, &res), STS_IMPLICIT_DENY);
	sts_authz_result_free(&res);

	/* Without MFA the MFA keys are absent (Null: true), not "false". */
	sts_caller plain = af_caller("tess", -1), mfa = af_caller("tess", 5);
	r = assume("NoMfa");
	assert_int_equal(af_decide(f, &plain, &r, &res), STS_ALLOWED);
	sts_authz_result_free(&res);
	assert_int_equal(af_decide(f, &mfa, &r, &res), STS_IMPLICIT_DENY);
	sts_authz_result_free(&res);
	/* An MFA time after the request time is refused. */
	mfa.mfa_time = AF_NOW + 5;
	af_contains(af_fault(f, &mfa, &r), "MFA time");
}

static void test_role_targets(void **state)
{
	af_fixture *f = *state;
	sts_caller alice = af_caller("alice", 60);
	sts_authz_request r = assume("arn:aws:iam::999999999999:role/UpdateAPP");
	sts_authz_result res;

	af_contains(af_fault(f, &alice, &r), "cross-account roles are not supported");
	r.target = "arn:aws-cn:iam::" ACCT ":role/UpdateAPP";
	af_contains(af_fault(f, &alice, &r), "another account or partition");
	r.target = "arn:aws:sts::" ACCT ":role/UpdateAPP";
	af_contains(af_fault(f, &alice, &r), "is not an IAM role ARN");
	r.target = "arn:aws:iam::" ACCT ":user/UpdateAPP";
	af_fault(f, &alice, &r);
	r.target = "arn:aws:iam::" ACCT ":role/ops/PathRole";
	assert_int_equal(af_decide(f, &alice, &r, &res), STS_ALLOWED);
	assert_string_equal(res.role_arn, "arn:aws:iam::" ACCT ":role/ops/PathRole");
	/* The session ARN carries no path. */
	assert_string_equal(res.principal_arn, "arn:aws:sts::" ACCT ":assumed-role/PathRole/alice");
	sts_authz_result_free(&res);
	r.target = "PathRole";
	assert_int_equal(af_decide(f, &alice, &r, &res), STS_ALLOWED);
	sts_authz_result_free(&res);
	r.target = "arn:aws:iam::" ACCT ":role/PathRole"; /* wrong path */
	af_contains(af_fault(f, &alice, &r), "no such role");
	r.target = "Nope";
	af_contains(af_fault(f, &alice, &r), "no such role \"Nope\"");
	r.target = "../roles/UpdateAPP";
	af_contains(af_fault(f, &alice, &r), "is not a valid role name");
	r.target = NULL;
	af_fault(f, &alice, &r);
}

static void test_session_policy_scope(void **state)
{
	af_fixture *f = *state;
	sts_caller alice = af_caller("alice", 60), bob = af_caller("bob", 60);
	sts_authz_request r = assume("UpdateAPP");
	sts_authz_result res;
	sts_policy *p = NULL;
	sts_error err;

	r.session_policy = "readonly-s3";
	assert_int_equal(af_decide(f, &alice, &r, &res), STS_ALLOWED);
	assert_int_equal(res.n_session, 1);
	assert_string_equal(res.session[0].name, "session/readonly-s3.json");
	assert_int_equal(res.n_identity, 1);
	/* Scope texts compile again as what they are. */
	assert_int_equal(sts_policy_parse(res.session[0].text, strlen(res.session[0].text), "s",
					  STS_DOC_SESSION, &p, &err),
			 0);
	sts_policy_free(p);
	assert_int_equal(sts_policy_parse(res.identity[0].text, strlen(res.identity[0].text), "i",
					  STS_DOC_INLINE, &p, &err),
			 0);
	sts_policy_free(p);
	sts_authz_result_free(&res);

	sts_authz_request fr = federate("Manager-Bob");
	fr.session_policy = "readonly-s3";
	assert_int_equal(af_decide(f, &bob, &fr, &res), STS_ALLOWED);
	assert_false(res.no_permissions);
	assert_int_equal(res.n_session, 1);
	assert_string_equal(res.identity[0].name, "group/managers/federate-managers.json");
	sts_authz_result_free(&res);

	r.session_policy = "missing";
	af_contains(af_fault(f, &alice, &r), "no such session policy \"missing\"");
	r.session_policy = "../policies/groups/deployers/s3";
	af_contains(af_fault(f, &alice, &r), "is not valid");
	/* The engine's 2,048-character limit for session policies. */
	char big[4096];
	int n = snprintf(big, sizeof(big),
			 "{\"Version\":\"2012-10-17\",\"Statement\":{\"Effect\":\"Allow\","
			 "\"Action\":\"s3:GetObject\",\"Resource\":[");
	for (int i = 0; i < 80; i++)
		n += snprintf(big + n, sizeof(big) - (size_t)n, "%s\"arn:aws:s3:::bucket%02d/*\"",
			      i ? "," : "", i);
	snprintf(big + n, sizeof(big) - (size_t)n, "]}}");
	af_put(f, "session-policies/big.json", big, 0644);
	r.session_policy = "big";
	af_contains(af_fault(f, &alice, &r), "exceeds the limit of 2048");
}

static void test_assumable_roles(void **state)
{
	af_fixture *f = *state;
	sts_caller alice = af_caller("alice", 60), plain = af_caller("alice", -1);
	sts_caller tess = af_caller("tess", 60), dave = af_caller("dave", 60);
	char **names = NULL;
	sts_error err;
	int n;

	n = sts_assumable_roles(&f->s, &alice, &names, &err);
	assert_int_equal(n, 3);
	assert_string_equal(names[0], "Fresh");
	assert_string_equal(names[1], "PathRole");
	assert_string_equal(names[2], "UpdateAPP");
	sts_free_names(names, (size_t)n);
	n = sts_assumable_roles(&f->s, &plain, &names, &err);
	assert_int_equal(n, 1);
	assert_string_equal(names[0], "PathRole");
	sts_free_names(names, (size_t)n);
	n = sts_assumable_roles(&f->s, &tess, &names, &err);
	assert_int_equal(n, 1); /* Ctx (NoMfa needs no MFA) */
	assert_string_equal(names[0], "Ctx");
	sts_free_names(names, (size_t)n);
	n = sts_assumable_roles(&f->s, &dave, &names, &err);
	assert_int_equal(n, 0);
	sts_free_names(names, 0);
	/* A role file that does not parse makes the listing fail. */
	af_put(f, "roles/Broken.json", "{\"Role\":{\"RoleName\":\"Broken\"}}", 0644);
	assert_int_equal(sts_assumable_roles(&f->s, &alice, &names, &err), -1);
	assert_null(names);
	af_contains(err.msg, "Broken.json: Role.AssumeRolePolicyDocument: missing");
}

static void test_account_id_required(void **state)
{
	af_fixture *f = *state;
	sts_caller alice = af_caller("alice", 60);
	sts_authz_request r = { .op = STS_OP_SESSION };
	char **names = NULL;
	sts_error err;

	free(f->s.account_id);
	f->s.account_id = NULL;
	af_contains(af_fault(f, &alice, &r), "account_id is not set");
	assert_int_equal(sts_assumable_roles(&f->s, &alice, &names, &err), -1);
	af_contains(err.msg, "account_id is not set");
	r.op = (sts_operation)7;
	f->s.account_id = strdup(ACCT);
	af_contains(af_fault(f, &alice, &r), "unknown STS operation");
}

/* The example configuration that `make demo` and the PAM tests use. */
static void test_sandbox_tree(void **state)
{
	char cwd[PATH_MAX], p[3][PATH_MAX + 64];
	sts_settings s;
	sts_caller alice = af_caller("alice", 60), plain = af_caller("alice", -1);
	sts_caller bob = af_caller("bob", 60);
	sts_authz_request r = assume("UpdateAPP");
	sts_authz_result res;
	char **names = NULL;
	sts_error err;
	int n;

	(void)state;
	assert_non_null(getcwd(cwd, sizeof(cwd))); /* tests run from the repository root */
	snprintf(p[0], sizeof(p[0]), "%s/conf/sandbox/policies", cwd);
	snprintf(p[1], sizeof(p[1]), "%s/conf/sandbox/roles", cwd);
	snprintf(p[2], sizeof(p[2]), "%s/conf/sandbox/session-policies", cwd);
	if (access(p[1], F_OK) != 0)
		fail_msg("%s not found: run the tests from the repository root", p[1]);
	af_settings(&s, p[0], p[1], p[2]);

	if (sts_authorize(&s, &alice, &r, &res, &err) < 0)
		fail_msg("%s", err.msg);
	assert_int_equal(res.decision, STS_ALLOWED);
	af_contains(res.reason, "group/deployers/assume-updateapp.json Sid AssumeUpdateAPP");
	assert_int_equal(res.n_identity, 1);
	assert_string_equal(res.identity[0].name, "role/UpdateAPP/update-app.json");
	sts_authz_result_free(&res);
	r.duration = 7200;
	r.session_policy = "readonly-s3";
	assert_int_equal(sts_authorize(&s, &alice, &r, &res, &err), 0);
	assert_int_equal(res.decision, STS_ALLOWED);
	assert_int_equal(res.n_session, 1);
	sts_authz_result_free(&res);
	r.duration = 7201;
	assert_int_equal(sts_authorize(&s, &alice, &r, &res, &err), -1);
	r.duration = 0;
	r.session_policy = NULL;
	assert_int_equal(sts_authorize(&s, &plain, &r, &res, &err), 0);
	assert_int_equal(res.decision, STS_IMPLICIT_DENY); /* the trust policy wants MFA */
	sts_authz_result_free(&res);
	r.target = "ReadOnly";
	assert_int_equal(sts_authorize(&s, &alice, &r, &res, &err), 0);
	assert_int_equal(res.decision, STS_IMPLICIT_DENY);
	sts_authz_result_free(&res);

	n = sts_assumable_roles(&s, &alice, &names, &err);
	assert_int_equal(n, 1);
	assert_string_equal(names[0], "UpdateAPP");
	sts_free_names(names, (size_t)n);

	sts_authz_request fr = federate("Manager-Bob");
	assert_int_equal(sts_authorize(&s, &bob, &fr, &res, &err), 0);
	assert_int_equal(res.decision, STS_ALLOWED);
	sts_authz_result_free(&res);
	fr.target = "Bob";
	assert_int_equal(sts_authorize(&s, &bob, &fr, &res, &err), 0);
	assert_int_equal(res.decision, STS_IMPLICIT_DENY);
	sts_authz_result_free(&res);
	sts_settings_free(&s);
}

#define T(name) cmocka_unit_test_setup_teardown(name, af_setup, af_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_seed_deployers_assume_updateapp),
		T(test_seed_managers_federation),
		T(test_session_token_needs_no_permission),
		T(test_trust_policy_must_allow),
		T(test_explicit_deny_wins),
		T(test_request_context),
		T(test_role_targets),
		T(test_session_policy_scope),
		T(test_assumable_roles),
		T(test_account_id_required),
		T(test_sandbox_tree),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
