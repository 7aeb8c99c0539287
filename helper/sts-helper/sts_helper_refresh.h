/*
 * Refresh (docs/refresh.md): a session's credentials issued again, without
 * a new code, for as long as the session is open, within
 * max_session_lifetime of the MFA and while the decision holds.
 *
 * op=open, when pam_sts.conf names refresh_stsctl, adds two files to the
 * session directory (lib/base/session_files.h): root's record (the grant
 * the session was opened with, sealed again under the grant key to expire
 * at the cap) and the session's AWS config, whose profile runs
 * `stsctl credential-process --session NAME`. op=refresh (stsctl, as the
 * session's user, through the set-uid helper) opens the record, decides
 * its request again, and issues.
 */
#ifndef STS_HELPER_REFRESH_H
#define STS_HELPER_REFRESH_H

#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "base/settings.h"
#include "decide/grant.h"
#include "proto/codec.h"
#include "proto/protocol.h"

/* The profile the session's AWS config defines (AWS_PROFILE): not one the
 * credentials file holds keys for, which the SDKs would read first. */
#define STS_REFRESH_PROFILE STS_REFRESH_PROFILE_NAME

/* When refreshes of a session opened with |g| stop (the MFA time plus
 * max_session_lifetime), or 0 when it gets none: refresh_stsctl is off,
 * the grant has no MFA time, or |profile| is STS_REFRESH_PROFILE. */
int64_t sts_refresh_until(const sts_settings *s, const sts_grant *g, const char *profile);

/* Adds the record and the AWS config to the new session directory
 * |session| of |user| (refresh on: sts_refresh_until() > 0), the record's
 * grant expiring at |until|; |config| is the request's config= (named in
 * the credential_process line when set). Fills |config_path|. 0, or -1
 * with |err|. */
int sts_refresh_setup(const sts_settings *s, const char *config, const char *user,
		      const char *session, const sts_grant *g, int64_t until, char *config_path,
		      size_t cap, sts_error *err);

/* op=refresh for the caller getuid() (the real uid of a set-uid run; root
 * for the module, root's stsctl and the broker). |elevated|: config= is not
 * honoured. */
int sts_helper_refresh(const sts_msg *req, bool elevated, sts_msg *resp);

#endif
