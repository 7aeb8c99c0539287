/* STS's limits: durations per operation and the names it accepts. */
#include "decide/sts_limits.h"

#include <string.h>

/* [\w+=,.@-]: \w is ASCII letters, digits and '_' in AWS's patterns. */
static bool sts_name_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       strchr("_+=,.@-", c) != NULL;
}

static bool name_in_range(const char *name, size_t min, size_t max)
{
	size_t n;

	if (!name)
		return false;
	for (n = 0; name[n]; n++) {
		if (n >= max || !sts_name_char(name[n]))
			return false;
	}
	return n >= min;
}

bool sts_valid_session_name(const char *name)
{
	return name_in_range(name, 2, 64);
}

bool sts_valid_federated_name(const char *name)
{
	return name_in_range(name, 2, 32);
}

bool sts_valid_iam_name(const char *name)
{
	return name_in_range(name, 1, 64);
}

bool sts_valid_object_name(const char *name)
{
	return name_in_range(name, 1, 128) && name[0] != '.';
}

int sts_duration_check(sts_operation op, unsigned long requested, unsigned long role_max,
		       unsigned long *out, sts_error *err)
{
	unsigned long max, def;
	const char *what;

	switch (op) {
	case STS_OP_SESSION:
	case STS_OP_FEDERATE:
		max = STS_SESSION_DURATION_MAX;
		def = STS_SESSION_DURATION_DEFAULT;
		what = "the maximum of 129600 seconds (36 hours)";
		break;
	case STS_OP_ASSUME_ROLE:
		if (role_max < STS_ROLE_MAX_SESSION_MIN || role_max > STS_ROLE_MAX_SESSION_MAX)
			return sts_error_set(err,
					     "role MaxSessionDuration %lu is outside 3600..43200",
					     role_max);
		max = role_max;
		def = STS_ROLE_DURATION_DEFAULT;
		what = "the MaxSessionDuration set for this role";
		break;
	default:
		return sts_error_set(err, "unknown STS operation %d", (int)op);
	}
	if (requested == 0)
		requested = def;
	if (requested < STS_DURATION_MIN)
		return sts_error_set(err,
				     "ValidationError: DurationSeconds %lu is below the minimum of "
				     "900 seconds",
				     requested);
	if (requested > max)
		return sts_error_set(
			err,
			"ValidationError: the requested DurationSeconds %lu exceeds %s "
			"(%lu)",
			requested, what, max);
	*out = requested;
	return 0;
}
