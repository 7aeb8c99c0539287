/*
 * make valgrind: N whole PAM transactions (pam_start, authenticate,
 * acct_mgmt, open_session, close_session, pam_end) in ONE process under
 * pam_wrapper, so that valgrind sees every allocation pam_sts.so makes
 * across all of them, and so that growth shows: after a warm-up quarter, the
 * heap in use (mallinfo2, sampled every 10 transactions) must never exceed
 * in the second half the peak it reached in the first. Run it with glibc's
 * tcache off (run-valgrind.sh does): chunks parked in the tcache count as
 * in use, which shows as steps of a few hundred bytes that are not growth.
 *
 *   pam_loop --prepare BUILD_DIR ROOT     the fixture under ROOT
 *   pam_loop --run ROOT N                 under pam_wrapper (and valgrind):
 *                                         see tests/valgrind/run-valgrind.sh
 *
 * The user is the one running it (the account and session phases need a
 * real user); its replay floor is reset before each transaction, outside
 * the module. sts-helper runs as a separate process and is not under
 * valgrind here (the helper's own code is covered by the ASan suites).
 */
#include <malloc.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <security/pam_appl.h>

#include "mfa/mfa_store.h"
#include "mfa/totp.h"
#include "token/keyring.h"
#include "driver_common.h"

static char code[9];

static void put(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");

	if (!f || fputs(text, f) < 0 || fclose(f) != 0 || chmod(path, mode) != 0) {
		perror(path);
		exit(2);
	}
}

/* The fixture: configuration, store, key ring, services. */
static void prepare(const char *build, const char *root)
{
	char path[1024], text[4096];
	sts_error err;

	snprintf(path, sizeof(path), "%s/state", root);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/state/mfa", root);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/services", root);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/run", root);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/empty", root);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/issuer.key", root);
	if (sts_keyring_create(path, &err) < 0) {
		fprintf(stderr, "pam_loop: %s\n", err.msg);
		exit(2);
	}
	snprintf(path, sizeof(path), "%s/pam_sts.conf", root);
	snprintf(text, sizeof(text),
		 "state_dir = %s/state\nfail_delay_ms = 0\naccount_id = 123456789012\n"
		 "policy_dir = %s/empty\nrole_dir = %s/empty\nsession_policy_dir = %s/empty\n"
		 "issuer_key = %s/issuer.key\nruntime_dir = %s/run\nhelper = %s/sts-helper\n",
		 root, root, root, root, root, root, build);
	put(path, text, 0600);
	snprintf(path, sizeof(path), "%s/services/loop", root);
	snprintf(text, sizeof(text),
		 "auth required %s/pam_sts.so config=%s/pam_sts.conf\n"
		 "account required %s/pam_sts.so config=%s/pam_sts.conf action=session\n"
		 "session required %s/pam_sts.so config=%s/pam_sts.conf\n",
		 build, root, build, root, build, root);
	put(path, text, 0644);
	snprintf(path, sizeof(path), "%s/services/other", root);
	put(path, "auth required pam_deny.so\n", 0644);
}

static int transaction(const char *user)
{
	struct pam_conv conv = { dc_conversation, NULL };
	pam_handle_t *pamh = NULL;
	int rc = pam_start("loop", user, &conv, &pamh);

	if (rc == PAM_SUCCESS)
		rc = pam_authenticate(pamh, 0);
	if (rc == PAM_SUCCESS)
		rc = pam_acct_mgmt(pamh, 0);
	if (rc == PAM_SUCCESS)
		rc = pam_open_session(pamh, 0);
	if (rc == PAM_SUCCESS)
		rc = pam_close_session(pamh, 0);
	pam_end(pamh, rc);
	return rc;
}

/* One pass over the transactions, sampling the heap in use every 10 of them
 * after the warm-up: the peak of the first half and of the second half. */
static int run_all(const char *mfa, const char *user, long n, long warmup, size_t *first,
		   size_t *second)
{
	for (long i = 0; i < n; i++) {
		dc_enroll(mfa, user); /* the replay floor, reset outside the module */
		if (sts_totp_generate(dc_secret, 20, STS_TOTP_SHA1, 6, 30, (int64_t)time(NULL),
				      code) < 0 ||
		    transaction(user) != PAM_SUCCESS) {
			fprintf(stderr, "pam_loop: transaction %ld failed\n", i + 1);
			return -1;
		}
		if (i + 1 >= warmup && (i + 1) % 10 == 0) {
			size_t used = mallinfo2().uordblks;
			size_t *peak = i + 1 <= warmup + (n - warmup) / 2 ? first : second;

			if (used > *peak)
				*peak = used;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct passwd *pw = getpwuid(getuid());
	char mfa[600], user[256];
	size_t first = 0, second = 0;
	long warmup;
	long n;

	if (argc == 4 && strcmp(argv[1], "--prepare") == 0) {
		prepare(argv[2], argv[3]);
		return 0;
	}
	if (argc != 4 || strcmp(argv[1], "--run") != 0 || (n = atol(argv[3])) < 40 || !pw) {
		fprintf(stderr,
			"usage: pam_loop --prepare BUILD_DIR ROOT | --run ROOT N (N >= 40)\n");
		return 2;
	}
	/* Caches below the module (libc's, libpam's, OpenSSL's) fill during the
	 * first transactions: growth is measured from a quarter of the run on. */
	warmup = n / 4;
	snprintf(user, sizeof(user), "%s", pw->pw_name);
	snprintf(mfa, sizeof(mfa), "%s/state/mfa", argv[2]);
	dc_code = code;
	if (run_all(mfa, user, n, warmup, &first, &second) < 0)
		return 1;
	printf("pam_loop: %ld transactions; peak heap in use after %ld..%ld: %zu bytes, after "
	       "%ld..%ld: %zu bytes\n",
	       n, warmup, warmup + (n - warmup) / 2, first, warmup + (n - warmup) / 2, n, second);
	/* A leak of even one byte per transaction makes the second half's peak
	 * exceed the first's; a value that only wobbles (a buffer whose size
	 * follows the data) does not. Under valgrind mallinfo2 says 0: its leak
	 * check speaks there instead. */
	if (first > 0 && second > first) {
		printf("pam_loop: the heap grew by %zu bytes\n", second - first);
		return 1;
	}
	return 0;
}
