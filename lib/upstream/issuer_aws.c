/*
 * issuer = aws (issuer_aws.h): the decided request turned into one STS
 * call. Every failure is an error with STS's code and message or the step
 * that failed, never a secret; nothing is returned but whole credentials.
 */
#include "upstream/issuer_aws.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "base/aws_ini.h"
#include "base/fileio.h"
#include "upstream/base_creds_file.h"
#include "upstream/http.h"
#include "upstream/imds.h"
#include "upstream/sts_call.h"

#define ENDPOINT_MAX	  512
#define CONNECT_MS_MAX	  3000L
#define STS_ATTEMPTS	  3
#define BACKOFF_MS	  200L
#define IAM_USER_FILE_MAX (16u * 1024u)
#define MFA_SERIAL_MAX	  256

typedef struct {
	char endpoint[ENDPOINT_MAX];
	char *region;
	char *ca_file;
	int source; /* STS_UPSTREAM_IMDS or STS_UPSTREAM_FILE */
	char *imds_endpoint;
	char *creds_file;
	char *profile;
	char *iam_user_dir;
	bool session_tags;
	long budget_ms; /* the whole issuance, within helper_timeout */
} aws_issuer;

int sts_upstream_identity_name(const char *user, char *out, size_t outlen)
{
	size_t len = user ? strlen(user) : 0;
	bool plain = len >= 2 && len <= 64;

	for (size_t i = 0; plain && i < len; i++) {
		char ch = user[i];
		plain = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
			(ch >= '0' && ch <= '9') || strchr("_+,.@-", ch);
	}
	if (plain) {
		if (len >= outlen)
			return -1;
		memcpy(out, user, len + 1);
		return 0;
	}
	if (len == 0 || len > 31 || 1 + 2 * len >= outlen)
		return -1;
	out[0] = '=';
	for (size_t i = 0; i < len; i++)
		snprintf(out + 1 + 2 * i, 3, "%02x", (unsigned char)user[i]);
	return 0;
}

int sts_issuer_aws_endpoint(const sts_settings *s, char *out, size_t outlen, sts_error *err)
{
	int n;

	if (!s->region)
		return sts_error_set(err, "issuer = aws needs region");
	if (s->sts_endpoint)
		n = snprintf(out, outlen, "%s", s->sts_endpoint);
	else
		n = snprintf(out, outlen, "https://sts.%s.amazonaws.com", s->region);
	if (n < 0 || (size_t)n >= outlen)
		return sts_error_set(err, "sts_endpoint: longer than %zu bytes", outlen - 1);
	return sts_http_url_check(out, STS_URL_HTTPS_OR_LOOPBACK, err);
}

static void aws_free(void *impl)
{
	aws_issuer *a = impl;

	if (!a)
		return;
	free(a->region);
	free(a->ca_file);
	free(a->imds_endpoint);
	free(a->creds_file);
	free(a->profile);
	free(a->iam_user_dir);
	free(a);
}

/* One IMDS client per endpoint and budget for the process, so that the
 * resident broker keeps the IMDSv2 token between logins (imds.h). Never
 * freed: a handful at most, for the life of the process. */
#define IMDS_CACHE 4
static struct {
	char endpoint[ENDPOINT_MAX];
	long timeout_ms;
	sts_imds *client;
} imds_cache[IMDS_CACHE];
static pthread_mutex_t imds_lock = PTHREAD_MUTEX_INITIALIZER;

static sts_imds *imds_client(const char *endpoint, long timeout_ms, sts_error *err)
{
	sts_imds *m = NULL;
	int i;

	pthread_mutex_lock(&imds_lock);
	for (i = 0; i < IMDS_CACHE && imds_cache[i].client; i++)
		if (strcmp(imds_cache[i].endpoint, endpoint) == 0 &&
		    imds_cache[i].timeout_ms == timeout_ms) {
			m = imds_cache[i].client;
			break;
		}
	if (!m) {
		long connect = timeout_ms < CONNECT_MS_MAX ? timeout_ms : CONNECT_MS_MAX;
		m = sts_imds_new(endpoint, connect, timeout_ms, err);
		/* With the cache full, the client is this call's own: the caller
		 * frees what imds_cached does not know. */
		if (m && i < IMDS_CACHE) {
			snprintf(imds_cache[i].endpoint, sizeof(imds_cache[i].endpoint), "%s",
				 endpoint);
			imds_cache[i].timeout_ms = timeout_ms;
			imds_cache[i].client = m;
		}
	}
	pthread_mutex_unlock(&imds_lock);
	return m;
}

