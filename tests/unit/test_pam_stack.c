/*
 * The whole stack through pam_wrapper/libpamtest: auth (TOTP) -> account
 * (the STS decision) -> open_session (sts-helper mints and writes) -> close,
 * for GetSessionToken, AssumeRole and GetFederationToken on the sandbox
 * configuration (conf/sandbox, the seeds' examples), and the ways the
 * session phase must fail closed. Users and groups come from nss_wrapper;
 * the helper runs through a test stand-in that adds them (stack_fixture.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <libpamtest.h>
#include <security/pam_appl.h>

#include "base/settings_cache.h"
#include "token/keyring.h"
#include "token/token.h"
#include "pam_fixture.h"
#include "stack_fixture.h"

static int64_t clock_now = T0;

/* Each login gets a fresh time step, so its code is not a replay. */
static void next_code(char code[9])
{
	clock_now += 30;
	pf_set_time(clock_now);
	pf_code_at(clock_now, code);
}

/* auth + account (+ open_session when the account is expected to allow);
 * returns the kept handle. */
static pam_handle_t *login_opt(const char *svc, const char *user, int want_account, bool do_open,
			       int want_open, const char *choice)
{
	char code[9], errs[4][PAM_MAX_MSG_SIZE];
	char *out_err[5] = { errs[0], errs[1], errs[2], errs[3], NULL };
	const char *off[] = { code, NULL }, *on[] = { choice, NULL };
	struct pamtest_conv_data conv = { .in_echo_off = off,
					  .in_echo_on = on,
					  .out_err = out_err };
	struct pam_testcase with_open[] = {
		pam_test(PAMTEST_AUTHENTICATE, PAM_SUCCESS),
		pam_test(PAMTEST_ACCOUNT, want_account),
		pam_test(PAMTEST_OPEN_SESSION, want_open),
		pam_test(PAMTEST_KEEPHANDLE, PAM_SUCCESS),
	};
	struct pam_testcase no_open[] = {
		pam_test(PAMTEST_AUTHENTICATE, PAM_SUCCESS),
		pam_test(PAMTEST_ACCOUNT, want_account),
		pam_test(PAMTEST_KEEPHANDLE, PAM_SUCCESS),
	};
	bool open = do_open && want_account == PAM_SUCCESS;
	struct pam_testcase *cases = open ? with_open : no_open;
	size_t n = open ? 4 : 3;
	enum pamtest_err perr;

	next_code(code);
	pf_enroll(user, (clock_now - 30) / 30, 0);
	memset(errs, 0, sizeof(errs));
	perr = _pamtest(svc, user, &conv, cases, n, NULL);
	snprintf(pf_last_error, sizeof(pf_last_error), "%s", errs[0]);
	if (perr != PAMTEST_ERR_OK) {
		const struct pam_testcase *bad = pamtest_failed_case(cases);
		fprintf(stderr, "%s/%s: %s (case %d returned %d)\n", svc, user,
			pamtest_strerror(perr), bad ? (int)bad->pam_operation : -1,
			bad ? bad->op_rv : 0);
	}
	assert_int_equal(perr, PAMTEST_ERR_OK);
	return pf_keep_conv(cases[n - 1].case_out.ph);
}

static pam_handle_t *login(const char *svc, const char *user, int want_account, int want_open,
			   const char *choice)
{
	return login_opt(svc, user, want_account, true, want_open, choice);
}

typedef struct {
	char akid[64], secret[64], token[65536], file[400];
} issued;

static void read_issued(pam_handle_t *ph, issued *out)
{
	const char *path = pam_getenv(ph, "AWS_SHARED_CREDENTIALS_FILE");
	char line[70000];
	struct stat st;
	FILE *f;

	assert_non_null(path);
	snprintf(out->file, sizeof(out->file), "%s", path);
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0600);
	f = fopen(path, "re");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		sscanf(line, "aws_access_key_id = %63s", out->akid);
		sscanf(line, "aws_secret_access_key = %63s", out->secret);
		sscanf(line, "aws_session_token = %65535s", out->token);
	}
	fclose(f);
	assert_int_equal(strlen(out->akid), 20);
	assert_int_equal(strncmp(out->akid, "ASIA", 4), 0);
	assert_int_equal(strlen(out->secret), 40);
}

