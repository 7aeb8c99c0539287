/*
 * The sealed payload of a token of format version 2 (layout in
 * token_internal.h): the credential, then the claims as fixed-size integers
 * and length-prefixed strings. The scope's policy texts are copied as they
 * are: no JSON escaping at minting, no JSON parsing or unescaping at
 * verification (the policy parser reads them when a scope is evaluated).
 * The claims as JSON, outside tokens, are token_claims.c's.
 *
 * Parsed strictly and fail-closed, as any byte string may reach it (the
 * fuzzer seals its own): every length and count is checked against its
 * bound and against the bytes left before anything is read or allocated,
 * strings may not hold NUL bytes (they become C strings), flags no unknown
 * bit, and nothing may follow the last document; then every claim is
 * checked as at minting (sts_token_claims_check). Each set of claims has
 * exactly one encoding. The payload holds the secret: the callers (token.c)
 * wipe it.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "token/token_internal.h"

#define CREDENTIAL_LEN (STS_ACCESS_KEY_ID_LEN + STS_SECRET_KEY_LEN)
#define LEN_BYTES      4 /* string lengths and document counts */
#define TIME_BYTES     8
#define FIXED_LEN      (CREDENTIAL_LEN + 1 + 3 * TIME_BYTES)

#define FLAG_MFA_PRESENT    1u
#define FLAG_NO_PERMISSIONS 2u

/* ---- building ----------------------------------------------------------------------------- */

static unsigned char *put_u32(unsigned char *p, size_t v)
{
	for (int i = LEN_BYTES - 1; i >= 0; i--, v >>= 8)
		p[i] = (unsigned char)v;
	return p + LEN_BYTES;
}

static unsigned char *put_time(unsigned char *p, int64_t t)
{
	uint64_t v = (uint64_t)t;

	for (int i = TIME_BYTES - 1; i >= 0; i--, v >>= 8)
		p[i] = (unsigned char)v;
	return p + TIME_BYTES;
}

/* |s| (NULL: none) with its length (bounded by add_size), without its NUL. */
static unsigned char *put_string(unsigned char *p, const char *s)
{
	size_t len = s ? strnlen(s, STS_TOKEN_TEXT_MAX) : 0;

	p = put_u32(p, len);
	if (len)
		memcpy(p, s, len);
	return p + len;
}

static unsigned char *put_docs(unsigned char *p, const sts_scope_doc *docs, size_t n)
{
	p = put_u32(p, n);
	for (size_t i = 0; i < n; i++) {
		p = put_string(p, docs[i].name);
		p = put_string(p, docs[i].text);
	}
	return p;
}

/* Adds the size of |s| as written to |*total|: -1 past what a token holds
 * (each string is bounded before it is added, so nothing overflows). */
static int add_size(size_t *total, const char *s)
{
	*total += LEN_BYTES + (s ? strnlen(s, STS_TOKEN_TEXT_MAX + 1) : 0);
	return *total > STS_TOKEN_TEXT_MAX ? -1 : 0;
}

static int add_docs_size(size_t *total, const sts_scope_doc *docs, size_t n)
{
	*total += LEN_BYTES;
	for (size_t i = 0; i < n; i++)
		if (add_size(total, docs[i].name) < 0 || add_size(total, docs[i].text) < 0)
			return -1;
	return *total > STS_TOKEN_TEXT_MAX ? -1 : 0;
}

