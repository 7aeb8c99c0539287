/*
 * The STS call. libcurl 7.88's SigV4 (Debian 12) signs the raw path and
 * the raw query, hashes only CURLOPT_POSTFIELDS and signs every header the
 * caller sets, so the call keeps to what it gets right: path "/", no query,
 * every parameter in the form body, Content-Type set explicitly (so it is
 * signed and equals what is sent), the session token header only when
 * there is a token (empty header values are mishandled), no two headers
 * sharing a name prefix.
 */
#include "upstream/sts_call.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "upstream/http.h"

#define STS_API_VERSION	 "2011-06-15"
#define CONTENT_TYPE	 "Content-Type: application/x-www-form-urlencoded; charset=utf-8"
#define TOKEN_HEADER	 "x-amz-security-token: "
#define BODY_MAX	 (64u * 1024u)
#define REGION_MAX	 32
#define BASE_VALUE_MAX	 128
#define BASE_TOKEN_MAX	 (16u * 1024u)
#define SIGV4_PARAM_SIZE 64

static bool region_ok(const char *r)
{
	size_t len = r ? strlen(r) : 0;

	if (len == 0 || len > REGION_MAX)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!((r[i] >= 'a' && r[i] <= 'z') || (r[i] >= '0' && r[i] <= '9') || r[i] == '-'))
			return false;
	return true;
}

static int check_inputs(const sts_call_options *o, const sts_base_creds *base, sts_error *err)
{
	if (sts_http_url_check(o->endpoint, STS_URL_HTTPS_OR_LOOPBACK, err) < 0)
		return -1;
	if (!region_ok(o->region))
		return sts_error_set(err, "STS call: region must be [a-z0-9-]{1,%d}", REGION_MAX);
	if (o->connect_timeout_ms <= 0 || o->timeout_ms <= 0 || o->max_attempts < 1 ||
	    o->max_attempts > STS_CALL_MAX_ATTEMPTS || o->backoff_ms < 0)
		return sts_error_set(err, "STS call: timeouts must be > 0 and attempts 1 to %d",
				     STS_CALL_MAX_ATTEMPTS);
	/* Printable and blank-free: a CR or LF here would split a header. */
	if (!sts_base_creds_value_ok(base->access_key_id, BASE_VALUE_MAX) ||
	    !sts_base_creds_value_ok(base->secret_access_key, BASE_VALUE_MAX) ||
	    (base->session_token && *base->session_token &&
	     !sts_base_creds_value_ok(base->session_token, BASE_TOKEN_MAX)))
		return sts_error_set(err, "STS call: the base credentials are malformed");
	return 0;
}

/* Appends "&name=URLENCODED(value)" (no "&" first) to |body|. */
static int append_param(char *body, size_t *len, const char *name, const char *value)
{
	char *enc = curl_easy_escape(NULL, value, 0);
	int n;

	if (!enc)
		return -1;
	n = snprintf(body + *len, BODY_MAX - *len, "%s%s=%s", *len ? "&" : "", name, enc);
	OPENSSL_cleanse(enc, strlen(enc));
	curl_free(enc);
	if (n < 0 || (size_t)n >= BODY_MAX - *len)
		return -1;
	*len += (size_t)n;
	return 0;
}

/* The form body: Action, Version, then |params|, every value URL-encoded
 * (curl_easy_escape keeps only A-Z a-z 0-9 - . _ ~, as SigV4 wants). */
static char *form_body(sts_operation op, const sts_call_param *params, size_t nparams, size_t *len,
		       sts_error *err)
{
	char *body = malloc(BODY_MAX);

	*len = 0;
	if (!body) {
		sts_error_set(err, "STS call: out of memory");
		return NULL;
	}
	body[0] = '\0';
	bool ok = append_param(body, len, "Action", sts_operation_name(op)) == 0 &&
		  append_param(body, len, "Version", STS_API_VERSION) == 0;
	for (size_t i = 0; ok && i < nparams; i++)
		ok = params[i].name && params[i].value &&
		     append_param(body, len, params[i].name, params[i].value) == 0;
	if (!ok) {
		OPENSSL_cleanse(body, BODY_MAX);
		free(body);
		sts_error_set(err, "STS call: a parameter is missing or the body exceeds %u bytes",
			      BODY_MAX);
		return NULL;
	}
	return body;
}

/* A random wait in [0, cap] ms from OpenSSL's generator ("full jitter", so
 * helpers throttled together do not retry together). */
static long jitter_ms(long cap)
{
	uint32_t r;

	if (cap <= 0 || RAND_bytes((unsigned char *)&r, sizeof(r)) != 1)
		return cap > 0 ? cap : 0;
	return (long)(r % ((uint32_t)cap + 1));
}

