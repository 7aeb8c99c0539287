/*
 * stsctl mfa enroll USER: a new random secret (OpenSSL's RNG) stored as the
 * user's pending device (USER.pending, lib/mfa/mfa_side.h), its otpauth:// URI
 * and a terminal QR code on stdout, then the pending device replaces the
 * user's device only once the user types a valid code from it (three tries;
 * after that, or at the end of input, the pending device is removed). Until
 * then logins go on using the device the user has, so an enrollment that is
 * interrupted (Ctrl-C, a lost terminal) never leaves a user unable to log in.
 * The store lock is not held while waiting for the code: activation re-reads
 * the pending device and proceeds only if it still holds the secret
 * generated here. The matched time step becomes last_step, so the
 * confirmation code cannot be replayed at login.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <liboath/oath.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <qrencode.h>

#include "mfa/mfa_side.h"
#include "mfa/mfa_store.h"
#include "mfa/totp.h"
#include "stsctl.h"
#include "stsctl_mfa.h"
#include "stsctl_mfa_store.h"

#define ISSUER	       "pam_sts"
#define HOST_MAX       64
#define CONFIRM_TRIES  3
#define CONFIRM_WINDOW 1
#define QUIET_ZONE     4

/* stdout gets the URI: its buffer is ours, so that it can be wiped. */
static char stdout_buf[8192];

/* Appends |s| to |out| percent-encoding all but RFC 3986 unreserved bytes. */
static size_t uri_encode(char *out, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = 0;

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
			out[n++] = (char)c;
		} else {
			out[n++] = '%';
			out[n++] = hex[c >> 4];
			out[n++] = hex[c & 15];
		}
	}
	out[n] = '\0';
	return n;
}

/* The default issuer: "pam_sts@" and the short host name, so that the
 * devices of several hosts are told apart in the authenticator app. */
static void default_issuer(char *out, size_t cap)
{
	char host[HOST_MAX + 1];

	if (gethostname(host, sizeof(host)) < 0 || !host[0]) {
		snprintf(out, cap, "%s", ISSUER);
		return;
	}
	host[HOST_MAX] = '\0';
	host[strcspn(host, ".")] = '\0';
	snprintf(out, cap, "%s@%s", ISSUER, host);
}

/* The otpauth:// URI (Google Authenticator key URI format), malloc'd:
 * otpauth://totp/ISSUER:LABEL?secret=...&issuer=ISSUER&... */
static char *make_uri(const char *issuer, const char *label, const sts_mfa_record *rec)
{
	char *b32 = NULL, *uri = NULL, *enc_issuer = NULL, *enc_label = NULL;
	size_t b32len = 0, cap;

	if (oath_init() != OATH_OK || oath_base32_encode((const char *)rec->secret, rec->secret_len,
							 &b32, &b32len) != OATH_OK)
		return NULL;
	while (b32len > 0 && b32[b32len - 1] == '=')
		b32[--b32len] = '\0';
	enc_issuer = malloc(strlen(issuer) * 3 + 1);
	enc_label = malloc(strlen(label) * 3 + 1);
	cap = b32len + (strlen(issuer) * 2 + strlen(label)) * 3 + 128;
	uri = malloc(cap);
	if (enc_issuer && enc_label && uri) {
		uri_encode(enc_issuer, issuer);
		uri_encode(enc_label, label);
		snprintf(
			uri, cap,
			"otpauth://totp/%s:%s?secret=%s&issuer=%s&algorithm=%s&digits=%u&period=%u",
			enc_issuer, enc_label, b32, enc_issuer, sts_totp_alg_name(rec->algorithm),
			rec->digits, rec->period);
	} else {
		free(uri);
		uri = NULL;
	}
	free(enc_issuer);
	free(enc_label);
	OPENSSL_cleanse(b32, b32len);
	free(b32);
	return uri;
}

/* Whether the module at (x, y) prints light; outside the quiet zone is the
 * terminal's background, taken as dark. */
static int light(const QRcode *qr, int x, int y)
{
	if (y >= qr->width + QUIET_ZONE)
		return 0;
	if (x < 0 || y < 0 || x >= qr->width || y >= qr->width)
		return 1;
	return !(qr->data[y * qr->width + x] & 1);
}

/*
 * Prints the QR code with Unicode half blocks, two module rows per line, light
 * modules drawn (as `qrencode -t UTF8` does, for a dark terminal background).
 */
