/*
 * The account phase where the module hands the reading of a request to
 * sts-helper (pam_sts.so links no JSON parser): action=requested, whose
 * PAM_STS_REQUEST the helper parses and decides, and role=prompt, whose list
 * the helper answers as space-separated names. Through pam_wrapper with the
 * whole-stack fixture (stack_fixture.c); the test plays the application
 * between the auth and account phases, and reads the module's log lines
 * (fault_fixture.c's capture).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpamtest.h>
#include <security/pam_appl.h>

#include "proto/codec.h"
#include "fault_fixture.h"
#include "pam_fixture.h"
#include "stack_fixture.h"

static int64_t clock_now = T0;

/* The account phase of action=requested with |request| in PAM_STS_REQUEST
 * (NULL: the application sent none); the module's lines in |log|. */
static int requested(const char *request, fx_log *log)
{
	pam_handle_t *ph = sf_authenticated("stack-requested", "alice", &clock_now);
	char *env = NULL;
	int rc;

	if (request) {
		assert_true(asprintf(&env, "PAM_STS_REQUEST=%s", request) > 0);
		assert_int_equal(pam_putenv(ph, env), PAM_SUCCESS);
		free(env);
	}
	assert_true(fx_capture_begin());
	rc = pam_acct_mgmt(ph, 0);
	assert_true(fx_capture_end(log));
	assert_null(pam_getenv(ph, "PAM_STS_REQUEST")); /* read once, whatever it held */
	if (rc == PAM_SUCCESS)
		assert_non_null(pam_getenv(ph, "PAM_STS_GRANT"));
	else
		assert_null(pam_getenv(ph, "PAM_STS_GRANT"));
	pam_end(ph, PAM_SUCCESS);
	return rc;
}

static void assert_one_line(const fx_log *log, const char *want)
{
	if (log->n != 1 || !strstr(log->text[0], want))
		fail_msg("wanted one line with \"%s\", got %d: \"%s\"", want, log->n,
			 log->n ? log->text[0] : "");
}

static void test_malformed_app_request(void **st)
{
	static const char *const bad[] = {
		"{not json",
		"[\"session\"]",
		"{}",
		"{\"op\":\"GetSessionToken\"}",
		"{\"op\":\"assume-role\"}",
		"{\"op\":\"federate\",\"target\":7}",
		"{\"op\":\"session\",\"duration\":900}",
		"{\"op\":\"session\",\"duration\":\"0\"}",
		"{\"op\":\"session\",\"duration\":\"+900\"}",
		"{\"op\":\"session\",\"session_policy\":\"readonly\"}",
		"{\"op\":\"session\",\"extra\":\"x\"}",
		"{\"op\":\"assume-role\",\"target\":\"prompt\"}",
		/* a key twice: json-c alone would take the last */
		"{\"op\":\"assume-role\",\"target\":\"ReadOnly\",\"target\":\"UpdateAPP\"}",
		"{\"op\":\"assume-role\",\"target\":\"UpdateAPP\",\"session_policy\":{\"Version\":"
		"\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\","
		"\"Resource\":\"*\",\"Effect\":\"Deny\"}]}}",
	};
	char *big;
	fx_log log;

	(void)st;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(requested(bad[i], &log), PAM_SERVICE_ERR);
		assert_one_line(&log, "PAM_STS_REQUEST: decide: user alice: the application's "
				      "request is malformed: ");
		assert_int_equal(log.prio[0], 3 /* LOG_ERR */);
	}
	assert_one_line(&log, "malformed: the key session_policy.Statement[0].Effect appears "
			      "twice in one object");
	/* Refused by the module itself: not a protocol value. */
	assert_int_equal(requested("{\"op\":\"session\",\n\"duration\":\"900\"}", &log),
			 PAM_SERVICE_ERR);
	assert_one_line(&log, "PAM_STS_REQUEST from the application is malformed: holds a newline");
	big = malloc(STS_APP_REQUEST_MAX + 64);
	assert_non_null(big);
	snprintf(big, STS_APP_REQUEST_MAX + 64, "{\"op\":\"federate\",\"target\":\"%0*d\"}",
		 (int)STS_APP_REQUEST_MAX, 0);
	assert_int_equal(requested(big, &log), PAM_SERVICE_ERR);
	assert_one_line(&log, "PAM_STS_REQUEST from the application is malformed: too long");
	free(big);
	/* Absent: denied by the module, without asking the helper. */
	sf_helper_mode("decide:crash");
	assert_int_equal(requested(NULL, &log), PAM_PERM_DENIED);
	sf_helper_mode("");
	assert_one_line(&log, "action=requested, but the application sent no PAM_STS_REQUEST");
}

