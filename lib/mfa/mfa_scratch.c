/*
 * Emergency scratch codes (USER.scratch, lib/mfa/mfa_side.h): 8 random digits
 * each, as google-authenticator offers, for a user whose phone is lost.
 * Only a salted hash of each is stored:
 *
 *   # pam_sts scratch codes: managed by stsctl mfa scratch, do not edit
 *   version = 1
 *   code = SALT HASH        (hex; HASH = SHA-256(SALT || the 8 digits))
 *
 * The file is root-only like the rest of the store; the salt keeps one
 * table from serving every code. A code is consumed by rewriting the file
 * without it under the user's lock before the login is answered, so each is
 * accepted at most once however many logins race. The helper checks them
 * only after the TOTP code failed and only while the user is not locked out,
 * and a wrong one is a failure like a wrong TOTP code
 * (helper/sts-helper/sts_helper_mfa.c).
 */
#include "mfa/mfa_side.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "base/fileio.h"
#include "mfa/mfa_store_internal.h"

#define SCRATCH	    "scratch"
#define SCRATCH_MAX 8192
#define SALT_LEN    16
#define HASH_LEN    32
#define HEADER	    "# pam_sts scratch codes: managed by stsctl mfa scratch, do not edit\nversion = 1\n"
#define CODE_KEY    "code = "
/* 10^8 codes; 4-byte draws at or above 42 * 10^8 are drawn again, so that
 * every code is equally likely. */
#define CODE_SPACE 100000000u
#define DRAW_LIMIT 4200000000u

typedef struct {
	unsigned char salt[SALT_LEN];
	unsigned char hash[HASH_LEN];
} scratch_entry;

typedef struct {
	scratch_entry e[STS_MFA_SCRATCH_MAX];
	unsigned n;
} scratch_set;

static int hash_code(const unsigned char salt[SALT_LEN], const char *code,
		     unsigned char out[HASH_LEN])
{
	unsigned char buf[SALT_LEN + STS_MFA_SCRATCH_DIGITS];
	unsigned int len = 0;
	int ok;

	memcpy(buf, salt, SALT_LEN);
	memcpy(buf + SALT_LEN, code, STS_MFA_SCRATCH_DIGITS);
	ok = EVP_Digest(buf, sizeof(buf), out, &len, EVP_sha256(), NULL) == 1 && len == HASH_LEN;
	OPENSSL_cleanse(buf, sizeof(buf));
	return ok ? 0 : -1;
}

static bool is_code(const char *code)
{
	size_t n = strlen(code);

	if (n != STS_MFA_SCRATCH_DIGITS)
		return false;
	for (size_t i = 0; i < n; i++)
		if (code[i] < '0' || code[i] > '9')
			return false;
	return true;
}

/* "SALT HASH" in hex into |e|; 0 or -1. */
static int parse_entry(const char *v, scratch_entry *e)
{
	char salt_hex[2 * SALT_LEN + 1], hash_hex[2 * HASH_LEN + 1];
	size_t got = 0;

	if (strlen(v) != sizeof(salt_hex) - 1 + 1 + sizeof(hash_hex) - 1 ||
	    v[sizeof(salt_hex) - 1] != ' ')
		return -1;
	memcpy(salt_hex, v, sizeof(salt_hex) - 1);
	salt_hex[sizeof(salt_hex) - 1] = '\0';
	memcpy(hash_hex, v + sizeof(salt_hex), sizeof(hash_hex));
	if (OPENSSL_hexstr2buf_ex(e->salt, SALT_LEN, &got, salt_hex, '\0') != 1 ||
	    got != SALT_LEN ||
	    OPENSSL_hexstr2buf_ex(e->hash, HASH_LEN, &got, hash_hex, '\0') != 1 || got != HASH_LEN)
		return -1;
	return 0;
}

/* Parses the file's text strictly: the version line once, first, then code
 * lines; comments and blank lines aside. 0 or -1. */
static int parse_set(char *text, scratch_set *set)
{
	bool version = false;
	char *save = NULL;

	set->n = 0;
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '#' || line[0] == '\0')
			continue;
		if (!version) {
			if (strcmp(line, "version = 1") != 0)
				return -1;
			version = true;
			continue;
		}
		if (strncmp(line, CODE_KEY, strlen(CODE_KEY)) != 0 ||
		    set->n >= STS_MFA_SCRATCH_MAX ||
		    parse_entry(line + strlen(CODE_KEY), &set->e[set->n]) < 0)
			return -1;
		set->n++;
	}
	return version ? 0 : -1;
}

/* The user's set: 0 (an empty set when there is no file) or -1. */
static int read_set(sts_mfa_lock *lock, scratch_set *set, sts_error *err)
{
	char *text = NULL;
	size_t len = 0;
	int rc = sts_mfa_side_read(lock, SCRATCH, SCRATCH_MAX, &text, &len, err);

	memset(set, 0, sizeof(*set));
	if (rc == STS_READ_ENOENT)
		return 0;
	if (rc < 0)
		return -1;
	rc = parse_set(text, set);
	free(text);
	if (rc < 0)
		return sts_error_set(err, "MFA store %s/%s.%s: not a scratch code record",
				     sts_mfa_lock_dir(lock), sts_mfa_lock_user_name(lock), SCRATCH);
	return 0;
}

