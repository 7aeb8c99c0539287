/*
 * issuer = aws through the whole stack (pam_wrapper): the three operations
 * against the STS + IMDSv2 stand-in (tests/standin/sts_standin.py, started
 * here on 127.0.0.1), each session's credentials file used by the real AWS
 * CLI (aws sts get-caller-identity --endpoint-url), a request denied at
 * account that makes no STS call (the stand-in's request log), and each
 * failure class failing the session phase with nothing written. The clock
 * is the real one: the stand-in checks SigV4's date.
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <security/pam_appl.h>

#include "fault_fixture.h"
#include "pam_fixture.h"
#include "stack_fixture.h"

#define STANDIN	  "tests/standin/sts_standin.py"
#define REGION	  "eu-west-1"
#define USER_AKID "AKIASTANDINUSER00001"
#define USER_SEC  "standin/user/secret/0000000000000000000001"

static pid_t standin = -1;
static int port;
static int64_t now_clock;
static char code[9];

static int conv(int n, const struct pam_message **msg, struct pam_response **resp, void *data)
{
	struct pam_response *r = calloc((size_t)n, sizeof(*r));

	(void)data;
	if (!r)
		return PAM_BUF_ERR;
	for (int i = 0; i < n; i++)
		if (msg[i]->msg_style == PAM_PROMPT_ECHO_OFF)
			r[i].resp = strdup(code);
	*resp = r;
	return PAM_SUCCESS;
}

static void no_delay(int status, unsigned delay, void *data)
{
	(void)status;
	(void)delay;
	(void)data;
}

static void path_of(const char *name, char *out, size_t cap)
{
	snprintf(out, cap, "%s/%s", getenv("PAM_STS_TEST_ROOT"), name);
}

static int stop_standin(void **st)
{
	(void)st;
	if (standin > 0) {
		kill(standin, SIGTERM);
		waitpid(standin, NULL, 0);
	}
	return pf_teardown(st);
}

static int start_standin(void **st)
{
	char port_file[400], log[400], text[32];
	FILE *f;

	if (pf_setup(st) < 0)
		return -1;
	path_of("standin.port", port_file, sizeof(port_file));
	path_of("standin.log", log, sizeof(log));
	unlink(port_file);
	standin = fork();
	if (standin == 0) {
		char err_path[400];

		unsetenv("LD_PRELOAD"); /* the stand-in keeps the real clock */
		/* Its tracebacks (a client gone during the slow fault) stay out of
		 * the test's output. */
		path_of("standin.err", err_path, sizeof(err_path));
		if (!freopen(err_path, "w", stderr))
			_exit(126);
		execl("/usr/bin/python3", "python3", STANDIN, "--port-file", port_file, "--log",
		      log, "--lifetime", "300", "--region", REGION, (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 200; i++) {
		if ((f = fopen(port_file, "re"))) {
			if (fgets(text, sizeof(text), f) && (port = atoi(text)) > 0) {
				fclose(f);
				return 0;
			}
			fclose(f);
		}
		usleep(50000);
	}
	stop_standin(st);
	return -1;
}

/* The stand-in's request log: its number of lines. */
static int standin_requests(void)
{
	char log[400], line[8192];
	int n = 0;
	FILE *f;

	path_of("standin.log", log, sizeof(log));
	if (!(f = fopen(log, "re")))
		return 0;
	while (fgets(line, sizeof(line), f))
		n++;
	fclose(f);
	return n;
}

/* A root-only shared-credentials file under the fixture's root. */
static void keys_file(const char *rel, const char *akid, const char *key_secret, const char *extra)
{
	char path[400], text[600];

	path_of(rel, path, sizeof(path));
	snprintf(text, sizeof(text),
		 "[default]\naws_access_key_id = %s\naws_secret_access_key = %s\n%s", akid,
		 key_secret, extra);
	pf_write_text(path, text, 0600);
}

/* The stack's configuration with issuer = aws; |base| "file" or "imds", and
 * |endpoint_port| where STS is (0: the stand-in's). */
static void aws_config_imds(const char *base, int endpoint_port, int imds_port)
{
	char extra[2000], root_dir[300];

	snprintf(root_dir, sizeof(root_dir), "%s", getenv("PAM_STS_TEST_ROOT"));
	snprintf(extra, sizeof(extra),
		 "issuer = aws\nregion = " REGION "\nsts_endpoint = http://127.0.0.1:%d\n"
		 "upstream_credentials = %s\nupstream_credentials_file = %s/upstream.creds\n"
		 "imds_endpoint = http://127.0.0.1:%d\niam_user_dir = %s/iam-users\n"
		 "session_tags = yes\n",
		 endpoint_port ? endpoint_port : port, base, root_dir, imds_port ? imds_port : port,
		 root_dir);
	pf_write_config(extra);
}

