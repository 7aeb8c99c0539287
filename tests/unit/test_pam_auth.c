/*
 * The auth phase through pam_wrapper/libpamtest (no root needed): right,
 * wrong, replayed and edge-of-window codes, lockout and unlock, missing
 * device, refused store and config files, bad arguments, first-pass codes,
 * a login state written before this boot.
 * The binary re-executes itself under pam_wrapper (pam_fixture.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <libpamtest.h>
#include <security/pam_appl.h>

#include "base/fileio.h"
#include "mfa/mfa_side.h"
#include "mfa/mfa_store.h"
#include "mfa/mfa_store_internal.h"
#include "mfa/totp.h"
#include "fault_fixture.h"
#include "pam_fixture.h"

static void test_right_wrong_and_replayed_codes(void **st)
{
	char code[9], wrong[9];
	int64_t now = T0 + 7;

	(void)st;
	pf_set_time(now);
	pf_enroll("alice", 0, 0);
	pf_code_at(now, code);
	snprintf(wrong, sizeof(wrong), "%06d", (atoi(code) + 1) % 1000000);
	assert_int_equal(pf_auth("sts", "alice", wrong), PAM_AUTH_ERR);
	assert_int_equal(pf_stored("alice").failures, 1);
	assert_int_equal(pf_auth("sts", "alice", code), PAM_SUCCESS);
	assert_true(pf_stored("alice").last_step >= now / 30);
	assert_int_equal(pf_stored("alice").failures, 0);
	assert_int_equal(pf_auth("sts", "alice", code), PAM_AUTH_ERR); /* replay */
	assert_int_equal(pf_auth("sts", "alice", "abcdef"), PAM_AUTH_ERR);
	assert_int_equal(pf_auth("sts", "alice", ""), PAM_AUTH_ERR);
}

static void test_window_edges(void **st)
{
	char code[9];
	int64_t now = T0 + 3600;

	(void)st;
	pf_set_time(now);
	pf_enroll("bob", 0, 0);
	pf_code_at(now - 60, code); /* two steps back: outside a window of 1 */
	assert_int_equal(pf_auth("sts", "bob", code), PAM_AUTH_ERR);
	pf_code_at(now + 60, code); /* two steps ahead: outside too */
	assert_int_equal(pf_auth("sts", "bob", code), PAM_AUTH_ERR);
	pf_enroll("bob", 0, 0);
	pf_code_at(now - 30, code); /* one step back: the window's edge */
	assert_int_equal(pf_auth("sts", "bob", code), PAM_SUCCESS);
	pf_enroll("bob", 0, 0);
	pf_code_at(now + 30, code); /* one step ahead: the other edge */
	assert_int_equal(pf_auth("sts", "bob", code), PAM_SUCCESS);
	/* An older code after a newer one is a replay of the past. */
	pf_enroll("bob", now / 30 + 1, 0);
	pf_code_at(now, code);
	assert_int_equal(pf_auth("sts", "bob", code), PAM_AUTH_ERR);
}

static void test_lockout_and_unlock(void **st)
{
	char code[9];
	char msg[512];

	(void)st;
	pf_set_time(T0 + 7200);
	pf_enroll("carol", 0, 0);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(pf_auth_err("sts", "carol", "000000x", msg, sizeof(msg)),
				 PAM_AUTH_ERR);
		assert_string_equal(msg, "");
	}
	/* The failure that locks says so, and so does every attempt while locked. */
	assert_int_equal(pf_auth_err("sts", "carol", "000000x", msg, sizeof(msg)), PAM_AUTH_ERR);
	assert_string_equal(msg, "Too many failed codes: MFA is locked for 600 seconds.");
	assert_true(pf_stored("carol").locked_until > time(NULL));
	/* What led to the lockout stays in the state (stsctl mfa status shows it). */
	assert_int_equal(pf_stored("carol").failures, 3);
	assert_int_equal(pf_stored("carol").failure_start, T0 + 7200);
	pf_code_at(time(NULL), code);
	assert_int_equal(pf_auth_err("sts", "carol", code, msg, sizeof(msg)), PAM_MAXTRIES);
	assert_string_equal(msg, "Too many failed codes: MFA is locked for 600 more seconds.");
	pf_set_time(T0 + 7200 + 601); /* the lockout (600 s) has run out */
	pf_code_at(time(NULL), code);
	assert_int_equal(pf_auth("sts", "carol", code), PAM_SUCCESS);
	for (int i = 0; i < 3; i++)
		assert_int_equal(pf_auth("sts", "carol", "999999"), PAM_AUTH_ERR);
	pf_code_at(time(NULL), code);
	assert_int_equal(pf_auth("sts", "carol", code), PAM_MAXTRIES);
	pf_enroll("carol", 0, 0); /* what "stsctl mfa unlock" does */
	assert_int_equal(pf_auth("sts", "carol", code), PAM_SUCCESS);
}