/* Opens the token with the issuer key, as stsctl verify does. */
static void claims_of(const issued *is, sts_token_claims *claims)
{
	char path[400];
	sts_keyring *ring = NULL;
	sts_error err;

	snprintf(path, sizeof(path), "%s/issuer.key", root);
	assert_int_equal(sts_keyring_load(path, &ring, &err), 0);
	memset(claims, 0, sizeof(*claims));
	if (sts_token_open(ring, is->token, is->akid, is->secret, clock_now, claims, &err) < 0)
		fail_msg("token refused: %s", err.msg);
	sts_keyring_free(ring);
}

static void close_and_end(pam_handle_t *ph, int want_close)
{
	assert_int_equal(pam_close_session(ph, 0), want_close);
	pam_end(ph, PAM_SUCCESS);
}

static void test_get_session_token(void **st)
{
	sts_token_claims claims;
	struct stat dst;
	issued is;
	char dir[400];
	pam_handle_t *ph;

	(void)st;
	ph = login("stack-session", "carol", PAM_SUCCESS, PAM_SUCCESS, NULL);
	read_issued(ph, &is);
	assert_null(pam_getenv(ph, "PAM_STS_MFA"));
	assert_null(pam_getenv(ph, "PAM_STS_GRANT"));
	assert_null(pam_getenv(ph, "AWS_SECRET_ACCESS_KEY")); /* only with env=secrets */
	assert_non_null(pam_getenv(ph, "AWS_CREDENTIAL_EXPIRATION"));
	snprintf(dir, sizeof(dir), "%s", is.file);
	*strrchr(dir, '/') = '\0';
	assert_int_equal(lstat(dir, &dst), 0);
	assert_int_equal(dst.st_mode & 0777, 0710);
	claims_of(&is, &claims);
	assert_string_equal(claims.principal_arn, "arn:aws:iam::123456789012:user/carol");
	assert_string_equal(claims.source_identity, "carol");
	assert_string_equal(claims.operation, "GetSessionToken");
	assert_true(claims.mfa_present);
	assert_int_equal(claims.expires - claims.issued, 43200);
	sts_token_claims_free(&claims);
	assert_int_equal(sf_session_count(), 1);
	close_and_end(ph, PAM_SUCCESS);
	assert_int_equal(sf_session_count(), 0);
	assert_int_equal(access(dir, F_OK), -1);
}

static void test_assume_role_seed(void **st)
{
	sts_token_claims claims;
	issued is;
	pam_handle_t *ph;

	(void)st;
	ph = login("stack-role", "alice", PAM_SUCCESS, PAM_SUCCESS, NULL);
	read_issued(ph, &is);
	claims_of(&is, &claims);
	assert_string_equal(claims.principal_arn,
			    "arn:aws:sts::123456789012:assumed-role/UpdateAPP/alice");
	assert_string_equal(claims.operation, "AssumeRole");
	assert_int_equal(claims.expires - claims.issued, 3600);
	assert_true(claims.n_identity >= 1);
	sts_token_claims_free(&claims);
	close_and_end(ph, PAM_SUCCESS);
	/* bob is a manager, not a deployer: refused at account, no session. */
	ph = login("stack-role", "bob", PAM_PERM_DENIED, 0, NULL);
	assert_null(pam_getenv(ph, "PAM_STS_GRANT"));
	pam_end(ph, PAM_SUCCESS);
	assert_int_equal(sf_session_count(), 0);
}