static bool imds_cached(const sts_imds *m)
{
	bool cached = false;

	pthread_mutex_lock(&imds_lock);
	for (int i = 0; i < IMDS_CACHE; i++)
		cached |= imds_cache[i].client == m;
	pthread_mutex_unlock(&imds_lock);
	return cached;
}

static int base_credentials(const aws_issuer *a, long timeout_ms, sts_base_creds *out,
			    sts_error *err)
{
	sts_imds *m;
	int rc;

	if (a->source == STS_UPSTREAM_FILE)
		return sts_base_creds_from_file(a->creds_file, a->profile, out, err);
	m = imds_client(a->imds_endpoint, timeout_ms, err);
	if (!m)
		return -1;
	rc = sts_imds_credentials(m, (int64_t)time(NULL), out, err);
	if (rc == STS_HTTP_TIMEOUT)
		sts_error_set(err, "IMDS: no answer within %ld ms", timeout_ms);
	if (!imds_cached(m))
		sts_imds_free(m);
	return rc == 0 ? 0 : -1;
}

/* The user's IAM keys and MFA serial for GetSessionToken (iam_user_dir/USER). */
static int iam_user_credentials(const aws_issuer *a, const char *user, sts_base_creds *out,
				char *serial, size_t serial_len, sts_error *err)
{
	static const char *const keys[] = { "mfa_serial", NULL };
	const char *values[1];
	size_t lens[1];
	char path[4096], *text = NULL;
	size_t len = 0;
	int rc;

	serial[0] = '\0';
	if (strchr(user, '/') || user[0] == '.' ||
	    (size_t)snprintf(path, sizeof(path), "%s/%s", a->iam_user_dir, user) >= sizeof(path))
		return sts_error_set(err, "GetSessionToken: no IAM user file for this user name");
	if (sts_read_file(path, IAM_USER_FILE_MAX,
			  STS_READ_NOFOLLOW | STS_READ_ROOT_OWNED | STS_READ_PRIVATE, &text, &len,
			  err) < 0)
		return -1;
	rc = sts_base_creds_parse(text, len, path, "default", out, err);
	if (rc == 0 &&
	    sts_aws_ini_profile(text, len, path, "default", keys, values, lens, err) != 0)
		rc = -1;
	if (rc == 0 && values[0]) {
		if (lens[0] == 0 || lens[0] >= serial_len || lens[0] >= MFA_SERIAL_MAX)
			rc = sts_error_set(err, "%s: mfa_serial is empty or too long", path);
		else
			snprintf(serial, serial_len, "%.*s", (int)lens[0], values[0]);
	}
	sts_free_secret(text, len);
	if (rc < 0)
		sts_base_creds_clear(out);
	return rc;
}

/* The call's parameters, built from the claims and the request. */
typedef struct {
	sts_call_param p[16];
	size_t n;
	char duration[24];
	char source[80];
	char host[256];
	char serial[MFA_SERIAL_MAX];
} call_params;

static void add(call_params *c, const char *name, const char *value)
{
	if (value && c->n < sizeof(c->p) / sizeof(c->p[0]))
		c->p[c->n++] = (sts_call_param){ name, value };
}

static const char *session_policy(const sts_token_claims *claims)
{
	return claims->n_session == 1 ? claims->session[0].text : NULL;
}

static void add_tags(call_params *c, const sts_issue_request *req)
{
	if (gethostname(c->host, sizeof(c->host)) < 0)
		c->host[0] = '\0';
	c->host[sizeof(c->host) - 1] = '\0';
	add(c, "Tags.member.1.Key", "pam_sts:user");
	add(c, "Tags.member.1.Value", req->user);
	add(c, "Tags.member.2.Key", "pam_sts:host");
	add(c, "Tags.member.2.Value", c->host[0] ? c->host : "unknown");
	if (req->rhost && *req->rhost) {
		add(c, "Tags.member.3.Key", "pam_sts:rhost");
		add(c, "Tags.member.3.Value", req->rhost);
	}
}

