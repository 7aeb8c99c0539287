/*
 * STS's limits, through the decision: durations at and past the limits of
 * each operation (and of a role's MaxSessionDuration), session and federated
 * names at and past their lengths and character set, the name checks alone.
 * The fixture is described in authz_fixture.c.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "authz_fixture.h"

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

static void check_duration(af_fixture *f, const char *user, sts_authz_request r,
			   unsigned long seconds, unsigned long expect)
{
	sts_caller c = af_caller(user, 60);
	sts_authz_result res;

	r.duration = seconds;
	if (expect == 0) {
		af_contains(af_fault(f, &c, &r), "ValidationError");
		return;
	}
	af_decide(f, &c, &r, &res);
	assert_int_equal(res.duration, expect);
	sts_authz_result_free(&res);
}

static void test_duration_limits(void **state)
{
	af_fixture *f = *state;
	sts_authz_request s = { .op = STS_OP_SESSION };
	sts_authz_request fed = federate("Manager-Bob");
	sts_authz_request role = assume("UpdateAPP");
	sts_authz_request lng = assume("Long");
	sts_authz_request dflt = assume("Fresh");

	for (int i = 0; i < 2; i++) {
		sts_authz_request r = i ? fed : s;
		check_duration(f, "bob", r, 0, 43200);
		check_duration(f, "bob", r, 899, 0);
		check_duration(f, "bob", r, 900, 900);
		check_duration(f, "bob", r, 129600, 129600);
		check_duration(f, "bob", r, 129601, 0);
	}
	check_duration(f, "alice", role, 0, 3600);
	check_duration(f, "alice", role, 899, 0);
	check_duration(f, "alice", role, 900, 900);
	check_duration(f, "alice", role, 7200, 7200);
	check_duration(f, "alice", role, 7201, 0);
	check_duration(f, "alice", role, ULONG_MAX, 0);
	/* A role without MaxSessionDuration: 3600 is the most. */
	check_duration(f, "alice", dflt, 3600, 3600);
	check_duration(f, "alice", dflt, 3601, 0);
	/* The limit is checked before the decision: Long is denied to alice,
	 * but 43200 is valid for it and 43201 is not. */
	check_duration(f, "alice", lng, 43200, 43200);
	check_duration(f, "alice", lng, 43201, 0);

	sts_caller alice = af_caller("alice", 60);
	role.duration = 7201;
	af_contains(af_fault(f, &alice, &role), "exceeds the MaxSessionDuration set for this "
						"role");
}

static void test_name_limits(void **state)
{
	af_fixture *f = *state;
	sts_caller alice = af_caller("alice", 60), bob = af_caller("bob", 60);
	sts_authz_request r = assume("UpdateAPP");
	sts_authz_result res;
	char name[80];

	r.session_name = "a";
	af_contains(af_fault(f, &alice, &r), "RoleSessionName \"a\" is not valid");
	r.session_name = "ab";
	assert_int_equal(af_decide(f, &alice, &r, &res), STS_ALLOWED);
	sts_authz_result_free(&res);
	memset(name, 'x', 64);
	name[64] = '\0';
	r.session_name = name;
	assert_int_equal(af_decide(f, &alice, &r, &res), STS_ALLOWED);
	assert_string_equal(res.session_name, name);
	sts_authz_result_free(&res);
	name[64] = 'x';
	name[65] = '\0';
	af_fault(f, &alice, &r);
	r.session_name = "has space";
	af_fault(f, &alice, &r);
	r.session_name = "a/b";
	af_fault(f, &alice, &r);
	r.session_name = "ok_+=,.@-";
	assert_int_equal(af_decide(f, &alice, &r, &res), STS_ALLOWED);
	sts_authz_result_free(&res);
	/* A one-letter user name is an IAM name but not a session name. */
	sts_caller x = af_caller("x", 60);
	r.session_name = NULL;
	af_contains(af_fault(f, &x, &r), "the user name \"x\" is not a valid RoleSessionName");
	/* A user name that is not an IAM name cannot be a principal at all. */
	sts_caller bad = af_caller("bad name", 60);
	af_contains(af_fault(f, &bad, &r), "not a valid IAM user name");

	sts_authz_request fr = federate("M");
	af_contains(af_fault(f, &bob, &fr), "federated user name \"M\" is not valid");
	fr.target = "Ma"; /* valid, but not Manager* */
	assert_int_equal(af_decide(f, &bob, &fr, &res), STS_IMPLICIT_DENY);
	sts_authz_result_free(&res);
	snprintf(name, sizeof(name), "Manager-%s", "abcdefghijklmnopqrstuvwx"); /* 32 */
	assert_int_equal(strlen(name), 32);
	fr.target = name;
	assert_int_equal(af_decide(f, &bob, &fr, &res), STS_ALLOWED);
	sts_authz_result_free(&res);
	strcat(name, "y");
	af_fault(f, &bob, &fr);
	fr.target = "Manager!";
	af_fault(f, &bob, &fr);
	fr.target = NULL;
	af_fault(f, &bob, &fr);

	assert_false(sts_valid_session_name(NULL));
	assert_false(sts_valid_session_name(""));
	assert_true(sts_valid_federated_name("Ab"));
	assert_true(sts_valid_object_name("readonly-s3"));
	assert_false(sts_valid_object_name(".hidden"));
	assert_false(sts_valid_object_name("../x"));
	assert_false(sts_valid_object_name(""));
	memset(name, 'a', 79);
	name[79] = '\0';
	assert_true(sts_valid_object_name(name));
}

/* The words and the duration syntax the module, the helper protocol and
 * applications' requests share (lib/proto/operation.c). */
static void test_operation_words_and_duration_syntax(void **state)
{
	const sts_operation ops[] = { STS_OP_SESSION, STS_OP_ASSUME_ROLE, STS_OP_FEDERATE };
	const char *bad[] = { "",     "-1", "+900",  " 900",
			      "900s", "0",  "0x384", "99999999999999999999999" };
	sts_operation op = STS_OP_SESSION;
	unsigned long d = 1;

	(void)state;
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(sts_operation_from_word(sts_operation_word(ops[i]), &op), 0);
		assert_int_equal(op, ops[i]);
	}
	assert_string_equal(sts_operation_word(STS_OP_ASSUME_ROLE), "assume-role");
	assert_int_equal(sts_operation_from_word("AssumeRole", &op), -1);
	assert_int_equal(sts_operation_from_word(NULL, &op), -1);
	assert_int_equal(sts_parse_duration(NULL, &d), 0);
	assert_int_equal(d, 0);
	assert_int_equal(sts_parse_duration("3600", &d), 0);
	assert_int_equal(d, 3600);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(sts_parse_duration(bad[i], &d), -1);
}

#define T(name) cmocka_unit_test_setup_teardown(name, af_setup, af_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_duration_limits),
		T(test_name_limits),
		cmocka_unit_test(test_operation_words_and_duration_syntax),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