static void test_app_request_decided(void **st)
{
	fx_log log;

	(void)st;
	assert_int_equal(requested("{\"op\":\"assume-role\",\"target\":\"UpdateAPP\","
				   "\"duration\":\"900\"}",
				   &log),
			 PAM_SUCCESS);
	assert_one_line(&log, "decision: user=alice rhost=- service=stack-requested "
			      "operation=AssumeRole target=UpdateAPP decision=");
	assert_int_equal(requested("{\"op\":\"assume-role\",\"target\":\"ReadOnly\"}", &log),
			 PAM_PERM_DENIED);
	assert_one_line(&log, "operation=AssumeRole target=ReadOnly decision=");
	assert_int_equal(requested("{\"op\":\"session\"}", &log), PAM_SUCCESS);
	assert_one_line(&log, "operation=GetSessionToken target=- decision=");
	/* The session policy reaches the decision: GetSessionToken refuses one. */
	assert_int_equal(requested("{\"op\":\"session\",\"session_policy\":{}}", &log),
			 PAM_AUTHINFO_UNAVAIL);
	assert_one_line(&log, "GetSessionToken takes no session policy");
	assert_int_equal(requested("{\"op\":\"assume-role\",\"target\":\"UpdateAPP\","
				   "\"session_policy\":{\"Version\":"
				   "\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
				   "\"Action\":\"s3:GetObject\",\"Resource\":\"*\"}]}}",
				   &log),
			 PAM_SUCCESS);
	assert_one_line(&log, "operation=AssumeRole target=UpdateAPP decision=");
}

/* role=prompt's conversation: records the menu, answers |choice|. */
typedef struct {
	const char *choice;
	char prompt[1024];
	int asked;
} role_conv;

static int answer_role(int n, const struct pam_message **msg, struct pam_response **resp,
		       void *data)
{
	role_conv *c = data;
	struct pam_response *r = calloc((size_t)n, sizeof(*r));

	if (!r)
		return PAM_BUF_ERR;
	for (int i = 0; i < n; i++) {
		if (msg[i]->msg_style != PAM_PROMPT_ECHO_ON)
			continue;
		snprintf(c->prompt, sizeof(c->prompt), "%s", msg[i]->msg);
		c->asked++;
		r[i].resp = strdup(c->choice);
	}
	*resp = r;
	return PAM_SUCCESS;
}

static int choose(role_conv *c, fx_log *log)
{
	pam_handle_t *ph = sf_authenticated("stack-prompt", "alice", &clock_now);
	struct pam_conv conv = { answer_role, c };
	int rc;

	assert_int_equal(pam_set_item(ph, PAM_CONV, &conv), PAM_SUCCESS);
	assert_true(fx_capture_begin());
	rc = pam_acct_mgmt(ph, 0);
	assert_true(fx_capture_end(log));
	pam_end(ph, PAM_SUCCESS);
	return rc;
}

static void test_prompt_lists_several_roles(void **st)
{
	char assume[400], audit[400], text[2048];
	role_conv c = { 0 };
	fx_log log;

	(void)st;
	/* alice (deployers) may also assume ReadOnly and a third role, Audit. */
	snprintf(assume, sizeof(assume), "%s/sandbox/policies/groups/deployers/assume-more.json",
		 root);
	pf_write_text(assume,
		      "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
		      "\"Action\":\"sts:AssumeRole\",\"Resource\":["
		      "\"arn:aws:iam::123456789012:role/ReadOnly\","
		      "\"arn:aws:iam::123456789012:role/Audit\"]}]}",
		      0644);
	snprintf(audit, sizeof(audit), "%s/sandbox/roles/Audit.json", root);
	snprintf(text, sizeof(text),
		 "{\"Role\":{\"Path\":\"/\",\"RoleName\":\"Audit\",\"RoleId\":"
		 "\"AROAEXAMPLEAUDIT0001\",\"Arn\":\"arn:aws:iam::123456789012:role/Audit\","
		 "\"CreateDate\":\"2024-01-15T09:31:00+00:00\",\"AssumeRolePolicyDocument\":{"
		 "\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":"
		 "{\"AWS\":\"arn:aws:iam::123456789012:root\"},\"Action\":\"sts:AssumeRole\"}]},"
		 "\"MaxSessionDuration\":3600}}");
	pf_write_text(audit, text, 0644);

	c.choice = "3";
	assert_int_equal(choose(&c, &log), PAM_SUCCESS);
	assert_int_equal(c.asked, 1);
	assert_string_equal(c.prompt, "Roles you may assume:\n  1) Audit\n  2) ReadOnly\n"
				      "  3) UpdateAPP\nRole: ");
	assert_one_line(&log, "operation=AssumeRole target=UpdateAPP decision=");
	c.choice = "ReadOnly"; /* by name */
	assert_int_equal(choose(&c, &log), PAM_SUCCESS);
	assert_one_line(&log, "operation=AssumeRole target=ReadOnly decision=");
	c.choice = "1";
	assert_int_equal(choose(&c, &log), PAM_SUCCESS);
	assert_one_line(&log, "operation=AssumeRole target=Audit decision=");
	c.choice = "4"; /* not on offer */
	assert_int_equal(choose(&c, &log), PAM_PERM_DENIED);
	assert_one_line(&log, "user alice chose no role on offer");
	c.choice = "Audit ReadOnly"; /* one answer, not a list */
	assert_int_equal(choose(&c, &log), PAM_PERM_DENIED);
	assert_one_line(&log, "user alice chose no role on offer");

	assert_int_equal(unlink(assume), 0);
	assert_int_equal(unlink(audit), 0);
	c.asked = 0;
	c.choice = "1";
	assert_int_equal(choose(&c, &log), PAM_SUCCESS);
	assert_int_equal(c.asked, 1);
	assert_string_equal(c.prompt, "Roles you may assume:\n  1) UpdateAPP\nRole: ");
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_malformed_app_request),
		cmocka_unit_test(test_app_request_decided),
		cmocka_unit_test(test_prompt_lists_several_roles),
	};

	(void)argc;
	pf_under_pam_wrapper(argv);
	return cmocka_run_group_tests(tests, pf_setup, pf_teardown);
}
