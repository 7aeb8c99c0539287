/*
 * The module's log lines under hostile input (issue 15 item 5): a remote host
 * name (PAM_RHOST) and a role name carrying a newline, ESC, quotes and
 * "decision=allowed" leave every line one line, and each key=value line reads
 * back, through a parser of the documented format (log_parse.c), with the
 * same fields and values. Invalid input (a newline where the protocol to the
 * helper cannot carry one) is logged as such. Through pam_wrapper with the
 * whole-stack fixture; the lines are fault_fixture.c's capture.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpamtest.h>
#include <security/pam_appl.h>

#include "fault_fixture.h"
#include "log_parse.h"
#include "pam_fixture.h"
#include "stack_fixture.h"

static int64_t clock_now = T0;

/* alice's account phase of action=requested with |rhost| and |request|,
 * and, when it allowed, her session opened and closed; lines in |log|. */
static int login(const char *rhost, const char *request, fx_log *log)
{
	pam_handle_t *ph = sf_authenticated("stack-requested", "alice", &clock_now);
	char *env = NULL;
	int rc;

	assert_int_equal(pam_set_item(ph, PAM_RHOST, rhost), PAM_SUCCESS);
	assert_true(asprintf(&env, "PAM_STS_REQUEST=%s", request) > 0);
	assert_int_equal(pam_putenv(ph, env), PAM_SUCCESS);
	free(env);
	assert_true(fx_capture_begin());
	rc = pam_acct_mgmt(ph, 0);
	if (rc == PAM_SUCCESS) {
		rc = pam_open_session(ph, 0);
		if (rc == PAM_SUCCESS)
			rc = pam_close_session(ph, 0);
	}
	assert_true(fx_capture_end(log));
	pam_end(ph, PAM_SUCCESS);
	return rc;
}

/* Every line one line, of printable ASCII. */
static void assert_clean(const fx_log *log)
{
	if (log->stray)
		fail_msg("%d line(s) split off a log line", log->stray);
	for (int i = 0; i < log->n && i < FX_LOG_MAX; i++) {
		for (const unsigned char *p = (const unsigned char *)log->text[i]; *p; p++) {
			if (*p < 0x20 || *p > 0x7e)
				fail_msg("byte 0x%02x in \"%s\"", *p, log->text[i]);
		}
	}
}

/* The line starting with |what| ("decision:"), parsed; asserts there is one. */
static void parsed(const fx_log *log, const char *what, lp_record *r)
{
	for (int i = 0; i < log->n && i < FX_LOG_MAX; i++) {
		if (strncmp(log->text[i], what, strlen(what)) != 0)
			continue;
		if (!lp_parse(log->text[i], r))
			fail_msg("does not parse: %s", log->text[i]);
		return;
	}
	fail_msg("no %s line among %d", what, log->n);
}

static void assert_field(const lp_record *r, const char *key, const char *want)
{
	int count;
	const char *got = lp_get(r, key, &count);

	if (count != 1)
		fail_msg("%s: %d times in the %s line", key, count, r->what);
	if (!got || strcmp(got, want) != 0)
		fail_msg("%s: \"%s\", wanted \"%s\"", key, got ? got : "(absent)", want);
}

static const char *const hostile_rhosts[] = {
	"x decision=allowed by=\"forged\"",
	"h\x1b]0;owned\x07\x1b[2J",
	"\"quoted\\\"",
	"-",
};

static void test_rhost_cannot_forge_a_field(void **st)
{
	(void)st;
	for (size_t i = 0; i < sizeof(hostile_rhosts) / sizeof(hostile_rhosts[0]); i++) {
		const char *rhost = hostile_rhosts[i];
		lp_record r;
		fx_log log;

		/* denied: the line must still say so, whatever the host claims */
		assert_int_equal(login(rhost, "{\"op\":\"assume-role\",\"target\":\"ReadOnly\"}",
				       &log),
				 PAM_PERM_DENIED);
		assert_clean(&log);
		parsed(&log, "decision:", &r);
		assert_field(&r, "rhost", rhost);
		assert_field(&r, "target", "ReadOnly");
		assert_field(&r, "decision", "implicitDeny");
		assert_field(&r, "user", "alice");
		/* allowed: the decision and the issuance */
		assert_int_equal(login(rhost, "{\"op\":\"assume-role\",\"target\":\"UpdateAPP\"}",
				       &log),
				 PAM_SUCCESS);
		assert_clean(&log);
		parsed(&log, "decision:", &r);
		assert_field(&r, "rhost", rhost);
		assert_field(&r, "decision", "allowed");
		parsed(&log, "issued:", &r);
		assert_field(&r, "rhost", rhost);
		assert_field(&r, "target", "UpdateAPP");
		assert_field(&r, "service", "stack-requested");
	}
}

static void test_role_name_stays_in_its_line(void **st)
{
	static const char *const targets[] = {
		"Up\\\"date\\nAPP decision=allowed",
		"A\\u001b[2J\\u001b]0;x\\u0007",
		"R\\nsts-helper[1]: issued: user=root decision=allowed",
	};
	static const char *const escaped[] = {
		"date\\x0aAPP decision=allowed",
		"A\\x1b[2J\\x1b]0;x\\x07",
		"R\\x0asts-helper[1]",
	};
	fx_log log;

	(void)st;
	for (size_t i = 0; i < sizeof(targets) / sizeof(targets[0]); i++) {
		char request[256];

		snprintf(request, sizeof(request), "{\"op\":\"assume-role\",\"target\":\"%s\"}",
			 targets[i]);
		assert_int_not_equal(login("192.0.2.10", request, &log), PAM_SUCCESS);
		assert_clean(&log);
		assert_int_equal(log.n, 1);
		if (strncmp(log.text[0], "user alice: ", 12) != 0 ||
		    !strstr(log.text[0], escaped[i]) ||
		    !strstr(log.text[0], "is not a valid role name"))
			fail_msg("logged: %s", log.text[0]);
	}
}

static void test_newline_in_rhost_is_invalid_input(void **st)
{
	fx_log log;

	(void)st;
	assert_int_equal(login("192.0.2.10\ndecision: user=root decision=allowed",
			       "{\"op\":\"session\"}", &log),
			 PAM_SERVICE_ERR);
	assert_clean(&log);
	assert_int_equal(log.n, 1);
	if (!strstr(log.text[0], "invalid input: PAM_RHOST holds a newline"))
		fail_msg("logged: %s", log.text[0]);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rhost_cannot_forge_a_field),
		cmocka_unit_test(test_role_name_stays_in_its_line),
		cmocka_unit_test(test_newline_in_rhost_is_invalid_input),
	};

	(void)argc;
	pf_under_pam_wrapper(argv);
	return cmocka_run_group_tests(tests, pf_setup, pf_teardown);
}