static void test_federation_seed(void **st)
{
	sts_token_claims claims;
	issued is;
	pam_handle_t *ph;

	(void)st;
	ph = login("stack-fed-ok", "mia", PAM_SUCCESS, PAM_SUCCESS, NULL);
	read_issued(ph, &is);
	claims_of(&is, &claims);
	assert_string_equal(claims.principal_arn,
			    "arn:aws:sts::123456789012:federated-user/Manager-Bob");
	assert_true(claims.no_permissions); /* no session policy: no permissions (AWS) */
	sts_token_claims_free(&claims);
	close_and_end(ph, PAM_SUCCESS);
	ph = login("stack-fed-no", "mia", PAM_PERM_DENIED, 0, NULL);
	pam_end(ph, PAM_SUCCESS);
	ph = login("stack-fed-ok", "alice", PAM_PERM_DENIED, 0, NULL); /* not a manager */
	pam_end(ph, PAM_SUCCESS);
}

static void test_role_prompt_and_secrets(void **st)
{
	issued is;
	pam_handle_t *ph;

	(void)st;
	ph = login("stack-prompt", "alice", PAM_SUCCESS, PAM_SUCCESS, "1");
	read_issued(ph, &is);
	assert_non_null(pam_getenv(ph, "AWS_ACCESS_KEY_ID"));
	assert_string_equal(pam_getenv(ph, "AWS_ACCESS_KEY_ID"), is.akid);
	assert_string_equal(pam_getenv(ph, "AWS_SECRET_ACCESS_KEY"), is.secret);
	assert_string_equal(pam_getenv(ph, "AWS_SESSION_TOKEN"), is.token);
	close_and_end(ph, PAM_SUCCESS);
	/* A choice that is not on offer is refused. */
	ph = login("stack-prompt", "alice", PAM_PERM_DENIED, 0, "ReadOnly");
	pam_end(ph, PAM_SUCCESS);
	/* carol may assume no role at all. */
	ph = login("stack-prompt", "carol", PAM_PERM_DENIED, 0, "1");
	pam_end(ph, PAM_SUCCESS);
}

static void test_open_twice_and_concurrent_sessions(void **st)
{
	issued one, two;
	pam_handle_t *a, *b;

	(void)st;
	a = login("stack-session", "carol", PAM_SUCCESS, PAM_SUCCESS, NULL);
	assert_int_equal(pam_open_session(a, 0), PAM_SUCCESS); /* sshd may open twice */
	assert_int_equal(sf_session_count(), 1);
	b = login("stack-session", "carol", PAM_SUCCESS, PAM_SUCCESS, NULL);
	assert_int_equal(sf_session_count(), 2);
	read_issued(a, &one);
	read_issued(b, &two);
	assert_string_not_equal(one.file, two.file);
	assert_string_not_equal(one.akid, two.akid);
	close_and_end(a, PAM_SUCCESS);
	assert_int_equal(access(one.file, F_OK), -1);
	assert_int_equal(access(two.file, F_OK), 0); /* the other session is untouched */
	close_and_end(b, PAM_SUCCESS);
	assert_int_equal(sf_session_count(), 0);
}

/* An authentication of |user| with a right code that fails closed. */
static void auth_fails(const char *user)
{
	char code[9];
	const char *off[] = { code, NULL };
	struct pamtest_conv_data conv = { .in_echo_off = off };
	struct pam_testcase cases[] = {
		pam_test(PAMTEST_AUTHENTICATE, PAM_AUTHINFO_UNAVAIL),
	};

	next_code(code);
	pf_enroll(user, (clock_now - 30) / 30, 0);
	assert_int_equal(run_pamtest("stack-session", user, &conv, cases, NULL), PAMTEST_ERR_OK);
}