static void aws_config(const char *base, int endpoint_port)
{
	aws_config_imds(base, endpoint_port, 0);
}

/* Queues a fault in the stand-in (its /_standin/fault). */
static void standin_fault(const char *json)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd),
		 "env -u LD_PRELOAD curl -sf --noproxy '*' -o /dev/null -X POST --data '%s' "
		 "http://127.0.0.1:%d/_standin/fault",
		 json, port);
	assert_int_equal(system(cmd), 0);
}

/* Whether the stand-in's last logged AssumeRole carried |param|. */
static bool last_assume_role_has(const char *param)
{
	char log[400], line[8192], last[8192] = "";
	FILE *f;

	path_of("standin.log", log, sizeof(log));
	f = fopen(log, "re");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f))
		if (strstr(line, "\"action\": \"AssumeRole\""))
			snprintf(last, sizeof(last), "%s", line);
	fclose(f);
	return strstr(last, param) != NULL;
}

/* auth and account of |user| through |svc|; returns account's code. The
 * handle in *ph. */
static int login_until_open(const char *svc, const char *user, pam_handle_t **ph)
{
	static const struct pam_conv c = { conv, NULL };

	/* The real time: SigV4's date must be within STS's five minutes. The
	 * user is enrolled afresh with the step before as the last used, so
	 * the step of now is never a replay. */
	now_clock = (int64_t)time(NULL);
	pf_set_time(now_clock);
	pf_code_at(now_clock, code);
	pf_enroll(user, (now_clock - 30) / 30, 0);
	assert_int_equal(pam_start(svc, user, &c, ph), PAM_SUCCESS);
	assert_int_equal(pam_set_item(*ph, PAM_FAIL_DELAY, (const void *)no_delay), PAM_SUCCESS);
	assert_int_equal(pam_set_item(*ph, PAM_RHOST, "192.0.2.10"), PAM_SUCCESS);
	assert_int_equal(pam_authenticate(*ph, 0), PAM_SUCCESS);
	return pam_acct_mgmt(*ph, 0);
}

/* The same, then open_session; returns open's code (or account's when it
 * failed). */
static int login(const char *svc, const char *user, pam_handle_t **ph)
{
	int rc = login_until_open(svc, user, ph);

	return rc == PAM_SUCCESS ? pam_open_session(*ph, 0) : rc;
}

/* The real AWS CLI with the session's credentials file: its stdout (the
 * ARN) in |arn|; 0 when it succeeded. */
