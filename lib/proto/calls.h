/*
 * The client's side of each helper operation (proto/protocol.h), in the
 * manner of OpenSSH's monitor_wrap.c: one function per operation builds its
 * request from typed arguments, has sts-helper answer it (proto/client.h:
 * the broker, or the helper run for the call) and hands back the parsed
 * answer. The phases of the module and stsctl call these and never spell a
 * request themselves.
 *
 * Each returns 0 when the helper answered (|*answer| holds the answer, its
 * status read with sts_answer_status; free it with sts_msg_free),
 * STS_CALL_NOMEM when the request could not be built (out of memory, or a
 * value holds a newline: nothing was sent), or -1 with |err| when the
 * exchange failed (sts_helper_call). |*answer| is empty unless 0.
 */
#ifndef STS_PROTO_CALLS_H
#define STS_PROTO_CALLS_H

#include <stdbool.h>
#include <stdint.h>

#include "base/error.h"
#include "base/settings.h"
#include "proto/codec.h"
#include "proto/operation.h"

#define STS_CALL_NOMEM (-2)

/* Who logs in, and from where: the part the login's requests share. */
typedef struct {
	const char *config; /* the module's config=; NULL: the helper's default */
	const char *user;
	const char *service;
	const char *rhost;     /* PAM_RHOST; NULL: none */
	const char *source_ip; /* rhost when it is an IP address; NULL: none */
} sts_call_login;

/* op=open's own arguments. */
typedef struct {
	const char *grant;   /* the account phase's sealed grant */
	const char *profile; /* the credentials file's profile; NULL: default */
	bool secrets;	     /* the answer carries the secret key and token */
	const char *session; /* the session directory's name, chosen by the caller */
	long pid;	     /* the process that keeps the session open */
} sts_call_open_args;

/* op=mfa: |code| checked for |login| (service, rhost and source_ip bind
 * the GetSessionToken grant a passed code's answer carries). */
int sts_call_mfa(const sts_settings *settings, const sts_call_login *login, const char *code,
		 sts_msg *answer, sts_error *err);
/* op=roles: the roles |login|'s user may assume after MFA at |mfa_time|. */
int sts_call_roles(const sts_settings *settings, const sts_call_login *login, int64_t mfa_time,
		   sts_msg *answer, sts_error *err);
/* op=decide: |req| for |login| after MFA at |mfa_time|; with |app_request|
 * (an application's request, sent unread) only req->session_policy goes
 * with it. */
int sts_call_decide(const sts_settings *settings, const sts_call_login *login, int64_t mfa_time,
		    const sts_authz_request *req, const char *app_request, sts_msg *answer,
		    sts_error *err);
/* op=open: issue |open|->grant for |login| (its source_ip is not sent: the
 * grant holds it). */
int sts_call_open(const sts_settings *settings, const sts_call_login *login,
		  const sts_call_open_args *open, sts_msg *answer, sts_error *err);
/* op=verify: a credential checked against the issuer's key ring; no
 * configuration is sent (the helper's default applies). */
int sts_call_verify(const sts_settings *settings, const char *access_key_id,
		    const char *secret_access_key, const char *session_token, sts_msg *answer,
		    sts_error *err);
/* op=refresh: the open session |session|'s credentials issued again for the
 * caller (who must be its user); |config|: the helper's default when NULL
 * (a set-uid helper reads only its default). */
int sts_call_refresh(const sts_settings *settings, const char *config, const char *session,
		     sts_msg *answer, sts_error *err);

/* An answer's status= word. */
typedef enum {
	STS_ANSWER_OK,
	STS_ANSWER_DENIED,
	STS_ANSWER_ERROR,
	STS_ANSWER_OTHER, /* a word this client does not know */
} sts_answer_status;

sts_answer_status sts_answer_status_of(const sts_msg *answer);

#endif