static void test_missing_device(void **st)
{
	(void)st;
	assert_int_equal(pf_auth("sts", "nobody-here", "123456"), PAM_USER_UNKNOWN);
	assert_int_equal(pf_auth("sts-nullok", "nobody-here", "123456"), PAM_IGNORE);
	assert_int_equal(pf_auth("sts-nullok", "alice", "000000"), PAM_AUTH_ERR);
	assert_int_equal(pf_auth("sts", "../../etc/passwd", "123456"), PAM_USER_UNKNOWN);
}

static void test_refused_store_files(void **st)
{
	char path[400], target[400], code[9];

	(void)st;
	snprintf(path, sizeof(path), "%s/dave", mfa);
	pf_write_text(path, "version = 1\nsecret = not base32!\n", 0600);
	pf_code_at(time(NULL), code);
	assert_int_equal(pf_auth("sts", "dave", code), PAM_AUTHINFO_UNAVAIL);
	pf_enroll("dave", 0, 0);
	assert_int_equal(chmod(path, 0644), 0);
	assert_int_equal(pf_auth("sts", "dave", code), PAM_AUTHINFO_UNAVAIL);
	unlink(path);
	pf_enroll("erin", 0, 0);
	snprintf(target, sizeof(target), "%s/erin", mfa);
	assert_int_equal(symlink(target, path), 0);
	pf_code_at(time(NULL), code);
	assert_int_equal(pf_auth("sts", "dave", code), PAM_AUTHINFO_UNAVAIL);
	unlink(path);
	assert_int_equal(chmod(mfa, 0755), 0);
	assert_int_equal(pf_auth("sts", "erin", code), PAM_AUTHINFO_UNAVAIL);
	assert_int_equal(chmod(mfa, 0700), 0);
}

static void test_refused_config_and_arguments(void **st)
{
	char code[9];

	(void)st;
	pf_enroll("frank", 0, 0);
	pf_code_at(time(NULL), code);
	assert_int_equal(chmod(config, 0620), 0);
	assert_int_equal(pf_auth("sts", "frank", code), PAM_AUTHINFO_UNAVAIL);
	assert_int_equal(chmod(config, 0600), 0);
	pf_write_config("unknown_key = 1\n");
	assert_int_equal(pf_auth("sts", "frank", code), PAM_AUTHINFO_UNAVAIL);
	pf_write_config("totp_window = 99\n");
	assert_int_equal(pf_auth("sts", "frank", code), PAM_AUTHINFO_UNAVAIL);
	pf_write_config("");
	assert_int_equal(pf_auth("sts-link", "frank", code), PAM_AUTHINFO_UNAVAIL);
	assert_int_equal(pf_auth("sts-badarg", "frank", code), PAM_SERVICE_ERR);
	assert_int_equal(pf_auth("sts-missing-config", "frank", code), PAM_AUTHINFO_UNAVAIL);
	assert_int_equal(pf_auth("sts", "frank", code), PAM_SUCCESS);
}

/* ticket_ttl, grant_ttl's old name, still works and is named once in the
 * log through pam_syslog, as the module's other lines are. */