static int assume_role_params(const aws_issuer *a, const sts_token_claims *claims,
			      const sts_issue_request *req, const sts_base_creds *base,
			      call_params *c, sts_error *err)
{
	int64_t seconds = claims->expires - claims->issued;

	if (!req->role_arn || !req->session_name)
		return sts_error_set(err, "AssumeRole: no role ARN or session name decided");
	if (sts_upstream_identity_name(req->user, c->source, sizeof(c->source)) < 0)
		return sts_error_set(err, "AssumeRole: the user name cannot be a SourceIdentity");
	/* A role's credentials assuming a role is role chaining: STS refuses
	 * more than an hour. */
	if (base->session_token && seconds > STS_ROLE_CHAINING_MAX)
		seconds = STS_ROLE_CHAINING_MAX;
	snprintf(c->duration, sizeof(c->duration), "%lld", (long long)seconds);
	add(c, "RoleArn", req->role_arn);
	add(c, "RoleSessionName", req->session_name);
	add(c, "SourceIdentity", c->source);
	add(c, "DurationSeconds", c->duration);
	add(c, "Policy", session_policy(claims));
	if (a->session_tags)
		add_tags(c, req);
	return 0;
}

static int federation_params(const sts_token_claims *claims, const sts_issue_request *req,
			     call_params *c, sts_error *err)
{
	if (!req->federated_name)
		return sts_error_set(err, "GetFederationToken: no name decided");
	snprintf(c->duration, sizeof(c->duration), "%lld",
		 (long long)(claims->expires - claims->issued));
	add(c, "Name", req->federated_name);
	add(c, "Policy", session_policy(claims));
	add(c, "DurationSeconds", c->duration);
	return 0;
}

static int session_params(const sts_token_claims *claims, const sts_issue_request *req,
			  call_params *c, sts_error *err)
{
	snprintf(c->duration, sizeof(c->duration), "%lld",
		 (long long)(claims->expires - claims->issued));
	add(c, "DurationSeconds", c->duration);
	if (!c->serial[0])
		return 0;
	if (!req->token_code || !*req->token_code)
		return sts_error_set(err, "GetSessionToken: mfa_serial is set for this user, but "
					  "the login's code did not reach the session phase");
	add(c, "SerialNumber", c->serial);
	add(c, "TokenCode", req->token_code);
	return 0;
}

/* STS's answer into the session's credentials (fixed-size, as the local
 * issuer's) and the receipt. */
static int take_answer(sts_upstream_creds *up, sts_credentials *out, sts_issue_receipt *r,
		       sts_error *err)
{
	if (strlen(up->access_key_id) > STS_ACCESS_KEY_ID_LEN ||
	    strlen(up->secret_access_key) > STS_SECRET_KEY_LEN)
		return sts_error_set(err, "STS answered keys longer than a session's file holds");
	memset(out, 0, sizeof(*out));
	snprintf(out->access_key_id, sizeof(out->access_key_id), "%s", up->access_key_id);
	snprintf(out->secret_access_key, sizeof(out->secret_access_key), "%s",
		 up->secret_access_key);
	out->session_token = up->session_token;
	up->session_token = NULL;
	out->expiration = up->expiration;
	snprintf(r->request_id, sizeof(r->request_id), "%s", up->request_id ? up->request_id : "");
	snprintf(r->principal_id, sizeof(r->principal_id), "%s",
		 up->principal_id ? up->principal_id : "");
	snprintf(r->principal_arn, sizeof(r->principal_arn), "%s",
		 up->principal_arn ? up->principal_arn : "");
	snprintf(r->source_identity, sizeof(r->source_identity), "%s",
		 up->source_identity ? up->source_identity : "");
	return 0;
}

static sts_operation claims_operation(const sts_token_claims *claims)
{
	if (claims->operation &&
	    strcmp(claims->operation, sts_operation_name(STS_OP_ASSUME_ROLE)) == 0)
		return STS_OP_ASSUME_ROLE;
	if (claims->operation &&
	    strcmp(claims->operation, sts_operation_name(STS_OP_FEDERATE)) == 0)
		return STS_OP_FEDERATE;
	return STS_OP_SESSION;
}

