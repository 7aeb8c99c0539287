/*
 * STS operation names and words, and the request's duration. Kept apart from
 * the decision code (authorize.c) so that the token, the issuer, their tests
 * and pam_sts.so (which links only libpam and libc) link without it.
 */
#include "proto/operation.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

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

const char *sts_operation_word(sts_operation op)
{
	return op == STS_OP_ASSUME_ROLE ? "assume-role" :
	       op == STS_OP_FEDERATE	? "federate" :
					  "session";
}

int sts_operation_from_word(const char *word, sts_operation *op)
{
	static const sts_operation all[] = { STS_OP_SESSION, STS_OP_ASSUME_ROLE, STS_OP_FEDERATE };

	for (size_t i = 0; word && i < sizeof(all) / sizeof(all[0]); i++)
		if (strcmp(word, sts_operation_word(all[i])) == 0) {
			*op = all[i];
			return 0;
		}
	return -1;
}

int sts_parse_duration(const char *text, unsigned long *out)
{
	char *end = NULL;
	unsigned long v;

	*out = 0;
	if (!text)
		return 0;
	/* strtoul would take a sign or leading blanks. */
	if (*text < '0' || *text > '9')
		return -1;
	errno = 0;
	v = strtoul(text, &end, 10);
	if (errno || *end || v == 0)
		return -1;
	*out = v;
	return 0;
}
