/*
 * stsctl mfa import USER BASE32|-: stores an active device directly, for
 * scripted enrollment and migration; refuses to replace an active device
 * without --force.
 *
 * It takes the secret in base32 (RFC 4648; case-insensitive, spaces and
 * '=' padding allowed), as an argument or, with "-", from standard input
 * (line breaks ignored) (preferred: a command line is visible to other users in
 * /proc while the command runs; the argument is overwritten as soon as it is
 * read). Migrating from pam_oath: its users.oath holds lines such as
 *
 *   HOTP/T30 alice - 3132333435363738393031323334353637383930
 *
 * with the secret in hex; only the TOTP ("HOTP/T30", "HOTP/T60/8", ...)
 * lines can be migrated. Convert the hex to base32 and import, e.g.
 *
 *   awk '$1 ~ /^HOTP\/T/ { print $2, $4 }' /etc/users.oath |
 *   while read -r user hex; do
 *     printf '%s' "$hex" | xxd -r -p | base32 | stsctl mfa import "$user" -
 *   done
 *
 * adding --period 60 for "HOTP/T60" and --digits 8 for ".../8" lines
 * (pam_oath's defaults are 30 s, 6 digits, SHA1). `printf` is a shell
 * builtin, so the secret never appears on a command line; xxd is Debian's
 * package xxd, base32 is in coreutils. A PIN in the third field (pam_oath's
 * "password + code") has no equivalent here and is dropped; event-based
 * "HOTP" lines (without /T) cannot be migrated and need a new enrollment.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <liboath/oath.h>
#include <openssl/crypto.h>

#include "mfa/mfa_store.h"
#include "stsctl.h"
#include "stsctl_mfa.h"
#include "stsctl_mfa_store.h"

/* Decoded secrets shorter than 80 bits are refused (RFC 4226 asks for 128). */
#define SECRET_MIN 10
#define BASE32_MAX 256

/* Reads all of stdin (base32, line breaks dropped) into |buf|. */
static int read_secret_stdin(char *buf, size_t cap)
{
	size_t n = 0, k = 0;

	/* read(2), not stdio: no buffer of the secret is left behind unwiped. */
	while (n < cap) {
		ssize_t r = read(STDIN_FILENO, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			fprintf(stderr, "stsctl mfa: reading standard input: %s\n",
				strerror(errno));
			return -1;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	if (n == cap) {
		fputs("stsctl mfa: the secret on standard input is too long\n", stderr);
		return -1;
	}
	for (size_t i = 0; i < n; i++) /* line breaks, e.g. base32's wrapping */
		if (buf[i] != '\n' && buf[i] != '\r')
			buf[k++] = buf[i];
	buf[k] = '\0';
	if (k == 0) {
		fputs("stsctl mfa: no secret on standard input\n", stderr);
		return -1;
	}
	return 0;
}

/* Decodes base32 (case-insensitive, spaces and padding allowed) into |rec|. */
static int decode_secret(const char *b32, sts_mfa_record *rec)
{
	char *raw = NULL;
	size_t rawlen = 0;
	int rc = -1;

	if (oath_init() != OATH_OK) {
		fputs("stsctl mfa: liboath initialisation failed\n", stderr);
		return -1;
	}
	if (oath_base32_decode(b32, strlen(b32), &raw, &rawlen) != OATH_OK)
		fputs("stsctl mfa: the secret is not valid base32\n", stderr);
	else if (rawlen < SECRET_MIN || rawlen > STS_MFA_SECRET_MAX)
		fprintf(stderr, "stsctl mfa: the secret must decode to %d..%d bytes, not %zu\n",
			SECRET_MIN, STS_MFA_SECRET_MAX, rawlen);
	else {
		memcpy(rec->secret, raw, rawlen);
		rec->secret_len = rawlen;
		rc = 0;
	}
	if (raw) {
		OPENSSL_cleanse(raw, rawlen);
		free(raw);
	}
	return rc;
}

int stsctl_mfa_import(stsctl_mfa_ctx *ctx, const char *user, char *secret_arg,
		      const stsctl_mfa_opts *opts)
{
	char line[BASE32_MAX];
	sts_mfa_record rec, old;
	sts_mfa_user *lock = NULL;
	int rc, status = STSCTL_USAGE;

	memset(&rec, 0, sizeof(rec));
	memset(&old, 0, sizeof(old));
	line[0] = '\0';
	if (strcmp(secret_arg, "-") == 0) {
		if (read_secret_stdin(line, sizeof(line) - 1) < 0)
			goto out;
	} else {
		snprintf(line, sizeof(line), "%s", secret_arg);
		/* Shortens the window in which /proc/PID/cmdline shows it. */
		OPENSSL_cleanse(secret_arg, strlen(secret_arg));
	}
	if (decode_secret(line, &rec) < 0)
		goto out;
	rec.algorithm = opts->algorithm;
	rec.digits = opts->digits;
	rec.period = opts->period;
	rec.active = true;

	if (stsctl_mfa_lock(ctx, user, &lock) < 0)
		goto out;
	rc = stsctl_mfa_read(lock, &old);
	if (rc < 0 && !opts->force) {
		fputs("stsctl mfa: --force replaces the unreadable record\n", stderr);
		goto out;
	}
	if (rc == STS_MFA_FOUND && old.active && !opts->force) {
		fprintf(stderr,
			"stsctl mfa: %s already has an active device (remove it first, or use "
			"--force)\n",
			user);
		status = STSCTL_DENIED;
		goto out;
	}
	if (stsctl_mfa_write(lock, &rec) < 0)
		goto out;
	printf("%s: device imported and active (%s, %u digits, %u s)\n", user,
	       sts_totp_alg_name(rec.algorithm), rec.digits, rec.period);
	status = STSCTL_OK;
out:
	stsctl_mfa_unlock(lock);
	OPENSSL_cleanse(line, sizeof(line));
	sts_mfa_record_wipe(&rec);
	sts_mfa_record_wipe(&old);
	return status;
}
