/*
 * Refresh (docs/refresh.md) through the whole stack: a session opened by
 * pam_sts with refresh_stsctl set gets its own AWS config, whose profile
 * asks `stsctl credential-process --session NAME`; op=refresh issues new
 * credentials across three credential lifetimes (the clock shim moves the
 * time), the real /usr/bin/aws reads them through that config, as does one
 * boto3 Session kept across an expiry (python3-boto3), and every
 * bound refuses: the cap (max_session_lifetime), logout, the decision no
 * longer holding (the user left the group), another uid, a process of the
 * same uid outside the session.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libpamtest.h>
#include <security/pam_appl.h>

#include "base/settings.h"
#include "proto/calls.h"
#include "proto/protocol.h"
#include "token/keyring.h"
#include "token/token.h"
#include "pam_fixture.h"
#include "stack_fixture.h"

#define LIFETIME 14400 /* max_session_lifetime: four credential lifetimes */

static int64_t clock_now = T0;
static int64_t mfa_at;

/* auth + account + open_session of |user| on stack-role (AssumeRole
 * UpdateAPP: deployers only); the kept handle. */
static pam_handle_t *login(const char *user)
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

	clock_now += 30;
	pf_set_time(clock_now);
	pf_code_at(clock_now, code);
	pf_enroll(user, (clock_now - 30) / 30, 0);
	mfa_at = clock_now;
	assert_int_equal(_pamtest("stack-role", user, &conv, cases, 4, NULL), PAMTEST_ERR_OK);
	return pf_keep_conv(cases[3].case_out.ph);
}

/* The session's name, from its AWS config's directory. */
static void session_of(pam_handle_t *ph, char *name, size_t cap)
{
	const char *path = pam_getenv(ph, "AWS_CONFIG_FILE");
	const char *end, *start;

	assert_non_null(path);
	end = strrchr(path, '/');
	assert_non_null(end);
	for (start = end; start > path && start[-1] != '/'; start--)
		;
	snprintf(name, cap, "%.*s", (int)(end - start), start);
}

/* op=refresh as root (the helper is not set-uid: its caller is uid 0,
 * which is alice's in the fixture); the answer's status. */
static sts_answer_status refresh(const char *session, sts_msg *answer)
{
	sts_settings settings;
	sts_error err;
	int rc;

	assert_int_equal(sts_settings_load(config, &settings, &err), 0);
	rc = sts_call_refresh(&settings, config, session, answer, &err);
	sts_settings_free(&settings);
	assert_int_equal(rc, 0);
	return sts_answer_status_of(answer);
}

/* The claims of a refreshed credential, opened with the issuer key. */
static void claims_of(const sts_msg *answer, sts_token_claims *claims)
{
	char path[400];
	sts_keyring *ring = NULL;
	sts_error err;

	snprintf(path, sizeof(path), "%s/issuer.key", root);
	assert_int_equal(sts_keyring_load(path, &ring, &err), 0);
	assert_int_equal(sts_token_open(ring, sts_msg_get(answer, STS_KEY_SESSION_TOKEN),
					sts_msg_get(answer, STS_KEY_ACCESS_KEY_ID),
					sts_msg_get(answer, STS_KEY_SECRET_ACCESS_KEY), clock_now,
					claims, &err),
			 0);
	sts_keyring_free(ring);
}

/* op=refresh refuses |session|, saying |why|, and hands out no secret. */
static void expect_refused(const char *session, const char *why)
{
	sts_msg answer;

	assert_int_equal(refresh(session, &answer), STS_ANSWER_DENIED);
	assert_non_null(strstr(sts_msg_get(&answer, STS_KEY_MESSAGE), why));
	assert_null(sts_msg_get(&answer, STS_KEY_SECRET_ACCESS_KEY));
	assert_null(sts_msg_get(&answer, STS_KEY_SESSION_TOKEN));
	sts_msg_free(&answer);
}

static void close_and_end(pam_handle_t *ph)
{
	assert_int_equal(pam_close_session(ph, 0), PAM_SUCCESS);
	pam_end(ph, PAM_SUCCESS);
}