static int print_qr(FILE *out, const char *text)
{
	static const char *const glyph[4] = { " ", "\xe2\x96\x84", "\xe2\x96\x80",
					      "\xe2\x96\x88" }; /* " ", lower, upper, full */
	QRcode *qr = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);

	if (!qr)
		return -1;
	for (int y = -QUIET_ZONE; y < qr->width + QUIET_ZONE; y += 2) {
		for (int x = -QUIET_ZONE; x < qr->width + QUIET_ZONE; x++)
			fputs(glyph[light(qr, x, y) << 1 | light(qr, x, y + 1)], out);
		fputc('\n', out);
	}
	OPENSSL_cleanse(qr->data, (size_t)qr->width * (size_t)qr->width);
	QRcode_free(qr);
	return 0;
}

/* Reads one code from stdin, digits only (spaces dropped). 0, or -1 at EOF. */
static int read_code(char *code, size_t cap)
{
	char line[64];
	size_t n = 0;
	int c;

	fputs("Enter a code from the device to activate: ", stderr);
	fflush(stderr);
	if (!fgets(line, sizeof(line), stdin))
		return -1;
	if (!strchr(line, '\n'))
		while ((c = getchar()) != EOF && c != '\n')
			;
	for (const char *p = line; *p && *p != '\n'; p++) {
		if (*p == ' ' || *p == '\r' || *p == '\t')
			continue;
		if (n + 1 < cap)
			code[n++] = *p;
	}
	code[n] = '\0';
	OPENSSL_cleanse(line, sizeof(line));
	return 0;
}

/* Whether |cur| is still the pending device this run wrote. */
static int same_device(const sts_mfa_record *cur, const sts_mfa_record *mine)
{
	return !cur->active && cur->secret_len == mine->secret_len &&
	       CRYPTO_memcmp(cur->secret, mine->secret, mine->secret_len) == 0;
}

/* The pending device |mine|, confirmed at |step|, as the user's device. */
static int activate(sts_mfa_user *lock, const sts_mfa_record *mine, int64_t step)
{
	sts_mfa_record rec = *mine;
	sts_error err;
	int rc;

	rec.active = true;
	rec.last_step = step;
	rec.failures = 0;
	rec.failure_start = 0;
	rec.locked_until = 0;
	rc = stsctl_mfa_write(lock, &rec);
	sts_mfa_record_wipe(&rec);
	if (rc < 0)
		return STSCTL_USAGE;
	/* Activated: a pending file left behind is harmless (never read at login). */
	if (sts_mfa_pending_remove(sts_mfa_user_lock(lock), &err) < 0)
		fprintf(stderr, "stsctl mfa: warning: %s\n", err.msg);
	return STSCTL_OK;
}

/* Under the lock: activates the pending device at |step|, or (step < 0)
 * removes it, leaving the user's device as it is. */
static int finish(stsctl_mfa_ctx *ctx, const char *user, const sts_mfa_record *mine, int64_t step)
{
	sts_mfa_record cur;
	sts_mfa_user *lock = NULL;
	sts_error err;
	int rc, status = STSCTL_USAGE;

	if (stsctl_mfa_lock(ctx, user, &lock) < 0)
		return STSCTL_USAGE;
	rc = sts_mfa_pending_read(sts_mfa_user_lock(lock), &cur, &err);
	if (rc < 0) {
		fprintf(stderr, "stsctl mfa: %s\n", err.msg);
	} else if (rc != STS_MFA_FOUND || !same_device(&cur, mine)) {
		fprintf(stderr,
			"stsctl mfa: the pending device of %s was changed meanwhile; not %s\n",
			user, step < 0 ? "removed" : "activated");
		status = STSCTL_DENIED;
	} else if (step < 0) {
		if (sts_mfa_pending_remove(sts_mfa_user_lock(lock), &err) < 0)
			fprintf(stderr, "stsctl mfa: %s\n", err.msg);
		else
			status = STSCTL_DENIED;
	} else {
		status = activate(lock, mine, step);
	}
	stsctl_mfa_unlock(lock);
	sts_mfa_record_wipe(&cur);
	return status;
}

/* Stores |rec| as the user's pending device unless an active device is
 * there (without |force|); the user's device is not touched. */
