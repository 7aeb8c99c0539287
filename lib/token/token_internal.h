/*
 * Internals shared by the token (token.c), its payload (token_payload.c),
 * its claims as JSON (token_claims.c) and the key ring (keyring.c); also
 * used by the token fuzzer and the tests.
 *
 * Sealed token, before base64 (standard alphabet, padded, canonical):
 *
 *   offset 0   format version (1 byte, STS_TOKEN_VERSION)
 *          1   key id (4 bytes; printed as 8 lowercase hex characters)
 *          5   nonce (12 random bytes)
 *         17   AES-256-GCM ciphertext of the payload
 *        end   GCM tag (16 bytes)
 *
 * AAD = version | key id | access key id (20 characters), so a token cannot
 * be presented with another access key id or re-labelled with another key
 * or another format version.
 *
 * Payload of format version 2 (token_payload.c), one canonical encoding
 * per set of claims. Integers are big-endian; a string is its length (4
 * bytes) then its bytes, never a NUL byte; nothing may follow the end.
 *
 *   offset 0   access key id (20 characters)
 *         20   secret access key (40 characters)
 *         60   flags (1 byte): 1 mfa_present, 2 no_permissions; no other bit
 *         61   mfa_time, issued, expires (8 bytes each, two's complement)
 *         85   operation, principal_arn, source_identity (strings)
 *              source_ip, userid (strings; length 0 for none)
 *              identity documents: count (4 bytes, at most STS_SCOPE_DOCS_MAX),
 *              then for each its name and its text (strings)
 *              session documents: the same
 *
 * Every claim is then checked by sts_token_claims_check, as at minting.
 * The policy texts are carried as they are, not as JSON strings: minting
 * does not escape them and verifying does not parse or unescape them (the
 * policy parser reads them when a scope is evaluated). Format version 1
 * (the payload one JSON object) is refused.
 */
#ifndef STS_TOKEN_INTERNAL_H
#define STS_TOKEN_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "token/keyring.h"
#include "token/token.h"

#define STS_TOKEN_VERSION    2
#define STS_KEY_LEN	     32 /* AES-256 */
#define STS_KEY_ID_RAW	     4
#define STS_KEY_ID_HEX	     (2 * STS_KEY_ID_RAW)
#define STS_NONCE_LEN	     12
#define STS_TAG_LEN	     16
#define STS_TOKEN_HEADER_LEN (1 + STS_KEY_ID_RAW + STS_NONCE_LEN)
/* The session token's text is bounded before anything is decoded. */
#define STS_TOKEN_TEXT_MAX (64u * 1024u)
/* Scope documents per list, and the longest name (documents, source identity). */
#define STS_SCOPE_DOCS_MAX 256
#define STS_NAME_MAX_LEN   256
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
 * The payload (layout above) for |claims| and the credential. Returns
 * malloc'd bytes (wipe them with sts_free_secret) and their length, or NULL
 * with |err| set (the claims are checked first).
 */
unsigned char *sts_token_payload_build(const sts_token_claims *claims, const char *akid,
				       const char *secret, size_t *len, sts_error *err);

/*
 * Parses a payload strictly into |out| (checked by sts_token_claims_check),
 * its credential into |akid| and |secret|. Returns 0, or -1 with |out|
 * empty, |secret| wiped and the reason in |err|.
 */
int sts_token_payload_parse(const unsigned char *buf, size_t len, sts_token_claims *out,
			    char akid[STS_ACCESS_KEY_ID_LEN + 1],
			    char secret[STS_SECRET_KEY_LEN + 1], sts_error *err);

/* What every sealed or opened set of claims must satisfy (names, times,
 * scope sizes): the issuer never mints what a verifier would refuse. */
int sts_token_claims_check(const sts_token_claims *c, sts_error *err);

#endif
