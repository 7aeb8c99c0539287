/* The application's request of op=decide (app_request=, see sts_helper_request.c). */
#ifndef STS_HELPER_REQUEST_H
#define STS_HELPER_REQUEST_H

#include <stddef.h>

#include "decide/authorize.h"

#define STS_APP_MALFORMED (-1)
#define STS_APP_NOMEM	  (-2)

/*
 * Parses |text|, the JSON an application such as sts-assume put into
 * PAM_STS_REQUEST: an object with "op" (session, assume-role or federate),
 * "target" (a string; required unless op is session), "duration" (a string
 * of decimal seconds, not 0) and "session_policy" (an object), nothing else.
 * Fills req->op, req->duration, req->target (= *target) and
 * req->session_policy_text (= *policy_text, the policy in json-c's plain
 * form); the two strings are malloc'd and the caller's to free.
 * Returns 0, STS_APP_MALFORMED with |why| saying which rule the request
 * breaks (no part of the request is quoted), or STS_APP_NOMEM.
 */
int sts_app_request_parse(const char *text, sts_authz_request *req, char **target,
			  char **policy_text, char *why, size_t why_len);

#endif