static int store_pending(stsctl_mfa_ctx *ctx, const char *user, const sts_mfa_record *rec,
			 bool force)
{
	sts_mfa_record old;
	sts_mfa_user *lock = NULL;
	sts_error err;
	int rc, status = STSCTL_USAGE;

	memset(&old, 0, sizeof(old));
	if (stsctl_mfa_lock(ctx, user, &lock) < 0)
		return STSCTL_USAGE;
	rc = stsctl_mfa_read(lock, &old);
	if (rc < 0 && !force) {
		fputs("stsctl mfa: --force replaces the unreadable record\n", stderr);
	} else if (rc == STS_MFA_FOUND && old.active && !force) {
		fprintf(stderr,
			"stsctl mfa: %s already has an active device (remove it first, or use "
			"--force)\n",
			user);
		status = STSCTL_DENIED;
	} else if (sts_mfa_pending_write(sts_mfa_user_lock(lock), rec, &err) < 0) {
		fprintf(stderr, "stsctl mfa: %s\n", err.msg);
	} else {
		status = STSCTL_OK;
	}
	stsctl_mfa_unlock(lock);
	sts_mfa_record_wipe(&old);
	return status;
}

static size_t secret_size(sts_totp_alg alg)
{
	return alg == STS_TOTP_SHA512 ? 64 : alg == STS_TOTP_SHA256 ? 32 : 20;
}

/* Shows the URI and QR code, then asks for codes; the matched step or -1. */
static int64_t confirm(const char *user, const stsctl_mfa_opts *opts, const sts_mfa_record *rec)
{
	char code[16], issuer[sizeof(ISSUER) + HOST_MAX + 2];
	char *uri;
	int64_t step = -1;

	if (opts->issuer)
		snprintf(issuer, sizeof(issuer), "%s", opts->issuer);
	else
		default_issuer(issuer, sizeof(issuer));
	uri = make_uri(issuer, opts->label ? opts->label : user, rec);

	if (!uri) {
		fputs("stsctl mfa: cannot build the otpauth URI\n", stderr);
		return -1;
	}
	printf("Scan this QR code with the authenticator app of %s, or enter the URI:\n\n%s\n\n",
	       user, uri);
	if (print_qr(stdout, uri) < 0)
		fputs("stsctl mfa: cannot draw the QR code; use the URI above\n", stderr);
	OPENSSL_cleanse(uri, strlen(uri));
	free(uri);
	fflush(stdout);
	OPENSSL_cleanse(stdout_buf, sizeof(stdout_buf));

	for (int t = 1; t <= CONFIRM_TRIES; t++) {
		int64_t s = 0;
		int rc;
		if (read_code(code, sizeof(code)) < 0) {
			fputs("\nstsctl mfa: no code on standard input\n", stderr);
			break;
		}
		rc = sts_totp_check(rec->secret, rec->secret_len, rec->algorithm, rec->digits,
				    rec->period, (int64_t)time(NULL), CONFIRM_WINDOW, code, &s);
		if (rc == 0 && s > rec->last_step) {
			step = s;
			break;
		}
		fprintf(stderr, "stsctl mfa: wrong code (%d of %d tries)\n", t, CONFIRM_TRIES);
	}
	OPENSSL_cleanse(code, sizeof(code));
	return step;
}

int stsctl_mfa_enroll(stsctl_mfa_ctx *ctx, const char *user, const stsctl_mfa_opts *opts)
{
	sts_mfa_record rec;
	int64_t step;
	int status;

	setvbuf(stdout, stdout_buf, _IOFBF, sizeof(stdout_buf));
	memset(&rec, 0, sizeof(rec));
	rec.algorithm = opts->algorithm;
	rec.digits = opts->digits;
	rec.period = opts->period;
	rec.secret_len = secret_size(opts->algorithm);
	rec.active = false;
	if (RAND_bytes(rec.secret, (int)rec.secret_len) != 1) {
		fputs("stsctl mfa: OpenSSL RAND_bytes failed\n", stderr);
		sts_mfa_record_wipe(&rec);
		return STSCTL_USAGE;
	}
	status = store_pending(ctx, user, &rec, opts->force);
	if (status != STSCTL_OK) {
		sts_mfa_record_wipe(&rec);
		return status;
	}
	step = confirm(user, opts, &rec);
	status = finish(ctx, user, &rec, step);
	sts_mfa_record_wipe(&rec);
	if (status == STSCTL_OK)
		printf("%s: MFA device activated\n", user);
	else if (step < 0 && status == STSCTL_DENIED)
		fprintf(stderr,
			"stsctl mfa: not activated; the new device of %s was removed (the device "
			"%s had, if any, is unchanged)\n",
			user, user);
	fflush(stdout);
	return status;
}
