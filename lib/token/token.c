/*
 * Credentials and the sealed session token (layout in token_internal.h).
 * All cryptography through OpenSSL's EVP interface: AES-256-GCM with a
 * fresh 96-bit random nonce per token (random nonces are safe for 2^32
 * tokens per key, NIST SP 800-38D: rotate well before), base64 by
 * EVP_EncodeBlock / EVP_DecodeBlock. Plaintext payloads and secrets are
 * wiped with OPENSSL_cleanse on every path.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "base/fileio.h"
#include "token/token_internal.h"

/* How far in the future a token's issue time may lie (clock skew between
 * the hosts of a fleet) before it is refused. */
#define ISSUED_SKEW 300

#define AAD_LEN (1 + STS_KEY_ID_RAW + STS_ACCESS_KEY_ID_LEN)

void sts_credentials_clear(sts_credentials *c)
{
	if (!c)
		return;
	sts_free_secret_str(c->session_token);
	OPENSSL_cleanse(c, sizeof(*c));
}

void sts_format_iso8601(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!buf || len == 0)
		return;
	buf[0] = '\0';
	if (t < 0 || t > STS_TIME_MAX || !gmtime_r(&tt, &tm) ||
	    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		buf[0] = '\0';
}

bool sts_access_key_id_valid(const char *akid)
{
	if (!akid || strncmp(akid, "ASIA", 4) != 0 || strlen(akid) != STS_ACCESS_KEY_ID_LEN)
		return false;
	for (size_t i = 4; i < STS_ACCESS_KEY_ID_LEN; i++)
		if (!strchr(STS_AKID_ALPHABET, akid[i]))
			return false;
	return true;
}

/*
 * Random bytes for one mint, drawn from OpenSSL's generator in one call:
 * each call costs a getpid() system call for fork detection
 * (docs/login-latency.md has the figure).
 */
typedef struct {
	/* A mint needs 68 bytes (nonce, 16 + 40 characters from alphabets of
	 * 32 and 64, which rejection sampling never drops); more on demand. */
	unsigned char buf[STS_NONCE_LEN + 16 + STS_SECRET_KEY_LEN];
	size_t used;
} rand_pool;

static int pool_byte(rand_pool *p, unsigned char *b)
{
	if (p->used == sizeof(p->buf)) {
		if (RAND_bytes(p->buf, sizeof(p->buf)) != 1)
			return -1;
		p->used = 0;
	}
	*b = p->buf[p->used++];
	return 0;
}

/*
 * |n| characters drawn uniformly from |alphabet| (rejection sampling: bytes
 * at or above the largest multiple of the alphabet's size are dropped, so
 * no character is more likely than another).
 */
static int random_chars(rand_pool *p, char *out, size_t n, const char *alphabet)
{
	size_t alen = strlen(alphabet), limit = 256 - 256 % alen;

	for (size_t i = 0; i < n;) {
		unsigned char b;
		if (pool_byte(p, &b) < 0)
			return -1;
		if (b < limit)
			out[i++] = alphabet[b % alen];
	}
	out[n] = '\0';
	return 0;
}

static int random_bytes(rand_pool *p, unsigned char *out, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (pool_byte(p, &out[i]) < 0)
			return -1;
	return 0;
}

/* A base64 digit's value, -1 for anything else. */
static int b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	return c == '+' ? 62 : c == '/' ? 63 : -1;
}

long sts_b64_decode(const char *in, size_t len, unsigned char *out)
{
	size_t pad = 0;
	int n;

	if (len == 0 || len % 4 != 0 || len > INT_MAX)
		return -1;
	if (in[len - 1] == '=')
		pad = in[len - 2] == '=' ? 2 : 1;
	/* EVP_DecodeBlock refuses other characters, but trims blanks at both
	 * ends, reads '=' anywhere as zero bits and does not count padding:
	 * checked here, so that exactly one text stands for each byte string. */
	if (b64_value((unsigned char)in[0]) < 0 ||
	    b64_value((unsigned char)in[len - 1 - pad]) < 0 || memchr(in, '=', len - pad))
		return -1;
	if ((pad == 1 && (b64_value((unsigned char)in[len - 2]) & 3)) ||
	    (pad == 2 && (b64_value((unsigned char)in[len - 3]) & 15)))
		return -1; /* bits the padding leaves over must be zero */
	n = EVP_DecodeBlock(out, (const unsigned char *)in, (int)len);
	if (n < 0 || (size_t)n != len / 4 * 3)
		return -1;
	return n - (long)pad;
}

static void make_aad(unsigned char aad[AAD_LEN], const unsigned char *header, const char *akid)
{
	memcpy(aad, header, 1 + STS_KEY_ID_RAW);
	memcpy(aad + 1 + STS_KEY_ID_RAW, akid, STS_ACCESS_KEY_ID_LEN);
}