unsigned char *sts_token_payload_build(const sts_token_claims *c, const char *akid,
				       const char *secret, size_t *len, sts_error *err)
{
	size_t total = FIXED_LEN;
	unsigned char *buf, *p;

	*len = 0;
	if (!sts_access_key_id_valid(akid) || !secret || strlen(secret) != STS_SECRET_KEY_LEN ||
	    strspn(secret, STS_SECRET_ALPHABET) != STS_SECRET_KEY_LEN) {
		sts_error_set(err, "claims: malformed credential");
		return NULL;
	}
	if (sts_token_claims_check(c, err) < 0)
		return NULL;
	if (add_size(&total, c->operation) < 0 || add_size(&total, c->principal_arn) < 0 ||
	    add_size(&total, c->source_identity) < 0 || add_size(&total, c->source_ip) < 0 ||
	    add_size(&total, c->userid) < 0 ||
	    add_docs_size(&total, c->identity, c->n_identity) < 0 ||
	    add_docs_size(&total, c->session, c->n_session) < 0) {
		sts_error_set(err,
			      "session token: the claims (more than %u bytes) make a token "
			      "longer than %u bytes",
			      STS_TOKEN_TEXT_MAX, STS_TOKEN_TEXT_MAX);
		return NULL;
	}
	buf = malloc(total);
	if (!buf) {
		sts_error_set(err, "claims: out of memory");
		return NULL;
	}
	memcpy(buf, akid, STS_ACCESS_KEY_ID_LEN);
	memcpy(buf + STS_ACCESS_KEY_ID_LEN, secret, STS_SECRET_KEY_LEN);
	p = buf + CREDENTIAL_LEN;
	*p++ = (unsigned char)((c->mfa_present ? FLAG_MFA_PRESENT : 0) |
			       (c->no_permissions ? FLAG_NO_PERMISSIONS : 0));
	p = put_time(p, c->mfa_time);
	p = put_time(p, c->issued);
	p = put_time(p, c->expires);
	p = put_string(p, c->operation);
	p = put_string(p, c->principal_arn);
	p = put_string(p, c->source_identity);
	p = put_string(p, c->source_ip);
	p = put_string(p, c->userid);
	p = put_docs(p, c->identity, c->n_identity);
	p = put_docs(p, c->session, c->n_session);
	*len = (size_t)(p - buf);
	return buf;
}

/* ---- parsing ------------------------------------------------------------------------------ */

/* What is left to read. */
typedef struct {
	const unsigned char *p;
	size_t left;
} reader;

static int take_u32(reader *r, size_t *v)
{
	if (r->left < LEN_BYTES)
		return -1;
	*v = 0;
	for (int i = 0; i < LEN_BYTES; i++)
		*v = *v << 8 | r->p[i];
	r->p += LEN_BYTES;
	r->left -= LEN_BYTES;
	return 0;
}

static int64_t take_time(reader *r)
{
	uint64_t v = 0;

	for (int i = 0; i < TIME_BYTES; i++)
		v = v << 8 | r->p[i];
	r->p += TIME_BYTES;
	r->left -= TIME_BYTES;
	/* Two's complement, without an implementation-defined conversion. */
	return v <= INT64_MAX ? (int64_t)v : -(int64_t)(UINT64_MAX - v) - 1;
}

/* Why the string |what| (the |i|th document's, when |list|) is refused. */
static int string_error(sts_error *err, const char *list, size_t i, const char *what,
			const char *why)
{
	if (list)
		return sts_error_set(err, "claims: payload: %s[%zu] %s: %s", list, i, what, why);
	return sts_error_set(err, "claims: payload: %s: %s", what, why);
}

/*
 * A string into a malloc'd C string |*out|; length 0 is none (NULL) when
 * |nullable|, refused otherwise. |what| (and |list| and |i|, for the
 * documents' names and texts) name it in errors: "identity[2] text".
 */
static int take_string(reader *r, bool nullable, const char *list, size_t i, const char *what,
		       char **out, sts_error *err)
{
	char why[80];
	size_t n;

	if (take_u32(r, &n) < 0)
		return string_error(err, list, i, what, "cut short before its length");
	if (n == 0)
		return nullable ? 0 : string_error(err, list, i, what, "empty");
	if (n > r->left) {
		snprintf(why, sizeof(why), "%zu bytes long, only %zu bytes left", n, r->left);
		return string_error(err, list, i, what, why);
	}
	if (memchr(r->p, '\0', n))
		return string_error(err, list, i, what, "holds a NUL byte");
	*out = malloc(n + 1);
	if (!*out)
		return sts_error_set(err, "claims: out of memory");
	memcpy(*out, r->p, n);
	(*out)[n] = '\0';
	r->p += n;
	r->left -= n;
	return 0;
}