static int aws_cli_arn(const char *file, char *arn, size_t cap)
{
	char cmd[1200];
	FILE *p;
	int status;

	snprintf(cmd, sizeof(cmd),
		 "env -u LD_PRELOAD -u STS_FAKE_TIME_FILE AWS_SHARED_CREDENTIALS_FILE='%s' "
		 "AWS_CONFIG_FILE=/dev/null AWS_DEFAULT_REGION=" REGION
		 " AWS_EC2_METADATA_DISABLED=true "
		 "/usr/bin/aws sts get-caller-identity --endpoint-url http://127.0.0.1:%d "
		 "--query Arn --output text 2>&1",
		 file, port);
	p = popen(cmd, "r");
	assert_non_null(p);
	arn[0] = '\0';
	if (!fgets(arn, (int)cap, p))
		arn[0] = '\0';
	arn[strcspn(arn, "\n")] = '\0';
	status = pclose(p);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

/* A session opened by the aws issuer: its file holds STS's keys, the real
 * CLI answers |want_arn| with it, close removes it. */
static void check_session(pam_handle_t *ph, const char *want_arn)
{
	const char *file = pam_getenv(ph, "AWS_SHARED_CREDENTIALS_FILE");
	char arn[600];

	assert_non_null(file);
	assert_non_null(pam_getenv(ph, "AWS_CREDENTIAL_EXPIRATION"));
	assert_string_equal(pam_getenv(ph, "AWS_REGION"), REGION);
	if (aws_cli_arn(file, arn, sizeof(arn)) < 0)
		fail_msg("aws sts get-caller-identity failed: %s", arn);
	assert_string_equal(arn, want_arn);
	assert_int_equal(pam_close_session(ph, 0), PAM_SUCCESS);
	assert_int_equal(access(file, F_OK), -1);
	pam_end(ph, PAM_SUCCESS);
	assert_int_equal(sf_session_count(), 0);
}

static void test_assume_role(void **st)
{
	pam_handle_t *ph;

	(void)st;
	keys_file("upstream.creds", USER_AKID, USER_SEC, "");
	aws_config("file", 0);
	assert_int_equal(login("stack-role", "alice", &ph), PAM_SUCCESS);
	check_session(ph, "arn:aws:sts::123456789012:assumed-role/UpdateAPP/alice");
}

static void test_assume_role_from_imds(void **st)
{
	pam_handle_t *ph;

	(void)st;
	aws_config("imds", 0);
	assert_int_equal(login("stack-role", "alice", &ph), PAM_SUCCESS);
	check_session(ph, "arn:aws:sts::123456789012:assumed-role/UpdateAPP/alice");
}

/* Role chaining: with the instance profile as the base identity, two
 * hours decided become the one hour STS allows; with a user's keys, two. */
static void test_role_chaining_cap(void **st)
{
	pam_handle_t *ph;

	(void)st;
	aws_config("imds", 0);
	assert_int_equal(login("stack-role-2h", "alice", &ph), PAM_SUCCESS);
	assert_true(last_assume_role_has("\"DurationSeconds\": \"3600\""));
	assert_true(last_assume_role_has("\"SourceIdentity\": \"alice\""));
	assert_true(last_assume_role_has("\"Tags.member.1.Value\": \"alice\""));
	check_session(ph, "arn:aws:sts::123456789012:assumed-role/UpdateAPP/alice");
	keys_file("upstream.creds", USER_AKID, USER_SEC, "");
	aws_config("file", 0);
	assert_int_equal(login("stack-role-2h", "alice", &ph), PAM_SUCCESS);
	assert_true(last_assume_role_has("\"DurationSeconds\": \"7200\""));
	check_session(ph, "arn:aws:sts::123456789012:assumed-role/UpdateAPP/alice");
}

static void test_federation(void **st)
{
	pam_handle_t *ph;

	(void)st;
	keys_file("upstream.creds", USER_AKID, USER_SEC, "");
	aws_config("file", 0);
	assert_int_equal(login("stack-fed-ok", "mia", &ph), PAM_SUCCESS);
	check_session(ph, "arn:aws:sts::123456789012:federated-user/Manager-Bob");
}

static void test_session_token_with_user_keys(void **st)
{
	char dir[400];
	pam_handle_t *ph;

	(void)st;
	path_of("iam-users", dir, sizeof(dir));
	mkdir(dir, 0700);
	keys_file("iam-users/carol", USER_AKID, USER_SEC, "");
	aws_config("imds", 0); /* GetSessionToken signs with carol's keys, not the base's */
	assert_int_equal(login("stack-session", "carol", &ph), PAM_SUCCESS);
	check_session(ph, "arn:aws:iam::123456789012:user/pam-sts-broker");
}

/* With an MFA serial in the user's file, the code typed at login reaches
 * GetSessionToken as TokenCode (the stand-in logs SerialNumber, never the
 * code, and refuses one without the other). */
static void test_session_token_forwards_the_code(void **st)
{
	char log[400], line[8192], last[8192] = "";
	pam_handle_t *ph;
	FILE *f;

	(void)st;
	keys_file("iam-users/carol", USER_AKID, USER_SEC,
		  "mfa_serial = arn:aws:iam::123456789012:mfa/carol\n");
	aws_config("imds", 0);
	assert_int_equal(login("stack-session", "carol", &ph), PAM_SUCCESS);
	check_session(ph, "arn:aws:iam::123456789012:user/pam-sts-broker");
	path_of("standin.log", log, sizeof(log));
	assert_non_null(f = fopen(log, "re"));
	while (fgets(line, sizeof(line), f))
		if (strstr(line, "\"action\": \"GetSessionToken\""))
			snprintf(last, sizeof(last), "%s", line);
	fclose(f);
	assert_non_null(strstr(last, "\"SerialNumber\": \"arn:aws:iam::123456789012:mfa/carol\""));
	assert_non_null(strstr(last, "\"result\": \"ok\""));
	assert_null(strstr(last, code));
	keys_file("iam-users/carol", USER_AKID, USER_SEC, "");
}

static void test_denied_request_never_reaches_sts(void **st)
{
	pam_handle_t *ph;
	int before;

	(void)st;
	keys_file("upstream.creds", USER_AKID, USER_SEC, "");
	aws_config("file", 0);
	before = standin_requests();
	/* bob is no deployer: denied at account. */
	assert_int_equal(login("stack-role", "bob", &ph), PAM_PERM_DENIED);
	pam_end(ph, PAM_SUCCESS);
	assert_int_equal(standin_requests(), before);
}

/* The session phase refused with one log line holding |reason|: nothing
 * written, nothing left. */
static void expect_refused(const char *svc, const char *user, const char *reason)
{
	pam_handle_t *ph;
	fx_log log;
	int rc;

	assert_int_equal(login_until_open(svc, user, &ph), PAM_SUCCESS);
	assert_true(fx_capture_begin());
	rc = pam_open_session(ph, 0);
	assert_true(fx_capture_end(&log));
	assert_int_not_equal(rc, PAM_SUCCESS);
	if (log.n != 1 || !strstr(log.text[0], reason))
		fail_msg("%d log lines, wanted one with \"%s\": %s", log.n, reason,
			 log.n ? log.text[0] : "");
	assert_null(pam_getenv(ph, "AWS_SHARED_CREDENTIALS_FILE"));
	pam_end(ph, PAM_SUCCESS);
	assert_int_equal(sf_session_count(), 0);
}

static void test_failures_fail_closed(void **st)
{
	(void)st;
	/* STS refuses: GetFederationToken signed with role credentials (IMDS). */
	aws_config("imds", 0);
	expect_refused("stack-fed-ok", "mia", "STS AccessDenied: Cannot call GetFederationToken");
	/* STS refuses: ExpiredToken. */
	keys_file("upstream.creds", "ASIASTANDINEXPIRED01",
		  "standin/expired/secret/00000000000000000001",
		  "aws_session_token = standin-expired-session-token-0001\n");
	aws_config("file", 0);
	expect_refused("stack-role", "alice", "STS ExpiredToken: ");
	/* STS refuses: a key it does not know. */
	keys_file("upstream.creds", "AKIAUNKNOWNKEY000001", USER_SEC, "");
	expect_refused("stack-role", "alice", "STS InvalidClientTokenId: ");
	/* A garbled answer; Throttling on every attempt; no answer in time. */
	keys_file("upstream.creds", USER_AKID, USER_SEC, "");
	standin_fault("{\"mode\": \"garbled\"}");
	expect_refused("stack-role", "alice", "STS answer: not well-formed XML");
	standin_fault("{\"mode\": \"throttle\", \"count\": 3}");
	expect_refused("stack-role", "alice", "STS Throttling: Rate exceeded");
	standin_fault("{\"mode\": \"slow\", \"seconds\": 4}");
	expect_refused("stack-role", "alice", "STS did not answer within");
	/* IMDS unreachable. */
	aws_config_imds("imds", 0, 1);
	expect_refused("stack-role", "alice", "PUT http://127.0.0.1:1/latest/api/token");
	/* STS unreachable (nothing listens on the port). */
	aws_config("file", 1);
	expect_refused("stack-role", "alice", "POST http://127.0.0.1:1");
	/* GetSessionToken without a file for the user. */
	aws_config("file", 0);
	expect_refused("stack-session", "bob", "iam-users/bob");
	/* Every refusal above was the session phase's: the stand-in still issues. */
	keys_file("iam-users/carol", USER_AKID, USER_SEC, "");
	{
		pam_handle_t *ph;

		assert_int_equal(login("stack-session", "carol", &ph), PAM_SUCCESS);
		check_session(ph, "arn:aws:iam::123456789012:user/pam-sts-broker");
	}
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_assume_role),
		cmocka_unit_test(test_assume_role_from_imds),
		cmocka_unit_test(test_role_chaining_cap),
		cmocka_unit_test(test_federation),
		cmocka_unit_test(test_session_token_with_user_keys),
		cmocka_unit_test(test_session_token_forwards_the_code),
		cmocka_unit_test(test_denied_request_never_reaches_sts),
		cmocka_unit_test(test_failures_fail_closed),
	};

	(void)argc;
	pf_under_pam_wrapper(argv);
	if (geteuid() != 0) {
		/* The keys files must be root's (lib/upstream/base_creds_file.h). */
		printf("test_pam_upstream: skipped (not root)\n");
		return 0;
	}
	return cmocka_run_group_tests(tests, start_standin, stop_standin);
}