static void test_session_config(void **st)
{
	char name[300], path[700], text[2000], want[1200];
	pam_handle_t *ph;
	struct stat sb;
	FILE *f;
	size_t got;

	(void)st;
	ph = login("alice");
	session_of(ph, name, sizeof(name));
	assert_string_equal(pam_getenv(ph, "AWS_PROFILE"), STS_REFRESH_PROFILE_NAME);
	snprintf(path, sizeof(path), "%s", pam_getenv(ph, "AWS_CONFIG_FILE"));
	assert_int_equal(lstat(path, &sb), 0);
	assert_int_equal(sb.st_uid, 0);
	assert_int_equal(sb.st_mode & 07777, 0644);
	f = fopen(path, "re");
	assert_non_null(f);
	got = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[got] = '\0';
	snprintf(want, sizeof(want),
		 "[profile %s]\ncredential_process = %s/stsctl credential-process --session %s "
		 "--config %s\n",
		 STS_REFRESH_PROFILE_NAME, PAM_STS_BUILD, name, config);
	assert_non_null(strstr(text, want));
	/* root's record: the user cannot read it (0600, root's). */
	snprintf(path, sizeof(path), "%s/run/%s/refresh", root, name);
	assert_int_equal(lstat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0600);
	close_and_end(ph);
}

static void test_refresh_across_three_lifetimes_then_cap(void **st)
{
	char name[300], last_akid[64] = "";
	int64_t last_expiry = 0;
	sts_token_claims claims;
	pam_handle_t *ph;
	sts_msg answer;

	(void)st;
	ph = login("alice");
	session_of(ph, name, sizeof(name));
	for (int i = 0; i < 4; i++) {
		assert_int_equal(refresh(name, &answer), STS_ANSWER_OK);
		assert_string_not_equal(sts_msg_get(&answer, STS_KEY_ACCESS_KEY_ID), last_akid);
		snprintf(last_akid, sizeof(last_akid), "%s",
			 sts_msg_get(&answer, STS_KEY_ACCESS_KEY_ID));
		claims_of(&answer, &claims);
		assert_string_equal(claims.principal_arn,
				    "arn:aws:sts::123456789012:assumed-role/UpdateAPP/alice");
		assert_true(claims.expires > last_expiry);
		assert_true(claims.expires > clock_now);
		last_expiry = claims.expires;
		sts_token_claims_free(&claims);
		sts_msg_free(&answer);
		/* Past this credential's expiry. */
		clock_now += 3601;
		pf_set_time(clock_now);
	}
	/* Past max_session_lifetime from the MFA: refused, the session open. */
	clock_now = mfa_at + LIFETIME;
	pf_set_time(clock_now);
	expect_refused(name, "max_session_lifetime");
	close_and_end(ph);
}

static void test_refused_after_logout(void **st)
{
	char name[300];
	pam_handle_t *ph;

	(void)st;
	ph = login("alice");
	session_of(ph, name, sizeof(name));
	close_and_end(ph);
	expect_refused(name, "is closed");
}

static void write_group(bool alice_deploys)
{
	char path[400], text[400];

	snprintf(path, sizeof(path), "%s/group", root);
	snprintf(text, sizeof(text), "%s:x:%u:\ndeployers:x:45001:%s\nmanagers:x:45002:mia,bob\n",
		 getgid() == 0 ? "root" : "stsprimary", (unsigned)getgid(),
		 alice_deploys ? "alice" : "");
	pf_write_text(path, text, 0644);
}

static void test_refused_after_group_removal(void **st)
{
	char name[300];
	pam_handle_t *ph;
	sts_msg answer;

	(void)st;
	ph = login("alice");
	session_of(ph, name, sizeof(name));
	assert_int_equal(refresh(name, &answer), STS_ANSWER_OK);
	sts_msg_free(&answer);
	write_group(false); /* gpasswd -d alice deployers */
	expect_refused(name, "no longer allowed");
	write_group(true);
	assert_int_equal(refresh(name, &answer), STS_ANSWER_OK);
	sts_msg_free(&answer);
	close_and_end(ph);
}

/* The helper run as a set-uid helper is, for uid 4242: real uid the
 * caller's, effective root. Its whole answer, into |out|. */
