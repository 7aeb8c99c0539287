/*
 * GetSessionToken's grant sealed with the passed code
 * (helper/sts-helper/sts_helper_session_grant.c), end to end through the resident
 * broker: the account phase of plain action=session hands it on without
 * asking the helper, any other request (or another login or configuration)
 * still asks op=decide, and op=open decides the grant itself.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpamtest.h>
#include <security/pam_appl.h>

#include "broker_fixture.h"
#include "pam_fixture.h"
#include "stack_fixture.h"

static int64_t clock_now = T0;

/* alice's group policy: the scope of her GetSessionToken. */
#define GROUP_POLICY "sandbox/policies/groups/deployers/read-artifacts.json"

static void broker_only(void)
{
	bf_set_paths();
	bf_make_sock_dir(0755);
	bf_write_config(3, false); /* no helper to exec: only the broker answers */
	bf_up();
}

/* Plain action=session: the account phase succeeds with no helper to ask,
 * and the session issues the grant the code came with. */
static void test_plain_session_asks_no_decision(void **st)
{
	pam_handle_t *ph;

	(void)st;
	broker_only();
	ph = sf_authenticated("stack-session", "alice", &clock_now);
	bf_down();
	assert_int_equal(pam_acct_mgmt(ph, 0), PAM_SUCCESS);
	assert_non_null(pam_getenv(ph, "PAM_STS_GRANT"));
	bf_up();
	assert_int_equal(pam_open_session(ph, 0), PAM_SUCCESS);
	assert_null(pam_getenv(ph, "PAM_STS_GRANT"));
	bf_close_checked(ph);
	pam_end(ph, PAM_SUCCESS);
	assert_int_equal(sf_session_count(), 0);
	bf_down();
}

/* Anything but plain action=session asks op=decide: with no helper to ask,
 * the account phase fails and hands on no grant. */
static void test_other_requests_ask_the_helper(void **st)
{
	const char *asking[] = { "stack-session-1h", "stack-role", "stack-fed-ok" };

	(void)st;
	broker_only();
	for (size_t i = 0; i < sizeof(asking) / sizeof(asking[0]); i++) {
		const char *user = strcmp(asking[i], "stack-fed-ok") == 0 ? "bob" : "alice";
		pam_handle_t *ph = sf_authenticated(asking[i], user, &clock_now);

		bf_down();
		assert_int_equal(pam_acct_mgmt(ph, 0), PAM_AUTHINFO_UNAVAIL);
		assert_null(pam_getenv(ph, "PAM_STS_GRANT"));
		pam_end(ph, PAM_SUCCESS);
		bf_up();
	}
	bf_down();
}

/* The grant is for the login the code was checked for: a remote host set or
 * changed after the auth phase makes the account phase ask op=decide. */
static void test_another_login_asks_the_helper(void **st)
{
	pam_handle_t *ph;

	(void)st;
	broker_only();
	ph = sf_authenticated("stack-session", "alice", &clock_now);
	assert_int_equal(pam_set_item(ph, PAM_RHOST, "192.0.2.7"), PAM_SUCCESS);
	bf_down();
	assert_int_equal(pam_acct_mgmt(ph, 0), PAM_AUTHINFO_UNAVAIL);
	assert_null(pam_getenv(ph, "PAM_STS_GRANT"));
	bf_up();
	/* With the helper there, op=decide decides for the new address. */
	assert_int_equal(pam_acct_mgmt(ph, 0), PAM_SUCCESS);
	assert_int_equal(pam_open_session(ph, 0), PAM_SUCCESS);
	bf_close_checked(ph);
	pam_end(ph, PAM_SUCCESS);
	bf_down();
}

/* The account line names another configuration than the auth line (a copy
 * here): the grant the auth line's helper sealed is not handed on. */
static void test_another_configuration_asks_the_helper(void **st)
{
	char cmd[900];
	pam_handle_t *ph;

	(void)st;
	broker_only();
	snprintf(cmd, sizeof(cmd), "cp -p '%s' '%s/pam_sts-2.conf'", config, root);
	assert_int_equal(system(cmd), 0);
	ph = sf_authenticated("stack-session-conf2", "alice", &clock_now);
	bf_down();
	assert_int_equal(pam_acct_mgmt(ph, 0), PAM_AUTHINFO_UNAVAIL);
	assert_null(pam_getenv(ph, "PAM_STS_GRANT"));
	pam_end(ph, PAM_SUCCESS);
	snprintf(cmd, sizeof(cmd), "%s/pam_sts-2.conf", root);
	assert_int_equal(unlink(cmd), 0);
}

/* op=open decides the grant itself (the scope: the identity policies): with
 * alice's group policy broken after the auth phase, the account phase still
 * hands the grant on (no policy can refuse GetSessionToken), and the session
 * phase fails closed, leaving nothing. */
static void test_open_decides_the_grant(void **st)
{
	pam_handle_t *ph;

	(void)st;
	broker_only();
	ph = sf_authenticated("stack-session", "alice", &clock_now);
	sf_break_json(GROUP_POLICY, true);
	assert_int_equal(pam_acct_mgmt(ph, 0), PAM_SUCCESS);
	assert_int_not_equal(pam_open_session(ph, 0), PAM_SUCCESS);
	assert_null(pam_getenv(ph, "AWS_SHARED_CREDENTIALS_FILE"));
	assert_null(pam_getenv(ph, "PAM_STS_GRANT"));
	pam_end(ph, PAM_SUCCESS);
	assert_int_equal(sf_session_count(), 0);
	sf_break_json(GROUP_POLICY, false);
	bf_down();
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_plain_session_asks_no_decision, bf_stop_leftover),
		cmocka_unit_test_teardown(test_other_requests_ask_the_helper, bf_stop_leftover),
		cmocka_unit_test_teardown(test_another_login_asks_the_helper, bf_stop_leftover),
		cmocka_unit_test_teardown(test_another_configuration_asks_the_helper,
					  bf_stop_leftover),
		cmocka_unit_test_teardown(test_open_decides_the_grant, bf_stop_leftover),
	};

	(void)argc;
	setvbuf(stdout, NULL, _IOLBF, 0);
	pf_under_pam_wrapper(argv);
	return cmocka_run_group_tests(tests, pf_setup, pf_teardown);
}
