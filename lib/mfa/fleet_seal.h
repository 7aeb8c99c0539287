/*
 * TOTP secrets sealed at rest for the fleet store (issue 20): AES-256-GCM
 * under a fleet key that every bastion holds in a root-only file, so a dump
 * of the database reveals no secret.
 *
 * The key file (text, at most STS_FLEET_KEYS_MAX lines, no other content):
 *
 *   ID HEX
 *
 * ID a decimal key id 1..4294967295, HEX the 32-byte key as 64 hex digits.
 * The FIRST line is the current key, which seals; the others are older keys
 * kept so that what they sealed stays readable until it is re-sealed. A
 * rotation puts a new key on the first line (sts_fleet_keyring_rotate).
 *
 * A sealed secret:
 *
 *   version (1 byte, 1) | key id (4 bytes, big-endian) | nonce (12 random bytes)
 *   | ciphertext (as long as the secret) | GCM tag (16 bytes)
 *
 * The associated data are the version and key id bytes followed by the user
 * name, so a sealed secret copied to another user's row, or relabelled with
 * another key id, does not open.
 */
#ifndef STS_FLEET_SEAL_H
#define STS_FLEET_SEAL_H

#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

#define STS_FLEET_KEY_LEN	32
#define STS_FLEET_KEYS_MAX	16
#define STS_FLEET_NONCE_LEN	12
#define STS_FLEET_TAG_LEN	16
#define STS_FLEET_SEAL_HEADER	(1 + 4 + STS_FLEET_NONCE_LEN)
#define STS_FLEET_SEAL_OVERHEAD (STS_FLEET_SEAL_HEADER + STS_FLEET_TAG_LEN)

typedef struct {
	uint32_t id;
	unsigned char key[STS_FLEET_KEY_LEN];
} sts_fleet_key;

typedef struct {
	sts_fleet_key keys[STS_FLEET_KEYS_MAX]; /* keys[0] is the current key */
	size_t count;
} sts_fleet_keyring;

/* Reads the key file: a regular file, not a link, owned by the effective user
 * (root in production) with no group/other permission, checked on the open
 * descriptor. 0, or -1 with |err| set (nothing of the keys in it). */
int sts_fleet_keyring_load(const char *path, sts_fleet_keyring *ring, sts_error *err);
/* The key file's parser (the loader's second half; exposed for the tests). */
int sts_fleet_keyring_parse(const char *text, size_t len, sts_fleet_keyring *ring, sts_error *err);
/* Puts a new random key with a fresh id first (the current key); the oldest
 * key is dropped when the ring is full. 0 or -1. */
int sts_fleet_keyring_rotate(sts_fleet_keyring *ring, sts_error *err);
/* The key file's text of |ring|, malloc'd (free it with sts_free_secret_str),
 * or NULL. */
char *sts_fleet_keyring_format(const sts_fleet_keyring *ring);
void sts_fleet_keyring_wipe(sts_fleet_keyring *ring);

/* Seals |secret| for |user| under the current key into |out| (|cap| at least
 * secret_len + STS_FLEET_SEAL_OVERHEAD). 0, or -1 with |err| set. */
int sts_fleet_seal(const sts_fleet_keyring *ring, const char *user, const unsigned char *secret,
		   size_t secret_len, unsigned char *out, size_t cap, size_t *out_len,
		   sts_error *err);
/* Opens a sealed secret of |user| with whichever key of |ring| its id names.
 * -1 (and nothing in |secret|) when the key is unknown, the user differs, or
 * any byte was changed. */
int sts_fleet_unseal(const sts_fleet_keyring *ring, const char *user, const unsigned char *sealed,
		     size_t sealed_len, unsigned char *secret, size_t cap, size_t *secret_len,
		     sts_error *err);
/* The key id a sealed secret names, or 0 when it is too short to name one. */
uint32_t sts_fleet_sealed_key_id(const unsigned char *sealed, size_t sealed_len);
/* Re-seals under the current key what an older key sealed (the rotation's
 * second step). 0, or -1 with |err| set. */
int sts_fleet_reseal(const sts_fleet_keyring *ring, const char *user, const unsigned char *sealed,
		     size_t sealed_len, unsigned char *out, size_t cap, size_t *out_len,
		     sts_error *err);

#endif
