/*
 * The auth phase's result, kept with pam_set_data for the account phase of
 * the same PAM transaction. Applications run the two in one process (su,
 * sudo, sts-assume; OpenSSH runs keyboard-interactive authentication and
 * pam_acct_mgmt together in its PAM child and ships only the outcome and the
 * PAM environment to the monitor), and module data cannot be set by the
 * application or the user. The account phase hands the result on to the
 * session, which may run in another process, inside the sealed grant: its
 * own, or for plain action=session the one sts-helper sealed with the code.
 */
#ifndef PAM_STS_MFA_RESULT_H
#define PAM_STS_MFA_RESULT_H

#include <stdint.h>

#define STS_MFA_DATA "pam_sts_mfa_result"

typedef struct {
	int64_t auth_time; /* when the code was accepted */
	char user[256];	   /* who presented it (PAM_USER may change later) */
	/* GetSessionToken's grant sts-helper sealed with the passed code
	 * (helper/sts-helper/sts_helper_session_grant.c), for the login below; NULL when
	 * the helper sent none. The account phase hands it on only for the
	 * same login and configuration. */
	char *session_grant;
	char *config;	 /* the auth line's configuration file */
	char *service;	 /* PAM_SERVICE at auth */
	char *source_ip; /* PAM_RHOST at auth when an address; NULL: none */
	char *rhost;	 /* PAM_RHOST at auth (the grant is bound to it); NULL: none */
} sts_mfa_result;

#endif
