/*
 * make bench: refreshes per second (op=refresh) of one open session,
 * through the resident broker (sts-helper --serve), on the whole-stack
 * fixture (pam_wrapper, nss_wrapper: the session's user has the bench's
 * uid, root, so root's stsctl path is the one measured), and through the
 * exec'd helper for comparison. Prints
 *   BENCH refresh_per_s=N refreshes/s
 *   BENCH refresh_exec_per_s=N refreshes/s
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <libpamtest.h>
#include <security/pam_appl.h>

#include "base/settings.h"
#include "broker_fixture.h"
#include "pam_fixture.h"
#include "proto/calls.h"
#include "stack_fixture.h"

#define ROUNDS 400

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static pam_handle_t *open_session(void)
{
	char code[9];
	const char *off[] = { code, NULL };
	struct pamtest_conv_data conv = { .in_echo_off = off };
	struct pam_testcase cases[] = {
		pam_test(PAMTEST_AUTHENTICATE, PAM_SUCCESS),
		pam_test(PAMTEST_ACCOUNT, PAM_SUCCESS),
		pam_test(PAMTEST_OPEN_SESSION, PAM_SUCCESS),
		pam_test(PAMTEST_KEEPHANDLE, PAM_SUCCESS),
	};

	pf_set_time(T0 + 30);
	pf_code_at(T0 + 30, code);
	pf_enroll("alice", T0 / 30, 0);
	assert_int_equal(_pamtest("stack-role", "alice", &conv, cases, 4, NULL), PAMTEST_ERR_OK);
	return pf_keep_conv(cases[3].case_out.ph);
}

/* ROUNDS refreshes of |session|, each asserted ok; per second. */
static double rate(const char *session, bool broker)
{
	sts_settings settings;
	sts_error err;
	double start;

	assert_int_equal(sts_settings_load(config, &settings, &err), 0);
	if (!broker)
		settings.helper_socket[0] = '\0';
	start = now_s();
	for (int i = 0; i < ROUNDS; i++) {
		sts_msg answer;

		assert_int_equal(sts_call_refresh(&settings, config, session, &answer, &err), 0);
		assert_int_equal(sts_answer_status_of(&answer), STS_ANSWER_OK);
		sts_msg_free(&answer);
	}
	sts_settings_free(&settings);
	return ROUNDS / (now_s() - start);
}

static void bench_refresh(void **st)
{
	char extra[600], session[300];
	const char *path, *end, *start;
	pam_handle_t *ph;
	double exec_rate, broker_rate;

	(void)st;
	snprintf(extra, sizeof(extra), "refresh_stsctl = %s/stsctl\n", PAM_STS_BUILD);
	pf_write_config(extra);
	ph = open_session();
	path = pam_getenv(ph, "AWS_CONFIG_FILE");
	assert_non_null(path);
	end = strrchr(path, '/');
	for (start = end; start > path && start[-1] != '/'; start--)
		;
	snprintf(session, sizeof(session), "%.*s", (int)(end - start), start);
	exec_rate = rate(session, false);
	bf_set_paths();
	bf_make_sock_dir(0755);
	bf_up();
	broker_rate = rate(session, true);
	bf_down();
	assert_int_equal(pam_close_session(ph, 0), PAM_SUCCESS);
	pam_end(ph, PAM_SUCCESS);
	printf("BENCH refresh_per_s=%.0f refreshes/s\n", broker_rate);
	printf("BENCH refresh_exec_per_s=%.0f refreshes/s\n", exec_rate);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = { cmocka_unit_test(bench_refresh) };

	(void)argc;
	pf_under_pam_wrapper(argv);
	return cmocka_run_group_tests(tests, pf_setup, pf_teardown);
}
