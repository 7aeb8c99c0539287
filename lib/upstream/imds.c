/* IMDSv2: the token, the role's name, the role's credentials (JSON). */
#include "upstream/imds.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>
#include <openssl/crypto.h>

#include "upstream/http.h"
#include "upstream/iso8601.h"

#define TOKEN_PATH	"/latest/api/token"
#define CREDS_PATH	"/latest/meta-data/iam/security-credentials/"
#define TOKEN_MAX	1024
#define ROLE_MAX	128
#define ANSWER_MAX	(64u * 1024u)
#define ENDPOINT_MAX	256
#define HEADER_SIZE	(TOKEN_MAX + 64)
#define URL_SIZE	(ENDPOINT_MAX + sizeof(CREDS_PATH) + ROLE_MAX + 1)
#define CREDS_VALUE_MAX 128
#define CREDS_TOKEN_MAX (16u * 1024u)

struct sts_imds {
	char endpoint[ENDPOINT_MAX + 1]; /* without a trailing "/" */
	long connect_timeout_ms, timeout_ms;
	pthread_mutex_t lock;
	char token[TOKEN_MAX + 1]; /* "" when none is cached */
	int64_t token_expires;
};

/* Where one sts_imds_credentials call stands. */
typedef struct {
	sts_imds *m;
	int64_t deadline_ms;
} imds_call;

sts_imds *sts_imds_new(const char *endpoint, long connect_timeout_ms, long timeout_ms,
		       sts_error *err)
{
	sts_imds *m;
	size_t len;

	if (sts_http_url_check(endpoint, STS_URL_HTTP_IP, err) < 0)
		return NULL;
	len = strlen(endpoint);
	if (len > 0 && endpoint[len - 1] == '/')
		len--;
	if (len > ENDPOINT_MAX || connect_timeout_ms <= 0 || timeout_ms <= 0) {
		sts_error_set(err, "IMDS: endpoint too long or timeouts not > 0");
		return NULL;
	}
	if (!(m = calloc(1, sizeof(*m)))) {
		sts_error_set(err, "IMDS: out of memory");
		return NULL;
	}
	memcpy(m->endpoint, endpoint, len);
	m->connect_timeout_ms = connect_timeout_ms;
	m->timeout_ms = timeout_ms;
	pthread_mutex_init(&m->lock, NULL);
	return m;
}

void sts_imds_free(sts_imds *m)
{
	if (!m)
		return;
	pthread_mutex_destroy(&m->lock);
	OPENSSL_cleanse(m, sizeof(*m));
	free(m);
}

/* One exchange with IMDS within the call's deadline. 0 with |ans| (any
 * status), STS_HTTP_TIMEOUT or -1. */
static int exchange(imds_call *c, const char *method, const char *path, const char *header,
		    sts_http_answer *ans, sts_error *err)
{
	char url[URL_SIZE];
	const char *headers[2] = { header, NULL };
	int64_t left = c->deadline_ms - sts_http_now_ms();
	sts_http_request rq = { .method = method,
				.url = url,
				.headers = headers,
				.connect_timeout_ms = c->m->connect_timeout_ms,
				.max_answer = ANSWER_MAX };

	if (left <= 0) {
		sts_error_set(err, "IMDS: timed out after %ld ms", c->m->timeout_ms);
		return STS_HTTP_TIMEOUT;
	}
	rq.timeout_ms = (long)left;
	if (rq.connect_timeout_ms > left)
		rq.connect_timeout_ms = (long)left;
	snprintf(url, sizeof(url), "%s%s", c->m->endpoint, path);
	return sts_http_exchange(&rq, ans, err);
}

/* Printable ASCII without blanks, 1 to |max| bytes: goes into a header or a URL. */
static bool plain_value(const char *s, size_t len, size_t max)
{
	if (len == 0 || len > max)
		return false;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
			return false;
	return true;
}

/* Makes sure a token is cached that lives past |now| + the margin. */
static int ensure_token(imds_call *c, int64_t now, sts_error *err)
{
	char ttl[80];
	sts_http_answer ans;
	int rc;

	if (c->m->token[0] && now < c->m->token_expires - STS_IMDS_TOKEN_MARGIN)
		return 0;
	OPENSSL_cleanse(c->m->token, sizeof(c->m->token));
	snprintf(ttl, sizeof(ttl), "X-aws-ec2-metadata-token-ttl-seconds: %d", STS_IMDS_TOKEN_TTL);
	rc = exchange(c, "PUT", TOKEN_PATH, ttl, &ans, err);
	if (rc != 0)
		return rc;
	if (ans.status != 200 || !plain_value(ans.body, ans.len, TOKEN_MAX))
		rc = sts_error_set(err, "IMDS: token refused (HTTP %ld)", ans.status);
	else {
		memcpy(c->m->token, ans.body, ans.len);
		c->m->token[ans.len] = '\0';
		c->m->token_expires = now + STS_IMDS_TOKEN_TTL;
	}
	sts_http_answer_clear(&ans);
	return rc;
}

/* GET |path| with the token: 0 with a 200 answer, 1 when IMDS refused the
 * token (401: fetch another), STS_HTTP_TIMEOUT or -1. */
