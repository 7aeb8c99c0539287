/*
 * Presented credentials (environment, shared credentials file), their
 * verification against a key ring file, and the issuer interface with the
 * claims it builds from a decision.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "token/keyring.h"
#include "token/credential.h"
#include "token/issuer.h"
#include "testutil.h"
#include "token_fixture.h"

#define AKID   "ASIAABCDEFGHIJKLMNOP"
#define SECRET "abcdefghijABCDEFGHIJ0123456789+/abcdefgh"
#define TOKEN  "dG9rZW4="

static char dir[64], ring_path[128];

static int setup(void **state)
{
	sts_error err;

	(void)state;
	umask(077);
	assert_int_equal(tu_mkdtemp(dir, sizeof(dir)), 0);
	snprintf(ring_path, sizeof(ring_path), "%s/issuer.key", dir);
	return sts_keyring_create(ring_path, &err);
}

static int teardown(void **state)
{
	(void)state;
	return tu_rmtree(dir);
}

static int ini(const char *text, const char *profile, sts_credentials *out, char *msg, size_t cap)
{
	sts_error err;
	int rc = sts_credentials_parse_ini(text, strlen(text), "creds", profile, out, &err);

	snprintf(msg, cap, "%s", rc != 0 ? err.msg : "");
	return rc;
}

static void test_ini_profiles(void **state)
{
	static const char text[] = "# written by pam_sts\n"
				   "[default]\n"
				   "aws_access_key_id = " AKID "\n"
				   "aws_secret_access_key=" SECRET "\n"
				   "aws_session_token =   " TOKEN "   \n"
				   "x_security_token_expires = 2027-01-15T09:00:00Z\n"
				   "\n"
				   "; another profile\r\n"
				   "[ops]\r\n"
				   "AWS_ACCESS_KEY_ID = ASIAZZZZZZZZZZZZZZZZ\r\n"
				   "aws_secret_access_key = " SECRET "\r\n"
				   "aws_session_token = b3Bz\r\n"
				   "region = eu-west-1\r\n";
	sts_credentials cr;
	char msg[800];

	(void)state;
	assert_int_equal(ini(text, NULL, &cr, msg, sizeof(msg)), 0);
	assert_string_equal(cr.access_key_id, AKID);
	assert_string_equal(cr.secret_access_key, SECRET);
	assert_string_equal(cr.session_token, TOKEN);
	sts_credentials_clear(&cr);
	assert_int_equal(ini(text, "ops", &cr, msg, sizeof(msg)), 0);
	assert_string_equal(cr.access_key_id, "ASIAZZZZZZZZZZZZZZZZ");
	assert_string_equal(cr.session_token, "b3Bz");
	sts_credentials_clear(&cr);
	assert_int_equal(ini(text, "nope", &cr, msg, sizeof(msg)), STS_CREDENTIALS_NONE);
	assert_non_null(strstr(msg, "[nope]"));
}

static void test_ini_errors(void **state)
{
	static const struct {
		const char *text;
		int rc;
	} cases[] = {
		{ "[default]\naws_access_key_id = " AKID "\naws_secret_access_key = " SECRET "\n",
		  -1 },
		{ "[default]\naws_access_key_id = " AKID "\naws_access_key_id = " AKID "\n", -1 },
		{ "[default]\n[default]\n", -1 },
		{ "aws_access_key_id = " AKID "\n[default]\n", -1 },
		{ "[default]\naws_access_key_id\n", -1 },
		{ "[default]\n  aws_access_key_id = " AKID "\n", -1 },
		{ "[default\n", -1 },
		{ "[]\n", -1 },
		{ "[default] # c\n", -1 },
		{ "[default]\n= x\n", -1 },
		{ "[default]\naws_access_key_id = AKIDSHORT\naws_secret_access_key = " SECRET
		  "\naws_session_token = " TOKEN "\n",
		  STS_CREDENTIALS_FOREIGN },
		{ "[default]\naws_access_key_id = " AKID "\naws_secret_access_key = short\n"
		  "aws_session_token = " TOKEN "\n",
		  STS_CREDENTIALS_FOREIGN },
		{ "[default]\naws_access_key_id = " AKID "\naws_secret_access_key = " SECRET
		  "\naws_session_token =\n",
		  -1 },
	};
	sts_credentials cr;
	char msg[800];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = ini(cases[i].text, NULL, &cr, msg, sizeof(msg));
		if (rc != cases[i].rc)
			fail_msg("case %zu: %d, wanted %d (%s)", i, rc, cases[i].rc, msg);
		assert_null(cr.session_token);
		assert_null(strstr(msg, SECRET));
	}
	/* A NUL inside the file. */
	assert_int_equal(sts_credentials_parse_ini("[default]\0x", 11, "c", NULL, &cr, NULL), -1);
}