/* Writes |set| (removing the file once it is empty); 0 or -1. */
static int write_set(sts_mfa_lock *lock, const scratch_set *set, sts_error *err)
{
	char text[sizeof(HEADER) +
		  STS_MFA_SCRATCH_MAX * (sizeof(CODE_KEY) + 2 * SALT_LEN + 1 + 2 * HASH_LEN + 1)];
	char salt_hex[2 * SALT_LEN + 1], hash_hex[2 * HASH_LEN + 1];
	size_t n;

	if (set->n == 0)
		return sts_mfa_side_remove(lock, SCRATCH, err);
	n = (size_t)snprintf(text, sizeof(text), "%s", HEADER);
	for (unsigned i = 0; i < set->n; i++) {
		if (OPENSSL_buf2hexstr_ex(salt_hex, sizeof(salt_hex), NULL, set->e[i].salt,
					  SALT_LEN, '\0') != 1 ||
		    OPENSSL_buf2hexstr_ex(hash_hex, sizeof(hash_hex), NULL, set->e[i].hash,
					  HASH_LEN, '\0') != 1)
			return sts_error_set(err, "MFA store: cannot format the scratch codes");
		n += (size_t)snprintf(text + n, sizeof(text) - n, CODE_KEY "%s %s\n", salt_hex,
				      hash_hex);
	}
	return sts_mfa_side_write(lock, SCRATCH, text, n, err);
}

static int random_code(char out[STS_MFA_SCRATCH_DIGITS + 1])
{
	uint32_t v;

	do {
		if (RAND_bytes((unsigned char *)&v, sizeof(v)) != 1)
			return -1;
	} while (v >= DRAW_LIMIT);
	snprintf(out, STS_MFA_SCRATCH_DIGITS + 1, "%08u", (unsigned)(v % CODE_SPACE));
	OPENSSL_cleanse(&v, sizeof(v));
	return 0;
}

int sts_mfa_scratch_new(sts_mfa_lock *lock, unsigned count,
			char codes[][STS_MFA_SCRATCH_DIGITS + 1], sts_error *err)
{
	scratch_set set;
	int rc = -1;

	if (count == 0 || count > STS_MFA_SCRATCH_MAX)
		return sts_error_set(err, "scratch codes: 1 to %d at a time", STS_MFA_SCRATCH_MAX);
	memset(&set, 0, sizeof(set));
	for (set.n = 0; set.n < count; set.n++) {
		if (random_code(codes[set.n]) < 0 || RAND_bytes(set.e[set.n].salt, SALT_LEN) != 1 ||
		    hash_code(set.e[set.n].salt, codes[set.n], set.e[set.n].hash) < 0) {
			sts_error_set(err, "scratch codes: OpenSSL RAND_bytes or SHA-256 failed");
			goto out;
		}
	}
	rc = write_set(lock, &set, err);
out:
	if (rc < 0)
		OPENSSL_cleanse(codes, (size_t)count * (STS_MFA_SCRATCH_DIGITS + 1));
	OPENSSL_cleanse(&set, sizeof(set));
	return rc;
}

int sts_mfa_scratch_use(sts_mfa_lock *lock, const char *code, unsigned *left, sts_error *err)
{
	scratch_set set;
	unsigned char hash[HASH_LEN];
	int match = -1, rc;

	*left = 0;
	if (!is_code(code))
		return 0;
	if (read_set(lock, &set, err) < 0)
		return -1;
	/* Every entry is hashed and compared, the match or not. */
	for (unsigned i = 0; i < set.n; i++) {
		if (hash_code(set.e[i].salt, code, hash) < 0) {
			OPENSSL_cleanse(hash, sizeof(hash));
			return sts_error_set(err, "scratch codes: SHA-256 failed");
		}
		if (CRYPTO_memcmp(hash, set.e[i].hash, HASH_LEN) == 0)
			match = (int)i;
	}
	OPENSSL_cleanse(hash, sizeof(hash));
	if (match < 0)
		return 0;
	set.e[match] = set.e[set.n - 1];
	set.n--;
	rc = write_set(lock, &set, err);
	*left = set.n;
	return rc < 0 ? -1 : 1;
}

int sts_mfa_scratch_count(sts_mfa_lock *lock, unsigned *count, sts_error *err)
{
	scratch_set set;

	*count = 0;
	if (read_set(lock, &set, err) < 0)
		return -1;
	*count = set.n;
	return 0;
}

int sts_mfa_scratch_remove(sts_mfa_lock *lock, sts_error *err)
{
	return sts_mfa_side_remove(lock, SCRATCH, err);
}
