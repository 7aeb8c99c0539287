/* From module arguments and the login to an STS request and caller. */
#ifndef PAM_STS_REQUEST_H
#define PAM_STS_REQUEST_H

#include <security/pam_modules.h>

#include "proto/env.h"
#include "proto/operation.h"
#include "args.h"

/* Everything the account phase needs about the login; strings owned. */
typedef struct {
	char *user;
	char *service;
	char *rhost;	 /* PAM_RHOST or NULL */
	char *source_ip; /* rhost when it is an IP address, else NULL */
} sts_login;

/* Fills |login| from the PAM items; a PAM code. */
int sts_login_get(pam_handle_t *pamh, sts_login *login);
/* PAM_USER, PAM_SERVICE and PAM_RHOST go to the helper as protocol lines: one
 * holding a newline is invalid input. PAM_SUCCESS or PAM_SERVICE_ERR (logged). */
int sts_login_items_check(pam_handle_t *pamh);
void sts_login_free(sts_login *login);

/* The request the module arguments describe. |target| and |session_name|
 * receive malloc'd expansions (%u = user) the request points to.
 * Returns PAM_SUCCESS or PAM_SERVICE_ERR (logged). role=prompt is left as
 * target "prompt" for the caller to resolve. */
int sts_request_from_args(pam_handle_t *pamh, const sts_args *args, const char *user,
			  sts_authz_request *req, char **target, char **session_name);

/* action=requested: the request an application such as sts-assume put into
 * the PAM variable PAM_STS_REQUEST (JSON: op, target, duration,
 * session_policy), as text in |*app_request| (malloc'd). The module does not
 * parse it (it links no JSON parser: each library costs every login its
 * load time); sts-helper does, as op=decide's app_request, with the rules of
 * helper/sts-helper/sts_helper_request.c, and decides it against the policies like any
 * other. Here it is only bounded: at most STS_APP_REQUEST_MAX bytes, no
 * newline (the protocol's values are single lines). The variable is removed
 * once read. Returns PAM_SUCCESS, PAM_PERM_DENIED (absent), PAM_SERVICE_ERR
 * (too long or with a newline) or PAM_BUF_ERR; logged. */
int sts_request_from_app(pam_handle_t *pamh, char **app_request);

#endif
