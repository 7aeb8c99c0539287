/*
 * Credentials and the sealed session token.
 *
 * Credentials are shaped like STS's: AccessKeyId "ASIA" + 16 of [A-Z2-7],
 * a 40-character SecretAccessKey, an opaque SessionToken and an ISO 8601 UTC
 * Expiration. The session token is sealed with AES-256-GCM (OpenSSL EVP)
 * under the issuer key named by its key id, and carries everything a
 * verifier needs without a database (sts_token_claims): any host holding the
 * issuer key ring verifies, and rotated-out keys still verify until removed.
 */
#ifndef STS_TOKEN_H
#define STS_TOKEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "policy/scope_doc.h"

#define STS_ACCESS_KEY_ID_LEN 20
#define STS_SECRET_KEY_LEN    40

typedef struct {
	char access_key_id[STS_ACCESS_KEY_ID_LEN + 1];
	char secret_access_key[STS_SECRET_KEY_LEN + 1]; /* wiped by sts_credentials_clear */
	char *session_token;				/* malloc'd, base64 text */
	int64_t expiration;				/* epoch seconds */
} sts_credentials;

void sts_credentials_clear(sts_credentials *c);
/* "2026-11-24T12:00:00Z" into |buf| (at least 21 bytes). */
void sts_format_iso8601(int64_t t, char *buf, size_t len);

/* What the sealed token says. Strings are malloc'd (owned) after
 * sts_token_open; sts_token_claims_free releases them. */
typedef struct {
	char *operation;       /* sts_operation_name() */
	char *principal_arn;   /* assumed-role/ROLE/SESSION, federated-user/NAME, user/NAME */
	char *source_identity; /* the Linux user, always */
	char *source_ip;       /* NULL when the login had none */
	bool mfa_present;
	int64_t mfa_time; /* 0 when !mfa_present */
	int64_t issued;
	int64_t expires;
	/* Scope: effective = OR(identity) AND OR(session); see authorize.h. */
	sts_scope_doc *identity;
	size_t n_identity;
	sts_scope_doc *session;
	size_t n_session;
	bool no_permissions;
	/* aws:userid when the principal is the user (GetSessionToken):
	 * the Linux uid in decimal, as in the decision's context; else NULL. */
	char *userid;
} sts_token_claims;

void sts_token_claims_free(sts_token_claims *c);

/* The issuer key ring that seals and opens tokens (token/keyring.h). */
typedef struct sts_keyring sts_keyring;

/* Mints credentials for |claims| (issued/expires taken from claims): fresh
 * key id and secret from OpenSSL's RNG, token sealed under the current key. */
int sts_token_mint(const sts_keyring *ring, const sts_token_claims *claims, sts_credentials *out,
		   sts_error *err);

/*
 * Opens |token| and checks it belongs to |access_key_id| and |secret| (both
 * compared in constant time; |secret| may be NULL to skip that check, used
 * only by root tools) and that it is not expired at |now|. Returns 0 with
 * |out| filled, -1 with the reason (tampered, unknown key id, wrong key id,
 * expired...).
 */
int sts_token_open(const sts_keyring *ring, const char *token, const char *access_key_id,
		   const char *secret, int64_t now, sts_token_claims *out, sts_error *err);

/* Parses the unsealed payload (exposed for the fuzzer and tests). */
int sts_token_claims_from_json(const char *json, size_t len, sts_token_claims *out, sts_error *err);
/* Serialises |claims| (malloc'd JSON text). */
char *sts_token_claims_to_json(const sts_token_claims *claims, sts_error *err);

#endif