/* AES-256-GCM over |len| bytes of |in| into |out|; the tag is written to
 * (encrypt) or checked against (decrypt) |tag|. */
static int gcm(const sts_keyring *ring, const sts_issuer_key *key, bool encrypt,
	       const unsigned char *nonce, const unsigned char *aad, const unsigned char *in,
	       size_t len, unsigned char *out, unsigned char *tag)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int n = 0, fin = 0, ok;

	ok = ctx && len <= INT_MAX &&
	     EVP_CipherInit_ex2(ctx, sts_keyring_cipher(ring), key->key, nonce, encrypt, NULL) ==
		     1 &&
	     EVP_CipherUpdate(ctx, NULL, &n, aad, AAD_LEN) == 1 &&
	     EVP_CipherUpdate(ctx, out, &n, in, (int)len) == 1 && (size_t)n == len;
	if (ok && !encrypt)
		ok = EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, STS_TAG_LEN, tag) == 1;
	/* Decrypting, Final is where the tag is checked. */
	ok = ok && EVP_CipherFinal_ex(ctx, out + n, &fin) == 1 && fin == 0;
	if (ok && encrypt)
		ok = EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, STS_TAG_LEN, tag) == 1;
	EVP_CIPHER_CTX_free(ctx);
	return ok ? 0 : -1;
}

int sts_token_seal(const sts_keyring *ring, const sts_issuer_key *key, const char *akid,
		   const unsigned char nonce[STS_NONCE_LEN], const unsigned char *payload,
		   size_t len, char **token, sts_error *err)
{
	size_t bin_len = STS_TOKEN_HEADER_LEN + len + STS_TAG_LEN;
	size_t text_len = (bin_len + 2) / 3 * 4;
	unsigned char aad[AAD_LEN], *bin = NULL;
	int rc = -1;

	*token = NULL;
	if (!sts_access_key_id_valid(akid))
		return sts_error_set(err, "session token: malformed access key id");
	if (text_len > STS_TOKEN_TEXT_MAX)
		return sts_error_set(err,
				     "session token: the claims (%zu bytes) make a token "
				     "longer than %u bytes",
				     len, STS_TOKEN_TEXT_MAX);
	bin = malloc(bin_len);
	*token = malloc(text_len + 1);
	if (!bin || !*token) {
		sts_error_set(err, "session token: out of memory");
		goto out;
	}
	bin[0] = STS_TOKEN_VERSION;
	memcpy(bin + 1, key->raw_id, STS_KEY_ID_RAW);
	memcpy(bin + 1 + STS_KEY_ID_RAW, nonce, STS_NONCE_LEN);
	make_aad(aad, bin, akid);
	if (gcm(ring, key, true, bin + 1 + STS_KEY_ID_RAW, aad, payload, len,
		bin + STS_TOKEN_HEADER_LEN, bin + STS_TOKEN_HEADER_LEN + len) < 0) {
		sts_error_set(err, "session token: encryption failed");
		goto out;
	}
	if ((size_t)EVP_EncodeBlock((unsigned char *)*token, bin, (int)bin_len) != text_len) {
		sts_error_set(err, "session token: encoding failed");
		goto out;
	}
	rc = 0;
out:
	free(bin);
	if (rc < 0) {
		free(*token);
		*token = NULL;
	}
	return rc;
}

int sts_token_mint(const sts_keyring *ring, const sts_token_claims *claims, sts_credentials *out,
		   sts_error *err)
{
	unsigned char nonce[STS_NONCE_LEN];
	rand_pool pool = { .used = sizeof(pool.buf) };
	unsigned char *payload = NULL;
	size_t len = 0;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (!ring || !claims)
		return sts_error_set(err, "session token: no key ring or no claims");
	memcpy(out->access_key_id, "ASIA", 4);
	if (random_bytes(&pool, nonce, sizeof(nonce)) < 0 ||
	    random_chars(&pool, out->access_key_id + 4, STS_ACCESS_KEY_ID_LEN - 4,
			 STS_AKID_ALPHABET) < 0 ||
	    random_chars(&pool, out->secret_access_key, STS_SECRET_KEY_LEN, STS_SECRET_ALPHABET) <
		    0) {
		sts_error_set(err, "session token: OpenSSL's random generator failed");
		goto out;
	}
	payload = sts_token_payload_build(claims, out->access_key_id, out->secret_access_key, &len,
					  err);
	if (!payload)
		goto out;
	if (sts_token_seal(ring, sts_keyring_current_key(ring), out->access_key_id, nonce, payload,
			   len, &out->session_token, err) < 0)
		goto out;
	out->expiration = claims->expires;
	rc = 0;
out:
	OPENSSL_cleanse(&pool, sizeof(pool));
	sts_free_secret((char *)payload, len);
	if (rc < 0)
		sts_credentials_clear(out);
	return rc;
}

