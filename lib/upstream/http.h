/*
 * One HTTP exchange through libcurl, hardened the same way for STS and
 * IMDS: no redirects, no proxy (not even from the environment), only the
 * URL's own protocol, a connect timeout and a total timeout, a bounded
 * answer, and optionally a CA file trusted on top of the system's.
 */
#ifndef STS_UPSTREAM_HTTP_H
#define STS_UPSTREAM_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

typedef enum {
	STS_URL_HTTPS_OR_LOOPBACK, /* https://, or http:// to 127.0.0.0/8 or [::1] */
	STS_URL_HTTP_IP,	   /* http:// to a literal IP address (IMDS) */
} sts_url_rule;

/*
 * Checks an endpoint against |rule|: besides the scheme and host, no user
 * name, no query, no fragment, and no path but "/" (the calls add their
 * own). Returns 0, or -1 with |err| naming the rule broken.
 */
int sts_http_url_check(const char *url, sts_url_rule rule, sts_error *err);

typedef struct {
	const char *method;	    /* "GET", "PUT" or "POST" */
	const char *url;	    /* http:// or https:// only */
	const char *const *headers; /* NULL-terminated "Name: value" lines, or NULL */
	const char *body;	    /* PUT and POST: sent as is (may be NULL: empty) */
	size_t body_len;
	const char *sigv4;	   /* CURLOPT_AWS_SIGV4's "aws:amz:REGION:SERVICE", or NULL */
	const char *access_key_id; /* with |sigv4| */
	const char *secret_access_key;
	const char *ca_file;	 /* trusted besides the system's CAs, or NULL */
	long connect_timeout_ms; /* > 0 */
	long timeout_ms;	 /* > 0: the whole exchange */
	size_t max_answer;	 /* a longer answer is an error */
} sts_http_request;

/* The answer: the HTTP status and the body (NUL-terminated, malloc'd). */
typedef struct {
	long status;
	char *body;
	size_t len;
} sts_http_answer;

/* Wipes (the body may hold credentials) and frees. */
void sts_http_answer_clear(sts_http_answer *a);

/* A monotonic clock in milliseconds, for the callers' deadlines. */
int64_t sts_http_now_ms(void);

/* sts_http_exchange's return when the timeout ran out. */
#define STS_HTTP_TIMEOUT (-2)

/*
 * Performs |rq|. Returns 0 when an answer came (whatever its status), or
 * STS_HTTP_TIMEOUT, or -1 (could not connect, TLS failure, answer too
 * large...) with |err| saying which; |ans| is then empty.
 */
int sts_http_exchange(const sts_http_request *rq, sts_http_answer *ans, sts_error *err);

#endif
