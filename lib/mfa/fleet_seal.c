/* Fleet key ring and AES-256-GCM sealing of TOTP secrets (fleet_seal.h). */
#include "mfa/fleet_seal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "base/fileio.h"

#define SEAL_VERSION  1
#define KEYFILE_MAX   (STS_FLEET_KEYS_MAX * 128)
#define KEYFILE_FLAGS (STS_READ_NOFOLLOW | STS_READ_EUID_OWNED | STS_READ_PRIVATE)
#define SECRET_MAX    4096

void sts_fleet_keyring_wipe(sts_fleet_keyring *ring)
{
	if (ring)
		OPENSSL_cleanse(ring, sizeof(*ring));
}

static const sts_fleet_key *find_key(const sts_fleet_keyring *ring, uint32_t id)
{
	for (size_t i = 0; i < ring->count; i++)
		if (ring->keys[i].id == id)
			return &ring->keys[i];
	return NULL;
}

/* One line "ID HEX" into |key|. */
static int parse_line(const char *line, size_t len, sts_fleet_key *key)
{
	char buf[128];
	char *end = NULL;
	unsigned long id;
	size_t raw_len = 0;
	const char *hex;
	int rc = -1;

	if (len == 0 || len >= sizeof(buf) || line[0] < '1' || line[0] > '9')
		return -1;
	memcpy(buf, line, len);
	buf[len] = '\0';
	errno = 0;
	id = strtoul(buf, &end, 10);
	if (errno || id == 0 || id > UINT32_MAX || *end != ' ')
		goto out;
	hex = end + 1;
	if (strlen(hex) != 2 * STS_FLEET_KEY_LEN ||
	    strspn(hex, "0123456789abcdefABCDEF") != 2 * STS_FLEET_KEY_LEN)
		goto out;
	if (OPENSSL_hexstr2buf_ex(key->key, sizeof(key->key), &raw_len, hex, '\0') != 1 ||
	    raw_len != STS_FLEET_KEY_LEN)
		goto out;
	key->id = (uint32_t)id;
	rc = 0;
out:
	OPENSSL_cleanse(buf, sizeof(buf));
	return rc;
}

int sts_fleet_keyring_parse(const char *text, size_t len, sts_fleet_keyring *ring, sts_error *err)
{
	size_t pos = 0, line_no = 0;

	memset(ring, 0, sizeof(*ring));
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - text) : len;
		sts_fleet_key *key = &ring->keys[ring->count];

		line_no++;
		if (ring->count == STS_FLEET_KEYS_MAX) {
			sts_fleet_keyring_wipe(ring);
			return sts_error_set(err, "fleet key file: more than %d keys",
					     STS_FLEET_KEYS_MAX);
		}
		if (parse_line(text + pos, end - pos, key) < 0 || find_key(ring, key->id)) {
			sts_fleet_keyring_wipe(ring);
			return sts_error_set(
				err,
				"fleet key file: line %zu is not \"ID HEX\" with a new id "
				"and a 32-byte key",
				line_no);
		}
		ring->count++;
		pos = end + 1;
	}
	if (ring->count == 0)
		return sts_error_set(err, "fleet key file: no key");
	return 0;
}

int sts_fleet_keyring_load(const char *path, sts_fleet_keyring *ring, sts_error *err)
{
	char *text = NULL;
	size_t len = 0;
	int rc;

	memset(ring, 0, sizeof(*ring));
	if (sts_read_file(path, KEYFILE_MAX, KEYFILE_FLAGS, &text, &len, err) < 0)
		return -1;
	rc = sts_fleet_keyring_parse(text, len, ring, err);
	sts_free_secret(text, len);
	return rc;
}

int sts_fleet_keyring_rotate(sts_fleet_keyring *ring, sts_error *err)
{
	sts_fleet_key fresh;
	uint32_t max_id = 0;

	for (size_t i = 0; i < ring->count; i++)
		if (ring->keys[i].id > max_id)
			max_id = ring->keys[i].id;
	if (max_id == UINT32_MAX)
		return sts_error_set(err, "fleet key ring: no key id left");
	fresh.id = max_id + 1;
	if (RAND_priv_bytes(fresh.key, sizeof(fresh.key)) != 1)
		return sts_error_set(err, "fleet key ring: no random bytes");
	if (ring->count == STS_FLEET_KEYS_MAX)
		ring->count--;
	memmove(&ring->keys[1], &ring->keys[0], ring->count * sizeof(ring->keys[0]));
	ring->keys[0] = fresh;
	ring->count++;
	OPENSSL_cleanse(&fresh, sizeof(fresh));
	OPENSSL_cleanse(&ring->keys[ring->count],
			(STS_FLEET_KEYS_MAX - ring->count) * sizeof(ring->keys[0]));
	return 0;
}

char *sts_fleet_keyring_format(const sts_fleet_keyring *ring)
{
	size_t cap = ring->count * (11 + 2 * STS_FLEET_KEY_LEN + 2) + 1;
	char *out = malloc(cap);
	size_t pos = 0;

	if (!out)
		return NULL;
	for (size_t i = 0; i < ring->count; i++) {
		pos += (size_t)snprintf(out + pos, cap - pos, "%lu ",
					(unsigned long)ring->keys[i].id);
		for (size_t j = 0; j < STS_FLEET_KEY_LEN; j++)
			pos += (size_t)snprintf(out + pos, cap - pos, "%02x", ring->keys[i].key[j]);
		out[pos++] = '\n';
	}
	out[pos] = '\0';
	return out;
}

