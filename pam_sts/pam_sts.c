/*
 * pam_sts: the PAM entry points only. Each phase lives in its own file;
 * this file parses the arguments and dispatches.
 */
#include <security/pam_modules.h>

#include "account.h"
#include "args.h"
#include "auth.h"
#include "session.h"

#define PAM_STS_EXPORT __attribute__((visibility("default")))

PAM_STS_EXPORT int pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	sts_args args;
	int rc = sts_args_parse(pamh, argc, argv, &args);

	if (rc != PAM_SUCCESS)
		return rc;
	return sts_authenticate(pamh, flags, &args);
}

PAM_STS_EXPORT int pam_sm_setcred(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	(void)pamh;
	(void)flags;
	(void)argc;
	(void)argv;
	/* Credentials are issued by the session phase, not by setcred. */
	return PAM_SUCCESS;
}

PAM_STS_EXPORT int pam_sm_acct_mgmt(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	sts_args args;
	int rc = sts_args_parse(pamh, argc, argv, &args);

	if (rc != PAM_SUCCESS)
		return rc;
	return sts_account(pamh, flags, &args);
}

PAM_STS_EXPORT int pam_sm_open_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	sts_args args;
	int rc = sts_args_parse(pamh, argc, argv, &args);

	if (rc != PAM_SUCCESS)
		return PAM_SESSION_ERR;
	return sts_open_session(pamh, flags, &args);
}

PAM_STS_EXPORT int pam_sm_close_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	sts_args args;
	int rc = sts_args_parse(pamh, argc, argv, &args);

	if (rc != PAM_SUCCESS)
		return PAM_SESSION_ERR;
	return sts_close_session(pamh, flags, &args);
}
