/*
 * sts-helper's operations, one per op= word of proto/protocol.h; the
 * dispatch table (sts_helper_dispatch.c) names which runs for which word,
 * and docs/protocol.md what each reads and answers.
 */
#ifndef STS_HELPER_OPS_H
#define STS_HELPER_OPS_H

#include <stdbool.h>
#include <stdint.h>

#include "base/settings.h"
#include "proto/codec.h"

/* Each fills |resp| with status=ok|denied|error and what the caller needs;
 * returns 0 when the answer is status=ok. */
int sts_helper_mfa(const sts_msg *req, sts_msg *resp);
/* op=mfa's answer to a passed code: GetSessionToken's grant for the same
 * login, when it can be sealed (sts_helper_session_grant.c). */
void sts_helper_session_grant(const sts_settings *settings, const sts_msg *req, int64_t auth_time,
			      sts_msg *resp);
int sts_helper_decide(const sts_msg *req, sts_msg *resp);
int sts_helper_roles(const sts_msg *req, sts_msg *resp);
int sts_helper_open(const sts_msg *req, sts_msg *resp);
/* |elevated|: run through a set-uid bit, so config= is not honoured. */
int sts_helper_verify(const sts_msg *req, bool elevated, sts_msg *resp);

#endif
