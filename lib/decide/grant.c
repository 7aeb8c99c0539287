/* Grants: an HMAC-SHA256 (OpenSSL) sealed JSON (json-c) request. */
#include "decide/grant.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <json-c/json.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/core_names.h>
#include <openssl/params.h>

#define PREFIX	  "g1."
#define MAC_HEX	  64
#define NONCE_LEN 16

static void to_hex(const unsigned char *in, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < len; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * len] = '\0';
}

/* HMAC-SHA256 under |key|, as a new context. One keyed context is kept and
 * copied for each use: OpenSSL 3 looks HMAC and SHA-256 up by name on every
 * one-shot HMAC(), a large part of a grant's sealing in the resident helper
 * (docs/login-latency.md). Re-keyed when the key changes; a mutex for the
 * threads of a caller that has them. */
static EVP_MAC_CTX *keyed_mac(const unsigned char key[STS_GRANT_KEY_LEN])
{
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	static unsigned char kept_key[STS_GRANT_KEY_LEN];
	static EVP_MAC_CTX *kept;
	static EVP_MAC *hmac;
	OSSL_PARAM params[] = { OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
								 (char *)(uintptr_t) "SHA256", 0),
				OSSL_PARAM_construct_end() };
	EVP_MAC_CTX *copy = NULL;

	pthread_mutex_lock(&lock);
	if (!kept || CRYPTO_memcmp(kept_key, key, STS_GRANT_KEY_LEN) != 0) {
		EVP_MAC_CTX_free(kept);
		OPENSSL_cleanse(kept_key, sizeof(kept_key));
		kept = NULL;
		if (!hmac)
			hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
		kept = hmac ? EVP_MAC_CTX_new(hmac) : NULL;
		if (kept && !EVP_MAC_init(kept, key, STS_GRANT_KEY_LEN, params)) {
			EVP_MAC_CTX_free(kept);
			kept = NULL;
		}
		if (kept)
			memcpy(kept_key, key, STS_GRANT_KEY_LEN);
	}
	if (kept)
		copy = EVP_MAC_CTX_dup(kept);
	pthread_mutex_unlock(&lock);
	return copy;
}

static int mac_hex(const unsigned char key[STS_GRANT_KEY_LEN], const char *msg, size_t len,
		   char out[MAC_HEX + 1])
{
	unsigned char digest[EVP_MAX_MD_SIZE];
	EVP_MAC_CTX *ctx = keyed_mac(key);
	size_t dlen = 0;
	int ok = ctx && EVP_MAC_update(ctx, (const unsigned char *)msg, len) &&
		 EVP_MAC_final(ctx, digest, &dlen, sizeof(digest)) && dlen == 32;

	EVP_MAC_CTX_free(ctx);
	if (ok)
		to_hex(digest, 32, out);
	OPENSSL_cleanse(digest, sizeof(digest));
	return ok ? 0 : -1;
}

static int add_str(json_object *obj, const char *key, const char *value)
{
	json_object *v;

	if (!value)
		return 0;
	v = json_object_new_string(value);
	if (!v)
		return -1;
	if (json_object_object_add(obj, key, v) < 0) {
		json_object_put(v);
		return -1;
	}
	return 0;
}

/* |v| is a new number or boolean, NULL when json-c ran out of memory. */
static int add_value(json_object *obj, const char *key, json_object *v)
{
	if (!v)
		return -1;
	if (json_object_object_add(obj, key, v) < 0) {
		json_object_put(v);
		return -1;
	}
	return 0;
}

/* Each grant's own random nonce: two logins sealed in the same second with
 * the same request are still two grants, each opened once. From the kernel
 * (getrandom): OpenSSL's DRBG would be started in a helper process that
 * otherwise never needs it (op=mfa). */
static int add_nonce(json_object *obj)
{
	unsigned char raw[NONCE_LEN];
	char hex[2 * NONCE_LEN + 1];

	if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw))
		return -1;
	to_hex(raw, sizeof(raw), hex);
	return add_str(obj, "nonce", hex);
}