static void sleep_ms(long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* What one attempt's answer means: 0 credentials, STS_CALL_FAULT a
 * refusal, -1 not STS's. |*retry| says whether another attempt may help. */
static int read_answer(const sts_http_answer *ans, sts_operation op, sts_upstream_creds *creds,
		       sts_upstream_fault *fault, bool *retry, sts_error *err)
{
	bool server_error = ans->status >= 500 && ans->status <= 599;
	int rc = sts_xml_parse(ans->body, ans->len, op, creds, fault, err);

	*retry = server_error;
	if (rc == STS_XML_FAULT) {
		*retry = *retry || strcmp(fault->code, "Throttling") == 0;
		sts_error_set(err, "STS %s: %s", fault->code, fault->message);
		return STS_CALL_FAULT;
	}
	if (rc == 0 && ans->status != 200) {
		sts_upstream_creds_clear(creds);
		return sts_error_set(err, "STS: credentials with HTTP status %ld", ans->status);
	}
	if (rc < 0 && server_error)
		sts_error_set(err, "STS: HTTP %ld", ans->status);
	return rc;
}

typedef struct {
	const sts_call_options *o;
	sts_http_request rq;
	sts_operation op;
	int64_t deadline;
} call_state;

/* Attempts until one succeeds, STS refuses for good, or the attempts or the
 * deadline run out. */
static int attempts(call_state *cs, sts_upstream_creds *creds, sts_upstream_fault *fault,
		    sts_error *err)
{
	long backoff = cs->o->backoff_ms;
	int rc = -1;

	for (unsigned attempt = 1;; attempt++) {
		sts_http_answer ans;
		bool retry = false;
		int64_t left = cs->deadline - sts_http_now_ms();

		if (left <= 0) {
			sts_error_set(err, "STS: timed out after %ld ms", cs->o->timeout_ms);
			return STS_HTTP_TIMEOUT;
		}
		cs->rq.timeout_ms = (long)left;
		cs->rq.connect_timeout_ms =
			cs->o->connect_timeout_ms < left ? cs->o->connect_timeout_ms : (long)left;
		rc = sts_http_exchange(&cs->rq, &ans, err);
		if (rc == 0)
			rc = read_answer(&ans, cs->op, creds, fault, &retry, err);
		sts_http_answer_clear(&ans);
		if (!retry || attempt >= cs->o->max_attempts)
			return rc;
		sts_upstream_fault_clear(fault);
		long wait = jitter_ms(backoff);
		if (cs->deadline - sts_http_now_ms() <= wait)
			return rc;
		sleep_ms(wait);
		backoff *= 2;
	}
}

int sts_call(const sts_call_options *o, const sts_base_creds *base, sts_operation op,
	     const sts_call_param *params, size_t nparams, sts_upstream_creds *creds,
	     sts_upstream_fault *fault, sts_error *err)
{
	char sigv4[SIGV4_PARAM_SIZE], *token_header = NULL, *body;
	const char *headers[3] = { CONTENT_TYPE, NULL, NULL };
	size_t body_len;
	call_state cs = { .o = o, .op = op, .deadline = sts_http_now_ms() + o->timeout_ms };
	int rc;

	memset(creds, 0, sizeof(*creds));
	memset(fault, 0, sizeof(*fault));
	if (check_inputs(o, base, err) < 0)
		return -1;
	if (!(body = form_body(op, params, nparams, &body_len, err)))
		return -1;
	if (base->session_token && *base->session_token) {
		size_t n = strlen(TOKEN_HEADER) + strlen(base->session_token) + 1;
		if (!(token_header = malloc(n))) {
			OPENSSL_cleanse(body, BODY_MAX);
			free(body);
			return sts_error_set(err, "STS call: out of memory");
		}
		snprintf(token_header, n, "%s%s", TOKEN_HEADER, base->session_token);
		headers[1] = token_header;
	}
	snprintf(sigv4, sizeof(sigv4), "aws:amz:%s:sts", o->region);
	cs.rq = (sts_http_request){ .method = "POST",
				    .url = o->endpoint,
				    .headers = headers,
				    .body = body,
				    .body_len = body_len,
				    .sigv4 = sigv4,
				    .access_key_id = base->access_key_id,
				    .secret_access_key = base->secret_access_key,
				    .ca_file = o->ca_file,
				    .max_answer = STS_XML_MAX };
	rc = attempts(&cs, creds, fault, err);
	OPENSSL_cleanse(body, BODY_MAX);
	free(body);
	if (token_header) {
		OPENSSL_cleanse(token_header, strlen(token_header));
		free(token_header);
	}
	return rc;
}
