/* libFuzzer target: the application's request (PAM_STS_REQUEST JSON), which
 * sts-helper parses for op=decide app_request= (helper/sts-helper/sts_helper_request.c). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sts-helper/sts_helper_request.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	sts_authz_request req;
	char *text = malloc(size + 1), *target = NULL, *policy = NULL, why[256];
	int rc;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0'; /* the module sends a C string (no NUL, no newline) */
	memset(&req, 0, sizeof(req));
	rc = sts_app_request_parse(text, &req, &target, &policy, why, sizeof(why));
	/* A parsed request points at the strings it returned, and nothing else. */
	if (rc == 0 && ((req.target && req.target != target) ||
			(req.session_policy_text && req.session_policy_text != policy)))
		abort();
	free(target);
	free(policy);
	free(text);
	return 0;
}