static json_object *grant_to_json(const sts_grant *g)
{
	json_object *obj = json_object_new_object();

	if (!obj || add_nonce(obj) < 0 || add_str(obj, "user", g->user) < 0 ||
	    add_str(obj, "service", g->service) < 0 || add_str(obj, "rhost", g->rhost) < 0 ||
	    add_str(obj, "target", g->target) < 0 ||
	    add_str(obj, "session_name", g->session_name) < 0 ||
	    add_str(obj, "session_policy", g->session_policy) < 0 ||
	    add_str(obj, "session_policy_text", g->session_policy_text) < 0 ||
	    add_str(obj, "source_ip", g->source_ip) < 0 ||
	    add_str(obj, "token_code", g->token_code) < 0 ||
	    add_value(obj, "op", json_object_new_int(g->op)) < 0 ||
	    add_value(obj, "duration", json_object_new_int64((int64_t)g->duration)) < 0 ||
	    add_value(obj, "mfa", json_object_new_boolean(g->mfa_present)) < 0 ||
	    add_value(obj, "mfa_time", json_object_new_int64(g->mfa_time)) < 0 ||
	    add_value(obj, "iat", json_object_new_int64(g->issued)) < 0 ||
	    add_value(obj, "exp", json_object_new_int64(g->expires)) < 0)
		goto fail;
	return obj;
fail:
	json_object_put(obj);
	return NULL;
}

int sts_grant_seal(const unsigned char key[STS_GRANT_KEY_LEN], const sts_grant *g, char **out,
		   sts_error *err)
{
	json_object *obj = grant_to_json(g);
	const char *json;
	size_t jlen, cap;
	char *text = NULL;
	int b64;

	*out = NULL;
	if (!obj)
		return sts_error_set(err, "grant: out of memory");
	json = json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN);
	if (!json) {
		json_object_put(obj);
		return sts_error_set(err, "grant: out of memory");
	}
	jlen = strlen(json);
	cap = strlen(PREFIX) + 4 * ((jlen + 2) / 3) + 1 + MAC_HEX + 1;
	if (cap > STS_GRANT_MAX || !(text = malloc(cap))) {
		json_object_put(obj);
		return sts_error_set(err, "grant: request too large");
	}
	memcpy(text, PREFIX, strlen(PREFIX));
	b64 = EVP_EncodeBlock((unsigned char *)text + strlen(PREFIX), (const unsigned char *)json,
			      (int)jlen);
	json_object_put(obj);
	size_t body = strlen(PREFIX) + (size_t)b64;
	text[body] = '.';
	if (mac_hex(key, text, body, text + body + 1) < 0) {
		free(text);
		return sts_error_set(err, "grant: cannot compute the MAC");
	}
	*out = text;
	return 0;
}

/* Decodes standard base64 (EVP_DecodeBlock counts padding as data). */
static char *decode_b64(const char *in, size_t len)
{
	size_t pad = 0;
	char *out;
	int n;

	if (len == 0 || len % 4 != 0)
		return NULL;
	while (pad < 2 && in[len - 1 - pad] == '=')
		pad++;
	out = malloc(len / 4 * 3 + 1);
	if (!out)
		return NULL;
	n = EVP_DecodeBlock((unsigned char *)out, (const unsigned char *)in, (int)len);
	if (n < 0 || (size_t)n < pad) {
		free(out);
		return NULL;
	}
	out[(size_t)n - pad] = '\0';
	if (strlen(out) != (size_t)n - pad) { /* an embedded NUL */
		free(out);
		return NULL;
	}
	return out;
}

static int get_str(json_object *obj, const char *key, bool required, char **out)
{
	json_object *v;

	*out = NULL;
	if (!json_object_object_get_ex(obj, key, &v))
		return required ? -1 : 0;
	if (!json_object_is_type(v, json_type_string))
		return -1;
	*out = strdup(json_object_get_string(v));
	return *out ? 0 : -1;
}

static int get_int(json_object *obj, const char *key, int64_t *out)
{
	json_object *v;

	if (!json_object_object_get_ex(obj, key, &v) || !json_object_is_type(v, json_type_int))
		return -1;
	*out = json_object_get_int64(v);
	return 0;
}

static bool has_nonce(json_object *obj)
{
	char *nonce = NULL;
	bool ok = get_str(obj, "nonce", true, &nonce) == 0 && strlen(nonce) == 2 * NONCE_LEN;

	free(nonce);
	return ok;
}

