/*
 * The resident broker's memory of its decisions (helper/sts-helper/sts_helper_memo.h),
 * end to end: its open issues what its decide allowed without reading the
 * policies again, and a broker that did not make the decision makes it again.
 */
#include <stdio.h>
#include <stdlib.h>

#include <libpamtest.h>
#include <security/pam_appl.h>

#include "broker_fixture.h"
#include "pam_fixture.h"
#include "stack_fixture.h"

static int64_t clock_now = T0;

/* Made unreadable as JSON between account and open. */
#define ROLE "sandbox/roles/UpdateAPP.json"

/* The broker's open issues the decision its decide made for the grant
 * (helper/sts-helper/sts_helper_memo.h) without reading the policies again; a broker
 * that did not make it (restarted in between) decides again, here against a
 * role file that no longer parses, and the open fails closed. */
static void test_broker_keeps_the_decision(void **st)
{
	pam_handle_t *ph;

	(void)st;
	bf_set_paths();
	bf_make_sock_dir(0755);
	bf_write_config(3, false);
	bf_up();
	ph = sf_authenticated("stack-role", "alice", &clock_now);
	assert_int_equal(pam_acct_mgmt(ph, 0), PAM_SUCCESS);
	sf_break_json(ROLE, true);
	assert_int_equal(pam_open_session(ph, 0), PAM_SUCCESS);
	bf_close_checked(ph);
	pam_end(ph, PAM_SUCCESS);
	sf_break_json(ROLE, false);

	ph = sf_authenticated("stack-role", "alice", &clock_now);
	assert_int_equal(pam_acct_mgmt(ph, 0), PAM_SUCCESS);
	sf_break_json(ROLE, true);
	bf_down();
	bf_up();
	assert_int_not_equal(pam_open_session(ph, 0), PAM_SUCCESS);
	assert_null(pam_getenv(ph, "AWS_SHARED_CREDENTIALS_FILE"));
	pam_end(ph, PAM_SUCCESS);
	assert_int_equal(sf_session_count(), 0);
	sf_break_json(ROLE, false);
	bf_down();
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_broker_keeps_the_decision, bf_stop_leftover),
	};

	(void)argc;
	setvbuf(stdout, NULL, _IOLBF, 0);
	pf_under_pam_wrapper(argv);
	return cmocka_run_group_tests(tests, pf_setup, pf_teardown);
}
