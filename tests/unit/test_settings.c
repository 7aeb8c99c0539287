/*
 * pam_sts.conf's renamed key (lib/base/settings.c): grant_ttl, and its
 * deprecated name ticket_ttl, which is still read alone (with a note for
 * the administrator) and refused together with grant_ttl.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/settings.h"
#include "testutil.h"

static char dir[64], path[128];

static int setup(void **st)
{
	(void)st;
	if (tu_mkdtemp(dir, sizeof(dir)) < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/pam_sts.conf", dir);
	return 0;
}

static int teardown(void **st)
{
	(void)st;
	return tu_rmtree(dir);
}

/* Loads |text| as the file: 0 with |s| filled, or -1 with |err|. */
static int load(const char *text, sts_settings *s, sts_error *err)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_true(fputs(text, f) >= 0);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, 0600), 0);
	return sts_settings_load(path, s, err);
}

/* Loads case |i|'s |text|: true with |s| filled when it loaded, false when
 * it was refused as |refused| wants (an error naming it and the file). */
static bool load_case(size_t i, const char *text, const char *refused, sts_settings *s)
{
	sts_error err;
	int rc = load(text, s, &err);

	if (!refused) {
		if (rc != 0)
			fail_msg("case %zu refused: %s", i, err.msg);
		return true;
	}
	assert_int_equal(rc, -1);
	if (!strstr(err.msg, refused) || !strstr(err.msg, path))
		fail_msg("case %zu: \"%s\" lacks \"%s\"", i, err.msg, refused);
	return false;
}

/* Each file: loaded (|grant_ttl|, and whether a deprecation is noted) or
 * refused with an error naming |refused|. */
static void test_grant_ttl_and_its_old_name(void **st)
{
	static const struct {
		const char *text;
		unsigned long grant_ttl;
		bool deprecated;
		const char *refused;
	} cases[] = {
		{ "grant_ttl = 120\n", 120, false, NULL },
		{ "region = eu-west-1\n", 300, false, NULL },
		{ "grant_ttl = 29\n", 0, false, "grant_ttl" },
		{ "ticket_ttl = 180\n", 180, true, NULL },
		{ "ticket_ttl = 3601\n", 0, false, "ticket_ttl" },
		{ "grant_ttl = 120\nticket_ttl = 120\n", 0, false, "grant_ttl and ticket_ttl" },
		{ "ticket_ttl = 60\ngrant_ttl = 90\n", 0, false, "are both set" },
	};

	(void)st;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		sts_settings s;

		if (!load_case(i, cases[i].text, cases[i].refused, &s))
			continue;
		assert_int_equal(s.grant_ttl, cases[i].grant_ttl);
		if (cases[i].deprecated)
			assert_string_equal(s.deprecation,
					    "ticket_ttl is deprecated: name it grant_ttl");
		else
			assert_null(s.deprecation);
		sts_settings_free(&s);
	}
}

/* The upstream issuer's keys (issue 18): each file loads or is refused
 * with an error naming |refused|. */
static void test_upstream_issuer_keys(void **st)
{
	static const struct {
		const char *text;
		const char *refused;
	} cases[] = {
		{ "issuer = local\n", NULL },
		{ "issuer = aws\nregion = eu-west-1\n", NULL },
		{ "issuer = aws\n", "issuer = aws needs region" },
		{ "issuer = vault\nregion = eu-west-1\n", "issuer" },
		{ "issuer = aws\nregion = eu-west-1\nsts_endpoint = https://sts.example.com\n",
		  NULL },
		{ "issuer = aws\nregion = eu-west-1\nsts_endpoint = http://127.0.0.1:8080\n",
		  NULL },
		{ "issuer = aws\nregion = eu-west-1\nsts_endpoint = http://sts.example.com\n",
		  "sts_endpoint" },
		{ "imds_endpoint = https://169.254.169.254\n", "imds_endpoint" },
		{ "issuer = aws\nregion = eu-west-1\nupstream_credentials = file\n",
		  "needs upstream_credentials_file" },
		{ "issuer = aws\nregion = eu-west-1\nupstream_credentials = file\n"
		  "upstream_credentials_file = /etc/pam_sts/upstream\nupstream_profile = broker\n"
		  "session_tags = yes\nsts_ca_file = /etc/ssl/ca.pem\n",
		  NULL },
		{ "upstream_credentials = keyring\n", "upstream_credentials" },
		{ "session_tags = maybe\n", "session_tags" },
		{ "upstream_credentials_file = relative/path\n", "upstream_credentials_file" },
	};

	(void)st;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		sts_settings s;

		if (load_case(i, cases[i].text, cases[i].refused, &s))
			sts_settings_free(&s);
	}
	{
		sts_settings s;
		sts_error err;

		assert_int_equal(load("issuer = aws\nregion = eu-west-1\n", &s, &err), 0);
		assert_int_equal(s.issuer, STS_ISSUER_AWS);
		assert_int_equal(s.upstream_credentials, STS_UPSTREAM_IMDS);
		assert_string_equal(s.imds_endpoint, "http://169.254.169.254");
		assert_string_equal(s.upstream_profile, "default");
		assert_null(s.sts_endpoint);
		assert_false(s.session_tags);
		sts_settings_free(&s);
	}
}

/* mfa_store and the fleet database's keys: all or nothing (issue 20). */
static void test_mfa_store_keys(void **st)
{
	static const struct {
		const char *text;
		int store;
		const char *refused;
	} cases[] = {
		{ "", STS_MFA_STORE_FILES, NULL },
		{ "mfa_store = files\n", STS_MFA_STORE_FILES, NULL },
		{ "mfa_store = postgresql\nmfa_db = mfa_db\nmfa_fleet_key_file = /etc/k\n"
		  "mfa_db_password_file = /etc/p\n",
		  STS_MFA_STORE_POSTGRESQL, NULL },
		{ "mfa_store = postgresql\nmfa_db = service=x\nmfa_fleet_key_file = /etc/k\n",
		  STS_MFA_STORE_POSTGRESQL, NULL },
		{ "mfa_store = redis\n", 0, "mfa_store" },
		{ "mfa_store = postgresql\nmfa_fleet_key_file = /etc/k\n", 0, "needs mfa_db" },
		{ "mfa_store = postgresql\nmfa_db = x\n", 0, "needs mfa_fleet_key_file" },
		{ "mfa_db = x\n", 0, "need mfa_store = postgresql" },
		{ "mfa_store = files\nmfa_fleet_key_file = /etc/k\n", 0,
		  "need mfa_store = postgresql" },
		{ "mfa_store = postgresql\nmfa_db = x\nmfa_fleet_key_file = etc/k\n", 0,
		  "mfa_fleet_key_file" },
	};

	(void)st;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		sts_settings s;
		sts_error err;
		int rc = load(cases[i].text, &s, &err);

		if (cases[i].refused) {
			assert_int_equal(rc, -1);
			if (!strstr(err.msg, cases[i].refused))
				fail_msg("case %zu: \"%s\" lacks \"%s\"", i, err.msg,
					 cases[i].refused);
			continue;
		}
		assert_int_equal(rc, 0);
		assert_int_equal(s.mfa_store, cases[i].store);
		sts_settings_free(&s);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = { cmocka_unit_test(test_grant_ttl_and_its_old_name),
					    cmocka_unit_test(test_mfa_store_keys),
					    cmocka_unit_test(test_upstream_issuer_keys) };

	return cmocka_run_group_tests(tests, setup, teardown);
}