static int grant_from_json(json_object *obj, sts_grant *g)
{
	json_object *mfa;
	int64_t op = -1, duration = -1;

	if (!json_object_is_type(obj, json_type_object) || !has_nonce(obj) ||
	    get_str(obj, "rhost", false, &g->rhost) || get_str(obj, "user", true, &g->user) ||
	    get_str(obj, "service", true, &g->service) ||
	    get_str(obj, "target", false, &g->target) ||
	    get_str(obj, "session_name", false, &g->session_name) ||
	    get_str(obj, "session_policy", false, &g->session_policy) ||
	    get_str(obj, "session_policy_text", false, &g->session_policy_text) ||
	    get_str(obj, "source_ip", false, &g->source_ip) ||
	    get_str(obj, "token_code", false, &g->token_code) || get_int(obj, "op", &op) ||
	    get_int(obj, "duration", &duration) || get_int(obj, "mfa_time", &g->mfa_time) ||
	    get_int(obj, "iat", &g->issued) || get_int(obj, "exp", &g->expires) ||
	    !json_object_object_get_ex(obj, "mfa", &mfa) ||
	    !json_object_is_type(mfa, json_type_boolean))
		return -1;
	if (op < STS_OP_SESSION || op > STS_OP_FEDERATE || duration < 0 || duration > 129600)
		return -1;
	g->op = (sts_operation)op;
	g->duration = (unsigned long)duration;
	g->mfa_present = json_object_get_boolean(mfa);
	return 0;
}

static int check_mac(const unsigned char key[STS_GRANT_KEY_LEN], const char *text, const char **b64,
		     size_t *b64len, sts_error *err)
{
	size_t len = text ? strnlen(text, STS_GRANT_MAX + 1) : 0;
	const char *dot;
	char want[MAC_HEX + 1];
	int same;

	if (len == 0 || len > STS_GRANT_MAX || strncmp(text, PREFIX, strlen(PREFIX)) != 0)
		return sts_error_set(err, "grant: malformed");
	dot = strrchr(text, '.');
	if (!dot || dot < text + strlen(PREFIX) || strlen(dot + 1) != MAC_HEX)
		return sts_error_set(err, "grant: malformed");
	if (mac_hex(key, text, (size_t)(dot - text), want) < 0)
		return sts_error_set(err, "grant: cannot compute the MAC");
	same = CRYPTO_memcmp(want, dot + 1, MAC_HEX) == 0;
	OPENSSL_cleanse(want, sizeof(want));
	if (!same)
		return sts_error_set(err, "grant: not authentic");
	*b64 = text + strlen(PREFIX);
	*b64len = (size_t)(dot - *b64);
	return 0;
}

int sts_grant_open(const unsigned char key[STS_GRANT_KEY_LEN], const char *text, const char *user,
		   const char *service, int64_t now, sts_grant *out, sts_error *err)
{
	const char *b64 = NULL;
	size_t b64len = 0;
	char *json = NULL;
	json_object *obj = NULL;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (check_mac(key, text, &b64, &b64len, err) < 0)
		return -1;
	json = decode_b64(b64, b64len);
	obj = json ? json_tokener_parse(json) : NULL;
	if (!obj || grant_from_json(obj, out) < 0) {
		sts_error_set(err, "grant: malformed request");
		goto out;
	}
	if (strcmp(out->user, user) != 0 || strcmp(out->service, service) != 0) {
		sts_error_set(err, "grant: issued for another user or service");
		goto out;
	}
	if (now >= out->expires || out->issued > now) {
		sts_error_set(err, "grant: expired");
		goto out;
	}
	rc = 0;
out:
	json_object_put(obj);
	free(json);
	if (rc < 0)
		sts_grant_free(out);
	return rc;
}

bool sts_grant_rhost_matches(const sts_grant *g, const char *rhost)
{
	const char *sealed = g->rhost && *g->rhost ? g->rhost : NULL;

	if (!rhost || !*rhost)
		return !sealed;
	return sealed && strcmp(sealed, rhost) == 0;
}

void sts_grant_request(const sts_grant *g, sts_authz_request *req)
{
	memset(req, 0, sizeof(*req));
	req->op = g->op;
	req->target = g->target;
	req->session_name = g->session_name;
	req->duration = g->duration;
	req->session_policy = g->session_policy;
	req->session_policy_text = g->session_policy_text;
}

void sts_grant_free(sts_grant *g)
{
	free(g->user);
	free(g->service);
	free(g->target);
	free(g->session_name);
	free(g->session_policy);
	free(g->session_policy_text);
	free(g->source_ip);
	free(g->rhost);
	if (g->token_code)
		OPENSSL_cleanse(g->token_code, strlen(g->token_code));
	free(g->token_code);
	memset(g, 0, sizeof(*g));
}
