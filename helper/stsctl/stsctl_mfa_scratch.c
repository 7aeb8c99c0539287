/*
 * stsctl mfa scratch USER [--count N]: N (default 5, as google-authenticator
 * gives) new emergency scratch codes for a user who has an active device,
 * replacing any earlier ones, printed once on stdout; the store keeps only
 * their salted hashes (lib/mfa/mfa_scratch.c). Each is accepted once at login in
 * place of a TOTP code.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "base/parse.h"
#include "mfa/mfa_side.h"
#include "mfa/mfa_store.h"
#include "stsctl.h"
#include "stsctl_mfa.h"
#include "stsctl_mfa_store.h"

#define DEFAULT_COUNT 5

/* stdout gets the codes: its buffer is ours, so that it can be wiped. */
static char stdout_buf[4096];

/* USER and --count N / --count=N; 0, or -1 (printed). */
static int parse(int argc, char **argv, const char **user, unsigned *count)
{
	*user = NULL;
	*count = DEFAULT_COUNT;
	for (int i = 0; i < argc; i++) {
		const char *v = NULL;
		unsigned long n;

		if (strncmp(argv[i], "--count=", 8) == 0)
			v = argv[i] + 8;
		else if (strcmp(argv[i], "--count") == 0 && i + 1 < argc)
			v = argv[++i];
		else if (argv[i][0] != '-' && !*user) {
			*user = argv[i];
			continue;
		}
		if (!v) {
			fprintf(stderr, "stsctl mfa: scratch: unexpected argument \"%s\"\n",
				argv[i]);
			return -1;
		}
		if (sts_parse_uint(v, 1, STS_MFA_SCRATCH_MAX, &n) < 0) {
			fprintf(stderr, "stsctl mfa: --count must be 1..%d\n", STS_MFA_SCRATCH_MAX);
			return -1;
		}
		*count = (unsigned)n;
	}
	if (!*user || !sts_mfa_user_valid(*user)) {
		fputs("usage: stsctl mfa [--config FILE] scratch USER [--count N]\n", stderr);
		return -1;
	}
	return 0;
}

/* Under the lock: new codes for a user with an active device. */
static int generate(stsctl_mfa_ctx *ctx, const char *user, unsigned count,
		    char codes[][STS_MFA_SCRATCH_DIGITS + 1])
{
	sts_mfa_record rec;
	sts_mfa_user *lock = NULL;
	sts_error err;
	int rc, status = STSCTL_USAGE;

	memset(&rec, 0, sizeof(rec));
	if (stsctl_mfa_lock(ctx, user, &lock) < 0)
		return STSCTL_USAGE;
	rc = stsctl_mfa_read(lock, &rec);
	if (rc == STS_MFA_NO_DEVICE || (rc == STS_MFA_FOUND && !rec.active)) {
		fprintf(stderr, "stsctl mfa: %s has no active MFA device (enroll one first)\n",
			user);
		status = STSCTL_DENIED;
	} else if (rc == STS_MFA_FOUND) {
		if (sts_mfa_scratch_new(sts_mfa_user_lock(lock), count, codes, &err) < 0)
			fprintf(stderr, "stsctl mfa: %s\n", err.msg);
		else
			status = STSCTL_OK;
	}
	stsctl_mfa_unlock(lock);
	sts_mfa_record_wipe(&rec);
	return status;
}

int stsctl_mfa_scratch(stsctl_mfa_ctx *ctx, int argc, char **argv)
{
	char codes[STS_MFA_SCRATCH_MAX][STS_MFA_SCRATCH_DIGITS + 1];
	const char *user;
	unsigned count;
	int status;

	if (parse(argc, argv, &user, &count) < 0)
		return STSCTL_USAGE;
	setvbuf(stdout, stdout_buf, _IOFBF, sizeof(stdout_buf));
	status = generate(ctx, user, count, codes);
	if (status == STSCTL_OK) {
		printf("Scratch codes for %s (each works once; shown only now, keep them safe;\n"
		       "they replace any earlier ones):\n",
		       user);
		for (unsigned i = 0; i < count; i++)
			printf("  %s\n", codes[i]);
		fflush(stdout);
	}
	OPENSSL_cleanse(codes, sizeof(codes));
	OPENSSL_cleanse(stdout_buf, sizeof(stdout_buf));
	return status;
}
