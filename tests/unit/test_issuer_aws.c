/*
 * The upstream issuer's pure parts (lib/upstream/issuer_aws.c): the
 * collision-free SourceIdentity of a Linux user, the endpoint it calls, and
 * that the local issuer's opener refuses issuer = aws.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/settings.h"
#include "token/issuer.h"
#include "upstream/issuer_aws.h"
#include "testutil.h"

static void test_identity_names(void **st)
{
	static const struct {
		const char *user;
		const char *want; /* NULL: refused */
	} cases[] = {
		{ "alice", "alice" },
		{ "svc.deploy@corp", "svc.deploy@corp" },
		{ "a", "=61" },		       /* too short for STS */
		{ "al=ice", "=616c3d696365" }, /* "=" is kept for mapped names */
		{ "bob$", "=626f6224" },       /* not in STS's alphabet */
		{ "=61", "=3d3631" },	       /* cannot pose as the mapping of "a" */
		{ "", NULL },
		{ "0123456789012345678901234567890$", NULL }, /* 32 bytes needing the mapping */
	};
	char out[80];

	(void)st;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = sts_upstream_identity_name(cases[i].user, out, sizeof(out));

		if (!cases[i].want) {
			assert_int_equal(rc, -1);
			continue;
		}
		assert_int_equal(rc, 0);
		assert_string_equal(out, cases[i].want);
	}
}

static void test_endpoint_and_opening(void **st)
{
	sts_settings s;
	sts_issuer *issuer = NULL;
	char endpoint[256];
	sts_error err;

	(void)st;
	assert_int_equal(sts_settings_defaults(&s, &err), 0);
	s.issuer = STS_ISSUER_AWS;
	assert_int_equal(sts_issuer_aws_endpoint(&s, endpoint, sizeof(endpoint), &err), -1);
	s.region = strdup("eu-west-1");
	assert_int_equal(sts_issuer_aws_endpoint(&s, endpoint, sizeof(endpoint), &err), 0);
	assert_string_equal(endpoint, "https://sts.eu-west-1.amazonaws.com");
	s.sts_endpoint = strdup("http://sts.example.com");
	assert_int_equal(sts_issuer_aws_endpoint(&s, endpoint, sizeof(endpoint), &err), -1);
	assert_int_equal(sts_issuer_aws_open(&s, &issuer, &err), -1);
	assert_null(issuer);
	free(s.sts_endpoint);
	s.sts_endpoint = strdup("http://127.0.0.1:8443");
	assert_int_equal(sts_issuer_aws_open(&s, &issuer, &err), 0);
	assert_string_equal(sts_issuer_name(issuer), "aws");
	sts_issuer_free(issuer);
	/* The local issuer never stands in for issuer = aws. */
	assert_int_equal(sts_issuer_open(&s, &issuer, &err), -1);
	assert_null(issuer);
	sts_settings_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_identity_names),
		cmocka_unit_test(test_endpoint_and_opening),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