static void test_helper_faults_fail_closed(void **st)
{
	const char *modes[] = { "crash", "hang", "garbage", "fail" };
	pam_handle_t *ph;
	char path[400], mode[64];

	(void)st;
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		/* In the session phase: no credentials, nothing left. */
		snprintf(mode, sizeof(mode), "open:%s", modes[i]);
		sf_helper_mode(mode);
		ph = login("stack-session", "carol", PAM_SUCCESS, PAM_SESSION_ERR, NULL);
		/* The user is told why, in one line, without the helper's details. */
		assert_string_equal(pf_last_error,
				    "pam_sts: no AWS credentials for this session: the "
				    "credentials helper did not answer.");
		assert_null(pam_getenv(ph, "AWS_SHARED_CREDENTIALS_FILE"));
		assert_null(pam_getenv(ph, "PAM_STS_GRANT"));
		pam_end(ph, PAM_SUCCESS);
		assert_int_equal(sf_session_count(), 0);
		/* In the account phase (the decision): no grant. */
		snprintf(mode, sizeof(mode), "decide:%s", modes[i]);
		sf_helper_mode(mode);
		ph = login("stack-session-1h", "carol", PAM_AUTHINFO_UNAVAIL, PAM_SUCCESS, NULL);
		assert_null(pam_getenv(ph, "PAM_STS_GRANT"));
		pam_end(ph, PAM_SUCCESS);
		/* Plain action=session never asks op=decide: the grant came with
		 * the code (helper/sts-helper/sts_helper_session_grant.c). */
		ph = login("stack-session", "carol", PAM_SUCCESS, PAM_SUCCESS, NULL);
		assert_string_equal(pf_last_error, "");
		assert_non_null(pam_getenv(ph, "AWS_SHARED_CREDENTIALS_FILE"));
		close_and_end(ph, PAM_SUCCESS);
		assert_int_equal(sf_session_count(), 0);
	}
	sf_helper_mode("");
	/* The auth phase's check (op=mfa) failing: no MFA result, no login. */
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		snprintf(mode, sizeof(mode), "mfa:%s", modes[i]);
		sf_helper_mode(mode);
		auth_fails("carol");
	}
	sf_helper_mode("");
	/* A missing helper: the code cannot be checked. */
	{
		char moved[420];

		snprintf(path, sizeof(path), "%s/sts-helper", root);
		snprintf(moved, sizeof(moved), "%s.away", path);
		assert_int_equal(rename(path, moved), 0);
		auth_fails("carol");
		assert_int_equal(rename(moved, path), 0);
	}
	assert_int_equal(sf_session_count(), 0);
}

static void test_grant_cannot_be_forged_or_skipped(void **st)
{
	struct pam_testcase cases[] = {
		pam_test(PAMTEST_OPEN_SESSION, PAM_SESSION_ERR),
	};
	char errs[2][PAM_MAX_MSG_SIZE] = { "", "" };
	char *out_err[3] = { errs[0], errs[1], NULL };
	struct pamtest_conv_data conv = { .out_err = out_err };
	pam_handle_t *ph;
	char *forged;
	size_t len;

	(void)st;
	/* open_session without auth and account: no grant, no credentials. */
	assert_int_equal(run_pamtest("stack-session", "carol", &conv, cases, NULL), PAMTEST_ERR_OK);
	assert_string_equal(errs[0], "pam_sts: no AWS credentials for this session: the account "
				     "phase did not allow this login.");
	/* A grant altered by one character is refused by the helper. */
	ph = login_opt("stack-session", "carol", PAM_SUCCESS, false, 0, NULL);
	assert_non_null(pam_getenv(ph, "PAM_STS_GRANT"));
	assert_true(asprintf(&forged, "PAM_STS_GRANT=%s", pam_getenv(ph, "PAM_STS_GRANT")) > 0);
	len = strlen(forged);
	forged[len - 70] = forged[len - 70] == 'A' ? 'B' : 'A'; /* inside the payload */
	assert_int_equal(pam_putenv(ph, forged), PAM_SUCCESS);
	free(forged);
	assert_int_equal(pam_open_session(ph, 0), PAM_SESSION_ERR);
	assert_string_equal(pf_last_error,
			    "pam_sts: no AWS credentials for this session: the "
			    "login's grant was refused or the policy no longer allows it.");
	assert_null(pam_getenv(ph, "PAM_STS_GRANT")); /* removed, whatever happened */
	pam_end(ph, PAM_SUCCESS);
	/* A grant for GetSessionToken cannot be replayed under another service. */
	ph = login_opt("stack-session", "carol", PAM_SUCCESS, false, 0, NULL);
	assert_true(asprintf(&forged, "PAM_STS_GRANT=%s", pam_getenv(ph, "PAM_STS_GRANT")) > 0);
	pam_end(ph, PAM_SUCCESS);
	{
		struct pamtest_conv_data none = { 0 };
		struct pam_testcase keep[] = { pam_test(PAMTEST_KEEPHANDLE, PAM_SUCCESS) };

		assert_int_equal(run_pamtest("stack-role", "carol", &none, keep, NULL),
				 PAMTEST_ERR_OK);
		ph = pf_keep_conv(keep[0].case_out.ph);
		assert_int_equal(pam_putenv(ph, forged), PAM_SUCCESS);
		assert_int_equal(pam_open_session(ph, 0), PAM_SESSION_ERR);
		pam_end(ph, PAM_SUCCESS);
	}
	free(forged);
	assert_int_equal(sf_session_count(), 0);
}