static void refresh_as_uid(uid_t uid, const char *session, char *out, size_t cap)
{
	char request[600], helper[400];
	int in[2], res[2], status;
	size_t got = 0;
	ssize_t n;
	pid_t pid;

	snprintf(request, sizeof(request), "version=1\nop=refresh\nsession=%s\n", session);
	snprintf(helper, sizeof(helper), "%s/sts-helper", PAM_STS_BUILD);
	assert_int_equal(pipe(in), 0);
	assert_int_equal(pipe(res), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (dup2(in[0], 0) < 0 || dup2(res[1], 1) < 0 || setresuid(uid, 0, 0) < 0)
			_exit(127);
		close(in[1]);
		close(res[0]);
		execl(helper, "sts-helper", (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(res[1]);
	assert_int_equal(write(in[1], request, strlen(request)), (ssize_t)strlen(request));
	close(in[1]);
	while (got + 1 < cap && (n = read(res[0], out + got, cap - 1 - got)) > 0)
		got += (size_t)n;
	out[got] = '\0';
	close(res[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
}

static void test_refused_for_another_uid(void **st)
{
	char name[300], out[4096];
	pam_handle_t *ph;

	(void)st;
	ph = login("alice");
	session_of(ph, name, sizeof(name));
	refresh_as_uid(4242, name, out, sizeof(out));
	assert_non_null(strstr(out, "status=denied"));
	assert_non_null(strstr(out, "not a session of this user"));
	assert_null(strstr(out, "secret_access_key"));
	/* A user the helper finds whatever its NSS (root, uid 0): refused for
	 * its uid, not for want of the user. */
	refresh_as_uid(4242, "root.0123456789abcdef0123456789abcdef", out, sizeof(out));
	assert_non_null(strstr(out, "status=denied"));
	assert_non_null(strstr(out, "not a session of this user"));
	close_and_end(ph);
}

/* A process of the same uid outside the session: a grandchild whose
 * parent exited (reparented to init or a subreaper, as a daemon is) asks
 * for the session's credentials. Its answer's status and message. */
static void refresh_from_outside(const char *session, char *out, size_t cap)
{
	int res[2], status;
	ssize_t n;
	pid_t child;

	assert_int_equal(pipe(res), 0);
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		pid_t parent = getpid();

		if (fork() != 0)
			_exit(0);
		while (getppid() == parent)
			usleep(1000);
		{
			sts_msg answer;
			sts_answer_status st = refresh(session, &answer);
			const char *msg = sts_msg_get(&answer, STS_KEY_MESSAGE);

			dprintf(res[1], "%s %s\n", st == STS_ANSWER_OK ? "ok" : "refused",
				msg ? msg : "");
			sts_msg_free(&answer);
		}
		_exit(0);
	}
	close(res[1]);
	assert_int_equal(waitpid(child, &status, 0), child);
	n = read(res[0], out, cap - 1);
	out[n > 0 ? n : 0] = '\0';
	close(res[0]);
}

static void test_refused_outside_the_session(void **st)
{
	char name[300], out[2000];
	pam_handle_t *ph;

	(void)st;
	ph = login("alice");
	session_of(ph, name, sizeof(name));
	refresh_from_outside(name, out, sizeof(out));
	assert_non_null(strstr(out, "refused "));
	assert_non_null(strstr(out, "is not a process of the session"));
	close_and_end(ph);
}

/* The real AWS CLI, in the session's environment, twice across an expiry:
 * `aws configure export-credentials` runs the session's credential_process. */
static void aws_export(pam_handle_t *ph, char *akid, size_t cap)
{
	char cmd[2000], line[4096];
	FILE *p;

	snprintf(cmd, sizeof(cmd),
		 "env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY -u AWS_SESSION_TOKEN "
		 "HOME=/nonexistent AWS_CONFIG_FILE='%s' AWS_PROFILE='%s' "
		 "AWS_SHARED_CREDENTIALS_FILE='%s' /usr/bin/aws configure export-credentials "
		 "--format env-no-export 2>&1",
		 pam_getenv(ph, "AWS_CONFIG_FILE"), pam_getenv(ph, "AWS_PROFILE"),
		 pam_getenv(ph, "AWS_SHARED_CREDENTIALS_FILE"));
	p = popen(cmd, "r");
	assert_non_null(p);
	akid[0] = '\0';
	while (fgets(line, sizeof(line), p))
		if (strncmp(line, "AWS_ACCESS_KEY_ID=", 18) == 0)
			snprintf(akid, cap, "%.*s", (int)strcspn(line + 18, "\n"), line + 18);
		else if (strncmp(line, "AWS_", 4) != 0)
			fprintf(stderr, "aws: %s", line);
	pclose(p);
}

static void test_aws_cli_across_expiry(void **st)
{
	char first[64], second[64];
	pam_handle_t *ph;

	(void)st;
	if (access("/usr/bin/aws", X_OK) != 0) {
		skip();
		return;
	}
	ph = login("alice");
	aws_export(ph, first, sizeof(first));
	assert_int_equal(strlen(first), 20);
	clock_now += 3601;
	pf_set_time(clock_now);
	aws_export(ph, second, sizeof(second));
	assert_int_equal(strlen(second), 20);
	assert_string_not_equal(first, second);
	close_and_end(ph);
}

/* One boto3 Session kept across the expiry: get_credentials() before, the
 * clock moved past the credential's expiry (the shim's file, as the test
 * moves it), get_credentials() again. Prints the two access key ids. */
static const char boto3_script[] = "import os, sys, boto3\n"
				   "s = boto3.Session()\n"
				   "c = s.get_credentials()\n"
				   "print('method', c.method)\n"
				   "print('first', c.get_frozen_credentials().access_key)\n"
				   "path = os.environ['STS_FAKE_TIME_FILE']\n"
				   "now = int(open(path).read())\n"
				   "open(path, 'w').write('%d\\n' % (now + 3601))\n"
				   "print('second', c.get_frozen_credentials().access_key)\n";

static void test_boto3_session_across_expiry(void **st)
{
	char cmd[3000], line[512], first[64] = "", second[64] = "", method[64] = "";
	pam_handle_t *ph;
	FILE *p;

	(void)st;
	if (system("/usr/bin/python3 -c 'import boto3' 2>/dev/null") != 0) {
		skip();
		return;
	}
	ph = login("alice");
	snprintf(cmd, sizeof(cmd),
		 "env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY -u AWS_SESSION_TOKEN "
		 "HOME=/nonexistent AWS_CONFIG_FILE='%s' AWS_PROFILE='%s' "
		 "AWS_SHARED_CREDENTIALS_FILE='%s' /usr/bin/python3 -c \"%s\" 2>&1",
		 pam_getenv(ph, "AWS_CONFIG_FILE"), pam_getenv(ph, "AWS_PROFILE"),
		 pam_getenv(ph, "AWS_SHARED_CREDENTIALS_FILE"), boto3_script);
	p = popen(cmd, "r");
	assert_non_null(p);
	while (fgets(line, sizeof(line), p)) {
		if (sscanf(line, "method %63s", method) == 1 ||
		    sscanf(line, "first %63s", first) == 1 ||
		    sscanf(line, "second %63s", second) == 1)
			continue;
		fprintf(stderr, "python3: %s", line);
	}
	pclose(p);
	clock_now += 3601; /* the script moved the clock */
	assert_string_equal(method, "custom-process");
	assert_int_equal(strlen(first), 20);
	assert_int_equal(strlen(second), 20);
	assert_string_not_equal(first, second);
	close_and_end(ph);
}

static int setup(void **st)
{
	char extra[600];

	if (pf_setup(st) != 0)
		return -1;
	snprintf(extra, sizeof(extra), "refresh_stsctl = %s/stsctl\nmax_session_lifetime = %d\n",
		 PAM_STS_BUILD, LIFETIME);
	pf_write_config(extra);
	return 0;
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_session_config),
		cmocka_unit_test(test_refresh_across_three_lifetimes_then_cap),
		cmocka_unit_test(test_refused_after_logout),
		cmocka_unit_test(test_refused_after_group_removal),
		cmocka_unit_test(test_refused_for_another_uid),
		cmocka_unit_test(test_refused_outside_the_session),
		cmocka_unit_test(test_aws_cli_across_expiry),
		cmocka_unit_test(test_boto3_session_across_expiry),
	};
	(void)argc;
	pf_under_pam_wrapper(argv);
	return cmocka_run_group_tests(tests, setup, pf_teardown);
}
