/*
 * STS operation names. Kept apart from the decision code (authorize.c) so
 * that the token, the issuer and their tests link without it.
 */
#include "authorize.h"

const char *sts_operation_name(sts_operation op)
{
	switch (op) {
	case STS_OP_SESSION:
		return "GetSessionToken";
	case STS_OP_ASSUME_ROLE:
		return "AssumeRole";
	case STS_OP_FEDERATE:
		return "GetFederationToken";
	}
	/* Not an operation: a name no token check accepts, and safe to print. */
	return "Unknown";
}
