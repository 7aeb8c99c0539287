/*
 * A grant opens one session, from the remote host it was sealed for
 * (lib/decide/grant.h, lib/decide/grant_spent.h): PAM_STS_GRANT captured from a login and
 * put into a fresh PAM handle that never ran auth or account opens nothing,
 * from the same host or another, in the exec'd helper and in a resident
 * broker restarted in between; a grant refused for its host is not spent.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpamtest.h>
#include <security/pam_appl.h>

#include "broker_fixture.h"
#include "pam_fixture.h"
#include "stack_fixture.h"

#define HOST	   "198.51.100.7"
#define OTHER_HOST "203.0.113.9"

static int64_t clock_now = T0;
static char code[9];

/* Answers every hidden prompt with the current code. */
static const struct pam_conv conv = { pf_answer_code, code };

static pam_handle_t *start(const char *svc, const char *user, const char *rhost)
{
	pam_handle_t *ph = NULL;

	assert_int_equal(pam_start(svc, user, &conv, &ph), PAM_SUCCESS);
	if (rhost)
		assert_int_equal(pam_set_item(ph, PAM_RHOST, rhost), PAM_SUCCESS);
	return ph;
}

/* auth and account from |rhost|; the handle holds the grant. */
static pam_handle_t *login(const char *svc, const char *user, const char *rhost)
{
	pam_handle_t *ph;

	clock_now += 30;
	pf_set_time(clock_now);
	pf_code_at(clock_now, code);
	pf_enroll(user, (clock_now - 30) / 30, 0);
	ph = start(svc, user, rhost);
	assert_int_equal(pam_authenticate(ph, 0), PAM_SUCCESS);
	assert_int_equal(pam_acct_mgmt(ph, 0), PAM_SUCCESS);
	assert_non_null(pam_getenv(ph, "PAM_STS_GRANT"));
	return ph;
}

static char *capture(pam_handle_t *ph)
{
	char *env = NULL;

	assert_true(asprintf(&env, "PAM_STS_GRANT=%s", pam_getenv(ph, "PAM_STS_GRANT")) > 0);
	return env;
}

/* The captured grant in a fresh handle from |rhost|: open_session's result
 * (a session it opens is closed again). */
static int replay(const char *svc, const char *user, const char *rhost, const char *grant)
{
	pam_handle_t *ph = start(svc, user, rhost);
	int rc;

	assert_int_equal(pam_putenv(ph, grant), PAM_SUCCESS);
	rc = pam_open_session(ph, 0);
	if (rc == PAM_SUCCESS)
		bf_close_checked(ph);
	else
		assert_null(pam_getenv(ph, "AWS_SHARED_CREDENTIALS_FILE"));
	pam_end(ph, PAM_SUCCESS);
	return rc;
}

/* GetSessionToken's grant from the code (op=mfa) and AssumeRole's from
 * op=decide. */
static const char *const stacks[] = { "stack-session", "stack-role" };

static void test_grant_opens_once(void **st)
{
	(void)st;
	for (size_t i = 0; i < 2; i++) {
		pam_handle_t *ph = login(stacks[i], "alice", HOST);
		char *grant = capture(ph);

		assert_int_equal(pam_open_session(ph, 0), PAM_SUCCESS);
		assert_int_equal(replay(stacks[i], "alice", HOST, grant), PAM_SESSION_ERR);
		assert_int_equal(replay(stacks[i], "alice", HOST, grant), PAM_SESSION_ERR);
		bf_close_checked(ph);
		pam_end(ph, PAM_SUCCESS);
		/* The thief first: then the login's own open is the replay. */
		ph = login(stacks[i], "alice", HOST);
		free(grant);
		grant = capture(ph);
		assert_int_equal(replay(stacks[i], "alice", HOST, grant), PAM_SUCCESS);
		assert_int_equal(pam_open_session(ph, 0), PAM_SESSION_ERR);
		pam_end(ph, PAM_SUCCESS);
		free(grant);
	}
	assert_int_equal(sf_session_count(), 0);
}

static void test_grant_bound_to_rhost(void **st)
{
	(void)st;
	for (size_t i = 0; i < 2; i++) {
		pam_handle_t *ph = login(stacks[i], "alice", HOST);
		char *grant = capture(ph);

		assert_int_equal(replay(stacks[i], "alice", OTHER_HOST, grant), PAM_SESSION_ERR);
		assert_int_equal(replay(stacks[i], "alice", NULL, grant), PAM_SESSION_ERR);
		/* Refused for its host, the grant was not spent. */
		assert_int_equal(pam_open_session(ph, 0), PAM_SUCCESS);
		bf_close_checked(ph);
		pam_end(ph, PAM_SUCCESS);
		free(grant);
		/* Sealed without a remote host: none may be added. */
		ph = login(stacks[i], "alice", NULL);
		grant = capture(ph);
		assert_int_equal(replay(stacks[i], "alice", HOST, grant), PAM_SESSION_ERR);
		assert_int_equal(pam_open_session(ph, 0), PAM_SUCCESS);
		bf_close_checked(ph);
		pam_end(ph, PAM_SUCCESS);
		free(grant);
	}
	assert_int_equal(sf_session_count(), 0);
}

/* The record is on disk: a broker restarted after the open refuses the
 * grant, and so does the exec'd helper once the broker is gone. */
static void test_replay_after_broker_restart(void **st)
{
	(void)st;
	bf_set_paths();
	bf_make_sock_dir(0755);
	bf_write_config(3, true);
	for (size_t i = 0; i < 2; i++) {
		pam_handle_t *ph;
		char *grant;

		bf_up();
		ph = login(stacks[i], "alice", HOST);
		grant = capture(ph);
		assert_int_equal(pam_open_session(ph, 0), PAM_SUCCESS);
		bf_down();
		bf_up();
		assert_int_equal(replay(stacks[i], "alice", HOST, grant), PAM_SESSION_ERR);
		bf_down();
		assert_int_equal(replay(stacks[i], "alice", HOST, grant), PAM_SESSION_ERR);
		bf_close_checked(ph);
		pam_end(ph, PAM_SUCCESS);
		free(grant);
	}
	assert_int_equal(sf_session_count(), 0);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_grant_opens_once),
		cmocka_unit_test(test_grant_bound_to_rhost),
		cmocka_unit_test_teardown(test_replay_after_broker_restart, bf_stop_leftover),
	};

	(void)argc;
	setvbuf(stdout, NULL, _IOLBF, 0);
	pf_under_pam_wrapper(argv);
	return cmocka_run_group_tests(tests, pf_setup, pf_teardown);
}