/* Decodes and authenticates |token|; |*plain| gets the payload (NUL-terminated). */
static int unseal(const sts_keyring *ring, const char *token, size_t tlen, const char *akid,
		  unsigned char **plain, size_t *plen, sts_error *err)
{
	unsigned char *bin = malloc(tlen / 4 * 3 + 1), aad[AAD_LEN];
	const sts_issuer_key *key;
	long n = bin ? sts_b64_decode(token, tlen, bin) : -1;
	int rc = -1;

	*plain = NULL;
	if (!bin)
		return sts_error_set(err, "session token: out of memory");
	if (n < STS_TOKEN_HEADER_LEN + STS_TAG_LEN + 2) {
		sts_error_set(err, "session token: malformed (not a pam_sts token)");
		goto out;
	}
	if (bin[0] != STS_TOKEN_VERSION) {
		sts_error_set(err,
			      "session token: format version %u, not %u (minted by another "
			      "release of pam_sts, or not a pam_sts token)",
			      bin[0], STS_TOKEN_VERSION);
		goto out;
	}
	key = sts_keyring_find(ring, bin + 1);
	if (!key) {
		sts_error_set(err,
			      "session token: sealed with key id %02x%02x%02x%02x, which the key "
			      "ring does not hold (rotated out, or another issuer's)",
			      bin[1], bin[2], bin[3], bin[4]);
		goto out;
	}
	*plen = (size_t)n - STS_TOKEN_HEADER_LEN - STS_TAG_LEN;
	*plain = malloc(*plen + 1);
	if (!*plain) {
		sts_error_set(err, "session token: out of memory");
		goto out;
	}
	make_aad(aad, bin, akid);
	if (gcm(ring, key, false, bin + 1 + STS_KEY_ID_RAW, aad, bin + STS_TOKEN_HEADER_LEN, *plen,
		*plain, bin + STS_TOKEN_HEADER_LEN + *plen) < 0) {
		sts_error_set(err,
			      "session token: not authentic (altered, or not issued for access "
			      "key id %s)",
			      akid);
		goto out;
	}
	(*plain)[*plen] = '\0';
	rc = 0;
out:
	free(bin);
	if (rc < 0 && *plain) {
		sts_free_secret((char *)*plain, *plen);
		*plain = NULL;
	}
	return rc;
}

/* The checks on what the token says, once it is known to be authentic. */
static int check_opened(const sts_token_claims *c, const char *akid, const char *want_akid,
			const char *secret, const char *want_secret, int64_t now, sts_error *err)
{
	char when[32];

	if (CRYPTO_memcmp(akid, want_akid, STS_ACCESS_KEY_ID_LEN) != 0)
		return sts_error_set(err, "session token: issued for another access key id");
	if (want_secret && (strlen(want_secret) != STS_SECRET_KEY_LEN ||
			    CRYPTO_memcmp(secret, want_secret, STS_SECRET_KEY_LEN) != 0))
		return sts_error_set(err, "secret access key: does not match the session token");
	if (now >= c->expires) {
		sts_format_iso8601(c->expires, when, sizeof(when));
		return sts_error_set(err, "session token: expired at %s", when);
	}
	if (c->issued > now + ISSUED_SKEW) {
		sts_format_iso8601(c->issued, when, sizeof(when));
		return sts_error_set(err, "session token: issued in the future (%s): clocks differ",
				     when);
	}
	return 0;
}

int sts_token_open(const sts_keyring *ring, const char *token, const char *access_key_id,
		   const char *secret, int64_t now, sts_token_claims *out, sts_error *err)
{
	char akid[STS_ACCESS_KEY_ID_LEN + 1], inner_secret[STS_SECRET_KEY_LEN + 1];
	unsigned char *plain = NULL;
	size_t tlen, plen = 0;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (!ring || !token || !access_key_id)
		return sts_error_set(err, "credential: incomplete");
	if (!sts_access_key_id_valid(access_key_id))
		return sts_error_set(err, "access key id: not of the form ASIA + 16 of [A-Z2-7]");
	tlen = strnlen(token, STS_TOKEN_TEXT_MAX + 1);
	if (tlen > STS_TOKEN_TEXT_MAX)
		return sts_error_set(err, "session token: longer than %u bytes",
				     STS_TOKEN_TEXT_MAX);
	if (unseal(ring, token, tlen, access_key_id, &plain, &plen, err) < 0)
		return -1;
	if (sts_token_payload_parse(plain, plen, out, akid, inner_secret, err) < 0)
		goto out;
	rc = check_opened(out, akid, access_key_id, inner_secret, secret, now, err);
out:
	sts_free_secret((char *)plain, plen);
	OPENSSL_cleanse(inner_secret, sizeof(inner_secret));
	if (rc < 0)
		sts_token_claims_free(out);
	return rc;
}