static int call_sts(const aws_issuer *a, int64_t start_ms, const sts_base_creds *base,
		    sts_operation op, const call_params *c, sts_credentials *out,
		    sts_issue_receipt *receipt, sts_error *err)
{
	sts_call_options o = {
		.endpoint = a->endpoint,
		.region = a->region,
		.ca_file = a->ca_file,
		.max_attempts = STS_ATTEMPTS,
		.backoff_ms = BACKOFF_MS,
	};
	sts_upstream_creds up;
	sts_upstream_fault fault;
	int rc;

	memset(&up, 0, sizeof(up));
	memset(&fault, 0, sizeof(fault));
	o.timeout_ms = a->budget_ms - (long)(sts_http_now_ms() - start_ms);
	if (o.timeout_ms <= 0)
		return sts_error_set(err, "%s: no time left within helper_timeout",
				     sts_operation_name(op));
	o.connect_timeout_ms = o.timeout_ms < CONNECT_MS_MAX ? o.timeout_ms : CONNECT_MS_MAX;
	rc = sts_call(&o, base, op, c->p, c->n, &up, &fault, err);
	if (rc == STS_HTTP_TIMEOUT)
		sts_error_set(err, "%s: STS did not answer within %ld ms", sts_operation_name(op),
			      o.timeout_ms);
	if (rc == 0)
		rc = take_answer(&up, out, receipt, err);
	else
		rc = -1;
	sts_upstream_creds_clear(&up);
	sts_upstream_fault_clear(&fault);
	return rc;
}

static int aws_issue(void *impl, const sts_token_claims *claims, const sts_issue_request *req,
		     sts_credentials *out, sts_issue_receipt *receipt, sts_error *err)
{
	const aws_issuer *a = impl;
	int64_t start_ms = sts_http_now_ms();
	sts_operation op = claims_operation(claims);
	sts_base_creds base;
	call_params *c;
	int rc;

	memset(out, 0, sizeof(*out));
	memset(&base, 0, sizeof(base));
	if (!req || !req->user)
		return sts_error_set(err, "issuer aws: no request context");
	if (claims->expires <= claims->issued)
		return sts_error_set(err, "issuer aws: no duration decided");
	if (!(c = calloc(1, sizeof(*c))))
		return sts_error_set(err, "issuer aws: out of memory");
	if (op == STS_OP_SESSION)
		rc = iam_user_credentials(a, req->user, &base, c->serial, sizeof(c->serial), err);
	else
		rc = base_credentials(a, a->budget_ms / 3, &base, err);
	if (rc == 0) {
		if (op == STS_OP_ASSUME_ROLE)
			rc = assume_role_params(a, claims, req, &base, c, err);
		else if (op == STS_OP_FEDERATE)
			rc = federation_params(claims, req, c, err);
		else
			rc = session_params(claims, req, c, err);
	}
	if (rc == 0)
		rc = call_sts(a, start_ms, &base, op, c, out, receipt, err);
	sts_base_creds_clear(&base);
	OPENSSL_cleanse(c, sizeof(*c));
	free(c);
	return rc;
}

static const sts_issuer_ops aws_ops = {
	.name = "aws",
	.issue = aws_issue,
	.free = aws_free,
};

static char *dup_opt(const char *s, bool *failed)
{
	char *copy = s ? strdup(s) : NULL;

	if (s && !copy)
		*failed = true;
	return copy;
}

int sts_issuer_aws_open(const sts_settings *s, sts_issuer **out, sts_error *err)
{
	aws_issuer *a;
	bool failed = false;

	*out = NULL;
	if (!s || s->issuer != STS_ISSUER_AWS)
		return sts_error_set(err, "issuer aws: the settings do not say issuer = aws");
	if (!(a = calloc(1, sizeof(*a))))
		return sts_error_set(err, "issuer aws: out of memory");
	if (sts_issuer_aws_endpoint(s, a->endpoint, sizeof(a->endpoint), err) < 0 ||
	    (s->upstream_credentials == STS_UPSTREAM_IMDS &&
	     sts_http_url_check(s->imds_endpoint, STS_URL_HTTP_IP, err) < 0)) {
		aws_free(a);
		return -1;
	}
	a->region = dup_opt(s->region, &failed);
	a->ca_file = dup_opt(s->sts_ca_file, &failed);
	a->source = s->upstream_credentials;
	a->imds_endpoint = dup_opt(s->imds_endpoint, &failed);
	a->creds_file = dup_opt(s->upstream_credentials_file, &failed);
	a->profile = dup_opt(s->upstream_profile, &failed);
	a->iam_user_dir = dup_opt(s->iam_user_dir, &failed);
	a->session_tags = s->session_tags;
	/* A quarter of helper_timeout is left for the rest of the phase and
	 * the answer's way back to the module. */
	a->budget_ms = (long)s->helper_timeout * 750L;
	if (failed || sts_issuer_new(&aws_ops, a, out, err) < 0) {
		aws_free(a);
		return failed ? sts_error_set(err, "issuer aws: out of memory") : -1;
	}
	return 0;
}