static void test_env(void **state)
{
	sts_credentials cr;
	sts_error err;

	(void)state;
	unsetenv("AWS_ACCESS_KEY_ID");
	unsetenv("AWS_SECRET_ACCESS_KEY");
	unsetenv("AWS_SESSION_TOKEN");
	assert_int_equal(sts_credentials_from_env(&cr, &err), STS_CREDENTIALS_NONE);
	setenv("AWS_ACCESS_KEY_ID", AKID, 1);
	assert_int_equal(sts_credentials_from_env(&cr, &err), -1);
	assert_non_null(strstr(err.msg, "AWS_SECRET_ACCESS_KEY"));
	setenv("AWS_SECRET_ACCESS_KEY", SECRET, 1);
	setenv("AWS_SESSION_TOKEN", TOKEN, 1);
	assert_int_equal(sts_credentials_from_env(&cr, &err), 0);
	assert_string_equal(cr.access_key_id, AKID);
	assert_string_equal(cr.session_token, TOKEN);
	sts_credentials_clear(&cr);
	setenv("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE1", 1);
	assert_int_equal(sts_credentials_from_env(&cr, &err), STS_CREDENTIALS_FOREIGN);
	unsetenv("AWS_ACCESS_KEY_ID");
	unsetenv("AWS_SECRET_ACCESS_KEY");
	unsetenv("AWS_SESSION_TOKEN");
}

/* A settings structure naming only the issuer key ring. */
static void ring_settings(sts_settings *s, const char *path)
{
	memset(s, 0, sizeof(*s));
	s->issuer_key = (char *)(uintptr_t)path;
}

static void test_issue_and_verify_file(void **state)
{
	sts_settings s;
	sts_issuer *issuer = NULL;
	sts_token_claims c, out;
	sts_credentials cr, read;
	char file[160];
	sts_error err;
	FILE *f;

	(void)state;
	ring_settings(&s, ring_path);
	assert_int_equal(sts_issuer_open(&s, &issuer, &err), 0);
	assert_string_equal(sts_issuer_name(issuer), "local");
	tf_claims(&c, TF_NOW);
	assert_int_equal(sts_issuer_issue(issuer, &c, &cr, &err), 0);
	snprintf(file, sizeof(file), "%s/credentials", dir);
	f = fopen(file, "w");
	assert_non_null(f);
	fprintf(f,
		"[work]\naws_access_key_id = %s\naws_secret_access_key = %s\n"
		"aws_session_token = %s\n",
		cr.access_key_id, cr.secret_access_key, cr.session_token);
	fclose(f);
	assert_int_equal(sts_credentials_from_file(file, "work", &read, &err), 0);
	assert_int_equal(sts_credentials_verify(ring_path, &read, TF_NOW + 1, &out, &err), 0);
	tf_assert_claims_equal(&c, &out);
	sts_token_claims_free(&out);
	assert_int_equal(sts_credentials_verify(ring_path, &read, TF_NOW + 3600, &out, &err), -1);
	assert_non_null(strstr(err.msg, "expired"));
	read.secret_access_key[0] ^= 1;
	assert_int_equal(sts_credentials_verify(ring_path, &read, TF_NOW, &out, &err), -1);
	assert_int_equal(sts_credentials_verify("/nonexistent/ring", &cr, TF_NOW, &out, &err),
			 STS_CREDENTIALS_NO_RING);
	sts_credentials_clear(&read);
	sts_credentials_clear(&cr);
	sts_token_claims_free(&c);
	sts_issuer_free(issuer);
	ring_settings(&s, "/nonexistent/ring");
	assert_int_equal(sts_issuer_open(&s, &issuer, &err), -1);
	assert_null(issuer);
}

