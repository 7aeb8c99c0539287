/*
 * One STS Query-API call over libcurl: a POST to the endpoint's "/" with an
 * application/x-www-form-urlencoded body, signed by libcurl's SigV4 with
 * the base identity's credentials, retried with jitter on Throttling and
 * 5xx only, within one deadline, and the answer parsed (sts_xml.h).
 */
#ifndef STS_UPSTREAM_STS_CALL_H
#define STS_UPSTREAM_STS_CALL_H

#include <stddef.h>

#include "base/error.h"
#include "proto/operation.h"
#include "upstream/base_creds.h"
#include "upstream/sts_xml.h"

/* The most attempts a call makes, whatever the caller asks. */
#define STS_CALL_MAX_ATTEMPTS 5

typedef struct {
	const char *endpoint;	 /* https://…, or http:// to a loopback address; path "/" */
	const char *region;	 /* the SigV4 scope's region, e.g. "eu-west-1" */
	const char *ca_file;	 /* trusted besides the system's CAs, or NULL */
	long connect_timeout_ms; /* > 0, per attempt */
	long timeout_ms;	 /* > 0: the whole call, retries and waits included */
	unsigned max_attempts;	 /* 1 to STS_CALL_MAX_ATTEMPTS */
	long backoff_ms;	 /* a retry waits a random time up to this, doubling each time */
} sts_call_options;

/* One request parameter, e.g. { "RoleArn", "arn:aws:iam::…" }; the value is
 * URL-encoded by the call. */
typedef struct {
	const char *name;
	const char *value;
} sts_call_param;

/* sts_call's return when STS refused (|fault| filled). */
#define STS_CALL_FAULT 1

/*
 * Calls |op| with |params| (Action and Version are added). Returns 0 with
 * |creds| filled; STS_CALL_FAULT with |fault| filled and |err| saying
 * "STS CODE: message"; STS_HTTP_TIMEOUT (upstream/http.h) when the deadline
 * ran out; -1 for anything else (bad options, transport or TLS failure,
 * 5xx on every attempt, an answer that is not STS's). |err| never holds a
 * secret.
 */
int sts_call(const sts_call_options *o, const sts_base_creds *base, sts_operation op,
	     const sts_call_param *params, size_t nparams, sts_upstream_creds *creds,
	     sts_upstream_fault *fault, sts_error *err);

#endif