static void test_deprecated_key_logged(void **st)
{
	char code[9];
	fx_log log;
	bool named = false;

	(void)st;
	pf_enroll("frank", 0, 0);
	pf_code_at(time(NULL), code);
	pf_write_config("ticket_ttl = 120\n");
	assert_true(fx_capture_begin());
	assert_int_equal(pf_auth("sts", "frank", code), PAM_SUCCESS);
	assert_true(fx_capture_end(&log));
	pf_write_config("");
	for (int i = 0; i < log.n && i < FX_LOG_MAX; i++)
		if (strstr(log.text[i], "ticket_ttl is deprecated: name it grant_ttl")) {
			assert_int_equal(log.prio[i], LOG_WARNING);
			named = true;
		}
	assert_true(named);
}

static void test_first_pass(void **st)
{
	char code[9], later[9];

	(void)st;
	pf_set_time(T0 + 12000);
	pf_enroll("grace", 0, 0);
	pf_code_at(time(NULL), code);
	/* use_first_pass: the code comes from PAM_AUTHTOK; no prompt (none is answered). */
	setenv("PAM_AUTHTOK", code, 1);
	assert_int_equal(pf_auth("sts-use_first_pass", "grace", NULL), PAM_SUCCESS);
	assert_int_equal(pf_auth("sts-use_first_pass", "grace", NULL), PAM_AUTH_ERR); /* replay */
	unsetenv("PAM_AUTHTOK");
	assert_int_equal(pf_auth("sts-use_first_pass", "grace", NULL), PAM_AUTH_ERR); /* no token */
	/* try_first_pass: the token when there is one, else the prompt. */
	pf_set_time(T0 + 12030);
	pf_code_at(time(NULL), code);
	setenv("PAM_AUTHTOK", code, 1);
	assert_int_equal(pf_auth("sts-try_first_pass", "grace", NULL), PAM_SUCCESS);
	unsetenv("PAM_AUTHTOK");
	pf_set_time(T0 + 12060);
	pf_code_at(time(NULL), later);
	assert_int_equal(pf_auth("sts-try_first_pass", "grace", later), PAM_SUCCESS);
}

/*
 * An answer that cannot be a code (a control character, longer than any
 * code) is logged as invalid input and counted as a wrong code, up to the
 * lockout, without the answer going to the helper; try_first_pass leaves an
 * earlier module's password that cannot be a code alone and prompts.
 */
static void test_answers_that_cannot_be_codes(void **st)
{
	char code[9], *huge;
	size_t huge_len = 300 * 1024; /* more than a whole request to the helper */
	fx_log log;

	(void)st;
	pf_set_time(T0 + 13000);
	pf_enroll("ivan", 0, 0);
	assert_true(fx_capture_begin());
	assert_int_equal(pf_auth("sts", "ivan", "123\n456"), PAM_AUTH_ERR);
	assert_true(fx_capture_end(&log));
	assert_int_equal(pf_stored("ivan").failures, 1);
	if (log.n < 1 || !strstr(log.text[0], "user ivan: invalid input (counted as a wrong "
					      "code): the answer holds a control character"))
		fail_msg("logged: %s", log.n ? log.text[0] : "nothing");
	assert_int_equal(log.stray, 0);
	assert_int_equal(pf_auth("sts", "ivan", "1234567890123456789012345"), PAM_AUTH_ERR);
	assert_int_equal(pf_stored("ivan").failures, 2);
	huge = malloc(huge_len + 1);
	assert_non_null(huge);
	memset(huge, '7', huge_len);
	huge[huge_len] = '\0';
	assert_true(fx_capture_begin());
	assert_int_equal(pf_auth("sts", "ivan", huge), PAM_AUTH_ERR);
	assert_true(fx_capture_end(&log));
	free(huge);
	assert_true(pf_stored("ivan").locked_until > T0 + 13000); /* the third failure */
	if (log.n < 1 || !strstr(log.text[0], "the answer is longer than any code"))
		fail_msg("logged: %s", log.n ? log.text[0] : "nothing");

	/* try_first_pass: pam_unix's password is not sent, the prompt is used */
	pf_set_time(T0 + 13030);
	pf_enroll("judy", 0, 0);
	pf_code_at(time(NULL), code);
	setenv("PAM_AUTHTOK", "correct horse battery staple", 1);
	assert_int_equal(pf_auth("sts-try_first_pass", "judy", code), PAM_SUCCESS);
	unsetenv("PAM_AUTHTOK");
}

