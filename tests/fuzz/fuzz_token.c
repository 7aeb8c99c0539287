/*
 * libFuzzer target: the token's parsers. The first byte picks one:
 *   0  claims JSON (sts_token_claims_from_json); what parses must serialise
 *      and parse back to the same claims
 *   1  a session token text opened with a fixed key ring (sts_token_open)
 *   2  a payload (token_internal.h, format version 2) sealed here with the
 *      fixed ring's key, then opened: the whole verification path behind
 *      an authentic tag; what opens must encode back to the same bytes
 *   3  a shared credentials file (sts_credentials_parse_ini)
 *   4  a key ring file (sts_keyring_parse)
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "token/credential.h"
#include "token/token_internal.h"

#define AKID   "ASIAABCDEFGHIJKLMNOP"
#define SECRET "abcdefghijABCDEFGHIJ0123456789+/abcdefgh"
#define NOW    1800000000

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char ring_text[] = "pam_sts-keyring v1\n"
				"key 0a1b2c3d AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n"
				"key 99887766 ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8=\n";

static const sts_keyring *ring(void)
{
	static sts_keyring *r;
	sts_error err;

	if (!r && sts_keyring_parse(ring_text, strlen(ring_text), "fuzz", &r, &err) < 0)
		abort();
	return r;
}

static bool same_str(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static bool same_docs(const sts_scope_doc *a, size_t na, const sts_scope_doc *b, size_t nb)
{
	if (na != nb)
		return false;
	for (size_t i = 0; i < na; i++)
		if (!same_str(a[i].name, b[i].name) || !same_str(a[i].text, b[i].text))
			return false;
	return true;
}

static bool same_claims(const sts_token_claims *a, const sts_token_claims *b)
{
	return same_str(a->operation, b->operation) &&
	       same_str(a->principal_arn, b->principal_arn) &&
	       same_str(a->source_identity, b->source_identity) &&
	       same_str(a->source_ip, b->source_ip) && same_str(a->userid, b->userid) &&
	       a->mfa_present == b->mfa_present && a->mfa_time == b->mfa_time &&
	       a->issued == b->issued && a->expires == b->expires &&
	       a->no_permissions == b->no_permissions &&
	       same_docs(a->identity, a->n_identity, b->identity, b->n_identity) &&
	       same_docs(a->session, a->n_session, b->session, b->n_session);
}

static void claims_round_trip(const char *text, size_t len)
{
	sts_token_claims c, again;
	sts_error err;
	char *json;

	if (sts_token_claims_from_json(text, len, &c, &err) < 0)
		return;
	json = sts_token_claims_to_json(&c, &err);
	if (!json || sts_token_claims_from_json(json, strlen(json), &again, &err) < 0 ||
	    !same_claims(&c, &again))
		abort();
	free(json);
	sts_token_claims_free(&again);
	sts_token_claims_free(&c);
}

static void open_token(const char *text)
{
	sts_token_claims c;
	sts_error err;

	if (sts_token_open(ring(), text, AKID, SECRET, NOW, &c, &err) == 0)
		sts_token_claims_free(&c);
}

static void seal_and_open(const uint8_t *payload, size_t len)
{
	static const unsigned char nonce[STS_NONCE_LEN] = { 7 };
	const sts_keyring *r = ring();
	sts_token_claims c;
	sts_error err;
	char *token = NULL;
	unsigned char *again;
	size_t n = 0;

	if (sts_token_seal(r, sts_keyring_current_key(r), AKID, nonce, payload, len, &token, &err) <
	    0)
		return;
	if (sts_token_open(r, token, AKID, SECRET, NOW, &c, &err) == 0) {
		/* Whatever opens is within the claims' rules, and has one encoding. */
		if (sts_token_claims_check(&c, &err) < 0 || NOW >= c.expires)
			abort();
		again = sts_token_payload_build(&c, AKID, SECRET, &n, &err);
		if (!again || n != len || memcmp(again, payload, len) != 0)
			abort();
		free(again);
		sts_token_claims_free(&c);
	}
	free(token);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	sts_credentials cr;
	sts_keyring *parsed = NULL;
	sts_error err;
	char *text;

	if (size < 1 || size > STS_TOKEN_TEXT_MAX)
		return 0;
	text = malloc(size); /* the rest, NUL-terminated */
	if (!text)
		return 0;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	switch (data[0] % 5) {
	case 0:
		claims_round_trip(text, size - 1);
		break;
	case 1:
		open_token(text);
		break;
	case 2:
		seal_and_open(data + 1, size - 1);
		break;
	case 3:
		if (sts_credentials_parse_ini(text, size - 1, "fuzz", NULL, &cr, &err) == 0)
			sts_credentials_clear(&cr);
		break;
	default:
		if (sts_keyring_parse(text, size - 1, "fuzz", &parsed, &err) == 0)
			sts_keyring_free(parsed);
		break;
	}
	free(text);
	return 0;
}
