/*
 * STS's limits on durations and names, as the service validates them before
 * it looks at any policy (a request outside them is a ValidationError).
 * The name checks themselves are declared in authorize.h.
 */
#ifndef STS_LIMITS_H
#define STS_LIMITS_H

#include <stdbool.h>

#include "authorize.h"
#include "error.h"

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