/* The MFA result is good for grant_ttl seconds in the account phase, and
 * the grant for as long in the session phase; no MFA, no account. */
static void test_mfa_result_and_grant_expire(void **st)
{
	struct pamtest_conv_data none = { 0 };
	struct pam_testcase account_only[] = { pam_test(PAMTEST_ACCOUNT, PAM_PERM_DENIED) };
	char code[9];
	const char *off[] = { code, NULL };
	struct pamtest_conv_data conv = { .in_echo_off = off };
	struct pam_testcase auth_only[] = {
		pam_test(PAMTEST_AUTHENTICATE, PAM_SUCCESS),
		pam_test(PAMTEST_KEEPHANDLE, PAM_SUCCESS),
	};
	pam_handle_t *ph;

	(void)st;
	assert_int_equal(run_pamtest("stack-session", "carol", &none, account_only, NULL),
			 PAMTEST_ERR_OK);
	next_code(code);
	pf_enroll("carol", (clock_now - 30) / 30, 0);
	assert_int_equal(run_pamtest("stack-session", "carol", &conv, auth_only, NULL),
			 PAMTEST_ERR_OK);
	ph = pf_keep_conv(auth_only[1].case_out.ph);
	clock_now += 300; /* grant_ttl */
	pf_set_time(clock_now);
	assert_int_equal(pam_acct_mgmt(ph, 0), PAM_PERM_DENIED);
	pam_end(ph, PAM_SUCCESS);
	ph = login_opt("stack-session", "carol", PAM_SUCCESS, false, 0, NULL);
	clock_now += 301;
	pf_set_time(clock_now);
	assert_int_equal(pam_open_session(ph, 0), PAM_SESSION_ERR); /* the grant expired */
	pam_end(ph, PAM_SUCCESS);
	assert_int_equal(sf_session_count(), 0);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* Root never follows a link the user planted: not in the runtime directory,
 * not in the session directory at close. */
static void test_session_dir_attacks(void **st)
{
	char run[400], real[420], outside[420], planted[900], sub[1000], text[64];
	issued is;
	pam_handle_t *ph;
	FILE *f;

	(void)st;
	snprintf(run, sizeof(run), "%s/run", root);
	snprintf(real, sizeof(real), "%s.real", run);
	/* A runtime directory that is a symbolic link is refused. */
	assert_int_equal(rename(run, real), 0);
	assert_int_equal(symlink(real, run), 0);
	ph = login("stack-session", "carol", PAM_SUCCESS, PAM_SESSION_ERR, NULL);
	/* The helper's refusal in one line, without its details (the path). */
	assert_string_equal(pf_last_error, "pam_sts: no AWS credentials for this session: the "
					   "credentials helper failed.");
	pam_end(ph, PAM_SUCCESS);
	assert_int_equal(unlink(run), 0);
	assert_int_equal(rename(real, run), 0);
	/* So is one that others may write to. */
	assert_int_equal(chmod(run, 0777), 0);
	ph = login("stack-session", "carol", PAM_SUCCESS, PAM_SESSION_ERR, NULL);
	pam_end(ph, PAM_SUCCESS);
	assert_int_equal(chmod(run, 0755), 0);
	assert_int_equal(sf_session_count(), 0);
	/* The user plants links (and a directory) in the session directory;
	 * close removes the links, never what they point to. */
	snprintf(outside, sizeof(outside), "%s/precious", root);
	write_file(outside, "keep me\n");
	ph = login("stack-session", "carol", PAM_SUCCESS, PAM_SUCCESS, NULL);
	read_issued(ph, &is);
	snprintf(planted, sizeof(planted), "%s", is.file);
	*strrchr(planted, '/') = '\0';
	snprintf(sub, sizeof(sub), "%s/sub", planted);
	assert_int_equal(mkdir(sub, 0700), 0);
	strcat(sub, "/link");
	assert_int_equal(symlink(outside, sub), 0);
	strcat(planted, "/link");
	assert_int_equal(symlink(outside, planted), 0);
	close_and_end(ph, PAM_SUCCESS);
	assert_int_equal(sf_session_count(), 0);
	f = fopen(outside, "r");
	assert_non_null(f);
	assert_non_null(fgets(text, sizeof(text), f));
	fclose(f);
	assert_string_equal(text, "keep me\n");
	/* The session directory swapped for a link to another directory: close
	 * refuses it and removes nothing there. */
	ph = login("stack-session", "carol", PAM_SUCCESS, PAM_SUCCESS, NULL);
	read_issued(ph, &is);
	snprintf(planted, sizeof(planted), "%s", is.file);
	*strrchr(planted, '/') = '\0';
	snprintf(sub, sizeof(sub), "%s/elsewhere", root);
	assert_int_equal(rename(planted, sub), 0);
	assert_int_equal(symlink(sub, planted), 0);
	close_and_end(ph, PAM_SESSION_ERR);
	strcat(sub, "/credentials");
	assert_int_equal(access(sub, F_OK), 0);
	unlink(planted);
}

/* Until pam_sts.conf last changed at least 2 s ago (by the clock file times
 * come from), when a phase keeps what it read for the later ones. */
static void wait_until_config_settled(void)
{
	struct timespec now, nap = { 0, 50000000 };
	struct stat st;

	assert_int_equal(lstat(config, &st), 0);
	for (;;) {
		assert_int_equal(clock_gettime(CLOCK_REALTIME_COARSE, &now), 0);
		if (now.tv_sec - st.st_ctim.tv_sec > STS_SETTINGS_MIN_AGE)
			return;
		nanosleep(&nap, NULL);
	}
}

/* The configuration the auth phase read is kept for the session phases of
 * the same handle (same file, same arguments), but not once the file
 * changed: close_session, which only the module runs (sts-helper would
 * refuse the file for open_session by itself), reads it again and fails on
 * what it finds, leaving the session for a close that can read it. */
static void test_config_changed_between_phases(void **st)
{
	pam_handle_t *ph;

	(void)st;
	wait_until_config_settled();
	ph = login("stack-session", "carol", PAM_SUCCESS, PAM_SUCCESS, NULL);
	assert_int_equal(chmod(config, 0666), 0);
	assert_int_equal(pam_close_session(ph, 0), PAM_SESSION_ERR);
	assert_int_equal(sf_session_count(), 1);
	assert_int_equal(chmod(config, 0600), 0);
	close_and_end(ph, PAM_SUCCESS);
	assert_int_equal(sf_session_count(), 0);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_get_session_token),
		cmocka_unit_test(test_assume_role_seed),
		cmocka_unit_test(test_federation_seed),
		cmocka_unit_test(test_role_prompt_and_secrets),
		cmocka_unit_test(test_open_twice_and_concurrent_sessions),
		cmocka_unit_test(test_helper_faults_fail_closed),
		cmocka_unit_test(test_grant_cannot_be_forged_or_skipped),
		cmocka_unit_test(test_mfa_result_and_grant_expire),
		cmocka_unit_test(test_session_dir_attacks),
		cmocka_unit_test(test_config_changed_between_phases),
	};
	(void)argc;
	pf_under_pam_wrapper(argv);
	return cmocka_run_group_tests(tests, pf_setup, pf_teardown);
}