static void test_claims_from_decision(void **state)
{
	sts_scope_doc id[] = { { (char *)"group/dev/s3.json", (char *)"{\"Statement\":[]}" } };
	sts_authz_result res = {
		.decision = STS_ALLOWED,
		.principal_arn = (char *)"arn:aws:iam::123456789012:user/alice",
		.duration = 43200,
		.identity = id,
		.n_identity = 1,
	};
	sts_caller caller = { .user = "alice",
			      .uid = 1000,
			      .source_ip = "192.0.2.7",
			      .mfa_present = true,
			      .mfa_time = TF_NOW - 5,
			      .now = TF_NOW };
	sts_token_claims c;
	sts_error err;

	(void)state;
	assert_int_equal(sts_claims_from_decision(&res, &caller, STS_OP_SESSION, &c, &err), 0);
	assert_string_equal(c.operation, "GetSessionToken");
	assert_string_equal(c.principal_arn, res.principal_arn);
	assert_string_equal(c.source_identity, "alice");
	assert_string_equal(c.source_ip, "192.0.2.7");
	assert_true(c.mfa_present);
	assert_int_equal(c.mfa_time, TF_NOW - 5);
	assert_int_equal(c.issued, TF_NOW);
	assert_int_equal(c.expires, TF_NOW + 43200);
	assert_int_equal(c.n_identity, 1);
	assert_ptr_not_equal(c.identity[0].text, id[0].text); /* copies */
	assert_string_equal(c.identity[0].text, id[0].text);
	assert_null(c.session);
	assert_string_equal(c.userid, "1000"); /* the principal is the user */
	sts_token_claims_free(&c);
	/* Federated without a session policy, no MFA, no address. */
	caller.mfa_present = false;
	caller.source_ip = NULL;
	res.no_permissions = true;
	res.principal_arn = (char *)"arn:aws:sts::123456789012:federated-user/Bob";
	assert_int_equal(sts_claims_from_decision(&res, &caller, STS_OP_FEDERATE, &c, &err), 0);
	assert_string_equal(c.operation, "GetFederationToken");
	assert_int_equal(c.mfa_time, 0);
	assert_null(c.source_ip);
	assert_true(c.no_permissions);
	assert_null(c.userid);
	sts_token_claims_free(&c);
	/* Refusals: a denial, durations outside STS's limits, an unknown operation. */
	res.decision = STS_IMPLICIT_DENY;
	assert_int_equal(sts_claims_from_decision(&res, &caller, STS_OP_SESSION, &c, &err), -1);
	res.decision = STS_ALLOWED;
	res.duration = 899;
	assert_int_equal(sts_claims_from_decision(&res, &caller, STS_OP_SESSION, &c, &err), -1);
	res.duration = 129601;
	assert_int_equal(sts_claims_from_decision(&res, &caller, STS_OP_SESSION, &c, &err), -1);
	res.duration = 900;
	assert_int_equal(sts_claims_from_decision(&res, &caller, (sts_operation)7, &c, &err), -1);
	assert_null(c.operation);
}

static void test_operation_names(void **state)
{
	(void)state;
	assert_string_equal(sts_operation_name(STS_OP_SESSION), "GetSessionToken");
	assert_string_equal(sts_operation_name(STS_OP_ASSUME_ROLE), "AssumeRole");
	assert_string_equal(sts_operation_name(STS_OP_FEDERATE), "GetFederationToken");
	assert_string_equal(sts_operation_name((sts_operation)42), "Unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ini_profiles),
		cmocka_unit_test(test_ini_errors),
		cmocka_unit_test(test_env),
		cmocka_unit_test(test_issue_and_verify_file),
		cmocka_unit_test(test_claims_from_decision),
		cmocka_unit_test(test_operation_names),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
