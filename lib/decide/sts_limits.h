/*
 * STS's limits on durations and names, as the service validates them before
 * it looks at any policy (a request outside them is a ValidationError).
 */
#ifndef STS_LIMITS_H
#define STS_LIMITS_H

#include <stdbool.h>

#include "base/error.h"
#include "proto/operation.h"

/* STS's limits on durations, in seconds. */
#define STS_DURATION_MIN	     900ul
#define STS_SESSION_DURATION_MAX     129600ul
#define STS_SESSION_DURATION_DEFAULT 43200ul
#define STS_ROLE_DURATION_DEFAULT    3600ul
#define STS_ROLE_MAX_SESSION_MIN     3600ul
#define STS_ROLE_MAX_SESSION_MAX     43200ul

/* RoleSessionName: 2..64 of [\w+=,.@-]; federated Name: 2..32 of the same. */
bool sts_valid_session_name(const char *name);
bool sts_valid_federated_name(const char *name);
/* A session policy or role NAME usable as a file name: [A-Za-z0-9+=,.@_-]{1,128}, no leading dot. */
bool sts_valid_object_name(const char *name);

/*
 * The duration of |op|: |requested| seconds, or STS's default when 0.
 * |role_max| is the role's MaxSessionDuration (assume-role only). Returns 0
 * with *out set, or -1 with a ValidationError-like message in |err|.
 */
int sts_duration_check(sts_operation op, unsigned long requested, unsigned long role_max,
		       unsigned long *out, sts_error *err);

/* An IAM user or role name: [\w+=,.@-]{1,64}. */
bool sts_valid_iam_name(const char *name);

#endif
