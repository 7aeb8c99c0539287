/*
 * Internals shared by the token (token.c), its claims (token_claims.c) and
 * the key ring (keyring.c); also used by the token fuzzer and the tests.
 *
 * Sealed token, before base64 (standard alphabet, padded, canonical):
 *
 *   offset 0   version (1)
 *          1   key id (4 bytes; printed as 8 lowercase hex characters)
 *          5   nonce (12 random bytes)
 *         17   AES-256-GCM ciphertext of the payload (JSON, token_claims.c)
 *        end   GCM tag (16 bytes)
 *
 * AAD = version | key id | access key id (20 characters), so a token cannot
 * be presented with another access key id or re-labelled with another key.
 */
#ifndef STS_TOKEN_INTERNAL_H
#define STS_TOKEN_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "token.h"

#define STS_TOKEN_VERSION    1
#define STS_KEY_LEN	     32 /* AES-256 */
#define STS_KEY_ID_RAW	     4
#define STS_KEY_ID_HEX	     (2 * STS_KEY_ID_RAW)
#define STS_NONCE_LEN	     12
#define STS_TAG_LEN	     16
#define STS_TOKEN_HEADER_LEN (1 + STS_KEY_ID_RAW + STS_NONCE_LEN)
/* The session token's text is bounded before anything is decoded. */
#define STS_TOKEN_TEXT_MAX (64u * 1024u)
/* Latest time a claim may hold (9999-12-31T23:59:59Z): ISO 8601 stays 20 chars. */
#define STS_TIME_MAX 253402300799LL

typedef struct {
	char id[STS_KEY_ID_HEX + 1];
	unsigned char raw_id[STS_KEY_ID_RAW];
	unsigned char key[STS_KEY_LEN]; /* wiped by sts_keyring_free */
} sts_issuer_key;

/* The key new tokens are sealed with (the newest). */
const sts_issuer_key *sts_keyring_current_key(const sts_keyring *ring);
/* The key with |raw_id|, or NULL. */
const sts_issuer_key *sts_keyring_find(const sts_keyring *ring,
				       const unsigned char raw_id[STS_KEY_ID_RAW]);
/* AES-256-GCM, fetched once per ring (an implicit fetch per call is slow). */
const EVP_CIPHER *sts_keyring_cipher(const sts_keyring *ring);

/* The characters of access key ids (after "ASIA") and of secret keys. */
#define STS_AKID_ALPHABET   "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
#define STS_SECRET_ALPHABET "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

/* "ASIA" + 16 of [A-Z2-7]. */
bool sts_access_key_id_valid(const char *akid);

/* Strict base64 (standard alphabet, padding, canonical trailing bits).
 * Returns the decoded length, or -1. |out| holds at least 3 * len / 4. */
long sts_b64_decode(const char *in, size_t len, unsigned char *out);

/* Seals |payload| under |key| for |akid| with |nonce| (random, never
 * reused) into a malloc'd base64 token. */
int sts_token_seal(const sts_keyring *ring, const sts_issuer_key *key, const char *akid,
		   const unsigned char nonce[STS_NONCE_LEN], const unsigned char *payload,
		   size_t len, char **token, sts_error *err);

/*
 * The payload: the claims' JSON object with "access_key_id" and
 * "secret_access_key" appended last. Returns malloc'd text (wipe it with
 * sts_free_secret) and its length, or NULL with |err| set.
 */
char *sts_token_payload_build(const sts_token_claims *claims, const char *akid, const char *secret,
			      size_t *len, sts_error *err);

/*
 * Parses a payload strictly into |out|. The credential fields are required
 * when |akid| is given (then filled, |secret| too), and otherwise allowed
 * only both together (then checked and discarded). Returns 0 or -1.
 */
int sts_token_payload_parse(const char *json, size_t len, sts_token_claims *out,
			    char akid[STS_ACCESS_KEY_ID_LEN + 1],
			    char secret[STS_SECRET_KEY_LEN + 1], sts_error *err);

/* What every sealed or opened set of claims must satisfy (names, times,
 * scope sizes): the issuer never mints what a verifier would refuse. */
int sts_token_claims_check(const sts_token_claims *c, sts_error *err);

#endif
