/*
 * The issuer key ring: the AES-256-GCM keys that seal session tokens
 * (token/token.h); stsctl init creates and rotates it.
 *
 * File format (text written only by stsctl init; every line ends in LF):
 *
 *   pam_sts-keyring v1
 *   key <id> <key>
 *   key <id> <key>
 *   ...
 *
 * <id> is 8 lowercase hex characters (4 bytes from RAND_bytes) and names
 * the key inside each token; <key> is the 32-byte key in standard base64
 * (44 characters). Keys are listed newest first: the first is the current
 * key that seals new tokens, the others still open tokens sealed before a
 * rotation until they are dropped. Nothing else is allowed (no comments,
 * no blank lines), so a damaged file is refused rather than half-read.
 *
 * The file is a regular file, not a link, owned by root (or by the
 * effective user, for unprivileged tests), mode 0600. Writes never leave a
 * partial file: a temporary file in the same directory is written and
 * fsync'ed, then linked (create: refuses an existing ring) or renamed
 * (rotate) into place, and the directory is fsync'ed.
 */
#ifndef STS_KEYRING_H
#define STS_KEYRING_H

#include <stddef.h>

#include "base/error.h"

typedef struct sts_keyring sts_keyring;

/* Loads the ring at |path|: a root-owned (or euid-owned, for tests), 0600,
 * non-link file. */
int sts_keyring_load(const char *path, sts_keyring **out, sts_error *err);
void sts_keyring_free(sts_keyring *ring);
/* Creates a new ring with one fresh key (O_EXCL; refuses to overwrite). */
int sts_keyring_create(const char *path, sts_error *err);
/* Adds a fresh key that becomes current; older keys stay for verification
 * (|keep| newest kept, >= 2). Atomic replace (temp + fsync + rename). */
int sts_keyring_rotate(const char *path, unsigned keep, sts_error *err);
/* The current key id (for status output). */
const char *sts_keyring_current_id(const sts_keyring *ring);

/* sts_keyring_create: the ring already exists (nothing written). */
#define STS_KEYRING_EXISTS (-2)
/* sts_keyring_rotate: there is no ring to rotate (nothing written). */
#define STS_KEYRING_MISSING (-3)
/* How many keys |ring| holds (the current one and those kept for verification). */
size_t sts_keyring_size(const sts_keyring *ring);
/* A ring from the text of a key ring file (for tests, the fuzzer and the
 * benchmark; |label| names it in errors). */
int sts_keyring_parse(const char *text, size_t len, const char *label, sts_keyring **out,
		      sts_error *err);

#endif
