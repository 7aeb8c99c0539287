/* sts-helper's operations (see helper/sts-helper/sts_helper.c for the protocol). */
#ifndef STS_HELPER_H
#define STS_HELPER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/settings.h"
#include "proto/codec.h"

/* Each fills |resp| with status=ok|denied|error and what the caller needs;
 * returns 0 when the answer is status=ok. */
int sts_helper_mfa(const sts_msg *req, sts_msg *resp);
/* op=mfa's answer to a passed code: GetSessionToken's grant for the same
 * login, when it can be sealed (helper/sts-helper/sts_helper_session_grant.c). */
void sts_helper_session_grant(const sts_settings *settings, const sts_msg *req, int64_t auth_time,
			      sts_msg *resp);
int sts_helper_decide(const sts_msg *req, sts_msg *resp);
int sts_helper_roles(const sts_msg *req, sts_msg *resp);
int sts_helper_open(const sts_msg *req, sts_msg *resp);
int sts_helper_verify(const sts_msg *req, bool elevated, sts_msg *resp);

/* One request, as a fresh sts-helper handles its stdin: parses |in|,
 * dispatches, and puts the wire answer in |*out| (malloc'd; wipe it with
 * sts_free_secret). Returns 0 when the answer is status=ok, -1 otherwise;
 * |*out| is NULL only when out of memory. Reads the configuration, the keys
 * and the policies on every call; in the resident broker pam_sts.conf, the
 * issuer key ring and the grant key come from lib/base/file_cache.h while their
 * stat is unchanged, and op=open takes the decision op=decide made for its
 * grant (sts_helper_memo.h). */
int sts_helper_handle(const char *in, size_t in_len, bool elevated, char **out, size_t *out_len);

/* sts-helper --serve: the resident broker (helper/sts-helper/sts_helper_serve.c).
 * Returns the exit status. */
int sts_helper_serve(const char *config);
/* Removes the sessions of |user| (NULL: every user's) whose owner is gone
 * (lib/base/session_reap.h), with a log line when it removed any or could not
 * look: at a login (op=open) and when the broker starts. */
void sts_helper_reap(const sts_settings *settings, const char *user);

/* status=error with |message| (logged too). */
int sts_helper_fail(sts_msg *resp, const char *status, const char *message);

#endif