uint32_t sts_fleet_sealed_key_id(const unsigned char *sealed, size_t sealed_len)
{
	if (sealed_len < STS_FLEET_SEAL_OVERHEAD)
		return 0;
	return (uint32_t)sealed[1] << 24 | (uint32_t)sealed[2] << 16 | (uint32_t)sealed[3] << 8 |
	       sealed[4];
}

/* The version and key id bytes, then the user name. */
static int add_aad(EVP_CIPHER_CTX *ctx, const unsigned char *header, const char *user)
{
	int n;

	return EVP_CipherUpdate(ctx, NULL, &n, header, 5) == 1 &&
			       EVP_CipherUpdate(ctx, NULL, &n, (const unsigned char *)user,
						(int)strlen(user)) == 1 ?
		       0 :
		       -1;
}

static EVP_CIPHER_CTX *start(const unsigned char *key, const unsigned char *header,
			     const char *user, int enc)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	const unsigned char *nonce = header + 5;

	if (!ctx)
		return NULL;
	if (EVP_CipherInit_ex2(ctx, EVP_aes_256_gcm(), NULL, NULL, enc, NULL) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, STS_FLEET_NONCE_LEN, NULL) != 1 ||
	    EVP_CipherInit_ex2(ctx, NULL, key, nonce, enc, NULL) != 1 ||
	    add_aad(ctx, header, user) < 0) {
		EVP_CIPHER_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

int sts_fleet_seal(const sts_fleet_keyring *ring, const char *user, const unsigned char *secret,
		   size_t secret_len, unsigned char *out, size_t cap, size_t *out_len,
		   sts_error *err)
{
	const sts_fleet_key *key = ring->count ? &ring->keys[0] : NULL;
	unsigned char *body = out + STS_FLEET_SEAL_HEADER;
	EVP_CIPHER_CTX *ctx;
	int n = 0, fin = 0, ok;

	if (!key || secret_len == 0 || secret_len > SECRET_MAX ||
	    cap < secret_len + STS_FLEET_SEAL_OVERHEAD)
		return sts_error_set(err, "fleet seal: no key, or the secret does not fit");
	out[0] = SEAL_VERSION;
	out[1] = (unsigned char)(key->id >> 24);
	out[2] = (unsigned char)(key->id >> 16);
	out[3] = (unsigned char)(key->id >> 8);
	out[4] = (unsigned char)key->id;
	if (RAND_bytes(out + 5, STS_FLEET_NONCE_LEN) != 1)
		return sts_error_set(err, "fleet seal: no random bytes");
	ctx = start(key->key, out, user, 1);
	if (!ctx)
		return sts_error_set(err, "fleet seal: AES-256-GCM unavailable");
	ok = EVP_EncryptUpdate(ctx, body, &n, secret, (int)secret_len) == 1 &&
	     EVP_EncryptFinal_ex(ctx, body + n, &fin) == 1 &&
	     EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, STS_FLEET_TAG_LEN, body + secret_len) ==
		     1;
	EVP_CIPHER_CTX_free(ctx);
	if (!ok) {
		OPENSSL_cleanse(out, cap);
		return sts_error_set(err, "fleet seal: encryption failed");
	}
	*out_len = secret_len + STS_FLEET_SEAL_OVERHEAD;
	return 0;
}

int sts_fleet_unseal(const sts_fleet_keyring *ring, const char *user, const unsigned char *sealed,
		     size_t sealed_len, unsigned char *secret, size_t cap, size_t *secret_len,
		     sts_error *err)
{
	size_t body_len = sealed_len - STS_FLEET_SEAL_OVERHEAD;
	const sts_fleet_key *key;
	EVP_CIPHER_CTX *ctx;
	unsigned char tag[STS_FLEET_TAG_LEN];
	int n = 0, fin = 0, ok;

	if (sealed_len <= STS_FLEET_SEAL_OVERHEAD || sealed[0] != SEAL_VERSION ||
	    body_len > SECRET_MAX || body_len > cap)
		return sts_error_set(err, "fleet unseal: not a sealed secret of this version");
	key = find_key(ring, sts_fleet_sealed_key_id(sealed, sealed_len));
	if (!key)
		return sts_error_set(err,
				     "fleet unseal: sealed under key id %lu, not in the key file",
				     (unsigned long)sts_fleet_sealed_key_id(sealed, sealed_len));
	ctx = start(key->key, sealed, user, 0);
	if (!ctx)
		return sts_error_set(err, "fleet unseal: AES-256-GCM unavailable");
	memcpy(tag, sealed + sealed_len - STS_FLEET_TAG_LEN, sizeof(tag));
	ok = EVP_DecryptUpdate(ctx, secret, &n, sealed + STS_FLEET_SEAL_HEADER, (int)body_len) ==
		     1 &&
	     EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, STS_FLEET_TAG_LEN, tag) == 1 &&
	     EVP_DecryptFinal_ex(ctx, secret + n, &fin) == 1;
	EVP_CIPHER_CTX_free(ctx);
	if (!ok) {
		OPENSSL_cleanse(secret, cap);
		return sts_error_set(err, "fleet unseal: the sealed secret does not open for this "
					  "user (changed, or copied from another row)");
	}
	*secret_len = body_len;
	return 0;
}

int sts_fleet_reseal(const sts_fleet_keyring *ring, const char *user, const unsigned char *sealed,
		     size_t sealed_len, unsigned char *out, size_t cap, size_t *out_len,
		     sts_error *err)
{
	unsigned char secret[SECRET_MAX];
	size_t len = 0;
	int rc =
		sts_fleet_unseal(ring, user, sealed, sealed_len, secret, sizeof(secret), &len, err);

	if (rc == 0)
		rc = sts_fleet_seal(ring, user, secret, len, out, cap, out_len, err);
	OPENSSL_cleanse(secret, sizeof(secret));
	return rc;
}