static int take_docs(reader *r, const char *list, sts_scope_doc **docs, size_t *n, sts_error *err)
{
	size_t count;

	if (take_u32(r, &count) < 0)
		return sts_error_set(err, "claims: payload: %s: cut short before the count", list);
	/* A document takes two lengths and two bytes at least. */
	if (count > STS_SCOPE_DOCS_MAX || count > r->left / (2 * LEN_BYTES + 2))
		return sts_error_set(err,
				     "claims: payload: %s: %zu documents (at most %d, and %zu "
				     "bytes left)",
				     list, count, STS_SCOPE_DOCS_MAX, r->left);
	if (count == 0)
		return 0;
	*docs = calloc(count, sizeof(**docs));
	if (!*docs)
		return sts_error_set(err, "claims: out of memory");
	/* |*n| counts each document before it is read: a half-read one is freed too. */
	for (*n = 0; *n < count;) {
		size_t i = (*n)++;
		if (take_string(r, false, list, i, "name", &(*docs)[i].name, err) < 0 ||
		    take_string(r, false, list, i, "text", &(*docs)[i].text, err) < 0)
			return -1;
	}
	return 0;
}

/* The fixed part: the credential, the flags and the times. */
static int take_fixed(reader *r, sts_token_claims *c, char *akid, char *secret, sts_error *err)
{
	unsigned flags;

	if (r->left < FIXED_LEN)
		return sts_error_set(err, "claims: payload: %zu bytes, shorter than its fixed part",
				     r->left);
	memcpy(akid, r->p, STS_ACCESS_KEY_ID_LEN);
	akid[STS_ACCESS_KEY_ID_LEN] = '\0';
	memcpy(secret, r->p + STS_ACCESS_KEY_ID_LEN, STS_SECRET_KEY_LEN);
	secret[STS_SECRET_KEY_LEN] = '\0';
	flags = r->p[CREDENTIAL_LEN];
	r->p += CREDENTIAL_LEN + 1;
	r->left -= CREDENTIAL_LEN + 1;
	if (!sts_access_key_id_valid(akid))
		return sts_error_set(err, "claims: payload: access key id malformed");
	if (strspn(secret, STS_SECRET_ALPHABET) != STS_SECRET_KEY_LEN)
		return sts_error_set(err, "claims: payload: secret access key malformed");
	if (flags & ~(FLAG_MFA_PRESENT | FLAG_NO_PERMISSIONS))
		return sts_error_set(err, "claims: payload: unknown flags 0x%02x", flags);
	c->mfa_present = flags & FLAG_MFA_PRESENT;
	c->no_permissions = flags & FLAG_NO_PERMISSIONS;
	c->mfa_time = take_time(r);
	c->issued = take_time(r);
	c->expires = take_time(r);
	return 0;
}

int sts_token_payload_parse(const unsigned char *buf, size_t len, sts_token_claims *out,
			    char akid[STS_ACCESS_KEY_ID_LEN + 1],
			    char secret[STS_SECRET_KEY_LEN + 1], sts_error *err)
{
	reader r = { buf, len };
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (!buf || len > STS_TOKEN_TEXT_MAX) {
		sts_error_set(err, "claims: payload missing or larger than %u bytes",
			      STS_TOKEN_TEXT_MAX);
		goto out;
	}
	if (take_fixed(&r, out, akid, secret, err) < 0 ||
	    take_string(&r, false, NULL, 0, "operation", &out->operation, err) < 0 ||
	    take_string(&r, false, NULL, 0, "principal_arn", &out->principal_arn, err) < 0 ||
	    take_string(&r, false, NULL, 0, "source_identity", &out->source_identity, err) < 0 ||
	    take_string(&r, true, NULL, 0, "source_ip", &out->source_ip, err) < 0 ||
	    take_string(&r, true, NULL, 0, "userid", &out->userid, err) < 0 ||
	    take_docs(&r, "identity", &out->identity, &out->n_identity, err) < 0 ||
	    take_docs(&r, "session", &out->session, &out->n_session, err) < 0)
		goto out;
	if (r.left != 0) {
		sts_error_set(err, "claims: payload: %zu bytes after the last document", r.left);
		goto out;
	}
	rc = sts_token_claims_check(out, err);
out:
	if (rc < 0) {
		sts_token_claims_free(out);
		OPENSSL_cleanse(secret, STS_SECRET_KEY_LEN + 1);
	}
	return rc;
}