/* USER.state as if written in another boot: both slots with another boot id. */
static void state_from_another_boot(const char *user)
{
	char path[400], text[STS_MFA_STATE_SIZE];
	sts_mfa_state login_state;
	sts_error err;
	int fd;

	snprintf(path, sizeof(path), "%s/%s.state", mfa, user);
	fd = open(path, O_RDWR);
	assert_true(fd >= 0);
	for (off_t slot = 0; slot < STS_MFA_STATE_SLOTS; slot++) {
		off_t at = slot * STS_MFA_STATE_SIZE;

		assert_int_equal(pread(fd, text, sizeof(text), at), STS_MFA_STATE_SIZE);
		assert_int_equal(sts_mfa_state_parse(text, sizeof(text), path, &login_state, &err),
				 0);
		memcpy(login_state.boot_id, "00000000-0000-4000-8000-000000000000",
		       STS_MFA_BOOT_ID_LEN);
		assert_int_equal(sts_mfa_state_format(&login_state, text), 0);
		assert_int_equal(pwrite(fd, text, sizeof(text), at), STS_MFA_STATE_SIZE);
	}
	close(fd);
}

/* |n| new scratch codes for |user|, as stsctl mfa scratch makes them. */
static void new_scratch_codes(const char *user, unsigned n,
			      char codes[][STS_MFA_SCRATCH_DIGITS + 1])
{
	sts_mfa_store *store;
	sts_mfa_lock *lock;
	sts_error err;

	assert_int_equal(sts_mfa_store_open(mfa, 1, &store, &err), 0);
	assert_int_equal(sts_mfa_lock_user(store, user, 1000, &lock, &err), 0);
	assert_int_equal(sts_mfa_scratch_new(lock, n, codes, &err), 0);
	sts_mfa_unlock(lock);
	sts_mfa_store_close(store);
}

static unsigned scratch_left(const char *user)
{
	sts_mfa_store *store;
	sts_mfa_lock *lock;
	sts_error err;
	unsigned n = 99;

	assert_int_equal(sts_mfa_store_open(mfa, 1, &store, &err), 0);
	assert_int_equal(sts_mfa_lock_user(store, user, 1000, &lock, &err), 0);
	assert_int_equal(sts_mfa_scratch_count(lock, &n, &err), 0);
	sts_mfa_unlock(lock);
	sts_mfa_store_close(store);
	return n;
}

/*
 * Scratch codes: each accepted once in place of a TOTP code (the replay
 * floor untouched), a wrong one counted as a failure, none accepted while
 * locked out; hashes only in the store.
 */
static void test_scratch_codes(void **st)
{
	char codes[3][STS_MFA_SCRATCH_DIGITS + 1], wrong[16], path[400], *text = NULL;
	size_t len = 0;
	sts_error err;

	(void)st;
	pf_set_time(T0 + 9000);
	pf_enroll("ida", 77, 0);
	new_scratch_codes("ida", 3, codes);
	snprintf(path, sizeof(path), "%s/ida.scratch", mfa);
	assert_int_equal(sts_read_file(path, 1 << 16, STS_READ_NOFOLLOW, &text, &len, &err), 0);
	for (int i = 0; i < 3; i++)
		assert_null(strstr(text, codes[i]));
	free(text);
	assert_int_equal(pf_auth("sts", "ida", codes[0]), PAM_SUCCESS);
	assert_int_equal(pf_stored("ida").last_step, 77);
	assert_int_equal(scratch_left("ida"), 2);
	assert_int_equal(pf_auth("sts", "ida", codes[0]), PAM_AUTH_ERR); /* single-use */
	assert_int_equal(pf_stored("ida").failures, 1);
	snprintf(wrong, sizeof(wrong), "%08u", (unsigned)(atoi(codes[1]) + 1) % 100000000u);
	if (strcmp(wrong, codes[2]) == 0)
		snprintf(wrong, sizeof(wrong), "%08u", (unsigned)(atoi(codes[1]) + 2) % 100000000u);
	assert_int_equal(pf_auth("sts", "ida", wrong), PAM_AUTH_ERR);
	assert_int_equal(pf_stored("ida").failures, 2);
	assert_int_equal(pf_auth("sts", "ida", wrong), PAM_AUTH_ERR); /* the third: locked */
	assert_true(pf_stored("ida").locked_until > time(NULL));
	assert_int_equal(pf_auth("sts", "ida", codes[1]), PAM_MAXTRIES);
	assert_int_equal(scratch_left("ida"), 2); /* not consumed while locked */
	pf_set_time(T0 + 9000 + 601);
	assert_int_equal(pf_auth("sts", "ida", codes[1]), PAM_SUCCESS);
	assert_int_equal(pf_stored("ida").failures, 0);
	assert_int_equal(pf_auth("sts", "ida", codes[2]), PAM_SUCCESS);
	assert_int_equal(scratch_left("ida"), 0);
	assert_int_equal(access(path, F_OK), -1); /* the last one used: the file is gone */
}

