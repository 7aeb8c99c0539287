/* stsctl validate FILE...: IAM CreatePolicy rules for identity policies. */
#include <stdio.h>

#include "policy.h"
#include "stsctl.h"

int stsctl_validate(int argc, char **argv)
{
	int status = STSCTL_OK;

	if (argc < 2) {
		fputs("usage: stsctl validate FILE...\n", stderr);
		return STSCTL_USAGE;
	}
	for (int i = 1; i < argc; i++) {
		sts_policy *policy = NULL;
		if (stsctl_load_policy(argv[i], STS_DOC_IDENTITY, &policy) < 0) {
			status = STSCTL_USAGE;
			continue;
		}
		printf("%s: valid (%zu statements)\n", argv[i], sts_policy_statement_count(policy));
		sts_policy_free(policy);
	}
	return status;
}