static int get_with_token(imds_call *c, const char *path, sts_http_answer *ans, sts_error *err)
{
	char header[HEADER_SIZE];
	int rc;

	snprintf(header, sizeof(header), "X-aws-ec2-metadata-token: %s", c->m->token);
	rc = exchange(c, "GET", path, header, ans, err);
	OPENSSL_cleanse(header, sizeof(header));
	if (rc != 0)
		return rc;
	if (ans->status == 200)
		return 0;
	if (ans->status == 401) {
		sts_error_set(err, "IMDS: the token was refused");
		rc = 1;
	} else {
		rc = sts_error_set(err, "IMDS: %s: HTTP %ld", path, ans->status);
	}
	sts_http_answer_clear(ans);
	return rc;
}

/* The listing's first line: the instance profile's role. */
static int role_name(const sts_http_answer *ans, char *role, sts_error *err)
{
	size_t len = strcspn(ans->body, "\r\n");

	if (!plain_value(ans->body, len, ROLE_MAX) || strchr(ans->body, '/'))
		return sts_error_set(err, "IMDS: no instance profile role (or a malformed name)");
	memcpy(role, ans->body, len);
	role[len] = '\0';
	return 0;
}

/* The string member |key| of |obj|, copied, or NULL. */
static char *member(json_object *obj, const char *key, size_t max)
{
	json_object *v;
	const char *s;

	if (!json_object_object_get_ex(obj, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	s = json_object_get_string(v);
	return plain_value(s, strlen(s), max) ? strdup(s) : NULL;
}

/* Wipes every string member json-c holds (the secret and token among them). */
static void wipe_json(json_object *obj)
{
	json_object_object_foreach(obj, key, v) {
		(void)key;
		if (json_object_is_type(v, json_type_string))
			OPENSSL_cleanse((void *)(uintptr_t)json_object_get_string(v),
					(size_t)json_object_get_string_len(v));
	}
}

static int parse_credentials(const sts_http_answer *ans, sts_base_creds *out, sts_error *err)
{
	json_tokener *tok = json_tokener_new();
	json_object *obj = tok ? json_tokener_parse_ex(tok, ans->body, (int)ans->len) : NULL;
	char *code = NULL, *expiration = NULL;
	int rc = 0;

	if (!obj || !json_object_is_type(obj, json_type_object) ||
	    json_tokener_get_parse_end(tok) != ans->len)
		rc = sts_error_set(err, "IMDS: the credentials are not a JSON object");
	else {
		code = member(obj, "Code", 64);
		out->access_key_id = member(obj, "AccessKeyId", CREDS_VALUE_MAX);
		out->secret_access_key = member(obj, "SecretAccessKey", CREDS_VALUE_MAX);
		out->session_token = member(obj, "Token", CREDS_TOKEN_MAX);
		expiration = member(obj, "Expiration", 64);
		if (code && strcmp(code, "Success") != 0)
			rc = sts_error_set(err, "IMDS: the credentials' Code is %.64s", code);
		else if (!out->access_key_id || !out->secret_access_key || !out->session_token ||
			 !expiration || sts_iso8601_parse(expiration, &out->expiration) < 0)
			rc = sts_error_set(err, "IMDS: the credentials lack a field or one is "
						"malformed");
	}
	if (obj && json_object_is_type(obj, json_type_object))
		wipe_json(obj);
	json_object_put(obj);
	if (tok)
		json_tokener_free(tok);
	free(code);
	free(expiration);
	if (rc < 0)
		sts_base_creds_clear(out);
	return rc;
}

/* The listing, then the role's credentials, with the cached token. */
static int fetch(imds_call *c, int64_t now, sts_base_creds *out, sts_error *err)
{
	char role[ROLE_MAX + 1], path[sizeof(CREDS_PATH) + ROLE_MAX + 1];
	sts_http_answer ans;
	int rc = ensure_token(c, now, err);

	if (rc == 0)
		rc = get_with_token(c, CREDS_PATH, &ans, err);
	if (rc != 0)
		return rc;
	rc = role_name(&ans, role, err);
	sts_http_answer_clear(&ans);
	if (rc != 0)
		return rc;
	snprintf(path, sizeof(path), "%s%s", CREDS_PATH, role);
	if ((rc = get_with_token(c, path, &ans, err)) != 0)
		return rc;
	rc = parse_credentials(&ans, out, err);
	sts_http_answer_clear(&ans);
	return rc;
}

int sts_imds_credentials(sts_imds *m, int64_t now, sts_base_creds *out, sts_error *err)
{
	imds_call c = { .m = m, .deadline_ms = sts_http_now_ms() + m->timeout_ms };
	int rc;

	memset(out, 0, sizeof(*out));
	/* Held across the exchanges: concurrent logins wait for the one token
	 * being fetched instead of each asking IMDS for its own. */
	pthread_mutex_lock(&m->lock);
	rc = fetch(&c, now, out, err);
	if (rc == 1) {
		/* IMDS forgot the token (restarted, or it expired early): once more. */
		OPENSSL_cleanse(m->token, sizeof(m->token));
		rc = fetch(&c, now, out, err);
		if (rc == 1)
			rc = -1;
	}
	pthread_mutex_unlock(&m->lock);
	return rc;
}