/*
 * The real module on the real boot: the clock (the test shim) just after this
 * boot began, a state from "another boot": the code of that moment may have
 * been used before the crash and is refused; a code past the boot's window is
 * accepted.
 */
static void test_state_from_another_boot(void **st)
{
	int64_t btime = 0;
	sts_error err;
	char code[9];

	(void)st;
	assert_int_equal(sts_mfa_read_btime(STS_MFA_STAT_PATH, &btime, &err), 0);
	pf_set_time(btime + 10);
	pf_enroll("hugo", 0, 0);
	state_from_another_boot("hugo");
	pf_code_at(btime + 10, code);
	assert_int_equal(pf_auth("sts", "hugo", code), PAM_AUTH_ERR);
	assert_int_equal(pf_stored("hugo").last_step, btime / 30 + 1); /* the window: 1 */
	pf_set_time(btime + 90);
	pf_code_at(btime + 90, code);
	assert_int_equal(pf_auth("sts", "hugo", code), PAM_SUCCESS);
}

/* What the module asks libpam to wait after a failure, recorded. */
static unsigned asked_delay_us = 1;

static void record_delay(int status, unsigned delay, void *data)
{
	(void)status;
	(void)data;
	asked_delay_us = delay;
}

static char wrong_code[] = "000000";

/* fail_delay_ms is the delay after a failure: libpam keeps the largest one
 * asked for, so the module must not also ask for its 2 s default (the
 * fixture's configuration says fail_delay_ms = 0). */
static void test_configured_fail_delay(void **st)
{
	static const struct pam_conv conv = { pf_answer_code, wrong_code };
	pam_handle_t *ph;

	(void)st;
	pf_set_time(T0 + 14000);
	pf_enroll("kate", 0, 0);
	assert_int_equal(pam_start("sts", "kate", &conv, &ph), PAM_SUCCESS);
	assert_int_equal(pam_set_item(ph, PAM_FAIL_DELAY, (const void *)record_delay), PAM_SUCCESS);
	assert_int_equal(pam_authenticate(ph, 0), PAM_AUTH_ERR);
	pam_end(ph, PAM_AUTH_ERR);
	assert_int_equal(asked_delay_us, 0);
}

int main(int argc, char **argv)
{
	(void)argc;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_right_wrong_and_replayed_codes),
		cmocka_unit_test(test_window_edges),
		cmocka_unit_test(test_lockout_and_unlock),
		cmocka_unit_test(test_missing_device),
		cmocka_unit_test(test_refused_store_files),
		cmocka_unit_test(test_refused_config_and_arguments),
		cmocka_unit_test(test_deprecated_key_logged),
		cmocka_unit_test(test_first_pass),
		cmocka_unit_test(test_answers_that_cannot_be_codes),
		cmocka_unit_test(test_state_from_another_boot),
		cmocka_unit_test(test_scratch_codes),
		cmocka_unit_test(test_configured_fail_delay),
	};

	umask(077);
	pf_under_pam_wrapper(argv);
	return cmocka_run_group_tests(tests, pf_setup, pf_teardown);
}
